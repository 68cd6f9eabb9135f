package neutron

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func lbPool(id, router *models.UUID, up bool, hms ...*models.UUID) *models.NeutronLoadBalancerPool {
	return &models.NeutronLoadBalancerPool{Id: id, RouterId: router, AdminStateUp: proto.Bool(up), HealthMonitors: hms}
}

func lbMember(id, pool *models.UUID, address string, up bool, port, weight int32) *models.NeutronLoadBalancerPoolMember {
	m := &models.NeutronLoadBalancerPoolMember{Id: id, PoolId: pool, AdminStateUp: proto.Bool(up),
		ProtocolPort: proto.Int32(port), Weight: proto.Int32(weight), Status: proto.String("status"),
		StatusDescription: proto.String("status desc")}
	if address != "" {
		m.Address = ip(address)
	}
	return m
}

func lbHm(id *models.UUID, up bool, delay, retries, timeout int32, pools ...*models.UUID) *models.NeutronHealthMonitor {
	hm := &models.NeutronHealthMonitor{Id: id, AdminStateUp: proto.Bool(up), Delay: proto.Int32(delay),
		MaxRetries: proto.Int32(retries), Timeout: proto.Int32(timeout), Type: proto.String("foo")}
	for _, p := range pools {
		hm.Pools = append(hm.Pools, &models.NeutronHealthMonitor_Pool{PoolId: p})
	}
	return hm
}

// lbVipOf is the reference IT's vipJson: admin up, port 12345, SOURCE_IP
// persistence (its misspelt type key leaves the type unset).
func lbVipOf(id, pool, subnet *models.UUID, address string) *models.NeutronVIP {
	return &models.NeutronVIP{Id: id, PoolId: pool, SubnetId: subnet, Address: ip(address),
		AdminStateUp: proto.Bool(true), ConnectionLimit: proto.Int32(10), ProtocolPort: proto.Int32(12345),
		SessionPersistence: &models.NeutronVIP_SessionPersistence{CookieName: proto.String("cookie0")}}
}

