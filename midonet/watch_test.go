package midonet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

const eventTimeout = 20 * time.Second

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("channel closed, want an event")
		}
		return ev
	case <-time.After(eventTimeout):
		t.Fatal("no event")
	}
	panic("unreachable")
}

func closed[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %+v, want the channel closed", ev)
		}
	case <-time.After(eventTimeout):
		t.Fatal("channel not closed")
	}
}

func testWatchObject(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	if _, err := f.store.Watch(ctx, &models.Network{}, uuid.New()); !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("watch of a missing object: %v", err)
	}
	net := &models.Network{Id: models.NewUUID(), Name: proto.String("a")}
	f.create(net)
	ch, err := f.store.Watch(ctx, &models.Network{}, net.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, ch)
	if ev.Kind != zoom.Created || ev.Class != "Network" || ev.ID != net.Id.Canonical() || !proto.Equal(ev.Obj, net) {
		t.Fatalf("first event %+v", ev)
	}
	for _, name := range []string{"b", "c"} {
		net.Name = proto.String(name)
		if err := f.store.Update(f.ctx, net); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, ch); ev.Kind != zoom.Updated || ev.Obj.(*models.Network).GetName() != name {
			t.Fatalf("event after update to %q: %+v", name, ev)
		}
	}
	// A back-reference is a change too.
	f.create(&models.Port{Id: models.NewUUID(), NetworkId: net.Id})
	if ev := next(t, ch); ev.Kind != zoom.Updated || len(ev.Obj.(*models.Network).PortIds) != 1 {
		t.Fatalf("event after port create: %+v", ev)
	}
	if err := f.store.Delete(f.ctx, net, net.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != zoom.Deleted || ev.Obj != nil {
		t.Fatalf("event after delete: %+v", ev)
	}
	closed(t, ch)

	// Cancelling the context ends a watch.
	r := &models.Router{Id: models.NewUUID()}
	f.create(r)
	ctx2, cancel2 := context.WithCancel(f.ctx)
	ch2, err := f.store.Watch(ctx2, r, r.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch2)
	cancel2()
	closed(t, ch2)
}

func testWatchClass(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	a := &models.Router{Id: models.NewUUID(), Name: proto.String("a")}
	bb := &models.Router{Id: models.NewUUID(), Name: proto.String("b")}
	f.create(a, bb)
	ch, err := f.store.WatchClass(ctx, &models.Router{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 2 {
		ev := next(t, ch)
		if ev.Kind != zoom.Created || ev.Class != "Router" {
			t.Fatalf("initial event %+v", ev)
		}
		seen[ev.ID] = true
	}
	if !seen[a.Id.Canonical()] || !seen[bb.Id.Canonical()] {
		t.Fatalf("initial events for %v", seen)
	}
	c := &models.Router{Id: models.NewUUID(), Name: proto.String("c")}
	f.create(c)
	if ev := next(t, ch); ev.Kind != zoom.Created || ev.ID != c.Id.Canonical() || ev.Obj.(*models.Router).GetName() != "c" {
		t.Fatalf("event for a new router: %+v", ev)
	}
	a.Name = proto.String("a2")
	if err := f.store.Update(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != zoom.Updated || ev.ID != a.Id.Canonical() || ev.Obj.(*models.Router).GetName() != "a2" {
		t.Fatalf("event for an update: %+v", ev)
	}
	if err := f.store.Delete(f.ctx, bb, bb.Id.ToGoogle()); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != zoom.Deleted || ev.ID != bb.Id.Canonical() {
		t.Fatalf("event for a delete: %+v", ev)
	}
	// Re-creating the same id is a new object.
	bb.PortIds = nil
	f.create(bb)
	if ev := next(t, ch); ev.Kind != zoom.Created || ev.ID != bb.Id.Canonical() {
		t.Fatalf("event for a re-create: %+v", ev)
	}
	cancel()
	for range ch {
	}
}
