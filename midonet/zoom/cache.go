package zoom

import (
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// decodedCache keeps recently read or written objects parsed AND printed,
// keyed by the zxids of their last modification, so re-reading an
// unchanged object (a bridge with thousands of ports, read by every port
// create) costs no parse, and the next write to it can splice into its
// text instead of printing it whole. An entry read with a one-shot watch
// (storage.Watch) is armed until the watch fires: until then it is what a
// read on the store's session would return, with no round trip (see the
// package doc for what reads guarantee). Cached messages are never
// modified: the store clones them before handing them out, and
// transactions replace rather than mutate their objects.
//
// An object read for the first time is only noted as seen (a nil entry):
// its next read sets a watch and keeps it (see Store.fetch), so a scan of
// every object (a node's first listing of each class) costs a key per
// object, not the object parsed and printed. Entries are pointers keyed
// by class and binary id: a key costs no string of its own, a slot no
// more than a pointer.
type decodedCache struct {
	mu       sync.RWMutex // readers (every GET) share it
	max      int          // entries, noted ones included
	maxBytes int          // heap the kept entries hold, estimated (entryCost)
	bytes    int
	entries  map[cacheKey]*decoded // nil: seen once, not kept
	// spare holds the unfired watches of entries dropped from the cache:
	// the client cannot remove a watch, so a re-read of the object reuses
	// it instead of registering one more per eviction (see spareWatch).
	spare        map[cacheKey]spareWatch
	spareSweepAt int // size of spare at which fired watches are swept out
	// watches counts the watches the cache holds (those of its entries,
	// fired or not, the spare ones and the life watches); once it reaches
	// maxWatches, reads set no more (mayWatch) until some fire or are
	// dropped.
	watches, maxWatches int
	// lives holds the life watches of objects this store wrote: children
	// watches on their nodes, set while the incarnation czxid existed,
	// which fire when the node is deleted (or a connection is lost), not
	// when its data is set, so the store's own writes leave them unfired
	// (see writableEntry). Kept apart from the entries, so that an evicted
	// and re-read object's watch is found again instead of set anew: at
	// most one per object, fired ones swept out when the map has doubled.
	lives        map[cacheKey]spareWatch
	livesSweepAt int
}

// cacheKey is an object's key in the cache: its class's name (the
// schema's string, shared by every key) and its id's 16 bytes.
type cacheKey struct {
	class string
	id    uuid.UUID
}

// cacheKeyOf is k's cache key; ok is false for an id that is not a UUID
// in its canonical form (lower case, dashes), which the cache does not
// keep: another spelling of the same 16 bytes names another node.
func cacheKeyOf(k objKey) (cacheKey, bool) {
	id, ok := parseCanonicalUUID(k.id)
	if !ok {
		return cacheKey{}, false
	}
	return cacheKey{k.class, id}, true
}

// canonicalUUIDHex are the offsets of the 16 hex pairs of a canonical
// UUID; lowerHexValue maps '0'-'9' and 'a'-'f' to their values, any
// other byte to 0xff.
var (
	canonicalUUIDHex = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}
	lowerHexValue    = func() (v [256]byte) {
		for i := range v {
			v[i] = 0xff
		}
		for c := byte('0'); c <= '9'; c++ {
			v[c] = c - '0'
		}
		for c := byte('a'); c <= 'f'; c++ {
			v[c] = c - 'a' + 10
		}
		return v
	}()
)

// parseCanonicalUUID parses s in the canonical form only (lower case,
// dashes), in one pass: every object a listing takes from the cache is
// looked up by its id, and uuid.Parse (which takes every spelling) then a
// scan for upper case took twice as long.
func parseCanonicalUUID(s string) (uuid.UUID, bool) {
	var id uuid.UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, false
	}
	for i, at := range canonicalUUIDHex {
		hi, lo := lowerHexValue[s[at]], lowerHexValue[s[at+1]]
		if hi > 15 || lo > 15 {
			return id, false
		}
		id[i] = hi<<4 | lo
	}
	return id, true
}

// spareWatch is a watch on an object's node kept apart from its entry:
// of a version no longer cached (spare), or of an incarnation (lives,
// where mzxid is unused).
type spareWatch struct {
	czxid, mzxid int64
	watch        storage.Watch
}

