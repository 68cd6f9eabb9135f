// Package zk is the ZooKeeper backend of package storage, over
// github.com/go-zookeeper/zk.
//
// # Sessions
//
// A Conn holds one ZooKeeper session at a time. When the TCP connection
// drops, State becomes storage.Disconnected and requests fail fast with
// storage.ErrConnectionLoss while the client reconnects to any server of the
// ensemble; if it gets back within the session timeout, the session (its
// ephemeral nodes and its watches) survives and State is storage.Connected
// again. Past the timeout ZooKeeper expires the session: its ephemeral nodes
// are deleted, State becomes storage.Expired, requests and watches in flight
// fail with storage.ErrSessionExpired, and the Conn opens a NEW session on its
// own, after which State is storage.Connected again with a new SessionID.
// Until then requests fail with storage.ErrSessionExpired.
//
// What callers must do about an expiry: every watch set before it ends with a
// last event whose Err is storage.ErrSessionExpired, and every ephemeral node
// of the old session is gone. A caller that needs them re-creates its
// ephemerals and sets its watches again once SessionEvents reports Connected
// (with the new session id). Nothing is re-created behind its back, because
// only the caller knows whether its ephemeral state is still valid.
//
// # Watches
//
// GetW, ExistsW and ChildrenW return ZooKeeper's one-shot watches as they
// are (storage.Watch, no goroutine each); a lost connection fires them all
// (see storage.Watch for why).
//
// ZooKeeper watches fire once; WatchNode and WatchChildren re-arm them and
// deliver, per storage's contract, the state when the watch was set followed
// by every later state in order. Rapid changes between two deliveries are
// coalesced into the latest state. A consumer that stops reading holds up only
// its own watch. Watches are not shared between callers: each one costs one
// ZooKeeper watch (the client library has no watch removal, so a cancelled
// watch stays registered on the server until the node next changes).
package zk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/internal/sessions"
)

// DefaultSessionTimeout is MidoNet's default zookeeper.session_timeout.
const DefaultSessionTimeout = 30 * time.Second

// Config says how to reach ZooKeeper.
type Config struct {
	// Servers are the ensemble's client addresses, "host:port" (a missing port
	// means 2181).
	Servers []string
	// SessionTimeout is the session timeout asked of the servers (which clamp
	// it to their configured bounds); DefaultSessionTimeout when zero.
	SessionTimeout time.Duration
	// Logger receives the client's connection events; none when nil.
	Logger *slog.Logger
}

// Conn is a ZooKeeper client session; it implements storage.Conn.
type Conn struct {
	zc  *gozk.Conn
	log *slog.Logger

	// ready is closed once zc is set: the library may report events before
	// gozk.Connect has returned it.
	ready chan struct{}

	mu        sync.Mutex
	state     storage.SessionState
	sessionID int64
	// epoch counts sessions: it grows when a session expires or the Conn
	// closes, so a watch can tell that the session it was set in is over.
	epoch int64
	// changed is closed (and replaced) on every state change, waking
	// whoever waits for a state.
	changed chan struct{}
	subs    sessions.Set
	// gen counts connections: it grows whenever the connection to the
	// server drops (and on expiry and Close), so that a one-shot watch
	// (oneShot) set in an earlier connection counts as fired.
	gen atomic.Int64
}

var _ storage.Conn = (*Conn)(nil)

// Connect opens a session with the ensemble and waits until it is
// established (or ctx ends, or the configuration is unusable).
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	if len(cfg.Servers) == 0 {
		return nil, fmt.Errorf("zk connect: %w: no servers", storage.ErrBadArguments)
	}
	timeout := cfg.SessionTimeout
	if timeout == 0 {
		timeout = DefaultSessionTimeout
	}
	if timeout < 0 {
		return nil, fmt.Errorf("zk connect: %w: negative session timeout %v", storage.ErrBadArguments, timeout)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Conn{
		log:     log.With("component", "zk"),
		ready:   make(chan struct{}),
		state:   storage.Disconnected,
		changed: make(chan struct{}),
	}
	zc, _, err := gozk.Connect(cfg.Servers, timeout,
		gozk.WithLogger(libLogger{c.log}),
		gozk.WithLogInfo(false),
		gozk.WithEventCallback(c.onEvent))
	if err != nil {
		return nil, fmt.Errorf("zk connect %v: %w: %w", cfg.Servers, storage.ErrBadArguments, err)
	}
	c.zc = zc
	close(c.ready)
	if err := c.waitConnected(ctx, -1); err != nil {
		c.Close()
		return nil, fmt.Errorf("zk connect %v: %w", cfg.Servers, err)
	}
	return c, nil
}

// libLogger sends the client library's messages (connection failures,
// reconnections) to slog.
type libLogger struct{ log *slog.Logger }

func (l libLogger) Printf(format string, args ...any) {
	l.log.Info(fmt.Sprintf(format, args...))
}

