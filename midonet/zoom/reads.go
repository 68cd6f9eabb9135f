package zoom

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// loads coalesces the reads that arm one object's cache entry: a reader
// that finds one under way waits for it instead of issuing its own
// (sixteen GETs of an object just changed make one read, and a
// transaction finds the re-arm started after its last write).
type loads struct {
	mu       sync.Mutex
	inFlight map[objKey]chan struct{} // closed when the load is done
}

// begin registers a load of k, or returns the channel of the one under way.
func (l *loads) begin(k objKey) (done chan struct{}, mine bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.inFlight[k]; ok {
		return ch, false
	}
	if l.inFlight == nil {
		l.inFlight = map[objKey]chan struct{}{}
	}
	ch := make(chan struct{})
	l.inFlight[k] = ch
	return ch, true
}

func (l *loads) end(k objKey, done chan struct{}) {
	l.mu.Lock()
	delete(l.inFlight, k)
	l.mu.Unlock()
	close(done)
}

// load returns the object k as the store's session sees it now: its armed
// cache entry without a round trip, else what a read that arms the entry
// returns (exists false: the node is missing). With syncMiss a missing
// node is read again after a Sync (a node created through another session
// may not have reached this session's server yet); a caller that has just
// passed the barrier needs none.
func (s *Store) load(ctx context.Context, ci *classInfo, id string, syncMiss bool) (decoded, bool, error) {
	k := objKey{ci.Name, id}
	if d, ok := s.cache.armedEntry(k); ok {
		return d, true, nil
	}
	done, mine := s.loads.begin(k)
	if !mine {
		select {
		case <-done:
		case <-ctx.Done():
			return decoded{}, false, ctx.Err()
		}
		if d, ok := s.cache.armedEntry(k); ok {
			return d, true, nil
		}
		// That load did not arm it (it failed, or the entry changed
		// since): read it here.
		return s.fetch(ctx, ci, id, syncMiss)
	}
	defer s.loads.end(k, done)
	return s.fetch(ctx, ci, id, syncMiss)
}

// fetch reads k from the store, arming its cache entry unless this is the
// object's first read. An unarmed entry (this store wrote it, or read it
// once) is first checked with a stat: same creation and modification, it
// is current and the stat's watch arms it, with no data transferred. An entry dropped from the cache while armed has its watch
// kept aside (spareWatch), reused here instead of setting another.
func (s *Store) fetch(ctx context.Context, ci *classInfo, id string, syncMiss bool) (decoded, bool, error) {
	k := objKey{ci.Name, id}
	p := s.modelPath(ci.Name, id)
	if d, ok, err := s.armWritten(ctx, k); err != nil || ok {
		return d, ok, err
	}
	var (
		data []byte
		st   storage.Stat
		w    storage.Watch
		err  error
		// first: read for the first time while cached, so not kept.
		first bool
	)
	if sp, ok := s.cache.takeSpare(k); ok {
		data, st, err = s.conn.Get(ctx, p)
		// Still unfired after the read: the read is the version it
		// watches.
		if err == nil && !sp.watch.Fired() && st.Czxid == sp.czxid && st.Mzxid == sp.mzxid {
			w = sp.watch
		}
	} else if !s.cache.seen(k) {
		// Read for the first time (while cached): no watch, and the
		// object is not kept. A watch stays on the client and the
		// server until its node changes, so only objects read again are
		// watched and kept; a scan of every object leaves a key each.
		data, st, err = s.conn.Get(ctx, p)
		first = true
	} else if s.cache.mayWatch() {
		data, st, w, err = s.conn.GetW(ctx, p)
	} else {
		// As many watches held as the cache allows: kept, not armed.
		data, st, err = s.conn.Get(ctx, p)
	}
	if errors.Is(err, storage.ErrNoNode) && syncMiss {
		if serr := s.conn.Sync(ctx, p); serr != nil {
			return decoded{}, false, fmt.Errorf("zoom: sync before reporting %s missing: %w", p, serr)
		}
		data, st, err = s.conn.Get(ctx, p)
	}
	if errors.Is(err, storage.ErrNoNode) {
		return decoded{}, false, nil
	}
	if err != nil {
		return decoded{}, false, err
	}
	d, err := s.decodeCached(ci, id, data, st, w, first)
	if err != nil {
		return decoded{}, false, err
	}
	return d, true, nil
}

// barrier makes the store's reads current across sessions: a read waits
// for a Sync issued after it began, after which every object another
// session changed before the read began has fired its entry's watch
// (storage.Watch), so the armed entries and the reads that follow are at
// least that recent. Concurrent readers share syncs: one is in flight at
// a time, and whoever arrives meanwhile waits for the next, which starts
// as soon as it ends (sixteen concurrent GETs cost about one sync each
// round, not sixteen).
type barrier struct {
	mu      sync.Mutex
	running bool
	next    *syncRound // the round the next arrivals join; nil: none yet
}

type syncRound struct {
	done chan struct{}
	err  error
}

// syncTimeout bounds one shared sync (waiters give up with their own
// contexts sooner).
const syncTimeout = 30 * time.Second

