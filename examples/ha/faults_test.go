package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage/zk"
)

// plan sizes the fault suite: short by default (a minute or two on a
// 2-core machine), full with MIDONET_HA_FULL=1.
type plan struct {
	name    string
	workers int
	warm    time.Duration // load before the fault
	after   time.Duration // load after the fault
	tail    time.Duration // end of the phase that must be free of errors
	// bounds on the measurements, generous for a loaded CI machine
	maxNodeErrorWindow time.Duration
	maxZKWritePause    time.Duration // also bounds the election
	reconnectSlack     time.Duration // write pause beyond the ZooKeeper election
	maxTakeover        time.Duration
}

func currentPlan() plan {
	if os.Getenv("MIDONET_HA_FULL") != "" {
		return plan{name: "full", workers: 12, warm: 10 * time.Second, after: 60 * time.Second, tail: 20 * time.Second,
			maxNodeErrorWindow: 10 * time.Second, maxZKWritePause: 30 * time.Second, reconnectSlack: 10 * time.Second, maxTakeover: 30 * time.Second}
	}
	return plan{name: "short", workers: 4, warm: 2 * time.Second, after: 8 * time.Second, tail: 3 * time.Second,
		maxNodeErrorWindow: 10 * time.Second, maxZKWritePause: 30 * time.Second, reconnectSlack: 10 * time.Second, maxTakeover: 30 * time.Second}
}

// fpLatch is the election of the one singleton service of a standard node,
// the VxLAN gateway's flooding-proxy manager (cluster.vxgwServices), under
// the root key; its leader's id is the node's host id.
const fpLatch = "vxgw/fp-latch"

func requireComponents(t *testing.T) {
	t.Helper()
	if m := missingComponents(); m != "" {
		msg := "examples/ha: " + m + " not installed (apt-get install zookeeper haproxy, or bash .ci/run)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — failing because CI=true")
		}
		t.Skip("SKIPPED: " + msg)
	}
}

// suite runs phases of load through haproxy, each with one fault, and
// checks after each that every acknowledged write so far reads back and
// that the topology is consistent.
type suite struct {
	t       *testing.T
	ctx     context.Context
	plan    plan
	d       *Deployment
	ledger  *Ledger
	results []Result
}

// phase runs the load for plan.warm, calls fault, keeps the load on for
// plan.after (and at least plan.tail after fault returns), then
// stops it, calls recover and verifies. It returns the phase's result and
// when the fault was injected.
func (s *suite) phase(name string, fault func() time.Duration, recover func()) (Result, time.Time) {
	t := s.t
	t.Logf("phase %q: load with %d workers", name, s.plan.workers)
	from := time.Now()
	load := StartLoad(s.ctx, s.d.APIURL(), s.plan.workers, s.ledger)
	time.Sleep(s.plan.warm)
	faultAt := time.Now()
	var takeover time.Duration
	if fault != nil {
		takeover = fault()
	}
	// Load for plan.after from the fault, and at least plan.tail after a
	// fault that took long (a takeover, a full restart).
	time.Sleep(max(time.Until(faultAt.Add(s.plan.after)), s.plan.tail))
	load.Stop()
	to := time.Now()
	res := Summarize(name, load.Requests(from, to), from, to)
	res.Takeover = takeover
	for _, e := range res.FirstErrors {
		t.Logf("  %s", e)
	}
	if tail := Summarize("tail", load.Requests(to.Add(-s.plan.tail), to), to.Add(-s.plan.tail), to); tail.Unavailable > 0 {
		t.Errorf("phase %q: %d requests failed as unavailable in the last %v: the deployment did not recover", name, tail.Unavailable, s.plan.tail)
	}
	for kind, n := range res.OtherErrors {
		t.Errorf("phase %q: %d requests failed with an error answer other than unavailability (a bug whatever the fault): %s", name, n, kind)
	}
	if after := Summarize("after", load.Requests(faultAt, to), faultAt, to); after.OK == 0 {
		t.Errorf("phase %q: no request succeeded after the fault", name)
	}
	if recover != nil {
		recover()
	}
	res.Lost, res.Dangling = s.verify(name)
	s.results = append(s.results, res)
	t.Logf("phase %q: %.0f req/s, %d ok, %d unavailable, %d other errors, error window %.1fs, longest write pause %.1fs, lost %d, dangling %d",
		name, res.ReqPerSec, res.OK, res.Unavailable, res.Failed-res.Unavailable, res.ErrorWindow.Seconds(), res.WritePause.Seconds(), res.Lost, res.Dangling)
	return res, faultAt
}

// verify reads back every acknowledged write and runs the consistency
// checker on the ensemble; it fails the test on any loss or finding.
func (s *suite) verify(name string) (lost, dangling int) {
	t := s.t
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Minute)
	defer cancel()
	checked, missing, err := s.ledger.Verify(ctx, s.d.APIURL(), 8)
	if err != nil {
		t.Fatalf("phase %q: read-back: %v", name, err)
	}
	for _, m := range missing {
		t.Errorf("phase %q: acknowledged write lost: %s", name, m)
	}
	t.Logf("phase %q: %d acknowledged writes read back", name, checked)
	return len(missing), s.check(name)
}

// check runs the consistency checker on the ensemble, failing the test on
// any finding, and returns their number.
func (s *suite) check(name string) int {
	t := s.t
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Minute)
	defer cancel()
	conn, err := zk.Connect(ctx, zk.Config{Servers: strings.Split(s.d.ZooKeeperHosts(), ",")})
	if err != nil {
		t.Fatalf("%s: connect to ZooKeeper: %v", name, err)
	}
	defer conn.Close()
	rep, err := consistency.Check(ctx, conn, s.d.RootKey(), consistency.Options{})
	if err != nil {
		t.Fatalf("%s: consistency check: %v", name, err)
	}
	for _, f := range rep.Findings {
		t.Errorf("%s: %v", name, f)
	}
	t.Logf("%s: %d objects checked, %d findings", name, rep.Total(), len(rep.Findings))
	return len(rep.Findings)
}

