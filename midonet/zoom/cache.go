package zoom

import (
	"sync"
	"sync/atomic"

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
type decodedCache struct {
	mu       sync.RWMutex // readers (every GET) share it
	max      int          // entries
	maxBytes int          // printed bytes of the entries (the parsed form is about as big again)
	bytes    int
	entries  map[objKey]decoded
	// spare holds the unfired watches of entries dropped from the cache:
	// the client cannot remove a watch, so a re-read of the object reuses
	// it instead of registering one more per eviction (see spareWatch).
	spare        map[objKey]spareWatch
	spareSweepAt int // size of spare at which fired watches are swept out
}

// spareWatch is the watch of a version of an object no longer cached.
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

func newDecodedCache(max, maxBytes int) *decodedCache {
	return &decodedCache{max: max, maxBytes: maxBytes, entries: make(map[objKey]decoded),
		spare: make(map[objKey]spareWatch), spareSweepAt: minSpareSweep}
}

// get returns k's entry if it is the version described by st.
func (c *decodedCache) get(k objKey, st storage.Stat) (decoded, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if d, ok := c.entries[k]; ok && d.czxid == st.Czxid && d.mzxid == st.Mzxid {
		return d, true
	}
	return decoded{}, false
}

// latest returns the newest entry known for k, which may be stale.
func (c *decodedCache) latest(k objKey) (decoded, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.entries[k]
	return d, ok
}

// armedEntry returns k's entry if its watch is armed: current as far as
// the store's session has seen, usable without a round trip.
func (c *decodedCache) armedEntry(k objKey) (decoded, bool) {
	d, ok := c.latest(k)
	return d, ok && d.armed()
}

func (c *decodedCache) put(k objKey, d decoded) {
	d.pend = d.pend[:len(d.pend):len(d.pend)] // appends by readers copy
	if len(d.text) > c.maxBytes/4 {
		return // one object would crowd out the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		if old.mzxid > d.mzxid && old.czxid == d.czxid {
			c.spareLocked(k, d)
			return // a newer version is already known
		}
		if old.czxid == d.czxid && old.mzxid == d.mzxid && old.armed() && !d.armed() {
			d.watch = old.watch // the same version, already armed
		} else if old.watch != d.watch {
			c.spareLocked(k, old)
		}
		c.dropLocked(k, old)
	}
	for old, e := range c.entries { // evict arbitrary entries
		if len(c.entries) < c.max && c.bytes+len(d.text) <= c.maxBytes {
			break
		}
		c.spareLocked(old, e)
		c.dropLocked(old, e)
	}
	c.entries[k] = d
	c.bytes += len(d.text)
}

// arm sets w as the watch of k's entry if that is still the version
// czxid/mzxid (w was set by a read that found it current).
func (c *decodedCache) arm(k objKey, czxid, mzxid int64, w storage.Watch) (decoded, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.entries[k]
	if !ok || d.czxid != czxid || d.mzxid != mzxid {
		c.spareLocked(k, decoded{czxid: czxid, mzxid: mzxid, watch: w})
		return decoded{}, false
	}
	if !d.armed() {
		d.watch = w
		c.entries[k] = d
	}
	return d, true
}

func (c *decodedCache) forget(k objKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		c.spareLocked(k, old)
		c.dropLocked(k, old)
	}
}

// forgetVersion forgets k's entry if it is still the version czxid/mzxid.
func (c *decodedCache) forgetVersion(k objKey, czxid, mzxid int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok && old.czxid == czxid && old.mzxid == mzxid {
		c.spareLocked(k, old)
		c.dropLocked(k, old)
	}
}

func (c *decodedCache) dropLocked(k objKey, d decoded) {
	c.bytes -= len(d.text)
	delete(c.entries, k)
}

// spareLocked keeps the watch of d, an entry leaving the cache, if it has
// not fired, for a re-read of k (takeSpare). The map holds at most one
// watch per object; fired ones are swept out whenever it has doubled, so
// it is bounded by the objects watched, as the client's own watch table
// is (what an unfired watch costs stays until its node changes).
func (c *decodedCache) spareLocked(k objKey, d decoded) {
	if !d.armed() {
		return
	}
	c.spare[k] = spareWatch{czxid: d.czxid, mzxid: d.mzxid, watch: d.watch}
	if len(c.spare) >= c.spareSweepAt {
		c.sweepSpareLocked()
	}
}

// sweepSpareLocked drops the fired spare watches.
func (c *decodedCache) sweepSpareLocked() {
	for k, sp := range c.spare {
		if sp.watch.Fired() {
			delete(c.spare, k)
		}
	}
	c.spareSweepAt = max(2*len(c.spare), minSpareSweep)
}

// takeSpare removes and returns k's spare watch if it has not fired.
func (c *decodedCache) takeSpare(k objKey) (spareWatch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sp, ok := c.spare[k]
	if !ok {
		return spareWatch{}, false
	}
	delete(c.spare, k)
	return sp, !sp.watch.Fired()
}

// decodeCached decodes data read with stat, through the cache, and arms
// the entry with w (the read's watch, nil for none). The result's obj must
// not be modified.
func (s *Store) decodeCached(ci *classInfo, id string, data []byte, st storage.Stat, w storage.Watch) (decoded, error) {
	k := objKey{ci.Name, id}
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
