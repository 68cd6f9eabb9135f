package zoom

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
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
	// wake tells run that a function was queued (capacity 1).
	wake chan struct{}
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
		g = &group{s: s, key: k, wake: make(chan struct{}, 1)}
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
	} else {
		select {
		case g.wake <- struct{}{}:
		default:
		}
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

// run commits batches while functions are queued, pipelined: once batch
// N's multi is sent, batch N+1 is built on the state N leaves when it
// commits (the objects N wrote at their next versions, those it created
// as existing) and its multi sent while N's is still in flight, instead of
// waiting a whole commit for N's outcome. N+1's multi checks the version N
// gives the hot object and that the objects N created exist, so it fails
// when N does; its members then run again on fresh state (a lost race,
// never their answer). Two goroutines' multis on one session may reach
// the store in either order: N+1 failing its checks because it came first
// is sent again once N has committed (Tx.baseCommitted). Members are
// answered in batch order, N+1's only once N's outcome is known.
func (g *group) run() {
	var prev *flight // the last batch started, not yet answered
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 && prev == nil {
			g.running = false
			g.hotUntil = time.Now().Add(groupLinger)
			g.mu.Unlock()
			return
		}
		batch := append([]*groupReq(nil), g.queue[:n]...)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.mu.Unlock()
		if n == 0 { // wait for prev's outcome or a function to build on it
			select {
			case err := <-prev.done:
				prev.done <- err
				g.finish(prev, false)
				prev = nil
			case <-g.wake:
			}
			continue
		}
		live := liveReqs(batch)
		if len(live) == 0 {
			continue
		}
		var base map[objKey]entry
		if prev != nil {
			if prev.doomed {
				base = nil // built on a batch that failed: it fails too
			} else {
				base = prev.next()
			}
			if base == nil {
				g.finish(prev, false) // nothing to build on: wait for its outcome
				prev = nil
			}
		}
		// prev, when still set, is the batch base is of, in flight.
		f := g.s.startBatch(live, base, prev)
		if prev != nil {
			f.base = prev
			g.finish(prev, true)
			// When prev failed, f fails: the next batch waits for that
			// instead of building on it (failures would cascade).
			f.doomed = prev.err != nil
		}
		prev = f
	}
}

// liveReqs answers the requests whose context ended and returns the others.
func liveReqs(batch []*groupReq) []*groupReq {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
		} else {
			live = append(live, r)
		}
	}
	return live
}

// flight is one batch: its members, their transaction and its commit.
type flight struct {
	live, ok, failed []*groupReq
	errs             []error // of failed
	tx               *Tx
	cancel           context.CancelFunc
	// after: the state the batch leaves (afterBatch) once its multi is
	// about to be sent, nil when nothing can be built on it; capacity 1.
	after chan map[objKey]entry
	done  chan error // the commit's outcome; capacity 1
	// committed is closed once the commit returned commitErr (done's
	// value, which finish takes): what the batch built on this one waits
	// for before sending its multi again (Tx.baseCommitted).
	committed chan struct{}
	commitErr error
	// base is the batch this one was built on, answered before this one;
	// err is the commit's outcome once answered; doomed: base failed.
	base   *flight
	err    error
	doomed bool
}

// next waits until f's multi is about to be sent and returns the state it
// leaves, or nil when f wrote nothing to build on or is already answered.
func (f *flight) next() map[objKey]entry {
	select {
	case st := <-f.after:
		return st
	case err := <-f.done:
		f.done <- err // finish takes it
		select {
		case st := <-f.after:
			return st
		default:
			return nil
		}
	}
}

