package zktest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestMain(m *testing.M) { Main(m) }

// connect opens a go-zookeeper client and waits for its session.
func connect(t *testing.T, servers []string, timeout time.Duration) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	conn, events, err := zk.Connect(servers, timeout, zk.WithLogInfo(false), zk.WithLogger(discardLogger{}))
	if err != nil {
		t.Fatalf("connect %v: %v", servers, err)
	}
	t.Cleanup(conn.Close)
	waitState(t, events, zk.StateHasSession, 30*time.Second)
	return conn, events
}

// discardLogger silences go-zookeeper, whose goroutines may still log after
// the test that owns the connection has ended (where t.Logf panics).
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func waitState(t *testing.T, events <-chan zk.Event, want zk.State, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-events:
			if ev.Type == zk.EventSession && ev.State == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %v session event within %v", want, timeout)
		}
	}
}

func TestStartServesClients(t *testing.T) {
	srv := Start(t)
	conn, _ := connect(t, []string{srv.Addr()}, 10*time.Second)
	if _, err := conn.Create("/started", []byte("yes"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create: %v", err)
	}
	data, _, err := conn.Get("/started")
	if err != nil || string(data) != "yes" {
		t.Fatalf("get = %q, %v; want yes", data, err)
	}
	mode, err := serverMode(context.Background(), srv.Addr())
	if err != nil || mode != "standalone" {
		t.Fatalf("mode = %q, %v; want standalone", mode, err)
	}
	srv.Stop()
	if _, err := FourLetterWord(context.Background(), srv.Addr(), "ruok"); err == nil {
		t.Fatal("the server still answers after Stop")
	}
}

func TestSharedIsOneServer(t *testing.T) {
	a, b := Shared(t), Shared(t)
	if a != b || a.Addr() == "" {
		t.Fatalf("Shared returned %p (%s) and %p (%s); want one server", a, a.Addr(), b, b.Addr())
	}
	if answer, err := FourLetterWord(context.Background(), a.Addr(), "ruok"); err != nil || answer != "imok" {
		t.Fatalf("ruok = %q, %v", answer, err)
	}
}

// TestProxyBlockExpiresSession checks the mechanism storage tests use to
// expire a session for real: the server drops the session of a client it no
// longer hears from, its ephemeral node disappears, and on reconnection the
// client learns that its session expired.
func TestProxyBlockExpiresSession(t *testing.T) {
	srv := Shared(t)
	proxy := NewProxy(t, srv.Addr())
	const sessionTimeout = 2 * time.Second
	client, events := connect(t, []string{proxy.Addr()}, sessionTimeout)
	observer, _ := connect(t, []string{srv.Addr()}, 10*time.Second)

	path := "/" + strings.ReplaceAll(t.Name(), "/", "_")
	if _, err := client.Create(path, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create ephemeral: %v", err)
	}
	oldSession := client.SessionID()

	proxy.Block()
	deadline := time.Now().Add(30 * time.Second)
	for {
		exists, _, err := observer.Exists(path)
		if err != nil {
			t.Fatalf("exists: %v", err)
		}
		if !exists {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ephemeral node outlived its blocked session")
		}
		time.Sleep(100 * time.Millisecond)
	}
	proxy.Unblock()
	waitState(t, events, zk.StateExpired, 30*time.Second)
	waitState(t, events, zk.StateHasSession, 30*time.Second)
	if s := client.SessionID(); s == oldSession || s == 0 {
		t.Fatalf("session after expiry = %x; want a new one (old %x)", s, oldSession)
	}
	if _, _, err := client.Get("/"); err != nil {
		t.Fatalf("the client does not work on its new session: %v", err)
	}
}

func TestEnsembleSurvivesLeaderLoss(t *testing.T) {
	ens := StartEnsemble(t, 3)
	if got := len(ens.Addrs()); got != 3 {
		t.Fatalf("%d addresses; want 3", got)
	}
	leader := ens.WaitLeader(30 * time.Second)
	conn, _ := connect(t, ens.Addrs(), 10*time.Second)
	if _, err := conn.Create("/before", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create: %v", err)
	}

	ens.Kill(leader)
	if ens.Running(leader) {
		t.Fatal("killed member still running")
	}
	newLeader := ens.WaitLeader(60 * time.Second)
	if newLeader == leader {
		t.Fatalf("member %d still leads after being killed", leader)
	}
	retryUntil(t, 60*time.Second, func() error {
		_, err := conn.Create("/after", []byte("2"), 0, zk.WorldACL(zk.PermAll))
		if errors.Is(err, zk.ErrNodeExists) {
			return nil // an earlier attempt went through before its reply was lost
		}
		return err
	})

	ens.Start(leader)
	survivor, _ := connect(t, []string{ens.Addrs()[leader]}, 10*time.Second)
	for _, p := range []string{"/before", "/after"} {
		if _, _, err := survivor.Get(p); err != nil {
			t.Errorf("restarted member: get %s: %v", p, err)
		}
	}
}

func retryUntil(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
