package storagetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
)

// nodeState is what a test expects a node event to show.
type nodeState struct {
	exists  bool
	data    string
	version storage.Version
}

func (s nodeState) matches(ev storage.NodeEvent) bool {
	if ev.Err != nil || ev.Exists != s.exists {
		return false
	}
	return !s.exists || (string(ev.Data) == s.data && ev.Stat.Version == s.version)
}

func describeNode(ev storage.NodeEvent) string {
	if ev.Err != nil {
		return fmt.Sprintf("error %v", ev.Err)
	}
	if !ev.Exists {
		return "absent"
	}
	return fmt.Sprintf("%q at version %d (czxid %d, mzxid %d)", ev.Data, ev.Stat.Version, ev.Stat.Czxid, ev.Stat.Mzxid)
}

// testWatchNodeSteps makes one change at a time and waits for it, so every
// change must be seen, in order, starting from a node that does not exist.
func testWatchNodeSteps(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	watcher := b.Connect(t)
	root := newRoot(t, writer)
	p := root + "/n"
	ch, err := watcher.WatchNode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var czxid int64
	steps := []struct {
		name   string
		change func() error
		want   nodeState
	}{
		{"initial", func() error { return nil }, nodeState{}},
		{"create", func() error { _, err := writer.Create(ctx, p, []byte("v0"), storage.Persistent); return err },
			nodeState{true, "v0", 0}},
		{"set", func() error { _, err := writer.Set(ctx, p, []byte("v1"), 0); return err }, nodeState{true, "v1", 1}},
		// A child's creation is not a change of the node: the next event
		// must be the set that follows it.
		{"add a child, then set again", func() error {
			if _, err := writer.Create(ctx, p+"/kid", nil, storage.Persistent); err != nil {
				return err
			}
			_, err := writer.Set(ctx, p, []byte("v2"), 1)
			return err
		}, nodeState{true, "v2", 2}},
		{"remove the child, then delete", func() error {
			if err := writer.Delete(ctx, p+"/kid", 0); err != nil {
				return err
			}
			return writer.Delete(ctx, p, 2)
		}, nodeState{}},
		{"recreate", func() error { _, err := writer.Create(ctx, p, []byte("again"), storage.Persistent); return err },
			nodeState{true, "again", 0}},
		{"set in a multi", func() error {
			_, err := writer.Multi(ctx, storage.SetOp(p, []byte("m"), 0), storage.CheckOp(p, 1))
			return err
		}, nodeState{true, "m", 1}},
		{"delete in a multi", func() error { _, err := writer.Multi(ctx, storage.DeleteOp(p, 1)); return err }, nodeState{}},
	}
	for _, step := range steps {
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		ev := next(t, ch, step.name)
		if !step.want.matches(ev) {
			t.Fatalf("after %s the watch shows %s, want %+v", step.name, describeNode(ev), step.want)
		}
		if step.name == "recreate" && ev.Stat.Czxid <= czxid {
			t.Errorf("recreated node has czxid %d, not after the first one's %d", ev.Stat.Czxid, czxid)
		}
		if step.name == "create" {
			czxid = ev.Stat.Czxid
		}
	}
}

// checkNodeOrder fails t unless the events go forward: existing states of
// one incarnation have increasing versions, incarnations have increasing
// czxids.
func checkNodeOrder(t *testing.T, evs []storage.NodeEvent) {
	t.Helper()
	var prev *storage.NodeEvent
	for i := range evs {
		ev := &evs[i]
		if ev.Err != nil {
			t.Fatalf("event %d: unexpected error %v", i, ev.Err)
		}
		if ev.Exists && prev != nil && prev.Exists {
			if ev.Stat.Czxid < prev.Stat.Czxid ||
				(ev.Stat.Czxid == prev.Stat.Czxid && ev.Stat.Version <= prev.Stat.Version) {
				t.Fatalf("events out of order: %s after %s", describeNode(*ev), describeNode(*prev))
			}
		}
		if ev.Exists {
			prev = ev
		}
	}
}

