// Package vteptest runs a real ovsdb-server serving Debian's hardware_vtep
// schema (/usr/share/openvswitch/vtep.ovsschema) for tests, and drives it with
// vtep-ctl the way a hardware VTEP's own agent would (creating the physical
// switch and ports, learning local MACs). StartDatabase serves any other
// schema the same way (the benchmarks serve OVN's northbound database).
//
// The server is a child process of the test binary (never daemonized), bound
// to 127.0.0.1 on a free port, with its database, pidfile, unixctl socket and
// log inside t.TempDir(). Kill and Restart keep the database file and the
// port, so that a client sees "the VTEP went away and came back".
//
// When the Open vSwitch tools are absent the test is skipped with a message,
// unless the environment variable CI is "true", in which case it fails.
package vteptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SchemaPath is where Debian's openvswitch-vtep package installs the
// hardware_vtep schema.
const SchemaPath = "/usr/share/openvswitch/vtep.ovsschema"

const startTimeout = 10 * time.Second

// Server is one ovsdb-server process serving a hardware_vtep database.
type Server struct {
	t      testing.TB
	dir    string
	dbPath string
	port   int

	serverBin, toolBin, vtepCtlBin string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
}

// binary finds an Open vSwitch tool on PATH or in /usr/sbin, where
// ovsdb-server lives and which is not always on PATH.
func binary(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if alt := filepath.Join("/usr/sbin", name); fileExists(alt) {
		return alt, nil
	}
	return "", err
}

// serverTools returns ovsdb-server and ovsdb-tool, or why they are not usable.
func serverTools() (server, tool string, err error) {
	if server, err = binary("ovsdb-server"); err == nil {
		tool, err = binary("ovsdb-tool")
	}
	if err != nil {
		return "", "", fmt.Errorf("%w (install Debian package openvswitch-common)", err)
	}
	return server, tool, nil
}

// tools returns the paths of the binaries Start needs, or a reason why
// they are not usable.
func tools() (server, tool, ctl string, err error) {
	if _, err := os.Stat(SchemaPath); err != nil {
		return "", "", "", fmt.Errorf("hardware_vtep schema: %w (install Debian package openvswitch-vtep)", err)
	}
	if server, tool, err = serverTools(); err != nil {
		return "", "", "", err
	}
	if ctl, err = binary("vtep-ctl"); err != nil {
		return "", "", "", fmt.Errorf("%w (install Debian package openvswitch-vtep)", err)
	}
	return server, tool, ctl, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// skipOrFail ends t because a component is missing: a loud skip, or a
// failure under CI=true, which installs everything through .ci/run.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("vteptest: ovsdb-server unavailable under CI: %v", err)
	}
	t.Skipf("SKIPPING: vteptest needs a real ovsdb-server: %v", err)
}

// Require skips the test (or fails it under CI=true) when ovsdb-server and
// vtep-ctl are not installed.
func Require(t testing.TB) {
	t.Helper()
	if _, _, _, err := tools(); err != nil {
		skipOrFail(t, err)
	}
}

// Start creates a fresh hardware_vtep database and serves it. The server is
// killed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	Require(t)
	serverBin, toolBin, ctlBin, _ := tools()
	return startDatabase(t, SchemaPath, serverBin, toolBin, ctlBin)
}

// StartDatabase creates a fresh database of the schema at schemaPath (e.g.
// OVN's /usr/share/ovn/ovn-nb.ovsschema) and serves it as Start does; pkg
// names the Debian package that ships the schema, for the skip message.
// Ctl and the VTEP helpers need Start's hardware_vtep database.
func StartDatabase(t testing.TB, schemaPath, pkg string) *Server {
	t.Helper()
	serverBin, toolBin, err := serverTools()
	if err == nil {
		if _, statErr := os.Stat(schemaPath); statErr != nil {
			err = fmt.Errorf("schema: %w (install Debian package %s)", statErr, pkg)
		}
	}
	if err != nil {
		skipOrFail(t, err)
	}
	return startDatabase(t, schemaPath, serverBin, toolBin, "")
}

