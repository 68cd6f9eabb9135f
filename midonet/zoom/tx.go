package zoom

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Validator checks an update against the stored object inside the
// transaction. It may return a replacement for updated (nil means use
// updated as is), typically copying fields the caller does not manage
// (back-references) from stored. The id must not change.
type Validator func(stored, updated proto.Message) (proto.Message, error)

// Change types recorded in provenance (ZoomChange in the reference).
const (
	changeData    int32 = 0x1
	changeBackRef int32 = 0x2
)

type objKey struct{ class, id string }

// entry is the transaction's view of one object.
type entry struct {
	// obj is the current view, nil when absent or deleted in the tx. It is
	// never modified in place (it may be shared with the decoded cache):
	// changes replace it with a modified clone.
	obj proto.Message
	// pend: edits of repeated fields of obj (back-references appended or
	// removed, Append, Replace) not applied to it (obj stays shared); view
	// applies them. text: what obj with pend[:printed] prints as (the
	// stored bytes), nil when unknown or obj was replaced; commit splices
	// pend[printed:] into it instead of printing the whole object, so a
	// parent gaining or losing a child is not copied, parsed or printed
	// whole.
	pend    []models.ListEdit
	text    []byte
	printed int
	// pendGrow is the claim on pend's spare capacity when pend is the
	// cached version's (nil: none); pendOwned: this transaction appended
	// to pend, whose array beyond the cached length is then its own (see
	// appendPend).
	pendGrow  *atomic.Bool
	pendOwned bool
	// grow is the claim on text's spare capacity (nil: text is not this
	// store's own): see encode.
	grow    *atomic.Bool
	inStore bool            // the object existed in the store when read
	version storage.Version // its data version then
	// provenance node (objects/<C>/<id>) as read with the object.
	prov        []byte
	provVersion storage.Version
	hasProv     bool
	provLoaded  bool
	deleted     bool // deleted by this transaction
}

// view is the object with its pending edits applied (nil when absent).
func (e *entry) view() proto.Message {
	if len(e.pend) > 0 {
		e.obj, e.pend, e.text, e.printed, e.grow = models.ApplyListEditsShared(e.obj, e.pend), nil, nil, 0, nil
		e.pendGrow, e.pendOwned = nil, false
	}
	return e.obj
}

// copy is the caller's copy of the object with its pending edits
// applied to the copy only: a read leaves the entry's stored text and
// edits as they were, so the commit still splices them (a read of a
// group between its batch members' appends would otherwise make the
// commit print the whole object).
func (e *entry) copy() proto.Message {
	if len(e.pend) > 0 {
		return models.ApplyListEdits(e.obj, e.pend)
	}
	return proto.Clone(e.obj)
}

// appendPend records edits after the pending ones. A pending list read
// from the cache is shared with its readers and with other transactions
// holding the same version: its spare capacity is taken by the first to
// claim it (pendGrow), the others copy, with room to grow, so that a
// parent's pending back-references (up to maxPending, one per child
// create) are not copied whole by every create.
func (e *entry) appendPend(edits ...models.ListEdit) {
	if len(e.pend)+len(edits) <= cap(e.pend) && (e.pendOwned || e.pendGrow != nil && e.pendGrow.CompareAndSwap(false, true)) {
		e.pend, e.pendOwned = append(e.pend, edits...), true
		return
	}
	grown := make([]models.ListEdit, len(e.pend), 2*(len(e.pend)+len(edits))+4)
	copy(grown, e.pend)
	e.pend, e.pendOwned = append(grown, edits...), true
}

// set replaces the object (nil: absent).
func (e *entry) set(obj proto.Message) {
	e.obj, e.pend, e.text, e.printed, e.grow = obj, nil, nil, 0, nil
	e.pendGrow, e.pendOwned = nil, false
}

// encode prints the object for the commit: the stored text with the
// transaction's edits spliced in when possible, else the whole object.
// Replacements and removals go through models.EditText (a new text).
// Elements going at the end of the text (a bridge's port_ids) are appended
// in the text's spare capacity when this transaction is the first to claim
// it (e.grow): the stored and cached versions are shorter slices of the
// same array and never see those bytes, and whoever loses the claim (a
// concurrent writer of the same version, a retry) copies. So a growing
// parent is copied only when its capacity runs out, not per child.
func (e *entry) encode() ([]byte, error) {
	if e.text == nil {
		return models.Marshal(e.view())
	}
	if len(e.pend) == e.printed {
		return e.text, nil // the object as printed (a created one) or read
	}
	text := e.text
	owned := false // text's spare capacity is this call's: text is fresh or extended by it
	own := e.pend[e.printed:]
	if slices.ContainsFunc(own, func(a models.ListEdit) bool { return a.Old != nil }) {
		if edited, ok := models.EditText(text, e.obj.ProtoReflect().Descriptor(), own); ok {
			return edited, nil
		}
		return models.Marshal(e.view())
	}
	for i, a := range own {
		if slices.ContainsFunc(own[:i], func(b models.ListEdit) bool { return b.Field == a.Field }) {
			continue // this field's elements went in with its first
		}
		var elems []byte
		for _, b := range own[i:] {
			if b.Field != a.Field {
				continue
			}
			var err error
			if elems, err = models.AppendElemText(elems, b.Field, b.New); err != nil {
				return nil, err
			}
		}
		at, ok := models.SplicePoint(text, e.obj.ProtoReflect().Descriptor(), a.Field)
		if !ok {
			return models.Marshal(e.view())
		}
		if at == len(text) && (owned || e.grow != nil && e.grow.CompareAndSwap(false, true)) {
			text = append(text, elems...)
		} else {
			out := make([]byte, 0, len(text)+len(elems))
			out = append(append(append(out, text[:at]...), elems...), text[at:]...)
			text = out
		}
		owned = true
	}
	return text, nil
}

