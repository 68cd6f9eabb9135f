package models

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// protoFiles are the model's .proto files, in dependency order; the
// reference has files of the same names.
var protoFiles = []string{"commons.proto", "topology.proto", "state.proto", "zoom.proto", "neutron.proto", "state_api.proto", "topology_api.proto"}

// requireProtoc returns the path of Debian's protoc. It skips the test when
// protoc is missing, unless CI is set, where a missing tool is a failure.
func requireProtoc(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("protoc")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("protoc not installed (CI is set, so this is a failure): %v; apt-get install protobuf-compiler", err)
		}
		t.Skipf("SKIPPED: protoc not installed (%v); apt-get install protobuf-compiler to run this check", err)
	}
	return path
}

// referenceProtoDir returns MIDONET_REFERENCE_PROTO_DIR, or skips.
func referenceProtoDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MIDONET_REFERENCE_PROTO_DIR")
	if dir == "" {
		t.Skip("SKIPPED: MIDONET_REFERENCE_PROTO_DIR not set; point it at a checkout of midonet/midonet " +
			"nsdb/src/main/proto to compare our model with the reference")
	}
	for _, f := range protoFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("MIDONET_REFERENCE_PROTO_DIR=%s lacks %s: %v", dir, f, err)
		}
	}
	return dir
}

// runProtoc runs protoc with the model files of includeDir appended to args.
func runProtoc(t *testing.T, protoc, includeDir string, stdin []byte, args ...string) []byte {
	t.Helper()
	args = append([]string{"-I", includeDir}, args...)
	args = append(args, protoFiles...)
	cmd := exec.CommandContext(t.Context(), protoc, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("protoc %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}
