package midonet_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
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

// TestReadYourWritesOnFollower: checkReadYourWrites with the writing
// store's session on the leader of a 3-server ensemble and the reading
// store's on a follower, which applies the leader's writes after it
// acknowledged them.
func TestReadYourWritesOnFollower(t *testing.T) {
	ens := zktest.StartEnsemble(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	leader := ens.WaitLeader(time.Minute)
	if leader < 0 {
		t.Fatal("no leader within a minute")
	}
	open := func(member int) *zoom.Store {
		c, err := zk.Connect(ctx, zk.Config{Servers: []string{ens.Addrs()[member]}, SessionTimeout: 20 * time.Second, Logger: zkLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		st, err := midonet.NewStore(ctx, c, zoom.Options{Root: "/ryw"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	writer := open(leader)
	reader := open((leader + 1) % 3)
	checkReadYourWrites(t, ctx, writer, reader, 100)
}