type opKind int

const (
	opCreate opKind = iota + 1
	opUpdate
	opDelete
)

type txOp struct {
	kind   opKind
	change int32
}

// Tx is one transaction: reads see the transaction's own writes; writes are
// folded into at most one storage operation per object and committed as one
// multi, with version checks on every object read or written. Obtain one
// through Store.Tx. Not safe for concurrent use.
type Tx struct {
	ctx   context.Context
	s     *Store
	cache map[objKey]*entry
	ops   map[objKey]*txOp
	order []objKey // objects with ops, in first-op order
	// existing: node paths found to exist at a failed commit (leftover
	// table directories or provenance of a re-created object).
	existing map[string]bool
	// raw node operations (nodes.go)
	nodes     map[string]*nodeOp
	nodeOrder []string
	// In a group's batch (group.go): the member whose function is running
	// (-1 outside one), and which member first wrote each object.
	member int
	owner  map[objKey]int
	// speculate: objects about to be written may be taken from the
	// decoded cache when their stat shows the cached version is current
	// (no transfer, no parse).
	speculate bool
	// guards: class directories whose data version the commit checks and
	// bumps (GuardClass), by path.
	guards map[string]classGuard
	// joinHot: a transaction about to write an object whose group is
	// active stops there (errJoinGroup) and names the group in hot, so
	// that its function runs in the group without reading first (group.go).
	joinHot bool
	hot     *group
	// sending, when set, is called once with the commit's first multi
	// before it is sent; grown: the claims on written texts' spare
	// capacity shared with the next batch built on this one (group.go).
	sending func([]storage.Op, []commitOp)
	// baseCommitted, set on a batch built on another still in flight,
	// waits for that one's commit and returns its outcome: a version or
	// existence check of this batch's multi that fails while the other
	// committed means this multi reached the store first (two goroutines'
	// multis on one session), so it is sent again, once.
	baseCommitted func() error
	grown         map[objKey]*atomic.Bool
	// unverified: an object about to be written was taken from a cache
	// entry this store wrote, neither armed nor read again (read);
	// armedOnly: take none such (a run after a failure on one).
	unverified, armedOnly bool
}

// failedUnverified says f's error err may come from a stale copy of an
// object (tx.unverified): any error but a lost race or a group to join,
// which the commit's checks and the group's batch settle.
func (tx *Tx) failedUnverified(err error) bool {
	var cme *ConcurrentModificationError
	return tx.unverified && !errors.Is(err, errJoinGroup) && !errors.As(err, &cme)
}

// classGuard is a class directory's data and data version as GuardClass
// read them.
type classGuard struct {
	data    []byte
	version storage.Version
}

func newTx(ctx context.Context, s *Store) *Tx {
	return &Tx{ctx: ctx, s: s, cache: map[objKey]*entry{}, ops: map[objKey]*txOp{}, existing: map[string]bool{},
		nodes: map[string]*nodeOp{}, member: -1}
}

// txState is a copy of a transaction's view and operations, taken before a
// batch member's function runs so that its failure can be rolled back.
type txState struct {
	cache     map[objKey]entry
	ops       map[objKey]txOp
	order     []objKey
	nodes     map[string]nodeOp
	nodeOrder []string
}

func (tx *Tx) snapshot() txState {
	st := txState{cache: make(map[objKey]entry, len(tx.cache)), ops: make(map[objKey]txOp, len(tx.ops)),
		order: append([]objKey(nil), tx.order...), nodes: make(map[string]nodeOp, len(tx.nodes)),
		nodeOrder: append([]string(nil), tx.nodeOrder...)}
	for k, e := range tx.cache {
		st.cache[k] = *e
	}
	for k, o := range tx.ops {
		st.ops[k] = *o
	}
	for p, o := range tx.nodes {
		st.nodes[p] = *o
	}
	return st
}

func (tx *Tx) restore(st txState) {
	tx.cache = make(map[objKey]*entry, len(st.cache))
	for k, e := range st.cache {
		tx.cache[k] = &e
	}
	tx.ops = make(map[objKey]*txOp, len(st.ops))
	for k, o := range st.ops {
		tx.ops[k] = &o
	}
	tx.order = st.order
	tx.nodes = make(map[string]*nodeOp, len(st.nodes))
	for p, o := range st.nodes {
		tx.nodes[p] = &o
	}
	tx.nodeOrder = st.nodeOrder
}

// Context is the context the transaction's reads run with.
func (tx *Tx) Context() context.Context { return tx.ctx }