// testWatchNodeBurst makes many changes without waiting: the watcher may
// see fewer states (coalescing) but never out of order, and ends on the
// latest.
func testWatchNodeBurst(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	watcher := b.Connect(t)
	root := newRoot(t, writer)
	p := root + "/n"
	ch, err := watcher.WatchNode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch, "initial"); ev.Exists {
		t.Fatalf("initial event of a missing node: %s", describeNode(ev))
	}
	mustCreate(t, writer, p, []byte("0"), storage.Persistent)
	const sets = 20
	for i := 1; i <= sets; i++ {
		mustSet(t, writer, p, []byte(strconv.Itoa(i)), storage.Version(i-1))
	}
	if err := writer.Delete(ctx, p, sets); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, writer, p, []byte("end"), storage.Persistent)

	var evs []storage.NodeEvent
	waitFor(t, ch, "final state", func(ev storage.NodeEvent) bool {
		evs = append(evs, ev)
		return ev.Exists && string(ev.Data) == "end"
	})
	checkNodeOrder(t, evs)
	for _, ev := range evs {
		if ev.Exists && string(ev.Data) != "end" && string(ev.Data) != strconv.Itoa(int(ev.Stat.Version)) {
			t.Errorf("event shows data %q with version %d: data and stat are not from one state", ev.Data, ev.Stat.Version)
		}
	}
}

