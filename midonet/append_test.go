package midonet_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// testAppend: Tx.Append adds elements to a repeated message field (a
// subnet's DHCP hosts) from 16 writers on 4 sessions, interleaved with
// Modify and reads: every host is there once, the stored bytes are the
// printer's (the elements were spliced into the stored text), and bad
// appends are refused without writing anything.
func testAppend(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	stores := []*zoom.Store{f.store, f.another(zoom.Options{}), f.another(zoom.Options{}), f.another(zoom.Options{})}
	dhcp := &models.Dhcp{Id: models.NewUUID(), DefaultGateway: ip(t, "10.0.0.1"),
		Hosts: []*models.Dhcp_Host{{Mac: proto.String("fa:16:3e:00:00:01"), IpAddress: ip(t, "10.0.0.2")}}}
	f.create(dhcp)
	id := dhcp.Id.ToGoogle()
	host := func(i int) *models.Dhcp_Host {
		return &models.Dhcp_Host{Mac: proto.String(fmt.Sprintf("fa:16:3e:00:%02x:%02x", i>>8, i&0xff)),
			IpAddress:     ip(t, fmt.Sprintf("10.0.%d.%d", i>>8, i&0xff+10)),
			ExtraDhcpOpts: []*models.Dhcp_Host_ExtraDhcpOpt{{Name: proto.String("mtu"), Value: proto.String("1450")}}}
	}
	const writers, perWriter = 16, 8
	var wg sync.WaitGroup
	errs := make([]error, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			st := stores[w%len(stores)]
			for j := range perWriter {
				i := w*perWriter + j
				errs[i] = st.Tx(f.ctx, func(tx *zoom.Tx) error {
					if err := tx.Append(&models.Dhcp{}, id, "hosts", host(i)); err != nil {
						return err
					}
					if j == perWriter/2 { // a whole-object change among the appends
						return tx.Modify(&models.Dhcp{}, id, func(m proto.Message) error {
							m.(*models.Dhcp).InterfaceMtu = proto.Int32(int32(1400 + w))
							return nil
						})
					}
					return nil
				})
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("append %d: %v", i, err)
		}
	}
	got := f.get(&models.Dhcp{}, id).(*models.Dhcp)
	var macs []string
	for _, h := range got.GetHosts() {
		macs = append(macs, h.GetMac())
	}
	want := []string{"fa:16:3e:00:00:01"}
	for i := range writers * perWriter {
		want = append(want, host(i).GetMac())
	}
	slices.Sort(macs)
	slices.Sort(want)
	if !slices.Equal(macs, want) {
		t.Fatalf("%d hosts %v, want the %d appended and the first", len(macs), macs, len(want))
	}
	if got.InterfaceMtu == nil {
		t.Error("the Modify among the appends was lost")
	}
	f.checkPrinted("Dhcp", id)

	// Refused: a field that is not a repeated message, a bound field, an
	// element of another type, a missing object; nothing written.
	before := f.get(&models.Dhcp{}, id)
	net := &models.Network{Id: models.NewUUID()}
	f.create(net)
	for name, tc := range map[string]func(tx *zoom.Tx) error{
		"scalar field": func(tx *zoom.Tx) error { return tx.Append(&models.Dhcp{}, id, "default_gateway", ip(t, "1.1.1.1")) },
		"bound field": func(tx *zoom.Tx) error {
			return tx.Append(&models.Network{}, net.Id.ToGoogle(), "port_ids", models.NewUUID())
		},
		"wrong element": func(tx *zoom.Tx) error { return tx.Append(&models.Dhcp{}, id, "hosts", ip(t, "1.1.1.1")) },
		"no such field": func(tx *zoom.Tx) error { return tx.Append(&models.Dhcp{}, id, "nope", host(1)) },
	} {
		if err := f.store.Tx(f.ctx, tc); !errors.Is(err, zoom.ErrInvalidObject) {
			t.Errorf("%s: %v, want an invalid-object error", name, err)
		}
	}
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		return tx.Append(&models.Dhcp{}, models.NewUUID().ToGoogle(), "hosts", host(1))
	})
	if !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("append to a missing object: %v, want not found", err)
	}
	if after := f.get(&models.Dhcp{}, id); !proto.Equal(before, after) {
		t.Error("a refused append changed the object")
	}
}

