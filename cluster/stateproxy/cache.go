package stateproxy

import (
	"context"
	"errors"
	"sort"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// cachedEntry is a table entry as notifications carry it.
type cachedEntry struct {
	key, value *models.KeyValue
	version    int32
}

// tableCache is one table's entries, watched in the store and shared by
// every subscription to the table (the reference's StateTableCache).
// Notifications are computed under mu and queued on the subscribers'
// clients without blocking, so each subscription sees its acknowledgement,
// its snapshot and then every change in order, and a slow client holds up
// nobody else. The watch starts with the first subscription, as the
// reference's: whatever the first listing says (a missing directory too)
// reaches a subscriber.
type tableCache struct {
	key     tableKey
	path    string
	conn    storage.Conn
	keyEnc  encoder
	valEnc  encoder
	batch   int
	onClose func(*tableCache)
	ctx     context.Context // ends when the cache closes
	cancel  context.CancelFunc

	mu      sync.Mutex
	started bool // a subscriber was added and starts the watch
	synced  bool // the first listing arrived
	closed  bool
	version uint64 // the directory's pzxid
	entries map[string]cachedEntry
	subs    map[*subscription]struct{}
}

// newCache makes the cache of a table's directory, not yet watching it;
// onClose runs once the cache closes.
func newCache(ctx context.Context, conn storage.Conn, key tableKey, path string, keyEnc, valEnc encoder, batch int,
	onClose func(*tableCache)) *tableCache {
	wctx, cancel := context.WithCancel(ctx)
	return &tableCache{key: key, path: path, conn: conn, keyEnc: keyEnc, valEnc: valEnc, batch: batch, onClose: onClose,
		ctx: wctx, cancel: cancel, entries: map[string]cachedEntry{}, subs: map[*subscription]struct{}{}}
}

// start watches the directory (a ZooKeeper round trip, made by the first
// subscriber outside every lock); a failure closes the cache.
func (c *tableCache) start() {
	events, err := c.conn.WatchChildren(c.ctx, c.path)
	if err != nil {
		c.close(storeError(err))
		return
	}
	go c.follow(events)
}

func (c *tableCache) follow(events <-chan storage.ChildrenEvent) {
	for ev := range events {
		switch {
		case ev.Err != nil:
			c.close(storeError(ev.Err))
			return
		case !ev.Exists:
			c.close(nsdbError(zkNoNode, "KeeperErrorCode = NoNode for "+c.path))
			return
		}
		c.update(ev.Children, uint64(ev.Stat.Pzxid))
	}
	// The watch ended without an error: the cache was closed.
	c.close(nil)
}

// storeError is the completion of the subscriptions of a table whose watch
// failed, with ZooKeeper's code; a lost session is CONNECTIONLOSS, as the
// reference's caches close when Curator reports the connection LOST.
func storeError(err error) *models.ProxyResponse_Notify_Completed {
	switch {
	case errors.Is(err, storage.ErrNoNode):
		return nsdbError(zkNoNode, err.Error())
	case errors.Is(err, storage.ErrSessionExpired), errors.Is(err, storage.ErrConnectionLoss), errors.Is(err, storage.ErrClosed):
		return nsdbError(zkConnectionLoss, err.Error())
	}
	return &models.ProxyResponse_Notify_Completed{Code: models.ProxyResponse_Notify_Completed_UNHANDLED_ERROR.Enum(),
		Description: proto.String(err.Error())}
}

func nsdbError(code int32, description string) *models.ProxyResponse_Notify_Completed {
	return &models.ProxyResponse_Notify_Completed{Code: models.ProxyResponse_Notify_Completed_NSDB_ERROR.Enum(),
		NsdbCode: proto.Int32(code), Description: proto.String(description)}
}

// decode turns entry names into the winning entry per key, leaving out
// names that are not entries or whose key or value does not read as its
// class (the reference skips those before choosing winners).
func (c *tableCache) decode(children []string) map[string]cachedEntry {
	readable := children[:0:0]
	kvs := map[zoom.TableEntry][2]*models.KeyValue{}
	for _, name := range children {
		e, ok := zoom.ParseTableEntry(name)
		if !ok {
			continue
		}
		k, kerr := c.keyEnc(e.Key)
		v, verr := c.valEnc(e.Value)
		if kerr != nil || verr != nil {
			continue
		}
		readable = append(readable, name)
		kvs[e] = [2]*models.KeyValue{k, v}
	}
	out := make(map[string]cachedEntry, len(readable))
	for k, e := range zoom.ResolveEntries(readable) {
		kv := kvs[e]
		out[k] = cachedEntry{key: kv[0], value: kv[1], version: e.Version}
	}
	return out
}

// update replaces the entries with a new listing and notifies the changes
// (added or changed entries with their value, removed ones without).
func (c *tableCache) update(children []string, version uint64) {
	next := c.decode(children)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.version = version
	if !c.synced {
		c.synced, c.entries = true, next
		for s := range c.subs {
			c.sendSnapshot(s)
		}
		return
	}
	var changed, removed []string
	for k, e := range next {
		if old, ok := c.entries[k]; !ok || old.version != e.version || !proto.Equal(old.value, e.value) {
			changed = append(changed, k)
		}
	}
	for k := range c.entries {
		if _, ok := next[k]; !ok {
			removed = append(removed, k)
		}
	}
	old := c.entries
	c.entries = next
	if len(changed)+len(removed) == 0 {
		return
	}
	sort.Strings(changed)
	sort.Strings(removed)
	entries := make([]*models.ProxyResponse_Notify_Entry, 0, len(changed)+len(removed))
	for _, k := range changed {
		e := next[k]
		entries = append(entries, &models.ProxyResponse_Notify_Entry{Key: e.key, Value: e.value, Version: proto.Int32(e.version)})
	}
	for _, k := range removed {
		e := old[k]
		entries = append(entries, &models.ProxyResponse_Notify_Entry{Key: e.key, Version: proto.Int32(e.version)})
	}
	updates := c.batches(models.ProxyResponse_Notify_Update_RELATIVE, entries)
	for s := range c.subs {
		s.notify(updates)
	}
}

// batches splits entries into updates of at most batch entries, begin on
// the first and end on the last; no entries make one empty update.
func (c *tableCache) batches(typ models.ProxyResponse_Notify_Update_Type, entries []*models.ProxyResponse_Notify_Entry) []*models.ProxyResponse_Notify_Update {
	n := max(1, (len(entries)+c.batch-1)/c.batch)
	out := make([]*models.ProxyResponse_Notify_Update, n)
	for i := range out {
		out[i] = &models.ProxyResponse_Notify_Update{Type: typ.Enum(), CurrentVersion: proto.Uint64(c.version),
			Begin: proto.Bool(i == 0), End: proto.Bool(i == n-1),
			Entries: entries[min(i*c.batch, len(entries)):min((i+1)*c.batch, len(entries))]}
	}
	return out
}

// sendSnapshot queues the whole table for s, in key order; c.mu is held.
func (c *tableCache) sendSnapshot(s *subscription) {
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	entries := make([]*models.ProxyResponse_Notify_Entry, len(keys))
	for i, k := range keys {
		e := c.entries[k]
		entries[i] = &models.ProxyResponse_Notify_Entry{Key: e.key, Value: e.value, Version: proto.Int32(e.version)}
	}
	s.notify(c.batches(models.ProxyResponse_Notify_Update_SNAPSHOT, entries))
}

// subscribe runs ack, adds s and queues it a snapshot (at once, or when
// the first listing arrives); closed when the cache has closed and a new
// one must be opened; first when s is the cache's first subscription,
// whose caller must start the cache.
func (c *tableCache) subscribe(s *subscription, ack func()) (first, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false, true
	}
	ack()
	c.subs[s] = struct{}{}
	if c.synced {
		c.sendSnapshot(s)
	}
	first, c.started = !c.started, true
	return first, false
}

// refresh acknowledges a repeated SUBSCRIBE of s and queues it a fresh
// snapshot; false when s is no longer the cache's.
func (c *tableCache) refresh(s *subscription, ack func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.subs[s]; !ok {
		return false
	}
	ack()
	if c.synced {
		c.sendSnapshot(s)
	}
	return true
}

// unsubscribe removes s; the last subscription leaving closes the cache.
func (c *tableCache) unsubscribe(s *subscription) {
	c.mu.Lock()
	delete(c.subs, s)
	last := len(c.subs) == 0
	c.mu.Unlock()
	if last {
		c.close(nil)
	}
}

// close stops the cache; each remaining subscription ends with done (when
// not nil).
func (c *tableCache) close(done *models.ProxyResponse_Notify_Completed) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	c.cancel()
	c.onClose(c)
	if done == nil {
		return
	}
	for s := range subs {
		s.complete(done)
	}
}
