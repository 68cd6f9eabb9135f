package zoom

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// State keys: per-namespace values attached to objects, held by ephemeral
// nodes of the writer's session under
// <Z>/state/<namespace>/<Class>/<id>/<key> (single-value keys: the node's
// data is the value) or .../<key>/<value> (multi-value keys: one child per
// value). A store writes its own namespace (Options.Namespace) and reads
// any. The owner of a value is the session id (ephemeralOwner) that wrote it.

// StateValue is the content of a state key.
type StateValue struct {
	Key    string
	Single bool
	// Single-value keys: the value, whether there is one, and the session
	// owning it (0 when none).
	Value  string
	Exists bool
	Owner  int64
	// Multi-value keys: the values, sorted.
	Values []string
}

// stateAttempts bounds the internal retries of a state write racing
// another writer of the same key.
const stateAttempts = 5

// stateKey is the class of model and the type of its state key named key.
func (s *Store) stateKey(model proto.Message, key string) (*classInfo, KeyType, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, 0, err
	}
	kt, ok := ci.keys[key]
	if !ok {
		return nil, 0, fmt.Errorf("zoom: %s has no state key %q: %w", ci.Name, key, ErrUnregistered)
	}
	return ci, kt, nil
}

func (s *Store) stateObjPath(ns, class, id string) string {
	return s.zoom + "/state/" + ns + "/" + class + "/" + id
}

// AddValue writes value to the state key of an object in the store's
// namespace and returns the owning session id. SingleFirstWriteWins keys
// refuse (ErrNotStateOwner) a value owned by another session;
// SingleLastWriteWins and FailFast keys replace it; Multiple keys add the
// value to the set. The object must exist (ErrUnmodifiableState otherwise).
func (s *Store) AddValue(ctx context.Context, model proto.Message, id uuid.UUID, key, value string) (int64, error) {
	ci, kt, err := s.stateKey(model, key)
	if err != nil {
		return 0, err
	}
	sid := id.String()
	serr := func(e error) error { return &StateError{Class: ci.Name, ID: sid, Key: key, Value: value, Err: e} }
	if !kt.IsSingle() && !validNodeName(value) {
		return 0, serr(fmt.Errorf("%w: bad value for a multi-value key", ErrUnmodifiableState))
	}
	if _, ok, err := s.conn.Exists(ctx, s.modelPath(ci.Name, sid)); err != nil {
		return 0, serr(err)
	} else if !ok {
		return 0, serr(fmt.Errorf("%w: %w", ErrUnmodifiableState, storage.ErrNoNode))
	}
	conn := s.conn
	if kt == FailFast {
		conn = s.failFast
	}
	me := conn.SessionID()
	keyPath := s.stateObjPath(s.opts.Namespace, ci.Name, sid) + "/" + key
	path, parent, data := keyPath, s.stateObjPath(s.opts.Namespace, ci.Name, sid), []byte(value)
	if !kt.IsSingle() {
		path, parent, data = keyPath+"/"+value, keyPath, nil
	}
	for range stateAttempts {
		st, ok, err := conn.Exists(ctx, path)
		if err != nil {
			return 0, serr(err)
		}
		switch {
		case !ok:
			_, err = conn.Create(ctx, path, data, storage.Ephemeral)
			if errors.Is(err, storage.ErrNoNode) {
				if err = mkdirs(ctx, conn, parent); err == nil {
					_, err = conn.Create(ctx, path, data, storage.Ephemeral)
				}
			}
		case st.EphemeralOwner == me && kt.IsSingle():
			_, err = conn.Set(ctx, path, data, st.Version)
		case st.EphemeralOwner == me:
			return me, nil // multi-value: already ours
		case kt == SingleFirstWriteWins:
			return 0, &StateError{Class: ci.Name, ID: sid, Key: key, Value: value, Owner: st.EphemeralOwner, Err: ErrNotStateOwner}
		default: // another session's value: replace it with ours
			_, err = conn.Multi(ctx, storage.DeleteOp(path, st.Version), storage.CreateOp(path, data, storage.Ephemeral))
		}
		switch {
		case err == nil:
			return me, nil
		case errors.Is(err, storage.ErrNodeExists), errors.Is(err, storage.ErrBadVersion), errors.Is(err, storage.ErrNoNode):
			continue // raced another writer: look again
		default:
			return 0, serr(err)
		}
	}
	return 0, serr(&ConcurrentModificationError{Class: ci.Name, ID: sid, Err: errors.New("state key keeps changing")})
}

