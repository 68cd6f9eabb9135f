package restapi

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// portsFamily is the family of ports, their links and the devices' peer ports.
func portsFamily() family {
	portTypes := collection("Port-v3", "Port-v4").withJSON()
	return family{
		resources: []*resource{portsResource()},
		endpoints: []endpoint{
			{method: "POST", path: "/ports/{id}/link", consumes: single("PortLink-v1").withJSON(), serve: linkPorts},
			{method: "DELETE", path: "/ports/{id}/link", serve: unlinkPorts},
			{method: "GET", path: "/bridges/{id}/peer_ports", produces: portTypes, serve: peerPorts[*models.Network]},
			{method: "GET", path: "/routers/{id}/peer_ports", produces: portTypes, serve: peerPorts[*models.Router]},
		},
	}
}

// portState sets "active" (the binding host's agent has the port up) and,
// for router ports, "bgpStatus".
func (c *call) portState(port *models.Port, out *object) error {
	out.set("active", false)
	if port.RouterId != nil {
		out.set("bgpStatus", nil)
	}
	if port.HostId == nil {
		return nil
	}
	ns, id := toUUID(port.HostId).String(), toUUID(port.Id)
	_, active, err := c.stateKey(ns, &models.Port{}, id, activeKey)
	if err != nil {
		return err
	}
	out.set("active", active)
	if port.RouterId != nil {
		if status, ok, err := c.stateKey(ns, &models.Port{}, id, bgpKey); err != nil {
			return err
		} else if ok {
			out.set("bgpStatus", status)
		}
	}
	return nil
}

func decodePort(c *call, b body, port, stored *models.Port) ([]Violation, error) {
	typ, _ := decodeString(orEmpty(b["type"]))
	if !slices.Contains([]string{"Router", "ExteriorRouter", "InteriorRouter"}, typ) {
		return nil, nil
	}
	// RouterPort's legacy single-address fields are bean-validated whether
	// or not they are used: networkAddress @Pattern(IPv4), networkLength
	// @Min(0) @Max(32) (TestPort.java TestRouterPortBadInput).
	var viols []Violation
	if raw, ok := b["networkAddress"]; ok && !isNull(raw) {
		s, err := decodeString(raw)
		if err != nil {
			return nil, badJSON("networkAddress", err)
		}
		if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
			viols = append(viols, Violation{Property: "networkAddress", Message: "is an invalid IP format"})
		}
	}
	length := int64(32)
	if raw, ok := b["networkLength"]; ok && !isNull(raw) {
		n, err := decodeInt(raw)
		if err != nil {
			return nil, badJSON("networkLength", err)
		}
		switch {
		case n < 0:
			viols = append(viols, Violation{Property: "networkLength", Message: "must be greater than or equal to 0"})
		case n > 32:
			viols = append(viols, Violation{Property: "networkLength", Message: "must be less than or equal to 32"})
		default:
			length = n
		}
	}
	if len(viols) > 0 {
		return viols, nil
	}
	// Legacy single-address input: portAddress + networkLength.
	if len(port.PortSubnet) == 0 && port.PortAddress != nil {
		addr, err := port.PortAddress.ToAddr()
		if err == nil {
			sub, err := models.IPSubnetFromPrefix(netip.PrefixFrom(addr, int(length)))
			if err == nil {
				port.PortSubnet = []*models.IPSubnet{sub}
			}
		}
	}
	// The agent reads port_address: keep it equal to the first IPv4 subnet.
	if port.PortAddress == nil {
		for _, s := range port.PortSubnet {
			if p, err := s.ToPrefix(); err == nil && p.Addr().Is4() {
				port.PortAddress, _ = models.IPAddressFromAddr(p.Addr())
				break
			}
		}
	}
	if port.PortMac == nil && stored == nil {
		var b [3]byte
		_, _ = rand.Read(b[:])
		mac := fmt.Sprintf("ac:ca:ba:%02x:%02x:%02x", b[0], b[1], b[2])
		port.PortMac = &mac
	}
	return nil, nil
}

