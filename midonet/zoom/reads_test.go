package zoom

import (
	"context"
	"maps"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"google.golang.org/protobuf/proto"
)

// watchCountingConn counts the watches its reads set.
type watchCountingConn struct {
	storage.Conn
	getW, existsW, gets, childrenW atomic.Int64
}

func (c *watchCountingConn) GetW(ctx context.Context, p string) ([]byte, storage.Stat, storage.Watch, error) {
	c.getW.Add(1)
	return c.Conn.GetW(ctx, p)
}

func (c *watchCountingConn) ExistsW(ctx context.Context, p string) (storage.Stat, bool, storage.Watch, error) {
	c.existsW.Add(1)
	return c.Conn.ExistsW(ctx, p)
}

func (c *watchCountingConn) Get(ctx context.Context, p string) ([]byte, storage.Stat, error) {
	c.gets.Add(1)
	return c.Conn.Get(ctx, p)
}

// TestEvictedWatchesReused: objects are watched from their second read
// (a scan reading each once sets no watch); objects read twice in a row,
// again and again, through a cache far smaller than them set one watch
// each, once: an entry evicted while armed leaves its watch aside and the
// re-read (a plain read) reuses it, so the watches the client holds (it
// cannot remove one) do not grow with the evictions; an armed entry is
// served without any round trip, and the spare watches of changed
// objects are swept out.
func TestEvictedWatchesReused(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	sch := Schema{Classes: []models.Class{class(t, "Network")}}
	cc := &watchCountingConn{Conn: srv.Connect()}
	defer cc.Close()
	st, err := NewStore(ctx, cc, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	st.cache = newDecodedCache(10, 1<<20, 1000)
	const n = 100
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		if err := st.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(ids[i]), Name: proto.String("n")}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(id uuid.UUID) {
		t.Helper()
		if _, err := st.Get(ctx, &models.Network{}, id); err != nil {
			t.Fatal(err)
		}
	}
	watches := func() int64 { return cc.getW.Load() + cc.existsW.Load() }
	waitRearms(t, st)
	st.cache = newDecodedCache(10, 1<<20, 1000)
	base := watches()
	for _, id := range ids {
		get(id)
	}
	if set := watches() - base; set != 0 {
		t.Fatalf("a scan reading each object once set %d watches", set)
	}
	for range 5 {
		for _, id := range ids {
			get(id)
			get(id)
		}
	}
	if set := watches() - base; set > n {
		t.Fatalf("%d watches set reading %d objects 5 times through a cache of 10: want at most one each", set, n)
	}
	if spares := len(st.cache.spare); spares > n || spares < n-10 {
		t.Fatalf("%d spare watches for %d objects, %d cached", spares, n, 10)
	}
	// An armed entry costs no round trip.
	before := cc.gets.Load() + cc.getW.Load() + cc.existsW.Load()
	last := ids[n-1]
	for range 10 {
		if _, err := st.Get(ctx, &models.Network{}, last); err != nil {
			t.Fatal(err)
		}
	}
	if reads := cc.gets.Load() + cc.getW.Load() + cc.existsW.Load() - before; reads != 0 {
		t.Fatalf("%d reads of an armed object", reads)
	}
	// Changed objects fire their spare watches, which a sweep drops; what
	// is left watches the current versions (set by re-arms of entries
	// evicted meanwhile).
	for _, id := range ids {
		if err := st.Update(ctx, &models.Network{Id: models.UUIDFromGoogle(id), Name: proto.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	st.cache.mu.Lock()
	st.cache.sweepSpareLocked()
	spare := maps.Clone(st.cache.spare)
	st.cache.mu.Unlock()
	if len(spare) > n {
		t.Fatalf("%d spare watches for %d objects", len(spare), n)
	}
	for k, sp := range spare {
		stat, _, err := cc.Exists(ctx, st.modelPath(k.class, k.id.String()))
		if err != nil || sp.watch.Fired() || stat.Mzxid != sp.mzxid {
			t.Fatalf("spare watch of %v left after the sweep: fired %v, mzxid %d, node's %d (%v)", k, sp.watch.Fired(), sp.mzxid, stat.Mzxid, err)
		}
	}
}

func (c *watchCountingConn) ChildrenW(ctx context.Context, p string) ([]string, storage.Stat, storage.Watch, error) {
	c.childrenW.Add(1)
	return c.Conn.ChildrenW(ctx, p)
}

// TestClassListArmed: a listing reads the class's ids once and then
// takes them from the armed list until another session creates or
// deletes an object of the class; every listing shows the acknowledged
// objects.
func TestClassListArmed(t *testing.T) {
	ctx := context.Background()
	reader, cc, writer := readerAndWriter(t)
	list := func(want int, wantReads int64, what string) {
		t.Helper()
		before := cc.childrenW.Load()
		all, err := reader.GetAll(ctx, &models.Network{})
		if err != nil || len(all) != want {
			t.Fatalf("%s: listed %d networks (%v), want %d", what, len(all), err, want)
		}
		if reads := cc.childrenW.Load() - before; reads != wantReads {
			t.Fatalf("%s: %d reads of the class's ids, want %d", what, reads, wantReads)
		}
	}
	list(0, 1, "first listing")
	list(0, 0, "second listing")
	id := uuid.New()
	if err := writer.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(id)}); err != nil {
		t.Fatal(err)
	}
	list(1, 1, "after another session's create")
	list(1, 0, "again")
	if err := writer.Update(ctx, &models.Network{Id: models.UUIDFromGoogle(id), Name: proto.String("x")}); err != nil {
		t.Fatal(err)
	}
	list(1, 0, "after an update (no id changed)")
	if err := writer.Delete(ctx, &models.Network{}, id); err != nil {
		t.Fatal(err)
	}
	list(0, 1, "after another session's delete")
}

// waitRearms waits until no background re-arm (or other load) of st is
// under way.
func waitRearms(t *testing.T, st *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st.loads.mu.Lock()
		n := len(st.loads.inFlight)
		st.loads.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d loads still under way after 10s", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWatchesCapped: the cache sets no more watches than its cap (the
// client cannot remove one); objects read once it is reached are kept
// unarmed and read again each time, and a fired watch, once its object is
// read again, makes room for another.
func TestWatchesCapped(t *testing.T) {
	ctx := context.Background()
	st, cc, writer := readerAndWriter(t)
	const n, capped = 20, 5
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		if err := writer.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(ids[i]), Name: proto.String("n")}); err != nil {
			t.Fatal(err)
		}
	}
	st.cache = newDecodedCache(1000, 1<<20, capped)
	get := func(id uuid.UUID) {
		t.Helper()
		if _, err := st.Get(ctx, &models.Network{}, id); err != nil {
			t.Fatal(err)
		}
	}
	watches := func() int64 { return cc.getW.Load() + cc.existsW.Load() }
	for range 3 {
		for _, id := range ids {
			get(id)
		}
	}
	if set, held := watches(), st.cache.watches; set != capped || held != capped {
		t.Fatalf("reading %d objects 3 times under a cap of %d: %d watches set, %d held", n, capped, set, held)
	}
	armed := 0
	for _, id := range ids {
		if _, ok := st.cache.armedEntry(objKey{"Network", id.String()}); ok {
			armed++
		}
		if _, ok := st.cache.latest(objKey{"Network", id.String()}); !ok {
			t.Fatalf("object %s read 3 times not kept", id)
		}
	}
	if armed != capped {
		t.Fatalf("%d entries armed, want %d", armed, capped)
	}
	// An unarmed entry is read each time.
	before := cc.gets.Load()
	get(ids[n-1])
	if cc.gets.Load() != before+1 {
		t.Fatal("an unarmed entry was not read")
	}
	// Another session changes a watched object: once read again (without
	// a watch, the cap being reached), its fired watch leaves room for one.
	var watched uuid.UUID
	for _, id := range ids {
		if _, ok := st.cache.armedEntry(objKey{"Network", id.String()}); ok {
			watched = id
			break
		}
	}
	if err := writer.Update(ctx, &models.Network{Id: models.UUIDFromGoogle(watched), Name: proto.String("m")}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, &models.Network{}, watched)
	if err != nil || got.(*models.Network).GetName() != "m" {
		t.Fatalf("changed object read as %v (%v)", got, err)
	}
	before = watches()
	for _, id := range ids {
		get(id)
	}
	if set := watches() - before; set != 1 {
		t.Fatalf("%d watches set after one fired, want 1", set)
	}
}

