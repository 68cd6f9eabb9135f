package zktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// startAttempts bounds retries when another process grabs a port between
// freePorts and the JVM binding it.
const startAttempts = 3

// Server is a standalone ZooKeeper server.
type Server struct {
	addr string
	proc *process
}

// Addr is the server's client address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Stop kills the server. Tests rarely need it: Start registers it as a cleanup.
func (s *Server) Stop() { s.proc.kill() }

// LogPath is the server's log file, useful when a test fails.
func (s *Server) LogPath() string { return s.proc.logPath }

// Start starts a standalone server for the test and waits until it serves
// requests; it is killed when the test ends. Starting a JVM takes a second
// or more: tests of one package should share a server through Shared.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	javaBin, classPath := requireInstalled(t)
	s, err := startStandalone(context.Background(), t.TempDir(), javaBin, classPath, opts...)
	if err != nil {
		t.Fatalf("zktest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func startStandalone(ctx context.Context, dir, javaBin, classPath string, opts ...Option) (*Server, error) {
	var lastErr error
	for attempt := range startAttempts {
		ports, err := freePorts(1)
		if err != nil {
			return nil, err
		}
		cfg := serverConfig{
			dataDir:    filepath.Join(dir, "standalone-"+strconv.Itoa(attempt)),
			clientPort: ports[0],
		}
		for _, opt := range opts {
			opt(&cfg)
		}
		cfgPath, err := cfg.write()
		if err != nil {
			return nil, err
		}
		proc, err := startProcess(javaBin, classPath, cfgPath, filepath.Join(cfg.dataDir, "server.log"), cfg.maxHeapMB)
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(cfg.clientPort)
		waitCtx, cancel := context.WithTimeout(ctx, startTimeout)
		err = waitServing(waitCtx, addr, proc)
		cancel()
		if err == nil {
			return &Server{addr: addr, proc: proc}, nil
		}
		proc.kill()
		lastErr = fmt.Errorf("start ZooKeeper: %w\nserver log %s:\n%s", err, proc.logPath, proc.logTail())
	}
	return nil, lastErr
}

// shared is the server Shared hands out, started on first use and killed
// when Main's m.Run returns. A package-level variable because it lives
// exactly as long as the test binary.
var shared struct {
	mu      sync.Mutex
	inMain  bool
	started bool
	srv     *Server
	dir     string
	err     error
}

// Main runs the tests of a package that uses Shared and then stops the
// shared server. Call it from TestMain:
//
//	func TestMain(m *testing.M) { zktest.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Shared returns the package's shared server, starting it on first use.
// Tests sharing it must keep to their own paths (e.g. a root named after
// t.Name()). The package's TestMain must call Main, which stops the server.
func Shared(t testing.TB) *Server {
	t.Helper()
	javaBin, classPath := requireInstalled(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		t.Fatal("zktest.Shared needs the package's TestMain to call zktest.Main(m)")
	}
	if !shared.started {
		shared.started = true
		shared.dir, shared.err = os.MkdirTemp("", "zktest-shared-")
		if shared.err == nil {
			shared.srv, shared.err = startStandalone(context.Background(), shared.dir, javaBin, classPath)
		}
	}
	if shared.err != nil {
		t.Fatalf("zktest: shared server: %v", shared.err)
	}
	return shared.srv
}
