package zoom

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// tableReaper deletes the state-table directories of deleted objects after
// the delete has committed, in the background as the reference does: a
// delete's answer does not wait for the reads and log writes the tables
// cost (a port's: two listings and a multi of two deletes, after its own
// multi). What
// the reaper misses (a lost session, a failed delete) the recycler removes.
//
// An object created under the id of one whose tables this store is still
// reaping waits for them (Tx.Create), so its new, empty tables are never
// the ones deleted; and the reaper leaves the tables of an id that exists
// again when it starts (created by another node, or by a batch built on
// the delete's). Only a create landing between that check and the deletes
// is exposed, as any to the reference's reaper. A small tree (a port's two
// table directories) goes in one multi.
type tableReaper struct {
	mu      sync.Mutex
	pending map[objKey]chan struct{} // closed when the key's tables are gone
	// slots bounds the reapers running at once; a delete finding them all
	// busy reaps its tables itself, before it returns.
	slots chan struct{}
}

// reaperSlots is how many objects' tables are reaped at once in the
// background.
const reaperSlots = 64

// reapTimeout bounds one object's table reaping.
const reapTimeout = 30 * time.Second

func newTableReaper() *tableReaper {
	return &tableReaper{pending: map[objKey]chan struct{}{}, slots: make(chan struct{}, reaperSlots)}
}

// reap deletes path, k's table directory, and everything under it.
func (r *tableReaper) reap(s *Store, k objKey, path string) {
	done := make(chan struct{})
	r.mu.Lock()
	prev := r.pending[k]
	r.pending[k] = done
	r.mu.Unlock()
	run := func() {
		defer func() {
			r.mu.Lock()
			if r.pending[k] == done {
				delete(r.pending, k)
			}
			r.mu.Unlock()
			close(done)
		}()
		if prev != nil {
			<-prev // the same id deleted twice in a row: in order
		}
		ctx, cancel := context.WithTimeout(context.Background(), reapTimeout)
		defer cancel()
		// Created again meanwhile (by another node, or in a batch built
		// on the delete's before this ran): the tables are the new one's.
		if _, exists, err := s.conn.Exists(ctx, s.modelPath(k.class, k.id)); err == nil && exists {
			return
		}
		switch err := deleteTree(ctx, s.conn, path); {
		case err == nil, errors.Is(err, storage.ErrNoNode):
		case errors.Is(err, storage.ErrClosed): // the store's owner is done with it
			s.log.Debug("zoom: state tables of deleted object left to the recycler", "path", path, "err", err)
		default:
			s.log.Warn("zoom: could not delete state tables of deleted object", "path", path, "err", err)
		}
	}
	select {
	case r.slots <- struct{}{}:
		go func() {
			defer func() { <-r.slots }()
			run()
		}()
	default:
		run()
	}
}

// wait returns once no reaping of k's tables is under way.
func (r *tableReaper) wait(ctx context.Context, k objKey) error {
	r.mu.Lock()
	done := r.pending[k]
	r.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxReapMulti bounds the nodes deleteTree deletes in one multi (a
// bridge's MAC table may hold thousands of entries).
const maxReapMulti = 256

// deleteTree deletes path and everything under it: in one multi, children
// first, when the tree is small and nothing in it changes between its
// listing and the multi (one logged, fsynced write instead of one per node:
// a port's tables are two nodes, and a sequential client's next request
// queues behind these writes on the session), else node by node.
func deleteTree(ctx context.Context, c storage.Conn, path string) error {
	var nodes []string
	small, err := listTree(ctx, c, path, &nodes)
	if err != nil {
		return err
	}
	if small {
		ops := make([]storage.Op, 0, len(nodes))
		for _, p := range slices.Backward(nodes) {
			ops = append(ops, storage.DeleteOp(p, storage.AnyVersion))
		}
		if _, err := c.Multi(ctx, ops...); err == nil {
			return nil
		}
	}
	return deleteEach(ctx, c, path)
}

// listTree appends path and the nodes below it, parents first, and
// reports whether they are at most maxReapMulti. It stops listing as soon
// as a node's children take the count past that, before listing them in
// turn: a big table (thousands of MAC entries under one directory) costs
// one listing more before deleteEach, not one per entry up to the bound.
func listTree(ctx context.Context, c storage.Conn, path string, out *[]string) (bool, error) {
	*out = append(*out, path)
	children, _, err := c.Children(ctx, path)
	if err != nil {
		return false, err
	}
	if len(*out)+len(children) > maxReapMulti {
		return false, nil
	}
	for _, ch := range children {
		small, err := listTree(ctx, c, path+"/"+ch, out)
		if errors.Is(err, storage.ErrNoNode) {
			// Gone since its parent's listing: still in out, so the
			// multi fails and deleteEach takes the tree as it now is.
			continue
		}
		if err != nil || !small {
			return false, err
		}
	}
	return true, nil
}

// deleteEach deletes path and everything under it, one node at a time.
func deleteEach(ctx context.Context, c storage.Conn, path string) error {
	children, _, err := c.Children(ctx, path)
	if err != nil {
		return err
	}
	for _, ch := range children {
		if err := deleteEach(ctx, c, path+"/"+ch); err != nil && !errors.Is(err, storage.ErrNoNode) {
			return err
		}
	}
	return c.Delete(ctx, path, storage.AnyVersion)
}