func (s *Store) awaitSync(ctx context.Context) error {
	b := &s.barrier
	b.mu.Lock()
	if b.next == nil {
		b.next = &syncRound{done: make(chan struct{})}
	}
	r := b.next
	if !b.running {
		b.running = true
		b.next = nil
		go s.runSyncs(r)
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		if r.err != nil {
			return fmt.Errorf("zoom: sync: %w", r.err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runSyncs runs round r, then the rounds joined meanwhile, one at a time.
func (s *Store) runSyncs(r *syncRound) {
	b := &s.barrier
	for r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
		r.err = s.conn.Sync(ctx, s.zoom)
		cancel()
		close(r.done)
		b.mu.Lock()
		r, b.next = b.next, nil
		b.running = r != nil
		b.mu.Unlock()
	}
}

// rearmTimeout bounds the stat of a re-arm.
const rearmTimeout = 10 * time.Second

// rearm arms, in the background, the entry of k that this store just
// wrote (its write fired the watch of the version before) and gives it a
// life watch (watchLife): a stat that finds the written version current
// sets the new watch, and one that comes meanwhile waits for the stat
// (loads) instead of issuing its own. Once the entry has an unfired life
// watch, the store's next writes of the object need no stat
// (writableEntry) and none is made: a reader of a written object arms it
// (fetch), a writer uses it as it is. Skipped when a load of k is under
// way.
func (s *Store) rearm(k objKey) {
	if d, ok := s.cache.latest(k); ok && s.cache.living(k, d.czxid) {
		return
	}
	done, mine := s.loads.begin(k)
	if !mine {
		return
	}
	go func() {
		defer s.loads.end(k, done)
		ctx, cancel := context.WithTimeout(context.Background(), rearmTimeout)
		defer cancel()
		if _, _, err := s.armWritten(ctx, k); err != nil {
			s.log.Debug("zoom: re-arming a written object's cache entry", "class", k.class, "id", k.id, "err", err)
		}
		if err := s.watchLife(ctx, k); err != nil {
			s.log.Debug("zoom: watching a written object's node for its deletion", "class", k.class, "id", k.id, "err", err)
		}
	}()
}

// watchLife gives k's entry, written by this store, a life watch (a
// children watch on its node, see writableEntry) unless it has one: set
// once per object written and kept across the store's later writes, so
// that the next transaction writing the object uses the entry without
// a stat nor waiting for one (a sequential client's next create on the
// same bridge, or sixteen clients' on as many bridges, whose stats queued
// behind the session's multis in flight). None once the cache holds as
// many watches as it may (mayWatch): writes then stat as before.
func (s *Store) watchLife(ctx context.Context, k objKey) error {
	if d, ok := s.cache.latest(k); !ok || !d.own || s.cache.living(k, d.czxid) || !s.cache.mayWatch() {
		return nil
	}
	_, st, w, err := s.conn.ChildrenW(ctx, s.modelPath(k.class, k.id))
	if errors.Is(err, storage.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	s.cache.setLife(k, st.Czxid, w)
	return nil
}

// armWritten arms k's unarmed cache entry (written by this store) with a
// stat's watch if the stat shows that version current (same creation and
// modification): no data is transferred. ok is false when there is no
// such entry or it is not current.
func (s *Store) armWritten(ctx context.Context, k objKey) (decoded, bool, error) {
	d, ok := s.cache.latest(k)
	if !ok || d.watch != nil {
		return decoded{}, false, nil
	}
	// A spare watch is taken whatever the cap (mayWatch): reusing it
	// sets none.
	if sp, ok := s.cache.takeSpare(k); ok {
		// A watch of this version set while the entry was away arms it;
		// one of another version goes back aside.
		if armed, ok := s.cache.arm(k, sp.czxid, sp.mzxid, sp.watch); ok && armed.armed() {
			return armed, true, nil
		}
	}
	if !s.cache.mayWatch() {
		return decoded{}, false, nil
	}
	st, exists, w, err := s.conn.ExistsW(ctx, s.modelPath(k.class, k.id))
	if err != nil {
		return decoded{}, false, err
	}
	if exists {
		// A newer version's watch is kept aside (arm) for the read
		// that follows, which then sets none.
		if armed, ok := s.cache.arm(k, st.Czxid, st.Mzxid, w); ok {
			return armed, true, nil
		}
	}
	s.cache.forgetVersion(k, d.czxid, d.mzxid)
	return decoded{}, false, nil
}

// classLists caches the ids of each class listed, armed by a children
// watch on its directory as objects are (a list after the barrier then
// transfers no names while no object of the class was created or
// deleted). One entry per class: the ids of a class are its size in
// memory once.
type classLists struct {
	mu    sync.Mutex
	lists map[string]classList
}

type classList struct {
	ids   []string // sorted; shared, never modified
	watch storage.Watch
}

// classIDs returns the sorted ids of ci's objects as the store's session
// sees them: from the armed list, else read with a children watch.
func (s *Store) classIDs(ctx context.Context, ci *classInfo) ([]string, error) {
	c := &s.classes
	c.mu.Lock()
	l, ok := c.lists[ci.Name]
	c.mu.Unlock()
	if ok && !l.watch.Fired() {
		return l.ids, nil
	}
	ids, _, w, err := s.conn.ChildrenW(ctx, s.classPath(ci.Name))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.lists[ci.Name]; !ok || cur.watch.Fired() {
		if c.lists == nil {
			c.lists = map[string]classList{}
		}
		c.lists[ci.Name] = classList{ids: ids, watch: w}
	}
	return ids, nil
}
