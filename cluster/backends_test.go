package cluster_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// expirableSessionTimeout is short so that an expiry takes seconds, yet
// several ping intervals long so that a loaded machine does not expire
// sessions by accident.
const expirableSessionTimeout = 3 * time.Second

// backend is one store shared by the sessions a test opens on it, under a
// root of the test's own.
type backend struct {
	name    string
	root    string
	connect func(t *testing.T) storage.Conn
	// expire makes the store expire c's session (ZooKeeper only).
	expire func(t *testing.T, c storage.Conn)
}

// forEachBackend runs f on the in-memory store and on a real ZooKeeper
// (the package's shared server; skipped loudly when ZooKeeper is absent,
// failed under CI=true).
func forEachBackend(t *testing.T, f func(t *testing.T, b *backend)) {
	t.Run("mem", func(t *testing.T) {
		srv := mem.NewServer()
		f(t, &backend{name: "mem", root: cluster.DefaultRootKey, connect: func(*testing.T) storage.Conn { return srv.Connect() }})
	})
	t.Run("zookeeper", func(t *testing.T) { f(t, zkBackend(t)) })
}

// zkBackend opens sessions on the shared ZooKeeper, each through its own
// proxy so that one session can be cut off and expired.
func zkBackend(t *testing.T) *backend {
	zb := zktest.NewBackend(zktest.Shared(t).Addr())
	zb.SessionTimeout = expirableSessionTimeout
	zb.Logger = slog.New(slog.DiscardHandler)
	zb.Timeout = waitLimit
	return &backend{name: "zookeeper",
		root:    "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + fmt.Sprintf("-%d", time.Now().UnixNano()),
		connect: func(t *testing.T) storage.Conn { return zb.Connect(t) },
		expire:  func(t *testing.T, c storage.Conn) { zb.Expire(t, c) },
	}
}

// eventually polls cond until it holds or waitLimit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