// TestLbPoolTranslation ports LoadBalancerPoolTranslatorTest and the pool
// parts of LoadBalancerIT: the router's load balancer made with its first
// pool and deleted with its last, updates touching only the admin state,
// the refusals.
func TestLbPoolTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := newID()
		fx.create(nRouter(r, "router", nil, false))
		lbID := LbV1LoadBalancerID(g(r))
		p1, p2 := newID(), newID()
		fx.create(lbPool(p1, r, true))
		fx.equal("load balancer", fixtureGet[*models.LoadBalancer](fx, lbID), &models.LoadBalancer{
			Id: uuidOf(lbID), AdminStateUp: proto.Bool(true), RouterId: r, PoolIds: []*models.UUID{p1}})
		if got := fixtureGet[*models.Router](fx, g(r)).GetLoadBalancerId(); g(got) != lbID {
			t.Errorf("router load_balancer_id = %v, want %s", got, lbID)
		}
		fx.equal("pool", fixtureGet[*models.Pool](fx, g(p1)), &models.Pool{Id: p1, LoadBalancerId: uuidOf(lbID),
			AdminStateUp: proto.Bool(true)})

		// A second pool joins the load balancer (created admin up, whatever
		// the pool says).
		fx.create(lbPool(p2, r, false))
		fx.sameIDs("pools of the load balancer", fixtureGet[*models.LoadBalancer](fx, lbID).GetPoolIds(), g(p1), g(p2))
		if lb := fixtureGet[*models.LoadBalancer](fx, lbID); !lb.GetAdminStateUp() {
			t.Error("second pool changed the load balancer's admin state")
		}

		// An update (without router_id, as the IT's) changes the admin
		// state only: the mapping status the agents set and the health
		// monitor stay.
		hm := newID()
		fx.create(lbHm(hm, true, 1, 10, 30, p1))
		active := fixtureGet[*models.Pool](fx, g(p1))
		active.MappingStatus = models.Pool_ACTIVE.Enum()
		if err := fx.st.Update(fx.ctx, active); err != nil {
			t.Fatal(err)
		}
		fx.update(lbPool(p1, nil, false))
		want := proto.Clone(active).(*models.Pool)
		want.AdminStateUp = proto.Bool(false)
		fx.equal("updated pool", fixtureGet[*models.Pool](fx, g(p1)), want)
		if got := fixtureGet[*models.NeutronLoadBalancerPool](fx, g(p1)); got.GetRouterId() != nil || got.GetAdminStateUp() {
			t.Errorf("stored Neutron pool = %v", got)
		}

		// Deleting one pool keeps the load balancer; the last takes it.
		fx.delete(&models.NeutronLoadBalancerPool{}, p1)
		if fx.exists(&models.Pool{}, g(p1)) {
			t.Error("pool survives its delete")
		}
		fx.sameIDs("pools left", fixtureGet[*models.LoadBalancer](fx, lbID).GetPoolIds(), g(p2))
		fx.sameIDs("health monitor pools", fixtureGet[*models.HealthMonitor](fx, g(hm)).GetPoolIds())
		fx.delete(&models.NeutronLoadBalancerPool{}, p2)
		if fx.exists(&models.LoadBalancer{}, lbID) {
			t.Error("load balancer survives the router's last pool")
		}
		if got := fixtureGet[*models.Router](fx, g(r)).GetLoadBalancerId(); got != nil {
			t.Errorf("router keeps load_balancer_id %v", got)
		}
		// Deletes of missing pools, Neutron or MidoNet, succeed.
		fx.delete(&models.NeutronLoadBalancerPool{}, p2)
		p3 := newID()
		fx.create(lbPool(p3, r, true))
		if err := fx.st.Delete(fx.ctx, &models.Pool{}, g(p3)); err != nil {
			t.Fatal(err)
		}
		fx.delete(&models.NeutronLoadBalancerPool{}, p3)
		// Without the MidoNet pool the delete cannot know its load
		// balancer, which stays (as the reference's).
		if !fx.exists(&models.LoadBalancer{}, lbID) {
			t.Error("load balancer of a pool deleted behind Neutron's back is gone")
		}
		if err := fx.st.Delete(fx.ctx, &models.LoadBalancer{}, lbID); err != nil {
			t.Fatal(err)
		}

		// Refusals: no router (400), a health monitor named on create
		// (400), a missing router (404); nothing is stored.
		var bad *BadRequestError
		err := fx.svc.Create(fx.ctx, lbPool(newID(), nil, true))
		fx.mustFail("pool without a router", err, func(err error) bool {
			return errors.As(err, &bad) && bad.Msg == "No router ID is specified."
		})
		err = fx.svc.Create(fx.ctx, lbPool(newID(), r, true, hm))
		fx.mustFail("pool with a health monitor", err, func(err error) bool {
			return errors.As(err, &bad) && bad.Msg == "A health monitor may be associated with a pool only at the "+
				"time of the health monitor's creation."
		})
		err = fx.svc.Create(fx.ctx, lbPool(newID(), newID(), true))
		fx.mustFail("pool on a missing router", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		err = fx.svc.Update(fx.ctx, lbPool(newID(), r, true))
		fx.mustFail("update of a missing pool", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		for _, m := range []proto.Message{&models.Pool{}, &models.LoadBalancer{}, &models.NeutronLoadBalancerPool{}} {
			if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
				t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
			}
		}
	})
}

