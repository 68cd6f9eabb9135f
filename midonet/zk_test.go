package midonet_test

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// newZKBackend opens sessions on the package's shared ZooKeeper server,
// each through its own proxy so that Expire can cut exactly one session off.
// The session timeout keeps expiry tests short while staying well above the
// ping interval on a loaded machine.
func newZKBackend(t testing.TB) *zktest.Backend {
	b := zktest.NewBackend(zktest.Shared(t).Addr())
	b.SessionTimeout = 4 * time.Second
	b.Logger = zkLogger()
	return b
}

func zkLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func TestStoreZK(t *testing.T) { runSuite(t, newZKBackend(t), storeSuite()) }
