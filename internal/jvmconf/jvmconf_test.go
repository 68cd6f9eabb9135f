package jvmconf

import (
	"errors"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestNormalizeRootKey(t *testing.T) {
	for in, want := range map[string]string{"": "/midonet", "/midonet/v1": "/midonet", "/a/b/": "/a/b", "x": "/x"} {
		if got := NormalizeRootKey(in); got != want {
			t.Errorf("NormalizeRootKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadJVMOptions reads the shipped env file's shapes: -D properties are
// kept, the maximum heap is the last -Xmx, other JVM-only options are listed
// apart, variables assigned above are expanded, comments are not options.
func TestReadJVMOptions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	content := `#!/bin/bash
MAX_HEAP_SIZE=2048M
JMX_PORT="7201"
JVM_OPTS="$JVM_OPTS -Xms$MAX_HEAP_SIZE -Xmx${MAX_HEAP_SIZE}"
JVM_OPTS="$JVM_OPTS -XX:+UseG1GC -Xmx3g" # a comment
# JVM_OPTS="$JVM_OPTS -Xmx9g -Dmidonet.keystore_path=/commented/out.jks"
export JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_password=pa'ss' -Dflag -Djmx.port=$JMX_PORT -Dunset=$UNSET"
`
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := ReadJVMOptions(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"midonet.keystore_password": "pa'ss'", "flag": "", "jmx.port": "7201", "unset": "${UNSET}"}
	if !maps.Equal(opts.Properties, want) {
		t.Errorf("properties %v, want %v", opts.Properties, want)
	}
	if want := []string{"-Xms2048M", "-XX:+UseG1GC"}; !slices.Equal(opts.Other, want) {
		t.Errorf("JVM-only options %q, want %q", opts.Other, want)
	}
	if n, err := opts.MaxHeapBytes(); opts.MaxHeap != "-Xmx3g" || n != 3<<30 || err != nil {
		t.Errorf("maximum heap %q = %d, %v; want the last -Xmx, -Xmx3g = 3 GiB", opts.MaxHeap, n, err)
	}
	if _, err := ReadJVMOptions(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// The maximum heap comes from -Xmx, else MAX_HEAP_SIZE; one that is not a
// JVM size (or whose variable is unknown) is an error naming it, none is 0.
func TestMaxHeap(t *testing.T) {
	for _, tc := range []struct {
		content, wantOption string
		want                int64
		wantErr             bool
	}{
		{content: "", want: 0},
		{content: "JVM_OPTS=\"$JVM_OPTS -XX:+UseG1GC\"\n", want: 0},
		{content: "MAX_HEAP_SIZE=\"512m\"\n", wantOption: "MAX_HEAP_SIZE=512m", want: 512 << 20},
		{content: "MAX_HEAP_SIZE=\"\"\n", want: 0},
		{content: "MAX_HEAP_SIZE=1g\nJVM_OPTS=\"-Xmx2048M\"\n", wantOption: "-Xmx2048M", want: 2048 << 20},
		{content: "JVM_OPTS=\"$JVM_OPTS -Xmx${HEAP}\"\n", wantOption: "-Xmx${HEAP}", wantErr: true},
		{content: "MAX_HEAP_SIZE=2GB\n", wantOption: "MAX_HEAP_SIZE=2GB", wantErr: true},
		{content: "JVM_OPTS=\"-Xmx\"\n", wantOption: "-Xmx", wantErr: true},
	} {
		p := filepath.Join(t.TempDir(), "env.sh")
		if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		opts, err := ReadJVMOptions(p)
		if err != nil {
			t.Fatal(err)
		}
		n, err := opts.MaxHeapBytes()
		if opts.MaxHeap != tc.wantOption || n != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%q: maximum heap %q = %d, %v; want %q = %d, error %v", tc.content, opts.MaxHeap, n, err, tc.wantOption, tc.want, tc.wantErr)
		}
		if err != nil && (!errors.Is(err, ErrBadSize) || !strings.Contains(err.Error(), tc.wantOption)) {
			t.Errorf("%q: error %v does not wrap ErrBadSize naming %s", tc.content, err, tc.wantOption)
		}
	}
}

func TestParseJVMSize(t *testing.T) {
	for in, want := range map[string]int64{"2048M": 2 << 30, "2g": 2 << 30, "512m": 512 << 20, "1024": 1024, "64k": 64 << 10,
		"1T": 1 << 40, "8388607t": 8388607 << 40} {
		if got, err := ParseJVMSize(in); got != want || err != nil {
			t.Errorf("ParseJVMSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "0", "0g", "-1g", "1.5g", "2GB", "2 g", " 2g", "2x", "8388608t", "99999999999999999999"} {
		if got, err := ParseJVMSize(in); !errors.Is(err, ErrBadSize) || got != 0 {
			t.Errorf("ParseJVMSize(%q) = %d, %v; want ErrBadSize", in, got, err)
		}
	}
}

// The reference's own env file (midonet-cluster/conf/midonet-cluster-env.sh
// of MIDONET_REFERENCE_REPO) bounds the heap with MAX_HEAP_SIZE="2048M"
// passed as -Xmx${MAX_HEAP_SIZE}: read as the JVM would get it, 2 GiB.
func TestReferenceEnvFileMaxHeap(t *testing.T) {
	repo := os.Getenv("MIDONET_REFERENCE_REPO")
	if repo == "" {
		t.Skip("SKIPPING: MIDONET_REFERENCE_REPO (a midonet/midonet git dir) is not set; the reference's env file is not read")
	}
	data, err := exec.Command("git", "--git-dir", repo, "show", "HEAD:midonet-cluster/conf/midonet-cluster-env.sh").Output()
	if err != nil {
		t.Fatalf("reading the reference's env file from %s: %v", repo, err)
	}
	p := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := ReadJVMOptions(p)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := opts.MaxHeapBytes(); opts.MaxHeap != "-Xmx2048M" || n != 2<<30 || err != nil {
		t.Errorf("maximum heap %q = %d, %v; want -Xmx2048M = 2 GiB", opts.MaxHeap, n, err)
	}
	if !slices.Contains(opts.Other, "-Xms2048M") || !slices.Contains(opts.Other, "-XX:+UseG1GC") {
		t.Errorf("JVM-only options %q lack -Xms2048M and -XX:+UseG1GC", opts.Other)
	}
	if opts.Properties["com.sun.management.jmxremote.port"] != "7201" {
		t.Errorf("JMX port property %q, want $JMX_PORT expanded to 7201", opts.Properties["com.sun.management.jmxremote.port"])
	}
}

func TestLogbackLevel(t *testing.T) {
	for name, want := range map[string]slog.Level{"debug": slog.LevelDebug, " WARN ": slog.LevelWarn, "error": slog.LevelError} {
		if got, ok := LogbackLevel(name); !ok || got != want {
			t.Errorf("LogbackLevel(%q) = %v, %v", name, got, ok)
		}
	}
	if got, ok := LogbackLevel("loud"); ok || got != slog.LevelInfo {
		t.Errorf("unknown level: %v, %v; want INFO, false", got, ok)
	}
}

// One INI file read both ways: the node's strict reader fails on a malformed
// line and keeps a key before any section; mn-conf's lenient reader leaves
// both out and reads a missing file as empty.
func TestReadINIStrictAndLenient(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	if err := os.WriteFile(good, []byte("top = 1\n; comment\n[zookeeper]\nzookeeper_hosts = a:2181, b:2181\nroot_key: /x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	strict, err := ReadINI(good)
	if err != nil || strict["top"] != "1" || strict["zookeeper.zookeeper_hosts"] != "a:2181, b:2181" || strict["zookeeper.root_key"] != "/x" || len(strict) != 3 {
		t.Errorf("ReadINI: %v, %v", strict, err)
	}
	lenient := ReadINILenient(good)
	if _, top := lenient["top"]; top || lenient["zookeeper.zookeeper_hosts"] != "a:2181, b:2181" || len(lenient) != 2 {
		t.Errorf("ReadINILenient: %v", lenient)
	}

	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("[zookeeper]\nno separator\n[unterminated\nroot_key = /y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadINI(bad); !errors.Is(err, ErrSyntax) {
		t.Errorf("ReadINI of a malformed file: %v, want ErrSyntax", err)
	}
	if got := ReadINILenient(bad); len(got) != 1 || got["zookeeper.root_key"] != "/y" {
		t.Errorf("ReadINILenient of a malformed file: %v", got)
	}

	missing := filepath.Join(dir, "missing.conf")
	if _, err := ReadINI(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadINI of a missing file: %v", err)
	}
	if got := ReadINILenient(missing); got == nil || len(got) != 0 {
		t.Errorf("ReadINILenient of a missing file: %v", got)
	}
}

// HostIdGenerator's rules: an empty host_uuid counts as none (the legacy
// file's is used), a malformed one fails rather than being replaced, and a
// new id is stored only where the directory exists.
func TestHostID(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	legacyID := uuid.New()
	empty := write("empty.properties", "! comment\nhost_uuid=\n")
	legacy := write("legacy.properties", "host_uuid: "+legacyID.String()+"\n")
	if got, err := HostID(empty, legacy, "test"); err != nil || got != legacyID {
		t.Errorf("empty primary: %v, %v; want the legacy %v", got, err, legacyID)
	}
	malformed := write("malformed.properties", "host_uuid=nope\n")
	if _, err := HostID(malformed, legacy, "test"); err == nil || errors.Is(err, ErrHostIDNotStored) {
		t.Errorf("malformed host_uuid: %v, want a parse error", err)
	}
	if data, _ := os.ReadFile(malformed); string(data) != "host_uuid=nope\n" {
		t.Errorf("a malformed id file was rewritten: %q", data)
	}
	fresh := filepath.Join(dir, "fresh.properties")
	id, err := HostID(fresh, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := HostID(fresh, legacy, "test"); err != nil || again != id {
		t.Errorf("stored id not read back: %v then %v, %v", id, again, err)
	}
	if _, err := HostID(filepath.Join(dir, "no", "dir", "id.properties"), "", "test"); !errors.Is(err, ErrHostIDNotStored) {
		t.Errorf("no directory: %v, want ErrHostIDNotStored", err)
	}
}
