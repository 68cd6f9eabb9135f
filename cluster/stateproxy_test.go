package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/internal/agenttest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/restapi/client"
)

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
		a := agenttest.DialStateProxy(t, stateProxyAddr(t, b))
		sub, snapshot := a.SubscribeMACTable(bridge, waitLimit)
		if len(snapshot) != 1 || agenttest.MACEntry(snapshot[0]) != "02:00:00:00:00:01="+port {
			t.Fatalf("snapshot %v", snapshot)
		}

		if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: "02:00:00:00:00:02", PortID: port}); err != nil {
			t.Fatal(err)
		}
		r := a.Recv(5 * time.Second)
		u := r.GetNotify().GetUpdate()
		if r.GetNotify().GetSubscriptionId() != sub || u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE ||
			len(u.GetEntries()) != 1 || agenttest.MACEntry(u.GetEntries()[0]) != "02:00:00:00:00:02="+port {
			t.Fatalf("after a REST create: %v", r)
		}

		if _, err := api.Do(ctx, "DELETE", first.URI, "", "", nil, nil); err != nil {
			t.Fatal(err)
		}
		u = a.Recv(5 * time.Second).GetNotify().GetUpdate()
		if len(u.GetEntries()) != 1 || agenttest.MACEntry(u.GetEntries()[0]) != "02:00:00:00:00:01" {
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
			a := agenttest.DialStateProxy(b, addr)
			a.SubscribeMACTable(bridge, waitLimit)
			var seen, created []time.Duration
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{
					MacAddr: fmt.Sprintf("02:00:00:%02x:%02x:%02x", byte(i>>16), byte(i>>8), byte(i)), PortID: port}); err != nil {
					b.Fatal(err)
				}
				created = append(created, time.Since(start))
				a.Recv(5 * time.Second)
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
