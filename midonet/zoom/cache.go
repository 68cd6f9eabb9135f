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
// create) costs the read but not the text parse, and the next write to it
// can splice into its text instead of printing it whole. Cached messages
// are never modified: the store clones them before handing them out, and
// transactions replace rather than mutate their objects.
type decodedCache struct {
	mu       sync.RWMutex // readers (every GET) share it
	max      int          // entries
	maxBytes int          // printed bytes of the entries (the parsed form is about as big again)
	bytes    int
	entries  map[objKey]decoded
}

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
}

// maxPending bounds the edits a cached object carries before they are
// applied to a new copy of it (one copy per maxPending child creates);
// maxPendingSearches bounds those among them that search the list (a
// removal: applying one compares elements, where an append does not).
const (
	maxPending         = 256
	maxPendingSearches = 32
)

// pendingFull says edits should be applied to a new copy of the object.
func pendingFull(pend []models.ListEdit) bool {
	if len(pend) > maxPending {
		return true
	}
	searches := 0
	for _, ed := range pend {
		if ed.Old != nil {
			searches++
		}
	}
	return searches > maxPendingSearches
}

func newDecodedCache(max, maxBytes int) *decodedCache {
	return &decodedCache{max: max, maxBytes: maxBytes, entries: make(map[objKey]decoded)}
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

func (c *decodedCache) put(k objKey, d decoded) {
	d.pend = d.pend[:len(d.pend):len(d.pend)] // appends by readers copy
	if len(d.text) > c.maxBytes/4 {
		return // one object would crowd out the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		if old.mzxid > d.mzxid && old.czxid == d.czxid {
			return // a newer version is already known
		}
		c.bytes -= len(old.text)
		delete(c.entries, k)
	}
	for old, e := range c.entries { // evict arbitrary entries
		if len(c.entries) < c.max && c.bytes+len(d.text) <= c.maxBytes {
			break
		}
		c.bytes -= len(e.text)
		delete(c.entries, old)
	}
	c.entries[k] = d
	c.bytes += len(d.text)
}

func (c *decodedCache) forget(k objKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		c.bytes -= len(old.text)
		delete(c.entries, k)
	}
}

// decodeCached decodes data read with stat, through the cache. The
// result's obj must not be modified.
func (s *Store) decodeCached(ci *classInfo, id string, data []byte, st storage.Stat) (decoded, error) {
	k := objKey{ci.Name, id}
	if d, ok := s.cache.get(k, st); ok {
		if pendingFull(d.pend) {
			d.obj, d.pend = models.ApplyListEdits(d.obj, d.pend), nil
			s.cache.put(k, d)
		}
		return d, nil
	}
	obj, err := s.decode(ci, id, data)
	if err != nil {
		return decoded{}, err
	}
	d := decoded{czxid: st.Czxid, mzxid: st.Mzxid, version: st.Version, obj: obj, text: data}
	s.cache.put(k, d)
	return d, nil
}
