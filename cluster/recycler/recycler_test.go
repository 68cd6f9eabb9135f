package recycler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// testConfig is the reference test's: a 1 h interval, no real throttling.
var testConfig = Config{Interval: time.Hour, ThrottlingRate: 1e9, ShutdownTimeout: 10 * time.Second}

type fixture struct {
	t    *testing.T
	ctx  context.Context
	root string
	st   *zoom.Store
	conn storage.Conn
	r    *Recycler
}

func newFixture(t *testing.T, b servicetest.Backend, cfg Config) *fixture {
	root := servicetest.Root(t)
	st := servicetest.Store(t, b, root, zoom.Options{})
	f := &fixture{t: t, ctx: servicetest.Context(t), root: root, st: st, conn: st.Conn(),
		r: New(st, root, cfg, slog.New(slog.DiscardHandler))}
	// Due: the clock is one interval past now, so Z's creation (or last
	// stamp) is old enough.
	f.r.now = func() time.Time { return time.Now().Add(cfg.interval() + time.Second) }
	return f
}

func (f *fixture) z(p string) string { return f.st.ZoomPath() + p }

// mkdirs creates p and its missing ancestors, then waits until p's
// creation time is in the past (the recycler leaves alone what is not
// strictly older than its stamp).
func (f *fixture) mkdirs(p string) {
	f.t.Helper()
	cur := ""
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		cur += "/" + part
		if _, err := f.conn.Create(f.ctx, cur, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			f.t.Fatalf("create %s: %v", cur, err)
		}
	}
	f.waitOlder(p)
}

func (f *fixture) waitOlder(p string) {
	servicetest.Eventually(f.t, p+" is older than now", func() bool {
		_, st, err := f.conn.Get(f.ctx, p)
		return err == nil && st.Ctime.Before(time.Now().Add(-time.Millisecond))
	})
}

func (f *fixture) exists(p string) bool {
	f.t.Helper()
	_, ok, err := f.conn.Exists(f.ctx, p)
	if err != nil {
		f.t.Fatalf("exists %s: %v", p, err)
	}
	return ok
}

func (f *fixture) recycle() Report {
	f.t.Helper()
	rep, err := f.r.Recycle(f.ctx)
	if err != nil {
		f.t.Fatalf("Recycle: %v", err)
	}
	return rep
}

func TestConfigFromSchemaDefaults(t *testing.T) {
	cfg, err := ConfigFrom(servicetest.SchemaDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Interval: 24 * time.Hour, ThrottlingRate: 100, ShutdownTimeout: 5 * time.Second}
	if cfg != want {
		t.Fatalf("defaults %+v, want %+v", cfg, want)
	}
	if cfg.period() != 144*time.Minute {
		t.Errorf("period of 1d = %v, want 2h24m (a tenth)", cfg.period())
	}
	if short := (Config{Interval: 30 * time.Second}); short.interval() != time.Minute || short.period() != time.Minute {
		t.Errorf("30s interval: interval %v period %v, want 1m each", short.interval(), short.period())
	}
	bad := mnconf.NewConfig(map[string]any{"cluster": map[string]any{"recycler": map[string]any{
		"interval": "1d", "throttling_rate": 0, "shutdown_timeout": "5s"}}})
	if _, err := ConfigFrom(bad); err == nil {
		t.Error("throttling_rate 0 accepted")
	}
}

