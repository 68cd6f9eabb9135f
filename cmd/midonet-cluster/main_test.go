package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/keystore/keystoretest"
)

const waitLimit = 30 * time.Second

// binary is the command built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "midonet-cluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "midonet-cluster")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building midonet-cluster: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running midonet-cluster whose log lines are collected.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	exited chan struct{}
	err    error // Wait's result, set before exited is closed
}

var listening = regexp.MustCompile(`msg="REST API listening".* http=(\S+) https=(\S+)`)

// startBinary runs the binary with args and an environment of only env
// (no ZooKeeper variables leak in from the caller), and waits until the
// REST API listens; it returns the HTTP and HTTPS addresses ("off").
func startBinary(t *testing.T, env []string, args ...string) (p *process, httpAddr, httpsAddr string) {
	t.Helper()
	return launch(t, env, true, args...)
}

// launch is startBinary; with portZero false the HTTP port is left to the
// configuration (mn-conf).
func launch(t *testing.T, env []string, portZero bool, args ...string) (p *process, httpAddr, httpsAddr string) {
	t.Helper()
	for _, f := range []string{"/etc/midonet/midonet.conf", "/etc/midolman/midolman.conf"} {
		if _, err := os.Stat(f); err == nil && !slices.Contains(args, "--zookeeper-hosts") {
			t.Skipf("SKIPPED: %s exists on this machine and may name a ZooKeeper; this test needs the in-memory store", f)
		}
	}
	dir := t.TempDir()
	base := []string{"--host-id-file", filepath.Join(dir, "host_id.properties"),
		"--env-file", filepath.Join(dir, "absent-env.sh"),
		"--set", "cluster.rest_api.http_host=127.0.0.1", "--set", "cluster.rest_api.https_host=127.0.0.1",
		"--set", "cluster.endpoint.service.interface=127.0.0.1", "--set", "cluster.endpoint.service.port=0",
		"--set", "cluster.state_proxy.server.address=127.0.0.1", "--set", "cluster.state_proxy.server.port=0"}
	if portZero {
		base = append(base, "--set", "cluster.rest_api.http_port=0")
	}
	p = &process{cmd: exec.Command(binary, append(base, args...)...), exited: make(chan struct{})}
	p.cmd.Env = append([]string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				addrs <- m[1:]
			}
		}
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("midonet-cluster log:\n%s", p.log())
		}
	})
	select {
	case a := <-addrs:
		p.waitLog(t, `msg="MidoNet Cluster started"`)
		return p, a[0], a[1]
	case <-p.exited:
		t.Fatalf("midonet-cluster exited at start: %v\n%s", p.err, p.log())
	case <-time.After(waitLimit):
		t.Fatalf("midonet-cluster not listening in time\n%s", p.log())
	}
	return nil, "", ""
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// terminate sends SIGTERM and returns the exit code.
func (p *process) terminate(t *testing.T) int {
	t.Helper()
	return p.signal(t, syscall.SIGTERM)
}

