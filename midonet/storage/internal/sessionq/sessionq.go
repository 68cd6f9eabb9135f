// Package sessionq is the session-event queue both storage backends hand to
// their SessionEvents callers. It lives apart from package storage because it
// is a piece of backend machinery, not part of the storage API.
package sessionq

import (
	"context"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Sub delivers session events to one SessionEvents caller, in order and
// without loss (state changes are few, so the queue is unbounded). The
// backend pushes under its own lock, Run forwards from a goroutine of its own.
type Sub struct {
	mu    sync.Mutex
	queue []storage.SessionEvent
	final bool
	wake  chan struct{}
	out   chan storage.SessionEvent
}

// New is an empty queue; nothing is delivered until Run.
func New() *Sub {
	return &Sub{out: make(chan storage.SessionEvent), wake: make(chan struct{}, 1)}
}

// Out is the caller's channel. Run closes it when it returns; a Sub that is
// never run must be ended with CloseUnrun instead.
func (sub *Sub) Out() <-chan storage.SessionEvent { return sub.out }

// CloseUnrun closes the channel of a Sub that will never be run (the
// connection had already ended when the caller subscribed).
func (sub *Sub) CloseUnrun() { close(sub.out) }

// Push queues ev; final says no event follows it, so Run returns once it has
// been delivered.
func (sub *Sub) Push(ev storage.SessionEvent, final bool) {
	sub.mu.Lock()
	sub.queue = append(sub.queue, ev)
	sub.final = sub.final || final
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

// Run forwards the queued events to Out until the final one has been
// delivered or ctx is done, then closes Out.
func (sub *Sub) Run(ctx context.Context) {
	defer close(sub.out)
	for {
		sub.mu.Lock()
		if len(sub.queue) > 0 {
			ev := sub.queue[0]
			sub.queue = sub.queue[1:]
			sub.mu.Unlock()
			select {
			case sub.out <- ev:
			case <-ctx.Done():
				return
			}
			continue
		}
		final := sub.final
		sub.mu.Unlock()
		if final {
			return
		}
		select {
		case <-sub.wake:
		case <-ctx.Done():
			return
		}
	}
}
