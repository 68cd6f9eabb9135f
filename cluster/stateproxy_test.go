package cluster_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/restapi/client"
)

// proxyAgent is an agent's State Proxy client, written from
// state_api.proto: varint32-delimited ProxyRequest out, ProxyResponse in.
type proxyAgent struct {
	t    testing.TB
	conn net.Conn
	in   <-chan *models.ProxyResponse
}

func dialStateProxy(t testing.TB, addr string) *proxyAgent {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &proxyAgent{t: t, conn: conn, in: readMessages[models.ProxyResponse](conn)}
}

// readMessages delivers the varint32-delimited messages of conn until it
// closes.
func readMessages[M any, P interface {
	*M
	proto.Message
}](conn net.Conn) <-chan P {
	in := make(chan P, 256)
	go func() {
		defer close(in)
		r := bufio.NewReader(conn)
		for {
			m := P(new(M))
			if err := protodelim.UnmarshalFrom(r, m); err != nil {
				return
			}
			in <- m
		}
	}()
	return in
}

func (a *proxyAgent) recv(within time.Duration) *models.ProxyResponse {
	a.t.Helper()
	select {
	case r, ok := <-a.in:
		if !ok {
			a.t.Fatal("the state proxy closed the connection")
		}
		return r
	case <-time.After(within):
		a.t.Fatalf("nothing from the state proxy within %v", within)
	}
	return nil
}

// subscribeMACTable subscribes to a bridge's untagged MAC table as the
// agent does (the JVM's class names) and returns the subscription id
// and the snapshot's entries.
func (a *proxyAgent) subscribeMACTable(bridge string) (uint64, []*models.ProxyResponse_Notify_Entry) {
	a.t.Helper()
	if _, err := protodelim.MarshalTo(a.conn, &models.ProxyRequest{RequestId: proto.Uint64(1),
		Data: &models.ProxyRequest_Subscribe_{Subscribe: &models.ProxyRequest_Subscribe{
			ObjectClass: proto.String("org.midonet.cluster.models.Topology$Network"), ObjectId: models.UUIDFromGoogle(uuid.MustParse(bridge)),
			KeyClass: proto.String("org.midonet.packets.MAC"), ValueClass: proto.String("java.util.UUID"),
			TableName: proto.String(midonet.MacTable), TableArguments: []string{"0"}}}}); err != nil {
		a.t.Fatal(err)
	}
	ack := a.recv(waitLimit)
	sub := ack.GetAcknowledge().GetSubscriptionId()
	if sub == 0 {
		a.t.Fatalf("SUBSCRIBE answered %v", ack)
	}
	var entries []*models.ProxyResponse_Notify_Entry
	for {
		r := a.recv(waitLimit)
		u := r.GetNotify().GetUpdate()
		if u == nil || u.GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT {
			a.t.Fatalf("want the snapshot, got %v", r)
		}
		entries = append(entries, u.GetEntries()...)
		if u.GetEnd() {
			return sub, entries
		}
	}
}

// macEntry renders a MAC table entry as "mac=port" ("mac" when removed).
func macEntry(e *models.ProxyResponse_Notify_Entry) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], e.GetKey().GetData_64())
	s := net.HardwareAddr(b[2:]).String()
	if e.Value != nil {
		id, _ := uuid.FromBytes(e.GetValue().GetDataVariable())
		s += "=" + id.String()
	}
	return s
}

