// Package zktest starts real ZooKeeper servers (Debian's zookeeper package)
// for tests: a standalone server, a server shared by all tests of a package,
// and 3-node ensembles whose members can be killed and restarted. It also has
// a loopback TCP proxy that can cut a client off from its server, which is how
// tests make ZooKeeper itself expire a session, and Backend, which opens
// storage sessions (package zk) that tests can expire that way; it is the
// storagetest.Backend of real ZooKeeper.
//
// Typical use, one server for the whole package:
//
//	func TestMain(m *testing.M) { zktest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		b := zktest.NewBackend(zktest.Shared(t).Addr())
//		c := b.Connect(t) // a *zk.Conn, closed when the test ends
//		...
//		b.Expire(t, c) // the server expires c's session
//	}
//
// Every server listens on 127.0.0.1 only, on free ports, keeps its data in
// t.TempDir(), and is killed (with its whole process group) when the test
// ends. When ZooKeeper is not installed, the helpers skip the test with a
// clear message, unless the environment variable CI is "true": then they fail
// it, because CI installs everything through .ci/run.
package zktest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Debian's layout: zkServer.sh marks the package as installed; the server's
// classes are in zookeeper.jar, whose manifest names its dependencies.
const (
	zkServerScript = "/usr/share/zookeeper/bin/zkServer.sh"
	zookeeperJar   = "/usr/share/java/zookeeper.jar"
	// slf4j-simple (Debian's libslf4j-java) makes the server log to stderr,
	// which we keep in the data directory for post-mortems. Optional.
	slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar"
	mainClass      = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
)

// startTimeout bounds how long a server may take to serve requests. A JVM
// start on a loaded 2-core machine takes a few seconds; an ensemble also has
// to elect a leader.
const startTimeout = 60 * time.Second

// requireInstalled skips (or, under CI, fails) the test when ZooKeeper or
// Java is missing, and returns the java binary and class path otherwise.
func requireInstalled(t testing.TB) (javaBin, classPath string) {
	t.Helper()
	javaBin, classPath, err := lookupInstallation()
	if err == nil {
		return javaBin, classPath
	}
	skipOrFail(t, err)
	return "", ""
}

// skipOrFail ends t because ZooKeeper is unusable (err): a loud skip, or a
// failure under CI.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("zktest: ZooKeeper is not available (%v); install Debian's zookeeper package "+
		"(`apt-get install zookeeper`, or run `bash .ci/run`)", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — failing because CI=true")
		return
	}
	t.Skip("SKIPPED: " + msg)
}

func lookupInstallation() (javaBin, classPath string, err error) {
	if _, err := os.Stat(zkServerScript); err != nil {
		return "", "", fmt.Errorf("no %s: %w", zkServerScript, err)
	}
	if _, err := os.Stat(zookeeperJar); err != nil {
		return "", "", fmt.Errorf("no %s: %w", zookeeperJar, err)
	}
	javaBin = "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		javaBin = filepath.Join(home, "bin", "java")
	}
	javaBin, err = exec.LookPath(javaBin)
	if err != nil {
		return "", "", fmt.Errorf("no java: %w", err)
	}
	classPath = zookeeperJar
	if _, err := os.Stat(slf4jSimpleJar); err == nil {
		classPath += ":" + slf4jSimpleJar
	}
	return javaBin, classPath, nil
}

// process is one running ZooKeeper JVM.
type process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // valid after exited is closed
}

// defaultMaxHeapMB is a test server's heap unless MaxHeap says otherwise:
// small, the machine running the tests is shared.
const defaultMaxHeapMB = 256

// startProcess runs the server for the configuration file cfgPath in its own
// process group, logging to logPath, with a heap of at most maxHeapMB
// (defaultMaxHeapMB when 0).
func startProcess(javaBin, classPath, cfgPath, logPath string, maxHeapMB int) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open server log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	if maxHeapMB == 0 {
		maxHeapMB = defaultMaxHeapMB
	}
	cmd := exec.Command(javaBin,
		// Quick to start: the machine running the tests is shared.
		"-Xms32m", fmt.Sprintf("-Xmx%dm", maxHeapMB), "-XX:+UseSerialGC", "-Xss512k",
		"-Djava.net.preferIPv4Stack=true",
		"-Dorg.slf4j.simpleLogger.showDateTime=true",
		"-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
		"-Dzookeeper.jmx.log4j.disable=true",
		"-cp", classPath, mainClass, cfgPath)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Dir = filepath.Dir(cfgPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// Should the test binary die without running its cleanups (a
		// timeout panic), take the JVM with it.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", javaBin, err)
	}
	p := &process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// kill SIGKILLs the process group and waits for the JVM to be reaped.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// logTail returns the last lines of the server's log, for failure messages.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// FourLetterWord sends one of ZooKeeper's four-letter commands ("srvr",
