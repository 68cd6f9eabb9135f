package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

func testCreateGet(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	_, before := mustGet(t, c, root)

	p := root + "/node"
	if got := mustCreate(t, c, p, []byte("hello"), storage.Persistent); got != p {
		t.Fatalf("create returned %q, want %q", got, p)
	}
	data, st := mustGet(t, c, p)
	if string(data) != "hello" {
		t.Errorf("data %q, want hello", data)
	}
	if st.Version != 0 || st.CVersion != 0 || st.NumChildren != 0 || st.DataLength != 5 || st.EphemeralOwner != 0 {
		t.Errorf("stat of a new node: %+v", st)
	}
	if st.Czxid == 0 || st.Mzxid != st.Czxid || st.Pzxid != st.Czxid {
		t.Errorf("zxids of a new node: czxid %d mzxid %d pzxid %d, want all equal and nonzero", st.Czxid, st.Mzxid, st.Pzxid)
	}
	if st.Ctime.IsZero() || !st.Mtime.Equal(st.Ctime) {
		t.Errorf("times of a new node: ctime %v mtime %v", st.Ctime, st.Mtime)
	}

	_, after := mustGet(t, c, root)
	if after.CVersion != before.CVersion+1 || after.NumChildren != before.NumChildren+1 || after.Pzxid != st.Czxid {
		t.Errorf("parent stat after a child create: %+v (before %+v, child czxid %d)", after, before, st.Czxid)
	}
	if after.Version != before.Version || after.Mzxid != before.Mzxid {
		t.Errorf("a child create changed the parent's data version: before %+v after %+v", before, after)
	}

	est, ok, err := c.Exists(ctx, p)
	if err != nil || !ok || est.Czxid != st.Czxid {
		t.Errorf("exists %s = %+v, %v, %v", p, est, ok, err)
	}

	empty := mustCreate(t, c, root+"/empty", nil, storage.Persistent)
	if data, st := mustGet(t, c, empty); len(data) != 0 || st.DataLength != 0 {
		t.Errorf("node created with no data: %q, %+v", data, st)
	}

	for _, name := range []string{"b", "c", "a"} {
		mustCreate(t, c, p+"/"+name, nil, storage.Persistent)
	}
	kids, pst, err := c.Children(ctx, p)
	if err != nil || !slices.Equal(kids, []string{"a", "b", "c"}) {
		t.Fatalf("children of %s = %q, %v; want [a b c]", p, kids, err)
	}
	if pst.NumChildren != 3 || pst.CVersion != 3 {
		t.Errorf("stat with children: %+v", pst)
	}
	other := b.Connect(t)
	if data, _ := mustGet(t, other, p); string(data) != "hello" {
		t.Errorf("another session reads %q", data)
	}
}

func testCreateErrors(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	mustCreate(t, c, root+"/exists", nil, storage.Persistent)
	mustCreate(t, c, root+"/eph", nil, storage.Ephemeral)

	tests := []struct {
		path string
		mode storage.CreateMode
		want error
	}{
		{root + "/exists", storage.Persistent, storage.ErrNodeExists},
		{root + "/exists", storage.Ephemeral, storage.ErrNodeExists},
		{root + "/eph", storage.Persistent, storage.ErrNodeExists},
		{root + "/missing/child", storage.Persistent, storage.ErrNoNode},
		{root + "/missing/child-", storage.PersistentSequential, storage.ErrNoNode},
		{root + "/eph/child", storage.Persistent, storage.ErrNoChildrenForEphemerals},
		{root + "/eph/child-", storage.EphemeralSequential, storage.ErrNoChildrenForEphemerals},
	}
	for _, tc := range tests {
		_, err := c.Create(ctx, tc.path, []byte("x"), tc.mode)
		wantErr(t, fmt.Sprintf("create %s (%v)", tc.path, tc.mode), err, tc.want)
	}
	if data, st := mustGet(t, c, root+"/exists"); len(data) != 0 || st.Version != 0 {
		t.Errorf("a failed create changed the existing node: %q %+v", data, st)
	}
}

