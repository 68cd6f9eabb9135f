// Command midonet-check verifies the referential integrity of the MidoNet
// topology in ZooKeeper (package midonet/consistency): every binding's
// reference names an existing object that holds the back-reference. It finds
// ZooKeeper as midonet-cluster does (flags, MIDO_ZOOKEEPER_HOSTS and
// MIDO_ZOOKEEPER_ROOT_KEY, the INI files), prints one line per finding and a
// summary, and exits 0 when the topology is consistent, 1 when there are
// findings and 2 when it cannot check.
//
//	midonet-check [--zookeeper-hosts h:2181,...] [--zookeeper-root-key /midonet] [INI file]
//
// The command's definition (flags, help) is internal/commands.Check.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/midonet/midonet-go/internal/commands"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return commands.Run(ctx, commands.Check(stdout, stderr), args)
}
