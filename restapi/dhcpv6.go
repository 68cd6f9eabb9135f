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

func dhcpV6Endpoints() []endpoint {
	return []endpoint{
		{method: "GET", path: "/bridges/{id}/dhcpV6", produces: collection("DhcpV6Subnet-v1"), serve: listDhcpV6Subnets},
		{method: "POST", path: "/bridges/{id}/dhcpV6", consumes: single("DhcpV6Subnet-v1").withJSON(), strictConsumes: true, serve: createDhcpV6Subnet},
		{method: "GET", path: "/bridges/{id}/dhcpV6/{subnet}", produces: single("DhcpV6Subnet-v1").withJSON(), serve: getDhcpV6Subnet},
		{method: "PUT", path: "/bridges/{id}/dhcpV6/{subnet}", consumes: single("DhcpV6Subnet-v1").withJSON(), serve: updateDhcpV6Subnet},
		{method: "DELETE", path: "/bridges/{id}/dhcpV6/{subnet}", serve: deleteDhcpV6Subnet},
		{method: "GET", path: "/bridges/{id}/dhcpV6/{subnet}/hostsV6", produces: collection("DhcpV6Host-v1"), serve: listDhcpV6Hosts},
		{method: "POST", path: "/bridges/{id}/dhcpV6/{subnet}/hostsV6", consumes: single("DhcpV6Host-v1").withJSON(), serve: createDhcpV6Host},
		{method: "GET", path: "/bridges/{id}/dhcpV6/{subnet}/hostsV6/{client}", produces: single("DhcpV6Host-v1").withJSON(), serve: getDhcpV6Host},
		{method: "PUT", path: "/bridges/{id}/dhcpV6/{subnet}/hostsV6/{client}", consumes: single("DhcpV6Host-v1").withJSON(), serve: updateDhcpV6Host},
		{method: "DELETE", path: "/bridges/{id}/dhcpV6/{subnet}/hostsV6/{client}", serve: deleteDhcpV6Host},
	}
}

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

func (c *call) dhcpV6URI(bridge uuid.UUID, d *models.DhcpV6) string {
	p, _ := v6Prefix(d)
	return c.uri("bridges", bridge.String(), "dhcpV6", fmt.Sprintf("%s_%d", longIPv6(p.Addr()), p.Bits()))
}

func (c *call) encodeDhcpV6(bridge uuid.UUID, d *models.DhcpV6) object {
	p, _ := v6Prefix(d)
	u := c.dhcpV6URI(bridge, d)
	return object{{"prefix", longIPv6(p.Addr())}, {"prefixLength", p.Bits()}, {"uri", u}, {"hosts", u + "/hostsV6"}}
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
		return nil, &Error{Status: 400, Message: "Validation error(s) found", Violations: viols}
	}
	return models.IPSubnetFromPrefix(netip.PrefixFrom(a, int(n)))
}

func (c *call) bridgeV6Subnets(bridge uuid.UUID) ([]*models.DhcpV6, error) {
	got, err := c.h.store.Get(c.ctx(), &models.Network{}, bridge)
	if err != nil {
		return nil, err
	}
	var out []*models.DhcpV6
	for _, id := range toUUIDs(got.(*models.Network).Dhcpv6Ids) {
		if d, err := c.h.store.Get(c.ctx(), &models.DhcpV6{}, id); err == nil {
			out = append(out, d.(*models.DhcpV6))
		}
	}
	return out, nil
}

func (c *call) findV6Subnet(notFound *Error) (uuid.UUID, *models.DhcpV6, error) {
	bridge, err := c.pathID("id")
	if err != nil {
		return uuid.Nil, nil, err
	}
	want, ok := parseSubnetKey(c.r.PathValue("subnet"))
	if !ok {
		return uuid.Nil, nil, notFound
	}
	subnets, err := c.bridgeV6Subnets(bridge)
	if err != nil {
		return uuid.Nil, nil, err
	}
	for _, d := range subnets {
		if p, ok := v6Prefix(d); ok && p == want {
			return bridge, d, nil
		}
	}
	return uuid.Nil, nil, notFound
}

func (c *call) noV6Subnet() *Error {
	return errorf(http.StatusNotFound, "Network %s does not have a subnet with address %s.",
		c.r.PathValue("id"), strings.ReplaceAll(c.r.PathValue("subnet"), "_", "/"))
}

func listDhcpV6Subnets(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	subnets, err := c.bridgeV6Subnets(bridge)
	if err != nil {
		return err
	}
	out := []object{}
	for _, d := range subnets {
		out = append(out, c.encodeDhcpV6(bridge, d))
	}
	return c.ok(out)
}

func createDhcpV6Subnet(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	sub, err := decodeDhcpV6Subnet(body)
	if err != nil {
		return err
	}
	d := &models.DhcpV6{Id: models.NewUUID(), NetworkId: uuidPtr(bridge), SubnetAddress: sub}
	if err := c.h.store.Tx(c.ctx(), func(tx Tx) error { return tx.Create(proto.Clone(d)) }); err != nil {
		return err
	}
	return c.created(c.dhcpV6URI(bridge, d))
}