func testBadPaths(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	for _, p := range []string{"", "relative", root + "/", root + "//x", root + "/./x", root + "/../x"} {
		_, err := c.Create(ctx, p, nil, storage.Persistent)
		wantErr(t, fmt.Sprintf("create %q", p), err, storage.ErrBadArguments)
		_, _, err = c.Get(ctx, p)
		wantErr(t, fmt.Sprintf("get %q", p), err, storage.ErrBadArguments)
		_, _, err = c.Exists(ctx, p)
		wantErr(t, fmt.Sprintf("exists %q", p), err, storage.ErrBadArguments)
		_, err = c.Set(ctx, p, nil, storage.AnyVersion)
		wantErr(t, fmt.Sprintf("set %q", p), err, storage.ErrBadArguments)
		err = c.Delete(ctx, p, storage.AnyVersion)
		wantErr(t, fmt.Sprintf("delete %q", p), err, storage.ErrBadArguments)
		_, err = c.Multi(ctx, storage.CreateOp(root+"/ok", nil, storage.Persistent), storage.SetOp(p, nil, storage.AnyVersion))
		var me *storage.MultiError
		if !errors.As(err, &me) || me.Index != 1 || !errors.Is(err, storage.ErrBadArguments) {
			t.Errorf("multi with bad path %q at index 1: %v, want a MultiError for op 1 with ErrBadArguments", p, err)
		}
	}
	if _, ok, err := c.Exists(ctx, root+"/ok"); ok || err != nil {
		t.Errorf("a multi with a bad path applied its other ops: exists %v, %v", ok, err)
	}
}

func testSetVersions(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/n", []byte("v0"), storage.Persistent)
	_, st0 := mustGet(t, c, p)

	st1 := mustSet(t, c, p, []byte("v1!"), 0)
	if st1.Version != 1 || st1.Czxid != st0.Czxid || st1.Mzxid <= st0.Mzxid || st1.DataLength != 3 {
		t.Errorf("stat after set: %+v (before %+v)", st1, st0)
	}
	if st1.Mtime.Before(st1.Ctime) {
		t.Errorf("mtime %v before ctime %v", st1.Mtime, st1.Ctime)
	}
	if data, st := mustGet(t, c, p); string(data) != "v1!" || st.Version != 1 || st.Mzxid != st1.Mzxid {
		t.Errorf("get after set: %q %+v", data, st)
	}

	for _, v := range []storage.Version{0, 2, 7} {
		_, err := c.Set(ctx, p, []byte("stale"), v)
		wantErr(t, fmt.Sprintf("set with version %d of a node at 1", v), err, storage.ErrBadVersion)
	}
	if data, st := mustGet(t, c, p); string(data) != "v1!" || st.Version != 1 {
		t.Errorf("a failed set changed the node: %q %+v", data, st)
	}

	if st := mustSet(t, c, p, nil, storage.AnyVersion); st.Version != 2 || st.DataLength != 0 {
		t.Errorf("unconditional set: %+v", st)
	}
	_, err := c.Set(ctx, root+"/missing", nil, storage.AnyVersion)
	wantErr(t, "set of a missing node", err, storage.ErrNoNode)
}

