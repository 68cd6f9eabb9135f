package storagetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// RunWriters runs op b.N times in all, spread over writers goroutines (w is
// the goroutine, i its own count), and reports the rate under unit. The
// first error fails the benchmark.
func RunWriters(b *testing.B, writers int, unit string, op func(w, i int) error) {
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
			for i := 0; remaining.Add(-1) >= 0; i++ {
				if err := op(w, i); err != nil {
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
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
}

// BenchmarkMulti measures Multi throughput over c, with the same shape and
// names on every backend so that they compare: each op is one Multi of a
// create and a set (the shape of a small ZOOM transaction, 256-byte payloads,
// about a small topology object), with 1 and 16 writers sharing c as the
// goroutines of a cluster node do; ops/s and allocations are reported. Each writers=N
// sub-benchmark works under a root of its own.
func BenchmarkMulti(b *testing.B, c storage.Conn) {
	ctx := context.Background()
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			root := fmt.Sprintf("/bench-multi-%d-%d", writers, time.Now().UnixNano())
			if _, err := c.Create(ctx, root, nil, storage.Persistent); err != nil {
				b.Fatal(err)
			}
			dirs := make([]string, writers)
			for w := range dirs {
				dirs[w] = fmt.Sprintf("%s/w%d", root, w)
				if _, err := c.Create(ctx, dirs[w], nil, storage.Persistent); err != nil {
					b.Fatal(err)
				}
			}
			payload := make([]byte, 256)
			b.ReportAllocs()
			RunWriters(b, writers, "ops/s", func(w, i int) error {
				_, err := c.Multi(ctx,
					storage.CreateOp(fmt.Sprintf("%s/n%d", dirs[w], i), payload, storage.Persistent),
					storage.SetOp(dirs[w], payload, storage.AnyVersion))
				if err != nil {
					return fmt.Errorf("multi: %w", err)
				}
				return nil
			})
		})
	}
}
