package neutron

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Builders of the reference's LbaasV2ITCommon.

// vipV2Network creates a network, its subnet (netAddr, gateway gw) and a
// VIP v2 port at vipAddr on it; it returns the port, network and subnet.
func (fx *fixture) vipV2Network(vipAddr, netAddr, gw string) (port, net, sub *models.UUID) {
	fx.t.Helper()
	net, sub = newID(), newID()
	fx.create(network(net))
	fx.create(subnet(sub, net, netAddr, gw))
	return fx.vipV2Port(net, sub, vipAddr), net, sub
}

func (fx *fixture) vipV2Port(net, sub *models.UUID, vipAddr string) *models.UUID {
	fx.t.Helper()
	port := newID()
	fx.create(l3Port(port, net, models.NeutronPort_LOADBALANCERV2, "fa:16:3e:11:22:33", alloc(vipAddr, sub)))
	return port
}

func lbV2(id, vipPort, vipSubnet *models.UUID, vipAddr string) *models.NeutronLoadBalancerV2 {
	return &models.NeutronLoadBalancerV2{Id: id, AdminStateUp: proto.Bool(true), VipPortId: vipPort,
		VipSubnetId: vipSubnet, VipAddress: proto.String(vipAddr)}
}

func lbRef(lb *models.UUID) []*models.NeutronLoadBalancerV2 {
	return []*models.NeutronLoadBalancerV2{{Id: lb}}
}

func lbV2Listener(id, lb, pool *models.UUID, port int32, up bool) *models.NeutronLoadBalancerV2Listener {
	return &models.NeutronLoadBalancerV2Listener{Id: id, TenantId: proto.String("tenant"), AdminStateUp: proto.Bool(up),
		DefaultPoolId: pool, Loadbalancers: lbRef(lb), ProtocolPort: proto.Int32(port)}
}

func lbV2Pool(id, lb *models.UUID, up bool) *models.NeutronLoadBalancerV2Pool {
	return &models.NeutronLoadBalancerV2Pool{Id: id, TenantId: proto.String("tenant"), Name: proto.String("pool"),
		AdminStateUp: proto.Bool(up), LbAlgorithm: models.NeutronLoadBalancerV2Pool_ROUND_ROBIN.Enum(),
		Loadbalancers: lbRef(lb), Protocol: models.NeutronLoadBalancerV2Pool_TCP.Enum()}
}

func sourceIPPersistence() *models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceAlgorithm {
	return &models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceAlgorithm{
		Type: models.NeutronLoadBalancerV2Pool_SOURCE_IP.Enum()}
}

func lbV2Member(id, pool, sub *models.UUID, address string, port, weight int32, up bool) *models.NeutronLoadBalancerV2PoolMember {
	return &models.NeutronLoadBalancerV2PoolMember{Id: id, TenantId: proto.String("tenant"), Address: ip(address),
		AdminStateUp: proto.Bool(up), ProtocolPort: proto.Int32(port), Weight: proto.Int32(weight), SubnetId: sub,
		PoolId: pool}
}

func lbV2HealthMonitor(id *models.UUID, delay, timeout, retries int32, pools ...*models.UUID) *models.NeutronHealthMonitorV2 {
	hm := &models.NeutronHealthMonitorV2{Id: id, AdminStateUp: proto.Bool(true), Delay: proto.Int32(delay),
		Timeout: proto.Int32(timeout), MaxRetries: proto.Int32(retries)}
	for _, p := range pools {
		hm.Pools = append(hm.Pools, &models.NeutronLoadBalancerV2Pool{Id: p})
	}
	return hm
}