func testDelete(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/n", nil, storage.Persistent)
	mustSet(t, c, p, []byte("x"), 0)
	kid := mustCreate(t, c, p+"/kid", nil, storage.Persistent)

	wantErr(t, "delete with a stale version", c.Delete(ctx, p, 0), storage.ErrBadVersion)
	wantErr(t, "delete of a node with children", c.Delete(ctx, p, 1), storage.ErrNotEmpty)
	wantErr(t, "unconditional delete of a node with children", c.Delete(ctx, p, storage.AnyVersion), storage.ErrNotEmpty)

	_, before := mustGet(t, c, p)
	if err := c.Delete(ctx, kid, 0); err != nil {
		t.Fatalf("delete %s: %v", kid, err)
	}
	_, after := mustGet(t, c, p)
	if after.CVersion != before.CVersion+1 || after.NumChildren != 0 || after.Pzxid <= before.Pzxid {
		t.Errorf("parent stat after a child delete: %+v (before %+v)", after, before)
	}
	if after.Version != before.Version || after.Mzxid != before.Mzxid {
		t.Errorf("a child delete changed the parent's data version: %+v (before %+v)", after, before)
	}
	if err := c.Delete(ctx, p, 1); err != nil {
		t.Fatalf("delete %s at version 1: %v", p, err)
	}
	if _, ok, err := c.Exists(ctx, p); ok || err != nil {
		t.Errorf("exists after delete: %v, %v", ok, err)
	}
	wantErr(t, "delete of a deleted node", c.Delete(ctx, p, storage.AnyVersion), storage.ErrNoNode)

	q := mustCreate(t, c, root+"/q", nil, storage.Persistent)
	if err := c.Delete(ctx, q, storage.AnyVersion); err != nil {
		t.Errorf("unconditional delete: %v", err)
	}
}

func testMissingNode(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := root + "/missing"
	_, _, err := c.Get(ctx, p)
	wantErr(t, "get", err, storage.ErrNoNode)
	_, _, err = c.Children(ctx, p)
	wantErr(t, "children", err, storage.ErrNoNode)
	_, err = c.Set(ctx, p, nil, 0)
	wantErr(t, "set", err, storage.ErrNoNode)
	wantErr(t, "delete", c.Delete(ctx, p, storage.AnyVersion), storage.ErrNoNode)
	if st, ok, err := c.Exists(ctx, p); ok || err != nil || st != (storage.Stat{}) {
		t.Errorf("exists of a missing node = %+v, %v, %v; want zero stat, false, nil", st, ok, err)
	}
}

func testZxids(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	other := b.Connect(t)
	root := newRoot(t, c)
	a := mustCreate(t, c, root+"/a", nil, storage.Persistent)
	bb := mustCreate(t, other, root+"/b", nil, storage.Persistent)
	_, sa := mustGet(t, c, a)
	_, sb := mustGet(t, c, bb)
	if sb.Czxid <= sa.Czxid {
		t.Errorf("later create has czxid %d <= earlier %d", sb.Czxid, sa.Czxid)
	}
	sa2 := mustSet(t, c, a, []byte("x"), 0)
	if sa2.Mzxid <= sb.Czxid {
		t.Errorf("later set has mzxid %d <= earlier create's %d", sa2.Mzxid, sb.Czxid)
	}
	res, err := c.Multi(ctx,
		storage.CreateOp(root+"/m1", nil, storage.Persistent),
		storage.CreateOp(root+"/m2", nil, storage.Persistent),
		storage.SetOp(a, []byte("y"), 1))
	if err != nil {
		t.Fatalf("multi: %v", err)
	}
	_, s1 := mustGet(t, c, root+"/m1")
	_, s2 := mustGet(t, c, root+"/m2")
	if s1.Czxid != s2.Czxid || res[2].Stat.Mzxid != s1.Czxid || s1.Czxid <= sa2.Mzxid {
		t.Errorf("one multi must be one transaction: czxids %d, %d, set mzxid %d (previous %d)", s1.Czxid, s2.Czxid, res[2].Stat.Mzxid, sa2.Mzxid)
	}
}

// seqSuffix parses the 10-digit sequence suffix of name after prefix.
func seqSuffix(t *testing.T, name, prefix string) int {
	t.Helper()
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) != 10 {
		t.Fatalf("sequential name %q is not %q followed by 10 digits", name, prefix)
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		t.Fatalf("sequential name %q: suffix is not a number: %v", name, err)
	}
	return n
}

