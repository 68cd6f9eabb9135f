package zoom

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/storage"
	"google.golang.org/protobuf/proto"
)

// State tables are replicated maps kept as the children of a directory:
// each entry is one node named "<key>,<value>,<version>" (no data).
// Learned entries are ephemeral-sequential nodes created with the prefix
// "<key>,<value>," (the sequence is the version); persistent entries are
// persistent nodes with version PersistentVersion. When several entries
// hold one key, the learned entry with the highest version wins and any
// learned entry beats a persistent one (the reference's implementation).

// PersistentVersion is the version of persistent entries (Int.MaxValue).
const PersistentVersion = 2147483647

// TableEntry is one entry node of a state table.
type TableEntry struct {
	Key, Value string
	Version    int32
}

// Persistent reports whether the entry is a persistent one.
func (e TableEntry) Persistent() bool { return e.Version == PersistentVersion }

// Name is the entry's node name.
func (e TableEntry) Name() string { return fmt.Sprintf("%s,%s,%010d", e.Key, e.Value, e.Version) }

// ParseTableEntry decodes an entry node name; ok is false for names that
// are not entries (they are ignored, as in the reference).
func ParseTableEntry(name string) (TableEntry, bool) {
	parts := strings.Split(name, ",")
	if len(parts) != 3 || parts[0] == "" {
		return TableEntry{}, false
	}
	v, err := strconv.ParseInt(parts[2], 10, 32)
	if err != nil || v < 0 {
		return TableEntry{}, false
	}
	return TableEntry{Key: parts[0], Value: parts[1], Version: int32(v)}, true
}

// ResolveEntries picks the winning entry per key of a table's entry node
// names (undecodable names left out), as the table itself does.
func ResolveEntries(names []string) map[string]TableEntry { return resolve(parseEntries(names)) }

// resolve picks the winning entry per key, with the reference's rule: a
// learned entry replaces a persistent one and an older learned one; a
// persistent entry replaces nothing. Of several persistent entries (one MAC
// added for two ports) the reference keeps the first the server lists;
// here it is the one of smallest value, so every node and every read
// agrees. The others are still entries: Contains finds them.
func resolve(entries []TableEntry) map[string]TableEntry {
	out := map[string]TableEntry{}
	for _, e := range entries {
		prev, ok := out[e.Key]
		switch {
		case !ok:
			out[e.Key] = e
		case e.Persistent():
			if prev.Persistent() && e.Value < prev.Value {
				out[e.Key] = e
			}
		case prev.Persistent() || prev.Version < e.Version:
			out[e.Key] = e
		}
	}
	return out
}

// Table is one state table of one object. Get it with Store.Table.
type Table struct {
	s    *Store
	path string
}

// Table returns the state table name of an object, under
// <Z>/tables/<Class>/<id>/<name>[/<arg>...] — or under the table's legacy
// path when the schema names one and it exists.
func (s *Store) Table(ctx context.Context, model proto.Message, id uuid.UUID, name string, args ...string) (*Table, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	var spec *TableSpec
	for i := range s.schema.tableSpecs {
		if t := &s.schema.tableSpecs[i]; t.Class == ci.Name && t.Name == name {
			spec = t
		}
	}
	if spec == nil {
		return nil, fmt.Errorf("zoom: %s has no state table %q: %w", ci.Name, name, ErrUnregistered)
	}
	for _, a := range args {
		if !validNodeName(a) {
			return nil, fmt.Errorf("zoom: bad state table argument %q", a)
		}
	}
	if spec.Legacy != nil {
		if lp := spec.Legacy(strings.TrimSuffix(s.zoom, "/zoom/0"), id.String(), args); lp != "" && !s.legacy.absent(lp) {
			if _, ok, err := s.conn.Exists(ctx, lp); err != nil {
				return nil, fmt.Errorf("zoom: table %s: %w", name, err)
			} else if ok {
				return &Table{s: s, path: lp}, nil
			}
			s.legacy.noteAbsent(lp)
		}
	}
	p := s.tablesObjPath(ci.Name, id.String()) + "/" + name
	for _, a := range args {
		p += "/" + a
	}
	return &Table{s: s, path: p}, nil
}

