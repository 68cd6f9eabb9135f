// Package agenttest plays a MidoNet agent in tests, as the cluster sees
// one: on a session of its own, the host object it registers and the keys
// its services write in the host's namespace (alive; the container
// service's status, which makes the host eligible for service containers),
// the container statuses it reports, and its State Proxy client written
// from state_api.proto.
package agenttest

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

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Agent is one agent's session and its view of the store.
type Agent struct {
	ID    uuid.UUID
	Conn  storage.Conn
	Store *zoom.Store
}

// Start registers agent id on conn (a session of its own) under root: its
// host (created unless it exists), the alive key and a running container
// service of weight 1 and no quota.
func Start(t testing.TB, conn storage.Conn, root string, id uuid.UUID) *Agent {
	t.Helper()
	ctx := context.Background()
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Namespace: id.String(), Owner: zoom.OwnerAgentBinding})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Exists(ctx, &models.Host{}, id); err != nil {
		t.Fatal(err)
	} else if !ok {
		if err := st.Create(ctx, &models.Host{Id: models.UUIDFromGoogle(id), Name: proto.String("agent-" + id.String()[:8])}); err != nil {
			t.Fatal(err)
		}
	}
	status, _ := models.Marshal(&models.ContainerServiceStatus{Weight: proto.Int32(1), Quota: proto.Int32(-1), Count: proto.Int32(0)})
	for key, value := range map[string]string{midonet.AliveKey: "alive", midonet.ContainerKey: string(status)} {
		if _, err := st.AddValue(ctx, &models.Host{}, id, key, value); err != nil {
			t.Fatal(err)
		}
	}
	return &Agent{ID: id, Conn: conn, Store: st}
}

// Report writes container's status as the agent's container service does.
func (a *Agent) Report(t testing.TB, container string, code models.ContainerStatus_Code) {
	t.Helper()
	text, _ := models.Marshal(&models.ContainerStatus{StatusCode: code.Enum(), HostId: models.UUIDFromGoogle(a.ID),
		NamespaceName: proto.String("ns"), InterfaceName: proto.String("if")})
	if _, err := a.Store.AddValue(context.Background(), &models.ServiceContainer{}, uuid.MustParse(container),
		midonet.StatusKey, string(text)); err != nil {
		t.Fatal(err)
	}
}

// Die ends the agent's session: its ephemeral keys go with it.
func (a *Agent) Die(t testing.TB) {
	t.Helper()
	if err := a.Conn.Close(); err != nil {
		t.Fatal(err)
	}
}

// ReadMessages delivers the varint32-delimited messages of conn until it
// closes.
func ReadMessages[M any, P interface {
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

// StateProxy is an agent's State Proxy client: varint32-delimited
// ProxyRequest out, ProxyResponse in.
type StateProxy struct {
	t    testing.TB
	Conn net.Conn
	in   <-chan *models.ProxyResponse
}

// DialStateProxy connects to the proxy at addr (closed when t ends).
func DialStateProxy(t testing.TB, addr string) *StateProxy {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &StateProxy{t: t, Conn: conn, in: ReadMessages[models.ProxyResponse](conn)}
}

// Next is the next response, false when the proxy closed the connection;
// the test fails when nothing comes within the time given.
func (a *StateProxy) Next(within time.Duration) (*models.ProxyResponse, bool) {
	a.t.Helper()
	select {
	case r, ok := <-a.in:
		return r, ok
	case <-time.After(within):
		a.t.Fatalf("nothing from the state proxy within %v", within)
	}
	return nil, false
}

// Recv is the next response; the connection closing fails the test.
func (a *StateProxy) Recv(within time.Duration) *models.ProxyResponse {
	a.t.Helper()
	r, ok := a.Next(within)
	if !ok {
		a.t.Fatal("the state proxy closed the connection")
	}
	return r
}

// SubscribeMACTable subscribes to a bridge's untagged MAC table as the
// agent does (the JVM's class names) and returns the subscription id and
// the snapshot's entries, each read within the time given.
func (a *StateProxy) SubscribeMACTable(bridge string, within time.Duration) (uint64, []*models.ProxyResponse_Notify_Entry) {
	a.t.Helper()
	if _, err := protodelim.MarshalTo(a.Conn, &models.ProxyRequest{RequestId: proto.Uint64(1),
		Data: &models.ProxyRequest_Subscribe_{Subscribe: &models.ProxyRequest_Subscribe{
			ObjectClass: proto.String("org.midonet.cluster.models.Topology$Network"), ObjectId: models.UUIDFromGoogle(uuid.MustParse(bridge)),
			KeyClass: proto.String("org.midonet.packets.MAC"), ValueClass: proto.String("java.util.UUID"),
			TableName: proto.String(midonet.MacTable), TableArguments: []string{"0"}}}}); err != nil {
		a.t.Fatal(err)
	}
	ack := a.Recv(within)
	sub := ack.GetAcknowledge().GetSubscriptionId()
	if sub == 0 {
		a.t.Fatalf("SUBSCRIBE answered %v", ack)
	}
	var entries []*models.ProxyResponse_Notify_Entry
	for {
		r := a.Recv(within)
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

// MACEntry renders a MAC table entry as "mac=port" ("mac" when removed).
func MACEntry(e *models.ProxyResponse_Notify_Entry) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], e.GetKey().GetData_64())
	s := net.HardwareAddr(b[2:]).String()
	if e.Value != nil {
		id, _ := uuid.FromBytes(e.GetValue().GetDataVariable())
		s += "=" + id.String()
	}
	return s
}