func testSequential(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/p", nil, storage.Persistent)

	if got := mustCreate(t, c, p+"/s-", []byte("a"), storage.PersistentSequential); got != p+"/s-0000000000" {
		t.Fatalf("first sequential child %q, want %s/s-0000000000", got, p)
	}
	if got := mustCreate(t, c, p+"/s-", nil, storage.PersistentSequential); got != p+"/s-0000000001" {
		t.Fatalf("second sequential child %q, want %s/s-0000000001", got, p)
	}
	if data, _ := mustGet(t, c, p+"/s-0000000000"); string(data) != "a" {
		t.Errorf("data of a sequential node: %q", data)
	}
	// The counter counts the parent's child creations, of any name and mode
	// (ZooKeeper's internal cversion; the CVersion it reports counts
	// deletions too, as 2*creations - children).
	x := mustCreate(t, c, p+"/x", nil, storage.Persistent)
	if err := c.Delete(ctx, x, storage.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, p+"/s-0000000000", storage.AnyVersion); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefix string
		mode   storage.CreateMode
		want   int
	}{
		{p + "/s-", storage.PersistentSequential, 3},
		{p + "/other-", storage.EphemeralSequential, 4},
		{p + "/", storage.PersistentSequential, 5},
	}
	for _, tc := range tests {
		_, pst := mustGet(t, c, p)
		if creations := int(pst.CVersion+pst.NumChildren) / 2; creations != tc.want {
			t.Errorf("parent stat %+v: cversion and children say %d creations, want %d", pst, creations, tc.want)
		}
		got := mustCreate(t, c, tc.prefix, nil, tc.mode)
		if n := seqSuffix(t, got, tc.prefix); n != tc.want {
			t.Errorf("sequential create %q (%v): suffix %d, want %d (the parent's child creations)", got, tc.mode, n, tc.want)
		}
		_, st := mustGet(t, c, got)
		if (st.EphemeralOwner != 0) != tc.mode.IsEphemeral() {
			t.Errorf("%s: ephemeral owner %d for mode %v", got, st.EphemeralOwner, tc.mode)
		}
	}
}

func testEphemerals(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	other := b.Connect(t)
	root := newRoot(t, other)
	sid := c.SessionID()
	if sid == 0 || sid == other.SessionID() {
		t.Fatalf("session ids %d and %d: want distinct and nonzero", sid, other.SessionID())
	}
	e := mustCreate(t, c, root+"/e", []byte("mine"), storage.Ephemeral)
	_, st, err := other.Get(ctx, e)
	if err != nil || st.EphemeralOwner != sid {
		t.Fatalf("ephemeral seen from another session: %+v, %v; want owner %d", st, err, sid)
	}
	_, err = c.Create(ctx, e+"/kid", nil, storage.Persistent)
	wantErr(t, "child of an ephemeral", err, storage.ErrNoChildrenForEphemerals)
	// Another session may change and delete it.
	mustSet(t, other, e, []byte("theirs"), 0)
	if err := other.Delete(ctx, e, 1); err != nil {
		t.Fatalf("delete of another session's ephemeral: %v", err)
	}
	// A persistent node created by the session survives it.
	mustCreate(t, c, root+"/p", nil, storage.Persistent)
	mustCreate(t, c, root+"/e2", nil, storage.Ephemeral)
	ch, err := other.WatchNode(ctx, root+"/e2")
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch, "watch of e2")
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	waitFor(t, ch, "deletion of e2 on close", func(ev storage.NodeEvent) bool { return !ev.Exists })
	if _, ok, err := other.Exists(ctx, root+"/p"); !ok || err != nil {
		t.Errorf("persistent node of a closed session: exists %v, %v", ok, err)
	}
}

