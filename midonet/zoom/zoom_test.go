package zoom

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"google.golang.org/protobuf/proto"
)

func class(t *testing.T, name string) models.Class {
	t.Helper()
	c, ok := models.ClassByName(name)
	if !ok {
		t.Fatalf("no class %s", name)
	}
	return c
}

func TestSchemaRejectsBadDeclarations(t *testing.T) {
	net, port := class(t, "Network"), class(t, "Port")
	good := Binding{Left: "Network", LeftField: "port_ids", OnDeleteLeft: Cascade, Right: "Port", RightField: "network_id", OnDeleteRight: Clear}
	mod := func(f func(*Binding)) Binding { b := good; f(&b); return b }
	tests := []struct {
		name   string
		schema Schema
		want   string
	}{
		{"duplicate class", Schema{Classes: []models.Class{net, net}}, "registered twice"},
		{"unregistered binding class", Schema{Classes: []models.Class{net}, Bindings: []Binding{good}}, "not registered"},
		{"missing field", Schema{Classes: []models.Class{net, port}, Bindings: []Binding{mod(func(b *Binding) { b.LeftField = "nope" })}}, "no such field"},
		{"non-UUID field", Schema{Classes: []models.Class{net, port}, Bindings: []Binding{mod(func(b *Binding) { b.LeftField = "name" })}}, "not of type UUID"},
		{"no action", Schema{Classes: []models.Class{net, port}, Bindings: []Binding{mod(func(b *Binding) { b.OnDeleteRight = 0 })}}, "bad delete action"},
		{"key of unknown class", Schema{Classes: []models.Class{net}, Keys: []StateKey{{Class: "Port", Key: "active", Type: Multiple}}}, "not registered"},
		{"duplicate key", Schema{Classes: []models.Class{port}, Keys: []StateKey{{Class: "Port", Key: "a", Type: Multiple}, {Class: "Port", Key: "a", Type: FailFast}}}, "twice"},
		{"bad key type", Schema{Classes: []models.Class{port}, Keys: []StateKey{{Class: "Port", Key: "a"}}}, "bad state key"},
		{"bad table name", Schema{Classes: []models.Class{port}, Tables: []TableSpec{{Class: "Port", Name: "a/b"}}}, "bad table name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileSchema(tc.schema)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("compileSchema = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	cs, err := compileSchema(Schema{Classes: []models.Class{net, port}, Bindings: []Binding{good,
		{Left: "Port", LeftField: "peer_id", OnDeleteLeft: Clear, Right: "Port", RightField: "peer_id", OnDeleteRight: Clear}}})
	if err != nil {
		t.Fatal(err)
	}
	// A self-binding on one field is one directed binding, not two.
	if n := len(cs.classes["Port"].bindings); n != 2 {
		t.Fatalf("Port has %d directed bindings, want 2 (network_id, peer_id)", n)
	}
}

func TestMultisetDiff(t *testing.T) {
	ids := make([]*models.UUID, 4)
	for i := range ids {
		ids[i] = models.NewUUID()
	}
	a, b, c, d := ids[0], ids[1], ids[2], ids[3]
	s := func(us ...*models.UUID) []string { return models.UUIDsToStrings(us) }
	tests := []struct {
		old, new       []*models.UUID
		removed, added []string
	}{
		{nil, nil, nil, nil},
		{[]*models.UUID{a, b}, []*models.UUID{b, a}, nil, nil},
		{[]*models.UUID{a, a, b}, []*models.UUID{a, c}, s(a, b), s(c)},
		{[]*models.UUID{a}, []*models.UUID{a, a, d}, nil, s(a, d)},
	}
	for i, tc := range tests {
		r, ad := multisetDiff(tc.old, tc.new)
		if !slices.Equal(r, tc.removed) || !slices.Equal(ad, tc.added) {
			t.Errorf("case %d: removed %v added %v, want %v %v", i, r, ad, tc.removed, tc.added)
		}
	}
}

func TestTableEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
		want TableEntry
	}{
		{"aa:bb:cc:dd:ee:ff,0b6e6c2a-0000-0000-0000-000000000001,0000000042", true, TableEntry{"aa:bb:cc:dd:ee:ff", "0b6e6c2a-0000-0000-0000-000000000001", 42}},
		{"10.0.0.1,null;1;2;3,2147483647", true, TableEntry{"10.0.0.1", "null;1;2;3", PersistentVersion}},
		{"garbage", false, TableEntry{}},
		{"a,b,c,0000000001", false, TableEntry{}},
		{"a,b,notanumber", false, TableEntry{}},
		{",b,0000000001", false, TableEntry{}},
	} {
		got, ok := ParseTableEntry(tc.name)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseTableEntry(%q) = %+v %v", tc.name, got, ok)
		}
		if ok && got.Name() != tc.name {
			t.Errorf("Name() = %q, want %q", got.Name(), tc.name)
		}
	}
	// Learned entries beat persistent ones; the highest learned wins.
	got := resolve([]TableEntry{
		{"k", "persistent", PersistentVersion}, {"k", "old", 3}, {"k", "new", 7}, {"k", "older", 1},
		{"p", "only", PersistentVersion},
	})
	if got["k"].Value != "new" || got["p"].Value != "only" || len(got) != 2 {
		t.Fatalf("resolve = %v", got)
	}
	// Two persistent entries of one key (a MAC added for two ports): the
	// same one wins whatever order the server lists them in, and a learned
	// entry still beats both.
	for _, order := range [][]TableEntry{
		{{"m", "port-b", PersistentVersion}, {"m", "port-a", PersistentVersion}},
		{{"m", "port-a", PersistentVersion}, {"m", "port-b", PersistentVersion}},
	} {
		if got := resolve(order); got["m"].Value != "port-a" {
			t.Errorf("resolve(%v) = %v, want port-a", order, got)
		}
		if got := resolve(append(order, TableEntry{"m", "learned", 4})); got["m"].Value != "learned" {
			t.Errorf("resolve with a learned entry = %v", got)
		}
	}
}