// TestLbPoolMemberTranslation ports LoadBalancerPoolMemberTranslatorTest
// and LoadBalancerIT's member steps: the member as given, ACTIVE on
// create, its status kept by updates, moves between pools, no pool at all.
func TestLbPoolMemberTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r, p1, p2 := newID(), newID(), newID()
		fx.create(nRouter(r, "router", nil, false))
		fx.create(lbPool(p1, r, true), lbPool(p2, r, true))

		m := newID()
		fx.create(lbMember(m, p1, "10.0.0.1", true, 12345, 100))
		fx.equal("member", fixtureGet[*models.PoolMember](fx, g(m)), &models.PoolMember{Id: m, PoolId: p1,
			Address: ip("10.0.0.1"), AdminStateUp: proto.Bool(true), ProtocolPort: proto.Int32(12345),
			Weight: proto.Int32(100), Status: models.LBStatus_ACTIVE.Enum()})
		fx.sameIDs("pool members", fixtureGet[*models.Pool](fx, g(p1)).GetPoolMemberIds(), g(m))

		// The health monitor marked it INACTIVE; an update moving it keeps that.
		inactive := fixtureGet[*models.PoolMember](fx, g(m))
		inactive.Status = models.LBStatus_INACTIVE.Enum()
		if err := fx.st.Update(fx.ctx, inactive); err != nil {
			t.Fatal(err)
		}
		up := lbMember(m, p2, "10.0.0.2", false, 22222, 50)
		up.Status = proto.String("status2")
		fx.update(up)
		fx.equal("updated member", fixtureGet[*models.PoolMember](fx, g(m)), &models.PoolMember{Id: m, PoolId: p2,
			Address: ip("10.0.0.2"), AdminStateUp: proto.Bool(false), ProtocolPort: proto.Int32(22222),
			Weight: proto.Int32(50), Status: models.LBStatus_INACTIVE.Enum()})
		fx.sameIDs("old pool members", fixtureGet[*models.Pool](fx, g(p1)).GetPoolMemberIds())
		fx.sameIDs("new pool members", fixtureGet[*models.Pool](fx, g(p2)).GetPoolMemberIds(), g(m))

		// Detached from every pool, without an address.
		fx.update(lbMember(m, nil, "", true, 12345, 100))
		fx.equal("detached member", fixtureGet[*models.PoolMember](fx, g(m)), &models.PoolMember{Id: m,
			AdminStateUp: proto.Bool(true), ProtocolPort: proto.Int32(12345), Weight: proto.Int32(100),
			Status: models.LBStatus_INACTIVE.Enum()})
		fx.sameIDs("pool members after detaching", fixtureGet[*models.Pool](fx, g(p2)).GetPoolMemberIds())

		// Created without a pool; the pool's delete cascades to its members.
		m2, m3 := newID(), newID()
		fx.create(lbMember(m2, nil, "10.10.0.3", true, 1, 1), lbMember(m3, p1, "10.10.0.4", true, 1, 1))
		if got := fixtureGet[*models.PoolMember](fx, g(m2)); got.PoolId != nil || got.GetStatus() != models.LBStatus_ACTIVE {
			t.Errorf("member without a pool = %v", got)
		}
		fx.delete(&models.NeutronLoadBalancerPoolMember{}, m)
		if fx.exists(&models.PoolMember{}, g(m)) {
			t.Error("member survives its delete")
		}
		fx.delete(&models.NeutronLoadBalancerPool{}, p1)
		if fx.exists(&models.PoolMember{}, g(m3)) {
			t.Error("member survives its pool")
		}
		// Deletes of a member already gone (Neutron or MidoNet) succeed.
		fx.delete(&models.NeutronLoadBalancerPoolMember{}, m3)
		fx.delete(&models.NeutronLoadBalancerPoolMember{}, m)

		err := fx.svc.Create(fx.ctx, lbMember(newID(), newID(), "10.0.0.9", true, 1, 1))
		fx.mustFail("member of a missing pool", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
	})
}