// minSpareSweep is the smallest spare map swept for fired watches.
const minSpareSweep = 1024

// decoded is one object as stored: obj with the back-references pend
// edited (not applied to the shared obj, see entry.pend) prints as text.
type decoded struct {
	czxid, mzxid int64
	version      storage.Version
	obj          proto.Message
	pend         []models.ListEdit
	text         []byte
	grow         *atomic.Bool // claim on text's spare capacity, nil for text read from the store (entry.encode)
	pendGrow     *atomic.Bool // claim on pend's spare capacity, nil when pend is clipped (entry.appendPend)
	// The provenance node as written by this store with the object (known
	// only then): what a write needs besides the object.
	prov        []byte
	provVersion storage.Version
	hasProv     bool
	provKnown   bool
	// watch, when set, fires once this version may no longer be the
	// stored one; nil when the entry is not armed (written by this store:
	// its own write fired the watch of the version before).
	watch storage.Watch
	// own: this is the version this store's commit wrote (remember).
	own bool
}

// armed reports whether the entry's watch is set and has not fired: the
// entry is the stored version as far as the store's session knows.
func (d decoded) armed() bool { return d.watch != nil && !d.watch.Fired() }

// maxPending bounds the edits a cached object carries before they are
// applied to a new version of it (ApplyListEditsShared: a new list of the
// shared elements, once per maxPending child creates or deletes);
// maxPendingSearches bounds the walks over a list applying them takes
// besides (models.ListSearches: a parent's appended and removed ids take
// one together, each replacement or removal of an IP address group's
// entries one), which every read copying the object pays.
const (
	maxPending         = 256
	maxPendingSearches = 32
)

// pendingFull says edits should be applied to a new version of the object.
func pendingFull(pend []models.ListEdit) bool {
	return len(pend) > maxPending || models.ListSearches(pend) > maxPendingSearches
}

func newDecodedCache(max, maxBytes, maxWatches int) *decodedCache {
	return &decodedCache{max: max, maxBytes: maxBytes, maxWatches: maxWatches, entries: make(map[cacheKey]*decoded),
		spare: make(map[cacheKey]spareWatch), spareSweepAt: minSpareSweep,
		lives: make(map[cacheKey]spareWatch), livesSweepAt: minSpareSweep}
}

// mayWatch reports whether a read may set one more watch. The client
// cannot remove a watch, which costs it ~200 bytes until its node changes
// (the library's table entry, channel and path): the cap keeps what the
// watches of objects no longer read hold within a bound whatever the
// number of objects read, at the price of round trips for the objects
// read once it is reached (their entries stay unarmed, as written ones
// before their re-arm), until watches fire or their entries are re-read
// without one.
func (c *decodedCache) mayWatch() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.watches < c.maxWatches
}

// entry returns k's kept entry (not a noted one).
func (c *decodedCache) entry(k objKey) (decoded, bool) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return decoded{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if d := c.entries[ck]; d != nil {
		return *d, true
	}
	return decoded{}, false
}

// get returns k's entry if it is the version described by st.
func (c *decodedCache) get(k objKey, st storage.Stat) (decoded, bool) {
	if d, ok := c.entry(k); ok && d.czxid == st.Czxid && d.mzxid == st.Mzxid {
		return d, true
	}
	return decoded{}, false
}

// latest returns the newest entry kept for k, which may be stale.
func (c *decodedCache) latest(k objKey) (decoded, bool) { return c.entry(k) }

// seen reports whether k has an entry, kept or noted: whether it was read
// (or written) since it last left the cache.
func (c *decodedCache) seen(k objKey) bool {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok = c.entries[ck]
	return ok
}

// armedEntry returns k's entry if its watch is armed: current as far as
// the store's session has seen, usable without a round trip.
func (c *decodedCache) armedEntry(k objKey) (decoded, bool) {
	d, ok := c.latest(k)
	return d, ok && d.armed()
}

