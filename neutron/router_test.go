package neutron

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Expectations of the reference's RouterTranslatorIT ("handle router
// CRUD"): the router, its seven chains, the out chain's four jumps in
// order, the skip-SNAT accept rule, the two port groups; an update changes
// name, admin state and tenant and keeps the chains; a delete leaves
// nothing.
func TestRouterCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r1 := newID()
		fx.create(nRouter(r1, "router1", nil, false))
		r := g(r1)
		fx.equal("router", fixtureGet[*models.Router](fx, r), &models.Router{
			Id: r1, Name: proto.String("router1"), AdminStateUp: proto.Bool(true), TenantId: proto.String("tenant"),
			InboundFilterId: uuidOf(InChainID(r)), OutboundFilterId: uuidOf(OutChainID(r)),
			ForwardChainId: uuidOf(FwdChainID(r))})

		for _, c := range []struct {
			id    uuid.UUID
			name  string
			rules int
		}{
			{InChainID(r), "OS_PRE_ROUTING_", 0}, {OutChainID(r), "OS_POST_ROUTING_", 4},
			{FwdChainID(r), "OS_FORWARD_", 0}, {FloatSnatExactChainID(r), "OS_FLOAT_SNAT_EXACT_", 0},
			{FloatSnatChainID(r), "OS_FLOAT_SNAT_", 0}, {SkipSnatChainID(r), "OS_SKIP_SNAT_", 1},
			{FloatNat64ChainID(r), "OS_FLOAT_NAT64_", 0},
		} {
			ch := fixtureGet[*models.Chain](fx, c.id)
			if ch.GetName() != c.name+r.String() || len(ch.GetRuleIds()) != c.rules {
				t.Errorf("chain %s: name %q, %d rules; want %q, %d", c.id, ch.GetName(), len(ch.GetRuleIds()),
					c.name+r.String(), c.rules)
			}
		}
		// The out chain jumps to NAT64, skip-SNAT, SNAT-exact, SNAT in order.
		out := fx.rulesOf(OutChainID(r))
		for i, target := range []uuid.UUID{FloatNat64ChainID(r), SkipSnatChainID(r), FloatSnatExactChainID(r),
			FloatSnatChainID(r)} {
			want := &models.Rule{Id: out[i].GetId(), Type: models.Rule_JUMP_RULE.Enum(), Action: models.Rule_JUMP.Enum(),
				ChainId: uuidOf(OutChainID(r)), RuleData: &models.Rule_JumpRuleData_{
					JumpRuleData: &models.Rule_JumpRuleData{JumpChainId: uuidOf(target)}}}
			fx.equal("out chain jump", out[i], want)
		}
		fx.equal("skip-SNAT accept rule", fixtureGet[*models.Rule](fx, SkipSnatAcceptRuleID(r)), &models.Rule{
			Id: uuidOf(SkipSnatAcceptRuleID(r)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(),
			ChainId: uuidOf(SkipSnatChainID(r)), Condition: &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(),
				MatchNwDstRewritten: proto.Bool(true), ConjunctionInv: proto.Bool(true)}})
		pg := PortGroupID(r)
		fx.equal("port group", fixtureGet[*models.PortGroup](fx, pg), &models.PortGroup{Id: uuidOf(pg),
			Name: proto.String("OS_PORT_GROUP_" + pg.String()), TenantId: proto.String("tenant"), Stateful: proto.Bool(true)})
		ripg := RouterInterfacePortGroupID(r)
		fx.equal("router interface port group", fixtureGet[*models.PortGroup](fx, ripg), &models.PortGroup{
			Id: uuidOf(ripg), Name: proto.String("OS_PORT_GROUP_ROUTER_INTF_" + r.String()),
			TenantId: proto.String("tenant"), Stateful: proto.Bool(false)})

		r2 := newID()
		n2 := nRouter(r2, "router2", nil, false)
		n2.AdminStateUp = proto.Bool(false)
		fx.create(n2)
		if got := fixtureGet[*models.Router](fx, g(r2)); got.GetName() != "router2" || got.GetAdminStateUp() {
			t.Errorf("router2 = %v", got)
		}
		up := nRouter(r1, "", nil, false)
		up.Name = nil
		up.TenantId = proto.String("new-tenant")
		fx.update(up)
		fx.equal("updated router", fixtureGet[*models.Router](fx, r), &models.Router{
			Id: r1, Name: proto.String(""), AdminStateUp: proto.Bool(true), TenantId: proto.String("new-tenant"),
			InboundFilterId: uuidOf(InChainID(r)), OutboundFilterId: uuidOf(OutChainID(r)),
			ForwardChainId: uuidOf(FwdChainID(r))})
		fx.equal("stored neutron router", fixtureGet[*models.NeutronRouter](fx, r), up)

		fx.delete(&models.NeutronRouter{}, r1)
		fx.delete(&models.NeutronRouter{}, r2)
		fx.delete(&models.NeutronRouter{}, r2) // idempotent
		for _, cls := range []proto.Message{&models.Router{}, &models.Chain{}, &models.Rule{}, &models.PortGroup{},
			&models.NeutronRouter{}} {
			all, err := fx.st.GetAll(fx.ctx, cls)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 0 {
				t.Errorf("%d %s left after deleting the routers", len(all), models.ClassName(cls))
			}
		}
	})
}