// Expectations of the reference's LoadBalancerV2IT.
func TestLoadBalancerV2Translation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		vipPort, _, vipSub := fx.vipV2Network("10.0.1.4", "10.0.1.0/24", "10.0.1.1")
		vipPeer := RouterInterfacePeerID(g(vipPort))
		lb := newID()
		fx.create(lbV2(lb, vipPort, vipSub, "10.0.1.4"))
		r := LbV2RouterID(g(lb))

		fx.equal("load balancer", fixtureGet[*models.LoadBalancer](fx, g(lb)), &models.LoadBalancer{Id: lb,
			AdminStateUp: proto.Bool(true), RouterId: uuidOf(r), ServiceContainerId: uuidOf(LbV2ServiceContainerID(r))})
		router := fixtureGet[*models.Router](fx, r)
		if !router.GetLoadBalancerId().Equal(lb) || !router.GetAdminStateUp() {
			t.Errorf("router %v", router)
		}
		in, out := fixtureGet[*models.Chain](fx, g(router.GetInboundFilterId())), fixtureGet[*models.Chain](fx, g(router.GetOutboundFilterId()))
		if in.GetName() != "LB_ROUTER_"+g(lb).String() || out.GetName() != in.GetName() {
			t.Errorf("chain names %q, %q", in.GetName(), out.GetName())
		}
		fx.sameIDs("inbound rules", in.GetRuleIds(), LbV2RevSnatRuleID(r))
		fx.sameIDs("outbound rules", out.GetRuleIds(), LbV2SnatRuleID(r))
		fx.equal("reverse SNAT", fixtureGet[*models.Rule](fx, LbV2RevSnatRuleID(r)),
			natRule(LbV2RevSnatRuleID(r), InChainID(r), anyFrag(), "", false, 0, 0))
		snatCond := anyFrag()
		snatCond.NwDstIp, snatCond.NwDstInv = cidr("169.254.0.2/32"), proto.Bool(true)
		snatCond.NwSrcIp, snatCond.NwSrcInv = cidr("10.0.1.4/32"), proto.Bool(true)
		fx.equal("SNAT", fixtureGet[*models.Rule](fx, LbV2SnatRuleID(r)),
			natRule(LbV2SnatRuleID(r), OutChainID(r), snatCond, "10.0.1.4", false, 1024, 65535))

		peer := fixtureGet[*models.Port](fx, vipPeer)
		if !peer.GetAdminStateUp() || !peer.GetPeerId().Equal(vipPort) || peer.GetPortAddress().GetAddress() != "10.0.1.4" ||
			!proto.Equal(peer.GetPortSubnet()[0], cidr("10.0.1.0/24")) || peer.GetPortMac() != "fa:16:3e:11:22:33" ||
			!peer.GetRouterId().Equal(uuidOf(r)) {
			t.Errorf("VIP router port %v", peer)
		}
		if p := fixtureGet[*models.Port](fx, g(vipPort)); !p.GetPeerId().Equal(uuidOf(vipPeer)) {
			t.Errorf("VIP network port peer %v", p.GetPeerId())
		}

		sc := fixtureGet[*models.ServiceContainer](fx, LbV2ServiceContainerID(r))
		fx.equal("service container", sc, &models.ServiceContainer{Id: uuidOf(LbV2ServiceContainerID(r)),
			ServiceGroupId: uuidOf(LbV2ServiceContainerGroupID(r)), PortId: uuidOf(LbV2ServiceContainerPortID(r)),
			ServiceType: proto.String("HAPROXY"), ConfigurationId: lb})
		fx.sameIDs("container group", fixtureGet[*models.ServiceContainerGroup](fx, LbV2ServiceContainerGroupID(r)).GetServiceContainerIds(),
			LbV2ServiceContainerID(r))
		scp := fixtureGet[*models.Port](fx, LbV2ServiceContainerPortID(r))
		if !scp.GetRouterId().Equal(uuidOf(r)) || scp.PortMac == nil || scp.GetPortAddress().GetAddress() != "169.254.0.1" ||
			len(scp.GetPortSubnet()) != 1 || !proto.Equal(scp.GetPortSubnet()[0], cidr("169.254.0.1/30")) ||
			!scp.GetAdminStateUp() || !scp.GetServiceContainerId().Equal(uuidOf(LbV2ServiceContainerID(r))) {
			t.Errorf("container port %v", scp)
		}
		fx.sameIDSet("router ports", router.GetPortIds(), vipPeer, LbV2ServiceContainerPortID(r))

		routes, err := fx.st.GetAll(fx.ctx, &models.Route{})
		if err != nil {
			t.Fatal(err)
		}
		var hops []*models.UUID
		for _, m := range routes {
			hops = append(hops, m.(*models.Route).GetNextHopPortId())
		}
		fx.sameIDSet("route next hops", hops, vipPeer, vipPeer, LbV2ServiceContainerPortID(r))

		fx.delete(&models.NeutronLoadBalancerV2{}, lb)
		for what, gone := range map[string]bool{
			"load balancer":   fx.exists(&models.LoadBalancer{}, g(lb)),
			"router":          fx.exists(&models.Router{}, r),
			"in chain":        fx.exists(&models.Chain{}, InChainID(r)),
			"out chain":       fx.exists(&models.Chain{}, OutChainID(r)),
			"SNAT":            fx.exists(&models.Rule{}, LbV2SnatRuleID(r)),
			"reverse SNAT":    fx.exists(&models.Rule{}, LbV2RevSnatRuleID(r)),
			"VIP router port": fx.exists(&models.Port{}, vipPeer),
			"container":       fx.exists(&models.ServiceContainer{}, LbV2ServiceContainerID(r)),
			"container group": fx.exists(&models.ServiceContainerGroup{}, LbV2ServiceContainerGroupID(r)),
			"container port":  fx.exists(&models.Port{}, LbV2ServiceContainerPortID(r)),
		} {
			if gone {
				t.Errorf("%s left after the delete", what)
			}
		}
		for _, m := range routes {
			if fx.exists(&models.Route{}, g(m.(*models.Route).GetId())) {
				t.Errorf("route %v left", m)
			}
		}
		if p := fixtureGet[*models.Port](fx, g(vipPort)); p.PeerId != nil {
			t.Errorf("VIP network port still peered with %v", p.GetPeerId())
		}
		// Deleting again is no error.
		fx.delete(&models.NeutronLoadBalancerV2{}, lb)
	})
}