func TestProvenanceUpdates(t *testing.T) {
	s := &Store{opts: Options{Owner: OwnerClusterAPI, ProductVersion: "v", ProductCommit: "c"}}
	parse := func(b []byte) *models.ZoomObject {
		zo := &models.ZoomObject{}
		if err := proto.Unmarshal(b, zo); err != nil {
			t.Fatal(err)
		}
		return zo
	}
	p := s.newProvenance(changeData, 0)
	if s.updateProvenance(p, changeData, 1) != nil {
		t.Fatal("same owner, same change type: provenance rewritten")
	}
	p2 := s.updateProvenance(p, changeBackRef, 1)
	if zo := parse(p2); len(zo.Provenance) != 1 || zo.Provenance[0].GetChangeType() != 3 || zo.Provenance[0].GetChangeVersion() != 0 {
		t.Fatalf("OR-ed change type: %v", zo)
	}
	other := &Store{opts: Options{Owner: OwnerClusterNeutron, ProductVersion: "v", ProductCommit: "c"}}
	if zo := parse(other.updateProvenance(p2, changeData, 5)); len(zo.Provenance) != 2 ||
		zo.Provenance[1].GetChangeOwner() != int32(OwnerClusterNeutron) || zo.Provenance[1].GetChangeVersion() != 5 {
		t.Fatalf("another owner's change: %v", zo)
	}
	if zo := parse(s.updateProvenance([]byte{0xff, 0xff}, changeData, 2)); len(zo.Provenance) != 1 || zo.Provenance[0].GetChangeVersion() != 2 {
		t.Fatalf("unreadable provenance replaced by %v", zo)
	}
}