// gatewayCase is the topology of the gateway tests: an external network
// with one subnet, a gateway port on it and a tenant router using it.
type gatewayCase struct {
	extNet, extSubnet, gwPort, router *models.UUID
}

// validateGateway is the reference's validateGateway: the tenant router's
// only port is the gateway port, peered with the network gateway port,
// with the gateway, subnet and local routes (exactly), and the SNAT rules
// when enabled.
func (fx *fixture) validateGateway(c gatewayCase, extCidr, gwIP, mac, nextHop string, snat, gwRouteExists bool) {
	fx.t.Helper()
	r, gw := g(c.router), g(c.gwPort)
	trGw := TenantGwPortID(gw)
	tr := fixtureGet[*models.Router](fx, r)
	fx.sameIDs("tenant router ports", tr.GetPortIds(), trGw)
	if len(tr.GetRouteIds()) != 0 {
		fx.t.Errorf("tenant router has routes %v", tr.GetRouteIds())
	}
	a := addr(gwIP)
	rifRt, localRt, gwRt := RouterInterfaceRouteID(trGw, a), LocalRouteID(trGw, a), GatewayRouteID(trGw, a)
	port := fixtureGet[*models.Port](fx, trGw)
	wantRoutes := []uuid.UUID{rifRt, localRt}
	if gwRouteExists {
		wantRoutes = append(wantRoutes, gwRt)
	}
	fx.sameIDSet("gateway port routes", port.GetRouteIds(), wantRoutes...)
	port.RouteIds = nil
	plen := proto.Uint32(uint32(netipPrefix(extCidr).Bits()))
	fx.equal("tenant gateway port", port, &models.Port{Id: uuidOf(trGw), RouterId: c.router,
		AdminStateUp: proto.Bool(true), PortMac: proto.String(mac), PeerId: c.gwPort, PortAddress: ip(gwIP),
		PortSubnet: []*models.IPSubnet{{Version: models.IPVersion_V4.Enum(), Address: proto.String(gwIP),
			PrefixLength: plen}}})
	if got := fx.arpTable(c.extNet)[gwIP]; got != mac {
		fx.t.Errorf("external network ARP entry of %s = %q, want %q", gwIP, got, mac)
	}
	nwPort := fixtureGet[*models.Port](fx, gw)
	if !nwPort.GetPeerId().Equal(uuidOf(trGw)) || len(nwPort.GetRouteIds()) != 0 {
		fx.t.Errorf("network gateway port: peer %v, routes %v", nwPort.GetPeerId(), nwPort.GetRouteIds())
	}
	fx.equal("local route", fixtureGet[*models.Route](fx, localRt), &models.Route{Id: uuidOf(localRt),
		SrcSubnet: anyRoute(), DstSubnet: cidr(gwIP + "/32"), NextHop: models.Route_LOCAL.Enum(),
		NextHopPortId: uuidOf(trGw), Weight: proto.Int32(100)})
	fx.equal("subnet route", fixtureGet[*models.Route](fx, rifRt), &models.Route{Id: uuidOf(rifRt),
		SrcSubnet: anyRoute(), DstSubnet: cidr(extCidr), NextHop: models.Route_PORT.Enum(),
		NextHopPortId: uuidOf(trGw), Weight: proto.Int32(100)})
	if gwRouteExists {
		want := &models.Route{Id: uuidOf(gwRt), SrcSubnet: anyRoute(), DstSubnet: anyRoute(),
			NextHop: models.Route_PORT.Enum(), NextHopPortId: uuidOf(trGw), Weight: proto.Int32(100),
			GatewayDhcpId: c.extSubnet}
		if nextHop != "" {
			want.NextHopGateway = ip(nextHop)
		}
		fx.equal("gateway route", fixtureGet[*models.Route](fx, gwRt), want)
	} else if fx.exists(&models.Route{}, gwRt) {
		fx.t.Error("gateway route survives its subnet")
	}
	if snat {
		fx.validateGatewayNatRules(r, gwIP, trGw)
	} else {
		fx.validateNatRulesDeleted(r)
	}
}

