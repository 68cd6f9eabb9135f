package stateproxy

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func TestMain(m *testing.M) { zktest.Main(m) }

const (
	networkClass = "org.midonet.cluster.models.Topology$Network"
	macClass     = "org.midonet.packets.MAC"
	uuidClass    = "java.util.UUID"
)

// agent is a State Proxy client speaking the wire protocol.
type agent struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, s *Server) *agent {
	t.Helper()
	servicetest.Eventually(t, "the proxy listens", func() bool { return s.Addr() != nil })
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &agent{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (a *agent) raw(b []byte) {
	a.t.Helper()
	if _, err := a.conn.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...)); err != nil {
		a.t.Fatal(err)
	}
}

func (a *agent) send(req *models.ProxyRequest) {
	a.t.Helper()
	b, err := proto.Marshal(req)
	if err != nil {
		a.t.Fatal(err)
	}
	a.raw(b)
}

func (a *agent) recv() *models.ProxyResponse {
	a.t.Helper()
	a.conn.SetReadDeadline(time.Now().Add(servicetest.WaitLimit))
	n, err := binary.ReadUvarint(a.r)
	if err != nil {
		a.t.Fatalf("reading a response: %v", err)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(a.r, buf); err != nil {
		a.t.Fatal(err)
	}
	var resp models.ProxyResponse
	if err := proto.Unmarshal(buf, &resp); err != nil {
		a.t.Fatal(err)
	}
	return &resp
}

// quiet checks that nothing arrives for a while.
func (a *agent) quiet(d time.Duration) {
	a.t.Helper()
	a.conn.SetReadDeadline(time.Now().Add(d))
	if _, err := a.r.Peek(1); err == nil {
		a.t.Fatalf("unexpected response %v", a.recv())
	}
}

func subscribe(id uint64, network uuid.UUID, vlan string) *models.ProxyRequest {
	return &models.ProxyRequest{RequestId: proto.Uint64(id), Data: &models.ProxyRequest_Subscribe_{Subscribe: &models.ProxyRequest_Subscribe{
		ObjectClass: proto.String(networkClass), ObjectId: models.UUIDFromGoogle(network), KeyClass: proto.String(macClass),
		ValueClass: proto.String(uuidClass), TableName: proto.String(midonet.MacTable), TableArguments: []string{vlan}}}}
}

func macValue(s string) uint64 {
	kv, _ := encodeMAC(s)
	return kv.GetData_64()
}

// entries renders an update's entries as "mac=port@version" ("mac@version"
// for removals).
func entries(t *testing.T, u *models.ProxyResponse_Notify_Update) string {
	var out []string
	for _, e := range u.GetEntries() {
		k := e.GetKey().GetData_64()
		mac := fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", byte(k>>40), byte(k>>32), byte(k>>24), byte(k>>16), byte(k>>8), byte(k))
		if e.Value == nil {
			out = append(out, fmt.Sprintf("%s@%d", mac, e.GetVersion()))
			continue
		}
		id, err := uuid.FromBytes(e.GetValue().GetDataVariable())
		if err != nil {
			t.Fatalf("value %v: %v", e.GetValue(), err)
		}
		out = append(out, fmt.Sprintf("%s=%s", mac, id.String()[:4]))
	}
	return strings.Join(out, " ")
}

type fixture struct {
	ctx  context.Context
	root string
	st   *zoom.Store
	srv  *Server
	net  uuid.UUID
	mac  *zoom.Table
}

func newFixture(t *testing.T, b servicetest.Backend, batch int) *fixture {
	f := &fixture{ctx: servicetest.Context(t), root: servicetest.Root(t)}
	f.st = servicetest.Store(t, b, f.root, zoom.Options{})
	f.net = uuid.New()
	if err := f.st.Create(f.ctx, &models.Network{Id: models.UUIDFromGoogle(f.net)}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.mac, err = f.st.Table(f.ctx, &models.Network{}, f.net, midonet.MacTable, "0"); err != nil {
		t.Fatal(err)
	}
	cfg := Config{NotifyBatchSize: batch, Address: "127.0.0.1", Port: 0, BindRetryInterval: time.Second}
	if f.srv, err = Start(f.ctx, f.st, f.root, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Stop(context.Background()) })
	return f
}

func TestConfigFromSchemaDefaults(t *testing.T) {
	cfg, err := ConfigFrom(servicetest.SchemaDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Config{NotifyBatchSize: 64, InitialSubscriberQueueSize: 16, ChannelTimeout: 15 * time.Second,
		Address: "0.0.0.0", Port: 2346, BindRetryInterval: time.Minute}); cfg != want {
		t.Fatalf("defaults %+v, want %+v", cfg, want)
	}
	if addr, err := bindAddress(Config{Address: "127.0.0.1"}); err != nil || addr != "127.0.0.1" {
		t.Errorf("explicit loopback address: %q %v", addr, err)
	}
	if _, err := bindAddress(Config{Address: "0.0.0.0", Interface: "no-such-interface0"}); err == nil {
		t.Error("a missing interface gave an address")
	}
}

func TestProtocol(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		f := newFixture(t, b, 64)
		a := dial(t, f.srv)

		a.send(&models.ProxyRequest{RequestId: proto.Uint64(7), Data: &models.ProxyRequest_Ping_{Ping: &models.ProxyRequest_Ping{}}})
		if r := a.recv(); r.GetRequestId() != 7 || r.GetPong() == nil {
			t.Fatalf("ping: %v", r)
		}
		a.raw([]byte{0xff, 0xff, 0xff})
		if r := a.recv(); r.GetRequestId() != ^uint64(0) || r.GetError().GetCode() != models.ProxyResponse_Error_UNKNOWN_PROTOCOL ||
			r.GetError().GetDescription() != "Unknown protocol" {
			t.Fatalf("garbage: %v", r)
		}
		a.send(&models.ProxyRequest{RequestId: proto.Uint64(8)})
		if r := a.recv(); r.GetRequestId() != 8 || r.GetError().GetCode() != models.ProxyResponse_Error_UNKNOWN_MESSAGE {
			t.Fatalf("empty request: %v", r)
		}
		for _, c := range []struct {
			edit func(*models.ProxyRequest_Subscribe)
			want string
		}{
			{func(s *models.ProxyRequest_Subscribe) { s.ObjectClass = nil }, "SUBSCRIBE request missing object class"},
			{func(s *models.ProxyRequest_Subscribe) { s.ObjectId = nil }, "SUBSCRIBE request missing object identifier"},
			{func(s *models.ProxyRequest_Subscribe) { s.KeyClass = nil }, "SUBSCRIBE request missing table key class"},
			{func(s *models.ProxyRequest_Subscribe) { s.ValueClass = nil }, "SUBSCRIBE request missing table value class"},
			{func(s *models.ProxyRequest_Subscribe) { s.TableName = nil }, "SUBSCRIBE request missing table name"},
			{func(s *models.ProxyRequest_Subscribe) { s.KeyClass = proto.String("org.example.Nope") }, "SUBSCRIBE request invalid argument: org.example.Nope"},
		} {
			req := subscribe(9, f.net, "0")
			c.edit(req.GetSubscribe())
			a.send(req)
			if r := a.recv(); r.GetError().GetCode() != models.ProxyResponse_Error_INVALID_ARGUMENT || r.GetError().GetDescription() != c.want {
				t.Errorf("want %q, got %v", c.want, r)
			}
		}
		a.send(&models.ProxyRequest{RequestId: proto.Uint64(10), Data: &models.ProxyRequest_Unsubscribe_{Unsubscribe: &models.ProxyRequest_Unsubscribe{}}})
		if r := a.recv(); r.GetError().GetDescription() != "UNSUBSCRIBE request missing subscription identifier" {
			t.Errorf("unsubscribe without id: %v", r)
		}
		a.send(&models.ProxyRequest{RequestId: proto.Uint64(11), Data: &models.ProxyRequest_Unsubscribe_{Unsubscribe: &models.ProxyRequest_Unsubscribe{SubscriptionId: proto.Uint64(12345)}}})
		if r := a.recv(); r.GetError().GetCode() != models.ProxyResponse_Error_NO_SUBSCRIPTION || r.GetError().GetDescription() != "No subscription 12345" {
			t.Errorf("unsubscribe of an unknown id: %v", r)
		}
		// A request without its required request_id is a frame of another
		// protocol too; the connection stays open.
		ping, _ := proto.Marshal(&models.ProxyRequest{RequestId: proto.Uint64(1), Data: &models.ProxyRequest_Ping_{Ping: &models.ProxyRequest_Ping{}}})
		a.raw(ping[2:])
		if r := a.recv(); r.GetRequestId() != ^uint64(0) || r.GetError().GetCode() != models.ProxyResponse_Error_UNKNOWN_PROTOCOL {
			t.Fatalf("request without id: %v", r)
		}
		// A frame larger than any request is answered, then the
		// connection is closed (its bytes are not read into memory).
		if _, err := a.conn.Write(binary.AppendUvarint(nil, maxFrame+1)); err != nil {
			t.Fatal(err)
		}
		if r := a.recv(); r.GetError().GetCode() != models.ProxyResponse_Error_UNKNOWN_PROTOCOL {
			t.Fatalf("oversized frame: %v", r)
		}
		a.conn.SetReadDeadline(time.Now().Add(servicetest.WaitLimit))
		if _, err := a.r.ReadByte(); err == nil {
			t.Fatal("the connection stayed open after an oversized frame")
		}
	})
}

