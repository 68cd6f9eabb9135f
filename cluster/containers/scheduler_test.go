package containers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// fastConfig keeps the state machine's timers short; tests that need one
// to fire shorten it further, those that must not see it fire lengthen it.
var fastConfig = Config{SchedulerTimeout: time.Minute, SchedulerRetry: time.Minute, SchedulerMaxRetries: 10,
	SchedulerBadHostLifetime: time.Minute}

// world is a store with agents: each host has its own session writing its
// namespace's state, as an agent does.
type world struct {
	t      testing.TB
	b      servicetest.Backend
	ctx    context.Context
	root   string
	st     *zoom.Store
	agents map[uuid.UUID]*zoom.Store
}

func newWorld(t testing.TB, b servicetest.Backend) *world {
	root := servicetest.Root(t)
	return &world{t: t, b: b, ctx: servicetest.Context(t), root: root,
		st:     servicetest.Store(t, b, root, zoom.Options{}),
		agents: map[uuid.UUID]*zoom.Store{}}
}

// host creates a host object (as an agent registers itself) with the
// alive key, and, when status is not nil, its container service status.
func (w *world) host(status *models.ContainerServiceStatus) uuid.UUID {
	w.t.Helper()
	id := uuid.New()
	if err := w.st.Create(w.ctx, &models.Host{Id: models.UUIDFromGoogle(id), Name: proto.String("host-" + id.String()[:4])}); err != nil {
		w.t.Fatal(err)
	}
	agent := servicetest.Store(w.t, w.b, w.root, zoom.Options{Namespace: id.String()})
	w.agents[id] = agent
	if _, err := agent.AddValue(w.ctx, &models.Host{}, id, midonet.AliveKey, "alive"); err != nil {
		w.t.Fatal(err)
	}
	if status != nil {
		w.setService(id, status)
	}
	return id
}

func service(weight, quota, count int32) *models.ContainerServiceStatus {
	return &models.ContainerServiceStatus{Weight: proto.Int32(weight), Quota: proto.Int32(quota), Count: proto.Int32(count)}
}

