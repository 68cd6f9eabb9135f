package vxgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ovn-org/libovsdb/cache"
	"github.com/ovn-org/libovsdb/model"
)

// LocalMAC is a MAC the VTEP learned on one of its ports (Ucast_Macs_Local,
// or a multicast Mcast_Macs_Local row), in a MidoNet network's logical
// switch. TunnelIP is the VTEP's own VxLAN endpoint (first tunnel IP of the
// physical switch, "" if it has none).
type LocalMAC struct {
	NetworkID string
	MAC       string
	IP        string
	TunnelIP  string
}

// Reporter receives what a Synchronizer observes on its VTEP. The
// connection and switch calls come from one goroutine and the learned-MAC
// calls from another, each stream in order, so implementations must be safe
// for concurrent use. The store layer writes the
// `connection_state` and `config` state keys and the bridge MAC/ARP tables
// from them. Learned MACs are reported for every mn-* logical switch; the
// receiver ignores networks it does not bind.
type Reporter interface {
	ConnectionState(ctx context.Context, state ConnectionState)
	// PhysicalSwitch is called after every connection and whenever the
	// switch's name, description, IPs or ports change.
	PhysicalSwitch(ctx context.Context, ps PhysicalSwitch)
	// LocalMACsReset gives the complete set of learned MACs after every
	// connection: anything reported before and absent now is gone.
	LocalMACsReset(ctx context.Context, macs []LocalMAC)
	// LocalMACsChanged reports learned MACs appearing (Old nil),
	// disappearing (New nil) or changing their IP, in the order the VTEP
	// made the changes: all those that arrived while the previous call ran
	// (an OVSDB update's rows come together), so a receiver can write them
	// in one go.
	LocalMACsChanged(ctx context.Context, changes []LocalMACChange)
}

// LocalMACChange is one learned MAC appearing (Old nil), disappearing (New
// nil) or changing.
type LocalMACChange struct{ Old, New *LocalMAC }

// Config configures a Synchronizer.
type Config struct {
	// Endpoint is the VTEP's OVSDB address, "tcp:IP:PORT".
	Endpoint string
	// ManagementIP picks the physical switch when the database has several.
	ManagementIP string
	Reporter     Reporter
	Log          *slog.Logger
	// Backoff between connection attempts (default 100ms doubling to 10s).
	Backoff Backoff
	// ProbeInterval is how often an idle session is checked with an OVSDB
	// echo (default 5s, as ovsdb-server's own probe); a probe unanswered
	// within ProbeInterval drops and re-establishes the session.
	ProbeInterval time.Duration
	// DialTimeout bounds one connection attempt (default 10s).
	DialTimeout time.Duration
}

// Synchronizer keeps one VTEP's hardware_vtep database converged to the
// DesiredState it is given, over a session that it re-establishes forever,
// reconciling fully after every reconnection, and reports learned MACs.
type Synchronizer struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	desired   DesiredState
	gen       uint64 // generation of desired
	wake      chan struct{}
	applied   atomic.Uint64 // last generation fully written to the VTEP
	appliedCh chan struct{} // closed and replaced whenever applied moves
}

// NewSynchronizer returns a synchronizer for one VTEP; Run starts it.
func NewSynchronizer(cfg Config) *Synchronizer {
	cfg.Backoff = cfg.Backoff.withDefaults()
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 5 * time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Synchronizer{
		cfg: cfg, log: log.With("vtep", cfg.Endpoint),
		wake: make(chan struct{}, 1), appliedCh: make(chan struct{}),
	}
}

// SetDesired replaces the state the VTEP must converge to and returns its
// generation (see WaitApplied).
func (s *Synchronizer) SetDesired(d DesiredState) uint64 {
	d = d.clone()
	s.mu.Lock()
	s.desired = d
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	s.poke()
	return gen
}

func (s *Synchronizer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Synchronizer) snapshot() (DesiredState, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.desired, s.gen
}

func (s *Synchronizer) markApplied(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen > s.applied.Load() {
		s.applied.Store(gen)
		close(s.appliedCh)
		s.appliedCh = make(chan struct{})
	}
}

// WaitApplied blocks until the desired state of generation gen (or a later
// one) has been written to the VTEP and observed in its database.
func (s *Synchronizer) WaitApplied(ctx context.Context, gen uint64) error {
	for {
		s.mu.Lock()
		ch := s.appliedCh
		done := s.applied.Load() >= gen
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("desired state %d not applied on %s: %w", gen, s.cfg.Endpoint, ctx.Err())
		case <-ch:
		}
	}
}

func (s *Synchronizer) report(f func(Reporter)) {
	if s.cfg.Reporter != nil {
		f(s.cfg.Reporter)
	}
}

