package stateproxy

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// maxFrame bounds one request (requests are small; this stops a bad length
// from allocating much).
const maxFrame = 1 << 20

// noRequest is the request id of answers to undecodable requests (-1).
const noRequest = ^uint64(0)

// ZooKeeper's error codes, reported in Completed.nsdb_code.
const (
	zkNoNode         = -101
	zkConnectionLoss = -4
	zkSessionExpired = -112
)

type tableKey struct {
	objectClass, keyClass, valueClass, name, args string
	id                                            uuid.UUID
}

// subscription is one table followed for a client.
type subscription struct {
	id      uint64
	key     tableKey
	path    string
	keyEnc  encoder
	valEnc  encoder
	cancel  context.CancelFunc
	refresh chan uint64 // a re-SUBSCRIBE's request id: send a snapshot again

	mu        sync.Mutex
	requestID uint64
}

func (sub *subscription) request() uint64 {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.requestID
}

// client is one agent connection.
type client struct {
	s    *Server
	conn net.Conn
	wmu  sync.Mutex

	mu     sync.Mutex
	subs   map[uint64]*subscription
	byKey  map[tableKey]*subscription
	closed bool
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newClient(s *Server, conn net.Conn) *client {
	ctx, cancel := context.WithCancel(s.ctx)
	return &client{s: s, conn: conn, subs: map[uint64]*subscription{}, byKey: map[tableKey]*subscription{},
		ctx: ctx, cancel: cancel}
}

// run reads requests until the connection ends; the client's
// subscriptions end with it.
func (c *client) run() {
	defer func() {
		c.cancel()
		c.wg.Wait()
		c.conn.Close()
	}()
	r := bufio.NewReader(c.conn)
	for {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > maxFrame {
			return
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		var req models.ProxyRequest
		if err := proto.Unmarshal(buf, &req); err != nil {
			c.sendError(noRequest, models.ProxyResponse_Error_UNKNOWN_PROTOCOL, "Unknown protocol")
			continue
		}
		c.handle(&req)
	}
}

func (c *client) send(resp *models.ProxyResponse) error {
	b, err := proto.Marshal(resp)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.conn.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...))
	return err
}

func (c *client) sendError(requestID uint64, code models.ProxyResponse_Error_Code, description string) {
	c.send(&models.ProxyResponse{RequestId: proto.Uint64(requestID), Data: &models.ProxyResponse_Error_{
		Error: &models.ProxyResponse_Error{Code: code.Enum(), Description: proto.String(description)}}})
}

func (c *client) ack(requestID, subID uint64, lastVersion *uint64) {
	c.send(&models.ProxyResponse{RequestId: proto.Uint64(requestID), Data: &models.ProxyResponse_Acknowledge_{
		Acknowledge: &models.ProxyResponse_Acknowledge{SubscriptionId: proto.Uint64(subID), LastVersion: lastVersion}}})
}

func (c *client) handle(req *models.ProxyRequest) {
	id := req.GetRequestId()
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		c.sendError(id, models.ProxyResponse_Error_SERVER_SHUTDOWN, "Server shutting down")
		return
	}
	switch {
	case req.GetPing() != nil:
		c.send(&models.ProxyResponse{RequestId: proto.Uint64(id), Data: &models.ProxyResponse_Pong_{Pong: &models.ProxyResponse_Pong{}}})
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

	c.mu.Lock()
	if sub, ok := c.byKey[key]; ok {
		c.mu.Unlock()
		c.ack(requestID, sub.id, lastVersion)
		select {
		case sub.refresh <- requestID:
		case <-c.ctx.Done():
		}
		return
	}
	c.mu.Unlock()

	table, err := c.s.st.Table(c.ctx, class.New(), key.id, key.name, req.GetTableArguments()...)
	if err != nil {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "SUBSCRIBE request invalid argument: "+err.Error())
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	sub := &subscription{id: c.s.subs.Add(1), key: key, path: table.Path(), keyEnc: keyEnc, valEnc: valEnc,
		cancel: cancel, refresh: make(chan uint64), requestID: requestID}
	c.mu.Lock()
	c.subs[sub.id] = sub
	c.byKey[key] = sub
	c.mu.Unlock()
	// The acknowledgement goes before any notification of the subscription.
	c.ack(requestID, sub.id, lastVersion)
	c.wg.Go(func() { c.follow(ctx, sub) })
}

