package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// buildBinary compiles this command into a temporary directory.
func buildBinary(t *testing.T) string { return buildCommand(t, ".", "mn-conf") }

// buildCommand compiles the command in pkg into a temporary directory.
func buildCommand(t *testing.T, pkg, name string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type result struct {
	code           int
	stdout, stderr string
}

// mnConf runs the binary with an environment naming ZooKeeper the way an
// operator would (MIDO_ZOOKEEPER_*), and a HOME without ~/.midonetrc.
func mnConf(t *testing.T, bin, zkHosts, root, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"MIDO_ZOOKEEPER_HOSTS=" + zkHosts,
		"MIDO_ZOOKEEPER_ROOT_KEY=" + root,
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running mn-conf %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// TestBinary builds mn-conf once and drives the binary.
func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	t.Run("zookeeper", func(t *testing.T) { testAgainstZooKeeper(t, bin) })
	t.Run("unreachable", func(t *testing.T) { testWithoutZooKeeper(t, bin) })
}

// testAgainstZooKeeper drives the built mn-conf against a real ZooKeeper:
// the operator workflow of the reference's manual page.
func testAgainstZooKeeper(t *testing.T, bin string) {
	srv := zktest.Start(t)
	const root = "/midonet"
	run := func(stdin string, args ...string) result {
		return mnConf(t, bin, srv.Addr(), root, stdin, args...)
	}
	host := uuid.New().String()
	local := uuid.New().String()
	localIDFile := filepath.Join(t.TempDir(), "host_id.properties")
	if err := os.WriteFile(localIDFile, []byte("host_uuid="+local+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		stdout   string   // exact, when not empty
		contains []string // in stdout
		errHas   string   // in stderr
		noStdout bool
	}{
		{name: "deploy bundled schemas", args: []string{"deploy"}, contains: []string{"Deployed schema\n"}},
		{name: "set from stdin", stdin: "cluster.rest_api.http_port = 18181\n", args: []string{"set", "-t", "default"}, noStdout: true},
		{name: "get it back", args: []string{"get", "-t", "default", "cluster.rest_api.http_port"}, stdout: "cluster.rest_api.http_port = 18181\n"},
		{name: "invalid value rejected", stdin: `cluster.rest_api.http_port = "abc"`, args: []string{"set", "-t", "default"}, code: 4, errHas: "[mn-conf] Failed: cluster.rest_api.http_port"},
		{name: "nothing written by the rejected set", args: []string{"get", "-t", "default", "cluster.rest_api.http_port"}, stdout: "cluster.rest_api.http_port = 18181\n"},
		{name: "missing key exits 11", args: []string{"get", "-t", "default", "cluster.no_such"}, code: 11, noStdout: true},
		{name: "template of a host", args: []string{"set", "-t", "edge", "cluster.rest_api.https_port = 9443"}},
		{name: "map the host", args: []string{"template-set", "-h", host, "-t", "edge"}},
		{name: "per-host override from arguments", args: []string{"set", "-h", host, `cluster.rest_api.root_uri = "/api"`}},
		{name: "merged view of the host", args: []string{"dump", "-h", host}, contains: []string{`"http_port"=18181`, `"https_port"=9443`, `"root_uri"="/api"`, "schemaVersion=29"}},
		{name: "hosts", args: []string{"hosts"}, stdout: host + " -> custom : template(edge) : template(default) : schema\n"},
		{name: "template-get", args: []string{"template-get", "-h", host}, stdout: host + "  edge\n"},
		{name: "doc", args: []string{"doc", "cluster.rest_api.http_port"}, contains: []string{"Key: cluster.rest_api.http_port\n", "Default value: 8181\n", "Documentation: "}},
		{name: "set without -t writes the local host", args: []string{"--host-id-file", localIDFile, "set", "cluster.heartbeat.enabled = true"}},
		{name: "the local host's node has it", args: []string{"get", "-H", "-h", local, "cluster.heartbeat.enabled"}, stdout: "cluster.heartbeat.enabled = true\n"},
		{name: "the default template does not", args: []string{"get", "-t", "default", "cluster.heartbeat.enabled"}, code: 11},
		{name: "no subcommand", args: nil, code: 1, contains: []string{"Usage:"}},
	}
	for _, s := range steps {
		r := run(s.stdin, s.args...)
		if r.code != s.code {
			t.Fatalf("%s: mn-conf %v exited %d, want %d\nstdout: %s\nstderr: %s", s.name, s.args, r.code, s.code, r.stdout, r.stderr)
		}
		if s.code == 0 && r.stderr != "" {
			t.Errorf("%s: success with stderr %q (the tool logs nothing)", s.name, r.stderr)
		}
		if s.stdout != "" && r.stdout != s.stdout {
			t.Errorf("%s: stdout %q, want %q", s.name, r.stdout, s.stdout)
		}
		if s.noStdout && r.stdout != "" {
			t.Errorf("%s: unexpected stdout %q", s.name, r.stdout)
		}
		for _, want := range s.contains {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: stdout lacks %q:\n%s", s.name, want, r.stdout)
			}
		}
		if s.errHas != "" && !strings.Contains(r.stderr, s.errHas) {
			t.Errorf("%s: stderr %q lacks %q", s.name, r.stderr, s.errHas)
		}
	}
}

// testWithoutZooKeeper checks the reference's exit code 3 when nothing
// answers at the configured address.
func testWithoutZooKeeper(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nobody listens on
	r := mnConf(t, bin, addr, "/midonet", "", "get", "-t", "default", "x")
	if r.code != 3 || !strings.Contains(r.stderr, "[mn-conf] Could not connect to zookeeper at '"+addr+"'") {
		t.Fatalf("exit %d, stderr %q; want 3 and the connection message", r.code, r.stderr)
	}
}
