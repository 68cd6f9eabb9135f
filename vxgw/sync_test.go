package vxgw

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/vxgw/vteptest"
)

// recorder is a Reporter keeping what it was told, for assertions.
type recorder struct {
	mu      sync.Mutex
	states  []ConnectionState
	ps      PhysicalSwitch
	learned map[string]LocalMAC // network/mac → MAC
	resets  int
}

func newRecorder() *recorder { return &recorder{learned: map[string]LocalMAC{}} }

func (r *recorder) ConnectionState(_ context.Context, st ConnectionState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, st)
}

func (r *recorder) PhysicalSwitch(_ context.Context, ps PhysicalSwitch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ps = ps
}

func (r *recorder) LocalMACsReset(_ context.Context, macs []LocalMAC) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets++
	r.learned = map[string]LocalMAC{}
	for _, m := range macs {
		r.learned[m.NetworkID+"/"+m.MAC] = m
	}
}

func (r *recorder) LocalMACsChanged(_ context.Context, changes []LocalMACChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range changes {
		if c.Old != nil {
			delete(r.learned, c.Old.NetworkID+"/"+c.Old.MAC)
		}
		if c.New != nil {
			r.learned[c.New.NetworkID+"/"+c.New.MAC] = *c.New
		}
	}
}

func (r *recorder) lastState() ConnectionState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 {
		return -1
	}
	return r.states[len(r.states)-1]
}

func (r *recorder) learnedMAC(network, mac string) (LocalMAC, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.learned[network+"/"+mac]
	return m, ok
}

func (r *recorder) switchInfo() PhysicalSwitch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ps
}