// Run connects and keeps the VTEP converged until ctx ends. It only returns
// ctx's error: connection failures are retried with backoff forever.
func (s *Synchronizer) Run(ctx context.Context) error {
	state := ConnectionState(-1)
	setState := func(st ConnectionState) {
		if st != state {
			state = st
			s.report(func(r Reporter) { r.ConnectionState(ctx, st) })
		}
	}
	setState(Disconnected)
	failures := 0
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		events := newEventQueue()
		handler := &tableEvents{queue: events, wake: s.poke, lsNames: map[string]string{}}
		dialCtx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
		conn, err := Dial(dialCtx, s.cfg.Endpoint, s.log, handler)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			setState(Error)
			d := s.cfg.Backoff.delay(failures)
			failures++
			s.log.Warn("VTEP connection failed, retrying", "err", err, "retry_in", d, "attempt", failures)
			if !sleep(ctx, d) {
				return ctx.Err()
			}
			continue
		}
		failures = 0
		handler.setConn(conn)
		setState(Connected)
		s.log.Info("VTEP session established")
		err = s.session(ctx, conn, handler)
		conn.Close()
		if ctx.Err() != nil {
			setState(Disconnected)
			return ctx.Err()
		}
		setState(Disconnected)
		s.log.Warn("VTEP session lost, reconnecting", "err", err)
		if !sleep(ctx, s.cfg.Backoff.delay(0)) {
			return ctx.Err()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

var errSessionLost = errors.New("OVSDB session lost")

// session runs one connection: the liveness probe, the learned-MAC stream
// and the reconciliation loop, until the connection or ctx ends.
func (s *Synchronizer) session(parent context.Context, conn *Conn, handler *tableEvents) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	var wg sync.WaitGroup
	defer wg.Wait()

	wg.Add(2)
	go func() {
		defer wg.Done()
		s.probe(ctx, conn, cancel)
	}()
	go func() {
		defer wg.Done()
		s.deliver(ctx, handler.queue)
	}()

	if ps, ok := conn.PhysicalSwitch(s.cfg.ManagementIP); ok {
		handler.setTunnelIP(ps.TunnelIPs)
	}
	// The snapshot goes through the event queue so that it is ordered with
	// the row events libovsdb delivers around it.
	handler.queue.push(queuedEvent{reset: handler.snapshot()})

	var lastPS *PhysicalSwitch
	warnedNoSwitch := false
	retry := 0
	var retryC <-chan time.Time
	for {
		want, gen := s.snapshot()
		ps, ok := conn.PhysicalSwitch(s.cfg.ManagementIP)
		switch {
		case !ok:
			if !warnedNoSwitch {
				s.log.Warn("VTEP database has no Physical_Switch yet; waiting for one")
				warnedNoSwitch = true
			}
		default:
			warnedNoSwitch = false
			if lastPS == nil || !reflect.DeepEqual(*lastPS, ps) {
				lastPS = &ps
				s.report(func(r Reporter) { r.PhysicalSwitch(ctx, ps) })
			}
			handler.setTunnelIP(ps.TunnelIPs)
			if err := conn.Reconcile(ctx, ps, want, s.log); err != nil {
				if ctx.Err() != nil || !conn.Connected() {
					return fmt.Errorf("%w: %w", errSessionLost, err)
				}
				d := s.cfg.Backoff.delay(retry)
				retry++
				s.log.Warn("VTEP reconciliation failed, retrying", "err", err, "retry_in", d)
				retryC = time.After(d)
			} else {
				retry, retryC = 0, nil
				s.markApplied(gen)
			}
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-s.wake:
		case <-retryC:
		}
	}
}

// probe checks the session: libovsdb answers the server's echo requests by
// itself; this sends ours, so that a dead peer is noticed even when the TCP
// connection does not break.
func (s *Synchronizer) probe(ctx context.Context, conn *Conn, cancel context.CancelCauseFunc) {
	t := time.NewTicker(s.cfg.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-conn.disconnectNotify():
			cancel(errSessionLost)
			return
		case <-t.C:
			if !conn.Connected() {
				cancel(errSessionLost)
				return
			}
			pctx, pcancel := context.WithTimeout(ctx, s.cfg.ProbeInterval)
			err := conn.Echo(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%w: echo: %w", errSessionLost, err))
				return
			}
		}
	}
}

// deliver reports the queued events, everything queued at once: the
// changes since the last snapshot (a snapshot supersedes what came before
// it) in one LocalMACsChanged call.
func (s *Synchronizer) deliver(ctx context.Context, q *eventQueue) {
	for {
		evs, ok := q.popAll(ctx)
		if !ok {
			return
		}
		var changes []LocalMACChange
		for _, ev := range evs {
			if ev.reset != nil {
				changes = nil
				s.report(func(r Reporter) { r.LocalMACsReset(ctx, *ev.reset) })
				continue
			}
			changes = append(changes, LocalMACChange{Old: ev.old, New: ev.new})
		}
		if len(changes) > 0 {
			s.report(func(r Reporter) { r.LocalMACsChanged(ctx, changes) })
		}
	}
}

