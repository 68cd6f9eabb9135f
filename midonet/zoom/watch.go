package zoom

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// EventKind says what an ObjectEvent reports.
type EventKind int

const (
	// Created: the first observation of an object (its value when the
	// watch started, or a new object of a watched class).
	Created EventKind = iota + 1
	// Updated: a new value of the object.
	Updated
	// Deleted: the object is gone; its watch ends.
	Deleted
	// Failed: the watch ended abnormally (Err says why: session expired,
	// connection closed, undecodable data).
	Failed
)

func (k EventKind) String() string {
	switch k {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// ObjectEvent is one observation of a watched object.
type ObjectEvent struct {
	Kind    EventKind
	Class   string
	ID      string
	Obj     proto.Message // the new value for Created/Updated; nil otherwise
	Version storage.Version
	Err     error // for Failed
}

// eventBuffer is the capacity of event channels; a slow consumer only
// delays delivery (the backend coalesces node changes meanwhile).
const eventBuffer = 16

// Watch observes one object until ctx is done: a Created event with the
// current value, an Updated event per change (rapid changes may be
// coalesced; order is kept), and a final Deleted (or Failed) event, after
// which the channel is closed. A missing object is a NotFoundError.
func (s *Store) Watch(ctx context.Context, model proto.Message, id uuid.UUID) (<-chan ObjectEvent, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	ch, err := s.conn.WatchNode(wctx, s.modelPath(ci.Name, id.String()))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("zoom: watch %s %s: %w", ci.Name, id, err)
	}
	first, ok, err := s.firstObjectEvent(wctx, s.modelPath(ci.Name, id.String()), ch)
	if err != nil || !ok || first.Err != nil || !first.Exists {
		cancel()
		drain(ch)
		if err != nil {
			return nil, fmt.Errorf("zoom: watch %s %s: %w", ci.Name, id, err)
		}
		if ok && first.Err != nil {
			return nil, fmt.Errorf("zoom: watch %s %s: %w", ci.Name, id, first.Err)
		}
		if !ok {
			return nil, fmt.Errorf("zoom: watch %s %s: %w", ci.Name, id, cmp.Or(ctx.Err(), storage.ErrClosed))
		}
		return nil, &NotFoundError{Class: ci.Name, ID: id.String()}
	}
	out := make(chan ObjectEvent, eventBuffer)
	go func() {
		defer close(out)
		s.followNode(wctx, ci, id.String(), first, ch, func(ev ObjectEvent) bool { return send(wctx, out, ev) })
		cancel()
		drain(ch)
	}()
	return out, nil
}

// followNode turns node events of an existing object into object events
// until the object is deleted, the watch fails, emit refuses or ch ends.
func (s *Store) followNode(ctx context.Context, ci *classInfo, id string, first storage.NodeEvent,
	ch <-chan storage.NodeEvent, emit func(ObjectEvent) bool) {
	fail := func(err error) { emit(ObjectEvent{Kind: Failed, Class: ci.Name, ID: id, Err: err}) }
	obj, err := s.decode(ci, id, first.Data)
	if err != nil {
		fail(err)
		return
	}
	if !emit(ObjectEvent{Kind: Created, Class: ci.Name, ID: id, Obj: obj, Version: first.Stat.Version}) {
		return
	}
	last := first.Stat
	for ev := range ch {
		switch {
		case ev.Err != nil:
			fail(ev.Err)
			return
		case !ev.Exists || ev.Stat.Czxid != last.Czxid:
			// Gone (a re-created object with the same id is another object).
			emit(ObjectEvent{Kind: Deleted, Class: ci.Name, ID: id, Version: last.Version})
			return
		case ev.Stat.Mzxid == last.Mzxid:
			continue
		}
		last = ev.Stat
		obj, err := s.decode(ci, id, ev.Data)
		if err != nil {
			fail(err)
			return
		}
		if !emit(ObjectEvent{Kind: Updated, Class: ci.Name, ID: id, Obj: obj, Version: ev.Stat.Version}) {
			return
		}
	}
	if ctx.Err() == nil {
		fail(storage.ErrClosed)
	}
}

// WatchClass observes every object of model's class until ctx is done:
// Created for each existing object, then Created for each new one, and
// Updated/Deleted events per object (in order per object; objects are
// independent of each other). A failure of the underlying watch ends the
// stream with a Failed event.
func (s *Store) WatchClass(ctx context.Context, model proto.Message) (<-chan ObjectEvent, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	children, err := s.conn.WatchChildren(wctx, s.classPath(ci.Name))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("zoom: watch class %s: %w", ci.Name, err)
	}
	out := make(chan ObjectEvent, eventBuffer)
	go func() {
		var wg sync.WaitGroup
		defer func() {
			cancel()
			drain(children)
			wg.Wait()
			close(out)
		}()
		emit := func(ev ObjectEvent) bool { return send(wctx, out, ev) }
		watching := map[string]bool{}
		present := map[string]bool{}
		done := make(chan string)
		start := func(id string) {
			watching[id] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.watchChild(wctx, ci, id, emit)
				select {
				case done <- id:
				case <-wctx.Done():
				}
			}()
		}
		for {
			select {
			case <-wctx.Done():
				return
			case ev, ok := <-children:
				if !ok {
					if ctx.Err() == nil {
						emit(ObjectEvent{Kind: Failed, Class: ci.Name, Err: storage.ErrClosed})
					}
					return
				}
				if ev.Err != nil {
					emit(ObjectEvent{Kind: Failed, Class: ci.Name, Err: ev.Err})
					return
				}
				present = map[string]bool{}
				for _, id := range ev.Children {
					present[id] = true
					if !watching[id] {
						start(id)
					}
				}
			case id := <-done:
				delete(watching, id)
				// Deleted and re-created meanwhile: a new object.
				if present[id] {
					if _, ok, err := s.conn.Exists(wctx, s.modelPath(ci.Name, id)); err == nil && ok {
						start(id)
					}
				}
			}
		}
	}()
	return out, nil
}

