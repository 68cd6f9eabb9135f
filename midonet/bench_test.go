package midonet_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/internal/cputime"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

// Benchmarks of the store's write path on both backends: creates of ports
// (each one multi: port + provenance + its peering-table directories + the
// bridge's back-reference, version-checked) on one bridge (every writer
// contends for the bridge) and on many bridges, with 1 and 16 writers
// sharing one session as a cluster node's goroutines do. BenchmarkRawMulti
// is the backend's raw throughput for multis of the same writers (create +
// set), run in the same process for the ratio: creates/s ÷ ops/s.
//
//	go test -run '^$' -bench . -benchtime 2000x ./midonet/

type benchBackend struct {
	name    string
	connect func(b *testing.B) storage.Conn
}

// benchBackends are mem and the shared ZooKeeper server, or with zkOpts a
// server of the benchmark's own started with them.
func benchBackends(zkOpts ...zktest.Option) []benchBackend {
	memSrv := memtest.NewBackend()
	return []benchBackend{
		{"mem", func(b *testing.B) storage.Conn { return memSrv.Connect(b) }},
		{"zk", func(b *testing.B) storage.Conn {
			// Straight to the server, without newZKBackend's proxy.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv := zktest.Shared(b)
			if len(zkOpts) > 0 {
				srv = zktest.Start(b, zkOpts...)
			}
			addr := srv.Addr()
			c, err := zk.Connect(ctx, zk.Config{Servers: []string{addr}, SessionTimeout: 30 * time.Second, Logger: zkLogger()})
			if err != nil {
				b.Fatalf("connect to ZooKeeper at %s: %v", addr, err)
			}
			b.Cleanup(func() { _ = c.Close() })
			return c
		}},
	}
}

func BenchmarkPortCreate(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			conn := be.connect(b)
			for _, bridges := range []int{1, 64} {
				for _, writers := range []int{1, 16} {
					b.Run(fmt.Sprintf("bridges=%d/writers=%d", bridges, writers), func(b *testing.B) {
						ctx := context.Background()
						root := fmt.Sprintf("/bench-ports-%d", time.Now().UnixNano())
						st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root})
						if err != nil {
							b.Fatal(err)
						}
						ids := make([]*models.UUID, bridges)
						for i := range ids {
							ids[i] = models.NewUUID()
							if err := st.Create(ctx, &models.Network{Id: ids[i]}); err != nil {
								b.Fatal(err)
							}
						}
						var attempts atomic.Int64
						storagetest.RunWriters(b, writers, "creates/s", func(w, i int) error {
							p := &models.Port{Id: models.NewUUID(), NetworkId: ids[(w+i*writers)%bridges]}
							return st.Tx(ctx, func(tx *zoom.Tx) error {
								attempts.Add(1)
								return tx.Create(p)
							})
						})
						b.ReportMetric(float64(attempts.Load())/float64(b.N), "attempts/op")
					})
				}
			}
		})
	}
}

func BenchmarkRawMulti(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			storagetest.BenchmarkMulti(b, be.connect(b))
		})
	}
}

// BenchmarkGetAll reads a class of 1000 ports per op (concurrent reads
// over one session) and reports objects/s.
func BenchmarkGetAll(b *testing.B) {
	const n = 1000
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			st, err := midonet.NewStore(ctx, be.connect(b), zoom.Options{Root: fmt.Sprintf("/bench-getall-%d", time.Now().UnixNano())})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i += 100 {
				err := st.Tx(ctx, func(tx *zoom.Tx) error {
					for range 100 {
						if err := tx.Create(&models.Port{Id: models.NewUUID(), InterfaceName: proto.String("tap0123456789")}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				all, err := st.GetAll(ctx, &models.Port{})
				if err != nil || len(all) != n {
					b.Fatalf("GetAll: %d objects, %v", len(all), err)
				}
			}
			b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "objects/s")
		})
	}
}

// BenchmarkPortCreateBySize is one writer's port create time on a bridge
// that already has 0, 1,000 and 5,000 ports (filled 100 per transaction),
// reported per size in ms/create with the ratio of the largest to the
// empty bridge: flat per-child cost means a ratio near 1.
//
//	go test -run '^$' -bench PortCreateBySize -benchtime 200x ./midonet/
func BenchmarkPortCreateBySize(b *testing.B) {
	sizes := []int{0, 1000, 5000}
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			conn := be.connect(b)
			perCreate := make([]float64, len(sizes))
			for i, size := range sizes {
				st, bridge, _ := bridgeOfSize(ctx, b, conn, "size", size)
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					if err := st.Create(ctx, &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}); err != nil {
						b.Fatal(err)
					}
				}
				perCreate[i] = float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
				b.StopTimer()
			}
			for i, size := range sizes {
				b.ReportMetric(perCreate[i], fmt.Sprintf("ms/create@%d", size))
			}
			b.ReportMetric(perCreate[len(sizes)-1]/perCreate[0], fmt.Sprintf("ratio@%d/@0", sizes[len(sizes)-1]))
		})
	}
}

