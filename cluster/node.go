// Package cluster is the MidoNet Cluster node: it bootstraps configuration
// as the JVM cluster does, connects the storage backend (ZooKeeper, or the
// in-memory store when none is configured), registers the node, runs the
// enabled services in order (singletons under leader election) and serves
// the REST API over HTTP and HTTPS with /health and /metrics alongside.
//
// It is embeddable:
//
//	cfg := cluster.DefaultConfig() // in-memory; set ZooKeeperHosts for ZooKeeper
//	node, err := cluster.New(cfg)
//	go node.Run(ctx) // until ctx ends: then drains and unregisters
//	<-node.Ready()   // or <-node.Err()
//
// Build reads an installed node's configuration (INI files, env file,
// environment, command-line settings) in the reference's precedence, and
// decides the process's soft memory limit (Config.MemoryLimit: GOMEMLIMIT,
// the command line, the env file's -Xmx, DefaultMemoryLimit), which Run
// applies; DefaultConfig leaves the process's limit alone.
// Settings come from mn-conf (cluster.* in the node's runtime view) as in
// the reference, under Config.Overrides; only cluster.loggers.root is
// followed live (Config.LogLevel), other changes are logged as pending until
// restart.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/midonet/midonet-go/internal/version"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

// StoreConn is the storage backend session the node runs on.
type StoreConn = storage.Conn

// Env is what services get from the node.
type Env struct {
	NodeID  uuid.UUID
	RootKey string
	Store   StoreConn // instrumented: every operation is counted in /metrics
	// InMemory: Store is the standard in-memory store (no ZooKeeper hosts
	// and no Config.OpenStore), whose data is lost at exit.
	InMemory bool
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Config is the node's effective configuration (after mn-conf and
	// overrides).
	Config Config
	// Runtime is the node's mn-conf view at start (cluster.auth.* and
	// other keys services read themselves); nil unless
	// Config.RuntimeConfig.
	Runtime *mnconf.Config
	// Conf is the mn-conf store on this node's connection; nil unless
	// Config.RuntimeConfig.
	Conf *mnconf.Store

	objectsOnce sync.Once
	objects     *zoom.Store
	objectsErr  error
}

// ObjectStore is MidoNet's object store (ZOOM, midonet.NewStore) over the
// node's connection, made on first use and shared by the node's services.
func (e *Env) ObjectStore(ctx context.Context) (*zoom.Store, error) {
	e.objectsOnce.Do(func() {
		e.objects, e.objectsErr = midonet.NewStore(ctx, e.Store, zoom.Options{Root: e.RootKey,
			Owner: zoom.OwnerClusterAPI, Logger: e.Logger})
		if e.objectsErr != nil {
			e.objectsErr = fmt.Errorf("object store: %w", e.objectsErr)
			return
		}
		if e.Registry != nil {
			registerGroupCommits(e.objects, e.Registry)
		}
	})
	return e.objects, e.objectsErr
}

