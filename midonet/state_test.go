package midonet_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

func testStateKeys(t *testing.T, b backend) {
	ns := uuid.NewString() // a host's namespace
	f := newFixture(t, b, zoom.Options{Namespace: ns})
	a := f.store
	bs := f.another(zoom.Options{Namespace: ns}) // same namespace, another session
	host := &models.Host{Id: models.NewUUID()}
	f.create(host)
	hid := host.Id.ToGoogle()

	// Every registered key can be written, read and removed.
	keys := midonet.StateKeys()
	if len(keys) != 12 {
		t.Fatalf("%d state keys, want 12", len(keys))
	}
	for _, k := range keys {
		obj, id := newObj(t, k.Class)
		f.create(obj)
		owner, err := a.AddValue(f.ctx, obj, id, k.Key, "v1")
		if err != nil || owner == 0 {
			t.Fatalf("%s.%s add: %d %v", k.Class, k.Key, owner, err)
		}
		sv, err := a.GetKey(f.ctx, "", obj, id, k.Key)
		if err != nil {
			t.Fatal(err)
		}
		path := f.root + "/zoom/0/state/" + ns + "/" + k.Class + "/" + id.String() + "/" + k.Key
		if k.Type == zoom.Multiple {
			path += "/v1"
			if sv.Single || !slices.Equal(sv.Values, []string{"v1"}) {
				t.Fatalf("%s.%s = %+v", k.Class, k.Key, sv)
			}
		} else if !sv.Single || !sv.Exists || sv.Value != "v1" || sv.Owner != owner {
			t.Fatalf("%s.%s = %+v", k.Class, k.Key, sv)
		}
		st, ok, err := f.conn.Exists(f.ctx, path)
		if err != nil || !ok || st.EphemeralOwner != owner {
			t.Fatalf("%s: exists %v, ephemeral owner %d (want %d), %v", path, ok, st.EphemeralOwner, owner, err)
		}
		if got, err := a.RemoveValue(f.ctx, obj, id, k.Key, "v1"); err != nil || got != owner {
			t.Fatalf("%s.%s remove: %d %v", k.Class, k.Key, got, err)
		}
		if sv, _ := a.GetKey(f.ctx, "", obj, id, k.Key); sv.Exists || len(sv.Values) != 0 {
			t.Fatalf("%s.%s after remove: %+v", k.Class, k.Key, sv)
		}
		if got, err := a.RemoveValue(f.ctx, obj, id, k.Key, "v1"); err != nil || got != 0 {
			t.Fatalf("%s.%s second remove: %d %v", k.Class, k.Key, got, err)
		}
	}

	// SingleLastWriteWins: the last writer owns the value.
	ownA, err := a.AddValue(f.ctx, host, hid, midonet.AliveKey, "alive")
	if err != nil {
		t.Fatal(err)
	}
	ownB, err := bs.AddValue(f.ctx, host, hid, midonet.AliveKey, "alive")
	if err != nil || ownB == ownA {
		t.Fatalf("last write: owner %d (first %d), %v", ownB, ownA, err)
	}
	if sv, _ := a.GetKey(f.ctx, ns, host, hid, midonet.AliveKey); sv.Owner != ownB {
		t.Fatalf("alive owned by %d, want %d", sv.Owner, ownB)
	}
	var se *zoom.StateError
	if _, err := a.RemoveValue(f.ctx, host, hid, midonet.AliveKey, ""); !errors.Is(err, zoom.ErrNotStateOwner) || !errors.As(err, &se) || se.Owner != ownB {
		t.Fatalf("remove of another session's value: %v", err)
	}

	// SingleFirstWriteWins: the first writer keeps it until it removes it.
	vtep := &models.Vtep{Id: models.NewUUID()}
	f.create(vtep)
	vid := vtep.Id.ToGoogle()
	if _, err := a.AddValue(f.ctx, vtep, vid, midonet.VtepVxgwManager, "node-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.AddValue(f.ctx, vtep, vid, midonet.VtepVxgwManager, "node-b"); !errors.Is(err, zoom.ErrNotStateOwner) {
		t.Fatalf("second writer of a first-write-wins key: %v", err)
	}
	if _, err := a.AddValue(f.ctx, vtep, vid, midonet.VtepVxgwManager, "node-a2"); err != nil {
		t.Fatalf("owner rewrites: %v", err)
	}
	if sv, _ := bs.GetKey(f.ctx, "", vtep, vid, midonet.VtepVxgwManager); sv.Value != "node-a2" || sv.Owner != ownA {
		t.Fatalf("manager = %+v", sv)
	}
	if _, err := a.RemoveValue(f.ctx, vtep, vid, midonet.VtepVxgwManager, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.AddValue(f.ctx, vtep, vid, midonet.VtepVxgwManager, "node-b"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}

	// Multiple: a set of values; another session's add takes a value over.
	port := &models.Port{Id: models.NewUUID()}
	f.create(port)
	pid := port.Id.ToGoogle()
	for _, r := range []string{"r2", "r1"} {
		if _, err := a.AddValue(f.ctx, port, pid, midonet.RoutesKey, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AddValue(f.ctx, port, pid, midonet.RoutesKey, "r1"); err != nil {
		t.Fatalf("re-adding an own value: %v", err)
	}
	if _, err := bs.AddValue(f.ctx, port, pid, midonet.RoutesKey, "r1"); err != nil {
		t.Fatal(err)
	}
	if sv, _ := a.GetKey(f.ctx, "", port, pid, midonet.RoutesKey); !slices.Equal(sv.Values, []string{"r1", "r2"}) {
		t.Fatalf("routes = %+v", sv)
	}
	if _, err := a.RemoveValue(f.ctx, port, pid, midonet.RoutesKey, "r1"); !errors.Is(err, zoom.ErrNotStateOwner) {
		t.Fatalf("remove of a taken-over value: %v", err)
	}
	if _, err := a.AddValue(f.ctx, port, pid, midonet.RoutesKey, "a/b"); err == nil {
		t.Fatal("a value with a slash was accepted for a multi-value key")
	}

	// Other namespaces are readable; the cluster namespace is separate.
	cl := f.another(zoom.Options{})
	if sv, err := cl.GetKey(f.ctx, ns, host, hid, midonet.AliveKey); err != nil || sv.Value != "alive" {
		t.Fatalf("reading the host's namespace: %+v %v", sv, err)
	}
	if sv, _ := cl.GetKey(f.ctx, "", host, hid, midonet.AliveKey); sv.Exists {
		t.Fatalf("cluster namespace has the host's value: %+v", sv)
	}

	// Errors: missing object, unknown key.
	if _, err := a.AddValue(f.ctx, &models.Host{}, uuid.New(), midonet.AliveKey, "alive"); !errors.Is(err, zoom.ErrUnmodifiableState) || !errors.Is(err, storage.ErrNoNode) {
		t.Fatalf("state of a missing object: %v", err)
	}
	if _, err := a.AddValue(f.ctx, host, hid, "nope", "x"); !errors.Is(err, zoom.ErrUnregistered) {
		t.Fatalf("unknown key: %v", err)
	}
}

func testStateKeyExpiry(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	agentConn := b.Connect(t)
	agent, err := midonet.NewStore(f.ctx, agentConn, zoom.Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	host := &models.Host{Id: models.NewUUID()}
	f.create(host)
	if _, err := agent.AddValue(f.ctx, host, host.Id.ToGoogle(), midonet.AliveKey, "alive"); err != nil {
		t.Fatal(err)
	}
	if sv, _ := f.store.GetKey(f.ctx, "", host, host.Id.ToGoogle(), midonet.AliveKey); !sv.Exists {
		t.Fatal("alive not visible")
	}
	b.Expire(t, agentConn)
	if sv, err := f.store.GetKey(f.ctx, "", host, host.Id.ToGoogle(), midonet.AliveKey); err != nil || sv.Exists {
		t.Fatalf("alive after the agent's session expired: %+v %v", sv, err)
	}
	// The object itself is persistent.
	if !f.exists(host, host.Id.ToGoogle()) {
		t.Fatal("host gone with the session")
	}
}

func testWatchStateKey(t *testing.T, b backend) {
	ns := uuid.NewString()
	f := newFixture(t, b, zoom.Options{Namespace: ns})
	cluster := f.another(zoom.Options{})
	port := &models.Port{Id: models.NewUUID()}
	f.create(port)
	pid := port.Id.ToGoogle()
	if _, err := cluster.WatchKey(f.ctx, ns, port, uuid.New(), midonet.ActiveKey); !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("watch on a missing object: %v", err)
	}
	ch, err := cluster.WatchKey(f.ctx, ns, port, pid, midonet.ActiveKey)
	if err != nil {
		t.Fatal(err)
	}
	mch, err := cluster.WatchKey(f.ctx, ns, port, pid, midonet.RoutesKey)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Err != nil || ev.Value.Exists {
		t.Fatalf("first event %+v", ev)
	}
	if ev := next(t, mch); ev.Err != nil || len(ev.Value.Values) != 0 {
		t.Fatalf("first multi event %+v", ev)
	}
	state := &models.PortState{HostId: models.NewUUID(), TunnelKey: proto.Uint64(5)}
	text, err := models.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := f.store.AddValue(f.ctx, port, pid, midonet.ActiveKey, string(text))
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, ch)
	got := &models.PortState{}
	if ev.Err != nil || !ev.Value.Exists || ev.Value.Owner != owner || models.Unmarshal([]byte(ev.Value.Value), got) != nil || !proto.Equal(got, state) {
		t.Fatalf("event after add: %+v", ev)
	}
	if _, err := f.store.RemoveValue(f.ctx, port, pid, midonet.ActiveKey, ""); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Err != nil || ev.Value.Exists {
		t.Fatalf("event after remove: %+v", ev)
	}
	if _, err := f.store.AddValue(f.ctx, port, pid, midonet.RoutesKey, "0a000000"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, mch); ev.Err != nil || !slices.Equal(ev.Value.Values, []string{"0a000000"}) {
		t.Fatalf("multi event after add: %+v", ev)
	}
	// Deleting the object ends both watches.
	if err := f.store.Delete(f.ctx, port, pid); err != nil {
		t.Fatal(err)
	}
	for ev := range ch {
		if ev.Err != nil {
			t.Fatalf("watch failed: %v", ev.Err)
		}
	}
	for ev := range mch {
		if ev.Err != nil {
			t.Fatalf("multi watch failed: %v", ev.Err)
		}
	}
}