// writableEntry returns k's entry if a transaction may write over it
// without a round trip: armed, or the version this store last wrote with
// an unfired life watch on its incarnation. The latter need not be the
// stored version (another session may have set it since), which the
// commit's version check finds; what a version check cannot find, the
// object deleted and re-created under its id and brought back to the same
// version, fires the life watch. So a write over it is exposed to nothing
// a write over an armed entry is not. Reads need armed entries: they have
// no version check.
func (c *decodedCache) writableEntry(k objKey) (decoded, bool) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return decoded{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.entries[ck]
	if d == nil || !(d.armed() || (d.own && c.livingLocked(ck, d.czxid))) {
		return decoded{}, false
	}
	return *d, true
}

// living reports whether k has an unfired life watch on incarnation
// czxid: not deleted as far as the store's session has seen.
func (c *decodedCache) living(k objKey, czxid int64) bool {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.livingLocked(ck, czxid)
}

func (c *decodedCache) livingLocked(k cacheKey, czxid int64) bool {
	l, ok := c.lives[k]
	return ok && l.czxid == czxid && !l.watch.Fired()
}

// setLife keeps w, a children watch on k's node read with creation czxid,
// as k's life watch, unless an unfired one of that incarnation is kept.
func (c *decodedCache) setLife(k objKey, czxid int64, w storage.Watch) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.livingLocked(ck, czxid) {
		return
	}
	if _, ok := c.lives[ck]; !ok {
		c.watches++
	}
	c.lives[ck] = spareWatch{czxid: czxid, watch: w}
	if len(c.lives) >= c.livesSweepAt {
		c.livesSweepAt = c.sweepFiredLocked(c.lives)
	}
}

// note records k as seen, unless it has an entry: a first read, whose
// object is not kept (see decodedCache).
func (c *decodedCache) note(k objKey) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[ck]; ok {
		return
	}
	c.evictLocked(0)
	c.entries[ck] = nil
}

func (c *decodedCache) put(k objKey, d decoded) {
	if d.pendGrow == nil {
		d.pend = d.pend[:len(d.pend):len(d.pend)] // appends by readers copy
	}
	cost := entryCost(&d)
	if cost > c.maxBytes/4 {
		return // one object would crowd out the rest
	}
	ck, ok := cacheKeyOf(k)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[ck]; old != nil {
		if old.mzxid > d.mzxid && old.czxid == d.czxid {
			c.spareLocked(ck, &d)
			return // a newer version is already known
		}
		if old.czxid == d.czxid && old.mzxid == d.mzxid && old.armed() && !d.armed() {
			d.watch = old.watch // the same version, already armed
		} else if old.watch != d.watch {
			c.spareLocked(ck, old)
		}
		c.dropLocked(ck, old)
	} else {
		delete(c.entries, ck) // a noted key
	}
	c.evictLocked(cost)
	c.entries[ck] = &d
	c.bytes += cost
	if d.watch != nil {
		c.watches++
	}
}

// entryCost estimates the heap a kept entry holds, what the cache's byte
// bound counts: its text and provenance, its parsed object and itself.
// Measured on MidoNet's classes, a parsed object is its message struct
// (300-600 bytes) and about 1.6 times its text in strings, lists and
// nested messages: a port of 150 bytes of text holds 790 bytes parsed, a
// bridge of 99 ports (6.9 KB of text) 11 KB; proto.Size, the wire size,
// is a third of the text.
func entryCost(d *decoded) int {
	return entryOverhead + len(d.prov) + len(d.text) + len(d.text)*8/5
}

// entryOverhead: a parsed message's struct (~500 bytes for a port), the
// entry and its map slot (~250).
const entryOverhead = 768

// evictLocked drops arbitrary entries until one more, of cost bytes
// (entryCost), fits.
func (c *decodedCache) evictLocked(cost int) {
	for old, e := range c.entries {
		if len(c.entries) < c.max && c.bytes+cost <= c.maxBytes {
			break
		}
		c.spareLocked(old, e)
		c.dropLocked(old, e)
	}
}

