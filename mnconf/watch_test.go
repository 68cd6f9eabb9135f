package mnconf

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

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
