package cluster

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// The watched reads are what the decoded-object cache issues, so a node's
// store metrics must count them like the plain reads.
func TestInstrumentedConnCountsWatchedReads(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	c, err := newInstrumentedConn(srv.Connect(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if _, err := c.Create(ctx, "/a", []byte("x"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, _, w, err := c.GetW(ctx, "/a"); err != nil || w == nil {
		t.Fatalf("GetW /a: watch %v, %v", w, err)
	}
	if _, _, _, err := c.GetW(ctx, "/missing"); !errors.Is(err, storage.ErrNoNode) {
		t.Fatalf("GetW /missing: %v", err)
	}
	for _, p := range []string{"/a", "/missing"} {
		if _, _, _, err := c.ExistsW(ctx, p); err != nil {
			t.Fatalf("ExistsW %s: %v", p, err)
		}
	}
	if _, _, _, err := c.ChildrenW(ctx, "/"); err != nil {
		t.Fatalf("ChildrenW /: %v", err)
	}

	for _, want := range []struct {
		op, result string
		count      float64
	}{
		{"create", "ok", 1},
		{"get_watch", "ok", 1},
		{"get_watch", "no_node", 1},
		{"exists_watch", "ok", 2},
		{"children_watch", "ok", 1},
	} {
		if got := testutil.ToFloat64(c.ops.WithLabelValues(want.op, want.result)); got != want.count {
			t.Errorf("midonet_cluster_store_ops_total{op=%q,result=%q} = %v, want %v", want.op, want.result, got, want.count)
		}
	}
}
