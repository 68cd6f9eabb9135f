package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Options describe a deployment.
type Options struct {
	// Dir holds every server's configuration, data and log. Required.
	Dir string
	// ClusterBinary is a built midonet-cluster. Required (BuildCluster).
	ClusterBinary string
	// ZooKeepers and Nodes are the numbers of servers; 3 each when zero.
	ZooKeepers, Nodes int
	// MaxSessionTimeout is ZooKeeper's maxSessionTimeout, which caps the
	// cluster nodes' sessions (they ask for 30 s); 6 s when zero.
	MaxSessionTimeout time.Duration
	// RootKey is MidoNet's root in ZooKeeper; /midonet when empty.
	RootKey string
	Log     *slog.Logger
}

// Deployment is a running HA set-up on 127.0.0.1: a ZooKeeper ensemble, the
// cluster nodes on it, and haproxy in front of their REST APIs.
type Deployment struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	zk       []*zkMember
	nodes    []*clusterNode
	haproxy  *proc
	haPort   int
	statPort int
}

type clusterNode struct {
	id       uuid.UUID
	dir      string
	httpPort int
	proc     *proc // nil while down
}

// startTimeout bounds each server's start on a busy 2-core machine.
const startTimeout = 90 * time.Second

// BuildCluster builds the midonet-cluster command into dir.
func BuildCluster(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "midonet-cluster")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/midonet/midonet-go/cmd/midonet-cluster").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build midonet-cluster: %w\n%s", err, out)
	}
	return bin, nil
}