func encodePort(c *call, port *models.Port, out *object) error {
	id := toUUID(port.Id).String()
	switch {
	case port.NetworkId != nil:
		out.set("deviceId", toUUID(port.NetworkId).String())
		out.set("device", c.uri("bridges", toUUID(port.NetworkId).String()))
	case port.RouterId != nil:
		out.set("deviceId", toUUID(port.RouterId).String())
		out.set("device", c.uri("routers", toUUID(port.RouterId).String()))
	default:
		out.set("deviceId", nil)
		out.set("device", nil)
	}
	if port.HostId != nil {
		out.set("hostInterfacePort", c.uri("hosts", toUUID(port.HostId).String(), "ports", id))
	} else {
		out.set("hostInterfacePort", nil)
	}
	if err := c.portState(port, out); err != nil {
		return err
	}
	if port.RouterId == nil {
		return nil
	}
	var portAddr, netAddr, netLen any = nil, nil, 0
	for _, s := range port.PortSubnet {
		if p, err := s.ToPrefix(); err == nil && p.Addr().Is4() {
			portAddr, netAddr, netLen = p.Addr().String(), p.Masked().Addr().String(), p.Bits()
			break
		}
	}
	out.set("portAddress", portAddr)
	out.set("networkAddress", netAddr)
	out.set("networkLength", netLen)
	out.set("peeringTable", c.uri("routers", toUUID(port.RouterId).String(), "ports", id, "peering_table"))
	if port.ServiceContainerId != nil {
		out.set("serviceContainer", c.uri("service_containers", toUUID(port.ServiceContainerId).String()))
	} else {
		out.set("serviceContainer", nil)
	}
	return nil
}

// createPort creates the port and, for router ports, the LOCAL route to
// each of its IPv4 addresses (src 0.0.0.0/0, dst <ip>/32, weight 0).
func createPort(c *call, tx Tx, port *models.Port, b body) error {
	if c.h.sequences != nil && port.TunnelKey == nil {
		key, err := c.h.sequences.Next(c.ctx(), OverlayTunnelKey)
		if err != nil {
			return fmt.Errorf("Unable to generate new tunnel key: %w", err)
		}
		port.TunnelKey = proto.Uint64(uint64(key))
	}
	if err := tx.Create(port); err != nil {
		return err
	}
	if port.RouterId == nil {
		return nil
	}
	for _, s := range port.PortSubnet {
		p, err := s.ToPrefix()
		if err != nil || !p.Addr().Is4() {
			continue
		}
		if err := tx.Create(localRoute(port.Id, p.Addr())); err != nil {
			return err
		}
	}
	return nil
}

func localRoute(portID *models.UUID, addr netip.Addr) *models.Route {
	src, _ := models.IPSubnetFromPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	dst, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(addr, 32))
	return &models.Route{
		Id:            models.NewUUID(),
		SrcSubnet:     src,
		DstSubnet:     dst,
		NextHop:       models.Route_LOCAL.Enum(),
		NextHopPortId: cloneOf(portID),
		Weight:        proto.Int32(0),
	}
}

func removePort(c *call, tx Tx, id uuid.UUID) error {
	port, err := getAs[*models.Port](tx, id)
	if err != nil {
		return err
	}
	if port.VtepId != nil {
		return errorf(http.StatusConflict, "Port %s is a VXLAN port and cannot be deleted. Please remove the bindings instead.", id)
	}
	return tx.Delete(&models.Port{}, id, false)
}

func linkPorts(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	peerID, err := bodyUUID(body, "peerId")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		port, err := getAs[*models.Port](tx, id)
		if err != nil {
			return err
		}
		peer, err := getAs[*models.Port](tx, peerID)
		if err != nil {
			return err
		}
		if port.PeerId != nil || peer.PeerId != nil || id == peerID {
			return errorf(http.StatusConflict, "Ports are not linkable.")
		}
		port.PeerId = uuidPtr(peerID)
		return tx.Update(port) // the store's binding sets the peer's peer_id
	})
	if err != nil {
		return err
	}
	return c.created("")
}

