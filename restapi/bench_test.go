package restapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/midonet/midonet-go/restapi/client"
)

// BenchmarkHTTP measures create/get/list throughput of bridges through the
// full HTTP stack, on every backend of the suite.
func BenchmarkHTTP(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			_, c := serve(b, be)
			ctx := context.Background()
			seed, err := c.Bridges().Create(ctx, &client.Bridge{Name: "seed"})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("create", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := c.Do(ctx, "POST", "bridges", "", client.Media("Bridge-v4"),
						&client.Bridge{Name: fmt.Sprint("b", i)}, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("get", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.Bridges().Get(ctx, seed.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("list100", func(b *testing.B) {
				_, c := serve(b, be)
				for i := range 100 {
					if _, err := c.Do(ctx, "POST", "bridges", "", client.Media("Bridge-v4"),
						&client.Bridge{Name: fmt.Sprint("b", i)}, nil); err != nil {
						b.Fatal(err)
					}
				}
				for b.Loop() {
					if _, err := c.Bridges().List(ctx, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
