package restapi

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// mode says who may write a field.
type mode int

const (
	rw         mode = iota // client-writable on create and PUT
	createOnly             // written on create, kept from the stored object on PUT (ids)
	ro                     // output only; input ignored
	sticky                 // PUT writes it only while the stored value is unset (peerId, hostId)
)

// field is one row of a resource's field table.
type field struct {
	json string
	// proto is the dotted protobuf field path, e.g. "tenant_id" or
	// "condition.nw_src_ip"; intermediate messages are created on write.
	proto string
	kind  kind
	mode  mode
	// required: bean-validated non-null ("may not be null").
	required bool
	// def is written when the key is absent or null (create and PUT alike:
	// the reference fills bodies into freshly constructed models).
	def any
	// sizeMin/sizeMax bound string lengths when sizeMax > 0.
	sizeMin, sizeMax int
	// min/max bound integers when set.
	min, max *int64
	// enum maps JSON strings to proto enum value names (kEnum).
	enum map[string]string
	// aliases are extra JSON strings accepted on input for kEnum.
	aliases map[string]string
	// enumError replaces the message of a 400 for an unknown enum value.
	enumError string
	// sub are the fields of a nested object (kMessage, kMessageList),
	// with proto paths relative to the nested message.
	sub []field
	// invalidMessage replaces "is an invalid IP format" for address kinds.
	invalidMessage string
	// path is proto resolved in the message type pathIn (by the resource's
	// check, once), which read walks instead of looking every name up in
	// every object it encodes; nil for rows not resolved.
	path   []protoreflect.FieldDescriptor
	pathIn protoreflect.MessageDescriptor
}

// resolve sets f.path to f.proto's descriptors in md (left unset when
// they are not all there: read then looks them up, as readMsg does).
func (f *field) resolve(md protoreflect.MessageDescriptor) {
	var path []protoreflect.FieldDescriptor
	d := md
	for name := range strings.SplitSeq(f.proto, ".") {
		if d == nil {
			return
		}
		fd := d.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			return
		}
		path = append(path, fd)
		d = fd.Message()
	}
	f.path, f.pathIn = path, md
}

// read is readMsg(m, f.proto), through f.path when it was resolved in m's
// type.
func (f *field) read(m protoreflect.Message) (protoreflect.Message, protoreflect.FieldDescriptor, bool) {
	if f.pathIn == nil || m.Descriptor() != f.pathIn {
		return readMsg(m, f.proto)
	}
	last := len(f.path) - 1
	for _, fd := range f.path[:last] {
		if !m.Has(fd) {
			return nil, nil, false
		}
		m = m.Get(fd).Message()
	}
	return m, f.path[last], true
}

func bound(v int64) *int64 { return &v }

var (
	macPattern = regexp.MustCompile(`^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$`)
	// macWords is what the reference's MAC.fromString reads (rule
	// conditions' @ValidMac): six words of one or two hex digits.
	macWords    = regexp.MustCompile(`^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$`)
	errNotFound = fmt.Errorf("not found")
)

// fieldDesc resolves a dotted proto path on a message descriptor.
func fieldDesc(md protoreflect.MessageDescriptor, path string) (protoreflect.FieldDescriptor, error) {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		fd := md.Fields().ByName(protoreflect.Name(p))
		if fd == nil {
			return nil, fmt.Errorf("%s has no field %q", md.FullName(), p)
		}
		if i == len(parts)-1 {
			return fd, nil
		}
		if fd.Message() == nil || fd.IsList() {
			return nil, fmt.Errorf("%s.%s is not a singular message", md.FullName(), p)
		}
		md = fd.Message()
	}
	return nil, fmt.Errorf("empty field path")
}

// readMsg walks to the message holding the last path element without
// creating anything; ok is false when an intermediate message is unset.
// It runs per field of every object a GET encodes: it walks path without
// splitting it.
func readMsg(m protoreflect.Message, path string) (protoreflect.Message, protoreflect.FieldDescriptor, bool) {
	for {
		name, rest, nested := strings.Cut(path, ".")
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		if !nested {
			return m, fd, true
		}
		if !m.Has(fd) {
			return nil, nil, false
		}
		m, path = m.Get(fd).Message(), rest
	}
}

// writeMsg walks to the message holding the last path element, creating
// intermediate messages.
func writeMsg(m protoreflect.Message, path string) (protoreflect.Message, protoreflect.FieldDescriptor) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(p))
		m = m.Mutable(fd).Message()
	}
	return m, m.Descriptor().Fields().ByName(protoreflect.Name(parts[len(parts)-1]))
}

// clearField unsets the field at path (if its parent exists).
func clearField(m protoreflect.Message, path string) {
	if parent, fd, ok := readMsg(m, path); ok {
		parent.Clear(fd)
	}
}

// hasField reports whether the field at path is set.
func hasField(m protoreflect.Message, path string) bool {
	parent, fd, ok := readMsg(m, path)
	if !ok {
		return false
	}
	if fd.IsList() {
		return parent.Get(fd).List().Len() > 0
	}
	return parent.Has(fd)
}

// --- UUIDs, addresses ------------------------------------------------------