// validateGatewayNatRules: in chain [reverse SNAT, drop wrong port], out
// chain [4 jumps, SNAT, dst-rewritten SNAT, drop fragments], skip-SNAT
// chain [return out-gw, accept, accept in-gw].
func (fx *fixture) validateGatewayNatRules(r uuid.UUID, gwIP string, trGw uuid.UUID) {
	fx.t.Helper()
	gwSub := cidr(gwIP + "/32")
	in := fx.rulesOf(InChainID(r))
	out := fx.rulesOf(OutChainID(r))
	if len(in) != 2 || len(out) != 7 {
		fx.t.Fatalf("in chain %d rules, out chain %d rules; want 2 and 7", len(in), len(out))
	}
	fx.equal("reverse SNAT", in[0], natRule(InReverseSnatRuleID(r), InChainID(r),
		&models.Condition{NwDstIp: gwSub}, "", false, 0, 0))
	fx.equal("drop wrong port", in[1], &models.Rule{Id: uuidOf(InDropWrongPortTrafficRuleID(r)),
		ChainId: uuidOf(InChainID(r)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_DROP.Enum(),
		Condition: &models.Condition{NwDstIp: gwSub, NwProto: proto.Int32(1), NwProtoInv: proto.Bool(true)}})
	fx.equal("SNAT", out[4], natRule(OutSnatRuleID(r), OutChainID(r), &models.Condition{OutPortIds: uuidsOf(trGw),
		NwSrcIp: gwSub, NwSrcInv: proto.Bool(true)}, gwIP, false, 1024, 65535))
	fx.equal("dst-rewritten SNAT", out[5], natRule(DstRewrittenSnatRuleID(r), OutChainID(r), &models.Condition{
		FragmentPolicy: models.Condition_ANY.Enum(), MatchNwDstRewritten: proto.Bool(true)}, gwIP, false, 1024, 65535))
	fx.equal("drop fragments", out[6], &models.Rule{Id: uuidOf(OutDropUnmatchedFragmentsRuleID(r)),
		ChainId: uuidOf(OutChainID(r)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_DROP.Enum(),
		Condition: &models.Condition{OutPortIds: uuidsOf(trGw), NwSrcIp: gwSub, NwSrcInv: proto.Bool(true),
			FragmentPolicy: models.Condition_ANY.Enum()}})
	skip := fx.rulesOf(SkipSnatChainID(r))
	if got, want := ruleIDs(skip), []uuid.UUID{SkipSnatOutGwPortRuleID(r), SkipSnatAcceptRuleID(r),
		SkipSnatInGwPortRuleID(r)}; !equalIDs(got, want) {
		fx.t.Fatalf("skip-SNAT chain %v, want %v", got, want)
	}
	fx.equal("skip-SNAT out", skip[0], &models.Rule{Id: uuidOf(SkipSnatOutGwPortRuleID(r)),
		ChainId: uuidOf(SkipSnatChainID(r)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_RETURN.Enum(),
		Condition: &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), OutPortIds: uuidsOf(trGw)}})
	fx.equal("skip-SNAT in", skip[2], &models.Rule{Id: uuidOf(SkipSnatInGwPortRuleID(r)),
		ChainId: uuidOf(SkipSnatChainID(r)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(),
		Condition: &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), InPortIds: uuidsOf(trGw)}})
}

// validateNatRulesDeleted: no SNAT rule left, the out chain holds its jumps.
func (fx *fixture) validateNatRulesDeleted(r uuid.UUID) {
	fx.t.Helper()
	if in := fixtureGet[*models.Chain](fx, InChainID(r)); len(in.GetRuleIds()) != 0 {
		fx.t.Errorf("in chain keeps %d rules", len(in.GetRuleIds()))
	}
	if out := fixtureGet[*models.Chain](fx, OutChainID(r)); len(out.GetRuleIds()) != 4 {
		fx.t.Errorf("out chain has %d rules, want its 4 jumps", len(out.GetRuleIds()))
	}
	fx.sameIDs("skip-SNAT chain", fixtureGet[*models.Chain](fx, SkipSnatChainID(r)).GetRuleIds(), SkipSnatAcceptRuleID(r))
	for _, rule := range []uuid.UUID{OutSnatRuleID(r), DstRewrittenSnatRuleID(r), SkipSnatOutGwPortRuleID(r),
		SkipSnatInGwPortRuleID(r), InReverseSnatRuleID(r), InDropWrongPortTrafficRuleID(r),
		OutDropUnmatchedFragmentsRuleID(r)} {
		if fx.exists(&models.Rule{}, rule) {
			fx.t.Errorf("SNAT rule %s survives", rule)
		}
	}
}

func equalIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Expectations of RouterTranslatorIT "handle router IPv4 gateway CRUD",
// the tenant router's side: gateway creation with SNAT, rename, gateway
// port deletion, re-adding, SNAT off and on, subnet gateway changes.
func TestRouterGateway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := gatewayCase{extNet: newID(), extSubnet: newID(), gwPort: newID(), router: newID()}
		ext := network(c.extNet)
		ext.External = proto.Bool(true)
		dhcpPort := newID()
		fx.create(ext, subnet(c.extSubnet, c.extNet, "10.0.1.0/24", "10.0.1.2"),
			l3Port(dhcpPort, c.extNet, models.NeutronPort_DHCP, "", alloc("10.0.1.10", c.extSubnet)))
		fx.create(l3Port(c.gwPort, c.extNet, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:03",
			alloc("10.0.1.3", c.extSubnet)))
		fx.create(nRouter(c.router, "tr", c.gwPort, true))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.3", "ab:cd:ef:00:00:03", "10.0.1.2", true, true)
		if got := fixtureGet[*models.NeutronPort](fx, g(c.gwPort)).GetGwRouterId(); !got.Equal(c.router) {
			t.Errorf("gateway port's gw_router_id = %v", got)
		}

		// Renaming keeps the gateway.
		fx.update(nRouter(c.router, "tr-renamed", c.gwPort, true))
		if got := fixtureGet[*models.Router](fx, g(c.router)); got.GetName() != "tr-renamed" || len(got.GetPortIds()) != 1 {
			t.Errorf("renamed router = %v", got)
		}
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.3", "ab:cd:ef:00:00:03", "10.0.1.2", true, true)

		// Removing the gateway from the router (not deleting the port).
		fx.update(nRouter(c.router, "tr-no-gw", nil, true))
		if got := fixtureGet[*models.Router](fx, g(c.router)); len(got.GetPortIds()) != 0 {
			t.Errorf("router keeps ports %v", got.GetPortIds())
		}
		if fx.exists(&models.Port{}, TenantGwPortID(g(c.gwPort))) {
			t.Error("tenant gateway port survives")
		}
		fx.validateNatRulesDeleted(g(c.router))
		if fixtureGet[*models.Port](fx, g(c.gwPort)).PeerId != nil {
			t.Error("network gateway port still peered")
		}

		// Re-adding it, then SNAT off and on.
		fx.update(nRouter(c.router, "tr-add-gw", c.gwPort, true))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.3", "ab:cd:ef:00:00:03", "10.0.1.2", true, true)
		fx.update(nRouter(c.router, "tr-disable-snat", c.gwPort, false))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.3", "ab:cd:ef:00:00:03", "10.0.1.2", false, true)
		fx.update(nRouter(c.router, "tr-add-gw", c.gwPort, true))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.3", "ab:cd:ef:00:00:03", "10.0.1.2", true, true)

		// Deleting the gateway port (the port translation) unlinks the router.
		fx.delete(&models.NeutronPort{}, c.gwPort)
		if got := fixtureGet[*models.Router](fx, g(c.router)); len(got.GetPortIds()) != 0 {
			t.Errorf("router keeps ports %v after its gateway port's delete", got.GetPortIds())
		}
		fx.sameIDs("external network ports", fixtureGet[*models.Network](fx, g(c.extNet)).GetPortIds(), g(dhcpPort))
		if _, ok := fx.arpTable(c.extNet)["10.0.1.3"]; ok {
			t.Error("gateway ARP entry survives the gateway port")
		}
		fx.validateNatRulesDeleted(g(c.router))
		if fixtureGet[*models.NeutronRouter](fx, g(c.router)).GwPortId != nil {
			t.Error("neutron router keeps the deleted gateway port")
		}

		// Re-adding a gateway port with the same id and another address.
		fx.create(l3Port(c.gwPort, c.extNet, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:04",
			alloc("10.0.1.4", c.extSubnet)))
		fx.update(nRouter(c.router, "tr-add-gw", c.gwPort, true))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.4", "ab:cd:ef:00:00:04", "10.0.1.2", true, true)

		// The subnet's gateway changes follow into the default route.
		noGw := subnet(c.extSubnet, c.extNet, "10.0.1.0/24", "")
		fx.update(noGw)
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.4", "ab:cd:ef:00:00:04", "", true, true)
		fx.update(subnet(c.extSubnet, c.extNet, "10.0.1.0/24", "10.0.1.50"))
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.4", "ab:cd:ef:00:00:04", "10.0.1.50", true, true)
		fx.delete(&models.NeutronSubnet{}, c.extSubnet)
		fx.validateGateway(c, "10.0.1.0/24", "10.0.1.4", "ab:cd:ef:00:00:04", "", true, false)

		// Deleting the router deletes its gateway port, not the network's.
		fx.delete(&models.NeutronRouter{}, c.router)
		if fx.exists(&models.Port{}, TenantGwPortID(g(c.gwPort))) || fx.exists(&models.Router{}, g(c.router)) {
			t.Error("router or its gateway port survives the router's delete")
		}
		if p := fixtureGet[*models.Port](fx, g(c.gwPort)); p.PeerId != nil {
			t.Errorf("network gateway port still peered with %v", p.GetPeerId())
		}
		if got := fixtureGet[*models.NeutronPort](fx, g(c.gwPort)); got.GwRouterId != nil {
			t.Errorf("gateway port keeps gw_router_id %v", got.GetGwRouterId())
		}
	})
}

// A gateway address outside its subnet is the reference's
// IllegalArgumentException (400); a gateway port that does not exist is a
// not-found error.
func TestRouterGatewayErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ext, sn, gw := newID(), newID(), newID()
		fx.create(network(ext), subnet(sn, ext, "10.0.1.0/24", "10.0.1.1"))
		fx.create(l3Port(gw, ext, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:03", alloc("10.0.2.3", sn)))
		var bad *BadRequestError
		fx.mustFail("gateway outside its subnet", fx.svc.Create(fx.ctx, nRouter(newID(), "r", gw, true)),
			func(err error) bool { return errors.As(err, &bad) })
		fx.mustFail("missing gateway port", fx.svc.Create(fx.ctx, nRouter(newID(), "r", newID(), true)),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		if all, _ := fx.st.GetAll(fx.ctx, &models.Router{}); len(all) != 0 {
			t.Errorf("a refused router left %d routers", len(all))
		}
	})
}