// testElems: Tx.Elems yields a repeated message field's stored elements
// and then the transaction's appends, stops when yield says so, leaves
// appends in place for a Get between them (which sees them) and the
// commit (stored bytes the printer's), and refuses what Append refuses.
func testElems(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	host := func(mac string) *models.Dhcp_Host { return &models.Dhcp_Host{Mac: proto.String(mac)} }
	dhcp := &models.Dhcp{Id: models.NewUUID(), Hosts: []*models.Dhcp_Host{host("fa:16:3e:00:00:01")}}
	f.create(dhcp)
	id := dhcp.Id.ToGoogle()
	macs := func(tx *zoom.Tx, limit int) []string {
		t.Helper()
		var out []string
		err := tx.Elems(&models.Dhcp{}, id, "hosts", func(m proto.Message) bool {
			out = append(out, m.(*models.Dhcp_Host).GetMac())
			return len(out) < limit
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		if got := macs(tx, 10); !slices.Equal(got, []string{"fa:16:3e:00:00:01"}) {
			t.Errorf("before appends: %v", got)
		}
		if err := tx.Append(&models.Dhcp{}, id, "hosts", host("fa:16:3e:00:00:02")); err != nil {
			return err
		}
		got, err := tx.Get(&models.Dhcp{}, id)
		if err != nil {
			return err
		}
		if n := len(got.(*models.Dhcp).GetHosts()); n != 2 {
			t.Errorf("Get between appends: %d hosts, want 2", n)
		}
		if err := tx.Append(&models.Dhcp{}, id, "hosts", host("fa:16:3e:00:00:03")); err != nil {
			return err
		}
		if got := macs(tx, 10); !slices.Equal(got, []string{"fa:16:3e:00:00:01", "fa:16:3e:00:00:02", "fa:16:3e:00:00:03"}) {
			t.Errorf("after appends: %v", got)
		}
		if got := macs(tx, 2); len(got) != 2 {
			t.Errorf("yield said stop after 2, got %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.get(&models.Dhcp{}, id).(*models.Dhcp).GetHosts()); n != 3 {
		t.Errorf("committed: %d hosts, want 3", n)
	}
	f.checkPrinted("Dhcp", id)
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		return tx.Elems(&models.Dhcp{}, id, "default_gateway", func(proto.Message) bool { return true })
	})
	if !errors.Is(err, zoom.ErrInvalidObject) {
		t.Errorf("Elems of a scalar field: %v, want an invalid-object error", err)
	}
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		return tx.Elems(&models.Dhcp{}, models.NewUUID().ToGoogle(), "hosts", func(proto.Message) bool { return true })
	})
	if !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("Elems of a missing object: %v, want not found", err)
	}
}

