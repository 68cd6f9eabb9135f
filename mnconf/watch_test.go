package mnconf

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/internal/clustertest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// TestWatchEnds checks that a watch's channel closes when its context ends
// and when the store connection is closed, and that each view's Get gives
// the text ApplyKeys takes.
func TestWatchEnds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		drainUntilClosed := func(ch <-chan *Config, why string) {
			t.Helper()
			for {
				select {
				case _, ok := <-ch:
					if !ok {
						return
					}
				case <-ctx.Done():
					t.Fatalf("watch not closed after %s", why)
				}
			}
		}

		s, err := Open(ctx, st.dial(), st.root)
		if err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		ch, err := s.Watch(wctx, uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		select {
		case cfg := <-ch:
			if v, ok := cfg.Get("cluster.rest_api.http_port"); !ok || v != "8181" {
				t.Fatalf("first view: %q %v", v, ok)
			}
		case <-ctx.Done():
			t.Fatal("no first view")
		}
		stop()
		drainUntilClosed(ch, "cancel")

		conn := st.dial()
		s, err = Open(ctx, conn, st.root)
		if err != nil {
			t.Fatal(err)
		}
		ch, err = s.Watch(ctx, uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		drainUntilClosed(ch, "closing the connection")
	})
}

// TestWatchFollowsANewSession expires the watching session for real on
// ZooKeeper: the watch carries on in the backend's new session and delivers
// what changed meanwhile.
func TestWatchFollowsANewSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := zktest.NewBackend(zktest.Shared(t).Addr())
	watching, writing := b.Connect(t), b.Connect(t)
	root := "/" + t.Name() + "-" + uuid.NewString()[:8]
	s, err := Open(ctx, watching, root)
	if err != nil {
		t.Fatal(err)
	}
	writer, err := Open(ctx, writing, root)
	if err != nil {
		t.Fatal(err)
	}
	node := uuid.New()
	ch, err := s.Watch(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	awaitHTTPPort(ctx, t, ch, 8181)
	oldSession := watching.SessionID()
	b.Expire(t, watching)
	if _, err := writer.Set(ctx, NodeSource(node), "cluster.rest_api.http_port = 18181", false); err != nil {
		t.Fatal(err)
	}
	awaitHTTPPort(ctx, t, ch, 18181)
	if watching.SessionID() == oldSession {
		t.Fatalf("session %x not replaced", oldSession)
	}
	// And the new session's watches see later changes.
	if _, err := writer.Set(ctx, NodeSource(node), "cluster.rest_api.http_port = 28181", false); err != nil {
		t.Fatal(err)
	}
	awaitHTTPPort(ctx, t, ch, 28181)
}

// TestWatchKeepsLastGoodViewOnBadText writes text the parser refuses straight
// into the default template's znode (an operator's typo through another tool,
// or a damaged node), including text the HOCON library alone would loop
// forever on: the watch logs why and delivers nothing, so a node keeps its
// last good view, and the next good write is delivered. The reference's
// ZookeeperConf parses each new version of the znode and its watchers see the
// parser's ConfigException instead.
func TestWatchKeepsLastGoodViewOnBadText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var logs clustertest.LogBuffer
		conn := st.dial()
		s, err := Open(ctx, conn, st.root, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), "cluster.rest_api.http_port = 18181", false); err != nil {
			t.Fatal(err)
		}
		ch, err := s.Watch(ctx, uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 18181)
		znode := st.root + "/config/templates/" + DefaultTemplate
		for _, c := range []struct{ bad, why string }{
			{"cluster.rest_api.http_port = [1, 2 ", "List should have ended with ] or had a comma"},
			{"cluster.rest_api.http_port = ${cluster.x ", "Substitution ${ was not closed with a }"},
			{"cluster { rest_api", "Expecting close brace } or a comma, got end of file"},
		} {
			if _, err := conn.Set(ctx, znode, []byte(c.bad), -1); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), c.why) {
				if time.Now().After(deadline) {
					t.Fatalf("no warning %q for %q; log:\n%s", c.why, c.bad, logs.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			select {
			case cfg := <-ch:
				p, _ := cfg.Int("cluster.rest_api.http_port")
				t.Fatalf("a view (http_port %d) delivered after %q", p, c.bad)
			default:
			}
		}
		if l := logs.String(); !strings.Contains(l, "runtime configuration not rebuilt") || !strings.Contains(l, znode+": invalid HOCON: line 1: ") {
			t.Errorf("the warnings do not say what is wrong where:\n%s", l)
		}
		if _, err := conn.Set(ctx, znode, []byte("cluster.rest_api.http_port = 28181"), -1); err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 28181)
	})
}
