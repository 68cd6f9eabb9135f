package vxgw

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/vxgw/vteptest"
	"google.golang.org/protobuf/proto"
)

type storeFixture struct {
	t       testing.TB
	ctx     context.Context
	connect func() storage.Conn // a new session on the fixture's backend
	root    string
	store   *zoom.Store
	srv     *vteptest.Server
	tzID    uuid.UUID
	nwID    uuid.UUID
	vtep    uuid.UUID
	hosts   map[string]uuid.UUID
}

func ip(t testing.TB, s string) *models.IPAddress {
	t.Helper()
	a, err := models.IPAddressFromAddr(netip.MustParseAddr(s))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newStoreFixture builds, on the in-memory backend, a VTEP tunnel zone with
// hosts h1 (10.9.0.1, weight 1) and h2 (10.9.0.2, weight 0), a network with
// VNI 10001 and a Vtep bound to it on eth0 VLAN 0, pointing at a real
// ovsdb-server.
func newStoreFixture(t testing.TB, backend string) *storeFixture {
	t.Helper()
	srv := vteptest.Start(t)
	srv.AddPhysicalSwitch("vtep0", []string{"127.0.0.1"}, []string{"10.0.0.100"}, []string{"eth0", "eth1"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &storeFixture{t: t, ctx: ctx, srv: srv, hosts: map[string]uuid.UUID{}, root: "/midonet"}
	switch backend {
	case "mem":
		m := mem.NewServer()
		f.connect = func() storage.Conn { c := m.Connect(); t.Cleanup(func() { c.Close() }); return c }
	case "zk":
		zks := zktest.Shared(t)
		f.root = "/vxgw-test-" + uuid.NewString() // tests share the server
		f.connect = func() storage.Conn {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := zk.Connect(cctx, zk.Config{Servers: []string{zks.Addr()}, SessionTimeout: 4 * time.Second,
				Logger: testLogger(t)})
			if err != nil {
				t.Fatalf("connecting to ZooKeeper: %v", err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	st, err := midonet.NewStore(ctx, f.connect(), zoom.Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	f.store = st
	f.tzID, f.nwID, f.vtep = uuid.New(), uuid.New(), uuid.New()
	tz := &models.TunnelZone{Id: models.UUIDFromGoogle(f.tzID), Name: proto.String("vtep-zone"), Type: models.TunnelZone_VTEP.Enum()}
	for i, name := range []string{"h1", "h2"} {
		id := uuid.New()
		f.hosts[name] = id
		if err := st.Create(ctx, &models.Host{Id: models.UUIDFromGoogle(id), Name: proto.String(name), FloodingProxyWeight: proto.Int32(int32(1 - i))}); err != nil {
			t.Fatal(err)
		}
		tz.Hosts = append(tz.Hosts, &models.TunnelZone_HostToIp{HostId: models.UUIDFromGoogle(id), Ip: ip(t, []string{"10.9.0.1", "10.9.0.2"}[i])})
	}
	must(t, st.Create(ctx, tz))
	must(t, st.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(f.nwID), Name: proto.String("net"), Vni: proto.Uint32(10001)}))
	must(t, st.Create(ctx, &models.Vtep{
		Id: models.UUIDFromGoogle(f.vtep), ManagementIp: ip(t, "127.0.0.1"), ManagementPort: proto.Uint32(uint32(srv.Port())),
		TunnelZoneId: models.UUIDFromGoogle(f.tzID),
		Bindings:     []*models.Vtep_Binding{{PortName: proto.String("eth0"), VlanId: proto.Uint32(0), NetworkId: models.UUIDFromGoogle(f.nwID)}},
	}))
	return f
}

// forEachBackend runs a store test on the in-memory backend and on a real
// ZooKeeper server (skipped loudly without one, unless CI=true).
func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	t.Parallel()
	for _, b := range []string{"mem", "zk"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setAlive writes the host's alive key from its own session (as its agent
// does) and returns a function that ends that session.
func (f *storeFixture) setAlive(host string) (kill func()) {
	f.t.Helper()
	conn := f.connect()
	id := f.hosts[host]
	hst, err := midonet.NewStore(f.ctx, conn, zoom.Options{Root: f.root, Namespace: id.String()})
	must(f.t, err)
	_, err = hst.AddValue(f.ctx, &models.Host{}, id, midonet.AliveKey, "true")
	must(f.t, err)
	f.t.Cleanup(func() { conn.Close() })
	return func() { conn.Close() }
}

func (f *storeFixture) key(model proto.Message, id uuid.UUID, key string) zoom.StateValue {
	f.t.Helper()
	v, err := f.store.GetKey(f.ctx, midonet.ClusterNamespace, model, id, key)
	must(f.t, err)
	return v
}

func (f *storeFixture) runVTEP(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- RunVTEP(ctx, f.store, f.vtep, VTEPOptions{
			Log: testLogger(f.t), Backoff: Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond},
			ProbeInterval: 300 * time.Millisecond, DialTimeout: time.Second,
		})
	}()
	return done
}

func TestVTEPFromStore(t *testing.T) { forEachBackend(t, testVTEPFromStore) }

func testVTEPFromStore(t *testing.T, backend string) {
	f := newStoreFixture(t, backend)
	ls := LogicalSwitchName(f.nwID.String())
	f.setAlive("h1")
	f.setAlive("h2")

	fpCtx, stopFP := context.WithCancel(f.ctx)
	fpDone := make(chan error, 1)
	go func() { fpDone <- RunFloodingProxyManager(fpCtx, f.store, testLogger(t)) }()
	defer func() { stopFP(); <-fpDone }()
	vtepCtx, stopVTEP := context.WithCancel(f.ctx)
	defer stopVTEP()
	done := f.runVTEP(vtepCtx)

	// h2 has weight 0: h1 is the only possible proxy.
	eventually(t, "flooding proxy published", 10*time.Second, func() (bool, string) {
		v := f.key(&models.TunnelZone{}, f.tzID, midonet.FloodingProxyKey)
		return v.Value == f.hosts["h1"].String()+"#10.9.0.1", v.Value
	})
	eventually(t, "VTEP converged from the store", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-remote-macs", ls)
		b, _ := f.srv.Ctl(f.ctx, "list-bindings", "vtep0", "eth0")
		return strings.Contains(out, "unknown-dst -> vxlan_over_ipv4/10.9.0.1") && b == "0000 "+ls, out + b
	})
	if got := f.ctl("get", "Logical_Switch", ls, "tunnel_key"); got != "10001" {
		t.Fatalf("tunnel_key = %q", got)
	}
	eventually(t, "connection state key", 5*time.Second, func() (bool, string) {
		v := f.key(&models.Vtep{}, f.vtep, midonet.VtepConnStateKey)
		return v.Value == "VTEP_CONNECTED", v.Value
	})
	eventually(t, "config key", 5*time.Second, func() (bool, string) {
		v := f.key(&models.Vtep{}, f.vtep, midonet.VtepConfigKey)
		var cfg models.VtepConfiguration
		if err := models.Unmarshal([]byte(v.Value), &cfg); err != nil {
			return false, err.Error()
		}
		ok := cfg.GetName() == "vtep0" && len(cfg.GetTunnelAddresses()) == 1
		if ok {
			a, _ := cfg.GetTunnelAddresses()[0].ToAddr()
			ok = a.String() == "10.0.0.100"
		}
		return ok, v.Value
	})

	// h2 becomes eligible with a higher weight; h1 stays proxy while alive
	// (sticky), then h1's agent dies: h2 takes over and the VTEP follows.
	h2, err := f.store.Get(f.ctx, &models.Host{}, f.hosts["h2"])
	must(t, err)
	h2.(*models.Host).FloodingProxyWeight = proto.Int32(5)
	must(t, f.store.Update(f.ctx, h2))
	f.setAliveKill("h1")
	eventually(t, "proxy moved to h2 on the VTEP", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-remote-macs", ls)
		return strings.Contains(out, "unknown-dst -> vxlan_over_ipv4/10.9.0.2"), out
	})

	// A second binding of the same network, then unbinding everything.
	v, err := f.store.Get(f.ctx, &models.Vtep{}, f.vtep)
	must(t, err)
	vt := v.(*models.Vtep)
	vt.Bindings = append(vt.Bindings, &models.Vtep_Binding{PortName: proto.String("eth1"), VlanId: proto.Uint32(42), NetworkId: models.UUIDFromGoogle(f.nwID)})
	must(t, f.store.Update(f.ctx, vt))
	eventually(t, "second binding", 10*time.Second, func() (bool, string) {
		b, _ := f.srv.Ctl(f.ctx, "list-bindings", "vtep0", "eth1")
		return b == "0042 "+ls, b
	})
	vt.Bindings = nil
	must(t, f.store.Update(f.ctx, vt))
	eventually(t, "unbound: switch removed", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-ls")
		return out == "", out
	})

	// Rebind, then delete the Vtep: the VTEP is cleaned and RunVTEP ends.
	vt.Bindings = []*models.Vtep_Binding{{PortName: proto.String("eth0"), VlanId: proto.Uint32(0), NetworkId: models.UUIDFromGoogle(f.nwID)}}
	must(t, f.store.Update(f.ctx, vt))
	eventually(t, "rebound", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-ls")
		return out == ls, out
	})
	must(t, f.store.Delete(f.ctx, &models.Vtep{}, f.vtep))
	select {
	case err := <-done:
		if !errors.Is(err, ErrVTEPDeleted) {
			t.Fatalf("RunVTEP = %v, want ErrVTEPDeleted", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunVTEP did not end after the Vtep was deleted")
	}
	if out := f.ctl("list-ls"); out != "" {
		t.Fatalf("logical switches left after VTEP deletion: %q", out)
	}
}

// setAliveKill ends the session that holds the host's alive key.
func (f *storeFixture) setAliveKill(host string) {
	f.t.Helper()
	// The key was written through a dedicated session; closing every such
	// session is what an agent's death looks like. Rewriting from a new
	// session and closing it replaces and then removes the value.
	kill := f.setAlive(host)
	kill()
	eventually(f.t, host+" dead", 10*time.Second, func() (bool, string) {
		v, err := f.store.GetKey(f.ctx, f.hosts[host].String(), &models.Host{}, f.hosts[host], midonet.AliveKey)
		return err == nil && !v.Exists, ""
	})
}

func (f *storeFixture) ctl(args ...string) string {
	f.t.Helper()
	return f.srv.MustCtl(args...)
}

// TestVTEPStopLeavesVTEPAlone: stopping the controller (ownership lost,
// service stopping) disconnects without touching the VTEP, unlike the
// reference which cleaned it as if the Vtep had been deleted.
func TestVTEPStopLeavesVTEPAlone(t *testing.T) { forEachBackend(t, testVTEPStopLeavesVTEPAlone) }

func testVTEPStopLeavesVTEPAlone(t *testing.T, backend string) {
	f := newStoreFixture(t, backend)
	ls := LogicalSwitchName(f.nwID.String())
	ctx, stop := context.WithCancel(f.ctx)
	done := f.runVTEP(ctx)
	eventually(t, "bound", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-ls")
		return out == ls, out
	})
	stop()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("RunVTEP = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("RunVTEP did not stop")
	}
	if out := f.ctl("list-ls"); out != ls {
		t.Fatalf("stopping changed the VTEP: list-ls = %q", out)
	}
	if v := f.key(&models.Vtep{}, f.vtep, midonet.VtepConnStateKey); v.Value != "VTEP_DISCONNECTED" {
		t.Fatalf("connection_state after stop = %q", v.Value)
	}
}

// node is one cluster node running the vxgw service on its own session.
type node struct {
	id          uuid.UUID
	conn        storage.Conn
	store       *zoom.Store
	stop        func()
	done        chan error
	controllers atomic.Int32
}

func (f *storeFixture) startNode() *node {
	f.t.Helper()
	n := &node{id: uuid.New(), conn: f.connect(), done: make(chan error, 1)}
	st, err := midonet.NewStore(f.ctx, n.conn, zoom.Options{Root: f.root})
	must(f.t, err)
	n.store = st
	ctx, cancel := context.WithCancel(f.ctx)
	go func() {
		n.done <- Run(ctx, st, ServiceOptions{NodeID: n.id, Log: testLogger(f.t), VTEP: VTEPOptions{
			Backoff: Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond}, ProbeInterval: 300 * time.Millisecond,
			DialTimeout: time.Second, OnSynchronizer: func(*Synchronizer) { n.controllers.Add(1) },
		}})
	}()
	n.stop = func() {
		cancel()
		select {
		case <-n.done:
		case <-time.After(20 * time.Second):
			f.t.Errorf("node %s did not stop", n.id)
		}
		n.conn.Close()
	}
	f.t.Cleanup(func() { cancel(); n.conn.Close() })
	return n
}

// TestOneManagerPerVTEPAndFailover: two nodes, one controls the VTEP; when
// it stops the other takes over and applies later changes.
func TestOneManagerPerVTEPAndFailover(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, crash := range []bool{false, true} {
			name := map[bool]string{false: "owner-stops", true: "owner-session-dies"}[crash]
			t.Run(name, func(t *testing.T) { testOneManagerPerVTEPAndFailover(t, backend, crash) })
		}
	})
}