// arm sets w as the watch of k's entry if that is still the version
// czxid/mzxid (w was set by a read that found it current).
func (c *decodedCache) arm(k objKey, czxid, mzxid int64, w storage.Watch) (decoded, bool) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return decoded{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.entries[ck]
	if d == nil || d.czxid != czxid || d.mzxid != mzxid {
		c.spareLocked(ck, &decoded{czxid: czxid, mzxid: mzxid, watch: w})
		return decoded{}, false
	}
	if !d.armed() {
		// Readers copy entries under the read lock: changing one in
		// place under the write lock is safe.
		if d.watch == nil {
			c.watches++
		}
		d.watch = w
	}
	return *d, true
}

func (c *decodedCache) forget(k objKey) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[ck]; ok {
		c.spareLocked(ck, old)
		c.dropLocked(ck, old)
	}
}

// forgetVersion forgets k's entry if it is still the version czxid/mzxid.
func (c *decodedCache) forgetVersion(k objKey, czxid, mzxid int64) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[ck]; old != nil && old.czxid == czxid && old.mzxid == mzxid {
		c.spareLocked(ck, old)
		c.dropLocked(ck, old)
	}
}

// dropLocked removes k's entry d (nil: a noted key).
func (c *decodedCache) dropLocked(k cacheKey, d *decoded) {
	if d != nil {
		c.bytes -= entryCost(d)
		if d.watch != nil {
			c.watches--
		}
	}
	delete(c.entries, k)
}

// spareLocked keeps the watch of d, an entry leaving the cache (nil: a
// noted key, which has none), if it has not fired, for a re-read of k
// (takeSpare). The map holds at most one watch per object; fired ones are
// swept out whenever it has doubled, so it is bounded by the objects
// watched, as the client's own watch table is (what an unfired watch
// costs stays until its node changes).
func (c *decodedCache) spareLocked(k cacheKey, d *decoded) {
	if d == nil || !d.armed() {
		return
	}
	if _, ok := c.spare[k]; !ok {
		c.watches++
	}
	c.spare[k] = spareWatch{czxid: d.czxid, mzxid: d.mzxid, watch: d.watch}
	if len(c.spare) >= c.spareSweepAt {
		c.sweepSpareLocked()
	}
}

// sweepSpareLocked drops the fired spare watches.
func (c *decodedCache) sweepSpareLocked() {
	c.spareSweepAt = c.sweepFiredLocked(c.spare)
}

// sweepFiredLocked drops the fired watches of m (spare or lives) and
// returns the size of m at which to sweep it next.
func (c *decodedCache) sweepFiredLocked(m map[cacheKey]spareWatch) int {
	for k, sp := range m {
		if sp.watch.Fired() {
			delete(m, k)
			c.watches--
		}
	}
	return max(2*len(m), minSpareSweep)
}

// takeSpare removes and returns k's spare watch if it has not fired.
func (c *decodedCache) takeSpare(k objKey) (spareWatch, bool) {
	ck, ok := cacheKeyOf(k)
	if !ok {
		return spareWatch{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sp, ok := c.spare[ck]
	if !ok {
		return spareWatch{}, false
	}
	delete(c.spare, ck)
	c.watches--
	return sp, !sp.watch.Fired()
}

// decodeCached decodes data read with stat, through the cache, and arms
// the entry with w (the read's watch, nil for none); the object of a
// first read (see decodedCache) is only noted. The result's obj must not
// be modified.
func (s *Store) decodeCached(ci *classInfo, id string, data []byte, st storage.Stat, w storage.Watch, first bool) (decoded, error) {
	k := objKey{ci.Name, id}
	if first {
		obj, err := s.decode(ci, id, data)
		if err != nil {
			return decoded{}, err
		}
		s.cache.note(k)
		return decoded{czxid: st.Czxid, mzxid: st.Mzxid, version: st.Version, obj: obj, text: data}, nil
	}
	if d, ok := s.cache.get(k, st); ok {
		if pendingFull(d.pend) {
			d.obj, d.pend = models.ApplyListEditsShared(d.obj, d.pend), nil
		}
		if !d.armed() {
			d.watch = w
		}
		s.cache.put(k, d)
		return d, nil
	}
	obj, err := s.decode(ci, id, data)
	if err != nil {
		return decoded{}, err
	}
	d := decoded{czxid: st.Czxid, mzxid: st.Mzxid, version: st.Version, obj: obj, text: data, watch: w}
	s.cache.put(k, d)
	return d, nil
}
