// Command ha runs a fault-tolerant MidoNet Cluster deployment on this
// machine, loopback only: a 3-server ZooKeeper ensemble, 3 midonet-cluster
// nodes (the real binary, built here) on it, and Debian's haproxy in front,
// round-robin over the nodes' REST APIs and health-checking their /health.
//
//	go run ./examples/ha up [-dir DIR] [-nodes 3]    # until Ctrl-C, then stops everything
//	go run ./examples/ha load -api URL [-for 30s] [-workers 8]
//
// The fault tests (kill -9 a node, the ZooKeeper leader, the singleton's
// holder; restart everything) are this package's tests:
//
//	go test -v -run TestFaults ./examples/ha              # short (~1-2 minutes)
//	MIDONET_HA_FULL=1 go test -v -timeout 30m -run TestFaults ./examples/ha
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

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
	usage := func() {
		fmt.Fprintln(stderr, "usage: ha up [-dir DIR] [-nodes N] | ha load -api URL [-for D] [-workers N]")
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "up":
		return up(ctx, args[1:], stdout, stderr)
	case "load":
		return load(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		usage()
		return 0
	}
	usage()
	return 2
}

func up(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ha up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory for configurations, data and logs (default: a new temporary directory, removed at exit)")
	nodes := fs.Int("nodes", 3, "number of midonet-cluster nodes")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "midonet-ha-")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	log.Info("building midonet-cluster")
	bin, err := BuildCluster(ctx, *dir)
	if err != nil {
		log.Error("build", "err", err)
		return 1
	}
	log.Info("starting ZooKeeper, the cluster nodes and haproxy", "dir", *dir)
	d, err := Start(ctx, Options{Dir: *dir, ClusterBinary: bin, Nodes: *nodes, Log: log})
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	defer d.Stop()
	fmt.Fprintf(stdout, "MidoNet REST API (haproxy): %s\n", d.APIURL())
	fmt.Fprintf(stdout, "haproxy statistics:         %s\n", d.StatsURL())
	fmt.Fprintf(stdout, "ZooKeeper:                  MIDO_ZOOKEEPER_HOSTS=%s\n", d.ZooKeeperHosts())
	for i := range d.Nodes() {
		fmt.Fprintf(stdout, "node %d (host %s):   %s  log %s\n", i+1, d.NodeID(i), d.NodeURL(i), d.NodeLog(i))
	}
	fmt.Fprintf(stdout, "check:  go run ./cmd/midonet-check --zookeeper-hosts %s\n", d.ZooKeeperHosts())
	fmt.Fprintf(stdout, "load:   go run ./examples/ha load -api %s\n", d.APIURL())
	fmt.Fprintln(stdout, "Ctrl-C stops everything.")
	<-ctx.Done()
	log.Info("stopping")
	return 0
}

func load(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ha load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", "", "REST API root URL, e.g. http://127.0.0.1:PORT/midonet-api (required)")
	dur := fs.Duration("for", 30*time.Second, "how long to load")
	workers := fs.Int("workers", 8, "concurrent clients")
	zkHosts := fs.String("zookeeper-hosts", "", "when set, run the consistency checker on this ensemble afterwards")
	root := fs.String("zookeeper-root-key", "/midonet", "MidoNet's root in ZooKeeper")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *api == "" || *workers < 1 {
		fs.Usage()
		return 2
	}
	ledger := NewLedger()
	from := time.Now()
	l := StartLoad(ctx, *api, *workers, ledger)
	select {
	case <-ctx.Done():
	case <-time.After(*dur):
	}
	l.Stop()
	to := time.Now()
	res := Summarize("load", l.Requests(from, to), from, to)
	vctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	checked, lost, err := ledger.Verify(vctx, *api, 8)
	if err != nil {
		fmt.Fprintln(stderr, "read-back:", err)
		return 1
	}
	res.Lost = len(lost)
	for _, s := range lost {
		fmt.Fprintln(stdout, "LOST:", s)
	}
	if *zkHosts != "" {
		conn, err := zk.Connect(vctx, zk.Config{Servers: strings.Split(*zkHosts, ",")})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		rep, err := consistency.Check(vctx, conn, *root, consistency.Options{})
		conn.Close()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		res.Dangling = len(rep.Findings)
		for _, f := range rep.Findings {
			fmt.Fprintln(stdout, f)
		}
	}
	fmt.Fprintf(stdout, "%d acknowledged writes read back\n", checked)
	PrintTable(stdout, []Result{res})
	if res.Lost > 0 || res.Dangling > 0 {
		return 1
	}
	return 0
}
