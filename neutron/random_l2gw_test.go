package neutron

import (
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The L2 gateway part of the random L3 sequence: gateway devices on the
// world's routers (router_vtep) and tenant networks (network_vlan), remote
// MAC entries, connections of the other networks, device updates and
// deletes of each kind, including a VTEP router deleted under its
// connections, in an order the Neutron plugin could send them.

type l2gwWorld struct {
	devices []l2gwDevice
	cnxns   []l2gwCnxn
	entries []*models.UUID
	n       int // makes MACs and addresses unique
}

type l2gwDevice struct {
	id, resource *models.UUID
	vtep         bool
}

type l2gwCnxn struct {
	id, net *models.UUID
}

// l2gwPhase runs steps random L2 gateway operations, then requires every
// VTEP router port's peering table to hold exactly its remote MAC entries,
// and each entry to list exactly the ports holding it.
func (w *l3World) l2gwPhase(steps int) {
	g := &l2gwWorld{}
	for range steps {
		w.l2gwOp(g)
	}
	fx := w.fx
	entries := map[string]*models.RemoteMacEntry{}
	for _, rm := range getAllOf[*models.RemoteMacEntry](fx) {
		entries[rm.GetId().Canonical()] = rm
	}
	holders := map[string][]uuid.UUID{}
	for _, c := range getAllOf[*models.L2GatewayConnection](fx) {
		port, ok := fx.getIfExists(L2gwGatewayPortID(c.GetNetworkId().ToGoogle()))
		if !ok || port.RouterId == nil {
			continue
		}
		want := map[string]string{}
		for _, id := range port.GetRemoteMacEntryIds() {
			rm := entries[id.Canonical()]
			if rm == nil {
				fx.t.Errorf("port %s lists a missing remote MAC entry %s", port.GetId().Canonical(), id.Canonical())
				continue
			}
			want[rm.GetMacAddress()] = rm.GetVtepAddress().GetAddress()
			holders[id.Canonical()] = append(holders[id.Canonical()], port.GetId().ToGoogle())
		}
		if got := fx.peeringTable(port.GetId()); !maps.Equal(got, want) {
			fx.t.Errorf("peering table of %s = %v, want %v", port.GetId().Canonical(), got, want)
		}
	}
	for id, rm := range entries {
		fx.sameIDSet("ports of remote MAC entry "+id, rm.GetPortIds(), holders[id]...)
	}
}

func getAllOf[T proto.Message](fx *fixture) []T {
	fx.t.Helper()
	ms, err := fx.st.GetAll(fx.ctx, zeroOf[T]())
	if err != nil {
		fx.t.Fatal(err)
	}
	out := make([]T, len(ms))
	for i, m := range ms {
		out[i] = m.(T)
	}
	return out
}

// getIfExists reads a port that may be gone.
func (fx *fixture) getIfExists(id uuid.UUID) (*models.Port, bool) {
	fx.t.Helper()
	if !fx.exists(&models.Port{}, id) {
		return nil, false
	}
	return fixtureGet[*models.Port](fx, id), true
}

// l2gwOp runs one random L2 gateway operation.
func (w *l3World) l2gwOp(g *l2gwWorld) {
	g.n++
	vteps := slices.DeleteFunc(slices.Clone(g.devices), func(d l2gwDevice) bool { return !d.vtep })
	switch k := w.rng.IntN(12); {
	case k == 0 || len(g.devices) == 0:
		d := l2gwDevice{id: newID(), vtep: w.rng.IntN(3) > 0}
		kind := models.GatewayDevice_NETWORK_VLAN
		var tunnel []string
		if d.vtep {
			d.resource, kind = w.routers[w.pick(len(w.routers))].nr.GetId(), models.GatewayDevice_ROUTER_VTEP
			tunnel = []string{fmt.Sprintf("30.0.%d.1", g.n)}
		} else {
			d.resource = w.nets[w.pick(len(w.nets))].id
		}
		w.fx.create(gatewayDevice(d.id, d.resource, kind, tunnel...))
		g.devices = append(g.devices, d)
		w.done["create gateway device"]++
	case (k <= 2 || k >= 9) && k != 11 && len(vteps) > 0:
		id := newID()
		w.fx.create(&models.RemoteMacEntry{Id: id, DeviceId: vteps[w.pick(len(vteps))].id,
			VtepAddress: ip(fmt.Sprintf("192.0.2.%d", g.n%250+1)), MacAddress: proto.String(w.mac()),
			SegmentationId: proto.Uint32(uint32(100 + w.rng.IntN(2)))})
		g.entries = append(g.entries, id)
		w.done["create remote MAC entry"]++
	case k <= 4:
		d := g.devices[w.pick(len(g.devices))]
		free := slices.DeleteFunc(slices.Clone(w.nets), func(n l3Net) bool {
			return n.id.Equal(d.resource) || slices.ContainsFunc(g.cnxns, func(c l2gwCnxn) bool { return c.net.Equal(n.id) })
		})
		if len(free) == 0 {
			return
		}
		c := l2gwCnxn{id: newID(), net: free[w.pick(len(free))].id}
		w.fx.create(l2gwConnection(c.id, c.net, d.id, uint32(100+w.rng.IntN(2))))
		g.cnxns = append(g.cnxns, c)
		w.done["create L2 gateway connection"]++
	case k == 5 && len(g.cnxns) > 0:
		i := w.pick(len(g.cnxns))
		w.fx.delete(&models.L2GatewayConnection{}, g.cnxns[i].id)
		g.cnxns = slices.Delete(g.cnxns, i, i+1)
		w.done["delete L2 gateway connection"]++
	case k == 6 && len(g.entries) > 0:
		i := w.pick(len(g.entries))
		w.fx.delete(&models.RemoteMacEntry{}, g.entries[i])
		g.entries = slices.Delete(g.entries, i, i+1)
		w.done["delete remote MAC entry"]++
	case k == 7 && len(vteps) > 0:
		d := vteps[w.pick(len(vteps))]
		w.fx.update(gatewayDevice(d.id, d.resource, models.GatewayDevice_ROUTER_VTEP, fmt.Sprintf("30.1.%d.1", g.n)))
		w.done["update gateway device"]++
	case k == 11:
		// A device goes with its entries (the store's cascade); its
		// connections stay until deleted. Now and then a VTEP router goes
		// under its connections instead.
		i := w.pick(len(g.devices))
		d := g.devices[i]
		if r := slices.IndexFunc(w.routers, func(r *l3Router) bool { return r.nr.GetId().Equal(d.resource) }); r >= 0 &&
			w.rng.IntN(3) == 0 && len(w.routers) > 1 {
			w.deleteRouter(r)
			w.done["delete VTEP router"]++
		} else {
			w.fx.delete(&models.GatewayDevice{}, d.id)
			w.done["delete gateway device"]++
		}
		g.devices = slices.Delete(g.devices, i, i+1)
		g.entries = slices.DeleteFunc(g.entries, func(e *models.UUID) bool {
			return !w.fx.exists(&models.RemoteMacEntry{}, e.ToGoogle())
		})
	}
}

// deleteAll deletes every stored object of the models' classes, in order.
func (fx *fixture) deleteAll(ms ...proto.Message) {
	fx.t.Helper()
	for _, m := range ms {
		all, err := fx.st.GetAll(fx.ctx, m)
		if err != nil {
			fx.t.Fatal(err)
		}
		for _, o := range all {
			id, _ := models.ID(o)
			fx.delete(m, id)
		}
	}
}
