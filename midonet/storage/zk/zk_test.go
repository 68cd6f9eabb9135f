package zk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// eventTimeout bounds every wait for an event.
const eventTimeout = 30 * time.Second

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newBackend opens sessions on the package's shared server, each through
// its own proxy so that a test can cut off or expire exactly one.
func newBackend(t testing.TB) *zktest.Backend {
	return zktest.NewBackend(zktest.Shared(t).Addr())
}

// root creates a fresh root for the test.
func root(t *testing.T, c storage.Conn) string {
	t.Helper()
	p := "/zk-" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + fmt.Sprintf("-%d", time.Now().UnixNano())
	if _, err := c.Create(testCtx(t), p, nil, storage.Persistent); err != nil {
		t.Fatalf("create root: %v", err)
	}
	return p
}

func TestErrorsMapToStorageErrors(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, c)
	if _, err := c.Create(ctx, r+"/e", nil, storage.Ephemeral); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, r+"/full", nil, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, r+"/full/kid", nil, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"get missing", func() error { _, _, err := c.Get(ctx, r+"/missing"); return err }, storage.ErrNoNode},
		{"children missing", func() error { _, _, err := c.Children(ctx, r+"/missing"); return err }, storage.ErrNoNode},
		{"create existing", func() error { _, err := c.Create(ctx, r+"/e", nil, storage.Persistent); return err }, storage.ErrNodeExists},
		{"create orphan", func() error { _, err := c.Create(ctx, r+"/no/kid", nil, storage.Persistent); return err }, storage.ErrNoNode},
		{"child of ephemeral", func() error { _, err := c.Create(ctx, r+"/e/kid", nil, storage.Persistent); return err }, storage.ErrNoChildrenForEphemerals},
		{"set bad version", func() error { _, err := c.Set(ctx, r+"/e", nil, 7); return err }, storage.ErrBadVersion},
		{"delete bad version", func() error { return c.Delete(ctx, r+"/e", 7) }, storage.ErrBadVersion},
		{"delete non-empty", func() error { return c.Delete(ctx, r+"/full", storage.AnyVersion) }, storage.ErrNotEmpty},
		{"bad path", func() error { _, _, err := c.Get(ctx, "no/slash"); return err }, storage.ErrBadArguments},
		{"bad mode", func() error { _, err := c.Create(ctx, r+"/m", nil, storage.CreateMode(42)); return err }, storage.ErrBadArguments},
	}
	for _, tc := range tests {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestMultiNamesFailingOp(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, c)
	ops := []storage.Op{
		storage.CreateOp(r+"/a", []byte("a"), storage.Persistent),
		storage.CreateOp(r+"/s-", nil, storage.PersistentSequential),
		storage.SetOp(r+"/a", []byte("a2"), 0),
		storage.CheckOp(r+"/a", 1),
	}
	res, err := c.Multi(ctx, ops...)
	if err != nil {
		t.Fatalf("multi: %v", err)
	}
	if res[0].Path != r+"/a" || res[1].Path != r+"/s-0000000001" || res[2].Stat.Version != 1 || res[3].Path != r+"/a" {
		t.Fatalf("multi results %+v", res)
	}
	for i, tc := range []struct {
		ops  []storage.Op
		idx  int
		want error
	}{
		{[]storage.Op{storage.CreateOp(r+"/b", nil, storage.Persistent), storage.SetOp(r+"/a", nil, 0)}, 1, storage.ErrBadVersion},
		{[]storage.Op{storage.CreateOp(r+"/b", nil, storage.Persistent), storage.CreateOp(r+"/b", nil, storage.Persistent)}, 1, storage.ErrNodeExists},
		{[]storage.Op{storage.CheckOp(r+"/missing", storage.AnyVersion)}, 0, storage.ErrNoNode},
		{[]storage.Op{storage.CreateOp(r+"/b", nil, storage.Persistent), storage.DeleteOp(r, storage.AnyVersion), storage.SetOp(r+"/a", nil, 5)}, 1, storage.ErrNotEmpty},
		{[]storage.Op{storage.CreateOp(r+"/b", nil, storage.Persistent), storage.CreateOp("bad", nil, storage.Persistent)}, 1, storage.ErrBadArguments},
	} {
		_, err := c.Multi(ctx, tc.ops...)
		var me *storage.MultiError
		if !errors.As(err, &me) || me.Index != tc.idx || !errors.Is(err, tc.want) {
			t.Errorf("case %d: error %v, want a MultiError at op %d with %v", i, err, tc.idx, tc.want)
		}
		if _, ok, _ := c.Exists(ctx, r+"/b"); ok {
			t.Fatalf("case %d: a failed multi left %s/b behind", i, r)
		}
	}
}

