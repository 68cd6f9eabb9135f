package restapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// ipAddrGroupsFamily is the family of IP address groups and their addresses.
func ipAddrGroupsFamily() family {
	return family{
		resources: []*resource{ipAddrGroupsResource()},
		endpoints: ipGroupAddrs().endpoints(),
	}
}

func encodeIPAddrGroup(c *call, g *models.IPAddrGroup, out *object) error {
	ports := []object{}
	for _, ap := range g.IpAddrPorts {
		var ip any
		if ap.IpAddress != nil {
			ip = ap.IpAddress.GetAddress()
		}
		ids := []string{}
		for _, id := range ap.PortIds {
			ids = append(ids, id.Canonical())
		}
		ports = append(ports, object{{"ipAddress", ip}, {"portIds", ids}})
	}
	out.set("ipAddrPorts", ports)
	return nil
}

func addrVersion(addr netip.Addr) int {
	if addr.Is6() {
		return 6
	}
	return 4
}

func (c *call) groupAddr(gid uuid.UUID, addr netip.Addr) object {
	return object{{"version", addrVersion(addr)}, {"addr", ipString(addr)}, {"ipAddrGroupId", gid.String()},
		{"uri", groupAddrURI(c, gid, addr)}, {"ipAddrGroup", c.uri("ip_addr_groups", gid.String())}}
}

