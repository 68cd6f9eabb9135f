package zk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/midonet/midonet-go/midonet/storage"
)

// reReadBackoff spaces the re-reads of a watch whose read lost its
// connection.
const reReadBackoff = 20 * time.Millisecond

// observer reads one kind of state of a path and arms a one-shot ZooKeeper
// watch for its next change.
type observer[E any] struct {
	// read returns the current state and a channel the library fires on
	// the next change.
	read func() (E, <-chan gozk.Event, error)
	// same reports whether two states are the same observation (a re-read
	// after an unrelated firing, e.g. a reconnection, must not repeat one).
	same func(a, b E) bool
	// final builds the last event of a watch that ended because of err.
	final func(err error) E
}

// WatchNode implements storage.Conn.
func (c *Conn) WatchNode(ctx context.Context, path string) (<-chan storage.NodeEvent, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	obs := observer[storage.NodeEvent]{
		read: func() (storage.NodeEvent, <-chan gozk.Event, error) { return c.readNode(path) },
		same: func(a, b storage.NodeEvent) bool {
			return a.Exists == b.Exists && a.Stat.Czxid == b.Stat.Czxid && a.Stat.Mzxid == b.Stat.Mzxid
		},
		final: func(err error) storage.NodeEvent { return storage.NodeEvent{Err: err} },
	}
	out, err := startWatch(ctx, c, obs)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	return out, nil
}

// WatchChildren implements storage.Conn.
func (c *Conn) WatchChildren(ctx context.Context, path string) (<-chan storage.ChildrenEvent, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, fmt.Errorf("watch children: %w", err)
	}
	obs := observer[storage.ChildrenEvent]{
		read: func() (storage.ChildrenEvent, <-chan gozk.Event, error) { return c.readChildren(path) },
		same: func(a, b storage.ChildrenEvent) bool {
			return a.Exists == b.Exists && a.Stat.Czxid == b.Stat.Czxid && a.Stat.Pzxid == b.Stat.Pzxid
		},
		final: func(err error) storage.ChildrenEvent { return storage.ChildrenEvent{Err: err} },
	}
	out, err := startWatch(ctx, c, obs)
	if err != nil {
		return nil, fmt.Errorf("watch children %s: %w", path, err)
	}
	return out, nil
}

// readNode reads path with a data watch, or arms an existence watch when it
// does not exist.
func (c *Conn) readNode(path string) (storage.NodeEvent, <-chan gozk.Event, error) {
	for {
		data, stat, fired, err := c.zc.GetW(path)
		if err == nil {
			return storage.NodeEvent{Exists: true, Data: data, Stat: convertStat(stat)}, fired, nil
		}
		if !errors.Is(err, gozk.ErrNoNode) {
			return storage.NodeEvent{}, nil, c.mapErr(err)
		}
		exists, _, fired, err := c.zc.ExistsW(path)
		if err != nil {
			return storage.NodeEvent{}, nil, c.mapErr(err)
		}
		if !exists {
			return storage.NodeEvent{}, fired, nil
		}
		// Created in between: read it (the stray watch fires harmlessly
		// on its next change).
	}
}

// readChildren reads the children of path with a children watch, or arms an
// existence watch when it does not exist.
func (c *Conn) readChildren(path string) (storage.ChildrenEvent, <-chan gozk.Event, error) {
	for {
		children, stat, fired, err := c.zc.ChildrenW(path)
		if err == nil {
			slices.Sort(children)
			if children == nil {
				children = []string{}
			}
			return storage.ChildrenEvent{Exists: true, Children: children, Stat: convertStat(stat)}, fired, nil
		}
		if !errors.Is(err, gozk.ErrNoNode) {
			return storage.ChildrenEvent{}, nil, c.mapErr(err)
		}
		exists, _, fired, err := c.zc.ExistsW(path)
		if err != nil {
			return storage.ChildrenEvent{}, nil, c.mapErr(err)
		}
		if !exists {
			return storage.ChildrenEvent{}, fired, nil
		}
	}
}

// startWatch reads the initial state (so that WatchNode/WatchChildren fail
// at once on a closed or disconnected Conn) and hands the rest to a goroutine.
func startWatch[E any](ctx context.Context, c *Conn, obs observer[E]) (<-chan E, error) {
	epoch, err := c.usable(ctx)
	if err != nil {
		return nil, err
	}
	first, fired, err := obs.read()
	if err != nil {
		return nil, err
	}
	out := make(chan E)
	go runWatch(ctx, c, obs, epoch, first, fired, out)
	return out, nil
}

// runWatch delivers the states of one watch: the current one, then, each
// time ZooKeeper's one-shot watch fires, a fresh read with a new watch. While
// the consumer is busy nothing is read, so changes meanwhile are coalesced
// into the state read after the next delivery. The watch ends with ctx
// (channel closed) or with the session it was set in (a last event with Err).
func runWatch[E any](ctx context.Context, c *Conn, obs observer[E], epoch int64, next E, fired <-chan gozk.Event, out chan<- E) {
	defer close(out)
	end := func(err error) {
		select {
		case out <- obs.final(err):
		case <-ctx.Done():
		}
	}
	var last E
	sent := false
	pending := true // next holds a state to deliver
	for {
		if pending && (!sent || !obs.same(last, next)) {
			select {
			case out <- next:
				last, sent = next, true
			case <-ctx.Done():
				return
			}
		}
		pending = false
		// Wait for the armed watch to fire, or for the session to end.
		changed, over := c.sessionOver(epoch)
		if over {
			end(c.endErr())
			return
		}
		select {
		case ev, ok := <-fired:
			if ok && ev.Type == gozk.EventNotWatching {
				// The library dropped its watches: the session expired
				// or the client is closing.
				end(c.mapErr(ev.Err))
				return
			}
		case <-changed:
			continue // re-check the session; fired stays armed
		case <-ctx.Done():
			return
		}
		// Re-read, waiting out disconnections within the same session.
		for {
			if err := c.waitConnected(ctx, epoch); err != nil {
				if ctx.Err() != nil {
					return
				}
				end(err)
				return
			}
			state, f, err := obs.read()
			if err == nil {
				next, fired, pending = state, f, true
				break
			}
			if !errors.Is(err, storage.ErrConnectionLoss) {
				end(err)
				return
			}
			// The connection dropped under the read; the state may not
			// say so yet. Do not spin until it does.
			select {
			case <-time.After(reReadBackoff):
			case <-ctx.Done():
				return
			}
		}
	}
}

// endErr is why the sessions of a Conn's watches end now: it was closed, or
// their session expired.
func (c *Conn) endErr() error {
	if c.State() == storage.Closed {
		return storage.ErrClosed
	}
	return storage.ErrSessionExpired
}
