package cluster_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/clustertest"
	"github.com/midonet/midonet-go/internal/version"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/keystore/keystoretest"
)

const waitLimit = 20 * time.Second

// testConfig is a node on loopback ephemeral ports with HTTPS off, over
// conn, reading its settings from mn-conf as a real node does; the loopback
// address and ports come in as command-line overrides.
func testConfig(t testing.TB, conn storage.Conn) cluster.Config {
	cfg := cluster.DefaultConfig()
	cfg.NodeID = uuid.New()
	cfg.RuntimeConfig = true
	cfg.Overrides = clustertest.LoopbackOverrides()
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.OpenStore = func(context.Context, string) (cluster.StoreConn, error) { return conn, nil }
	cfg.APIHandler = func(_ context.Context, env *cluster.Env) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "api %s node %s", r.URL.Path, env.NodeID)
		}), nil
	}
	return cfg
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// running is a node whose Run executes in a goroutine; its result is kept
// so that a test may stop the node and the cleanup may stop it again.
type running struct {
	node   *cluster.Node
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error         // Run's result, set before done is closed
}

// wait returns Run's result once it has returned.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(waitLimit):
		t.Fatal("node did not stop")
		return nil
	}
}

// stop cancels the node and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

func start(t testing.TB, cfg cluster.Config) *running {
	t.Helper()
	n, err := cluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{node: n, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = n.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(waitLimit):
			t.Error("node did not stop at cleanup")
		}
	})
	select {
	case <-n.Ready():
	case <-r.done:
		t.Fatalf("node failed to start: %v", r.err)
	case <-time.After(waitLimit):
		t.Fatal("node not ready in time")
	}
	return r
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func httpURL(n *cluster.Node, p string) string { return "http://" + n.HTTPAddr().String() + p }