// stopAtCleanup stops d when t ends, logging each node's last lines first
// when t failed.
func stopAtCleanup(t *testing.T, d *Deployment) {
	t.Cleanup(func() {
		if t.Failed() {
			for i := range d.Nodes() {
				if data, err := os.ReadFile(d.NodeLog(i)); err == nil {
					lines := strings.Split(strings.TrimSpace(string(data)), "\n")
					t.Logf("node %d log tail:\n%s", i+1, strings.Join(lines[max(0, len(lines)-20):], "\n"))
				}
			}
		}
		d.Stop()
	})
}

func (s *suite) singletonLeader(timeout time.Duration, not int) (int, time.Duration) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	conn, err := zk.Connect(ctx, zk.Config{Servers: strings.Split(s.d.ZooKeeperHosts(), ",")})
	if err != nil {
		s.t.Fatalf("connect to ZooKeeper: %v", err)
	}
	defer conn.Close()
	for {
		id, err := s.d.SingletonLeader(ctx, conn, fpLatch)
		if i := s.d.NodeIndex(id); err == nil && i >= 0 && i != not && s.d.NodeRunning(i) {
			return i, time.Since(start)
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("no running node other than %d leads %s after %v (last: %q, %v)", not, fpLatch, timeout, id, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestFaults is the HA fault suite: one deployment, a steady load, then
// kill -9 of a cluster node, of the ZooKeeper leader, of the singleton
// holder, and of everything at once, with the table of measurements logged
// at the end (go test -v).
func TestFaults(t *testing.T) {
	requireComponents(t)
	p := currentPlan()
	ctx := t.Context()
	dir := t.TempDir()
	bin, err := BuildCluster(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// The deployment logs into the test's output how long a restart's
	// ensemble and nodes took to serve.
	d, err := Start(ctx, Options{Dir: dir, ClusterBinary: bin, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	stopAtCleanup(t, d)
	s := &suite{t: t, ctx: ctx, plan: p, d: d, ledger: NewLedger()}
	t.Logf("%s plan; API through haproxy at %s, ZooKeeper %s", p.name, d.APIURL(), d.ZooKeeperHosts())

	// No fault; midway the checker runs on the live ensemble, under the
	// load (its rechecks must filter out the writes racing its reads).
	res, _ := s.phase("none (steady load)", func() time.Duration {
		n := s.check("live, under load")
		t.Logf("live consistency check under load: %d findings", n)
		return 0
	}, nil)
	if res.Unavailable > 0 {
		t.Errorf("steady load without a fault had %d requests failing as unavailable", res.Unavailable)
	}

	// kill -9 a node that does not hold the singleton (that is the next phase).
	holder, _ := s.singletonLeader(time.Minute, -1)
	victim := (holder + 1) % d.Nodes()
	res, _ = s.phase("kill -9 one cluster node", func() time.Duration {
		d.KillNode(victim)
		return 0
	}, func() {
		if err := d.StartNode(ctx, victim); err != nil {
			t.Fatal(err)
		}
	})
	if res.ErrorWindow > p.maxNodeErrorWindow {
		t.Errorf("error window after killing a node: %v, want at most %v", res.ErrorWindow, p.maxNodeErrorWindow)
	}

	var zkLeader int
	var election time.Duration
	res, _ = s.phase("kill -9 the ZooKeeper leader", func() time.Duration {
		if zkLeader = d.ZooKeeperLeader(ctx); zkLeader < 0 {
			t.Fatal("no ZooKeeper leader")
		}
		killed := time.Now()
		d.KillZooKeeper(zkLeader)
		for d.ZooKeeperLeader(ctx) < 0 {
			if time.Since(killed) > p.maxZKWritePause {
				t.Fatalf("no new ZooKeeper leader %v after killing member %d", p.maxZKWritePause, zkLeader)
			}
			time.Sleep(20 * time.Millisecond)
		}
		election = time.Since(killed)
		t.Logf("ZooKeeper member %d led; a new leader was elected in %v", zkLeader+1, election)
		return election
	}, func() {
		if err := d.StartZooKeeper(ctx, zkLeader); err != nil {
			t.Fatal(err)
		}
	})
	// Writes pause for the election, plus the nodes' reconnection and
	// haproxy's health checks (2 x 500 ms to mark a node down, again up).
	if limit := election + p.reconnectSlack; res.WritePause > limit {
		t.Errorf("writes paused %v after killing the ZooKeeper leader (election %v), want at most %v", res.WritePause, election, limit)
	}

	holder, _ = s.singletonLeader(time.Minute, -1)
	s.phase("kill -9 the singleton's node", func() time.Duration {
		d.KillNode(holder)
		next, took := s.singletonLeader(p.maxTakeover, holder)
		t.Logf("flooding-proxy singleton moved from node %d to node %d in %v", holder+1, next+1, took)
		return took
	}, func() {
		if err := d.StartNode(ctx, holder); err != nil {
			t.Fatal(err)
		}
	})

	s.phase("kill -9 everything, restart", func() time.Duration {
		d.KillAll()
		if err := d.StartAll(ctx); err != nil {
			t.Fatal(err)
		}
		return 0
	}, nil)

	creates, deletes := s.ledger.Counts()
	t.Logf("%d acknowledged creates, %d acknowledged deletes over the suite\n%s", creates, deletes, tableString(s.results))
}