func TestRecycler(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		t.Run("SkipsWithinAnInterval", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			_, zst, err := f.conn.Get(f.ctx, f.st.ZoomPath())
			if err != nil {
				t.Fatal(err)
			}
			f.r.now = func() time.Time { return zst.Mtime.Add(time.Hour - time.Millisecond) }
			if _, err := f.r.Recycle(f.ctx); !errors.Is(err, ErrRecentlyRecycled) {
				t.Fatalf("Recycle = %v, want ErrRecentlyRecycled", err)
			}
			_, after, _ := f.conn.Get(f.ctx, f.st.ZoomPath())
			if after.Version != zst.Version {
				t.Errorf("a skipped run stamped Z (version %d → %d)", zst.Version, after.Version)
			}
		})
		t.Run("RunsAfterAnIntervalAndStamps", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			_, zst, _ := f.conn.Get(f.ctx, f.st.ZoomPath())
			f.r.now = func() time.Time { return zst.Mtime.Add(time.Hour + time.Millisecond) }
			f.waitOlder(f.st.ZoomPath())
			rep := f.recycle()
			if rep.NSDBVersion != 0 {
				t.Errorf("NSDB version %d, want 0", rep.NSDBVersion)
			}
			data, after, _ := f.conn.Get(f.ctx, f.st.ZoomPath())
			if !after.Mtime.After(zst.Mtime) || string(data) != "\x01" {
				t.Errorf("Z after a run: mtime %v (before %v), data %q; want a later mtime and 0x01", after.Mtime, zst.Mtime, data)
			}
			// The stamp makes the next run (by this node or another) wait.
			f.r.now = time.Now
			if _, err := f.r.Recycle(f.ctx); !errors.Is(err, ErrRecentlyRecycled) {
				t.Errorf("second run right after = %v, want ErrRecentlyRecycled", err)
			}
		})
		t.Run("RunsPeriodically", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			f.r.firstDelay, f.r.period = 0, 10*time.Millisecond
			var mu sync.Mutex
			var errs []error
			f.r.onRun = func(_ Report, err error) {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			ctx, cancel := context.WithCancel(f.ctx)
			done := make(chan error)
			go func() { done <- f.r.Run(ctx) }()
			servicetest.Eventually(t, "two runs", func() bool { mu.Lock(); defer mu.Unlock(); return len(errs) >= 2 })
			cancel()
			<-done
			mu.Lock()
			defer mu.Unlock()
			if errs[0] != nil {
				t.Errorf("first run: %v", errs[0])
			}
		})
		t.Run("NSDBPathErrors", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			if err := deleteAll(f.ctx, f.conn, f.st.ZoomPath()); err != nil {
				t.Fatal(err)
			}
			if _, err := f.r.Recycle(f.ctx); !errors.Is(err, ErrStorage) {
				t.Fatalf("Recycle without Z = %v, want ErrStorage", err)
			}
		})
		t.Run("Namespaces", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			orphan := uuid.NewString()
			f.mkdirs(f.z("/state/" + orphan))
			host := uuid.New()
			if err := f.st.Create(f.ctx, &models.Host{Id: models.UUIDFromGoogle(host), Name: proto.String("h")}); err != nil {
				t.Fatal(err)
			}
			f.mkdirs(f.z("/state/" + host.String() + "/child"))
			rep := f.recycle()
			if rep.Namespaces.Deleted != 1 || rep.Namespaces.Total != 3 {
				t.Errorf("namespaces %+v, want 3 total (orphan, host, cluster) and 1 deleted", rep.Namespaces)
			}
			if f.exists(f.z("/state/" + orphan)) {
				t.Error("namespace of a missing host survived")
			}
			if !f.exists(f.z("/state/"+host.String()+"/child")) || !f.exists(f.z("/state/"+zoom.ClusterNamespace)) {
				t.Error("a host's or the cluster's namespace was deleted")
			}
		})
		t.Run("ObjectState", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			host := uuid.New()
			if err := f.st.Create(f.ctx, &models.Host{Id: models.UUIDFromGoogle(host), Name: proto.String("h")}); err != nil {
				t.Fatal(err)
			}
			net := &models.Network{Id: models.UUIDFromGoogle(uuid.New())}
			live := &models.Port{Id: models.UUIDFromGoogle(uuid.New()), NetworkId: net.Id}
			if err := f.st.Tx(f.ctx, func(tx *zoom.Tx) error {
				return errors.Join(tx.Create(net), tx.Create(live))
			}); err != nil {
				t.Fatal(err)
			}
			ns := f.z("/state/" + host.String() + "/Port/")
			gone1, gone2 := uuid.NewString(), uuid.NewString()
			f.mkdirs(ns + gone1 + "/active")             // single-value key
			f.mkdirs(ns + gone2 + "/routes/10.0.0.0_24") // multi-value key
			f.mkdirs(ns + live.Id.ToGoogle().String() + "/active")
			rep := f.recycle()
			if rep.Objects.Deleted != 2 || rep.Objects.Total != 3 {
				t.Errorf("objects %+v, want 3 total, 2 deleted", rep.Objects)
			}
			if f.exists(ns+gone1) || f.exists(ns+gone2) {
				t.Error("state of a deleted port survived")
			}
			if !f.exists(ns + live.Id.ToGoogle().String() + "/active") {
				t.Error("state of an existing port was deleted")
			}
		})
		t.Run("Tables", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			net := &models.Network{Id: models.UUIDFromGoogle(uuid.New())}
			if err := f.st.Create(f.ctx, net); err != nil {
				t.Fatal(err)
			}
			gone := uuid.NewString()
			f.mkdirs(f.z("/tables/Port/" + gone + "/peering_table/aa:bb,1.2.3.4,0000000001"))
			rep := f.recycle()
			if rep.Tables.Deleted != 1 {
				t.Errorf("tables %+v, want 1 deleted", rep.Tables)
			}
			if f.exists(f.z("/tables/Port/" + gone)) {
				t.Error("tables of a deleted port survived")
			}
			if !f.exists(f.z("/tables/Network/" + net.Id.ToGoogle().String() + "/" + midonet.MacTable)) {
				t.Error("tables of an existing network were deleted")
			}
		})
		t.Run("LegacyTables", func(t *testing.T) {
			for _, l := range legacyDirs {
				t.Run(l.class, func(t *testing.T) {
					f := newFixture(t, b, testConfig)
					gone := uuid.NewString()
					f.mkdirs(f.root + "/" + l.dir + "/" + gone + "/mac_ports")
					rep := f.recycle()
					if rep.Legacy.Total != 1 || rep.Legacy.Deleted != 1 {
						t.Errorf("legacy %+v, want 1 total 1 deleted", rep.Legacy)
					}
					if f.exists(f.root + "/" + l.dir + "/" + gone) {
						t.Error("legacy table of a deleted object survived")
					}
					keep := uuid.New()
					var obj = map[string]func() error{
						"Network": func() error { return f.st.Create(f.ctx, &models.Network{Id: models.UUIDFromGoogle(keep)}) },
						"Router":  func() error { return f.st.Create(f.ctx, &models.Router{Id: models.UUIDFromGoogle(keep)}) },
					}[l.class]
					if err := obj(); err != nil {
						t.Fatal(err)
					}
					f.mkdirs(f.root + "/" + l.dir + "/" + keep.String())
					f.r.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
					rep = f.recycle()
					if rep.Legacy.Total != 1 || rep.Legacy.Deleted != 0 {
						t.Errorf("legacy %+v, want 1 total 0 deleted", rep.Legacy)
					}
					if !f.exists(f.root + "/" + l.dir + "/" + keep.String()) {
						t.Error("legacy table of an existing object was deleted")
					}
				})
			}
		})
		t.Run("LeavesNodesNewerThanTheStamp", func(t *testing.T) {
			f := newFixture(t, b, testConfig)
			gone := uuid.NewString()
			f.mkdirs(f.z("/tables/Port/" + gone))
			// A child created after the stamp keeps the whole subtree: the
			// stamp is taken first, so create it from the run's first read.
			hooked := &hookConn{Conn: f.conn, afterSet: func() {
				if _, err := f.conn.Create(f.ctx, f.z("/tables/Port/"+gone+"/peering_table"), nil, storage.Persistent); err != nil {
					t.Error(err)
				}
				newer := uuid.NewString()
				if _, err := f.conn.Create(f.ctx, f.z("/tables/Port/"+newer), nil, storage.Persistent); err != nil {
					t.Error(err)
				}
			}}
			f.r.conn = hooked
			rep := f.recycle()
			if rep.Tables.Deleted != 0 || rep.Tables.Skipped != 2 {
				t.Errorf("tables %+v, want 0 deleted, 2 skipped", rep.Tables)
			}
			if !f.exists(f.z("/tables/Port/" + gone + "/peering_table")) {
				t.Error("a node newer than the stamp was deleted")
			}
		})
		t.Run("Throttles", func(t *testing.T) {
			cfg := testConfig
			cfg.ThrottlingRate = 50
			f := newFixture(t, b, cfg)
			start := time.Now()
			f.recycle()
			// Every class's models/ and tables/ listing takes a token: at
			// least 2×58 operations at 50/s, less the burst of 50.
			ops := 2 * len(f.r.classes)
			if min := time.Duration(float64(ops-50) / 50 * float64(time.Second)); time.Since(start) < min {
				t.Errorf("run of %d operations at 50/s took %v, want at least %v", ops, time.Since(start), min)
			}
		})
		t.Run("CancelStopsARun", func(t *testing.T) {
			cfg := testConfig
			cfg.ThrottlingRate = 2
			f := newFixture(t, b, cfg)
			ctx, cancel := context.WithTimeout(f.ctx, 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := f.r.Recycle(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("cancelled run = %v, want the context's error", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("cancelled run took %v", d)
			}
		})
	})
}

