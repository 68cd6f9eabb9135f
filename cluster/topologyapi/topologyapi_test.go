package topologyapi

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
	"golang.org/x/net/websocket"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) { zktest.Main(m) }

func TestConfigFromSchemaDefaults(t *testing.T) {
	cfg, err := ConfigFrom(servicetest.SchemaDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{SocketEnabled: false, Port: 8088, WSEnabled: false, WSPort: 8080, WSPath: "/websocket",
		GracePeriod: 180 * time.Second, BufferSize: 16384}
	if cfg != want {
		t.Fatalf("defaults %+v, want %+v", cfg, want)
	}
}

// client speaks topology_api.proto as an agent would.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, srv *Server) *client {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, conn)
}

func newClient(t *testing.T, conn net.Conn) *client {
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *client) send(req *models.Request) {
	c.t.Helper()
	if _, err := protodelim.MarshalTo(c.conn, req); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) recv() *models.Response {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(servicetest.WaitLimit))
	var rsp models.Response
	if err := protodelim.UnmarshalFrom(c.r, &rsp); err != nil {
		c.t.Fatalf("reading a response: %v", err)
	}
	return &rsp
}

// expect reads a response and checks its type and request id.
func (c *client) expect(typ models.ResponseType, reqID *models.UUID) *models.Response {
	c.t.Helper()
	rsp := c.recv()
	if rsp.GetType() != typ || !rsp.GetReqId().Equal(reqID) {
		c.t.Fatalf("got %v for request %s, want %v for %s: %v", rsp.GetType(), rsp.GetReqId().Canonical(), typ, reqID.Canonical(), rsp)
	}
	return rsp
}

// closed checks that the server closes the connection.
func (c *client) closed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(servicetest.WaitLimit))
	var rsp models.Response
	if err := protodelim.UnmarshalFrom(c.r, &rsp); err == nil {
		c.t.Fatalf("got %v, want the connection closed", &rsp)
	}
}

func (c *client) handshake(cnxn *models.UUID, seqno *int64) *models.Request_Handshake {
	hs := &models.Request_Handshake{ReqId: models.NewUUID(), CnxnId: cnxn, Seqno: seqno}
	c.send(&models.Request{Request: &models.Request_Handshake_{Handshake: hs}})
	return hs
}

func (c *client) get(typ models.Type, id *models.UUID, subscribe bool) *models.UUID {
	g := &models.Request_Get{ReqId: models.NewUUID(), Type: typ.Enum(), Id: id}
	if subscribe {
		g.Subscribe = proto.Bool(true)
	}
	c.send(&models.Request{Request: &models.Request_Get_{Get: g}})
	return g.ReqId
}

func (c *client) unsubscribe(typ models.Type, id *models.UUID) *models.UUID {
	u := &models.Request_Unsubscribe{ReqId: models.NewUUID(), Type: typ.Enum(), Id: id}
	c.send(&models.Request{Request: &models.Request_Unsubscribe_{Unsubscribe: u}})
	return u.ReqId
}

func (c *client) bye() {
	c.send(&models.Request{Request: &models.Request_Bye_{Bye: &models.Request_Bye{ReqId: models.NewUUID()}}})
}

func start(t *testing.T, st *zoom.Store, grace time.Duration) *Server {
	t.Helper()
	srv, err := Start(servicetest.Context(t), st, "127.0.0.1",
		Config{SocketEnabled: true, Port: 0, GracePeriod: grace, BufferSize: 128}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), servicetest.WaitLimit)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// TestTopologyAPI ports ServerFrontEndTest and SessionInventoryTest's