// testOneManagerPerVTEPAndFailover: the owner either stops its service
// (giving the key up) or loses its session without stopping anything (its
// ephemeral key vanishes; its controller must notice and stop).
func testOneManagerPerVTEPAndFailover(t *testing.T, backend string, crash bool) {
	f := newStoreFixture(t, backend)
	ls := LogicalSwitchName(f.nwID.String())
	f.setAlive("h1")
	a, b := f.startNode(), f.startNode()
	owner := func() string { return f.key(&models.Vtep{}, f.vtep, midonet.VtepVxgwManager).Value }
	election := &storage.Election{Conn: f.store.Conn(), Root: f.root + "/vxgw"}
	fpLeader := func() string { l, _ := election.Leader(f.ctx, FloodingProxyLatch); return l }
	eventually(t, "one node owns the VTEP", 10*time.Second, func() (bool, string) {
		o := owner()
		return o == a.id.String() || o == b.id.String(), o
	})
	eventually(t, "owner converged the VTEP", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-ls")
		return out == ls, out
	})
	eventually(t, "a flooding-proxy leader published h1", 10*time.Second, func() (bool, string) {
		l := fpLeader()
		v := f.key(&models.TunnelZone{}, f.tzID, midonet.FloodingProxyKey)
		return (l == a.id.String() || l == b.id.String()) && v.Value == f.hosts["h1"].String()+"#10.9.0.1", l + " " + v.Value
	})
	time.Sleep(500 * time.Millisecond) // give the other node time to (wrongly) start too
	if got := a.controllers.Load() + b.controllers.Load(); got != 1 {
		t.Fatalf("%d controllers started, want 1", got)
	}
	first, second := a, b
	if owner() == b.id.String() {
		first, second = b, a
	}
	// Make the VTEP owner the flooding-proxy leader too, so that its
	// departure moves both.
	if fpLeader() != first.id.String() {
		second.stop() // the owner becomes the only candidate; a fresh node is the survivor
		second = f.startNode()
		eventually(t, "VTEP owner leads the flooding proxy", 10*time.Second, func() (bool, string) {
			return fpLeader() == first.id.String(), fpLeader()
		})
	}

	if crash {
		first.conn.Close()
	} else {
		first.stop()
	}
	eventually(t, "the other node took over", 10*time.Second, func() (bool, string) {
		return owner() == second.id.String() && second.controllers.Load() == 1, owner()
	})
	v, err := f.store.Get(f.ctx, &models.Vtep{}, f.vtep)
	must(t, err)
	vt := v.(*models.Vtep)
	vt.Bindings = append(vt.Bindings, &models.Vtep_Binding{PortName: proto.String("eth1"), VlanId: proto.Uint32(9), NetworkId: models.UUIDFromGoogle(f.nwID)})
	must(t, f.store.Update(f.ctx, vt))
	// Only the new owner still talks to the VTEP (no split brain).
	eventually(t, "one OVSDB session left", 10*time.Second, func() (bool, string) {
		n := f.srv.Sessions()
		return n == 1, strconv.Itoa(n)
	})
	eventually(t, "new owner applies changes", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-bindings", "vtep0", "eth1")
		return out == "0009 "+ls, out
	})
	eventually(t, "connection state from the new owner", 5*time.Second, func() (bool, string) {
		v := f.key(&models.Vtep{}, f.vtep, midonet.VtepConnStateKey)
		return v.Value == "VTEP_CONNECTED", v.Value
	})
	eventually(t, "new flooding-proxy leader republished", 10*time.Second, func() (bool, string) {
		v := f.key(&models.TunnelZone{}, f.tzID, midonet.FloodingProxyKey)
		return fpLeader() == second.id.String() && v.Value == f.hosts["h1"].String()+"#10.9.0.1", fpLeader() + " " + v.Value
	})
	eventually(t, "flooding entry on the VTEP", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-remote-macs", ls)
		return strings.Contains(out, "unknown-dst -> vxlan_over_ipv4/10.9.0.1"), out
	})
	second.stop()
}

