package mem

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/internal/sessions"
)

// Conn is one session on a Server. It implements storage.Conn. Unlike the
// ZooKeeper backend, an expired Conn does not open a new session: Expired is
// final, as are Closed; connect again for a new session.
type Conn struct {
	s    *Server
	sess *session

	mu      sync.Mutex
	state   storage.SessionState
	gateCh  chan struct{} // closed while connected; watches wait on it
	watches map[ender]struct{}
	subs    sessions.Set
	endErr  error // set when the session starts ending: watches end with it
	// gen counts connections (Disconnect, the session's end): a one-shot
	// watch set in an earlier one counts as fired, as on ZooKeeper.
	gen atomic.Int64
}

var _ storage.Conn = (*Conn)(nil)

type ender interface{ end(error) }

// Connect opens a new session on the server.
func (s *Server) Connect() *Conn {
	gate := make(chan struct{})
	close(gate)
	return &Conn{
		s:       s,
		sess:    s.newSession(),
		state:   storage.Connected,
		gateCh:  gate,
		watches: map[ender]struct{}{},
	}
}

func (c *Conn) gate() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gateCh
}

// usable returns why a request cannot be served now, if it cannot.
func (c *Conn) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return sessions.StateErr(c.state)
}

// Get implements storage.Conn.
func (c *Conn) Get(ctx context.Context, path string) ([]byte, storage.Stat, error) {
	if err := c.usable(ctx); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("get %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("get: %w", err)
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	n := c.s.nodes[path]
	if n == nil {
		return nil, storage.Stat{}, fmt.Errorf("get %s: %w", path, storage.ErrNoNode)
	}
	return slices.Clone(n.data), n.stat, nil
}

// Sync implements storage.Conn. The in-memory tree is one copy: every
// read already sees every committed write.
func (c *Conn) Sync(ctx context.Context, path string) error {
	if err := c.usable(ctx); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// Exists implements storage.Conn.
func (c *Conn) Exists(ctx context.Context, path string) (storage.Stat, bool, error) {
	if err := c.usable(ctx); err != nil {
		return storage.Stat{}, false, fmt.Errorf("exists %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return storage.Stat{}, false, fmt.Errorf("exists: %w", err)
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	n := c.s.nodes[path]
	if n == nil {
		return storage.Stat{}, false, nil
	}
	return n.stat, true, nil
}

// Children implements storage.Conn.
func (c *Conn) Children(ctx context.Context, path string) ([]string, storage.Stat, error) {
	if err := c.usable(ctx); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("children %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("children: %w", err)
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	n := c.s.nodes[path]
	if n == nil {
		return nil, storage.Stat{}, fmt.Errorf("children %s: %w", path, storage.ErrNoNode)
	}
	return sortedChildren(n), n.stat, nil
}

// write runs f as one transaction of this session.
func (c *Conn) write(ctx context.Context, f func(t *txn) error) error {
	if err := c.usable(ctx); err != nil {
		return err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if !c.sess.alive {
		// The session ended between the state check and now.
		return c.sess.endErr
	}
	t := c.s.begin(c.sess)
	if err := f(t); err != nil {
		t.rollback()
		return err
	}
	t.commit()
	return nil
}

// Create implements storage.Conn.
func (c *Conn) Create(ctx context.Context, path string, data []byte, mode storage.CreateMode) (string, error) {
	if err := validMode(mode); err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	if err := checkRequestSize(storage.CreateOp(path, data, mode)); err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	var created string
	err := c.write(ctx, func(t *txn) error {
		var err error
		created, err = t.create(path, data, mode, false)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	return created, nil
}

func validMode(m storage.CreateMode) error {
	if m < storage.Persistent || m > storage.EphemeralSequential {
		return fmt.Errorf("%w: unknown create mode %v", storage.ErrBadArguments, m)
	}
	return nil
}

// Set implements storage.Conn.
func (c *Conn) Set(ctx context.Context, path string, data []byte, v storage.Version) (storage.Stat, error) {
	if err := checkRequestSize(storage.SetOp(path, data, v)); err != nil {
		return storage.Stat{}, fmt.Errorf("set %s: %w", path, err)
	}
	var st storage.Stat
	err := c.write(ctx, func(t *txn) error {
		var err error
		st, err = t.set(path, data, v, false)
		return err
	})
	if err != nil {
		return storage.Stat{}, fmt.Errorf("set %s: %w", path, err)
	}
	return st, nil
}

// Delete implements storage.Conn.
func (c *Conn) Delete(ctx context.Context, path string, v storage.Version) error {
	err := c.write(ctx, func(t *txn) error { return t.delete(path, v) })
	if err != nil {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// Multi implements storage.Conn. Each op sees the effects of the ops before
// it, and the whole Multi is one transaction (one zxid).
func (c *Conn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	if err := checkRequestSize(ops...); err != nil {
		// Not one op's fault: ZooKeeper refuses the whole request.
		return nil, fmt.Errorf("multi: %w", err)
	}
	results := make([]storage.OpResult, len(ops))
	err := c.write(ctx, func(t *txn) error {
		for i, op := range ops {
			if op.Kind == storage.OpCreate {
				if err := validMode(op.Mode); err != nil {
					return &storage.MultiError{Index: i, Op: op, Err: err}
				}
			}
			r, err := t.apply(op)
			if err != nil {
				return &storage.MultiError{Index: i, Op: op, Err: err}
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// WatchNode implements storage.Conn.
func (c *Conn) WatchNode(ctx context.Context, path string) (<-chan storage.NodeEvent, error) {
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	s := c.s
	s.mu.Lock()
	w := newWatch(c, s.nodeEventLocked(path))
	w.same, w.prepare = sameNode, prepareNode
	w.final = func(err error) storage.NodeEvent { return storage.NodeEvent{Err: err} }
	addWatchLocked(c, s.nodeWatches, path, w)
	s.mu.Unlock()
	c.track(w)
	go w.run(ctx)
	return w.out, nil
}

// WatchChildren implements storage.Conn.
func (c *Conn) WatchChildren(ctx context.Context, path string) (<-chan storage.ChildrenEvent, error) {
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("watch children %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, fmt.Errorf("watch children: %w", err)
	}
	s := c.s
	s.mu.Lock()
	w := newWatch(c, s.childrenEventLocked(path))
	w.same, w.prepare = sameChildren, prepareChildren
	w.final = func(err error) storage.ChildrenEvent { return storage.ChildrenEvent{Err: err} }
	w.read = func() storage.ChildrenEvent {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.childrenEventLocked(path)
	}
	addWatchLocked(c, s.childWatches, path, w)
	s.mu.Unlock()
	c.track(w)
	go w.run(ctx)
	return w.out, nil
}

// addWatchLocked files w under path in watches (one of the server's watch
// tables; s.mu held) and gives it the unregister that takes it out again
// and forgets it in c.
func addWatchLocked[E any](c *Conn, watches map[string]map[*watch[E]]struct{}, path string, w *watch[E]) {
	ws := watches[path]
	if ws == nil {
		ws = map[*watch[E]]struct{}{}
		watches[path] = ws
	}
	ws[w] = struct{}{}
	s := c.s
	w.unregister = func() {
		s.mu.Lock()
		if ws := watches[path]; ws != nil {
			delete(ws, w)
			if len(ws) == 0 {
				delete(watches, path)
			}
		}
		s.mu.Unlock()
		c.forget(w)
	}
}

// track records w so that the session's end reaches it; a watch set while
// the session was ending is ended at once.
func (c *Conn) track(w ender) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.endErr != nil {
		w.end(c.endErr)
		return
	}
	c.watches[w] = struct{}{}
}

func (c *Conn) forget(w ender) {
	c.mu.Lock()
	delete(c.watches, w)
	c.mu.Unlock()
}

// SessionID implements storage.Conn: 0 once the session has ended.
func (c *Conn) SessionID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == storage.Expired || c.state == storage.Closed {
		return 0
	}
	return c.sess.id
}

// State implements storage.Conn.
func (c *Conn) State() storage.SessionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// SessionEvents implements storage.Conn. The channel is closed when ctx is
// done or after an Expired or Closed event (nothing can follow them on this
// backend); on an already ended Conn it is closed at once.
func (c *Conn) SessionEvents(ctx context.Context) <-chan storage.SessionEvent {
	return c.subs.Subscribe(ctx)
}

// setStateLocked moves to st and tells the subscribers.
func (c *Conn) setStateLocked(st storage.SessionState) {
	c.state = st
	final := st == storage.Expired || st == storage.Closed
	id := c.sess.id
	if final {
		id = 0
	}
	c.subs.Publish(storage.SessionEvent{State: st, SessionID: id}, final)
}

// Disconnect simulates a lost connection: the session stays alive (its
// ephemerals stay), requests fail with storage.ErrConnectionLoss and watches
// hold their events until Reconnect. A no-op unless connected.
func (c *Conn) Disconnect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != storage.Connected {
		return
	}
	c.gateCh = make(chan struct{})
	c.gen.Add(1)
	c.setStateLocked(storage.Disconnected)
}

// Reconnect ends a Disconnect: the same session is served again and watches
// deliver what changed meanwhile. A no-op unless disconnected.
func (c *Conn) Reconnect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != storage.Disconnected {
		return
	}
	close(c.gateCh)
	c.setStateLocked(storage.Connected)
}

// Expire ends the session as a ZooKeeper session expiry does: its ephemeral
// nodes are deleted (one transaction, visible to other sessions), its watches
// end with storage.ErrSessionExpired, State becomes Expired and every later
// request fails with storage.ErrSessionExpired.
func (c *Conn) Expire() {
	c.end(storage.Expired, storage.ErrSessionExpired)
}

// Close implements storage.Conn: the session ends (its ephemerals are
// deleted) and watches end with storage.ErrClosed.
func (c *Conn) Close() error {
	c.end(storage.Closed, storage.ErrClosed)
	return nil
}

// end finishes the session in ZooKeeper's order: the client's own watches
// stop first (an expired client hears nothing of its ephemerals' removal),
// then the server deletes the ephemerals, then the new state is reported
// (so whoever sees Expired or Closed also sees the ephemerals gone).
func (c *Conn) end(st storage.SessionState, err error) {
	c.mu.Lock()
	if c.state == st || c.state == storage.Closed {
		c.mu.Unlock()
		return
	}
	if c.endErr == nil {
		c.endErr = err
		for w := range c.watches {
			w.end(err)
		}
		clear(c.watches)
	}
	c.gen.Add(1)
	c.mu.Unlock()

	c.s.endSession(c.sess, err)
	c.s.shots.fireSession(c)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == st || c.state == storage.Closed {
		return // a concurrent end got here first
	}
	if c.state == storage.Disconnected {
		close(c.gateCh)
	}
	c.setStateLocked(st)
}