// "stat", "ruok", "mntr"...) to addr and returns the answer. All of them are
// whitelisted on the servers this package starts.
func FourLetterWord(ctx context.Context, addr, cmd string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("four-letter word %q to %s: %w", cmd, addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, cmd); err != nil {
		return "", fmt.Errorf("four-letter word %q to %s: %w", cmd, addr, err)
	}
	answer, err := io.ReadAll(conn)
	if err != nil && len(answer) == 0 {
		return "", fmt.Errorf("four-letter word %q to %s: %w", cmd, addr, err)
	}
	return string(answer), nil
}

// serverMode asks addr for its mode ("standalone", "leader", "follower").
// It fails while the server does not serve requests (no quorum yet).
func serverMode(ctx context.Context, addr string) (string, error) {
	answer, err := FourLetterWord(ctx, addr, "srvr")
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(strings.NewReader(answer))
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	return "", fmt.Errorf("%s is not serving: %q", addr, strings.TrimSpace(answer))
}

// waitServing polls until the server at addr answers srvr with a mode.
func waitServing(ctx context.Context, addr string, p *process) error {
	var lastErr error
	for {
		if p.hasExited() {
			return fmt.Errorf("server process exited (%v) before serving on %s", p.waitErr, addr)
		}
		pollCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := serverMode(pollCtx, addr)
		cancel()
		if err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("server on %s not serving: %w (last: %v)", addr, ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1. They are
// released before the server binds them, so a start can still lose a race
// with another process; callers retry.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// serverConfig is what differs between the servers this package starts.
type serverConfig struct {
	dataDir    string
	clientPort int
	myID       int      // 0 for a standalone server
	peers      []string // "server.N=..." lines of an ensemble
	fsync      bool     // fsync the transaction log, as production servers do
	maxHeapMB  int      // the JVM's -Xmx; defaultMaxHeapMB when 0
}

// Option changes how Start starts a server.
type Option func(*serverConfig)

// Fsync makes the server fsync its transaction log before acknowledging a
// write, as production servers do: what benchmarks of the physical limit
// need. Test servers do not by default: without fsync they are faster and
// immune to the disk latency of a shared machine, and a SIGKILLed server
// still loses nothing (its writes are in the page cache).
func Fsync() Option { return func(c *serverConfig) { c.fsync = true } }

// MaxHeap gives the server's JVM a heap of mb MiB instead of the default
// 256: a server that keeps its last 500 transactions in memory needs more
// when they write nodes of hundreds of KB (a bridge of thousands of ports).
func MaxHeap(mb int) Option { return func(c *serverConfig) { c.maxHeapMB = mb } }

// write writes zoo.cfg (and myid for ensemble members) into the data
// directory and returns the configuration's path.
func (c serverConfig) write() (string, error) {
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "dataDir=%s\n", c.dataDir)
	fmt.Fprintf(&b, "clientPort=%d\n", c.clientPort)
	b.WriteString("clientPortAddress=127.0.0.1\n")
	// A short tick keeps elections and session expiry fast; sessions may
	// still ask for up to a minute.
	b.WriteString("tickTime=500\ninitLimit=20\nsyncLimit=10\n")
	b.WriteString("minSessionTimeout=1000\nmaxSessionTimeout=60000\n")
	b.WriteString("maxClientCnxns=0\n")
	b.WriteString("admin.enableServer=false\n")
	b.WriteString("4lw.commands.whitelist=*\n")
	// No 64 MB pre-allocated transaction logs in temporary directories.
	b.WriteString("preAllocSize=4096\n")
	b.WriteString("autopurge.purgeInterval=0\n")
	if !c.fsync {
		b.WriteString("forceSync=no\n")
	}
	for _, p := range c.peers {
		b.WriteString(p + "\n")
	}
	if c.myID > 0 {
		if err := os.WriteFile(filepath.Join(c.dataDir, "myid"), fmt.Appendf(nil, "%d\n", c.myID), 0o644); err != nil {
			return "", fmt.Errorf("write myid: %w", err)
		}
	}
	cfgPath := filepath.Join(c.dataDir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write zoo.cfg: %w", err)
	}
	return cfgPath, nil
}
