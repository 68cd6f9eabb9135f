package consistency_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
)

const root = "/midonet"

type fixture struct {
	t     *testing.T
	ctx   context.Context
	conn  storage.Conn
	store *zoom.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	conn := mem.NewServer().Connect()
	t.Cleanup(func() { conn.Close() })
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: ctx, conn: conn, store: st}
}

// object returns an empty object of class with a fresh id.
func (f *fixture) object(class string) (proto.Message, *models.UUID) {
	f.t.Helper()
	c, ok := models.ClassByName(class)
	if !ok {
		f.t.Fatalf("no class %s", class)
	}
	m := c.New()
	id := models.NewUUID()
	if err := models.SetID(m, id); err != nil {
		f.t.Fatal(err)
	}
	return m, id
}

func (f *fixture) ref(m proto.Message, field string, id *models.UUID) {
	f.t.Helper()
	if err := models.AddRefID(m, field, id); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) create(m proto.Message) {
	f.t.Helper()
	if err := f.store.Create(f.ctx, m); err != nil {
		f.t.Fatalf("create %s: %v", models.ClassName(m), err)
	}
}

// writeRaw stores m under the models layout without the object store, so
// no back-reference is added.
func (f *fixture) writeRaw(m proto.Message, name string) {
	f.t.Helper()
	data, err := models.Marshal(m)
	if err != nil {
		f.t.Fatal(err)
	}
	f.writeBytes(models.ClassName(m), name, data)
}

func (f *fixture) writeBytes(class, name string, data []byte) {
	f.t.Helper()
	p := root + "/zoom/0/models/" + class + "/" + name
	if _, err := f.conn.Create(f.ctx, p, data, storage.Persistent); err != nil {
		f.t.Fatalf("create %s: %v", p, err)
	}
}

