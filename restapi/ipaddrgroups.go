package restapi

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// ipAddrGroupsFamily is the family of IP address groups and their addresses.
func ipAddrGroupsFamily() family {
	return family{
		resources: []*resource{ipAddrGroupsResource()},
		endpoints: []endpoint{
			{method: "GET", path: "/ip_addr_groups/{id}/ip_addrs", produces: collection("IpAddrGroupAddr-v1"), serve: listGroupAddrs},
			{method: "POST", path: "/ip_addr_groups/{id}/ip_addrs", consumes: single("IpAddrGroupAddr-v1"), serve: addGroupAddr},
			{method: "GET", path: "/ip_addr_groups/{id}/versions/{version}/ip_addrs/{addr}", produces: single("IpAddrGroupAddr-v1"), serve: getGroupAddr},
			{method: "DELETE", path: "/ip_addr_groups/{id}/versions/{version}/ip_addrs/{addr}", serve: removeGroupAddr},
		},
	}
}

func encodeIPAddrGroup(c *call, m protoreflect.Message, out *object) error {
	g := m.Interface().(*models.IPAddrGroup)
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

func (c *call) groupAddr(gid uuid.UUID, addr netip.Addr) object {
	version := 4
	if addr.Is6() {
		version = 6
	}
	return object{{"version", version}, {"addr", ipString(addr)}, {"ipAddrGroupId", gid.String()},
		{"uri", c.uri("ip_addr_groups", gid.String(), "versions", itoa(version), "ip_addrs", ipString(addr))},
		{"ipAddrGroup", c.uri("ip_addr_groups", gid.String())}}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func listGroupAddrs(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.IPAddrGroup{}, gid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, ap := range g.(*models.IPAddrGroup).IpAddrPorts {
		if a, err := ap.GetIpAddress().ToAddr(); err == nil {
			out = append(out, c.groupAddr(gid, a))
		}
	}
	return c.ok(out)
}

func addGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	raw, ok := body["version"]
	if !ok || isNull(raw) {
		return errorf(http.StatusBadRequest, "Missing type id when trying to resolve subtype of IpAddrGroupAddr: missing property 'version'")
	}
	version, err := decodeInt(raw)
	if err != nil || (version != 4 && version != 6) {
		return errorf(http.StatusBadRequest, "Could not resolve type id '%s' into a subtype of IpAddrGroupAddr", truncate(raw))
	}
	s, _ := decodeString(orEmpty(body["addr"]))
	addr, perr := netip.ParseAddr(strings.TrimSpace(s))
	if perr != nil || (version == 4) != addr.Is4() {
		return &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "addr", Message: "is an invalid IP format"}}}
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.IPAddrGroup{}, gid)
		if err != nil {
			return err
		}
		g := proto.Clone(got).(*models.IPAddrGroup)
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
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("ip_addr_groups", gid.String(), "versions", itoa(int(version)), "ip_addrs", ipString(addr)))
}

func (c *call) pathAddr() (netip.Addr, error) {
	v := c.r.PathValue("version")
	if v != "4" && v != "6" {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP version: %s", v)
	}
	addr, err := netip.ParseAddr(c.r.PathValue("addr"))
	if err != nil || (v == "4") != addr.Is4() {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP address: %s", c.r.PathValue("addr"))
	}
	return addr, nil
}

func getGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	addr, err := c.pathAddr()
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.IPAddrGroup{}, gid)
	if err != nil {
		return err
	}
	for _, ap := range g.(*models.IPAddrGroup).IpAddrPorts {
		if a, err := ap.GetIpAddress().ToAddr(); err == nil && a == addr {
			return c.ok(c.groupAddr(gid, addr))
		}
	}
	return errorf(http.StatusNotFound, "The IP address group does not contain the specified address %s", addr)
}

func removeGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	addr, err := c.pathAddr()
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.IPAddrGroup{}, gid)
		if err != nil {
			if c.h.toAPIError(err).Status == http.StatusNotFound {
				return nil
			}
			return err
		}
		g := proto.Clone(got).(*models.IPAddrGroup)
		n := len(g.IpAddrPorts)
		g.IpAddrPorts = slices.DeleteFunc(g.IpAddrPorts, func(ap *models.IPAddrGroup_IPAddrPorts) bool {
			a, err := ap.GetIpAddress().ToAddr()
			return err == nil && a == addr
		})
		if len(g.IpAddrPorts) == n {
			return nil
		}
		return tx.Update(g)
	})
	if err != nil {
		return err
	}
	return c.noContent()
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
		hooks:           hooks{encode: encodeIPAddrGroup},
	}
}
