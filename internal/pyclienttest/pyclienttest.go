// Package pyclienttest runs the reference's unmodified python-midonetclient
// against a server in tests: the REST API's compatibility suites and the
// package install test share it.
package pyclienttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ReferenceRepo is the copy (clone or bare mirror) of midonet/midonet
// holding the python client, named by MIDONET_REFERENCE_REPO; "" when unset.
func ReferenceRepo() string { return os.Getenv("MIDONET_REFERENCE_REPO") }

// SkipOrFail skips the test, or fails it under CI (which installs every
// Debian package the tests need).
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// skipNoClient skips loudly, also under CI, when no copy of the reference
// repository holds python-midonetclient: the client is in no package registry
// this project can reach (not in Debian, no PyPI), so without that copy it
// truly cannot be installed. MIDONET_REFERENCE_REPO names the copy.
func skipNoClient(t testing.TB, err error, out []byte) {
	t.Helper()
	t.Skipf("SKIPPING: python-midonetclient not obtainable from %q (set MIDONET_REFERENCE_REPO to a midonet/midonet git dir): %v %s",
		ReferenceRepo(), err, out)
}

// Client is python-midonetclient extracted from the reference repository,
// ready to run scenarios with Debian's python3.
type Client struct {
	python string
	src    string // the client's source directory: working directory and PYTHONPATH
}

// Extract checks for python3 and the client's dependencies (SkipOrFail: CI
// installs them) and extracts the client into a temporary directory (a loud
// skip, also under CI, without a copy of the reference).
func Extract(ctx context.Context, t testing.TB) Client {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		SkipOrFail(t, "Debian python3 not installed: %v", err)
	}
	if out, err := exec.Command(python, "-c", "import httplib2, webob").CombinedOutput(); err != nil {
		SkipOrFail(t, "python3-httplib2/python3-webob not installed: %v %s", err, out)
	}
	if _, err := exec.LookPath("git"); err != nil {
		SkipOrFail(t, "git not installed: %v", err)
	}
	dir := t.TempDir()
	archive := exec.CommandContext(ctx, "sh", "-c",
		`git -C "$1" archive HEAD python-midonetclient/src/midonetclient | tar -x -C "$2"`, "sh", ReferenceRepo(), dir)
	if out, err := archive.CombinedOutput(); err != nil {
		skipNoClient(t, err, out)
	}
	return Client{python: python, src: filepath.Join(dir, "python-midonetclient", "src")}
}

// Run runs the python script with args against the client; a non-zero exit
// fails the test with the script's output, named by what. It returns the
// output.
func (c Client) Run(ctx context.Context, t testing.TB, what, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, c.python, append([]string{script}, args...)...)
	cmd.Dir = c.src
	cmd.Env = append(os.Environ(), "PYTHONPATH="+cmd.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", what, err, out)
	}
	t.Logf("%s", out)
	return out
}
