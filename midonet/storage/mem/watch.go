package mem

import (
	"context"
	"slices"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// maxQueued bounds a watch's backlog. Past it, the newest state replaces the
// last queued one, so a consumer that falls behind skips intermediate states
// but always ends on the latest, and writers never wait for it.
const maxQueued = 64

// watch delivers the events of one WatchNode or WatchChildren call from its
// own goroutine. Node watches get a snapshot pushed by each write (cheap:
// the data slice is shared); children watches are only marked dirty and
// read the children when they deliver, so writers do not sort sibling lists
// for every create.
type watch[E any] struct {
	conn *Conn
	out  chan E

	// read returns the current state, for dirty (lazy) watches.
	read func() E
	// same reports whether two states are the same observation, so a lazy
	// re-read that found nothing new is not delivered twice.
	same func(a, b E) bool
	// prepare makes an event safe to hand out (copies shared slices).
	prepare func(E) E
	// final builds the last event of a watch ended by err.
	final func(err error) E

	unregister func()

	mu     sync.Mutex
	queue  []E
	dirty  bool
	endErr error
	wake   chan struct{} // capacity 1: a pending "look again"
	ended  chan struct{} // closed by end
}

func newWatch[E any](c *Conn, initial E) *watch[E] {
	return &watch[E]{
		conn:  c,
		out:   make(chan E),
		queue: []E{initial},
		wake:  make(chan struct{}, 1),
		ended: make(chan struct{}),
	}
}

func (w *watch[E]) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// push queues a new state (called by writers under the server lock).
func (w *watch[E]) push(ev E) {
	w.mu.Lock()
	w.pushLocked(ev)
	w.mu.Unlock()
	w.signal()
}

func (w *watch[E]) pushLocked(ev E) {
	if w.endErr != nil {
		return
	}
	if len(w.queue) >= maxQueued {
		w.queue[len(w.queue)-1] = ev
		return
	}
	w.queue = append(w.queue, ev)
}

// markDirty asks the watch to re-read its state.
func (w *watch[E]) markDirty() {
	w.mu.Lock()
	w.dirty = true
	w.mu.Unlock()
	w.signal()
}

// end stops the watch: pending states are dropped and the consumer gets one
// last event carrying err.
func (w *watch[E]) end(err error) {
	w.mu.Lock()
	if w.endErr != nil {
		w.mu.Unlock()
		return
	}
	w.endErr = err
	w.queue = nil
	w.dirty = false
	close(w.ended)
	w.mu.Unlock()
	w.signal()
}

func (w *watch[E]) run(ctx context.Context) {
	defer close(w.out)
	defer w.unregister()
	var last E
	sent := false
	for {
		w.mu.Lock()
		if err := w.endErr; err != nil {
			w.mu.Unlock()
			select {
			case w.out <- w.final(err):
			case <-ctx.Done():
			}
			return
		}
		if w.dirty {
			w.dirty = false
			w.mu.Unlock()
			ev := w.read()
			w.mu.Lock()
			w.pushLocked(ev)
			w.mu.Unlock()
			continue
		}
		if len(w.queue) > 0 {
			ev := w.queue[0]
			w.queue = w.queue[1:]
			w.mu.Unlock()
			if sent && w.same(last, ev) {
				continue
			}
			if !w.deliver(ctx, w.prepare(ev)) {
				return
			}
			last, sent = ev, true
			continue
		}
		w.mu.Unlock()
		select {
		case <-w.wake:
		case <-ctx.Done():
			return
		}
	}
}

// deliver hands ev to the consumer once the connection is up (a
// disconnected client hears nothing until it reconnects, as with ZooKeeper).
// It returns false when ctx is done; when the watch ends meanwhile it
// returns true without delivering, and run sends the final event.
func (w *watch[E]) deliver(ctx context.Context, ev E) bool {
	select {
	case <-w.conn.gate():
	case <-ctx.Done():
		return false
	case <-w.ended:
		return true
	}
	select {
	case w.out <- ev:
	case <-ctx.Done():
		return false
	case <-w.ended:
	}
	return true
}

func sameNode(a, b storage.NodeEvent) bool {
	return a.Exists == b.Exists && a.Stat.Czxid == b.Stat.Czxid && a.Stat.Mzxid == b.Stat.Mzxid
}

func sameChildren(a, b storage.ChildrenEvent) bool {
	return a.Exists == b.Exists && a.Stat.Czxid == b.Stat.Czxid && a.Stat.Pzxid == b.Stat.Pzxid
}

func prepareNode(ev storage.NodeEvent) storage.NodeEvent {
	ev.Data = slices.Clone(ev.Data)
	return ev
}

func prepareChildren(ev storage.ChildrenEvent) storage.ChildrenEvent {
	ev.Children = slices.Clone(ev.Children)
	return ev
}
