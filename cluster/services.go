package cluster

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/midonet/midonet-go/cluster/internal/session"
	"github.com/midonet/midonet-go/internal/version"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/restapi/keystore"
)

// NodesPath is where live cluster nodes register, one ephemeral znode each
// named by node id (ours: the JVM cluster has no such registry).
func NodesPath(rootKey string) string { return path.Join(rootKey, "cluster", "nodes") }

// NodeInfo is the JSON content of a node's registration znode.
type NodeInfo struct {
	NodeID    string    `json:"node_id"`
	Hostname  string    `json:"hostname"`
	PID       int       `json:"pid"`
	HTTP      string    `json:"http,omitempty"`
	HTTPS     string    `json:"https,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Version   string    `json:"version"`
	Commit    string    `json:"commit,omitempty"`
}

// ErrNodeIDInUse: another live session holds this node id's registration.
var ErrNodeIDInUse = errors.New("node id already registered by another live session")

// ensurePath creates p and its ancestors as persistent empty nodes.
func ensurePath(ctx context.Context, c StoreConn, p string) error {
	cur := ""
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		cur += "/" + part
		if _, err := c.Create(ctx, cur, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			return fmt.Errorf("creating %s: %w", cur, err)
		}
	}
	return nil
}

// registrationService publishes the node as an ephemeral znode so that other
// nodes and operators see it, re-creating it after a session expiry.
func registrationService(n *Node) Service {
	return Service{Name: "registration", Enabled: true, Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
		dir := NodesPath(env.RootKey)
		self := path.Join(dir, env.NodeID.String())
		host, _ := os.Hostname()
		build := version.Get()
		info := NodeInfo{NodeID: env.NodeID.String(), Hostname: host, PID: os.Getpid(), StartedAt: time.Now().UTC(),
			Version: build.Version, Commit: build.Commit}
		if a := n.HTTPAddr(); a != nil {
			info.HTTP = a.String()
		}
		if a := n.HTTPSAddr(); a != nil {
			info.HTTPS = a.String()
		}
		data, err := json.Marshal(info)
		if err != nil {
			return nil, err
		}
		register := func(ctx context.Context) error {
			if err := ensurePath(ctx, env.Store, dir); err != nil {
				return err
			}
			for range 3 {
				_, err := env.Store.Create(ctx, self, data, storage.Ephemeral)
				if !errors.Is(err, storage.ErrNodeExists) {
					return err
				}
				old, st, err := env.Store.Get(ctx, self)
				if errors.Is(err, storage.ErrNoNode) {
					continue // its session just ended
				}
				if err != nil {
					return err
				}
				if st.EphemeralOwner == env.Store.SessionID() {
					return nil
				}
				// A registration of this host whose session has not expired
				// yet is this host's previous process (crashed, restarted by
				// systemd within the session timeout): take it over. Another
				// host with our id (a cloned host id file) is refused.
				var prev NodeInfo
				if json.Unmarshal(old, &prev) != nil || prev.Hostname != host {
					return fmt.Errorf("%s (held by host %q, pid %d): %w", self, prev.Hostname, prev.PID, ErrNodeIDInUse)
				}
				env.Logger.Warn("replacing the registration left by this host's previous process", "pid", prev.PID,
					"started_at", prev.StartedAt)
				if err := env.Store.Delete(ctx, self, st.Version); err != nil && !errors.Is(err, storage.ErrNoNode) &&
					!errors.Is(err, storage.ErrBadVersion) {
					return err
				}
			}
			return fmt.Errorf("%s: %w", self, ErrNodeIDInUse)
		}
		stopKeeping, err := session.Keep(ctx, env.Store, register, func(err error) {
			env.Logger.Error("re-registering node after session expiry", "err", err)
		}, func() {
			env.Logger.Info("node re-registered after session expiry", "path", self)
		})
		if err != nil {
			return nil, err
		}
		env.Logger.Info("node registered", "path", self)

		return func(sctx context.Context) error {
			stopKeeping()
			err := env.Store.Delete(sctx, self, storage.AnyVersion)
			if errors.Is(err, storage.ErrNoNode) || errors.Is(err, storage.ErrClosed) {
				return nil
			}
			return err
		}, nil
	}}
}

// heartbeatService is cluster.heartbeat: a periodic beat, logged and counted.
func heartbeatService(cfg HeartbeatConfig) Service {
	return Service{Name: "heartbeat", Enabled: cfg.Enabled, Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
		if cfg.Period <= 0 {
			return nil, fmt.Errorf("%w: cluster.heartbeat.period must be positive, got %v", ErrBadConfig, cfg.Period)
		}
		beats := prometheus.NewCounter(prometheus.CounterOpts{
			Name: "midonet_cluster_heartbeat_beats_total", Help: "Heartbeats of this cluster node."})
		if err := env.Registry.Register(beats); err != nil {
			return nil, err
		}
		hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		var wg sync.WaitGroup
		wg.Go(func() {
			t := time.NewTicker(cfg.Period)
			defer t.Stop()
			for {
				beats.Inc()
				env.Logger.Debug("Beat")
				select {
				case <-hctx.Done():
					return
				case <-t.C:
				}
			}
		})
		return func(context.Context) error {
			cancel()
			wg.Wait()
			env.Registry.Unregister(beats)
			return nil
		}, nil
	}}
}

// restAPIService serves the REST API with /health and /metrics on HTTP and,
// when possible, HTTPS.
func restAPIService(n *Node, fail func(error)) Service {
	cfg := n.cfg.RestAPI
	return Service{Name: "rest-api", Enabled: cfg.Enabled, Start: func(ctx context.Context, env *Env) (func(context.Context) error, error) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if st := env.Store.State(); st != storage.Connected {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "storage %s\n", st)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		mux.Handle("GET /metrics", promhttp.HandlerFor(env.Registry, promhttp.HandlerOpts{Registry: env.Registry}))
		if n.cfg.APIHandler != nil {
			api, err := n.cfg.APIHandler(ctx, env)
			if err != nil {
				return nil, fmt.Errorf("building the REST API: %w", err)
			}
			root := strings.TrimSuffix(cfg.RootURI, "/")
			mux.Handle(root, api)
			mux.Handle(root+"/", api)
		} else {
			env.Logger.Warn("no REST API handler wired in; serving only /health and /metrics", "root_uri", cfg.RootURI)
		}
		handler, err := instrumentHandler(mux, env.Registry)
		if err != nil {
			return nil, err
		}

		env.Logger.Info("starting REST API service", "http", hostPort(cfg.HTTPHost, cfg.HTTPPort),
			"https", hostPort(cfg.HTTPSHost, cfg.HTTPSPort), "root_uri", cfg.RootURI)
		var servers []*http.Server
		var wg sync.WaitGroup
		limit := newConnLimit(cfg.MaxConnections)
		serve := func(l net.Listener, scheme string, idle time.Duration) {
			// Every phase of a connection is bounded: the header, the whole
			// request, the answer (a client that never reads), the idle time.
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
				WriteTimeout: cfg.WriteTimeout, IdleTimeout: idle, ConnState: limit.track,
				BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
			servers = append(servers, srv)
			wg.Go(func() {
				if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
					fail(fmt.Errorf("%s server on %s: %w", scheme, l.Addr(), err))
				}
			})
		}
		var lc net.ListenConfig
		hl, err := lc.Listen(ctx, "tcp", hostPort(cfg.HTTPHost, cfg.HTTPPort))
		if err != nil {
			return nil, fmt.Errorf("HTTP listener: %w", err)
		}
		hl = limit.listen(hl)
		tlsCfg, why := n.httpsTLSConfig()
		var sl net.Listener
		if tlsCfg != nil {
			raw, err := lc.Listen(ctx, "tcp", hostPort(cfg.HTTPSHost, cfg.HTTPSPort))
			if err != nil {
				hl.Close()
				return nil, fmt.Errorf("HTTPS listener: %w", err)
			}
			sl = tls.NewListener(limit.listen(raw), tlsCfg)
		} else {
			env.Logger.Warn("HTTPS disabled: "+why, "keystore", n.cfg.KeystorePath)
		}
		n.mu.Lock()
		n.httpAddr = hl.Addr()
		if sl != nil {
			n.httpsAddr = sl.Addr()
		}
		n.httpsWhy = why
		n.mu.Unlock()
		serve(hl, "HTTP", cfg.HTTPIdleTimeout)
		if sl != nil {
			serve(sl, "HTTPS", cfg.HTTPSIdleTimeout)
		}
		env.Logger.Info("REST API listening", "http", hl.Addr().String(), "https", addrString(sl))

		return func(sctx context.Context) error {
			var errs []error
			for _, s := range servers {
				// Shutdown stops accepting and waits for in-flight requests.
				if err := s.Shutdown(sctx); err != nil {
					errs = append(errs, err, s.Close())
				}
			}
			wg.Wait()
			return errors.Join(errs...)
		}, nil
	}}
}

// httpsTLSConfig decides whether HTTPS runs, as the reference does, plus an
// unset password (the reference would try a null password and fail later).
func (n *Node) httpsTLSConfig() (*tls.Config, string) {
	c := n.cfg
	switch {
	case c.RestAPI.HTTPSPort <= 0:
		return nil, "cluster.rest_api.https_port is not positive"
	case !c.KeystorePasswordSet:
		return nil, "no key store password set (midonet.keystore_password)"
	}
	cert, err := keystore.LoadFile(c.KeystorePath, c.KeystorePassword, keystore.Options{})
	if err != nil {
		return nil, fmt.Sprintf("key store not usable: %v", err)
	}
	n.log.Info("HTTPS key store loaded", "keystore", c.KeystorePath, "subject", cert.Leaf.Subject.String(),
		"not_after", cert.Leaf.NotAfter)
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: tls12Suites()}, ""
}

// tls12Suites are the TLS 1.2 suites offered: forward-secret AEAD only. Go's
// defaults add two ECDHE CBC-SHA1 suites, which scanners flag. (TLS 1.3
// suites are not configurable and are all AEAD.)
func tls12Suites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
}

func hostPort(host string, port int) string {
	if host == "0.0.0.0" || host == "*" {
		host = "" // all interfaces, IPv4 and IPv6
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func addrString(l net.Listener) string {
	if l == nil {
		return "off"
	}
	return l.Addr().String()
}