// testEnsureNode: EnsureNode creates a missing node and its missing
// ancestors, keeps an existing one (value untouched), composes with a
// node another session creates meanwhile, and with deletes in the same
// transaction.
func testEnsureNode(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	base := f.root + "/ensure"
	tx := func(st *zoom.Store, fn func(tx *zoom.Tx) error) {
		t.Helper()
		if err := st.Tx(f.ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	// Missing with missing ancestors, twice in one transaction.
	tx(f.store, func(tx *zoom.Tx) error {
		if err := tx.EnsureNode(base + "/a/b/c"); err != nil {
			return err
		}
		return tx.EnsureNode(base + "/a/b/c")
	})
	if _, _, ok := f.conn.Get(f.ctx, base+"/a/b/c"); ok != nil {
		t.Fatalf("ensured node missing: %v", ok)
	}
	// Existing, with a value: kept as it is.
	tx(other, func(tx *zoom.Tx) error { return tx.UpdateNode(base+"/a/b/c", []byte("v")) })
	tx(f.store, func(tx *zoom.Tx) error {
		if err := tx.EnsureNode(base + "/a/b/c"); err != nil {
			return err
		}
		return tx.EnsureNode(base + "/a/b/d")
	})
	if data, _, err := f.conn.Get(f.ctx, base+"/a/b/c"); err != nil || string(data) != "v" {
		t.Fatalf("existing ensured node: %q %v, want its value kept", data, err)
	}
	// Created by another session between the function and the commit.
	runs := 0
	tx(f.store, func(tx *zoom.Tx) error {
		runs++
		if err := tx.EnsureNode(base + "/x/y"); err != nil {
			return err
		}
		if runs == 1 {
			return other.Tx(f.ctx, func(tx *zoom.Tx) error { return tx.CreateNode(base+"/x/y", []byte("theirs")) })
		}
		return nil
	})
	if data, _, err := f.conn.Get(f.ctx, base+"/x/y"); err != nil || string(data) != "theirs" {
		t.Fatalf("node another session created: %q %v", data, err)
	}
	// Deleted then ensured in one transaction: it exists, emptied; ensured
	// then deleted: it is gone.
	tx(f.store, func(tx *zoom.Tx) error {
		if err := tx.DeleteNode(base+"/x", false); err != nil {
			return err
		}
		if err := tx.EnsureNode(base + "/x/y"); err != nil {
			return err
		}
		if err := tx.EnsureNode(base + "/e/f"); err != nil {
			return err
		}
		return tx.DeleteNode(base+"/e/f", false)
	})
	if data, _, err := f.conn.Get(f.ctx, base+"/x/y"); err != nil || len(data) != 0 {
		t.Fatalf("deleted then ensured: %q %v, want an empty node", data, err)
	}
	if _, _, err := f.conn.Get(f.ctx, base+"/e/f"); err == nil {
		t.Fatal("ensured then deleted: the node exists")
	}
}

func ip(t testing.TB, s string) *models.IPAddress {
	t.Helper()
	a, err := models.ParseIPAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testCachedWriteSeesRecreation: the one change a version check cannot
// see. This store wrote a bridge (version 1, cached); another session
// deletes it and re-creates it under the same id, brought back to version
// 1. A port created through this store then lands on the new bridge: the
// cached copy is not written over it (its czxid tells it apart), so
// neither the old name nor the old, deleted port comes back.
func testCachedWriteSeesRecreation(t *testing.T, b backend) {
	checkCachedWriteSeesRecreation(t, b, entryWritten)
}

// testCachedWriteSeesRecreationArmed: the same with the bridge's cache
// entry armed by a read (its watch set) when the other session deletes
// and re-creates it: the port create, which uses an armed entry without
// asking the store, must not write the old bridge over the new one.
func testCachedWriteSeesRecreationArmed(t *testing.T, b backend) {
	checkCachedWriteSeesRecreation(t, b, entryArmed)
}

// testCachedWriteSeesRecreationWritten: the same with the bridge's entry
// the version this store wrote last, unarmed but with its life watch set
// (the background re-arm has run, and the second port's create wrote
// over the entry without a stat): the delete fires the life watch.
func testCachedWriteSeesRecreationWritten(t *testing.T, b backend) {
	checkCachedWriteSeesRecreation(t, b, entryLifeWatched)
}

// bridgeEntry is the state of the bridge's cache entry in
// checkCachedWriteSeesRecreation when the other session re-creates it.
type bridgeEntry int

const (
	entryWritten     bridgeEntry = iota // just written by a port create
	entryArmed                          // read after that
	entryLifeWatched                    // written by a second create after its life watch was set
)

func checkCachedWriteSeesRecreation(t *testing.T, b backend, state bridgeEntry) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID(), Name: proto.String("old")}
	f.create(bridge)
	p1 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	f.create(p1) // the bridge, at version 1, is in this store's cache
	version := storage.Version(1)
	switch state {
	case entryArmed:
		if got := f.get(&models.Network{}, bridge.Id.ToGoogle()).(*models.Network); len(got.GetPortIds()) != 1 {
			t.Fatalf("bridge before: %v", got)
		}
	case entryLifeWatched:
		time.Sleep(100 * time.Millisecond) // the background re-arm and life watch
		f.create(&models.Port{Id: models.NewUUID(), NetworkId: bridge.Id})
		version++
	}
	if err := other.Delete(f.ctx, &models.Network{}, bridge.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if err := other.Create(f.ctx, &models.Network{Id: bridge.Id, Name: proto.String("new")}); err != nil {
		t.Fatal(err)
	}
	for range version {
		if err := other.Update(f.ctx, &models.Network{Id: bridge.Id, Name: proto.String("newer")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, st, _ := f.node("/models/Network/" + bridge.Id.Canonical()); st.Version != version {
		t.Fatalf("re-created bridge at version %d, the test needs %d", st.Version, version)
	}
	p2 := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	f.create(p2)
	got := f.get(&models.Network{}, bridge.Id.ToGoogle()).(*models.Network)
	if got.GetName() != "newer" || len(got.GetPortIds()) != 1 || !got.GetPortIds()[0].Equal(p2.Id) {
		t.Fatalf("bridge after a create through the stale cache: name %q, ports %v; want \"newer\" with only %s",
			got.GetName(), got.GetPortIds(), p2.Id.Canonical())
	}
}

// testEach: Each hands over every object of a class in GetAll's order,
// across its read chunks, EachOf the objects of given ids in their order
// without the missing one, and both stop at yield's error.
func testEach(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	const n = 600 // more than two chunks
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		for i := range n {
			if err := tx.Create(&models.Chain{Id: models.NewUUID(), Name: proto.String(fmt.Sprint(i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := f.store.GetAll(f.ctx, &models.Chain{})
	if err != nil || len(all) != n {
		t.Fatalf("GetAll: %d chains, %v", len(all), err)
	}
	var got []string
	if err := f.store.Each(f.ctx, &models.Chain{}, func(m proto.Message) error {
		got = append(got, m.(*models.Chain).GetId().Canonical())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range all {
		want = append(want, m.(*models.Chain).GetId().Canonical())
	}
	if !slices.Equal(got, want) || !slices.IsSorted(got) {
		t.Fatalf("Each listed %d chains, not GetAll's %d in id order", len(got), len(want))
	}
	// GetAll's objects are the caller's: changing one changes neither what
	// Each (which hands over the store's shared objects) nor Get reads.
	changed := all[0].(*models.Chain)
	changed.Name = proto.String("changed by the caller")
	first := ""
	if err := f.store.Each(f.ctx, &models.Chain{}, func(m proto.Message) error {
		if first == "" {
			first = m.(*models.Chain).GetName()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	again, err := f.store.Get(f.ctx, &models.Chain{}, changed.GetId().ToGoogle())
	if err != nil || first == changed.GetName() || again.(*models.Chain).GetName() == changed.GetName() {
		t.Fatalf("a change to GetAll's object is seen by Each (%q) or Get (%v, %v)", first, again, err)
	}
	// EachOf: the given ids in their order (reversed here), a missing one
	// left out.
	var ids []uuid.UUID
	for i := len(all) - 1; i >= 0; i-- {
		ids = append(ids, all[i].(*models.Chain).GetId().ToGoogle())
		if i == n/2 {
			ids = append(ids, uuid.New())
		}
	}
	var of []string
	if err := f.store.EachOf(f.ctx, &models.Chain{}, ids, func(m proto.Message) error {
		of = append(of, m.(*models.Chain).GetId().Canonical())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(of)
	if !slices.Equal(of, want) {
		t.Fatalf("EachOf listed %d chains, not the %d given in their order", len(of), len(want))
	}
	stop := errors.New("enough")
	seen := 0
	err = f.store.Each(f.ctx, &models.Chain{}, func(proto.Message) error {
		seen++
		if seen == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 300 {
		t.Fatalf("Each after yield's error: %v, %d objects handed over", err, seen)
	}
}
