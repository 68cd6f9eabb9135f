package neutron

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// lbWorld is the LBaaS v1 part of the random L3 sequence: pools on the
// routers, members, VIPs (on the external network, with an ARP entry when
// the router has a gateway, or on a tenant network) and health monitors,
// changed in the orders the Neutron plugin sends them. Its choices come
// from its own generator, so the L3 sequence of a seed stays the same.
type lbWorld struct {
	w       *l3World
	rng     *rand.Rand
	pools   []*lbPoolState
	members []*models.NeutronLoadBalancerPoolMember
	hms     []*models.NeutronHealthMonitor
	next    int
}

type lbPoolState struct {
	np     *models.NeutronLoadBalancerPool
	router *l3Router
	vip    *models.NeutronVIP // Neutron's LBaaS v1: at most one per pool
	hm     *models.NeutronHealthMonitor
}

func (lb *lbWorld) pick(n int) int { return lb.rng.IntN(n) }

// step runs one random LBaaS v1 operation.
func (lb *lbWorld) step() {
	w := lb.w
	switch k := lb.rng.IntN(12); {
	case (k == 0 || len(lb.pools) == 0) && len(w.routers) > 0:
		r := w.routers[lb.pick(len(w.routers))]
		np := lbPool(newID(), r.nr.GetId(), lb.rng.IntN(4) > 0)
		w.fx.create(np)
		lb.pools = append(lb.pools, &lbPoolState{np: np, router: r})
		w.done["lb: create pool"]++
	case len(lb.pools) == 0:
	case k == 1:
		p := lb.pools[lb.pick(len(lb.pools))]
		up := proto.Clone(p.np).(*models.NeutronLoadBalancerPool)
		up.AdminStateUp = proto.Bool(!up.GetAdminStateUp())
		w.fx.update(up)
		p.np = up
	case k == 2 || k == 3 && len(lb.members) == 0:
		lb.next++
		m := lbMember(newID(), lb.pools[lb.pick(len(lb.pools))].np.GetId(), fmt.Sprintf("10.99.%d.%d", lb.next/250, lb.next%250+1),
			true, 80, 1)
		w.fx.create(m)
		lb.members = append(lb.members, m)
		w.done["lb: create member"]++
	case k == 3:
		i := lb.pick(len(lb.members))
		up := proto.Clone(lb.members[i]).(*models.NeutronLoadBalancerPoolMember)
		up.PoolId, up.Weight = lb.pools[lb.pick(len(lb.pools))].np.GetId(), proto.Int32(int32(lb.rng.IntN(10)+1))
		w.fx.update(up)
		lb.members[i] = up
	case k == 4 && len(lb.members) > 0:
		i := lb.pick(len(lb.members))
		w.fx.delete(&models.NeutronLoadBalancerPoolMember{}, lb.members[i].GetId())
		lb.members = slices.Delete(lb.members, i, i+1)
	case k == 5 || k == 6:
		p := lb.pools[lb.pick(len(lb.pools))]
		if p.vip != nil {
			up := proto.Clone(p.vip).(*models.NeutronVIP)
			up.ProtocolPort, up.AdminStateUp = proto.Int32(int32(lb.rng.IntN(1000)+1)), proto.Bool(lb.rng.IntN(2) == 0)
			w.fx.update(up)
			p.vip = up
			break
		}
		lb.next++
		subnet, addr := w.extSn, fmt.Sprintf("172.16.%d.%d", 200+lb.next/250, lb.next%250+1)
		if lb.rng.IntN(3) == 0 {
			n := w.nets[lb.pick(len(w.nets))]
			subnet, addr = n.subnet, fmt.Sprintf("10.%d.0.%d", n.n, lb.next%40+150)
		} else if p.router.gwPort != nil {
			w.done["lb: create VIP with an ARP entry"]++
		}
		p.vip = lbVipOf(newID(), p.np.GetId(), subnet, addr)
		w.fx.create(p.vip)
	case k == 7:
		p := lb.pools[lb.pick(len(lb.pools))]
		if p.vip != nil {
			lb.dropVip(p)
		}
	case k == 8:
		var free []*models.UUID
		for _, p := range lb.pools {
			if p.hm == nil && lb.rng.IntN(2) == 0 {
				free = append(free, p.np.GetId())
			}
		}
		hm := lbHm(newID(), true, 1, 2, 3, free...)
		w.fx.create(hm)
		lb.hms = append(lb.hms, hm)
		for _, p := range lb.pools {
			if slices.ContainsFunc(free, p.np.GetId().Equal) {
				p.hm = hm
			}
		}
		w.done["lb: create health monitor"]++
	case k == 9 && len(lb.hms) > 0:
		hm := lb.hms[lb.pick(len(lb.hms))]
		hm.Delay = proto.Int32(int32(lb.rng.IntN(10) + 1))
		w.fx.update(hm)
	case k == 10 && len(lb.hms) > 0:
		i := lb.pick(len(lb.hms))
		lb.dropHm(i)
	case k == 11 && lb.rng.IntN(3) == 0:
		lb.dropPool(lb.pick(len(lb.pools)))
	}
}

