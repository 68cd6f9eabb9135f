package commands

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage/zk"
)

// Check is the midonet-check command. Exit codes: 0 consistent, 1
// findings, 2 could not check (or bad command line).
func Check(stdout, stderr io.Writer) *cobra.Command {
	cmd := newRoot("midonet-check [flags] [INI file, e.g. /etc/midonet/midonet.conf]",
		"Check the referential integrity of the MidoNet topology in ZooKeeper",
		`midonet-check reads every object under <root>/zoom/0/models and verifies every binding from both sides:
each reference names an existing object that holds the back-reference. Each finding is confirmed by
reading both objects again, so it can run on a live cluster. It prints one line per finding and a
summary.

ZooKeeper is found as midonet-cluster finds it: the flags, MIDO_ZOOKEEPER_HOSTS and
MIDO_ZOOKEEPER_ROOT_KEY, the [zookeeper] section of the named file, ~/.midonetrc,
/etc/midonet/midonet.conf, /etc/midolman/midolman.conf.

Exit status: 0 consistent, 1 findings, 2 could not check.`,
		stdout, stderr)
	cmd.Args = cobra.MaximumNArgs(1)
	f := cmd.Flags()
	zkHosts := f.String("zookeeper-hosts", "", "ZooKeeper connect string; overrides MIDO_ZOOKEEPER_HOSTS and the INI files' [zookeeper]")
	rootKey := f.String("zookeeper-root-key", "", "MidoNet's root in ZooKeeper (default /midonet); overrides MIDO_ZOOKEEPER_ROOT_KEY and the INI files")
	timeout := f.Duration("timeout", 5*time.Minute, "give up after this long")
	verbose := f.BoolP("verbose", "v", false, "also print the number of objects read per class")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cannot := func(err error) error {
			fmt.Fprintln(stderr, "midonet-check:", err)
			return &exitError{2, err}
		}
		src := cluster.StandardSources(cmd.Flags().Arg(0))
		src.EnvFile, src.Flags = "", map[string]string{}
		if *zkHosts != "" {
			src.Flags["zookeeper.zookeeper_hosts"] = *zkHosts
		}
		if *rootKey != "" {
			src.Flags["zookeeper.root_key"] = *rootKey
		}
		cfg, err := cluster.Build(src)
		if err != nil {
			return cannot(err)
		}
		if cfg.ZooKeeperHosts == "" {
			return cannot(fmt.Errorf("no ZooKeeper configured (--zookeeper-hosts, MIDO_ZOOKEEPER_HOSTS or [zookeeper] zookeeper_hosts)"))
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), *timeout)
		defer cancel()
		conn, err := zk.Connect(ctx, zk.Config{Servers: strings.Split(cfg.ZooKeeperHosts, ",")})
		if err != nil {
			return cannot(fmt.Errorf("connect to ZooKeeper: %w", err))
		}
		defer conn.Close()
		rep, err := consistency.Check(ctx, conn, cfg.RootKey, consistency.Options{})
		if err != nil {
			return cannot(err)
		}
		for _, f := range rep.Findings {
			fmt.Fprintln(stdout, f)
		}
		if *verbose {
			for _, c := range slices.Sorted(maps.Keys(rep.Objects)) {
				fmt.Fprintf(stdout, "%-24s %d\n", c, rep.Objects[c])
			}
		}
		fmt.Fprintf(stdout, "checked %d objects under %s: %d findings (%d dangling references, %d missing back-references)\n",
			rep.Total(), cfg.RootKey, len(rep.Findings), rep.Count(consistency.DanglingReference), rep.Count(consistency.MissingBackReference))
		if len(rep.Findings) > 0 {
			return &exitError{1, nil}
		}
		return nil
	}
	return cmd
}
