// Package keystonetest starts a real OpenStack Keystone for tests: Debian's
// keystone package (keystone-manage, keystone-wsgi-public) served by uwsgi
// on a free 127.0.0.1 port, with an sqlite database and fernet tokens in a
// temporary directory. Starting one takes ~10 s, so a package's tests
// normally share one through a Shared.
//
// When Keystone or uwsgi is not installed the helpers skip the test with a
// message saying what is missing, except under CI=true, where they fail it
// (CI installs them through .ci/run).
package keystonetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// Missing lists the programs and files a Keystone needs that are not
// installed.
func Missing() []string {
	var out []string
	for _, f := range []string{
		"/usr/bin/keystone-manage",
		"/usr/bin/keystone-wsgi-public",
		"/usr/bin/uwsgi",
		"/usr/lib/uwsgi/plugins/python3_plugin.so",
	} {
		if _, err := os.Stat(f); err != nil {
			out = append(out, f)
		}
	}
	return out
}

// Require skips t (or fails it under CI=true) unless Keystone can be started.
func Require(t testing.TB) {
	t.Helper()
	if m := Missing(); len(m) > 0 {
		msg := fmt.Sprintf("keystonetest: Keystone is not installed (missing %v): install Debian packages keystone uwsgi uwsgi-plugin-python3", m)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
}

// Options tune a Keystone.
type Options struct {
	// TokenExpiration is Keystone's [token] expiration; default one hour.
	TokenExpiration time.Duration
}

// Server is a running Keystone.
type Server struct {
	// URL is the Identity v3 base, e.g. http://127.0.0.1:41234/v3 (no
	// trailing slash). Keystone no longer serves v2.0.
	URL string
	// Bootstrap admin: user AdminUser with role "admin" on project
	// AdminProject, in domain "default".
	AdminUser, AdminPassword, AdminProject string
	// Dir holds keystone.conf, the database, the key repositories and logs.
	Dir string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // uwsgi's exit, valid after done is closed
}

// Start runs a Keystone in dir (which must exist and is not removed).
func Start(ctx context.Context, dir string, opts Options) (*Server, error) {
	if m := Missing(); len(m) > 0 {
		return nil, fmt.Errorf("keystonetest: not installed: %v", m)
	}
	expiration := opts.TokenExpiration
	if expiration <= 0 {
		expiration = time.Hour
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:           fmt.Sprintf("http://127.0.0.1:%d/v3", port),
		AdminUser:     "admin",
		AdminPassword: randomHex(12),
		AdminProject:  "admin",
		Dir:           dir,
	}
	conf := fmt.Sprintf(`[DEFAULT]
log_file = %[1]s/keystone.log
[database]
connection = sqlite:///%[1]s/keystone.db
[fernet_tokens]
key_repository = %[1]s/fernet-keys
[credential]
key_repository = %[1]s/credential-keys
[token]
provider = fernet
expiration = %[2]d
[identity]
# bcrypt's minimum cost: password logins in tests need not be slow
password_hash_rounds = 4
`, dir, int(expiration.Seconds()))
	confPath := filepath.Join(dir, "keystone.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("keystonetest: %w", err)
	}
	manage := func(args ...string) error {
		full := append([]string{"--config-file", confPath}, args...)
		cmd := exec.CommandContext(ctx, "/usr/bin/keystone-manage", full...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("keystonetest: keystone-manage %s: %w\n%s", args[0], err, tail(out.Bytes(), 2000))
		}
		return nil
	}
	owner := []string{"--keystone-user", strconv.Itoa(os.Getuid()), "--keystone-group", strconv.Itoa(os.Getgid())}
	// The schema and the two key repositories are independent: build them
	// concurrently (each keystone-manage run costs seconds of start-up).
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, args := range [][]string{{"db_sync"}, append([]string{"fernet_setup"}, owner...), append([]string{"credential_setup"}, owner...)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = manage(args...)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := manage("bootstrap", "--bootstrap-username", s.AdminUser, "--bootstrap-password", s.AdminPassword,
		"--bootstrap-project-name", s.AdminProject, "--bootstrap-role-name", "admin",
		"--bootstrap-public-url", s.URL+"/", "--bootstrap-admin-url", s.URL+"/", "--bootstrap-region-id", "RegionOne"); err != nil {
		return nil, err
	}
	// uwsgi has been seen to exit at start-up (status 22, empty log) on a
	// heavily loaded machine; such an early exit is retried a few times.
	var err2 error
	for attempt := 1; attempt <= 3; attempt++ {
		if err2 = s.startUWSGI(ctx, port, attempt); err2 == nil {
			return s, nil
		}
		if !errors.Is(err2, errUWSGIExited) {
			break
		}
	}
	return nil, err2
}

var errUWSGIExited = errors.New("keystonetest: uwsgi exited")

// startUWSGI serves the configured Keystone on port and waits until it answers.
func (s *Server) startUWSGI(ctx context.Context, port, attempt int) error {
	logPath := filepath.Join(s.Dir, fmt.Sprintf("uwsgi-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("keystonetest: %w", err)
	}
	defer logFile.Close()
	s.done = make(chan struct{})
	s.cmd = exec.Command("/usr/bin/uwsgi", "--http11-socket", fmt.Sprintf("127.0.0.1:%d", port),
		"--plugins", "python3", "--wsgi-file", "/usr/bin/keystone-wsgi-public",
		"--master", "--processes", "1", "--threads", "8", "--die-on-term", "--no-orphans", "--need-app", "--disable-logging")
	s.cmd.Env = append(os.Environ(), "OS_KEYSTONE_CONFIG_DIR="+s.Dir, "OS_KEYSTONE_CONFIG_FILES=keystone.conf",
		"PYTHONDONTWRITEBYTECODE=1")
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// Own process group: Close kills the workers too. Pdeathsig: a test
	// binary that dies without Close (panic, timeout) takes uwsgi with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("keystonetest: uwsgi: %w", err)
	}
	done := s.done
	go func() {
		s.err = s.cmd.Wait()
		close(done)
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Close()
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w\nuwsgi.log:\n%s", err, tail(log, 3000))
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get(s.URL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("%w: %v", errUWSGIExited, s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("keystonetest: Keystone at %s not ready after %s (last error %v)", s.URL, limit, err)
		}
	}
}

// Close stops uwsgi and its workers.
func (s *Server) Close() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// AdminClient is an identity v3 client logged in as the bootstrap admin,
// for tests to create users, projects and role assignments.
func (s *Server) AdminClient(ctx context.Context) (*gophercloud.ServiceClient, error) {
	opts := gophercloud.AuthOptions{IdentityEndpoint: s.URL, Username: s.AdminUser, Password: s.AdminPassword,
		DomainID: "default", TenantName: s.AdminProject}
	pc, err := openstack.AuthenticatedClient(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("keystonetest: admin login: %w", err)
	}
	return openstack.NewIdentityV3(pc, gophercloud.EndpointOpts{})
}

// Login returns a v3 token of user in project (domain "default").
func (s *Server) Login(ctx context.Context, user, password, project string) (string, error) {
	pc, err := openstack.NewClient(s.URL)
	if err != nil {
		return "", err
	}
	sc := &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: s.URL + "/"}
	r := tokens.Create(ctx, sc, &tokens.AuthOptions{Username: user, Password: password, DomainID: "default",
		Scope: tokens.Scope{ProjectName: project, DomainID: "default"}})
	return r.ExtractTokenID()
}

// Shared starts one Keystone on first use and keeps it for every test of
// the package; call Close from TestMain after m.Run.
type Shared struct {
	Options Options

	once sync.Once
	dir  string
	srv  *Server
	err  error
}

// Get returns the shared Keystone, starting it if needed; it skips (or,
// under CI=true, fails) t when Keystone is not installed, and fails t if it
// did not start.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	Require(t)
	sh.once.Do(func() {
		sh.dir, sh.err = os.MkdirTemp("", "keystonetest-")
		if sh.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		sh.srv, sh.err = Start(ctx, sh.dir, sh.Options)
	})
	if sh.err != nil {
		t.Fatalf("keystonetest: %v", sh.err)
	}
	return sh.srv
}

// Close stops the shared Keystone (if started) and removes its directory.
func (sh *Shared) Close() {
	if sh.srv != nil {
		sh.srv.Close()
	}
	if sh.dir != "" {
		_ = os.RemoveAll(sh.dir)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("keystonetest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// New starts a Keystone of t's own in t.TempDir(), stopped when t ends. It
// skips (or fails under CI=true) when Keystone is not installed.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