// Settings is the node's mn-conf view (Runtime) or, without one, the
// bundled cluster schema's defaults, with the command line's keys
// (Config.Overrides) over it: where services read their own
// cluster.<service>.* keys.
func (e *Env) Settings() (*mnconf.Config, error) {
	base := e.Runtime
	if base == nil {
		var err error
		if base, err = clusterSchema(); err != nil {
			return nil, err
		}
	}
	if len(e.Config.Overrides) == 0 {
		return base, nil
	}
	// Values stay text: the typed getters parse them as they parse
	// mn-conf's (a HOCON parse would read 127.0.0.1 as numbers).
	over := map[string]any{}
	for k, v := range e.Config.Overrides {
		node := over
		parts := mnconf.SplitPath(k)
		for _, p := range parts[:len(parts)-1] {
			next, ok := node[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[p] = next
			}
			node = next
		}
		node[parts[len(parts)-1]] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return mnconf.NewConfig(mnconf.Merge(over, base.Tree())), nil
}

// clusterSchema is the bundled cluster schema: every cluster.* key with
// its default.
func clusterSchema() (*mnconf.Config, error) {
	schemas, err := mnconf.BundledSchemas()
	if err != nil {
		return nil, err
	}
	return mnconf.NewConfig(schemas["cluster"]), nil
}

// isServiceKey reports whether key is a cluster.* key of the schema that
// the node's services read themselves (through Env.Settings).
func isServiceKey(key string) bool {
	schema, err := clusterSchema()
	return err == nil && strings.HasPrefix(key, "cluster.") && schema.Has(key)
}

// Service is one unit of the node, started in order and stopped in reverse.
type Service struct {
	// Name appears in logs and, for singletons, names the election.
	Name    string
	Enabled bool
	// EnabledIf, when set, decides Enabled from the node's effective
	// configuration (mn-conf applied), e.g. cluster.vxgw.enabled.
	EnabledIf func(c *Config) bool
	// EnabledKey, when set, is the boolean mn-conf key deciding Enabled
	// (read from Env.Settings: the node's view, else the schema default).
	EnabledKey string
	// Singleton services run on one node of the cluster at a time: the one
	// leading their election (through Config.Elect).
	Singleton bool
	// Latch is the singleton's election node, relative to the root key;
	// default "cluster/elections/<Name>". The reference's latches are
	// "vxgw/fp-latch", "containers/leader-latch" and "leader-latch".
	Latch string
	// Start brings the service up and returns how to stop it. It must not
	// block beyond start-up; background work runs until stop is called.
	Start func(ctx context.Context, env *Env) (stop func(context.Context) error, err error)
}

// Elector is the storage backend's leader election: Campaign runs lead each
// time id becomes leader of name, with a context cancelled when leadership
// is lost; it returns when ctx is done, leaving the election.
type Elector interface {
	Campaign(ctx context.Context, name, id string, lead func(ctx context.Context)) error
}

// Node is one MidoNet Cluster process.
type Node struct {
	cfg Config
	log *slog.Logger
	reg *prometheus.Registry

	ready   chan struct{}
	errc    chan error
	runOnce sync.Once

	mu        sync.Mutex
	httpAddr  net.Addr
	httpsAddr net.Addr
	httpsWhy  string
	store     StoreConn

	// customStore: the caller supplied Config.OpenStore, so what it opens
	// is not known to be the in-memory store or ZooKeeper.
	customStore bool
}

// ErrAlreadyRun is returned by a second call to Run.
var ErrAlreadyRun = errors.New("cluster node already run")

// New checks cfg, fills its unset hooks with the standard ones and returns
// a node ready to Run.
func New(cfg Config) (*Node, error) {
	// Overrides are applied now, so that a bad flag fails before anything
	// connects; Run applies them again over mn-conf.
	if err := cfg.apply(cfg.overrides()); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultConfig().ShutdownTimeout
	}
	if cfg.NodeID == uuid.Nil {
		cfg.NodeID = uuid.New()
		cfg.Logger.Info("no node id configured; this run uses a random one", "node_id", cfg.NodeID.String())
	}
	if len(cfg.jvmOnly) > 0 {
		cfg.Logger.Info("ignoring JVM_OPTS that only configure a JVM", "options", strings.Join(cfg.jvmOnly, " "))
	}
	customStore := cfg.OpenStore != nil
	cfg.useStandardBackends()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return &Node{
		cfg:   cfg,
		log:   cfg.Logger.With("node_id", cfg.NodeID.String()),
		reg:   reg,
		ready: make(chan struct{}),
		errc:  make(chan error, 1),

		customStore: customStore,
	}, nil
}

// Ready is closed once every enabled service has started.
func (n *Node) Ready() <-chan struct{} { return n.ready }

// Err delivers the error that made Run stop on its own (a service or
// listener failure); nothing is sent when Run stops because ctx ended.
func (n *Node) Err() <-chan error { return n.errc }

// HTTPAddr is the bound HTTP listener's address (nil before Ready or when
// the REST API is disabled).
func (n *Node) HTTPAddr() net.Addr { n.mu.Lock(); defer n.mu.Unlock(); return n.httpAddr }

// HTTPSAddr is the bound HTTPS listener's address, nil when HTTPS is off.
func (n *Node) HTTPSAddr() net.Addr { n.mu.Lock(); defer n.mu.Unlock(); return n.httpsAddr }

// HTTPSDisabledReason says why HTTPS is off ("" when it is on).
func (n *Node) HTTPSDisabledReason() string { n.mu.Lock(); defer n.mu.Unlock(); return n.httpsWhy }

// Registry is the node's Prometheus registry, served on /metrics; embedders
// may register their own collectors.
func (n *Node) Registry() *prometheus.Registry { return n.reg }

