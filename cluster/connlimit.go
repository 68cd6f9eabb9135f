package cluster

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit caps the connections the REST API's servers keep open
// (cluster.rest_api.max_connections, HTTP and HTTPS together). At the cap a
// new connection makes room by closing the connection idle the longest: one
// kept alive between requests, or one still sending its first request
// header (a slow-header client). When every connection is busy with a
// request the new one is closed instead. So idle clients cannot lock out a
// working one, and the server's descriptors stay bounded.
//
// Victims close in the background (a TLS close may wait on the peer), so the
// count can pass the cap by the closes still under way.
type connLimit struct {
	max int

	mu   sync.Mutex
	open int
	// idle holds the connections, as the http.Server sees them (the TLS
	// connection for HTTPS), that carry no request, with when they became so.
	idle map[net.Conn]time.Time
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, idle: map[net.Conn]time.Time{}}
}

// listen wraps a raw TCP listener (under any TLS layer).
func (l *connLimit) listen(inner net.Listener) net.Listener {
	return &limitedListener{Listener: inner, limit: l}
}

// track is the http.Server's ConnState hook.
func (l *connLimit) track(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateNew, http.StateIdle:
		l.idle[c] = time.Now()
	default:
		delete(l.idle, c)
	}
}

// admit counts a new connection; false means it must be refused.
func (l *connLimit) admit() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open >= l.max {
		var victim net.Conn
		var since time.Time
		for c, t := range l.idle {
			if victim == nil || t.Before(since) {
				victim, since = c, t
			}
		}
		if victim == nil {
			return false
		}
		delete(l.idle, victim)
		go victim.Close()
	}
	l.open++
	return true
}

func (l *connLimit) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

type limitedListener struct {
	net.Listener
	limit *connLimit
}

func (ll *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !ll.limit.admit() {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, limit: ll.limit}, nil
	}
}

// countedConn gives its slot back on the first Close.
type countedConn struct {
	net.Conn
	limit *connLimit
	once  sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.limit.release)
	return err
}
