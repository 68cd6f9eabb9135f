// Package topologyapi is the cluster's Topology API (the reference's
// "topology-api" minion, cluster.topology_api.*, off by default): clients
// read and follow topology objects of the object store over TCP
// (socket_enabled, port 8088) instead of watching ZooKeeper.
//
// Wire: varint32-length-delimited Request/Response (topology_api.proto).
// A connection first sends a handshake naming its session (cnxn_id); until
// then anything else is ignored. The handshake is acknowledged directly;
// a session already in use by another connection, or a resume seqno the
// session's buffer no longer (or not yet) holds, is refused with NACK
// "handshake rejected: <id>" and the connection closed. Then:
//
//   - get type+id: UPDATE with the object, or NACK "not found: ...";
//   - get type: SNAPSHOT with the ids of every object of the type;
//   - get+subscribe: ACK, then UPDATE now and on every change, DELETION when
//     the object goes (a missing object: ERROR "not found"); without id,
//     every object of the type, present and future; the same subscription
//     again is a REDIRECT to the first request;
//   - unsubscribe: ACK (also when nothing was subscribed);
//   - bye: the session ends and the connection is closed, without answer;
//   - a type the API does not serve: NACK "invalid type".
//
// The subscriptions of every session to one object (or one class) share
// one watch of the store, as the reference's ZOOM observables do: a change
// is read once and fanned out; a session subscribing later gets the
// current value first.
//
// A frame that is not a Request with its required fields set (or is over
// 64 KiB) closes the connection; the session stays.
//
// Everything but the handshake's answer goes through the session's ring
// buffer (session_buffer_size, rounded up to a power of two) and carries
// its index there as seqno. A session outlives its connection by
// session_grace_period, its subscriptions still running: a handshake with
// the same cnxn_id and the last seqno seen resumes it, replaying from that
// seqno inclusive. (The reference's front end never detaches a dropped
// connection from its session, so its resume fails; this follows the
// protocol's intent, as its SessionInventory tests do.) A client that falls
// a whole buffer behind loses its connection.
//
// The websocket front end (ws_enabled, ws_port 8080) accepts the RFC 6455
// upgrade at ws_path only and carries the same varint-delimited byte stream
// in binary frames (at most 64 KiB each, as the reference's aggregation).
package topologyapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
	"golang.org/x/net/websocket"
)

// Config is cluster.topology_api.* (enabled is the node's business).
type Config struct {
	SocketEnabled bool
	Port          int
	WSEnabled     bool
	WSPort        int
	WSPath        string
	// GracePeriod is how long a session outlives its connection.
	GracePeriod time.Duration
	// BufferSize is the number of responses a session keeps for replay and
	// for a slow client (rounded up to a power of two).
	BufferSize int
}

// maxBuffer bounds session_buffer_size: each session allocates its ring.
const maxBuffer = 1 << 20

// ConfigFrom reads cluster.topology_api.* from an mn-conf view.
func ConfigFrom(c *mnconf.Config) (Config, error) {
	var cfg Config
	var errs [7]error
	cfg.SocketEnabled, errs[0] = c.Bool("cluster.topology_api.socket_enabled")
	port, e1 := c.Int("cluster.topology_api.port")
	cfg.WSEnabled, errs[2] = c.Bool("cluster.topology_api.ws_enabled")
	wsPort, e3 := c.Int("cluster.topology_api.ws_port")
	cfg.WSPath, errs[4] = c.String("cluster.topology_api.ws_path")
	cfg.GracePeriod, errs[5] = c.Duration("cluster.topology_api.session_grace_period")
	buf, e6 := c.Int("cluster.topology_api.session_buffer_size")
	errs[1], errs[3], errs[6] = e1, e3, e6
	if err := errors.Join(errs[:]...); err != nil {
		return Config{}, err
	}
	if port < 0 || port > 65535 {
		return Config{}, fmt.Errorf("cluster.topology_api.port %d out of range", port)
	}
	if wsPort < 0 || wsPort > 65535 {
		return Config{}, fmt.Errorf("cluster.topology_api.ws_port %d out of range", wsPort)
	}
	if buf <= 0 || buf > maxBuffer {
		return Config{}, fmt.Errorf("cluster.topology_api.session_buffer_size must be within 1..%d, got %d", maxBuffer, buf)
	}
	if cfg.GracePeriod < 0 {
		return Config{}, fmt.Errorf("cluster.topology_api.session_grace_period must not be negative, got %s", cfg.GracePeriod)
	}
	cfg.Port, cfg.WSPort, cfg.BufferSize = int(port), int(wsPort), 1<<bits.Len(uint(buf-1))
	return cfg, nil
}

// Server is a running Topology API.
type Server struct {
	st  *zoom.Store
	cfg Config
	log *slog.Logger
	inv *inventory

	mu     sync.Mutex
	ln     net.Listener
	ws     *http.Server
	wsLn   net.Listener
	conns  map[net.Conn]struct{}
	closed bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start serves st's topology on the TCP port when cfg.SocketEnabled and on
// the websocket port when cfg.WSEnabled (addr is the host to bind, "" for
// all).
func Start(ctx context.Context, st *zoom.Store, addr string, cfg Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{st: st, cfg: cfg, log: log, conns: map[net.Conn]struct{}{}, ctx: sctx, cancel: cancel}
	s.inv = newInventory(sctx, st, cfg, log)
	if !cfg.SocketEnabled && !cfg.WSEnabled {
		log.Warn("topology API enabled with no front end (cluster.topology_api.socket_enabled and ws_enabled are false)")
		return s, nil
	}
	var lc net.ListenConfig
	if cfg.SocketEnabled {
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(cfg.Port)))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("topology API: %w", err)
		}
		s.ln = ln
		log.Info("topology API listening", "addr", ln.Addr().String())
		s.wg.Go(func() { s.serve(ln) })
	}
	if cfg.WSEnabled {
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(cfg.WSPort)))
		if err != nil {
			if s.ln != nil {
				s.ln.Close()
			}
			cancel()
			return nil, fmt.Errorf("topology API websocket: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle(cfg.WSPath, websocket.Server{Handler: func(ws *websocket.Conn) {
			ws.PayloadType = websocket.BinaryFrame
			ws.MaxPayloadBytes = maxFrame
			s.handle(ws)
		}})
		s.wsLn, s.ws = ln, &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
		log.Info("topology API websocket listening", "addr", ln.Addr().String(), "path", cfg.WSPath)
		s.wg.Go(func() { s.ws.Serve(ln) })
	}
	return s, nil
}

// WSAddr is the websocket front end's address (nil without it).
func (s *Server) WSAddr() net.Addr {
	if s.wsLn == nil {
		return nil
	}
	return s.wsLn.Addr()
}

// Addr is the TCP address served (nil without socket).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *Server) serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.handle(conn) })
	}
}

// handle runs one connection of either front end until it ends.
func (s *Server) handle(conn net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.conns[conn] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()
	serveConn(s.ctx, s.inv, conn, s.log)
}

// Stop closes the listener and every connection and ends every session.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if s.ln != nil {
		s.ln.Close()
	}
	if s.ws != nil {
		s.ws.Close()
	}
	s.inv.closeAll()
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
