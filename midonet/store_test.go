package midonet_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

// newObj returns an empty object of a registered class with a fresh id.
func newObj(t testing.TB, class string) (proto.Message, uuid.UUID) {
	t.Helper()
	c, ok := models.ClassByName(class)
	if !ok {
		t.Fatalf("no class %s", class)
	}
	m := c.New()
	id := models.NewUUID()
	if err := models.SetID(m, id); err != nil {
		t.Fatal(err)
	}
	return m, id.ToGoogle()
}

func idOf(t testing.TB, m proto.Message) uuid.UUID {
	t.Helper()
	id, err := models.ID(m)
	if err != nil {
		t.Fatal(err)
	}
	return id.ToGoogle()
}

func refs(t testing.TB, m proto.Message, field string) []string {
	t.Helper()
	ids, err := models.RefIDs(m, field)
	if err != nil {
		t.Fatal(err)
	}
	return models.UUIDsToStrings(ids)
}

func setRef(t testing.TB, m proto.Message, field string, id uuid.UUID) {
	t.Helper()
	if err := models.AddRefID(m, field, models.UUIDFromGoogle(id)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) get(model proto.Message, id uuid.UUID) proto.Message {
	f.t.Helper()
	m, err := f.store.Get(f.ctx, model, id)
	if err != nil {
		f.t.Fatalf("Get %s %s: %v", models.ClassName(model), id, err)
	}
	return m
}

func (f *fixture) exists(model proto.Message, id uuid.UUID) bool {
	f.t.Helper()
	ok, err := f.store.Exists(f.ctx, model, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return ok
}

func (f *fixture) create(objs ...proto.Message) {
	f.t.Helper()
	for _, o := range objs {
		if err := f.store.Create(f.ctx, o); err != nil {
			f.t.Fatalf("Create %s: %v", models.ClassName(o), err)
		}
	}
}

func (f *fixture) node(path string) ([]byte, storage.Stat, bool) {
	f.t.Helper()
	data, st, err := f.conn.Get(f.ctx, f.root+"/zoom/0"+path)
	if errors.Is(err, storage.ErrNoNode) {
		return nil, st, false
	}
	if err != nil {
		f.t.Fatalf("get %s: %v", path, err)
	}
	return data, st, true
}

func (f *fixture) provenance(class string, id uuid.UUID) *models.ZoomObject {
	f.t.Helper()
	data, _, ok := f.node("/objects/" + class + "/" + id.String())
	if !ok {
		f.t.Fatalf("no provenance for %s %s", class, id)
	}
	zo := &models.ZoomObject{}
	if err := proto.Unmarshal(data, zo); err != nil {
		f.t.Fatal(err)
	}
	return zo
}

func testLayout(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{Owner: zoom.OwnerClusterAPI, ProductVersion: "5.4", ProductCommit: "abc"})
	for _, c := range models.Classes() {
		for _, dir := range []string{"/models/", "/objects/", "/tables/", "/state/" + midonet.ClusterNamespace + "/"} {
			if _, _, ok := f.node(dir + c.Name); !ok {
				t.Errorf("class directory %s%s missing", dir, c.Name)
			}
		}
	}
	net := &models.Network{Name: proto.String("bridge \"one\""), AdminStateUp: proto.Bool(true), TunnelKey: proto.Uint64(7)}
	netID := models.NewUUID()
	net.Id = netID
	f.create(net)
	want, err := models.Marshal(net)
	if err != nil {
		t.Fatal(err)
	}
	data, st, ok := f.node("/models/Network/" + netID.Canonical())
	if !ok || string(data) != string(want) || st.Version != 0 {
		t.Fatalf("stored Network = %q (version %d, exists %v), want %q version 0", data, st.Version, ok, want)
	}
	zo := f.provenance("Network", netID.ToGoogle())
	if len(zo.Provenance) != 1 {
		t.Fatalf("provenance %v, want one entry", zo)
	}
	p := zo.Provenance[0]
	if p.GetChangeOwner() != 0x101 || p.GetChangeType() != 1 || p.GetChangeVersion() != 0 ||
		p.GetProductVersion() != "5.4" || p.GetProductCommit() != "abc" {
		t.Errorf("provenance after create = %v", p)
	}
	for _, tbl := range []string{"", "/" + midonet.MacTable, "/" + midonet.Ip4MacTable} {
		if _, _, ok := f.node("/tables/Network/" + netID.Canonical() + tbl); !ok {
			t.Errorf("table directory %q of the new bridge missing", tbl)
		}
	}

	// A port on the bridge adds a back-reference: change type data|backref.
	port := &models.Port{Id: models.NewUUID(), NetworkId: netID}
	f.create(port)
	data, st, _ = f.node("/models/Network/" + netID.Canonical())
	stored := &models.Network{}
	if err := models.Unmarshal(data, stored); err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || len(stored.PortIds) != 1 || !stored.PortIds[0].Equal(port.Id) {
		t.Fatalf("bridge after port create: version %d, %v", st.Version, stored)
	}
	if p := f.provenance("Network", netID.ToGoogle()).Provenance; len(p) != 1 || p[0].GetChangeType() != 3 {
		t.Errorf("provenance after back-reference = %v, want one entry with change type 3", p)
	}
	// Another owner appends an entry with the new data version.
	other := f.another(zoom.Options{Owner: zoom.OwnerClusterNeutron, ProductVersion: "5.4", ProductCommit: "abc"})
	if err := other.Update(f.ctx, stored); err != nil {
		t.Fatal(err)
	}
	if p := f.provenance("Network", netID.ToGoogle()).Provenance; len(p) != 2 ||
		p[1].GetChangeOwner() != 0x102 || p[1].GetChangeVersion() != 2 || p[1].GetChangeType() != 1 {
		t.Errorf("provenance after update by another owner = %v", p)
	}
	// Read first, written later in the same tx (provenance read lazily).
	third := f.another(zoom.Options{Owner: zoom.OwnerClusterContainers, ProductVersion: "5.4", ProductCommit: "abc"})
	err = third.Tx(f.ctx, func(tx *zoom.Tx) error {
		n, err := tx.Get(&models.Network{}, netID.ToGoogle())
		if err != nil {
			return err
		}
		n.(*models.Network).Name = proto.String("third")
		return tx.Update(n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.provenance("Network", netID.ToGoogle()).Provenance; len(p) != 3 ||
		p[2].GetChangeOwner() != 0x103 || p[2].GetChangeVersion() != 3 {
		t.Errorf("provenance after read-then-update = %v", p)
	}
	// Deleting removes model and provenance, and then (in the background,
	// as the reference) the table directories.
	if err := f.store.Delete(f.ctx, &models.Network{}, netID.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/models/Network/", "/objects/Network/", "/models/Port/"} {
		id := netID.Canonical()
		if p == "/models/Port/" {
			id = port.Id.Canonical()
		}
		if _, _, ok := f.node(p + id); ok {
			t.Errorf("%s%s still exists after delete", p, id)
		}
	}
	for _, p := range []string{"/tables/Network/" + netID.Canonical(), "/tables/Port/" + port.Id.Canonical()} {
		deadline := time.Now().Add(10 * time.Second)
		for _, _, ok := f.node(p); ok; _, _, ok = f.node(p) {
			if time.Now().After(deadline) {
				t.Errorf("%s still exists 10 s after delete", p)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func testCRUD(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	missing := uuid.New()
	_, err := f.store.Get(f.ctx, &models.Router{}, missing)
	var nf *zoom.NotFoundError
	if !errors.Is(err, zoom.ErrNotFound) || !errors.As(err, &nf) || nf.Class != "Router" || nf.ID != missing.String() {
		t.Fatalf("Get missing = %v, want NotFound Router %s", err, missing)
	}
	r := &models.Router{Id: models.NewUUID(), Name: proto.String("r1")}
	rid := r.Id.ToGoogle()
	f.create(r)
	var oe *zoom.ObjectExistsError
	if err := f.store.Create(f.ctx, r); !errors.As(err, &oe) || oe.Class != "Router" || oe.ID != rid.String() || !errors.Is(err, zoom.ErrObjectExists) {
		t.Fatalf("second Create = %v, want ObjectExists", err)
	}
	if got := f.get(&models.Router{}, rid); !proto.Equal(got, r) {
		t.Fatalf("Get = %v, want %v", got, r)
	}
	r.Name = proto.String("r2")
	if err := f.store.Update(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := f.get(&models.Router{}, rid).(*models.Router); got.GetName() != "r2" {
		t.Fatalf("after Update name = %q", got.GetName())
	}
	// A validator sees the stored object and may replace the update.
	err = f.store.UpdateWith(f.ctx, &models.Router{Id: r.Id, Name: proto.String("r3")}, func(stored, updated proto.Message) (proto.Message, error) {
		if stored.(*models.Router).GetName() != "r2" {
			return nil, fmt.Errorf("validator saw %v", stored)
		}
		u := updated.(*models.Router)
		u.AsNumber = proto.Int32(65000)
		return u, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.get(&models.Router{}, rid).(*models.Router); got.GetName() != "r3" || got.GetAsNumber() != 65000 {
		t.Fatalf("after UpdateWith: %v", got)
	}
	err = f.store.UpdateWith(f.ctx, r, func(_, u proto.Message) (proto.Message, error) {
		c := proto.Clone(u).(*models.Router)
		c.Id = models.NewUUID()
		return c, nil
	})
	if !errors.Is(err, zoom.ErrInvalidObject) {
		t.Fatalf("validator changing the id: %v, want ErrInvalidObject", err)
	}
	if err := f.store.Update(f.ctx, &models.Router{Id: models.UUIDFromGoogle(missing)}); !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("Update missing = %v", err)
	}
	if err := f.store.Create(f.ctx, &models.Router{Name: proto.String("no id")}); !errors.Is(err, zoom.ErrInvalidObject) {
		t.Fatalf("Create without id = %v", err)
	}
	if err := f.store.Create(f.ctx, &models.ZoomObject{}); !errors.Is(err, zoom.ErrUnregistered) {
		t.Fatalf("Create of unregistered class = %v", err)
	}
	// GetAll / Exists.
	ids := []uuid.UUID{rid}
	for range 5 {
		o, id := newObj(t, "Router")
		f.create(o)
		ids = append(ids, id)
	}
	all, err := f.store.GetAll(f.ctx, &models.Router{})
	if err != nil {
		t.Fatal(err)
	}
	var got []uuid.UUID
	for _, o := range all {
		got = append(got, idOf(t, o))
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	slices.SortFunc(got, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(got, ids) {
		t.Fatalf("GetAll ids %v, want %v", got, ids)
	}
	many, err := f.store.GetMany(f.ctx, &models.Router{}, ids[:3])
	if err != nil || len(many) != 3 || idOf(t, many[2]) != ids[2] {
		t.Fatalf("GetMany = %v, %v", many, err)
	}
	if _, err := f.store.GetMany(f.ctx, &models.Router{}, []uuid.UUID{ids[0], missing}); !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("GetMany with a missing id = %v", err)
	}
	if !f.exists(&models.Router{}, rid) || f.exists(&models.Router{}, missing) {
		t.Fatal("Exists wrong")
	}
	if err := f.store.Delete(f.ctx, &models.Router{}, rid); err != nil {
		t.Fatal(err)
	}
	if f.exists(&models.Router{}, rid) {
		t.Fatal("deleted router exists")
	}
	if err := f.store.Delete(f.ctx, &models.Router{}, rid); !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("second Delete = %v", err)
	}
	if err := f.store.DeleteIfExists(f.ctx, &models.Router{}, rid); err != nil {
		t.Fatalf("DeleteIfExists of missing = %v", err)
	}
}

func testTxFolding(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	net, netID := newObj(t, "Network")
	port, portID := newObj(t, "Port")
	setRef(t, port, "network_id", netID)
	var calls int
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		calls++
		if err := tx.Create(net); err != nil {
			return err
		}
		n, err := tx.Get(&models.Network{}, netID)
		if err != nil {
			return err
		}
		n.(*models.Network).Name = proto.String("renamed")
		if err := tx.Update(n); err != nil {
			return err
		}
		if err := tx.Create(port); err != nil {
			return err
		}
		all, err := tx.GetAll(&models.Network{})
		if err != nil {
			return err
		}
		if len(all) != 1 || len(all[0].(*models.Network).PortIds) != 1 || all[0].(*models.Network).GetName() != "renamed" {
			return fmt.Errorf("tx view of networks: %v", all)
		}
		if ok, err := tx.Exists(&models.Port{}, portID); !ok || err != nil {
			return fmt.Errorf("tx does not see its port: %v %v", ok, err)
		}
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("Tx: %v (calls %d)", err, calls)
	}
	_, st, _ := f.node("/models/Network/" + netID.String())
	if st.Version != 0 {
		t.Errorf("create+update+backref folded into one create: version %d, want 0", st.Version)
	}
	if got := f.get(&models.Network{}, netID).(*models.Network); got.GetName() != "renamed" || len(got.PortIds) != 1 {
		t.Errorf("stored bridge %v", got)
	}
	// Create then delete in one tx stores nothing; delete then create
	// replaces (one set, version+1).
	tmp, tmpID := newObj(t, "Chain")
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		if err := tx.Create(tmp); err != nil {
			return err
		}
		if err := tx.Delete(&models.Chain{}, tmpID, false); err != nil {
			return err
		}
		// Something must be written for the commit to matter.
		return tx.Create(&models.Chain{Id: models.NewUUID()})
	})
	if err != nil || f.exists(&models.Chain{}, tmpID) {
		t.Fatalf("create+delete: %v, exists %v", err, f.exists(&models.Chain{}, tmpID))
	}
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		if err := tx.Delete(&models.Network{}, netID, false); err != nil {
			return err
		}
		if ok, _ := tx.Exists(&models.Port{}, portID); ok {
			return errors.New("cascaded port still visible in the tx")
		}
		if err := tx.Delete(&models.Network{}, netID, false); !errors.Is(err, zoom.ErrNotFound) {
			return fmt.Errorf("second delete in tx: %v", err)
		}
		return tx.Create(&models.Network{Id: models.UUIDFromGoogle(netID), Name: proto.String("again")})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ = f.node("/models/Network/" + netID.String())
	if got := f.get(&models.Network{}, netID).(*models.Network); got.GetName() != "again" || len(got.PortIds) != 0 || st.Version != 1 {
		t.Errorf("delete+create = %v version %d", got, st.Version)
	}
	if f.exists(&models.Port{}, portID) {
		t.Error("port not cascaded")
	}
}

func testTxRollsBackOnError(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	net, netID := newObj(t, "Network")
	f.create(net)
	port, portID := newObj(t, "Port")
	setRef(t, port, "network_id", netID)
	boom := errors.New("boom")
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		if err := tx.Create(port); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v", err)
	}
	if f.exists(&models.Port{}, portID) || len(f.get(&models.Network{}, netID).(*models.Network).PortIds) != 0 {
		t.Fatal("failed tx left writes behind")
	}
	// A failing op in the middle (missing reference) leaves nothing either.
	other, otherID := newObj(t, "Port")
	setRef(t, other, "network_id", uuid.New())
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		if err := tx.Create(port); err != nil {
			return err
		}
		return tx.Create(other)
	})
	if !errors.Is(err, zoom.ErrNotFound) || f.exists(&models.Port{}, portID) || f.exists(&models.Port{}, otherID) {
		t.Fatalf("tx with a dangling reference: %v", err)
	}
}

// testBindingDeleteActions checks each binding's delete action, from both
// sides: object A references B through the binding; deleting A applies
// A's action to B.
func testBindingDeleteActions(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	bindings := midonet.Bindings()
	if len(bindings) != 61 {
		t.Fatalf("%d bindings, want 61", len(bindings))
	}
	type side struct {
		class, field, refClass, backField string
		action                            zoom.DeleteAction
	}
	for i, bd := range bindings {
		sides := []side{{bd.Left, bd.LeftField, bd.Right, bd.RightField, bd.OnDeleteLeft},
			{bd.Right, bd.RightField, bd.Left, bd.LeftField, bd.OnDeleteRight}}
		for _, s := range sides {
			name := fmt.Sprintf("%02d_%s.%s_%v", i+1, s.class, s.field, s.action)
			t.Run(name, func(t *testing.T) {
				ref, refID := newObj(t, s.refClass)
				f.create(ref)
				obj, objID := newObj(t, s.class)
				setRef(t, obj, s.field, refID)
				f.create(obj)
				if got := refs(t, f.get(ref, refID), s.backField); !slices.Contains(got, objID.String()) {
					t.Fatalf("back-reference %s.%s = %v, want it to hold %s", s.refClass, s.backField, got, objID)
				}
				err := f.store.Delete(f.ctx, obj, objID)
				switch s.action {
				case zoom.Clear:
					if err != nil {
						t.Fatalf("Delete: %v", err)
					}
					if got := refs(t, f.get(ref, refID), s.backField); slices.Contains(got, objID.String()) {
						t.Fatalf("CLEAR left %s in %s.%s", objID, s.refClass, s.backField)
					}
				case zoom.Cascade:
					if err != nil {
						t.Fatalf("Delete: %v", err)
					}
					if f.exists(ref, refID) {
						t.Fatalf("CASCADE did not delete the %s", s.refClass)
					}
				case zoom.Error:
					var oe *zoom.ObjectReferencedError
					if !errors.As(err, &oe) || oe.Class != s.class || oe.ID != objID.String() ||
						oe.ReferencingClass != s.refClass || oe.ReferencingID != refID.String() {
						t.Fatalf("Delete = %v, want ObjectReferenced", err)
					}
					if !f.exists(obj, objID) || !f.exists(ref, refID) {
						t.Fatal("refused delete changed something")
					}
					return
				}
				if f.exists(obj, objID) {
					t.Fatalf("%s not deleted", s.class)
				}
			})
		}
	}
}

func testBackReferences(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	// Moving a port between bridges moves the back-reference.
	a, aID := newObj(t, "Network")
	bb, bID := newObj(t, "Network")
	f.create(a, bb)
	port := &models.Port{Id: models.NewUUID(), NetworkId: models.UUIDFromGoogle(aID)}
	f.create(port)
	port.NetworkId = models.UUIDFromGoogle(bID)
	if err := f.store.Update(f.ctx, port); err != nil {
		t.Fatal(err)
	}
	if got := refs(t, f.get(a, aID), "port_ids"); len(got) != 0 {
		t.Errorf("old bridge still lists %v", got)
	}
	if got := refs(t, f.get(bb, bID), "port_ids"); !slices.Equal(got, []string{port.Id.Canonical()}) {
		t.Errorf("new bridge lists %v", got)
	}
	// Writing the repeated side fills the single side (Chain.rule_ids ->
	// Rule.chain_id), keeping the caller's order.
	r1 := &models.Rule{Id: models.NewUUID()}
	r2 := &models.Rule{Id: models.NewUUID()}
	f.create(r1, r2)
	chain := &models.Chain{Id: models.NewUUID(), RuleIds: []*models.UUID{r2.Id, r1.Id}}
	f.create(chain)
	for _, r := range []*models.Rule{r1, r2} {
		if got := f.get(&models.Rule{}, r.Id.ToGoogle()).(*models.Rule); !got.GetChainId().Equal(chain.Id) {
			t.Errorf("rule chain_id = %v", got.GetChainId())
		}
	}
	if got := refs(t, f.get(&models.Chain{}, chain.Id.ToGoogle()), "rule_ids"); !slices.Equal(got, []string{r2.Id.Canonical(), r1.Id.Canonical()}) {
		t.Errorf("rule order %v", got)
	}
	// Deleting the chain cascades to its rules.
	if err := f.store.Delete(f.ctx, &models.Chain{}, chain.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if f.exists(&models.Rule{}, r1.Id.ToGoogle()) || f.exists(&models.Rule{}, r2.Id.ToGoogle()) {
		t.Error("rules survived their chain")
	}
	// Duplicates in a repeated forward field: each adds a back-reference
	// and removing one occurrence clears exactly one.
	pg := &models.PortGroup{Id: models.NewUUID()}
	f.create(pg)
	p2 := &models.Port{Id: models.NewUUID(), PortGroupIds: []*models.UUID{pg.Id, pg.Id}}
	f.create(p2)
	if got := refs(t, f.get(pg, pg.Id.ToGoogle()), "port_ids"); len(got) != 2 {
		t.Errorf("port group after duplicate refs: %v", got)
	}
	p2.PortGroupIds = p2.PortGroupIds[:1]
	if err := f.store.Update(f.ctx, p2); err != nil {
		t.Fatal(err)
	}
	if got := refs(t, f.get(pg, pg.Id.ToGoogle()), "port_ids"); len(got) != 1 {
		t.Errorf("port group after removing one duplicate: %v", got)
	}
	// Deleting a router cascades over ports, their peers get cleared.
	router := &models.Router{Id: models.NewUUID()}
	f.create(router)
	rp := &models.Port{Id: models.NewUUID(), RouterId: router.Id}
	bp := &models.Port{Id: models.NewUUID(), NetworkId: models.UUIDFromGoogle(bID)}
	f.create(rp, bp)
	rp.PeerId = bp.Id
	rp = f.get(&models.Port{}, rp.Id.ToGoogle()).(*models.Port)
	rp.PeerId = bp.Id
	if err := f.store.Update(f.ctx, rp); err != nil {
		t.Fatal(err)
	}
	if got := f.get(&models.Port{}, bp.Id.ToGoogle()).(*models.Port); !got.GetPeerId().Equal(rp.Id) {
		t.Fatalf("peer of bridge port = %v", got.GetPeerId())
	}
	if err := f.store.Delete(f.ctx, &models.Router{}, router.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if f.exists(&models.Port{}, rp.Id.ToGoogle()) {
		t.Error("router port survived")
	}
	if got := f.get(&models.Port{}, bp.Id.ToGoogle()).(*models.Port); got.PeerId != nil {
		t.Errorf("peer not cleared: %v", got.PeerId)
	}
}

func testReferenceErrors(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	missing := uuid.New()
	port := &models.Port{Id: models.NewUUID(), NetworkId: models.UUIDFromGoogle(missing)}
	var nf *zoom.NotFoundError
	if err := f.store.Create(f.ctx, port); !errors.As(err, &nf) || nf.Class != "Network" || nf.ID != missing.String() {
		t.Fatalf("port on a missing bridge: %v", err)
	}
	a := &models.Port{Id: models.NewUUID()}
	bp := &models.Port{Id: models.NewUUID()}
	f.create(a, bp)
	a.PeerId = bp.Id
	if err := f.store.Update(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	c := &models.Port{Id: models.NewUUID(), PeerId: bp.Id}
	var rc *zoom.ReferenceConflictError
	err := f.store.Create(f.ctx, c)
	if !errors.As(err, &rc) || rc.Class != "Port" || rc.ID != bp.Id.Canonical() || rc.Field != "peer_id" ||
		rc.ReferencedClass != "Port" || rc.ReferencedID != a.Id.Canonical() || !errors.Is(err, zoom.ErrReferenceConflict) {
		t.Fatalf("second peer: %v", err)
	}
	if f.exists(&models.Port{}, c.Id.ToGoogle()) {
		t.Fatal("conflicting port stored")
	}
	// A router with a load balancer cannot be deleted (ERROR).
	lb := &models.LoadBalancer{Id: models.NewUUID()}
	f.create(lb)
	router := &models.Router{Id: models.NewUUID(), LoadBalancerId: lb.Id}
	f.create(router)
	if err := f.store.Delete(f.ctx, router, router.Id.ToGoogle()); !errors.Is(err, zoom.ErrObjectReferenced) {
		t.Fatalf("delete router with LB: %v", err)
	}
	// Deleting the LB clears the router's reference; then it can go.
	if err := f.store.Delete(f.ctx, lb, lb.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(f.ctx, router, router.Id.ToGoogle()); err != nil {
		t.Fatalf("delete router after LB: %v", err)
	}
}

func testConcurrentPorts(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	stores := []*zoom.Store{f.store, f.another(zoom.Options{}), f.another(zoom.Options{}), f.another(zoom.Options{})}
	bridge, bridgeID := newObj(t, "Network")
	f.create(bridge)
	// 16 writers on 4 sessions, 4 creates each: every create must land
	// (conflicts are retried, local ones committed together), none twice.
	const writers, perWriter = 16, 4
	var wg sync.WaitGroup
	ids := make([]string, writers*perWriter)
	errs := make([]error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perWriter {
				i := w*perWriter + j
				p := &models.Port{Id: models.NewUUID(), NetworkId: models.UUIDFromGoogle(bridgeID)}
				ids[i] = p.Id.Canonical()
				errs[i] = stores[w%len(stores)].Create(f.ctx, p)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	got := refs(t, f.get(bridge, bridgeID), "port_ids")
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Fatalf("bridge lists %d ports %v, want exactly the %d created %v", len(got), got, len(ids), ids)
	}
	// The bridge's stored bytes, its port ids spliced in batch by batch,
	// are exactly what the printer writes for it (Java TextFormat).
	f.checkPrinted("Network", bridgeID)
	for _, id := range ids {
		p := f.get(&models.Port{}, uuid.MustParse(id)).(*models.Port)
		if !p.GetNetworkId().Equal(models.UUIDFromGoogle(bridgeID)) {
			t.Errorf("port %s network_id %v", id, p.GetNetworkId())
		}
	}
}

func testConflictBounded(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{Attempts: 3})
	other := f.another(zoom.Options{})
	net, netID := newObj(t, "Network")
	f.create(net)
	calls := 0
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		calls++
		n, err := tx.Get(&models.Network{}, netID)
		if err != nil {
			return err
		}
		// Someone else writes the bridge after we read it.
		if err := other.Update(f.ctx, &models.Network{Id: models.UUIDFromGoogle(netID), Name: proto.String(fmt.Sprint(calls))}); err != nil {
			return err
		}
		// Only a read of the bridge: its version is checked at commit.
		return tx.Create(&models.Chain{Id: models.NewUUID(), Name: proto.String(n.(*models.Network).GetName())})
	})
	var cme *zoom.ConcurrentModificationError
	if !errors.As(err, &cme) || cme.Attempts != 3 || calls != 3 || cme.Class != "Network" || !errors.Is(err, zoom.ErrConcurrentModification) {
		t.Fatalf("Tx = %v after %d calls, want ConcurrentModification after 3", err, calls)
	}
	chains, err := f.store.GetAll(f.ctx, &models.Chain{})
	if err != nil || len(chains) != 0 {
		t.Fatalf("chains written by a failed tx: %v %v", chains, err)
	}
}

// checkPrinted fails unless the stored bytes of the object are exactly
// what models.Marshal prints for them parsed.
func (f *fixture) checkPrinted(class string, id uuid.UUID) {
	f.t.Helper()
	data, _, ok := f.node("/models/" + class + "/" + id.String())
	if !ok {
		f.t.Fatalf("%s %s not stored", class, id)
	}
	c, _ := models.ClassByName(class)
	m := c.New()
	if err := models.Unmarshal(data, m); err != nil {
		f.t.Fatal(err)
	}
	printed, err := models.Marshal(m)
	if err != nil {
		f.t.Fatal(err)
	}
	if !bytes.Equal(data, printed) {
		f.t.Fatalf("stored %s %s differs from its print:\n%s\nprinted:\n%s", class, id, data, printed)
	}
}

// testStaleCacheWrites: a store writes objects it last wrote itself from
// its cache, without reading them; when another session changed them
// meanwhile, nothing of that change is lost and no error comes from the
// stale copy (a single-valued back-reference another session cleared).
func testStaleCacheWrites(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	p1 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	f.create(p1) // f.store now holds the bridge as it wrote it
	// Another session renames the bridge and adds a port to it.
	n := f.get(bridge, bridge.Id.ToGoogle()).(*models.Network)
	n.Name = proto.String("renamed")
	if err := other.Update(f.ctx, n); err != nil {
		t.Fatal(err)
	}
	p2 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	if err := other.Create(f.ctx, p2); err != nil {
		t.Fatal(err)
	}
	p3 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	f.create(p3)
	got := f.get(bridge, bridge.Id.ToGoogle()).(*models.Network)
	if got.GetName() != "renamed" || len(got.PortIds) != 3 {
		t.Fatalf("bridge after a stale-cache write: name %q, ports %v", got.GetName(), got.PortIds)
	}
	f.checkPrinted("Network", bridge.Id.ToGoogle())

	// Deleted through this store and re-created by the other session under
	// the same id: a create on it sees the new bridge, not the cached one.
	if err := f.store.Delete(f.ctx, bridge, bridge.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if err := other.Create(f.ctx, &models.Network{Id: bridge.Id, Name: proto.String("again")}); err != nil {
		t.Fatal(err)
	}
	p4 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	f.create(p4)
	got = f.get(bridge, bridge.Id.ToGoogle()).(*models.Network)
	if got.GetName() != "again" || len(got.PortIds) != 1 || !got.PortIds[0].Equal(p4.Id) {
		t.Fatalf("re-created bridge after a create: name %q, ports %v", got.GetName(), got.PortIds)
	}

	// Single-valued: f links a to target, the other session unlinks it,
	// f links c to target: allowed (the cached target still shows a).
	target, a, c := &models.Port{Id: models.NewUUID()}, &models.Port{Id: models.NewUUID()}, &models.Port{Id: models.NewUUID()}
	f.create(target, a, c)
	a.PeerId = target.Id
	if err := f.store.Update(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	a.PeerId = nil
	if err := other.Update(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	c.PeerId = target.Id
	if err := f.store.Update(f.ctx, c); err != nil {
		t.Fatalf("link after another session unlinked: %v", err)
	}
	if got := f.get(target, target.Id.ToGoogle()).(*models.Port); !got.GetPeerId().Equal(c.Id) {
		t.Fatalf("target peer %v, want %v", got.GetPeerId(), c.Id)
	}
}

// testManyChildren: a bridge gains more ports than the cache keeps as
// pending appends (applied every few hundred), read now and then: every
// port is listed once, in creation order, and the stored bytes are the
// printer's.
func testManyChildren(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	var want []string
	for i := range 600 {
		p := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
		f.create(p)
		want = append(want, p.Id.Canonical())
		if i%250 == 0 {
			if got := refs(t, f.get(bridge, bridge.Id.ToGoogle()), "port_ids"); !slices.Equal(got, want) {
				t.Fatalf("after %d creates the bridge lists %d ports", i+1, len(got))
			}
		}
	}
	if got := refs(t, f.get(bridge, bridge.Id.ToGoogle()), "port_ids"); !slices.Equal(got, want) {
		t.Fatalf("the bridge lists %d ports, want the %d created in order", len(got), len(want))
	}
	f.checkPrinted("Network", bridge.Id.ToGoogle())
}
