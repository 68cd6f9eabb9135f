package vxgw

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"sync"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// storeMACs connects one VTEP controller to the bridges' state tables, in
// both directions:
//
//   - MidoNet → VTEP: for each bound network it follows the MAC table (VLAN
//     0: MAC → port) and the IPv4 → MAC table, the ports those MACs live on
//     and the VTEP's tunnel zone, and yields the MACs of ports bound to a
//     host of that zone, with the host's zone IP as tunnel endpoint. MACs of
//     other ports (interior, unbound, behind a VTEP — this or another one,
//     or hosts outside the zone) are left out, so the VTEP floods them to
//     the flooding proxy.
//   - VTEP → MidoNet: learned MACs become persistent MAC-table entries
//     pointing at this VTEP's VxLAN port of the network, and their IPs
//     persistent IPv4 → MAC entries.
type storeMACs struct {
	st     *zoom.Store
	vtepID uuid.UUID
	log    *slog.Logger
	ctx    context.Context // ends with the controller: stops every watch

	changed chan struct{}

	mu       sync.Mutex
	networks map[uuid.UUID]*networkTables
	ports    map[uuid.UUID]*watchedPort
	zoneID   uuid.UUID
	zoneIPs  map[uuid.UUID]netip.Addr // host → IP in the VTEP's tunnel zone
	zoneStop context.CancelFunc
}

type networkTables struct {
	stop    context.CancelFunc
	macs    midonet.TypedTable[midonet.MAC, uuid.UUID]
	ips     midonet.TypedTable[netip.Addr, midonet.MAC]
	macPort map[midonet.MAC]uuid.UUID
	ipMAC   map[netip.Addr]midonet.MAC
	// vxlanPort is this VTEP's VxLAN port of the network, refreshed at
	// every recomputation of the desired state (uuid.Nil: unknown).
	vxlanPort uuid.UUID
}

type watchedPort struct {
	stop  context.CancelFunc
	ready chan struct{} // closed once port holds the first value
	port  *models.Port  // nil while unknown or deleted
}

func newStoreMACs(ctx context.Context, st *zoom.Store, vtepID uuid.UUID, log *slog.Logger) *storeMACs {
	return &storeMACs{
		st: st, vtepID: vtepID, log: log, ctx: ctx, changed: make(chan struct{}, 1),
		networks: map[uuid.UUID]*networkTables{}, ports: map[uuid.UUID]*watchedPort{},
	}
}

// Changed is signalled when a table, port or the tunnel zone changed.
func (m *storeMACs) Changed() <-chan struct{} { return m.changed }

func (m *storeMACs) poke() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// retain stops following the networks that are no longer bound.
func (m *storeMACs) retain(bound map[uuid.UUID]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, n := range m.networks {
		if !bound[id] {
			n.stop()
			delete(m.networks, id)
		}
	}
}

// follow starts following a network's tables (first content read now).
func (m *storeMACs) follow(ctx context.Context, nwID uuid.UUID) (*networkTables, error) {
	m.mu.Lock()
	n, ok := m.networks[nwID]
	m.mu.Unlock()
	if ok {
		return n, nil
	}
	macs, err := midonet.BridgeMacTable(ctx, m.st, nwID, 0)
	if err != nil {
		return nil, err
	}
	ips, err := midonet.BridgeIP4MacTable(ctx, m.st, nwID)
	if err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(m.ctx)
	macEvents, err := macs.Raw.Watch(wctx)
	if err != nil {
		stop()
		return nil, err
	}
	ipEvents, err := ips.Raw.Watch(wctx)
	if err != nil {
		stop()
		return nil, err
	}
	n = &networkTables{stop: stop, macs: macs, ips: ips, macPort: map[midonet.MAC]uuid.UUID{}, ipMAC: map[netip.Addr]midonet.MAC{}}
	// The first event of each watch is the table's content: wait for both
	// so the first desired state already has the MACs.
	apply := func(ev zoom.TableEvent, isMAC bool) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if isMAC {
			n.macPort = decodeTable(ev.Snapshot, midonet.MACCodec, midonet.UUIDCodec)
		} else {
			n.ipMAC = decodeTable(ev.Snapshot, midonet.IPv4Codec, midonet.MACCodec)
		}
	}
	for _, first := range []struct {
		ch    <-chan zoom.TableEvent
		isMAC bool
	}{{macEvents, true}, {ipEvents, false}} {
		select {
		case ev, ok := <-first.ch:
			if ok {
				apply(ev, first.isMAC)
			}
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		}
	}
	go func() {
		for macEvents != nil || ipEvents != nil {
			select {
			case ev, ok := <-macEvents:
				if !ok {
					macEvents = nil
					continue
				}
				apply(ev, true)
			case ev, ok := <-ipEvents:
				if !ok {
					ipEvents = nil
					continue
				}
				apply(ev, false)
			}
			m.poke()
		}
	}()
	m.mu.Lock()
	if existing, ok := m.networks[nwID]; ok { // lost a race with another caller
		m.mu.Unlock()
		stop()
		return existing, nil
	}
	m.networks[nwID] = n
	m.mu.Unlock()
	return n, nil
}

