package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Disconnector is a Backend that can cut a session's connection without
// ending the session (the suite's one-shot watch tests use it when the
// backend implements it).
type Disconnector interface {
	// Disconnect cuts c off and returns once c reports Disconnected.
	Disconnect(t testing.TB, c storage.Conn)
	// Reconnect lets c reach the server again and returns once c reports
	// Connected on the same session.
	Reconnect(t testing.TB, c storage.Conn)
}

func wantFired(t *testing.T, w storage.Watch, want bool, what string) {
	t.Helper()
	if got := w.Fired(); got != want {
		t.Fatalf("%s: watch fired %v, want %v", what, got, want)
	}
}

// testOneShotFiredBySync: a change committed by another session has fired
// the reader's watch once the reader's Sync returns; reads, changes of
// other nodes and of what a watch does not cover never fire it. Repeated,
// each time with a new watch, so that an ordering that holds only now and
// then fails.
func testOneShotFiredBySync(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	reader := b.Connect(t)
	root := newRoot(t, writer)
	p, sibling := root+"/n", root+"/sibling"
	mustCreate(t, writer, p, []byte("v"), storage.Persistent)
	mustCreate(t, writer, sibling, nil, storage.Persistent)
	for i := range 100 {
		data, st, w, err := reader.GetW(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("v", i); i > 0 && string(data) != want {
			t.Fatalf("round %d: read %q, want %q", i, data, want)
		}
		// Reads of any session and writes of other nodes leave it armed.
		mustGet(t, reader, p)
		mustGet(t, writer, p)
		if _, _, w2, err := writer.GetW(ctx, p); err != nil || w2.Fired() {
			t.Fatalf("round %d: another session's GetW: fired %v, %v", i, w2 != nil && w2.Fired(), err)
		}
		mustSet(t, writer, sibling, []byte(fmt.Sprint(i)), storage.AnyVersion)
		mustCreate(t, writer, p+"/child", nil, storage.Persistent) // children are not the node's data
		if err := writer.Delete(ctx, p+"/child", storage.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if err := reader.Sync(ctx, p); err != nil {
			t.Fatal(err)
		}
		wantFired(t, w, false, fmt.Sprintf("round %d, before the change", i))
		mustSet(t, writer, p, []byte(fmt.Sprint("v", i+1)), st.Version)
		if err := reader.Sync(ctx, p); err != nil {
			t.Fatal(err)
		}
		wantFired(t, w, true, fmt.Sprintf("round %d, after another session's set and a sync", i))
	}
}

// testOneShotKinds: ExistsW on a missing node fires on its creation,
// GetW and ExistsW on deletion, ChildrenW on a child's create and delete
// and not on the node's data; a session's own write has fired its watches
// when the write returns.
func testOneShotKinds(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	reader := b.Connect(t)
	root := newRoot(t, writer)
	p := root + "/n"
	synced := func() {
		t.Helper()
		if err := reader.Sync(ctx, root); err != nil {
			t.Fatal(err)
		}
	}

	_, exists, absent, err := reader.ExistsW(ctx, p)
	if err != nil || exists {
		t.Fatalf("ExistsW of a missing node: exists %v, %v", exists, err)
	}
	synced()
	wantFired(t, absent, false, "ExistsW of a missing node")
	mustCreate(t, writer, p, []byte("a"), storage.Persistent)
	synced()
	wantFired(t, absent, true, "ExistsW of a missing node, after its creation")

	_, _, kids, err := reader.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, data, err := reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, stat, err := reader.ExistsW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, writer, p+"/c", nil, storage.Persistent)
	synced()
	wantFired(t, kids, true, "ChildrenW after a child's create")
	wantFired(t, data, false, "GetW after a child's create")
	wantFired(t, stat, false, "ExistsW after a child's create")

	_, _, kids, err = reader.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, writer, p, []byte("b"), storage.AnyVersion)
	synced()
	wantFired(t, kids, false, "ChildrenW after a set of the node")
	wantFired(t, data, true, "GetW after a set")
	wantFired(t, stat, true, "ExistsW after a set")
	if err := writer.Delete(ctx, p+"/c", storage.AnyVersion); err != nil {
		t.Fatal(err)
	}
	synced()
	wantFired(t, kids, true, "ChildrenW after a child's delete")

	_, _, data, err = reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, kids, err = reader.ChildrenW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, p, storage.AnyVersion); err != nil {
		t.Fatal(err)
	}
	synced()
	wantFired(t, data, true, "GetW after a delete")
	wantFired(t, kids, true, "ChildrenW after the node's delete")
	if _, _, w, err := reader.GetW(ctx, p); !errorsIsNoNode(err) || w != nil {
		t.Fatalf("GetW of a missing node: watch %v, error %v, want none and ErrNoNode", w, err)
	}
	if _, _, w, err := reader.ChildrenW(ctx, p); !errorsIsNoNode(err) || w != nil {
		t.Fatalf("ChildrenW of a missing node: watch %v, error %v, want none and ErrNoNode", w, err)
	}

	// Own writes, plain and in a multi: fired when the write returns.
	mustCreate(t, reader, p, nil, storage.Persistent)
	_, st, own, err := reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, reader, p, []byte("x"), st.Version)
	wantFired(t, own, true, "GetW after the session's own set")
	_, st, own, err = reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Multi(ctx, storage.SetOp(p, []byte("y"), st.Version), storage.CreateOp(p+"/d", nil, storage.Persistent)); err != nil {
		t.Fatal(err)
	}
	wantFired(t, own, true, "GetW after the session's own multi")
	_, _, own, err = reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// A failed multi changes nothing.
	if _, err := reader.Multi(ctx, storage.SetOp(p, []byte("z"), 0)); err == nil {
		t.Fatal("multi with a stale version succeeded")
	}
	synced()
	wantFired(t, own, false, "GetW after a failed multi")
}

