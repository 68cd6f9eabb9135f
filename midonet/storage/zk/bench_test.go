package zk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// BenchmarkMulti is storagetest's Multi benchmark (one Multi of a create and
// a set per op, 1 and 16 writers on one Conn) on a real ZooKeeper server: a
// standalone server of its own that fsyncs its transaction log as production
// ones do, so the disk's sync latency bounds a single writer. This is the
// "physical limit" higher layers are compared with.
func BenchmarkMulti(b *testing.B) {
	srv := zktest.Start(b, zktest.Fsync())
	ctx := context.Background()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}, SessionTimeout: 30 * time.Second, Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	storagetest.BenchmarkMulti(b, c)
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
