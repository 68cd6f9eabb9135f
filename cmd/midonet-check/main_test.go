package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// TestOnRealZooKeeper writes a consistent topology through the object store
// on a real ZooKeeper, expects exit 0, then breaks it with a raw write and
// expects exit 1 naming the dangling reference.
func TestOnRealZooKeeper(t *testing.T) {
	srv := zktest.Start(t)
	ctx := t.Context()
	conn, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const root = "/check-test"
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatal(err)
	}
	netID := models.NewUUID()
	if err := st.Create(ctx, &models.Network{Id: netID}); err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, &models.Port{Id: models.NewUUID(), NetworkId: netID}); err != nil {
		t.Fatal(err)
	}
	// No INI file or environment from this machine: everything by flag.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("MIDO_ZOOKEEPER_HOSTS", "")
	t.Setenv("MIDO_ZOOKEEPER_ROOT_KEY", "")
	args := []string{"--zookeeper-hosts", srv.Addr(), "--zookeeper-root-key", root, "-v"}

	var out, errOut bytes.Buffer
	if code := run(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d on a consistent topology\nstdout:\n%s\nstderr:\n%s", code, &out, &errOut)
	}
	if !strings.Contains(out.String(), "checked 2 objects under /check-test: 0 findings") {
		t.Fatalf("summary: %s", &out)
	}

	missing := models.NewUUID()
	orphan := &models.Port{Id: models.NewUUID(), NetworkId: missing}
	data, err := models.Marshal(orphan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Create(ctx, root+"/zoom/0/models/Port/"+orphan.Id.Canonical(), data, storage.Persistent); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, args, &out, &errOut); code != 1 {
		t.Fatalf("exit %d with a dangling reference, want 1\nstdout:\n%s", code, &out)
	}
	want := "dangling reference: Port " + orphan.Id.Canonical() + " field network_id -> Network " + missing.Canonical()
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "1 findings (1 dangling references") {
		t.Fatalf("output does not report %q:\n%s", want, &out)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("MIDO_ZOOKEEPER_HOSTS", "")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{[]string{"a.conf", "b.conf"}, 2, "accepts at most 1 arg"},
		{[]string{t.TempDir() + "/absent.conf"}, 2, "absent.conf"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tc.args, code, tc.code, errOut.String(), tc.msg)
		}
	}
	for args, want := range map[string]string{"-h": "Usage:\n  midonet-check [flags]", "--version": "midonet-check version "} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{args}, &out, &errOut); code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("%s: exit %d, stdout %q (want %q)", args, code, out.String(), want)
		}
	}
}
