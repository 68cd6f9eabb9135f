package restapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// DHCP subnets are stored objects (class Dhcp) but addressed by their
// subnet under the bridge (/bridges/{id}/dhcp/10.0.0.0_24), and their hosts
// are entries of a nested list addressed by MAC. The field conversion is
// the table engine's; routing and identity are explicit here.

var dhcpSubnetResource = &resource{
	segment: "dhcp",
	model:   &models.Dhcp{},
	single:  single("DhcpSubnet-v2").withJSON(),
	fields: []field{
		fReq(field{json: "subnetPrefix", proto: "subnet_address", kind: kSubnetAddr}),
		{json: "subnetLength", proto: "subnet_address", kind: kSubnetLen, min: bound(0), max: bound(32)},
		{json: "defaultGateway", proto: "default_gateway", kind: kIPv4Addr},
		{json: "serverAddr", proto: "server_address", kind: kIPv4Addr},
		{json: "dnsServerAddrs", proto: "dns_server_address", kind: kIPList},
		{json: "interfaceMTU", proto: "interface_mtu", kind: kNullInt, min: bound(0), max: bound(65536)},
		fBoolDef("enabled", "enabled", true),
	},
	hooks: hooks{decode: decodeOpt121, encode: encodeOpt121},
}

func dhcpEndpoints() []endpoint {
	return []endpoint{
		{method: "GET", path: "/bridges/{id}/dhcp", produces: collection("DhcpSubnet-v2"), serve: listDhcpSubnets},
		{method: "POST", path: "/bridges/{id}/dhcp", consumes: single("DhcpSubnet-v2").withJSON(), strictConsumes: true, serve: createDhcpSubnet},
		{method: "GET", path: "/bridges/{id}/dhcp/{subnet}", produces: single("DhcpSubnet-v2").withJSON(), serve: getDhcpSubnet},
		{method: "PUT", path: "/bridges/{id}/dhcp/{subnet}", consumes: single("DhcpSubnet-v2").withJSON(), serve: updateDhcpSubnet},
		{method: "DELETE", path: "/bridges/{id}/dhcp/{subnet}", serve: deleteDhcpSubnet},
		{method: "GET", path: "/bridges/{id}/dhcp/{subnet}/hosts", produces: collection("DhcpHost-v2"), serve: listDhcpHosts},
		{method: "POST", path: "/bridges/{id}/dhcp/{subnet}/hosts", consumes: single("DhcpHost-v2").withJSON(), serve: createDhcpHost},
		{method: "GET", path: "/bridges/{id}/dhcp/{subnet}/hosts/{mac}", produces: single("DhcpHost-v2").withJSON(), serve: getDhcpHost},
		{method: "PUT", path: "/bridges/{id}/dhcp/{subnet}/hosts/{mac}", consumes: single("DhcpHost-v2").withJSON(), serve: updateDhcpHost},
		{method: "DELETE", path: "/bridges/{id}/dhcp/{subnet}/hosts/{mac}", serve: deleteDhcpHost},
	}
}

func decodeOpt121(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	d := msg.Interface().(*models.Dhcp)
	d.Opt121Routes = nil
	raw, ok := body["opt121Routes"]
	if !ok || isNull(raw) {
		return nil
	}
	var routes []struct {
		DestinationPrefix, DestinationLength, GatewayAddr json.RawMessage
	}
	if err := json.Unmarshal(raw, &routes); err != nil {
		return badJSON("opt121Routes", err)
	}
	for _, r := range routes {
		dst, _ := decodeString(orEmpty(r.DestinationPrefix))
		gw, _ := decodeString(orEmpty(r.GatewayAddr))
		n, err := decodeInt(orZero(r.DestinationLength))
		da, derr := netip.ParseAddr(strings.TrimSpace(dst))
		ga, gerr := netip.ParseAddr(strings.TrimSpace(gw))
		if err != nil || derr != nil || gerr != nil || !da.Is4() || !ga.Is4() || n < 0 || n > 32 {
			*viols = append(*viols, Violation{Property: "opt121Routes", Message: "is an invalid option 121 route"})
			continue
		}
		sub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(da, int(n)))
		gwa, _ := models.IPAddressFromAddr(ga)
		d.Opt121Routes = append(d.Opt121Routes, &models.Dhcp_Opt121Route{DstSubnet: sub, Gateway: gwa})
	}
	return nil
}