func TestNodeServesAPIHealthMetricsAndRegisters(t *testing.T) {
	srv := mem.NewServer()
	conn := srv.Connect()
	cfg := testConfig(t, conn)
	r := start(t, cfg)

	code, body := get(t, http.DefaultClient, httpURL(r.node, "/midonet-api/routers"))
	if code != 200 || body != "api /midonet-api/routers node "+cfg.NodeID.String() {
		t.Fatalf("API: %d %q", code, body)
	}
	if code, body := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 || body != "ok\n" {
		t.Fatalf("/health: %d %q", code, body)
	}
	_, metrics := get(t, http.DefaultClient, httpURL(r.node, "/metrics"))
	for _, want := range []string{
		`midonet_cluster_http_requests_total{code="200",method="get"}`,
		`midonet_cluster_store_ops_total{op="create",result="ok"}`,
		`midonet_cluster_store_op_duration_seconds_count{op="create"}`,
		`midonet_cluster_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	self := path.Join(cluster.NodesPath(cfg.RootKey), cfg.NodeID.String())
	data, st, err := srv.Connect().Get(context.Background(), self)
	if err != nil {
		t.Fatalf("registration: %v", err)
	}
	if st.EphemeralOwner != conn.SessionID() {
		t.Fatalf("registration not ephemeral of the node's session: %+v", st)
	}
	var info cluster.NodeInfo
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	if info.NodeID != cfg.NodeID.String() || info.HTTP != r.node.HTTPAddr().String() || info.HTTPS != "" ||
		info.Version != version.Get().Version || info.PID != os.Getpid() {
		t.Fatalf("registration info %+v", info)
	}

	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok, _ := srv.Connect().Exists(context.Background(), self); ok {
		t.Fatal("registration left behind after stop")
	}
	if _, err := http.Get(httpURL(r.node, "/health")); err == nil {
		t.Fatal("HTTP still served after stop")
	}
}

func TestHealthFollowsStorageSession(t *testing.T) {
	conn := mem.NewServer().Connect()
	r := start(t, testConfig(t, conn))
	conn.Disconnect()
	if code, body := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 503 || !strings.Contains(body, "disconnected") {
		t.Fatalf("/health while disconnected: %d %q", code, body)
	}
	conn.Reconnect()
	if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
		t.Fatalf("/health after reconnect: %d", code)
	}
	conn.Expire()
	if code, body := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 503 || !strings.Contains(body, "expired") {
		t.Fatalf("/health after expiry: %d %q", code, body)
	}
}

func TestNodeIDInUse(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	cfg := testConfig(t, srv.Connect())
	self := path.Join(cluster.NodesPath(cfg.RootKey), cfg.NodeID.String())
	if _, err := srv.Connect().Multi(ctx, storage.CreateOp(cfg.RootKey, nil, storage.Persistent),
		storage.CreateOp(path.Dir(cluster.NodesPath(cfg.RootKey)), nil, storage.Persistent),
		storage.CreateOp(cluster.NodesPath(cfg.RootKey), nil, storage.Persistent)); err != nil {
		t.Fatal(err)
	}
	register := func(c storage.Conn, hostname string) {
		data, _ := json.Marshal(cluster.NodeInfo{NodeID: cfg.NodeID.String(), Hostname: hostname, PID: 1})
		if _, err := c.Create(ctx, self, data, storage.Ephemeral); err != nil {
			t.Fatal(err)
		}
	}

	// Another host's live session holds the id: refused.
	other := srv.Connect()
	register(other, "some-other-host")
	n, err := cluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Run(ctx)
	if !errors.Is(err, cluster.ErrNodeIDInUse) || !strings.Contains(err.Error(), "some-other-host") {
		t.Fatalf("Run with a duplicate node id: %v, want ErrNodeIDInUse naming the holder", err)
	}
	if got := <-n.Err(); !errors.Is(got, cluster.ErrNodeIDInUse) {
		t.Fatalf("Err() = %v", got)
	}
	other.Close()

	// This host's previous process, crashed, its session not yet expired:
	// the new process takes the registration over.
	crashed := srv.Connect()
	host, _ := os.Hostname()
	register(crashed, host)
	cfg2 := testConfig(t, srv.Connect())
	cfg2.NodeID = cfg.NodeID
	start(t, cfg2)
	_, st, err := srv.Connect().Get(ctx, self)
	if err != nil || st.EphemeralOwner == crashed.SessionID() {
		t.Fatalf("registration after restart: owner %x (crashed session %x), %v", st.EphemeralOwner, crashed.SessionID(), err)
	}
}

func TestTwoNodesSeeEachOther(t *testing.T) {
	srv := mem.NewServer()
	a := testConfig(t, srv.Connect())
	b := testConfig(t, srv.Connect())
	start(t, a)
	rb := start(t, b)
	names, _, err := srv.Connect().Children(context.Background(), cluster.NodesPath(a.RootKey))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Fatalf("registered nodes %v, want both", names)
	}
	rb.stop(t)
	names, _, _ = srv.Connect().Children(context.Background(), cluster.NodesPath(a.RootKey))
	if len(names) != 1 || names[0] != a.NodeID.String() {
		t.Fatalf("after b stopped: %v", names)
	}
}

// freePort returns a loopback port that was free a moment ago (HTTPS port 0
// means "disabled", as in the reference, so HTTPS tests need a real port).
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestHTTPSWithDocumentedKeystore(t *testing.T) {
	cases := []struct {
		name    string
		keytool []string
	}{
		{"keytool default (PKCS#12 in midonet.jks)", nil},
		{"keytool -deststoretype JKS", []string{"-deststoretype", "JKS"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks := keystoretest.Make(t, tc.keytool...)
			cfg := testConfig(t, mem.NewServer().Connect())
			cfg.Overrides["cluster.rest_api.https_port"] = fmt.Sprint(freePort(t))
			cfg.KeystorePath = ks.JKS
			cfg.KeystorePassword, cfg.KeystorePasswordSet = keystoretest.Password, true
			r := start(t, cfg)
			if r.node.HTTPSAddr() == nil {
				t.Fatalf("HTTPS off: %s", r.node.HTTPSDisabledReason())
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ks.Pool}}}
			resp, err := client.Get("https://" + r.node.HTTPSAddr().String() + "/midonet-api/hosts")
			if err != nil {
				t.Fatalf("verified TLS request: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "api /midonet-api/hosts") {
				t.Fatalf("HTTPS: %d %q", resp.StatusCode, b)
			}
			if got := resp.TLS.PeerCertificates[0]; !got.Equal(ks.Cert) {
				t.Fatal("served certificate is not the key store's")
			}
			// Plain HTTP keeps working next to HTTPS.
			if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
				t.Fatalf("HTTP /health: %d", code)
			}
			// TLS 1.2 offers forward-secret AEAD suites only: a client that
			// knows nothing but CBC-SHA1 gets no handshake.
			cbc := &tls.Config{RootCAs: ks.Pool, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}}
			if c, err := tls.Dial("tcp", r.node.HTTPSAddr().String(), cbc); err == nil {
				c.Close()
				t.Fatalf("a CBC-SHA1-only TLS 1.2 client got a handshake (%s)", tls.CipherSuiteName(c.ConnectionState().CipherSuite))
			}
			tls12 := &tls.Config{RootCAs: ks.Pool, MaxVersion: tls.VersionTLS12}
			c, err := tls.Dial("tcp", r.node.HTTPSAddr().String(), tls12)
			if err != nil {
				t.Fatalf("TLS 1.2 client: %v", err)
			}
			c.Close()
		})
	}
}

func TestHTTPSDisabled(t *testing.T) {
	ks := keystoretest.Make(t)
	cases := []struct {
		name       string
		mutate     func(*cluster.Config)
		wantReason string
	}{
		{"https port not positive", func(c *cluster.Config) { c.Overrides["cluster.rest_api.https_port"] = "0" }, "https_port is not positive"},
		{"no password", func(c *cluster.Config) { c.KeystorePasswordSet = false }, "no key store password"},
		{"key store missing", func(c *cluster.Config) { c.KeystorePath = filepath.Join(t.TempDir(), "none.jks") }, "key store not usable"},
		{"key store unreadable", func(c *cluster.Config) {
			p := filepath.Join(t.TempDir(), "garbage.jks")
			os.WriteFile(p, []byte("not a key store"), 0o600)
			c.KeystorePath = p
		}, "key store not usable"},
		{"wrong password", func(c *cluster.Config) { c.KeystorePassword = "wrong" }, "key store not usable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, mem.NewServer().Connect())
			cfg.Overrides["cluster.rest_api.https_port"] = fmt.Sprint(freePort(t))
			cfg.KeystorePath = ks.JKS
			cfg.KeystorePassword, cfg.KeystorePasswordSet = keystoretest.Password, true
			tc.mutate(&cfg)
			r := start(t, cfg)
			if r.node.HTTPSAddr() != nil {
				t.Fatal("HTTPS served")
			}
			if why := r.node.HTTPSDisabledReason(); !strings.Contains(why, tc.wantReason) {
				t.Fatalf("reason %q, want it to say %q", why, tc.wantReason)
			}
			if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
				t.Fatalf("HTTP /health: %d", code)
			}
		})
	}
}

// mnconfSet writes HOCON text into one mn-conf layer, as `mn-conf set` does.
func mnconfSet(t *testing.T, conn storage.Conn, root string, src mnconf.Source, text string) {
	t.Helper()
	ctx := context.Background()
	conf, err := mnconf.Open(ctx, conn, root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.Deploy(ctx); err != nil { // schemas, for validation
		t.Fatal(err)
	}
	if _, err := conf.Set(ctx, src, text, false); err != nil {
		t.Fatalf("mn-conf set %s: %v", text, err)
	}
}

func TestHTTPPortFromMNConf(t *testing.T) {
	srv := mem.NewServer()
	admin := srv.Connect()
	templatePort, nodePort, flagPort := freePort(t), freePort(t), freePort(t)
	// echo "cluster.rest_api.http_port = N" | mn-conf set -t default
	mnconfSet(t, admin, cluster.DefaultRootKey, mnconf.TemplateSource(mnconf.DefaultTemplate),
		fmt.Sprintf("cluster.rest_api.http_port = %d\ncluster.heartbeat { enabled = true, period = 50ms }", templatePort))

	nodeID := uuid.New()
	cases := []struct {
		name     string
		prepare  func(cfg *cluster.Config)
		wantPort int
	}{
		{"default template", func(*cluster.Config) {}, templatePort},
		{"per-node over template", func(*cluster.Config) {
			mnconfSet(t, admin, cluster.DefaultRootKey, mnconf.NodeSource(nodeID), fmt.Sprintf("cluster.rest_api.http_port : %d", nodePort))
		}, nodePort},
		{"command line over mn-conf", func(cfg *cluster.Config) {
			cfg.Overrides["cluster.rest_api.http_port"] = fmt.Sprint(flagPort)
		}, flagPort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, srv.Connect())
			cfg.NodeID = nodeID
			delete(cfg.Overrides, "cluster.rest_api.http_port")
			tc.prepare(&cfg)
			r := start(t, cfg)
			if got := r.node.HTTPAddr().(*net.TCPAddr).Port; got != tc.wantPort {
				t.Fatalf("HTTP port %d, want %d", got, tc.wantPort)
			}
			if code, _ := get(t, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/health", tc.wantPort)); code != 200 {
				t.Fatal("not served on the configured port")
			}
			// The heartbeat was switched on in the template too.
			deadline := time.Now().Add(waitLimit)
			for {
				_, m := get(t, http.DefaultClient, httpURL(r.node, "/metrics"))
				if strings.Contains(m, "midonet_cluster_heartbeat_beats_total 2") ||
					strings.Contains(m, "midonet_cluster_heartbeat_beats_total 3") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("heartbeat not beating")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLogLevelFollowsMNConf(t *testing.T) {
	srv := mem.NewServer()
	cfg := testConfig(t, srv.Connect())
	cfg.LogLevel = new(slog.LevelVar)
	start(t, cfg)
	if got := cfg.LogLevel.Level(); got != slog.LevelInfo {
		t.Fatalf("level at start %v, want the schema's INFO", got)
	}
	for _, tc := range []struct {
		value string
		want  slog.Level
	}{{"DEBUG", slog.LevelDebug}, {"ERROR", slog.LevelError}, {"nonsense", slog.LevelInfo}} {
		// mn-conf set -t default "cluster.loggers.root : DEBUG"
		mnconfSet(t, srv.Connect(), cluster.DefaultRootKey, mnconf.TemplateSource(mnconf.DefaultTemplate),
			fmt.Sprintf("cluster.loggers.root : %q", tc.value))
		deadline := time.Now().Add(waitLimit)
		for cfg.LogLevel.Level() != tc.want {
			if time.Now().After(deadline) {
				t.Fatalf("after setting %s the level is %v, want %v", tc.value, cfg.LogLevel.Level(), tc.want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestCancelDrainsInFlightRequest(t *testing.T) {
	cfg := testConfig(t, mem.NewServer().Connect())
	entered, release := make(chan struct{}), make(chan struct{})
	cfg.APIHandler = func(context.Context, *cluster.Env) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			io.WriteString(w, "finished")
		}), nil
	}
	r := start(t, cfg)
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(httpURL(r.node, "/midonet-api/slow"))
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, string(b), err}
	}()
	<-entered
	r.cancel() // what SIGTERM does in cmd/midonet-cluster

	// The listener closes while the request is still running.
	deadline := time.Now().Add(waitLimit)
	for {
		c, err := net.Dial("tcp", r.node.HTTPAddr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting during shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-r.done:
		t.Fatalf("Run returned before the in-flight request finished: %v", r.err)
	default:
	}
	close(release)
	got := <-res
	if got.err != nil || got.code != 200 || got.body != "finished" {
		t.Fatalf("in-flight request: %+v", got)
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestServicesStartInOrderStopInReverse(t *testing.T) {
	var mu sync.Mutex
	var log []string
	record := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	svc := func(name string, enabled bool) cluster.Service {
		return cluster.Service{Name: name, Enabled: enabled, Start: func(ctx context.Context, env *cluster.Env) (func(context.Context) error, error) {
			record("start " + name)
			return func(context.Context) error { record("stop " + name); return nil }, nil
		}}
	}
	cfg := testConfig(t, mem.NewServer().Connect())
	cfg.Services = []cluster.Service{svc("a", true), svc("off", false), svc("b", true)}
	r := start(t, cfg)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	want := "start a,start b,stop b,stop a"
	if got := strings.Join(log, ","); got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
}

func TestFailingServiceStopsStartedOnes(t *testing.T) {
	stopped := false
	cfg := testConfig(t, mem.NewServer().Connect())
	boom := errors.New("boom")
	cfg.Services = []cluster.Service{
		{Name: "ok", Enabled: true, Start: func(context.Context, *cluster.Env) (func(context.Context) error, error) {
			return func(context.Context) error { stopped = true; return nil }, nil
		}},
		{Name: "bad", Enabled: true, Start: func(context.Context, *cluster.Env) (func(context.Context) error, error) {
			return nil, boom
		}},
	}
	n, err := cluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Run(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Run: %v", err)
	}
	if !stopped {
		t.Fatal("started service not stopped after a later one failed")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*cluster.Config)
	}{
		{"port out of range", func(c *cluster.Config) { c.Overrides["cluster.rest_api.http_port"] = "70000" }},
		{"relative root uri", func(c *cluster.Config) { c.Overrides["cluster.rest_api.root_uri"] = "midonet-api" }},
		{"unknown override", func(c *cluster.Config) { c.Overrides["cluster.rest_api.http_prot"] = "1" }},
		{"bad override value", func(c *cluster.Config) { c.Overrides["cluster.rest_api.http_port"] = "x" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, mem.NewServer().Connect())
			tc.mutate(&cfg)
			if _, err := cluster.New(cfg); !errors.Is(err, cluster.ErrBadConfig) {
				t.Fatalf("err = %v, want ErrBadConfig", err)
			}
		})
	}
}

// Settings other than the log level are read once, as in the reference; a
// change in mn-conf is reported as pending until restart.
func TestRestartOnlyChangeIsReported(t *testing.T) {
	srv := mem.NewServer()
	cfg := testConfig(t, srv.Connect())
	var logs clustertest.LogBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), nil))
	r := start(t, cfg)
	mnconfSet(t, srv.Connect(), cluster.DefaultRootKey, mnconf.TemplateSource(mnconf.DefaultTemplate),
		"cluster.heartbeat.period : 5s")
	eventually(t, "the pending change is logged", func() bool {
		l := logs.String()
		return strings.Contains(l, "takes effect when the node restarts") &&
			strings.Contains(l, "key=cluster.heartbeat.period running=1s configured=5s")
	})
	if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
		t.Fatal("node not serving after a configuration change")
	}
}

// Text in ZooKeeper that mn-conf cannot parse (here a list left open, on
// which the HOCON library alone loops forever) while a node runs is logged and
// skipped: the node keeps serving with the settings it has and follows the
// next good version.
func TestBadConfigTextKeepsTheNodeRunning(t *testing.T) {
	srv := mem.NewServer()
	cfg := testConfig(t, srv.Connect())
	var logs clustertest.LogBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), nil))
	r := start(t, cfg)
	conn := srv.Connect()
	mnconfSet(t, conn, cluster.DefaultRootKey, mnconf.TemplateSource(mnconf.DefaultTemplate), "test.key : 1")
	znode := path.Join(cluster.DefaultRootKey, "config/templates", mnconf.DefaultTemplate)
	if _, err := conn.Set(context.Background(), znode, []byte("cluster.heartbeat.period = [5s, "), -1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bad text is reported", func() bool {
		return strings.Contains(logs.String(), "List should have ended with ] or had a comma")
	})
	if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
		t.Fatal("node not serving after bad configuration text")
	}
	if _, err := conn.Set(context.Background(), znode, []byte("cluster.heartbeat.period : 5s"), -1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the next good version is followed", func() bool {
		return strings.Contains(logs.String(), "key=cluster.heartbeat.period running=1s configured=5s")
	})
}

func TestStopWhileConnectingIsClean(t *testing.T) {
	cfg := testConfig(t, nil)
	connecting := make(chan struct{})
	cfg.OpenStore = func(ctx context.Context, _ string) (cluster.StoreConn, error) {
		close(connecting) // as zk.Connect does with ZooKeeper down: wait for ctx
		<-ctx.Done()
		return nil, ctx.Err()
	}
	n, err := cluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-connecting; cancel() }()
	if err := n.Run(ctx); err != nil {
		t.Fatalf("Run stopped while connecting: %v, want nil", err)
	}
	if _, open := <-n.Err(); open {
		t.Fatal("an error was delivered for a requested stop")
	}
}

func TestStoreUnreachableFailsRun(t *testing.T) {
	cfg := testConfig(t, nil)
	refused := errors.New("connection refused")
	cfg.OpenStore = func(context.Context, string) (cluster.StoreConn, error) { return nil, refused }
	n, err := cluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Run(context.Background()); !errors.Is(err, refused) {
		t.Fatalf("Run: %v, want the store's error", err)
	}
}

func TestRESTAPIDisabled(t *testing.T) {
	srv := mem.NewServer()
	cfg := testConfig(t, srv.Connect())
	cfg.Overrides["cluster.rest_api.enabled"] = "false"
	r := start(t, cfg)
	if a := r.node.HTTPAddr(); a != nil {
		t.Fatalf("HTTP served on %s with cluster.rest_api.enabled=false", a)
	}
	data, _, err := srv.Connect().Get(context.Background(), path.Join(cluster.NodesPath(cfg.RootKey), cfg.NodeID.String()))
	var info cluster.NodeInfo
	if err != nil || json.Unmarshal(data, &info) != nil || info.HTTP != "" {
		t.Fatalf("registration without the REST API: %s, %v", data, err)
	}
}

// keepMemoryLimit restores the process's soft memory limit when the test
// ends: a node from Build sets it.
func keepMemoryLimit(t *testing.T) {
	was := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(was) })
}

// TestDefaultsServeTheStandardAPIInMemory is the embedder's shortest path:
// a Config from Build with nothing but loopback ports set runs the standard
// store (in-memory), REST API and services under a random node id, says
// once that the env file's JVM-only options are ignored, and runs under the
// env file's maximum heap as its soft memory limit, logged once.
func TestDefaultsServeTheStandardAPIInMemory(t *testing.T) {
	keepMemoryLimit(t)
	env := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	if err := os.WriteFile(env, []byte("JVM_OPTS=\"$JVM_OPTS -Xmx2048M -XX:+UseG1GC\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := cluster.Build(cluster.Sources{EnvFile: env, Flags: map[string]string{
		"cluster.rest_api.http_host": "127.0.0.1", "cluster.rest_api.http_port": "0", "cluster.rest_api.https_port": "-1"}})
	if err != nil {
		t.Fatal(err)
	}
	var logs clustertest.LogBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r := start(t, cfg)
	if code, body := get(t, http.DefaultClient, httpURL(r.node, "/midonet-api/")); code != 200 || !strings.Contains(body, `"version":"v5.0"`) {
		t.Fatalf("API root: %d %q", code, body)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "ignoring JVM_OPTS that only configure a JVM"); n != 1 || !strings.Contains(out, `options=-XX:+UseG1GC`) {
		t.Errorf("JVM-only options logged %d times:\n%s", n, out)
	}
	if n := strings.Count(out, "Go runtime soft memory limit"); n != 1 || !strings.Contains(out, `limit=2048MiB bytes=2147483648 from="-Xmx2048M in `+env+`"`) {
		t.Errorf("memory limit logged %d times, want once from -Xmx2048M:\n%s", n, out)
	}
	if got := debug.SetMemoryLimit(-1); got != 2<<30 {
		t.Errorf("runtime memory limit %d, want the env file's 2 GiB", got)
	}
	if !strings.Contains(out, "no node id configured; this run uses a random one") || !strings.Contains(out, "service=vxgw") {
		t.Errorf("random node id or standard services not seen:\n%s", out)
	}
	if !strings.Contains(out, "using the IN-MEMORY store") {
		t.Errorf("the in-memory store's warning not logged:\n%s", out)
	}
}

// An env file's maximum heap that is not a size (here an -Xmx of a variable
// the file does not set) is logged as passed over, and the node runs under
// the default soft memory limit; a Config from DefaultConfig leaves the
// process's limit alone and logs none.
func TestMemoryLimitFallsBackToTheDefault(t *testing.T) {
	keepMemoryLimit(t)
	env := filepath.Join(t.TempDir(), "midonet-cluster-env.sh")
	if err := os.WriteFile(env, []byte("JVM_OPTS=\"$JVM_OPTS -Xmx${HEAP}\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := cluster.Build(cluster.Sources{EnvFile: env, Flags: clustertest.LoopbackOverrides()})
	if err != nil {
		t.Fatal(err)
	}
	var logs clustertest.LogBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r := start(t, cfg)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "the env file's maximum heap is not a size") || !strings.Contains(out, "-Xmx${HEAP}") ||
		!strings.Contains(out, fmt.Sprintf("limit=%dMiB bytes=%d from=default", cluster.DefaultMemoryLimit>>20, cluster.DefaultMemoryLimit)) {
		t.Errorf("want a warning naming -Xmx${HEAP} and the default limit:\n%s", out)
	}
	if got := debug.SetMemoryLimit(-1); got != cluster.DefaultMemoryLimit {
		t.Errorf("runtime memory limit %d, want the default %d", got, cluster.DefaultMemoryLimit)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	logs = clustertest.LogBuffer{}
	embedded := testConfig(t, mem.NewServer().Connect())
	embedded.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r = start(t, embedded)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 || strings.Contains(logs.String(), "memory limit") {
		t.Errorf("an embedded node changed the process's memory limit to %d or logged one:\n%s", got, logs.String())
	}
}

// A store from Config.OpenStore is logged as the caller's store, not as the
// in-memory one (which it need not be) nor as ZooKeeper.
func TestCustomStoreIsLoggedAsSuch(t *testing.T) {
	cfg := testConfig(t, mem.NewServer().Connect())
	var logs clustertest.LogBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), nil))
	r := start(t, cfg)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "opening the store Config.OpenStore supplies") ||
		strings.Contains(out, "IN-MEMORY") || strings.Contains(out, "connecting to ZooKeeper") {
		t.Errorf("a caller-supplied store logged as another:\n%s", out)
	}
}
