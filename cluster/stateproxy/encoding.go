package stateproxy

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// encoder turns a table entry's key or value (as stored) into its wire form.
type encoder func(string) (*models.KeyValue, error)

// textClasses are the JVM classes whose values travel as UTF-8 text: the
// value types of MidoNet's tables besides MAC, IPv4Addr and UUID.
var textClasses = map[string]bool{
	"java.lang.String": true, "java.lang.Object": true,
	"org.midonet.cluster.data.storage.model.ArpEntry":   true,
	"org.midonet.cluster.data.storage.model.Fip64Entry": true,
	"org.midonet.packets.IPv6Addr":                      true,
	"org.midonet.packets.IPAddr":                        true,
}

// encoderOf is the encoding of a JVM class name; false for classes the
// proxy does not know.
func encoderOf(class string) (encoder, bool) {
	switch class {
	case "org.midonet.packets.MAC":
		return encodeMAC, true
	case "org.midonet.packets.IPv4Addr":
		return encodeIPv4, true
	case "java.util.UUID":
		return encodeUUID, true
	}
	if textClasses[class] {
		return encodeText, true
	}
	return nil, false
}

func encodeText(s string) (*models.KeyValue, error) {
	return &models.KeyValue{Data: &models.KeyValue_DataVariable{DataVariable: []byte(s)}}, nil
}

// encodeMAC: the 48-bit value, first byte most significant; words of one
// or two hex digits, as MAC.fromString reads them.
func encodeMAC(s string) (*models.KeyValue, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return nil, fmt.Errorf("invalid MAC %q", s)
	}
	var v uint64
	for _, p := range parts {
		b, err := strconv.ParseUint(p, 16, 8)
		if err != nil || len(p) == 0 || len(p) > 2 {
			return nil, fmt.Errorf("invalid MAC %q", s)
		}
		v = v<<8 | b
	}
	return &models.KeyValue{Data: &models.KeyValue_Data_64{Data_64: v}}, nil
}

func encodeIPv4(s string) (*models.KeyValue, error) {
	ip := net.ParseIP(s).To4()
	if ip == nil || strings.Contains(s, ":") {
		return nil, fmt.Errorf("invalid IPv4 address %q", s)
	}
	return &models.KeyValue{Data: &models.KeyValue_Data_32{Data_32: binary.BigEndian.Uint32(ip)}}, nil
}

// encodeUUID: 16 bytes, most significant half first, both big-endian.
func encodeUUID(s string) (*models.KeyValue, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, err
	}
	return &models.KeyValue{Data: &models.KeyValue_DataVariable{DataVariable: id[:]}}, nil
}