// RemoveValue removes the store's own value of a state key (for single
// keys value is ignored) and returns the owner it had, 0 when there was
// none. A value owned by another session is ErrNotStateOwner.
func (s *Store) RemoveValue(ctx context.Context, model proto.Message, id uuid.UUID, key, value string) (int64, error) {
	ci, kt, err := s.stateKey(model, key)
	if err != nil {
		return 0, err
	}
	sid := id.String()
	conn := s.conn
	if kt == FailFast {
		conn = s.failFast
	}
	path := s.stateObjPath(s.opts.Namespace, ci.Name, sid) + "/" + key
	if !kt.IsSingle() {
		if !validNodeName(value) {
			return 0, nil
		}
		path += "/" + value
	}
	st, ok, err := conn.Exists(ctx, path)
	if err != nil {
		return 0, &StateError{Class: ci.Name, ID: sid, Key: key, Value: value, Err: err}
	}
	if !ok {
		return 0, nil
	}
	if st.EphemeralOwner != conn.SessionID() {
		return 0, &StateError{Class: ci.Name, ID: sid, Key: key, Value: value, Owner: st.EphemeralOwner, Err: ErrNotStateOwner}
	}
	if err := conn.Delete(ctx, path, st.Version); err != nil && !errors.Is(err, storage.ErrNoNode) {
		return 0, &StateError{Class: ci.Name, ID: sid, Key: key, Value: value, Err: err}
	}
	return st.EphemeralOwner, nil
}

// GetKey reads a state key of an object in namespace ns (the store's own
// when empty). A missing value is an empty StateValue, not an error.
func (s *Store) GetKey(ctx context.Context, ns string, model proto.Message, id uuid.UUID, key string) (StateValue, error) {
	ci, kt, err := s.stateKey(model, key)
	if err != nil {
		return StateValue{}, err
	}
	if ns == "" {
		ns = s.opts.Namespace
	}
	conn := s.conn
	if kt == FailFast {
		conn = s.failFast
	}
	path := s.stateObjPath(ns, ci.Name, id.String()) + "/" + key
	sv := StateValue{Key: key, Single: kt.IsSingle()}
	if kt.IsSingle() {
		data, st, err := conn.Get(ctx, path)
		switch {
		case errors.Is(err, storage.ErrNoNode):
			return sv, nil
		case err != nil:
			return sv, fmt.Errorf("zoom: state %s of %s %s: %w", key, ci.Name, id, err)
		}
		sv.Value, sv.Exists, sv.Owner = string(data), true, st.EphemeralOwner
		return sv, nil
	}
	children, _, err := conn.Children(ctx, path)
	switch {
	case errors.Is(err, storage.ErrNoNode):
		return sv, nil
	case err != nil:
		return sv, fmt.Errorf("zoom: state %s of %s %s: %w", key, ci.Name, id, err)
	}
	sv.Values = children
	return sv, nil
}

// StateEvent is one observation of a watched state key.
type StateEvent struct {
	Value StateValue
	// Err is set on the last event of a watch that failed.
	Err error
}

