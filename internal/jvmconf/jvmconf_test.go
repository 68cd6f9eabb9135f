package jvmconf

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
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
// kept, JVM-only options are listed apart, variables and comments are not
// options.
func TestReadJVMOptions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	content := `#!/bin/bash
MAX_HEAP_SIZE=2048M
JVM_OPTS="$JVM_OPTS -Xms$MAX_HEAP_SIZE -Xmx2048M"
JVM_OPTS="$JVM_OPTS -XX:+UseG1GC" # a comment
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/commented/out.jks"
export JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_password=pa'ss' -Dflag"
`
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := ReadJVMOptions(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Properties) != 2 || opts.Properties["midonet.keystore_password"] != "pa'ss'" || opts.Properties["flag"] != "" {
		t.Errorf("properties %v", opts.Properties)
	}
	if want := []string{"-Xms$MAX_HEAP_SIZE", "-Xmx2048M", "-XX:+UseG1GC"}; !slices.Equal(opts.Other, want) {
		t.Errorf("JVM-only options %q, want %q", opts.Other, want)
	}
	if _, err := ReadJVMOptions(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
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
