package cluster

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// storeOpCounts reads midonet_cluster_store_ops_total from reg as
// "op/result" -> count.
func storeOpCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "midonet_cluster_store_ops_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var op, result string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "op":
					op = l.GetValue()
				case "result":
					result = l.GetValue()
				}
			}
			counts[op+"/"+result] = m.GetCounter().GetValue()
		}
	}
	return counts
}

// The watched reads are what the decoded-object cache issues, so a node's
// store metrics must count them like the plain reads.
func TestInstrumentedConnCountsWatchedReads(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	reg := prometheus.NewRegistry()
	c, err := newInstrumentedConn(srv.Connect(), reg)
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

	got := storeOpCounts(t, reg)
	for key, want := range map[string]float64{
		"create/ok":         1,
		"get_watch/ok":      1,
		"get_watch/no_node": 1,
		"exists_watch/ok":   2,
		"children_watch/ok": 1,
	} {
		if got[key] != want {
			t.Errorf("midonet_cluster_store_ops_total %s = %v, want %v (all: %v)", key, got[key], want, got)
		}
	}
}