// onEvent follows the library's session states. It runs on the library's
// connection goroutine, so it never blocks for long.
func (c *Conn) onEvent(ev gozk.Event) {
	if ev.Type != gozk.EventSession {
		return
	}
	if ev.State == gozk.StateDisconnected || ev.State == gozk.StateExpired {
		// Reported on the library's connection goroutine once the old
		// connection's receive loop has ended, before any answer on a new
		// connection.
		c.gen.Add(1)
	}
	<-c.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == storage.Closed {
		return
	}
	switch ev.State {
	case gozk.StateHasSession:
		c.sessionID = c.zc.SessionID()
		c.log.Info("session established", "session", fmt.Sprintf("0x%x", c.sessionID), "server", ev.Server)
		c.setStateLocked(storage.Connected)
	case gozk.StateExpired:
		c.log.Warn("session expired", "session", fmt.Sprintf("0x%x", c.sessionID))
		c.sessionID = 0
		c.epoch++
		c.setStateLocked(storage.Expired)
	case gozk.StateDisconnected, gozk.StateConnecting, gozk.StateConnected:
		// TCP-level states: only a live session can become disconnected;
		// after an expiry the Conn stays Expired until the new session.
		if c.state == storage.Connected {
			c.log.Info("disconnected", "session", fmt.Sprintf("0x%x", c.sessionID), "server", ev.Server)
			c.setStateLocked(storage.Disconnected)
		}
	}
}

// setStateLocked records st and tells waiters and subscribers.
func (c *Conn) setStateLocked(st storage.SessionState) {
	c.state = st
	close(c.changed)
	c.changed = make(chan struct{})
	ev := storage.SessionEvent{State: st, SessionID: c.sessionID}
	c.subs.Publish(ev, st == storage.Closed)
}

// usable returns the epoch of the current session if requests can be served
// now, or why not.
func (c *Conn) usable(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch, sessions.StateErr(c.state)
}

// waitConnected waits until the Conn is Connected in session epoch (any
// session when epoch is -1). It fails with storage.ErrSessionExpired once
// that session is over, storage.ErrClosed after Close, or ctx's error.
func (c *Conn) waitConnected(ctx context.Context, epoch int64) error {
	for {
		c.mu.Lock()
		st, changed := c.state, c.changed
		over := epoch >= 0 && c.epoch != epoch
		c.mu.Unlock()
		switch {
		case st == storage.Closed:
			return storage.ErrClosed
		case over:
			return storage.ErrSessionExpired
		case st == storage.Connected:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", storage.ErrConnectionLoss, ctx.Err())
		}
	}
}

// sessionOver returns a channel closed once session epoch is over (expiry or
// Close), for watches to select on.
func (c *Conn) sessionOver(epoch int64) (changed <-chan struct{}, over bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed, c.epoch != epoch || c.state == storage.Closed
}

// SessionID implements storage.Conn.
func (c *Conn) SessionID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// State implements storage.Conn.
func (c *Conn) State() storage.SessionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Server is the address of the server the client is connected to (or trying
// to connect to).
func (c *Conn) Server() string { return c.zc.Server() }

// SessionEvents implements storage.Conn. The channel is closed when ctx is
// done or after the Closed event. Expired is not final here: a Connected
// event with the new session id follows it.
func (c *Conn) SessionEvents(ctx context.Context) <-chan storage.SessionEvent {
	return c.subs.Subscribe(ctx)
}

// Close implements storage.Conn: it closes the session on the server, which
// deletes its ephemeral nodes, and ends every watch with storage.ErrClosed.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.state == storage.Closed {
		c.mu.Unlock()
		return nil
	}
	c.epoch++
	c.gen.Add(1)
	c.setStateLocked(storage.Closed)
	c.mu.Unlock()
	// The library sends closeSession and waits (up to a second) for the
	// reply, after which the server has removed the session's ephemerals.
	// Disconnected, it cannot: the server then expires the session itself.
	c.zc.Close()
	return nil
}

// mapErr turns the library's errors into storage's (still matchable with
// errors.Is against the library's own).
func (c *Conn) mapErr(err error) error {
	var target error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gozk.ErrNoNode):
		target = storage.ErrNoNode
	case errors.Is(err, gozk.ErrNodeExists):
		target = storage.ErrNodeExists
	case errors.Is(err, gozk.ErrBadVersion):
		target = storage.ErrBadVersion
	case errors.Is(err, gozk.ErrNotEmpty):
		target = storage.ErrNotEmpty
	case errors.Is(err, gozk.ErrNoChildrenForEphemerals):
		target = storage.ErrNoChildrenForEphemerals
	case errors.Is(err, gozk.ErrBadArguments), errors.Is(err, gozk.ErrInvalidPath),
		errors.Is(err, gozk.ErrInvalidFlags), errors.Is(err, gozk.ErrInvalidACL):
		target = storage.ErrBadArguments
	case errors.Is(err, gozk.ErrSessionExpired):
		target = storage.ErrSessionExpired
	case errors.Is(err, gozk.ErrClosing):
		target = storage.ErrClosed
	case errors.Is(err, gozk.ErrConnectionClosed), errors.Is(err, gozk.ErrNoServer),
		errors.Is(err, gozk.ErrSessionMoved):
		// The library also says "connection closed" for requests cut short
		// by Close.
		if c.State() == storage.Closed {
			target = storage.ErrClosed
		} else {
			target = storage.ErrConnectionLoss
		}
	default:
		return err
	}
	return fmt.Errorf("%w (%w)", target, err)
}
