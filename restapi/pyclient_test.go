package restapi_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/restapi"
)

// referenceRepo is the copy (clone or bare mirror) of midonet/midonet holding
// the python client, named by MIDONET_REFERENCE_REPO; "" when unset.
func referenceRepo() string { return os.Getenv("MIDONET_REFERENCE_REPO") }

func skipOrFail(t *testing.T, format string, args ...any) {
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
func skipNoClient(t *testing.T, err error, out []byte) {
	t.Helper()
	t.Skipf("SKIPPING: python-midonetclient not obtainable from %s (set MIDONET_REFERENCE_REPO to a midonet/midonet git dir): %v %s",
		referenceRepo(), err, out)
}

// mockLogin stands in for the auth package's /login handler in this test:
// the reference's mock auth service answers every login with token 00000000.
func mockLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/login") {
			http.SetCookie(w, &http.Cookie{Name: "sessionId", Value: "00000000"})
			w.Header().Set("Content-Type", "application/vnd.org.midonet.Token-v1+json")
			_, _ = w.Write([]byte(`{"key":"00000000","expires":null}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pythonClient is python-midonetclient extracted from the reference
// repository, ready to run scenarios with Debian's python3.
type pythonClient struct {
	python string
	src    string // the client's source directory: working directory and PYTHONPATH
}

// extractPythonClient checks for python3 and the client's dependencies
// (skipOrFail: CI installs them) and extracts the client into a temporary
// directory (skipNoClient: no copy of the reference, also under CI).
func extractPythonClient(ctx context.Context, t *testing.T) pythonClient {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		skipOrFail(t, "Debian python3 not installed: %v", err)
	}
	if out, err := exec.Command(python, "-c", "import httplib2, webob").CombinedOutput(); err != nil {
		skipOrFail(t, "python3-httplib2/python3-webob not installed: %v %s", err, out)
	}
	if _, err := exec.LookPath("git"); err != nil {
		skipOrFail(t, "git not installed: %v", err)
	}
	dir := t.TempDir()
	archive := exec.CommandContext(ctx, "sh", "-c",
		`git -C "$1" archive HEAD python-midonetclient/src/midonetclient | tar -x -C "$2"`, "sh", referenceRepo(), dir)
	if out, err := archive.CombinedOutput(); err != nil {
		skipNoClient(t, err, out)
	}
	return pythonClient{python: python, src: filepath.Join(dir, "python-midonetclient", "src")}
}

// run runs the python script with args against the client; a non-zero
// exit fails the test with the script's output, named by what. It returns
// the output.
func (p pythonClient) run(ctx context.Context, t *testing.T, what, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, p.python, append([]string{script}, args...)...)
	cmd.Dir = p.src
	cmd.Env = append(os.Environ(), "PYTHONPATH="+cmd.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", what, err, out)
	}
	t.Logf("%s", out)
	return out
}

// TestPythonMidonetClient runs the unmodified python-midonetclient from the
// reference repository against our server.
func TestPythonMidonetClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py := extractPythonClient(ctx, t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			o := b.open(t)
			opts := o.options()
			opts.Middleware = mockLogin
			h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, opts)
			if err != nil {
				t.Fatal(err)
			}
			srv := newLoopbackServer(t, h)
			script, _ := filepath.Abs("testdata/pyclient_scenario.py")
			py.run(ctx, t, "python-midonetclient scenario", script, srv+"/midonet-api")
		})
	}
}
