package stateproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

const (
	// maxFrame bounds one request (requests are small; this stops a bad
	// length from allocating much).
	maxFrame = 1 << 20
	// maxQueued bounds the notifications waiting for a slow client; one
	// that falls further behind is disconnected (it subscribes again and
	// gets fresh snapshots) instead of holding the server's memory.
	maxQueued = 1 << 16
)

// noRequest is the request id of answers to undecodable requests (-1).
const noRequest = ^uint64(0)

// ZooKeeper's error codes, reported in Completed.nsdb_code.
const (
	zkNoNode         = -101
	zkConnectionLoss = -4
)

type tableKey struct {
	objectClass, keyClass, valueClass, name, args string
	id                                            uuid.UUID
}

// subscription is one client's subscription to one table's cache.
type subscription struct {
	id     uint64
	client *client
	cache  *tableCache

	mu        sync.Mutex
	requestID uint64 // of the last SUBSCRIBE, carried by notifications
}

func (sub *subscription) request() *uint64 {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return proto.Uint64(sub.requestID)
}

func (sub *subscription) notify(updates []*models.ProxyResponse_Notify_Update) {
	for _, u := range updates {
		sub.client.enqueue(&models.ProxyResponse{RequestId: sub.request(), Data: &models.ProxyResponse_Notify_{
			Notify: &models.ProxyResponse_Notify{SubscriptionId: proto.Uint64(sub.id),
				Notification: &models.ProxyResponse_Notify_Update_{Update: u}}}})
	}
}

// complete ends the subscription with done (once).
func (sub *subscription) complete(done *models.ProxyResponse_Notify_Completed) {
	if !sub.client.forget(sub) {
		return
	}
	sub.client.enqueue(&models.ProxyResponse{RequestId: sub.request(), Data: &models.ProxyResponse_Notify_{
		Notify: &models.ProxyResponse_Notify{SubscriptionId: proto.Uint64(sub.id),
			Notification: &models.ProxyResponse_Notify_Completed_{Completed: done}}}})
}

// client is one agent connection: a reader handling requests in order and
// a writer draining the queue of answers and notifications (starting at
// initial_subscriber_queue_size, bounded by maxQueued).
type client struct {
	s    *Server
	conn net.Conn
	wake chan struct{}

	mu      sync.Mutex
	queue   []*models.ProxyResponse
	closing bool // write what is queued, then close
	closed  bool
	subs    map[uint64]*subscription
	byKey   map[tableKey]*subscription
}

func newClient(s *Server, conn net.Conn) *client {
	return &client{s: s, conn: conn, wake: make(chan struct{}, 1),
		queue: make([]*models.ProxyResponse, 0, s.cfg.InitialSubscriberQueueSize),
		subs:  map[uint64]*subscription{}, byKey: map[tableKey]*subscription{}}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *client) enqueue(resp *models.ProxyResponse) {
	c.mu.Lock()
	if c.closed || c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= maxQueued {
		c.mu.Unlock()
		c.s.log.Warn("state proxy client too slow; disconnecting", "client", c.conn.RemoteAddr().String(), "queued", maxQueued)
		c.close()
		return
	}
	c.queue = append(c.queue, resp)
	c.mu.Unlock()
	c.signal()
}

// write sends what is queued, flushing when the queue runs dry, until the
// client closes.
func (c *client) write() {
	defer c.close()
	w := bufio.NewWriter(c.conn)
	var batch []*models.ProxyResponse
	for {
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		closing, closed := c.closing, c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		if len(batch) > 0 {
			if c.s.cfg.ChannelTimeout > 0 {
				c.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.ChannelTimeout))
			}
			for _, m := range batch {
				if _, err := protodelim.MarshalTo(w, m); err != nil {
					return
				}
			}
			if w.Flush() != nil {
				return
			}
			clear(batch)
			continue
		}
		if closing {
			return
		}
		<-c.wake
	}
}

