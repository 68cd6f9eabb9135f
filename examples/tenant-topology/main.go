// Command tenant-topology builds a small tenant network through the MidoNet
// v5 REST API with the typed client: an edge router, a bridge behind it,
// the link between them, a default route, a DNAT rule in a filter chain and
// DHCP on the bridge. It prints what it created.
//
//	go run ./examples/tenant-topology -api http://127.0.0.1:8181/midonet-api
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/midonet/midonet-go/restapi/client"
)

func main() {
	api := flag.String("api", "http://127.0.0.1:8181/midonet-api", "API root")
	token := flag.String("token", "", "X-Auth-Token (the default mock auth accepts none)")
	tenant := flag.String("tenant", "demo", "tenant id of the new devices")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := build(ctx, client.New(*api, client.WithToken(*token)), *tenant); err != nil {
		slog.Error("building the topology", "err", err)
		os.Exit(1)
	}
}

func build(ctx context.Context, c *client.Client, tenant string) error {
	router, err := c.Routers().Create(ctx, &client.Router{Name: "edge", TenantID: tenant})
	if err != nil {
		return err
	}
	bridge, err := c.Bridges().Create(ctx, &client.Bridge{Name: "private", TenantID: tenant})
	if err != nil {
		return err
	}
	uplink, err := c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"192.0.2.2/24"}})
	if err != nil {
		return err
	}
	inside, err := c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"10.0.0.1/24"}})
	if err != nil {
		return err
	}
	bport, err := c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"})
	if err != nil {
		return err
	}
	if err := c.Link(ctx, inside.ID, bport.ID); err != nil {
		return err
	}
	gw := "192.0.2.1"
	if _, err := c.RouterRoutes(router.ID).Create(ctx, &client.Route{Type: "Normal", SrcNetworkAddr: "0.0.0.0",
		DstNetworkAddr: "0.0.0.0", NextHopPort: &uplink.ID, NextHopGateway: &gw, Weight: 100}); err != nil {
		return err
	}
	chain, err := c.Chains().Create(ctx, &client.Chain{Name: "edge-in", TenantID: tenant})
	if err != nil {
		return err
	}
	accept, proto := "accept", 6
	if _, err := c.ChainRules(chain.ID).Create(ctx, &client.Rule{Type: "dnat", FlowAction: &accept, NwProto: &proto,
		TpDst:      &client.Range{Start: 80, End: 80},
		NatTargets: []client.NatTarget{{AddressFrom: "10.0.0.10", AddressTo: "10.0.0.10", PortFrom: 8080, PortTo: 8080}}}); err != nil {
		return err
	}
	router.InboundFilterID = &chain.ID
	if err := c.Routers().Update(ctx, router.ID, router); err != nil {
		return err
	}
	if _, err := c.Do(ctx, "POST", bridge.URI+"/dhcp", "", client.Media("DhcpSubnet-v2"), map[string]any{
		"subnetPrefix": "10.0.0.0", "subnetLength": 24, "defaultGateway": "10.0.0.1", "dnsServerAddrs": []string{"192.0.2.53"},
	}, nil); err != nil {
		return err
	}
	routes, err := c.RouterRoutes(router.ID).List(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Printf("router %s (filter %s), bridge %s linked through %s\n", router.ID, chain.ID, bridge.ID, inside.ID)
	for _, r := range routes {
		fmt.Printf("  route %-6s %s/%d\n", r.Type, r.DstNetworkAddr, r.DstNetworkLength)
	}
	return nil
}
