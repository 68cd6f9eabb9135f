package neutron

import (
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Routers: a Neutron router is a MidoNet router with the same id and its
// chains — pre-routing (inbound), post-routing (outbound), forward, and
// the floating-IP SNAT-exact, floating-IP SNAT, skip-SNAT and NAT64 chains
// the outbound chain jumps to — plus two port groups. Its gateway (the
// Neutron gateway port, already a port of the external network) becomes
// a router port peered with that network port, with a default route, a
// subnet route, a local route and, with SNAT enabled, the gateway's SNAT
// rules. Extra routes are routes through the router port whose subnet
// holds their next hop.

func routerTranslator() *Translator {
	return typed(createRouter, updateRouter, deleteRouter)
}

// Chain names of a router's chains.
func preRouteChainName(r uuid.UUID) string       { return "OS_PRE_ROUTING_" + r.String() }
func postRouteChainName(r uuid.UUID) string      { return "OS_POST_ROUTING_" + r.String() }
func forwardChainName(r uuid.UUID) string        { return "OS_FORWARD_" + r.String() }
func floatSnatExactChainName(r uuid.UUID) string { return "OS_FLOAT_SNAT_EXACT_" + r.String() }
func floatSnatChainName(r uuid.UUID) string      { return "OS_FLOAT_SNAT_" + r.String() }
func floatNat64ChainName(r uuid.UUID) string     { return "OS_FLOAT_NAT64_" + r.String() }
func skipSnatChainName(r uuid.UUID) string       { return "OS_SKIP_SNAT_" + r.String() }

// portGroupName names a router's stateful port group by the group's own id.
func portGroupName(pg uuid.UUID) string { return "OS_PORT_GROUP_" + pg.String() }

// routerInterfacePortGroupName names a router's router-interface port group.
func routerInterfacePortGroupName(r uuid.UUID) string {
	return "OS_PORT_GROUP_ROUTER_INTF_" + r.String()
}

func snatEnabled(nr *models.NeutronRouter) bool {
	return nr.GetExternalGatewayInfo() != nil && nr.GetExternalGatewayInfo().GetEnableSnat()
}

func createRouter(v *View, nr *models.NeutronRouter) ([]Op, error) {
	r := idOf(nr)
	router := &models.Router{
		Id:               uuidOf(r),
		InboundFilterId:  uuidOf(InChainID(r)),
		OutboundFilterId: uuidOf(OutChainID(r)),
		ForwardChainId:   uuidOf(FwdChainID(r)),
		TenantId:         nr.TenantId,
		Name:             nr.Name,
		AdminStateUp:     nr.AdminStateUp,
	}
	pg := PortGroupID(r)
	ops := []Op{
		Create(newChain(InChainID(r), preRouteChainName(r))),
		Create(newChain(OutChainID(r), postRouteChainName(r))),
		Create(newChain(FwdChainID(r), forwardChainName(r))),
		Create(router),
		Create(&models.PortGroup{Id: uuidOf(pg), Name: proto.String(portGroupName(pg)),
			TenantId: proto.String(nr.GetTenantId()), Stateful: proto.Bool(true)}),
		Create(newRouterInterfacePortGroup(r, nr.GetTenantId(), nil)),
	}
	ops = append(ops, createSnatChains(r)...)
	gw, err := createGatewayPort(v, nr, router, nil)
	if err != nil {
		return nil, err
	}
	return append(ops, gw...), nil
}

// newRouterInterfacePortGroup is a router's (not stateful) port group of
// its router-interface ports.
func newRouterInterfacePortGroup(r uuid.UUID, tenant string, ports []*models.UUID) *models.PortGroup {
	return &models.PortGroup{Id: uuidOf(RouterInterfacePortGroupID(r)), Name: proto.String(routerInterfacePortGroupName(r)),
		TenantId: proto.String(tenant), Stateful: proto.Bool(false), PortIds: ports}
}

// createSnatChains creates the NAT64, skip-SNAT, floating-SNAT-exact and
// floating-SNAT chains with jumps to them at the head of the router's
// outbound chain (in that order), and the skip-SNAT chain's accept rule.
func createSnatChains(r uuid.UUID) []Op {
	chains := []*models.Chain{
		newChain(FloatSnatChainID(r), floatSnatChainName(r)),
		newChain(FloatSnatExactChainID(r), floatSnatExactChainName(r)),
		newChain(SkipSnatChainID(r), skipSnatChainName(r)),
		newChain(FloatNat64ChainID(r), floatNat64ChainName(r)),
	}
	var ops []Op
	var jumps []uuid.UUID
	for _, c := range chains {
		// The jump rules get random ids and no chain: putting them in the
		// outbound chain's list sets their chain through the binding.
		jump := &models.Rule{
			Id:     models.NewUUID(),
			Type:   models.Rule_JUMP_RULE.Enum(),
			Action: models.Rule_JUMP.Enum(),
			RuleData: &models.Rule_JumpRuleData_{JumpRuleData: &models.Rule_JumpRuleData{
				JumpChainId: c.GetId(),
			}},
		}
		ops = append(ops, Create(c), Create(jump))
		jumps = append([]uuid.UUID{idOf(jump)}, jumps...)
	}
	ops = append(ops, prependRules(OutChainID(r), jumps...))
	cond := anyFrag()
	cond.MatchNwDstRewritten = proto.Bool(true)
	cond.ConjunctionInv = proto.Bool(true)
	return append(ops, Create(&models.Rule{
		Id:        uuidOf(SkipSnatAcceptRuleID(r)),
		Type:      models.Rule_LITERAL_RULE.Enum(),
		Action:    models.Rule_ACCEPT.Enum(),
		ChainId:   uuidOf(SkipSnatChainID(r)),
		Condition: cond,
	}))
}

func deleteRouter(v *View, nr *models.NeutronRouter) ([]Op, error) {
	r := idOf(nr)
	// The local redirect chain (BGP, VPN) serves only this router; the
	// reference leaves it behind, empty or redirecting to ports gone.
	var ops []Op
	if router, ok, err := getIf[*models.Router](v, r); err != nil {
		return nil, err
	} else if ok && router.LocalRedirectChainId != nil {
		ops = append(ops, Delete(&models.Chain{}, router.GetLocalRedirectChainId().ToGoogle()))
	}
	return append(ops,
		Delete(&models.Chain{}, InChainID(r)),
		Delete(&models.Chain{}, OutChainID(r)),
		Delete(&models.Chain{}, FwdChainID(r)),
		Delete(&models.Chain{}, FloatSnatExactChainID(r)),
		Delete(&models.Chain{}, FloatSnatChainID(r)),
		Delete(&models.Chain{}, SkipSnatChainID(r)),
		Delete(&models.Chain{}, FloatNat64ChainID(r)),
		Delete(&models.PortGroup{}, PortGroupID(r)),
		Delete(&models.PortGroup{}, RouterInterfacePortGroupID(r)),
		Delete(&models.ServiceContainerGroup{}, QuaggaContainerGroupID(r)),
		Delete(&models.Router{}, r),
	), nil
}

// isOldRouterTranslation: a router translated by a MidoNet older than the
// floating-IP SNAT chains lacks them.
func isOldRouterTranslation(v *View, r uuid.UUID) (bool, error) {
	ok, err := v.Exists(&models.Chain{}, FloatSnatExactChainID(r))
	return !ok, err
}

// checkOldRouterTranslation refuses to work on such a router.
func checkOldRouterTranslation(v *View, r uuid.UUID) error {
	old, err := isOldRouterTranslation(v, r)
	if err != nil {
		return err
	}
	if old {
		return conflict("Router %s must be updated to work properly with the newest version of Midonet. "+
			"Please disable and re-enable SNAT on the router's gateway, and then disassociate and reassociate "+
			"any Floating IPs associated with the router.", r)
	}
	return nil
}

func updateRouter(v *View, nr, old *models.NeutronRouter) ([]Op, error) {
	r := idOf(nr)
	var ops []Op
	legacy, err := isOldRouterTranslation(v, r)
	if err != nil {
		return nil, err
	}
	if legacy {
		if snatEnabled(nr) {
			return nil, checkOldRouterTranslation(v, r)
		}
		ops = append(ops, createSnatChains(r)...)
	}
	router, err := get[*models.Router](v, r)
	if err != nil {
		return nil, err
	}
	ops = append(ops, Modify(r, func(rt *models.Router) error {
		rt.AdminStateUp = proto.Bool(nr.GetAdminStateUp())
		rt.Name = proto.String(nr.GetName())
		rt.TenantId = proto.String(nr.GetTenantId())
		return nil
	}))
	// The router's ports as the extra routes will see them: the update's
	// own gateway change included.
	ports, err := getMany[*models.Port](v, router.GetPortIds())
	if err != nil {
		return nil, err
	}
	switch {
	case old.GwPortId == nil && nr.GwPortId != nil:
		var gwPort *models.Port
		gw, err := createGatewayPort(v, nr, router, &gwPort)
		if err != nil {
			return nil, err
		}
		ops = append(ops, gw...)
		if gwPort != nil {
			ports = append(ports, gwPort)
		}
	case old.GwPortId != nil && nr.GwPortId == nil:
		gw, err := deleteGatewayPort(v, old)
		if err != nil {
			return nil, err
		}
		ops = append(ops, gw...)
		gwID := TenantGwPortID(idOf(&models.Port{Id: old.GwPortId}))
		ports = slices.DeleteFunc(ports, func(p *models.Port) bool { return idOf(p) == gwID })
	case nr.GwPortId != nil && snatEnabled(old) != snatEnabled(nr):
		nPort, err := get[*models.NeutronPort](v, nr.GwPortId.ToGoogle())
		if err != nil {
			return nil, err
		}
		if len(nPort.GetFixedIps()) == 0 {
			return nil, badRequest("gateway port %s has no fixed IP", nPort.GetId().Canonical())
		}
		addr := nPort.GetFixedIps()[0].GetIpAddress()
		if addr.GetVersion() == models.IPVersion_V4 {
			if snatEnabled(nr) {
				snat, err := createSnatRules(v, nr, router, addr, TenantGwPortID(idOf(nPort)))
				if err != nil {
					return nil, err
				}
				ops = append(ops, snat...)
			} else {
				snat, err := deleteSnatRules(v, r)
				if err != nil {
					return nil, err
				}
				ops = append(ops, snat...)
			}
		}
	}
	routes, err := updateExtraRoutes(v, nr, old, ports)
	if err != nil {
		return nil, err
	}
	return append(ops, routes...), nil
}

// createGatewayPort links the router to the Neutron gateway port's network
// (when the router has one): a router port with the gateway port's MAC and
// addresses, peered with the network port, its routes and SNAT rules. The
// new port is stored in *created when created is not nil.
func createGatewayPort(v *View, nr *models.NeutronRouter, router *models.Router, created **models.Port) ([]Op, error) {
	if nr.GwPortId == nil {
		return nil, nil
	}
	nPort, err := get[*models.NeutronPort](v, nr.GwPortId.ToGoogle())
	if err != nil {
		return nil, err
	}
	port := newRouterPort(TenantGwPortID(idOf(nPort)), router.GetId(), nPort)
	port.PeerId = nPort.GetId()
	type gwAddress struct {
		addr     *models.IPAddress
		ip       netip.Addr
		subnetID uuid.UUID
		internal netip.Prefix // IPv6: the port's 169.254.x.y/30 towards NAT64
	}
	var addrs []gwAddress
	for _, fip := range nPort.GetFixedIps() {
		if fip.IpAddress == nil || fip.SubnetId == nil {
			continue
		}
		dhcp, err := get[*models.Dhcp](v, fip.SubnetId.ToGoogle())
		if err != nil {
			return nil, err
		}
		ip, err := addrOf(fip.GetIpAddress())
		if err != nil {
			return nil, err
		}
		sn, err := prefixOf(dhcp.GetSubnetAddress())
		if err != nil {
			return nil, err
		}
		if !sn.Contains(ip) {
			return nil, badRequest("Port address %s does not belong to DHCP subnet %s", ip, dhcp.GetSubnetAddress().CIDR())
		}
		plen := uint32(sn.Bits())
		port.PortSubnet = append(port.PortSubnet, &models.IPSubnet{Version: fip.IpAddress.Version,
			Address: proto.String(fip.GetIpAddress().GetAddress()), PrefixLength: &plen})
		if port.PortAddress == nil {
			port.PortAddress = proto.Clone(fip.GetIpAddress()).(*models.IPAddress)
		}
		a := gwAddress{addr: fip.GetIpAddress(), ip: ip, subnetID: fip.SubnetId.ToGoogle()}
		if ip.Is6() {
			// An IPv6 gateway reaches the NAT64 (FIP64) service through a
			// link-local /30 free among the router's ports.
			if a.internal, err = freeLocalSubnet(v, router); err != nil {
				return nil, err
			}
			sn, err := models.IPSubnetFromPrefix(a.internal)
			if err != nil {
				return nil, err
			}
			port.PortSubnet = append(port.PortSubnet, sn)
			key, err := v.NextFip64TunnelKey()
			if err != nil {
				return nil, err
			}
			port.TunnelKey = proto.Uint64(uint64(key)&tunnelKeyBits | fip64TunnelKeyType)
		}
		addrs = append(addrs, a)
	}
	ops := []Op{Create(port)}
	if created != nil {
		*created = port
	}
	pid := idOf(port)
	snatDone := false
	for _, a := range addrs {
		if a.ip.Is6() {
			local, err := localRoute(port.GetId(), &models.IPAddress{Version: models.IPVersion_V4.Enum(),
				Address: proto.String(a.internal.Addr().String())})
			if err != nil {
				return nil, err
			}
			ops = append(ops, Create(skipNat4Rule(pid, idOf(nr))), Create(fip64Route(RouterInterfaceRouteID(pid, a.ip), pid)),
				Create(local))
			continue
		}
		dhcp, err := get[*models.Dhcp](v, a.subnetID)
		if err != nil {
			return nil, err
		}
		subnet, err := get[*models.NeutronSubnet](v, a.subnetID)
		if err != nil {
			return nil, err
		}
		def := nextHopPortRoute(uuidOf(GatewayRouteID(pid, a.ip)), port.GetId(), nil, nil, dhcp.GetDefaultGateway())
		def.GatewayDhcpId = dhcp.GetId()
		local, err := localRoute(port.GetId(), a.addr)
		if err != nil {
			return nil, err
		}
		ops = append(ops, Create(def), Create(local),
			Create(nextHopPortRoute(uuidOf(RouterInterfaceRouteID(pid, a.ip)), port.GetId(), nil, subnet.GetCidr(), nil)))
		if !snatDone {
			// The first address's SNAT rules make the rest's a no-op.
			snat, err := createSnatRules(v, nr, router, a.addr, pid)
			if err != nil {
				return nil, err
			}
			ops = append(ops, snat...)
			snatDone = true
		}
	}
	return ops, nil
}

// deleteGatewayPort deletes the router's gateway port (its routes go with
// it) and the SNAT rules.
func deleteGatewayPort(v *View, old *models.NeutronRouter) ([]Op, error) {
	pid := TenantGwPortID(old.GwPortId.ToGoogle())
	port, ok, err := getIf[*models.Port](v, pid)
	if err != nil || !ok {
		return nil, err
	}
	var ops []Op
	if slices.ContainsFunc(port.GetPortSubnet(), func(sn *models.IPSubnet) bool {
		return sn.GetVersion() == models.IPVersion_V4
	}) {
		if ops, err = deleteSnatRules(v, idOf(old)); err != nil {
			return nil, err
		}
	}
	return append(ops, Delete(&models.Port{}, pid)), nil
}

// createSnatRules makes the gateway's SNAT: the skip-SNAT rules of the
// gateway port; SNAT of what leaves through it to its address (and of
// destination-rewritten traffic), dropping fragments SNAT cannot handle;
// reverse SNAT of what comes back, dropping non-ICMP traffic to the
// gateway address itself. Nothing when SNAT is off or the rules exist.
func createSnatRules(v *View, nr *models.NeutronRouter, router *models.Router, addr *models.IPAddress,
	portID uuid.UUID) ([]Op, error) {
	r := idOf(nr)
	if !snatEnabled(nr) {
		return nil, nil
	}
	if ok, err := v.Exists(&models.Rule{}, OutSnatRuleID(r)); err != nil || ok {
		return nil, err
	}
	start, end := v.nat.ports()
	gwSubnet := hostSubnet(addr)
	outCond := func() *models.Condition {
		return &models.Condition{OutPortIds: uuidsOf(portID), NwSrcIp: proto.Clone(gwSubnet).(*models.IPSubnet),
			NwSrcInv: proto.Bool(true)}
	}
	inCond := func() *models.Condition {
		return &models.Condition{NwDstIp: proto.Clone(gwSubnet).(*models.IPSubnet)}
	}
	skipOut := anyFrag()
	skipOut.OutPortIds = uuidsOf(portID)
	skipIn := anyFrag()
	skipIn.InPortIds = uuidsOf(portID)
	dstRewritten := anyFrag()
	dstRewritten.MatchNwDstRewritten = proto.Bool(true)
	dropFrags := outCond()
	dropFrags.FragmentPolicy = models.Condition_ANY.Enum()
	dropWrongPort := inCond()
	dropWrongPort.NwProto = proto.Int32(1) // ICMP
	dropWrongPort.NwProtoInv = proto.Bool(true)
	out, in := router.GetOutboundFilterId(), router.GetInboundFilterId()
	return []Op{
		Create(&models.Rule{Id: uuidOf(SkipSnatOutGwPortRuleID(r)), Type: models.Rule_LITERAL_RULE.Enum(),
			Action: models.Rule_RETURN.Enum(), Condition: skipOut}),
		Create(&models.Rule{Id: uuidOf(SkipSnatInGwPortRuleID(r)), Type: models.Rule_LITERAL_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(), Condition: skipIn}),
		prependRules(SkipSnatChainID(r), SkipSnatOutGwPortRuleID(r)),
		appendRules(SkipSnatChainID(r), SkipSnatInGwPortRuleID(r)),
		Create(&models.Rule{Id: uuidOf(OutSnatRuleID(r)), ChainId: out, Type: models.Rule_NAT_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(), Condition: outCond(), RuleData: natTarget(addr, false, start, end)}),
		Create(&models.Rule{Id: uuidOf(DstRewrittenSnatRuleID(r)), ChainId: out, Type: models.Rule_NAT_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(), Condition: dstRewritten, RuleData: natTarget(addr, false, start, end)}),
		Create(&models.Rule{Id: uuidOf(OutDropUnmatchedFragmentsRuleID(r)), ChainId: out,
			Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_DROP.Enum(), Condition: dropFrags}),
		Create(&models.Rule{Id: uuidOf(InReverseSnatRuleID(r)), ChainId: in, Type: models.Rule_NAT_RULE.Enum(),
			Action: models.Rule_ACCEPT.Enum(), Condition: inCond(), RuleData: reverseNat(false)}),
		Create(&models.Rule{Id: uuidOf(InDropWrongPortTrafficRuleID(r)), ChainId: in,
			Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_DROP.Enum(), Condition: dropWrongPort}),
	}, nil
}

// deleteSnatRules deletes the gateway's SNAT rules (all of them exist or
// none does).
func deleteSnatRules(v *View, r uuid.UUID) ([]Op, error) {
	if ok, err := v.Exists(&models.Rule{}, OutSnatRuleID(r)); err != nil || !ok {
		return nil, err
	}
	var ops []Op
	for _, rule := range []uuid.UUID{InDropWrongPortTrafficRuleID(r), InReverseSnatRuleID(r),
		OutDropUnmatchedFragmentsRuleID(r), OutSnatRuleID(r), DstRewrittenSnatRuleID(r),
		SkipSnatOutGwPortRuleID(r), SkipSnatInGwPortRuleID(r)} {
		ops = append(ops, Delete(&models.Rule{}, rule))
	}
	return ops, nil
}

// extraRouteID is the id of a Neutron extra route of router r.
func extraRouteID(r uuid.UUID, rt *models.NeutronRoute) (uuid.UUID, error) {
	dst, err := prefixOf(rt.GetDestination())
	if err != nil {
		return uuid.Nil, err
	}
	nh, err := addrOf(rt.GetNexthop())
	if err != nil {
		return uuid.Nil, err
	}
	return ExtraRouteID(r, dst, nh), nil
}

// updateExtraRoutes deletes the routes (and BGP networks) of extra routes
// gone from the router and adds the new ones through the first of ports
// whose subnet holds the next hop.
func updateExtraRoutes(v *View, nr, old *models.NeutronRouter, ports []*models.Port) ([]Op, error) {
	r := idOf(nr)
	oldIDs := map[uuid.UUID]bool{}
	for _, rt := range old.GetRoutes() {
		rid, err := extraRouteID(r, rt)
		if err != nil {
			return nil, err
		}
		oldIDs[rid] = true
	}
	newIDs := map[uuid.UUID]bool{}
	type extra struct {
		id uuid.UUID
		rt *models.NeutronRoute
	}
	var added []extra
	for _, rt := range nr.GetRoutes() {
		rid, err := extraRouteID(r, rt)
		if err != nil {
			return nil, err
		}
		if !newIDs[rid] && !oldIDs[rid] {
			added = append(added, extra{rid, rt})
		}
		newIDs[rid] = true
	}
	var ops []Op
	for _, rt := range old.GetRoutes() {
		rid, _ := extraRouteID(r, rt)
		if !newIDs[rid] {
			ops = append(ops, Delete(&models.Route{}, rid), Delete(&models.BgpNetwork{}, BgpNetworkID(rid)))
		}
	}
	if len(added) == 0 {
		return ops, nil
	}
	bgp, err := isBgpSpeakerConfigured(v, r)
	if err != nil {
		return nil, err
	}
	for _, e := range added {
		nh, _ := addrOf(e.rt.GetNexthop())
		i := slices.IndexFunc(ports, func(p *models.Port) bool { return isValidRouteOnPort(e.rt.GetNexthop(), nh, p) })
		if i < 0 {
			return nil, badRequest("No valid port was found to add route: %s via %s",
				e.rt.GetDestination().CIDR(), e.rt.GetNexthop().GetAddress())
		}
		if bgp {
			ops = append(ops, Create(&models.BgpNetwork{Id: uuidOf(BgpNetworkID(e.id)), RouterId: uuidOf(r),
				Subnet: proto.Clone(e.rt.GetDestination()).(*models.IPSubnet)}))
		}
		src := anyIPv4Subnet()
		if e.rt.GetDestination().GetVersion() == models.IPVersion_V6 {
			src = anyIPv6Subnet()
		}
		ops = append(ops, Create(nextHopPortRoute(uuidOf(e.id), ports[i].GetId(), src, e.rt.GetDestination(),
			e.rt.GetNexthop())))
	}
	return ops, nil
}

// isValidRouteOnPort: a next hop is reachable through a port when one of
// the port's subnets holds it without being the port's own address.
func isValidRouteOnPort(addr *models.IPAddress, ip netip.Addr, p *models.Port) bool {
	if proto.Equal(p.GetPortAddress(), addr) {
		return false
	}
	for _, sn := range p.GetPortSubnet() {
		pfx, err := sn.ToPrefix()
		if err == nil && pfx.Contains(ip) && pfx.Addr() != ip {
			return true
		}
	}
	return false
}

// isBgpSpeakerConfigured reports whether a Neutron BGP peer's speaker is
// on router r.
func isBgpSpeakerConfigured(v *View, r uuid.UUID) (bool, error) {
	peers, err := getAll[*models.NeutronBgpPeer](v)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(peers, func(p *models.NeutronBgpPeer) bool {
		return p.GetBgpSpeaker().GetLogicalRouter().ToGoogle() == r
	}), nil
}