func (w *world) setService(host uuid.UUID, status *models.ContainerServiceStatus) {
	w.t.Helper()
	text, err := models.Marshal(status)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.agents[host].AddValue(w.ctx, &models.Host{}, host, midonet.ContainerKey, string(text)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) stopService(host uuid.UUID) {
	w.t.Helper()
	if _, err := w.agents[host].RemoveValue(w.ctx, &models.Host{}, host, midonet.ContainerKey, ""); err != nil {
		w.t.Fatal(err)
	}
}

// report writes the container's status as the agent at host does.
func (w *world) report(host, container uuid.UUID, code models.ContainerStatus_Code) {
	w.t.Helper()
	text, err := models.Marshal(&models.ContainerStatus{StatusCode: code.Enum(), HostId: models.UUIDFromGoogle(host),
		NamespaceName: proto.String("ns"), InterfaceName: proto.String("if")})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.agents[host].AddValue(w.ctx, &models.ServiceContainer{}, container, midonet.StatusKey, string(text)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) clearReport(host, container uuid.UUID) {
	w.t.Helper()
	if _, err := w.agents[host].RemoveValue(w.ctx, &models.ServiceContainer{}, container, midonet.StatusKey, ""); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) group(policy models.ServiceContainerPolicy) uuid.UUID {
	w.t.Helper()
	id := uuid.New()
	if err := w.st.Create(w.ctx, &models.ServiceContainerGroup{Id: models.UUIDFromGoogle(id), Policy: policy.Enum()}); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// container creates a container of group on a port of a new router.
func (w *world) container(group uuid.UUID) (container, port uuid.UUID) {
	w.t.Helper()
	router, port, container := uuid.New(), uuid.New(), uuid.New()
	if err := w.st.Tx(w.ctx, func(tx *zoom.Tx) error {
		return errors.Join(
			tx.Create(&models.Router{Id: models.UUIDFromGoogle(router)}),
			tx.Create(&models.Port{Id: models.UUIDFromGoogle(port), RouterId: models.UUIDFromGoogle(router)}),
			tx.Create(&models.ServiceContainer{Id: models.UUIDFromGoogle(container), ServiceGroupId: models.UUIDFromGoogle(group),
				PortId: models.UUIDFromGoogle(port), ServiceType: proto.String("IPSEC")}))
	}); err != nil {
		w.t.Fatal(err)
	}
	return container, port
}

// bindPort binds port to host (nil: unbinds), as an operator's REST PUT does.
func (w *world) bindPort(port uuid.UUID, host uuid.UUID) {
	w.t.Helper()
	if err := w.st.Tx(w.ctx, func(tx *zoom.Tx) error {
		m, err := tx.Get(&models.Port{}, port)
		if err != nil {
			return err
		}
		p := m.(*models.Port)
		p.HostId = nil
		if host != uuid.Nil {
			p.HostId = models.UUIDFromGoogle(host)
		}
		return tx.Update(p)
	}); err != nil {
		w.t.Fatal(err)
	}
}

// recorder collects a scheduler's events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(ev Event) { r.mu.Lock(); r.events = append(r.events, ev); r.mu.Unlock() }

// want waits for the next events to be exactly these (kind and host) and
// consumes them.
func (r *recorder) want(t testing.TB, want ...Event) {
	t.Helper()
	deadline := time.Now().Add(servicetest.WaitLimit)
	for {
		r.mu.Lock()
		n := len(r.events)
		if n >= len(want) {
			got := r.events[:len(want)]
			r.events = r.events[len(want):]
			r.mu.Unlock()
			for i := range want {
				if got[i].Kind != want[i].Kind || (want[i].Host != uuid.Nil && got[i].Host != want[i].Host) {
					t.Fatalf("events %v, want %v", got, want)
				}
			}
			return
		}
		r.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %v; have %v", want, r.events)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// none checks that no event comes for a while.
func (r *recorder) none(t testing.TB, d time.Duration) {
	t.Helper()
	time.Sleep(d)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) > 0 {
		t.Fatalf("unexpected events %v", r.events)
	}
}

// next returns the next event.
func (r *recorder) next(t testing.TB) Event {
	t.Helper()
	var ev Event
	servicetest.Eventually(t, "an event", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.events) == 0 {
			return false
		}
		ev, r.events = r.events[0], r.events[1:]
		return true
	})
	return ev
}

// start runs a scheduler over w's store that applies its decisions (so
// port bindings follow, as in the service) and records them.
func (w *world) start(t testing.TB, cfg Config) *recorder {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(w.ctx)
	s := NewScheduler(w.st, cfg, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(ev Event) {
			// Recorded once applied, so that a test seeing a decision
			// also sees its effect on the port.
			if err := Apply(ctx, w.st, ev, slog.New(slog.DiscardHandler)); err != nil && ctx.Err() == nil {
				t.Errorf("apply %v: %v", ev, err)
			}
			rec.add(ev)
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler: %v", err)
		}
	})
	return rec
}

// placed starts a scheduler with cfg and one container on one host, and
// waits until the container is scheduled there.
func (w *world) placed(t testing.TB, cfg Config) (rec *recorder, host, container, port uuid.UUID) {
	t.Helper()
	host = w.host(service(1, -1, 0))
	rec = w.start(t, cfg)
	container, port = w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
	rec.want(t, ev(Schedule, host))
	return rec, host, container, port
}

// running reports the container RUNNING at host and waits for Up.
func (w *world) running(t *testing.T, rec *recorder, host, container uuid.UUID) {
	t.Helper()
	w.report(host, container, models.ContainerStatus_RUNNING)
	rec.want(t, ev(Up, host))
}

func ev(kind EventKind, host uuid.UUID) Event { return Event{Kind: kind, Host: host} }

func (w *world) portHost(port uuid.UUID) uuid.UUID {
	w.t.Helper()
	m, err := w.st.Get(w.ctx, &models.Port{}, port)
	if err != nil {
		w.t.Fatal(err)
	}
	return m.(*models.Port).GetHostId().ToGoogle()
}

func TestConfigFromSchemaDefaults(t *testing.T) {
	cfg, err := ConfigFrom(servicetest.SchemaDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{SchedulerTimeout: 10 * time.Second, SchedulerRetry: 15 * time.Second, SchedulerMaxRetries: 10,
		SchedulerBadHostLifetime: 30 * time.Second}
	if cfg != want {
		t.Fatalf("defaults %+v, want %+v", cfg, want)
	}
}

func TestScheduler(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		t.Run("NoHostsAvailable", func(t *testing.T) {
			w := newWorld(t, b)
			cfg := fastConfig
			cfg.SchedulerRetry, cfg.SchedulerMaxRetries = 20*time.Millisecond, 3
			rec := w.start(t, cfg)
			w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			w.host(nil)                       // alive but no container service
			w.host(service(0, -1, 0))         // zero weight
			rec.none(t, 300*time.Millisecond) // retried 3 times, then waits
			h := w.host(service(1, -1, 0))
			rec.want(t, ev(Schedule, h))
		})
		t.Run("SchedulesOnTheRunningHost", func(t *testing.T) {
			w := newWorld(t, b)
			w.host(nil)
			h := w.host(service(1, -1, 0))
			rec := w.start(t, fastConfig)
			_, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h))
			servicetest.Eventually(t, "the port is bound", func() bool { return w.portHost(port) == h })
			m, _ := w.st.Get(w.ctx, &models.Port{}, port)
			if name := m.(*models.Port).GetInterfaceName(); name != "vpn-"+port.String()[:8] {
				t.Errorf("interface %q, want vpn-%s", name, port.String()[:8])
			}
		})
		t.Run("WeightAndQuotaChanges", func(t *testing.T) {
			w := newWorld(t, b)
			h := w.host(service(0, -1, 0))
			rec := w.start(t, fastConfig)
			w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.none(t, 200*time.Millisecond)
			w.setService(h, service(1, 0, 0)) // eligible, no quota left
			rec.none(t, 200*time.Millisecond)
			w.setService(h, service(1, 5, 0))
			rec.want(t, ev(Schedule, h))
			// A quota falling to 0 keeps what the host already runs.
			w.setService(h, service(1, 0, 1))
			rec.none(t, 200*time.Millisecond)
			// A bigger host appearing does not move it either.
			w.host(service(1000, -1, 0))
			rec.none(t, 200*time.Millisecond)
		})
		t.Run("RunningStatusMakesItUp", func(t *testing.T) {
			w := newWorld(t, b)
			h := w.host(service(1, -1, 0))
			cfg := fastConfig
			cfg.SchedulerTimeout = 300 * time.Millisecond
			rec := w.start(t, cfg)
			c, _ := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h))
			w.report(h, c, models.ContainerStatus_STARTING)
			w.report(h, c, models.ContainerStatus_RUNNING)
			rec.want(t, ev(Up, h))
			rec.none(t, 500*time.Millisecond) // the timeout was cancelled
		})
		t.Run("TimeoutMovesToAnotherHost", func(t *testing.T) {
			w := newWorld(t, b)
			h1 := w.host(service(1, -1, 0))
			cfg := fastConfig
			cfg.SchedulerTimeout = 200 * time.Millisecond
			rec := w.start(t, cfg)
			_, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h1))
			h2 := w.host(service(1, -1, 0))
			// h1 never reports: it is bad, the container moves to h2.
			rec.want(t, ev(Unschedule, h1), ev(Schedule, h2))
			servicetest.Eventually(t, "the port moves", func() bool { return w.portHost(port) == h2 })
		})
		t.Run("TimeoutWithoutOtherHostUnschedules", func(t *testing.T) {
			w := newWorld(t, b)
			h1 := w.host(service(1, -1, 0))
			cfg := fastConfig
			cfg.SchedulerTimeout, cfg.SchedulerRetry = 100*time.Millisecond, time.Minute
			rec := w.start(t, cfg)
			_, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h1))
			rec.want(t, ev(Unschedule, h1))
			servicetest.Eventually(t, "the port is unbound", func() bool { return w.portHost(port) == uuid.Nil })
		})
		t.Run("BadHostLifetimeEnds", func(t *testing.T) {
			w := newWorld(t, b)
			h1 := w.host(service(1, -1, 0))
			cfg := fastConfig
			cfg.SchedulerTimeout, cfg.SchedulerBadHostLifetime, cfg.SchedulerRetry = 100*time.Millisecond, 200*time.Millisecond, 300*time.Millisecond
			rec := w.start(t, cfg)
			w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h1))
			rec.want(t, ev(Unschedule, h1))
			// After the retry period the host is no longer bad: again.
			rec.want(t, ev(Schedule, h1))
		})
		t.Run("BadHostForgottenWhenItRestarts", func(t *testing.T) {
			w := newWorld(t, b)
			h1 := w.host(service(1, -1, 0))
			cfg := fastConfig
			cfg.SchedulerTimeout = 100 * time.Millisecond
			rec := w.start(t, cfg)
			w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			rec.want(t, ev(Schedule, h1))
			rec.want(t, ev(Unschedule, h1))
			w.stopService(h1)
			rec.none(t, 100*time.Millisecond)
			w.setService(h1, service(1, -1, 0))
			rec.want(t, ev(Schedule, h1))
		})
		t.Run("ErrorStatusReschedules", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, _ := w.placed(t, fastConfig)
			h2 := w.host(service(1, -1, 0))
			w.report(h1, c, models.ContainerStatus_ERROR)
			rec.want(t, ev(Down, uuid.Nil), ev(Unschedule, h1), ev(Schedule, h2))
		})
		t.Run("RunningContainerFailsOver", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, port := w.placed(t, fastConfig)
			w.running(t, rec, h1, c)
			h2 := w.host(service(1, -1, 0))
			rec.none(t, 100*time.Millisecond)
			// The agent of h1 goes away: its ephemeral keys with it.
			if err := w.agents[h1].Conn().Close(); err != nil {
				t.Fatal(err)
			}
			// Down, then the container ends at h2; on the way it may be
			// placed at h1 again and moved (when the status vanishes
			// before the host's service does, h1 is still a candidate).
			if e := rec.next(t); e.Kind != Down {
				t.Fatalf("first event %v, want down", e)
			}
			for e := rec.next(t); e.Kind != Schedule || e.Host != h2; e = rec.next(t) {
				if e.Host != h1 {
					t.Fatalf("event %v, want one about h1 or schedule at h2", e)
				}
			}
			servicetest.Eventually(t, "the port moves", func() bool { return w.portHost(port) == h2 })
			w.report(h2, c, models.ContainerStatus_RUNNING)
			rec.want(t, ev(Up, h2))
		})
		t.Run("StoppingWhileUpReschedules", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, _ := w.placed(t, fastConfig)
			w.running(t, rec, h1, c)
			h2 := w.host(service(1, -1, 0))
			w.report(h1, c, models.ContainerStatus_STOPPING)
			// h1 is bad for a retry period: the container moves (its port
			// is rebound by the Schedule, as in the reference).
			rec.want(t, ev(Down, uuid.Nil), ev(Schedule, h2))
		})
		t.Run("ClearedStatusWhileUpReschedules", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, _ := w.placed(t, fastConfig)
			w.running(t, rec, h1, c)
			w.clearReport(h1, c)
			// Down, then placed again (h1 is still the only host).
			rec.want(t, ev(Down, uuid.Nil), ev(Schedule, h1))
		})
		t.Run("ManualRescheduleIsFollowed", func(t *testing.T) {
			w := newWorld(t, b)
			// Both hosts known from the start; the least policy picks h1.
			h1, h2 := w.host(service(1, -1, 0)), w.host(service(1, -1, 5))
			rec := w.start(t, fastConfig)
			c, port := w.container(w.group(models.ServiceContainerPolicy_LEAST_SCHEDULER))
			rec.want(t, ev(Schedule, h1))
			w.bindPort(port, h2)
			rec.want(t, ev(Notify, h2))
			w.report(h2, c, models.ContainerStatus_RUNNING)
			rec.want(t, ev(Up, h2))
			rec.none(t, 100*time.Millisecond)
		})
		t.Run("ManualUnbindReschedules", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, _, port := w.placed(t, fastConfig)
			servicetest.Eventually(t, "the port is bound", func() bool { return w.portHost(port) == h1 })
			w.bindPort(port, uuid.Nil)
			rec.want(t, ev(Schedule, h1))
		})
		t.Run("ExistingBindingIsKept", func(t *testing.T) {
			// A new leader finds the container bound and running: it keeps
			// it where it is.
			w := newWorld(t, b)
			w.host(service(1, -1, 0))
			h2 := w.host(service(1, -1, 0))
			c, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			w.bindPort(port, h2)
			w.report(h2, c, models.ContainerStatus_RUNNING)
			rec := w.start(t, fastConfig)
			rec.want(t, ev(Up, h2))
			rec.none(t, 200*time.Millisecond)
		})
		t.Run("GroupChangeReschedules", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, _ := w.placed(t, fastConfig)
			w.running(t, rec, h1, c)
			g2 := w.group(models.ServiceContainerPolicy_LEAST_SCHEDULER)
			if err := w.st.Tx(w.ctx, func(tx *zoom.Tx) error {
				m, err := tx.Get(&models.ServiceContainer{}, c)
				if err != nil {
					return err
				}
				sc := m.(*models.ServiceContainer)
				sc.ServiceGroupId = models.UUIDFromGoogle(g2)
				return tx.Update(sc)
			}); err != nil {
				t.Fatal(err)
			}
			rec.want(t, ev(Down, uuid.Nil), ev(Unschedule, h1), ev(Schedule, h1))
		})
		t.Run("DeletedContainerIsUnscheduled", func(t *testing.T) {
			w := newWorld(t, b)
			rec, h1, c, _ := w.placed(t, fastConfig)
			w.running(t, rec, h1, c)
			if err := w.st.Delete(w.ctx, &models.ServiceContainer{}, c); err != nil {
				t.Fatal(err)
			}
			rec.want(t, ev(Unschedule, h1))
			rec.none(t, 100*time.Millisecond)
		})
		t.Run("LeastPolicy", func(t *testing.T) {
			w := newWorld(t, b)
			w.host(service(1, -1, 3))
			least := w.host(service(1, -1, 1))
			w.host(service(1, -1, 2))
			rec := w.start(t, fastConfig)
			w.container(w.group(models.ServiceContainerPolicy_LEAST_SCHEDULER))
			rec.want(t, ev(Schedule, least))
		})
		t.Run("WeightedPolicyFollowsWeights", func(t *testing.T) {
			w := newWorld(t, b)
			heavy := w.host(service(9, -1, 0))
			w.host(service(1, -1, 0))
			rec := w.start(t, fastConfig)
			g := w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER)
			const n = 40
			for range n {
				w.container(g)
			}
			onHeavy := 0
			for range n {
				if e := rec.next(t); e.Kind == Schedule && e.Host == heavy {
					onHeavy++
				}
			}
			// 9:1 weights: P(fewer than 25 of 40 on the heavy host) < 1e-6.
			if onHeavy < 25 {
				t.Errorf("%d of %d containers on the host of weight 9 (of 10)", onHeavy, n)
			}
		})
	})
}

