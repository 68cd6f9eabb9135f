package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/midonet/midonet-go/cluster"
)

// A node in a few lines: DefaultConfig is an in-memory node with the
// standard REST API and services; set ZooKeeperHosts to run on ZooKeeper.
// Overrides pin settings over mn-conf, here a free loopback port.
func ExampleNew() {
	cfg := cluster.DefaultConfig()
	cfg.Overrides = map[string]string{"cluster.rest_api.http_host": "127.0.0.1", "cluster.rest_api.http_port": "0",
		"cluster.endpoint.service.interface": "127.0.0.1", "cluster.endpoint.service.port": "0"}
	cfg.Logger = slog.New(slog.DiscardHandler)
	node, err := cluster.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	select {
	case <-node.Ready():
	case err := <-node.Err():
		fmt.Println(err)
		return
	}

	resp, err := http.Get("http://" + node.HTTPAddr().String() + "/midonet-api/")
	if err != nil {
		fmt.Println(err)
		return
	}
	var root struct{ Version string }
	err = json.NewDecoder(resp.Body).Decode(&root)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, root.Version, err)

	stop() // drains in-flight requests, unregisters, closes the store
	fmt.Println("stopped:", <-done)
	// Output:
	// 200 v5.0 <nil>
	// stopped: <nil>
}