func TestLoadBalancerV2Refusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		var bad *BadRequestError
		isBad := func(err error) bool { return errors.As(err, &bad) }
		isNotFound := func(err error) bool { return errors.Is(err, zoom.ErrNotFound) }
		isExists := func(err error) bool { return errors.Is(err, zoom.ErrObjectExists) }

		// Without a VIP port or address: 400.
		noPort := lbV2(newID(), nil, newID(), "10.0.1.4")
		fx.mustFail("no VIP port", fx.svc.Create(fx.ctx, noPort), isBad)
		noAddr := lbV2(newID(), newID(), newID(), "")
		noAddr.VipAddress = nil
		fx.mustFail("no VIP address", fx.svc.Create(fx.ctx, noAddr), isBad)
		// A VIP port and subnet that do not exist: not found.
		fx.mustFail("missing VIP port", fx.svc.Create(fx.ctx, lbV2(newID(), newID(), newID(), "10.0.1.4")), isNotFound)

		vipPort, net, vipSub := fx.vipV2Network("10.0.1.4", "10.0.1.0/24", "10.0.1.1")
		// The router id taken: the object exists.
		lb := newID()
		if err := fx.st.Tx(fx.ctx, func(tx *zoom.Tx) error {
			return tx.Create(&models.Router{Id: uuidOf(LbV2RouterID(g(lb)))})
		}); err != nil {
			t.Fatal(err)
		}
		fx.mustFail("router exists", fx.svc.Create(fx.ctx, lbV2(lb, vipPort, vipSub, "10.0.1.4")), isExists)
		// A port with the VIP router port's id: the object exists.
		taken := uuidOf(RouterInterfacePeerID(g(vipPort)))
		fx.create(l3Port(taken, net, models.NeutronPort_DHCP, "fa:16:3e:00:00:05", alloc("10.0.1.5", vipSub)))
		fx.mustFail("VIP router port exists", fx.svc.Create(fx.ctx, lbV2(newID(), vipPort, vipSub, "10.0.1.4")), isExists)

		// Nothing of the refused creates is left; the Neutron classes are
		// never stored.
		if fx.exists(&models.LoadBalancer{}, g(lb)) {
			t.Error("refused load balancer stored")
		}
		if _, err := fx.svc.Get(fx.ctx, &models.NeutronLoadBalancerV2{}, g(lb)); !isNotFound(err) {
			t.Errorf("get of a load balancer: %v", err)
		}
		if l, err := fx.svc.List(fx.ctx, &models.NeutronLoadBalancerV2Pool{}); err != nil || len(l) != 0 {
			t.Errorf("list of pools: %v, %v", l, err)
		}
		// Updates of missing objects: not found.
		fx.mustFail("update missing LB", fx.svc.Update(fx.ctx, lbV2(newID(), vipPort, vipSub, "10.0.1.4")), isNotFound)
		fx.mustFail("update missing pool", fx.svc.Update(fx.ctx, lbV2Pool(newID(), lb, true)), isNotFound)
		// A pool's delete reads it: a missing one is not found; other
		// deletes of missing objects are no error.
		fx.mustFail("delete missing pool", fx.svc.Delete(fx.ctx, &models.NeutronLoadBalancerV2Pool{}, g(newID())), isNotFound)
		fx.delete(&models.NeutronLoadBalancerV2Listener{}, newID())
		fx.delete(&models.NeutronLoadBalancerV2PoolMember{}, newID())
		fx.delete(&models.NeutronHealthMonitorV2{}, newID())
	})
}

