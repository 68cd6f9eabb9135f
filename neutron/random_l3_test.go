package neutron

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// l3World is the Neutron state a random L3 sequence builds, kept as the
// Neutron plugin would see it, so every operation is one Neutron accepts.
// Maps are walked in key order, so a seed replays the same sequence.
type l3World struct {
	fx                *fixture
	rng               *rand.Rand
	ext, extSn        *models.UUID
	nets              []l3Net
	vms               []*models.NeutronPort
	routers           []*l3Router
	fips              []*models.FloatingIp
	nextExt, nextHost int
	done              map[string]int // operations done, by kind
	bgpRng            *rand.Rand     // BGP operations (random_bgp_test.go)
	fwRng             *rand.Rand     // FWaaS operations (random_fwaas_test.go)
	fw                l3Fwaas
	nextPeer          int
	lb                *lbWorld
	vpnRng            *rand.Rand // VPNaaS operations (random_vpn_test.go)
	nextCidr          int
}

type l3Net struct {
	id, subnet *models.UUID
	n          int // 10.n.0.0/24
}

type l3Router struct {
	nr     *models.NeutronRouter
	gwPort *models.UUID
	rifs   map[int]*models.UUID // tenant network index → interface port
	bgp    l3Bgp
	vpn    l3Vpn
}

func (w *l3World) pick(n int) int { return w.rng.IntN(n) }

func (w *l3World) extIP() string {
	w.nextExt++
	return fmt.Sprintf("172.16.%d.%d", w.nextExt/250, w.nextExt%250+2)
}

func (w *l3World) mac() string {
	w.nextHost++
	return fmt.Sprintf("fa:16:3e:01:%02x:%02x", w.nextHost/256, w.nextHost%256)
}

func (w *l3World) addNetwork() {
	n := l3Net{id: newID(), subnet: newID(), n: len(w.nets) + 1}
	w.fx.create(network(n.id), subnet(n.subnet, n.id, fmt.Sprintf("10.%d.0.0/24", n.n), fmt.Sprintf("10.%d.0.1", n.n)))
	w.fx.create(l3Port(newID(), n.id, models.NeutronPort_DHCP, w.mac(), alloc(fmt.Sprintf("10.%d.0.2", n.n), n.subnet)))
	w.nets = append(w.nets, n)
}

func (w *l3World) addVM() {
	n := w.nets[w.pick(len(w.nets))]
	w.nextHost++
	p := vifPort(newID(), n.id, w.mac(), alloc(fmt.Sprintf("10.%d.0.%d", n.n, w.nextHost%200+10), n.subnet))
	w.fx.create(p)
	w.vms = append(w.vms, p)
}

func (w *l3World) netOf(p *models.NeutronPort) int {
	return slices.IndexFunc(w.nets, func(n l3Net) bool { return n.id.Equal(p.GetNetworkId()) })
}

func (w *l3World) addRouter() {
	r := &l3Router{rifs: map[int]*models.UUID{}}
	id := newID()
	if w.rng.IntN(3) > 0 {
		r.gwPort = newID()
		w.fx.create(l3Port(r.gwPort, w.ext, models.NeutronPort_ROUTER_GATEWAY, w.mac(), alloc(w.extIP(), w.extSn)))
	}
	r.nr = nRouter(id, "r", r.gwPort, r.gwPort != nil && w.rng.IntN(2) == 0)
	w.fx.create(r.nr)
	w.routers = append(w.routers, r)
}

