package endpoint

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
)

// TopologyCacheName and TopologyCachePath are the topology cache's name in
// discovery and its path on the endpoint (cluster.topology_cache.enabled).
const (
	TopologyCacheName = "topology-cache"
	TopologyCachePath = "/topology-cache"
)

// snapshotMaxAge is how long a snapshot is served before it is taken
// again (the reference takes one every 30 s; we take one on demand and
// share it between requests arriving within this age).
const snapshotMaxAge = time.Second

// TopologyCache serves, on GET, a snapshot of the whole topology and of
// the agents' host and port state, in the reference's SBE encoding
// (nsdb's topology.schema.xml, schema 1 version 1): every object of every
// class as its stored bytes, and the alive, host, active, routes and bgp
// keys of every host and port from the owner's namespace (a host owns its
// state; a port's owner is the host it is bound to).
type TopologyCache struct {
	conn storage.Conn
	zoom string // <root>/zoom/0

	mu    sync.Mutex
	taken time.Time
	data  []byte
}

// NewTopologyCache serves the snapshot of the ZOOM tree under zoomPath.
func NewTopologyCache(conn storage.Conn, zoomPath string) *TopologyCache {
	return &TopologyCache{conn: conn, zoom: zoomPath}
}

// Name implements User.
func (*TopologyCache) Name() string { return TopologyCacheName }

// Path implements User.
func (*TopologyCache) Path() string { return TopologyCachePath }

// Scheme implements User.
func (*TopologyCache) Scheme(ssl bool) string {
	if ssl {
		return "https"
	}
	return "http"
}

