// Package stateproxy is the cluster's State Proxy (the reference's
// "state-proxy" minion, cluster.state_proxy.*): agents connect over TCP
// (port 2346) and subscribe to state tables (bridge MAC and IPv4→MAC tables,
// router ARP tables, port peering tables...) instead of each watching
// ZooKeeper; they get the table as a snapshot, then relative updates.
//
// Wire: varint32-length-delimited ProxyRequest/ProxyResponse
// (state_api.proto). A SUBSCRIBE names the table by the JVM's class names
// (object, key and value class), the object id, the table name and its
// arguments; it is acknowledged with a subscription id (one counter for the
// server, from 1), then the table's entries come as SNAPSHOT batches of
// notify_batch_size entries (begin on the first, end on the last), then as
// RELATIVE updates (changed entries with their value, removed ones without),
// each with the table directory's version (its pzxid). Keys and values are
// encoded by class: MAC as data_64, IPv4Addr as data_32, UUID as 16 bytes,
// anything else as UTF-8 text. A table that does not exist, or a lost
// session, completes the subscription with NSDB_ERROR and ZooKeeper's code;
// stopping the server completes every subscription with SERVER_SHUTDOWN.
//
// As in the reference, one cache per table watches the table's directory
// from its first subscription on (so even a missing directory is told to a
// subscriber, after its ACK) and is shared by every subscription to it; it
// closes with its last subscription. No lock of the server is held across
// a ZooKeeper round trip: a table slow to answer holds up only its own
// subscribers. Each connection has a reader handling its requests in
// order and a writer draining its queue of answers and notifications, so a
// slow agent holds up nobody else (one that falls 65,536 messages behind
// is disconnected).
//
// The server binds as the reference decides (see Config) and publishes
// itself as "state-proxy" (address and port) in service discovery.
package stateproxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

// ServiceName is the proxy's name in service discovery.
const ServiceName = "state-proxy"

// Config is cluster.state_proxy.* (enabled is the node's business; the
// reference's thread and netty settings have no counterpart).
type Config struct {
	NotifyBatchSize int
	// InitialSubscriberQueueSize is the initial capacity of a connection's
	// queue of notifications waiting to be written.
	InitialSubscriberQueueSize int
	// ChannelTimeout bounds writing to a client (server.channel_timeout;
	// 0 = no bound).
	ChannelTimeout    time.Duration
	Address           string
	Interface         string
	Port              int
	BindRetryInterval time.Duration
}

// ConfigFrom reads cluster.state_proxy.* from an mn-conf view.
func ConfigFrom(c *mnconf.Config) (Config, error) {
	var cfg Config
	batch, err1 := c.Int("cluster.state_proxy.notify_batch_size")
	queue, err6 := c.Int("cluster.state_proxy.initial_subscriber_queue_size")
	var err7 error
	cfg.ChannelTimeout, err7 = c.Duration("cluster.state_proxy.server.channel_timeout")
	port, err2 := c.Int("cluster.state_proxy.server.port")
	var err3, err4, err5 error
	cfg.Address, err3 = c.String("cluster.state_proxy.server.address")
	cfg.Interface, err4 = c.String("cluster.state_proxy.server.interface")
	cfg.BindRetryInterval, err5 = c.Duration("cluster.state_proxy.server.bind_retry_interval")
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return Config{}, err
	}
	cfg.NotifyBatchSize, cfg.Port = int(batch), int(port)
	cfg.Address, cfg.Interface = strings.TrimSpace(cfg.Address), strings.TrimSpace(cfg.Interface)
	if queue < 0 || queue > maxQueued {
		return Config{}, fmt.Errorf("cluster.state_proxy.initial_subscriber_queue_size must be within 0..%d, got %d", maxQueued, queue)
	}
	cfg.InitialSubscriberQueueSize = int(queue)
	if batch > maxQueued {
		return Config{}, fmt.Errorf("cluster.state_proxy.notify_batch_size must be at most %d, got %d", maxQueued, batch)
	}
	if cfg.NotifyBatchSize <= 0 {
		return Config{}, fmt.Errorf("cluster.state_proxy.notify_batch_size must be positive, got %d", batch)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return Config{}, fmt.Errorf("cluster.state_proxy.server.port %d out of range", port)
	}
	return cfg, nil
}

// ErrNoAddress: the server has no address to bind by the reference's rules;
// the proxy stays disabled.
var ErrNoAddress = errors.New("state proxy: no single address to bind")