func TestNewStoreIsIdempotentAndValidates(t *testing.T) {
	ctx := context.Background()
	conn := mem.NewServer().Connect()
	defer conn.Close()
	sch := Schema{Classes: []models.Class{class(t, "Network"), class(t, "Port")}, Bindings: []Binding{
		{Left: "Network", LeftField: "port_ids", OnDeleteLeft: Cascade, Right: "Port", RightField: "network_id", OnDeleteRight: Clear}}}
	for range 2 { // the second start finds every directory with one multi
		if _, err := NewStore(ctx, conn, sch, Options{Root: "/r", Namespace: "ns"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/r/zoom/0/models/Port", "/r/zoom/0/objects/Network", "/r/zoom/0/tables/Port", "/r/zoom/0/state/ns/Network"} {
		if _, ok, err := conn.Exists(ctx, p); err != nil || !ok {
			t.Errorf("%s missing: %v", p, err)
		}
	}
	for _, o := range []Options{{Root: "relative"}, {Root: "/trailing/"}, {Namespace: "a/b"}} {
		if _, err := NewStore(ctx, conn, sch, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	// Reads of corrupt data are errors, not panics.
	st, err := NewStore(ctx, conn, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	id := models.NewUUID()
	if _, err := conn.Create(ctx, "/r/zoom/0/models/Network/"+id.Canonical(), []byte("name: {{{"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, &models.Network{}, id.ToGoogle()); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of corrupt data = %v", err)
	}
	err = st.Tx(ctx, func(tx *Tx) error { return tx.Create(&models.Port{Id: models.NewUUID(), NetworkId: id}) })
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("binding to a corrupt object: %v", err)
	}
}

func TestRawNodeOps(t *testing.T) {
	ctx := context.Background()
	conn := mem.NewServer().Connect()
	defer conn.Close()
	st, err := NewStore(ctx, conn, Schema{Classes: []models.Class{class(t, "Router")}}, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	value := func(p string) (string, bool) {
		d, _, err := conn.Get(ctx, p)
		if errors.Is(err, storage.ErrNoNode) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(d), true
	}
	r := &models.Router{Id: models.NewUUID()}
	err = st.Tx(ctx, func(tx *Tx) error {
		if err := tx.Create(r); err != nil {
			return err
		}
		if err := tx.CreateNode("/r/legacy/a/b", []byte("1")); err != nil {
			return err
		}
		if err := tx.CreateNode("/r/legacy/a/c", []byte("2")); err != nil {
			return err
		}
		if err := tx.UpdateNode("/r/legacy/a/c", []byte("3")); err != nil {
			return err
		}
		if err := tx.CreateNode("/r/legacy/a/b", nil); !errors.Is(err, ErrNodeExists) {
			return fmt.Errorf("second create in tx: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := value("/r/legacy/a/b"); !ok || v != "1" {
		t.Fatalf("b = %q %v", v, ok)
	}
	if v, _ := value("/r/legacy/a/c"); v != "3" {
		t.Fatalf("c = %q", v)
	}
	if _, ok := value("/r/zoom/0/models/Router/" + r.Id.Canonical()); !ok {
		t.Fatal("object of the same tx missing")
	}
	// Errors leave nothing half-written.
	if err := st.Tx(ctx, func(tx *Tx) error { return tx.UpdateNode("/r/legacy/missing", nil) }); !errors.Is(err, ErrNodeNotFound) {
		t.Fatalf("update of a missing node: %v", err)
	}
	// Recursive delete (and re-create in the same tx).
	err = st.Tx(ctx, func(tx *Tx) error {
		if err := tx.DeleteNode("/r/legacy/a", false); err != nil {
			return err
		}
		if err := tx.DeleteNode("/r/legacy/a", false); !errors.Is(err, ErrNodeNotFound) {
			return fmt.Errorf("second delete: %v", err)
		}
		if err := tx.DeleteNode("/r/legacy/nope", true); err != nil {
			return err
		}
		return tx.CreateNode("/r/legacy/a/d", []byte("4"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := value("/r/legacy/a/b"); ok {
		t.Fatal("b survived a recursive delete")
	}
	if v, ok := value("/r/legacy/a/d"); !ok || v != "4" {
		t.Fatalf("d = %q %v", v, ok)
	}
	if err := st.Tx(ctx, func(tx *Tx) error { return tx.CreateNode("relative", nil) }); err == nil {
		t.Fatal("relative path accepted")
	}
}

// groupFixture is a store on mem with a network, and a group of that
// network whose current batch is held by a function blocked on release:
// functions submitted meanwhile queue for the next batch, together.
type groupFixture struct {
	t       *testing.T
	ctx     context.Context
	st      *Store
	net     *models.Network
	g       *group
	release chan struct{}
	first   chan error
}

func newGroupFixture(t *testing.T) *groupFixture {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	sch := Schema{Classes: []models.Class{class(t, "Network"), class(t, "Port")},
		Bindings: []Binding{{Left: "Network", LeftField: "port_ids", OnDeleteLeft: Cascade, Right: "Port", RightField: "network_id", OnDeleteRight: Clear}}}
	st, err := NewStore(ctx, mem.NewServer().Connect(), sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	f := &groupFixture{t: t, ctx: ctx, st: st, net: &models.Network{Id: models.NewUUID()},
		release: make(chan struct{}), first: make(chan error, 1)}
	if err := st.Create(ctx, f.net); err != nil {
		t.Fatal(err)
	}
	f.g = st.groups.hot(st, objKey{"Network", f.net.Id.Canonical()})
	started := make(chan struct{})
	go func() {
		f.first <- f.g.submit(ctx, func(tx *Tx) error {
			close(started)
			<-f.release
			return tx.Create(&models.Port{Id: models.NewUUID(), NetworkId: f.net.Id})
		})
	}()
	<-started
	return f
}

// queue submits fns concurrently and waits until all are queued.
func (f *groupFixture) queue(ctxs []context.Context, fns ...func(*Tx) error) []chan error {
	out := make([]chan error, len(fns))
	for i, fn := range fns {
		out[i] = make(chan error, 1)
		ctx := f.ctx
		if ctxs != nil {
			ctx = ctxs[i]
		}
		go func() {
			defer func() {
				if p := recover(); p != nil { // the panic reached the caller
					out[i] <- fmt.Errorf("panic: %v", p)
				}
			}()
			err := f.g.submit(ctx, fn)
			if errors.Is(err, errRunAlone) { // as Store.Tx does
				err = f.st.runAlone(ctx, fn, nil)
			}
			out[i] <- err
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		f.g.mu.Lock()
		n := len(f.g.queue)
		f.g.mu.Unlock()
		if n == len(fns) {
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%d of %d functions queued", n, len(fns))
		}
		time.Sleep(time.Millisecond)
	}
	close(f.release)
	if err := <-f.first; err != nil {
		f.t.Fatalf("blocked batch: %v", err)
	}
	return out
}

func (f *groupFixture) createPort(id *models.UUID) func(*Tx) error {
	return func(tx *Tx) error { return tx.Create(&models.Port{Id: id, NetworkId: f.net.Id}) }
}

func (f *groupFixture) portIDs() []string {
	n, err := f.st.Get(f.ctx, &models.Network{}, f.net.Id.ToGoogle())
	if err != nil {
		f.t.Fatal(err)
	}
	return models.UUIDsToStrings(n.(*models.Network).PortIds)
}

// A batch commits its members' writes together; a member whose function
// fails leaves nothing behind and gets its own error; the members after it
// see the state without it.
func TestGroupBatchRollsBackFailedMember(t *testing.T) {
	f := newGroupFixture(t)
	a, b, c := models.NewUUID(), models.NewUUID(), models.NewUUID()
	boom := errors.New("boom")
	res := f.queue(nil, f.createPort(a), func(tx *Tx) error {
		if err := f.createPort(b)(tx); err != nil {
			return err
		}
		return boom
	}, f.createPort(c))
	for i, want := range []error{nil, boom, nil} {
		if err := <-res[i]; !errors.Is(err, want) || (want == nil && err != nil) {
			t.Fatalf("member %d: %v, want %v", i, err, want)
		}
	}
	ids := f.portIDs()
	if len(ids) != 3 || !slices.Contains(ids, a.Canonical()) || !slices.Contains(ids, c.Canonical()) || slices.Contains(ids, b.Canonical()) {
		t.Fatalf("network ports %v: want the blocked one, %s and %s, not %s", ids, a.Canonical(), c.Canonical(), b.Canonical())
	}
	if ok, err := f.st.Exists(f.ctx, &models.Port{}, b.ToGoogle()); err != nil || ok {
		t.Fatalf("port of the failed member exists: %v %v", ok, err)
	}
}

// A create that finds its id taken at commit fails alone; the others of
// its batch commit.
func TestGroupBatchDropsExistingCreate(t *testing.T) {
	f := newGroupFixture(t)
	taken := &models.Port{Id: models.NewUUID()}
	if err := f.st.Create(f.ctx, taken); err != nil {
		t.Fatal(err)
	}
	fresh := models.NewUUID()
	res := f.queue(nil, func(tx *Tx) error {
		// A blind write: the transaction does not read the taken id first,
		// so only the commit finds it.
		tx.cache[objKey{"Port", taken.Id.Canonical()}] = &entry{}
		return f.createPort(taken.Id)(tx)
	}, f.createPort(fresh))
	if err := <-res[0]; !errors.Is(err, ErrObjectExists) {
		t.Fatalf("create of a taken id: %v", err)
	}
	if err := <-res[1]; err != nil {
		t.Fatalf("its batch mate: %v", err)
	}
	if ids := f.portIDs(); len(ids) != 2 || !slices.Contains(ids, fresh.Canonical()) {
		t.Fatalf("network ports %v", ids)
	}
}

// A function whose context ends while it waits for its batch is withdrawn
// and never runs.
func TestGroupWithdrawsCancelled(t *testing.T) {
	f := newGroupFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	ran := false
	done := make(chan error, 1)
	go func() {
		done <- f.g.submit(ctx, func(tx *Tx) error { ran = true; return nil })
	}()
	for {
		f.g.mu.Lock()
		n := len(f.g.queue)
		f.g.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("withdrawn member: %v", err)
	}
	close(f.release)
	if err := <-f.first; err != nil {
		t.Fatal(err)
	}
	f.g.mu.Lock()
	n := len(f.g.queue)
	f.g.mu.Unlock()
	if ran || n != 0 {
		t.Fatalf("withdrawn function ran (%v) or stayed queued (%d)", ran, n)
	}
}

// laggingConn stands for a session on a ZooKeeper follower that has not yet
// applied other sessions' latest writes: nodes created after it was made
// read as missing until Sync.
type laggingConn struct {
	storage.Conn
	mu     sync.Mutex
	hidden map[string]bool // paths not yet visible
	syncs  int
	synced chan struct{} // closed by the next Sync
}

// WatchNode of a hidden path first reports it missing, as the follower
// would; the node's real state follows once the session has synced.
func (c *laggingConn) WatchNode(ctx context.Context, p string) (<-chan storage.NodeEvent, error) {
	c.mu.Lock()
	h, synced := c.hidden[p], c.synced
	c.mu.Unlock()
	real, err := c.Conn.WatchNode(ctx, p)
	if err != nil || !h {
		return real, err
	}
	out := make(chan storage.NodeEvent, 16)
	go func() {
		defer close(out)
		out <- storage.NodeEvent{}
		select {
		case <-synced:
		case <-ctx.Done():
		}
		for ev := range real {
			out <- ev
		}
	}()
	return out, nil
}

func (c *laggingConn) Get(ctx context.Context, p string) ([]byte, storage.Stat, error) {
	c.mu.Lock()
	h := c.hidden[p]
	c.mu.Unlock()
	if h {
		return nil, storage.Stat{}, fmt.Errorf("get %s: %w", p, storage.ErrNoNode)
	}
	return c.Conn.Get(ctx, p)
}

func (c *laggingConn) GetW(ctx context.Context, p string) ([]byte, storage.Stat, storage.Watch, error) {
	c.mu.Lock()
	h := c.hidden[p]
	c.mu.Unlock()
	if h {
		return nil, storage.Stat{}, nil, fmt.Errorf("get %s: %w", p, storage.ErrNoNode)
	}
	return c.Conn.GetW(ctx, p)
}

func (c *laggingConn) Sync(ctx context.Context, p string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncs++
	clear(c.hidden)
	close(c.synced)
	c.synced = make(chan struct{})
	return c.Conn.Sync(ctx, p)
}

// TestMissesSyncBeforeNotFound: an object another node just created is
// found through a session that lags behind (Get and a transaction's delete),
// and a truly missing object is still NotFound, after one sync.
func TestMissesSyncBeforeNotFound(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	sch := Schema{Classes: []models.Class{class(t, "Network"), class(t, "Port")}, Bindings: []Binding{
		{Left: "Network", LeftField: "port_ids", OnDeleteLeft: Cascade, Right: "Port", RightField: "network_id", OnDeleteRight: Clear}}}
	writerConn := srv.Connect()
	defer writerConn.Close()
	writer, err := NewStore(ctx, writerConn, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	lag := &laggingConn{Conn: srv.Connect(), hidden: map[string]bool{}, synced: make(chan struct{})}
	defer lag.Close()
	reader, err := NewStore(ctx, lag, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}

	hide := func(id *models.UUID) {
		lag.mu.Lock()
		defer lag.mu.Unlock()
		lag.hidden["/r/zoom/0/models/Network/"+id.Canonical()] = true
	}
	for i, op := range []func(id *models.UUID) error{
		func(id *models.UUID) error { _, err := reader.Get(ctx, &models.Network{}, id.ToGoogle()); return err },
		func(id *models.UUID) error {
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			events, err := reader.Watch(wctx, &models.Network{}, id.ToGoogle())
			if err != nil {
				return err
			}
			if ev := <-events; ev.Kind != Created {
				return fmt.Errorf("first watch event %v, want created", ev.Kind)
			}
			return nil
		},
		func(id *models.UUID) error {
			return reader.Tx(ctx, func(tx *Tx) error { return tx.Delete(&models.Network{}, id.ToGoogle(), false) })
		},
	} {
		id := models.NewUUID()
		if err := writer.Create(ctx, &models.Network{Id: id, Name: proto.String("n")}); err != nil {
			t.Fatal(err)
		}
		hide(id)
		before := lag.syncs
		if err := op(id); err != nil {
			t.Fatalf("op %d on an object the lagging session had not seen yet: %v", i, err)
		}
		if lag.syncs != before+1 {
			t.Errorf("op %d: %d syncs, want 1", i, lag.syncs-before)
		}
	}
	before := lag.syncs
	if _, err := reader.Get(ctx, &models.Network{}, models.NewUUID().ToGoogle()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing object = %v, want NotFound", err)
	}
	if lag.syncs != before+1 {
		t.Errorf("missing object: %d syncs, want 1", lag.syncs-before)
	}
}

// The decoded cache stays within its bounds of entries and estimated bytes,
// keeps the newest version of an object, forgets on request, and keeps
// no object whose id is not a canonical UUID.
func TestDecodedCacheBounds(t *testing.T) {
	c := newDecodedCache(100, 10_000, 100)
	text := make([]byte, 300)
	id := func(i int) string { return fmt.Sprintf("abcdef00-0000-4000-8000-%012d", i) }
	for i := range 1000 {
		c.put(objKey{"Port", id(i % 400)}, decoded{czxid: 1, mzxid: int64(i), text: text, obj: &models.Port{}})
		if len(c.entries) > 100 || c.bytes > 10_000 {
			t.Fatalf("after %d puts: %d entries, %d bytes", i+1, len(c.entries), c.bytes)
		}
	}
	k := objKey{"Port", id(199)} // the last put: 999 % 400
	if d, ok := c.latest(k); !ok || d.mzxid != 999 {
		t.Fatalf("latest put: %+v %v", d, ok)
	}
	c.put(k, decoded{czxid: 1, mzxid: 5, text: text})
	if d, _ := c.latest(k); d.mzxid != 999 {
		t.Fatalf("an older version replaced the newer: mzxid %d", d.mzxid)
	}
	big := objKey{"Network", id(1)}
	c.put(big, decoded{czxid: 1, mzxid: 1, text: make([]byte, 5000)})
	if _, ok := c.latest(big); ok {
		t.Fatal("an object of half the byte bound was cached")
	}
	for _, other := range []string{strings.ToUpper(id(2)), "{" + id(2) + "}", "2"} {
		c.put(objKey{"Network", other}, decoded{czxid: 1, mzxid: 1, text: text})
		if _, ok := c.latest(objKey{"Network", other}); ok {
			t.Fatalf("id %q (not a canonical UUID) cached", other)
		}
	}
	total := 0
	for _, d := range c.entries {
		if d != nil {
			total += entryCost(d)
		}
	}
	if c.bytes != total {
		t.Fatalf("%d bytes counted, entries cost %d", c.bytes, total)
	}
	gone, _ := c.latest(k)
	c.forget(k)
	if _, ok := c.latest(k); ok || c.bytes != total-entryCost(&gone) {
		t.Fatalf("after forget: cached %v, %d bytes, want %d", ok, c.bytes, total-entryCost(&gone))
	}
	// A first read is noted, not kept, and counts against the entries.
	noted := objKey{"Port", id(500)}
	c.note(noted)
	if _, ok := c.latest(noted); ok || !c.seen(noted) || len(c.entries) > 100 {
		t.Fatalf("noted key: kept %v, seen %v, %d entries", ok, c.seen(noted), len(c.entries))
	}
	c.put(noted, decoded{czxid: 1, mzxid: 1, text: text})
	if d, ok := c.latest(noted); !ok || d.mzxid != 1 {
		t.Fatalf("a put after a note: %+v %v", d, ok)
	}
}

// A function that panics in a batch panics in its caller's goroutine (not
// in the group's, which would end the process); its batch mates commit.
func TestGroupMemberPanicReachesCaller(t *testing.T) {
	f := newGroupFixture(t)
	a := models.NewUUID()
	res := f.queue(nil, func(tx *Tx) error { panic("boom") }, f.createPort(a))
	if err := <-res[1]; err != nil {
		t.Fatalf("batch mate of a panicking function: %v", err)
	}
	if err := <-res[0]; err == nil || err.Error() != "panic: boom" {
		t.Fatalf("panicking member: %v, want its panic in the caller", err)
	}
	if ids := f.portIDs(); !slices.Contains(ids, a.Canonical()) {
		t.Fatalf("network ports %v lack the batch mate's", ids)
	}
}

// Groups of objects that cooled down are swept once the table is full, so
// the table does not grow with every object ever contended for.
func TestGroupsSweepCooledDown(t *testing.T) {
	var gs groups
	for i := range maxIdleGroups {
		gs.hot(nil, objKey{"Network", fmt.Sprint(i)})
	}
	warm := gs.m[objKey{"Network", "0"}]
	for _, g := range gs.m {
		if g != warm {
			g.hotUntil = time.Now().Add(-time.Second)
		}
	}
	gs.hot(nil, objKey{"Network", "new"})
	if len(gs.m) != 2 || gs.m[objKey{"Network", "0"}] != warm {
		t.Fatalf("%d groups after the sweep, want the still-hot one and the new one", len(gs.m))
	}
}

// overtakingConn holds back the first multi sent after arm until the next
// multi has been answered: the batch built on the held one reaches the
// store first, as two goroutines' multis on one session may.
type overtakingConn struct {
	storage.Conn
	mu       sync.Mutex
	armed    bool
	held     chan struct{} // closed once the held multi waits
	overtook chan struct{} // closed once the multi after it was answered
	multis   int
}

func (c *overtakingConn) arm() {
	c.mu.Lock()
	c.armed, c.held, c.overtook, c.multis = true, make(chan struct{}), make(chan struct{}), 0
	c.mu.Unlock()
}

func (c *overtakingConn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	c.mu.Lock()
	c.multis++
	armed, held, overtook := c.armed, c.held, c.overtook
	c.armed = false
	c.mu.Unlock()
	if armed {
		close(held)
		select {
		case <-overtook:
		case <-time.After(10 * time.Second):
		}
		return c.Conn.Multi(ctx, ops...)
	}
	res, err := c.Conn.Multi(ctx, ops...)
	if held != nil {
		select {
		case <-overtook:
		default:
			close(overtook)
		}
	}
	return res, err
}

// A batch built on one whose multi is still in flight may reach the store
// before it and fail its checks; once the batch before commits, it is sent
// again, and its members never see the lost ordering.
func TestPipelinedBatchOvertakingItsBase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sch := Schema{Classes: []models.Class{class(t, "Network"), class(t, "Port")},
		Bindings: []Binding{{Left: "Network", LeftField: "port_ids", OnDeleteLeft: Cascade, Right: "Port", RightField: "network_id", OnDeleteRight: Clear}}}
	conn := &overtakingConn{Conn: mem.NewServer().Connect()}
	st, err := NewStore(ctx, conn, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	network := &models.Network{Id: models.NewUUID()}
	if err := st.Create(ctx, network); err != nil {
		t.Fatal(err)
	}
	g := st.groups.hot(st, objKey{"Network", network.Id.Canonical()})
	a, b := models.NewUUID(), models.NewUUID()
	create := func(id *models.UUID) func(*Tx) error {
		return func(tx *Tx) error { return tx.Create(&models.Port{Id: id, NetworkId: network.Id}) }
	}
	conn.arm()
	first := make(chan error, 1)
	go func() { first <- g.submit(ctx, create(a)) }()
	<-conn.held // batch 1's multi is in flight
	if err := g.submit(ctx, create(b)); err != nil {
		t.Errorf("member of the batch that overtook its base: %v", err)
	}
	if err := <-first; err != nil {
		t.Errorf("member of the overtaken batch: %v", err)
	}
	if s := st.GroupCommitStats(); s.Pipelined != 1 || s.Members != 2 {
		t.Errorf("group commits %+v, want 2 members (none run again) in 2 batches, one pipelined", s)
	}
	conn.mu.Lock()
	multis := conn.multis
	conn.mu.Unlock()
	if multis != 3 { // batch 1, batch 2 twice
		t.Errorf("%d multis since batch 1, want 3", multis)
	}
	n, err := st.Get(ctx, &models.Network{}, network.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	if ids := models.UUIDsToStrings(n.(*models.Network).PortIds); !slices.Equal(ids, []string{a.Canonical(), b.Canonical()}) {
		t.Errorf("network ports %v, want %s then %s", ids, a.Canonical(), b.Canonical())
	}
}