// ServeHTTP implements User.
func (c *TopologyCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprintf(w, "Failure: %d %s\r\n", http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	data, err := c.Snapshot(r.Context())
	if err != nil {
		http.Error(w, "Failure: 503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "no-store,must-revalidate")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// Snapshot returns the encoded snapshot, taken now unless one was taken
// less than a second ago.
func (c *TopologyCache) Snapshot(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil && time.Since(c.taken) < snapshotMaxAge {
		return c.data, nil
	}
	data, err := c.take(ctx)
	if err != nil {
		return nil, err
	}
	c.data, c.taken = data, time.Now()
	return data, nil
}

// javaClass is the class name the JVM knows a model by.
func javaClass(c models.Class) string {
	outer := "Topology"
	if c.Source == models.SourceNeutron {
		outer = "Neutron"
	}
	return "org.midonet.cluster.models." + outer + "$" + c.Name
}

// stateKeys are the keys the snapshot carries, per class, with their
// conversion of text values to binary protobuf (as the reference's state
// converters).
var stateKeys = map[string][]struct {
	name    string
	multi   bool
	convert func() proto.Message
}{
	"Host": {{midonet.AliveKey, false, nil}, {midonet.HostKey, false, func() proto.Message { return &models.HostState{} }}},
	"Port": {{midonet.ActiveKey, false, func() proto.Message { return &models.PortState{} }},
		{midonet.RoutesKey, true, nil}, {midonet.BgpKey, false, nil}},
}

type snapObject struct {
	id   uuid.UUID
	data []byte
}

type snapKey struct {
	name   string
	multi  bool
	values []string
	single []byte
}

type snapState struct {
	id   uuid.UUID
	keys []snapKey
}

// take reads the tree and encodes it.
func (c *TopologyCache) take(ctx context.Context) ([]byte, error) {
	type classObjects struct {
		class   models.Class
		objects []snapObject
	}
	var all []classObjects
	// owner ("" = none) → class → states
	owners := map[string]map[string][]snapState{}
	for _, class := range models.Classes() {
		dir := c.zoom + "/models/" + class.Name
		ids, _, err := c.conn.Children(ctx, dir)
		if errors.Is(err, storage.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		co := classObjects{class: class}
		for _, name := range ids {
			id, err := uuid.Parse(name)
			if err != nil {
				continue
			}
			data, _, err := c.conn.Get(ctx, dir+"/"+name)
			if errors.Is(err, storage.ErrNoNode) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			co.objects = append(co.objects, snapObject{id, data})
			keys, stateful := stateKeys[class.Name]
			if !stateful {
				continue
			}
			owner := ""
			switch class.Name {
			case "Host":
				owner = id.String()
			case "Port":
				var p models.Port
				if models.Unmarshal(data, &p) == nil && p.GetHostId() != nil {
					owner = p.GetHostId().ToGoogle().String()
				}
			}
			st := snapState{id: id}
			for _, k := range keys {
				sk := snapKey{name: k.name, multi: k.multi}
				if owner != "" {
					keyPath := c.zoom + "/state/" + owner + "/" + class.Name + "/" + id.String() + "/" + k.name
					if k.multi {
						sk.values, _, err = c.conn.Children(ctx, keyPath)
					} else {
						sk.single, _, err = c.conn.Get(ctx, keyPath)
					}
					if err != nil && !errors.Is(err, storage.ErrNoNode) {
						return nil, err
					}
					if k.convert != nil && len(sk.single) > 0 {
						sk.single = convert(sk.single, k.convert())
					}
				}
				st.keys = append(st.keys, sk)
			}
			if owners[owner] == nil {
				owners[owner] = map[string][]snapState{}
			}
			owners[owner][javaClass(class)] = append(owners[owner][javaClass(class)], st)
		}
		all = append(all, co)
	}

	var e sbeWriter
	// Message header: totalLength (never set by the reference), root block
	// length 0, template 1, schema 1, version 1.
	e.u16(0)
	e.u16(0)
	e.u16(1)
	e.u16(1)
	e.u16(1)
	if err := e.group(0, len(all)); err != nil {
		return nil, err
	}
	for _, co := range all {
		if err := e.group(16, len(co.objects)); err != nil {
			return nil, err
		}
		for _, o := range co.objects {
			e.uuid(o.id)
			e.data(o.data)
		}
		e.data([]byte(javaClass(co.class)))
	}
	ownerIDs := slices.Sorted(func(yield func(string) bool) {
		for o := range owners {
			if !yield(o) {
				return
			}
		}
	})
	if err := e.group(16, len(ownerIDs)); err != nil {
		return nil, err
	}
	for _, owner := range ownerIDs {
		if owner == "" {
			e.u64(^uint64(0)) // the UUID type's null value
			e.u64(^uint64(0))
		} else {
			e.uuid(uuid.MustParse(owner))
		}
		classes := slices.Sorted(func(yield func(string) bool) {
			for cl := range owners[owner] {
				if !yield(cl) {
					return
				}
			}
		})
		if err := e.group(0, len(classes)); err != nil {
			return nil, err
		}
		for _, cl := range classes {
			states := owners[owner][cl]
			if err := e.group(16, len(states)); err != nil {
				return nil, err
			}
			for _, st := range states {
				e.uuid(st.id)
				if err := e.group(1, len(st.keys)); err != nil {
					return nil, err
				}
				for _, k := range st.keys {
					if k.multi {
						e.buf.WriteByte(1) // MULTI
					} else {
						e.buf.WriteByte(0) // SINGLE
					}
					if err := e.group(0, len(k.values)); err != nil {
						return nil, err
					}
					for _, v := range k.values {
						e.data([]byte(v))
					}
					e.data([]byte(k.name))
					e.data(k.single)
				}
			}
			e.data([]byte(cl))
		}
	}
	return e.buf.Bytes(), nil
}

// convert re-encodes a text-format state value as binary protobuf; an
// unreadable value becomes empty, as in the reference.
func convert(text []byte, msg proto.Message) []byte {
	if models.Unmarshal(text, msg) != nil {
		return []byte{}
	}
	out, err := proto.Marshal(msg)
	if err != nil {
		return []byte{}
	}
	return out
}

// sbeWriter writes SBE's little-endian fields, group dimensions
// (blockLength, numInGroup as uint16) and var data (uint32 length).
type sbeWriter struct{ buf bytes.Buffer }

func (w *sbeWriter) u16(v uint16) { w.buf.Write(binary.LittleEndian.AppendUint16(nil, v)) }
func (w *sbeWriter) u64(v uint64) { w.buf.Write(binary.LittleEndian.AppendUint64(nil, v)) }

func (w *sbeWriter) uuid(id uuid.UUID) {
	w.u64(binary.BigEndian.Uint64(id[:8]))
	w.u64(binary.BigEndian.Uint64(id[8:]))
}

// ErrTooMany: a group exceeds SBE's uint16 count.
var ErrTooMany = errors.New("snapshot group exceeds 65535 entries")

func (w *sbeWriter) group(blockLength, n int) error {
	if n > 0xFFFF {
		return fmt.Errorf("%w (%d)", ErrTooMany, n)
	}
	w.u16(uint16(blockLength))
	w.u16(uint16(n))
	return nil
}

func (w *sbeWriter) data(b []byte) {
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
	w.buf.Write(b)
}
