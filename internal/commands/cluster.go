package commands

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/jvmconf"
)

// Cluster is the midonet-cluster command: it runs one node until its
// context ends. Exit codes: 2 bad command line, 1 bad configuration, 255
// when the node fails (as the JVM cluster).
func Cluster(stdout, stderr io.Writer) *cobra.Command {
	cmd := newRoot("midonet-cluster [flags] [INI file, e.g. /etc/midonet/midonet.conf]",
		"Run a MidoNet Cluster node",
		fmt.Sprintf(`midonet-cluster runs one MidoNet Cluster node: the MidoNet REST API on :8181 (and :8443 given a key
store), over ZooKeeper, or over an in-memory store (data lost at exit) when no ZooKeeper is configured.

Like the JVM cluster it takes its INI file as argument. Settings, lowest precedence first: the bundled
schemas and mn-conf (cluster.*), the JVM_OPTS -D properties of the env file (midonet.keystore_*), the
[zookeeper] section of /etc/midolman/midolman.conf, /etc/midonet/midonet.conf, ~/.midonetrc and the
named file, the environment (MIDO_ZOOKEEPER_HOSTS, MIDO_ZOOKEEPER_ROOT_KEY,
MIDO_ZOOKEEPER_SESSION_TIMEOUT, MIDONET_KEYSTORE_PATH, MIDONET_KEYSTORE_PASSWORD), then the flags.

The Go runtime's soft memory limit, highest first: GOMEMLIMIT, --memory-limit, the env file's maximum
JVM heap (-Xmx in JVM_OPTS, else MAX_HEAP_SIZE), else %dMiB; the node logs the one in force at start.
Near it the garbage collector runs more often (CPU for memory); it never fails an allocation. The
env file's other JVM-only options (initial heap, GC, JMX) are ignored.

Exit status: 0 after SIGTERM or SIGINT, 1 bad configuration, 2 bad command line, 255 node failure.`,
			cluster.DefaultMemoryLimit>>20),
		stdout, stderr)
	cmd.Args = cobra.MaximumNArgs(1)
	f := cmd.Flags()
	zkHosts := f.String("zookeeper-hosts", "", "ZooKeeper connect string; overrides MIDO_ZOOKEEPER_HOSTS and the INI files' [zookeeper] (none anywhere: in-memory store)")
	rootKey := f.String("zookeeper-root-key", "", "MidoNet's root in ZooKeeper; overrides MIDO_ZOOKEEPER_ROOT_KEY and the INI files")
	envFile := f.String("env-file", cluster.DefaultEnvFile, "shell file whose JVM_OPTS -Dmidonet.keystore_path/-Dmidonet.keystore_password and maximum heap (-Xmx, MAX_HEAP_SIZE) are read")
	memoryLimit := f.String("memory-limit", "", "soft memory limit of the Go runtime (e.g. 512MiB, 2G, or off); overrides the env file's maximum heap, not GOMEMLIMIT (default "+
		fmt.Sprint(cluster.DefaultMemoryLimit>>20)+"MiB)")
	ksPath := f.String("keystore-path", "", "HTTPS key store (JKS or PKCS#12); overrides MIDONET_KEYSTORE_PATH and JVM_OPTS")
	ksPass := f.String("keystore-password", "", "key store password (visible in ps: prefer MIDONET_KEYSTORE_PASSWORD or the env file)")
	hostIDFile := f.String("host-id-file", cluster.DefaultHostIDFile, "file holding this node's host_uuid (generated when missing)")
	logLevel := f.String("log-level", "INFO", "log level until mn-conf's cluster.loggers.root applies: TRACE, DEBUG, INFO, WARN, ERROR or OFF")
	sets := f.StringArray("set", nil, "setting `key=value` for this process, over mn-conf and every file, repeatable (e.g. cluster.rest_api.http_port=9181)")
	_ = cmd.MarkFlagFilename("env-file")
	_ = cmd.MarkFlagFilename("keystore-path")
	_ = cmd.MarkFlagFilename("host-id-file")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		level := new(slog.LevelVar)
		l, ok := jvmconf.LogbackLevel(*logLevel)
		if !ok {
			return fmt.Errorf("--log-level %q: want TRACE, DEBUG, INFO, WARN, ERROR or OFF", *logLevel)
		}
		level.Set(l)
		// The dedicated flags are settings like --set ones, under their keys.
		flags := map[string]string{}
		for _, s := range *sets {
			k, v, ok := strings.Cut(s, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("--set %q: want key=value", s)
			}
			flags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		for key, value := range map[string]string{"zookeeper.zookeeper_hosts": *zkHosts, "zookeeper.root_key": *rootKey,
			"midonet.keystore_path": *ksPath, "midonet.keystore_password": *ksPass} {
			if value != "" {
				flags[key] = value
			}
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
		fail := func(code int, msg string, err error) error {
			log.Error(msg, "err", err)
			return &exitError{code, err}
		}

		src := cluster.StandardSources(cmd.Flags().Arg(0))
		src.EnvFile, src.Flags, src.MemoryLimit = *envFile, flags, *memoryLimit
		cfg, err := cluster.Build(src)
		if err != nil {
			return fail(1, "configuration", err)
		}
		cfg.LogLevel, cfg.Logger = level, log
		if cfg.NodeID, err = cluster.HostID(*hostIDFile); err != nil && cfg.ZooKeeperHosts == "" {
			cfg.NodeID = uuid.New()
			log.Warn("no stored host id; this in-memory run uses a random node id", "err", err)
		} else if err != nil {
			return fail(1, "host id", err)
		}
		node, err := cluster.New(cfg)
		if err != nil {
			return fail(1, "configuration", err)
		}
		if err := node.Run(cmd.Context()); err != nil {
			return fail(255, "MidoNet Cluster failed", err)
		}
		return nil
	}
	return cmd
}