func (lb *lbWorld) dropVip(p *lbPoolState) {
	lb.w.fx.delete(&models.NeutronVIP{}, p.vip.GetId())
	p.vip = nil
	lb.w.done["lb: delete VIP"]++
}

func (lb *lbWorld) dropHm(i int) {
	hm := lb.hms[i]
	lb.w.fx.delete(&models.NeutronHealthMonitor{}, hm.GetId())
	lb.hms = slices.Delete(lb.hms, i, i+1)
	for _, p := range lb.pools {
		if p.hm == hm {
			p.hm = nil
		}
	}
}

// dropPool is Neutron's pool delete: its VIP and members first; its
// health monitor loses it.
func (lb *lbWorld) dropPool(i int) {
	p := lb.pools[i]
	if p.vip != nil {
		lb.dropVip(p)
	}
	lb.members = slices.DeleteFunc(lb.members, func(m *models.NeutronLoadBalancerPoolMember) bool {
		if m.GetPoolId().Equal(p.np.GetId()) {
			lb.w.fx.delete(&models.NeutronLoadBalancerPoolMember{}, m.GetId())
			return true
		}
		return false
	})
	lb.w.fx.delete(&models.NeutronLoadBalancerPool{}, p.np.GetId())
	if p.hm != nil {
		p.hm.Pools = slices.DeleteFunc(p.hm.Pools, func(hp *models.NeutronHealthMonitor_Pool) bool {
			return hp.GetPoolId().Equal(p.np.GetId())
		})
	}
	lb.pools = slices.Delete(lb.pools, i, i+1)
	lb.w.done["lb: delete pool"]++
}

// dropRouter deletes the pools on r (the router cannot go while its load
// balancer is there).
func (lb *lbWorld) dropRouter(r *l3Router) {
	for i := len(lb.pools) - 1; i >= 0; i-- {
		if lb.pools[i].router == r {
			lb.dropPool(i)
		}
	}
}

// dropGateway deletes the VIPs whose ARP entry answers with r's gateway
// port (the port cannot go while a VIP refers to it).
func (lb *lbWorld) dropGateway(r *l3Router) {
	for _, p := range lb.pools {
		if p.vip != nil && fixtureGet[*models.Vip](lb.w.fx, g(p.vip.GetId())).GetGatewayPortId().Equal(r.gwPort) {
			lb.dropVip(p)
		}
	}
}

// dropAll deletes every LBaaS v1 object, health monitors last.
func (lb *lbWorld) dropAll() {
	for len(lb.pools) > 0 {
		lb.dropPool(0)
	}
	lb.members = slices.DeleteFunc(lb.members, func(m *models.NeutronLoadBalancerPoolMember) bool {
		lb.w.fx.delete(&models.NeutronLoadBalancerPoolMember{}, m.GetId())
		return true
	})
	for len(lb.hms) > 0 {
		lb.dropHm(0)
	}
}
