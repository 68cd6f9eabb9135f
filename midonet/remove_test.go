package midonet_test

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// testRemoveBackRefs: deleting children removes their back-references
// from the parent's stored text in place (first, middle, last, several in
// one transaction, a create and a delete in one, concurrent deletes from
// four sessions, reads from another session between them), and the
// stored bytes are at each step those the full path prints (the parent
// parsed, the id removed, printed whole); the checker finds nothing.
func testRemoveBackRefs(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	reader := f.another(zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID(), Name: proto.String("b"), Vni: proto.Uint32(9)}
	f.create(bridge)
	id := bridge.Id.ToGoogle()
	var ports []*models.UUID
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		for range 120 {
			p := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
			ports = append(ports, p.Id)
			if err := tx.Create(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(f.get(&models.Network{}, id)).(*models.Network)
	// fullPath is what the stored text must be: the expected bridge
	// printed whole.
	expect := func(step string, remove ...*models.UUID) {
		t.Helper()
		for _, p := range remove {
			if ok, err := models.RemoveRefID(want, "port_ids", p); err != nil || !ok {
				t.Fatalf("%s: %s not in the expected bridge (%v)", step, p.Canonical(), err)
			}
		}
		data, _, _ := f.node("/models/Network/" + id.String())
		full, err := models.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, full) {
			t.Fatalf("%s: stored\n%.300s...\nthe full path prints\n%.300s...", step, data, full)
		}
		// Another session reads what was written; this one its cache.
		for _, st := range []*zoom.Store{f.store, reader} {
			got, err := st.Get(f.ctx, &models.Network{}, id)
			if err != nil || !proto.Equal(got, want) {
				t.Fatalf("%s: read %d ports (%v), want %d", step, len(got.(*models.Network).GetPortIds()), err, len(want.PortIds))
			}
		}
	}
	del := func(p *models.UUID) {
		t.Helper()
		if err := f.store.Delete(f.ctx, &models.Port{}, p.ToGoogle()); err != nil {
			t.Fatal(err)
		}
	}
	del(ports[0])
	expect("first", ports[0])
	del(ports[60])
	expect("middle", ports[60])
	del(ports[119])
	expect("last", ports[119])
	// Several, and a port created and deleted, in one transaction.
	fresh := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	err = f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		for _, p := range []*models.UUID{ports[5], ports[6], ports[100]} {
			if err := tx.Delete(&models.Port{}, p.ToGoogle(), false); err != nil {
				return err
			}
		}
		if err := tx.Create(fresh); err != nil {
			return err
		}
		return tx.Delete(&models.Port{}, fresh.Id.ToGoogle(), false)
	})
	if err != nil {
		t.Fatal(err)
	}
	expect("several", ports[5], ports[6], ports[100])
	// More deletes than the cache keeps pending, with reads between.
	for _, p := range ports[10:50] {
		del(p)
		if _, err := reader.Get(f.ctx, &models.Network{}, id); err != nil {
			t.Fatal(err)
		}
	}
	expect("forty", ports[10:50]...)
	// Concurrent deletes from four sessions (group commits, conflicts).
	stores := []*zoom.Store{f.store, reader, f.another(zoom.Options{}), f.another(zoom.Options{})}
	var wg sync.WaitGroup
	rest := slices.Concat(ports[50:60], ports[61:100])
	errs := make([]error, len(rest))
	for i, p := range rest {
		wg.Go(func() { errs[i] = stores[i%len(stores)].Delete(f.ctx, &models.Port{}, p.ToGoogle()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	expect("concurrent", rest...)
	f.checkPrinted("Network", id)
	rep, err := consistency.Check(f.ctx, f.conn, f.root, consistency.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Fatalf("checker: %v", rep.Findings)
	}
}

// testReplace: Tx.Replace and Tx.Remove change the first element equal
// to the one given (duplicates: one at a time), compose with appends and
// reads in one transaction (Elems and Get see the edits), store the bytes
// the full path prints, leave the list as it is for an absent element,
// and refuse what Append refuses.
func testReplace(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	host := func(mac string) *models.Dhcp_Host { return &models.Dhcp_Host{Mac: proto.String(mac)} }
	a, c, d, e := host("fa:16:3e:00:00:0a"), host("fa:16:3e:00:00:0c"), host("fa:16:3e:00:00:0d"), host("fa:16:3e:00:00:0e")
	dhcp := &models.Dhcp{Id: models.NewUUID(), DefaultGateway: ip(t, "10.0.0.1"), Hosts: []*models.Dhcp_Host{a, c, a, d},
		Opt121Routes: []*models.Dhcp_Opt121Route{{DstSubnet: &models.IPSubnet{Version: models.IPVersion_V4.Enum(), Address: proto.String("1.0.0.0"), PrefixLength: proto.Uint32(8)}}}}
	f.create(dhcp)
	id := dhcp.Id.ToGoogle()
	macs := func(hs []*models.Dhcp_Host) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.GetMac())
		}
		return out
	}
	check := func(step string, wantHosts ...*models.Dhcp_Host) {
		t.Helper()
		want := proto.Clone(dhcp).(*models.Dhcp)
		want.Hosts = wantHosts
		full, err := models.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if data, _, _ := f.node("/models/Dhcp/" + id.String()); !bytes.Equal(data, full) {
			t.Fatalf("%s: stored\n%s\nthe full path prints\n%s", step, data, full)
		}
		if got := f.get(&models.Dhcp{}, id).(*models.Dhcp); !proto.Equal(got, want) {
			t.Fatalf("%s: read hosts %v, want %v", step, macs(got.Hosts), macs(wantHosts))
		}
	}
	tx := func(fn func(tx *zoom.Tx) error) {
		t.Helper()
		if err := f.store.Tx(f.ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	tx(func(tx *zoom.Tx) error { return tx.Remove(&models.Dhcp{}, id, "hosts", a) })
	check("the first of two", c, a, d)
	tx(func(tx *zoom.Tx) error {
		if err := tx.Append(&models.Dhcp{}, id, "hosts", e, a); err != nil {
			return err
		}
		if err := tx.Replace(&models.Dhcp{}, id, "hosts", a, e); err != nil {
			return err
		}
		var seen []proto.Message
		if err := tx.Elems(&models.Dhcp{}, id, "hosts", func(m proto.Message) bool { seen = append(seen, m); return true }); err != nil {
			return err
		}
		if got, want := len(seen), 5; got != want || !proto.Equal(seen[1], e) || !proto.Equal(seen[4], a) {
			t.Errorf("Elems after append and replace: %d hosts %v", got, seen)
		}
		g, err := tx.Get(&models.Dhcp{}, id)
		if err != nil {
			return err
		}
		if got := macs(g.(*models.Dhcp).Hosts); !slices.Equal(got, macs([]*models.Dhcp_Host{c, e, d, e, a})) {
			t.Errorf("Get after append and replace: %v", got)
		}
		if err := tx.Remove(&models.Dhcp{}, id, "hosts", e); err != nil { // the replaced one
			return err
		}
		return tx.Remove(&models.Dhcp{}, id, "hosts", a) // the appended one
	})
	check("append, replace, remove", c, d, e)
	// Absent: nothing removed, the object written all the same.
	_, before, _ := f.node("/models/Dhcp/" + id.String())
	tx(func(tx *zoom.Tx) error { return tx.Remove(&models.Dhcp{}, id, "hosts", a) })
	check("absent", c, d, e)
	if _, after, _ := f.node("/models/Dhcp/" + id.String()); after.Version != before.Version+1 {
		t.Errorf("absent element: version %d -> %d, want one write", before.Version, after.Version)
	}
	tx(func(tx *zoom.Tx) error {
		for _, h := range []*models.Dhcp_Host{e, c, d} {
			if err := tx.Remove(&models.Dhcp{}, id, "hosts", h); err != nil {
				return err
			}
		}
		return nil
	})
	check("all")
	f.checkPrinted("Dhcp", id)

	net := &models.Network{Id: models.NewUUID()}
	f.create(net)
	for name, fn := range map[string]func(tx *zoom.Tx) error{
		"scalar field": func(tx *zoom.Tx) error { return tx.Remove(&models.Dhcp{}, id, "default_gateway", ip(t, "10.0.0.1")) },
		"bound field": func(tx *zoom.Tx) error {
			return tx.Remove(&models.Network{}, net.Id.ToGoogle(), "port_ids", models.NewUUID())
		},
		"wrong element": func(tx *zoom.Tx) error { return tx.Replace(&models.Dhcp{}, id, "hosts", c, ip(t, "1.1.1.1")) },
		"nil old":       func(tx *zoom.Tx) error { return tx.Replace(&models.Dhcp{}, id, "hosts", nil, c) },
		"unprintable": func(tx *zoom.Tx) error {
			return tx.Replace(&models.Dhcp{}, id, "hosts", c, &models.Dhcp_Host{IpAddress: &models.IPAddress{}})
		},
	} {
		if err := f.store.Tx(f.ctx, fn); !errors.Is(err, zoom.ErrInvalidObject) {
			t.Errorf("%s: %v, want an invalid-object error", name, err)
		}
	}
	err := f.store.Tx(f.ctx, func(tx *zoom.Tx) error {
		return tx.Remove(&models.Dhcp{}, uuid.New(), "hosts", c)
	})
	if !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("remove from a missing object: %v, want not found", err)
	}
}
