package zktest

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Ensemble is a ZooKeeper ensemble of servers on 127.0.0.1, each with its own
// client, peer and election ports. Members are numbered from 0; member i has
// myid i+1.
type Ensemble struct {
	t         testing.TB
	javaBin   string
	classPath string

	mu      sync.Mutex
	members []*member
}

type member struct {
	cfgPath string
	logPath string
	addr    string
	proc    *process // nil while killed
}

// StartEnsemble starts an ensemble of n servers and waits until every member
// serves requests (a leader has been elected). The members are killed when
// the test ends.
func StartEnsemble(t testing.TB, n int) *Ensemble {
	t.Helper()
	if n < 1 {
		t.Fatalf("zktest: an ensemble needs at least one server, not %d", n)
	}
	javaBin, classPath := requireInstalled(t)
	// The directory first: cleanups run last-in first-out, and the servers
	// must be dead before their directory is removed.
	dir := t.TempDir()
	e := &Ensemble{t: t, javaBin: javaBin, classPath: classPath}
	t.Cleanup(e.killAll)
	var lastErr error
	for attempt := range startAttempts {
		err := e.start(filepath.Join(dir, "attempt-"+strconv.Itoa(attempt)), n)
		if err == nil {
			return e
		}
		e.killAll()
		lastErr = err
	}
	t.Fatalf("zktest: start a %d-server ensemble: %v", n, lastErr)
	return nil
}

func (e *Ensemble) start(dir string, n int) error {
	ports, err := freePorts(3 * n)
	if err != nil {
		return err
	}
	var peers []string
	for i := range n {
		peers = append(peers, fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i+1, ports[3*i+1], ports[3*i+2]))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.members = nil
	for i := range n {
		cfg := serverConfig{
			dataDir:    filepath.Join(dir, "server-"+strconv.Itoa(i+1)),
			clientPort: ports[3*i],
			myID:       i + 1,
			peers:      peers,
		}
		cfgPath, err := cfg.write()
		if err != nil {
			return err
		}
		m := &member{
			cfgPath: cfgPath,
			logPath: filepath.Join(cfg.dataDir, "server.log"),
			addr:    "127.0.0.1:" + strconv.Itoa(cfg.clientPort),
		}
		e.members = append(e.members, m)
		if m.proc, err = startProcess(e.javaBin, e.classPath, m.cfgPath, m.logPath, 0); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for i, m := range e.members {
		if err := waitServing(ctx, m.addr, m.proc); err != nil {
			return fmt.Errorf("member %d: %w\nserver log %s:\n%s", i, err, m.logPath, m.proc.logTail())
		}
	}
	return nil
}

func (e *Ensemble) killAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.members {
		if m.proc != nil {
			m.proc.kill()
			m.proc = nil
		}
	}
}

// Addrs are the members' client addresses, in member order.
func (e *Ensemble) Addrs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	addrs := make([]string, len(e.members))
	for i, m := range e.members {
		addrs[i] = m.addr
	}
	return addrs
}

func (e *Ensemble) member(i int) *member {
	e.t.Helper()
	if i < 0 || i >= len(e.members) {
		e.t.Fatalf("zktest: no ensemble member %d (have %d)", i, len(e.members))
	}
	return e.members[i]
}

// Kill SIGKILLs member i (no clean shutdown: its clients see the connection
// drop and the others hold an election if it led).
func (e *Ensemble) Kill(i int) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.member(i)
	if m.proc != nil {
		m.proc.kill()
		m.proc = nil
	}
}

// Start restarts the killed member i with its data and waits until it
// serves requests again (it has rejoined the quorum).
func (e *Ensemble) Start(i int) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.member(i)
	if m.proc != nil {
		e.t.Fatalf("zktest: ensemble member %d is already running", i)
	}
	var err error
	if m.proc, err = startProcess(e.javaBin, e.classPath, m.cfgPath, m.logPath, 0); err != nil {
		e.t.Fatalf("zktest: restart member %d: %v", i, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := waitServing(ctx, m.addr, m.proc); err != nil {
		e.t.Fatalf("zktest: restart member %d: %v\nserver log %s:\n%s", i, err, m.logPath, m.proc.logTail())
	}
}

// Running reports whether member i's process is up (it may still be
// looking for a quorum).
func (e *Ensemble) Running(i int) bool {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.member(i)
	return m.proc != nil && !m.proc.hasExited()
}

// Leader returns the index of the member that currently leads, or -1 when
// none does (no quorum, or an election under way).
func (e *Ensemble) Leader() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, m := range e.members {
		if m.proc == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		mode, err := serverMode(ctx, m.addr)
		cancel()
		if err == nil && mode == "leader" {
			return i
		}
	}
	return -1
}

// WaitLeader waits up to timeout for a member to lead and returns it.
func (e *Ensemble) WaitLeader(timeout time.Duration) int {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if l := e.Leader(); l >= 0 {
			return l
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("zktest: no ensemble leader after %v", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
