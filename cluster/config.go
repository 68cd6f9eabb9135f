package cluster

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/internal/jvmconf"
)

// Well-known locations of an installed JVM cluster; a Go node reads the same
// files so that an existing deployment works unchanged.
const (
	DefaultConfFile     = "/etc/midonet/midonet.conf"
	LegacyAgentConfFile = "/etc/midolman/midolman.conf"
	DefaultEnvFile      = "/etc/midonet-cluster/midonet-cluster-env.sh"
	DefaultHostIDFile   = "/etc/midonet_host_id.properties"
	LegacyHostIDFile    = "/etc/midolman/host_uuid.properties"
	DefaultKeystorePath = "/etc/midonet-cluster/ssl/midonet.jks"
	DefaultRootKey      = jvmconf.DefaultRootKey
)

// Config is everything a Node needs. DefaultConfig runs an in-memory node
// with the standard store, election, REST API and services; Build reads an
// installed node's files, environment and command line (see Build for the
// precedence of every source). The zero value of each hook means the
// standard one.
type Config struct {
	// NodeID identifies this cluster node (the host id of the reference,
	// see HostID); uuid.Nil means a random id for this run.
	NodeID uuid.UUID

	// ZooKeeperHosts is a connect string ("h1:2181,h2:2181"); empty means
	// the in-memory store, whose data is lost at exit.
	ZooKeeperHosts string
	// RootKey is the root of MidoNet's tree in ZooKeeper.
	RootKey string
	// ZooKeeperSessionTimeout is the session timeout the node asks for
	// ([zookeeper] session_timeout, bare numbers in ms as the reference
	// reads them); 0 uses the zk package's default (30 s). It bounds how long a
	// crashed node's registration and leader latches outlive it.
	ZooKeeperSessionTimeout time.Duration

	RestAPI   RestAPIConfig
	Heartbeat HeartbeatConfig
	VXGW      ServiceSwitch
	// Translators is cluster.translators.*: the Neutron translation's
	// dynamic SNAT port range (nat.dynamic_port_start/end).
	Translators TranslatorsConfig

	// KeystorePath and KeystorePassword are the JVM's midonet.keystore_path
	// and midonet.keystore_password; the password has no default, and an
	// unset password disables HTTPS.
	KeystorePath        string
	KeystorePassword    string
	KeystorePasswordSet bool

	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration

	// MemoryLimit is the soft memory limit Run gives the Go runtime for the
	// whole process (runtime/debug.SetMemoryLimit): near it the garbage
	// collector runs more often to stay under it, trading CPU for memory; it
	// never fails an allocation. 0 leaves the process's limit as it is
	// (GOMEMLIMIT, an embedding program's own, or none): DefaultConfig's
	// choice, so that embedding a node changes nothing process-wide. Build
	// sets it (see there); an embedding program running several nodes sets
	// it on one of them at most.
	MemoryLimit int64

	// ConfFile is the INI file named on the command line (the reference's
	// argv[0]); besides bootstrap it is the highest layer of the runtime
	// configuration read from mn-conf. "" for none.
	ConfFile string
	// RuntimeConfig (DefaultConfig sets it) makes Run read every cluster.*
	// setting from the node's mn-conf view (per-node, mapped template,
	// default template, schemas) once connected, as the reference does, and
	// follow cluster.loggers.root while running. Without it the fields are
	// used as they are.
	RuntimeConfig bool
	// Overrides are settings by key (cluster.rest_api.http_port,
	// zookeeper.zookeeper_hosts ...), as given on the command line: they win
	// over every other source, mn-conf included. An unknown key is an error.
	Overrides map[string]string
	// LogLevel, when set, is the level of Logger's handler; the node moves
	// it as cluster.loggers.root changes in mn-conf (the one setting the
	// reference reloads live).
	LogLevel *slog.LevelVar

	Logger *slog.Logger

	// OpenStore connects to the storage backend named by ZooKeeperHosts
	// ("" = in-memory); nil means the in-memory store or ZooKeeper (with
	// ZooKeeperSessionTimeout).
	OpenStore func(ctx context.Context, hosts string) (StoreConn, error)
	// APIHandler builds the REST API served under RestAPI.RootURI; nil
	// means StandardAPI.
	APIHandler func(ctx context.Context, env *Env) (http.Handler, error)
	// Elect gives the leader election singleton services run under, over
	// the node's store connection, for elections whose nodes are children
	// of root; nil means storage.Election over the node's connection.
	Elect func(env *Env, root string) Elector
	// Services are extra services, started after the built-in ones; the
	// standard ones (the VxLAN gateway ...) are added unless one of the same
	// name is here.
	Services []Service

	// jvmOnly are JVM_OPTS options of the env file that only configure a
	// JVM (heap sizes, GC); New logs them once as ignored.
	jvmOnly []string
	// memoryLimitFrom says where Build found the memory limit (for Run's
	// log line); memoryLimitWarning why it passed over the env file's.
	memoryLimitFrom    string
	memoryLimitWarning error
}

