// Package sessions is the session machinery both storage backends share:
// SessionEvents delivery and the error of a request in a session state. It
// lives apart from package storage because it is backend machinery, not
// part of the storage API.
package sessions

import (
	"context"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// StateErr is the error of a request made in state st (nil when connected).
func StateErr(st storage.SessionState) error {
	switch st {
	case storage.Disconnected:
		return storage.ErrConnectionLoss
	case storage.Expired:
		return storage.ErrSessionExpired
	case storage.Closed:
		return storage.ErrClosed
	}
	return nil
}

// Set is the SessionEvents subscribers of one connection. The backend
// publishes under its own state lock, so that subscribers see the states in
// the order they were taken. The zero Set is ready to use.
type Set struct {
	mu    sync.Mutex
	subs  map[*subscriber]struct{}
	ended bool
}

// Subscribe returns a channel of the events published from now on. It is
// closed when ctx is done or after the final event; at once when the final
// event was published already.
func (s *Set) Subscribe(ctx context.Context) <-chan storage.SessionEvent {
	sub := &subscriber{out: make(chan storage.SessionEvent), wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		close(sub.out)
		return sub.out
	}
	if s.subs == nil {
		s.subs = map[*subscriber]struct{}{}
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	go func() {
		sub.run(ctx)
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}()
	return sub.out
}

// Publish queues ev for every subscriber. final says nothing follows it:
// subscribers end once they have delivered it, and later subscriptions are
// closed at once.
func (s *Set) Publish(ev storage.SessionEvent, final bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.push(ev, final)
	}
	if final {
		s.ended = true
		clear(s.subs)
	}
}

// subscriber delivers session events to one SessionEvents caller, in order and
// without loss (state changes are few, so the queue is unbounded); run
// forwards them from a goroutine of its own.
type subscriber struct {
	mu    sync.Mutex
	queue []storage.SessionEvent
	final bool
	wake  chan struct{}
	out   chan storage.SessionEvent
}

// push queues ev; final says no event follows it, so run returns once it has
// been delivered.
func (sub *subscriber) push(ev storage.SessionEvent, final bool) {
	sub.mu.Lock()
	sub.queue = append(sub.queue, ev)
	sub.final = sub.final || final
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

// run forwards the queued events to out until the final one has been
// delivered or ctx is done, then closes out.
func (sub *subscriber) run(ctx context.Context) {
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
