package zk_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// BenchmarkMulti measures raw Multi throughput on a real ZooKeeper server
// (a standalone server of its own that fsyncs its transaction log as
// production ones do, so the disk's sync latency bounds a single writer):
// each op is one Multi of a create and a set, the
// shape of a small ZOOM transaction. Writers share one Conn, as the
// goroutines of a cluster node do. This is the "physical limit" higher
// layers are compared with; ops/s is reported.
func BenchmarkMulti(b *testing.B) {
	srv := zktest.Start(b, zktest.Fsync())
	ctx := context.Background()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}, SessionTimeout: 30 * time.Second, Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			root := fmt.Sprintf("/bench-multi-%d-%d", writers, time.Now().UnixNano())
			if _, err := c.Create(ctx, root, nil, storage.Persistent); err != nil {
				b.Fatal(err)
			}
			for w := range writers {
				if _, err := c.Create(ctx, fmt.Sprintf("%s/w%d", root, w), nil, storage.Persistent); err != nil {
					b.Fatal(err)
				}
			}
			payload := make([]byte, 256) // about the size of a small topology object
			var remaining atomic.Int64
			remaining.Store(int64(b.N))
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			b.ResetTimer()
			start := time.Now()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dir := fmt.Sprintf("%s/w%d", root, w)
					for i := 0; remaining.Add(-1) >= 0; i++ {
						_, err := c.Multi(ctx,
							storage.CreateOp(fmt.Sprintf("%s/n%d", dir, i), payload, storage.Persistent),
							storage.SetOp(dir, payload, storage.AnyVersion))
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatalf("multi: %v", err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
		})
	}
}

// BenchmarkGet measures concurrent reads of one node over one Conn (the
// library pipelines them on its connection), as mem's BenchmarkGet does.
func BenchmarkGet(b *testing.B) {
	srv := zktest.Shared(b)
	ctx := context.Background()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}, SessionTimeout: 30 * time.Second, Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	p := fmt.Sprintf("/bench-get-%d", time.Now().UnixNano())
	if _, err := c.Create(ctx, p, make([]byte, 256), storage.Persistent); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8) // keep requests in flight: each waits a round trip
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Get(ctx, p); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}