// bindAddress applies the reference's rules: an explicit address without
// an interface is used as is; with an interface, its single
// non-loopback, non-link-local IPv4 address (or the configured address if
// it is one of the interface's); by default, the host's single such
// address. None or several disable the server.
func bindAddress(cfg Config) (string, error) {
	explicit := cfg.Address != "" && cfg.Address != "0.0.0.0"
	if explicit && cfg.Interface == "" {
		return cfg.Address, nil
	}
	var addrs []net.Addr
	var err error
	if cfg.Interface != "" {
		ifc, ierr := net.InterfaceByName(cfg.Interface)
		if ierr != nil {
			return "", fmt.Errorf("%w: interface %s: %w", ErrNoAddress, cfg.Interface, ierr)
		}
		addrs, err = ifc.Addrs()
	} else {
		addrs, err = net.InterfaceAddrs()
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoAddress, err)
	}
	var candidates []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if explicit && ipn.IP.String() == cfg.Address {
			return cfg.Address, nil
		}
		candidates = append(candidates, ipn.IP.String())
	}
	if len(candidates) != 1 {
		return "", fmt.Errorf("%w: found %d candidate addresses %v", ErrNoAddress, len(candidates), candidates)
	}
	return candidates[0], nil
}

// Server is a running State Proxy.
type Server struct {
	st   *zoom.Store
	cfg  Config
	log  *slog.Logger
	subs atomic.Uint64 // the last subscription id given

	mu      sync.Mutex
	ln      net.Listener
	clients map[*client]struct{}
	caches  map[tableKey]*tableCache
	closed  bool
	reg     *discovery.Registration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start binds the proxy (retrying every BindRetryInterval while the address
// is taken) and serves tables of st; it registers in discovery under root.
// ErrNoAddress when the rules find no address.
func Start(ctx context.Context, st *zoom.Store, root string, cfg Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	addr, err := bindAddress(cfg)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{st: st, cfg: cfg, log: log, clients: map[*client]struct{}{}, caches: map[tableKey]*tableCache{},
		ctx: sctx, cancel: cancel}
	s.wg.Go(func() {
		var lc net.ListenConfig
		for {
			ln, err := lc.Listen(sctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(cfg.Port)))
			if err == nil {
				s.serve(ln, root)
				return
			}
			if cfg.BindRetryInterval <= 0 {
				log.Error("state proxy cannot bind; not retrying (bind_retry_interval 0)", "addr", addr, "err", err)
				return
			}
			log.Warn("state proxy cannot bind; retrying", "addr", addr, "in", cfg.BindRetryInterval, "err", err)
			select {
			case <-sctx.Done():
				return
			case <-time.After(cfg.BindRetryInterval):
			}
		}
	})
	return s, nil
}

// Addr is the bound address (nil before binding).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *Server) serve(ln net.Listener, root string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return
	}
	s.ln = ln
	s.mu.Unlock()
	tcp := ln.Addr().(*net.TCPAddr)
	reg, err := discovery.Register(s.ctx, s.st.Conn(), root, discovery.NewHostPort(ServiceName, tcp.IP.String(), tcp.Port), s.log)
	if err != nil {
		s.log.Warn("state proxy not registered in service discovery", "err", err)
	} else {
		s.mu.Lock()
		s.reg = reg
		s.mu.Unlock()
	}
	s.log.Info("state proxy listening", "addr", ln.Addr().String())
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		c := newClient(s, conn)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.clients[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(c.read)
		s.wg.Go(c.write)
	}
}

// Stop completes every subscription with SERVER_SHUTDOWN, closes the
// connections, unregisters from discovery and stops listening.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	ln, reg := s.ln, s.reg
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	var errs []error
	if reg != nil {
		errs = append(errs, reg.Unregister(ctx))
	}
	if ln != nil {
		ln.Close()
	}
	for _, c := range clients {
		c.shutdown()
	}
	s.mu.Lock()
	caches := make([]*tableCache, 0, len(s.caches))
	for _, c := range s.caches {
		caches = append(caches, c)
	}
	s.mu.Unlock()
	for _, c := range caches {
		c.close(nil)
	}
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range clients {
			c.conn.Close()
		}
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

func (s *Server) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// cache returns the open cache of a table, making one for the directory
// path if need be. Nothing here waits for the store: the server's lock is
// never held across a ZooKeeper round trip (the cache's first subscriber
// starts its watch).
func (s *Server) cache(key tableKey, path string, keyEnc, valEnc encoder) (*tableCache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, &requestError{code: models.ProxyResponse_Error_SERVER_SHUTDOWN, description: "Server shutting down"}
	}
	if c, ok := s.caches[key]; ok {
		return c, nil
	}
	c := newCache(s.ctx, s.st.Conn(), key, path, keyEnc, valEnc, s.cfg.NotifyBatchSize, s.dropCache)
	s.caches[key] = c
	return c, nil
}

func (s *Server) dropCache(c *tableCache) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.caches[c.key] == c {
		delete(s.caches, c.key)
	}
}