// verifyGatewayRoute: the VIP router port's routes with a next-hop
// gateway are the default route via gw and the host routes.
func (fx *fixture) verifyLbGatewayRoutes(vipPort *models.UUID, gw string, host ...[2]string) {
	fx.t.Helper()
	rp := fixtureGet[*models.Port](fx, RouterInterfacePeerID(g(vipPort)))
	want := map[[2]string]int{{"0.0.0.0/0", gw}: 1}
	for _, h := range host {
		want[h]++
	}
	for _, id := range rp.GetRouteIds() {
		r := fixtureGet[*models.Route](fx, g(id))
		if r.NextHopGateway == nil {
			continue
		}
		p, _ := r.GetDstSubnet().ToPrefix()
		want[[2]string{p.String(), r.GetNextHopGateway().GetAddress()}]--
	}
	for k, n := range want {
		if n != 0 {
			fx.t.Errorf("VIP router port %s: route to %s via %s counted %d off", g(vipPort), k[0], k[1], -n)
		}
	}
}

// "Updating the LB subnet's gateway IP should change the routes on the LB
// routers".
func TestLoadBalancerV2SubnetUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		vip1, net, sub := fx.vipV2Network("10.0.1.4", "10.0.1.0/24", "10.0.1.10")
		vip2 := fx.vipV2Port(net, sub, "10.0.1.5")
		fx.create(lbV2(newID(), vip1, sub, "10.0.1.4"))
		fx.create(lbV2(newID(), vip2, sub, "10.0.1.5"))
		fx.verifyLbGatewayRoutes(vip1, "10.0.1.10")
		fx.verifyLbGatewayRoutes(vip2, "10.0.1.10")

		up := subnet(sub, net, "10.0.1.0/24", "10.0.1.11")
		up.HostRoutes = []*models.NeutronRoute{nRoute("10.10.10.0/24", "1.1.1.1"), nRoute("10.20.20.0/24", "2.2.2.2")}
		fx.update(up)
		hosts := [][2]string{{"10.10.10.0/24", "1.1.1.1"}, {"10.20.20.0/24", "2.2.2.2"}}
		fx.verifyLbGatewayRoutes(vip1, "10.0.1.11", hosts...)
		fx.verifyLbGatewayRoutes(vip2, "10.0.1.11", hosts...)
		// As the reference, the update replaced every route of the VIP
		// router port but the gateway's: the VIP subnet's route went too.
		for _, vip := range []*models.UUID{vip1, vip2} {
			rp := fixtureGet[*models.Port](fx, RouterInterfacePeerID(g(vip)))
			if len(rp.GetRouteIds()) != 3 {
				t.Errorf("VIP router port of %s has %d routes, want 3", g(vip), len(rp.GetRouteIds()))
			}
		}
	})
}

