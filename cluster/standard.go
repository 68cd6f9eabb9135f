package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/midonet/midonet-go/cluster/containers"
	"github.com/midonet/midonet-go/cluster/endpoint"
	"github.com/midonet/midonet-go/cluster/recycler"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/cluster/topologyapi"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/neutron"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/auth"
	"github.com/midonet/midonet-go/vxgw"
)

// useStandardBackends wires what c leaves unset to this repository's
// implementations: OpenStore to the in-memory store ("" hosts) or ZooKeeper
// (with ZooKeeperSessionTimeout, default zk.DefaultSessionTimeout), Elect to
// storage.Election, APIHandler to StandardAPI, and the standard services.
func (c *Config) useStandardBackends() {
	if c.OpenStore == nil {
		timeout, log := c.ZooKeeperSessionTimeout, c.Logger
		c.OpenStore = func(ctx context.Context, hosts string) (StoreConn, error) {
			if hosts == "" {
				return mem.NewServer().Connect(), nil
			}
			return zk.Connect(ctx, zk.Config{Servers: strings.Split(hosts, ","), SessionTimeout: timeout, Logger: log})
		}
	}
	if c.Elect == nil {
		c.Elect = func(env *Env, root string) Elector { return &storage.Election{Conn: env.Store, Root: root} }
	}
	if c.APIHandler == nil {
		c.APIHandler = StandardAPI
	}
	if !slices.ContainsFunc(c.Services, func(s Service) bool { return s.Name == "vxgw" }) {
		c.Services = append(c.Services, vxgwServices()...)
	}
	for _, svc := range AgentServices() {
		if !slices.ContainsFunc(c.Services, func(s Service) bool { return s.Name == svc.Name }) {
			c.Services = append(c.Services, svc)
		}
	}
}

// AgentServices are the services agents rely on, each switched by its
// cluster.<service>.enabled key in mn-conf: "containers" (one node at a
// time, under the reference's latch <root>/containers/leader-latch; see
// package containers), "recycler" (every node, see package recycler) and
// "endpoint" (every node: port 8888 with the topology cache when
// cluster.topology_cache.enabled, published in service discovery; see
// packages endpoint and discovery), "state-proxy" (every node: port 2346,
// published in service discovery; see package stateproxy) and
// "topology-api" (off by default as in the reference; TCP port 8088 with
// cluster.topology_api.socket_enabled, websocket port 8080 with ws_enabled;
// see package topologyapi).
func AgentServices() []Service {
	return []Service{
		{Name: "state-proxy", EnabledKey: "cluster.state_proxy.enabled", Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
			cfg, err := serviceConfig(env, stateproxy.ConfigFrom)
			if err != nil {
				return nil, err
			}
			st, err := env.ObjectStore(ctx)
			if err != nil {
				return nil, err
			}
			srv, err := stateproxy.Start(ctx, st, env.RootKey, cfg, env.Logger.With("service", "state-proxy"))
			if errors.Is(err, stateproxy.ErrNoAddress) {
				// As in the reference: a warning, and agents watch
				// ZooKeeper themselves.
				env.Logger.Warn("state proxy disabled: set cluster.state_proxy.server.address or .interface", "err", err)
				return func(context.Context) error { return nil }, nil
			}
			if err != nil {
				return nil, err
			}
			return srv.Stop, nil
		}},
		{Name: "topology-api", EnabledKey: "cluster.topology_api.enabled", Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
			cfg, err := serviceConfig(env, topologyapi.ConfigFrom)
			if err != nil {
				return nil, err
			}
			st, err := env.ObjectStore(ctx)
			if err != nil {
				return nil, err
			}
			// As the reference's netty server: every interface.
			srv, err := topologyapi.Start(ctx, st, "", cfg, env.Logger.With("service", "topology-api"))
			if err != nil {
				return nil, err
			}
			return srv.Stop, nil
		}},
		{Name: "endpoint", EnabledKey: "cluster.endpoint.enabled", Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
			cfg, err := serviceConfig(env, func(c *mnconf.Config) (endpoint.Config, error) {
				return endpoint.ConfigFrom(c, env.Config.KeystorePath, env.Config.KeystorePassword)
			})
			if err != nil {
				return nil, err
			}
			cacheOn, err := serviceConfig(env, func(c *mnconf.Config) (bool, error) { return c.Bool("cluster.topology_cache.enabled") })
			if err != nil {
				return nil, err
			}
			st, err := env.ObjectStore(ctx)
			if err != nil {
				return nil, err
			}
			var users []endpoint.User
			if cacheOn {
				users = append(users, endpoint.NewTopologyCache(env.Store, st.ZoomPath()))
			}
			srv, err := endpoint.Start(ctx, env.Store, env.RootKey, cfg, users, env.Logger.With("service", "endpoint"))
			if errors.Is(err, endpoint.ErrBind) {
				// As in the reference, the endpoint fails alone: the node
				// and its other services keep running.
				env.Logger.Error("endpoint service cannot start", "service", "endpoint", "err", err)
				return func(context.Context) error { return nil }, nil
			}
			if err != nil {
				return nil, err
			}
			return srv.Stop, nil
		}},
		{Name: "containers", EnabledKey: "cluster.containers.enabled", Singleton: true, Latch: containers.Latch,
			Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
				cfg, err := serviceConfig(env, containers.ConfigFrom)
				if err != nil {
					return nil, err
				}
				// Port bindings are written as the reference's
				// ClusterContainers owner.
				st, err := midonet.NewStore(ctx, env.Store, zoom.Options{Root: env.RootKey,
					Owner: zoom.OwnerClusterContainers, Logger: env.Logger})
				if err != nil {
					return nil, fmt.Errorf("object store: %w", err)
				}
				return runInBackground(ctx, env, func(ctx context.Context) error {
					return containers.Run(ctx, st, cfg, env.Logger.With("service", "containers"))
				}), nil
			}},
		{Name: "recycler", EnabledKey: "cluster.recycler.enabled", Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
			cfg, err := serviceConfig(env, recycler.ConfigFrom)
			if err != nil {
				return nil, err
			}
			st, err := env.ObjectStore(ctx)
			if err != nil {
				return nil, err
			}
			stop := runInBackground(ctx, env, func(ctx context.Context) error {
				return recycler.New(st, env.RootKey, cfg, env.Logger.With("service", "recycler")).Run(ctx)
			})
			return func(sctx context.Context) error {
				// A run in progress gets shutdown_timeout to notice.
				sctx, cancel := context.WithTimeout(sctx, cfg.ShutdownTimeout)
				defer cancel()
				return stop(sctx)
			}, nil
		}},
	}
}

