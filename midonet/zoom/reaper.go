package zoom

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// tableReaper deletes the state-table directories of deleted objects after
// the delete has committed, in the background as the reference does: a
// delete's answer does not wait for the reads and log writes the tables
// cost (a port's: two listings and two deletes, after its one multi). What
// the reaper misses (a lost session, a failed delete) the recycler removes.
//
// An object created under the id of one whose tables this store is still
// reaping waits for them (Tx.Create), so its new, empty tables are never
// the ones deleted; and the reaper leaves the tables of an id that exists
// again when it starts (created by another node, or by a batch built on
// the delete's). Only a create landing between that check and the deletes
// is exposed, as any to the reference's reaper.
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

// deleteTree deletes path and everything under it.
func deleteTree(ctx context.Context, c storage.Conn, path string) error {
	children, _, err := c.Children(ctx, path)
	if err != nil {
		return err
	}
	for _, ch := range children {
		if err := deleteTree(ctx, c, path+"/"+ch); err != nil && !errors.Is(err, storage.ErrNoNode) {
			return err
		}
	}
	return c.Delete(ctx, path, storage.AnyVersion)
}