// Expectations of the reference's ListenerV2TranslatorIT.
func TestListenerV2Translation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		vipPort, _, sub := fx.vipV2Network("10.0.1.4", "10.0.1.0/24", "10.0.1.1")
		lb := newID()
		fx.create(lbV2(lb, vipPort, sub, "10.0.1.4"))
		vip := func(id, pool *models.UUID, up bool) *models.Vip {
			return &models.Vip{Id: id, AdminStateUp: proto.Bool(up), PoolId: pool, Address: ip("10.0.1.4"),
				ProtocolPort: proto.Uint32(11100)}
		}

		// Without a pool.
		l1 := newID()
		fx.create(lbV2Listener(l1, lb, nil, 11100, true))
		fx.equal("VIP without pool", fixtureGet[*models.Vip](fx, g(l1)), vip(l1, nil, true))
		fx.delete(&models.NeutronLoadBalancerV2Listener{}, l1)
		if fx.exists(&models.Vip{}, g(l1)) {
			t.Error("VIP left after the delete")
		}

		// With a default pool; updates clear and set it.
		pool := newID()
		fx.create(lbV2Pool(pool, lb, true))
		l2 := newID()
		fx.create(lbV2Listener(l2, lb, pool, 11100, true))
		fx.equal("VIP with pool", fixtureGet[*models.Vip](fx, g(l2)), vip(l2, pool, true))
		fx.sameIDs("pool VIPs", fixtureGet[*models.Pool](fx, g(pool)).GetVipIds(), g(l2))
		fx.update(lbV2Listener(l2, lb, nil, 11100, true))
		fx.equal("pool cleared", fixtureGet[*models.Vip](fx, g(l2)), vip(l2, nil, true))
		fx.sameIDs("pool VIPs after clearing", fixtureGet[*models.Pool](fx, g(pool)).GetVipIds())
		fx.update(lbV2Listener(l2, lb, nil, 11100, false))
		fx.equal("admin down", fixtureGet[*models.Vip](fx, g(l2)), vip(l2, nil, false))
		fx.update(lbV2Listener(l2, lb, pool, 11100, false))
		fx.equal("pool set again", fixtureGet[*models.Vip](fx, g(l2)), vip(l2, pool, false))

		// One load balancer exactly, whose router exists.
		var bad *BadRequestError
		none := lbV2Listener(newID(), lb, nil, 80, true)
		none.Loadbalancers = nil
		fx.mustFail("no load balancer", fx.svc.Create(fx.ctx, none), func(err error) bool { return errors.As(err, &bad) })
		fx.mustFail("missing load balancer", fx.svc.Create(fx.ctx, lbV2Listener(newID(), newID(), nil, 80, true)),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
	})
}

// checkPool is the reference's checkPool.
func (fx *fixture) checkPool(pool, lb *models.UUID, up bool, hm *models.UUID, sp bool, members, vips []*models.UUID) {
	fx.t.Helper()
	p := fixtureGet[*models.Pool](fx, g(pool))
	want := &models.Pool{Id: pool, AdminStateUp: proto.Bool(up), LbMethod: models.Pool_ROUND_ROBIN.Enum(),
		LoadBalancerId: lb, Protocol: models.Pool_TCP.Enum(), HealthMonitorId: hm}
	if sp {
		want.SessionPersistence = models.SessionPersistence_SOURCE_IP.Enum()
	}
	got := proto.Clone(p).(*models.Pool)
	got.PoolMemberIds, got.VipIds = nil, nil
	fx.equal("pool", got, want)
	googleIDs := func(ids []*models.UUID) []uuid.UUID {
		out := make([]uuid.UUID, len(ids))
		for i, id := range ids {
			out[i] = g(id)
		}
		return out
	}
	fx.sameIDSet("pool members", p.GetPoolMemberIds(), googleIDs(members)...)
	fx.sameIDSet("pool VIPs", p.GetVipIds(), googleIDs(vips)...)
}