// eventually polls cond until it holds or the bound passes.
func eventually(t testing.TB, what string, bound time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(bound)
	var last string
	for time.Now().Before(deadline) {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not true within %v; last seen: %s", what, bound, last)
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("VXGW_TEST_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

type vtepFixture struct {
	srv  *vteptest.Server
	sync *Synchronizer
	rec  *recorder
	stop func()
}

// startVTEP starts ovsdb-server with a physical switch "vtep0" (tunnel IP
// 10.0.0.100, ports eth0..eth2) and a synchronizer running against it.
func startVTEP(t *testing.T, adjust ...func(*Config)) *vtepFixture {
	t.Helper()
	srv := vteptest.Start(t)
	srv.AddPhysicalSwitch("vtep0", []string{"127.0.0.1"}, []string{"10.0.0.100"}, []string{"eth0", "eth1", "eth2"})
	rec := newRecorder()
	cfg := Config{
		Endpoint: srv.Endpoint(), ManagementIP: "127.0.0.1", Reporter: rec, Log: testLogger(t),
		Backoff:       Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		ProbeInterval: 300 * time.Millisecond,
		DialTimeout:   time.Second,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	s := NewSynchronizer(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("synchronizer did not stop within 15s")
		}
	}
	t.Cleanup(stop)
	return &vtepFixture{srv: srv, sync: s, rec: rec, stop: stop}
}

func (f *vtepFixture) apply(t *testing.T, d DesiredState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.sync.WaitApplied(ctx, f.sync.SetDesired(d)); err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, f.srv.Log())
	}
}

// ctl runs vtep-ctl and returns its output (the independent view of the VTEP).
func (f *vtepFixture) ctl(t *testing.T, args ...string) string {
	t.Helper()
	return f.srv.MustCtl(args...)
}

const (
	network1 = "1f0e4a4c-6e0b-4b8e-9a55-3c1a2b3c4d01"
	network2 = "2f0e4a4c-6e0b-4b8e-9a55-3c1a2b3c4d02"
)

func TestSynchronizerAgainstOVSDBServer(t *testing.T) {
	t.Parallel()
	f := startVTEP(t)
	ls1 := LogicalSwitchName(network1)
	ls2 := LogicalSwitchName(network2)

	eventually(t, "connected and physical switch reported", 10*time.Second, func() (bool, string) {
		ps := f.rec.switchInfo()
		ok := f.rec.lastState() == Connected && ps.Name == "vtep0" && len(ps.Ports) == 3 &&
			len(ps.TunnelIPs) == 1 && ps.TunnelIPs[0] == "10.0.0.100"
		return ok, f.rec.lastState().String() + " " + ps.Name
	})

	// Bind: switch with the VNI, bindings, remote MAC and flooding proxy.
	want := DesiredState{
		FloodingProxyIP: "192.168.0.9",
		Networks: []NetworkBinding{{
			NetworkID: network1, VNI: 10001,
			Bindings:   []PortVLAN{{"eth0", 0}, {"eth1", 100}},
			RemoteMACs: []RemoteMAC{{MAC: "AA:00:00:00:00:01", IP: "10.0.1.5", TunnelIP: "192.168.0.1"}},
		}},
	}
	f.apply(t, want)
	if got := f.ctl(t, "list-ls"); got != ls1 {
		t.Fatalf("list-ls = %q, want %q", got, ls1)
	}
	if got := f.ctl(t, "get", "Logical_Switch", ls1, "tunnel_key"); got != "10001" {
		t.Fatalf("tunnel_key = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "vtep0", "eth0"); got != "0000 "+ls1 {
		t.Fatalf("eth0 bindings = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "vtep0", "eth1"); got != "0100 "+ls1 {
		t.Fatalf("eth1 bindings = %q", got)
	}
	remote := f.ctl(t, "list-remote-macs", ls1)
	for _, line := range []string{"aa:00:00:00:00:01 -> vxlan_over_ipv4/192.168.0.1", "unknown-dst -> vxlan_over_ipv4/192.168.0.9"} {
		if !strings.Contains(remote, line) {
			t.Fatalf("remote MACs lack %q:\n%s", line, remote)
		}
	}
	if got := f.ctl(t, "--columns=ipaddr", "find", "Ucast_Macs_Remote", "MAC=aa\\:00\\:00\\:00\\:00\\:01"); !strings.Contains(got, "10.0.1.5") {
		t.Fatalf("remote MAC ipaddr: %q", got)
	}

	// A MAC learned by the VTEP is reported within a bounded time, and its
	// removal too.
	f.srv.AddUcastLocal(ls1, "00:00:00:00:00:42", "10.0.0.100")
	eventually(t, "learned MAC reported", 5*time.Second, func() (bool, string) {
		m, ok := f.rec.learnedMAC(network1, "00:00:00:00:00:42")
		return ok && m.TunnelIP == "10.0.0.100", ""
	})
	f.srv.DelUcastLocal(ls1, "00:00:00:00:00:42")
	eventually(t, "forgotten MAC reported", 5*time.Second, func() (bool, string) {
		_, ok := f.rec.learnedMAC(network1, "00:00:00:00:00:42")
		return !ok, ""
	})

	// The port moves to another host: one row, new locator.
	want.Networks[0].RemoteMACs[0].TunnelIP = "192.168.0.2"
	f.apply(t, want)
	remote = f.ctl(t, "list-remote-macs", ls1)
	if !strings.Contains(remote, "aa:00:00:00:00:01 -> vxlan_over_ipv4/192.168.0.2") || strings.Contains(remote, "192.168.0.1\n") {
		t.Fatalf("moved MAC:\n%s", remote)
	}
	if n := strings.Count(f.ctl(t, "--columns=_uuid", "find", "Ucast_Macs_Remote"), "_uuid"); n != 1 {
		t.Fatalf("%d remote ucast rows, want 1", n)
	}

	// Someone deletes our row behind our back: it is written again.
	f.ctl(t, "clear-remote-macs", ls1)
	eventually(t, "tampered remote MACs repaired", 10*time.Second, func() (bool, string) {
		out := f.ctl(t, "list-remote-macs", ls1)
		return strings.Contains(out, "aa:00:00:00:00:01 -> vxlan_over_ipv4/192.168.0.2") &&
			strings.Contains(out, "unknown-dst -> vxlan_over_ipv4/192.168.0.9"), out
	})

	// The VTEP dies; meanwhile MidoNet binds a second network, adds a MAC and
	// the VTEP (once back) has learned a MAC. After the restart everything
	// converges and the learned MAC arrives in the post-connection snapshot.
	f.srv.Kill()
	eventually(t, "disconnection noticed", 10*time.Second, func() (bool, string) {
		st := f.rec.lastState()
		return st == Disconnected || st == Error, st.String()
	})
	want.FloodingProxyIP = "192.168.0.8"
	want.Networks[0].RemoteMACs = append(want.Networks[0].RemoteMACs, RemoteMAC{MAC: "aa:00:00:00:00:02", TunnelIP: "192.168.0.3"})
	want.Networks = append(want.Networks, NetworkBinding{NetworkID: network2, VNI: 10002, Bindings: []PortVLAN{{"eth0", 200}, {"eth2", 0}}})
	gen := f.sync.SetDesired(want)
	time.Sleep(300 * time.Millisecond) // let a reconnection attempt or two fail
	f.srv.Restart()
	f.srv.AddUcastLocal(ls1, "00:00:00:00:00:43", "10.0.0.100")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.sync.WaitApplied(ctx, gen); err != nil {
		t.Fatal(err)
	}
	eventually(t, "reconnected", 10*time.Second, func() (bool, string) { return f.rec.lastState() == Connected, "" })
	if got := f.ctl(t, "list-ls"); got != ls1+"\n"+ls2 && got != ls2+"\n"+ls1 {
		t.Fatalf("list-ls after restart = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "vtep0", "eth0"); got != "0000 "+ls1+"\n0200 "+ls2 {
		t.Fatalf("eth0 bindings after restart = %q", got)
	}
	remote = f.ctl(t, "list-remote-macs", ls1)
	for _, line := range []string{"aa:00:00:00:00:01 -> vxlan_over_ipv4/192.168.0.2", "aa:00:00:00:00:02 -> vxlan_over_ipv4/192.168.0.3", "unknown-dst -> vxlan_over_ipv4/192.168.0.8"} {
		if !strings.Contains(remote, line) {
			t.Fatalf("remote MACs after restart lack %q:\n%s", line, remote)
		}
	}
	if strings.Contains(remote, "192.168.0.9") {
		t.Fatalf("old flooding proxy still present:\n%s", remote)
	}
	eventually(t, "MAC learned around the restart reported", 10*time.Second, func() (bool, string) {
		_, ok := f.rec.learnedMAC(network1, "00:00:00:00:00:43")
		return ok, ""
	})

	// Unbind everything: switches, bindings, MAC rows (remote and local) go.
	f.apply(t, DesiredState{FloodingProxyIP: "192.168.0.8"})
	if got := f.ctl(t, "list-ls"); got != "" {
		t.Fatalf("list-ls after unbind = %q", got)
	}
	for _, port := range []string{"eth0", "eth1", "eth2"} {
		if got := f.ctl(t, "list-bindings", "vtep0", port); got != "" {
			t.Fatalf("%s bindings after unbind = %q", port, got)
		}
	}
	for _, table := range []string{"Ucast_Macs_Remote", "Mcast_Macs_Remote", "Ucast_Macs_Local"} {
		if got := f.ctl(t, "--columns=_uuid", "find", table); got != "" {
			t.Fatalf("%s after unbind: %q", table, got)
		}
	}
	eventually(t, "learned MAC of the removed switch forgotten", 5*time.Second, func() (bool, string) {
		_, ok := f.rec.learnedMAC(network1, "00:00:00:00:00:43")
		return !ok, ""
	})
}

func (r *recorder) stateHistory() []ConnectionState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ConnectionState(nil), r.states...)
}

// TestHungVTEPIsDetectedByEcho: a VTEP that stops answering without closing
// the TCP connection is noticed by our echo probe, and once it answers
// again the session is re-established and the state converges.
func TestHungVTEPIsDetectedByEcho(t *testing.T) {
	t.Parallel()
	f := startVTEP(t)
	want := DesiredState{Networks: []NetworkBinding{{NetworkID: network1, VNI: 10001, Bindings: []PortVLAN{{"eth0", 7}}}}}
	f.apply(t, want)

	f.srv.Pause()
	eventually(t, "hung VTEP noticed", 10*time.Second, func() (bool, string) {
		st := f.rec.lastState()
		return st == Disconnected || st == Error, st.String()
	})
	want.Networks[0].Bindings = []PortVLAN{{"eth1", 8}}
	gen := f.sync.SetDesired(want)
	f.srv.Resume()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.sync.WaitApplied(ctx, gen); err != nil {
		t.Fatal(err)
	}
	ls := LogicalSwitchName(network1)
	if got := f.ctl(t, "list-bindings", "vtep0", "eth1"); got != "0008 "+ls {
		t.Fatalf("eth1 bindings = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "vtep0", "eth0"); got != "" {
		t.Fatalf("eth0 bindings = %q", got)
	}
}

// TestIdleSessionAnswersServerProbes: ovsdb-server sends echo requests to a
// client idle for 5 s and drops it after 5 more without a reply. With our
// own probe effectively off, the session must survive 12 s of idleness.
func TestIdleSessionAnswersServerProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 12 s of idle time")
	}
	t.Parallel()
	f := startVTEP(t, func(c *Config) { c.ProbeInterval = time.Hour })
	f.apply(t, DesiredState{})
	time.Sleep(12 * time.Second)
	if h := f.rec.stateHistory(); len(h) != 2 || h[0] != Disconnected || h[1] != Connected {
		t.Fatalf("connection state history %v, want [VTEP_DISCONNECTED VTEP_CONNECTED]\nserver log:\n%s", h, f.srv.Log())
	}
	// The server did probe us (otherwise the test proves nothing).
	if !strings.Contains(f.srv.Log(), "sending inactivity probe") {
		t.Fatalf("server never probed the idle session:\n%s", f.srv.Log())
	}
	f.ctl(t, "list-ps")
	gen := f.sync.SetDesired(DesiredState{Networks: []NetworkBinding{{NetworkID: network1, VNI: 10001}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.sync.WaitApplied(ctx, gen); err != nil {
		t.Fatal(err)
	}
	if h := f.rec.stateHistory(); len(h) != 2 {
		t.Fatalf("session dropped after idleness: %v", h)
	}
}

// TestLearnedMACsResyncAfterReconnect: MACs the VTEP forgot and learned
// while the session was down are reported by the snapshot that follows
// the reconnection.
func TestLearnedMACsResyncAfterReconnect(t *testing.T) {
	t.Parallel()
	f := startVTEP(t)
	ls := LogicalSwitchName(network1)
	f.apply(t, DesiredState{Networks: []NetworkBinding{{NetworkID: network1, VNI: 10001, Bindings: []PortVLAN{{"eth0", 0}}}}})
	f.srv.AddUcastLocal(ls, "00:00:00:00:00:51", "10.0.0.100")
	f.srv.AddUcastLocal(ls, "00:00:00:00:00:52", "10.0.0.100")
	eventually(t, "learned MACs reported", 5*time.Second, func() (bool, string) {
		_, ok1 := f.rec.learnedMAC(network1, "00:00:00:00:00:51")
		_, ok2 := f.rec.learnedMAC(network1, "00:00:00:00:00:52")
		return ok1 && ok2, ""
	})

	f.srv.Kill()
	lsUUID := strings.TrimSpace(f.srv.TransactOffline(`["hardware_vtep",{"op":"select","table":"Logical_Switch","where":[["name","==","` + ls + `"]],"columns":["_uuid"]}]`))
	i := strings.Index(lsUUID, `["uuid","`)
	if i < 0 {
		t.Fatalf("no logical switch uuid in %s", lsUUID)
	}
	lsRef := lsUUID[i : i+len(`["uuid","`)+36+2]
	f.srv.TransactOffline(`["hardware_vtep",` +
		`{"op":"delete","table":"Ucast_Macs_Local","where":[["MAC","==","00:00:00:00:00:51"]]},` +
		`{"op":"insert","table":"Physical_Locator","row":{"dst_ip":"10.0.0.101","encapsulation_type":"vxlan_over_ipv4"},"uuid-name":"loc"},` +
		`{"op":"insert","table":"Ucast_Macs_Local","row":{"MAC":"00:00:00:00:00:53","logical_switch":` + lsRef + `,"locator":["named-uuid","loc"],"ipaddr":"10.0.7.7"}}]`)
	f.srv.Restart()

	eventually(t, "snapshot after reconnection", 10*time.Second, func() (bool, string) {
		_, gone := f.rec.learnedMAC(network1, "00:00:00:00:00:51")
		_, kept := f.rec.learnedMAC(network1, "00:00:00:00:00:52")
		m, added := f.rec.learnedMAC(network1, "00:00:00:00:00:53")
		return !gone && kept && added && m.IP == "10.0.7.7", ""
	})
}

// TestReconcileRespectsForeignState: logical switches and bindings MidoNet
// does not own survive binding and unbinding; a MidoNet switch with a wrong
// tunnel key is repaired; an unknown port is skipped without blocking the
// rest; of two physical switches the one with our management IP is used.
func TestReconcileRespectsForeignState(t *testing.T) {
	t.Parallel()
	f := startVTEP(t)
	ls := LogicalSwitchName(network1)
	f.srv.AddPhysicalSwitch("aaa-other", []string{"10.1.1.1"}, []string{"10.1.1.2"}, []string{"eth0"})
	f.ctl(t, "add-ls", "foreign")
	f.ctl(t, "bind-ls", "vtep0", "eth0", "5", "foreign")

	f.apply(t, DesiredState{Networks: []NetworkBinding{{NetworkID: network1, VNI: 10001,
		Bindings: []PortVLAN{{"eth0", 0}, {"eth9", 3}}}}})
	f.ctl(t, "set", "Logical_Switch", ls, "tunnel_key=999")
	eventually(t, "wrong tunnel key repaired", 10*time.Second, func() (bool, string) {
		got := f.ctl(t, "get", "Logical_Switch", ls, "tunnel_key")
		return got == "10001", got
	})
	if got := f.ctl(t, "list-bindings", "vtep0", "eth0"); got != "0000 "+ls+"\n0005 foreign" {
		t.Fatalf("vtep0 eth0 bindings = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "aaa-other", "eth0"); got != "" {
		t.Fatalf("the other switch's port was bound: %q", got)
	}
	eventually(t, "switch reported is ours", 5*time.Second, func() (bool, string) {
		ps := f.rec.switchInfo()
		return ps.Name == "vtep0", ps.Name
	})

	f.apply(t, DesiredState{})
	if got := f.ctl(t, "list-ls"); got != "foreign" {
		t.Fatalf("list-ls after unbind = %q", got)
	}
	if got := f.ctl(t, "list-bindings", "vtep0", "eth0"); got != "0005 foreign" {
		t.Fatalf("eth0 bindings after unbind = %q", got)
	}
}

// TestSwitchCreatedAfterConnection: a VTEP whose agent has not created its
// Physical_Switch yet is waited for; the desired state lands once it exists.
func TestSwitchCreatedAfterConnection(t *testing.T) {
	t.Parallel()
	srv := vteptest.Start(t)
	rec := newRecorder()
	s := NewSynchronizer(Config{Endpoint: srv.Endpoint(), ManagementIP: "127.0.0.1", Reporter: rec, Log: testLogger(t),
		Backoff: Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	gen := s.SetDesired(DesiredState{Networks: []NetworkBinding{{NetworkID: network1, VNI: 10001, Bindings: []PortVLAN{{"eth0", 0}}}}})
	eventually(t, "connected", 10*time.Second, func() (bool, string) { return rec.lastState() == Connected, "" })
	wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if err := s.WaitApplied(wctx, gen); err == nil {
		t.Fatal("applied without a physical switch")
	}
	wcancel()
	srv.AddPhysicalSwitch("vtep0", nil, []string{"10.0.0.100"}, []string{"eth0"})
	wctx, wcancel = context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := s.WaitApplied(wctx, gen); err != nil {
		t.Fatal(err)
	}
	if got := srv.MustCtl("list-bindings", "vtep0", "eth0"); got != "0000 "+LogicalSwitchName(network1) {
		t.Fatalf("eth0 bindings = %q", got)
	}
}
