package restapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
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

// BenchmarkReadPaths measures the REST layer's own cost on reads, on mem
// (no ZooKeeper: what is left is HTTP, auth, conversion and encoding):
// GET /bridges of 10,000 bridges beside reading their store nodes raw
// (the children, then every node, 64 reads in flight as the object store
// issues them), and GET of one bridge beside a raw read of its node, each
// pair run alternately in one loop. It reports both times and their
// ratio (#12: the list within 100 ms, a GET below a raw ZooKeeper get).
//
//	go test -run '^$' -bench ReadPaths ./restapi/
func BenchmarkReadPaths(b *testing.B) {
	mem := storageBackends()[0]
	ctx := context.Background()
	conn, root := mem.connect(b)
	st := openZoomStore(b, conn, root)
	h, err := restapi.NewHandler(restapi.NewZoomStore(st), restapi.MockTenants{}, restapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	base := newLoopbackServer(b, h) + "/midonet-api"
	const bridges = 10000
	var one string
	for done := 0; done < bridges; done += 500 {
		err := st.Tx(ctx, func(tx *zoom.Tx) error {
			for i := range 500 {
				id := uuid.New()
				one = id.String()
				err := tx.Create(&models.Network{Id: models.UUIDFromGoogle(id), Name: proto.String(fmt.Sprint("listed-", done+i)),
					TenantId: proto.String("bench"), AdminStateUp: proto.Bool(true)})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	dir := path.Join(st.ZoomPath(), "models", "Network")
	httpc := &http.Client{}
	get := func(b *testing.B, p, accept string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+p, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		resp, err := httpc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s, %v", p, resp.Status, err)
		}
	}
	readRaw := func(b *testing.B, ids []string) {
		sem := make(chan struct{}, 64)
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if _, _, err := conn.Get(ctx, path.Join(dir, id)); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	// alternate times ours and the baseline in turns and reports both
	// (per op) and ours ÷ baseline.
	alternate := func(b *testing.B, unit string, scale time.Duration, ours, baseline func(b *testing.B)) {
		var tOurs, tBase time.Duration
		for b.Loop() {
			start := time.Now()
			ours(b)
			tOurs += time.Since(start)
			start = time.Now()
			baseline(b)
			tBase += time.Since(start)
		}
		n := float64(b.N) * float64(scale)
		b.ReportMetric(float64(tOurs)/n, unit+"/rest")
		b.ReportMetric(float64(tBase)/n, unit+"/raw")
		b.ReportMetric(float64(tOurs)/float64(tBase), "rest/raw")
	}
	b.Run(fmt.Sprint("list=", bridges), func(b *testing.B) {
		alternate(b, "ms", time.Millisecond, func(b *testing.B) {
			get(b, "bridges", client.CollectionMedia("Bridge-v4"))
		}, func(b *testing.B) {
			ids, _, err := conn.Children(ctx, dir)
			if err != nil || len(ids) != bridges {
				b.Fatalf("children: %d, %v", len(ids), err)
			}
			readRaw(b, ids)
		})
	})
	b.Run("get", func(b *testing.B) {
		alternate(b, "us", time.Microsecond, func(b *testing.B) {
			get(b, "bridges/"+one, client.Media("Bridge-v4"))
		}, func(b *testing.B) {
			if _, _, err := conn.Get(ctx, path.Join(dir, one)); err != nil {
				b.Fatal(err)
			}
		})
	})
}