// Expectations of the reference's LoadBalancerV2PoolTranslatorIT.
func TestLoadBalancerV2PoolTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		fx.create(network(newID()))
		memberNet, memberSub := newID(), newID()
		fx.create(network(memberNet), subnet(memberSub, memberNet, "10.0.0.0/24", ""))
		vipPort, _, vipSub := fx.vipV2Network("10.0.0.1", "10.0.0.0/24", "")
		lb := newID()
		fx.create(lbV2(lb, vipPort, vipSub, "10.0.0.1"))

		// Create, admin state down, delete.
		pool := newID()
		withSP := lbV2Pool(pool, lb, true)
		withSP.SessionPersistence = sourceIPPersistence()
		fx.create(withSP)
		fx.checkPool(pool, lb, true, nil, true, nil, nil)
		fx.update(lbV2Pool(pool, lb, false))
		fx.checkPool(pool, lb, false, nil, false, nil, nil)
		fx.delete(&models.NeutronLoadBalancerV2Pool{}, pool)
		if fx.exists(&models.Pool{}, g(pool)) {
			t.Error("pool left after the delete")
		}

		// Session persistence set and cleared by updates.
		pool2 := newID()
		fx.create(lbV2Pool(pool2, lb, true))
		fx.checkPool(pool2, lb, true, nil, false, nil, nil)
		withSP = lbV2Pool(pool2, lb, true)
		withSP.SessionPersistence = sourceIPPersistence()
		fx.update(withSP)
		fx.checkPool(pool2, lb, true, nil, true, nil, nil)
		fx.update(lbV2Pool(pool2, lb, true))
		fx.checkPool(pool2, lb, true, nil, false, nil, nil)

		// A pool's delete does not cascade to its VIPs.
		listener := newID()
		fx.create(lbV2Listener(listener, lb, nil, 10000, true))
		pool3 := newID()
		withListener := lbV2Pool(pool3, lb, true)
		withListener.ListenerId = listener
		fx.create(withListener)
		fx.checkPool(pool3, lb, true, nil, false, nil, []*models.UUID{listener})
		if !fixtureGet[*models.Vip](fx, g(listener)).GetPoolId().Equal(pool3) {
			t.Error("VIP does not name its pool")
		}
		fx.delete(&models.NeutronLoadBalancerV2Pool{}, pool3)
		if fx.exists(&models.Pool{}, g(pool3)) || !fx.exists(&models.Vip{}, g(listener)) {
			t.Error("pool delete: pool left or VIP gone")
		}

		// Members: three, one updated, deleted one by one.
		m1, m2, m3 := newID(), newID(), newID()
		fx.create(lbV2Member(m1, pool2, memberSub, "10.0.0.11", 5001, 1, true))
		fx.create(lbV2Member(m2, pool2, memberSub, "10.0.0.12", 5002, 2, true))
		fx.create(lbV2Member(m3, pool2, memberSub, "10.0.0.12", 5003, 3, true))
		fx.checkPool(pool2, lb, true, nil, false, []*models.UUID{m1, m2, m3}, nil)
		member := func(id *models.UUID, address string, port, weight int32, up bool) {
			t.Helper()
			fx.equal("member", fixtureGet[*models.PoolMember](fx, g(id)), &models.PoolMember{Id: id,
				AdminStateUp: proto.Bool(up), PoolId: pool2, Status: models.LBStatus_MONITORED.Enum(),
				Address: ip(address), ProtocolPort: proto.Int32(port), Weight: proto.Int32(weight)})
		}
		member(m1, "10.0.0.11", 5001, 1, true)
		member(m2, "10.0.0.12", 5002, 2, true)
		member(m3, "10.0.0.12", 5003, 3, true)
		// Only the admin state and weight change.
		fx.update(lbV2Member(m2, pool2, memberSub, "10.0.0.99", 9999, 10, false))
		member(m2, "10.0.0.12", 5002, 10, false)
		fx.delete(&models.NeutronLoadBalancerV2PoolMember{}, m3)
		fx.checkPool(pool2, lb, true, nil, false, []*models.UUID{m1, m2}, nil)
		fx.delete(&models.NeutronLoadBalancerV2PoolMember{}, m1)
		fx.delete(&models.NeutronLoadBalancerV2PoolMember{}, m2)
		fx.checkPool(pool2, lb, true, nil, false, nil, nil)
		for _, m := range []*models.UUID{m1, m2, m3} {
			if fx.exists(&models.PoolMember{}, g(m)) {
				t.Errorf("member %s left", g(m))
			}
		}

		// Refusals (IllegalArgumentException: 400).
		var bad *BadRequestError
		isBad := func(err error) bool { return errors.As(err, &bad) }
		twoLBs := lbV2Pool(newID(), lb, true)
		twoLBs.Loadbalancers = append(twoLBs.Loadbalancers, &models.NeutronLoadBalancerV2{Id: newID()})
		fx.mustFail("two load balancers", fx.svc.Create(fx.ctx, twoLBs), isBad)
		if bad.Msg != "A LBaaS V2 pool must have one and only one Load Balancer parent" {
			t.Errorf("message %q", bad.Msg)
		}
		http := lbV2Pool(newID(), lb, true)
		http.Protocol = models.NeutronLoadBalancerV2Pool_HTTP.Enum()
		fx.mustFail("HTTP pool", fx.svc.Create(fx.ctx, http), isBad)
		if bad.Msg != "Unsupported protocol: HTTP" {
			t.Errorf("message %q", bad.Msg)
		}
		cookie := lbV2Pool(newID(), lb, true)
		cookie.SessionPersistence = &models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceAlgorithm{
			Type: models.NeutronLoadBalancerV2Pool_HTTP_COOKIE.Enum()}
		fx.mustFail("cookie persistence", fx.svc.Create(fx.ctx, cookie), isBad)
		if bad.Msg != "Unsupported session persistence type: HTTP_COOKIE" {
			t.Errorf("message %q", bad.Msg)
		}
		cookie.Id = pool2
		fx.mustFail("cookie persistence update", fx.svc.Update(fx.ctx, cookie), isBad)
		// A member of a missing pool: not found.
		fx.mustFail("member without pool", fx.svc.Create(fx.ctx, lbV2Member(newID(), nil, memberSub, "10.0.0.13", 1, 1, true)),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })

		// The load balancer's delete takes its pools, their members and
		// VIPs along.
		fx.create(lbV2Member(m1, pool2, memberSub, "10.0.0.11", 5001, 1, true))
		fx.update(lbV2Listener(listener, lb, pool2, 10000, true))
		fx.delete(&models.NeutronLoadBalancerV2{}, lb)
		for what, left := range map[string]bool{
			"pool": fx.exists(&models.Pool{}, g(pool2)), "member": fx.exists(&models.PoolMember{}, g(m1)),
			"VIP": fx.exists(&models.Vip{}, g(listener)),
		} {
			if left {
				t.Errorf("%s left after the load balancer's delete", what)
			}
		}
	})
}

