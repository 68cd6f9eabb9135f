package main

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// TestLoadAndLedgerOnMemory runs the load generator against the REST API on
// the in-memory store (no ZooKeeper or haproxy needed): no failures, every
// acknowledged write reads back, the topology is consistent, and a write
// removed behind the ledger's back is reported lost.
func TestLoadAndLedgerOnMemory(t *testing.T) {
	ctx := t.Context()
	conn := mem.NewServer().Connect()
	t.Cleanup(func() { conn.Close() })
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatal(err)
	}
	h, err := restapi.NewHandler(restapi.NewZoomStore(st), restapi.MockTenants{}, restapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	api := srv.URL + "/midonet-api"

	ledger := NewLedger()
	from := time.Now()
	load := StartLoad(ctx, api, 3, ledger)
	time.Sleep(1500 * time.Millisecond)
	load.Stop()
	to := time.Now()
	res := Summarize("memory", load.Requests(from, to), from, to)
	if res.OK == 0 || res.Failed != 0 {
		t.Fatalf("load on memory: %d ok, %d failed: %v", res.OK, res.Failed, res.FirstErrors)
	}
	ops := map[string]int{}
	for _, r := range load.Requests(from, to) {
		ops[r.Op]++
	}
	for _, op := range []string{"create-bridge", "create-port", "read"} {
		if ops[op] == 0 {
			t.Errorf("no %s request in %v", op, ops)
		}
	}
	creates, _ := ledger.Counts()
	checked, lost, err := ledger.Verify(ctx, api, 4)
	if err != nil || len(lost) != 0 || checked != creates {
		t.Fatalf("verify: checked %d of %d, lost %v, err %v", checked, creates, lost, err)
	}
	rep, err := consistency.Check(ctx, conn, "/midonet", consistency.Options{})
	if err != nil || len(rep.Findings) != 0 || rep.Objects["Network"] == 0 || rep.Objects["Port"] == 0 {
		t.Fatalf("consistency: %+v %v", rep, err)
	}

	// Delete an acknowledged bridge the ledger still expects.
	c := client.New(api)
	var victim ledgerObject
	ledger.mu.Lock()
	for _, o := range ledger.objects {
		if o.bridge == "" && !ledger.gone[o.id] {
			victim = o
			break
		}
	}
	ledger.mu.Unlock()
	if err := c.Bridges().Delete(ctx, victim.id); err != nil {
		t.Fatal(err)
	}
	_, lost, err = ledger.Verify(ctx, api, 4)
	if err != nil || len(lost) == 0 || !strings.Contains(strings.Join(lost, "\n"), "bridge "+victim.id+" acknowledged at") {
		t.Fatalf("a deleted acknowledged bridge was not reported lost: %v %v", lost, err)
	}
}

func TestSummarize(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	refused := errors.New("connection refused")
	noStore := fmt.Errorf("POST: %w", &client.Error{Status: 503})
	bug := fmt.Errorf("POST: %w", &client.Error{Status: 500})
	reqs := []Request{
		{Op: "create-bridge", Start: at(0.5), End: at(1)},
		{Op: "read", Start: at(1), End: at(2)},
		{Op: "create-port", Start: at(2), End: at(3), Err: refused},
		{Op: "create-bridge", Start: at(3.5), End: at(4), Err: noStore},
		{Op: "read", Start: at(4), End: at(5)},
		{Op: "create-port", Start: at(6), End: at(7)},
		{Op: "create-port", Start: at(8), End: at(8.5), Err: bug}, // not unavailability: outside the window
	}
	r := Summarize("x", reqs, at(0), at(10))
	if r.OK != 4 || r.Failed != 3 || r.Unavailable != 2 {
		t.Errorf("ok/failed/unavailable %d/%d/%d, want 4/3/2", r.OK, r.Failed, r.Unavailable)
	}
	if r.ErrorWindow != 2*time.Second { // first failure started at 2, last ended at 4
		t.Errorf("error window %v, want 2s", r.ErrorWindow)
	}
	if r.WritePause != 6*time.Second { // acknowledged writes at 1 and 7; the read at 5 does not count
		t.Errorf("write pause %v, want 6s", r.WritePause)
	}
	if r.ReqPerSec != 0.4 {
		t.Errorf("req/s %v, want 0.4", r.ReqPerSec)
	}
	if len(r.OtherErrors) != 1 || r.OtherErrors[errorKind(bug)] != 1 {
		t.Errorf("other errors %v", r.OtherErrors)
	}
	if len(r.FirstErrors) != 3 || r.Lost != -1 || r.Dangling != -1 {
		t.Errorf("first errors %v, lost %d, dangling %d", r.FirstErrors, r.Lost, r.Dangling)
	}
	table := tableString([]Result{r})
	if !strings.Contains(table, "| x ") || !strings.Contains(table, "4 / 2 / 1 |   2.0 |   6.0 |") {
		t.Errorf("table:\n%s", table)
	}
	if none := Summarize("idle", nil, at(0), at(3)); none.ErrorWindow != 0 || none.WritePause != 3*time.Second {
		t.Errorf("no requests: %+v", none)
	}
}
