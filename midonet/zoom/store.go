package zoom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// ClusterNamespace is the state namespace of the cluster (the zero UUID);
// agents use their host id.
const ClusterNamespace = "00000000-0000-0000-0000-000000000000"

// Owner identifies the writer in the provenance metadata stored beside each
// object (ZoomOwner in the reference).
type Owner int32

// The reference's ZoomOwner ids.
const (
	OwnerNone              Owner = 0
	OwnerClusterAPI        Owner = 0x101
	OwnerClusterNeutron    Owner = 0x102
	OwnerClusterContainers Owner = 0x103
	OwnerAgentBinding      Owner = 0x201
	OwnerAgentHaProxy      Owner = 0x202
)

// Options configure a Store. The zero value works: root /midonet, the
// cluster's state namespace, owner None, transactions retried until their
// context ends.
type Options struct {
	// Root is the MidoNet root key (zookeeper.root_key), default "/midonet".
	Root string
	// Namespace is the state namespace this store writes (a host id for
	// agents), default ClusterNamespace.
	Namespace string
	// Owner is recorded as provenance of every write.
	Owner Owner
	// Attempts, when set, bounds how many times Tx runs its function when
	// commits lose optimistic-lock races; by default it runs again until
	// the commit succeeds or the context ends.
	Attempts int
	// SequenceBlock is how many values of a shared counter (Next) the
	// store reserves at a time; default 32, 1 takes them one by one as
	// the reference does. Blocks of more than one value grow, up to 16
	// times it, while each is used up within a second.
	SequenceBlock int
	// ProductVersion and ProductCommit are recorded as provenance.
	ProductVersion, ProductCommit string
	// FailFastConn, when set, holds the values of FailFast state keys
	// (a session with a short timeout); default: the store's own Conn.
	FailFastConn storage.Conn
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Store is the ZOOM object store over one storage connection. All methods
// are safe for concurrent use.
type Store struct {
	conn     storage.Conn
	failFast storage.Conn
	schema   *schema
	opts     Options
	zoom     string // <root>/zoom/0
	log      *slog.Logger
	cache    *decodedCache
	groups   groups
	gstats   groupStats
	seqs     sequences
	legacy   legacyAbsent
	loads    loads
	barrier  barrier
	reaper   *tableReaper
	classes  classLists
}

// The decoded-object cache is bounded in entries (keys of objects read
// once included) and in the heap its kept objects hold, estimated from
// their text (entryCost): tens of MB, whatever the number of objects in
// the store. The watches it holds are bounded by its entry count
// (decodedCache.mayWatch).
const (
	decodedCacheSize  = 1 << 16
	decodedCacheBytes = 32 << 20
)

// NewStore builds a store for schema over conn and makes sure the class
// directories exist (models/, objects/, tables/ and state/<namespace>/ of
// every class), as the reference's build() does.
func NewStore(ctx context.Context, conn storage.Conn, sch Schema, opts Options) (*Store, error) {
	cs, err := compileSchema(sch)
	if err != nil {
		return nil, err
	}
	if opts.Root == "" {
		opts.Root = "/midonet"
	}
	if !strings.HasPrefix(opts.Root, "/") || (len(opts.Root) > 1 && strings.HasSuffix(opts.Root, "/")) {
		return nil, fmt.Errorf("zoom: bad root %q", opts.Root)
	}
	if opts.Namespace == "" {
		opts.Namespace = ClusterNamespace
	}
	if !validNodeName(opts.Namespace) {
		return nil, fmt.Errorf("zoom: bad namespace %q", opts.Namespace)
	}
	if opts.Attempts < 0 {
		opts.Attempts = 0
	}
	if opts.SequenceBlock <= 0 {
		opts.SequenceBlock = defaultSequenceBlock
	}
	if opts.FailFastConn == nil {
		opts.FailFastConn = conn
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	root := opts.Root
	if root == "/" {
		root = ""
	}
	s := &Store{
		conn: conn, failFast: opts.FailFastConn, schema: cs, opts: opts,
		zoom: root + "/zoom/0", log: opts.Logger,
		cache:  newDecodedCache(decodedCacheSize, decodedCacheBytes, decodedCacheSize),
		reaper: newTableReaper(),
	}
	if err := s.ensureClassNodes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Conn is the storage connection the store runs on.
func (s *Store) Conn() storage.Conn { return s.conn }

// ZoomPath is <root>/zoom/0.
func (s *Store) ZoomPath() string { return s.zoom }

// Namespace is the state namespace the store writes.
func (s *Store) Namespace() string { return s.opts.Namespace }

func (s *Store) classDirs() []string {
	var dirs []string
	for _, c := range s.schema.order {
		dirs = append(dirs, s.zoom+"/models/"+c, s.zoom+"/objects/"+c, s.zoom+"/tables/"+c,
			s.zoom+"/state/"+s.opts.Namespace+"/"+c)
	}
	return dirs
}

// ensureClassNodes first checks all directories in one multi (one round
// trip on every start but the first), then creates what is missing.
func (s *Store) ensureClassNodes(ctx context.Context) error {
	dirs := s.classDirs()
	checks := make([]storage.Op, len(dirs))
	for i, d := range dirs {
		checks[i] = storage.CheckOp(d, storage.AnyVersion)
	}
	if _, err := s.conn.Multi(ctx, checks...); err == nil {
		return nil
	}
	for _, d := range dirs {
		if err := mkdirs(ctx, s.conn, d); err != nil {
			return fmt.Errorf("zoom: creating %s: %w", d, err)
		}
	}
	return nil
}

// mkdirs creates path and its missing ancestors as empty persistent nodes.
func mkdirs(ctx context.Context, c storage.Conn, path string) error {
	if _, ok, err := c.Exists(ctx, path); err != nil {
		return err
	} else if ok {
		return nil
	}
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		p := path[:i]
		if _, err := c.Create(ctx, p, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			return err
		}
	}
	return nil
}

func (s *Store) classPath(class string) string         { return s.zoom + "/models/" + class }
func (s *Store) modelPath(class, id string) string     { return s.zoom + "/models/" + class + "/" + id }
func (s *Store) objectsPath(class, id string) string   { return s.zoom + "/objects/" + class + "/" + id }
func (s *Store) tablesObjPath(class, id string) string { return s.zoom + "/tables/" + class + "/" + id }

// classOf finds the registered class of a model message.
func (s *Store) classOf(model proto.Message) (*classInfo, error) {
	if model == nil {
		return nil, &InvalidObjectError{Class: "<nil>", Reason: "no object"}
	}
	name := models.ClassName(model)
	ci, ok := s.schema.classes[name]
	if !ok || ci.Type.Descriptor().FullName() != model.ProtoReflect().Descriptor().FullName() {
		return nil, &UnregisteredError{Class: name}
	}
	return ci, nil
}

func (s *Store) classByName(name string) (*classInfo, error) {
	ci, ok := s.schema.classes[name]
	if !ok {
		return nil, &UnregisteredError{Class: name}
	}
	return ci, nil
}

// objectID returns the canonical id string of obj.
func objectID(ci *classInfo, obj proto.Message) (string, error) {
	id, err := models.ID(obj)
	if err != nil {
		return "", &InvalidObjectError{Class: ci.Name, Reason: "no id", Err: err}
	}
	if id.Msb == nil || id.Lsb == nil {
		return "", &InvalidObjectError{Class: ci.Name, Reason: "incomplete id"}
	}
	return id.Canonical(), nil
}

func (s *Store) decode(ci *classInfo, id string, data []byte) (proto.Message, error) {
	m := ci.New()
	if err := models.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("zoom: stored %s %s is corrupt: %w", ci.Name, id, err)
	}
	return m, nil
}

// Get reads one object of model's class (model only names the class).
func (s *Store) Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, ci, id.String())
}