// read handles requests until the connection ends.
func (c *client) read() {
	drain := false // close once what is queued is written
	defer func() {
		if drain {
			c.finish()
		} else {
			c.close()
		}
	}()
	r := bufio.NewReader(c.conn)
	opts := protodelim.UnmarshalOptions{MaxSize: maxFrame}
	for {
		var req models.ProxyRequest
		err := opts.UnmarshalFrom(r, &req)
		var tooLarge *protodelim.SizeTooLargeError
		switch {
		case err == nil:
			c.handle(&req)
		case errors.As(err, &tooLarge):
			// Not skippable without reading it: answer, then disconnect.
			c.sendError(noRequest, models.ProxyResponse_Error_UNKNOWN_PROTOCOL, "Unknown protocol")
			drain = true
			return
		case errors.Is(err, proto.Error):
			// A whole frame that is no request (bad bytes, no request_id):
			// the stream is still aligned and the connection stays open.
			c.sendError(noRequest, models.ProxyResponse_Error_UNKNOWN_PROTOCOL, "Unknown protocol")
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return
		default:
			return
		}
	}
}

// finish closes the connection once what is queued is written.
func (c *client) finish() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.signal()
}

// close drops the connection and every subscription of the client.
func (c *client) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	subs := c.subs
	c.subs, c.byKey, c.queue = map[uint64]*subscription{}, map[tableKey]*subscription{}, nil
	c.mu.Unlock()
	c.signal()
	c.conn.Close()
	for _, sub := range subs {
		sub.cache.unsubscribe(sub)
	}
	c.s.mu.Lock()
	delete(c.s.clients, c)
	c.s.mu.Unlock()
}

// shutdown completes every subscription with SERVER_SHUTDOWN and closes
// the connection once that is written.
func (c *client) shutdown() {
	c.mu.Lock()
	subs := make([]*subscription, 0, len(c.subs))
	for _, sub := range c.subs {
		subs = append(subs, sub)
	}
	c.mu.Unlock()
	done := &models.ProxyResponse_Notify_Completed{Code: models.ProxyResponse_Notify_Completed_SERVER_SHUTDOWN.Enum(),
		Description: proto.String("Server shutting down")}
	for _, sub := range subs {
		sub.complete(done)
		sub.cache.unsubscribe(sub)
	}
	c.finish()
}

// forget removes sub from the client; false when it was already gone.
func (c *client) forget(sub *subscription) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[sub.id] != sub {
		return false
	}
	delete(c.subs, sub.id)
	delete(c.byKey, sub.cache.key)
	return true
}

func (c *client) sendError(requestID uint64, code models.ProxyResponse_Error_Code, description string) {
	c.enqueue(&models.ProxyResponse{RequestId: proto.Uint64(requestID), Data: &models.ProxyResponse_Error_{
		Error: &models.ProxyResponse_Error{Code: code.Enum(), Description: proto.String(description)}}})
}

func (c *client) ack(requestID, subID uint64, lastVersion *uint64) {
	c.enqueue(&models.ProxyResponse{RequestId: proto.Uint64(requestID), Data: &models.ProxyResponse_Acknowledge_{
		Acknowledge: &models.ProxyResponse_Acknowledge{SubscriptionId: proto.Uint64(subID), LastVersion: lastVersion}}})
}

func (c *client) handle(req *models.ProxyRequest) {
	id := req.GetRequestId()
	if c.s.stopped() {
		c.sendError(id, models.ProxyResponse_Error_SERVER_SHUTDOWN, "Server shutting down")
		return
	}
	switch {
	case req.GetPing() != nil:
		c.enqueue(&models.ProxyResponse{RequestId: proto.Uint64(id), Data: &models.ProxyResponse_Pong_{Pong: &models.ProxyResponse_Pong{}}})
	case req.GetSubscribe() != nil:
		c.subscribe(id, req.GetSubscribe())
	case req.GetUnsubscribe() != nil:
		c.unsubscribe(id, req.GetUnsubscribe())
	default:
		c.sendError(id, models.ProxyResponse_Error_UNKNOWN_MESSAGE, "Unknown message")
	}
}

