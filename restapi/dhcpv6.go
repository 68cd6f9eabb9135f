package restapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// DHCPv6 subnets (class DhcpV6) live at /bridges/{id}/dhcpV6/{prefix}_{len}
// with the address written as eight hex groups (the reference's format),
// and their hosts at .../hostsV6/{clientId with ':' as '-'}.

// dhcpV6 is the DHCPv6 flavour of the DHCP handlers.
var dhcpV6 = &dhcpFlavour[*models.DhcpV6, *models.DhcpV6_Host]{
	segment:      "dhcpV6",
	hostsSegment: "hostsV6",
	hostParam:    "client",
	subnetMedia:  "DhcpV6Subnet-v1",
	hostMedia:    "DhcpV6Host-v1",
	subnetIDs:    func(n *models.Network) []*models.UUID { return n.Dhcpv6Ids },
	id:           func(d *models.DhcpV6) *models.UUID { return d.Id },
	prefix:       v6Prefix,
	subnetKey: func(d *models.DhcpV6) string {
		p, _ := v6Prefix(d)
		return fmt.Sprintf("%s_%d", longIPv6(p.Addr()), p.Bits())
	},
	hosts:        func(d *models.DhcpV6) *[]*models.DhcpV6_Host { return &d.Hosts },
	encodeSubnet: encodeDhcpV6,
	decodeNew: func(c *call, bridge uuid.UUID, body map[string]json.RawMessage) (*models.DhcpV6, error) {
		sub, err := decodeDhcpV6Subnet(body)
		if err != nil {
			return nil, err
		}
		return &models.DhcpV6{Id: models.NewUUID(), NetworkId: uuidPtr(bridge), SubnetAddress: sub}, nil
	},
	checkNew:     checkNewDhcpV6,
	decodeUpdate: decodeDhcpV6Update,
	encodeHost:   encodeDhcpV6Host,
	decodeHost:   decodeDhcpV6Host,
	hostKey:      (*models.DhcpV6_Host).GetClientId,
	hostURIKey:   clientIDInURI,
	sameHost:     func(stored, key string) bool { return clientIDInURI(stored) == clientIDInURI(key) },
	// The reference's message says "MAC address" and names the new host's
	// fixed address (null when it has none).
	hostConflict: func(bridge uuid.UUID, d *models.DhcpV6, h *models.DhcpV6_Host) error {
		p, _ := v6Prefix(d)
		addr := "null"
		if h.IpAddress != nil {
			addr = h.IpAddress.GetAddress()
		}
		return errorf(http.StatusConflict, "Subnet %s on bridge %s already has a host with MAC address %s.", subnetText(p), bridge, addr)
	},
}

// dhcpV6Family is the family of DHCPv6 subnets and hosts.
func dhcpV6Family() family { return family{endpoints: dhcpV6.endpoints()} }

// clientIDInURI writes a client id as a URI segment, ':' as '-'.
func clientIDInURI(id string) string { return strings.ReplaceAll(id, ":", "-") }

// longIPv6 prints eight lowercase hex groups without leading zeros and
// without "::" compression ("fe80:0:0:0:0:0:0:0").
func longIPv6(a netip.Addr) string {
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = fmt.Sprintf("%x", uint16(b[2*i])<<8|uint16(b[2*i+1]))
	}
	return strings.Join(groups, ":")
}

func v6Prefix(d *models.DhcpV6) (netip.Prefix, bool) {
	p, err := d.GetSubnetAddress().ToPrefix()
	return p, err == nil
}

func encodeDhcpV6(c *call, d *models.DhcpV6, uri string) (object, error) {
	p, _ := v6Prefix(d)
	return object{{"prefix", longIPv6(p.Addr())}, {"prefixLength", p.Bits()}, {"uri", uri}, {"hosts", uri + "/hostsV6"}}, nil
}

func decodeDhcpV6Subnet(body map[string]json.RawMessage) (*models.IPSubnet, error) {
	s, err := decodeString(orEmpty(body["prefix"]))
	if err != nil {
		return nil, badJSON("prefix", err)
	}
	a, perr := netip.ParseAddr(strings.TrimSpace(s))
	n, lerr := decodeInt(orZero(body["prefixLength"]))
	var viols []Violation
	if perr != nil || !a.Is6() || a.Zone() != "" {
		viols = append(viols, Violation{Property: "prefix", Message: "is an invalid IPv6 format"})
	}
	if lerr != nil || n < 0 || n > 128 {
		viols = append(viols, Violation{Property: "prefixLength", Message: "must be between 0 and 128"})
	}
	if len(viols) > 0 {
		return nil, invalid(viols...)
	}
	return models.IPSubnetFromPrefix(netip.PrefixFrom(a, int(n)))
}

// decodeDhcpV6Update validates the body; the stored subnet is kept as it is:
// the reference's update keeps the stored address (its only field), so a
// PUT naming another prefix does not move the subnet to another URI.
func decodeDhcpV6Update(c *call, body map[string]json.RawMessage) (func(cur *models.DhcpV6) (*models.DhcpV6, error), error) {
	if _, err := decodeDhcpV6Subnet(body); err != nil {
		return nil, err
	}
	return func(cur *models.DhcpV6) (*models.DhcpV6, error) { return cur, nil }, nil
}

// checkNewDhcpV6 refuses a second subnet with the same prefix on a bridge
// (409, worded as for v4). The reference stores it, and then serves one of
// the two at the shared URI; refusing is what an operator expects.
func checkNewDhcpV6(tx Tx, bridge uuid.UUID, d *models.DhcpV6) error {
	p, _ := v6Prefix(d)
	bridgeObj, err := getAs[*models.Network](tx, bridge)
	if err != nil {
		return err
	}
	for _, id := range toUUIDs(bridgeObj.Dhcpv6Ids) {
		if o, err := getAs[*models.DhcpV6](tx, id); err == nil {
			if q, ok := v6Prefix(o); ok && q == p {
				return errorf(http.StatusConflict, "The specified DHCP subnet(%s) already exists on this bridge.", subnetText(p))
			}
		}
	}
	return nil
}

func encodeDhcpV6Host(h *models.DhcpV6_Host) object {
	var addr, name any
	if h.IpAddress != nil {
		addr = h.IpAddress.GetAddress()
	}
	if h.Name != nil {
		name = h.GetName()
	}
	return object{{"clientId", h.GetClientId()}, {"fixedAddress", addr}, {"name", name}}
}

func decodeDhcpV6Host(body map[string]json.RawMessage) (*models.DhcpV6_Host, error) {
	client, err := decodeString(orEmpty(body["clientId"]))
	if err != nil {
		return nil, badJSON("clientId", err)
	}
	if client == "" {
		return nil, violation("clientId", "may not be null")
	}
	h := &models.DhcpV6_Host{ClientId: proto.String(client)}
	isUnzoned6 := func(a netip.Addr) bool { return a.Is6() && a.Zone() == "" }
	if h.IpAddress, err = decodeHostAddress(body, "fixedAddress", isUnzoned6, "is an invalid IPv6 format"); err != nil {
		return nil, err
	}
	if h.Name, err = decodeHostName(body); err != nil {
		return nil, err
	}
	return h, nil
}