func (s *Store) get(ctx context.Context, ci *classInfo, id string) (proto.Message, error) {
	if err := s.awaitSync(ctx); err != nil {
		return nil, fmt.Errorf("zoom: get %s %s: %w", ci.Name, id, err)
	}
	return s.getCurrent(ctx, ci, id, s.copyOf)
}

// getCurrent reads an object after the barrier (awaitSync): its armed
// cache entry if it has one, else a read that arms it.
func (s *Store) getCurrent(ctx context.Context, ci *classInfo, id string, hand handOut) (proto.Message, error) {
	d, exists, err := s.load(ctx, ci, id, false)
	if err != nil {
		return nil, fmt.Errorf("zoom: get %s %s: %w", ci.Name, id, err)
	}
	if !exists {
		return nil, &NotFoundError{Class: ci.Name, ID: id}
	}
	return hand(objKey{ci.Name, id}, d), nil
}

// handOut turns a cached object into what a read returns: copyOf, or
// sharedOf for the listings that only read what they are handed (Each,
// EachOf).
type handOut func(k objKey, d decoded) proto.Message

// sharedOf is the cache's own object when no edits are pending on it (the
// cache never modifies an object it holds: writes put new ones), else
// copyOf's copy: what Each and EachOf hand over, so that a listing of
// thousands of objects for encoding (a REST list) does not copy each.
func (s *Store) sharedOf(k objKey, d decoded) proto.Message {
	if len(d.pend) == 0 {
		return d.obj
	}
	return s.copyOf(k, d)
}

