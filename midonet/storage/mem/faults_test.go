package mem_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
)

const timeout = 10 * time.Second

// TestDisconnectReconnect: a disconnected session keeps its ephemerals,
// fails requests with ErrConnectionLoss and, once reconnected, serves again
// and delivers the changes its watches missed.
func TestDisconnectReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := mem.NewServer()
	c, other := srv.Connect(), srv.Connect()
	defer c.Close()
	defer other.Close()
	id := c.SessionID()
	if _, err := c.Create(ctx, "/e", nil, storage.Ephemeral); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(ctx, "/p", []byte("0"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	events := c.SessionEvents(ctx)
	watch, err := c.WatchNode(ctx, "/p")
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Next(t, watch, timeout, "initial event")

	c.Disconnect()
	if ev := storagetest.Next(t, events, timeout, "disconnect"); ev.State != storage.Disconnected || ev.SessionID != id {
		t.Fatalf("session event %+v, want disconnected with id %d", ev, id)
	}
	if _, _, err := c.Get(ctx, "/p"); !errors.Is(err, storage.ErrConnectionLoss) {
		t.Errorf("get while disconnected: %v", err)
	}
	if _, err := c.Multi(ctx, storage.CheckOp("/p", 0)); !errors.Is(err, storage.ErrConnectionLoss) {
		t.Errorf("multi while disconnected: %v", err)
	}
	if _, err := c.WatchChildren(ctx, "/"); !errors.Is(err, storage.ErrConnectionLoss) {
		t.Errorf("watch while disconnected: %v", err)
	}
	if _, st, err := other.Get(ctx, "/e"); err != nil || st.EphemeralOwner != id {
		t.Errorf("ephemeral of a disconnected session: %+v, %v", st, err)
	}
	if _, err := other.Set(ctx, "/p", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}

	c.Reconnect()
	if ev := storagetest.Next(t, events, timeout, "reconnect"); ev.State != storage.Connected || ev.SessionID != id {
		t.Fatalf("session event %+v, want connected with id %d", ev, id)
	}
	if ev := storagetest.Next(t, watch, timeout, "change made while disconnected"); string(ev.Data) != "1" || ev.Stat.Version != 1 {
		t.Errorf("watch after reconnect shows %q at version %d", ev.Data, ev.Stat.Version)
	}
	if _, err := c.Set(ctx, "/p", []byte("2"), 1); err != nil {
		t.Errorf("set after reconnect: %v", err)
	}

	// Expiry while disconnected ends everything.
	c.Disconnect()
	storagetest.Next(t, events, timeout, "second disconnect")
	c.Expire()
	if ev := storagetest.Next(t, events, timeout, "expiry"); ev.State != storage.Expired {
		t.Errorf("session event %+v, want expired", ev)
	}
	storagetest.Drain(t, events, timeout, "session events after expiry")
	if evs := storagetest.Drain(t, watch, timeout, "watch after expiry"); len(evs) == 0 || !errors.Is(evs[len(evs)-1].Err, storage.ErrSessionExpired) {
		t.Errorf("watch ended with %+v, want ErrSessionExpired last", evs)
	}
	if _, ok, err := other.Exists(ctx, "/e"); ok || err != nil {
		t.Errorf("ephemeral after expiry: %v, %v", ok, err)
	}
	c.Reconnect() // no effect on an expired session
	if st := c.State(); st != storage.Expired || c.SessionID() != 0 {
		t.Errorf("after expiry: state %v, session %d", st, c.SessionID())
	}
	if _, _, err := c.Get(ctx, "/p"); !errors.Is(err, storage.ErrSessionExpired) {
		t.Errorf("get after expiry: %v", err)
	}
	if err := c.Close(); err != nil || c.State() != storage.Closed {
		t.Errorf("close after expiry: %v, state %v", err, c.State())
	}
}

// leadLog records what one candidate's lead function did, in order.
type leadLog chan string

func newLeadLog() leadLog { return make(leadLog, 10) }

// lead returns a lead function; with returnOnce it returns at once the
// first time it is called.
func (l leadLog) lead(returnOnce bool) func(context.Context) {
	calls := 0
	return func(ctx context.Context) {
		calls++ // Campaign never runs two leads at once
		l <- "leads"
		if returnOnce && calls == 1 {
			l <- "returns"
			return
		}
		<-ctx.Done()
		l <- "stops"
	}
}

func (l leadLog) expect(t *testing.T, who string, want ...string) {
	t.Helper()
	for _, w := range want {
		if got := storagetest.Next(t, (<-chan string)(l), timeout, who+" "+w); got != w {
			t.Fatalf("%s: got %q, want %q", who, got, w)
		}
	}
}

// campaigner runs one Campaign in the background.
type campaigner struct {
	stop func()
	done chan struct{}
	err  error
}

func campaign(t *testing.T, c storage.Conn, id string, lead func(context.Context)) *campaigner {
	ctx, stop := context.WithCancel(t.Context())
	cp := &campaigner{stop: stop, done: make(chan struct{})}
	e := &storage.Election{Conn: c, Root: "/elections"}
	go func() {
		defer close(cp.done)
		cp.err = e.Campaign(ctx, "svc", id, lead)
	}()
	t.Cleanup(func() {
		stop()
		<-cp.done
	})
	return cp
}

// wait returns Campaign's result.
func (cp *campaigner) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-cp.done:
		return cp.err
	case <-time.After(timeout):
		t.Fatalf("Campaign did not return within %v", timeout)
	}
	return nil
}