func (c *client) unsubscribe(requestID uint64, req *models.ProxyRequest_Unsubscribe) {
	if req.SubscriptionId == nil {
		c.sendError(requestID, models.ProxyResponse_Error_INVALID_ARGUMENT, "UNSUBSCRIBE request missing subscription identifier")
		return
	}
	id := req.GetSubscriptionId()
	c.mu.Lock()
	sub, ok := c.subs[id]
	if ok {
		c.drop(sub)
	}
	c.mu.Unlock()
	if !ok {
		c.sendError(requestID, models.ProxyResponse_Error_NO_SUBSCRIPTION, fmt.Sprintf("No subscription %d", id))
		return
	}
	c.ack(requestID, id, nil)
}

// drop forgets sub (c.mu held) and stops its watch.
func (c *client) drop(sub *subscription) {
	delete(c.subs, sub.id)
	delete(c.byKey, sub.key)
	sub.cancel()
}

// shutdown completes every subscription with SERVER_SHUTDOWN and closes
// the connection.
func (c *client) shutdown() {
	c.mu.Lock()
	c.closed = true
	subs := make([]*subscription, 0, len(c.subs))
	for _, sub := range c.subs {
		subs = append(subs, sub)
		c.drop(sub)
	}
	c.mu.Unlock()
	for _, sub := range subs {
		c.complete(sub, models.ProxyResponse_Notify_Completed_SERVER_SHUTDOWN, 0, "Server shutting down")
	}
	c.conn.Close()
}

func (c *client) complete(sub *subscription, code models.ProxyResponse_Notify_Completed_Code, nsdbCode int32, description string) {
	completed := &models.ProxyResponse_Notify_Completed{Code: code.Enum(), Description: proto.String(description)}
	if code == models.ProxyResponse_Notify_Completed_NSDB_ERROR {
		completed.NsdbCode = proto.Int32(nsdbCode)
	}
	c.send(&models.ProxyResponse{RequestId: proto.Uint64(sub.request()), Data: &models.ProxyResponse_Notify_{
		Notify: &models.ProxyResponse_Notify{SubscriptionId: proto.Uint64(sub.id),
			Notification: &models.ProxyResponse_Notify_Completed_{Completed: completed}}}})
}

// follow watches the subscription's table: a snapshot first (and on each
// re-subscribe), then relative updates, until the subscription ends.
func (c *client) follow(ctx context.Context, sub *subscription) {
	ch, err := c.s.st.Conn().WatchChildren(ctx, sub.path)
	if err != nil {
		c.failed(sub, err)
		return
	}
	var current map[string]zoom.TableEntry
	var version uint64
	first := true
	for {
		select {
		case <-ctx.Done():
			return
		case requestID := <-sub.refresh:
			sub.mu.Lock()
			sub.requestID = requestID
			sub.mu.Unlock()
			c.update(sub, models.ProxyResponse_Notify_Update_SNAPSHOT, version, sortedEntries(current, nil))
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if ev.Err != nil {
				c.failed(sub, ev.Err)
				return
			}
			if !ev.Exists {
				c.forget(sub)
				c.complete(sub, models.ProxyResponse_Notify_Completed_NSDB_ERROR, zkNoNode,
					"KeeperErrorCode = NoNode for "+sub.path)
				return
			}
			next := zoom.ResolveEntries(ev.Children)
			version = uint64(ev.Stat.Pzxid)
			if first {
				first = false
				current = next
				c.update(sub, models.ProxyResponse_Notify_Update_SNAPSHOT, version, sortedEntries(current, nil))
				continue
			}
			changed := sortedEntries(next, func(k string, e zoom.TableEntry) bool { return current[k] != e })
			var removed []zoom.TableEntry
			for k, e := range current {
				if _, ok := next[k]; !ok {
					removed = append(removed, e)
				}
			}
			sort.Slice(removed, func(i, j int) bool { return removed[i].Key < removed[j].Key })
			current = next
			if len(changed)+len(removed) == 0 {
				continue
			}
			entries := c.encode(sub, changed, true)
			entries = append(entries, c.encode(sub, removed, false)...)
			c.batches(sub, models.ProxyResponse_Notify_Update_RELATIVE, version, entries)
		}
	}
}