// legacyAbsent remembers legacy table paths found missing, so that the
// tables of objects made since MidoNet 5 (all of them, on a deployment
// that never ran an older version) cost no lookup per use: only MidoNet
// before 5.0 made those paths, nothing makes one now (the recycler only
// deletes them), so a missing one stays missing. Bounded: forgotten all at
// once when full.
type legacyAbsent struct {
	mu sync.Mutex
	m  map[string]struct{}
}

const maxLegacyAbsent = 1 << 16

func (l *legacyAbsent) absent(p string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.m[p]
	return ok
}

func (l *legacyAbsent) noteAbsent(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxLegacyAbsent {
		l.m = map[string]struct{}{}
	}
	l.m[p] = struct{}{}
}

// Path is the table's directory.
func (t *Table) Path() string { return t.path }

func checkEntryPart(what, s string) error {
	if s == "" || strings.ContainsAny(s, ",/") {
		return fmt.Errorf("zoom: bad state table %s %q", what, s)
	}
	return nil
}

// Entries lists the table's entry nodes (undecodable names left out).
func (t *Table) Entries(ctx context.Context) ([]TableEntry, error) {
	children, _, err := t.s.conn.Children(ctx, t.path)
	if errors.Is(err, storage.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoom: table %s: %w", t.path, err)
	}
	return parseEntries(children), nil
}

func parseEntries(names []string) []TableEntry {
	var out []TableEntry
	for _, n := range names {
		if e, ok := ParseTableEntry(n); ok {
			out = append(out, e)
		}
	}
	return out
}