// expectations: handshake, get, snapshot, subscription with updates and
// deletion, redirect, unsubscribe, resume after a disconnect, a session in
// use, bye.
func TestTopologyAPI(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		st := servicetest.Store(t, b, servicetest.Root(t), zoom.Options{})
		srv := start(t, st, time.Minute)

		host := &models.Host{Id: models.NewUUID(), Name: proto.String("host0")}
		net0 := &models.Network{Id: models.NewUUID(), Name: proto.String("net0")}
		for _, o := range []proto.Message{host, net0} {
			if err := st.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}

		c := dial(t, srv)
		cnxn := models.NewUUID()
		// Before the handshake, requests are ignored.
		c.get(models.Type_HOST, host.Id, false)
		hs := c.handshake(cnxn, nil)
		c.expect(models.ResponseType_ACK, hs.ReqId)

		req := c.get(models.Type_HOST, host.Id, false)
		rsp := c.expect(models.ResponseType_UPDATE, req)
		if !proto.Equal(rsp.GetUpdate().GetHost(), host) || rsp.GetObjType() != models.Type_HOST || !rsp.GetObjId().Equal(host.Id) {
			t.Fatalf("get host: %v", rsp)
		}
		if rsp.GetSeqno() != 0 {
			t.Fatalf("first session response has seqno %d, want 0", rsp.GetSeqno())
		}
		missing := models.NewUUID()
		req = c.get(models.Type_HOST, missing, false)
		rsp = c.expect(models.ResponseType_NACK, req)
		if want := "not found: " + missing.Canonical() + " (class org.midonet.cluster.models.Topology$Host)"; rsp.GetInfo().GetMsg() != want {
			t.Fatalf("NACK %q, want %q", rsp.GetInfo().GetMsg(), want)
		}
		req = c.get(models.Type_HOST, nil, false)
		rsp = c.expect(models.ResponseType_SNAPSHOT, req)
		if ids := rsp.GetSnapshot().GetObjIds(); len(ids) != 1 || !ids[0].Equal(host.Id) {
			t.Fatalf("snapshot %v, want [%s]", ids, host.Id.Canonical())
		}

		sub := c.get(models.Type_NETWORK, net0.Id, true)
		c.expect(models.ResponseType_ACK, sub)
		rsp = c.expect(models.ResponseType_UPDATE, sub)
		if rsp.GetUpdate().GetNetwork().GetName() != "net0" {
			t.Fatalf("first update %v", rsp)
		}
		again := c.get(models.Type_NETWORK, net0.Id, true)
		rsp = c.expect(models.ResponseType_REDIRECT, again)
		if !rsp.GetRedirect().GetOriginalReqId().Equal(sub) {
			t.Fatalf("redirect to %v, want %s", rsp.GetRedirect(), sub.Canonical())
		}
		net0.Name = proto.String("renamed")
		if err := st.Update(ctx, net0); err != nil {
			t.Fatal(err)
		}
		rsp = c.expect(models.ResponseType_UPDATE, sub)
		if rsp.GetUpdate().GetNetwork().GetName() != "renamed" {
			t.Fatalf("update %v", rsp)
		}
		last := rsp.GetSeqno()

		// Disconnect: the session keeps following the network; a resume
		// replays from the last seqno seen, inclusive.
		c.conn.Close()
		net0.Name = proto.String("while away")
		servicetest.Eventually(t, "the session detached", func() bool {
			c2 := dial(t, srv)
			hs := c2.handshake(cnxn, proto.Int64(last))
			rsp := c2.recv()
			ok := rsp.GetType() == models.ResponseType_ACK && rsp.GetReqId().Equal(hs.ReqId)
			if ok {
				c = c2
			}
			return ok
		})
		rsp = c.expect(models.ResponseType_UPDATE, sub)
		if rsp.GetSeqno() != last || rsp.GetUpdate().GetNetwork().GetName() != "renamed" {
			t.Fatalf("replay starts with %v, want seqno %d", rsp, last)
		}
		if err := st.Update(ctx, net0); err != nil {
			t.Fatal(err)
		}
		rsp = c.expect(models.ResponseType_UPDATE, sub)
		if rsp.GetUpdate().GetNetwork().GetName() != "while away" || rsp.GetSeqno() != last+1 {
			t.Fatalf("update after resume %v", rsp)
		}

		// A second connection for a session in use is refused and closed.
		other := dial(t, srv)
		hs = other.handshake(cnxn, nil)
		rsp = other.expect(models.ResponseType_NACK, hs.ReqId)
		if rsp.GetInfo().GetMsg() != "handshake rejected: "+cnxn.Canonical() {
			t.Fatalf("NACK %q", rsp.GetInfo().GetMsg())
		}
		other.closed()

		if err := st.Delete(ctx, &models.Network{}, net0.Id.ToGoogle()); err != nil {
			t.Fatal(err)
		}
		rsp = c.expect(models.ResponseType_DELETION, sub)
		if rsp.GetObjType() != models.Type_NETWORK || !rsp.GetObjId().Equal(net0.Id) {
			t.Fatalf("deletion %v", rsp)
		}

		// A subscription to a missing object: ACK, then ERROR "not found".
		gone := c.get(models.Type_ROUTER, models.NewUUID(), true)
		c.expect(models.ResponseType_ACK, gone)
		if rsp = c.expect(models.ResponseType_ERROR, gone); rsp.GetInfo().GetMsg() != "not found" {
			t.Fatalf("subscription to a missing router: %v", rsp)
		}

		// Whole-type subscription: existing and new hosts; unsubscribe stops it.
		all := c.get(models.Type_HOST, nil, true)
		c.expect(models.ResponseType_ACK, all)
		if rsp = c.expect(models.ResponseType_UPDATE, all); !rsp.GetObjId().Equal(host.Id) {
			t.Fatalf("type subscription starts with %v", rsp)
		}
		host1 := &models.Host{Id: models.NewUUID(), Name: proto.String("host1")}
		if err := st.Create(ctx, host1); err != nil {
			t.Fatal(err)
		}
		if rsp = c.expect(models.ResponseType_UPDATE, all); !rsp.GetObjId().Equal(host1.Id) {
			t.Fatalf("new host %v", rsp)
		}
		if err := st.Delete(ctx, &models.Host{}, host1.Id.ToGoogle()); err != nil {
			t.Fatal(err)
		}
		if rsp = c.expect(models.ResponseType_DELETION, all); !rsp.GetObjId().Equal(host1.Id) {
			t.Fatalf("host deletion %v", rsp)
		}
		un := c.unsubscribe(models.Type_HOST, nil)
		c.expect(models.ResponseType_ACK, un)
		if err := st.Create(ctx, &models.Host{Id: models.NewUUID(), Name: proto.String("host2")}); err != nil {
			t.Fatal(err)
		}
		// The next response answers the next request: nothing of host2.
		req = c.get(models.Type_HOST, host.Id, false)
		c.expect(models.ResponseType_UPDATE, req)
		un = c.unsubscribe(models.Type_HOST, models.NewUUID())
		c.expect(models.ResponseType_ACK, un)

		// Bye ends the session: no answer, connection closed, and a resume
		// of it is refused (a new session holds no seqno 1).
		c.bye()
		c.closed()
		c3 := dial(t, srv)
		hs = c3.handshake(cnxn, proto.Int64(1))
		rsp = c3.expect(models.ResponseType_NACK, hs.ReqId)
		if !strings.HasPrefix(rsp.GetInfo().GetMsg(), "handshake rejected") {
			t.Fatalf("resume after bye: %v", rsp)
		}
	})
}