// forget drops the subscription once its table ended it.
func (c *client) forget(sub *subscription) {
	c.mu.Lock()
	if c.subs[sub.id] == sub {
		c.drop(sub)
	}
	c.mu.Unlock()
}

func (c *client) failed(sub *subscription, err error) {
	if c.ctx.Err() != nil {
		return
	}
	c.forget(sub)
	code := int32(0)
	switch {
	case errors.Is(err, storage.ErrNoNode):
		code = zkNoNode
	case errors.Is(err, storage.ErrSessionExpired):
		code = zkSessionExpired
	case errors.Is(err, storage.ErrConnectionLoss), errors.Is(err, storage.ErrClosed):
		code = zkConnectionLoss
	default:
		c.complete(sub, models.ProxyResponse_Notify_Completed_UNHANDLED_ERROR, 0, err.Error())
		return
	}
	c.complete(sub, models.ProxyResponse_Notify_Completed_NSDB_ERROR, code, err.Error())
}

func sortedEntries(m map[string]zoom.TableEntry, keep func(string, zoom.TableEntry) bool) []zoom.TableEntry {
	var out []zoom.TableEntry
	for k, e := range m {
		if keep == nil || keep(k, e) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// encode turns entries into wire entries; entries whose key or value does
// not decode as its class are left out.
func (c *client) encode(sub *subscription, entries []zoom.TableEntry, withValue bool) []*models.ProxyResponse_Notify_Entry {
	var out []*models.ProxyResponse_Notify_Entry
	for _, e := range entries {
		k, err := sub.keyEnc(e.Key)
		if err != nil {
			continue
		}
		entry := &models.ProxyResponse_Notify_Entry{Key: k, Version: proto.Int32(e.Version)}
		if withValue {
			v, err := sub.valEnc(e.Value)
			if err != nil {
				continue
			}
			entry.Value = v
		}
		out = append(out, entry)
	}
	return out
}

func (c *client) update(sub *subscription, typ models.ProxyResponse_Notify_Update_Type, version uint64, entries []zoom.TableEntry) {
	c.batches(sub, typ, version, c.encode(sub, entries, true))
}

// batches sends entries in updates of at most notify_batch_size, begin on
// the first and end on the last (one empty update for no entries).
func (c *client) batches(sub *subscription, typ models.ProxyResponse_Notify_Update_Type, version uint64, entries []*models.ProxyResponse_Notify_Entry) {
	size := c.s.cfg.NotifyBatchSize
	for start := 0; start == 0 || start < len(entries); start += size {
		end := min(start+size, len(entries))
		update := &models.ProxyResponse_Notify_Update{Type: typ.Enum(), CurrentVersion: proto.Uint64(version),
			Begin: proto.Bool(start == 0), End: proto.Bool(end == len(entries)), Entries: entries[start:end]}
		if err := c.send(&models.ProxyResponse{RequestId: proto.Uint64(sub.request()), Data: &models.ProxyResponse_Notify_{
			Notify: &models.ProxyResponse_Notify{SubscriptionId: proto.Uint64(sub.id),
				Notification: &models.ProxyResponse_Notify_Update_{Update: update}}}}); err != nil {
			return
		}
		if len(entries) == 0 {
			return
		}
	}
}