// TestLbHealthMonitorTranslation ports HealthMonitorTranslatorTest and the
// IT's health monitor steps: pools taken on create (PENDING_CREATE),
// updates keeping status and pools, 409 when the pools change, the
// delete clearing the pools' health_monitor_id.
func TestLbHealthMonitorTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r, p1, p2 := newID(), newID(), newID()
		fx.create(nRouter(r, "router", nil, false))
		fx.create(lbPool(p1, r, true), lbPool(p2, r, true))

		lone := newID()
		fx.create(lbHm(lone, true, 1, 10, 30))
		fx.equal("health monitor without pools", fixtureGet[*models.HealthMonitor](fx, g(lone)), &models.HealthMonitor{
			Id: lone, AdminStateUp: proto.Bool(true), Delay: proto.Int32(1), MaxRetries: proto.Int32(10),
			Timeout: proto.Int32(30)})

		hm := newID()
		fx.create(lbHm(hm, true, 2, 10, 30, p1, p2))
		got := fixtureGet[*models.HealthMonitor](fx, g(hm))
		if got.GetType() != models.HealthMonitor_TCP || got.GetStatus() != models.LBStatus_ACTIVE || got.GetDelay() != 2 {
			t.Errorf("health monitor = %v", got)
		}
		fx.sameIDs("health monitor pools", got.GetPoolIds(), g(p1), g(p2))
		for _, p := range []*models.UUID{p1, p2} {
			pool := fixtureGet[*models.Pool](fx, g(p))
			if !pool.GetHealthMonitorId().Equal(hm) || pool.GetMappingStatus() != models.Pool_PENDING_CREATE {
				t.Errorf("pool %s = %v", p.Canonical(), pool)
			}
		}

		// The agents set the status; an update with the same pools keeps it.
		inactive := fixtureGet[*models.HealthMonitor](fx, g(hm))
		inactive.Status = models.LBStatus_INACTIVE.Enum()
		if err := fx.st.Update(fx.ctx, inactive); err != nil {
			t.Fatal(err)
		}
		up := lbHm(hm, false, 3, 5, 20, p1, p2)
		up.Pools[0].Status, up.Pools[0].StatusDescription = proto.String("status"), proto.String("desc")
		fx.update(up)
		fx.equal("updated health monitor", fixtureGet[*models.HealthMonitor](fx, g(hm)), &models.HealthMonitor{
			Id: hm, AdminStateUp: proto.Bool(false), Delay: proto.Int32(3), MaxRetries: proto.Int32(5),
			Timeout: proto.Int32(20), Status: models.LBStatus_INACTIVE.Enum(), PoolIds: []*models.UUID{p1, p2}})

		// Other pools: 409, nothing changed.
		var conflictErr *ConflictError
		for _, pools := range [][]*models.UUID{{p1}, {p2, p1}, nil} {
			err := fx.svc.Update(fx.ctx, lbHm(hm, true, 9, 9, 9, pools...))
			fx.mustFail("health monitor update changing its pools", err, func(err error) bool {
				return errors.As(err, &conflictErr) && conflictErr.Msg == "A health monitor's pool association cannot be changed."
			})
		}
		if got := fixtureGet[*models.HealthMonitor](fx, g(hm)); got.GetDelay() != 3 {
			t.Errorf("refused update changed the health monitor: %v", got)
		}

		// The delete clears the pools' health monitor.
		fx.delete(&models.NeutronHealthMonitor{}, hm)
		if fx.exists(&models.HealthMonitor{}, g(hm)) {
			t.Error("health monitor survives its delete")
		}
		for _, p := range []*models.UUID{p1, p2} {
			if pool := fixtureGet[*models.Pool](fx, g(p)); pool.HealthMonitorId != nil {
				t.Errorf("pool %s keeps health monitor %v", p.Canonical(), pool.HealthMonitorId)
			}
		}
		fx.delete(&models.NeutronHealthMonitor{}, hm)

		// A missing pool: 404, nothing stored.
		bad := newID()
		err := fx.svc.Create(fx.ctx, lbHm(bad, true, 1, 1, 1, newID()))
		fx.mustFail("health monitor of a missing pool", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		if fx.exists(&models.HealthMonitor{}, g(bad)) || fx.exists(&models.NeutronHealthMonitor{}, g(bad)) {
			t.Error("refused health monitor stored")
		}

		// The association verbs: a pool takes a health monitor, gives it back.
		fx.create(lbHm(hm, true, 1, 1, 1))
		if err := fx.svc.AssociatePoolHealthMonitor(fx.ctx, g(p2), g(hm)); err != nil {
			t.Fatal(err)
		}
		if pool := fixtureGet[*models.Pool](fx, g(p2)); !pool.GetHealthMonitorId().Equal(hm) ||
			pool.GetMappingStatus() != models.Pool_PENDING_CREATE {
			t.Errorf("associated pool = %v", pool)
		}
		fx.sameIDs("associated health monitor's pools", fixtureGet[*models.HealthMonitor](fx, g(hm)).GetPoolIds(), g(p2))
		err = fx.svc.AssociatePoolHealthMonitor(fx.ctx, g(p2), g(newID()))
		fx.mustFail("association with a missing health monitor", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		err = fx.svc.AssociatePoolHealthMonitor(fx.ctx, g(newID()), g(hm))
		fx.mustFail("association of a missing pool", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		// Another health monitor's disassociation leaves the pool alone.
		if err := fx.svc.DisassociatePoolHealthMonitor(fx.ctx, g(p2), g(lone)); err != nil {
			t.Fatal(err)
		}
		if pool := fixtureGet[*models.Pool](fx, g(p2)); !pool.GetHealthMonitorId().Equal(hm) {
			t.Errorf("pool lost its health monitor to another's disassociation: %v", pool)
		}
		for i := 0; i < 2; i++ {
			if err := fx.svc.DisassociatePoolHealthMonitor(fx.ctx, g(p2), g(hm)); err != nil {
				t.Fatal(err)
			}
		}
		if pool := fixtureGet[*models.Pool](fx, g(p2)); pool.HealthMonitorId != nil || pool.MappingStatus != nil {
			t.Errorf("disassociated pool = %v", pool)
		}
		fx.sameIDs("disassociated health monitor's pools", fixtureGet[*models.HealthMonitor](fx, g(hm)).GetPoolIds())
		if err := fx.svc.DisassociatePoolHealthMonitor(fx.ctx, g(newID()), g(hm)); err != nil {
			t.Errorf("disassociation from a missing pool: %v", err)
		}
	})
}

