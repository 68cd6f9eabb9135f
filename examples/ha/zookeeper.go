package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Debian's zookeeper package: the server's classes in zookeeper.jar (whose
// manifest names its dependencies), started directly with java so that the
// process we kill is the server itself.
const (
	zookeeperJar   = "/usr/share/java/zookeeper.jar"
	slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar" // logs to stderr; optional
	quorumMain     = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
	haproxyBin     = "/usr/sbin/haproxy"
)

// missingComponents says which of ZooKeeper, Java and haproxy are absent
// ("" when all are installed).
func missingComponents() string {
	var missing []string
	if _, err := os.Stat(zookeeperJar); err != nil {
		missing = append(missing, "ZooKeeper ("+zookeeperJar+"; Debian package zookeeper)")
	}
	if _, err := javaBinary(); err != nil {
		missing = append(missing, "java ("+err.Error()+")")
	}
	if _, err := os.Stat(haproxyBin); err != nil {
		missing = append(missing, "haproxy ("+haproxyBin+"; Debian package haproxy)")
	}
	return strings.Join(missing, ", ")
}

func javaBinary() (string, error) {
	java := "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
	}
	return exec.LookPath(java)
}

// zkMember is one server of the ensemble; myid is index+1.
type zkMember struct {
	dir        string
	clientPort int
	cfgPath    string
	proc       *proc // nil while down
}

func (m *zkMember) addr() string { return fmt.Sprintf("127.0.0.1:%d", m.clientPort) }

// writeZooKeeperConfigs lays out n members under dir with ports from ports
// (3 per member: client, peer, election).
func writeZooKeeperConfigs(dir string, ports []int, n int, maxSession time.Duration) ([]*zkMember, error) {
	var peers strings.Builder
	for i := range n {
		fmt.Fprintf(&peers, "server.%d=127.0.0.1:%d:%d\n", i+1, ports[3*i+1], ports[3*i+2])
	}
	var members []*zkMember
	for i := range n {
		m := &zkMember{dir: filepath.Join(dir, fmt.Sprintf("zookeeper-%d", i+1)), clientPort: ports[3*i]}
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return nil, err
		}
		// A 500 ms tick makes elections quick; maxSessionTimeout caps the
		// session the cluster nodes ask for, which bounds how long a
		// kill -9'd node's ephemerals (its singleton latch) outlive it.
		// initLimit (30 s) is what a restarted member gets to load and sync
		// a tree of 100k+ objects (the full suite's) on a loaded machine.
		cfg := fmt.Sprintf("dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
			"tickTime=500\ninitLimit=60\nsyncLimit=10\nminSessionTimeout=1000\nmaxSessionTimeout=%d\n"+
			"maxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=*\n"+
			"preAllocSize=4096\nautopurge.purgeInterval=0\n%s",
			m.dir, m.clientPort, maxSession.Milliseconds(), peers.String())
		m.cfgPath = filepath.Join(m.dir, "zoo.cfg")
		if err := os.WriteFile(m.cfgPath, []byte(cfg), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(m.dir, "myid"), fmt.Appendf(nil, "%d\n", i+1), 0o644); err != nil {
			return nil, err
		}
		members = append(members, m)
	}
	return members, nil
}

func (m *zkMember) start(name string) error {
	java, err := javaBinary()
	if err != nil {
		return err
	}
	cp := zookeeperJar
	if _, err := os.Stat(slf4jSimpleJar); err == nil {
		cp += ":" + slf4jSimpleJar
	}
	m.proc, err = startProc(name, m.dir, filepath.Join(m.dir, "server.log"), nil, java,
		"-Xms32m", "-Xmx512m", "-XX:+UseSerialGC", "-Xss512k", "-Djava.net.preferIPv4Stack=true",
		"-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dzookeeper.jmx.log4j.disable=true",
		"-cp", cp, quorumMain, m.cfgPath)
	return err
}

// zkMode asks addr for its mode ("leader", "follower"); it fails while the
// server does not serve (no quorum).
func zkMode(ctx context.Context, addr string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "srvr"); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	return "", fmt.Errorf("%s is not serving requests", addr)
}

// waitServing polls m until it serves requests (it is in a quorum).
func (m *zkMember) waitServing(ctx context.Context) error {
	for {
		if m.proc == nil || m.proc.exited() {
			return fmt.Errorf("ZooKeeper %s: %w\n%s", m.addr(), errExited, m.proc.logTail())
		}
		if _, err := zkMode(ctx, m.addr()); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ZooKeeper %s not serving: %w\n%s", m.addr(), ctx.Err(), m.proc.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
