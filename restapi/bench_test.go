package restapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/internal/cputime"
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
// (no ZooKeeper: what is left is HTTP, auth, conversion and encoding), each
// figure and its baseline run alternately in one loop, reporting both and
// ours ÷ baseline (#12: the list within 100 ms, a GET's p50 below a raw
// ZooKeeper get's, its p99 within 2 ms with 16 keep-alive clients):
//
//   - list=10000: GET /bridges of 10,000 bridges (gzip accepted, as Go's
//     client does) beside reading their store nodes raw (the children, then
//     every node, 64 reads in flight as the object store issues them);
//
//   - get: GET of one bridge by one keep-alive client beside the same GET
//     of a net/http handler that writes the same answer's bytes (the HTTP
//     floor; the ratio is what the API adds to it);
//
//   - get-16-clients: the same pair by 16 keep-alive clients at once, 50
//     GETs each per round, with the p50 and p99 of each side.
//
//     go test -run '^$' -bench ReadPaths ./restapi/
func BenchmarkReadPaths(b *testing.B) {
	mem := storageBackends()[0]
	ctx := context.Background()
	conn, root := mem.connect(b)
	st := openZoomStore(b, conn, root)
	h, err := restapi.NewHandler(restapi.NewZoomStore(st), restapi.MockTenants{}, restapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	api := newLoopbackServer(b, h) + "/midonet-api"
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
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	get := func(b *testing.B, url, accept string) []byte {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		resp, err := httpc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s, %v", url, resp.Status, err)
		}
		return body
	}
	bridgeURL, bridgeMedia := api+"/bridges/"+one, client.Media("Bridge-v4")
	answer := get(b, bridgeURL, bridgeMedia)
	fixedURL := newLoopbackServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", bridgeMedia)
		w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
		_, _ = w.Write(answer)
	}))
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
	// (per op) and ours ÷ baseline, in wall time and in the process's CPU
	// time (which the load of a shared machine moves less).
	alternate := func(b *testing.B, unit string, scale time.Duration, ours, baseline func(b *testing.B)) {
		var tOurs, tBase, cpuOurs, cpuBase time.Duration
		for b.Loop() {
			start, cpu := time.Now(), cputime.Process(b)
			ours(b)
			tOurs, cpuOurs = tOurs+time.Since(start), cpuOurs+cputime.Process(b)-cpu
			start, cpu = time.Now(), cputime.Process(b)
			baseline(b)
			tBase, cpuBase = tBase+time.Since(start), cpuBase+cputime.Process(b)-cpu
		}
		n := float64(b.N) * float64(scale)
		b.ReportMetric(float64(tOurs)/n, unit+"/rest")
		b.ReportMetric(float64(tBase)/n, unit+"/base")
		b.ReportMetric(float64(tOurs)/float64(tBase), "rest/base")
		b.ReportMetric(float64(cpuOurs)/n, "cpu-"+unit+"/rest")
		b.ReportMetric(float64(cpuBase)/n, "cpu-"+unit+"/base")
		b.ReportMetric(float64(cpuOurs)/float64(cpuBase), "cpu-rest/base")
	}
	b.Run(fmt.Sprint("list=", bridges), func(b *testing.B) {
		alternate(b, "ms", time.Millisecond, func(b *testing.B) {
			get(b, api+"/bridges", client.CollectionMedia("Bridge-v4"))
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
			get(b, bridgeURL, bridgeMedia)
		}, func(b *testing.B) {
			get(b, fixedURL, bridgeMedia)
		})
	})
	b.Run("get-16-clients", func(b *testing.B) {
		const clients, each = 16, 50
		// round runs clients × each GETs of url and appends their
		// latencies (µs) to lat.
		round := func(b *testing.B, url string, lat []float64) []float64 {
			got := make([][]float64, clients)
			var wg sync.WaitGroup
			for c := range clients {
				wg.Go(func() {
					for range each {
						start := time.Now()
						get(b, url, bridgeMedia)
						got[c] = append(got[c], float64(time.Since(start))/float64(time.Microsecond))
					}
				})
			}
			wg.Wait()
			for _, g := range got {
				lat = append(lat, g...)
			}
			return lat
		}
		var ours, base []float64
		for b.Loop() {
			ours = round(b, bridgeURL, ours)
			base = round(b, fixedURL, base)
		}
		for _, q := range []struct {
			name string
			p    float64
		}{{"p50", 0.50}, {"p99", 0.99}} {
			o, f := percentileOf(ours, q.p), percentileOf(base, q.p)
			b.ReportMetric(o, "us-"+q.name+"/rest")
			b.ReportMetric(f, "us-"+q.name+"/base")
			b.ReportMetric(o/f, q.name+"-rest/base")
		}
	})
}

// percentileOf is the p-quantile of xs (sorted in place), nearest rank.
func percentileOf(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[min(len(xs)-1, int(p*float64(len(xs))))]
}
