// Command midonet-cluster runs one MidoNet Cluster node (package cluster):
// the REST API on :8181, and on :8443 given a key store, over ZooKeeper, or
// over an in-memory store (data lost at exit) when no ZooKeeper is
// configured. Like the JVM cluster it takes its INI file as argument:
//
//	midonet-cluster [flags] [/etc/midonet/midonet.conf]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/jvmconf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run returns the process exit code: 2 for bad flags, 1 for bad
// configuration, 255 when the node fails (as the JVM cluster does).
func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("midonet-cluster", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: midonet-cluster [flags] [INI file, e.g. /etc/midonet/midonet.conf]")
		fs.PrintDefaults()
	}
	zkHosts := fs.String("zookeeper-hosts", "", "ZooKeeper connect string; overrides MIDO_ZOOKEEPER_HOSTS and the INI files' [zookeeper] (none anywhere: in-memory store)")
	rootKey := fs.String("zookeeper-root-key", "", "MidoNet's root in ZooKeeper; overrides MIDO_ZOOKEEPER_ROOT_KEY and the INI files")
	envFile := fs.String("env-file", cluster.DefaultEnvFile, "shell file whose JVM_OPTS -Dmidonet.keystore_path/-Dmidonet.keystore_password are read")
	ksPath := fs.String("keystore-path", "", "HTTPS key store (JKS or PKCS#12); overrides MIDONET_KEYSTORE_PATH and JVM_OPTS")
	ksPass := fs.String("keystore-password", "", "key store password (visible in ps: prefer MIDONET_KEYSTORE_PASSWORD or the env file)")
	hostIDFile := fs.String("host-id-file", cluster.DefaultHostIDFile, "file holding this node's host_uuid (generated when missing)")
	logLevel := fs.String("log-level", "INFO", "log level until mn-conf's cluster.loggers.root applies")
	flags := map[string]string{}
	fs.Func("set", "mn-conf `key=value` overridden for this process, repeatable (e.g. cluster.rest_api.http_port=9181)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("%q: want key=value", s)
		}
		flags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		return nil
	})
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	level := new(slog.LevelVar)
	if l, ok := jvmconf.LogbackLevel(*logLevel); ok {
		level.Set(l)
	} else {
		fmt.Fprintf(os.Stderr, "midonet-cluster: -log-level %q: want TRACE, DEBUG, INFO, WARN, ERROR or OFF\n", *logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The dedicated flags are settings like --set ones, under their keys.
	for key, value := range map[string]string{"zookeeper.zookeeper_hosts": *zkHosts, "zookeeper.root_key": *rootKey,
		"midonet.keystore_path": *ksPath, "midonet.keystore_password": *ksPass} {
		if value != "" {
			flags[key] = value
		}
	}
	src := cluster.StandardSources(fs.Arg(0))
	src.EnvFile, src.Flags = *envFile, flags
	cfg, err := cluster.Build(src)
	if err != nil {
		log.Error("configuration", "err", err)
		return 1
	}
	cfg.LogLevel, cfg.Logger = level, log
	if cfg.NodeID, err = cluster.HostID(*hostIDFile); err != nil && cfg.ZooKeeperHosts == "" {
		cfg.NodeID = uuid.New()
		log.Warn("no stored host id; this in-memory run uses a random node id", "err", err)
	} else if err != nil {
		log.Error("host id", "err", err)
		return 1
	}

	node, err := cluster.New(cfg)
	if err != nil {
		log.Error("configuration", "err", err)
		return 1
	}
	if err := node.Run(ctx); err != nil {
		log.Error("MidoNet Cluster failed", "err", err)
		return 255
	}
	return 0
}
