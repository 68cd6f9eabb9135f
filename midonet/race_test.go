package midonet_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

// testCreateDeleteRace: ports are created on a bridge while another
// session deletes the bridge. Every create either lands before the delete
// (and is cascaded) or fails with NotFound; nothing dangles.
func testCreateDeleteRace(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	const writers, perWriter = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	created := make(chan struct{}, writers*perWriter)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				err := f.store.Create(f.ctx, &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id})
				if err == nil {
					created <- struct{}{}
				} else if !errors.Is(err, zoom.ErrNotFound) {
					errs <- err
				}
			}
		}()
	}
	<-created // some port exists before the delete
	if err := other.Delete(f.ctx, bridge, bridge.Id.ToGoogle()); err != nil {
		t.Fatalf("delete bridge: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("create: %v", err)
	}
	ports, err := f.store.GetAll(f.ctx, &models.Port{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 0 {
		t.Fatalf("%d ports survived their bridge: %v", len(ports), ports)
	}
}

// testCacheSeesOtherWriters: a store never serves a stale decoded object
// after another session changed it.
func testCacheSeesOtherWriters(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	other := f.another(zoom.Options{})
	r := &models.Router{Id: models.NewUUID(), Name: proto.String("one")}
	f.create(r)
	for _, name := range []string{"two", "three"} {
		f.get(r, r.Id.ToGoogle())
		r.Name = proto.String(name)
		if err := other.Update(f.ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := f.get(r, r.Id.ToGoogle()).(*models.Router); got.GetName() != name {
			t.Fatalf("name %q after another session renamed it %q", got.GetName(), name)
		}
	}
	// Deleted and re-created under the same id: the new object.
	if err := other.Delete(f.ctx, r, r.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if err := other.Create(f.ctx, &models.Router{Id: r.Id, Name: proto.String("three")}); err != nil {
		t.Fatal(err)
	}
	got := f.get(r, r.Id.ToGoogle()).(*models.Router)
	got.Name = proto.String("mutated by the caller")
	if again := f.get(r, r.Id.ToGoogle()).(*models.Router); again.GetName() != "three" {
		t.Fatalf("a caller's change leaked into the store's copy: %q", again.GetName())
	}
}

// testWatchEndsOnExpiry: watches of a session that expires end with a
// Failed event carrying storage.ErrSessionExpired.
func testWatchEndsOnExpiry(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	conn := b.Connect(t)
	st, err := midonet.NewStore(f.ctx, conn, zoom.Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	r := &models.Router{Id: models.NewUUID()}
	f.create(r)
	ch, err := st.Watch(f.ctx, r, r.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	cch, err := st.WatchClass(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	next(t, cch)
	b.Expire(t, conn)
	if ev := next(t, ch); ev.Kind != zoom.Failed || !errors.Is(ev.Err, storage.ErrSessionExpired) {
		t.Fatalf("object watch after expiry: %+v", ev)
	}
	closed(t, ch)
	deadline := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-cch:
			if !ok {
				return
			}
			if ev.Kind != zoom.Failed || !errors.Is(ev.Err, storage.ErrSessionExpired) {
				t.Fatalf("class watch after expiry: %+v", ev)
			}
		case <-deadline:
			t.Fatal("class watch did not end")
		}
	}
}

// testConcurrentSingleReference: several sessions try to link their port
// to the same peer at once; the single-valued back-reference admits
// exactly one, the others get ReferenceConflict.
func testConcurrentSingleReference(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	target := &models.Port{Id: models.NewUUID()}
	f.create(target)
	const writers = 6
	ports := make([]*models.Port, writers)
	stores := make([]*zoom.Store, writers)
	for i := range ports {
		ports[i] = &models.Port{Id: models.NewUUID()}
		f.create(ports[i])
		stores[i] = f.another(zoom.Options{})
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := proto.Clone(ports[i]).(*models.Port)
			p.PeerId = target.Id
			errs[i] = stores[i].Update(f.ctx, p)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Fatalf("writers %d and %d both linked", winner, i)
		case !errors.Is(err, zoom.ErrReferenceConflict):
			t.Fatalf("writer %d: %v, want ReferenceConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("nobody linked")
	}
	got := f.get(target, target.Id.ToGoogle()).(*models.Port)
	if !got.GetPeerId().Equal(ports[winner].Id) {
		t.Fatalf("target peer %v, want the winner %v", got.GetPeerId(), ports[winner].Id)
	}
	for i, p := range ports {
		if peer := f.get(p, p.Id.ToGoogle()).(*models.Port).PeerId; (i == winner) != (peer != nil) {
			t.Errorf("port %d peer %v (winner %d)", i, peer, winner)
		}
	}
}

// testGuardClass: writers that each create a Vtep unless one with the
// management IP exists, all having read the class before any commits, end
// with exactly one Vtep when they guard the class: the others conflict, are
// re-run and find the winner's. The class directory's data is unchanged.
func testGuardClass(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	classPath := f.store.ZoomPath() + "/models/Vtep"
	before, _, err := f.conn.Get(f.ctx, classPath)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 5
	ip, _ := models.ParseIPAddress("10.0.0.7")
	errTaken := errors.New("management IP taken")
	var allRead sync.WaitGroup
	allRead.Add(writers)
	errs := make([]error, writers)
	attempts := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		st := f.another(zoom.Options{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Tx(f.ctx, func(tx *zoom.Tx) error {
				attempts[i]++
				if err := tx.GuardClass(&models.Vtep{}); err != nil {
					return err
				}
				all, err := tx.GetAll(&models.Vtep{})
				if err != nil {
					return err
				}
				if attempts[i] == 1 { // every writer reads before any commits
					allRead.Done()
					allRead.Wait()
				}
				for _, v := range all {
					if proto.Equal(v.(*models.Vtep).GetManagementIp(), ip) {
						return errTaken
					}
				}
				return tx.Create(&models.Vtep{Id: models.NewUUID(), ManagementIp: ip})
			})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, errTaken):
			if attempts[i] < 2 {
				t.Errorf("writer %d refused without a re-run", i)
			}
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	all, err := f.store.GetAll(f.ctx, &models.Vtep{})
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(all) != 1 {
		t.Fatalf("%d writers created, %d Vteps stored; want 1 and 1", won, len(all))
	}
	after, _, err := f.conn.Get(f.ctx, classPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("class directory data %q, was %q", after, before)
	}
}
