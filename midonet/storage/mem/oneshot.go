package mem

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/midonet/midonet-go/midonet/storage"
)

// oneShot is a storage.Watch set by GetW, ExistsW or ChildrenW: registered
// with the server under the path until a commit fires it (inside the
// commit, so before the write returns to anyone) or its session ends.
type oneShot struct {
	fired atomic.Bool
	c     *Conn
	gen   int64 // c's connection generation when it was set
}

func (w *oneShot) Fired() bool { return w.fired.Load() || w.c.gen.Load() != w.gen }

// oneShots are the server's unfired one-shot watches: on a node's data and
// existence, and on a node's children.
type oneShots struct {
	mu       sync.Mutex // taken under Server.mu (read or write), never the other way
	node     map[string]map[*oneShot]struct{}
	children map[string]map[*oneShot]struct{}
}

func (o *oneShots) add(table *map[string]map[*oneShot]struct{}, path string, w *oneShot) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if *table == nil {
		*table = map[string]map[*oneShot]struct{}{}
	}
	ws := (*table)[path]
	if ws == nil {
		ws = map[*oneShot]struct{}{}
		(*table)[path] = ws
	}
	ws[w] = struct{}{}
}

// fire fires and forgets the watches of path in table.
func (o *oneShots) fire(table map[string]map[*oneShot]struct{}, path string) {
	for w := range table[path] {
		w.fired.Store(true)
	}
	delete(table, path)
}

// fireSession fires and forgets the watches set through c.
func (o *oneShots) fireSession(c *Conn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, table := range []map[string]map[*oneShot]struct{}{o.node, o.children} {
		for p, ws := range table {
			for w := range ws {
				if w.c == c {
					w.fired.Store(true)
					delete(ws, w)
				}
			}
			if len(ws) == 0 {
				delete(table, p)
			}
		}
	}
}

// newOneShot is a watch through c, set at the current connection.
func (c *Conn) newOneShot() *oneShot { return &oneShot{c: c, gen: c.gen.Load()} }

// GetW implements storage.Conn.
func (c *Conn) GetW(ctx context.Context, path string) ([]byte, storage.Stat, storage.Watch, error) {
	if err := c.usable(ctx); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("get %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("get: %w", err)
	}
	w := c.newOneShot()
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	n := c.s.nodes[path]
	if n == nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("get %s: %w", path, storage.ErrNoNode)
	}
	c.s.shots.add(&c.s.shots.node, path, w)
	return slices.Clone(n.data), n.stat, w, nil
}

// ExistsW implements storage.Conn.
func (c *Conn) ExistsW(ctx context.Context, path string) (storage.Stat, bool, storage.Watch, error) {
	if err := c.usable(ctx); err != nil {
		return storage.Stat{}, false, nil, fmt.Errorf("exists %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return storage.Stat{}, false, nil, fmt.Errorf("exists: %w", err)
	}
	w := c.newOneShot()
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	c.s.shots.add(&c.s.shots.node, path, w)
	n := c.s.nodes[path]
	if n == nil {
		return storage.Stat{}, false, w, nil
	}
	return n.stat, true, w, nil
}

// ChildrenW implements storage.Conn.
func (c *Conn) ChildrenW(ctx context.Context, path string) ([]string, storage.Stat, storage.Watch, error) {
	if err := c.usable(ctx); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("children %s: %w", path, err)
	}
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("children: %w", err)
	}
	w := c.newOneShot()
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	n := c.s.nodes[path]
	if n == nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("children %s: %w", path, storage.ErrNoNode)
	}
	c.s.shots.add(&c.s.shots.children, path, w)
	return sortedChildren(n), n.stat, w, nil
}
