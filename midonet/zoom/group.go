package zoom

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Group commit. Local writers of one hot object (a bridge gaining ports
// from 16 request goroutines) would otherwise each read it, change it and
// race their multis, all but one losing every round. Instead, once a
// transaction has lost a race on object X (or finds, when about to commit,
// that X has an active group), its function is handed to X's group: a
// goroutine that takes every function queued meanwhile, runs them one
// after the other in ONE transaction (each sees the writes of those before
// it, as if they had run serially; a function that fails is rolled back
// to the state before it) and commits them all in one multi. Composable
// changes (children appending back-references to one parent) thereby cost
// one read and one write of the parent per batch, not per child. Nothing
// is locked across more than that one multi, and there is no global lock:
// groups exist per object, only while it is hot.

// groupLinger is how long an object stays hot after its last conflict or
// batch: writers committing to it meanwhile join its group.
const groupLinger = 2 * time.Second

// maxBatch bounds the functions committed in one multi, keeping the multi
// well under ZooKeeper's request size limit (jute.maxbuffer, 1 MiB).
const maxBatch = 32

// errJoinGroup stops a transaction's function at its first write of an
// object whose group is active (Tx.joinHot): the function then runs in that
// group's next batch instead. Reading the object first would cost a round
// trip that, on one ZooKeeper session with the group's multi pending,
// waits for that multi's commit, and the read would be of no use: the
// batch reads the object again (or builds on the batch before it).
var errJoinGroup = errors.New("zoom: object is hot, joining its group")

// joinGroup is errJoinGroup when tx joins hot groups and is about to write
// k while k's group is active, or has already met such a group (whatever
// the function does after the first error, it runs again in the group).
func (tx *Tx) joinGroup(k objKey, forWrite bool) error {
	if tx.hot != nil {
		return errJoinGroup
	}
	if !tx.joinHot || !forWrite {
		return nil
	}
	if g := tx.s.groups.activeFor([]objKey{k}); g != nil {
		tx.hot = g
		return errJoinGroup
	}
	return nil
}

// errRunAlone tells a group member to commit on its own: its batch failed
// for a reason that cannot be pinned on one member.
var errRunAlone = errors.New("zoom: batch failed, commit alone")

type groupReq struct {
	ctx  context.Context
	f    func(*Tx) error
	done chan error // capacity 1
	// panicked holds what f panicked with in the group's goroutine, set
	// before done is answered: the caller panics with it in its own.
	panicked any
}

// errPanicked answers a member whose function panicked.
var errPanicked = errors.New("zoom: transaction function panicked")

// call runs the member's function on tx, turning a panic into its answer.
func (r *groupReq) call(tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked, err = p, errPanicked
		}
	}()
	return r.f(tx)
}

type group struct {
	s        *Store
	key      objKey
	mu       sync.Mutex
	queue    []*groupReq
	running  bool
	hotUntil time.Time
}

// groups is the store's table of hot objects.
type groups struct {
	mu sync.Mutex
	m  map[objKey]*group
}

// hot returns k's group, creating it (k just caused a conflict).
func (gs *groups) hot(s *Store, k objKey) *group {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if gs.m == nil {
		gs.m = map[objKey]*group{}
	}
	g := gs.m[k]
	if g == nil {
		if len(gs.m) >= maxIdleGroups {
			gs.sweepLocked()
		}
		g = &group{s: s, key: k}
		gs.m[k] = g
	}
	g.mu.Lock()
	g.hotUntil = time.Now().Add(groupLinger)
	g.mu.Unlock()
	return g
}

// maxIdleGroups is the size of the hot-object table from which groups
// that cooled down are swept when another object becomes hot.
const maxIdleGroups = 1024

func (gs *groups) sweepLocked() {
	now := time.Now()
	for k, g := range gs.m {
		g.mu.Lock()
		idle := !g.running && !now.Before(g.hotUntil)
		g.mu.Unlock()
		if idle {
			delete(gs.m, k)
		}
	}
}

// activeFor returns the group of one of keys that is still hot, or nil;
// groups that cooled down are dropped on the way.
func (gs *groups) activeFor(keys []objKey) *group {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if len(gs.m) == 0 {
		return nil
	}
	now := time.Now()
	for _, k := range keys {
		g := gs.m[k]
		if g == nil {
			continue
		}
		g.mu.Lock()
		active := g.running || now.Before(g.hotUntil)
		g.mu.Unlock()
		if active {
			return g
		}
		delete(gs.m, k)
	}
	return nil
}