// startBatch runs the functions of live in one transaction, built on base
// (the state batch on, in flight, leaves) when set, and starts its commit.
func (s *Store) startBatch(live []*groupReq, base map[objKey]entry, on *flight) *flight {
	s.gstats.batches.Add(1)
	s.gstats.members.Add(int64(len(live)))
	if base != nil {
		s.gstats.pipelined.Add(1)
	}
	ctx, cancel := batchContext(live)
	tx := newTx(ctx, s)
	tx.speculate = true
	for k, e := range base {
		tx.cache[k] = &e
	}
	f := &flight{live: live, tx: tx, cancel: cancel, after: make(chan map[objKey]entry, 1), done: make(chan error, 1), committed: make(chan struct{})}
	for i, r := range live {
		saved := tx.snapshot()
		tx.ctx, tx.member = r.ctx, i
		if err := r.call(tx); err != nil {
			tx.restore(saved)
			if tx.failedUnverified(err) {
				err = errRunAlone // its answer from a verified copy (runAlone)
			}
			f.failed, f.errs = append(f.failed, r), append(f.errs, err)
			continue
		}
		f.ok = append(f.ok, r)
	}
	tx.ctx, tx.member = ctx, -1
	tx.sending = func(ops []storage.Op, meta []commitOp) {
		f.after <- tx.afterBatch(ops, meta)
	}
	if on != nil {
		tx.baseCommitted = func() error {
			select {
			case <-on.committed:
				return on.commitErr
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	go func() {
		err := tx.commit()
		f.commitErr = err
		close(f.committed)
		if err == nil {
			tx.afterCommit()
		}
		f.done <- err
	}()
	return f
}

// afterBatch is the state the multi ops leave when they commit, as
// entries of the next batch's transaction: the objects written at their
// next versions, with the text and provenance written, those created as
// existing at version 0, those deleted as missing. The next batch's multi
// then checks those versions: it fails unless this one committed (an
// object created here is missing otherwise). Nil when the state is not
// known from the ops alone (raw nodes, class guards, provenance
// overwritten at any version) or nothing was created (nothing the next
// batch could check that only this commit makes true). A written text's spare capacity is
// claimed through one flag shared with the decoded cache's copy
// (tx.grown), so that only one of them appends in place.
func (tx *Tx) afterBatch(ops []storage.Op, meta []commitOp) map[objKey]entry {
	st := map[objKey]entry{}
	created := false
	for i, m := range meta {
		switch m.kind {
		case commitTable, commitCheck:
			continue
		case commitModel:
		case commitProvenance:
			continue // with its model op below
		default:
			return nil
		}
		e := tx.cache[m.key]
		var n entry
		switch m.op {
		case opCreate:
			created = true
			n = entry{inStore: true, version: 0}
		case opUpdate:
			n = entry{inStore: true, version: e.version + 1, prov: e.prov, provVersion: e.provVersion, hasProv: e.hasProv}
		case opDelete:
			// Missing once this commits. Should it not, the next batch
			// fails on its checks (the hot object's version, the objects
			// created here) and every member of it runs again, those that
			// failed on the missing object too.
			st[m.key] = entry{}
			continue
		default:
			return nil
		}
		if tx.grown == nil {
			tx.grown = map[objKey]*atomic.Bool{}
		}
		grow := new(atomic.Bool)
		tx.grown[m.key] = grow
		n.obj, n.pend, n.text, n.grow = e.obj, slices.Clip(e.pend), ops[i].Data, grow
		n.printed = len(n.pend)
		n.provLoaded = true
		if j := i + 1; j < len(meta) && meta[j].kind == commitProvenance && meta[j].key == m.key {
			switch po := ops[j]; {
			case po.Kind == storage.OpCreate:
				n.prov, n.provVersion, n.hasProv = po.Data, 0, true
			case po.Kind == storage.OpSet && po.Version != storage.AnyVersion:
				n.prov, n.provVersion, n.hasProv = po.Data, po.Version+1, true
			default:
				return nil
			}
		}
		st[m.key] = n
	}
	if !created {
		return nil
	}
	return st
}

// finish waits for f's commit and answers its members, exactly once each.
// A function's own error is answered only once the batch's state it was
// computed on is committed (else it runs again with the others). A create
// that finds its object existing drops only its member (the others are
// committed again without it); a lost race (or any error when alone) is
// every member's answer, on which Store.Tx runs it again. A batch built
// on one that failed lost a race with it. With built set (a batch built on
// f is in flight), f's members are not committed again here, where that
// multi could follow theirs: they run again through Store.Tx.
func (g *group) finish(f *flight, built bool) {
	err := <-f.done
	f.cancel()
	f.err = err
	if f.base != nil && f.base.err != nil {
		if err == nil {
			// Its checks should have made it fail: a bug, not a race.
			g.s.log.Error("zoom: a batch committed on one that failed", "class", g.key.class, "id", g.key.id, "err", f.base.err)
		}
		f.err = &ConcurrentModificationError{Class: g.key.class, ID: g.key.id, Err: f.base.err}
		for _, r := range f.live {
			r.done <- f.err
		}
		return
	}
	if err == nil {
		for _, r := range f.ok {
			r.done <- nil
		}
		for i, r := range f.failed {
			r.done <- f.errs[i]
		}
		return
	}
	var exists *ObjectExistsError
	if errors.As(err, &exists) && len(f.ok) > 1 {
		if i, found := f.tx.owner[objKey{exists.Class, exists.ID}]; found {
			culprit := f.live[i]
			culprit.done <- err
			rest := deleteReq(f.live, culprit)
			if built {
				lost := &ConcurrentModificationError{Class: g.key.class, ID: g.key.id, Err: err}
				for _, r := range rest {
					r.done <- lost
				}
				return
			}
			g.finish(g.s.startBatch(rest, nil, nil), false)
			return
		}
	}
	// A lost race: everyone runs again. Another error is the one
	// committing member's own; with several, whose is unknown.
	var cme *ConcurrentModificationError
	lostRace := errors.As(err, &cme)
	for _, r := range f.ok {
		if lostRace || len(f.ok) == 1 {
			r.done <- err
		} else {
			r.done <- errRunAlone
		}
	}
	for _, r := range f.failed {
		if lostRace {
			r.done <- err
		} else {
			r.done <- errRunAlone
		}
	}
}

// GroupCommitStats counts the batches of group commits (group.go) since
// the store was made: how many, their members (functions run), and how
// many were built on the batch before while its multi was in flight.
type GroupCommitStats struct {
	Batches, Members, Pipelined int64
}

// GroupCommitStats reports the store's group commits so far.
func (s *Store) GroupCommitStats() GroupCommitStats {
	return GroupCommitStats{Batches: s.gstats.batches.Load(), Members: s.gstats.members.Load(), Pipelined: s.gstats.pipelined.Load()}
}

type groupStats struct {
	batches, members, pipelined atomic.Int64
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