// watchChild follows one object of a watched class; an object already gone
// when its watch starts produces no events.
func (s *Store) watchChild(ctx context.Context, ci *classInfo, id string, emit func(ObjectEvent) bool) {
	wctx, cancel := context.WithCancel(ctx)
	ch, err := s.conn.WatchNode(wctx, s.modelPath(ci.Name, id))
	if err != nil {
		cancel()
		if ctx.Err() == nil {
			emit(ObjectEvent{Kind: Failed, Class: ci.Name, ID: id, Err: err})
		}
		return
	}
	defer func() { cancel(); drain(ch) }()
	first, ok := <-ch
	switch {
	case !ok:
		return
	case first.Err != nil:
		emit(ObjectEvent{Kind: Failed, Class: ci.Name, ID: id, Err: first.Err})
		return
	case !first.Exists:
		return
	}
	s.followNode(wctx, ci, id, first, ch, emit)
}

func send[T any](ctx context.Context, out chan<- T, v T) bool {
	select {
	case out <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain consumes a cancelled watch's channel until the backend closes it.
func drain[T any](ch <-chan T) {
	for range ch {
	}
}

// firstObjectEvent returns the first event of a watch on an object's node.
// Like a transaction's reads (Store.load): a session on a lagging follower can report an
// object another node has just created as missing, so before that is
// believed the session syncs and looks again; when the object is there after
// all, the watch's next event is its creation.
func (s *Store) firstObjectEvent(ctx context.Context, path string, ch <-chan storage.NodeEvent) (storage.NodeEvent, bool, error) {
	first, ok := <-ch
	if !ok || first.Err != nil || first.Exists {
		return first, ok, nil
	}
	if err := s.conn.Sync(ctx, path); err != nil {
		return first, ok, fmt.Errorf("sync before reporting %s missing: %w", path, err)
	}
	if _, exists, err := s.conn.Exists(ctx, path); err != nil || !exists {
		return first, ok, err
	}
	first, ok = <-ch
	return first, ok, nil
}
