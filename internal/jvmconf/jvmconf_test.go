package jvmconf

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