// Snapshot returns the table's current map, conflicts resolved.
func (t *Table) Snapshot(ctx context.Context) (map[string]string, error) {
	entries, err := t.Entries(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, e := range resolve(entries) {
		out[k] = e.Value
	}
	return out, nil
}

// Get returns the value of key.
func (t *Table) Get(ctx context.Context, key string) (string, bool, error) {
	snap, err := t.Snapshot(ctx)
	if err != nil {
		return "", false, err
	}
	v, ok := snap[key]
	return v, ok, nil
}

// create makes an entry node, creating the table directory when missing.
func (t *Table) create(ctx context.Context, name string, mode storage.CreateMode) (string, error) {
	p, err := t.s.conn.Create(ctx, t.path+"/"+name, nil, mode)
	if errors.Is(err, storage.ErrNoNode) {
		if err = mkdirs(ctx, t.s.conn, t.path); err == nil {
			p, err = t.s.conn.Create(ctx, t.path+"/"+name, nil, mode)
		}
	}
	return p, err
}

// Add adds a learned entry (ephemeral: it goes with this store's session)
// and deletes the older entries of key this session owns.
func (t *Table) Add(ctx context.Context, key, value string) error {
	if err := errors.Join(checkEntryPart("key", key), checkEntryPart("value", value)); err != nil {
		return err
	}
	p, err := t.create(ctx, key+","+value+",", storage.EphemeralSequential)
	if err != nil {
		return fmt.Errorf("zoom: table %s add %s: %w", t.path, key, err)
	}
	added, ok := ParseTableEntry(p[strings.LastIndexByte(p, '/')+1:])
	if !ok {
		return fmt.Errorf("zoom: table %s: unexpected entry node %s", t.path, p)
	}
	entries, err := t.Entries(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Key == key && !e.Persistent() && e.Version < added.Version {
			if err := t.deleteOwned(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteOwned deletes a learned entry if this store's session owns it.
func (t *Table) deleteOwned(ctx context.Context, e TableEntry) error {
	p := t.path + "/" + e.Name()
	st, ok, err := t.s.conn.Exists(ctx, p)
	if err != nil {
		return fmt.Errorf("zoom: table %s: %w", t.path, err)
	}
	if !ok || st.EphemeralOwner != t.s.conn.SessionID() {
		return nil
	}
	if err := t.s.conn.Delete(ctx, p, storage.AnyVersion); err != nil && !errors.Is(err, storage.ErrNoNode) {
		return fmt.Errorf("zoom: table %s: %w", t.path, err)
	}
	return nil
}

// AddPersistent adds a persistent entry (it survives the session); adding
// an existing one is not an error.
func (t *Table) AddPersistent(ctx context.Context, key, value string) error {
	if err := errors.Join(checkEntryPart("key", key), checkEntryPart("value", value)); err != nil {
		return err
	}
	e := TableEntry{Key: key, Value: value, Version: PersistentVersion}
	if _, err := t.create(ctx, e.Name(), storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
		return fmt.Errorf("zoom: table %s add %s: %w", t.path, key, err)
	}
	return nil
}

// RemovePersistent removes a persistent entry; a missing one is not an error.
func (t *Table) RemovePersistent(ctx context.Context, key, value string) error {
	e := TableEntry{Key: key, Value: value, Version: PersistentVersion}
	if err := t.s.conn.Delete(ctx, t.path+"/"+e.Name(), storage.AnyVersion); err != nil && !errors.Is(err, storage.ErrNoNode) {
		return fmt.Errorf("zoom: table %s remove %s: %w", t.path, key, err)
	}
	return nil
}

// TablePair is a key and value of a state table entry.
type TablePair struct{ Key, Value string }

// maxTableBatch bounds the ops of one multi of UpdatePersistent (a
// ZooKeeper request must stay well under jute.maxbuffer, 1 MiB).
const maxTableBatch = 512

// UpdatePersistent adds and removes persistent entries in as few multis as
// possible (one per maxTableBatch entries written) instead of one round
// trip each: entries already present (to add) or absent (to remove) are
// left out after one listing. Pairs in both lists are removed. A multi that
// loses a race with another writer of the same entries is retried on a
// fresh listing, then written entry by entry, so the outcome is that of
// AddPersistent and RemovePersistent called one at a time.
func (t *Table) UpdatePersistent(ctx context.Context, add, remove []TablePair) error {
	for _, p := range slices.Concat(add, remove) {
		if err := errors.Join(checkEntryPart("key", p.Key), checkEntryPart("value", p.Value)); err != nil {
			return err
		}
	}
	removed := make(map[TablePair]bool, len(remove))
	for _, p := range remove {
		removed[p] = true
	}
	for attempt := 0; ; attempt++ {
		entries, err := t.Entries(ctx)
		if err != nil {
			return err
		}
		present := map[TablePair]bool{}
		for _, e := range entries {
			if e.Persistent() {
				present[TablePair{e.Key, e.Value}] = true
			}
		}
		var ops []storage.Op
		for _, p := range add {
			if !present[p] && !removed[p] {
				present[p] = true // once, if listed twice
				ops = append(ops, storage.CreateOp(t.path+"/"+TableEntry{p.Key, p.Value, PersistentVersion}.Name(), nil, storage.Persistent))
			}
		}
		for _, p := range remove {
			if present[p] {
				delete(present, p)
				ops = append(ops, storage.DeleteOp(t.path+"/"+TableEntry{p.Key, p.Value, PersistentVersion}.Name(), storage.AnyVersion))
			}
		}
		if len(ops) == 0 {
			return nil
		}
		if entries == nil { // no directory yet (or an empty one)
			if err := mkdirs(ctx, t.s.conn, t.path); err != nil {
				return fmt.Errorf("zoom: table %s: %w", t.path, err)
			}
		}
		err = nil
		for chunk := range slices.Chunk(ops, maxTableBatch) {
			if _, err = t.s.conn.Multi(ctx, chunk...); err != nil {
				break
			}
		}
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, storage.ErrNodeExists) && !errors.Is(err, storage.ErrNoNode):
			return fmt.Errorf("zoom: table %s: %w", t.path, err)
		case attempt < 2:
			continue // another writer changed these entries meanwhile
		}
		for _, p := range add {
			if !removed[p] {
				if err := t.AddPersistent(ctx, p.Key, p.Value); err != nil {
					return err
				}
			}
		}
		for _, p := range remove {
			if err := t.RemovePersistent(ctx, p.Key, p.Value); err != nil {
				return err
			}
		}
		return nil
	}
}

// Remove removes the current (winning) entry of key if it is a learned
// entry of this store's session and, when value is not empty, holds value.
// It returns the removed value ("" when nothing was removed), as the
// reference's remove, which only removes what its client added.
func (t *Table) Remove(ctx context.Context, key, value string) (string, error) {
	entries, err := t.Entries(ctx)
	if err != nil {
		return "", err
	}
	cur, ok := resolve(entries)[key]
	if !ok || cur.Persistent() || (value != "" && cur.Value != value) {
		return "", nil
	}
	p := t.path + "/" + cur.Name()
	st, ok, err := t.s.conn.Exists(ctx, p)
	if err != nil {
		return "", fmt.Errorf("zoom: table %s: %w", t.path, err)
	}
	if !ok || st.EphemeralOwner != t.s.conn.SessionID() {
		return "", nil
	}
	if err := t.s.conn.Delete(ctx, p, storage.AnyVersion); err != nil {
		if errors.Is(err, storage.ErrNoNode) {
			return "", nil
		}
		return "", fmt.Errorf("zoom: table %s remove %s: %w", t.path, key, err)
	}
	return cur.Value, nil
}

// TableUpdate is a change of one key: Old or New is "" when the key was
// absent or removed.
type TableUpdate struct {
	Key, Old, New string
}

// TableEvent is one observation of a watched table: the whole resolved
// map and the changes since the previous event (for the first event, every
// entry as an addition).
type TableEvent struct {
	Snapshot map[string]string
	Updates  []TableUpdate
	Err      error // set on the last event of a failed watch
}

// Watch observes the table until ctx is done. A missing directory is an
// empty table (entries appear once it is created).
func (t *Table) Watch(ctx context.Context) (<-chan TableEvent, error) {
	wctx, cancel := context.WithCancel(ctx)
	ch, err := t.s.conn.WatchChildren(wctx, t.path)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("zoom: watch table %s: %w", t.path, err)
	}
	out := make(chan TableEvent, eventBuffer)
	go func() {
		defer func() { cancel(); drain(ch); close(out) }()
		prev := map[string]string{}
		first := true
		for ev := range ch {
			if ev.Err != nil {
				send(wctx, out, TableEvent{Err: ev.Err})
				return
			}
			cur := map[string]string{}
			for k, e := range resolve(parseEntries(ev.Children)) {
				cur[k] = e.Value
			}
			var ups []TableUpdate
			for k, v := range cur {
				if old, ok := prev[k]; !ok || old != v {
					ups = append(ups, TableUpdate{Key: k, Old: old, New: v})
				}
			}
			for k, old := range prev {
				if _, ok := cur[k]; !ok {
					ups = append(ups, TableUpdate{Key: k, Old: old})
				}
			}
			if len(ups) == 0 && !first {
				continue
			}
			first = false
			prev = cur
			if !send(wctx, out, TableEvent{Snapshot: maps.Clone(cur), Updates: ups}) {
				return
			}
		}
	}()
	return out, nil
}

// Contains reports whether the table holds key → value as the reference's
// containsRemote does: a persistent entry of that pair exists, or the
// resolved (learned) entry of key has that value. So each of two persistent
// entries of one key is found, though a snapshot shows one.
func (t *Table) Contains(ctx context.Context, key, value string) (bool, error) {
	entries, err := t.Entries(ctx)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.Key == key && e.Value == value && e.Persistent() {
			return true, nil
		}
	}
	cur, ok := resolve(entries)[key]
	return ok && cur.Value == value, nil
}

// TableArguments lists the argument values for which an object has a
// table (the VLANs of a bridge's MAC tables): the children of
// <Z>/tables/<Class>/<id>/<name>.
func (s *Store) TableArguments(ctx context.Context, model proto.Message, id uuid.UUID, name string) ([]string, error) {
	ci, err := s.classOf(model)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ci.tables, name) {
		return nil, fmt.Errorf("zoom: %s has no state table %q: %w", ci.Name, name, ErrUnregistered)
	}
	args, _, err := s.conn.Children(ctx, s.tablesObjPath(ci.Name, id.String())+"/"+name)
	if errors.Is(err, storage.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoom: table arguments of %s %s %s: %w", ci.Name, id, name, err)
	}
	return args, nil
}