// serviceConfig reads a service's settings from the node's mn-conf view.
func serviceConfig[T any](env *Env, read func(*mnconf.Config) (T, error)) (T, error) {
	var zero T
	settings, err := env.Settings()
	if err != nil {
		return zero, err
	}
	cfg, err := read(settings)
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	return cfg, nil
}

// vxgwServices are the VxLAN gateway, switched by cluster.vxgw.enabled: on
// every node, "vxgw" controls the VTEPs whose ownership this node wins
// (vxgw.RunService); on one node at a time, "vxgw-flooding-proxy" chooses
// the tunnel zones' flooding proxies under the reference's latch
// <root>/vxgw/fp-latch.
func vxgwServices() []Service {
	enabled := func(c *Config) bool { return c.VXGW.Enabled }
	return []Service{
		{Name: "vxgw", EnabledIf: enabled, Start: background(func(ctx context.Context, st *zoom.Store, env *Env) error {
			return vxgw.RunService(ctx, st, vxgw.ServiceOptions{NodeID: env.NodeID, Log: env.Logger.With("service", "vxgw")})
		})},
		{Name: "vxgw-flooding-proxy", EnabledIf: enabled, Singleton: true, Latch: "vxgw/fp-latch",
			Start: background(func(ctx context.Context, st *zoom.Store, env *Env) error {
				return vxgw.RunFloodingProxyManager(ctx, st, env.Logger.With("service", "vxgw-flooding-proxy"))
			})},
	}
}

// background adapts a function that runs until its context ends into a
// Service's Start: it runs in a goroutine, and stop cancels and waits.
func background(run func(ctx context.Context, st *zoom.Store, env *Env) error) func(context.Context, *Env) (func(context.Context) error, error) {
	return func(ctx context.Context, env *Env) (func(context.Context) error, error) {
		st, err := env.ObjectStore(ctx)
		if err != nil {
			return nil, err
		}
		return runInBackground(ctx, env, func(ctx context.Context) error { return run(ctx, st, env) }), nil
	}
}

// runInBackground runs run in a goroutine until the returned stop cancels
// it (and waits for it, within stop's context).
func runInBackground(ctx context.Context, env *Env, run func(ctx context.Context) error) func(context.Context) error {
	return goUntilStopped(ctx, func(rctx context.Context) {
		if err := run(rctx); err != nil && rctx.Err() == nil {
			env.Logger.Error("service stopped on its own", "err", err)
		}
	})
}

// goUntilStopped runs run in a goroutine on a context with ctx's values
// that only the returned stop cancels (a service outlives the start call's
// context); stop cancels it and waits for run to return, or answers its own
// context's error if that ends first.
func goUntilStopped(ctx context.Context, run func(ctx context.Context)) func(context.Context) error {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(rctx)
	}()
	return func(sctx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-sctx.Done():
			return sctx.Err()
		}
	}
}

// StandardAPI is the MidoNet REST API over the ZOOM object store on the
// node's connection, with the authentication cluster.auth.* selects (the
// reference's default is the mock provider, open to anyone), port tunnel
// keys from the counters JVM nodes share, and the request timeout of
// cluster.rest_api.request_timeout.
func StandardAPI(ctx context.Context, env *Env) (http.Handler, error) {
	store, err := env.ObjectStore(ctx)
	if err != nil {
		return nil, err
	}
	get := func(string) (string, bool) { return "", false }
	if env.Runtime != nil {
		get = env.Runtime.Get
	}
	authn, err := auth.FromConfig(ctx, get, env.Logger)
	if err != nil {
		return nil, err
	}
	api, err := restapi.NewHandler(restapi.NewZoomStore(store), authn, restapi.Options{
		RootPath:       env.Config.RestAPI.RootURI,
		Logger:         env.Logger,
		Middleware:     authn.Middleware,
		RequestTimeout: env.Config.RestAPI.RequestTimeout,
		MaxBodyBytes:   int64(env.Config.RestAPI.MaxBodySize),
		MaxStringBytes: env.Config.RestAPI.MaxStringSize,
		Sequences:      restapi.NewZoomSequences(store),
		StateTables:    restapi.NewZoomStateTables(store),
		NeutronNatPorts: neutron.NatPortRange{Start: env.Config.Translators.DynamicNatPortStart,
			End: env.Config.Translators.DynamicNatPortEnd},
	})
	if err != nil {
		return nil, err
	}
	conf := env.Conf
	if conf == nil {
		if conf, err = mnconf.Open(ctx, env.Store, env.RootKey, mnconf.WithLogger(env.Logger)); err != nil {
			return nil, fmt.Errorf("mn-conf: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(strings.TrimSuffix(env.Config.RestAPI.RootURI, "/")+"/conf/", authn.Middleware(confAPI(conf, env.Config.RestAPI.RootURI)))
	mux.Handle("/", api)
	return mux, nil
}