func encodeOpt121(c *call, m protoreflect.Message, out *object) error {
	d := m.Interface().(*models.Dhcp)
	routes := []object{}
	for _, r := range d.Opt121Routes {
		routes = append(routes, object{{"destinationPrefix", r.GetDstSubnet().GetAddress()},
			{"destinationLength", r.GetDstSubnet().GetPrefixLength()}, {"gatewayAddr", r.GetGateway().GetAddress()}})
	}
	out.set("opt121Routes", routes)
	return nil
}

func subnetKey(d *models.Dhcp) string {
	return fmt.Sprintf("%s_%d", d.GetSubnetAddress().GetAddress(), d.GetSubnetAddress().GetPrefixLength())
}

func (c *call) dhcpURI(bridge uuid.UUID, d *models.Dhcp) string {
	return c.uri("bridges", bridge.String(), "dhcp", subnetKey(d))
}

func (c *call) encodeDhcp(bridge uuid.UUID, d *models.Dhcp) (object, error) {
	obj, err := c.encode(dhcpSubnetResource, d)
	if err != nil {
		return nil, err
	}
	u := c.dhcpURI(bridge, d)
	obj.set("uri", u)
	obj.set("hosts", u+"/hosts")
	return obj, nil
}

// bridgeSubnets reads the bridge's DHCP subnets (404 if the bridge is missing).
func (c *call) bridgeSubnets(bridge uuid.UUID) ([]*models.Dhcp, error) {
	got, err := c.h.store.Get(c.ctx(), &models.Network{}, bridge)
	if err != nil {
		return nil, err
	}
	var out []*models.Dhcp
	for _, id := range toUUIDs(got.(*models.Network).DhcpIds) {
		d, err := c.h.store.Get(c.ctx(), &models.Dhcp{}, id)
		if err != nil {
			continue
		}
		out = append(out, d.(*models.Dhcp))
	}
	return out, nil
}

// parseSubnetKey reads "10.0.0.0_24".
func parseSubnetKey(s string) (netip.Prefix, bool) {
	addr, length, ok := strings.Cut(s, "_")
	if !ok {
		return netip.Prefix{}, false
	}
	a, err := netip.ParseAddr(addr)
	n, nerr := strconv.Atoi(length)
	if err != nil || nerr != nil || n < 0 || n > a.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, n), true
}

func sameSubnet(d *models.Dhcp, p netip.Prefix) bool {
	got, err := d.GetSubnetAddress().ToPrefix()
	return err == nil && got == p
}

// findSubnet resolves {id}/{subnet}; missing is notFound.
func (c *call) findSubnet(notFound *Error) (uuid.UUID, *models.Dhcp, error) {
	bridge, err := c.pathID("id")
	if err != nil {
		return uuid.Nil, nil, err
	}
	p, ok := parseSubnetKey(c.r.PathValue("subnet"))
	if !ok {
		return uuid.Nil, nil, notFound
	}
	subnets, err := c.bridgeSubnets(bridge)
	if err != nil {
		return uuid.Nil, nil, err
	}
	for _, d := range subnets {
		if sameSubnet(d, p) {
			return bridge, d, nil
		}
	}
	return uuid.Nil, nil, notFound
}

func (c *call) noSubnet() *Error {
	return errorf(http.StatusNotFound, "Network %s does not have a subnet with address %s.",
		c.r.PathValue("id"), strings.ReplaceAll(c.r.PathValue("subnet"), "_", "/"))
}

