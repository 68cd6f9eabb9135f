package neutron

import (
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Router interfaces (add_router_interface / remove_router_interface): an
// interface is not stored; adding one makes a router port peered with the
// Neutron port's network port (or, on an uplink network, bound to the
// host interface the port names), with the port's addresses in the named
// subnets, a subnet route and a local route per address, the metadata
// route when the address is the subnet's gateway and a DHCP port serves
// it, and the same-subnet SNAT rules that send traffic DNATed back into
// its own subnet through the router. Removing one strips the named subnets
// from the router port; deleting the Neutron port (the port translation)
// deletes the router port.

func routerInterfaceTranslator() *Translator {
	return &Translator{
		Model: &models.NeutronRouterInterface{},
		Create: func(v *View, nm proto.Message) ([]Op, error) {
			return addRouterInterface(v, nm.(*models.NeutronRouterInterface))
		},
		Update: func(v *View, nm, _ proto.Message) ([]Op, error) {
			return removeRouterInterface(v, nm.(*models.NeutronRouterInterface))
		},
		Delete: func(*View, proto.Message) ([]Op, error) {
			return nil, badRequest("NeutronRouterInterface delete not supported.")
		},
		NotStored: true,
	}
}

// rifAddress is one address a router-interface port gets.
type rifAddress struct {
	subnet    *models.IPSubnet // the address with the subnet's prefix length
	addr      *models.IPAddress
	ip        netip.Addr
	prefix    netip.Prefix // the subnet's CIDR
	subnetID  uuid.UUID
	isGateway bool
}

func addRouterInterface(v *View, ri *models.NeutronRouterInterface) ([]Op, error) {
	nPort, err := get[*models.NeutronPort](v, ri.GetPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	uplink, err := portOnUplink(v, nPort)
	if err != nil {
		return nil, err
	}
	var ops []Op
	if nPort.GetDeviceOwner() != models.NeutronPort_ROUTER_INTERFACE {
		conv, err := convertToRouterInterfacePort(v, nPort, uplink, idOf(ri))
		if err != nil {
			return nil, err
		}
		ops = append(ops, conv...)
	}
	port := newRouterPort(RouterInterfacePeerID(idOf(nPort)), ri.GetId(), nPort)
	addrs, err := addRifAddresses(v, port, ri.GetSubnetIds(), nPort, uplink)
	if err != nil {
		return nil, err
	}
	hasIPv6 := slices.ContainsFunc(addrs, func(a rifAddress) bool { return a.ip.Is6() })
	pg, err := buildRouterInterfacePort(v, port, ri, nPort, uplink, hasIPv6)
	if err != nil {
		return nil, err
	}
	ops = append(ops, pg...)
	ops = append(ops, Create(port))
	router, err := get[*models.Router](v, idOf(ri))
	if err != nil {
		return nil, err
	}
	quagga, err := v.Exists(&models.Port{}, QuaggaPortID(idOf(ri)))
	if err != nil {
		return nil, err
	}
	pid := idOf(port)
	sameSubnetDone := false
	for _, a := range addrs {
		if a.ip.Is6() {
			if !uplink {
				ops = append(ops, Create(skipNat4Rule(pid, idOf(ri))),
					Create(fip64Route(RouterInterfaceRouteID(pid, a.ip), pid)))
			}
			local, err := localRoute(port.GetId(), a.addr)
			if err != nil {
				return nil, err
			}
			ops = append(ops, Create(local))
			continue
		}
		if !uplink {
			if a.isGateway {
				md, err := rifMetadataRoute(v, pid, a)
				if err != nil {
					return nil, err
				}
				ops = append(ops, md...)
			}
			// The same-subnet SNAT rules are per port: a second IPv4
			// subnet on one interface would need a second pair.
			if sameSubnetDone {
				return nil, badRequest("Cannot create router interface for router %s to multiple IPv4 subnets "+
					"(duplicate forward SNAT rule %s)", ri.GetId().Canonical(),
					SameSubnetSnatRuleID(router.GetOutboundFilterId().ToGoogle(), pid))
			}
			snat, err := sameSubnetSnatRules(v, ri, router, pid, a.addr)
			if err != nil {
				return nil, err
			}
			ops = append(ops, snat...)
			sameSubnetDone = true
			if quagga {
				sn, err := models.IPSubnetFromPrefix(a.prefix.Masked())
				if err != nil {
					return nil, badRequest("%v", err)
				}
				ops = append(ops, Create(&models.BgpNetwork{Id: uuidOf(BgpNetworkID(idOf(nPort))),
					RouterId: ri.GetId(), Subnet: sn}))
			}
		}
		local, err := localRoute(port.GetId(), a.addr)
		if err != nil {
			return nil, err
		}
		ops = append(ops, Create(nextHopPortRoute(uuidOf(RouterInterfaceRouteID(pid, a.ip)), port.GetId(), nil,
			a.subnet, nil)), Create(local))
	}
	return ops, nil
}

// skipNat4Rule accepts, in router r's NAT64 chain, what leaves the IPv6
// router port towards the NAT64 pool, so no IPv4 SNAT applies to it. Its
// id is the port's NAT64 chain id, as the reference names it.
func skipNat4Rule(port, r uuid.UUID) *models.Rule {
	return &models.Rule{
		Id:        uuidOf(FloatNat64ChainID(port)),
		ChainId:   uuidOf(FloatNat64ChainID(r)),
		FipPortId: uuidOf(port),
		Type:      models.Rule_LITERAL_RULE.Enum(),
		Condition: &models.Condition{OutPortIds: uuidsOf(port), NwDstIp: proto.Clone(nat64Pool).(*models.IPSubnet)},
		Action:    models.Rule_ACCEPT.Enum(),
	}
}

// fip64Route is the route of the NAT64 pool through a router port.
func fip64Route(routeID, portID uuid.UUID) *models.Route {
	return &models.Route{
		Id:            uuidOf(routeID),
		NextHop:       models.Route_FIP64.Enum(),
		NextHopPortId: uuidOf(portID),
		SrcSubnet:     anyIPv4Subnet(),
		DstSubnet:     proto.Clone(nat64Pool).(*models.IPSubnet),
		Weight:        proto.Int32(defaultRouteWeight),
	}
}

// convertToRouterInterfacePort makes a port added to a router by port id
// a router-interface port: its device owner and id change and, for a VM
// port with a network port, its security chains and DHCP host entries go.
// (The reference leaves its addresses in the security groups' IP address
// groups, and so does this.)
func convertToRouterInterfacePort(v *View, nPort *models.NeutronPort, uplink bool, router uuid.UUID) ([]Op, error) {
	ops := []Op{Modify(idOf(nPort), func(p *models.NeutronPort) error {
		p.DeviceOwner = models.NeutronPort_ROUTER_INTERFACE.Enum()
		p.DeviceId = proto.String(router.String())
		return nil
	})}
	if uplink || nPort.GetDeviceOwner() != models.NeutronPort_COMPUTE {
		return ops, nil
	}
	pid := idOf(nPort)
	ops = append(ops, Delete(&models.Chain{}, InChainID(pid)), Delete(&models.Chain{}, OutChainID(pid)),
		Delete(&models.Chain{}, AntiSpoofChainID(pid)))
	var order []uuid.UUID
	dhcps := map[uuid.UUID]*models.Dhcp{}
	for _, fip := range nPort.GetFixedIps() {
		sid := fip.GetSubnetId().ToGoogle()
		d, ok := dhcps[sid]
		if !ok {
			var err error
			if d, err = get[*models.Dhcp](v, sid); err != nil {
				return nil, err
			}
			dhcps[sid] = d
			order = append(order, sid)
		}
		if i := slices.IndexFunc(d.Hosts, func(h *models.Dhcp_Host) bool {
			return h.GetMac() == nPort.GetMacAddress() && proto.Equal(h.GetIpAddress(), fip.GetIpAddress())
		}); i >= 0 {
			d.Hosts = slices.Delete(d.Hosts, i, i+1)
		}
	}
	for _, sid := range order {
		hosts := dhcps[sid].Hosts
		ops = append(ops, Modify(sid, func(d *models.Dhcp) error {
			d.Hosts = hosts
			return nil
		}))
	}
	return ops, nil
}

// addRifAddresses sets the router port's addresses: the Neutron port's
// fixed IPs inside the subnets, or (a port without fixed IPs) the subnets'
// gateway addresses. The first address is the port address.
func addRifAddresses(v *View, port *models.Port, subnetIDs []*models.UUID, nPort *models.NeutronPort,
	uplink bool) ([]rifAddress, error) {
	subnets, err := getMany[*models.NeutronSubnet](v, subnetIDs)
	if err != nil {
		return nil, err
	}
	var out []rifAddress
	if len(nPort.GetFixedIps()) == 0 {
		for _, sn := range subnets {
			if sn.GatewayIp == nil {
				return nil, badRequest("Cannot create router interface because port %s has no fixed IPs and "+
					"subnet %s has no gateway IP", port.GetId().Canonical(), sn.GetId().Canonical())
			}
			if !uplink && port.DhcpId == nil {
				port.DhcpId = sn.GetId()
			}
			a, err := addRifAddress(port, sn, sn.GetGatewayIp(), true)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		return out, nil
	}
	for _, fip := range nPort.GetFixedIps() {
		if fip.IpAddress == nil || fip.SubnetId == nil {
			continue
		}
		ip, err := addrOf(fip.GetIpAddress())
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(subnets, func(sn *models.NeutronSubnet) bool { return subnetContains(sn.GetCidr(), ip) }) {
			continue
		}
		sn, err := get[*models.NeutronSubnet](v, fip.GetSubnetId().ToGoogle())
		if err != nil {
			return nil, err
		}
		isGateway := sn.GatewayIp != nil && proto.Equal(fip.GetIpAddress(), sn.GetGatewayIp())
		if !uplink && isGateway && port.DhcpId == nil {
			port.DhcpId = fip.GetSubnetId()
		}
		a, err := addRifAddress(port, sn, fip.GetIpAddress(), isGateway)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func addRifAddress(port *models.Port, sn *models.NeutronSubnet, addr *models.IPAddress, isGateway bool) (rifAddress, error) {
	ip, err := addrOf(addr)
	if err != nil {
		return rifAddress{}, err
	}
	cidr, err := prefixOf(sn.GetCidr())
	if err != nil {
		return rifAddress{}, err
	}
	if !cidr.Contains(ip) {
		return rifAddress{}, badRequest("Port address %s does not belong to subnet %s with CIDR %s",
			ip, sn.GetId().Canonical(), sn.GetCidr().CIDR())
	}
	portSubnet, err := models.IPSubnetFromPrefix(netip.PrefixFrom(ip, cidr.Bits()))
	if err != nil {
		return rifAddress{}, badRequest("%v", err)
	}
	port.PortSubnet = append(port.PortSubnet, portSubnet)
	if port.PortAddress == nil {
		port.PortAddress = proto.Clone(addr).(*models.IPAddress)
	}
	return rifAddress{subnet: portSubnet, addr: addr, ip: ip, prefix: cidr, subnetID: sn.GetId().ToGoogle(),
		isGateway: isGateway}, nil
}

// buildRouterInterfacePort connects the port: on an uplink network it is
// bound to the Neutron port's host and interface, in the router's stateful
// port group, with a tunnel key; otherwise it is peered with the network
// port, in the router-interface port group (made here for a router that
// predates it), with a NAT64 tunnel key when it has an IPv6 address.
func buildRouterInterfacePort(v *View, port *models.Port, ri *models.NeutronRouterInterface, nPort *models.NeutronPort,
	uplink, hasIPv6 bool) ([]Op, error) {
	r := idOf(ri)
	if uplink {
		port.PortGroupIds = append(port.PortGroupIds, uuidOf(PortGroupID(r)))
		key, err := v.NextTunnelKey()
		if err != nil {
			return nil, err
		}
		port.TunnelKey = proto.Uint64(uint64(key) & tunnelKeyBits)
		host, err := hostIDByName(v, nPort.GetHostId())
		if err != nil {
			return nil, err
		}
		port.HostId = host
		port.InterfaceName = proto.String(nPort.GetProfile().GetInterfaceName())
		return nil, nil
	}
	ops, err := ensureRouterInterfacePortGroup(v, r)
	if err != nil {
		return nil, err
	}
	port.PortGroupIds = append(port.PortGroupIds, uuidOf(RouterInterfacePortGroupID(r)))
	port.PeerId = nPort.GetId()
	if hasIPv6 {
		key, err := v.NextFip64TunnelKey()
		if err != nil {
			return nil, err
		}
		port.TunnelKey = proto.Uint64(uint64(key)&tunnelKeyBits | fip64TunnelKeyType)
	}
	return ops, nil
}

// Tunnel key layout (the reference's TunnelKeys): the low 20 bits are the
// key, bits 20-22 its type (0 legacy port, 2 NAT64).
const (
	tunnelKeyBits      = 1<<20 - 1
	fip64TunnelKeyType = 2 << 20
)

// routerInterfacePorts are the router's ports peered with Neutron
// router-interface ports.
// ensureRouterInterfacePortGroup creates router r's router-interface port
// group, holding its router-interface ports, when r predates it.
func ensureRouterInterfacePortGroup(v *View, r uuid.UUID) ([]Op, error) {
	ok, err := v.Exists(&models.PortGroup{}, RouterInterfacePortGroupID(r))
	if err != nil || ok {
		return nil, err
	}
	router, err := get[*models.Router](v, r)
	if err != nil {
		return nil, err
	}
	members, err := routerInterfacePorts(v, router)
	if err != nil {
		return nil, err
	}
	return []Op{Create(newRouterInterfacePortGroup(r, router.GetTenantId(), members))}, nil
}

func routerInterfacePorts(v *View, router *models.Router) ([]*models.UUID, error) {
	var out []*models.UUID
	for _, p := range router.GetPortIds() {
		// The peer id derivation is its own inverse.
		np, ok, err := getIf[*models.NeutronPort](v, RouterInterfacePeerID(p.ToGoogle()))
		if err != nil {
			return nil, err
		}
		if ok && np.GetDeviceOwner() == models.NeutronPort_ROUTER_INTERFACE {
			out = append(out, p)
		}
	}
	return out, nil
}

// rifMetadataRoute is the route to the metadata service through the
// DHCP port, when the subnet has one (its server address then differs
// from its gateway).
func rifMetadataRoute(v *View, portID uuid.UUID, a rifAddress) ([]Op, error) {
	dhcp, err := get[*models.Dhcp](v, a.subnetID)
	if err != nil {
		return nil, err
	}
	if dhcp.ServerAddress == nil || proto.Equal(dhcp.GetServerAddress(), dhcp.GetDefaultGateway()) {
		return nil, nil
	}
	// Its id is of the interface's address (the DHCP port translation
	// names its own by the DHCP port's).
	return []Op{Create(nextHopPortRoute(uuidOf(MetadataServiceRouteID(portID, a.ip)), uuidOf(portID), a.subnet,
		metadataServiceSubnet(), dhcp.GetServerAddress()))}, nil
}

// sameSubnetSnatRules SNATs to the port's address what the router sends
// back out of the port it came in by (but metadata traffic), and reverses
// that on the way back.
func sameSubnetSnatRules(v *View, ri *models.NeutronRouterInterface, router *models.Router, portID uuid.UUID,
	addr *models.IPAddress) ([]Op, error) {
	out := SameSubnetSnatRuleID(router.GetOutboundFilterId().ToGoogle(), portID)
	in := SameSubnetSnatRuleID(router.GetInboundFilterId().ToGoogle(), portID)
	for _, rule := range []struct {
		id   uuid.UUID
		what string
	}{{out, "forward"}, {in, "reverse"}} {
		ok, err := v.Exists(&models.Rule{}, rule.id)
		if err != nil {
			return nil, err
		}
		if ok {
			return nil, badRequest("Cannot create router interface for router %s to multiple IPv4 subnets "+
				"(duplicate %s SNAT rule %s)", ri.GetId().Canonical(), rule.what, rule.id)
		}
	}
	start, end := v.nat.ports()
	return []Op{
		Create(&models.Rule{
			Id: uuidOf(out), ChainId: router.GetOutboundFilterId(), Type: models.Rule_NAT_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(),
			Condition: &models.Condition{InPortIds: uuidsOf(portID), OutPortIds: uuidsOf(portID),
				NwDstIp: metadataServiceSubnet(), NwDstInv: proto.Bool(true),
				MatchForwardFlow: proto.Bool(true)},
			RuleData: natTarget(addr, false, start, end),
		}),
		Create(&models.Rule{
			Id: uuidOf(in), ChainId: router.GetInboundFilterId(), Type: models.Rule_NAT_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(),
			Condition: &models.Condition{InPortIds: uuidsOf(portID), NwDstIp: hostSubnet(addr),
				MatchReturnFlow: proto.Bool(true)},
			RuleData: reverseNat(false),
		}),
	}, nil
}

// removeRouterInterface strips the named subnets from the interface's
// router port (nothing when the Neutron port is gone: deleting it deleted
// the router port).
func removeRouterInterface(v *View, ri *models.NeutronRouterInterface) ([]Op, error) {
	nPort, ok, err := getIf[*models.NeutronPort](v, ri.GetPortId().ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	rpID := RouterInterfacePeerID(idOf(nPort))
	old, err := get[*models.Port](v, rpID)
	if err != nil {
		return nil, err
	}
	uplink, err := portOnUplink(v, nPort)
	if err != nil {
		return nil, err
	}
	removed := func(sid *models.UUID) bool {
		return slices.ContainsFunc(ri.GetSubnetIds(), func(u *models.UUID) bool { return u.Equal(sid) })
	}
	port := proto.Clone(old).(*models.Port)
	port.DhcpId, port.PortAddress, port.PortSubnet = nil, nil, nil
	var keep []*models.UUID
	for _, fip := range nPort.GetFixedIps() {
		if slices.ContainsFunc(old.GetPortSubnet(), func(sn *models.IPSubnet) bool {
			return sn.GetAddress() == fip.GetIpAddress().GetAddress()
		}) && !removed(fip.GetSubnetId()) {
			keep = append(keep, fip.GetSubnetId())
		}
	}
	if _, err := addRifAddresses(v, port, keep, nPort, uplink); err != nil {
		return nil, err
	}
	kept, err := getMany[*models.NeutronSubnet](v, keep)
	if err != nil {
		return nil, err
	}
	hasIPv6 := slices.ContainsFunc(kept, func(sn *models.NeutronSubnet) bool {
		return sn.GetCidr().GetVersion() == models.IPVersion_V6
	})
	if !uplink && !hasIPv6 {
		port.TunnelKey = nil
	}
	if !hasIPv6 {
		port.FipNatRuleIds = nil
	}
	ops := []Op{Update(port)}
	router, err := get[*models.Router](v, idOf(ri))
	if err != nil {
		return nil, err
	}
	// The reference deletes these without ignoring missing ones: a route
	// or rule already gone is a not-found error.
	deleted := map[uuid.UUID]bool{}
	strictDelete := func(model proto.Message, objID uuid.UUID) error {
		ok, err := v.Exists(model, objID)
		if err != nil {
			return err
		}
		if !ok || deleted[objID] {
			return notFound(models.ClassName(model), objID.String())
		}
		deleted[objID] = true
		ops = append(ops, Delete(model, objID))
		return nil
	}
	for _, fip := range nPort.GetFixedIps() {
		if !removed(fip.GetSubnetId()) {
			continue
		}
		ip, err := addrOf(fip.GetIpAddress())
		if err != nil {
			return nil, err
		}
		if !uplink && ip.Is4() {
			sn, err := get[*models.NeutronSubnet](v, fip.GetSubnetId().ToGoogle())
			if err != nil {
				return nil, err
			}
			if sn.GatewayIp != nil && proto.Equal(sn.GetGatewayIp(), fip.GetIpAddress()) {
				ops = append(ops, Delete(&models.Route{}, MetadataServiceRouteID(rpID, ip)))
			}
			for _, chain := range []*models.UUID{router.GetOutboundFilterId(), router.GetInboundFilterId()} {
				if err := strictDelete(&models.Rule{}, SameSubnetSnatRuleID(chain.ToGoogle(), rpID)); err != nil {
					return nil, err
				}
			}
			ops = append(ops, Delete(&models.BgpNetwork{}, BgpNetworkID(idOf(nPort))))
		}
		// An IPv6 address on an uplink has no subnet route.
		if ip.Is4() || !uplink {
			if err := strictDelete(&models.Route{}, RouterInterfaceRouteID(rpID, ip)); err != nil {
				return nil, err
			}
		}
		if err := strictDelete(&models.Route{}, LocalRouteID(rpID, ip)); err != nil {
			return nil, err
		}
	}
	return ops, nil
}