// Start brings the whole deployment up and waits until haproxy serves the
// API through every node. On failure everything started is stopped.
func Start(ctx context.Context, opts Options) (*Deployment, error) {
	if m := missingComponents(); m != "" {
		return nil, fmt.Errorf("not installed: %s", m)
	}
	if opts.Dir == "" || opts.ClusterBinary == "" {
		return nil, errors.New("ha: Options.Dir and Options.ClusterBinary are required")
	}
	if opts.ZooKeepers == 0 {
		opts.ZooKeepers = 3
	}
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.MaxSessionTimeout == 0 {
		opts.MaxSessionTimeout = 6 * time.Second
	}
	if opts.RootKey == "" {
		opts.RootKey = "/midonet"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	// Ports are reserved then released before the servers bind them;
	// another process may take one meanwhile, so a failed start is retried
	// on fresh ports in a fresh directory.
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		o := opts
		if attempt > 1 {
			o.Dir = filepath.Join(opts.Dir, fmt.Sprintf("attempt-%d", attempt))
			opts.Log.Warn("deployment did not start; retrying on other ports", "err", lastErr, "dir", o.Dir)
		}
		d, err := start(ctx, o)
		if err == nil {
			return d, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// startAttempts bounds Start's retries.
const startAttempts = 3

func start(ctx context.Context, opts Options) (*Deployment, error) {
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	d := &Deployment{opts: opts, log: opts.Log}
	ports, err := freePorts(3*opts.ZooKeepers + opts.Nodes + 2)
	if err != nil {
		return nil, err
	}
	if d.zk, err = writeZooKeeperConfigs(opts.Dir, ports, opts.ZooKeepers, opts.MaxSessionTimeout); err != nil {
		return nil, err
	}
	ports = ports[3*opts.ZooKeepers:]
	for i := range opts.Nodes {
		n := &clusterNode{id: uuid.New(), dir: filepath.Join(opts.Dir, fmt.Sprintf("cluster-%d", i+1)), httpPort: ports[i]}
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return nil, err
		}
		// The node reads its id from here, so the tests know which node
		// holds an election from the id in its latch.
		hostID := fmt.Sprintf("host_uuid=%s\n", n.id)
		if err := os.WriteFile(filepath.Join(n.dir, "host_id.properties"), []byte(hostID), 0o644); err != nil {
			return nil, err
		}
		d.nodes = append(d.nodes, n)
	}
	d.haPort, d.statPort = ports[opts.Nodes], ports[opts.Nodes+1]
	if err := d.writeHAProxyConfig(); err != nil {
		return nil, err
	}
	if err := d.StartAll(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

// StartAll starts whatever is down: the ZooKeeper members (together, as
// they need a quorum), then the cluster nodes, then haproxy; it returns once
// the API answers through haproxy.
func (d *Deployment) StartAll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	d.mu.Lock()
	for i, m := range d.zk {
		if m.proc == nil {
			if err := m.start(fmt.Sprintf("zookeeper-%d", i+1)); err != nil {
				d.mu.Unlock()
				return err
			}
		}
	}
	d.mu.Unlock()
	start := time.Now()
	for _, m := range d.zk {
		if err := m.waitServing(ctx); err != nil {
			return err
		}
	}
	d.log.Info("ZooKeeper ensemble serving", "after", time.Since(start).Round(time.Millisecond))
	for i := range d.nodes {
		if d.nodes[i].proc == nil {
			if err := d.startNode(i); err != nil {
				return err
			}
		}
	}
	for i := range d.nodes {
		if err := d.waitNode(ctx, i); err != nil {
			return err
		}
		d.log.Info("cluster node healthy", "node", i+1, "after", time.Since(start).Round(time.Millisecond))
	}
	d.mu.Lock()
	if d.haproxy == nil {
		var err error
		d.haproxy, err = startProc("haproxy", d.opts.Dir, filepath.Join(d.opts.Dir, "haproxy.log"), nil,
			haproxyBin, "-db", "-f", filepath.Join(d.opts.Dir, "haproxy.cfg"))
		if err != nil {
			d.mu.Unlock()
			return err
		}
	}
	d.mu.Unlock()
	return d.waitURL(ctx, d.haproxy, d.APIURL())
}

// Stop ends every process: haproxy and the nodes with SIGTERM (draining),
// ZooKeeper last.
func (d *Deployment) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.haproxy.stop(5 * time.Second)
	d.haproxy = nil
	var wg sync.WaitGroup
	for _, n := range d.nodes {
		wg.Go(func() { n.proc.stop(15 * time.Second) })
	}
	wg.Wait()
	for _, n := range d.nodes {
		n.proc = nil
	}
	for _, m := range d.zk {
		m.proc.kill()
		m.proc = nil
	}
}

// KillAll is kill -9 of every node and ZooKeeper server at once (haproxy
// stays): what a power cut does.
func (d *Deployment) KillAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	var wg sync.WaitGroup
	for _, n := range d.nodes {
		wg.Go(n.proc.kill)
	}
	for _, m := range d.zk {
		wg.Go(m.proc.kill)
	}
	wg.Wait()
	for _, n := range d.nodes {
		n.proc = nil
	}
	for _, m := range d.zk {
		m.proc = nil
	}
}

// APIURL is the REST API through haproxy.
func (d *Deployment) APIURL() string { return fmt.Sprintf("http://127.0.0.1:%d/midonet-api", d.haPort) }

// NodeURL is node i's own REST API.
func (d *Deployment) NodeURL(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d/midonet-api", d.nodes[i].httpPort)
}

// StatsURL is haproxy's statistics page.
func (d *Deployment) StatsURL() string { return fmt.Sprintf("http://127.0.0.1:%d/stats", d.statPort) }

// ZooKeeperHosts is the ensemble's connect string.
func (d *Deployment) ZooKeeperHosts() string {
	addrs := make([]string, len(d.zk))
	for i, m := range d.zk {
		addrs[i] = m.addr()
	}
	return strings.Join(addrs, ",")
}

// RootKey is MidoNet's root in ZooKeeper.
func (d *Deployment) RootKey() string { return d.opts.RootKey }

// Nodes is the number of cluster nodes.
func (d *Deployment) Nodes() int { return len(d.nodes) }

// NodeID is node i's host id.
func (d *Deployment) NodeID(i int) uuid.UUID { return d.nodes[i].id }

// NodeIndex is the node whose host id is id, or -1.
func (d *Deployment) NodeIndex(id string) int {
	for i, n := range d.nodes {
		if n.id.String() == id {
			return i
		}
	}
	return -1
}

// NodeLog is the path of node i's log.
func (d *Deployment) NodeLog(i int) string {
	return filepath.Join(d.nodes[i].dir, "midonet-cluster.log")
}

// NodeRunning reports whether node i's process is up.
func (d *Deployment) NodeRunning(i int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nodes[i].proc != nil && !d.nodes[i].proc.exited()
}

func (d *Deployment) startNode(i int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.nodes[i]
	var err error
	n.proc, err = startProc(fmt.Sprintf("cluster-%d", i+1), n.dir, d.NodeLog(i), nil, d.opts.ClusterBinary,
		"--zookeeper-hosts", d.ZooKeeperHosts(), "--zookeeper-root-key", d.opts.RootKey,
		"--host-id-file", filepath.Join(n.dir, "host_id.properties"),
		"--env-file", filepath.Join(n.dir, "no-env.sh"),
		"--set", "cluster.rest_api.http_host=127.0.0.1",
		"--set", fmt.Sprintf("cluster.rest_api.http_port=%d", n.httpPort),
		"--set", "cluster.rest_api.https_host=127.0.0.1",
		// Each node's endpoint (topology cache) and state proxy on loopback
		// ports of their own.
		"--set", "cluster.endpoint.service.interface=127.0.0.1",
		"--set", "cluster.endpoint.service.port=0",
		"--set", "cluster.state_proxy.server.address=127.0.0.1",
		"--set", "cluster.state_proxy.server.port=0")
	return err
}

func (d *Deployment) waitNode(ctx context.Context, i int) error {
	d.mu.Lock()
	p := d.nodes[i].proc
	d.mu.Unlock()
	return d.waitURL(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/health", d.nodes[i].httpPort))
}

// KillNode is kill -9 of cluster node i.
func (d *Deployment) KillNode(i int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nodes[i].proc.kill()
	d.nodes[i].proc = nil
}

// StartNode restarts the killed node i and waits until it is healthy.
func (d *Deployment) StartNode(ctx context.Context, i int) error {
	if err := d.startNode(i); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	return d.waitNode(ctx, i)
}

// ZooKeeperLeader is the index of the leading ZooKeeper member, or -1.
func (d *Deployment) ZooKeeperLeader(ctx context.Context) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, m := range d.zk {
		if m.proc == nil {
			continue
		}
		if mode, err := zkMode(ctx, m.addr()); err == nil && mode == "leader" {
			return i
		}
	}
	return -1
}

// KillZooKeeper is kill -9 of ZooKeeper member i.
func (d *Deployment) KillZooKeeper(i int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zk[i].proc.kill()
	d.zk[i].proc = nil
}

// StartZooKeeper restarts member i and waits until it has rejoined.
func (d *Deployment) StartZooKeeper(ctx context.Context, i int) error {
	d.mu.Lock()
	m := d.zk[i]
	err := m.start(fmt.Sprintf("zookeeper-%d", i+1))
	d.mu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	return m.waitServing(ctx)
}

// SingletonLeader is the host id holding the singleton service latch at
// latch (relative to the root key, e.g. "vxgw/fp-latch"), as the nodes'
// storage.Election records it.
func (d *Deployment) SingletonLeader(ctx context.Context, conn storage.Conn, latch string) (string, error) {
	p := d.opts.RootKey + "/" + latch
	e := &storage.Election{Conn: conn, Root: p[:strings.LastIndex(p, "/")]}
	return e.Leader(ctx, p[strings.LastIndex(p, "/")+1:])
}

// waitURL polls url until it answers 200, failing early when p exits.
func (d *Deployment) waitURL(ctx context.Context, p *proc, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if p == nil || p.exited() {
			name, tail := "process", ""
			if p != nil {
				name, tail = p.name, p.logTail()
			}
			return fmt.Errorf("%s: %w before %s answered\n%s", name, errExited, url, tail)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s not answering 200: %w\n%s", p.name, url, ctx.Err(), p.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writeHAProxyConfig writes haproxy.cfg: one frontend on 127.0.0.1,
// round-robin over the nodes, each health-checked on /health every 500 ms
// (down after 2 failures, up after 2 successes); a request whose connection
// to a node fails is redispatched to another (connection failures only: a
// POST already sent is never replayed).
func (d *Deployment) writeHAProxyConfig() error {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4096

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout check 1s
    retries 3
    option redispatch

frontend midonet_api
    bind 127.0.0.1:%d
    default_backend midonet_cluster

frontend stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats

backend midonet_cluster
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
`, d.haPort, d.statPort)
	for i, n := range d.nodes {
		fmt.Fprintf(&b, "    server node%d 127.0.0.1:%d check\n", i+1, n.httpPort)
	}
	path := filepath.Join(d.opts.Dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command(haproxyBin, "-c", "-q", "-f", path).CombinedOutput(); err != nil {
		return fmt.Errorf("haproxy -c %s: %w\n%s", path, err, out)
	}
	return nil
}
