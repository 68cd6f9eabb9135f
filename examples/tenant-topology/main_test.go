package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// TestBuild runs the example against the API on the in-memory store and
// checks what it left there.
func TestBuild(t *testing.T) {
	ctx := context.Background()
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
	c := client.New(srv.URL + "/midonet-api")
	if err := build(ctx, c, "demo"); err != nil {
		t.Fatal(err)
	}
	routers, err := c.Routers().List(ctx, nil)
	if err != nil || len(routers) != 1 || routers[0].InboundFilterID == nil {
		t.Fatalf("routers: %+v %v", routers, err)
	}
	peers, err := c.RouterPorts(routers[0].ID).List(ctx, nil)
	if err != nil || len(peers) != 2 {
		t.Fatalf("router ports: %+v %v", peers, err)
	}
	rules, err := c.ChainRules(*routers[0].InboundFilterID).List(ctx, nil)
	if err != nil || len(rules) != 1 || rules[0].Type != "dnat" {
		t.Errorf("filter rules: %+v %v", rules, err)
	}
}