// readerAndWriter are two stores of Networks on sessions of one in-memory
// server, the reader's session counting its reads.
func readerAndWriter(t *testing.T) (reader *Store, cc *watchCountingConn, writer *Store) {
	t.Helper()
	ctx := context.Background()
	srv := mem.NewServer()
	sch := Schema{Classes: []models.Class{class(t, "Network")}}
	cc = &watchCountingConn{Conn: srv.Connect()}
	t.Cleanup(func() { cc.Close() })
	reader, err := NewStore(ctx, cc, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	wc := srv.Connect()
	t.Cleanup(func() { wc.Close() })
	writer, err = NewStore(ctx, wc, sch, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	return reader, cc, writer
}

// TestParseCanonicalUUID: the cache's key parser takes exactly the ids
// uuid.Parse takes in the canonical 36-character form without upper case,
// to the same 16 bytes.
func TestParseCanonicalUUID(t *testing.T) {
	ids := []string{uuid.NewString(), strings.ToUpper(uuid.NewString()), "00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff", "0b4b7b5e-24c1-4dbb-9c3d-0d8b0f3c6a1g", "0b4b7b5e024c1-4dbb-9c3d-0d8b0f3c6a11",
		"{b4b7b5e-24c1-4dbb-9c3d-0d8b0f3c6a11}", "urn:uuid:0b4b7b5e-24c1-4dbb-9c3d-0d8b", "0b4b7b5e24c14dbb9c3d0d8b0f3c6a11", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789abcdefABCDEF-g{}:"
	for range 20000 {
		b := []byte(uuid.NewString())
		for range rng.IntN(3) {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		ids = append(ids, string(b))
	}
	for _, s := range ids {
		want, err := uuid.Parse(s)
		wantOK := err == nil && len(s) == 36 && s == strings.ToLower(s)
		got, ok := parseCanonicalUUID(s)
		if ok != wantOK || (ok && got != want) {
			t.Errorf("%q: got %v %v, want %v %v", s, got, ok, want, wantOK)
		}
	}
}