func startDatabase(t testing.TB, schemaPath, serverBin, toolBin, ctlBin string) *Server {
	t.Helper()
	dir := t.TempDir()
	s := &Server{t: t, dir: dir, dbPath: filepath.Join(dir, "db"), serverBin: serverBin, toolBin: toolBin, vtepCtlBin: ctlBin}
	if out, err := exec.Command(toolBin, "create", s.dbPath, schemaPath).CombinedOutput(); err != nil {
		t.Fatalf("vteptest: ovsdb-tool create: %v: %s", err, out)
	}
	t.Cleanup(s.Kill)

	// A free port is found by binding :0 and releasing it; another process may
	// grab it in between, so a failed start is retried on a new port.
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("vteptest: %v", err)
		}
		s.port = port
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("vteptest: ovsdb-server did not start: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	logPath := filepath.Join(s.dir, "ovsdb-server.log")
	cmd := exec.Command(s.serverBin, s.dbPath,
		"--remote=ptcp:"+strconv.Itoa(s.port)+":127.0.0.1",
		"--pidfile="+filepath.Join(s.dir, "ovsdb-server.pid"),
		"--unixctl="+filepath.Join(s.dir, "ovsdb-server.ctl"),
		"--log-file="+logPath,
		"--no-chdir",
		"-vconsole:off",
		// Logs the server's inactivity probes, so tests can prove they were answered.
		"-vreconnect:file:dbg",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting ovsdb-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("ovsdb-server exited at start: %s %s", stderr.String(), log)
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("ovsdb-server not listening on %s after %v", s.Addr(), startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the TCP port the server listens on (stable across Restart).
func (s *Server) Port() int { return s.port }

// Endpoint is the OVSDB connection string, "tcp:127.0.0.1:PORT".
func (s *Server) Endpoint() string { return "tcp:" + s.Addr() }

// Kill stops the server abruptly (SIGKILL), as a crashing VTEP would. It is a
// no-op when the server is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// Pause stops the server process (SIGSTOP) without closing its sockets: to
// a client it looks like a hung VTEP, not a dead one.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatalf("vteptest: server not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("vteptest: signalling ovsdb-server: %v", err)
	}
}

// Restart kills the server if it runs, then serves the same database file on
// the same port again.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	var err error
	// The port was ours a moment ago; retry briefly in case the kernel has
	// not released it yet.
	for range 20 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("vteptest: restarting ovsdb-server: %v", err)
}

// Sessions returns how many clients are connected to the server, from its
// own accounting (ovs-appctl memory/show).
func (s *Server) Sessions() int {
	s.t.Helper()
	appctl, err := exec.LookPath("ovs-appctl")
	if err != nil {
		s.t.Fatalf("vteptest: ovs-appctl: %v (install Debian package openvswitch-common)", err)
	}
	out, err := exec.Command(appctl, "-t", filepath.Join(s.dir, "ovsdb-server.ctl"), "memory/show").CombinedOutput()
	if err != nil {
		s.t.Fatalf("vteptest: ovs-appctl memory/show: %v: %s", err, out)
	}
	for _, field := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(field, "sessions:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				s.t.Fatalf("vteptest: memory/show: %q", out)
			}
			return n
		}
	}
	return 0 // the server leaves zero counters out
}

// TransactOffline applies an OVSDB transaction (the JSON params of RFC
// 7047's "transact", e.g. ["hardware_vtep",{"op":"delete",...}]) directly to
// the database file while the server is down: the VTEP's state changes while
// no client can see it.
func (s *Server) TransactOffline(ops string) string {
	s.t.Helper()
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		s.t.Fatalf("vteptest: TransactOffline needs the server killed first")
	}
	out, err := exec.Command(s.toolBin, "transact", s.dbPath, ops).CombinedOutput()
	if err != nil || strings.Contains(string(out), `"error"`) {
		s.t.Fatalf("vteptest: ovsdb-tool transact: %v: %s", err, out)
	}
	return string(out)
}

// Ctl runs vtep-ctl against the server and returns its trimmed standard output.
func (s *Server) Ctl(ctx context.Context, args ...string) (string, error) {
	if s.vtepCtlBin == "" {
		return "", errors.New("vtep-ctl: the server was started by StartDatabase, not with the hardware_vtep schema")
	}
	full := append([]string{"--db=" + s.Endpoint(), "--timeout=10"}, args...)
	cmd := exec.CommandContext(ctx, s.vtepCtlBin, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("vtep-ctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// MustCtl is Ctl that fails the test on error.
func (s *Server) MustCtl(args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := s.Ctl(ctx, args...)
	if err != nil {
		s.t.Fatalf("vteptest: %v", err)
	}
	return out
}

// AddPhysicalSwitch creates a Physical_Switch with the given management and
// tunnel IPs and physical ports, as a VTEP's own agent does at boot.
func (s *Server) AddPhysicalSwitch(name string, managementIPs, tunnelIPs, ports []string) {
	s.t.Helper()
	s.MustCtl("add-ps", name)
	for _, p := range ports {
		s.MustCtl("add-port", name, p)
	}
	set := []string{"set", "Physical_Switch", name}
	if len(managementIPs) > 0 {
		set = append(set, "management_ips="+strings.Join(managementIPs, ","))
	}
	if len(tunnelIPs) > 0 {
		set = append(set, "tunnel_ips="+strings.Join(tunnelIPs, ","))
	}
	if len(set) > 3 {
		s.MustCtl(set...)
	}
}

// AddUcastLocal simulates the VTEP learning a unicast MAC on logical switch ls
// behind the VxLAN tunnel endpoint locatorIP.
func (s *Server) AddUcastLocal(ls, mac, locatorIP string) {
	s.t.Helper()
	s.MustCtl("add-ucast-local", ls, mac, locatorIP)
}

// DelUcastLocal forgets a learned unicast MAC.
func (s *Server) DelUcastLocal(ls, mac string) {
	s.t.Helper()
	s.MustCtl("del-ucast-local", ls, mac)
}

// Log returns the server's log file content (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "ovsdb-server.log"))
	return string(b)
}