func getDhcpV6Subnet(c *call) error {
	bridge, d, err := c.findV6Subnet(&Error{Status: http.StatusNotFound, EmptyBody: true})
	if err != nil {
		return err
	}
	return c.ok(c.encodeDhcpV6(bridge, d))
}

func updateDhcpV6Subnet(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	_, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	sub, err := decodeDhcpV6Subnet(body)
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error {
		cur, err := tx.Get(&models.DhcpV6{}, toUUID(d.Id))
		if err != nil {
			return err
		}
		next := proto.Clone(cur).(*models.DhcpV6)
		next.SubnetAddress = sub
		return tx.Update(next)
	})
}

func deleteDhcpV6Subnet(c *call) error {
	_, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error { return tx.Delete(&models.DhcpV6{}, toUUID(d.Id), true) })
}

func (c *call) encodeDhcpV6Host(subnetURI string, h *models.DhcpV6_Host) object {
	var addr, name any
	if h.IpAddress != nil {
		addr = h.IpAddress.GetAddress()
	}
	if h.Name != nil {
		name = h.GetName()
	}
	return object{{"clientId", h.GetClientId()}, {"fixedAddress", addr}, {"name", name},
		{"uri", subnetURI + "/hostsV6/" + strings.ReplaceAll(h.GetClientId(), ":", "-")}}
}

func decodeDhcpV6Host(body map[string]json.RawMessage) (*models.DhcpV6_Host, error) {
	client, err := decodeString(orEmpty(body["clientId"]))
	if err != nil {
		return nil, badJSON("clientId", err)
	}
	if client == "" {
		return nil, &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "clientId", Message: "may not be null"}}}
	}
	h := &models.DhcpV6_Host{ClientId: proto.String(client)}
	if raw, ok := body["fixedAddress"]; ok && !isNull(raw) {
		s, _ := decodeString(raw)
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, &Error{Status: 400, Message: "Validation error(s) found",
				Violations: []Violation{{Property: "fixedAddress", Message: "is an invalid IPv6 format"}}}
		}
		h.IpAddress, _ = models.IPAddressFromAddr(a)
	}
	if raw, ok := body["name"]; ok && !isNull(raw) {
		s, err := decodeString(raw)
		if err != nil {
			return nil, badJSON("name", err)
		}
		h.Name = proto.String(s)
	}
	return h, nil
}

func v6HostIndex(d *models.DhcpV6, pathClient string) int {
	for i, h := range d.Hosts {
		if strings.ReplaceAll(h.GetClientId(), ":", "-") == strings.ReplaceAll(pathClient, ":", "-") {
			return i
		}
	}
	return -1
}

func (c *call) editV6Hosts(tx Tx, id uuid.UUID, f func(d *models.DhcpV6) error) error {
	cur, err := tx.Get(&models.DhcpV6{}, id)
	if err != nil {
		return err
	}
	d := proto.Clone(cur).(*models.DhcpV6)
	if err := f(d); err != nil {
		return err
	}
	return tx.Update(d)
}

func listDhcpV6Hosts(c *call) error {
	bridge, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	out := []object{}
	for _, h := range d.Hosts {
		out = append(out, c.encodeDhcpV6Host(c.dhcpV6URI(bridge, d), h))
	}
	return c.ok(out)
}

func createDhcpV6Host(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	bridge, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	h, err := decodeDhcpV6Host(body)
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		return c.editV6Hosts(tx, toUUID(d.Id), func(d *models.DhcpV6) error {
			if v6HostIndex(d, h.GetClientId()) >= 0 {
				return errorf(http.StatusConflict, "Subnet already has a host with client ID %s.", h.GetClientId())
			}
			d.Hosts = append(d.Hosts, h)
			return nil
		})
	})
	if err != nil {
		return err
	}
	return c.created(c.dhcpV6URI(bridge, d) + "/hostsV6/" + strings.ReplaceAll(h.GetClientId(), ":", "-"))
}

func getDhcpV6Host(c *call) error {
	bridge, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	i := v6HostIndex(d, c.r.PathValue("client"))
	if i < 0 {
		return &Error{Status: http.StatusNotFound, EmptyBody: true}
	}
	return c.ok(c.encodeDhcpV6Host(c.dhcpV6URI(bridge, d), d.Hosts[i]))
}

func updateDhcpV6Host(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	_, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	h, err := decodeDhcpV6Host(body)
	if err != nil {
		return err
	}
	client := c.r.PathValue("client")
	return c.inTx(func(tx Tx) error {
		return c.editV6Hosts(tx, toUUID(d.Id), func(d *models.DhcpV6) error {
			i := v6HostIndex(d, client)
			if i < 0 {
				return &Error{Status: http.StatusNotFound, EmptyBody: true}
			}
			d.Hosts[i] = h
			return nil
		})
	})
}

func deleteDhcpV6Host(c *call) error {
	_, d, err := c.findV6Subnet(c.noV6Subnet())
	if err != nil {
		return err
	}
	client := c.r.PathValue("client")
	return c.inTx(func(tx Tx) error {
		return c.editV6Hosts(tx, toUUID(d.Id), func(d *models.DhcpV6) error {
			if i := v6HostIndex(d, client); i >= 0 {
				d.Hosts = append(d.Hosts[:i], d.Hosts[i+1:]...)
			}
			return nil
		})
	})
}