func TestWatchesSurviveDisconnection(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	other := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, other)
	nodeCh, err := c.WatchNode(ctx, r+"/n")
	if err != nil {
		t.Fatal(err)
	}
	if ev := storagetest.Next(t, nodeCh, eventTimeout, "initial"); ev.Exists || ev.Err != nil {
		t.Fatalf("initial event %+v; want a missing node", ev)
	}
	sessions := c.SessionEvents(ctx)
	sid := c.SessionID()

	proxy := b.Proxy(c)
	proxy.Block()
	if ev := storagetest.Next(t, sessions, eventTimeout, "session events"); ev.State != storage.Disconnected {
		t.Fatalf("session event %+v; want disconnected", ev)
	}
	if _, _, err := c.Get(ctx, r); !errors.Is(err, storage.ErrConnectionLoss) {
		t.Fatalf("get while disconnected: %v; want ErrConnectionLoss", err)
	}
	if _, err := other.Create(ctx, r+"/n", []byte("while away"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	proxy.Unblock()
	if ev := storagetest.Next(t, sessions, eventTimeout, "session events"); ev.State != storage.Connected || ev.SessionID != sid {
		t.Fatalf("session event %+v; want connected to session %x again", ev, sid)
	}
	if ev := storagetest.Next(t, nodeCh, eventTimeout, "change while disconnected"); !ev.Exists || !bytes.Equal(ev.Data, []byte("while away")) {
		t.Fatalf("event %+v; want the node created while disconnected", ev)
	}
}

func TestExpiryEndsWatchesAndOpensNewSession(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	other := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, other)
	eph, err := c.Create(ctx, r+"/e", nil, storage.Ephemeral)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := c.WatchChildren(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if ev := storagetest.Next(t, kids, eventTimeout, "initial children"); len(ev.Children) != 1 {
		t.Fatalf("initial children %+v", ev)
	}
	sessions := c.SessionEvents(ctx)
	oldID := c.SessionID()

	b.Expire(t, c)

	var states []storage.SessionState
	for {
		ev := storagetest.Next(t, sessions, eventTimeout, "session events")
		states = append(states, ev.State)
		if ev.State == storage.Connected {
			if ev.SessionID == 0 || ev.SessionID == oldID || ev.SessionID != c.SessionID() {
				t.Fatalf("new session %x (old %x, current %x)", ev.SessionID, oldID, c.SessionID())
			}
			break
		}
	}
	if fmt.Sprint(states) != "[disconnected expired connected]" {
		t.Errorf("session states %v; want [disconnected expired connected]", states)
	}
	var last storage.ChildrenEvent
	for ev := range kids {
		last = ev
	}
	if !errors.Is(last.Err, storage.ErrSessionExpired) {
		t.Errorf("children watch ended with %+v; want ErrSessionExpired", last)
	}
	if _, ok, err := other.Exists(ctx, eph); ok || err != nil {
		t.Errorf("ephemeral of the expired session: exists %v, %v", ok, err)
	}
	p, err := c.Create(ctx, r+"/again", nil, storage.Ephemeral)
	if err != nil {
		t.Fatalf("create on the new session: %v", err)
	}
	if _, st, err := other.Get(ctx, p); err != nil || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("ephemeral of the new session: %+v, %v", st, err)
	}
}

