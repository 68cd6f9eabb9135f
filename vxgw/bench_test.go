package vxgw

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/vxgw/vteptest"
)

// startBenchVTEP is startVTEP for benchmarks (testing.B), with one bound network.
func startBenchVTEP(b *testing.B, rep Reporter) (*vteptest.Server, *Synchronizer, DesiredState) {
	b.Helper()
	srv := vteptest.Start(b)
	srv.AddPhysicalSwitch("vtep0", []string{"127.0.0.1"}, []string{"10.0.0.100"}, []string{"eth0"})
	s := NewSynchronizer(Config{Endpoint: srv.Endpoint(), ManagementIP: "127.0.0.1", Reporter: rep,
		Log:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Backoff: Backoff{Initial: 50 * time.Millisecond, Max: time.Second}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	base := DesiredState{FloodingProxyIP: "192.168.0.9", Networks: []NetworkBinding{{
		NetworkID: network1, VNI: 10001, Bindings: []PortVLAN{{"eth0", 0}},
	}}}
	waitApplied(b, s, s.SetDesired(base))
	return srv, s, base
}

func waitApplied(b *testing.B, s *Synchronizer, gen uint64) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.WaitApplied(ctx, gen); err != nil {
		b.Fatal(err)
	}
}

func macN(prefix byte, i int) string {
	return fmt.Sprintf("%02x:00:00:%02x:%02x:%02x", prefix, byte(i>>16), byte(i>>8), byte(i))
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkRemoteMACWrite measures MidoNet MAC → Ucast_Macs_Remote: from
// SetDesired with N new MACs until the rows are committed on ovsdb-server
// and visible in the session's replica.
func BenchmarkRemoteMACWrite(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run("macs="+strconv.Itoa(n), func(b *testing.B) {
			_, s, base := startBenchVTEP(b, nil)
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				want := base.clone()
				for j := range n {
					want.Networks[0].RemoteMACs = append(want.Networks[0].RemoteMACs,
						RemoteMAC{MAC: macN(byte(i%200+1), j), TunnelIP: "192.168.1." + strconv.Itoa(j%200+1)})
				}
				start := time.Now()
				waitApplied(b, s, s.SetDesired(want))
				lat = append(lat, time.Since(start))
				b.StopTimer()
				waitApplied(b, s, s.SetDesired(base))
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}

// countingReporter signals when a given number of learned MACs is known.
type countingReporter struct {
	mu      sync.Mutex
	learned map[string]bool
	target  int
	reached chan struct{}
}

func (r *countingReporter) ConnectionState(context.Context, ConnectionState) {}
func (r *countingReporter) PhysicalSwitch(context.Context, PhysicalSwitch)   {}
func (r *countingReporter) LocalMACsReset(_ context.Context, macs []LocalMAC) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learned = map[string]bool{}
	for _, m := range macs {
		r.learned[m.MAC] = true
	}
	r.check()
}
func (r *countingReporter) LocalMACsChanged(_ context.Context, changes []LocalMACChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range changes {
		if c.Old != nil {
			delete(r.learned, c.Old.MAC)
		}
		if c.New != nil {
			r.learned[c.New.MAC] = true
		}
	}
	r.check()
}
func (r *countingReporter) check() {
	if r.reached != nil && len(r.learned) == r.target {
		close(r.reached)
		r.reached = nil
	}
}
func (r *countingReporter) expect(n int) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := make(chan struct{})
	r.target, r.reached = n, ch
	r.check()
	return ch
}

// BenchmarkLearnedMACReport measures VTEP-learned MAC → Reporter: from
// vtep-ctl committing N Ucast_Macs_Local rows (one transaction) until the
// synchronizer has reported all of them. The vtep-ctl process start is
// included, so the figure is an upper bound.
func BenchmarkLearnedMACReport(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run("macs="+strconv.Itoa(n), func(b *testing.B) {
			rep := &countingReporter{learned: map[string]bool{}}
			srv, _, _ := startBenchVTEP(b, rep)
			ls := LogicalSwitchName(network1)
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				var add, del []string
				for j := range n {
					mac := macN(byte(i%200+1), j)
					add = append(add, "--", "add-ucast-local", ls, mac, "10.0.0.100")
					del = append(del, "--", "del-ucast-local", ls, mac)
				}
				reached := rep.expect(n)
				start := time.Now()
				srv.MustCtl(add[1:]...)
				select {
				case <-reached:
				case <-time.After(60 * time.Second):
					b.Fatalf("learned MACs not all reported")
				}
				lat = append(lat, time.Since(start))
				b.StopTimer()
				gone := rep.expect(0)
				srv.MustCtl(del[1:]...)
				<-gone
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}

// waitRows polls an observer session until table has n rows.
func waitRows(b *testing.B, obs *Conn, table string, n int) {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for obs.cache.Table(table).Len() != n {
		if time.Now().After(deadline) {
			b.Fatalf("%s has %d rows, want %d", table, obs.cache.Table(table).Len(), n)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// BenchmarkStorePortMACToVTEP measures MidoNet port MAC → Ucast_Macs_Remote
// end to end: from the first of N persistent MAC-table writes (in-memory
// store on mem or ZooKeeper) until the N rows are on ovsdb-server, seen by an independent
// OVSDB session.
func BenchmarkStorePortMACToVTEP(b *testing.B) {
	for _, backend := range []string{"mem", "zk"} {
		for _, n := range []int{1, 1000} {
			b.Run(backend+"/macs="+strconv.Itoa(n), func(b *testing.B) { benchStorePortMACToVTEP(b, backend, n) })
		}
	}
}

func benchStorePortMACToVTEP(b *testing.B, backend string, n int) {
	{
		{
			f := newStoreFixture(b, backend)
			h1 := f.hosts["h1"]
			vm := f.createPort(f.nwID, &h1, nil)
			macs, err := midonet.BridgeMacTable(f.ctx, f.store, f.nwID, 0)
			must(b, err)
			ctx, stop := context.WithCancel(f.ctx)
			defer stop()
			f.runVTEP(ctx)
			obs, err := Dial(f.ctx, f.srv.Endpoint(), testLogger(b), nil)
			must(b, err)
			defer obs.Close()
			waitRows(b, obs, tableLogicalSwitch, 1)
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				entries := make([]midonet.MAC, n)
				for j := range entries {
					entries[j] = mustMAC(b, macN(byte(i%200+1)&0xfe, j)) // unicast
				}
				start := time.Now()
				for _, m := range entries {
					must(b, macs.AddPersistent(f.ctx, m, vm))
				}
				waitRows(b, obs, tableUcastMacsRemote, n)
				lat = append(lat, time.Since(start))
				b.StopTimer()
				for _, m := range entries {
					must(b, macs.RemovePersistent(f.ctx, m, vm))
				}
				waitRows(b, obs, tableUcastMacsRemote, 0)
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		}
	}
}

// BenchmarkStoreLearnedMACToMacTable measures VTEP-learned MAC → bridge MAC
// table end to end: from vtep-ctl committing N Ucast_Macs_Local rows until
// the store's MAC table (mem or ZooKeeper) has N entries on the VxLAN port (the
// vtep-ctl process start is included).
func BenchmarkStoreLearnedMACToMacTable(b *testing.B) {
	for _, backend := range []string{"mem", "zk"} {
		for _, n := range []int{1, 1000} {
			b.Run(backend+"/macs="+strconv.Itoa(n), func(b *testing.B) { benchStoreLearnedMACToMacTable(b, backend, n) })
		}
	}
}

func benchStoreLearnedMACToMacTable(b *testing.B, backend string, n int) {
	{
		{
			f := newStoreFixture(b, backend)
			f.createVxlanPort()
			macs, err := midonet.BridgeMacTable(f.ctx, f.store, f.nwID, 0)
			must(b, err)
			events, err := macs.Raw.Watch(f.ctx)
			must(b, err)
			ctx, stop := context.WithCancel(f.ctx)
			defer stop()
			f.runVTEP(ctx)
			ls := LogicalSwitchName(f.nwID.String())
			eventually(b, "switch created", 10*time.Second, func() (bool, string) {
				out, _ := f.srv.Ctl(f.ctx, "list-ls")
				return out == ls, out
			})
			waitTable := func(want int) {
				timeout := time.After(60 * time.Second)
				for {
					select {
					case ev := <-events:
						if len(ev.Snapshot) == want {
							return
						}
					case <-timeout:
						b.Fatalf("MAC table never reached %d entries", want)
					}
				}
			}
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				var add, del []string
				for j := range n {
					mac := macN(byte(i%200+1)&0xfe, j)
					add = append(add, "--", "add-ucast-local", ls, mac, "10.0.0.100")
					del = append(del, "--", "del-ucast-local", ls, mac)
				}
				start := time.Now()
				f.srv.MustCtl(add[1:]...)
				waitTable(n)
				lat = append(lat, time.Since(start))
				b.StopTimer()
				f.srv.MustCtl(del[1:]...)
				waitTable(0)
				b.StartTimer()
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		}
	}
}

// BenchmarkLearnedMACWrites compares, on mem and ZooKeeper, writing and then
// removing 1000 learned MACs' persistent MAC-table entries one at a time
// (how learned MACs were written before) with the batched UpdatePersistent
// the controller uses now; per-MAC/batched is the ratio of the two times,
// measured in the same run.
func BenchmarkLearnedMACWrites(b *testing.B) {
	const n = 1000
	for _, backend := range []string{"mem", "zk"} {
		b.Run(backend, func(b *testing.B) {
			f := newStoreFixture(b, backend)
			port := f.createVxlanPort()
			macs, err := midonet.BridgeMacTable(f.ctx, f.store, f.nwID, 0)
			must(b, err)
			entries := make([]midonet.Entry[midonet.MAC, uuid.UUID], n)
			for j := range entries {
				entries[j] = midonet.Entry[midonet.MAC, uuid.UUID]{Key: mustMAC(b, macN(0x0a, j)), Value: port}
			}
			var perMAC, batched time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				for _, e := range entries {
					must(b, macs.AddPersistent(f.ctx, e.Key, e.Value))
				}
				for _, e := range entries {
					must(b, macs.RemovePersistent(f.ctx, e.Key, e.Value))
				}
				perMAC += time.Since(start)
				start = time.Now()
				must(b, macs.UpdatePersistent(f.ctx, entries, nil))
				must(b, macs.UpdatePersistent(f.ctx, nil, entries))
				batched += time.Since(start)
			}
			b.ReportMetric(float64(perMAC.Milliseconds())/float64(b.N), "per-MAC-ms/op")
			b.ReportMetric(float64(batched.Milliseconds())/float64(b.N), "batched-ms/op")
			b.ReportMetric(float64(perMAC)/float64(batched), "per-MAC/batched")
		})
	}
}
