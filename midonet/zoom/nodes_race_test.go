package zoom

import (
	"context"
	"errors"
	"testing"
	"time"

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

// A raw node written under the state table of an object created in the same
// transaction (a Neutron port's MAC entry beside its new network, in one
// bulk) lands in the object's table directory, which the commit creates once:
// it used to be created twice, failing the multi on every attempt.
func TestRawNodeUnderTableOfObjectCreatedInTx(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn := mem.NewServer().Connect()
	defer conn.Close()
	schema := Schema{
		Classes: []models.Class{class(t, "Network")},
		Tables:  []TableSpec{{Class: "Network", Name: "mac_table"}, {Class: "Network", Name: "ip4_mac_table"}},
	}
	st, err := NewStore(ctx, conn, schema, Options{Root: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	net := &models.Network{Id: models.NewUUID()}
	dir := st.tablesObjPath("Network", models.UUIDsToStrings([]*models.UUID{net.Id})[0])
	entry := dir + "/mac_table/aa:bb:cc:dd:ee:ff,0,0000000001"
	attempts := 0
	err = st.Tx(ctx, func(tx *Tx) error {
		attempts++
		if err := tx.Create(net); err != nil {
			return err
		}
		return tx.CreateNode(entry, nil)
	})
	if err != nil || attempts != 1 {
		t.Fatalf("create with a table entry: %v after %d attempts, want success at once", err, attempts)
	}
	for _, p := range []string{entry, dir + "/ip4_mac_table"} {
		if _, _, err := conn.Get(ctx, p); err != nil {
			t.Errorf("%s not written: %v", p, err)
		}
	}
}