// uuidToMsg writes id into a commons.UUID message.
func uuidToMsg(id uuid.UUID, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	m.Set(fields.ByName("msb"), protoreflect.ValueOfUint64(binary.BigEndian.Uint64(id[:8])))
	m.Set(fields.ByName("lsb"), protoreflect.ValueOfUint64(binary.BigEndian.Uint64(id[8:])))
}

// uuidFromMsg reads a commons.UUID message.
func uuidFromMsg(m protoreflect.Message) uuid.UUID {
	if id, ok := m.Interface().(*models.UUID); ok {
		return id.ToGoogle() // every stored model's: no field lookups by name
	}
	fields := m.Descriptor().Fields()
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], m.Get(fields.ByName("msb")).Uint())
	binary.BigEndian.PutUint64(id[8:], m.Get(fields.ByName("lsb")).Uint())
	return id
}

func ipVersionOf(a netip.Addr) string {
	if a.Is4() {
		return "V4"
	}
	return "V6"
}

func setEnumByName(m protoreflect.Message, fd protoreflect.FieldDescriptor, name string) error {
	ev := fd.Enum().Values().ByName(protoreflect.Name(name))
	if ev == nil {
		return fmt.Errorf("%s has no value %s", fd.Enum().FullName(), name)
	}
	m.Set(fd, protoreflect.ValueOfEnum(ev.Number()))
	return nil
}

func enumName(m protoreflect.Message, fd protoreflect.FieldDescriptor) string {
	return enumValueName(fd, m.Get(fd))
}

// ipString is the stored text of an address: Java's (IPv6 uncompressed),
// as the models package writes it.
func ipString(a netip.Addr) string {
	if x, err := models.IPAddressFromAddr(a); err == nil {
		return x.GetAddress()
	}
	return a.String()
}

// ipToMsg writes a commons.IPAddress.
func ipToMsg(a netip.Addr, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	_ = setEnumByName(m, fields.ByName("version"), ipVersionOf(a))
	m.Set(fields.ByName("address"), protoreflect.ValueOfString(ipString(a)))
}

func ipFromMsg(m protoreflect.Message) string {
	return m.Get(m.Descriptor().Fields().ByName("address")).String()
}

// subnetToMsg writes a commons.IPSubnet.
func subnetToMsg(p netip.Prefix, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	_ = setEnumByName(m, fields.ByName("version"), ipVersionOf(p.Addr()))
	m.Set(fields.ByName("address"), protoreflect.ValueOfString(ipString(p.Addr())))
	m.Set(fields.ByName("prefix_length"), protoreflect.ValueOfUint32(uint32(p.Bits())))
}

func subnetFromMsg(m protoreflect.Message) string {
	fields := m.Descriptor().Fields()
	return fmt.Sprintf("%s/%d", m.Get(fields.ByName("address")).String(), m.Get(fields.ByName("prefix_length")).Uint())
}

// --- JSON scalar decoding (lenient: numbers and booleans as strings) -------

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

func decodeString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	// Jackson coerces scalars to strings.
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return strconv.FormatBool(b), nil
	}
	return "", fmt.Errorf("cannot deserialize a string out of %s", truncate(raw))
}

func decodeInt(raw json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if err2 := json.Unmarshal(raw, &s); err2 != nil {
			return 0, fmt.Errorf("cannot deserialize a number out of %s", truncate(raw))
		}
		n = json.Number(strings.TrimSpace(s))
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	if u, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
		return int64(u), nil // unsigned 64-bit values (tunnel keys, limits) wrap like Java longs
	}
	return 0, fmt.Errorf("cannot deserialize a number out of %s", truncate(raw))
}

func decodeBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		i, err := n.Int64()
		if err == nil {
			return i != 0, nil
		}
	}
	return false, fmt.Errorf("cannot deserialize a boolean out of %s", truncate(raw))
}

func decodeUUID(raw json.RawMessage) (uuid.UUID, error) {
	s, err := decodeString(raw)
	if err != nil {
		return uuid.UUID{}, err
	}
	id, err := parseUUID(strings.TrimSpace(s))
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("cannot deserialize a UUID out of %q", truncate([]byte(s)))
	}
	return id, nil
}

// parseUUID reads a UUID in the one form the reference's UUID.fromString
// reads: 36 characters, hyphenated. uuid.Parse alone also takes
// "urn:uuid:..." and the unhyphenated form, by which a path such as
// /bridges/urn:uuid:... would name an object the reference does not find.
func parseUUID(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.Nil, fmt.Errorf("invalid UUID length %d", len(s))
	}
	return uuid.Parse(s)
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}

// badJSON is the 400 the reference answers for JSON mapping errors.
func badJSON(fieldName string, err error) *Error {
	return &Error{Status: 400, Message: fmt.Sprintf("Invalid value for field %s: %v", fieldName, err), Err: err}
}

func uuidPtr(id uuid.UUID) *models.UUID { return models.UUIDFromGoogle(id) }

func toUUID(x *models.UUID) uuid.UUID {
	if x == nil {
		return uuid.Nil
	}
	return x.ToGoogle()
}

func toUUIDs(xs []*models.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.ToGoogle())
	}
	return out
}

func removeUUID(xs []*models.UUID, id uuid.UUID) []*models.UUID {
	return slices.DeleteFunc(slices.Clone(xs), func(x *models.UUID) bool { return x.ToGoogle() == id })
}