// submit runs f in one of g's batches and returns its outcome. When ctx
// ends while f waits in the queue, it is withdrawn; once its batch has
// started, the outcome of that batch (bounded by one multi) is awaited.
func (g *group) submit(ctx context.Context, f func(*Tx) error) error {
	r := &groupReq{ctx: ctx, f: f, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	g.hotUntil = time.Now().Add(groupLinger)
	if !g.running {
		g.running = true
		go g.run()
	}
	g.mu.Unlock()
	select {
	case err := <-r.done:
		return r.outcome(err)
	case <-ctx.Done():
	}
	g.mu.Lock()
	for i, q := range g.queue {
		if q == r {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			g.mu.Unlock()
			return ctx.Err()
		}
	}
	g.mu.Unlock()
	return r.outcome(<-r.done)
}

// outcome is the member's answer, re-raising its function's panic in the
// caller's goroutine (where the caller's recovery, e.g. net/http's, is).
func (r *groupReq) outcome(err error) error {
	if r.panicked != nil {
		panic(r.panicked)
	}
	return err
}

// run commits batches while functions are queued.
func (g *group) run() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 {
			g.running = false
			g.hotUntil = time.Now().Add(groupLinger)
			g.mu.Unlock()
			return
		}
		batch := append([]*groupReq(nil), g.queue[:n]...)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.mu.Unlock()
		g.s.runBatch(batch)
	}
}

// runBatch runs the functions of batch in one transaction and commits
// them in one multi, answering each request exactly once. A function's
// own error is answered only once the batch's state it was computed on is
// committed (else it runs again with the others). A create that finds its
// object existing drops only its member; a lost race (or any error when
// alone) is every member's answer, on which Store.Tx runs it again.
func (s *Store) runBatch(batch []*groupReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
		} else {
			live = append(live, r)
		}
	}
	for len(live) > 0 {
		ctx, cancel := batchContext(live)
		tx := newTx(ctx, s)
		tx.speculate = true
		var ok, failed []*groupReq
		var errs []error
		for i, r := range live {
			saved := tx.snapshot()
			tx.ctx, tx.member = r.ctx, i
			if err := r.call(tx); err != nil {
				tx.restore(saved)
				failed, errs = append(failed, r), append(errs, err)
				continue
			}
			ok = append(ok, r)
		}
		tx.ctx, tx.member = ctx, -1
		err := tx.commit()
		if err == nil {
			tx.afterCommit()
			cancel()
			for _, r := range ok {
				r.done <- nil
			}
			for i, r := range failed {
				r.done <- errs[i]
			}
			return
		}
		cancel()
		var exists *ObjectExistsError
		if errors.As(err, &exists) && len(ok) > 1 {
			if i, found := tx.owner[objKey{exists.Class, exists.ID}]; found {
				culprit := live[i]
				culprit.done <- err
				live = deleteReq(live, culprit)
				continue
			}
		}
		// A lost race: everyone runs again. Another error is the one
		// committing member's own; with several, whose is unknown.
		var cme *ConcurrentModificationError
		lostRace := errors.As(err, &cme)
		for _, r := range ok {
			if lostRace || len(ok) == 1 {
				r.done <- err
			} else {
				r.done <- errRunAlone
			}
		}
		for _, r := range failed {
			if lostRace {
				r.done <- err
			} else {
				r.done <- errRunAlone
			}
		}
		return
	}
}

func deleteReq(reqs []*groupReq, r *groupReq) []*groupReq {
	out := reqs[:0:0]
	for _, q := range reqs {
		if q != r {
			out = append(out, q)
		}
	}
	return out
}

// batchContext is the context of a batch's commit: not cancelled by any
// one member (the others' writes must not be lost to it), bounded by the
// latest deadline among the members.
func batchContext(reqs []*groupReq) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, r := range reqs {
		d, ok := r.ctx.Deadline()
		if !ok {
			return context.WithCancel(context.WithoutCancel(reqs[0].ctx))
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.WithoutCancel(reqs[0].ctx), latest)
}