func unlinkPorts(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error {
		port, err := getAs[*models.Port](tx, id)
		if err != nil || port.PeerId == nil {
			return err
		}
		port.PeerId = nil
		return tx.Update(port)
	})
}

// peerPorts lists the ports linked to the device's ports.
func peerPorts[D interface {
	proto.Message
	GetPortIds() []*models.UUID
}](c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	dev, err := loadAs[D](c, id)
	if err != nil {
		return err
	}
	ports := c.h.resources["ports"]
	out := []object{}
	for _, pid := range toUUIDs(dev.GetPortIds()) {
		p, err := loadAs[*models.Port](c, pid)
		if err != nil || p.PeerId == nil {
			continue
		}
		peer, err := loadAs[*models.Port](c, toUUID(p.PeerId))
		if err != nil {
			continue
		}
		obj, err := c.encode(ports, peer)
		if err != nil {
			return err
		}
		out = append(out, obj)
	}
	return c.ok(out)
}

func portsResource() *resource {
	return &resource{
		segment: "ports", rootKey: "ports", templateKey: "portTemplate",
		model:         &models.Port{},
		single:        single("Port-v3", "Port-v4").withJSON(),
		collection:    collection("Port-v3", "Port-v4").withJSON(),
		ops:           opList | opGet | opCreate | opUpdate | opDelete,
		discriminator: "type",
		fields: []field{
			fID(), fBoolDef("adminStateUp", "admin_state_up", true),
			fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
			fRO(fInt("tunnelKey", "tunnel_key")), fUUID("vifId", "vif_id"),
			fSticky(fUUID("hostId", "host_id")), fSticky(fStr("interfaceName", "interface_name")),
			fSticky(fUUID("peerId", "peer_id")),
			fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
			fUUIDs("postInFilterMirrorIds", "post_in_filter_mirror_ids"),
			fUUIDs("preOutFilterMirrorIds", "pre_out_filter_mirror_ids"),
			fRO(fUUIDs("insertionIds", "insertion_ids")),
			fUUID("qosPolicyId", "qos_policy_id"),
		},
		variants: []variant{
			{names: []string{"Vxlan"}, match: hasAll("vtep_id"),
				fields: []field{fRO(fUUID("vtepId", "vtep_id")), fRO(fInt("vlanId", "vlan_id"))}},
			{names: []string{"Bridge", "ExteriorBridge", "InteriorBridge"}, match: hasAll("network_id"),
				fields: []field{fIntRange("vlanId", "vlan_id", 0, 4095)}},
			{names: []string{"Router", "ExteriorRouter", "InteriorRouter"}, match: hasAll("router_id"),
				fields: []field{
					{json: "portSubnet", proto: "port_subnet", kind: kSubnetList},
					{json: "portAddress", proto: "port_address", kind: kIPv4Addr},
					{json: "portMac", proto: "port_mac", kind: kMAC},
					fIntRange("rtrPortVni", "vni", 0, 16777215),
					{json: "offRampVxlan", proto: "off_ramp_vxlan", kind: kNullBool},
					fRO(fUUID("serviceContainerId", "service_container_id")),
				}},
		},
		links: []link{
			lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
			lRef("host", "hosts", "host_id"), lRef("peer", "ports", "peer_id"),
			lSub("link", "/link"), lSub("portGroups", "/port_groups"),
		},
		parents: []parent{
			{segment: "bridges", sub: "ports", ref: "network_id", backRef: "port_ids",
				variants: []string{"Bridge"}, variantMessage: "Not a bridge port."},
			{segment: "routers", sub: "ports", ref: "router_id", backRef: "port_ids",
				variants: []string{"Router"}, variantMessage: "Not a router port."},
			{segment: "bridges", sub: "vxlan_ports", backRef: "vxlan_port_ids", listOnly: true},
		},
		hooks: typed[*models.Port]{decode: decodePort, encode: encodePort, create: createPort, remove: removePort}.hooks(),
	}
}
