package neutron

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
)

// TestRandomSequenceLeavesConsistentStore runs a seeded random sequence of
// Neutron creates, updates and deletes (networks, subnets, compute and DHCP
// ports, security groups and rules, bulk and single; then tap services and
// flows over the ports left; then LBaaS v2 load balancers, listeners, pools,
// members and health monitors), then requires the
// consistency checker to find nothing; it then deletes every Neutron object
// and requires the translated topology to be gone entirely (no leaked
// network, port, chain, rule, address group, DHCP subnet, mirror, router,
// route, load balancer, pool, member, VIP or service container).
func TestRandomSequenceLeavesConsistentStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		rng := rand.New(rand.NewPCG(13, 0))
		type subnetRef struct{ id, net *models.UUID }
		var (
			nets    []*models.UUID
			subnets []subnetRef
			sgs     []*models.UUID
			rules   []*models.UUID
			ports   []*models.NeutronPort
			ipN     = 10
		)
		pick := func(n int) int { return rng.IntN(n) }
		newPort := func() *models.NeutronPort {
			s := subnets[pick(len(subnets))]
			ipN++
			p := vifPort(newID(), s.net, fmt.Sprintf("fa:16:3e:00:%02x:%02x", ipN/256, ipN%256),
				alloc(fmt.Sprintf("10.%d.%d.%d", 0, ipN/250, ipN%250+2), s.id))
			if rng.IntN(4) == 0 {
				p.DeviceOwner = models.NeutronPort_DHCP.Enum()
			}
			if len(sgs) > 0 && rng.IntN(2) == 0 {
				p.SecurityGroups = []*models.UUID{sgs[pick(len(sgs))]}
			}
			p.PortSecurityEnabled = proto.Bool(rng.IntN(5) != 0)
			return p
		}
		for step := 0; step < 120; step++ {
			switch k := rng.IntN(10); {
			case k == 0 || len(nets) == 0:
				bulk := []proto.Message{}
				for i := 0; i <= rng.IntN(2); i++ {
					id := newID()
					nets = append(nets, id)
					bulk = append(bulk, network(id))
				}
				fx.create(bulk...)
			case k == 1 && len(subnets) < 2*len(nets):
				n, id := nets[pick(len(nets))], newID()
				// One /16 per subnet inside 10.0.0.0/8 keeps every port's IP in it.
				fx.create(subnet(id, n, "10.0.0.0/16", "10.0.0.1"))
				subnets = append(subnets, subnetRef{id, n})
			case k == 2:
				id := newID()
				r := sgRule(newID(), id, models.RuleDirection_INGRESS, models.Protocol_TCP)
				r.PortRangeMin, r.PortRangeMax = proto.Int32(22), proto.Int32(22)
				if len(sgs) > 0 {
					r.RemoteGroupId = sgs[pick(len(sgs))]
				}
				fx.create(&models.SecurityGroup{Id: id, Name: proto.String("sg"), SecurityGroupRules: []*models.SecurityGroupRule{r}})
				sgs = append(sgs, id)
			case k == 3 && len(sgs) > 0:
				r := sgRule(newID(), sgs[pick(len(sgs))], models.RuleDirection_EGRESS, models.Protocol_UDP)
				fx.create(r)
				rules = append(rules, r.GetId())
			case (k == 4 || k == 5) && len(subnets) > 0:
				if rng.IntN(3) == 0 {
					fx.create(newPort(), newPort())
					break
				}
				p := newPort()
				fx.create(p)
				ports = append(ports, p)
			case k == 6 && len(ports) > 0:
				i := pick(len(ports))
				p := proto.Clone(ports[i]).(*models.NeutronPort)
				if !fx.exists(&models.NeutronPort{}, p.GetId().ToGoogle()) {
					break
				}
				p.AdminStateUp = proto.Bool(rng.IntN(2) == 0)
				if len(sgs) > 0 && isVifPort(p) {
					p.SecurityGroups = []*models.UUID{sgs[pick(len(sgs))]}
				}
				ipN++
				p.FixedIps[0].IpAddress = ip(fmt.Sprintf("10.0.%d.%d", ipN/250, ipN%250+2))
				fx.update(p)
				ports[i] = p
			case k == 7 && len(ports) > 0:
				i := pick(len(ports))
				fx.delete(&models.NeutronPort{}, ports[i].GetId())
				ports = append(ports[:i], ports[i+1:]...)
			case k == 8 && len(rules) > 0:
				i := pick(len(rules))
				fx.delete(&models.SecurityGroupRule{}, rules[i])
				rules = append(rules[:i], rules[i+1:]...)
			case k == 9 && len(sgs) > 1:
				i := pick(len(sgs))
				fx.delete(&models.SecurityGroup{}, sgs[i])
				sgs = append(sgs[:i], sgs[i+1:]...)
			}
		}
		// Tap-as-a-service over the ports left: services, flows in random
		// directions (several per port and service), deletes of flows,
		// services and source ports.
		var services, flows []*models.UUID
		serviceTo := map[*models.UUID]*models.UUID{} // service -> its destination port
		for step := 0; step < 40 && len(ports) > 1; step++ {
			switch k := rng.IntN(6); {
			case k == 0 || len(services) == 0:
				id := newID()
				to := ports[pick(len(ports))].GetId()
				fx.create(&models.TapService{Id: id, PortId: to})
				services = append(services, id)
				serviceTo[id] = to
			case k <= 2:
				id := newID()
				fx.create(&models.TapFlow{Id: id, TapServiceId: services[pick(len(services))],
					SourcePort: ports[pick(len(ports))].GetId(), Direction: models.TapFlow_TapFlowDirection(rng.IntN(3)).Enum()})
				flows = append(flows, id)
			case k == 3 && len(flows) > 0:
				i := pick(len(flows))
				fx.delete(&models.TapFlow{}, flows[i])
				flows = append(flows[:i], flows[i+1:]...)
			case k == 4:
				i := pick(len(services))
				fx.delete(&models.TapService{}, services[i])
				services = append(services[:i], services[i+1:]...)
			case k == 5:
				// A port's delete also takes the mirrors of the services
				// copying to it (the Neutron service stays, without a
				// mirror: no new flows for it).
				i := pick(len(ports))
				fx.delete(&models.NeutronPort{}, ports[i].GetId())
				services = slices.DeleteFunc(services, func(s *models.UUID) bool { return serviceTo[s].Equal(ports[i].GetId()) })
				ports = append(ports[:i], ports[i+1:]...)
			}
		}
		lbaas := fx.randomLbaasV2(rng, subnets[pick(len(subnets))].id, subnets[pick(len(subnets))].net, &ipN)
		fx.checkConsistent("after the random sequence")

		// Delete everything Neutron knows, in the plugin's order (the LBaaS
		// v2 objects are not stored: the sequence knows its load balancers).
		for _, o := range lbaas {
			fx.delete(o.model, o.id)
		}
		for _, m := range []proto.Message{&models.TapFlow{}, &models.TapService{}, &models.NeutronPort{},
			&models.SecurityGroup{}, &models.NeutronSubnet{}, &models.NeutronNetwork{}} {
			all, err := fx.st.GetAll(fx.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range all {
				id, _ := models.ID(o)
				fx.delete(m, id)
			}
		}
		fx.checkConsistent("after deleting everything")
		for _, m := range []proto.Message{&models.Network{}, &models.Port{}, &models.Chain{}, &models.Rule{},
			&models.IPAddrGroup{}, &models.Dhcp{}, &models.SecurityGroupRule{}, &models.NeutronPort{}, &models.Mirror{},
			&models.Router{}, &models.Route{}, &models.LoadBalancer{}, &models.Pool{}, &models.PoolMember{}, &models.Vip{},
			&models.ServiceContainer{}, &models.ServiceContainerGroup{}} {
			if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
				t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
			}
		}
	})
}