func TestSubscriptions(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		f := newFixture(t, b, 2)
		ports := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
		for i, mac := range []string{"02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"} {
			if err := f.mac.AddPersistent(f.ctx, mac, ports[i]); err != nil {
				t.Fatal(err)
			}
		}
		a := dial(t, f.srv)
		a.send(subscribe(1, f.net, "0"))
		ack := a.recv()
		sub := ack.GetAcknowledge().GetSubscriptionId()
		if ack.GetRequestId() != 1 || sub == 0 {
			t.Fatalf("ack: %v", ack)
		}
		// Three entries in batches of two: begin on the first, end on the last.
		var got []string
		for i, want := range []struct{ begin, end bool }{{true, false}, {false, true}} {
			r := a.recv()
			u := r.GetNotify().GetUpdate()
			if r.GetRequestId() != 1 || r.GetNotify().GetSubscriptionId() != sub || u.GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT ||
				u.GetBegin() != want.begin || u.GetEnd() != want.end || u.GetCurrentVersion() == 0 {
				t.Fatalf("snapshot batch %d: %v", i, r)
			}
			got = append(got, entries(t, u))
		}
		want := fmt.Sprintf("02:00:00:00:00:01=%s 02:00:00:00:00:02=%s 02:00:00:00:00:03=%s", ports[0][:4], ports[1][:4], ports[2][:4])
		if strings.Join(got, " ") != want {
			t.Fatalf("snapshot %q, want %q", strings.Join(got, " "), want)
		}

		// Changes come as relative updates: a new entry with its value, a
		// removed one with its version only.
		if err := f.mac.AddPersistent(f.ctx, "02:00:00:00:00:04", ports[0]); err != nil {
			t.Fatal(err)
		}
		r := a.recv()
		if u := r.GetNotify().GetUpdate(); u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE ||
			entries(t, u) != "02:00:00:00:00:04="+ports[0][:4] {
			t.Fatalf("relative add: %v", r)
		}
		if err := f.mac.RemovePersistent(f.ctx, "02:00:00:00:00:01", ports[0]); err != nil {
			t.Fatal(err)
		}
		r = a.recv()
		if u := r.GetNotify().GetUpdate(); u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE ||
			entries(t, u) != fmt.Sprintf("02:00:00:00:00:01@%d", zoom.PersistentVersion) {
			t.Fatalf("relative remove: %v", r)
		}

		// Subscribing again: the same id, and a fresh snapshot.
		a.send(subscribe(2, f.net, "0"))
		if r := a.recv(); r.GetAcknowledge().GetSubscriptionId() != sub || r.GetRequestId() != 2 {
			t.Fatalf("second subscribe: %v", r)
		}
		for range 2 {
			if r := a.recv(); r.GetRequestId() != 2 || r.GetNotify().GetUpdate().GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT {
				t.Fatalf("second snapshot: %v", r)
			}
		}

		// A table that does not exist completes with NSDB_ERROR NONODE.
		a.send(subscribe(3, f.net, "42"))
		other := a.recv().GetAcknowledge().GetSubscriptionId()
		if other == sub || other == 0 {
			t.Fatalf("second table's id %d", other)
		}
		if c := a.recv().GetNotify().GetCompleted(); c.GetCode() != models.ProxyResponse_Notify_Completed_NSDB_ERROR || c.GetNsdbCode() != -101 {
			t.Fatalf("missing table: %v", c)
		}

		// Unsubscribed: no more updates.
		a.send(&models.ProxyRequest{RequestId: proto.Uint64(4), Data: &models.ProxyRequest_Unsubscribe_{Unsubscribe: &models.ProxyRequest_Unsubscribe{SubscriptionId: proto.Uint64(sub)}}})
		if r := a.recv(); r.GetAcknowledge().GetSubscriptionId() != sub {
			t.Fatalf("unsubscribe: %v", r)
		}
		if err := f.mac.AddPersistent(f.ctx, "02:00:00:00:00:05", ports[0]); err != nil {
			t.Fatal(err)
		}
		a.quiet(300 * time.Millisecond)

		// Discovery has the proxy; stopping completes what is subscribed
		// and withdraws it.
		ins, err := discovery.Instances(f.ctx, f.st.Conn(), f.root, ServiceName)
		if err != nil || len(ins) != 1 || ins[0].HostPort() != f.srv.Addr().String() {
			t.Fatalf("discovery: %+v %v", ins, err)
		}
		a.send(subscribe(5, f.net, "0"))
		if r := a.recv(); r.GetAcknowledge() == nil {
			t.Fatalf("subscribe again: %v", r)
		}
		a.recv()
		a.recv()
		if err := f.srv.Stop(f.ctx); err != nil {
			t.Fatal(err)
		}
		if c := a.recv().GetNotify().GetCompleted(); c.GetCode() != models.ProxyResponse_Notify_Completed_SERVER_SHUTDOWN {
			t.Fatalf("shutdown: %v", c)
		}
		if ins, _ := discovery.Instances(f.ctx, f.st.Conn(), f.root, ServiceName); len(ins) != 0 {
			t.Fatalf("discovery after stop: %v", ins)
		}
	})
}