func groupAddrURI(c *call, gid uuid.UUID, addr netip.Addr) string {
	return c.uri("ip_addr_groups", gid.String(), "versions", itoa(addrVersion(addr)), "ip_addrs", ipString(addr))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// ipGroupAddrs are an IP address group's addresses (entries of its
// ip_addr_ports), named by version and address.
func ipGroupAddrs() *membership[netip.Addr, netip.Addr] {
	return &membership[netip.Addr, netip.Addr]{
		collection: "/ip_addr_groups/{id}/ip_addrs",
		member:     "/ip_addr_groups/{id}/versions/{version}/ip_addrs/{addr}",
		listTypes:  collection("IpAddrGroupAddr-v1"),
		addTypes:   single("IpAddrGroupAddr-v1"),
		getTypes:   single("IpAddrGroupAddr-v1"),
		members:    ipGroupMembers,
		decode:     decodeGroupAddr,
		add: func(c *call, tx Tx, gid uuid.UUID, addr netip.Addr) error {
			g, err := getAs[*models.IPAddrGroup](tx, gid)
			if err != nil {
				return err
			}
			for _, ap := range g.IpAddrPorts {
				if a, err := ap.GetIpAddress().ToAddr(); err == nil && a == addr {
					return errorf(http.StatusConflict, "IP address group already contains IP %s.", addr)
				}
			}
			ip, err := models.IPAddressFromAddr(addr)
			if err != nil {
				return err
			}
			g.IpAddrPorts = append(g.IpAddrPorts, &models.IPAddrGroup_IPAddrPorts{IpAddress: ip})
			return tx.Update(g)
		},
		key: func(c *call) (netip.Addr, error) { return c.pathAddr() },
		get: func(c *call, gid uuid.UUID, addr netip.Addr) (netip.Addr, error) {
			members, err := ipGroupMembers(c, gid)
			if err != nil {
				return addr, err
			}
			return memberOf(members, func(a netip.Addr) netip.Addr { return a }, addr,
				errorf(http.StatusNotFound, "The IP address group does not contain the specified address %s", addr))
		},
		// Removing from a missing group or a missing address is a no-op.
		remove: func(c *call, tx Tx, gid uuid.UUID, addr netip.Addr) error {
			g, err := getAs[*models.IPAddrGroup](tx, gid)
			if err != nil {
				if c.h.toAPIError(err).Status == http.StatusNotFound {
					return nil
				}
				return err
			}
			n := len(g.IpAddrPorts)
			g.IpAddrPorts = slices.DeleteFunc(g.IpAddrPorts, func(ap *models.IPAddrGroup_IPAddrPorts) bool {
				a, err := ap.GetIpAddress().ToAddr()
				return err == nil && a == addr
			})
			if len(g.IpAddrPorts) == n {
				return nil
			}
			return tx.Update(g)
		},
		encode: (*call).groupAddr,
		uri:    groupAddrURI,
	}
}

func ipGroupMembers(c *call, gid uuid.UUID) ([]netip.Addr, error) {
	g, err := loadAs[*models.IPAddrGroup](c, gid)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ap := range g.IpAddrPorts {
		if a, err := ap.GetIpAddress().ToAddr(); err == nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// decodeGroupAddr reads {"version": 4|6, "addr": ...}: the version selects
// the subtype, as the reference's type id.
func decodeGroupAddr(b body) (netip.Addr, error) {
	raw, ok := b["version"]
	if !ok || isNull(raw) {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Missing type id when trying to resolve subtype of IpAddrGroupAddr: missing property 'version'")
	}
	version, err := decodeInt(raw)
	if err != nil || (version != 4 && version != 6) {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Could not resolve type id '%s' into a subtype of IpAddrGroupAddr", truncate(raw))
	}
	raw, ok = b["addr"]
	if !ok || isNull(raw) {
		return netip.Addr{}, violation("addr", "may not be null")
	}
	s, err := decodeString(raw)
	if err != nil {
		return netip.Addr{}, badJSON("addr", err)
	}
	addr, err := parseReferenceIP(s)
	if err != nil {
		return netip.Addr{}, &Error{Status: http.StatusBadRequest, Message: err.Error(), Err: err}
	}
	if (version == 4) != addr.Is4() {
		return netip.Addr{}, violation("addr", "is an invalid IP format")
	}
	return addr, nil
}

// parseReferenceIP reads an address as the reference's IPAddr.fromString
// does for IP address groups: IPv6 when it holds a ':', else four decimal
// numbers 0..255 as Java's Integer.parseInt reads them (leading zeros and a
// sign allowed, so 010.000.000.002 is 10.0.0.2) joined by '.', trailing
// empty parts dropped as Java's String.split drops them. Its errors are the
// reference's messages.
func parseReferenceIP(s string) (netip.Addr, error) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.Addr{}, fmt.Errorf("IPv6 string must be up to 8 16-bit numbers between 0 and 0xFFFF joined with up to 7 ':' but was %s", s)
		}
		return a, nil
	}
	bad := fmt.Errorf("IPv4 string must be 4 numbers between 0 and 255 joined with 3 '.' but was %s", s)
	parts := strings.Split(s, ".")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 4 {
		return netip.Addr{}, bad
	}
	var b [4]byte
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 || n > 255 {
			return netip.Addr{}, bad
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), nil
}

func (c *call) pathAddr() (netip.Addr, error) {
	v := c.r.PathValue("version")
	if v != "4" && v != "6" {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP version: %s", v)
	}
	addr, err := parseReferenceIP(c.r.PathValue("addr"))
	if err != nil || (v == "4") != addr.Is4() {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP address: %s", c.r.PathValue("addr"))
	}
	return addr, nil
}

func ipAddrGroupsResource() *resource {
	return &resource{
		segment: "ip_addr_groups", rootKey: "ipAddrGroups", templateKey: "ipAddrGroupTemplate",
		model:      &models.IPAddrGroup{},
		single:     single("IpAddrGroup-v1"),
		collection: collection("IpAddrGroup-v1"),
		ops:        opList | opGet | opCreate | opDelete,
		fields: []field{
			fID(), fReq(fName("name", "name", 1, 255)),
			fUUID("inboundChainId", "inbound_chain_id"), fUUID("outboundChainId", "outbound_chain_id"),
			fUUIDs("ruleIds", "rule_ids"),
		},
		links:           []link{lSub("addrs", "/ip_addrs")},
		deleteMissingOK: true,
		hooks:           typed[*models.IPAddrGroup]{encode: encodeIPAddrGroup}.hooks(),
	}
}
