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

// readW is a one-shot watch read of path (the library's GetW, ExistsW or
// ChildrenW, named op in errors), its channel wrapped as the read's watch,
// set at the connection generation current when the read was issued.
func readW[T any](ctx context.Context, c *Conn, op, path string, read func(string) (T, *gozk.Stat, <-chan gozk.Event, error)) (T, *gozk.Stat, *oneShot, error) {
	var none T
	if err := storage.ValidatePath(path); err != nil {
		return none, nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	type result struct {
		v    T
		stat *gozk.Stat
		ch   <-chan gozk.Event
	}
	gen := c.gen.Load()
	r, err := call(ctx, c, func() (result, error) {
		v, stat, ch, err := read(path)
		return result{v, stat, ch}, err
	})
	if err != nil {
		return none, nil, nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return r.v, r.stat, &oneShot{r.ch, c, gen}, nil
}

// GetW implements storage.Conn.
func (c *Conn) GetW(ctx context.Context, path string) ([]byte, storage.Stat, storage.Watch, error) {
	data, stat, w, err := readW(ctx, c, "get", path, c.zc.GetW)
	if err != nil {
		return nil, storage.Stat{}, nil, err
	}
	return data, convertStat(stat), w, nil
}

// ExistsW implements storage.Conn.
func (c *Conn) ExistsW(ctx context.Context, path string) (storage.Stat, bool, storage.Watch, error) {
	exists, stat, w, err := readW(ctx, c, "exists", path, c.zc.ExistsW)
	if err != nil {
		return storage.Stat{}, false, nil, err
	}
	if !exists {
		return storage.Stat{}, false, w, nil
	}
	return convertStat(stat), true, w, nil
}

// ChildrenW implements storage.Conn.
func (c *Conn) ChildrenW(ctx context.Context, path string) ([]string, storage.Stat, storage.Watch, error) {
	children, stat, w, err := readW(ctx, c, "children", path, c.zc.ChildrenW)
	if err != nil {
		return nil, storage.Stat{}, nil, err
	}
	slices.Sort(children)
	return children, convertStat(stat), w, nil
}