// Expectations of RouterTranslatorIT "handle IPv4 extra routes CRUD": the
// route's next hop port is the port whose subnet holds the next hop; a
// replaced route is deleted.
func TestRouterExtraRoutes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		extNet, extSn, nw, sn, gw, r, rif := newID(), newID(), newID(), newID(), newID(), newID(), newID()
		fx.create(network(extNet), subnet(extSn, extNet, "200.0.0.0/24", "200.0.0.1"),
			network(nw), subnet(sn, nw, "192.168.1.0/24", "192.168.1.1"))
		fx.create(l3Port(gw, extNet, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:03", alloc("200.0.0.2", extSn)))
		fx.create(nRouter(r, "r", gw, true))
		rifPort := l3Port(rif, nw, models.NeutronPort_ROUTER_INTERFACE, "02:02:02:02:02:02", alloc("192.168.1.2", sn))
		rifPort.DeviceId = proto.String(g(r).String())
		fx.create(rifPort)
		fx.create(routerInterface(r, rif, sn))

		route1, route2 := nRoute("10.0.0.0/24", "200.0.0.3"), nRoute("10.0.1.0/24", "192.168.1.3")
		fx.update(nRouter(r, "r", gw, true, route1, route2))
		fx.validateExtraRoute(g(r), route1, TenantGwPortID(g(gw)))
		fx.validateExtraRoute(g(r), route2, RouterInterfacePeerID(g(rif)))

		route3 := nRoute("10.0.2.0/24", "200.0.0.4")
		fx.update(nRouter(r, "r", gw, true, route1, route3))
		fx.validateExtraRoute(g(r), route1, TenantGwPortID(g(gw)))
		fx.validateExtraRoute(g(r), route3, TenantGwPortID(g(gw)))
		if fx.exists(&models.Route{}, ExtraRouteID(g(r), netipPrefix("10.0.1.0/24"), addr("192.168.1.3"))) {
			t.Error("removed extra route survives")
		}

		// A next hop no port reaches (or a port's own address) is a 400.
		var bad *BadRequestError
		fx.mustFail("unreachable next hop", fx.svc.Update(fx.ctx, nRouter(r, "r", gw, true, route1, route3,
			nRoute("10.0.3.0/24", "172.16.0.1"))), func(err error) bool { return errors.As(err, &bad) })
		fx.mustFail("next hop is the port's address", fx.svc.Update(fx.ctx, nRouter(r, "r", gw, true, route1, route3,
			nRoute("10.0.3.0/24", "200.0.0.2"))), func(err error) bool { return errors.As(err, &bad) })

		// Adding the gateway and a route through it in one update.
		r2, gw2 := newID(), newID()
		fx.create(l3Port(gw2, extNet, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:04", alloc("200.0.0.5", extSn)))
		fx.create(nRouter(r2, "r2", nil, false))
		route4 := nRoute("10.0.9.0/24", "200.0.0.9")
		fx.update(nRouter(r2, "r2", gw2, false, route4))
		fx.validateExtraRoute(g(r2), route4, TenantGwPortID(g(gw2)))
	})
}

func (fx *fixture) validateExtraRoute(r uuid.UUID, rt *models.NeutronRoute, nextHopPort uuid.UUID) {
	fx.t.Helper()
	dst, _ := rt.GetDestination().ToPrefix()
	nh, _ := rt.GetNexthop().ToAddr()
	rid := ExtraRouteID(r, dst, nh)
	fx.equal("extra route", fixtureGet[*models.Route](fx, rid), &models.Route{Id: uuidOf(rid), SrcSubnet: anyRoute(),
		DstSubnet: rt.GetDestination(), NextHop: models.Route_PORT.Enum(), NextHopPortId: uuidOf(nextHopPort),
		Weight: proto.Int32(100), NextHopGateway: rt.GetNexthop()})
}

// Expectations of RouterTranslatorIT "Preserve router properties on
// update": what other services hang on the router survives an update.
func TestRouterUpdateKeepsReferences(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nw, sn, gw, r := newID(), newID(), newID(), newID()
		fx.create(network(nw), subnet(sn, nw, "10.0.1.0/24", "10.0.1.1"))
		fx.create(l3Port(gw, nw, models.NeutronPort_ROUTER_GATEWAY, "ab:ab:ab:ab:ab:ab", alloc("10.0.1.2", sn)))
		fx.create(nRouter(r, "router", gw, false))
		lb, route, inMirror, outMirror, bgpNet, bgpPeer, trace := newID(), newID(), newID(), newID(), newID(),
			newID(), newID()
		for _, obj := range []proto.Message{
			&models.LoadBalancer{Id: lb, RouterId: r},
			&models.Route{Id: route, RouterId: r},
			&models.Mirror{Id: inMirror, RouterInboundIds: []*models.UUID{r}},
			&models.Mirror{Id: outMirror, RouterOutboundIds: []*models.UUID{r}},
			&models.BgpNetwork{Id: bgpNet, RouterId: r},
			&models.BgpPeer{Id: bgpPeer, RouterId: r},
			&models.TraceRequest{Id: trace, RouterId: r},
		} {
			if err := fx.st.Create(fx.ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
		before := fixtureGet[*models.Router](fx, g(r))
		fx.update(nRouter(r, "routerV2", gw, false))
		after := fixtureGet[*models.Router](fx, g(r))
		before.Name = proto.String("routerV2")
		fx.equal("router after update", after, before)
		fx.sameIDs("routes", after.GetRouteIds(), g(route))
		fx.sameIDs("bgp networks", after.GetBgpNetworkIds(), g(bgpNet))
		fx.sameIDs("trace requests", after.GetTraceRequestIds(), g(trace))
		if !after.GetLoadBalancerId().Equal(lb) {
			t.Errorf("load balancer %v", after.GetLoadBalancerId())
		}
	})
}

func subnet6(id, net *models.UUID, c, gw string) *models.NeutronSubnet {
	s := subnet(id, net, c, gw)
	s.IpVersion = proto.Uint32(6)
	return s
}

// checkNat64GatewayPort: the IPv6 gateway's router port reaches NAT64
// through 169.254.0.1/30: a FIP64 route to the NAT64 pool, a local route
// for 169.254.0.1, the skip-NAT4 rule, a NAT64 tunnel key; with the given
// addresses first.
func (fx *fixture) checkNat64GatewayPort(r, gw *models.UUID, v6 string, subnets ...*models.IPSubnet) *models.Port {
	fx.t.Helper()
	pid := TenantGwPortID(g(gw))
	port := fixtureGet[*models.Port](fx, pid)
	if !port.GetRouterId().Equal(r) || port.GetPortMac() != "04:04:04:04:04:04" {
		fx.t.Errorf("gateway port = %v", port)
	}
	fx.equal("port subnets", &models.Port{PortSubnet: port.GetPortSubnet()},
		&models.Port{PortSubnet: append(subnets, cidr("169.254.0.1/30"))})
	if port.GetTunnelKey()>>20&7 != 2 {
		fx.t.Errorf("gateway port tunnel key %#x is not of the NAT64 type", port.GetTunnelKey())
	}
	nat64 := RouterInterfaceRouteID(pid, addr(v6))
	local := LocalRouteID(pid, addr("169.254.0.1"))
	fx.equal("NAT64 route", fixtureGet[*models.Route](fx, nat64), &models.Route{Id: uuidOf(nat64),
		NextHop: models.Route_FIP64.Enum(), NextHopPortId: uuidOf(pid), SrcSubnet: anyRoute(),
		DstSubnet: cidr("100.64.0.0/10"), Weight: proto.Int32(100)})
	fx.equal("internal local route", fixtureGet[*models.Route](fx, local), &models.Route{Id: uuidOf(local),
		NextHop: models.Route_LOCAL.Enum(), NextHopPortId: uuidOf(pid), SrcSubnet: anyRoute(),
		DstSubnet: cidr("169.254.0.1/32"), Weight: proto.Int32(100)})
	skip := FloatNat64ChainID(pid)
	fx.sameIDs("fip_nat_rule_ids", port.GetFipNatRuleIds(), skip)
	fx.equal("skip-NAT4 rule", fixtureGet[*models.Rule](fx, skip), &models.Rule{Id: uuidOf(skip),
		ChainId: uuidOf(FloatNat64ChainID(g(r))), FipPortId: uuidOf(pid), Type: models.Rule_LITERAL_RULE.Enum(),
		Action: models.Rule_ACCEPT.Enum(), Condition: &models.Condition{OutPortIds: uuidsOf(pid),
			NwDstIp: cidr("100.64.0.0/10")}})
	return port
}

// Expectations of RouterTranslatorIT "handle router IPv6 gateway CRUD" and
// "handle router multiple IP gateway CRUD" (the tenant router's side).
func TestRouterIPv6Gateway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ext, sn4, sn6, gw, r := newID(), newID(), newID(), newID(), newID()
		fx.create(network(ext), subnet6(sn6, ext, "2002::/64", "2002::1"))
		gwPort := l3Port(gw, ext, models.NeutronPort_ROUTER_GATEWAY, "04:04:04:04:04:04", alloc("2002::2", sn6))
		fx.create(gwPort)
		fx.create(nRouter(r, "tenant", gw, false))
		port := fx.checkNat64GatewayPort(r, gw, "2002::2", cidr("2002::2/64"))
		if got := port.GetPortAddress().GetAddress(); got != "2002:0:0:0:0:0:0:2" {
			t.Errorf("port address %q", got)
		}
		fx.sameIDs("routes", port.GetRouteIds(), RouterInterfaceRouteID(g(port.GetId()), addr("2002::2")),
			LocalRouteID(g(port.GetId()), addr("169.254.0.1")))
		pid := TenantGwPortID(g(gw))
		gone := func(what string) {
			t.Helper()
			if fx.exists(&models.Port{}, pid) || fx.exists(&models.Rule{}, FloatNat64ChainID(pid)) {
				t.Errorf("%s: the gateway port or its NAT64 rule survives", what)
			}
		}
		// Port deleted, re-created and re-added; removed from the router, re-added.
		fx.delete(&models.NeutronPort{}, gw)
		gone("gateway port deleted")
		fx.create(gwPort)
		fx.update(nRouter(r, "tenant", gw, false))
		fx.checkNat64GatewayPort(r, gw, "2002::2", cidr("2002::2/64"))
		fx.update(nRouter(r, "tenant", nil, false))
		gone("gateway removed from the router")
		fx.update(nRouter(r, "tenant", gw, false))
		fx.checkNat64GatewayPort(r, gw, "2002::2", cidr("2002::2/64"))
		fx.delete(&models.NeutronPort{}, gw)
		gone("gateway port deleted again")

		// A dual-stack gateway: IPv4 routes first, then the NAT64 ones.
		fx.create(subnet(sn4, ext, "10.0.0.0/24", "10.0.0.1"))
		gwPort.FixedIps = []*models.NeutronPort_IPAllocation{alloc("10.0.0.2", sn4), alloc("2002::2", sn6)}
		fx.create(gwPort)
		fx.update(nRouter(r, "tenant", gw, false))
		port = fx.checkNat64GatewayPort(r, gw, "2002::2", cidr("10.0.0.2/24"), cidr("2002::2/64"))
		if got := port.GetPortAddress().GetAddress(); got != "10.0.0.2" {
			t.Errorf("dual-stack port address %q", got)
		}
		v4 := addr("10.0.0.2")
		fx.sameIDs("dual-stack routes", port.GetRouteIds(), GatewayRouteID(pid, v4), LocalRouteID(pid, v4),
			RouterInterfaceRouteID(pid, v4), RouterInterfaceRouteID(pid, addr("2002::2")),
			LocalRouteID(pid, addr("169.254.0.1")))
		fx.equal("default route", fixtureGet[*models.Route](fx, GatewayRouteID(pid, v4)), &models.Route{
			Id: uuidOf(GatewayRouteID(pid, v4)), NextHop: models.Route_PORT.Enum(), NextHopPortId: uuidOf(pid),
			SrcSubnet: anyRoute(), DstSubnet: anyRoute(), Weight: proto.Int32(100), NextHopGateway: ip("10.0.0.1"),
			GatewayDhcpId: sn4})
		fx.delete(&models.NeutronPort{}, gw)
		fx.delete(&models.NeutronRouter{}, r)
		gone("dual-stack gateway and router deleted")
	})
}