// Expectations of the reference's HealthMonitorV2IT.
func TestHealthMonitorV2Translation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		vipPort, _, sub := fx.vipV2Network("10.0.1.4", "10.0.1.0/24", "10.0.1.1")
		lb := newID()
		fx.create(lbV2(lb, vipPort, sub, "10.0.1.4"))
		p1, p2 := newID(), newID()
		fx.create(lbV2Pool(p1, lb, true), lbV2Pool(p2, lb, true))
		hm := newID()
		fx.create(lbV2HealthMonitor(hm, 1, 2, 3, p1, p2))
		check := func(delay, timeout, retries int32) {
			t.Helper()
			got := fixtureGet[*models.HealthMonitor](fx, g(hm))
			pools := got.GetPoolIds()
			got.PoolIds = nil
			fx.equal("health monitor", got, &models.HealthMonitor{Id: hm, AdminStateUp: proto.Bool(true),
				Delay: proto.Int32(delay), Timeout: proto.Int32(timeout), MaxRetries: proto.Int32(retries)})
			fx.sameIDSet("health monitor pools", pools, g(p1), g(p2))
		}
		check(1, 2, 3)
		for _, p := range []*models.UUID{p1, p2} {
			if !fixtureGet[*models.Pool](fx, g(p)).GetHealthMonitorId().Equal(hm) {
				t.Errorf("pool %s does not name the health monitor", g(p))
			}
		}
		// The update's empty pool list changes nothing of the pools.
		fx.update(lbV2HealthMonitor(hm, 5, 6, 7))
		check(5, 6, 7)
		fx.delete(&models.NeutronHealthMonitorV2{}, hm)
		if fx.exists(&models.HealthMonitor{}, g(hm)) {
			t.Error("health monitor left after the delete")
		}
		if fixtureGet[*models.Pool](fx, g(p1)).HealthMonitorId != nil {
			t.Error("pool still names the deleted health monitor")
		}
	})
}
