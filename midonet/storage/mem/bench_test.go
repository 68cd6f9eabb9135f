package mem

import (
	"context"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
)

// BenchmarkMulti is storagetest's Multi benchmark, the one the ZooKeeper
// backend runs too, so the two compare.
func BenchmarkMulti(b *testing.B) {
	c := NewServer().Connect()
	defer c.Close()
	storagetest.BenchmarkMulti(b, c)
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
