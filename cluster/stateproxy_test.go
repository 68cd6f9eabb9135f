package cluster_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
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
	"github.com/midonet/midonet-go/restapi/client"
)

// proxyAgent is an agent's State Proxy client, written from
// state_api.proto: varint32-delimited ProxyRequest out, ProxyResponse in.
type proxyAgent struct {
	t    testing.TB
	conn net.Conn
	in   chan *models.ProxyResponse
}

func dialStateProxy(t testing.TB, addr string) *proxyAgent {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	a := &proxyAgent{t: t, conn: conn, in: make(chan *models.ProxyResponse, 256)}
	go func() {
		defer close(a.in)
		r := bufio.NewReader(conn)
		for {
			var resp models.ProxyResponse
			if err := protodelim.UnmarshalFrom(r, &resp); err != nil {
				return
			}
			a.in <- &resp
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return a
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
		u := a.recv(waitLimit).GetNotify().GetUpdate()
		if u.GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT {
			a.t.Fatalf("want the snapshot, got %v", u)
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
