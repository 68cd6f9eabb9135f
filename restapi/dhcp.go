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
	hooks: typed[*models.Dhcp]{decode: decodeOpt121, encode: encodeOpt121}.hooks(),
}

// dhcpV4 is the DHCP v4 flavour of the DHCP handlers.
var dhcpV4 = &dhcpFlavour[*models.Dhcp, *models.Dhcp_Host]{
	segment:      "dhcp",
	hostsSegment: "hosts",
	hostParam:    "mac",
	subnetMedia:  "DhcpSubnet-v2",
	hostMedia:    "DhcpHost-v2",
	subnetIDs:    func(n *models.Network) []*models.UUID { return n.DhcpIds },
	id:           func(d *models.Dhcp) *models.UUID { return d.Id },
	prefix: func(d *models.Dhcp) (netip.Prefix, bool) {
		p, err := d.GetSubnetAddress().ToPrefix()
		return p, err == nil
	},
	subnetKey:    subnetKey,
	hosts:        func(d *models.Dhcp) *[]*models.Dhcp_Host { return &d.Hosts },
	encodeSubnet: encodeDhcp,
	decodeNew:    decodeNewDhcp,
	checkNew:     checkNewDhcp,
	decodeUpdate: decodeDhcpUpdate,
	encodeHost:   encodeDhcpHost,
	decodeHost:   decodeDhcpHost,
	hostKey:      (*models.Dhcp_Host).GetMac,
	hostURIKey:   func(mac string) string { return mac },
	sameHost:     strings.EqualFold,
	hostConflict: func(bridge uuid.UUID, d *models.Dhcp, h *models.Dhcp_Host) error {
		return errorf(http.StatusConflict, "Subnet %s on bridge %s already has a host with MAC address %s.",
			strings.ReplaceAll(subnetKey(d), "_", "/"), bridge, h.GetMac())
	},
	missingHostMessage: true,
}

// dhcpFamily is the family of DHCP v4 subnets and hosts.
func dhcpFamily() family { return family{endpoints: dhcpV4.endpoints()} }

func decodeOpt121(c *call, b body, d, stored *models.Dhcp) ([]Violation, error) {
	d.Opt121Routes = nil
	raw, ok := b["opt121Routes"]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var routes []struct {
		DestinationPrefix, DestinationLength, GatewayAddr json.RawMessage
	}
	if err := json.Unmarshal(raw, &routes); err != nil {
		return nil, badJSON("opt121Routes", err)
	}
	var viols []Violation
	for _, r := range routes {
		dst, _ := decodeString(orEmpty(r.DestinationPrefix))
		gw, _ := decodeString(orEmpty(r.GatewayAddr))
		n, err := decodeInt(orZero(r.DestinationLength))
		da, derr := netip.ParseAddr(strings.TrimSpace(dst))
		ga, gerr := netip.ParseAddr(strings.TrimSpace(gw))
		if err != nil || derr != nil || gerr != nil || !da.Is4() || !ga.Is4() || n < 0 || n > 32 {
			viols = append(viols, Violation{Property: "opt121Routes", Message: "is an invalid option 121 route"})
			continue
		}
		sub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(da, int(n)))
		gwa, _ := models.IPAddressFromAddr(ga)
		d.Opt121Routes = append(d.Opt121Routes, &models.Dhcp_Opt121Route{DstSubnet: sub, Gateway: gwa})
	}
	return viols, nil
}

func encodeOpt121(c *call, d *models.Dhcp, out *object) error {
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

func encodeDhcp(c *call, d *models.Dhcp, uri string) (object, error) {
	obj, err := c.encode(dhcpSubnetResource, d)
	if err != nil {
		return nil, err
	}
	obj.set("uri", uri)
	obj.set("hosts", uri+"/hosts")
	return obj, nil
}

func sameSubnet(d *models.Dhcp, p netip.Prefix) bool {
	got, err := d.GetSubnetAddress().ToPrefix()
	return err == nil && got == p
}

func decodeNewDhcp(c *call, bridge uuid.UUID, body map[string]json.RawMessage) (*models.Dhcp, error) {
	d := &models.Dhcp{}
	if err := c.decode(dhcpSubnetResource, body, d, nil); err != nil {
		return nil, err
	}
	if _, err := d.GetSubnetAddress().ToPrefix(); err != nil {
		return nil, errorf(http.StatusBadRequest, "Invalid DHCP subnet: %v", err)
	}
	d.Id = models.NewUUID()
	d.NetworkId = uuidPtr(bridge)
	return d, nil
}

// checkNewDhcp refuses a second subnet with the same prefix on a bridge.
func checkNewDhcp(tx Tx, bridge uuid.UUID, d *models.Dhcp) error {
	p, _ := d.GetSubnetAddress().ToPrefix()
	bridgeObj, err := getAs[*models.Network](tx, bridge)
	if err != nil {
		return err
	}
	for _, id := range toUUIDs(bridgeObj.DhcpIds) {
		if o, err := getAs[*models.Dhcp](tx, id); err == nil && sameSubnet(o, p) {
			return errorf(http.StatusConflict, "The specified DHCP subnet(%s) already exists on this bridge.", p)
		}
	}
	return nil
}

// decodeDhcpUpdate decodes the body over the stored subnet (its read-only
// fields kept), in the updating transaction.
func decodeDhcpUpdate(c *call, body map[string]json.RawMessage) (func(cur *models.Dhcp) (*models.Dhcp, error), error) {
	return func(cur *models.Dhcp) (*models.Dhcp, error) {
		d := cloneOf(cur)
		dhcpSubnetResource.clearWritable(d.ProtoReflect())
		if err := c.decode(dhcpSubnetResource, body, d, cur); err != nil {
			return nil, err
		}
		return d, nil
	}, nil
}

// --- DHCP hosts ---------------------------------------------------------------

func encodeDhcpHost(h *models.Dhcp_Host) object {
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
	return object{{"macAddr", h.GetMac()}, {"ipAddr", ip}, {"name", name}, {"extraDhcpOpts", opts}}
}

func decodeDhcpHost(body map[string]json.RawMessage) (*models.Dhcp_Host, error) {
	h := &models.Dhcp_Host{}
	mac, err := decodeString(orEmpty(body["macAddr"]))
	if err != nil {
		return nil, badJSON("macAddr", err)
	}
	if !macPattern.MatchString(mac) {
		return nil, violation("macAddr", "is an invalid MAC address")
	}
	h.Mac = proto.String(strings.ToLower(mac))
	if h.IpAddress, err = decodeHostAddress(body, "ipAddr", netip.Addr.Is4, "is an invalid IP format"); err != nil {
		return nil, err
	}
	if h.Name, err = decodeHostName(body); err != nil {
		return nil, err
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