// signal sends sig and returns the exit code.
func (p *process) signal(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(waitLimit):
		t.Fatal("midonet-cluster did not exit after SIGTERM")
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

func httpGet(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestInMemoryNodeServesAndStopsOnSIGINT(t *testing.T) {
	p, httpAddr, httpsAddr := startBinary(t, nil)
	if httpsAddr != "off" {
		t.Fatalf("HTTPS on without a key store password: %s", httpsAddr)
	}
	for _, want := range []string{"IN-MEMORY store; all data is LOST when this process exits",
		"HTTPS disabled: no key store password set"} {
		if !strings.Contains(p.log(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if code, body := httpGet(t, http.DefaultClient, "http://"+httpAddr+"/health"); code != 200 || body != "ok\n" {
		t.Fatalf("/health: %d %q", code, body)
	}
	if code, _ := httpGet(t, http.DefaultClient, "http://"+httpAddr+"/metrics"); code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	if code := p.signal(t, os.Interrupt); code != 0 {
		t.Fatalf("exit code after SIGINT: %d", code)
	}
	for _, want := range []string{"MidoNet Cluster shutting down", "MidoNet Cluster stopped"} {
		if !strings.Contains(p.log(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if c, err := net.DialTimeout("tcp", httpAddr, time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after exit")
	}
}

// TestHTTPSFromTheEnvFile runs HTTPS the way an existing deployment
// configures it: JVM_OPTS lines in midonet-cluster-env.sh, and a key store
// made by the documented openssl + keytool procedure.
func TestHTTPSFromTheEnvFile(t *testing.T) {
	ks := keystoretest.Make(t)
	envFile := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	content := fmt.Sprintf("JVM_OPTS=\"$JVM_OPTS -XX:+UseG1GC\"\nJVM_OPTS=\"$JVM_OPTS -Dmidonet.keystore_path=%s\"\n"+
		"JVM_OPTS=\"$JVM_OPTS -Dmidonet.keystore_password=%s\"\n", ks.JKS, keystoretest.Password)
	if err := os.WriteFile(envFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpsPort := l.Addr().(*net.TCPAddr).Port
	l.Close()

	p, _, httpsAddr := startBinary(t, nil, "--env-file", envFile, "--set", fmt.Sprintf("cluster.rest_api.https_port=%d", httpsPort))
	if httpsAddr == "off" {
		t.Fatalf("HTTPS off\n%s", p.log())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ks.Pool}}}
	resp, err := client.Get(fmt.Sprintf("https://%s/health", httpsAddr))
	if err != nil {
		t.Fatalf("verified TLS request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.TLS.PeerCertificates[0].Equal(ks.Cert) {
		t.Fatalf("HTTPS /health: %d, certificate is the key store's: %v", resp.StatusCode, resp.TLS.PeerCertificates[0].Equal(ks.Cert))
	}
	if code := p.terminate(t); code != 0 {
		t.Fatalf("exit code after SIGTERM: %d", code)
	}
}

func TestBadCommandLines(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown flag", []string{"--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{"two config files", []string{"a.conf", "b.conf"}, 2, "accepts at most 1 arg"},
		{"malformed --set", []string{"--set", "cluster.rest_api.http_port"}, 2, "want key=value"},
		{"bad log level", []string{"--log-level", "LOUD"}, 2, "want TRACE"},
		{"unreadable config file", []string{filepath.Join(t.TempDir(), "missing.conf")}, 1, "missing.conf"},
		{"unknown setting", []string{"--set", "cluster.rest_api.htp_port=1"}, 1, "cluster.rest_api.htp_port is not a setting"},
		{"bad setting value", []string{"--set", "cluster.rest_api.http_port=eighty"}, 1, "cluster.rest_api.http_port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			dir := t.TempDir()
			cmd := exec.CommandContext(ctx, binary, append([]string{"--host-id-file", filepath.Join(dir, "id"),
				"--env-file", filepath.Join(dir, "env.sh")}, tc.args...)...)
			cmd.Env = []string{"HOME=" + dir}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Fatalf("exit %v, want code %d\n%s", err, tc.code, out)
			}
			if !strings.Contains(string(out), tc.says) {
				t.Fatalf("output does not say %q:\n%s", tc.says, out)
			}
		})
	}
}

// waitUntil polls cond every 10ms until it holds; when it still does not
// after waitLimit, the test fails with failure's message.
func waitUntil(t *testing.T, cond func() bool, failure func() string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(failure())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLog waits until the process has logged a line containing s.
func (p *process) waitLog(t *testing.T, s string) {
	t.Helper()
	waitUntil(t, func() bool { return strings.Contains(p.log(), s) },
		func() string { return fmt.Sprintf("no log line with %q:\n%s", s, p.log()) })
}

// TestSIGTERMDrainsOnZooKeeper signals the real binary, on real ZooKeeper,
// while a REST request is in flight (its body half sent): the listener
// closes, the request still completes and is stored, the node's ephemeral
// registration is removed, and the process exits 0.
func TestSIGTERMDrainsOnZooKeeper(t *testing.T) {
	srv := zktest.Start(t)
	const root = "/drain-test"
	p, httpAddr, _ := startBinary(t, nil, "--zookeeper-hosts", srv.Addr(), "--zookeeper-root-key", root)

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	observer, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer observer.Close()
	nodes := path.Join(root, "cluster", "nodes")
	if kids, _, err := observer.Children(ctx, nodes); err != nil || len(kids) != 1 {
		t.Fatalf("registrations %v, %v; want this node's", kids, err)
	}

	body, feed := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/midonet-api/bridges", body)
	req.Header.Set("Content-Type", "application/vnd.org.midonet.Bridge-v4+json")
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{code: resp.StatusCode}
	}()
	if _, err := io.WriteString(feed, `{"name": "drained", `); err != nil {
		t.Fatal(err)
	}
	// In flight: this /metrics request and the POST.
	waitUntil(t, func() bool {
		_, m := httpGet(t, http.DefaultClient, "http://"+httpAddr+"/metrics")
		return strings.Contains(m, "midonet_cluster_http_requests_in_flight 2")
	}, func() string { return "the POST never reached the handler" })

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes while the request is still running.
	waitUntil(t, func() bool {
		c, err := net.DialTimeout("tcp", httpAddr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, func() string { return "still accepting connections while draining" })
	select {
	case <-p.exited:
		t.Fatal("exited with a request in flight")
	default:
	}
	io.WriteString(feed, `"tenantId": "t1"}`)
	feed.Close()
	if r := <-done; r.err != nil || r.code != http.StatusCreated {
		t.Fatalf("in-flight POST: %+v, want 201", r)
	}
	if code := p.terminate(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if kids, _, err := observer.Children(ctx, nodes); err != nil || len(kids) != 0 {
		t.Fatalf("registrations after exit %v, %v; want none", kids, err)
	}
	if kids, _, err := observer.Children(ctx, path.Join(root, "zoom", "0", "models", "Network")); err != nil || len(kids) != 1 {
		t.Fatalf("stored bridges %v, %v; want the drained request's", kids, err)
	}
}

// mnConf runs the mn-conf command's logic (package mnconf, as cmd/mn-conf
// does) against ZooKeeper at zkAddr, with stdin.
func mnConf(t *testing.T, zkAddr, root, stdin string, args ...string) {
	t.Helper()
	var out strings.Builder
	cli := mnconf.CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out,
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"MIDO_ZOOKEEPER_HOSTS": zkAddr, "MIDO_ZOOKEEPER_ROOT_KEY": root}[k]
			return v, ok
		},
		BootstrapFiles: []string{}, HostIDFile: filepath.Join(t.TempDir(), "mn-conf-host-id"),
		Connect: func(ctx context.Context, servers []string, timeout time.Duration) (storage.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			return zk.Connect(ctx, zk.Config{Servers: servers})
		}}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if code := cli.Run(ctx, args); code != 0 {
		t.Fatalf("mn-conf %v: exit %d\n%s", args, code, out.String())
	}
}

// TestListensWhereMNConfSays is issue 6's end to end case on real
// ZooKeeper, found through MIDO_ZOOKEEPER_HOSTS/MIDO_ZOOKEEPER_ROOT_KEY:
// the HTTP port set with mn-conf in the default template, then in a
// template mapped to the host, then in the host's own config, is where the
// binary started afterwards listens.
func TestListensWhereMNConfSays(t *testing.T) {
	srv := zktest.Start(t)
	const root = "/mnconf-e2e"
	env := []string{"MIDO_ZOOKEEPER_HOSTS=" + srv.Addr(), "MIDO_ZOOKEEPER_ROOT_KEY=" + root}
	hostID := uuid.New().String()
	hostIDFile := filepath.Join(t.TempDir(), "midonet_host_id.properties")
	if err := os.WriteFile(hostIDFile, []byte("host_uuid="+hostID+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	freePort := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	steps := []struct {
		name string
		set  func(port int)
	}{
		{"default template", func(port int) {
			// echo "cluster.rest_api.http_port = N" | mn-conf set -t default
			mnConf(t, srv.Addr(), root, fmt.Sprintf("cluster.rest_api.http_port = %d\n", port), "set", "-t", "default")
		}},
		{"mapped template", func(port int) {
			mnConf(t, srv.Addr(), root, "", "set", "-t", "cluster-large", fmt.Sprintf("cluster.rest_api.http_port : %d", port))
			mnConf(t, srv.Addr(), root, "", "template-set", "-h", hostID, "-t", "cluster-large")
		}},
		{"per-host", func(port int) {
			mnConf(t, srv.Addr(), root, "", "set", "-h", hostID, fmt.Sprintf("cluster.rest_api.http_port : %d", port))
		}},
	}
	for _, step := range steps {
		port := freePort()
		step.set(port)
		p, httpAddr, _ := launch(t, env, false, "--host-id-file", hostIDFile)
		if want := fmt.Sprintf("127.0.0.1:%d", port); httpAddr != want {
			t.Fatalf("%s: listening on %s, want %s", step.name, httpAddr, want)
		}
		if code, _ := httpGet(t, http.DefaultClient, "http://"+httpAddr+"/health"); code != 200 {
			t.Fatalf("%s: /health %d", step.name, code)
		}
		if code := p.terminate(t); code != 0 {
			t.Fatalf("%s: exit %d", step.name, code)
		}
	}
}

// TestDefaultPort is the README's command: with nothing configured the node
// serves the API on 8181 over the in-memory store (on loopback here).
func TestDefaultPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:8181")
	if err != nil {
		t.Skipf("SKIPPED: port 8181 is busy on this machine (%v); the default port cannot be checked", err)
	}
	l.Close()
	p, httpAddr, _ := launch(t, nil, false)
	if httpAddr != "127.0.0.1:8181" {
		t.Fatalf("listening on %s, want the default 127.0.0.1:8181", httpAddr)
	}
	code, body := httpGet(t, http.DefaultClient, "http://127.0.0.1:8181/midonet-api")
	if code != 200 || !strings.Contains(body, `"version":"v5.0"`) {
		t.Fatalf("GET /midonet-api: %d %q", code, body)
	}
	if code := p.terminate(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
