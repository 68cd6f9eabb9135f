// Package servicetest holds what the tests of the cluster's services share:
// running a test on the in-memory store and on a real ZooKeeper, a root key
// of the test's own, MidoNet object stores on fresh sessions, and polling.
package servicetest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

// WaitLimit bounds every wait of the services' tests.
const WaitLimit = 30 * time.Second

// SessionTimeout is the ZooKeeper session timeout of the tests' sessions:
// short so that an expiry takes seconds.
const SessionTimeout = 3 * time.Second

// Backend is a storage backend under test, named for sub-test names.
type Backend struct {
	Name string
	storagetest.Backend
}

// Each runs f on the in-memory store and on the package's shared ZooKeeper
// server (skipped loudly when ZooKeeper is absent, failed under CI=true).
// The package's TestMain must call zktest.Main.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Run("mem", func(t *testing.T) { f(t, Backend{"mem", memtest.NewBackend()}) })
	t.Run("zookeeper", func(t *testing.T) { f(t, Backend{"zookeeper", ZooKeeper(t)}) })
}

// ZooKeeper is a backend on the package's shared ZooKeeper server whose
// sessions can be expired for real.
func ZooKeeper(t testing.TB) *zktest.Backend {
	zb := zktest.NewBackend(zktest.Shared(t).Addr())
	zb.SessionTimeout = SessionTimeout
	zb.Logger = slog.New(slog.DiscardHandler)
	zb.Timeout = WaitLimit
	return zb
}

var rootSeq atomic.Int64

// Root is a root key no other test uses, also across -count runs on the
// shared server.
func Root(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/t%d_%d_%s", time.Now().UnixNano()%1e9, rootSeq.Add(1), name)
}

// Context is a context for the test, cancelled when it ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Store opens MidoNet's object store under root on a new session of b.
func Store(t testing.TB, b storagetest.Backend, root string, opts zoom.Options) *zoom.Store {
	t.Helper()
	opts.Root = root
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := midonet.NewStore(Context(t), b.Connect(t), opts)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return st
}

// Eventually polls cond until it holds or WaitLimit passes.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SchemaDefaults is the bundled cluster schema as an mn-conf view: every
// cluster.* key at its default.
func SchemaDefaults(t testing.TB) *mnconf.Config {
	t.Helper()
	schemas, err := mnconf.BundledSchemas()
	if err != nil {
		t.Fatal(err)
	}
	return mnconf.NewConfig(schemas["cluster"])
}

// FanOutLatency runs b.N writes and times each, from the write, to its
// arrival at every one of subscribers (one time each on arrivals) and, as
// the baseline, at one direct watch of the store (watched); it reports the
// subscribers' p50 and p99, the watch's p50 and the ratio of the p50s.
func FanOutLatency(b *testing.B, subscribers int, write func(i int) error, arrivals, watched <-chan time.Time) {
	var fanned, direct []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := write(i); err != nil {
			b.Fatal(err)
		}
		for range subscribers {
			select {
			case at := <-arrivals:
				fanned = append(fanned, at.Sub(start))
			case <-time.After(WaitLimit):
				b.Fatal("a subscriber missed an update")
			}
		}
		select {
		case at := <-watched:
			direct = append(direct, at.Sub(start))
		case <-time.After(WaitLimit):
			b.Fatal("the watch missed an update")
		}
	}
	b.StopTimer()
	p50, p99, w50 := percentile(fanned, 50), percentile(fanned, 99), percentile(direct, 50)
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(w50.Microseconds()), "watch-p50-µs")
	b.ReportMetric(float64(p50)/float64(max(w50, 1)), "p50/watch")
	b.Logf("%s: %d subscribers, %d updates: p50 %v, p99 %v; one direct watch p50 %v (ratio %.2f)",
		b.Name(), subscribers, len(direct), p50, p99, w50, float64(p50)/float64(max(w50, 1)))
}

// percentile is the p-th percentile of d (0 for none).
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
