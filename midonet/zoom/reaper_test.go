package zoom

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// treeCountingConn counts the listings and writes deleteTree makes.
type treeCountingConn struct {
	storage.Conn
	children, multis, deletes atomic.Int64
}

func (c *treeCountingConn) Children(ctx context.Context, p string) ([]string, storage.Stat, error) {
	c.children.Add(1)
	return c.Conn.Children(ctx, p)
}

func (c *treeCountingConn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	c.multis.Add(1)
	return c.Conn.Multi(ctx, ops...)
}

func (c *treeCountingConn) Delete(ctx context.Context, p string, v storage.Version) error {
	c.deletes.Add(1)
	return c.Conn.Delete(ctx, p, v)
}

// TestDeleteTree: a small tree (a port's table directories) goes in one
// multi after one listing of each node; a tree of more than maxReapMulti
// nodes (a bridge's MAC table) goes node by node, listed once by the
// deletion and, before it, only down to the directory too big for a multi.
func TestDeleteTree(t *testing.T) {
	ctx := context.Background()
	// Four directories (/t, its arp_table and mac_table, mac_table/0) and
	// the entries under mac_table/0.
	const dirs = 4
	for _, tc := range []struct {
		name    string
		entries int
		// the most listings, multis and single deletes allowed
		children, multis, deletes int64
	}{
		// Each node listed once, then one multi.
		{"small", 3, dirs + 3, 1, 0},
		// Listed down to mac_table/0 (the directories), then every node
		// listed and deleted by deleteEach; no multi tried.
		{"big", maxReapMulti, dirs + (dirs + maxReapMulti), 0, dirs + maxReapMulti},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := mem.NewServer().Connect()
			defer conn.Close()
			mk := func(p string) {
				t.Helper()
				if _, err := conn.Create(ctx, p, nil, storage.Persistent); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []string{"/t", "/t/arp_table", "/t/mac_table", "/t/mac_table/0"} {
				mk(p)
			}
			for i := range tc.entries {
				mk(fmt.Sprintf("/t/mac_table/0/e%d", i))
			}
			cc := &treeCountingConn{Conn: conn}
			if err := deleteTree(ctx, cc, "/t"); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := conn.Exists(ctx, "/t"); err != nil || ok {
				t.Fatalf("/t still there after deleteTree (%v)", err)
			}
			if c, m, d := cc.children.Load(), cc.multis.Load(), cc.deletes.Load(); c > tc.children || m > tc.multis || d > tc.deletes {
				t.Errorf("%d nodes: %d listings, %d multis, %d deletes; want at most %d, %d, %d",
					dirs+tc.entries, c, m, d, tc.children, tc.multis, tc.deletes)
			}
		})
	}
}
