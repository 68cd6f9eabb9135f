package zoom

import (
	"context"
	"errors"
	"testing"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// A raw node (or a missing ancestor the transaction creates for it) that
// another writer creates between the transaction's read and its commit is a
// concurrent modification: the function runs again and sees the node,
// instead of the write failing (two first entries of one state table
// created at once both create the table's directory).
func TestRawNodeCreateRaceRetries(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	conn, other := srv.Connect(), srv.Connect()
	defer conn.Close()
	defer other.Close()
	st, err := NewStore(ctx, conn, Schema{Classes: []models.Class{class(t, "Router")}}, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	attempts := 0
	err = st.Tx(ctx, func(tx *Tx) error {
		attempts++
		if err := tx.CreateNode("/r/t/x/0/entry-a", nil); err != nil {
			return err
		}
		if attempts == 1 {
			// Another node's transaction creates the directory first.
			for _, p := range []string{"/r/t", "/r/t/x", "/r/t/x/0"} {
				if _, err := other.Create(ctx, p, nil, storage.Persistent); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("commit after a concurrent directory create: %v", err)
	}
	if attempts != 2 {
		t.Errorf("%d attempts, want 2", attempts)
	}
	if _, _, err := conn.Get(ctx, "/r/t/x/0/entry-a"); err != nil {
		t.Errorf("entry not written: %v", err)
	}
	// The node itself created meanwhile: the re-run sees it, and a create
	// of it then fails as a create of an existing node does.
	attempts = 0
	err = st.Tx(ctx, func(tx *Tx) error {
		attempts++
		if err := tx.CreateNode("/r/t/x/0/entry-b", nil); err != nil {
			return err
		}
		if attempts == 1 {
			_, err := other.Create(ctx, "/r/t/x/0/entry-b", nil, storage.Persistent)
			return err
		}
		return nil
	})
	if !errors.Is(err, ErrNodeExists) || attempts != 2 {
		t.Errorf("create of a node created meanwhile: %v after %d attempts, want ErrNodeExists after 2", err, attempts)
	}
}
