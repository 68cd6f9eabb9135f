package mem

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// BenchmarkMulti measures Multi throughput with the same shape and names as
// the ZooKeeper backend's BenchmarkMulti (package zk), so the two compare:
// each op is one Multi of a create and a set (a small ZOOM transaction),
// writers share one Conn, ops/s is reported.
func BenchmarkMulti(b *testing.B) {
	srv := NewServer()
	c := srv.Connect()
	defer c.Close()
	ctx := context.Background()
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
			payload := make([]byte, 256)
			var remaining atomic.Int64
			remaining.Store(int64(b.N))
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			b.ReportAllocs()
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

// BenchmarkGet measures concurrent reads, which share the tree's lock.
func BenchmarkGet(b *testing.B) {
	srv := NewServer()
	c := srv.Connect()
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Create(ctx, "/n", make([]byte, 256), storage.Persistent); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Get(ctx, "/n"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