func listDhcpSubnets(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	subnets, err := c.bridgeSubnets(bridge)
	if err != nil {
		return err
	}
	out := []object{}
	for _, d := range subnets {
		obj, err := c.encodeDhcp(bridge, d)
		if err != nil {
			return err
		}
		out = append(out, obj)
	}
	return c.ok(out)
}

func createDhcpSubnet(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	d := &models.Dhcp{}
	if err := c.decode(dhcpSubnetResource, body, d, nil); err != nil {
		return err
	}
	p, err := d.GetSubnetAddress().ToPrefix()
	if err != nil {
		return errorf(http.StatusBadRequest, "Invalid DHCP subnet: %v", err)
	}
	d.Id = models.NewUUID()
	d.NetworkId = uuidPtr(bridge)
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Network{}, bridge)
		if err != nil {
			return err
		}
		for _, id := range toUUIDs(got.(*models.Network).DhcpIds) {
			if o, err := tx.Get(&models.Dhcp{}, id); err == nil && sameSubnet(o.(*models.Dhcp), p) {
				return errorf(http.StatusConflict, "The specified DHCP subnet(%s) already exists on this bridge.", p)
			}
		}
		return tx.Create(proto.Clone(d))
	})
	if err != nil {
		return err
	}
	return c.created(c.dhcpURI(bridge, d))
}

func getDhcpSubnet(c *call) error {
	bridge, d, err := c.findSubnet(&Error{Status: http.StatusNotFound, EmptyBody: true})
	if err != nil {
		return err
	}
	obj, err := c.encodeDhcp(bridge, d)
	if err != nil {
		return err
	}
	return c.ok(obj)
}

func updateDhcpSubnet(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	_, stored, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error {
		cur, err := tx.Get(&models.Dhcp{}, toUUID(stored.Id))
		if err != nil {
			return err
		}
		d := proto.Clone(cur).(*models.Dhcp)
		dhcpSubnetResource.clearWritable(d.ProtoReflect())
		if err := c.decode(dhcpSubnetResource, body, d, cur); err != nil {
			return err
		}
		return tx.Update(d)
	})
}

func deleteDhcpSubnet(c *call) error {
	_, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error { return tx.Delete(&models.Dhcp{}, toUUID(d.Id), true) })
}

// inTx runs f in a store transaction and answers 204.
func (c *call) inTx(f func(tx Tx) error) error {
	if err := c.h.store.Tx(c.ctx(), f); err != nil {
		return err
	}
	return c.noContent()
}

// --- DHCP hosts ---------------------------------------------------------------

func (c *call) encodeDhcpHost(subnetURI string, h *models.Dhcp_Host) object {
	opts := []object{}
	for _, o := range h.ExtraDhcpOpts {
		opts = append(opts, object{{"optName", o.GetName()}, {"optValue", o.GetValue()}})
	}
	var ip, name any
	if h.IpAddress != nil {
		ip = h.IpAddress.GetAddress()
	}
	if h.Name != nil {
		name = h.GetName()
	}
	return object{{"macAddr", h.GetMac()}, {"ipAddr", ip}, {"name", name}, {"extraDhcpOpts", opts},
		{"uri", subnetURI + "/hosts/" + h.GetMac()}}
}