func errorsIsNoNode(err error) bool { return errors.Is(err, storage.ErrNoNode) }

// testOneShotSessionEnd: an expiry and a Close fire every watch.
func testOneShotSessionEnd(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	root := newRoot(t, writer)
	p := root + "/n"
	mustCreate(t, writer, p, nil, storage.Persistent)

	expiring := b.Connect(t)
	_, _, w, err := expiring.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, _, absent, err := expiring.ExistsW(ctx, root+"/missing")
	if err != nil {
		t.Fatal(err)
	}
	b.Expire(t, expiring)
	waitFired(t, w, "GetW after the session expired")
	waitFired(t, absent, "ExistsW after the session expired")

	closing := b.Connect(t)
	_, _, w, err = closing.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := closing.Close(); err != nil {
		t.Fatal(err)
	}
	wantFired(t, w, true, "GetW after Close")
}

// waitFired waits for w to fire: a client learns of its session's expiry
// only when it reaches a server again.
func waitFired(t *testing.T, w storage.Watch, what string) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !w.Fired() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: watch not fired within %v", what, Timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testOneShotReconnect: a watch set before the connection was lost counts
// as fired once it is back, though nothing changed; one set afterwards
// works as before.
func testOneShotReconnect(t *testing.T, b Backend) {
	d, ok := b.(Disconnector)
	if !ok {
		t.Skipf("backend %T cannot disconnect a session", b)
	}
	ctx := testCtx(t)
	writer := b.Connect(t)
	reader := b.Connect(t)
	root := newRoot(t, writer)
	p := root + "/n"
	mustCreate(t, writer, p, nil, storage.Persistent)
	_, _, w, err := reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	sid := reader.SessionID()
	d.Disconnect(t, reader)
	d.Reconnect(t, reader)
	if reader.SessionID() != sid {
		t.Fatalf("session changed across the reconnection: 0x%x, was 0x%x", reader.SessionID(), sid)
	}
	wantFired(t, w, true, "GetW set before a lost connection")
	_, st, w, err := reader.GetW(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := reader.Sync(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantFired(t, w, false, "GetW set after the reconnection")
	mustSet(t, writer, p, []byte("x"), st.Version)
	if err := reader.Sync(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantFired(t, w, true, "GetW set after the reconnection, after a set")
}
