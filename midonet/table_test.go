package midonet_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func mustMAC(t testing.TB, s string) midonet.MAC {
	t.Helper()
	m, err := midonet.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) children(path string) []string {
	f.t.Helper()
	c, _, err := f.conn.Children(f.ctx, path)
	if err != nil {
		f.t.Fatalf("children of %s: %v", path, err)
	}
	return c
}

func testStateTables(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	otherConn := other.Conn()
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	bid := bridge.Id.ToGoogle()
	macs, err := midonet.BridgeMacTable(f.ctx, f.store, bid, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := f.root + "/zoom/0/tables/Network/" + bid.String() + "/mac_table/0"
	if macs.Raw.Path() != dir {
		t.Fatalf("mac table path %s, want %s", macs.Raw.Path(), dir)
	}
	mac1, mac2 := mustMAC(t, "AA:BB:CC:DD:EE:01"), mustMAC(t, "aa:bb:cc:dd:ee:02")
	p1, p2, p3 := uuid.New(), uuid.New(), uuid.New()
	if err := macs.Add(f.ctx, mac1, p1); err != nil {
		t.Fatal(err)
	}
	names := f.children(dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], "aa:bb:cc:dd:ee:01,"+p1.String()+",") || len(names[0]) != len("aa:bb:cc:dd:ee:01,"+p1.String()+",")+10 {
		t.Fatalf("entries %v", names)
	}
	st, _, _ := f.conn.Exists(f.ctx, dir+"/"+names[0])
	if st.EphemeralOwner != f.conn.SessionID() {
		t.Fatalf("learned entry owner %d, want session %d", st.EphemeralOwner, f.conn.SessionID())
	}
	// A newer add of the same key by the same client replaces its entry.
	if err := macs.Add(f.ctx, mac1, p2); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := macs.Get(f.ctx, mac1); err != nil || !ok || got != p2 {
		t.Fatalf("Get = %v %v %v, want %v", got, ok, err, p2)
	}
	if names := f.children(dir); len(names) != 1 {
		t.Fatalf("entries after re-add: %v", names)
	}
	// Persistent entries: version 2147483647; a learned entry beats them.
	if err := macs.AddPersistent(f.ctx, mac2, p1); err != nil {
		t.Fatal(err)
	}
	pname := "aa:bb:cc:dd:ee:02," + p1.String() + ",2147483647"
	if st, ok, _ := f.conn.Exists(f.ctx, dir+"/"+pname); !ok || st.EphemeralOwner != 0 {
		t.Fatalf("persistent entry %s: exists %v owner %d", pname, ok, st.EphemeralOwner)
	}
	otherMacs, err := midonet.BridgeMacTable(f.ctx, other, bid, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := otherMacs.Add(f.ctx, mac2, p3); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := macs.Get(f.ctx, mac2); got != p3 {
		t.Fatalf("learned vs persistent: %v, want the learned %v", got, p3)
	}
	// Only the adding client removes a learned entry.
	if removed, err := macs.Remove(f.ctx, mac2); err != nil || removed {
		t.Fatalf("remove of another client's entry: %v %v", removed, err)
	}
	b.Expire(t, otherConn)
	snap, err := macs.Snapshot(f.ctx)
	if err != nil || len(snap) != 2 || snap[mac1] != p2 || snap[mac2] != p1 {
		t.Fatalf("snapshot after the other client's session ended: %v %v", snap, err)
	}
	if removed, err := macs.Remove(f.ctx, mac1); err != nil || !removed {
		t.Fatalf("remove own entry: %v %v", removed, err)
	}
	if err := macs.RemovePersistent(f.ctx, mac2, p1); err != nil {
		t.Fatal(err)
	}
	if snap, _ := macs.Snapshot(f.ctx); len(snap) != 0 {
		t.Fatalf("snapshot after removals: %v", snap)
	}
	// VLANs are separate directories.
	vlan, _ := midonet.BridgeMacTable(f.ctx, f.store, bid, 10)
	if err := vlan.Add(f.ctx, mac1, p1); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(vlan.Raw.Path(), "/mac_table/10") {
		t.Fatalf("vlan table path %s", vlan.Raw.Path())
	}
	if _, ok, _ := macs.Get(f.ctx, mac1); ok {
		t.Fatal("vlan 10 entry visible in vlan 0")
	}
	if args, err := f.store.TableArguments(f.ctx, bridge, bid, midonet.MacTable); err != nil || !slices.Equal(args, []string{"0", "10"}) {
		t.Fatalf("mac table arguments %v %v", args, err)
	}
	if ok, err := vlan.Raw.Contains(f.ctx, mac1.String(), p1.String()); err != nil || !ok {
		t.Fatalf("Contains = %v %v", ok, err)
	}
	if ok, _ := vlan.Raw.Contains(f.ctx, mac1.String(), p2.String()); ok {
		t.Fatal("Contains true for another value")
	}
	// Undecodable names are ignored; bad keys are refused.
	if _, err := f.conn.Create(f.ctx, dir+"/garbage", nil, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if snap, err := macs.Raw.Snapshot(f.ctx); err != nil || len(snap) != 0 {
		t.Fatalf("snapshot with garbage: %v %v", snap, err)
	}
	if err := macs.Raw.Add(f.ctx, "a,b", "c"); err == nil {
		t.Fatal("key with a comma accepted")
	}

	// IPv4 -> MAC, router ARP, port peering.
	ip := netip.MustParseAddr("10.0.0.1")
	arpTbl := f.root + "/zoom/0/tables/Network/" + bid.String() + "/ip4_mac_table"
	ipmac, _ := midonet.BridgeIP4MacTable(f.ctx, f.store, bid)
	if err := ipmac.AddPersistent(f.ctx, ip, mac1); err != nil {
		t.Fatal(err)
	}
	if names := f.children(arpTbl); len(names) != 1 || names[0] != "10.0.0.1,aa:bb:cc:dd:ee:01,2147483647" {
		t.Fatalf("ip4_mac_table entries %v", names)
	}
	router := &models.Router{Id: models.NewUUID()}
	f.create(router)
	arp, err := midonet.RouterArpTable(f.ctx, f.store, router.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	entry := midonet.ArpEntry{MAC: &mac2, Expiry: 100, Stale: 50, LastArp: 10}
	if err := arp.Add(f.ctx, ip, entry); err != nil {
		t.Fatal(err)
	}
	unresolved := midonet.ArpEntry{Expiry: 1, Stale: 2, LastArp: 3}
	if err := arp.AddPersistent(f.ctx, netip.MustParseAddr("10.0.0.2"), unresolved); err != nil {
		t.Fatal(err)
	}
	names = f.children(arp.Raw.Path())
	if len(names) != 2 || !strings.HasPrefix(names[0], "10.0.0.1,aa:bb:cc:dd:ee:02;100;50;10,") || names[1] != "10.0.0.2,null;1;2;3,2147483647" {
		t.Fatalf("arp entries %v", names)
	}
	got, ok, err := arp.Get(f.ctx, ip)
	if err != nil || !ok || *got.MAC != mac2 || got.Expiry != 100 {
		t.Fatalf("arp Get = %+v %v %v", got, ok, err)
	}
	port := &models.Port{Id: models.NewUUID()}
	f.create(port)
	peering, _ := midonet.PortPeeringTable(f.ctx, f.store, port.Id.ToGoogle())
	if err := peering.Add(f.ctx, mac1, ip); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := peering.Get(f.ctx, mac1); !ok || got != ip {
		t.Fatalf("peering Get = %v %v", got, ok)
	}
	// A legacy table path is used when it exists.
	r2 := &models.Router{Id: models.NewUUID()}
	f.create(r2)
	legacy := f.root + "/routers/" + r2.Id.Canonical() + "/arp_table"
	for _, p := range []string{f.root + "/routers", f.root + "/routers/" + r2.Id.Canonical(), legacy} {
		if _, err := f.conn.Create(f.ctx, p, nil, storage.Persistent); err != nil {
			t.Fatal(err)
		}
	}
	if arp2, _ := midonet.RouterArpTable(f.ctx, f.store, r2.Id.ToGoogle()); arp2.Raw.Path() != legacy {
		t.Fatalf("legacy ARP table path %s, want %s", arp2.Raw.Path(), legacy)
	}
}

func testWatchStateTable(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	macs, err := midonet.BridgeMacTable(f.ctx, f.store, bridge.Id.ToGoogle(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := macs.Raw.Watch(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Err != nil || len(ev.Snapshot) != 0 || len(ev.Updates) != 0 {
		t.Fatalf("first event %+v", ev)
	}
	mac := mustMAC(t, "02:00:00:00:00:01")
	p1, p2 := uuid.New(), uuid.New()
	if err := macs.Add(f.ctx, mac, p1); err != nil {
		t.Fatal(err)
	}
	ev := next(t, ch)
	if len(ev.Updates) != 1 || ev.Updates[0] != (zoom.TableUpdate{Key: mac.String(), New: p1.String()}) {
		t.Fatalf("event after add: %+v", ev)
	}
	if err := macs.Add(f.ctx, mac, p2); err != nil {
		t.Fatal(err)
	}
	ev = next(t, ch)
	if len(ev.Updates) != 1 || ev.Updates[0] != (zoom.TableUpdate{Key: mac.String(), Old: p1.String(), New: p2.String()}) {
		t.Fatalf("event after replace: %+v", ev)
	}
	if _, err := macs.Remove(f.ctx, mac); err != nil {
		t.Fatal(err)
	}
	ev = next(t, ch)
	if len(ev.Updates) != 1 || ev.Updates[0] != (zoom.TableUpdate{Key: mac.String(), Old: p2.String()}) || len(ev.Snapshot) != 0 {
		t.Fatalf("event after remove: %+v", ev)
	}
}

// testUpdatePersistent: a batch of persistent adds and removes on a table
// without directory, over the multi size, with entries already present or
// already gone, ends as the one-at-a-time calls would, and leaves learned
// entries and other values of the keys alone.
func testUpdatePersistent(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	macs, err := midonet.BridgeMacTable(f.ctx, f.store, bridge.Id.ToGoogle(), 5) // VLAN 5: no directory yet
	if err != nil {
		t.Fatal(err)
	}
	port, vm := uuid.New(), uuid.New()
	const n = 1100 // over one multi's worth
	var all []midonet.Entry[midonet.MAC, uuid.UUID]
	for i := range n {
		all = append(all, midonet.Entry[midonet.MAC, uuid.UUID]{Key: mustMAC(t, fmt.Sprintf("0a:00:00:00:%02x:%02x", i>>8, i&0xff)), Value: port})
	}
	if err := macs.UpdatePersistent(f.ctx, all[:10], nil); err != nil {
		t.Fatal(err)
	}
	if err := macs.Add(f.ctx, all[0].Key, vm); err != nil { // a learned entry of key 0
		t.Fatal(err)
	}
	if err := macs.AddPersistent(f.ctx, all[1].Key, vm); err != nil { // another value of key 1
		t.Fatal(err)
	}
	if err := macs.UpdatePersistent(f.ctx, all, nil); err != nil { // 10 already there
		t.Fatal(err)
	}
	count := func(value uuid.UUID) int {
		entries, err := macs.Raw.Entries(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		c := 0
		for _, e := range entries {
			if e.Value == value.String() && e.Persistent() {
				c++
			}
		}
		return c
	}
	if got := count(port); got != n {
		t.Fatalf("%d persistent entries, want %d", got, n)
	}
	extra := mustMAC(t, "0a:ff:00:00:00:01")
	if err := macs.RemovePersistent(f.ctx, all[2].Key, port); err != nil { // already gone at the batch
		t.Fatal(err)
	}
	add := []midonet.Entry[midonet.MAC, uuid.UUID]{{Key: extra, Value: port}}
	if err := macs.UpdatePersistent(f.ctx, add, all); err != nil {
		t.Fatal(err)
	}
	if got := count(port); got != 1 {
		t.Fatalf("%d persistent entries after removing all but one, want 1", got)
	}
	if ok, err := macs.Raw.Contains(f.ctx, extra.String(), port.String()); err != nil || !ok {
		t.Fatalf("added entry missing (%v)", err)
	}
	if got, ok, err := macs.Get(f.ctx, all[0].Key); err != nil || !ok || got != vm {
		t.Fatalf("learned entry of key 0: %v %v %v", got, ok, err)
	}
	if ok, err := macs.Raw.Contains(f.ctx, all[1].Key.String(), vm.String()); err != nil || !ok {
		t.Fatalf("other value of key 1 removed (%v)", err)
	}
}

// testRecreateKeepsTables: the tables of a deleted object are removed after
// the delete returns; an object created at once under the same id through
// the same store gets tables of its own, which that removal does not take,
// and none of the old entries.
func testRecreateKeepsTables(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	for round := range 20 {
		bridge := &models.Network{Id: models.NewUUID()}
		f.create(bridge)
		bid := bridge.Id.ToGoogle()
		macs, err := midonet.BridgeMacTable(f.ctx, f.store, bid, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := macs.AddPersistent(f.ctx, mustMAC(t, "aa:bb:cc:dd:ee:01"), uuid.New()); err != nil {
			t.Fatal(err)
		}
		if err := f.store.Delete(f.ctx, &models.Network{}, bid); err != nil {
			t.Fatal(err)
		}
		f.create(&models.Network{Id: bridge.Id})
		dir := f.root + "/zoom/0/tables/Network/" + bid.String() + "/" + midonet.MacTable
		// The removal of the first bridge's tables, if it were still
		// under way, would have had its time.
		time.Sleep(20 * time.Millisecond)
		if names := f.children(dir); len(names) != 0 {
			t.Fatalf("round %d: the new bridge's mac table holds the old one's entries %v", round, names)
		}
		if _, ok, err := f.conn.Exists(f.ctx, dir); err != nil || !ok {
			t.Fatalf("round %d: the new bridge's mac table directory is gone (%v)", round, err)
		}
	}
}