// updateRouter toggles SNAT, renames, or changes the extra routes through
// the router's reachable next hops.
func (w *l3World) updateRouter(r *l3Router) {
	nr := proto.Clone(r.nr).(*models.NeutronRouter)
	switch w.rng.IntN(3) {
	case 0:
		if nr.GwPortId != nil {
			nr.ExternalGatewayInfo = &models.NeutronRouter_ExternalGatewayInfo{EnableSnat: proto.Bool(!snatEnabled(nr))}
		}
	case 1:
		nr.Name = proto.String(fmt.Sprintf("r%d", w.rng.IntN(100)))
	case 2:
		var hops []string
		if nr.GwPortId != nil {
			hops = append(hops, "172.16.0.250")
		}
		for _, n := range slices.Sorted(maps.Keys(r.rifs)) {
			hops = append(hops, fmt.Sprintf("10.%d.0.250", w.nets[n].n))
		}
		nr.Routes = nil
		for i, h := range hops {
			if w.rng.IntN(2) == 0 {
				nr.Routes = append(nr.Routes, nRoute(fmt.Sprintf("192.168.%d.0/24", i), h))
			}
		}
	}
	w.fx.update(nr)
	r.nr = nr
	w.done["update router"]++
}

// addInterface attaches a tenant network not yet on the router: by subnet
// (a new port at the gateway address, or another one when the gateway is
// taken) or by a VM port without floating IPs.
func (w *l3World) addInterface(r *l3Router) {
	n := w.pick(len(w.nets))
	if r.rifs[n] != nil {
		return
	}
	net := w.nets[n]
	rid := r.nr.GetId()
	if i := slices.IndexFunc(w.vms, func(p *models.NeutronPort) bool {
		return w.netOf(p) == n && !slices.ContainsFunc(w.fips, func(f *models.FloatingIp) bool {
			return f.GetPortId().Equal(p.GetId())
		})
	}); i >= 0 && w.rng.IntN(3) == 0 {
		vm := w.vms[i]
		w.vms = slices.Delete(w.vms, i, i+1)
		w.done["interface by port"]++
		w.fx.create(routerInterface(rid, vm.GetId(), net.subnet))
		r.rifs[n] = vm.GetId()
		return
	}
	addr := fmt.Sprintf("10.%d.0.1", net.n)
	if w.gatewayTaken(n) {
		w.nextHost++
		addr = fmt.Sprintf("10.%d.0.%d", net.n, w.nextHost%40+210)
	}
	p := rifPort(newID(), net.id, rid, w.mac(), alloc(addr, net.subnet))
	w.fx.create(p)
	w.fx.create(routerInterface(rid, p.GetId(), net.subnet))
	r.rifs[n] = p.GetId()
	w.done["interface by subnet"]++
}

// gatewayTaken: a router interface holds network n's gateway address (the
// subnet's DHCP has one router interface).
func (w *l3World) gatewayTaken(n int) bool {
	for _, r := range w.routers {
		if p := r.rifs[n]; p != nil {
			np := fixtureGet[*models.NeutronPort](w.fx, g(p))
			if np.GetFixedIps()[0].GetIpAddress().GetAddress() == fmt.Sprintf("10.%d.0.1", w.nets[n].n) {
				return true
			}
		}
	}
	return false
}

// removeInterface is the plugin's remove_router_interface: the port goes,
// then the (then no-op) interface update.
func (w *l3World) removeInterface(r *l3Router, n int) {
	p := r.rifs[n]
	w.fx.delete(&models.NeutronPort{}, p)
	w.fx.update(routerInterface(r.nr.GetId(), p, w.nets[n].subnet))
	delete(r.rifs, n)
	w.done["remove interface"]++
}

// fipTargets are the VM ports a floating IP on router r can reach.
func (w *l3World) fipTargets(r *l3Router) []*models.NeutronPort {
	var out []*models.NeutronPort
	for _, p := range w.vms {
		if r.rifs[w.netOf(p)] != nil {
			out = append(out, p)
		}
	}
	return out
}

