package mnconf

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
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
