package zoom

import (
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// decodedCache keeps recently decoded objects keyed by the zxid of their
// last modification, so re-reading an unchanged object (a bridge with
// thousands of ports, read by every port create) costs the read but not
// the text parse. Cached messages are never modified: the store clones
// them before handing them out, and transactions replace rather than
// mutate their objects.
type decodedCache struct {
	mu      sync.Mutex
	max     int
	entries map[objKey]decoded
}

type decoded struct {
	czxid, mzxid int64
	obj          proto.Message
}

func newDecodedCache(max int) *decodedCache {
	return &decodedCache{max: max, entries: make(map[objKey]decoded)}
}

func (c *decodedCache) get(k objKey, st storage.Stat) proto.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.entries[k]; ok && d.czxid == st.Czxid && d.mzxid == st.Mzxid {
		return d.obj
	}
	return nil
}

func (c *decodedCache) put(k objKey, st storage.Stat, obj proto.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		for old := range c.entries { // evict an arbitrary entry
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = decoded{czxid: st.Czxid, mzxid: st.Mzxid, obj: obj}
}

// decodeCached decodes data read with stat, through the cache. The result
// must not be modified.
func (s *Store) decodeCached(ci *classInfo, id string, data []byte, st storage.Stat) (proto.Message, error) {
	k := objKey{ci.Name, id}
	if obj := s.cache.get(k, st); obj != nil {
		return obj, nil
	}
	obj, err := s.decode(ci, id, data)
	if err != nil {
		return nil, err
	}
	s.cache.put(k, st, obj)
	return obj, nil
}