// TestSessionExpiryCompletesSubscriptions: the proxy's watches end with its
// session; subscribers learn it (NSDB_ERROR) and can subscribe again.
func TestSessionExpiryCompletesSubscriptions(t *testing.T) {
	zb := servicetest.ZooKeeper(t)
	f := newFixture(t, servicetest.Backend{Name: "zookeeper", Backend: zb}, 64)
	if err := f.mac.AddPersistent(f.ctx, "02:00:00:00:00:01", uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	a := dial(t, f.srv)
	a.send(subscribe(1, f.net, "0"))
	a.recv()
	a.recv()
	zb.Expire(t, f.st.Conn())
	// CONNECTIONLOSS, as the reference's caches close when Curator reports
	// the connection LOST.
	if c := a.recv().GetNotify().GetCompleted(); c.GetCode() != models.ProxyResponse_Notify_Completed_NSDB_ERROR ||
		c.GetNsdbCode() != zkConnectionLoss {
		t.Fatalf("after expiry: %v", c)
	}
	// The expiry took the ephemeral discovery node: registered again.
	servicetest.Eventually(t, "the proxy is in service discovery again", func() bool {
		ins, err := discovery.Instances(f.ctx, f.st.Conn(), f.root, ServiceName)
		return err == nil && len(ins) == 1 && ins[0].HostPort() == f.srv.Addr().String()
	})
	servicetest.Eventually(t, "a subscription works again", func() bool {
		a.send(subscribe(2, f.net, "0"))
		if a.recv().GetAcknowledge() == nil {
			return false
		}
		r := a.recv()
		return r.GetNotify().GetUpdate().GetType() == models.ProxyResponse_Notify_Update_SNAPSHOT
	})
}

// TestSharedCache: the subscribers of one table share its cache (one watch),
// each gets its own snapshot and every change; one leaving does not stop
// the others; the last leaving closes the cache. As the reference's
// StateTableCacheTest: an empty table is one empty batch, learned entries
// win over persistent ones, entries that do not read as the table's
// classes are left out.
func TestSharedCache(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		f := newFixture(t, b, 64)
		port := uuid.New()
		if err := f.mac.AddPersistent(f.ctx, "02:00:00:00:00:01", port.String()); err != nil {
			t.Fatal(err)
		}
		agents := []*agent{dial(t, f.srv), dial(t, f.srv), dial(t, f.srv)}
		subs := map[uint64]bool{}
		for i, a := range agents {
			a.send(subscribe(uint64(i+1), f.net, "0"))
			sub := a.recv().GetAcknowledge().GetSubscriptionId()
			subs[sub] = true
			if u := a.recv().GetNotify().GetUpdate(); entries(t, u) != "02:00:00:00:00:01="+port.String()[:4] {
				t.Fatalf("agent %d snapshot %v", i, u)
			}
		}
		if len(subs) != 3 {
			t.Errorf("subscription ids %v, want three different", subs)
		}
		caches := func() int {
			f.srv.mu.Lock()
			defer f.srv.mu.Unlock()
			return len(f.srv.caches)
		}
		if n := caches(); n != 1 {
			t.Fatalf("%d caches for one table", n)
		}
		agents[2].conn.Close()

		// A learned entry of the same MAC wins over the persistent one.
		learned := uuid.New()
		if err := f.mac.Add(f.ctx, "02:00:00:00:00:01", learned.String()); err != nil {
			t.Fatal(err)
		}
		// Names that are no entry, or whose key is no MAC, are left out.
		for _, bad := range []string{"garbage", "zz:00:00:00:00:02," + port.String() + ",2147483647"} {
			if _, err := f.st.Conn().Create(f.ctx, f.mac.Path()+"/"+bad, nil, storage.Persistent); err != nil {
				t.Fatal(err)
			}
		}
		for i, a := range agents[:2] {
			u := a.recv().GetNotify().GetUpdate()
			if u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE || entries(t, u) != "02:00:00:00:00:01="+learned.String()[:4] ||
				u.GetEntries()[0].GetVersion() == zoom.PersistentVersion {
				t.Fatalf("agent %d: learned entry notified as %v", i, u)
			}
			a.quiet(200 * time.Millisecond)
		}
		for _, a := range agents[:2] {
			a.conn.Close()
		}
		servicetest.Eventually(t, "the cache closes with its last subscriber", func() bool { return caches() == 0 })

		// An existing empty table: one snapshot batch, begin and end.
		a := dial(t, f.srv)
		a.send(&models.ProxyRequest{RequestId: proto.Uint64(1), Data: &models.ProxyRequest_Subscribe_{Subscribe: &models.ProxyRequest_Subscribe{
			ObjectClass: proto.String(networkClass), ObjectId: models.UUIDFromGoogle(f.net), KeyClass: proto.String("org.midonet.packets.IPv4Addr"),
			ValueClass: proto.String(macClass), TableName: proto.String(midonet.Ip4MacTable)}}})
		sub := a.recv().GetAcknowledge().GetSubscriptionId()
		r := a.recv()
		if u := r.GetNotify().GetUpdate(); r.GetNotify().GetSubscriptionId() != sub || u.GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT ||
			!u.GetBegin() || !u.GetEnd() || len(u.GetEntries()) != 0 {
			t.Fatalf("empty table: %v", r)
		}
	})
}