func testEphemeralCleanupOnClose(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	other := b.Connect(t)
	root := newRoot(t, other)
	mustCreate(t, other, root+"/dir", nil, storage.Persistent)
	e := mustCreate(t, c, root+"/dir/e", []byte("x"), storage.Ephemeral)
	seqs := []string{
		mustCreate(t, c, root+"/dir/s-", nil, storage.EphemeralSequential),
		mustCreate(t, c, root+"/dir/s-", nil, storage.EphemeralSequential),
	}
	watchCh, err := other.WatchChildren(ctx, root+"/dir")
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, watchCh, "children of dir"); len(ev.Children) != 3 {
		t.Fatalf("children before close: %q", ev.Children)
	}
	ownCh, err := c.WatchNode(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ownCh, "own watch")

	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	waitFor(t, watchCh, "ephemerals removed on close", func(ev storage.ChildrenEvent) bool {
		return ev.Exists && len(ev.Children) == 0
	})
	for _, p := range append(seqs, e) {
		if _, ok, err := other.Exists(ctx, p); ok || err != nil {
			t.Errorf("%s after its session closed: exists %v, %v", p, ok, err)
		}
	}
	last := waitClosed(t, ownCh, "watch of the closed session")
	if len(last) == 0 || !errors.Is(last[len(last)-1].Err, storage.ErrClosed) {
		t.Errorf("watch of a closed session ended with %+v, want a last event with ErrClosed", last)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func testClosedConn(t *testing.T, b Backend) {
	c := b.Connect(t)
	root := newRoot(t, b.Connect(t))
	ctx := testCtx(t)
	events := c.SessionEvents(ctx)
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	waitFor(t, events, "closed session event", func(ev storage.SessionEvent) bool { return ev.State == storage.Closed })
	waitClosed(t, events, "session events after close")
	if st := c.State(); st != storage.Closed {
		t.Errorf("state after close: %v", st)
	}
	_, _, err := c.Get(ctx, root)
	wantErr(t, "get after close", err, storage.ErrClosed)
	_, err = c.Create(ctx, root+"/x", nil, storage.Persistent)
	wantErr(t, "create after close", err, storage.ErrClosed)
	_, err = c.Multi(ctx, storage.CheckOp(root, storage.AnyVersion))
	wantErr(t, "multi after close", err, storage.ErrClosed)
	_, err = c.WatchNode(ctx, root)
	wantErr(t, "watch after close", err, storage.ErrClosed)
	wantErr(t, "sync after close", c.Sync(ctx, root), storage.ErrClosed)
}

// testSyncThenRead: after Sync, a session reads what another session
// wrote, whether the path exists or not (the sync is for the server, not
// the node); bad paths are refused.
func testSyncThenRead(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer, reader := b.Connect(t), b.Connect(t)
	root := newRoot(t, writer)
	for i := range 20 {
		p := fmt.Sprintf("%s/n%d", root, i)
		mustCreate(t, writer, p, []byte("v"), storage.Persistent)
		if err := reader.Sync(ctx, p); err != nil {
			t.Fatalf("sync %s: %v", p, err)
		}
		if data, _ := mustGet(t, reader, p); string(data) != "v" {
			t.Fatalf("read after sync: %q", data)
		}
	}
	if err := reader.Sync(ctx, root+"/never-created"); err != nil {
		t.Errorf("sync of a missing path: %v", err)
	}
	wantErr(t, "sync of a bad path", reader.Sync(ctx, "no-slash"), storage.ErrBadArguments)
}

func testExpire(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	other := b.Connect(t)
	root := newRoot(t, other)
	oldID := c.SessionID()
	e := mustCreate(t, c, root+"/e", nil, storage.Ephemeral)
	seq := mustCreate(t, c, root+"/s-", nil, storage.EphemeralSequential)
	otherCh, err := other.WatchNode(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	next(t, otherCh, "other's watch")
	ownCh, err := c.WatchNode(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ownCh, "own watch")
	ownKids, err := c.WatchChildren(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ownKids, "own children watch")
	events := c.SessionEvents(ctx)

	b.Expire(t, c)

	waitFor(t, otherCh, "ephemeral removed on expiry", func(ev storage.NodeEvent) bool { return !ev.Exists })
	if _, ok, err := other.Exists(ctx, seq); ok || err != nil {
		t.Errorf("ephemeral sequential after expiry: exists %v, %v", ok, err)
	}
	for what, evs := range map[string][]error{
		"node watch":     errsOf(waitClosed(t, ownCh, "node watch of an expired session")),
		"children watch": errsOfChildren(waitClosed(t, ownKids, "children watch of an expired session")),
	} {
		if len(evs) == 0 || !errors.Is(evs[len(evs)-1], storage.ErrSessionExpired) {
			t.Errorf("%s of an expired session ended with errors %v, want ErrSessionExpired last", what, evs)
		}
	}
	waitFor(t, events, "expired session event", func(ev storage.SessionEvent) bool { return ev.State == storage.Expired })

	// Either the Conn stays expired (mem) or it opens a new session (zk).
	select {
	case ev, ok := <-events:
		switch {
		case !ok:
			_, _, err := c.Get(ctx, root)
			wantErr(t, "get on an expired Conn", err, storage.ErrSessionExpired)
			if st := c.State(); st != storage.Expired {
				t.Errorf("state of an expired Conn: %v", st)
			}
		default:
			if ev.State != storage.Connected {
				ev = waitFor(t, events, "new session", func(ev storage.SessionEvent) bool { return ev.State == storage.Connected })
			}
			if ev.SessionID == 0 || ev.SessionID == oldID {
				t.Errorf("session after expiry has id %d (old %d)", ev.SessionID, oldID)
			}
			p := mustCreate(t, c, root+"/new", nil, storage.Ephemeral)
			if _, st := mustGet(t, other, p); st.EphemeralOwner != ev.SessionID {
				t.Errorf("ephemeral of the new session owned by %d, want %d", st.EphemeralOwner, ev.SessionID)
			}
		}
	case <-time.After(Timeout):
		t.Fatalf("after Expired, session events neither closed nor reported a new session within %v", Timeout)
	}
}

func errsOf(evs []storage.NodeEvent) []error {
	var errs []error
	for _, ev := range evs {
		errs = append(errs, ev.Err)
	}
	return errs
}

func errsOfChildren(evs []storage.ChildrenEvent) []error {
	var errs []error
	for _, ev := range evs {
		errs = append(errs, ev.Err)
	}
	return errs
}

func testMulti(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	x := mustCreate(t, c, root+"/x", []byte("x0"), storage.Persistent)
	y := mustCreate(t, c, root+"/y", nil, storage.Persistent)
	z := mustCreate(t, c, root+"/z", nil, storage.Persistent)

	res, err := c.Multi(ctx,
		storage.CreateOp(root+"/a", []byte("A"), storage.Persistent),
		storage.CreateOp(root+"/a/s-", nil, storage.PersistentSequential),
		storage.SetOp(x, []byte("x1"), 0),
		storage.CheckOp(y, 0),
		storage.DeleteOp(z, 0),
		storage.CreateOp(root+"/e", nil, storage.Ephemeral),
	)
	if err != nil {
		t.Fatalf("multi: %v", err)
	}
	wantPaths := []string{root + "/a", root + "/a/s-0000000000", x, y, z, root + "/e"}
	if len(res) != len(wantPaths) {
		t.Fatalf("multi returned %d results, want %d", len(res), len(wantPaths))
	}
	for i, want := range wantPaths {
		if res[i].Path != want {
			t.Errorf("result %d path %q, want %q", i, res[i].Path, want)
		}
	}
	if res[2].Stat.Version != 1 || res[2].Stat.DataLength != 2 {
		t.Errorf("set result stat %+v", res[2].Stat)
	}
	if data, st := mustGet(t, c, x); string(data) != "x1" || st.Version != 1 {
		t.Errorf("x after multi: %q %+v", data, st)
	}
	if data, _ := mustGet(t, c, root+"/a"); string(data) != "A" {
		t.Errorf("a after multi: %q", data)
	}
	if _, ok, _ := c.Exists(ctx, z); ok {
		t.Errorf("z survived its delete in a multi")
	}
	if _, st := mustGet(t, c, root+"/e"); st.EphemeralOwner != c.SessionID() {
		t.Errorf("ephemeral created in a multi: owner %d, want %d", st.EphemeralOwner, c.SessionID())
	}
	res, err = c.Multi(ctx)
	if err != nil || len(res) != 0 {
		t.Errorf("empty multi = %v, %v", res, err)
	}
}

func testMultiFailures(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	x := mustCreate(t, c, root+"/x", []byte("x0"), storage.Persistent)
	full := mustCreate(t, c, root+"/full", nil, storage.Persistent)
	mustCreate(t, c, full+"/kid", nil, storage.Persistent)
	eph := mustCreate(t, c, root+"/eph", nil, storage.Ephemeral)
	fresh := root + "/fresh"

	tests := []struct {
		name  string
		ops   []storage.Op
		index int
		want  error
	}{
		{"create existing", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.CreateOp(x, nil, storage.Persistent)}, 1, storage.ErrNodeExists},
		{"create twice", []storage.Op{
			storage.SetOp(x, []byte("changed"), 0),
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.CreateOp(fresh, nil, storage.Persistent)}, 2, storage.ErrNodeExists},
		{"create without parent", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.CreateOp(root+"/nope/kid", nil, storage.Persistent)}, 1, storage.ErrNoNode},
		{"child of ephemeral", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.CreateOp(eph+"/kid", nil, storage.Persistent)}, 1, storage.ErrNoChildrenForEphemerals},
		{"stale set", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.SetOp(x, []byte("changed"), 3)}, 1, storage.ErrBadVersion},
		{"set missing", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.SetOp(root+"/nope", nil, storage.AnyVersion)}, 1, storage.ErrNoNode},
		{"stale check", []storage.Op{
			storage.SetOp(x, []byte("changed"), 0),
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.CheckOp(x, 0)}, 2, storage.ErrBadVersion},
		{"check missing", []storage.Op{
			storage.CheckOp(root+"/nope", storage.AnyVersion),
			storage.CreateOp(fresh, nil, storage.Persistent)}, 0, storage.ErrNoNode},
		{"delete not empty", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.DeleteOp(full, storage.AnyVersion)}, 1, storage.ErrNotEmpty},
		{"delete missing", []storage.Op{
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.DeleteOp(fresh+"/nope", storage.AnyVersion)}, 1, storage.ErrNoNode},
		{"stale delete", []storage.Op{
			storage.DeleteOp(full+"/kid", 0),
			storage.CreateOp(fresh, nil, storage.Persistent),
			storage.DeleteOp(x, 5)}, 2, storage.ErrBadVersion},
	}
	_, parentBefore := mustGet(t, c, root)
	for _, tc := range tests {
		_, err := c.Multi(ctx, tc.ops...)
		var me *storage.MultiError
		if !errors.As(err, &me) {
			t.Errorf("%s: error %v, want a *storage.MultiError", tc.name, err)
			continue
		}
		if me.Index != tc.index || !errors.Is(err, tc.want) || me.Op.Kind != tc.ops[tc.index].Kind || me.Op.Path != tc.ops[tc.index].Path {
			t.Errorf("%s: %v (index %d, op %v); want op %d (%v) failing with %v", tc.name, err, me.Index, me.Op, tc.index, tc.ops[tc.index], tc.want)
		}
		// Nothing of a failed multi is applied.
		if _, ok, _ := c.Exists(ctx, fresh); ok {
			t.Fatalf("%s: a failed multi created %s", tc.name, fresh)
		}
		if data, st := mustGet(t, c, x); string(data) != "x0" || st.Version != 0 {
			t.Fatalf("%s: a failed multi changed x to %q %+v", tc.name, data, st)
		}
		if _, ok, _ := c.Exists(ctx, full+"/kid"); !ok {
			t.Fatalf("%s: a failed multi deleted full/kid", tc.name)
		}
	}
	if _, parentAfter := mustGet(t, c, root); parentAfter.CVersion != parentBefore.CVersion || parentAfter.Pzxid != parentBefore.Pzxid {
		t.Errorf("failed multis changed the parent: %+v, before %+v", parentAfter, parentBefore)
	}
	// The sequence counter did not move either.
	creations := int(parentBefore.CVersion+parentBefore.NumChildren) / 2
	if got := mustCreate(t, c, root+"/s-", nil, storage.PersistentSequential); seqSuffix(t, got, root+"/s-") != creations {
		t.Errorf("after failed multis the next sequential name is %q, want suffix %d", got, creations)
	}
}

