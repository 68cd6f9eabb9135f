package topologyapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// inventory holds the live sessions by cnxn_id.
type inventory struct {
	ctx context.Context
	st  *zoom.Store
	cfg Config
	log *slog.Logger

	feeds    *feeds
	mu       sync.Mutex
	sessions map[uuid.UUID]*session
}

func newInventory(ctx context.Context, st *zoom.Store, cfg Config, log *slog.Logger) *inventory {
	return &inventory{ctx: ctx, st: st, cfg: cfg, log: log, sessions: map[uuid.UUID]*session{},
		feeds: &feeds{ctx: ctx, st: st, log: log, all: map[subKey]*feed{}}}
}

var errRejected = errors.New("handshake rejected")

// claim attaches a connection to session id (created if need be) and
// returns the seqno its output starts from: from, or the session's next
// seqno for a new session. A session attached elsewhere, or a from the
// buffer does not hold, is errRejected.
func (inv *inventory) claim(id uuid.UUID, from int64, resume bool) (*session, int64, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	s, ok := inv.sessions[id]
	if !ok {
		ctx, cancel := context.WithCancel(inv.ctx)
		s = &session{inv: inv, id: id, ctx: ctx, cancel: cancel, ring: make([]*models.Response, inv.cfg.BufferSize),
			notify: make(chan struct{}, 1), subs: map[subKey]*subscription{}}
		inv.sessions[id] = s
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attached {
		return nil, 0, errRejected
	}
	if !resume {
		from = s.next
	}
	if from > s.next || from < s.next-int64(len(s.ring)) || from < 0 {
		return nil, 0, errRejected
	}
	s.attached = true
	if s.expiry != nil {
		s.expiry.Stop()
	}
	return s, from, nil
}

func (inv *inventory) remove(s *session) {
	inv.mu.Lock()
	if inv.sessions[s.id] == s {
		delete(inv.sessions, s.id)
	}
	inv.mu.Unlock()
	s.cancel()
}

func (inv *inventory) closeAll() {
	inv.mu.Lock()
	all := make([]*session, 0, len(inv.sessions))
	for _, s := range inv.sessions {
		all = append(all, s)
	}
	inv.mu.Unlock()
	for _, s := range all {
		inv.remove(s)
	}
}

// subKey names a subscription: a type and an object, or uuid.Nil for the
// whole type.
type subKey struct {
	typ models.Type
	id  uuid.UUID
}

type subscription struct {
	reqID  *models.UUID
	cancel context.CancelFunc
}

// session is one client's subscriptions and output buffer.
type session struct {
	inv    *inventory
	id     uuid.UUID
	ctx    context.Context // ends with the session
	cancel context.CancelFunc

	mu       sync.Mutex
	ring     []*models.Response // response with seqno n at n % len(ring)
	next     int64              // seqno of the next response
	notify   chan struct{}      // signalled (capacity 1) after each emit
	attached bool
	expiry   *time.Timer
	subs     map[subKey]*subscription
}

// emit appends r to the session's output with the next seqno.
func (s *session) emit(r *models.Response) {
	s.mu.Lock()
	r.Seqno = proto.Int64(s.next)
	s.ring[s.next%int64(len(s.ring))] = r
	s.next++
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

var errOverflow = errors.New("client fell a whole session buffer behind")

// pending returns the responses from seqno from on; errOverflow when the
// buffer has moved past it.
func (s *session) pending(from int64) ([]*models.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if from < s.next-int64(len(s.ring)) {
		return nil, errOverflow
	}
	out := make([]*models.Response, 0, s.next-from)
	for n := from; n < s.next; n++ {
		out = append(out, s.ring[n%int64(len(s.ring))])
	}
	return out, nil
}

// detach lets the session outlive its connection for the grace period.
func (s *session) detach() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attached = false
	s.expiry = time.AfterFunc(s.inv.cfg.GracePeriod, func() {
		// Under the inventory's lock, as claim: a handshake either
		// attaches before the expiry or finds no session.
		s.inv.mu.Lock()
		s.mu.Lock()
		expired := !s.attached && s.inv.sessions[s.id] == s
		if expired {
			delete(s.inv.sessions, s.id)
		}
		s.mu.Unlock()
		s.inv.mu.Unlock()
		if expired {
			s.cancel()
		}
	})
}

// get answers a get without subscription.
func (s *session) get(ctx context.Context, reqID *models.UUID, class models.Class, id *models.UUID) {
	if id == nil {
		objs, err := s.inv.st.GetAll(ctx, class.New())
		if err != nil {
			s.inv.log.Warn("topology API cannot read objects", "class", class.Name, "err", err)
			s.emit(nack(reqID, fmt.Sprintf("error on retrieve: %s", javaClass(class))))
			return
		}
		ids := make([]*models.UUID, 0, len(objs))
		for _, o := range objs {
			if oid, err := models.ID(o); err == nil {
				ids = append(ids, oid)
			}
		}
		s.emit(&models.Response{Type: models.ResponseType_SNAPSHOT.Enum(), ReqId: reqID, ObjType: class.TopologyType.Enum(),
			Payload: &models.Response_Snapshot_{Snapshot: &models.Response_Snapshot{ObjIds: ids}}})
		return
	}
	uid := id.ToGoogle()
	obj, err := s.inv.st.Get(ctx, class.New(), uid)
	switch {
	case errors.Is(err, zoom.ErrNotFound):
		s.emit(nack(reqID, fmt.Sprintf("not found: %s (%s)", uid, javaClass(class))))
	case err != nil:
		s.inv.log.Warn("topology API cannot read object", "class", class.Name, "id", uid, "err", err)
		s.emit(nack(reqID, fmt.Sprintf("error on retrieve: %s (%s)", uid, javaClass(class))))
	default:
		s.emit(update(reqID, class, obj))
	}
}

// subscribe starts following one object (id not nil) or a whole class;
// the same subscription again is redirected to the first request.
func (s *session) subscribe(reqID *models.UUID, class models.Class, id *models.UUID) {
	key := subKey{typ: class.TopologyType}
	if id != nil {
		key.id = id.ToGoogle()
	}
	s.mu.Lock()
	if prev, ok := s.subs[key]; ok {
		s.mu.Unlock()
		s.emit(&models.Response{Type: models.ResponseType_REDIRECT.Enum(), ReqId: reqID,
			Payload: &models.Response_Redirect_{Redirect: &models.Response_Redirect{OriginalReqId: prev.reqID}}})
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.subs[key] = &subscription{reqID: reqID, cancel: cancel}
	s.mu.Unlock()
	s.emit(&models.Response{Type: models.ResponseType_ACK.Enum(), ReqId: reqID})
	s.inv.feeds.join(key, class, &follower{s: s, reqID: reqID, ctx: ctx})
}

// drop forgets the subscription of key if it is still the one of ctx.
func (s *session) drop(key subKey, ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.subs[key]; ok && ctx.Err() == nil {
		sub.cancel()
		delete(s.subs, key)
	}
}

// unsubscribe ends the subscription of key, if any, and acknowledges.
func (s *session) unsubscribe(reqID *models.UUID, key subKey) {
	s.mu.Lock()
	if sub, ok := s.subs[key]; ok {
		sub.cancel()
		delete(s.subs, key)
	}
	s.mu.Unlock()
	s.emit(&models.Response{Type: models.ResponseType_ACK.Enum(), ReqId: reqID})
}

func info(msg string) *models.Response_Info_ {
	return &models.Response_Info_{Info: &models.Response_Info{Msg: proto.String(msg)}}
}

func nack(reqID *models.UUID, msg string) *models.Response {
	return &models.Response{Type: models.ResponseType_NACK.Enum(), ReqId: reqID, Payload: info(msg)}
}

// javaClass names a class as the reference's messages do.
func javaClass(c models.Class) string { return "class org.midonet.cluster.models.Topology$" + c.Name }

// updateField is the field of Response.Update carrying messages of md.
func updateField(md protoreflect.MessageDescriptor) (protoreflect.FieldDescriptor, bool) {
	fields := (&models.Response_Update{}).ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); f.Message().FullName() == md.FullName() {
			return f, true
		}
	}
	return nil, false
}

// update is an UPDATE response carrying obj in its Update field.
func update(reqID *models.UUID, class models.Class, obj proto.Message) *models.Response {
	u := &models.Response_Update{}
	if fd, ok := updateField(obj.ProtoReflect().Descriptor()); ok {
		u.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(obj.ProtoReflect()))
	}
	oid, _ := models.ID(obj)
	return &models.Response{Type: models.ResponseType_UPDATE.Enum(), ReqId: reqID, ObjType: class.TopologyType.Enum(),
		ObjId: oid, Payload: &models.Response_Update_{Update: u}}
}