// RestAPIConfig is cluster.rest_api.*.
type RestAPIConfig struct {
	Enabled   bool
	HTTPHost  string
	HTTPPort  int
	HTTPSHost string
	HTTPSPort int
	RootURI   string
	// RequestTimeout bounds each request's storage work.
	RequestTimeout time.Duration
	// HTTPIdleTimeout and HTTPSIdleTimeout close idle keep-alive
	// connections.
	HTTPIdleTimeout  time.Duration
	HTTPSIdleTimeout time.Duration
	// The server limits below are this implementation's keys (bundled
	// schema extension): a request's header and whole request must arrive
	// within ReadHeaderTimeout and ReadTimeout, its answer must be written
	// within WriteTimeout, at most MaxConnections stay open (the longest
	// idle one closes for a new one), and a body holds at most MaxBodySize
	// bytes after inflation and strings of at most MaxStringSize bytes.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	MaxConnections    int
	MaxBodySize       int
	MaxStringSize     int
}

// TranslatorsConfig is cluster.translators.*.
type TranslatorsConfig struct {
	DynamicNatPortStart int
	DynamicNatPortEnd   int
}

// HeartbeatConfig is cluster.heartbeat.*.
type HeartbeatConfig struct {
	Enabled bool
	Period  time.Duration
}

// ServiceSwitch is a cluster.<svc>.enabled key.
type ServiceSwitch struct{ Enabled bool }

// DefaultConfig has the reference schema's defaults (cluster.conf), except
// that ZooKeeper is unset: the node runs in-memory unless told otherwise. It
// reads its cluster.* settings from mn-conf (RuntimeConfig).
func DefaultConfig() Config {
	return Config{
		RootKey:       DefaultRootKey,
		RuntimeConfig: true,
		RestAPI: RestAPIConfig{Enabled: true, HTTPHost: "0.0.0.0", HTTPPort: 8181,
			HTTPSHost: "0.0.0.0", HTTPSPort: 8443, RootURI: "/midonet-api",
			RequestTimeout: 30 * time.Second, HTTPIdleTimeout: 30 * time.Second, HTTPSIdleTimeout: 600 * time.Second,
			ReadHeaderTimeout: 30 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second,
			MaxConnections: 4096, MaxBodySize: 4 << 20, MaxStringSize: 64 << 10},
		Heartbeat:       HeartbeatConfig{Enabled: false, Period: time.Second},
		VXGW:            ServiceSwitch{Enabled: true},
		Translators:     TranslatorsConfig{DynamicNatPortStart: 1024, DynamicNatPortEnd: 65535},
		KeystorePath:    DefaultKeystorePath,
		ShutdownTimeout: 30 * time.Second,
	}
}

// ErrBadConfig wraps every configuration error.
var ErrBadConfig = errors.New("bad configuration")

// HostID returns the node id as the reference's HostIdGenerator does:
// host_uuid from path, else from the legacy agent file, else a new random
// id written to path. A malformed host_uuid and a write failure are errors
// (as in the reference).
func HostID(path string) (uuid.UUID, error) {
	if path == "" {
		path = DefaultHostIDFile
	}
	return jvmconf.HostID(path, LegacyHostIDFile, "midonet-cluster")
}