func decodeTable[K comparable, V any](raw map[string]string, kc midonet.Codec[K], vc midonet.Codec[V]) map[K]V {
	out := make(map[K]V, len(raw))
	for ks, vs := range raw {
		k, err1 := kc.Decode(ks)
		v, err2 := vc.Decode(vs)
		if err1 == nil && err2 == nil {
			out[k] = v
		}
	}
	return out
}

// followZone follows the VTEP's tunnel zone membership (host → IP).
func (m *storeMACs) followZone(ctx context.Context, tzID uuid.UUID) {
	m.mu.Lock()
	if m.zoneStop != nil && m.zoneID == tzID {
		m.mu.Unlock()
		return
	}
	if m.zoneStop != nil {
		m.zoneStop()
	}
	wctx, stop := context.WithCancel(m.ctx)
	m.zoneID, m.zoneStop, m.zoneIPs = tzID, stop, map[uuid.UUID]netip.Addr{}
	m.mu.Unlock()
	events, err := m.st.Watch(wctx, &models.TunnelZone{}, tzID)
	if err != nil {
		m.log.Warn("cannot follow the VTEP's tunnel zone", "tunnel_zone", tzID, "err", err)
		return
	}
	apply := func(ev zoom.ObjectEvent) {
		ips := map[uuid.UUID]netip.Addr{}
		if tz, ok := ev.Obj.(*models.TunnelZone); ok {
			for _, h := range tz.GetHosts() {
				if a, err := h.GetIp().ToAddr(); err == nil && a.Is4() {
					ips[h.GetHostId().ToGoogle()] = a
				}
			}
		}
		m.mu.Lock()
		m.zoneIPs = ips
		m.mu.Unlock()
	}
	select {
	case ev, ok := <-events:
		if ok {
			apply(ev)
		}
	case <-ctx.Done():
		return
	}
	go func() {
		for ev := range events {
			apply(ev)
			m.poke()
		}
	}()
}

