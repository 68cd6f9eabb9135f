package restapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// BenchmarkHTTP measures requests through the full HTTP stack on the real
// object store, over every backend of the suite, beside the same write
// straight on the store ("store-create"), so the REST layer's share shows.
// Each reports requests/s.
//
//	go test -run '^$' -bench HTTP ./restapi/
func BenchmarkHTTP(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			o := be.open(b)
			store := o.store
			h, err := restapi.NewHandler(store, restapi.MockTenants{}, o.options())
			if err != nil {
				b.Fatal(err)
			}
			c := client.New(newLoopbackServer(b, h) + "/midonet-api")
			seed, err := c.Bridges().Create(ctx, &client.Bridge{Name: "seed"})
			if err != nil {
				b.Fatal(err)
			}
			// Ports and rules go to their own parents: a parent's child list
			// grows with every create, which would slow the "get" of seed.
			portParent, err := c.Bridges().Create(ctx, &client.Bridge{Name: "ports"})
			if err != nil {
				b.Fatal(err)
			}
			chain, err := c.Chains().Create(ctx, &client.Chain{Name: "seed"})
			if err != nil {
				b.Fatal(err)
			}
			perSecond := func(b *testing.B) {
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			}
			b.Run("store-create", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					err := store.Tx(ctx, func(tx restapi.Tx) error {
						return tx.Create(&models.Network{Id: models.UUIDFromGoogle(uuid.New()), Name: proto.String(fmt.Sprint("s", i))})
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				perSecond(b)
			})
			b.Run("create", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := c.Do(ctx, "POST", "bridges", "", client.Media("Bridge-v4"),
						&client.Bridge{Name: fmt.Sprint("b", i)}, nil); err != nil {
						b.Fatal(err)
					}
				}
				perSecond(b)
			})
			b.Run("create-port", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.Do(ctx, "POST", "bridges/"+portParent.ID+"/ports", "", client.Media("Port-v3"),
						&client.Port{Type: "Bridge"}, nil); err != nil {
						b.Fatal(err)
					}
				}
				perSecond(b)
			})
			b.Run("create-rule-at-head", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.Do(ctx, "POST", "chains/"+chain.ID+"/rules", "", client.Media("Rule-v2"),
						&client.Rule{Type: "accept", Position: 1}, nil); err != nil {
						b.Fatal(err)
					}
				}
				perSecond(b)
			})
			b.Run("get", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.Bridges().Get(ctx, seed.ID); err != nil {
						b.Fatal(err)
					}
				}
				perSecond(b)
			})
			b.Run("list100", func(b *testing.B) {
				o := be.open(b)
				h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, o.options())
				if err != nil {
					b.Fatal(err)
				}
				c := client.New(newLoopbackServer(b, h) + "/midonet-api")
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
				perSecond(b)
			})
		})
	}
}

// BenchmarkPortCreateBySize measures a REST port create on a bridge
// already holding 10,000 ports beside one on an empty bridge, on mem, for
// profiling the store's per-create cost (#12: the first within 1.3 times
// the second; examples/bench -figures size measures both backends). The
// big bridge is filled through the store; each create grows it by one.
//
//	go test -run '^$' -bench PortCreateBySize ./restapi/
func BenchmarkPortCreateBySize(b *testing.B) {
	for _, be := range backends(b) {
		if be.name != "mem" {
			continue
		}
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			o := be.open(b)
			h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, o.options())
			if err != nil {
				b.Fatal(err)
			}
			c := client.New(newLoopbackServer(b, h) + "/midonet-api")
			for _, size := range []int{0, 10000} {
				br, err := c.Bridges().Create(ctx, &client.Bridge{Name: fmt.Sprint("size", size)})
				if err != nil {
					b.Fatal(err)
				}
				parent := models.UUIDFromGoogle(uuid.MustParse(br.ID))
				for filled := 0; filled < size; filled += 250 {
					err := o.store.Tx(ctx, func(tx restapi.Tx) error {
						for range 250 {
							if err := tx.Create(&models.Port{Id: models.UUIDFromGoogle(uuid.New()), NetworkId: parent}); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.Run(fmt.Sprint("ports=", size), func(b *testing.B) {
					for b.Loop() {
						if _, err := c.Do(ctx, "POST", "bridges/"+br.ID+"/ports", "", client.Media("Port-v3"),
							&client.Port{Type: "Bridge"}, nil); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