func (f *storeFixture) createPort(netID uuid.UUID, host, vtep *uuid.UUID) uuid.UUID {
	f.t.Helper()
	id := uuid.New()
	p := &models.Port{Id: models.UUIDFromGoogle(id), NetworkId: models.UUIDFromGoogle(netID)}
	if host != nil {
		p.HostId = models.UUIDFromGoogle(*host)
	}
	if vtep != nil {
		p.VtepId = models.UUIDFromGoogle(*vtep)
	}
	must(f.t, f.store.Create(f.ctx, p))
	return id
}

// createVxlanPort creates the fixture network's VxLAN port to the fixture
// VTEP and records it as the network's only VxLAN port.
func (f *storeFixture) createVxlanPort() uuid.UUID {
	f.t.Helper()
	id := f.createPort(f.nwID, nil, &f.vtep)
	nw, err := f.store.Get(f.ctx, &models.Network{}, f.nwID)
	must(f.t, err)
	nw.(*models.Network).VxlanPortIds = []*models.UUID{models.UUIDFromGoogle(id)}
	must(f.t, f.store.Update(f.ctx, nw))
	return id
}

func mustMAC(t testing.TB, s string) midonet.MAC {
	t.Helper()
	m, err := midonet.ParseMAC(s)
	must(t, err)
	return m
}