// The IPv6 gateway's /30 is the first one free among the router's ports
// (the reference's containers.findLocalSubnet).
func TestRouterIPv6GatewayLocalSubnet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ext, sn6, gw, r := newID(), newID(), newID(), newID()
		fx.create(network(ext), subnet6(sn6, ext, "2002::/64", "2002::1"), nRouter(r, "tenant", nil, false))
		for _, taken := range []string{"169.254.0.1/30", "169.254.0.4/31", "10.0.0.1/24"} {
			if err := fx.st.Create(fx.ctx, &models.Port{Id: newID(), RouterId: r,
				PortSubnet: []*models.IPSubnet{cidr(taken)}}); err != nil {
				t.Fatal(err)
			}
		}
		fx.create(l3Port(gw, ext, models.NeutronPort_ROUTER_GATEWAY, "04:04:04:04:04:04", alloc("2002::2", sn6)))
		fx.update(nRouter(r, "tenant", gw, false))
		got := fixtureGet[*models.Port](fx, TenantGwPortID(g(gw))).GetPortSubnet()
		if len(got) != 2 || got[1].CIDR() != "169.254.0.9/30" {
			t.Errorf("gateway port subnets %v, want the NAT64 link at 169.254.0.9/30", got)
		}
	})
}

// Under a BGP speaker (a Neutron BGP peer on the router, and its Quagga
// port), the router announces its extra routes and its interfaces'
// subnets as BGP networks, gone with the route or the interface (the
// reference's makeBgpNetworkFromRoute and createBgpNetwork).
func TestRouterBgpNetworks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := fx.newRifCase(network, "10.0.0.0/24", "10.0.0.1")
		r := g(c.router)
		for _, obj := range []proto.Message{
			&models.NeutronBgpPeer{Id: newID(), BgpSpeaker: &models.NeutronBgpSpeaker{Id: newID(), LogicalRouter: c.router}},
			&models.Port{Id: uuidOf(QuaggaPortID(r)), RouterId: c.router},
		} {
			if err := fx.st.Create(fx.ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
		fx.create(rifPort(c.rifPort, c.net, c.router, "ab:cd:ef:01:02:03", alloc("10.0.0.1", c.subnet)))
		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		rifNet := BgpNetworkID(g(c.rifPort))
		fx.equal("interface BGP network", fixtureGet[*models.BgpNetwork](fx, rifNet), &models.BgpNetwork{
			Id: uuidOf(rifNet), RouterId: c.router, Subnet: cidr("10.0.0.0/24")})

		route := nRoute("192.168.5.0/24", "10.0.0.9")
		fx.update(nRouter(c.router, "r", nil, false, route))
		routeID := ExtraRouteID(r, netipPrefix("192.168.5.0/24"), addr("10.0.0.9"))
		routeNet := BgpNetworkID(routeID)
		fx.equal("extra route BGP network", fixtureGet[*models.BgpNetwork](fx, routeNet), &models.BgpNetwork{
			Id: uuidOf(routeNet), RouterId: c.router, Subnet: cidr("192.168.5.0/24")})
		fx.update(nRouter(c.router, "r", nil, false))
		if fx.exists(&models.BgpNetwork{}, routeNet) || fx.exists(&models.Route{}, routeID) {
			t.Error("removed extra route keeps its route or BGP network")
		}
		fx.update(routerInterface(c.router, c.rifPort, c.subnet))
		if fx.exists(&models.BgpNetwork{}, rifNet) {
			t.Error("stripped interface keeps its BGP network")
		}
	})
}