// restBridge makes a bridge and a port on it through the REST API.
func restBridge(t testing.TB, api *client.Client) (bridge, port string) {
	t.Helper()
	ctx := context.Background()
	br, err := api.Bridges().Create(ctx, &client.Bridge{Name: "br", TenantID: "tenant"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := api.BridgePorts(br.ID).Create(ctx, &client.Port{Type: "Bridge"})
	if err != nil {
		t.Fatal(err)
	}
	return br.ID, p.ID
}

// stateProxyAddr waits for the node's state proxy in service discovery.
func stateProxyAddr(t *testing.T, b *backend) string {
	t.Helper()
	conn := b.connect(t)
	var addr string
	eventually(t, "the state proxy is in service discovery", func() bool {
		ins, _ := discovery.Instances(context.Background(), conn, b.root, stateproxy.ServiceName)
		if len(ins) == 1 {
			addr = ins[0].HostPort()
		}
		return addr != ""
	})
	return addr
}

// TestStateProxySeesRESTChanges: an agent found through service discovery
// subscribes to a bridge's MAC table and sees MAC entries added and
// deleted through the REST API (generously bounded here; the latency is
// measured by BenchmarkStateProxyRESTLatency).
func TestStateProxySeesRESTChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		cfg, _ := nodeOn(t, b)
		cfg.APIHandler = cluster.StandardAPI
		n := start(t, cfg)
		api := client.New(httpURL(n.node, "/midonet-api"))
		bridge, port := restBridge(t, api)
		first, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: "02:00:00:00:00:01", PortID: port})
		if err != nil {
			t.Fatal(err)
		}
		a := dialStateProxy(t, stateProxyAddr(t, b))
		sub, snapshot := a.subscribeMACTable(bridge)
		if len(snapshot) != 1 || macEntry(snapshot[0]) != "02:00:00:00:00:01="+port {
			t.Fatalf("snapshot %v", snapshot)
		}

		if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: "02:00:00:00:00:02", PortID: port}); err != nil {
			t.Fatal(err)
		}
		r := a.recv(5 * time.Second)
		u := r.GetNotify().GetUpdate()
		if r.GetNotify().GetSubscriptionId() != sub || u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE ||
			len(u.GetEntries()) != 1 || macEntry(u.GetEntries()[0]) != "02:00:00:00:00:02="+port {
			t.Fatalf("after a REST create: %v", r)
		}

		if _, err := api.Do(ctx, "DELETE", first.URI, "", "", nil, nil); err != nil {
			t.Fatal(err)
		}
		u = a.recv(5 * time.Second).GetNotify().GetUpdate()
		if len(u.GetEntries()) != 1 || macEntry(u.GetEntries()[0]) != "02:00:00:00:00:01" {
			t.Fatalf("after a REST delete: %v", u)
		}
	})
}

// BenchmarkStateProxyRESTLatency: the time from a MAC entry's REST create
// to its arrival at an agent subscribed through the node's state proxy,
// against the REST create alone (the same request's round trip) in the
// same run: the proxy's share is the difference.
func BenchmarkStateProxyRESTLatency(b *testing.B) {
	for _, be := range []struct {
		name string
		conn func() storage.Conn
	}{
		{"mem", func() storage.Conn { return mem.NewServer().Connect() }},
		{"zookeeper", func() storage.Conn { return zktest.NewBackend(zktest.Shared(b).Addr()).Connect(b) }},
	} {
		b.Run(be.name, func(b *testing.B) {
			conn := be.conn()
			cfg := testConfig(b, conn)
			cfg.RootKey = "/bench-" + uuid.NewString()[:8]
			cfg.Logger = slog.New(slog.DiscardHandler)
			cfg.APIHandler = cluster.StandardAPI
			n := start(b, cfg)
			ctx := context.Background()
			api := client.New(httpURL(n.node, "/midonet-api"))
			bridge, port := restBridge(b, api)
			if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: "02:ff:00:00:00:00", PortID: port}); err != nil {
				b.Fatal(err)
			}
			var addr string
			deadline := time.Now().Add(waitLimit)
			for addr == "" && time.Now().Before(deadline) {
				ins, _ := discovery.Instances(ctx, conn, cfg.RootKey, stateproxy.ServiceName)
				if len(ins) == 1 {
					addr = ins[0].HostPort()
				}
				time.Sleep(10 * time.Millisecond)
			}
			a := dialStateProxy(b, addr)
			a.subscribeMACTable(bridge)
			var seen, created []time.Duration
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{
					MacAddr: fmt.Sprintf("02:00:00:%02x:%02x:%02x", byte(i>>16), byte(i>>8), byte(i)), PortID: port}); err != nil {
					b.Fatal(err)
				}
				created = append(created, time.Since(start))
				a.recv(5 * time.Second)
				seen = append(seen, time.Since(start))
			}
			b.StopTimer()
			p := func(d []time.Duration, q int) time.Duration {
				slices.Sort(d)
				return d[min(len(d)-1, len(d)*q/100)]
			}
			s50, s99, c50 := p(seen, 50), p(seen, 99), p(created, 50)
			b.ReportMetric(float64(s50.Microseconds()), "seen-p50-µs")
			b.ReportMetric(float64(s99.Microseconds()), "seen-p99-µs")
			b.ReportMetric(float64(c50.Microseconds()), "create-p50-µs")
			b.ReportMetric(float64(s50)/float64(max(c50, 1)), "seen/create")
		})
	}
}
