package client_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/restapi/client"
)

// The typed client against a node (here an in-memory one started for the
// example): create a router and a bridge, link them through a port on each,
// and read the link back.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	base, err := startNode(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}

	api := client.New(base)
	router, err := api.Routers().Create(ctx, &client.Router{Name: "edge", TenantID: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	bridge, err := api.Bridges().Create(ctx, &client.Bridge{Name: "private", TenantID: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	addr, network := "10.0.0.1", "10.0.0.0"
	rport, err := api.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortAddress: &addr,
		NetworkAddress: &network, NetworkLength: 24})
	if err != nil {
		fmt.Println(err)
		return
	}
	bport, err := api.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := api.Link(ctx, rport.ID, bport.ID); err != nil {
		fmt.Println(err)
		return
	}
	got, err := api.Ports().Get(ctx, bport.ID)
	fmt.Println(*got.PeerID == rport.ID, *rport.PortAddress, err)
	bridges, err := api.Bridges().List(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(bridges), bridges[0].Name, err)
	// Output:
	// true 10.0.0.1 <nil>
	// 1 private <nil>
}

// startNode runs an in-memory cluster node until ctx ends and returns its
// API's base URL.
func startNode(ctx context.Context) (string, error) {
	cfg := cluster.DefaultConfig()
	cfg.Overrides = map[string]string{"cluster.rest_api.http_host": "127.0.0.1", "cluster.rest_api.http_port": "0",
		"cluster.endpoint.service.interface": "127.0.0.1", "cluster.endpoint.service.port": "0"}
	cfg.Logger = slog.New(slog.DiscardHandler)
	node, err := cluster.New(cfg)
	if err != nil {
		return "", err
	}
	go node.Run(ctx)
	select {
	case <-node.Ready():
		return "http://" + node.HTTPAddr().String() + "/midonet-api", nil
	case err := <-node.Err():
		return "", err
	}
}