func (w *l3World) associate(f *models.FloatingIp) bool {
	var rs []*l3Router
	for _, r := range w.routers {
		if r.gwPort != nil && len(w.fipTargets(r)) > 0 {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return false
	}
	r := rs[w.pick(len(rs))]
	ts := w.fipTargets(r)
	vm := ts[w.pick(len(ts))]
	f.RouterId, f.PortId, f.FixedIpAddress = r.nr.GetId(), vm.GetId(), vm.GetFixedIps()[0].GetIpAddress()
	w.done["associate floating IP"]++
	return true
}

func (w *l3World) fipOp() {
	switch k := w.rng.IntN(4); {
	case k == 0 || len(w.fips) == 0:
		f := floatingIP(newID(), w.ext, w.extIP())
		if w.rng.IntN(2) == 0 {
			w.associate(f)
		}
		w.fx.create(f)
		w.fips = append(w.fips, f)
	case k == 1:
		i := w.pick(len(w.fips))
		f := proto.Clone(w.fips[i]).(*models.FloatingIp)
		if f.PortId != nil && w.rng.IntN(2) == 0 {
			f.RouterId, f.PortId, f.FixedIpAddress = nil, nil, nil
			w.done["disassociate floating IP"]++
		} else if !w.associate(f) {
			return
		}
		w.fx.update(f)
		w.fips[i] = f
	default:
		i := w.pick(len(w.fips))
		w.fx.delete(&models.FloatingIp{}, w.fips[i].GetId())
		w.fips = slices.Delete(w.fips, i, i+1)
		w.done["delete floating IP"]++
	}
}

// dropFloatingIPs deletes the floating IPs matched (the plugin's
// precondition of removing what they go through).
func (w *l3World) dropFloatingIPs(match func(*models.FloatingIp) bool) {
	w.fips = slices.DeleteFunc(w.fips, func(f *models.FloatingIp) bool {
		if match(f) {
			w.fx.delete(&models.FloatingIp{}, f.GetId())
			return true
		}
		return false
	})
}

// deleteVM deletes a VM port; its floating IPs lose their association (the
// port translation's side effect), as the plugin then sees them.
func (w *l3World) deleteVM(i int) {
	p := w.vms[i]
	w.fx.delete(&models.NeutronPort{}, p.GetId())
	w.vms = slices.Delete(w.vms, i, i+1)
	for j, f := range w.fips {
		if f.GetPortId().Equal(p.GetId()) {
			w.fips[j] = fixtureGet[*models.FloatingIp](w.fx, g(f.GetId()))
		}
	}
}

// removeGateway is the plugin's gateway clear: the router update, then the
// gateway port's delete; floating IPs on the router go first.
func (w *l3World) removeGateway(r *l3Router) {
	w.lb.dropGateway(r)
	w.dropFloatingIPs(func(f *models.FloatingIp) bool { return f.GetRouterId().Equal(r.nr.GetId()) })
	w.removeVpn(r)
	nr := proto.Clone(r.nr).(*models.NeutronRouter)
	nr.GwPortId, nr.ExternalGatewayInfo = nil, nil
	w.fx.update(nr)
	w.fx.delete(&models.NeutronPort{}, r.gwPort)
	r.nr, r.gwPort = nr, nil
}

// deleteRouter: floating IPs, interfaces, gateway, then the router.
func (w *l3World) deleteRouter(i int) {
	r := w.routers[i]
	w.lb.dropRouter(r)
	w.dropFloatingIPs(func(f *models.FloatingIp) bool { return f.GetRouterId().Equal(r.nr.GetId()) })
	for _, n := range slices.Sorted(maps.Keys(r.rifs)) {
		w.removeInterface(r, n)
	}
	if r.gwPort != nil {
		w.removeGateway(r)
	}
	w.removeBgp(r)
	w.removeRouterFirewall(r)
	w.fx.delete(&models.NeutronRouter{}, r.nr.GetId())
	w.routers = slices.Delete(w.routers, i, i+1)
}

// TestRandomL3SequenceLeavesConsistentStore runs a seeded random sequence of
// router, router interface and floating IP operations (with the networks,
// subnets and VM ports they need; interleaved with BGP peer creates,
// updates and deletes, one by one or by the speaker, with LBaaS v1
// operations, lbWorld, with VPN services and IPsec site connections,
// gateway IP moves included, then a VPNaaS phase checking the routers'
// IPsec containers, and with firewalls, their routers, rules, logs and
// logging resources), then L2 gateway operations over them (l2gwPhase),
// in an order the Neutron plugin could send them, then requires the
// consistency checker to find nothing; then it
// deletes everything in the plugin's order and requires no translated
// object to be left.
func TestRandomL3SequenceLeavesConsistentStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := &l3World{fx: fx, rng: rand.New(rand.NewPCG(29, 0)), ext: newID(), extSn: newID(),
			done: map[string]int{}, bgpRng: rand.New(rand.NewPCG(31, 0)),
			vpnRng: rand.New(rand.NewPCG(37, 0)), fwRng: rand.New(rand.NewPCG(59, 0))}
		w.lb = &lbWorld{w: w, rng: rand.New(rand.NewPCG(31, 0))}
		ext := network(w.ext)
		ext.External = proto.Bool(true)
		fx.create(ext, subnet(w.extSn, w.ext, "172.16.0.0/16", "172.16.0.1"))
		w.addNetwork()
		for step := 0; step < 200; step++ {
			switch k := w.rng.IntN(14); {
			case k == 0 && len(w.nets) < 6:
				w.addNetwork()
			case k == 1 || k == 2:
				w.addVM()
			case k == 3 || len(w.routers) == 0:
				w.addRouter()
			case k == 4:
				w.updateRouter(w.routers[w.pick(len(w.routers))])
			case k == 5 || k == 6:
				w.addInterface(w.routers[w.pick(len(w.routers))])
			case k == 7:
				r := w.routers[w.pick(len(w.routers))]
				for _, n := range slices.Sorted(maps.Keys(r.rifs)) {
					// VM floating IPs reached through it go first.
					w.dropFloatingIPs(func(f *models.FloatingIp) bool {
						return f.GetRouterId().Equal(r.nr.GetId()) && slices.ContainsFunc(w.vms, func(p *models.NeutronPort) bool {
							return p.GetId().Equal(f.GetPortId()) && w.netOf(p) == n
						})
					})
					w.removeInterface(r, n)
					break
				}
			case k >= 8 && k <= 11 && len(w.vms) > 0:
				w.fipOp()
			case k == 12 && len(w.vms) > 0:
				w.deleteVM(w.pick(len(w.vms)))
			case k == 13:
				r := w.routers[w.pick(len(w.routers))]
				if r.gwPort != nil && w.rng.IntN(2) == 0 {
					w.removeGateway(r)
				} else if r.gwPort == nil {
					r.gwPort = newID()
					fx.create(l3Port(r.gwPort, w.ext, models.NeutronPort_ROUTER_GATEWAY, w.mac(), alloc(w.extIP(), w.extSn)))
					nr := proto.Clone(r.nr).(*models.NeutronRouter)
					nr.GwPortId = r.gwPort
					nr.ExternalGatewayInfo = &models.NeutronRouter_ExternalGatewayInfo{EnableSnat: proto.Bool(true)}
					fx.update(nr)
					r.nr = nr
				} else {
					w.deleteRouter(w.pick(len(w.routers)))
				}
			}
			if len(w.routers) > 0 && w.bgpRng.IntN(3) == 0 {
				w.bgpOp()
			}
			if w.lb.rng.IntN(2) == 0 {
				w.lb.step()
			}
			if len(w.routers) > 0 && w.vpnRng.IntN(2) == 0 {
				w.vpnOp()
			}
			if w.fwRng.IntN(3) == 0 {
				w.firewallOp()
			}
		}
		w.checkBgp()
		w.vpnPhase(30)
		w.checkFirewalls()
		w.l2gwPhase(80)
		counts := map[string]int{}
		for _, m := range []proto.Message{&models.Router{}, &models.Route{}, &models.Rule{}, &models.FloatingIp{},
			&models.L2GatewayConnection{}, &models.RemoteMacEntry{}, &models.BgpPeer{}, &models.BgpNetwork{},
			&models.ServiceContainer{}, &models.LoadBalancer{}, &models.Pool{}, &models.PoolMember{}, &models.Vip{},
			&models.HealthMonitor{}, &models.IPSecSiteConnection{},
			&models.RuleLogger{}, &models.LoggingResource{}, &models.NeutronFirewall{}} {
			all, err := fx.st.GetAll(fx.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			counts[models.ClassName(m)] = len(all)
		}
		t.Logf("after the random sequence: %v; operations: %v", counts, w.done)
		if counts["Router"] == 0 || counts["FloatingIp"] == 0 || w.done["associate floating IP"] < 5 ||
			w.done["remove interface"] == 0 || w.done["interface by port"] == 0 || counts["L2GatewayConnection"] == 0 ||
			counts["RemoteMacEntry"] == 0 || w.done["delete L2 gateway connection"] == 0 || w.done["delete bgp peer"] == 0 ||
			w.done["delete bgp peers by speaker"] == 0 || w.done["update bgp peer"] == 0 || counts["BgpPeer"] == 0 ||
			counts["BgpNetwork"] == 0 || counts["Pool"] == 0 || counts["Vip"] == 0 || counts["PoolMember"] == 0 ||
			w.done["lb: create VIP with an ARP entry"] < 3 || w.done["lb: delete pool"] == 0 ||
			counts["IPSecSiteConnection"] == 0 || w.done["delete ipsec connection"] == 0 ||
			w.done["move vpn gateway IP"] == 0 || w.done["update ipsec connection"] == 0 ||
			w.fw.loggersChecked == 0 || counts["NeutronFirewall"] == 0 ||
			w.done["last-router"] == 0 || w.done["delete logging resource"] == 0 || w.done["update firewall log"] == 0 ||
			w.done["delete firewall log"] == 0 {
			t.Fatalf("the sequence built too little to check: %v", counts)
		}
		fx.checkConsistent("after the random sequence")

		w.dropFloatingIPs(func(*models.FloatingIp) bool { return true })
		fx.deleteAll(&models.L2GatewayConnection{}, &models.RemoteMacEntry{}, &models.GatewayDevice{})
		w.lb.dropAll()
		w.deleteFirewalls()
		for len(w.routers) > 0 {
			w.deleteRouter(0)
		}
		for _, m := range []proto.Message{&models.NeutronPort{}, &models.NeutronSubnet{}, &models.NeutronNetwork{}} {
			all, err := fx.st.GetAll(fx.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range all {
				oid, _ := models.ID(o)
				fx.delete(m, oid)
			}
		}
		fx.checkConsistent("after deleting everything")
		for _, m := range []proto.Message{&models.Router{}, &models.Port{}, &models.Chain{}, &models.Rule{},
			&models.Route{}, &models.PortGroup{}, &models.Network{}, &models.Dhcp{}, &models.NeutronRouter{},
			&models.FloatingIp{}, &models.GatewayDevice{}, &models.RemoteMacEntry{}, &models.L2GatewayConnection{},
			&models.BgpPeer{}, &models.BgpNetwork{}, &models.NeutronBgpPeer{}, &models.ServiceContainer{},
			&models.ServiceContainerGroup{}, &models.LoadBalancer{}, &models.Pool{}, &models.PoolMember{}, &models.Vip{},
			&models.HealthMonitor{}, &models.NeutronLoadBalancerPool{}, &models.NeutronLoadBalancerPoolMember{},
			&models.NeutronVIP{}, &models.NeutronHealthMonitor{}, &models.VpnService{}, &models.IPSecSiteConnection{},
			&models.NeutronFirewall{}, &models.RuleLogger{}, &models.LoggingResource{}} {
			if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
				t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
			}
		}
		if arp := fx.arpTable(w.ext); len(arp) != 0 {
			t.Errorf("external ARP entries left: %v", arp)
		}
	})
}
