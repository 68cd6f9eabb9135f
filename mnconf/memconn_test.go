package mnconf

import (
	"context"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// treeConn is a minimal in-process storage.Conn for this package's tests
// until midonet/storage/mem lands; it implements only what mnconf uses, with
// ZooKeeper's version and parent rules. Watches are fed by a change signal.
type treeConn struct {
	mu      sync.Mutex
	nodes   map[string]*memNode
	changed chan struct{} // closed and replaced on every change
}

type memNode struct {
	data    []byte
	version storage.Version
}

func newTreeConn() *treeConn {
	return &treeConn{nodes: map[string]*memNode{"/": {}}, changed: make(chan struct{})}
}

func (c *treeConn) bump() { close(c.changed); c.changed = make(chan struct{}) }

func (c *treeConn) Get(_ context.Context, p string) ([]byte, storage.Stat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[p]
	if !ok {
		return nil, storage.Stat{}, storage.ErrNoNode
	}
	return append([]byte(nil), n.data...), storage.Stat{Version: n.version}, nil
}

func (c *treeConn) Exists(_ context.Context, p string) (storage.Stat, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[p]
	if !ok {
		return storage.Stat{}, false, nil
	}
	return storage.Stat{Version: n.version}, true, nil
}

func (c *treeConn) childrenLocked(p string) []string {
	var out []string
	for k := range c.nodes {
		if k != "/" && path.Dir(k) == p {
			out = append(out, path.Base(k))
		}
	}
	sort.Strings(out)
	return out
}

func (c *treeConn) Children(_ context.Context, p string) ([]string, storage.Stat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.nodes[p]; !ok {
		return nil, storage.Stat{}, storage.ErrNoNode
	}
	return c.childrenLocked(p), storage.Stat{}, nil
}

func (c *treeConn) Create(_ context.Context, p string, data []byte, mode storage.CreateMode) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mode != storage.Persistent || !strings.HasPrefix(p, "/") {
		return "", storage.ErrBadArguments
	}
	if _, ok := c.nodes[p]; ok {
		return "", storage.ErrNodeExists
	}
	if _, ok := c.nodes[path.Dir(p)]; !ok {
		return "", storage.ErrNoNode
	}
	c.nodes[p] = &memNode{data: append([]byte(nil), data...)}
	c.bump()
	return p, nil
}

func (c *treeConn) Set(_ context.Context, p string, data []byte, v storage.Version) (storage.Stat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[p]
	if !ok {
		return storage.Stat{}, storage.ErrNoNode
	}
	if v != storage.AnyVersion && v != n.version {
		return storage.Stat{}, storage.ErrBadVersion
	}
	n.data = append([]byte(nil), data...)
	n.version++
	c.bump()
	return storage.Stat{Version: n.version}, nil
}

func (c *treeConn) Delete(_ context.Context, p string, v storage.Version) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[p]
	if !ok {
		return storage.ErrNoNode
	}
	if v != storage.AnyVersion && v != n.version {
		return storage.ErrBadVersion
	}
	if len(c.childrenLocked(p)) > 0 {
		return storage.ErrNotEmpty
	}
	delete(c.nodes, p)
	c.bump()
	return nil
}

func (c *treeConn) Multi(context.Context, ...storage.Op) ([]storage.OpResult, error) {
	return nil, storage.ErrBadArguments // mnconf does not use Multi
}

func (c *treeConn) WatchNode(ctx context.Context, p string) (<-chan storage.NodeEvent, error) {
	out := make(chan storage.NodeEvent, 1)
	go func() {
		defer close(out)
		var last *storage.NodeEvent
		for {
			c.mu.Lock()
			n, ok := c.nodes[p]
			ev := storage.NodeEvent{Exists: ok}
			if ok {
				ev.Data, ev.Stat = append([]byte(nil), n.data...), storage.Stat{Version: n.version}
			}
			wait := c.changed
			c.mu.Unlock()
			if last == nil || last.Exists != ev.Exists || last.Stat.Version != ev.Stat.Version || string(last.Data) != string(ev.Data) {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
				last = &ev
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (c *treeConn) WatchChildren(ctx context.Context, p string) (<-chan storage.ChildrenEvent, error) {
	out := make(chan storage.ChildrenEvent, 1)
	go func() {
		defer close(out)
		last := "\x00"
		for {
			c.mu.Lock()
			_, ok := c.nodes[p]
			kids := c.childrenLocked(p)
			wait := c.changed
			c.mu.Unlock()
			if key := strings.Join(kids, "/"); key != last {
				select {
				case out <- storage.ChildrenEvent{Exists: ok, Children: kids}:
				case <-ctx.Done():
					return
				}
				last = key
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (c *treeConn) SessionID() int64                                          { return 1 }
func (c *treeConn) State() storage.SessionState                               { return storage.Connected }
func (c *treeConn) SessionEvents(context.Context) <-chan storage.SessionEvent { return nil }
func (c *treeConn) Close() error                                              { return nil }

var _ storage.Conn = (*treeConn)(nil)