// TestSchedulerEndsOnSessionExpiry: the scheduler's watches end with its
// session; Run reports it (the service then starts a new scheduler).
func TestSchedulerEndsOnSessionExpiry(t *testing.T) {
	b := servicetest.Backend{Name: "zookeeper", Backend: servicetest.ZooKeeper(t)}
	w := newWorld(t, b)
	w.host(service(1, -1, 0))
	s := NewScheduler(w.st, fastConfig, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() { done <- s.Run(w.ctx, func(Event) {}) }()
	time.Sleep(200 * time.Millisecond)
	b.Expire(t, w.st.Conn())
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("scheduler ended without an error on expiry")
		}
	case <-time.After(servicetest.WaitLimit):
		t.Fatal("scheduler did not notice the expiry")
	}
}

// BenchmarkScheduling measures how long the scheduler takes to place
// containers (decide and bind each one's port: one transaction each) once
// it starts, against the baseline of creating them (one transaction each).
func BenchmarkScheduling(b *testing.B) {
	for _, name := range []string{"mem", "zookeeper"} {
		b.Run(name, func(b *testing.B) {
			backend := servicetest.Backend{Name: name, Backend: memtest.NewBackend()}
			if name == "zookeeper" {
				backend.Backend = servicetest.ZooKeeper(b)
			}
			w := newWorld(b, backend)
			for range 3 {
				w.host(service(1, -1, 0))
			}
			g := w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER)
			b.ResetTimer()
			start := time.Now()
			ports := make([]uuid.UUID, b.N)
			for i := range b.N {
				_, ports[i] = w.container(g)
			}
			create := time.Since(start)
			start = time.Now()
			var mu sync.Mutex
			scheduled := 0
			ctx, cancel := context.WithCancel(w.ctx)
			defer cancel()
			// Decisions are applied as the service applies them.
			apply := newApplier(ctx, w.st, slog.New(slog.DiscardHandler), applyWorkers, func(ev Event, err error) {
				if err == nil && ev.Kind == Schedule {
					mu.Lock()
					scheduled++
					mu.Unlock()
				}
			})
			defer apply.close()
			s := NewScheduler(w.st, fastConfig, slog.New(slog.DiscardHandler))
			go s.Run(ctx, apply.submit)
			servicetest.Eventually(b, "every container scheduled", func() bool { mu.Lock(); defer mu.Unlock(); return scheduled == b.N })
			schedule := time.Since(start)
			b.StopTimer()
			if w.portHost(ports[b.N-1]) == uuid.Nil {
				b.Fatal("last container's port not bound")
			}
			b.ReportMetric(float64(schedule.Nanoseconds())/float64(b.N), "ns/container")
			b.ReportMetric(float64(schedule)/float64(create), "x-create")
		})
	}
}
