// Command embed starts a MidoNet Cluster node inside a Go program: the whole
// REST API, mn-conf and the standard services, in-memory by default or on
// ZooKeeper when given hosts. It prints the API's URL and runs until Ctrl-C.
//
//	go run ./examples/embed                                   # in-memory, data lost at exit
//	go run ./examples/embed -zookeeper-hosts 127.0.0.1:2181   # on ZooKeeper, root /midonet
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"github.com/midonet/midonet-go/cluster"
)

func main() {
	zk := flag.String("zookeeper-hosts", "", "ZooKeeper connect string (empty: in-memory store)")
	port := flag.String("port", "8181", "HTTP port of the REST API (0: any free port)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *zk, *port, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run is the embedding: a Config, New, Run, Ready.
func run(ctx context.Context, zookeeperHosts, port string, out io.Writer) error {
	cfg := cluster.DefaultConfig()
	cfg.ZooKeeperHosts = zookeeperHosts
	cfg.Overrides = map[string]string{
		"cluster.rest_api.http_host": "127.0.0.1", "cluster.rest_api.http_port": port,
		"cluster.endpoint.service.interface": "127.0.0.1", "cluster.endpoint.service.port": "0",
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	node, err := cluster.New(cfg)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	select {
	case <-node.Ready():
		fmt.Fprintf(out, "MidoNet API at http://%s%s\n", node.HTTPAddr(), cfg.RestAPI.RootURI)
	case err := <-done:
		return err
	}
	return <-done
}
