package cluster_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/restapi/keystore/keystoretest"
)

const waitLimit = 20 * time.Second

// testConfig is a node on loopback ephemeral ports with HTTPS off, over conn.
func testConfig(t *testing.T, conn storage.Conn) cluster.Config {
	cfg := cluster.DefaultConfig()
	cfg.NodeID = uuid.New()
	cfg.RestAPI.HTTPHost = "127.0.0.1"
	cfg.RestAPI.HTTPPort = 0
	cfg.RestAPI.HTTPSHost = "127.0.0.1"
	cfg.RestAPI.HTTPSPort = -1
	cfg.VXGW.Enabled = false
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.OpenStore = func(string) (cluster.StoreConn, error) { return conn, nil }
	cfg.APIHandler = func(env *cluster.Env) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "api %s node %s", r.URL.Path, env.NodeID)
		}), nil
	}
	return cfg
}

type testWriter struct{ t *testing.T }

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

func start(t *testing.T, cfg cluster.Config) *running {
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
	tree := newFakeTree()
	conn := tree.connect()
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
	data, st, err := tree.connect().Get(context.Background(), self)
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
	if info.NodeID != cfg.NodeID.String() || info.HTTP != r.node.HTTPAddr().String() || info.HTTPS != "" {
		t.Fatalf("registration info %+v", info)
	}

	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok, _ := tree.connect().Exists(context.Background(), self); ok {
		t.Fatal("registration left behind after stop")
	}
	if _, err := http.Get(httpURL(r.node, "/health")); err == nil {
		t.Fatal("HTTP still served after stop")
	}
}

func TestHealthFollowsStorageSession(t *testing.T) {
	conn := newFakeTree().connect()
	r := start(t, testConfig(t, conn))
	conn.setState(storage.Disconnected)
	if code, body := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 503 || !strings.Contains(body, "disconnected") {
		t.Fatalf("/health while disconnected: %d %q", code, body)
	}
	conn.setState(storage.Connected)
	if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
		t.Fatalf("/health after reconnect: %d", code)
	}
}

func TestRegistrationSurvivesSessionExpiry(t *testing.T) {
	tree := newFakeTree()
	conn := tree.connect()
	cfg := testConfig(t, conn)
	start(t, cfg)
	self := path.Join(cluster.NodesPath(cfg.RootKey), cfg.NodeID.String())
	conn.setState(storage.Expired) // drops ephemerals
	conn.setState(storage.Connected)
	deadline := time.Now().Add(waitLimit)
	for {
		if _, ok, _ := tree.connect().Exists(context.Background(), self); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("node not re-registered after session expiry")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNodeIDInUseFailsStart(t *testing.T) {
	tree := newFakeTree()
	cfg := testConfig(t, tree.connect())
	start(t, cfg)
	cfg2 := testConfig(t, tree.connect())
	cfg2.NodeID = cfg.NodeID
	n, err := cluster.New(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Run(context.Background())
	if !errors.Is(err, cluster.ErrNodeIDInUse) {
		t.Fatalf("Run with a duplicate node id: %v, want ErrNodeIDInUse", err)
	}
	if got := <-n.Err(); !errors.Is(got, cluster.ErrNodeIDInUse) {
		t.Fatalf("Err() = %v", got)
	}
}

func TestTwoNodesSeeEachOther(t *testing.T) {
	tree := newFakeTree()
	a := testConfig(t, tree.connect())
	b := testConfig(t, tree.connect())
	start(t, a)
	rb := start(t, b)
	names, _, err := tree.connect().Children(context.Background(), cluster.NodesPath(a.RootKey))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Fatalf("registered nodes %v, want both", names)
	}
	rb.stop(t)
	names, _, _ = tree.connect().Children(context.Background(), cluster.NodesPath(a.RootKey))
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
			cfg := testConfig(t, newFakeTree().connect())
			cfg.RestAPI.HTTPSPort = freePort(t)
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
		{"https port not positive", func(c *cluster.Config) { c.RestAPI.HTTPSPort = 0 }, "https_port is not positive"},
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
			cfg := testConfig(t, newFakeTree().connect())
			cfg.RestAPI.HTTPSPort = freePort(t)
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

func TestHTTPPortFromRuntimeConfig(t *testing.T) {
	port := freePort(t)
	cfg := testConfig(t, newFakeTree().connect())
	// As mn-conf would deliver it (cluster.rest_api.http_port in a template).
	keys := map[string]string{"cluster.rest_api.http_port": fmt.Sprint(port), "cluster.heartbeat.enabled": "true",
		"cluster.heartbeat.period": "50ms"}
	if err := cfg.ApplyKeys(func(k string) (string, bool) { v, ok := keys[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	r := start(t, cfg)
	if got := r.node.HTTPAddr().(*net.TCPAddr).Port; got != port {
		t.Fatalf("HTTP port %d, want %d", got, port)
	}
	if code, _ := get(t, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/health", port)); code != 200 {
		t.Fatal("not served on the configured port")
	}
	deadline := time.Now().Add(waitLimit)
	for {
		_, m := get(t, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
		if strings.Contains(m, "midonet_cluster_heartbeat_beats_total 2") || strings.Contains(m, "midonet_cluster_heartbeat_beats_total 3") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("heartbeat not beating")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCancelDrainsInFlightRequest(t *testing.T) {
	cfg := testConfig(t, newFakeTree().connect())
	entered, release := make(chan struct{}), make(chan struct{})
	cfg.APIHandler = func(*cluster.Env) (http.Handler, error) {
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
	cfg := testConfig(t, newFakeTree().connect())
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
	cfg := testConfig(t, newFakeTree().connect())
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
		{"no store", func(c *cluster.Config) { c.OpenStore = nil }},
		{"no node id", func(c *cluster.Config) { c.NodeID = uuid.Nil }},
		{"port out of range", func(c *cluster.Config) { c.RestAPI.HTTPPort = 70000 }},
		{"relative root uri", func(c *cluster.Config) { c.RestAPI.RootURI = "midonet-api" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, newFakeTree().connect())
			tc.mutate(&cfg)
			if _, err := cluster.New(cfg); !errors.Is(err, cluster.ErrBadConfig) {
				t.Fatalf("err = %v, want ErrBadConfig", err)
			}
		})
	}
}
