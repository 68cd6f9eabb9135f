package mem

import (
	"context"
	"errors"
	"fmt"
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

// TestRequestLimits: what a real server refuses is refused here too (a real
// server drops the connection for oversized requests; mem says why).
func TestRequestLimits(t *testing.T) {
	ctx := t.Context()
	c := NewServer().Connect()
	defer c.Close()
	if _, err := c.Create(ctx, "/n", nil, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	chunk := make([]byte, 200<<10)
	tests := map[string]error{
		"create root": func() error { _, err := c.Create(ctx, "/", nil, storage.Persistent); return err }(),
		"delete root": c.Delete(ctx, "/", storage.AnyVersion),
		"big create":  func() error { _, err := c.Create(ctx, "/big", big, storage.Persistent); return err }(),
		"big set":     func() error { _, err := c.Set(ctx, "/n", big, storage.AnyVersion); return err }(),
		"big multi": func() error {
			var ops []storage.Op
			for i := range 6 {
				ops = append(ops, storage.CreateOp(fmt.Sprintf("/c%d", i), chunk, storage.Persistent))
			}
			_, err := c.Multi(ctx, ops...)
			return err
		}(),
	}
	for name, err := range tests {
		if !errors.Is(err, storage.ErrBadArguments) {
			t.Errorf("%s: %v, want ErrBadArguments", name, err)
		}
	}
	if kids, _, err := c.Children(ctx, "/"); err != nil || len(kids) != 2 {
		t.Errorf("root children after refused requests: %q, %v (want n and zookeeper)", kids, err)
	}
	if _, err := c.Multi(ctx, storage.CreateOp("/c", chunk, storage.Persistent), storage.SetOp("/n", chunk, 0)); err != nil {
		t.Errorf("multi under the limit: %v", err)
	}
}