// hookConn runs afterSet once, after the run's stamp of Z.
type hookConn struct {
	storage.Conn
	afterSet func()
	once     sync.Once
}

func (h *hookConn) Set(ctx context.Context, p string, data []byte, v storage.Version) (storage.Stat, error) {
	st, err := h.Conn.Set(ctx, p, data, v)
	if err == nil {
		h.once.Do(h.afterSet)
	}
	return st, err
}

func deleteAll(ctx context.Context, c storage.Conn, p string) error {
	ch, _, err := c.Children(ctx, p)
	if err != nil {
		return err
	}
	for _, n := range ch {
		if err := deleteAll(ctx, c, p+"/"+n); err != nil {
			return err
		}
	}
	return c.Delete(ctx, p, storage.AnyVersion)
}

// TestRecyclesDeletedObjects deletes many ports that an agent had state of
// (in its host's namespace) and whose tables were left behind, and checks
// that one run leaves nothing of them. 10,000 ports on mem; on ZooKeeper
// 500, or 10,000 with MIDONET_RECYCLER_FULL=1.
func TestRecyclesDeletedObjects(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		n := 10000
		if b.Name != "mem" && os.Getenv("MIDONET_RECYCLER_FULL") == "" {
			n = 500
			t.Logf("ZooKeeper: %d ports (MIDONET_RECYCLER_FULL=1 for 10,000)", n)
		}
		f := newFixture(t, b, testConfig)
		host := uuid.New()
		if err := f.st.Create(f.ctx, &models.Host{Id: models.UUIDFromGoogle(host), Name: proto.String("agent")}); err != nil {
			t.Fatal(err)
		}
		agent := servicetest.Store(t, b, f.root, zoom.Options{Namespace: host.String()})
		// 100 ports per network, one network per transaction (a network
		// holds its ports' ids, and a multi must stay under 1 MiB).
		const perNetwork = 100
		ids := make([]uuid.UUID, n)
		var nets []uuid.UUID
		for i := 0; i < n; i += perNetwork {
			net := uuid.New()
			nets = append(nets, net)
			if err := f.st.Tx(f.ctx, func(tx *zoom.Tx) error {
				if err := tx.Create(&models.Network{Id: models.UUIDFromGoogle(net)}); err != nil {
					return err
				}
				for j := i; j < min(i+perNetwork, n); j++ {
					ids[j] = uuid.New()
					if err := tx.Create(&models.Port{Id: models.UUIDFromGoogle(ids[j]), NetworkId: models.UUIDFromGoogle(net)}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids {
			if _, err := agent.AddValue(f.ctx, &models.Port{}, id, midonet.ActiveKey, "true"); err != nil {
				t.Fatal(err)
			}
		}
		// The agent goes away (its ephemeral values with it); the ports are
		// deleted; their tables stay, as a failed best-effort cleanup (a
		// crashed node) leaves them.
		if err := agent.Conn().Close(); err != nil {
			t.Fatal(err)
		}
		for _, net := range nets {
			if err := f.st.Delete(f.ctx, &models.Network{}, net); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids {
			if _, err := f.conn.Create(f.ctx, f.z("/tables/Port/"+id.String()), nil, storage.Persistent); err != nil {
				t.Fatal(err)
			}
		}
		f.mkdirs(f.z("/state/" + uuid.NewString()))
		start := time.Now()
		rep := f.recycle()
		t.Logf("%s: recycled %d ports in %v: %+v", b.Name, n, time.Since(start), rep)
		if rep.Objects.Deleted != n || rep.Tables.Deleted != n || rep.Namespaces.Deleted != 1 {
			t.Errorf("report %+v, want %d objects and tables and 1 namespace deleted", rep, n)
		}
		for _, dir := range []string{"/state/" + host.String() + "/Port", "/tables/Port"} {
			left, _, err := f.conn.Children(f.ctx, f.z(dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 0 {
				t.Errorf("%s still has %d children after recycling, e.g. %s", dir, len(left), fmt.Sprint(left[0]))
			}
		}
	})
}

// TestRecyclerSurvivesSessionExpiry: the recycler's session expires
// between runs; the next run works on the new session.
func TestRecyclerSurvivesSessionExpiry(t *testing.T) {
	zb := servicetest.ZooKeeper(t)
	f := newFixture(t, servicetest.Backend{Name: "zookeeper", Backend: zb}, testConfig)
	f.recycle()
	zb.Expire(t, f.conn)
	servicetest.Eventually(t, "a new session", func() bool { return f.conn.State() == storage.Connected })
	gone := uuid.NewString()
	f.mkdirs(f.z("/tables/Port/" + gone))
	f.r.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	servicetest.Eventually(t, "a run on the new session", func() bool {
		rep, err := f.r.Recycle(f.ctx)
		return err == nil && rep.Tables.Deleted == 1
	})
	if f.exists(f.z("/tables/Port/" + gone)) {
		t.Error("orphan table survived the run after the expiry")
	}
}

// TestRecyclerTurnsAcrossNodes: every node runs the recycler; the stamp on
// Z gives each interval's run to the node that stamps first, the others
// skip, and once that node is gone (its session closed) another node's
// next run does the work.
func TestRecyclerTurnsAcrossNodes(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		f := newFixture(t, b, testConfig)
		second := servicetest.Store(t, b, f.root, zoom.Options{})
		r2 := New(second, f.root, testConfig, slog.New(slog.DiscardHandler))
		first := f.z("/tables/Port/" + uuid.NewString())
		f.mkdirs(first)
		if rep := f.recycle(); rep.Tables.Deleted != 1 {
			t.Fatalf("first node's run: %+v", rep)
		}
		if _, err := r2.Recycle(f.ctx); !errors.Is(err, ErrRecentlyRecycled) {
			t.Fatalf("second node right after the first: %v, want ErrRecentlyRecycled", err)
		}

		if err := f.conn.Close(); err != nil {
			t.Fatal(err)
		}
		orphan := second.ZoomPath() + "/tables/Port/" + uuid.NewString()
		for _, p := range []string{path.Dir(orphan), orphan} {
			if _, err := second.Conn().Create(f.ctx, p, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
				t.Fatal(err)
			}
		}
		servicetest.Eventually(t, "the orphan is older than now", func() bool {
			_, st, err := second.Conn().Get(f.ctx, orphan)
			return err == nil && st.Ctime.Before(time.Now().Add(-time.Millisecond))
		})
		// An interval later, by the second node's clock.
		r2.now = func() time.Time { return time.Now().Add(testConfig.interval() + time.Second) }
		rep, err := r2.Recycle(f.ctx)
		if err != nil || rep.Tables.Deleted != 1 {
			t.Fatalf("second node's run after the first node left: %+v, %v", rep, err)
		}
		if _, ok, _ := second.Conn().Exists(f.ctx, orphan); ok {
			t.Error("the orphan survived the second node's run")
		}
	})
}