// TestMACsThroughStateTables: MidoNet port MACs in the bridge MAC table
// become Ucast_Macs_Remote rows pointing at their host's IP in the VTEP
// zone (with the IP from the IPv4 → MAC table); MACs of interior ports are
// left to flooding; a port moving host moves its row; MACs the VTEP learns
// become persistent MAC-table entries on the VTEP's VxLAN port, with their
// IP in the IPv4 → MAC table, and go away when the VTEP forgets them.
func TestMACsThroughStateTables(t *testing.T) { forEachBackend(t, testMACsThroughStateTables) }

func testMACsThroughStateTables(t *testing.T, backend string) {
	f := newStoreFixture(t, backend)
	ls := LogicalSwitchName(f.nwID.String())
	h1, h2 := f.hosts["h1"], f.hosts["h2"]
	vmPort1 := f.createPort(f.nwID, &h1, nil)
	vmPort2 := f.createPort(f.nwID, &h2, nil)
	interior := f.createPort(f.nwID, nil, nil)
	vxlanPort := f.createVxlanPort()

	macs, err := midonet.BridgeMacTable(f.ctx, f.store, f.nwID, 0)
	must(t, err)
	ips, err := midonet.BridgeIP4MacTable(f.ctx, f.store, f.nwID)
	must(t, err)
	mac1, mac2, mac3 := mustMAC(t, "02:00:00:00:00:01"), mustMAC(t, "02:00:00:00:00:02"), mustMAC(t, "02:00:00:00:00:03")
	must(t, macs.AddPersistent(f.ctx, mac1, vmPort1))
	must(t, macs.AddPersistent(f.ctx, mac2, vmPort2))
	must(t, macs.AddPersistent(f.ctx, mac3, interior))
	must(t, ips.AddPersistent(f.ctx, netip.MustParseAddr("10.0.0.11"), mac1))

	ctx, stop := context.WithCancel(f.ctx)
	defer stop()
	f.runVTEP(ctx)
	remoteHas := func(want ...string) func() (bool, string) {
		return func() (bool, string) {
			out, _ := f.srv.Ctl(f.ctx, "list-remote-macs", ls)
			for _, w := range want {
				if !strings.Contains(out, w) {
					return false, out
				}
			}
			return true, out
		}
	}
	eventually(t, "port MACs written to the VTEP", 10*time.Second, remoteHas(
		"02:00:00:00:00:01 -> vxlan_over_ipv4/10.9.0.1", "02:00:00:00:00:02 -> vxlan_over_ipv4/10.9.0.2"))
	if out := f.ctl("list-remote-macs", ls); strings.Contains(out, "02:00:00:00:00:03") {
		t.Fatalf("interior port's MAC written:\n%s", out)
	}
	if got := f.ctl("--columns=ipaddr", "find", "Ucast_Macs_Remote", `MAC="02:00:00:00:00:01"`); !strings.Contains(got, "10.0.0.11") {
		t.Fatalf("ipaddr of mac1: %q", got)
	}

	// vmPort2 migrates to h1.
	p, err := f.store.Get(f.ctx, &models.Port{}, vmPort2)
	must(t, err)
	p.(*models.Port).HostId = models.UUIDFromGoogle(h1)
	must(t, f.store.Update(f.ctx, p))
	eventually(t, "migrated port's MAC follows", 10*time.Second, remoteHas("02:00:00:00:00:02 -> vxlan_over_ipv4/10.9.0.1"))

	// mac1 leaves the table.
	must(t, macs.RemovePersistent(f.ctx, mac1, vmPort1))
	eventually(t, "removed MAC leaves the VTEP", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-remote-macs", ls)
		return !strings.Contains(out, "02:00:00:00:00:01"), out
	})

	// The VTEP learns a MAC, with an IP.
	learned := mustMAC(t, "0a:00:00:00:00:99")
	f.srv.AddUcastLocal(ls, learned.String(), "10.0.0.100")
	eventually(t, "learned MAC in the bridge MAC table", 10*time.Second, func() (bool, string) {
		port, ok, err := macs.Get(f.ctx, learned)
		return err == nil && ok && port == vxlanPort, port.String()
	})
	f.ctl("set", "Ucast_Macs_Local", strings.TrimSpace(f.ctl("--columns=_uuid", "--bare", "find", "Ucast_Macs_Local", `MAC="0a:00:00:00:00:99"`)), "ipaddr=10.0.0.77")
	eventually(t, "learned IP in the IPv4 → MAC table", 10*time.Second, func() (bool, string) {
		m, ok, err := ips.Get(f.ctx, netip.MustParseAddr("10.0.0.77"))
		return err == nil && ok && m == learned, m.String()
	})
	if out := f.ctl("list-remote-macs", ls); strings.Contains(out, learned.String()) {
		t.Fatalf("a MAC behind this VTEP was written back to it:\n%s", out)
	}
	f.srv.DelUcastLocal(ls, learned.String())
	eventually(t, "forgotten MAC leaves the tables", 10*time.Second, func() (bool, string) {
		_, okMAC, err1 := macs.Get(f.ctx, learned)
		_, okIP, err2 := ips.Get(f.ctx, netip.MustParseAddr("10.0.0.77"))
		return err1 == nil && err2 == nil && !okMAC && !okIP, ""
	})
}