// TestVipTranslation ports VipTranslatorTest and LoadBalancerIT's VIP
// steps: the VIP as given (SOURCE_IP persistence only), the ARP entry of a
// VIP on an external network answered by the pool router's gateway MAC
// (and its removal), no entry on a private network or without a gateway,
// updates keeping the gateway port and refusing a new address, moves
// between pools, the pool's delete taking its VIPs.
func TestVipTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ext, extSn, prv, prvSn := newID(), newID(), newID(), newID()
		extNet := network(ext)
		extNet.External = proto.Bool(true)
		fx.create(extNet, subnet(extSn, ext, "10.0.1.0/24", "10.0.1.1"), network(prv),
			subnet(prvSn, prv, "10.10.0.0/24", "10.10.0.1"))
		const gwMac = "ab:cd:ef:01:02:03"
		gw, r, bare := newID(), newID(), newID()
		fx.create(l3Port(gw, ext, models.NeutronPort_ROUTER_GATEWAY, gwMac, alloc("10.0.1.2", extSn)))
		fx.create(nRouter(r, "router", gw, true), nRouter(bare, "no gateway", nil, false))
		pool, pool2, barePool := newID(), newID(), newID()
		fx.create(lbPool(pool, r, true), lbPool(pool2, r, true), lbPool(barePool, bare, true))

		// Without a pool: only the VIP, with the fields it has.
		free := newID()
		fv := &models.NeutronVIP{Id: free, AdminStateUp: proto.Bool(true), Address: ip("10.10.10.1"),
			ProtocolPort: proto.Int32(1234), PortId: newID(), SubnetId: extSn, Name: proto.String("myvip"),
			Protocol: proto.String("vip-proto"), ConnectionLimit: proto.Int32(10),
			SessionPersistence: &models.NeutronVIP_SessionPersistence{
				Type: models.NeutronVIP_SessionPersistence_HTTP_COOKIE.Enum()}}
		fx.create(fv)
		fx.equal("VIP without a pool", fixtureGet[*models.Vip](fx, g(free)), &models.Vip{Id: free,
			AdminStateUp: proto.Bool(true), Address: ip("10.10.10.1"), ProtocolPort: proto.Uint32(1234)})
		if _, ok := fx.arpTable(ext)["10.10.10.1"]; ok {
			t.Error("VIP without a pool got an ARP entry")
		}

		// On the external network: the ARP entry and the gateway port.
		v1, v2 := newID(), newID()
		fx.create(lbVipOf(v1, pool, extSn, "10.0.1.10"))
		fx.equal("external VIP", fixtureGet[*models.Vip](fx, g(v1)), &models.Vip{Id: v1, AdminStateUp: proto.Bool(true),
			PoolId: pool, Address: ip("10.0.1.10"), ProtocolPort: proto.Uint32(12345),
			SessionPersistence: models.SessionPersistence_SOURCE_IP.Enum(), GatewayPortId: gw})
		fx.create(lbVipOf(v2, pool, extSn, "10.0.1.20"))
		arp := fx.arpTable(ext)
		if arp["10.0.1.10"] != gwMac || arp["10.0.1.20"] != gwMac {
			t.Errorf("external ARP table = %v", arp)
		}
		fx.sameIDSet("pool VIPs", fixtureGet[*models.Pool](fx, g(pool)).GetVipIds(), g(v1), g(v2))
		fx.sameIDSet("gateway port VIPs", fixtureGet[*models.Port](fx, g(gw)).GetVipIds(), g(v1), g(v2))

		// The gateway port cannot go while VIPs use it.
		err := fx.svc.Delete(fx.ctx, &models.NeutronPort{}, g(gw))
		fx.mustFail("delete of a gateway port with VIPs", err, func(err error) bool {
			var ref *zoom.ObjectReferencedError
			return errors.As(err, &ref)
		})

		// An update keeps the gateway port and moves the VIP; a new address
		// is refused.
		up := lbVipOf(v1, pool2, extSn, "10.0.1.10")
		up.AdminStateUp, up.ProtocolPort = proto.Bool(false), proto.Int32(54321)
		fx.update(up)
		fx.equal("updated VIP", fixtureGet[*models.Vip](fx, g(v1)), &models.Vip{Id: v1, AdminStateUp: proto.Bool(false),
			PoolId: pool2, Address: ip("10.0.1.10"), ProtocolPort: proto.Uint32(54321),
			SessionPersistence: models.SessionPersistence_SOURCE_IP.Enum(), GatewayPortId: gw})
		fx.sameIDs("old pool VIPs", fixtureGet[*models.Pool](fx, g(pool)).GetVipIds(), g(v2))
		fx.sameIDs("new pool VIPs", fixtureGet[*models.Pool](fx, g(pool2)).GetVipIds(), g(v1))
		var bad *BadRequestError
		err = fx.svc.Update(fx.ctx, lbVipOf(v1, pool2, extSn, "10.0.1.11"))
		fx.mustFail("VIP address change", err, func(err error) bool {
			return errors.As(err, &bad) && bad.Msg == "VIP IP changed from 10.0.1.10 to 10.0.1.11"
		})

		// Deletes take the ARP entries; the gateway port is free again.
		fx.delete(&models.NeutronVIP{}, v1)
		fx.delete(&models.NeutronVIP{}, v2)
		arp = fx.arpTable(ext)
		if _, ok := arp["10.0.1.10"]; ok {
			t.Errorf("ARP entry of a deleted VIP left: %v", arp)
		}
		if _, ok := arp["10.0.1.20"]; ok {
			t.Errorf("ARP entry of a deleted VIP left: %v", arp)
		}
		if fx.exists(&models.Vip{}, g(v1)) || fx.exists(&models.Vip{}, g(v2)) {
			t.Error("VIP survives its delete")
		}
		fx.sameIDs("gateway port VIPs after the deletes", fixtureGet[*models.Port](fx, g(gw)).GetVipIds())

		// No ARP entry on a private network or for a router without a gateway.
		v3, v4 := newID(), newID()
		fx.create(lbVipOf(v3, pool, prvSn, "10.10.0.2"), lbVipOf(v4, barePool, extSn, "10.0.1.30"))
		for _, v := range []*models.UUID{v3, v4} {
			if got := fixtureGet[*models.Vip](fx, g(v)); got.GatewayPortId != nil {
				t.Errorf("VIP %s has gateway port %v", v.Canonical(), got.GatewayPortId)
			}
		}
		if len(fx.arpTable(prv)) != 0 {
			t.Errorf("private ARP table = %v", fx.arpTable(prv))
		}
		if _, ok := fx.arpTable(ext)["10.0.1.30"]; ok {
			t.Error("VIP of a router without a gateway got an ARP entry")
		}

		// The pool's delete takes its VIPs; the Neutron VIP's delete then
		// has nothing left to undo.
		fx.delete(&models.NeutronLoadBalancerPool{}, pool)
		if fx.exists(&models.Vip{}, g(v3)) {
			t.Error("VIP survives its pool")
		}
		fx.delete(&models.NeutronVIP{}, v3)
		fx.delete(&models.NeutronVIP{}, v3)

		// Refusals: a missing subnet (404), a VIP on an external network
		// without an IPv4 address (400); nothing stored.
		err = fx.svc.Create(fx.ctx, lbVipOf(newID(), pool2, newID(), "10.0.1.40"))
		fx.mustFail("VIP on a missing subnet", err, func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		noAddr := lbVipOf(newID(), pool2, extSn, "10.0.1.40")
		noAddr.Address = nil
		err = fx.svc.Create(fx.ctx, noAddr)
		fx.mustFail("external VIP without an address", err, func(err error) bool { return errors.As(err, &bad) })
		if fx.exists(&models.Vip{}, g(noAddr.GetId())) {
			t.Error("refused VIP stored")
		}
	})
}