// The dynamic SNAT rules take cluster.translators.nat.dynamic_port_start
// and _end, with the reference's fallbacks for values out of range.
func TestDynamicNatPorts(t *testing.T) {
	for _, c := range []struct {
		in         NatPortRange
		start, end uint32
	}{
		{NatPortRange{}, 1024, 65535}, {NatPortRange{2000, 3000}, 2000, 3000}, {NatPortRange{70000, 100}, 1, 65535},
		{NatPortRange{2000, 1000}, 2000, 65535}, {NatPortRange{0, 5000}, 1, 5000}, {NatPortRange{5, 70000}, 5, 65535},
	} {
		if s, e := c.in.ports(); s != c.start || e != c.end {
			t.Errorf("%+v: ports %d-%d, want %d-%d", c.in, s, e, c.start, c.end)
		}
	}
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		fx.svc.WithDynamicNatPorts(NatPortRange{Start: 2000, End: 3000})
		c := gatewayCase{extNet: newID(), extSubnet: newID(), gwPort: newID(), router: newID()}
		fx.create(network(c.extNet), subnet(c.extSubnet, c.extNet, "10.0.1.0/24", "10.0.1.1"))
		fx.create(l3Port(c.gwPort, c.extNet, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:00:00:03",
			alloc("10.0.1.3", c.extSubnet)))
		fx.create(nRouter(c.router, "r", c.gwPort, true))
		nw, sn, rif := newID(), newID(), newID()
		fx.create(network(nw), subnet(sn, nw, "10.0.2.0/24", "10.0.2.1"))
		fx.create(rifPort(rif, nw, c.router, "ab:cd:ef:00:00:04", alloc("10.0.2.1", sn)))
		fx.create(routerInterface(c.router, rif, sn))
		r := g(c.router)
		for _, rule := range []uuid.UUID{OutSnatRuleID(r), DstRewrittenSnatRuleID(r),
			SameSubnetSnatRuleID(OutChainID(r), RouterInterfacePeerID(g(rif)))} {
			tg := fixtureGet[*models.Rule](fx, rule).GetNatRuleData().GetNatTargets()
			if len(tg) != 1 || tg[0].GetTpStart() != 2000 || tg[0].GetTpEnd() != 3000 {
				t.Errorf("rule %s targets %v, want ports 2000-3000", rule, tg)
			}
		}
	})
}