// TestSessionExpires: a session outlives its connection for the grace
// period only (SessionInventoryTest's expiry expectations).
func TestSessionExpires(t *testing.T) {
	ctx := servicetest.Context(t)
	st := servicetest.Store(t, memtest.NewBackend(), servicetest.Root(t), zoom.Options{})
	host := &models.Host{Id: models.NewUUID()}
	if err := st.Create(ctx, host); err != nil {
		t.Fatal(err)
	}
	const grace = 500 * time.Millisecond
	srv := start(t, st, grace)
	cnxn := models.NewUUID()
	c := dial(t, srv)
	c.expect(models.ResponseType_ACK, c.handshake(cnxn, nil).ReqId)
	c.expect(models.ResponseType_UPDATE, c.get(models.Type_HOST, host.Id, false))
	c.conn.Close()
	servicetest.Eventually(t, "a resume within the grace period", func() bool {
		c = dial(t, srv)
		return c.recvAfter(c.handshake(cnxn, proto.Int64(1))).GetType() == models.ResponseType_ACK
	})
	c.conn.Close()
	time.Sleep(3 * grace)
	c = dial(t, srv)
	if rsp := c.recvAfter(c.handshake(cnxn, proto.Int64(1))); rsp.GetType() != models.ResponseType_NACK {
		t.Fatalf("resume after the grace period: %v, want NACK", rsp)
	}
}