// copyOf is the caller's copy of a cached object, its pending appends
// applied (one copy of the object). Once many are pending, they are
// applied in the cache too (a second copy, every maxPending appends).
func (s *Store) copyOf(k objKey, d decoded) proto.Message {
	if pendingFull(d.pend) {
		d.obj, d.pend = models.ApplyListEditsShared(d.obj, d.pend), nil
		s.cache.put(k, d)
	}
	return models.ApplyListEdits(d.obj, d.pend)
}

// Exists reports whether the object is stored.
func (s *Store) Exists(ctx context.Context, model proto.Message, id uuid.UUID) (bool, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return false, err
	}
	_, ok, err := s.conn.Exists(ctx, s.modelPath(ci.Name, id.String()))
	if err != nil {
		return false, fmt.Errorf("zoom: exists %s %s: %w", ci.Name, id, err)
	}
	return ok, nil
}

// readParallelism bounds the concurrent reads of GetAll.
const readParallelism = 64

// GetAll reads every object of model's class, in id order. Reads are issued
// concurrently (the zk backend pipelines them on its one connection).
// Objects deleted while listing are left out.
func (s *Store) GetAll(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	var out []proto.Message
	err := s.each(ctx, model, s.copyOf, func(m proto.Message) error {
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listChunk is how many objects Each reads (concurrently) before handing
// them over: what a listing holds at a time, whatever the class's size.
const listChunk = 4 * readParallelism

// Each hands every object of model's class to yield, in id order, as
// GetAll lists them, reading them a chunk at a time (concurrently within
// a chunk) so that a listing of any size holds one chunk of objects and
// its first objects go out before the last are read. Objects deleted
// while listing are left out. An error of yield stops the listing and is
// returned. The objects are the store's, shared with its other readers:
// yield must not modify them (GetAll's are the caller's copies).
func (s *Store) Each(ctx context.Context, model proto.Message, yield func(proto.Message) error) error {
	return s.each(ctx, model, s.sharedOf, yield)
}

func (s *Store) each(ctx context.Context, model proto.Message, hand handOut, yield func(proto.Message) error) error {
	ci, err := s.classOf(model)
	if err != nil {
		return err
	}
	if err := s.awaitSync(ctx); err != nil {
		return fmt.Errorf("zoom: list %s: %w", ci.Name, err)
	}
	ids, err := s.classIDs(ctx, ci)
	if err != nil {
		return fmt.Errorf("zoom: list %s: %w", ci.Name, err)
	}
	return s.eachOf(ctx, ci, ids, hand, yield)
}

// EachOf hands the objects of model's class with ids over to yield, in the
// order of ids, read as Each reads them (a chunk at a time, concurrently
// within it); missing ones are left out. An error of yield stops it and is
// returned. As Each's, the objects are shared: yield must not modify them.
func (s *Store) EachOf(ctx context.Context, model proto.Message, ids []uuid.UUID, yield func(proto.Message) error) error {
	ci, err := s.classOf(model)
	if err != nil {
		return err
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	if err := s.awaitSync(ctx); err != nil {
		return fmt.Errorf("zoom: list %s: %w", ci.Name, err)
	}
	return s.eachOf(ctx, ci, strs, s.sharedOf, yield)
}

func (s *Store) eachOf(ctx context.Context, ci *classInfo, ids []string, hand handOut, yield func(proto.Message) error) error {
	for len(ids) > 0 {
		n := min(len(ids), listChunk)
		objs, err := s.getMany(ctx, ci, ids[:n], true, hand)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if o == nil {
				continue
			}
			if err := yield(o); err != nil {
				return err
			}
		}
		ids = ids[n:]
	}
	return nil
}

// List is GetAll (the name the REST layer's Store interface uses).
func (s *Store) List(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	return s.GetAll(ctx, model)
}

// GetMany reads the given objects concurrently; any missing one fails the
// call with NotFound.
func (s *Store) GetMany(ctx context.Context, model proto.Message, ids []uuid.UUID) ([]proto.Message, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	if err := s.awaitSync(ctx); err != nil {
		return nil, fmt.Errorf("zoom: get %s: %w", ci.Name, err)
	}
	return s.getMany(ctx, ci, strs, false, s.copyOf)
}

// getMany reads the objects after the barrier (awaitSync).
func (s *Store) getMany(ctx context.Context, ci *classInfo, ids []string, skipMissing bool, hand handOut) ([]proto.Message, error) {
	out := make([]proto.Message, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, readParallelism)
	var wg sync.WaitGroup
	for i, id := range ids {
		// An armed entry is taken here, as load would take it: a listing
		// served from the cache starts no goroutine per object.
		k := objKey{ci.Name, id}
		if d, ok := s.cache.armedEntry(k); ok {
			out[i] = hand(k, d)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = s.getCurrent(ctx, ci, id, hand)
			if skipMissing && errors.Is(errs[i], ErrNotFound) {
				errs[i] = nil
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Create stores a new object (one transaction, with its bindings).
func (s *Store) Create(ctx context.Context, obj proto.Message) error {
	return s.Tx(ctx, func(tx *Tx) error { return tx.Create(obj) })
}

// Update replaces a stored object (one transaction, with its bindings).
func (s *Store) Update(ctx context.Context, obj proto.Message) error {
	return s.Tx(ctx, func(tx *Tx) error { return tx.Update(obj) })
}

// UpdateWith is Update with a validator (see Tx.UpdateWith).
func (s *Store) UpdateWith(ctx context.Context, obj proto.Message, v Validator) error {
	return s.Tx(ctx, func(tx *Tx) error { return tx.UpdateWith(obj, v) })
}

// Delete deletes an object with its cascades (one transaction).
func (s *Store) Delete(ctx context.Context, model proto.Message, id uuid.UUID) error {
	return s.Tx(ctx, func(tx *Tx) error { return tx.Delete(model, id, false) })
}

// DeleteIfExists is Delete that does nothing when the object is missing.
func (s *Store) DeleteIfExists(ctx context.Context, model proto.Message, id uuid.UUID) error {
	return s.Tx(ctx, func(tx *Tx) error { return tx.Delete(model, id, true) })
}

// Tx runs f in a fresh transaction and commits everything f did as one
// storage multi. When the commit (or a read inside f) loses a race with
// another writer, f runs again on fresh state, in the group of the object
// raced for (group.go: this process's writers of a hot object commit
// together), until the commit succeeds, ctx ends or, when set,
// Options.Attempts runs were made; then the ConcurrentModificationError is
// returned. Without a deadline on ctx, retrying stops after
// defaultRetryWindow. Any other error of f or of the commit is returned at
// once and nothing is written. f must not keep tx nor use it from several
// goroutines, and must be safe to run again.
func (s *Store) Tx(ctx context.Context, f func(tx *Tx) error) error {
	if _, ok := ctx.Deadline(); !ok && s.opts.Attempts == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultRetryWindow)
		defer cancel()
	}
	var g *group // the group of the object last raced for
	for attempt := 1; ; attempt++ {
		var err error
		if g != nil {
			err = g.submit(ctx, f)
			if errors.Is(err, errRunAlone) {
				g, err = nil, s.runAlone(ctx, f, nil)
			}
		} else {
			err = s.runAlone(ctx, f, &g)
		}
		if err == nil {
			return nil
		}
		var cme *ConcurrentModificationError
		if !errors.As(err, &cme) {
			return err
		}
		if (s.opts.Attempts > 0 && attempt >= s.opts.Attempts) || ctx.Err() != nil {
			own := *cme // a batch gives every member the same error
			own.Attempts = attempt
			return &own
		}
		if cme.Class != "" && (g == nil || g.key != (objKey{cme.Class, cme.ID})) {
			// First conflict on this object: join its group right away.
			g = s.groups.hot(s, objKey{cme.Class, cme.ID})
			continue
		}
		if err := sleepBackoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// defaultRetryWindow bounds the retries of a transaction whose context has
// no deadline (and no Options.Attempts is set).
const defaultRetryWindow = time.Minute

// runAlone runs f in a transaction of its own and commits it. With join
// set, a transaction about to write an object whose group is active
// (another local writer is committing to it) joins that group instead:
// f stops at its first load of that object (errJoinGroup, before reading
// it) and runs again there, in the group's next batch.
func (s *Store) runAlone(ctx context.Context, f func(*Tx) error, join **group) error {
	tx := newTx(ctx, s)
	tx.speculate = true
	tx.joinHot = join != nil
	err := f(tx)
	if err != nil && tx.failedUnverified(err) {
		// Its answer must not come from a copy the session knows stale.
		tx = newTx(ctx, s)
		tx.speculate, tx.joinHot, tx.armedOnly = true, join != nil, true
		err = f(tx)
	}
	if err != nil && tx.hot == nil {
		return err
	}
	if join != nil {
		g := tx.hot
		if g == nil {
			g = s.groups.activeFor(tx.order)
		}
		if g != nil {
			*join = g
			err := g.submit(ctx, f)
			if errors.Is(err, errRunAlone) {
				*join = nil
				return s.runAlone(ctx, f, nil)
			}
			return err
		}
	}
	if err := tx.commit(); err != nil {
		return err
	}
	tx.afterCommit()
	return nil
}

// sleepBackoff waits a random time growing with attempt (capped), so that
// writers contending for one object (from other processes: local ones
// commit together in its group) spread out instead of colliding again.
func sleepBackoff(ctx context.Context, attempt int) error {
	maxWait := time.Millisecond << min(attempt, 7)
	t := time.NewTimer(rand.N(maxWait))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