// WatchKey observes a state key of an object in namespace ns (the store's
// own when empty) until ctx is done or the object is deleted: the current
// value first, then every change (consecutive equal values are not
// repeated). The channel is closed at the end. A missing object is a
// NotFoundError.
func (s *Store) WatchKey(ctx context.Context, ns string, model proto.Message, id uuid.UUID, key string) (<-chan StateEvent, error) {
	ci, kt, err := s.stateKey(model, key)
	if err != nil {
		return nil, err
	}
	if ns == "" {
		ns = s.opts.Namespace
	}
	conn := s.conn
	if kt == FailFast {
		conn = s.failFast
	}
	wctx, cancel := context.WithCancel(ctx)
	objCh, err := s.conn.WatchNode(wctx, s.modelPath(ci.Name, id.String()))
	if err != nil {
		cancel()
		return nil, err
	}
	first, ok, err := s.firstObjectEvent(wctx, s.modelPath(ci.Name, id.String()), objCh)
	if err != nil || !ok || first.Err != nil || !first.Exists {
		cancel()
		drain(objCh)
		if err != nil {
			return nil, err
		}
		if ok && first.Err != nil {
			return nil, first.Err
		}
		return nil, &NotFoundError{Class: ci.Name, ID: id.String()}
	}
	path := s.stateObjPath(ns, ci.Name, id.String()) + "/" + key
	values := make(chan StateEvent)
	var stop func()
	if kt.IsSingle() {
		stop, err = forwardStateWatch(wctx, conn.WatchNode, path, values, func(ev storage.NodeEvent) StateEvent {
			if ev.Err != nil {
				return StateEvent{Err: ev.Err}
			}
			sv := StateValue{Key: key, Single: true}
			if ev.Exists {
				sv.Value, sv.Exists, sv.Owner = string(ev.Data), true, ev.Stat.EphemeralOwner
			}
			return StateEvent{Value: sv}
		})
	} else {
		stop, err = forwardStateWatch(wctx, conn.WatchChildren, path, values, func(ev storage.ChildrenEvent) StateEvent {
			if ev.Err != nil {
				return StateEvent{Err: ev.Err}
			}
			return StateEvent{Value: StateValue{Key: key, Values: ev.Children}}
		})
	}
	if err != nil {
		cancel()
		drain(objCh)
		return nil, err
	}
	out := make(chan StateEvent, eventBuffer)
	go func() {
		defer func() {
			cancel()
			drain(objCh)
			stop()
			drain(values)
			close(out)
		}()
		var last *StateValue
		for {
			select {
			case ev, ok := <-objCh:
				if !ok {
					return
				}
				if ev.Err != nil {
					send(wctx, out, StateEvent{Err: ev.Err})
					return
				}
				if !ev.Exists || ev.Stat.Czxid != first.Stat.Czxid {
					return // the object is gone
				}
			case sev, ok := <-values:
				if !ok {
					if ctx.Err() == nil {
						send(wctx, out, StateEvent{Err: fmt.Errorf("zoom: state watch of %s %s %s ended: %w", ci.Name, id, key, storage.ErrClosed)})
					}
					return
				}
				if sev.Err != nil {
					send(wctx, out, sev)
					return
				}
				sv := sev.Value
				if last != nil && sameState(*last, sv) {
					continue
				}
				last = &sv
				if !send(wctx, out, StateEvent{Value: sv}) {
					return
				}
			}
		}
	}()
	return out, nil
}

func sameState(a, b StateValue) bool {
	return a.Value == b.Value && a.Exists == b.Exists && a.Owner == b.Owner && slices.Equal(a.Values, b.Values)
}

// forwardStateWatch sets a watch on path and forwards its events, as convert
// makes them, to values until the first error (which it forwards too) or
// until ctx is done; values is closed then. stop drains the watch.
func forwardStateWatch[E any](ctx context.Context, watch func(context.Context, string) (<-chan E, error), path string, values chan<- StateEvent, convert func(E) StateEvent) (stop func(), err error) {
	ch, err := watch(ctx, path)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(values)
		for ev := range ch {
			sev := convert(ev)
			if !send(ctx, values, sev) || sev.Err != nil {
				return
			}
		}
	}()
	return func() { drain(ch) }, nil
}