// testWatchNodeSlowConsumer: writers must not wait for a watcher that does
// not read; once it reads, it catches up to the latest state.
func testWatchNodeSlowConsumer(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/n", []byte("0"), storage.Persistent)
	ch, err := c.WatchNode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := c.WatchChildren(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	const sets = 200
	for i := 1; i <= sets; i++ {
		mustSet(t, c, p, []byte(strconv.Itoa(i)), storage.AnyVersion)
		if i%20 == 0 {
			mustCreate(t, c, fmt.Sprintf("%s/k%03d", root, i), nil, storage.Persistent)
		}
	}
	var evs []storage.NodeEvent
	waitFor(t, ch, "latest state", func(ev storage.NodeEvent) bool {
		evs = append(evs, ev)
		return ev.Exists && ev.Stat.Version == sets
	})
	checkNodeOrder(t, evs)
	if last := evs[len(evs)-1]; string(last.Data) != strconv.Itoa(sets) {
		t.Errorf("latest state shows %q", last.Data)
	}
	waitFor(t, kids, "latest children", func(ev storage.ChildrenEvent) bool { return len(ev.Children) == 1+sets/20 })
}

func testWatchChildrenSteps(t *testing.T, b Backend) {
	ctx := testCtx(t)
	writer := b.Connect(t)
	watcher := b.Connect(t)
	root := newRoot(t, watcher)
	p := root + "/dir"
	ch, err := watcher.WatchChildren(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change func() error
		exists bool
		kids   []string
	}{
		{"initial", func() error { return nil }, false, nil},
		{"create parent", func() error { _, err := writer.Create(ctx, p, nil, storage.Persistent); return err }, true, []string{}},
		// A data change of the parent is not a children change: the next
		// event must be the create that follows it.
		{"set parent, then add b", func() error {
			if _, err := writer.Set(ctx, p, []byte("data"), 0); err != nil {
				return err
			}
			_, err := writer.Create(ctx, p+"/b", nil, storage.Persistent)
			return err
		}, true, []string{"b"}},
		{"add a (ephemeral)", func() error { _, err := writer.Create(ctx, p+"/a", nil, storage.Ephemeral); return err }, true, []string{"a", "b"}},
		{"add two in a multi", func() error {
			_, err := writer.Multi(ctx, storage.CreateOp(p+"/d", nil, storage.Persistent), storage.CreateOp(p+"/c", nil, storage.Persistent))
			return err
		}, true, []string{"a", "b", "c", "d"}},
		{"remove b", func() error { return writer.Delete(ctx, p+"/b", storage.AnyVersion) }, true, []string{"a", "c", "d"}},
		{"close the owner of a", func() error { return writer.Close() }, true, []string{"c", "d"}},
		{"remove the rest", func() error {
			_, err := watcher.Multi(ctx, storage.DeleteOp(p+"/c", 0), storage.DeleteOp(p+"/d", 0))
			return err
		}, true, []string{}},
		{"delete parent", func() error { return watcher.Delete(ctx, p, storage.AnyVersion) }, false, nil},
	}
	var pzxid int64
	for _, step := range steps {
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		ev := next(t, ch, step.name)
		if ev.Err != nil || ev.Exists != step.exists || (step.exists && !slices.Equal(ev.Children, step.kids)) {
			t.Fatalf("after %s the children watch shows exists=%v %q (err %v), want exists=%v %q",
				step.name, ev.Exists, ev.Children, ev.Err, step.exists, step.kids)
		}
		if step.exists {
			if int(ev.Stat.NumChildren) != len(step.kids) {
				t.Errorf("after %s: parent stat says %d children, list has %d", step.name, ev.Stat.NumChildren, len(step.kids))
			}
			if ev.Stat.Pzxid <= pzxid {
				t.Errorf("after %s: pzxid %d did not advance from %d", step.name, ev.Stat.Pzxid, pzxid)
			}
			pzxid = ev.Stat.Pzxid
		}
	}
}

// testWatchSameSequenceForAll: every watcher of a node, on any session,
// sees the same sequence when each change is awaited.
func testWatchSameSequenceForAll(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c1 := b.Connect(t)
	c2 := b.Connect(t)
	root := newRoot(t, c1)
	p := root + "/n"
	var chans []<-chan storage.NodeEvent
	for _, c := range []storage.Conn{c1, c1, c2} {
		ch, err := c.WatchNode(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	expect := func(step string, want nodeState) {
		t.Helper()
		for i, ch := range chans {
			if ev := next(t, ch, fmt.Sprintf("watcher %d, %s", i, step)); !want.matches(ev) {
				t.Fatalf("watcher %d after %s shows %s, want %+v", i, step, describeNode(ev), want)
			}
		}
	}
	expect("initial", nodeState{})
	mustCreate(t, c2, p, []byte("a"), storage.Persistent)
	expect("create", nodeState{true, "a", 0})
	mustSet(t, c1, p, []byte("b"), 0)
	expect("set", nodeState{true, "b", 1})
	if err := c2.Delete(ctx, p, 1); err != nil {
		t.Fatal(err)
	}
	expect("delete", nodeState{})
}

// testWatchContextCancel: cancelling a watch's context closes its channel
// without an error event; other watches and session events go on.
func testWatchContextCancel(t *testing.T, b Backend) {
	ctx := testCtx(t)
	c := b.Connect(t)
	root := newRoot(t, c)
	p := mustCreate(t, c, root+"/n", nil, storage.Persistent)

	wctx, cancel := context.WithCancel(ctx)
	nodeCh, err := c.WatchNode(wctx, p)
	if err != nil {
		t.Fatal(err)
	}
	kidsCh, err := c.WatchChildren(wctx, p)
	if err != nil {
		t.Fatal(err)
	}
	sessCh := c.SessionEvents(wctx)
	keep, err := c.WatchNode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	next(t, nodeCh, "node watch")
	next(t, kidsCh, "children watch")
	next(t, keep, "kept watch")
	cancel()

	// Writes go on while the cancelled watches wind down.
	mustSet(t, c, p, []byte("after"), 0)
	for _, ev := range waitClosed(t, nodeCh, "cancelled node watch") {
		if ev.Err != nil {
			t.Errorf("cancelled node watch delivered error %v", ev.Err)
		}
	}
	for _, ev := range waitClosed(t, kidsCh, "cancelled children watch") {
		if ev.Err != nil {
			t.Errorf("cancelled children watch delivered error %v", ev.Err)
		}
	}
	waitClosed(t, sessCh, "cancelled session events")
	if ev := next(t, keep, "kept watch after the others' cancellation"); !(nodeState{true, "after", 1}).matches(ev) {
		t.Errorf("kept watch shows %s", describeNode(ev))
	}
	if _, err := c.WatchNode(wctx, p); err == nil {
		t.Errorf("watch with a cancelled context succeeded")
	}
}