func testMultiSeesEarlierOps(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	x := mustCreate(t, c, root+"/x", []byte("old"), storage.Persistent)
	a := root + "/a"

	res, err := c.Multi(ctx,
		storage.CreateOp(a, []byte("1"), storage.Persistent),
		storage.CreateOp(a+"/b", nil, storage.Persistent),
		storage.SetOp(a, []byte("2"), 0),
		storage.CheckOp(a, 1),
		storage.CreateOp(a+"/s-", nil, storage.PersistentSequential),
		storage.CreateOp(a+"/s-", nil, storage.PersistentSequential),
		storage.DeleteOp(a+"/b", 0),
		storage.DeleteOp(x, 0),
		storage.CreateOp(x, []byte("new"), storage.Persistent),
		storage.SetOp(x, []byte("newer"), 0),
	)
	if err != nil {
		t.Fatalf("multi where ops depend on earlier ones: %v", err)
	}
	if res[4].Path != a+"/s-0000000001" || res[5].Path != a+"/s-0000000002" {
		t.Errorf("sequential names in one multi: %q, %q; want suffixes 1 and 2 (after a/b)", res[4].Path, res[5].Path)
	}
	if data, st := mustGet(t, c, a); string(data) != "2" || st.Version != 1 {
		t.Errorf("a: %q %+v", data, st)
	}
	if kids, _, _ := c.Children(ctx, a); !slices.Equal(kids, []string{"s-0000000001", "s-0000000002"}) {
		t.Errorf("children of a: %q", kids)
	}
	if data, st := mustGet(t, c, x); string(data) != "newer" || st.Version != 1 {
		t.Errorf("x recreated in the multi: %q %+v", data, st)
	}
	if res[9].Stat.Version != 1 {
		t.Errorf("set result after recreate: %+v", res[9].Stat)
	}
}