// slowConn is a store connection whose watch of one directory does not
// return until released: a ZooKeeper round trip that takes its time.
type slowConn struct {
	storage.Conn
	path    string
	entered chan struct{}
	release chan struct{}
}

func (c *slowConn) WatchChildren(ctx context.Context, p string) (<-chan storage.ChildrenEvent, error) {
	if p == c.path {
		close(c.entered)
		<-c.release
	}
	return c.Conn.WatchChildren(ctx, p)
}

// TestSlowTableHoldsUpNobody: while the first subscription to one table
// waits for the store, other tables are served and another subscriber of
// the same table is acknowledged (the server holds no lock across a round
// trip); both get the snapshot once the store answers. Also the
// reference's order for a cache's first subscriber: ACK before anything
// the store says.
func TestSlowTableHoldsUpNobody(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx, root := servicetest.Context(t), servicetest.Root(t)
		plain := servicetest.Store(t, b, root, zoom.Options{})
		nets, port := []uuid.UUID{uuid.New(), uuid.New()}, uuid.NewString()
		paths := make([]string, len(nets))
		for i, id := range nets {
			if err := plain.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(id)}); err != nil {
				t.Fatal(err)
			}
			mac, err := plain.Table(ctx, &models.Network{}, id, midonet.MacTable, "0")
			if err != nil {
				t.Fatal(err)
			}
			if err := mac.AddPersistent(ctx, "02:00:00:00:00:01", port); err != nil {
				t.Fatal(err)
			}
			paths[i] = mac.Path()
		}
		slow := &slowConn{Conn: b.Connect(t), path: paths[0], entered: make(chan struct{}), release: make(chan struct{})}
		st, err := midonet.NewStore(ctx, slow, zoom.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := Start(ctx, st, root, Config{NotifyBatchSize: 64, Address: "127.0.0.1", BindRetryInterval: time.Second},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Stop(context.Background()) })

		first := dial(t, srv)
		first.send(subscribe(1, nets[0], "0"))
		<-slow.entered
		if r := first.recv(); r.GetAcknowledge() == nil {
			t.Fatalf("first subscriber of the slow table: %v", r)
		}
		other := dial(t, srv)
		other.send(subscribe(1, nets[1], "0"))
		if r := other.recv(); r.GetAcknowledge() == nil {
			t.Fatalf("another table while one waits for the store: %v", r)
		}
		if u := other.recv().GetNotify().GetUpdate(); entries(t, u) != "02:00:00:00:00:01="+port[:4] {
			t.Fatalf("another table's snapshot: %v", u)
		}
		second := dial(t, srv)
		second.send(subscribe(1, nets[0], "0"))
		if r := second.recv(); r.GetAcknowledge() == nil {
			t.Fatalf("second subscriber of the slow table: %v", r)
		}
		second.quiet(100 * time.Millisecond)

		close(slow.release)
		for _, a := range []*agent{first, second} {
			if u := a.recv().GetNotify().GetUpdate(); u.GetType() != models.ProxyResponse_Notify_Update_SNAPSHOT ||
				entries(t, u) != "02:00:00:00:00:01="+port[:4] {
				t.Fatalf("slow table's snapshot: %v", u)
			}
		}
	})
}

