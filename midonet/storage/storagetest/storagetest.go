// Package storagetest is the conformance suite every storage backend must
// pass: ZooKeeper's semantics for nodes, versions, stats, sequential and
// ephemeral nodes, atomic multi-ops, watches (one-shot ones ordered with
// Sync, see storage.Watch), sessions, plus the leader
// election built on them (storage.Election).
//
// A backend's test calls Run with a Backend that opens sessions on one
// server. Every subtest works under its own root path (unique per run), so
// the suite may share a server with other tests and be run repeatedly.
// Waits are on events with bounded timeouts; nothing sleeps and hopes.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Backend opens sessions on the store under test.
type Backend interface {
	// Connect opens a new session. The backend closes it when the test
	// ends (the suite may close it earlier; Close must be idempotent).
	Connect(t testing.TB) storage.Conn
	// Expire ends the session of c the way the backend's real expiry does:
	// its ephemerals are deleted and its watches end with
	// storage.ErrSessionExpired. Expire returns once the session is over
	// for the server; the client may learn of it later.
	Expire(t testing.TB, c storage.Conn)
}

// Timeout bounds every wait for an event. It is generous because a real
// ZooKeeper session expiry or a loaded CI machine may take seconds.
const Timeout = 20 * time.Second

// Run runs the whole suite against b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		run  func(t *testing.T, b Backend)
	}{
		{"CreateGet", testCreateGet},
		{"CreateErrors", testCreateErrors},
		{"BadPaths", testBadPaths},
		{"SetVersions", testSetVersions},
		{"Delete", testDelete},
		{"MissingNode", testMissingNode},
		{"SyncThenRead", testSyncThenRead},
		{"CancelledContext", testCancelledContext},
		{"Zxids", testZxids},
		{"Sequential", testSequential},
		{"Ephemerals", testEphemerals},
		{"EphemeralCleanupOnClose", testEphemeralCleanupOnClose},
		{"Expire", testExpire},
		{"ClosedConn", testClosedConn},
		{"Multi", testMulti},
		{"MultiFailures", testMultiFailures},
		{"MultiSeesEarlierOps", testMultiSeesEarlierOps},
		{"WatchNodeSteps", testWatchNodeSteps},
		{"WatchNodeBurst", testWatchNodeBurst},
		{"WatchNodeSlowConsumer", testWatchNodeSlowConsumer},
		{"WatchChildrenSteps", testWatchChildrenSteps},
		{"WatchSameSequenceForAll", testWatchSameSequenceForAll},
		{"WatchContextCancel", testWatchContextCancel},
		{"OneShotFiredBySync", testOneShotFiredBySync},
		{"OneShotKinds", testOneShotKinds},
		{"OneShotSessionEnd", testOneShotSessionEnd},
		{"OneShotReconnect", testOneShotReconnect},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentSequential", testConcurrentSequential},
		{"ElectionFailoverOnClose", testElectionFailoverOnClose},
		{"ElectionFailoverOnExpire", testElectionFailoverOnExpire},
		{"ElectionLeaveOnCancel", testElectionLeaveOnCancel},
		{"ElectionQueue", testElectionQueue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, b) })
	}
}

// testCtx is the context of one subtest: bounded, cancelled at its end.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newRoot creates a fresh persistent root for t and removes it (best
// effort) when t ends.
func newRoot(t *testing.T, c storage.Conn) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	root := fmt.Sprintf("/storagetest-%s-%d", name, time.Now().UnixNano())
	if _, err := c.Create(testCtx(t), root, nil, storage.Persistent); err != nil {
		t.Fatalf("creating test root %s: %v", root, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := deleteTree(ctx, c, root); err != nil {
			t.Logf("removing test root %s: %v", root, err)
		}
	})
	return root
}

// deleteTree removes p and everything below it. It tolerates a closed c
// (the subtest may have closed it) by giving up quietly.
func deleteTree(ctx context.Context, c storage.Conn, p string) error {
	kids, _, err := c.Children(ctx, p)
	switch {
	case errors.Is(err, storage.ErrNoNode):
		return nil
	case errors.Is(err, storage.ErrClosed), errors.Is(err, storage.ErrSessionExpired):
		return nil
	case err != nil:
		return err
	}
	for _, k := range kids {
		if err := deleteTree(ctx, c, p+"/"+k); err != nil {
			return err
		}
	}
	if err := c.Delete(ctx, p, storage.AnyVersion); err != nil && !errors.Is(err, storage.ErrNoNode) {
		return err
	}
	return nil
}

func mustCreate(t *testing.T, c storage.Conn, p string, data []byte, mode storage.CreateMode) string {
	t.Helper()
	got, err := c.Create(testCtx(t), p, data, mode)
	if err != nil {
		t.Fatalf("create %s (%v): %v", p, mode, err)
	}
	return got
}

func mustGet(t *testing.T, c storage.Conn, p string) ([]byte, storage.Stat) {
	t.Helper()
	data, st, err := c.Get(testCtx(t), p)
	if err != nil {
		t.Fatalf("get %s: %v", p, err)
	}
	return data, st
}

func mustSet(t *testing.T, c storage.Conn, p string, data []byte, v storage.Version) storage.Stat {
	t.Helper()
	st, err := c.Set(testCtx(t), p, data, v)
	if err != nil {
		t.Fatalf("set %s (version %d): %v", p, v, err)
	}
	return st
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// next returns the next value from ch, failing t if none comes within
// Timeout or ch is closed.
func next[E any](t *testing.T, ch <-chan E, what string) E {
	t.Helper()
	return Next(t, ch, Timeout, what)
}

// waitClosed reads ch until it is closed and returns what it read.
func waitClosed[E any](t *testing.T, ch <-chan E, what string) []E {
	t.Helper()
	return Drain(t, ch, Timeout, what)
}

// Next returns the next value from ch, failing t if none comes within d or
// ch is closed. Backends' own tests use it for their events too.
func Next[E any](t testing.TB, ch <-chan E, d time.Duration, what string) E {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed, want an event", what)
		}
		return ev
	case <-time.After(d):
		t.Fatalf("%s: no event within %v", what, d)
	}
	panic("unreachable")
}

// Drain reads ch until it is closed and returns what it read, failing t if
// ch is not closed within d.
func Drain[E any](t testing.TB, ch <-chan E, d time.Duration, what string) []E {
	t.Helper()
	var got []E
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, ev)
		case <-deadline:
			t.Fatalf("%s: channel not closed within %v (read %d events)", what, d, len(got))
		}
	}
}

// waitFor reads events until pred holds, checking each with step (which
// may fail t) and returns the event that satisfied pred.
func waitFor[E any](t *testing.T, ch <-chan E, what string, pred func(E) bool) E {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("%s: channel closed before the awaited event", what)
			}
			if pred(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("%s: awaited event did not come within %v", what, Timeout)
		}
	}
}
