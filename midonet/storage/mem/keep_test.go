package mem

import (
	"bytes"
	"context"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
)

// TestKeep: data of a Keep op is held as handed over (no copy) unless its
// spare capacity is large, data of other ops is copied, and what leaves
// the tree is always a copy.
func TestKeep(t *testing.T) {
	ctx := context.Background()
	c := NewServer().Connect()
	defer c.Close()
	kept, copied := []byte("kept"), []byte("copied")
	if _, err := c.Multi(ctx, storage.Op{Kind: storage.OpCreate, Path: "/k", Data: kept, Keep: true},
		storage.CreateOp("/c", copied, storage.Persistent)); err != nil {
		t.Fatal(err)
	}
	if n := c.s.nodes["/k"]; &n.data[0] != &kept[0] {
		t.Error("a Keep op's data was copied")
	}
	roomy := append(make([]byte, 0, 64), "roomy"...)
	if _, err := c.Multi(ctx, storage.Op{Kind: storage.OpCreate, Path: "/r", Data: roomy, Keep: true}); err != nil {
		t.Fatal(err)
	}
	if n := c.s.nodes["/r"]; &n.data[0] == &roomy[0] || string(n.data) != "roomy" {
		t.Errorf("a Keep op's data with spare capacity ten times its length was held (%q), not copied", n.data)
	}
	copied[0] = 'X'
	if got, _, _ := c.Get(ctx, "/c"); string(got) != "copied" {
		t.Errorf("/c = %q after the caller changed its slice, want copied", got)
	}
	got, _, err := c.Get(ctx, "/k")
	if err != nil || !bytes.Equal(got, kept) {
		t.Fatalf("Get /k = %q, %v", got, err)
	}
	got[0] = 'X'
	if again, _, _ := c.Get(ctx, "/k"); string(again) != "kept" {
		t.Errorf("/k = %q after a reader changed what Get returned", again)
	}
	if _, err := c.Multi(ctx, storage.Op{Kind: storage.OpSet, Path: "/k", Data: []byte("set"), Version: storage.AnyVersion, Keep: true}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := c.Get(ctx, "/k"); string(got) != "set" {
		t.Errorf("/k = %q after a kept set", got)
	}
}