// testCancelledContext: a request whose context is already done fails
// with the context's error and changes nothing.
func testCancelledContext(t *testing.T, b Backend) {
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/n", nil, storage.Persistent)
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	calls := map[string]func() error{
		"get":      func() error { _, _, err := c.Get(ctx, p); return err },
		"exists":   func() error { _, _, err := c.Exists(ctx, p); return err },
		"children": func() error { _, _, err := c.Children(ctx, p); return err },
		"create":   func() error { _, err := c.Create(ctx, root+"/new", nil, storage.Persistent); return err },
		"set":      func() error { _, err := c.Set(ctx, p, []byte("x"), storage.AnyVersion); return err },
		"delete":   func() error { return c.Delete(ctx, p, storage.AnyVersion) },
		"multi": func() error {
			_, err := c.Multi(ctx, storage.CreateOp(root+"/new", nil, storage.Persistent))
			return err
		},
		"watch node":     func() error { _, err := c.WatchNode(ctx, p); return err },
		"watch children": func() error { _, err := c.WatchChildren(ctx, p); return err },
	}
	for name, call := range calls {
		wantErr(t, name+" with a cancelled context", call(), context.Canceled)
	}
	if data, st := mustGet(t, c, p); len(data) != 0 || st.Version != 0 {
		t.Errorf("requests with a cancelled context changed the node: %q %+v", data, st)
	}
	if _, ok, err := c.Exists(testCtx(t), root+"/new"); ok || err != nil {
		t.Errorf("a create with a cancelled context: exists %v, %v", ok, err)
	}
}
