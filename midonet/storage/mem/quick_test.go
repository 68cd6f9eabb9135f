package mem

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// TestQuick covers the basics; the full conformance suite runs in mem_test.go.
func TestQuick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := NewServer()
	a, b := srv.Connect(), srv.Connect()
	defer a.Close()
	defer b.Close()

	if _, err := a.Create(ctx, "/q", []byte("x"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, "/q", nil, storage.Persistent); !errors.Is(err, storage.ErrNodeExists) {
		t.Fatalf("second create: %v, want ErrNodeExists", err)
	}
	seq, err := a.Create(ctx, "/q/s-", nil, storage.EphemeralSequential)
	if err != nil || seq != "/q/s-0000000000" {
		t.Fatalf("sequential create = %q, %v", seq, err)
	}
	ch, err := b.WatchNode(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; !ev.Exists || ev.Stat.EphemeralOwner != a.SessionID() {
		t.Fatalf("first event %+v", ev)
	}
	_, err = a.Multi(ctx, storage.SetOp("/q", []byte("y"), 0), storage.CheckOp("/q", 0))
	var me *storage.MultiError
	if !errors.As(err, &me) || me.Index != 1 || !errors.Is(err, storage.ErrBadVersion) {
		t.Fatalf("multi: %v", err)
	}
	if data, st, _ := b.Get(ctx, "/q"); string(data) != "x" || st.Version != 0 {
		t.Fatalf("failed multi left %q v%d", data, st.Version)
	}
	a.Expire()
	if ev := <-ch; ev.Exists || ev.Err != nil {
		t.Fatalf("after expiry: %+v", ev)
	}
	if _, _, err := a.Get(ctx, "/q"); !errors.Is(err, storage.ErrSessionExpired) {
		t.Fatalf("get after expiry: %v", err)
	}
}