// queuedEvent is a learned-MAC change or a full snapshot.
type queuedEvent struct {
	old, new *LocalMAC
	reset    *[]LocalMAC
}

// eventQueue is unbounded: libovsdb's event handlers must never block.
type eventQueue struct {
	mu     sync.Mutex
	items  []queuedEvent
	signal chan struct{}
}

func newEventQueue() *eventQueue { return &eventQueue{signal: make(chan struct{}, 1)} }

func (q *eventQueue) push(e queuedEvent) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// popAll waits for events and takes all of them.
func (q *eventQueue) popAll(ctx context.Context) ([]queuedEvent, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			evs := q.items
			q.items = nil
			q.mu.Unlock()
			return evs, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-q.signal:
		}
	}
}

// tableEvents turns libovsdb cache events into learned-MAC changes and
// wakes the reconciliation on changes to the tables it converges.
type tableEvents struct {
	queue *eventQueue
	wake  func()
	conn  *Conn // set once Dial returns; events before that come from the initial snapshot

	mu       sync.Mutex
	lsNames  map[string]string // logical switch UUID → name, kept after deletion
	tunnelIP string
}

var _ cache.EventHandler = (*tableEvents)(nil)

func (h *tableEvents) setConn(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conn = c
}

func (h *tableEvents) setTunnelIP(ips []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(ips) > 0 {
		h.tunnelIP = ips[0]
	} else {
		h.tunnelIP = ""
	}
}

// localMAC converts a local MAC row; nil when it is not about a MidoNet
// network or is the unknown-dst wildcard.
func (h *tableEvents) localMAC(m model.Model) *LocalMAC {
	var mac, ls, ip string
	switch r := m.(type) {
	case *UcastMacsLocalRow:
		mac, ls, ip = r.MAC, r.LogicalSwitch, r.IPAddr
	case *McastMacsLocalRow:
		mac, ls, ip = r.MAC, r.LogicalSwitch, r.IPAddr
	default:
		return nil
	}
	if mac == UnknownDstMAC {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	name, ok := h.lsNames[ls]
	if !ok && h.conn != nil {
		if r := row[LogicalSwitchRow](h.conn, tableLogicalSwitch, ls); r != nil {
			name, ok = r.Name, true
			h.lsNames[ls] = name
		}
	}
	if !ok {
		return nil
	}
	nw, mine := NetworkIDFromLogicalSwitch(name)
	if !mine {
		return nil
	}
	return &LocalMAC{NetworkID: nw, MAC: strings.ToLower(mac), IP: ip, TunnelIP: h.tunnelIP}
}

func (h *tableEvents) noteSwitch(m model.Model) {
	if r, ok := m.(*LogicalSwitchRow); ok {
		h.mu.Lock()
		h.lsNames[r.UUID] = r.Name
		h.mu.Unlock()
	}
}

func isLocalMACTable(table string) bool {
	return table == tableUcastMacsLocal || table == tableMcastMacsLocal
}

func (h *tableEvents) OnAdd(table string, m model.Model) {
	h.noteSwitch(m)
	if isLocalMACTable(table) {
		if l := h.localMAC(m); l != nil {
			h.queue.push(queuedEvent{new: l})
		}
		return
	}
	h.wake()
}

func (h *tableEvents) OnUpdate(table string, old, new model.Model) {
	h.noteSwitch(new)
	if isLocalMACTable(table) {
		o, n := h.localMAC(old), h.localMAC(new)
		if o != nil || n != nil {
			if o != nil && n != nil && *o == *n {
				return
			}
			h.queue.push(queuedEvent{old: o, new: n})
		}
		return
	}
	h.wake()
}

func (h *tableEvents) OnDelete(table string, m model.Model) {
	if isLocalMACTable(table) {
		if l := h.localMAC(m); l != nil {
			h.queue.push(queuedEvent{old: l})
		}
		return
	}
	h.wake()
}

// snapshot lists the learned MACs of the session's replica.
func (h *tableEvents) snapshot() *[]LocalMAC {
	var out []LocalMAC
	h.mu.Lock()
	conn := h.conn
	h.mu.Unlock()
	for _, r := range listRows[UcastMacsLocalRow](conn, tableUcastMacsLocal) {
		if l := h.localMAC(r); l != nil {
			out = append(out, *l)
		}
	}
	for _, r := range listRows[McastMacsLocalRow](conn, tableMcastMacsLocal) {
		if l := h.localMAC(r); l != nil {
			out = append(out, *l)
		}
	}
	slices.SortFunc(out, func(a, b LocalMAC) int {
		return strings.Compare(a.NetworkID+a.MAC, b.NetworkID+b.MAC)
	})
	return &out
}
