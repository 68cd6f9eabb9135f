package topologyapi

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// feeds are the store watches behind subscriptions, one per object (or
// class) however many sessions follow it, as the reference's ZOOM
// observables are shared: a change costs one ZooKeeper read, not one per
// subscriber.
type feeds struct {
	ctx context.Context
	st  *zoom.Store
	log *slog.Logger

	mu  sync.Mutex
	all map[subKey]*feed
}

// follower is one subscription of a session to a feed.
type follower struct {
	s     *session
	reqID *models.UUID
	ctx   context.Context // ends when the subscription does
}

// feed is one watch and its followers. Events are fanned out under mu
// (session output never blocks), so a follower joining sees the current
// objects and then every later event, in order.
type feed struct {
	hub    *feeds
	key    subKey
	class  models.Class
	cancel context.CancelFunc

	mu      sync.Mutex
	done    bool
	current map[string]proto.Message // present objects by id
	subs    map[*follower]struct{}
}

// join adds f to the feed of key (started if need be): it gets an UPDATE
// per present object now and the feed's events from then on, until fl.ctx
// ends or the feed does (dropping the subscription).
func (h *feeds) join(key subKey, class models.Class, fl *follower) {
	for {
		h.mu.Lock()
		f, ok := h.all[key]
		if ok && f.ended() {
			ok = false // still in the map on its way out: replaced
		}
		if !ok {
			ctx, cancel := context.WithCancel(h.ctx)
			f = &feed{hub: h, key: key, class: class, cancel: cancel, current: map[string]proto.Message{},
				subs: map[*follower]struct{}{}}
			h.all[key] = f
			go f.run(ctx)
		}
		h.mu.Unlock()
		if f.add(fl) {
			go func() {
				<-fl.ctx.Done()
				f.remove(fl)
			}()
			return
		}
		// That feed just ended: another one.
	}
}

func (f *feed) ended() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// add registers fl and replays the present objects to it; false when the
// feed has ended.
func (f *feed) add(fl *follower) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return false
	}
	f.subs[fl] = struct{}{}
	ids := make([]string, 0, len(f.current))
	for id := range f.current {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fl.s.emit(update(fl.reqID, f.class, f.current[id]))
	}
	return true
}

// remove drops fl; the last follower leaving ends the watch.
func (f *feed) remove(fl *follower) {
	f.mu.Lock()
	delete(f.subs, fl)
	last := len(f.subs) == 0 && !f.done
	if last {
		f.done = true
	}
	f.mu.Unlock()
	if last {
		f.forget()
	}
}

// forget takes the ended feed out of the hub and stops its watch.
func (f *feed) forget() {
	f.hub.mu.Lock()
	if f.hub.all[f.key] == f {
		delete(f.hub.all, f.key)
	}
	f.hub.mu.Unlock()
	f.cancel()
}

// publish applies change to the present objects and sends each follower
// still subscribed the response made for its request, in one step (a
// follower joining sees the change either replayed or sent, once).
func (f *feed) publish(change func(), respond func(reqID *models.UUID) *models.Response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return
	}
	change()
	for fl := range f.subs {
		if fl.ctx.Err() == nil {
			fl.s.emit(respond(fl.reqID))
		}
	}
}

// end ends the feed: each follower gets last (when not nil) and loses its
// subscription.
func (f *feed) end(last func(reqID *models.UUID) *models.Response) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return
	}
	f.done = true
	subs := f.subs
	f.subs = nil
	f.mu.Unlock()
	f.forget()
	for fl := range subs {
		if fl.ctx.Err() != nil {
			continue
		}
		if last != nil {
			fl.s.emit(last(fl.reqID))
		}
		fl.s.drop(f.key, fl.ctx)
	}
}

func errorResponse(msg string) func(*models.UUID) *models.Response {
	return func(reqID *models.UUID) *models.Response {
		return &models.Response{Type: models.ResponseType_ERROR.Enum(), ReqId: reqID, Payload: info(msg)}
	}
}

// run watches the store (a round trip made without any lock held) and
// turns its events into UPDATE, DELETION and ERROR responses.
func (f *feed) run(ctx context.Context) {
	var events <-chan zoom.ObjectEvent
	var err error
	if f.key.id == uuid.Nil {
		events, err = f.hub.st.WatchClass(ctx, f.class.New())
	} else {
		events, err = f.hub.st.Watch(ctx, f.class.New(), f.key.id)
	}
	if err != nil {
		msg := "error on watch"
		if errors.Is(err, zoom.ErrNotFound) {
			msg = "not found"
		} else if ctx.Err() == nil {
			f.hub.log.Warn("topology API cannot watch", "class", f.class.Name, "id", f.key.id, "err", err)
		}
		f.end(errorResponse(msg))
		return
	}
	for ev := range events {
		switch ev.Kind {
		case zoom.Created, zoom.Updated:
			f.publish(func() { f.current[ev.ID] = ev.Obj },
				func(reqID *models.UUID) *models.Response { return update(reqID, f.class, ev.Obj) })
		case zoom.Deleted:
			oid, perr := uuid.Parse(ev.ID)
			if perr != nil {
				continue
			}
			deletion := func(reqID *models.UUID) *models.Response {
				return &models.Response{Type: models.ResponseType_DELETION.Enum(), ReqId: reqID,
					ObjType: f.class.TopologyType.Enum(), ObjId: models.UUIDFromGoogle(oid)}
			}
			if f.key.id != uuid.Nil {
				// The object's stream ends with it.
				f.end(deletion)
				return
			}
			f.publish(func() { delete(f.current, ev.ID) }, deletion)
		case zoom.Failed:
			f.hub.log.Warn("topology API subscription failed", "class", f.class.Name, "id", ev.ID, "err", ev.Err)
			f.end(errorResponse("error on watch"))
			return
		}
	}
	// The watch ended: the last follower left, or the server stopped.
	f.end(nil)
}
