package zktest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
)

// DefaultExpirableSessionTimeout is the session timeout of Backend's
// sessions: short, so that an expiry takes seconds, yet several ping
// intervals long, so that a loaded machine does not expire sessions by
// accident.
const DefaultExpirableSessionTimeout = 5 * time.Second

// DefaultBackendTimeout bounds a Backend's connects and expiries unless its
// Timeout says otherwise.
const DefaultBackendTimeout = 30 * time.Second

// Backend opens storage sessions (*zk.Conn) on one ZooKeeper server, each
// through its own Proxy, so that a test can expire exactly one of them for
// real. It implements storagetest.Backend.
type Backend struct {
	addr string
	// SessionTimeout of the sessions Connect opens;
	// DefaultExpirableSessionTimeout when zero.
	SessionTimeout time.Duration
	// Logger of the sessions; warnings and errors to stderr when nil.
	Logger *slog.Logger
	// Timeout bounds each connect and each expiry;
	// DefaultBackendTimeout when zero.
	Timeout time.Duration

	mu      sync.Mutex
	proxies map[storage.Conn]*Proxy
}

// NewBackend returns a Backend on the server at addr (e.g. Shared(t).Addr()).
func NewBackend(addr string) *Backend {
	return &Backend{addr: addr, proxies: make(map[storage.Conn]*Proxy)}
}

func (b *Backend) timeout() time.Duration {
	if b.Timeout != 0 {
		return b.Timeout
	}
	return DefaultBackendTimeout
}

func (b *Backend) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// dial opens a session on addr, closed when the test ends.
func (b *Backend) dial(t testing.TB, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout())
	defer cancel()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{addr}, SessionTimeout: timeout, Logger: b.logger()})
	if err != nil {
		t.Fatalf("zktest: connect to %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Connect opens a new session through a new proxy; it is closed when the
// test ends. The result is a *zk.Conn.
func (b *Backend) Connect(t testing.TB) storage.Conn {
	t.Helper()
	proxy := NewProxy(t, b.addr)
	timeout := b.SessionTimeout
	if timeout == 0 {
		timeout = DefaultExpirableSessionTimeout
	}
	// Registered after the proxy's, the session's cleanup runs first and
	// can still close the session through the proxy.
	c := b.dial(t, proxy.Addr(), timeout)
	b.mu.Lock()
	b.proxies[c] = proxy
	b.mu.Unlock()
	return c
}

// Proxy is the proxy of a session opened by Connect (nil for others), for
// tests that cut a client off without waiting for an expiry.
func (b *Backend) Proxy(c storage.Conn) *Proxy {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proxies[c]
}

// Expire makes ZooKeeper expire the session of c (opened by Connect): it
// marks the session with an ephemeral node, cuts c off at its proxy, waits
// until the server deletes the marker (which it does when it expires the
// session) and lets c reconnect, to learn of the expiry and open a new
// session. It returns once the server has expired the session.
func (b *Backend) Expire(t testing.TB, c storage.Conn) {
	t.Helper()
	proxy := b.mustProxy(t, c, "Expire")
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout())
	defer cancel()
	sid := c.SessionID()
	marker := fmt.Sprintf("/zktest-expiry-marker-%x", sid)
	if _, err := c.Create(ctx, marker, nil, storage.Ephemeral); err != nil {
		t.Fatalf("zktest: Expire: marking session 0x%x: %v", sid, err)
	}
	observer := b.dial(t, b.addr, 10*time.Second)
	defer observer.Close()
	proxy.Block()
	defer proxy.Unblock()
	for {
		_, exists, err := observer.Exists(ctx, marker)
		if err != nil {
			t.Fatalf("zktest: Expire: watching for the expiry of session 0x%x: %v", sid, err)
		}
		if !exists {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("zktest: Expire: the server did not expire session 0x%x within %v", sid, b.timeout())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Disconnect cuts c (opened by Connect) off at its proxy and returns once
// c reports Disconnected; the session lives on until its timeout. It
// implements storagetest.Disconnector.
func (b *Backend) Disconnect(t testing.TB, c storage.Conn) {
	t.Helper()
	b.mustProxy(t, c, "Disconnect").Block()
	b.waitState(t, c, storage.Disconnected)
}

// Reconnect lets c reach the server again and returns once it is
// Connected.
func (b *Backend) Reconnect(t testing.TB, c storage.Conn) {
	t.Helper()
	b.mustProxy(t, c, "Reconnect").Unblock()
	b.waitState(t, c, storage.Connected)
}

func (b *Backend) mustProxy(t testing.TB, c storage.Conn, what string) *Proxy {
	t.Helper()
	proxy := b.Proxy(c)
	if proxy == nil {
		t.Fatalf("zktest: %s: %T was not opened by this Backend's Connect", what, c)
	}
	return proxy
}

func (b *Backend) waitState(t testing.TB, c storage.Conn, want storage.SessionState) {
	t.Helper()
	deadline := time.Now().Add(b.timeout())
	for c.State() != want {
		if time.Now().After(deadline) {
			t.Fatalf("zktest: session state %v, want %v within %v", c.State(), want, b.timeout())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