// read fetches an object as the store's session sees it (Store.load: an
// armed cache entry costs no round trip, a missing object is read again
// after a sync); with forWrite its provenance node too, which a write
// needs at commit: from the cache when this store wrote the object last
// (speculate), else read concurrently. An armed entry is used without a
// stat and without a sync: a change the session has not seen yet is
// caught by the commit's version check, and an object deleted and
// re-created under its id fired the entry's watch, so the write is
// exposed to nothing a read-then-write on the session is not. An object
// about to be written may also be the version this store wrote last,
// whose life watch has not fired (decodedCache.writableEntry): the same
// holds for it at commit, but another session may have changed it since,
// so an error the function returns after taking such an entry
// (unverified) may come from a stale copy: the function then runs again
// with armed entries only (armedOnly, Tx.failedUnverified).
func (tx *Tx) read(ci *classInfo, id string, forWrite bool) (*entry, error) {
	k := objKey{ci.Name, id}
	cached, ok := tx.s.cache.latest(k)
	provCached := forWrite && tx.speculate && ok && cached.provKnown
	var (
		wg   sync.WaitGroup
		prov provRead
	)
	if forWrite && !provCached {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prov = tx.readProvenance(ci.Name, id)
		}()
	}
	var (
		d      decoded
		exists bool
		err    error
	)
	w, writable := decoded{}, false
	if forWrite && !tx.armedOnly {
		w, writable = tx.s.cache.writableEntry(k)
	}
	if writable {
		d, exists = w, true
		tx.unverified = tx.unverified || !w.armed()
	} else {
		d, exists, err = tx.s.load(tx.ctx, ci, id, true)
	}
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("zoom: read %s %s: %w", ci.Name, id, err)
	}
	if !exists {
		return &entry{}, nil
	}
	e := &entry{obj: d.obj, pend: d.pend, pendGrow: d.pendGrow, printed: len(d.pend), text: d.text, inStore: true, version: d.version}
	switch {
	case !forWrite:
	case provCached && d.provKnown:
		e.grow, e.prov, e.provVersion, e.hasProv, e.provLoaded = d.grow, d.prov, d.provVersion, d.hasProv, true
	case provCached: // the entry read is not the one this store wrote
		if err := e.setProvenance(tx.readProvenance(ci.Name, id)); err != nil {
			return nil, err
		}
	default:
		if err := e.setProvenance(prov); err != nil {
			return nil, err
		}
	}
	return e, nil
}

type provRead struct {
	class, id string
	data      []byte
	stat      storage.Stat
	err       error
}

func (tx *Tx) readProvenance(class, id string) provRead {
	data, st, err := tx.s.conn.Get(tx.ctx, tx.s.objectsPath(class, id))
	return provRead{class: class, id: id, data: data, stat: st, err: err}
}

func (e *entry) setProvenance(p provRead) error {
	e.provLoaded = true
	switch {
	case p.err == nil:
		e.prov, e.provVersion, e.hasProv = p.data, p.stat.Version, true
	case errors.Is(p.err, storage.ErrNoNode):
		// Objects written by old versions have no provenance.
	default:
		return fmt.Errorf("zoom: read provenance of %s %s: %w", p.class, p.id, p.err)
	}
	return nil
}

// loadProvenance reads, concurrently, the provenance of the objects
// written by the transaction that were first read only for reading.
func (tx *Tx) loadProvenance() error {
	var need []objKey
	for _, k := range tx.order {
		if e := tx.cache[k]; e.inStore && !e.provLoaded {
			need = append(need, k)
		}
	}
	reads := make([]provRead, len(need))
	var wg sync.WaitGroup
	for i, k := range need {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reads[i] = tx.readProvenance(k.class, k.id)
		}()
	}
	wg.Wait()
	for i, k := range need {
		if err := tx.cache[k].setProvenance(reads[i]); err != nil {
			return err
		}
	}
	return nil
}

// load returns the transaction's entry for an object, reading it on first
// use; forWrite says the caller is about to change it.
func (tx *Tx) load(ci *classInfo, id string, forWrite bool) (*entry, error) {
	k := objKey{ci.Name, id}
	if e, ok := tx.cache[k]; ok {
		return e, nil
	}
	if err := tx.joinGroup(k, forWrite); err != nil {
		return nil, err
	}
	e, err := tx.read(ci, id, forWrite)
	if err != nil {
		return nil, err
	}
	tx.cache[k] = e
	return e, nil
}

// Get reads an object through the transaction (model only names the
// class). The result is the caller's copy.
func (tx *Tx) Get(model proto.Message, id uuid.UUID) (proto.Message, error) {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return nil, err
	}
	return tx.get(ci, id.String())
}

func (tx *Tx) get(ci *classInfo, id string) (proto.Message, error) {
	e, err := tx.load(ci, id, false)
	if err != nil {
		return nil, err
	}
	if e.obj == nil {
		return nil, &NotFoundError{Class: ci.Name, ID: id}
	}
	return e.copy(), nil
}

// Exists reports whether the object exists in the transaction's view.
func (tx *Tx) Exists(model proto.Message, id uuid.UUID) (bool, error) {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return false, err
	}
	e, err := tx.load(ci, id.String(), false)
	if err != nil {
		return false, err
	}
	return e.obj != nil, nil
}

// GetAll reads every object of model's class in the transaction's view:
// the stored ones (read concurrently) minus those deleted in the
// transaction, plus those created in it.
func (tx *Tx) GetAll(model proto.Message) ([]proto.Message, error) {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return nil, err
	}
	ids, _, err := tx.s.conn.Children(tx.ctx, tx.s.classPath(ci.Name))
	if err != nil {
		return nil, fmt.Errorf("zoom: list %s: %w", ci.Name, err)
	}
	if err := tx.prefetch(ci, ids); err != nil {
		return nil, err
	}
	var out []proto.Message
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
		if e := tx.cache[objKey{ci.Name, id}]; e.obj != nil {
			out = append(out, e.copy())
		}
	}
	for _, k := range tx.order {
		if k.class == ci.Name && !seen[k.id] {
			if e := tx.cache[k]; e.obj != nil {
				out = append(out, e.copy())
			}
		}
	}
	return out, nil
}

// GuardClass makes the transaction's commit conflict with that of any
// other transaction guarding the same class since this call: for checks
// over a whole class, such as a field unique among its objects, which the
// per-object version checks cannot protect (a concurrent create touches no
// object this transaction read). Call it before reading the class. The
// commit rewrites the class directory's data unchanged under a version
// check, so only its data version moves (the layout is the same); the
// loser of a race gets a ConcurrentModificationError and, re-run, sees the
// winner's objects. Guarding is kept when a batch member's function fails.
func (tx *Tx) GuardClass(model proto.Message) error {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return err
	}
	p := tx.s.classPath(ci.Name)
	if _, ok := tx.guards[p]; ok {
		return nil
	}
	data, st, err := tx.s.conn.Get(tx.ctx, p)
	if err != nil {
		return fmt.Errorf("zoom: guard %s: %w", ci.Name, err)
	}
	if tx.guards == nil {
		tx.guards = map[string]classGuard{}
	}
	tx.guards[p] = classGuard{data: data, version: st.Version}
	return nil
}