// TestDisconnectionPausesSubscriptions: the proxy's ZooKeeper connection
// drops and comes back within the session timeout (the reference's
// SUSPENDED then RECONNECTED): subscriptions stay, and an entry written
// meanwhile by another session arrives after the reconnection, without a
// completion.
func TestDisconnectionPausesSubscriptions(t *testing.T) {
	zb := servicetest.ZooKeeper(t)
	f := newFixture(t, servicetest.Backend{Name: "zookeeper", Backend: zb}, 64)
	port := uuid.NewString()
	if err := f.mac.AddPersistent(f.ctx, "02:00:00:00:00:01", port); err != nil {
		t.Fatal(err)
	}
	a := dial(t, f.srv)
	a.send(subscribe(1, f.net, "0"))
	sub := a.recv().GetAcknowledge().GetSubscriptionId()
	a.recv()

	writer := servicetest.Store(t, zb, f.root, zoom.Options{})
	mac, err := writer.Table(f.ctx, &models.Network{}, f.net, midonet.MacTable, "0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := zb.Proxy(f.st.Conn())
	proxy.Block()
	servicetest.Eventually(t, "the proxy's session is disconnected", func() bool { return f.st.Conn().State() != storage.Connected })
	if err := mac.AddPersistent(f.ctx, "02:00:00:00:00:02", port); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // well within the 3 s session timeout
	proxy.Unblock()
	r := a.recv()
	if u := r.GetNotify().GetUpdate(); r.GetNotify().GetSubscriptionId() != sub || u.GetType() != models.ProxyResponse_Notify_Update_RELATIVE ||
		entries(t, u) != "02:00:00:00:00:02="+port[:4] {
		t.Fatalf("after the reconnection: %v", r)
	}
}