// recvAfter reads the answer to a handshake.
func (c *client) recvAfter(hs *models.Request_Handshake) *models.Response {
	c.t.Helper()
	rsp := c.recv()
	if !rsp.GetReqId().Equal(hs.ReqId) {
		c.t.Fatalf("answer %v is not for the handshake %s", rsp, hs.ReqId.Canonical())
	}
	return rsp
}

// TestWebSocket: the websocket front end carries the same varint-delimited
// stream in binary frames at ws_path only (ServerFrontEndTest's websocket
// cases).
func TestWebSocket(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		st := servicetest.Store(t, b, servicetest.Root(t), zoom.Options{})
		host := &models.Host{Id: models.NewUUID(), Name: proto.String("ws-host")}
		if err := st.Create(ctx, host); err != nil {
			t.Fatal(err)
		}
		srv, err := Start(ctx, st, "127.0.0.1", Config{WSEnabled: true, WSPort: 0, WSPath: "/websocket",
			GracePeriod: time.Minute, BufferSize: 128}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Stop(context.Background()) })
		if srv.Addr() != nil {
			t.Fatalf("TCP front end serving at %v although socket_enabled is false", srv.Addr())
		}
		base := "ws://" + srv.WSAddr().String()
		if _, err := websocket.Dial(base+"/other", "", "http://localhost/"); err == nil {
			t.Fatal("websocket upgrade accepted outside ws_path")
		}
		ws, err := websocket.Dial(base+"/websocket", "", "http://localhost/")
		if err != nil {
			t.Fatal(err)
		}
		ws.PayloadType = websocket.BinaryFrame
		c := newClient(t, ws)
		c.expect(models.ResponseType_ACK, c.handshake(models.NewUUID(), nil).ReqId)
		rsp := c.expect(models.ResponseType_UPDATE, c.get(models.Type_HOST, host.Id, false))
		if !proto.Equal(rsp.GetUpdate().GetHost(), host) {
			t.Fatalf("get host over websocket: %v", rsp)
		}
		sub := c.get(models.Type_HOST, host.Id, true)
		c.expect(models.ResponseType_ACK, sub)
		c.expect(models.ResponseType_UPDATE, sub)
		if err := st.Delete(ctx, &models.Host{}, host.Id.ToGoogle()); err != nil {
			t.Fatal(err)
		}
		c.expect(models.ResponseType_DELETION, sub)
		c.bye()
		c.closed()
	})
}

// TestBadFrames: a frame that is not a Request (or lacks its required
// fields, or is oversized) closes the connection but keeps the session.
func TestBadFrames(t *testing.T) {
	ctx := servicetest.Context(t)
	st := servicetest.Store(t, memtest.NewBackend(), servicetest.Root(t), zoom.Options{})
	host := &models.Host{Id: models.NewUUID()}
	if err := st.Create(ctx, host); err != nil {
		t.Fatal(err)
	}
	srv := start(t, st, time.Minute)
	cnxn := models.NewUUID()
	for _, frame := range [][]byte{
		{0x03, 0xff, 0xff, 0xff}, // not protobuf
		{0x02, 0x12, 0x00},       // a get without req_id and type
		{0xff, 0xff, 0xff, 0x7f}, // 256 MiB announced
	} {
		c := dial(t, srv)
		servicetest.Eventually(t, "the session detached", func() bool {
			c = dial(t, srv)
			return c.recvAfter(c.handshake(cnxn, nil)).GetType() == models.ResponseType_ACK
		})
		if _, err := c.conn.Write(frame); err != nil {
			t.Fatal(err)
		}
		c.closed()
	}
	c := dial(t, srv)
	servicetest.Eventually(t, "the session detached", func() bool {
		c = dial(t, srv)
		return c.recvAfter(c.handshake(cnxn, nil)).GetType() == models.ResponseType_ACK
	})
	c.expect(models.ResponseType_UPDATE, c.get(models.Type_HOST, host.Id, false))
}