// port returns the port (nil when missing), following it from now on.
// Concurrent callers for a port being loaded wait for its first value.
func (m *storeMACs) port(ctx context.Context, id uuid.UUID) *models.Port {
	m.mu.Lock()
	if w, ok := m.ports[id]; ok {
		m.mu.Unlock()
		select {
		case <-w.ready:
		case <-ctx.Done():
			return nil
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return w.port
	}
	wctx, stop := context.WithCancel(m.ctx)
	w := &watchedPort{stop: stop, ready: make(chan struct{})}
	m.ports[id] = w
	m.mu.Unlock()
	events, err := m.st.Watch(wctx, &models.Port{}, id)
	if err != nil {
		if !errors.Is(err, zoom.ErrNotFound) {
			m.log.Warn("cannot follow port", "port", id, "err", err)
		}
		stop()
		m.mu.Lock()
		if m.ports[id] == w {
			delete(m.ports, id) // looked up again next time
		}
		m.mu.Unlock()
		close(w.ready)
		return nil
	}
	set := func(ev zoom.ObjectEvent) {
		p, _ := ev.Obj.(*models.Port)
		m.mu.Lock()
		w.port = p
		m.mu.Unlock()
	}
	select {
	case ev, ok := <-events:
		if ok {
			set(ev)
		}
	case <-ctx.Done():
	}
	close(w.ready)
	go func() {
		for ev := range events {
			set(ev)
			m.poke()
		}
		m.mu.Lock()
		if m.ports[id] == w {
			delete(m.ports, id)
		}
		m.mu.Unlock()
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	return w.port
}

// retainPorts stops following ports no bound network's MAC table names.
func (m *storeMACs) retainPorts(used map[uuid.UUID]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.ports {
		if !used[id] {
			w.stop()
			delete(m.ports, id)
		}
	}
}

// remoteMACs computes the MidoNet MACs of a network the VTEP must know.
func (m *storeMACs) remoteMACs(ctx context.Context, nwID, tzID uuid.UUID, used map[uuid.UUID]bool) ([]RemoteMAC, error) {
	n, err := m.follow(ctx, nwID)
	if err != nil {
		return nil, err
	}
	m.followZone(ctx, tzID)
	m.mu.Lock()
	macPort := make(map[midonet.MAC]uuid.UUID, len(n.macPort))
	for k, v := range n.macPort {
		macPort[k] = v
	}
	macIP := map[midonet.MAC]netip.Addr{}
	for ip, mac := range n.ipMAC {
		// One IP per MAC can be written; take the lowest for stability.
		if cur, ok := macIP[mac]; !ok || ip.Less(cur) {
			macIP[mac] = ip
		}
	}
	zoneIPs := m.zoneIPs
	m.mu.Unlock()

	var out []RemoteMAC
	for mac, portID := range macPort {
		used[portID] = true
		p := m.port(ctx, portID)
		if p == nil || p.GetVtepId() != nil || p.GetHostId() == nil {
			continue // unknown, VxLAN or unbound/interior port: flood
		}
		hostIP, ok := zoneIPs[p.GetHostId().ToGoogle()]
		if !ok {
			continue // host outside the VTEP's tunnel zone
		}
		rm := RemoteMAC{MAC: mac.String(), TunnelIP: hostIP.String()}
		if ip, ok := macIP[mac]; ok {
			rm.IP = ip.String()
		}
		out = append(out, rm)
	}
	slices.SortFunc(out, func(a, b RemoteMAC) int {
		switch {
		case a.MAC < b.MAC:
			return -1
		case a.MAC > b.MAC:
			return 1
		}
		return 0
	})
	return out, nil
}

// vxlanPort finds this VTEP's VxLAN port of a network (created by the REST
// API with the binding).
func (m *storeMACs) vxlanPort(ctx context.Context, nwID uuid.UUID) (uuid.UUID, bool) {
	obj, err := m.st.Get(ctx, &models.Network{}, nwID)
	if err != nil {
		return uuid.Nil, false
	}
	for _, pid := range obj.(*models.Network).GetVxlanPortIds() {
		p := m.port(ctx, pid.ToGoogle())
		if p != nil && p.GetVtepId().ToGoogle() == m.vtepID {
			return pid.ToGoogle(), true
		}
	}
	return uuid.Nil, false
}

// refreshVxLANPort looks the VxLAN port up and remembers it for the
// learned-MAC path.
func (m *storeMACs) refreshVxLANPort(ctx context.Context, nwID uuid.UUID) (uuid.UUID, bool) {
	port, ok := m.vxlanPort(ctx, nwID)
	m.mu.Lock()
	if n, followed := m.networks[nwID]; followed {
		n.vxlanPort = port // uuid.Nil when not found
	}
	m.mu.Unlock()
	return port, ok
}

func (m *storeMACs) tables(nwID uuid.UUID) (*networkTables, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.networks[nwID]
	return n, ok
}

// entryChanges is a batch of persistent entries to add or remove, the last
// decision per entry winning, in first-seen order.
type entryChanges[K comparable, V comparable] struct {
	add   map[midonet.Entry[K, V]]bool
	order []midonet.Entry[K, V]
}

func (c *entryChanges[K, V]) set(e midonet.Entry[K, V], add bool) {
	if c.add == nil {
		c.add = map[midonet.Entry[K, V]]bool{}
	}
	if _, seen := c.add[e]; !seen {
		c.order = append(c.order, e)
	}
	c.add[e] = add
}

// write applies the batch to table in a few multis; nothing to do is no
// write.
func (c *entryChanges[K, V]) write(ctx context.Context, table midonet.TypedTable[K, V]) (added, removed int, err error) {
	var add, del []midonet.Entry[K, V]
	for _, e := range c.order {
		if c.add[e] {
			add = append(add, e)
		} else {
			del = append(del, e)
		}
	}
	if len(add)+len(del) == 0 {
		return 0, 0, nil
	}
	return len(add), len(del), table.UpdatePersistent(ctx, add, del)
}

// learnedMAC is a learned MAC to write into MidoNet (add) or forget.
type learnedMAC struct {
	mac LocalMAC
	add bool
}

// learned writes learned MACs into MidoNet in their order, each network's
// changes to its MAC table and to its IPv4 → MAC table in a few multis
// (the reference wrote them one at a time): an added MAC points at this
// VTEP's VxLAN port of the network, with its IP (if any) the only one of
// the MAC in the IPv4 table; a forgotten one loses its entry for that port
// and its IPs. Entries of other ports are never touched.
func (m *storeMACs) learned(ctx context.Context, changes []learnedMAC) {
	type batch struct {
		n      *networkTables
		port   uuid.UUID
		macs   entryChanges[midonet.MAC, uuid.UUID]
		ips    entryChanges[netip.Addr, midonet.MAC]
		macIPs map[midonet.MAC]map[netip.Addr]bool // the IPv4 table as the changes leave it
	}
	batches := map[uuid.UUID]*batch{}
	var order []uuid.UUID
	for _, c := range changes {
		nwID, err := uuid.Parse(c.mac.NetworkID)
		if err != nil {
			continue
		}
		mac, err := midonet.ParseMAC(c.mac.MAC)
		if err != nil {
			continue // multicast group names and the like
		}
		b, ok := batches[nwID]
		if !ok {
			n, bound := m.tables(nwID)
			if !bound {
				continue // network not bound to this VTEP
			}
			m.mu.Lock()
			port := n.vxlanPort
			m.mu.Unlock()
			if port == uuid.Nil {
				port, _ = m.refreshVxLANPort(ctx, nwID)
			}
			b = &batch{n: n, port: port, macIPs: map[midonet.MAC]map[netip.Addr]bool{}}
			if port != uuid.Nil {
				m.mu.Lock()
				for ip, v := range n.ipMAC {
					if b.macIPs[v] == nil {
						b.macIPs[v] = map[netip.Addr]bool{}
					}
					b.macIPs[v][ip] = true
				}
				m.mu.Unlock()
			}
			batches[nwID] = b
			order = append(order, nwID)
		}
		if b.port == uuid.Nil {
			m.log.Warn("learned MAC dropped: the network has no VxLAN port for this VTEP", "network", nwID, "mac", c.mac.MAC)
			continue
		}
		b.macs.set(midonet.Entry[midonet.MAC, uuid.UUID]{Key: mac, Value: b.port}, c.add)
		want, wantIP := netip.Addr{}, false
		if c.add && c.mac.IP != "" {
			if a, err := netip.ParseAddr(c.mac.IP); err == nil && a.Is4() {
				want, wantIP = a, true
			}
		}
		setIP := func(ip netip.Addr, add bool) {
			b.ips.set(midonet.Entry[netip.Addr, midonet.MAC]{Key: ip, Value: mac}, add)
			if b.macIPs[mac] == nil {
				b.macIPs[mac] = map[netip.Addr]bool{}
			}
			if add {
				b.macIPs[mac][ip] = true
			} else {
				delete(b.macIPs[mac], ip)
			}
		}
		for ip := range b.macIPs[mac] {
			if !wantIP || ip != want {
				setIP(ip, false)
			}
		}
		if wantIP && !b.macIPs[mac][want] {
			setIP(want, true)
		}
	}
	for _, nwID := range order {
		b := batches[nwID]
		if added, removed, err := b.macs.write(ctx, b.n.macs); err != nil {
			m.log.Warn("writing learned MACs", "network", nwID, "added", added, "removed", removed, "err", err)
			continue // their IPs would point at MACs MidoNet does not have
		}
		if added, removed, err := b.ips.write(ctx, b.n.ips); err != nil {
			m.log.Warn("writing IPs of learned MACs", "network", nwID, "added", added, "removed", removed, "err", err)
		}
	}
}

func (m *storeMACs) LocalMACsReset(ctx context.Context, _ uuid.UUID, macs []LocalMAC) {
	byNetwork := map[uuid.UUID]map[midonet.MAC]LocalMAC{}
	for _, l := range macs {
		nw, err1 := uuid.Parse(l.NetworkID)
		mac, err2 := midonet.ParseMAC(l.MAC)
		if err1 != nil || err2 != nil {
			continue
		}
		if byNetwork[nw] == nil {
			byNetwork[nw] = map[midonet.MAC]LocalMAC{}
		}
		byNetwork[nw][mac] = l
	}
	m.mu.Lock()
	bound := make([]uuid.UUID, 0, len(m.networks))
	for id := range m.networks {
		bound = append(bound, id)
	}
	m.mu.Unlock()
	var changes []learnedMAC
	for _, nwID := range bound {
		// Entries pointing at our VxLAN port that the VTEP no longer has
		// were forgotten while we were not connected.
		port, ok := m.refreshVxLANPort(ctx, nwID)
		n, ok2 := m.tables(nwID)
		if !ok || !ok2 {
			continue
		}
		m.mu.Lock()
		for mac, p := range n.macPort {
			if _, still := byNetwork[nwID][mac]; p == port && !still {
				changes = append(changes, learnedMAC{mac: LocalMAC{NetworkID: nwID.String(), MAC: mac.String()}})
			}
		}
		m.mu.Unlock()
		for _, l := range byNetwork[nwID] {
			changes = append(changes, learnedMAC{mac: l, add: true})
		}
	}
	m.learned(ctx, changes)
}

func (m *storeMACs) LocalMACsChanged(ctx context.Context, _ uuid.UUID, changes []LocalMACChange) {
	var out []learnedMAC
	for _, c := range changes {
		if c.Old != nil && (c.New == nil || c.Old.NetworkID != c.New.NetworkID || c.Old.MAC != c.New.MAC) {
			out = append(out, learnedMAC{mac: *c.Old})
		}
		if c.New != nil {
			out = append(out, learnedMAC{mac: *c.New, add: true})
		}
	}
	m.learned(ctx, out)
}
