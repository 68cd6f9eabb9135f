package midonet_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// testReadYourWritesAcrossStores: two stores on two sessions, as two
// cluster nodes behind a load balancer; every write acknowledged by one is
// seen at once through the other's Get and GetAll.
func testReadYourWritesAcrossStores(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	checkReadYourWrites(t, f.ctx, f.store, f.another(zoom.Options{}), 100)
}

// checkReadYourWrites creates, updates and deletes networks through
// writer; after each acknowledged write, concurrent Gets (sharing syncs)
// and a listing through reader must show it.
func checkReadYourWrites(t *testing.T, ctx context.Context, writer, reader *zoom.Store, rounds int) {
	t.Helper()
	const readers = 8
	// seen checks that every concurrent reader sees name (absent: "").
	seen := func(round int, step string, id uuid.UUID, name string) {
		t.Helper()
		errs := make([]error, readers)
		var wg sync.WaitGroup
		for r := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := reader.Get(ctx, &models.Network{}, id)
				switch {
				case name == "" && !errors.Is(err, zoom.ErrNotFound):
					errs[r] = fmt.Errorf("Get after the delete: %v, %v; want NotFound", got, err)
				case name != "" && err != nil:
					errs[r] = fmt.Errorf("Get: %w", err)
				case name != "" && got.(*models.Network).GetName() != name:
					errs[r] = fmt.Errorf("Get: name %q, want %q", got.(*models.Network).GetName(), name)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d, after the %s acknowledged through the other store: %v", round, step, err)
		}
		all, err := reader.GetAll(ctx, &models.Network{})
		if err != nil {
			t.Fatal(err)
		}
		listed := ""
		for _, m := range all {
			if n := m.(*models.Network); n.GetId().ToGoogle() == id {
				listed = n.GetName()
			}
		}
		if listed != name {
			t.Fatalf("round %d, after the %s: listed with name %q, want %q (\"\": not listed)", round, step, listed, name)
		}
	}
	keep := &models.Network{Id: models.NewUUID(), Name: proto.String("kept")}
	if err := writer.Create(ctx, keep); err != nil {
		t.Fatal(err)
	}
	for i := range rounds {
		n := &models.Network{Id: models.NewUUID(), Name: proto.String(fmt.Sprint("created ", i))}
		id := n.Id.ToGoogle()
		if err := writer.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		seen(i, "create", id, n.GetName())
		n.Name = proto.String(fmt.Sprint("updated ", i))
		if err := writer.Update(ctx, n); err != nil {
			t.Fatal(err)
		}
		seen(i, "update", id, n.GetName())
		// An object the reader holds armed, changed by the writer.
		keep.Name = proto.String(fmt.Sprint("kept ", i))
		if err := writer.Update(ctx, keep); err != nil {
			t.Fatal(err)
		}
		seen(i, "update of an object read every round", keep.Id.ToGoogle(), keep.GetName())
		if err := writer.Delete(ctx, &models.Network{}, id); err != nil {
			t.Fatal(err)
		}
		seen(i, "delete", id, "")
	}
}
