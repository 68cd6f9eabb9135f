// Command midonet-check verifies the referential integrity of the MidoNet
// topology in ZooKeeper (package midonet/consistency): every binding's
// reference names an existing object that holds the back-reference. It finds
// ZooKeeper as midonet-cluster does (flags, MIDO_ZOOKEEPER_HOSTS and
// MIDO_ZOOKEEPER_ROOT_KEY, the INI files), prints one line per finding and a
// summary, and exits 0 when the topology is consistent, 1 when there are
// findings and 2 when it cannot check.
//
//	midonet-check [--zookeeper-hosts h:2181,...] [--zookeeper-root-key /midonet] [INI file]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage/zk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("midonet-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: midonet-check [flags] [INI file, e.g. /etc/midonet/midonet.conf]")
		fmt.Fprintln(fs.Output(), "exit status: 0 consistent, 1 findings, 2 could not check")
		fs.PrintDefaults()
	}
	zkHosts := fs.String("zookeeper-hosts", "", "ZooKeeper connect string; overrides MIDO_ZOOKEEPER_HOSTS and the INI files' [zookeeper]")
	rootKey := fs.String("zookeeper-root-key", "", "MidoNet's root in ZooKeeper (default /midonet); overrides MIDO_ZOOKEEPER_ROOT_KEY and the INI files")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	verbose := fs.Bool("v", false, "also print the number of objects read per class")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	src := cluster.StandardSources(fs.Arg(0))
	src.EnvFile, src.Flags = "", map[string]string{}
	if *zkHosts != "" {
		src.Flags["zookeeper.zookeeper_hosts"] = *zkHosts
	}
	if *rootKey != "" {
		src.Flags["zookeeper.root_key"] = *rootKey
	}
	cfg, err := cluster.Build(src)
	if err != nil {
		fmt.Fprintln(stderr, "midonet-check:", err)
		return 2
	}
	if cfg.ZooKeeperHosts == "" {
		fmt.Fprintln(stderr, "midonet-check: no ZooKeeper configured (--zookeeper-hosts, MIDO_ZOOKEEPER_HOSTS or [zookeeper] zookeeper_hosts)")
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	conn, err := zk.Connect(ctx, zk.Config{Servers: strings.Split(cfg.ZooKeeperHosts, ",")})
	if err != nil {
		fmt.Fprintln(stderr, "midonet-check: connect to ZooKeeper:", err)
		return 2
	}
	defer conn.Close()
	rep, err := consistency.Check(ctx, conn, cfg.RootKey, consistency.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "midonet-check:", err)
		return 2
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(stdout, f)
	}
	if *verbose {
		classes := make([]string, 0, len(rep.Objects))
		for c := range rep.Objects {
			classes = append(classes, c)
		}
		slices.Sort(classes)
		for _, c := range classes {
			fmt.Fprintf(stdout, "%-24s %d\n", c, rep.Objects[c])
		}
	}
	fmt.Fprintf(stdout, "checked %d objects under %s: %d findings (%d dangling references, %d missing back-references)\n",
		rep.Total(), cfg.RootKey, len(rep.Findings), rep.Count(consistency.DanglingReference), rep.Count(consistency.MissingBackReference))
	if len(rep.Findings) > 0 {
		return 1
	}
	return 0
}
