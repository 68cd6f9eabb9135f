// Package memtest opens test sessions on the in-memory backend, the
// counterpart of zktest.Backend for package mem.
package memtest

import (
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// Backend opens sessions on one mem.Server, shared by every test that uses
// the Backend (as the ZooKeeper tests share one server). It implements
// storagetest.Backend.
type Backend struct{ srv *mem.Server }

// NewBackend returns a Backend on a new, empty mem.Server.
func NewBackend() *Backend { return &Backend{srv: mem.NewServer()} }

// Connect opens a new session, closed when the test ends. The result is a
// *mem.Conn.
func (b *Backend) Connect(t testing.TB) storage.Conn {
	c := b.srv.Connect()
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Expire expires the session of c (opened on this Backend's server): its
// ephemerals are deleted and its watches end with storage.ErrSessionExpired.
func (b *Backend) Expire(t testing.TB, c storage.Conn) {
	b.memConn(t, c).Expire()
}

func (b *Backend) memConn(t testing.TB, c storage.Conn) *mem.Conn {
	mc, ok := c.(*mem.Conn)
	if !ok {
		t.Fatalf("memtest: a %T, want *mem.Conn", c)
	}
	return mc
}

// Disconnect cuts c off (mem.Conn.Disconnect); it implements
// storagetest.Disconnector.
func (b *Backend) Disconnect(t testing.TB, c storage.Conn) { b.memConn(t, c).Disconnect() }

// Reconnect ends a Disconnect of c.
func (b *Backend) Reconnect(t testing.TB, c storage.Conn) { b.memConn(t, c).Reconnect() }
