package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/clustertest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi/client"
)

// harness holds the servers every figure uses: one ZooKeeper server, a
// cluster node on it and one on the in-memory store, and a raw session for
// the baselines.
type harness struct {
	t  *testing.T
	sz sizes
	// zkNode and memNode are midonet-cluster nodes; raw is a plain
	// session on zkNode's server.
	zkNode, memNode *node
	raw             storage.Conn
	zkAddr          string // the ZooKeeper server's address
}

// node is a cluster node started in-process as the midonet-cluster command
// starts it, with a second session on its backend for fills and baselines.
type node struct {
	backend string // "ZooKeeper" or "mem"
	api     *client.Client
	apiURL  string
	http    *http.Client
	store   *zoom.Store          // an object store on another session of the same backend
	conn    storage.Conn         // that session
	metrics *prometheus.Registry // the node's
	// conflicts counts the 409 answers post retried.
	conflicts atomic.Int64
}

// requireWrk skips (or fails under CI=true) when Debian's wrk is missing.
func requireWrk(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		msg := fmt.Sprintf("bench: wrk is not installed (%v); install Debian's wrk (`apt-get install wrk`, or run `bash .ci/run`)", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — failing because CI=true")
		}
		t.Skip("SKIPPED: " + msg)
	}
}

func newHarness(t *testing.T, sz sizes) *harness {
	requireWrk(t)
	// fsync on, as Debian's zookeeper: a single writer waits for the disk.
	// The heap holds the last 500 transactions, each rewriting a bridge of
	// up to 10k ports (~700 KB): 256 MB runs out.
	srv := zktest.Start(t, zktest.Fsync(), zktest.MaxHeap(2048))
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := os.ReadFile(srv.LogPath()); err == nil {
				t.Logf("ZooKeeper's last errors:\n%s", tail(errorLines(string(log)), 40))
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dial := func() storage.Conn {
		c, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}, SessionTimeout: 30 * time.Second, Logger: quietLogger()})
		if err != nil {
			t.Fatalf("connect to ZooKeeper: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	h := &harness{t: t, sz: sz, raw: dial(), zkAddr: srv.Addr()}
	h.zkNode = startNode(t, "ZooKeeper", srv.Addr(), nil, dial())
	memServer := mem.NewServer()
	memConn := memServer.Connect()
	t.Cleanup(func() { _ = memConn.Close() })
	h.memNode = startNode(t, "mem", "", func(context.Context, string) (cluster.StoreConn, error) {
		return memServer.Connect(), nil
	}, memConn)
	return h
}

// errorLines are the lines of a ZooKeeper log that tell of errors.
func errorLines(log string) string {
	var b strings.Builder
	for line := range strings.Lines(log) {
		if strings.Contains(line, "ERROR") || strings.Contains(line, "Exception") || strings.Contains(line, "Error") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// startNode runs a cluster node with the standard backends on hosts ("" =
// openStore's in-memory store), its REST API on 127.0.0.1 and a free port,
// HTTPS and the VxLAN gateway off; it stops when the test ends. conn is
// another session on the same backend, for the node's object store twin.
func startNode(t *testing.T, backend, hosts string, openStore func(context.Context, string) (cluster.StoreConn, error), conn storage.Conn) *node {
	t.Helper()
	n, stop, err := runNode(cluster.DefaultConfig(), backend, hosts, cluster.DefaultRootKey, openStore, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(n.http.CloseIdleConnections)
	return n
}

// runNode is startNode without a test, its configuration base's with the
// settings above, its tree under rootKey: the node and the function that
// stops it (the memory figure's child process runs one).
func runNode(base cluster.Config, backend, hosts, rootKey string, openStore func(context.Context, string) (cluster.StoreConn, error), conn storage.Conn) (*node, func() error, error) {
	cfg := base
	cfg.NodeID = uuid.New()
	cfg.ZooKeeperHosts = hosts
	cfg.RootKey = rootKey
	cfg.RuntimeConfig = true
	cfg.Overrides = clustertest.LoopbackOverrides()
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.Logger = quietLogger()
	cfg.OpenStore = openStore
	cn, err := cluster.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cn.Run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case <-done:
			return nil
		case <-time.After(30 * time.Second):
			return fmt.Errorf("%s node did not stop", backend)
		}
	}
	select {
	case <-cn.Ready():
	case err := <-done:
		cancel()
		return nil, nil, fmt.Errorf("%s node stopped at start: %w", backend, err)
	case <-time.After(2 * time.Minute):
		return nil, nil, errors.Join(fmt.Errorf("%s node not ready in time", backend), stop())
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	st, err := midonet.NewStore(sctx, conn, zoom.Options{Root: cfg.RootKey, Owner: zoom.OwnerClusterAPI, Logger: quietLogger()})
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("object store on the %s node's backend: %w", backend, err), stop())
	}
	// Keep-alive for every client: the default keeps only 2 idle
	// connections per host, which would make 16 clients reconnect.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	apiURL := "http://" + cn.HTTPAddr().String() + cfg.RestAPI.RootURI
	return &node{backend: backend, api: client.New(apiURL, client.WithHTTPClient(hc)), apiURL: apiURL, http: hc, store: st, conn: conn, metrics: cn.Registry()}, stop, nil
}

// load is one side of a throughput figure: it does count operations and
// returns the time they took.
type load func(ctx context.Context, count int) (time.Duration, error)

// sideBySideRounds is how many rounds sideBySide alternates: a change of
// load on the shared machine then weighs on both sides alike.
const sideBySideRounds = 5

// sideBySide runs ours and baseline alternately, sz.creates operations
// each in all, and adds the row of their rates (with n's 409s retried), or
// of the failure.
func (h *harness) sideBySide(ctx context.Context, tab *table, n *node, unit string, ours, baseline load, figure string) {
	h.sideBySideAll(ctx, tab, n, unit, ours, versus{baseline, figure})
}

// versus is a baseline load and the figure of its row.
type versus struct {
	load   load
	figure string
}

// sideBySideAll is sideBySide against several baselines: each round runs
// ours, then every baseline in turn; one row per baseline, all with the
// same rate of ours.
func (h *harness) sideBySideAll(ctx context.Context, tab *table, n *node, unit string, ours load, baselines ...versus) {
	var oursTime time.Duration
	baseTimes := make([]time.Duration, len(baselines))
	fail := func(err error) {
		for _, b := range baselines {
			h.failed(tab, b.figure, err)
		}
	}
	for r := range sideBySideRounds {
		count := h.sz.creates/sideBySideRounds + btoi(r < h.sz.creates%sideBySideRounds)
		d, err := ours(ctx, count)
		if err != nil {
			fail(fmt.Errorf("ours, round %d: %w", r+1, err))
			return
		}
		oursTime += d
		for i, b := range baselines {
			if d, err = b.load(ctx, count); err != nil {
				fail(fmt.Errorf("baseline %d, round %d: %w", i+1, r+1, err))
				return
			}
			baseTimes[i] += d
		}
	}
	perSecond := func(d time.Duration) float64 { return float64(h.sz.creates) / d.Seconds() }
	conflicts := n.withConflicts("")
	for i, b := range baselines {
		tab.add(row{figure: b.figure + conflicts, ours: perSecond(oursTime), baseline: perSecond(baseTimes[i]), unit: unit})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// failed records a figure that could not be measured: a row saying why,
// and a test error; the other figures still run.
func (h *harness) failed(tab *table, figure string, err error) {
	h.t.Errorf("%s: %v", figure, err)
	tab.add(row{figure: figure, failed: err.Error()})
}

// timed runs op n times in all over writers goroutines (w is the
// goroutine) and returns the time taken; the first error stops it.
func timed(ctx context.Context, n, writers int, op func(ctx context.Context, w int) error) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var remaining atomic.Int64
	remaining.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for remaining.Add(-1) >= 0 && ctx.Err() == nil {
				if err := op(ctx, w); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return elapsed, nil
}

// latencies runs op in workers goroutines for d and returns every call's
// duration, sorted.
func latencies(ctx context.Context, d time.Duration, workers int, op func(ctx context.Context) error) ([]time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				start := time.Now()
				if err := op(ctx); err != nil {
					cancel(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all, nil
}

// percentile of sorted durations (nearest rank), in milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)) + 0.5)
	i = min(max(i-1, 0), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// median of vs (not empty); vs is sorted in place.
func median(vs []float64) float64 {
	sort.Float64s(vs)
	return vs[len(vs)/2]
}