func TestConnectGivesUpWithItsContext(t *testing.T) {
	// A proxy to a closed port accepts connections and drops them at once,
	// so the client never gets a session.
	addr := zktest.NewProxy(t, "127.0.0.1:1").Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, zk.Config{Servers: []string{addr}, SessionTimeout: 5 * time.Second})
	if err == nil {
		c.Close()
		t.Fatal("connected to a server that does not answer")
	}
	if !errors.Is(err, storage.ErrConnectionLoss) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v; want ErrConnectionLoss and the context's deadline", err)
	}
	if _, err := zk.Connect(context.Background(), zk.Config{}); !errors.Is(err, storage.ErrBadArguments) {
		t.Fatalf("connect without servers: %v; want ErrBadArguments", err)
	}
}

// TestOversizedRequestsFailCleanly: ZooKeeper answers a request over its
// 1 MiB limit by dropping the connection; the backend refuses it instead.
func TestOversizedRequestsFailCleanly(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, c)
	big := make([]byte, zk.MaxRequestBytes)
	if _, err := c.Create(ctx, r+"/big", big, storage.Persistent); !errors.Is(err, storage.ErrBadArguments) {
		t.Errorf("create of %d bytes: %v; want ErrBadArguments", len(big), err)
	}
	if _, err := c.Create(ctx, r+"/n", nil, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, r+"/n", big, storage.AnyVersion); !errors.Is(err, storage.ErrBadArguments) {
		t.Errorf("set of %d bytes: %v; want ErrBadArguments", len(big), err)
	}
	half := make([]byte, zk.MaxRequestBytes/2)
	_, err := c.Multi(ctx,
		storage.CreateOp(r+"/a", half, storage.Persistent),
		storage.CreateOp(r+"/b", half, storage.Persistent))
	var me *storage.MultiError
	if !errors.As(err, &me) || me.Index != 1 || !errors.Is(err, storage.ErrBadArguments) {
		t.Errorf("multi of two halves of the limit: %v; want ErrBadArguments at op 1", err)
	}
	// The connection survived, and a request just under the limit works.
	if st := c.State(); st != storage.Connected {
		t.Fatalf("state after refused requests: %v", st)
	}
	if _, err := c.Set(ctx, r+"/n", big[:zk.MaxRequestBytes-len(r)-len("/n")], storage.AnyVersion); err != nil {
		t.Fatalf("set just under the limit: %v", err)
	}
}

// TestCloseWhileDisconnected: shutting down during a network problem is
// prompt and ends watches with ErrClosed; the server later expires the
// session it could not be told about.
func TestCloseWhileDisconnected(t *testing.T) {
	b := newBackend(t)
	c := b.Connect(t)
	other := b.Connect(t)
	ctx := testCtx(t)
	r := root(t, other)
	eph, err := c.Create(ctx, r+"/e", nil, storage.Ephemeral)
	if err != nil {
		t.Fatal(err)
	}
	watch, err := c.WatchNode(ctx, eph)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Next(t, watch, eventTimeout, "initial")
	gone, err := other.WatchNode(ctx, eph)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Next(t, gone, eventTimeout, "initial")

	b.Proxy(c).Block()
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("close while disconnected took %v", d)
	}
	if st := c.State(); st != storage.Closed {
		t.Errorf("state after close: %v", st)
	}
	var last storage.NodeEvent
	for ev := range watch {
		last = ev
	}
	if !errors.Is(last.Err, storage.ErrClosed) {
		t.Errorf("watch ended with %+v; want ErrClosed", last)
	}
	if _, _, err := c.Get(ctx, eph); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("get after close: %v; want ErrClosed", err)
	}
	for { // until the server expires the session
		ev := storagetest.Next(t, gone, eventTimeout, "the ephemeral of the closed session")
		if ev.Err != nil {
			t.Fatalf("other's watch ended: %v", ev.Err)
		}
		if !ev.Exists {
			return
		}
	}
}
