// Command midonet-cluster runs one MidoNet Cluster node (package cluster):
// the REST API on :8181, and on :8443 given a key store, over ZooKeeper, or
// over an in-memory store (data lost at exit) when no ZooKeeper is
// configured. Like the JVM cluster it takes its INI file as argument:
//
//	midonet-cluster [flags] [/etc/midonet/midonet.conf]
//
// The command's definition (flags, help) is internal/commands.Cluster.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/midonet/midonet-go/internal/commands"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := commands.Run(ctx, commands.Cluster(os.Stdout, os.Stderr), os.Args[1:])
	stop()
	os.Exit(code)
}