// TestElectionDisconnect: a leader that loses its connection stops leading
// at once (its node still exists, so nobody else leads meanwhile); on
// reconnection it queues again behind the follower, which then leads.
func TestElectionDisconnect(t *testing.T) {
	srv := mem.NewServer()
	c1, c2 := srv.Connect(), srv.Connect()
	defer c1.Close()
	defer c2.Close()
	log1, log2 := newLeadLog(), newLeadLog()
	campaign(t, c1, "n1", log1.lead(false))
	log1.expect(t, "n1", "leads")
	campaign(t, c2, "n2", log2.lead(false))
	waitCandidates(t, srv, 2)

	c1.Disconnect()
	log1.expect(t, "n1", "stops")
	e := &storage.Election{Conn: c2, Root: "/elections"}
	if id, err := e.Leader(t.Context(), "svc"); err != nil || id != "n1" {
		t.Errorf("leader while n1 is disconnected: %q, %v (its node should remain)", id, err)
	}
	c1.Reconnect()
	log2.expect(t, "n2", "leads")
	waitCandidates(t, srv, 2)
	if id, err := e.Leader(t.Context(), "svc"); err != nil || id != "n2" {
		t.Errorf("leader after n1 reconnected: %q, %v", id, err)
	}
}

// TestElectionRelinquish: a lead that returns on its own gives leadership
// to the next candidate, and its candidate queues again.
func TestElectionRelinquish(t *testing.T) {
	srv := mem.NewServer()
	c1, c2, c3 := srv.Connect(), srv.Connect(), srv.Connect()
	defer c1.Close()
	defer c2.Close()
	defer c3.Close()
	log1, log2, log3 := newLeadLog(), newLeadLog(), newLeadLog()
	campaign(t, c1, "n1", log1.lead(false))
	log1.expect(t, "n1", "leads")
	cp2 := campaign(t, c2, "n2", log2.lead(true))
	waitCandidates(t, srv, 2)
	campaign(t, c3, "n3", log3.lead(false))
	waitCandidates(t, srv, 3)

	c1.Close()
	log1.expect(t, "n1", "stops")
	// n2 leads, returns at once: n3 takes over and n2 queues behind it.
	log2.expect(t, "n2", "leads", "returns")
	log3.expect(t, "n3", "leads")
	waitCandidates(t, srv, 2)
	c3.Close()
	log3.expect(t, "n3", "stops")
	log2.expect(t, "n2", "leads")
	cp2.stop()
	if err := cp2.wait(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Campaign returned %v", err)
	}
	log2.expect(t, "n2", "stops")
}

// TestElectionExpiredConn: Campaign on a mem Conn whose session expired
// returns ErrSessionExpired (mem does not open new sessions).
func TestElectionExpiredConn(t *testing.T) {
	srv := mem.NewServer()
	c := srv.Connect()
	log := newLeadLog()
	cp := campaign(t, c, "n1", log.lead(false))
	log.expect(t, "n1", "leads")
	c.Expire()
	log.expect(t, "n1", "stops")
	if err := cp.wait(t); !errors.Is(err, storage.ErrSessionExpired) {
		t.Errorf("Campaign on an expired Conn returned %v, want ErrSessionExpired", err)
	}
}

func waitCandidates(t *testing.T, srv *mem.Server, n int) {
	t.Helper()
	c := srv.Connect()
	defer c.Close()
	ch, err := c.WatchChildren(t.Context(), "/elections/svc")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if ev := storagetest.Next(t, ch, timeout, "candidates"); len(ev.Children) == n {
			return
		}
	}
}
