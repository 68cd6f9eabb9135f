package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/containers"
	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/internal/agenttest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/restapi/client"
)

// macWatcher is an agent's State Proxy client that keeps a bridge's MAC
// table subscribed whatever happens to the proxy it uses, as the agent's
// client does: on a closed connection or a completed subscription it takes
// the proxies from service discovery again and subscribes at the first one
// that answers (a killed node's entry stays there until its session
// expires). Every MAC added after a subscription's snapshot goes to seen.
type macWatcher struct {
	seen chan string

	mu          sync.Mutex
	subscribes  int
	proxiesUsed map[string]bool
}

func watchMACs(ctx context.Context, conn storage.Conn, root, bridge string) *macWatcher {
	w := &macWatcher{seen: make(chan string, 1024), proxiesUsed: map[string]bool{}}
	go func() {
		for ctx.Err() == nil {
			ins, _ := discovery.Instances(ctx, conn, root, stateproxy.ServiceName)
			for _, in := range ins {
				w.follow(ctx, in.HostPort(), bridge)
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return w
}

// follow subscribes at addr and reports MACs until the subscription or
// the connection ends.
func (w *macWatcher) follow(ctx context.Context, addr, bridge string) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := protodelim.MarshalTo(conn, &models.ProxyRequest{RequestId: proto.Uint64(1),
		Data: &models.ProxyRequest_Subscribe_{Subscribe: &models.ProxyRequest_Subscribe{
			ObjectClass: proto.String("org.midonet.cluster.models.Topology$Network"), ObjectId: models.UUIDFromGoogle(uuid.MustParse(bridge)),
			KeyClass: proto.String("org.midonet.packets.MAC"), ValueClass: proto.String("java.util.UUID"),
			TableName: proto.String(midonet.MacTable), TableArguments: []string{"0"}}}}); err != nil {
		return
	}
	for r := range agenttest.ReadMessages[models.ProxyResponse](conn) {
		if r.GetAcknowledge() != nil {
			w.mu.Lock()
			w.subscribes++
			w.proxiesUsed[addr] = true
			w.mu.Unlock()
		}
		if r.GetNotify().GetCompleted() != nil {
			return
		}
		if u := r.GetNotify().GetUpdate(); u.GetType() == models.ProxyResponse_Notify_Update_RELATIVE {
			for _, e := range u.GetEntries() {
				if e.Value != nil {
					w.seen <- strings.SplitN(agenttest.MACEntry(e), "=", 2)[0]
				}
			}
		}
	}
}

func (w *macWatcher) stats() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.subscribes, len(w.proxiesUsed)
}

// TestAgentServicesSurviveKills is the agent services' kill suite on the
// HA deployment (3 ZooKeeper servers, 2 cluster node processes, haproxy):
// two agents (sessions of this test) and a service container made through
// the REST API, an agent subscribed to a bridge's MAC table through the
// nodes' state proxies; then kill -9 of the containers service's leader
// node, kill -9 of the other node, kill -9 of the ZooKeeper leader. After
// each: the container moves off a dying agent's host (onto the other
// agent, within the new leader's takeover) and a MAC entry made through
// the REST API reaches the agent.
func TestAgentServicesSurviveKills(t *testing.T) {
	requireComponents(t)
	ctx := t.Context()
	dir := t.TempDir()
	bin, err := BuildCluster(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Start(ctx, Options{Dir: dir, ClusterBinary: bin, Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	stopAtCleanup(t, d)
	connect := func() storage.Conn {
		conn, err := zk.Connect(ctx, zk.Config{Servers: strings.Split(d.ZooKeeperHosts(), ",")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	observer := connect()
	const limit = time.Minute
	wait := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				t.Fatalf("not within %v: %s", limit, what)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}

	api := client.New(d.APIURL())
	// Through haproxy, which takes a few health checks to notice a killed
	// node: a request may fail meanwhile, so writes are retried.
	retry := func(what string, f func() error) {
		t.Helper()
		var err error
		wait(what, func() bool { err = f(); return err == nil })
	}
	var bridge *client.Bridge
	retry("bridge", func() (err error) {
		bridge, err = api.Bridges().Create(ctx, &client.Bridge{Name: "br", TenantID: "t"})
		return
	})
	var bport *client.Port
	retry("bridge port", func() (err error) {
		bport, err = api.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"})
		return
	})
	macs := 0
	addMAC := func() string {
		macs++
		mac := fmt.Sprintf("02:00:00:00:%02x:%02x", macs>>8, macs&0xff)
		retry("MAC "+mac, func() error {
			_, err := api.BridgeMACTable(bridge.ID).Create(ctx, &client.MacPort{MacAddr: mac, PortID: bport.ID})
			if e, ok := err.(*client.Error); ok && e.Status == 409 {
				return nil // the first attempt made it
			}
			return err
		})
		return mac
	}
	addMAC() // the table's directory comes with its first entry
	watcher := watchMACs(ctx, observer, d.RootKey(), bridge.ID)
	wait("the agent subscribes through a state proxy", func() bool { n, _ := watcher.stats(); return n > 0 })
	macSeen := func(why string) {
		t.Helper()
		start := time.Now()
		mac := addMAC()
		wait(why+": the agent sees "+mac, func() bool {
			for {
				select {
				case m := <-watcher.seen:
					if m == mac {
						return true
					}
				default:
					return false
				}
			}
		})
		t.Logf("%s: a MAC entry made through haproxy reached the agent %v after the request was sent", why, time.Since(start))
	}
	macSeen("before any fault")

	agents := map[string]*agenttest.Agent{}
	for range 2 {
		id := uuid.New()
		agents[id.String()] = agenttest.Start(t, connect(), d.RootKey(), id)
	}
	var router *client.Router
	retry("router", func() (err error) {
		router, err = api.Routers().Create(ctx, &client.Router{Name: "r", TenantID: "t"})
		return
	})
	var rport *client.Port
	retry("router port", func() (err error) {
		rport, err = api.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortAddress: proto.String("10.0.0.1"),
			NetworkAddress: proto.String("10.0.0.0"), NetworkLength: 24})
		return
	})
	var group *client.ServiceContainerGroup
	retry("group", func() (err error) {
		group, err = api.ServiceContainerGroups().Create(ctx, &client.ServiceContainerGroup{})
		return
	})
	var sc *client.ServiceContainer
	retry("container", func() (err error) {
		sc, err = api.GroupServiceContainers(group.ID).Create(ctx, &client.ServiceContainer{ServiceType: "IPSEC", PortID: &rport.ID})
		return
	})
	hostOf := func() string {
		got, err := api.ServiceContainers().Get(ctx, sc.ID)
		if err != nil || got.HostID == nil {
			return ""
		}
		return *got.HostID
	}
	at := ""
	wait("the container is scheduled on an agent's host", func() bool { at = hostOf(); return agents[at] != nil })
	agents[at].Report(t, sc.ID, models.ContainerStatus_RUNNING)
	// moves kills the agent the container runs at: the container moves to
	// the other agent; the dead one starts again for the next round.
	moves := func(why string) {
		t.Helper()
		from := at
		agents[from].Die(t)
		took := wait(why+": the container moves off the dead agent's host", func() bool {
			at = hostOf()
			return at != "" && at != from
		})
		t.Logf("%s: the container moved to the other agent in %v", why, took)
		agents[at].Report(t, sc.ID, models.ContainerStatus_RUNNING)
		agents[from] = agenttest.Start(t, connect(), d.RootKey(), uuid.MustParse(from))
	}
	moves("before any fault")

	leader := func(not int) int {
		t.Helper()
		i := -1
		wait("a running node leads "+containers.Latch, func() bool {
			id, err := d.SingletonLeader(ctx, observer, containers.Latch)
			i = d.NodeIndex(id)
			return err == nil && i >= 0 && i != not && d.NodeRunning(i)
		})
		return i
	}
	first := leader(-1)
	for _, victim := range []int{first, 1 - first} {
		why := fmt.Sprintf("kill -9 node %d", victim+1)
		if victim == first {
			why += " (the containers leader)"
		}
		d.KillNode(victim)
		took := wait(why+": another node leads the containers service", func() bool {
			id, err := d.SingletonLeader(ctx, observer, containers.Latch)
			i := d.NodeIndex(id)
			return err == nil && i >= 0 && i != victim
		})
		t.Logf("%s: the other node leads the containers service after %v", why, took)
		moves(why)
		macSeen(why)
		if err := d.StartNode(ctx, victim); err != nil {
			t.Fatal(err)
		}
	}

	zkLeader := d.ZooKeeperLeader(ctx)
	if zkLeader < 0 {
		t.Fatal("no ZooKeeper leader")
	}
	d.KillZooKeeper(zkLeader)
	why := fmt.Sprintf("kill -9 the ZooKeeper leader (member %d)", zkLeader+1)
	wait(why+": a new ZooKeeper leader", func() bool { return d.ZooKeeperLeader(ctx) >= 0 })
	moves(why)
	macSeen(why)
	if err := d.StartZooKeeper(ctx, zkLeader); err != nil {
		t.Fatal(err)
	}
	subs, proxies := watcher.stats()
	t.Logf("the agent subscribed %d times, through %d state proxies", subs, proxies)
	if proxies < 2 {
		t.Errorf("the agent used %d state proxies: one of the killed nodes should have been its", proxies)
	}
}
