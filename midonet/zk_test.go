package midonet_test

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
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// zkBackend opens sessions on the package's shared ZooKeeper server, each
// through its own proxy so that Expire can cut exactly one session off.
type zkBackend struct {
	srv     *zktest.Server
	mu      sync.Mutex
	proxies map[storage.Conn]*zktest.Proxy
}

// expirableSessionTimeout keeps expiry tests short while staying well
// above the ping interval on a loaded machine.
const expirableSessionTimeout = 4 * time.Second

func newZKBackend(t testing.TB) *zkBackend {
	return &zkBackend{srv: zktest.Shared(t), proxies: map[storage.Conn]*zktest.Proxy{}}
}

func zkLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func (b *zkBackend) connect(t testing.TB, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{addr}, SessionTimeout: timeout, Logger: zkLogger()})
	if err != nil {
		t.Fatalf("connect to ZooKeeper at %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func (b *zkBackend) Connect(t testing.TB) storage.Conn {
	t.Helper()
	proxy := zktest.NewProxy(t, b.srv.Addr())
	c := b.connect(t, proxy.Addr(), expirableSessionTimeout)
	b.mu.Lock()
	b.proxies[c] = proxy
	b.mu.Unlock()
	return c
}

// Expire makes the server expire c's session: mark it with an ephemeral
// node, cut c off at its proxy until the server drops the marker, then let
// c reconnect and learn of the expiry.
func (b *zkBackend) Expire(t testing.TB, c storage.Conn) {
	t.Helper()
	b.mu.Lock()
	proxy := b.proxies[c]
	b.mu.Unlock()
	if proxy == nil {
		t.Fatalf("Expire: %T not opened by this backend", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	marker := fmt.Sprintf("/midonet-test-expiry-%x", c.SessionID())
	if _, err := c.Create(ctx, marker, nil, storage.Ephemeral); err != nil {
		t.Fatalf("Expire: marking the session: %v", err)
	}
	observer := b.connect(t, b.srv.Addr(), 10*time.Second)
	defer observer.Close()
	proxy.Block()
	defer proxy.Unblock()
	for {
		_, ok, err := observer.Exists(ctx, marker)
		if err != nil {
			t.Fatalf("Expire: %v", err)
		}
		if !ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("Expire: the server did not expire the session")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestStoreZK(t *testing.T) { runSuite(t, newZKBackend(t), storeSuite()) }