// Run starts the node and blocks until ctx is done or a service fails, then
// stops every service in reverse order (in-flight HTTP requests finish,
// the node's ephemeral registration is removed) and closes the store.
func (n *Node) Run(ctx context.Context) (err error) {
	first := false
	n.runOnce.Do(func() { first = true })
	if !first {
		return ErrAlreadyRun
	}
	defer func() {
		if err != nil {
			n.errc <- err
		}
		close(n.errc)
	}()

	build := version.Get()
	n.log.Info("MidoNet Cluster starting", "version", build.Version, "commit", build.Commit,
		"commit_time", build.CommitTime, "go", build.GoVersion, "pid", os.Getpid())
	applyMemoryLimit(&n.cfg, n.log)
	inMemory := !n.customStore && n.cfg.ZooKeeperHosts == ""
	switch {
	case n.customStore:
		n.log.Info("opening the store Config.OpenStore supplies", "hosts", n.cfg.ZooKeeperHosts, "root_key", n.cfg.RootKey)
	case inMemory:
		n.log.Warn("no ZooKeeper configured (zookeeper.zookeeper_hosts, MIDO_ZOOKEEPER_HOSTS, --zookeeper-hosts): " +
			"using the IN-MEMORY store; all data is LOST when this process exits")
	default:
		n.log.Info("connecting to ZooKeeper", "hosts", n.cfg.ZooKeeperHosts, "root_key", n.cfg.RootKey)
	}
	raw, err := n.cfg.OpenStore(ctx, n.cfg.ZooKeeperHosts)
	if err != nil && ctx.Err() != nil {
		// Told to stop while still connecting (SIGTERM with ZooKeeper
		// down): a clean exit, not a failure.
		n.log.Info("MidoNet Cluster stopped before connecting to the store", "cause", context.Cause(ctx))
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	store := instrumentConn(raw, n.reg)
	n.mu.Lock()
	n.store = store
	n.mu.Unlock()
	defer func() {
		if cerr := raw.Close(); cerr != nil {
			n.log.Warn("closing the store", "err", cerr)
		}
	}()

	var stops []namedStop
	defer func() {
		n.stopAll(stops)
	}()

	env := &Env{NodeID: n.cfg.NodeID, RootKey: n.cfg.RootKey, Store: store, InMemory: inMemory,
		Logger: n.log, Registry: n.reg}
	if n.cfg.RuntimeConfig {
		stopWatch, err := n.loadRuntimeConfig(ctx, env)
		if err != nil {
			return err
		}
		stops = append(stops, namedStop{"configuration watch", stopWatch})
	}
	env.Config = n.cfg
	failed := make(chan error, 1)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}
	for _, svc := range n.services(fail) {
		if svc.EnabledIf != nil {
			svc.Enabled = svc.EnabledIf(&n.cfg)
		}
		if svc.EnabledKey != "" {
			settings, err := env.Settings()
			if err == nil {
				svc.Enabled, err = settings.Bool(svc.EnabledKey)
			}
			if err != nil {
				return fmt.Errorf("service %s: %w: %w", svc.Name, ErrBadConfig, err)
			}
		}
		if !svc.Enabled {
			n.log.Info("cluster service is disabled", "service", svc.Name)
			continue
		}
		var stop func(context.Context) error
		if svc.Singleton {
			stop, err = n.startSingleton(ctx, svc, env)
		} else {
			n.log.Info("starting cluster service", "service", svc.Name)
			stop, err = svc.Start(ctx, env)
		}
		if err != nil {
			return fmt.Errorf("starting service %s: %w", svc.Name, err)
		}
		stops = append(stops, namedStop{svc.Name, stop})
		n.log.Info("started cluster service", "service", svc.Name)
	}
	close(n.ready)
	n.log.Info("MidoNet Cluster started")

	select {
	case <-ctx.Done():
		n.log.Info("MidoNet Cluster shutting down", "cause", context.Cause(ctx))
		return nil
	case err := <-failed:
		n.log.Error("cluster service failed; shutting down", "err", err)
		return err
	}
}

type namedStop struct {
	name string
	stop func(context.Context) error
}

func (n *Node) stopAll(stops []namedStop) {
	for _, s := range slices.Backward(stops) {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
		n.log.Info("stopping cluster service", "service", s.name)
		if err := s.stop(ctx); err != nil {
			n.log.Warn("stopping cluster service", "service", s.name, "err", err)
		}
		cancel()
	}
	if len(stops) > 0 {
		n.log.Info("MidoNet Cluster stopped")
	}
}

// services lists the built-in services in start order, then cfg.Services.
func (n *Node) services(fail func(error)) []Service {
	svcs := []Service{
		heartbeatService(n.cfg.Heartbeat),
		restAPIService(n, fail),
		// Last of the built-ins: others see the node once it serves, and
		// stopping (in reverse) unregisters it before the API drains.
		registrationService(n),
	}
	return append(svcs, n.cfg.Services...)
}

// startSingleton campaigns for svc.Name and runs svc while leading.
func (n *Node) startSingleton(ctx context.Context, svc Service, env *Env) (func(context.Context) error, error) {
	if n.cfg.Elect == nil {
		n.log.Warn("singleton service not started: no leader election configured", "service", svc.Name)
		return func(context.Context) error { return nil }, nil
	}
	latch := svc.Latch
	if latch == "" {
		latch = path.Join("cluster", "elections", svc.Name)
	}
	latch = path.Join(env.RootKey, latch)
	elector := n.cfg.Elect(env, path.Dir(latch))
	stop := goUntilStopped(ctx, func(cctx context.Context) {
		err := elector.Campaign(cctx, path.Base(latch), n.cfg.NodeID.String(), func(lctx context.Context) {
			n.log.Info("this node leads singleton service; starting it", "service", svc.Name)
			stop, err := svc.Start(lctx, env)
			if err != nil {
				n.log.Error("singleton service failed to start", "service", svc.Name, "err", err)
				return
			}
			<-lctx.Done()
			n.log.Info("leadership of singleton service ended; stopping it", "service", svc.Name)
			sctx, scancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
			defer scancel()
			if err := stop(sctx); err != nil {
				n.log.Warn("stopping singleton service", "service", svc.Name, "err", err)
			}
		})
		if err != nil && cctx.Err() == nil {
			n.log.Error("leader election ended", "service", svc.Name, "err", err)
		}
	})
	return func(sctx context.Context) error {
		if err := stop(sctx); err != nil {
			return fmt.Errorf("singleton %s: %w", svc.Name, err)
		}
		return nil
	}, nil
}