// modelOf resolves a JVM model class name ("org.midonet.cluster.models.Topology$Network").
func modelOf(javaName string) (models.Class, bool) {
	for _, outer := range []struct {
		prefix string
		source models.Source
	}{{"org.midonet.cluster.models.Topology$", models.SourceTopology}, {"org.midonet.cluster.models.Neutron$", models.SourceNeutron}} {
		if name, ok := strings.CutPrefix(javaName, outer.prefix); ok {
			c, found := models.ClassByName(name)
			return c, found && c.Source == outer.source
		}
	}
	return models.Class{}, false
}

func (c *client) subscribe(requestID uint64, req *models.ProxyRequest_Subscribe) {
	missing := ""
	switch {
	case req.ObjectClass == nil:
		missing = "object class"
	case req.ObjectId == nil:
		missing = "object identifier"
	case req.KeyClass == nil:
		missing = "table key class"
	case req.ValueClass == nil:
		missing = "table value class"
	case req.TableName == nil:
		missing = "table name"
	}
	if missing != "" {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "SUBSCRIBE request missing "+missing)
		return
	}
	class, ok := modelOf(req.GetObjectClass())
	keyEnc, kok := encoderOf(req.GetKeyClass())
	valEnc, vok := encoderOf(req.GetValueClass())
	invalid := ""
	switch {
	case !ok:
		invalid = req.GetObjectClass()
	case !kok:
		invalid = req.GetKeyClass()
	case !vok:
		invalid = req.GetValueClass()
	}
	if invalid != "" {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "SUBSCRIBE request invalid argument: "+invalid)
		return
	}
	key := tableKey{objectClass: req.GetObjectClass(), keyClass: req.GetKeyClass(), valueClass: req.GetValueClass(),
		name: req.GetTableName(), args: strings.Join(req.GetTableArguments(), "/"), id: req.GetObjectId().ToGoogle()}
	var lastVersion *uint64
	if req.LastVersion != nil {
		lastVersion = proto.Uint64(req.GetLastVersion())
	}
	ack := func(id uint64) func() { return func() { c.ack(requestID, id, lastVersion) } }

	c.mu.Lock()
	existing := c.byKey[key]
	c.mu.Unlock()
	if existing != nil {
		// The same table again: the same subscription, now answering
		// this request, and a fresh snapshot.
		existing.mu.Lock()
		existing.requestID = requestID
		existing.mu.Unlock()
		if existing.cache.refresh(existing, ack(existing.id)) {
			return
		}
	}
	// The table's directory (a legacy one when it exists: a round trip,
	// outside every lock) names the cache made if there is none yet.
	table, err := c.s.st.Table(c.s.ctx, class.New(), key.id, key.name, req.GetTableArguments()...)
	if err != nil {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "SUBSCRIBE request invalid argument: "+err.Error())
		return
	}
	for {
		cache, err := c.s.cache(key, table.Path(), keyEnc, valEnc)
		var reqErr *requestError
		if errors.As(err, &reqErr) {
			c.sendError(requestID, reqErr.code, reqErr.description)
			return
		}
		sub := &subscription{id: c.s.subs.Add(1), client: c, cache: cache, requestID: requestID}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		c.subs[sub.id], c.byKey[key] = sub, sub
		c.mu.Unlock()
		// The acknowledgement is queued before any notification of the
		// subscription.
		first, closed := cache.subscribe(sub, ack(sub.id))
		if first {
			cache.start()
		}
		if !closed {
			return
		}
		// The cache closed meanwhile: a new one and a new id, as the
		// reference retries.
		c.forget(sub)
	}
}

func (c *client) unsubscribe(requestID uint64, req *models.ProxyRequest_Unsubscribe) {
	if req.SubscriptionId == nil {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "UNSUBSCRIBE request missing subscription identifier")
		return
	}
	id := req.GetSubscriptionId()
	c.mu.Lock()
	sub := c.subs[id]
	c.mu.Unlock()
	if sub == nil || !c.forget(sub) {
		c.sendError(requestID, models.ProxyResponse_Error_NO_SUBSCRIPTION, fmt.Sprintf("No subscription %d", id))
		return
	}
	sub.cache.unsubscribe(sub)
	c.ack(requestID, id, nil)
}

// requestError is a refused request: its Error code and description.
type requestError struct {
	code        models.ProxyResponse_Error_Code
	description string
}

func (e *requestError) Error() string { return e.description }