// GetMany reads the given objects through the transaction (uncached ones
// concurrently); a missing one fails the call with NotFound.
func (tx *Tx) GetMany(model proto.Message, ids []uuid.UUID) ([]proto.Message, error) {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return nil, err
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	if err := tx.prefetch(ci, strs); err != nil {
		return nil, err
	}
	out := make([]proto.Message, len(ids))
	for i, id := range strs {
		if out[i], err = tx.get(ci, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prefetch loads the uncached objects among ids concurrently.
func (tx *Tx) prefetch(ci *classInfo, ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := tx.cache[objKey{ci.Name, id}]; !ok {
			missing = append(missing, id)
		}
	}
	entries := make([]*entry, len(missing))
	errs := make([]error, len(missing))
	sem := make(chan struct{}, readParallelism)
	var wg sync.WaitGroup
	for i, id := range missing {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			entries[i], errs[i] = tx.read(ci, id, false)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, id := range missing {
		tx.cache[objKey{ci.Name, id}] = entries[i]
	}
	return nil
}

func (tx *Tx) addOp(k objKey, op *txOp) {
	if _, ok := tx.ops[k]; !ok {
		tx.order = append(tx.order, k)
		if tx.member >= 0 {
			if tx.owner == nil {
				tx.owner = map[objKey]int{}
			}
			tx.owner[k] = tx.member
		}
	}
	tx.ops[k] = op
}

func (tx *Tx) removeOp(k objKey) {
	delete(tx.ops, k)
	for i, o := range tx.order {
		if o == k {
			tx.order = append(tx.order[:i], tx.order[i+1:]...)
			break
		}
	}
}

// Create adds a new object; its references get back-references in the
// referenced objects (which must exist: NotFound otherwise; a single-valued
// back-reference already set is a ReferenceConflict). Creating an id that
// exists fails with ObjectExists, at the latest when committing.
func (tx *Tx) Create(obj proto.Message) error {
	ci, err := tx.s.classOf(obj)
	if err != nil {
		return err
	}
	id, err := objectID(ci, obj)
	if err != nil {
		return err
	}
	text, err := checkMarshal(ci, obj)
	if err != nil {
		return err
	}
	obj = proto.Clone(obj)
	k := objKey{ci.Name, id}
	e := tx.cache[k]
	if e != nil && e.obj != nil {
		return &ObjectExistsError{Class: ci.Name, ID: id}
	}
	if len(ci.tables) > 0 {
		// Its id's tables may still be going with a deleted object.
		if err := tx.s.reaper.wait(tx.ctx, k); err != nil {
			return err
		}
	}
	switch op := tx.ops[k]; {
	case op == nil:
		tx.addOp(k, &txOp{kind: opCreate, change: changeData})
		if e == nil {
			e = &entry{}
			tx.cache[k] = e
		}
	case op.kind == opDelete:
		op.kind, op.change = opUpdate, op.change|changeData
	default:
		return &ObjectExistsError{Class: ci.Name, ID: id}
	}
	e.set(obj)
	e.text = text // the commit sends it unless edited (encode)
	e.deleted = false
	for _, b := range ci.bindings {
		refs, err := models.RefIDs(obj, b.fieldName)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if err := tx.addBackRef(ci, id, b, ref.Canonical()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Update replaces a stored object as a whole (no field merge: bound fields,
// back-references included, are diffed against the stored object and the
// referenced objects updated to match).
func (tx *Tx) Update(obj proto.Message) error { return tx.UpdateWith(obj, nil) }

// UpdateWith is Update with a validator run against the current object.
func (tx *Tx) UpdateWith(obj proto.Message, validate Validator) error {
	ci, err := tx.s.classOf(obj)
	if err != nil {
		return err
	}
	id, err := objectID(ci, obj)
	if err != nil {
		return err
	}
	k := objKey{ci.Name, id}
	e, err := tx.load(ci, id, true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		return &NotFoundError{Class: ci.Name, ID: id}
	}
	obj = proto.Clone(obj)
	if validate != nil {
		repl, err := validate(proto.Clone(e.view()), obj)
		if err != nil {
			return err
		}
		if repl != nil {
			if c, err := tx.s.classOf(repl); err != nil || c != ci {
				return &InvalidObjectError{Class: ci.Name, Reason: "validator returned another class"}
			}
			if rid, err := objectID(ci, repl); err != nil || rid != id {
				return &InvalidObjectError{Class: ci.Name, Reason: "validator changed the object id"}
			}
			obj = proto.Clone(repl)
		}
	}
	if _, err := checkMarshal(ci, obj); err != nil {
		return err
	}
	old := e.view()
	for _, b := range ci.bindings {
		oldRefs, err := models.RefIDs(old, b.fieldName)
		if err != nil {
			return err
		}
		newRefs, _ := models.RefIDs(obj, b.fieldName)
		removed, added := multisetDiff(oldRefs, newRefs)
		for _, r := range removed {
			if err := tx.clearBackRef(ci, id, b, r); err != nil {
				return err
			}
		}
		for _, a := range added {
			if err := tx.addBackRef(ci, id, b, a); err != nil {
				return err
			}
		}
	}
	return tx.setObject(k, obj, changeData)
}

// Modify changes the stored object of model's class with id: f gets the
// caller's copy of it as the transaction sees it and changes it in place;
// the result is stored as Update stores it. The object is read as for a
// write (from the store's cache when the node's stat shows the cached
// version is current). A
// missing object is a NotFoundError.
func (tx *Tx) Modify(model proto.Message, id uuid.UUID, f func(proto.Message) error) error {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return err
	}
	e, err := tx.load(ci, id.String(), true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		return &NotFoundError{Class: ci.Name, ID: id.String()}
	}
	obj := proto.Clone(e.view())
	if err := f(obj); err != nil {
		return err
	}
	return tx.Update(obj)
}

// Append appends elems to the repeated message field named field of the
// stored object of model's class with id, without copying, parsing or
// re-printing the object: like a back-reference added by a child's
// create, the elements are recorded beside the object and spliced into
// its stored text at commit (models.SpliceRepeated), so appends by many
// members of one group's batch (DHCP hosts of a busy subnet) compose at
// the cost of their own size. Bound fields are refused (their
// back-references need Update). A missing object is a NotFoundError.
func (tx *Tx) Append(model proto.Message, id uuid.UUID, field string, elems ...proto.Message) error {
	edits := make([]models.ListEdit, len(elems))
	for i, el := range elems {
		if el == nil {
			return &InvalidObjectError{Class: models.ClassName(model), Reason: fmt.Sprintf("a nil element of %q", field)}
		}
		edits[i].New = el
	}
	return tx.Edit(model, id, field, edits...)
}

// Replace replaces the first element of the repeated message field named
// field of the stored object of model's class with id that is equal to
// old by repl, or removes it when repl is nil, without copying, parsing or
// re-printing the object: recorded beside it as Append's elements are,
// and at commit the element's lines in the stored text are found and
// replaced (models.EditText), so a removal from a long list costs about a
// search of its text. An old that is not there changes nothing (the
// object is written all the same). Refused as Append refuses.
func (tx *Tx) Replace(model proto.Message, id uuid.UUID, field string, old, repl proto.Message) error {
	if old == nil {
		return &InvalidObjectError{Class: models.ClassName(model), Reason: fmt.Sprintf("no element of %q to replace", field)}
	}
	return tx.Edit(model, id, field, models.ListEdit{Old: old, New: repl})
}

// Remove removes the first element of the repeated message field named
// field equal to elem: Replace by nothing.
func (tx *Tx) Remove(model proto.Message, id uuid.UUID, field string, elem proto.Message) error {
	return tx.Replace(model, id, field, elem, nil)
}

// Edit makes Append's and Replace's changes in order: of each edit (its
// Field is set to the field named), New is appended when Old is nil, else
// it replaces the first element equal to Old, which a nil New removes.
// For a caller deciding several changes from one reading of the list
// (Elems): an IP address group's entries gaining and losing a port.
func (tx *Tx) Edit(model proto.Message, id uuid.UUID, field string, edits ...models.ListEdit) error {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return err
	}
	fd, err := repeatedMessageField(ci, field)
	if err != nil {
		return err
	}
	for _, b := range ci.bindings {
		if b.fieldName == field {
			return &InvalidObjectError{Class: ci.Name, Reason: fmt.Sprintf("%q is a bound field: update the object", field)}
		}
	}
	edits = slices.Clone(edits) // the caller's stay as they are
	for i := range edits {
		if edits[i].Old == nil && edits[i].New == nil {
			return &InvalidObjectError{Class: ci.Name, Reason: fmt.Sprintf("an edit of %q without elements", field)}
		}
		for _, el := range []proto.Message{edits[i].Old, edits[i].New} {
			if el == nil {
				continue
			}
			if el.ProtoReflect().Descriptor().FullName() != fd.Message().FullName() {
				return &InvalidObjectError{Class: ci.Name, Reason: fmt.Sprintf("an element of %q is not a %s", field, fd.Message().Name())}
			}
			if _, err := models.AppendElemText(nil, fd, el); err != nil {
				return &InvalidObjectError{Class: ci.Name, Reason: "cannot be stored", Err: err}
			}
		}
		edits[i].Field = fd
		if edits[i].Old != nil {
			edits[i].Old = proto.Clone(edits[i].Old)
		}
		if edits[i].New != nil {
			edits[i].New = proto.Clone(edits[i].New)
		}
	}
	sid := id.String()
	e, err := tx.load(ci, sid, true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		return &NotFoundError{Class: ci.Name, ID: sid}
	}
	if err := tx.noteChange(objKey{ci.Name, sid}, changeData); err != nil {
		return err
	}
	e.appendPend(edits...)
	return nil
}

// Elems calls yield with the elements of the repeated message field named
// field of the stored object of model's class with id, as the
// transaction's edits leave them (appends last), until yield returns
// false; a read like Get's, which does not copy the object, so that a
// caller deciding what to Edit (is this entry there yet? which entry holds
// the port?) costs neither. The elements are the
// transaction's own: yield must neither modify nor keep them. A missing
// object is a NotFoundError.
func (tx *Tx) Elems(model proto.Message, id uuid.UUID, field string, yield func(proto.Message) bool) error {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return err
	}
	fd, err := repeatedMessageField(ci, field)
	if err != nil {
		return err
	}
	sid := id.String()
	e, err := tx.load(ci, sid, false)
	if err != nil {
		return err
	}
	if e.obj == nil {
		return &NotFoundError{Class: ci.Name, ID: sid}
	}
	list := e.obj.ProtoReflect().Get(fd).List()
	if slices.ContainsFunc(e.pend, func(a models.ListEdit) bool { return a.Field.Number() == fd.Number() && a.Old != nil }) {
		// Replacements or removals pending: the edited list of the shared
		// elements (pointers only).
		elems := make([]proto.Message, list.Len())
		for i := range elems {
			elems[i] = list.Get(i).Message().Interface()
		}
		for _, m := range models.EditList(elems, fd, e.pend) {
			if !yield(m) {
				return nil
			}
		}
		return nil
	}
	for i := range list.Len() {
		if !yield(list.Get(i).Message().Interface()) {
			return nil
		}
	}
	for _, a := range e.pend {
		if a.Field.Number() == fd.Number() && !yield(a.New) {
			return nil
		}
	}
	return nil
}

// repeatedMessageField is the field of ci's class named field, which must
// be a repeated message field (what Append and Elems work on).
func repeatedMessageField(ci *classInfo, field string) (protoreflect.FieldDescriptor, error) {
	fd := ci.Type.Descriptor().Fields().ByName(protoreflect.Name(field))
	if fd == nil || !fd.IsList() || fd.Kind() != protoreflect.MessageKind {
		return nil, &InvalidObjectError{Class: ci.Name, Reason: fmt.Sprintf("%q is not a repeated message field", field)}
	}
	return fd, nil
}

// multisetDiff returns the ids in old but not new and in new but not old,
// counting repetitions.
func multisetDiff(old, new []*models.UUID) (removed, added []string) {
	return multisetMinus(old, new), multisetMinus(new, old)
}

// multisetMinus returns the ids of a left over once each id of b has taken
// away one equal id of a, in a's order.
func multisetMinus(a, b []*models.UUID) []string {
	count := map[string]int{}
	for _, id := range b {
		count[id.Canonical()]++
	}
	var rest []string
	for _, id := range a {
		c := id.Canonical()
		if count[c] > 0 {
			count[c]--
		} else {
			rest = append(rest, c)
		}
	}
	return rest
}

// setObject records obj as the new value of an existing object.
func (tx *Tx) setObject(k objKey, obj proto.Message, change int32) error {
	if err := tx.noteChange(k, change); err != nil {
		return err
	}
	tx.cache[k].set(obj)
	return nil
}

// noteChange records a change of an existing object as its op.
func (tx *Tx) noteChange(k objKey, change int32) error {
	switch op := tx.ops[k]; {
	case op == nil:
		tx.addOp(k, &txOp{kind: opUpdate, change: change})
	case op.kind == opDelete:
		return &NotFoundError{Class: k.class, ID: k.id}
	default:
		op.change |= change
	}
	return nil
}

// addBackRef records thisID in the back field of the referenced object.
func (tx *Tx) addBackRef(ci *classInfo, thisID string, b binding, thatID string) error {
	rc := tx.s.schema.classes[b.refClass]
	e, err := tx.load(rc, thatID, true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		return &NotFoundError{Class: rc.Name, ID: thatID}
	}
	this, err := models.ParseUUID(thisID)
	if err != nil {
		return err
	}
	if b.back.IsList() {
		// Appending composes: recorded, not applied (see entry.pend).
		k := objKey{rc.Name, thatID}
		if err := tx.noteChange(k, changeBackRef); err != nil {
			return err
		}
		e.appendPend(models.ListEdit{Field: b.back, New: this})
		return nil
	}
	updated := proto.Clone(e.view())
	if err := models.AddRefID(updated, b.backName, this); err != nil {
		var set *models.RefAlreadySetError
		if errors.As(err, &set) {
			return &ReferenceConflictError{Class: rc.Name, ID: thatID, Field: b.backName,
				ReferencedClass: ci.Name, ReferencedID: set.Existing.Canonical()}
		}
		return err
	}
	return tx.setObject(objKey{rc.Name, thatID}, updated, changeBackRef)
}

// clearBackRef removes thisID from the back field of the referenced
// object; nothing happens when that object is already deleted in the
// transaction.
func (tx *Tx) clearBackRef(ci *classInfo, thisID string, b binding, thatID string) error {
	rc := tx.s.schema.classes[b.refClass]
	e, err := tx.load(rc, thatID, true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		if e.deleted {
			return nil
		}
		return &NotFoundError{Class: rc.Name, ID: thatID}
	}
	this, err := models.ParseUUID(thisID)
	if err != nil {
		return err
	}
	if b.back.IsList() {
		// Removing composes too: recorded, not applied (see entry.pend).
		// A back-reference that is not there leaves the list as it is and
		// the object is written all the same, as the reference does.
		if err := tx.noteChange(objKey{rc.Name, thatID}, changeBackRef); err != nil {
			return err
		}
		e.appendPend(models.ListEdit{Field: b.back, Old: this})
		return nil
	}
	updated := proto.Clone(e.view())
	removed, err := models.RemoveRefID(updated, b.backName, this)
	if err != nil || !removed {
		return err
	}
	return tx.setObject(objKey{rc.Name, thatID}, updated, changeBackRef)
}

// Delete deletes an object and applies the delete action of each of its
// bindings to the objects it references: CLEAR removes the back-reference,
// CASCADE deletes them (recursively), ERROR refuses with ObjectReferenced.
// With ignoreMissing a missing object (here or down a cascade) is not an
// error.
func (tx *Tx) Delete(model proto.Message, id uuid.UUID, ignoreMissing bool) error {
	ci, err := tx.s.classOf(model)
	if err != nil {
		return err
	}
	return tx.delete(ci, id.String(), ignoreMissing)
}

func (tx *Tx) delete(ci *classInfo, id string, ignoreMissing bool) error {
	k := objKey{ci.Name, id}
	e, err := tx.load(ci, id, true)
	if err != nil {
		return err
	}
	if e.obj == nil {
		if ignoreMissing {
			return nil
		}
		return &NotFoundError{Class: ci.Name, ID: id}
	}
	switch op := tx.ops[k]; {
	case op == nil:
		tx.addOp(k, &txOp{kind: opDelete, change: changeData})
	case op.kind == opCreate:
		tx.removeOp(k)
	default:
		op.kind, op.change = opDelete, op.change|changeData
	}
	old := e.view()
	e.set(nil)
	e.deleted = true
	for _, b := range ci.bindings {
		refs, err := models.RefIDs(old, b.fieldName)
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, ref := range refs {
			thatID := ref.Canonical()
			if done[thatID] || tx.deletedInTx(b.refClass, thatID) {
				continue
			}
			done[thatID] = true
			switch b.onDelete {
			case Error:
				return &ObjectReferencedError{Class: ci.Name, ID: id, ReferencingClass: b.refClass, ReferencingID: thatID}
			case Clear:
				err = tx.clearBackRef(ci, id, b, thatID)
			case Cascade:
				err = tx.delete(tx.s.schema.classes[b.refClass], thatID, ignoreMissing)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (tx *Tx) deletedInTx(class, id string) bool {
	e := tx.cache[objKey{class, id}]
	return e != nil && e.deleted
}

// checkMarshal prints obj as stored, or says why it cannot be.
func checkMarshal(ci *classInfo, obj proto.Message) ([]byte, error) {
	text, err := models.Marshal(obj)
	if err != nil {
		return nil, &InvalidObjectError{Class: ci.Name, Reason: "cannot be stored", Err: err}
	}
	return text, nil
}

// commitKind is what a storage op of the multi writes or checks.
type commitKind uint8

const (
	commitModel      commitKind = iota + 1 // an object's model node
	commitProvenance                       // its provenance node (objects/)
	commitTable                            // a state-table directory of a created object
	commitCheck                            // the version check of an object only read
	commitNode                             // a raw node (CreateNode, EnsureNode ...)
	commitGuard                            // a class directory's guard (GuardClass)
)

// commitOp ties a storage op of the multi back to the object it is for.
type commitOp struct {
	key  objKey
	kind commitKind
	op   opKind // the object's op (0 for checks and nodes)
}

func (tx *Tx) buildMulti() ([]storage.Op, []commitOp, error) {
	var ops []storage.Op
	var meta []commitOp
	add := func(o storage.Op, c commitOp) { ops = append(ops, o); meta = append(meta, c) }
	s := tx.s
	for _, k := range tx.order {
		op, e := tx.ops[k], tx.cache[k]
		mp, pp := s.modelPath(k.class, k.id), s.objectsPath(k.class, k.id)
		switch {
		case op.kind == opCreate && !e.inStore:
			data, err := e.encode()
			if err != nil {
				return nil, nil, err
			}
			add(keep(storage.CreateOp(mp, data, storage.Persistent)), commitOp{k, commitModel, opCreate})
			prov := s.newProvenance(op.change, 0)
			if tx.existing[pp] {
				add(storage.SetOp(pp, prov, storage.AnyVersion), commitOp{k, commitProvenance, opCreate})
			} else {
				add(storage.CreateOp(pp, prov, storage.Persistent), commitOp{k, commitProvenance, opCreate})
			}
			if tables := s.schema.classes[k.class].tables; len(tables) > 0 {
				dirs := []string{s.tablesObjPath(k.class, k.id)}
				for _, t := range tables {
					dirs = append(dirs, dirs[0]+"/"+t)
				}
				for _, d := range dirs {
					if !tx.existing[d] {
						add(storage.CreateOp(d, nil, storage.Persistent), commitOp{k, commitTable, opCreate})
					}
				}
			}
		case op.kind == opCreate || op.kind == opUpdate:
			data, err := e.encode()
			if err != nil {
				return nil, nil, err
			}
			add(keep(storage.SetOp(mp, data, e.version)), commitOp{k, commitModel, opUpdate})
			newVersion := int32(e.version) + 1
			if e.hasProv {
				if prov := s.updateProvenance(e.prov, op.change, newVersion); prov != nil {
					add(storage.SetOp(pp, prov, e.provVersion), commitOp{k, commitProvenance, opUpdate})
				}
			} else {
				add(storage.CreateOp(pp, s.newProvenance(op.change, newVersion), storage.Persistent), commitOp{k, commitProvenance, opUpdate})
			}
		case op.kind == opDelete:
			add(storage.DeleteOp(mp, e.version), commitOp{k, commitModel, opDelete})
			if e.hasProv {
				add(storage.DeleteOp(pp, e.provVersion), commitOp{k, commitProvenance, opDelete})
			}
		}
	}
	for _, o := range tx.nodeMultiOps() {
		add(o, commitOp{kind: commitNode})
	}
	for p, g := range tx.guards {
		add(storage.SetOp(p, g.data, g.version), commitOp{kind: commitGuard})
	}
	// Objects only read: their versions must still hold at commit.
	for k, e := range tx.cache {
		if e.inStore && tx.ops[k] == nil {
			add(storage.CheckOp(s.modelPath(k.class, k.id), e.version), commitOp{k, commitCheck, 0})
		}
	}
	return ops, meta, nil
}

// keep marks an op's data as never modified after the commit: an object's
// printed text is fresh from encode and afterwards only read (the decoded
// cache splices the next version into a copy), so an in-memory backend
// need not copy it.
func keep(o storage.Op) storage.Op {
	o.Keep = true
	return o
}

// commit writes the transaction as one multi. Nothing to write: nothing
// to check either (a read-only transaction has no effect to protect).
func (tx *Tx) commit() error {
	if len(tx.order) == 0 && len(tx.nodeMultiOps()) == 0 {
		return nil
	}
	if err := tx.loadProvenance(); err != nil {
		return err
	}
	// A few tries to reuse leftover table directories, and two per raw
	// node for what the multi tells of ensured ones (EnsureNode).
	for range 4 + 2*len(tx.nodes) {
		ops, meta, err := tx.buildMulti()
		if err != nil {
			return err
		}
		if tx.sending != nil {
			tx.sending(ops, meta)
			tx.sending = nil
		}
		results, err := tx.s.conn.Multi(tx.ctx, ops...)
		if err == nil {
			tx.remember(ops, meta, results)
			return nil
		}
		var me *storage.MultiError
		if !errors.As(err, &me) || me.Index < 0 || me.Index >= len(meta) {
			return fmt.Errorf("zoom: commit: %w", err)
		}
		m := meta[me.Index]
		switch {
		case m.kind == commitNode && me.Op.Kind == storage.OpCreate && tx.resolveEnsured(me.Op.Path, err):
			continue // commit again with what the multi said of an ensured node
		case m.kind == commitNode && errors.Is(err, storage.ErrNodeExists) && me.Op.Kind == storage.OpCreate:
			// The node (or an ancestor created for it) was absent when the
			// transaction looked: another writer created it since. Run the
			// function again; it then sees the node (and a create of the
			// node itself fails there with ErrNodeExists).
			return &ConcurrentModificationError{Err: &NodeError{Path: me.Op.Path, Err: ErrNodeExists}}
		case m.kind == commitNode && errors.Is(err, storage.ErrNoNode) && me.Op.Kind != storage.OpCreate:
			return &NodeError{Path: me.Op.Path, Err: ErrNodeNotFound}
		case m.kind == commitNode && (errors.Is(err, storage.ErrNoNode) || errors.Is(err, storage.ErrNotEmpty)):
			// A parent vanished or a child appeared meanwhile.
			return &ConcurrentModificationError{Err: err}
		case m.kind == commitGuard:
			// Another guarding transaction committed since GuardClass.
			return &ConcurrentModificationError{Err: fmt.Errorf("class %s: %w", me.Op.Path, err)}
		case errors.Is(err, storage.ErrNodeExists) && m.kind == commitModel:
			return &ObjectExistsError{Class: m.key.class, ID: m.key.id}
		case errors.Is(err, storage.ErrNodeExists) && (m.kind == commitTable || (m.kind == commitProvenance && m.op == opCreate)):
			// Left over from an earlier object with this id: reuse it.
			tx.existing[me.Op.Path] = true
			continue
		case errors.Is(err, storage.ErrBadVersion), errors.Is(err, storage.ErrNoNode),
			errors.Is(err, storage.ErrNodeExists):
			if wait := tx.baseCommitted; wait != nil {
				tx.baseCommitted = nil
				if wait() == nil {
					continue // sent before the batch it was built on
				}
			}
			tx.s.cache.forget(m.key) // the next attempt reads it
			return &ConcurrentModificationError{Class: m.key.class, ID: m.key.id, Err: err}
		default:
			return fmt.Errorf("zoom: commit: %w", err)
		}
	}
	return &ConcurrentModificationError{Err: errors.New("table directories keep appearing")}
}

// remember forgets the objects just deleted and puts those just updated
// in the decoded cache under their new zxids, with the text and
// provenance written: the next reader need not parse them, the next
// writer (speculate) need not read them.
func (tx *Tx) remember(ops []storage.Op, meta []commitOp, results []storage.OpResult) {
	for i, m := range meta {
		if m.kind == commitModel && m.op == opDelete {
			tx.s.cache.forget(m.key)
		}
		if m.kind != commitModel || m.op != opUpdate || i >= len(results) || results[i].Stat.Mzxid == 0 {
			continue
		}
		e, st := tx.cache[m.key], results[i].Stat
		// The text is encode's: fresh, or extended in capacity this
		// transaction claimed; what lies beyond it is unclaimed.
		grow := tx.grown[m.key]
		if grow == nil {
			grow = new(atomic.Bool)
		}
		d := decoded{czxid: st.Czxid, mzxid: st.Mzxid, version: st.Version, obj: e.obj, pend: e.pend, text: ops[i].Data, grow: grow,
			prov: e.prov, provVersion: e.provVersion, hasProv: e.hasProv, provKnown: e.provLoaded, own: true}
		if j := i + 1; j < len(meta) && meta[j].kind == commitProvenance && meta[j].key == m.key && j < len(results) {
			d.prov, d.hasProv, d.provKnown = ops[j].Data, true, true
			d.provVersion = 0
			if ops[j].Kind == storage.OpSet {
				d.provVersion = results[j].Stat.Version
			}
		}
		if e.pendOwned {
			// Beyond its length the array is this transaction's: the
			// cached version's to hand on (appendPend).
			d.pendGrow = new(atomic.Bool)
		}
		if pendingFull(d.pend) { // keep the list short: one copy per maxPending edits
			d.obj, d.pend, d.pendGrow = models.ApplyListEditsShared(d.obj, d.pend), nil, nil
		}
		// The write fired the watch of the version before: the entry is
		// unarmed until rearm's stat finds it current.
		tx.s.cache.put(m.key, d)
		tx.s.rearm(m.key)
	}
}

// afterCommit hands the table directories of deleted objects to the
// store's reaper (best effort, as the reference; the recycler would get
// them otherwise).
func (tx *Tx) afterCommit() {
	for _, k := range tx.order {
		if tx.ops[k].kind != opDelete || len(tx.s.schema.classes[k.class].tables) == 0 {
			continue
		}
		tx.s.reaper.reap(tx.s, k, tx.s.tablesObjPath(k.class, k.id))
	}
}
