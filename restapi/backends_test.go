package restapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// zoomBackend opens the real object store, its state tables and the
// shared counters (port tunnel keys) over conn.
func zoomBackend(t testing.TB, conn storage.Conn, root string) opened {
	t.Helper()
	st := openZoomStore(t, conn, root)
	return opened{store: restapi.NewZoomStore(st), tables: restapi.NewZoomStateTables(st),
		sequences: restapi.NewZoomSequences(st)}
}

// openZoomStore opens MidoNet's object store at root over conn, as the
// cluster's API writes it.
func openZoomStore(t testing.TB, conn storage.Conn, root string) *zoom.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatalf("object store: %v", err)
	}
	return st
}

// serveStore serves the API over st on a loopback test server (closed when
// the test ends) and returns the API's base URL, .../midonet-api.
func serveStore(t testing.TB, st *zoom.Store, tenants restapi.TenantSource, opts restapi.Options) string {
	t.Helper()
	h, err := restapi.NewHandler(restapi.NewZoomStore(st), tenants, opts)
	if err != nil {
		t.Fatal(err)
	}
	return newLoopbackServer(t, h) + "/midonet-api"
}

// storageBackend is a storage backend the suites run on: connect returns a
// new session, closed when the test ends, and the root the test owns.
type storageBackend struct {
	name    string
	connect func(t testing.TB) (storage.Conn, string)
}

// storageBackends are the in-memory backend and a real ZooKeeper server
// (one root per test on a server shared by the package).
func storageBackends() []storageBackend {
	return []storageBackend{
		{name: "mem", connect: func(t testing.TB) (storage.Conn, string) {
			conn := mem.NewServer().Connect()
			t.Cleanup(func() { conn.Close() })
			return conn, "/midonet"
		}},
		{name: "zookeeper", connect: func(t testing.TB) (storage.Conn, string) {
			srv := zktest.Shared(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}})
			if err != nil {
				t.Fatalf("connecting to ZooKeeper at %s: %v", srv.Addr(), err)
			}
			t.Cleanup(func() { conn.Close() })
			// One root per test and run: the server is shared by the package
			// and outlives -count repetitions.
			root := "/" + strings.NewReplacer("/", "_", " ", "_", "#", "_").Replace(t.Name()) + "_" + uuid.NewString()[:8]
			return conn, root
		}},
	}
}

// backends are the object stores the end-to-end suite runs on: the real
// store over each of storageBackends.
func backends(t testing.TB) []backend {
	var out []backend
	for _, sb := range storageBackends() {
		out = append(out, backend{name: sb.name, open: func(t testing.TB) opened {
			conn, root := sb.connect(t)
			return zoomBackend(t, conn, root)
		}})
	}
	return out
}

// onBackends runs a suite once per backend, as a subtest named after it.
func onBackends(t *testing.T, suite func(t *testing.T, b backend)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { suite(t, b) })
	}
}