func decodeDhcpHost(body map[string]json.RawMessage) (*models.Dhcp_Host, error) {
	h := &models.Dhcp_Host{}
	mac, err := decodeString(orEmpty(body["macAddr"]))
	if err != nil {
		return nil, badJSON("macAddr", err)
	}
	if !macPattern.MatchString(mac) {
		return nil, &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "macAddr", Message: "is an invalid MAC address"}}}
	}
	h.Mac = proto.String(strings.ToLower(mac))
	if raw, ok := body["ipAddr"]; ok && !isNull(raw) {
		s, _ := decodeString(raw)
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil || !a.Is4() {
			return nil, &Error{Status: 400, Message: "Validation error(s) found",
				Violations: []Violation{{Property: "ipAddr", Message: "is an invalid IP format"}}}
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
	if raw, ok := body["extraDhcpOpts"]; ok && !isNull(raw) {
		var opts []struct{ OptName, OptValue json.RawMessage }
		if err := json.Unmarshal(raw, &opts); err != nil {
			return nil, badJSON("extraDhcpOpts", err)
		}
		for _, o := range opts {
			n, _ := decodeString(orEmpty(o.OptName))
			v, _ := decodeString(orEmpty(o.OptValue))
			h.ExtraDhcpOpts = append(h.ExtraDhcpOpts, &models.Dhcp_Host_ExtraDhcpOpt{Name: proto.String(n), Value: proto.String(v)})
		}
	}
	return h, nil
}

func listDhcpHosts(c *call) error {
	bridge, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	out := []object{}
	for _, h := range d.Hosts {
		out = append(out, c.encodeDhcpHost(c.dhcpURI(bridge, d), h))
	}
	return c.ok(out)
}

func hostIndex(d *models.Dhcp, mac string) int {
	for i, h := range d.Hosts {
		if strings.EqualFold(h.GetMac(), mac) {
			return i
		}
	}
	return -1
}

// editHosts applies f to the subnet's host list in a transaction.
func (c *call) editHosts(subnetID uuid.UUID, f func(d *models.Dhcp) error) error {
	return c.h.store.Tx(c.ctx(), func(tx Tx) error {
		cur, err := tx.Get(&models.Dhcp{}, subnetID)
		if err != nil {
			return err
		}
		d := proto.Clone(cur).(*models.Dhcp)
		if err := f(d); err != nil {
			return err
		}
		return tx.Update(d)
	})
}

func createDhcpHost(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	bridge, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	h, err := decodeDhcpHost(body)
	if err != nil {
		return err
	}
	err = c.editHosts(toUUID(d.Id), func(d *models.Dhcp) error {
		if hostIndex(d, h.GetMac()) >= 0 {
			return errorf(http.StatusConflict, "Subnet %s on bridge %s already has a host with MAC address %s.",
				strings.ReplaceAll(subnetKey(d), "_", "/"), bridge, h.GetMac())
		}
		d.Hosts = append(d.Hosts, h)
		return nil
	})
	if err != nil {
		return err
	}
	return c.created(c.dhcpURI(bridge, d) + "/hosts/" + h.GetMac())
}

func getDhcpHost(c *call) error {
	bridge, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	i := hostIndex(d, c.r.PathValue("mac"))
	if i < 0 {
		return &Error{Status: http.StatusNotFound, EmptyBody: true}
	}
	return c.ok(c.encodeDhcpHost(c.dhcpURI(bridge, d), d.Hosts[i]))
}

func updateDhcpHost(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	_, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	h, err := decodeDhcpHost(body)
	if err != nil {
		return err
	}
	mac := c.r.PathValue("mac")
	return c.inTx(func(tx Tx) error {
		return c.editHostsTx(tx, toUUID(d.Id), func(d *models.Dhcp) error {
			i := hostIndex(d, mac)
			if i < 0 {
				return &Error{Status: http.StatusNotFound, EmptyBody: true}
			}
			d.Hosts[i] = h
			return nil
		})
	})
}

func deleteDhcpHost(c *call) error {
	_, d, err := c.findSubnet(c.noSubnet())
	if err != nil {
		return err
	}
	mac := c.r.PathValue("mac")
	return c.inTx(func(tx Tx) error {
		return c.editHostsTx(tx, toUUID(d.Id), func(d *models.Dhcp) error {
			if i := hostIndex(d, mac); i >= 0 {
				d.Hosts = append(d.Hosts[:i], d.Hosts[i+1:]...)
			}
			return nil
		})
	})
}

func (c *call) editHostsTx(tx Tx, subnetID uuid.UUID, f func(d *models.Dhcp) error) error {
	cur, err := tx.Get(&models.Dhcp{}, subnetID)
	if err != nil {
		return err
	}
	d := proto.Clone(cur).(*models.Dhcp)
	if err := f(d); err != nil {
		return err
	}
	return tx.Update(d)
}
