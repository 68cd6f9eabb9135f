package zk

import (
	"context"
	"fmt"
	"slices"

	gozk "github.com/go-zookeeper/zk"

	"github.com/midonet/midonet-go/midonet/storage"
)

// oneShot is a storage.Watch over the library's one-shot watch channel.
// The library's receive loop handles the server's packets in order on one
// goroutine and fires (sends to and closes) a watch's channel before it
// handles any later packet, and ZooKeeper sends a session the event of a
// change before its answer to any request issued after the change was
// committed: so a channel still open once a later request (a Sync) has
// returned means the watched state did not change before it. After a
// reconnection the library re-registers its watches from another
// goroutine, racing with the requests queued meanwhile, so a watch set in
// an earlier connection counts as fired (gen).
type oneShot struct {
	ch  <-chan gozk.Event
	c   *Conn
	gen int64 // c's connection generation when the read was issued
}

func (w *oneShot) Fired() bool {
	select {
	case <-w.ch:
		return true
	default:
	}
	return w.c.gen.Load() != w.gen
}

// GetW implements storage.Conn.
func (c *Conn) GetW(ctx context.Context, path string) ([]byte, storage.Stat, storage.Watch, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("get: %w", err)
	}
	type result struct {
		data []byte
		stat *gozk.Stat
		ch   <-chan gozk.Event
	}
	gen := c.gen.Load()
	r, err := call(ctx, c, func() (result, error) {
		data, stat, ch, err := c.zc.GetW(path)
		return result{data, stat, ch}, err
	})
	if err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("get %s: %w", path, err)
	}
	return r.data, convertStat(r.stat), &oneShot{r.ch, c, gen}, nil
}

// ExistsW implements storage.Conn.
func (c *Conn) ExistsW(ctx context.Context, path string) (storage.Stat, bool, storage.Watch, error) {
	if err := storage.ValidatePath(path); err != nil {
		return storage.Stat{}, false, nil, fmt.Errorf("exists: %w", err)
	}
	type result struct {
		exists bool
		stat   *gozk.Stat
		ch     <-chan gozk.Event
	}
	gen := c.gen.Load()
	r, err := call(ctx, c, func() (result, error) {
		exists, stat, ch, err := c.zc.ExistsW(path)
		return result{exists, stat, ch}, err
	})
	if err != nil {
		return storage.Stat{}, false, nil, fmt.Errorf("exists %s: %w", path, err)
	}
	w := &oneShot{r.ch, c, gen}
	if !r.exists {
		return storage.Stat{}, false, w, nil
	}
	return convertStat(r.stat), true, w, nil
}

// ChildrenW implements storage.Conn.
func (c *Conn) ChildrenW(ctx context.Context, path string) ([]string, storage.Stat, storage.Watch, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("children: %w", err)
	}
	type result struct {
		children []string
		stat     *gozk.Stat
		ch       <-chan gozk.Event
	}
	gen := c.gen.Load()
	r, err := call(ctx, c, func() (result, error) {
		children, stat, ch, err := c.zc.ChildrenW(path)
		return result{children, stat, ch}, err
	})
	if err != nil {
		return nil, storage.Stat{}, nil, fmt.Errorf("children %s: %w", path, err)
	}
	slices.Sort(r.children)
	return r.children, convertStat(r.stat), &oneShot{r.ch, c, gen}, nil
}
