package topologyapi

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func (srv *Server) feedCount() int {
	srv.inv.feeds.mu.Lock()
	defer srv.inv.feeds.mu.Unlock()
	return len(srv.inv.feeds.all)
}

// TestSharedFeeds: the subscriptions of several sessions to one object
// share one store watch; a session joining later gets the current value
// first; a class subscription is a watch of its own and gets every
// present object; the watch ends with its last subscription.
func TestSharedFeeds(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		st := servicetest.Store(t, b, servicetest.Root(t), zoom.Options{})
		srv := start(t, st, time.Minute)
		net0 := &models.Network{Id: models.NewUUID(), Name: proto.String("net0")}
		if err := st.Create(ctx, net0); err != nil {
			t.Fatal(err)
		}
		session := func() *client {
			c := dial(t, srv)
			hs := c.handshake(models.NewUUID(), nil)
			c.expect(models.ResponseType_ACK, hs.ReqId)
			return c
		}
		type sub struct {
			c   *client
			req *models.UUID
		}
		var subs []sub
		follow := func(name string) {
			t.Helper()
			c := session()
			req := c.get(models.Type_NETWORK, net0.Id, true)
			c.expect(models.ResponseType_ACK, req)
			if got := c.expect(models.ResponseType_UPDATE, req).GetUpdate().GetNetwork().GetName(); got != name {
				t.Fatalf("first update names %q, want %q", got, name)
			}
			subs = append(subs, sub{c, req})
		}
		for range 3 {
			follow("net0")
		}
		if n := srv.feedCount(); n != 1 {
			t.Fatalf("%d store watches for three subscriptions to one object", n)
		}
		net0.Name = proto.String("renamed")
		if err := st.Update(ctx, net0); err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			if got := s.c.expect(models.ResponseType_UPDATE, s.req).GetUpdate().GetNetwork().GetName(); got != "renamed" {
				t.Fatalf("update names %q", got)
			}
		}
		follow("renamed")

		all := session()
		allReq := all.get(models.Type_NETWORK, nil, true)
		all.expect(models.ResponseType_ACK, allReq)
		if rsp := all.expect(models.ResponseType_UPDATE, allReq); !rsp.GetObjId().Equal(net0.Id) {
			t.Fatalf("class subscription's first update %v", rsp)
		}
		if n := srv.feedCount(); n != 2 {
			t.Fatalf("%d store watches, want the object's and the class's", n)
		}

		for _, s := range subs {
			s.c.expect(models.ResponseType_ACK, s.c.unsubscribe(models.Type_NETWORK, net0.Id))
		}
		servicetest.Eventually(t, "the object's watch ends with its last subscription", func() bool { return srv.feedCount() == 1 })
		if err := st.Delete(ctx, &models.Network{}, net0.Id.ToGoogle()); err != nil {
			t.Fatal(err)
		}
		if rsp := all.expect(models.ResponseType_DELETION, allReq); !rsp.GetObjId().Equal(net0.Id) {
			t.Fatalf("class subscription's deletion %v", rsp)
		}
	})
}

// BenchmarkUpdateLatency: 100 sessions subscribe to one network; each
// iteration renames it and times, from the write, the UPDATE's arrival at
// every session (p50, p99) and, as the baseline, at a watch of the object
// in the store on another session (what a client without the API waits
// for). The ratio is the API's p50 over the watch's.
func BenchmarkUpdateLatency(b *testing.B) {
	for _, be := range []servicetest.Backend{{Name: "mem", Backend: memtest.NewBackend()},
		{Name: "zookeeper", Backend: servicetest.ZooKeeper(b)}} {
		b.Run(be.Name, func(b *testing.B) { benchUpdateLatency(b, be, 100) })
	}
}

func benchUpdateLatency(b *testing.B, be servicetest.Backend, sessions int) {
	ctx := servicetest.Context(b)
	root := servicetest.Root(b)
	st := servicetest.Store(b, be, root, zoom.Options{})
	network := &models.Network{Id: models.NewUUID(), Name: proto.String("net")}
	if err := st.Create(ctx, network); err != nil {
		b.Fatal(err)
	}
	srv, err := Start(ctx, st, "127.0.0.1", Config{SocketEnabled: true, GracePeriod: time.Minute, BufferSize: 1024},
		slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Stop(ctx) })

	arrivals := make(chan time.Time, sessions)
	for range sessions {
		conn, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		for _, req := range []*models.Request{
			{Request: &models.Request_Handshake_{Handshake: &models.Request_Handshake{ReqId: models.NewUUID(), CnxnId: models.NewUUID()}}},
			{Request: &models.Request_Get_{Get: &models.Request_Get{ReqId: models.NewUUID(), Type: models.Type_NETWORK.Enum(),
				Id: network.Id, Subscribe: proto.Bool(true)}}},
		} {
			if _, err := protodelim.MarshalTo(conn, req); err != nil {
				b.Fatal(err)
			}
		}
		first := make(chan struct{})
		go func() {
			r := bufio.NewReader(conn)
			seen := false
			for {
				var rsp models.Response
				if protodelim.UnmarshalFrom(r, &rsp) != nil {
					return
				}
				if rsp.GetType() != models.ResponseType_UPDATE {
					continue
				}
				if !seen {
					seen = true
					close(first)
					continue
				}
				arrivals <- time.Now()
			}
		}()
		select {
		case <-first:
		case <-time.After(servicetest.WaitLimit):
			b.Fatal("no first UPDATE")
		}
	}
	other := servicetest.Store(b, be, root, zoom.Options{})
	events, err := other.Watch(ctx, &models.Network{}, network.Id.ToGoogle())
	if err != nil {
		b.Fatal(err)
	}
	<-events
	watched := make(chan time.Time, 1)
	go func() {
		for ev := range events {
			if ev.Kind == zoom.Updated {
				watched <- time.Now()
			}
		}
	}()

	servicetest.FanOutLatency(b, sessions, func(i int) error {
		network.Name = proto.String(fmt.Sprintf("net-%d", i))
		return st.Update(ctx, network)
	}, arrivals, watched)
}

// TestDisconnectionPausesSubscriptions: the server's ZooKeeper connection
// drops and comes back within the session timeout: the subscription stays
// and a change made meanwhile by another session arrives after the
// reconnection, with no ERROR.
func TestDisconnectionPausesSubscriptions(t *testing.T) {
	zb := servicetest.ZooKeeper(t)
	ctx, root := servicetest.Context(t), servicetest.Root(t)
	st := servicetest.Store(t, zb, root, zoom.Options{})
	srv := start(t, st, time.Minute)
	net0 := &models.Network{Id: models.NewUUID(), Name: proto.String("net0")}
	if err := st.Create(ctx, net0); err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv)
	c.expect(models.ResponseType_ACK, c.handshake(models.NewUUID(), nil).ReqId)
	req := c.get(models.Type_NETWORK, net0.Id, true)
	c.expect(models.ResponseType_ACK, req)
	c.expect(models.ResponseType_UPDATE, req)

	writer := servicetest.Store(t, zb, root, zoom.Options{})
	proxy := zb.Proxy(st.Conn())
	proxy.Block()
	servicetest.Eventually(t, "the server's session is disconnected", func() bool { return st.Conn().State() != storage.Connected })
	net0.Name = proto.String("renamed while disconnected")
	if err := writer.Update(ctx, net0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // well within the 3 s session timeout
	proxy.Unblock()
	if got := c.expect(models.ResponseType_UPDATE, req).GetUpdate().GetNetwork().GetName(); got != "renamed while disconnected" {
		t.Fatalf("after the reconnection: %q", got)
	}
}