// TestLearnedMACsAtOnce: 1000 MACs learned in one OVSDB transaction all
// reach the bridge's MAC table on the VxLAN port (written in a few multis),
// and forgetting them all at once removes exactly those entries: a MAC
// MidoNet also has on a VM port keeps that entry, and other entries stay.
func TestLearnedMACsAtOnce(t *testing.T) { forEachBackend(t, testLearnedMACsAtOnce) }

func testLearnedMACsAtOnce(t *testing.T, backend string) {
	const n = 1000
	f := newStoreFixture(t, backend)
	h1 := f.hosts["h1"]
	vmPort := f.createPort(f.nwID, &h1, nil)
	vxlanPort := f.createVxlanPort()
	macs, err := midonet.BridgeMacTable(f.ctx, f.store, f.nwID, 0)
	must(t, err)
	shared, other := mustMAC(t, macN(0x0a, 0)), mustMAC(t, "02:00:00:00:00:01")
	must(t, macs.AddPersistent(f.ctx, shared, vmPort))
	must(t, macs.AddPersistent(f.ctx, other, vmPort))

	ctx, stop := context.WithCancel(f.ctx)
	defer stop()
	f.runVTEP(ctx)
	ls := LogicalSwitchName(f.nwID.String())
	eventually(t, "switch created", 10*time.Second, func() (bool, string) {
		out, _ := f.srv.Ctl(f.ctx, "list-ls")
		return out == ls, out
	})
	var add, del []string
	for j := range n {
		add = append(add, "--", "add-ucast-local", ls, macN(0x0a, j), "10.0.0.100")
		del = append(del, "--", "del-ucast-local", ls, macN(0x0a, j))
	}
	onVxLAN := func() (map[string]bool, []zoom.TableEntry) {
		entries, err := macs.Raw.Entries(f.ctx)
		must(t, err)
		got := map[string]bool{}
		for _, e := range entries {
			if e.Value == vxlanPort.String() {
				got[e.Key] = true
			}
		}
		return got, entries
	}
	f.srv.MustCtl(add[1:]...)
	eventually(t, "all learned MACs in the MAC table", 60*time.Second, func() (bool, string) {
		got, _ := onVxLAN()
		return len(got) == n, strconv.Itoa(len(got)) + " entries on the VxLAN port"
	})
	got, entries := onVxLAN()
	for j := range n {
		if !got[macN(0x0a, j)] {
			t.Fatalf("learned MAC %s missing", macN(0x0a, j))
		}
	}
	for _, e := range entries {
		if !e.Persistent() {
			t.Fatalf("learned MAC written as a learned (ephemeral) entry: %+v", e)
		}
	}
	f.srv.MustCtl(del[1:]...)
	eventually(t, "forgotten MACs leave the MAC table", 60*time.Second, func() (bool, string) {
		got, entries := onVxLAN()
		return len(got) == 0 && len(entries) == 2, strconv.Itoa(len(got)) + " entries on the VxLAN port"
	})
	for _, mac := range []midonet.MAC{shared, other} {
		if ok, err := macs.Raw.Contains(f.ctx, mac.String(), vmPort.String()); err != nil || !ok {
			t.Errorf("VM port's entry of %s gone (%v)", mac, err)
		}
	}
}

func TestMain(m *testing.M) { zktest.Main(m) }