func (f *fixture) check() *consistency.Report {
	f.t.Helper()
	rep, err := consistency.Check(f.ctx, f.conn, root, consistency.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func dump(rep *consistency.Report) string {
	var b strings.Builder
	for _, fd := range rep.Findings {
		fmt.Fprintln(&b, fd)
	}
	return b.String()
}

// TestEveryBindingThroughTheStoreIsConsistent creates, for each of the 61
// bindings, a referenced object and a referrer through the object store
// (which adds the back-reference), plus a small realistic topology, and
// expects no finding.
func TestEveryBindingThroughTheStoreIsConsistent(t *testing.T) {
	f := newFixture(t)
	for _, b := range midonet.Bindings() {
		right, rightID := f.object(b.Right)
		f.create(right)
		left, _ := f.object(b.Left)
		f.ref(left, b.LeftField, rightID)
		f.create(left)
	}

	// A router linked to a bridge, a chain with a rule, a bound port.
	host, hostID := f.object("Host")
	f.create(host)
	net, netID := f.object("Network")
	f.create(net)
	router, routerID := f.object("Router")
	f.create(router)
	chain, chainID := f.object("Chain")
	f.create(chain)
	rule, _ := f.object("Rule")
	f.ref(rule, "chain_id", chainID)
	f.create(rule)
	bport, bportID := f.object("Port")
	f.ref(bport, "network_id", netID)
	f.ref(bport, "host_id", hostID)
	f.ref(bport, "inbound_filter_id", chainID)
	f.create(bport)
	rport, _ := f.object("Port")
	f.ref(rport, "router_id", routerID)
	f.ref(rport, "peer_id", bportID)
	f.create(rport)
	route, _ := f.object("Route")
	f.ref(route, "router_id", routerID)
	f.create(route)

	rep := f.check()
	if len(rep.Findings) != 0 {
		t.Fatalf("findings on a store-written topology:\n%s", dump(rep))
	}
	if rep.Objects["Port"] < 2 || rep.Objects["Network"] < 1 || rep.Total() < 2*len(midonet.Bindings()) {
		t.Fatalf("objects read: %v (total %d)", rep.Objects, rep.Total())
	}

	// Deleting through the store (cascades and clears) keeps it consistent.
	if err := f.store.Delete(f.ctx, &models.Router{}, routerID.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(f.ctx, &models.Chain{}, chainID.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if rep := f.check(); len(rep.Findings) != 0 {
		t.Fatalf("findings after deletes through the store:\n%s", dump(rep))
	}
}

func TestEmptyAndMissingRoot(t *testing.T) {
	f := newFixture(t)
	if rep := f.check(); len(rep.Findings) != 0 || rep.Total() != 0 {
		t.Fatalf("empty store: %d objects, findings:\n%s", rep.Total(), dump(rep))
	}
	rep, err := consistency.Check(f.ctx, f.conn, "/nothing-here", consistency.Options{})
	if err != nil || rep.Total() != 0 || len(rep.Findings) != 0 {
		t.Fatalf("absent root: %v %+v", err, rep)
	}
	if _, err := consistency.Check(f.ctx, f.conn, "relative", consistency.Options{}); err == nil {
		t.Fatal("a relative root was accepted")
	}
}

// TestBrokenTopologyWrittenRaw writes objects behind the store's back and
// expects each inconsistency to be reported with its class, id and field.
func TestBrokenTopologyWrittenRaw(t *testing.T) {
	f := newFixture(t)
	// A consistent pair through the store, to be broken below.
	net, netID := f.object("Network")
	f.create(net)
	goodPort, goodPortID := f.object("Port")
	f.ref(goodPort, "network_id", netID)
	f.create(goodPort)

	// 1. A port whose network does not exist.
	orphan, orphanID := f.object("Port")
	missingNet := models.NewUUID()
	f.ref(orphan, "network_id", missingNet)
	f.writeRaw(orphan, orphanID.Canonical())

	// 2. A port naming an existing network that does not list it.
	unlisted, unlistedID := f.object("Port")
	f.ref(unlisted, "network_id", netID)
	f.writeRaw(unlisted, unlistedID.Canonical())

	// 3. A one-sided peer link (Port.peer_id is bound to itself).
	peerA, peerAID := f.object("Port")
	peerB, peerBID := f.object("Port")
	f.ref(peerA, "peer_id", peerBID)
	f.writeRaw(peerA, peerAID.Canonical())
	f.writeRaw(peerB, peerBID.Canonical())

	// 4. A chain listing a rule twice that names it once.
	chain, chainID := f.object("Chain")
	rule, ruleID := f.object("Rule")
	f.ref(rule, "chain_id", chainID)
	f.ref(chain, "rule_ids", ruleID)
	f.ref(chain, "rule_ids", ruleID)
	f.writeRaw(rule, ruleID.Canonical())
	f.writeRaw(chain, chainID.Canonical())

	// 5. Garbage data, and an object stored under another id.
	garbage := uuid.NewString()
	f.writeBytes("Router", garbage, []byte("name: {{{"))
	misplaced, _ := f.object("Host")
	misplacedName := uuid.NewString()
	f.writeRaw(misplaced, misplacedName)

	rep := f.check()
	want := []consistency.Finding{
		{Problem: consistency.DanglingReference, Class: "Port", ID: orphanID.Canonical(), Field: "network_id",
			RefClass: "Network", RefID: missingNet.Canonical(), RefField: "port_ids"},
		{Problem: consistency.MissingBackReference, Class: "Port", ID: unlistedID.Canonical(), Field: "network_id",
			RefClass: "Network", RefID: netID.Canonical(), RefField: "port_ids", Detail: "does not hold it"},
		{Problem: consistency.MissingBackReference, Class: "Port", ID: peerAID.Canonical(), Field: "peer_id",
			RefClass: "Port", RefID: peerBID.Canonical(), RefField: "peer_id", Detail: "does not hold it"},
		{Problem: consistency.MissingBackReference, Class: "Chain", ID: chainID.Canonical(), Field: "rule_ids",
			RefClass: "Rule", RefID: ruleID.Canonical(), RefField: "chain_id", Detail: "holds it 1 times, not 2"},
	}
	for _, w := range want {
		found := false
		for _, got := range rep.Findings {
			if got == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing finding %v; got:\n%s", w, dump(rep))
		}
	}
	kinds := map[consistency.Problem]string{consistency.Undecodable: garbage, consistency.IDMismatch: misplacedName}
	for p, name := range kinds {
		found := false
		for _, got := range rep.Findings {
			found = found || (got.Problem == p && got.ID == name && got.Detail != "")
		}
		if !found {
			t.Errorf("no %v finding for %s; got:\n%s", p, name, dump(rep))
		}
	}
	if n := len(rep.Findings); n != len(want)+len(kinds) {
		t.Errorf("%d findings, want %d:\n%s", n, len(want)+len(kinds), dump(rep))
	}
	if rep.Count(consistency.DanglingReference) != 1 {
		t.Errorf("Count(DanglingReference) = %d", rep.Count(consistency.DanglingReference))
	}

	// The good pair stays clean: nothing about goodPort is reported.
	for _, got := range rep.Findings {
		if got.ID == goodPortID.Canonical() || got.RefID == goodPortID.Canonical() {
			t.Errorf("finding about a consistent object: %v", got)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	f := newFixture(t)
	for range 5 {
		n, _ := f.object("Network")
		f.create(n)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := consistency.Check(ctx, f.conn, root, consistency.Options{}); err == nil {
		t.Fatal("Check with a cancelled context succeeded")
	}
}

// staleConn answers the first Get of one path with old data, as a read
// racing a writer would.
type staleConn struct {
	storage.Conn
	path  string
	stale []byte
	mu    sync.Mutex
	used  bool
}

func (c *staleConn) Get(ctx context.Context, p string) ([]byte, storage.Stat, error) {
	data, stat, err := c.Conn.Get(ctx, p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p == c.path && !c.used {
		c.used = true
		return c.stale, stat, err
	}
	return data, stat, err
}

// TestRecheckFiltersRacingWrites: a network read before its new port was
// added to it looks like a missing back-reference; reading it again clears
// the finding, unless rechecks are off.
func TestRecheckFiltersRacingWrites(t *testing.T) {
	f := newFixture(t)
	net, netID := f.object("Network")
	f.create(net)
	stale, err := models.Marshal(net) // before the port is added
	if err != nil {
		t.Fatal(err)
	}
	port, _ := f.object("Port")
	f.ref(port, "network_id", netID)
	f.create(port)
	netPath := root + "/zoom/0/models/Network/" + netID.Canonical()

	rep, err := consistency.Check(f.ctx, &staleConn{Conn: f.conn, path: netPath, stale: stale}, root, consistency.Options{NoRecheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(consistency.MissingBackReference) != 1 {
		t.Fatalf("without recheck, the stale read should show as a missing back-reference:\n%s", dump(rep))
	}
	rep, err = consistency.Check(f.ctx, &staleConn{Conn: f.conn, path: netPath, stale: stale}, root, consistency.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Fatalf("recheck kept a finding of a stale read:\n%s", dump(rep))
	}
}
