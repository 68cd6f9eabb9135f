package zk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// reconnectBound is how long a client may take to find another member and
// resume its session after one of three servers dies (the library tries the
// next server at once; a leader's death adds an election).
const reconnectBound = 30 * time.Second

// TestEnsembleMemberLoss kills, one after the other, the member the client is
// connected to and the leader of a 3-server ensemble: each time the client
// keeps its session (and its ephemeral node) and its watch, reads, writes and
// multis work again within reconnectBound, and no data is lost.
func TestEnsembleMemberLoss(t *testing.T) {
	ens := zktest.StartEnsemble(t, 3)
	ctx := testCtx(t)
	c, err := zk.Connect(ctx, zk.Config{Servers: ens.Addrs(), SessionTimeout: 20 * time.Second, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sid := c.SessionID()
	want := map[string][]byte{} // the data every member must hold
	mustCreate := func(p string, data []byte, mode storage.CreateMode) {
		t.Helper()
		if _, err := c.Create(ctx, p, data, mode); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
		want[p] = data
	}
	mustCreate("/ens", []byte("root"), storage.Persistent)
	mustCreate("/ens/alive", []byte(fmt.Sprint(sid)), storage.Ephemeral)
	for i := range 5 {
		mustCreate(fmt.Sprintf("/ens/before-%d", i), []byte{byte(i)}, storage.Persistent)
	}

	// A watch set before the failures keeps working across them: the
	// client sets it again on whichever member it reconnects to.
	mustCreate("/ens/watched", []byte("initial"), storage.Persistent)
	watched, err := c.WatchNode(ctx, "/ens/watched")
	if err != nil {
		t.Fatal(err)
	}
	if ev := storagetest.Next(t, watched, eventTimeout, "watched node"); string(ev.Data) != "initial" {
		t.Fatalf("first event %+v", ev)
	}

	connectedTo := func() int {
		i := slices.Index(ens.Addrs(), c.Server())
		if i < 0 {
			t.Fatalf("client connected to %q, not a member of %v", c.Server(), ens.Addrs())
		}
		return i
	}
	for round, pick := range []struct {
		what   string
		member func() int
	}{
		{"the member the client is connected to", connectedTo},
		{"the leader", func() int { return ens.WaitLeader(reconnectBound) }},
	} {
		victim := pick.member()
		t.Logf("round %d: killing member %d, %s (client on %d, leader %d)", round, victim, pick.what, connectedTo(), ens.Leader())
		ens.Kill(victim)

		// Work resumes within the bound: a write, a multi and a read.
		deadline := time.Now().Add(reconnectBound)
		p := fmt.Sprintf("/ens/after-%d", round)
		data := []byte(fmt.Sprintf("written after killing %s", pick.what))
		retry(t, deadline, "create "+p, func() error {
			_, err := c.Create(ctx, p, data, storage.Persistent)
			if errors.Is(err, storage.ErrNodeExists) {
				return nil // an attempt whose answer was lost went through
			}
			return err
		})
		want[p] = data
		mp := fmt.Sprintf("/ens/multi-%d", round)
		retry(t, deadline, "multi", func() error {
			_, err := c.Multi(ctx,
				storage.CheckOp("/ens", 0),
				storage.CreateOp(mp, []byte("m"), storage.Persistent),
				storage.SetOp("/ens/before-0", []byte{byte(100 + round)}, storage.AnyVersion))
			var me *storage.MultiError
			if errors.As(err, &me) && me.Index == 1 && errors.Is(err, storage.ErrNodeExists) {
				return nil
			}
			return err
		})
		want[mp] = []byte("m")
		want["/ens/before-0"] = []byte{byte(100 + round)}
		if got := c.SessionID(); got != sid {
			t.Fatalf("session changed from %x to %x: the client did not resume its session", sid, got)
		}
		if st := c.State(); st != storage.Connected {
			t.Fatalf("state after the ops went through: %v", st)
		}
		mark := []byte(fmt.Sprintf("round %d", round))
		retry(t, deadline, "set the watched node", func() error {
			_, err := c.Set(ctx, "/ens/watched", mark, storage.AnyVersion)
			return err
		})
		want["/ens/watched"] = mark
		for {
			ev := storagetest.Next(t, watched, eventTimeout, "watched node after the failure")
			if ev.Err != nil {
				t.Fatalf("watch ended: %v", ev.Err)
			}
			if bytes.Equal(ev.Data, mark) {
				break
			}
		}
		checkData(t, ctx, c, want)

		ens.Start(victim)
		// The restarted member has caught up with everything.
		direct, err := zk.Connect(ctx, zk.Config{Servers: []string{ens.Addrs()[victim]}, SessionTimeout: 10 * time.Second, Logger: testLogger()})
		if err != nil {
			t.Fatalf("connect to restarted member %d: %v", victim, err)
		}
		checkData(t, ctx, direct, want)
		direct.Close()
	}
}

// retry calls f until it succeeds, failing t at deadline. Only connection
// trouble is worth a retry.
func retry(t *testing.T, deadline time.Time, what string, f func() error) {
	t.Helper()
	for {
		err := f()
		if err == nil {
			return
		}
		if !errors.Is(err, storage.ErrConnectionLoss) {
			t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, reconnectBound, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func checkData(t *testing.T, ctx context.Context, c *zk.Conn, want map[string][]byte) {
	t.Helper()
	for p, data := range want {
		got, _, err := c.Get(ctx, p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("on %s: %s = %q, %v; want %q", c.Server(), p, got, err, data)
		}
	}
}

// TestOneShotOnFollower: a reader whose session is on a follower and a
// writer on the leader of a 3-server ensemble; after each of the writer's
// acknowledged sets, deletes and creates, the reader's one-shot watch has
// fired once the reader's Sync returns, and what the reader then reads is
// the write (storage.Watch's contract across servers).
func TestOneShotOnFollower(t *testing.T) {
	ens := zktest.StartEnsemble(t, 3)
	ctx := testCtx(t)
	leader := ens.WaitLeader(reconnectBound)
	follower := (leader + 1) % 3
	connect := func(i int) *zk.Conn {
		c, err := zk.Connect(ctx, zk.Config{Servers: []string{ens.Addrs()[i]}, SessionTimeout: 20 * time.Second, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	writer, reader := connect(leader), connect(follower)
	const p = "/oneshot"
	if _, err := writer.Create(ctx, p, []byte("0"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := reader.Sync(ctx, p); err != nil {
			t.Fatal(err)
		}
		data, st, w, err := reader.GetW(ctx, p)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if want := fmt.Sprint(i); string(data) != want {
			t.Fatalf("round %d: read %q after a sync, want %q", i, data, want)
		}
		next := []byte(fmt.Sprint(i + 1))
		if i%10 == 9 { // delete and re-create: same data, new node
			if err := writer.Delete(ctx, p, st.Version); err != nil {
				t.Fatal(err)
			}
			if _, err := writer.Create(ctx, p, next, storage.Persistent); err != nil {
				t.Fatal(err)
			}
		} else if _, err := writer.Set(ctx, p, next, st.Version); err != nil {
			t.Fatal(err)
		}
		if err := reader.Sync(ctx, p); err != nil {
			t.Fatal(err)
		}
		if !w.Fired() {
			t.Fatalf("round %d: the follower's watch had not fired when its sync returned after the leader's acknowledged write", i)
		}
	}
}