// randomLbaasV2 runs a random sequence of LBaaS v2 operations: VIP ports
// and load balancers on the given subnet (of network net), listeners,
// pools (with session persistence, some naming a listener), members,
// health monitors, their updates and deletes, subnet updates moving the
// VIP routes, VIP port deletes. It returns the objects left, in the
// order Neutron deletes them (members, health monitors, pools, listeners,
// load balancers).
func (fx *fixture) randomLbaasV2(rng *rand.Rand, sub, net *models.UUID, ipN *int) []neutronRef {
	type lbState struct {
		id, vipPort *models.UUID
		vipGone     bool
	}
	type poolState struct {
		id, lb *models.UUID
		hm     bool
	}
	var (
		lbs                  []*lbState
		pools                []*poolState
		listeners, members   []*models.UUID
		hms                  []*models.UUID
		listenerPool         = map[*models.UUID]bool{} // listeners whose VIP has a pool
		pick                 = func(n int) int { return rng.IntN(n) }
		nextIP               = func() string { *ipN++; return fmt.Sprintf("10.0.%d.%d", *ipN/250, *ipN%250+2) }
		liveLB               = func() *lbState { return lbs[pick(len(lbs))] }
		withVIP              []*lbState
		refreshLBsWithVIPort = func() {
			withVIP = withVIP[:0]
			for _, l := range lbs {
				if !l.vipGone {
					withVIP = append(withVIP, l)
				}
			}
		}
	)
	for step := 0; step < 120; step++ {
		refreshLBsWithVIPort()
		k := rng.IntN(12)
		switch {
		case k == 0 || len(lbs) == 0:
			port, addr := newID(), nextIP()
			fx.create(l3Port(port, net, models.NeutronPort_LOADBALANCERV2, fmt.Sprintf("fa:16:3e:01:%02x:%02x", *ipN/256, *ipN%256),
				alloc(addr, sub)))
			l := &lbState{id: newID(), vipPort: port}
			fx.create(lbV2(l.id, port, sub, addr))
			lbs = append(lbs, l)
		case k == 1 && len(withVIP) > 0:
			id := newID()
			l := withVIP[pick(len(withVIP))]
			var pool *models.UUID
			if len(pools) > 0 && rng.IntN(2) == 0 {
				pool = pools[pick(len(pools))].id
			}
			fx.create(lbV2Listener(id, l.id, pool, int32(1000+step), true))
			listeners = append(listeners, id)
			listenerPool[id] = pool != nil
		case k == 2 || (k == 3 && len(pools) == 0):
			p := &poolState{id: newID(), lb: liveLB().id}
			np := lbV2Pool(p.id, p.lb, rng.IntN(2) == 0)
			if rng.IntN(2) == 0 {
				np.SessionPersistence = sourceIPPersistence()
			}
			for _, l := range listeners {
				if !listenerPool[l] && rng.IntN(2) == 0 {
					np.ListenerId = l
					listenerPool[l] = true
					break
				}
			}
			fx.create(np)
			pools = append(pools, p)
		case k == 3 && len(pools) > 0:
			id := newID()
			fx.create(lbV2Member(id, pools[pick(len(pools))].id, sub, nextIP(), int32(80+step), int32(1+pick(5)), true))
			members = append(members, id)
		case k == 4 && len(pools) > 0:
			var free []*models.UUID
			for _, p := range pools {
				if !p.hm && rng.IntN(2) == 0 {
					p.hm = true
					free = append(free, p.id)
				}
			}
			id := newID()
			fx.create(lbV2HealthMonitor(id, 1, 2, 3, free...))
			hms = append(hms, id)
		case k == 5 && len(listeners) > 0:
			// Listener updates: the default pool set or cleared.
			i := pick(len(listeners))
			var pool *models.UUID
			if len(pools) > 0 && rng.IntN(2) == 0 {
				pool = pools[pick(len(pools))].id
			}
			if !fx.exists(&models.Vip{}, listeners[i].ToGoogle()) {
				listeners = append(listeners[:i], listeners[i+1:]...)
				break
			}
			lb := liveLB().id // the update reads no load balancer
			fx.update(lbV2Listener(listeners[i], lb, pool, 1000, rng.IntN(2) == 0))
			listenerPool[listeners[i]] = pool != nil
		case k == 6 && len(pools) > 0:
			p := pools[pick(len(pools))]
			np := lbV2Pool(p.id, p.lb, rng.IntN(2) == 0)
			if rng.IntN(2) == 0 {
				np.SessionPersistence = sourceIPPersistence()
			}
			fx.update(np)
		case k == 7 && len(members) > 0:
			i := pick(len(members))
			if rng.IntN(2) == 0 {
				fx.update(lbV2Member(members[i], nil, sub, "10.9.9.9", 1, int32(pick(10)), rng.IntN(2) == 0))
				break
			}
			fx.delete(&models.NeutronLoadBalancerV2PoolMember{}, members[i])
			members = append(members[:i], members[i+1:]...)
		case k == 8 && len(hms) > 0:
			i := pick(len(hms))
			if rng.IntN(2) == 0 {
				fx.update(lbV2HealthMonitor(hms[i], 4, 5, 6))
				break
			}
			fx.delete(&models.NeutronHealthMonitorV2{}, hms[i])
			hms = append(hms[:i], hms[i+1:]...)
		case k == 9 && len(pools) > 0:
			i := pick(len(pools))
			fx.delete(&models.NeutronLoadBalancerV2Pool{}, pools[i].id)
			pools = append(pools[:i], pools[i+1:]...)
			members = slices.DeleteFunc(members, func(m *models.UUID) bool { return !fx.exists(&models.PoolMember{}, m.ToGoogle()) })
		case k == 10:
			// The subnet's gateway and host routes change: the VIP router
			// ports' routes follow.
			up := subnet(sub, net, "10.0.0.0/16", fmt.Sprintf("10.0.0.%d", 1+pick(2)))
			up.HostRoutes = []*models.NeutronRoute{nRoute(fmt.Sprintf("10.%d.0.0/16", 100+pick(50)), "10.0.0.1")}
			fx.update(up)
		case k == 11 && len(lbs) > 0:
			i := pick(len(lbs))
			if rng.IntN(2) == 0 && !lbs[i].vipGone {
				fx.delete(&models.NeutronPort{}, lbs[i].vipPort)
				lbs[i].vipGone = true
				break
			}
			fx.delete(&models.NeutronLoadBalancerV2{}, lbs[i].id)
			lbs = append(lbs[:i], lbs[i+1:]...)
			// Its pools (with their members) and their VIPs went with it.
			pools = slices.DeleteFunc(pools, func(p *poolState) bool { return !fx.exists(&models.Pool{}, p.id.ToGoogle()) })
			members = slices.DeleteFunc(members, func(m *models.UUID) bool { return !fx.exists(&models.PoolMember{}, m.ToGoogle()) })
			listeners = slices.DeleteFunc(listeners, func(l *models.UUID) bool { return !fx.exists(&models.Vip{}, l.ToGoogle()) })
		}
	}
	var out []neutronRef
	add := func(model proto.Message, ids ...*models.UUID) {
		for _, id := range ids {
			out = append(out, neutronRef{model, id})
		}
	}
	add(&models.NeutronLoadBalancerV2PoolMember{}, members...)
	add(&models.NeutronHealthMonitorV2{}, hms...)
	for _, p := range pools {
		add(&models.NeutronLoadBalancerV2Pool{}, p.id)
	}
	add(&models.NeutronLoadBalancerV2Listener{}, listeners...)
	for _, l := range lbs {
		add(&models.NeutronLoadBalancerV2{}, l.id)
	}
	return out
}

// neutronRef names a Neutron object.
type neutronRef struct {
	model proto.Message
	id    *models.UUID
}

// checkConsistent runs the consistency checker on the fixture's store.
func (fx *fixture) checkConsistent(when string) {
	fx.t.Helper()
	rep, err := consistency.Check(fx.ctx, fx.st.Conn(), fx.root, consistency.Options{})
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Logf("%s: %d objects checked: %v", when, rep.Total(), rep.Objects)
	if rep.Total() == 0 && when == "after the random sequence" {
		fx.t.Fatalf("%s: the checker read no objects under %s", when, fx.root)
	}
	for _, f := range rep.Findings {
		fx.t.Errorf("%s: %s", when, f)
	}
}
