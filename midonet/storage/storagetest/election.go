package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// leadEvent says that candidate id started or stopped leading.
type leadEvent struct {
	id      string
	leading bool
}

// campaigner is one candidate of a test election, running Campaign in a
// goroutine.
type campaigner struct {
	id     string
	conn   storage.Conn
	cancel context.CancelFunc
	done   chan struct{} // closed when Campaign returned, err set
	err    error
}

// elections runs candidates of one election and records when each leads.
type elections struct {
	t      *testing.T
	root   string
	name   string
	events chan leadEvent
}

func newElections(t *testing.T, root string) *elections {
	return &elections{t: t, root: root, name: "svc", events: make(chan leadEvent, 100)}
}

func (es *elections) start(id string, conn storage.Conn) *campaigner {
	ctx, cancel := context.WithCancel(testCtx(es.t))
	c := &campaigner{id: id, conn: conn, cancel: cancel, done: make(chan struct{})}
	e := &storage.Election{Conn: conn, Root: es.root}
	go func() {
		defer close(c.done)
		c.err = e.Campaign(ctx, es.name, id, func(lctx context.Context) {
			es.events <- leadEvent{id, true}
			<-lctx.Done()
			es.events <- leadEvent{id, false}
		})
	}()
	es.t.Cleanup(func() {
		cancel()
		<-c.done
	})
	return c
}

// expect waits until each of want has happened (in any order); any other
// leadership start meanwhile fails the test (two leaders).
func (es *elections) expect(want ...leadEvent) {
	es.t.Helper()
	pending := map[leadEvent]bool{}
	for _, w := range want {
		pending[w] = true
	}
	for len(pending) > 0 {
		ev := next(es.t, es.events, fmt.Sprintf("leadership changes %v", want))
		if pending[ev] {
			delete(pending, ev)
			continue
		}
		if ev.leading {
			es.t.Fatalf("%s started leading while waiting for %v", ev.id, want)
		}
	}
}

// waitCandidates waits until the election has n candidate nodes.
func (es *elections) waitCandidates(conn storage.Conn, n int) {
	es.t.Helper()
	ctx := testCtx(es.t)
	dir := es.root + "/" + es.name
	// The election creates dir itself; wait for it through a children watch.
	ch, err := conn.WatchChildren(ctx, dir)
	if err != nil {
		es.t.Fatal(err)
	}
	waitFor(es.t, ch, fmt.Sprintf("%d candidates", n), func(ev storage.ChildrenEvent) bool {
		return len(ev.Children) == n
	})
}

func (es *elections) leaderIs(conn storage.Conn, want string) {
	es.t.Helper()
	e := &storage.Election{Conn: conn, Root: es.root}
	got, err := e.Leader(testCtx(es.t), es.name)
	if err != nil || got != want {
		es.t.Fatalf("Leader = %q, %v; want %q", got, err, want)
	}
}

func waitDone(t *testing.T, c *campaigner) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(Timeout):
		t.Fatalf("Campaign of %s did not return within %v", c.id, Timeout)
	}
	return nil
}

// testElectionFailoverOnClose: the first candidate leads; when its Conn
// closes its lead ends and the next candidate leads; when that one leaves
// (ctx cancelled) the third leads.
func testElectionFailoverOnClose(t *testing.T, b Backend) {
	observer := b.Connect(t)
	root := newRoot(t, observer) + "/elections"
	es := newElections(t, root)
	c1 := es.start("n1", b.Connect(t))
	es.expect(leadEvent{"n1", true})
	c2 := es.start("n2", b.Connect(t))
	es.waitCandidates(observer, 2)
	c3 := es.start("n3", b.Connect(t))
	es.waitCandidates(observer, 3)
	es.leaderIs(observer, "n1")

	if err := c1.conn.Close(); err != nil {
		t.Fatal(err)
	}
	es.expect(leadEvent{"n1", false}, leadEvent{"n2", true})
	if err := waitDone(t, c1); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Campaign on a closed Conn returned %v, want ErrClosed", err)
	}
	es.leaderIs(observer, "n2")

	c2.cancel()
	es.expect(leadEvent{"n2", false}, leadEvent{"n3", true})
	if err := waitDone(t, c2); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Campaign returned %v", err)
	}
	es.leaderIs(observer, "n3")
	c3.cancel()
	es.expect(leadEvent{"n3", false})
	waitDone(t, c3)
}

// testElectionFailoverOnExpire: the leader's session expires; another
// candidate leads and the old leader's lead context is cancelled.
func testElectionFailoverOnExpire(t *testing.T, b Backend) {
	observer := b.Connect(t)
	root := newRoot(t, observer) + "/elections"
	es := newElections(t, root)
	conn1 := b.Connect(t)
	es.start("n1", conn1)
	es.expect(leadEvent{"n1", true})
	es.start("n2", b.Connect(t))
	es.waitCandidates(observer, 2)

	b.Expire(t, conn1)
	es.expect(leadEvent{"n1", false}, leadEvent{"n2", true})
	es.leaderIs(observer, "n2")
}

// testElectionLeaveOnCancel: a leader whose ctx is cancelled stops leading
// and leaves no node behind; an election without candidates has no leader.
func testElectionLeaveOnCancel(t *testing.T, b Backend) {
	observer := b.Connect(t)
	root := newRoot(t, observer) + "/deep/elections"
	es := newElections(t, root)
	c := es.start("solo", b.Connect(t))
	es.expect(leadEvent{"solo", true})
	es.leaderIs(observer, "solo")
	c.cancel()
	es.expect(leadEvent{"solo", false})
	if err := waitDone(t, c); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Campaign returned %v", err)
	}
	kids, _, err := observer.Children(testCtx(t), root+"/"+es.name)
	if err != nil || len(kids) != 0 {
		t.Errorf("candidates left after leaving: %q, %v", kids, err)
	}
	e := &storage.Election{Conn: observer, Root: root}
	if id, err := e.Leader(testCtx(t), es.name); !errors.Is(err, storage.ErrNoLeader) {
		t.Errorf("Leader of an empty election = %q, %v; want ErrNoLeader", id, err)
	}
	if id, err := e.Leader(testCtx(t), "never-held"); !errors.Is(err, storage.ErrNoLeader) {
		t.Errorf("Leader of an unknown election = %q, %v; want ErrNoLeader", id, err)
	}
}

// testElectionQueue: candidates lead in the order they joined, also when a
// follower in the middle leaves (its successor must then wait on the one
// before it).
func testElectionQueue(t *testing.T, b Backend) {
	observer := b.Connect(t)
	root := newRoot(t, observer) + "/elections"
	es := newElections(t, root)
	var cs []*campaigner
	for i := 1; i <= 4; i++ {
		cs = append(cs, es.start(fmt.Sprintf("n%d", i), b.Connect(t)))
		es.waitCandidates(observer, i)
	}
	es.expect(leadEvent{"n1", true})
	// n3 leaves while following: n4 now follows n2.
	cs[2].cancel()
	waitDone(t, cs[2])
	es.waitCandidates(observer, 3)
	es.leaderIs(observer, "n1")
	cs[0].cancel()
	es.expect(leadEvent{"n1", false}, leadEvent{"n2", true})
	cs[1].cancel()
	es.expect(leadEvent{"n2", false}, leadEvent{"n4", true})
	es.leaderIs(observer, "n4")
}
