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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatalf("object store: %v", err)
	}
	return opened{store: restapi.NewZoomStore(st), tables: restapi.NewZoomStateTables(st),
		sequences: restapi.SharedCounters{Conn: conn, Root: root}}
}

// backends are the object stores the end-to-end suite runs on: the real
// store over the in-memory backend and over a real ZooKeeper server (one
// root per test on a server shared by the package).
func backends(t testing.TB) []backend {
	return []backend{
		{name: "mem", open: func(t testing.TB) opened {
			conn := mem.NewServer().Connect()
			t.Cleanup(func() { conn.Close() })
			return zoomBackend(t, conn, "/midonet")
		}},
		{name: "zookeeper", open: func(t testing.TB) opened {
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
			return zoomBackend(t, conn, root)
		}},
	}
}
