package vteptest

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestKillRestartKeepsDatabaseAndPort proves the helper's contract: what was
// written before Kill is served again after Restart, on the same port, and
// nothing listens in between.
func TestKillRestartKeepsDatabaseAndPort(t *testing.T) {
	s := Start(t)
	s.AddPhysicalSwitch("ps0", []string{"127.0.0.1"}, []string{"10.0.0.1"}, []string{"eth0", "eth1"})
	if got := s.MustCtl("list-ports", "ps0"); got != "eth0\neth1" {
		t.Fatalf("list-ports = %q", got)
	}
	port := s.Port()
	// vtep-ctl's sessions end asynchronously on the server side.
	waitSessions(t, s, 0)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	waitSessions(t, s, 1)
	c.Close()

	s.Kill()
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatalf("something still listens on %s after Kill", s.Addr())
	}

	s.Restart()
	if s.Port() != port {
		t.Fatalf("port changed across restart: %d -> %d", port, s.Port())
	}
	if got := s.MustCtl("get", "Physical_Switch", "ps0", "tunnel_ips"); !strings.Contains(got, "10.0.0.1") {
		t.Fatalf("tunnel_ips after restart = %q", got)
	}
	s.MustCtl("add-ls", "ls0")
	s.AddUcastLocal("ls0", "00:11:22:33:44:55", "10.0.0.9")
	if got := s.MustCtl("list-local-macs", "ls0"); !strings.Contains(got, "00:11:22:33:44:55 -> vxlan_over_ipv4/10.0.0.9") {
		t.Fatalf("list-local-macs = %q", got)
	}
}

func waitSessions(t *testing.T, s *Server, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Sessions() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions, want %d", s.Sessions(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