// BenchmarkPortDeleteBySize is one writer's port delete time on a bridge
// that keeps 0 and 10,000 other ports (filled 100 per transaction, with
// the ports to delete), in ms/delete per size with the ratio of the large
// to the empty bridge: a delete cuts its back-reference out of the
// bridge's stored text, so a ratio near 1 means flat per-child cost. The
// process's CPU time per delete (cpu-ms, garbage collection included) is
// reported beside the wall time, which a loaded machine stretches most
// for the larger deletes.
//
//	go test -run '^$' -bench PortDeleteBySize -benchtime 500x ./midonet/
func BenchmarkPortDeleteBySize(b *testing.B) {
	sizes := []int{0, 10000}
	// The server keeps its last 500 transactions in memory: writes of a
	// 650 KB bridge need more than the shared test server's heap.
	for _, be := range benchBackends(zktest.MaxHeap(1024)) {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			conn := be.connect(b)
			perDelete, cpuPerDelete := make([]float64, len(sizes)), make([]float64, len(sizes))
			for i, size := range sizes {
				st, bridge, all := bridgeOfSize(ctx, b, conn, "delete", size+b.N)
				victims := make([]*models.UUID, b.N) // spread over the bridge
				for j := range victims {
					victims[j] = all[j*len(all)/b.N]
				}
				b.ResetTimer()
				start, cpuStart := time.Now(), cputime.Process(b)
				for j, p := range victims {
					if err := st.Delete(ctx, &models.Port{}, p.ToGoogle()); err != nil {
						b.Fatalf("delete %d of %d on a bridge of %d: %v", j, len(victims), size+b.N, err)
					}
				}
				perDelete[i] = float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
				cpuPerDelete[i] = float64((cputime.Process(b) - cpuStart).Microseconds()) / 1000 / float64(b.N)
				b.StopTimer()
				n, err := st.Get(ctx, &models.Network{}, bridge.Id.ToGoogle())
				if err != nil {
					b.Fatal(err)
				}
				if left := len(n.(*models.Network).GetPortIds()); left != size {
					b.Fatalf("bridge left with %d ports, want %d", left, size)
				}
			}
			for i, size := range sizes {
				b.ReportMetric(perDelete[i], fmt.Sprintf("ms/delete@%d", size))
				b.ReportMetric(cpuPerDelete[i], fmt.Sprintf("cpu-ms/delete@%d", size))
			}
			last := len(sizes) - 1
			b.ReportMetric(perDelete[last]/perDelete[0], fmt.Sprintf("ratio@%d/@0", sizes[last]))
			b.ReportMetric(cpuPerDelete[last]/cpuPerDelete[0], fmt.Sprintf("cpu-ratio@%d/@0", sizes[last]))
		})
	}
}

// BenchmarkPortRoundsBySize is the REST size rows' alternation at the
// store: rounds of one port create and one port delete by one writer, on
// a bridge that keeps 0 and 10,000 other ports (the large bridge's
// deletes spread over its ports, the empty one's delete the port just
// created), in process CPU ms per create and per delete with each one's
// ratio of the large to the empty bridge. Each side pays the garbage
// collection of the other's garbage, as in the REST figure, whose wall
// times a shared machine's load moves too much to tell changes of ~10%.
//
//	go test -run '^$' -bench 'PortRoundsBySize/mem' -benchtime 2000x ./midonet/
func BenchmarkPortRoundsBySize(b *testing.B) {
	sizes := []int{0, 10000}
	for _, be := range benchBackends(zktest.MaxHeap(1024)) {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			conn := be.connect(b)
			cpuCreate, cpuDelete := make([]float64, len(sizes)), make([]float64, len(sizes))
			for i, size := range sizes {
				st, bridge, all := bridgeOfSize(ctx, b, conn, "rounds", size)
				var created, deleted time.Duration
				b.ResetTimer()
				for j := range b.N {
					cpuStart := cputime.Process(b)
					p := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
					if err := st.Create(ctx, p); err != nil {
						b.Fatal(err)
					}
					cpuCreated := cputime.Process(b)
					victim := p.Id
					if len(all) > 0 {
						victim = all[j*len(all)/b.N]
					}
					if err := st.Delete(ctx, &models.Port{}, victim.ToGoogle()); err != nil {
						b.Fatalf("delete %d of %d on a bridge of %d: %v", j, b.N, size, err)
					}
					created += cpuCreated - cpuStart
					deleted += cputime.Process(b) - cpuCreated
				}
				b.StopTimer()
				cpuCreate[i] = float64(created.Microseconds()) / 1000 / float64(b.N)
				cpuDelete[i] = float64(deleted.Microseconds()) / 1000 / float64(b.N)
			}
			for i, size := range sizes {
				b.ReportMetric(cpuCreate[i], fmt.Sprintf("cpu-ms/create@%d", size))
				b.ReportMetric(cpuDelete[i], fmt.Sprintf("cpu-ms/delete@%d", size))
			}
			last := len(sizes) - 1
			b.ReportMetric(cpuCreate[last]/cpuCreate[0], fmt.Sprintf("create-ratio@%d/@0", sizes[last]))
			b.ReportMetric(cpuDelete[last]/cpuDelete[0], fmt.Sprintf("delete-ratio@%d/@0", sizes[last]))
		})
	}
}

// bridgeOfSize is a fresh store (under a root of its own, named after
// what) holding a bridge of n ports, created 100 per transaction, and the
// ports' ids in creation order.
func bridgeOfSize(ctx context.Context, b *testing.B, conn storage.Conn, what string, n int) (*zoom.Store, *models.Network, []*models.UUID) {
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: fmt.Sprintf("/bench-%s-%d-%d", what, n, time.Now().UnixNano())})
	if err != nil {
		b.Fatal(err)
	}
	bridge := &models.Network{Id: models.NewUUID()}
	if err := st.Create(ctx, bridge); err != nil {
		b.Fatal(err)
	}
	var ids []*models.UUID
	for done := 0; done < n; done += 100 {
		err := st.Tx(ctx, func(tx *zoom.Tx) error {
			for range min(100, n-done) {
				p := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
				ids = append(ids, p.Id)
				if err := tx.Create(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("filling the bridge to %d ports: %v", n, err)
		}
	}
	return st, bridge, ids
}