// Expectations of RouterTranslatorIT "handle IPv6 extra route CRUD": on an
// edge router bound to an uplink, IPv6 extra routes go through the uplink
// port, from ::/0; a replaced one is deleted.
func TestRouterIPv6ExtraRoutes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		up, sn, r, upPort := newID(), newID(), newID(), newID()
		fx.create(uplinkNetwork(up), subnet6(sn, up, "2001::/64", ""), nRouter(r, "edge", nil, false))
		host := fx.createHostNamedByID()
		p := rifPort(upPort, up, r, "02:02:02:02:02:02", alloc("2001::1", sn))
		p.HostId = proto.String(host.Canonical())
		p.Profile = &models.NeutronPort_BindingProfile{InterfaceName: proto.String("eth0")}
		fx.create(p)
		fx.create(routerInterface(r, upPort, sn))

		route1, route2 := nRoute("2002::/64", "2001::2"), nRoute("2003::/64", "2001::3")
		fx.update(nRouter(r, "edge", nil, false, route1, route2))
		rp := RouterInterfacePeerID(g(upPort))
		check := func(rt *models.NeutronRoute) {
			t.Helper()
			rid := ExtraRouteID(g(r), netipPrefix(rt.GetDestination().CIDR()), addr(rt.GetNexthop().GetAddress()))
			fx.equal("IPv6 extra route", fixtureGet[*models.Route](fx, rid), &models.Route{Id: uuidOf(rid),
				SrcSubnet: &models.IPSubnet{Version: models.IPVersion_V6.Enum(), Address: proto.String("::"),
					PrefixLength: proto.Uint32(0)}, DstSubnet: rt.GetDestination(), NextHop: models.Route_PORT.Enum(),
				NextHopPortId: uuidOf(rp), Weight: proto.Int32(100), NextHopGateway: rt.GetNexthop()})
		}
		check(route1)
		check(route2)
		route3 := nRoute("2004::/64", "2001::2")
		fx.update(nRouter(r, "edge", nil, false, route1, route3))
		check(route1)
		check(route3)
		if fx.exists(&models.Route{}, ExtraRouteID(g(r), netipPrefix("2003::/64"), addr("2001::3"))) {
			t.Error("replaced IPv6 extra route survives")
		}
	})
}
