package endpoint

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/keystore/keystoretest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// testUser answers with its name and records the paths it got.
type testUser struct {
	name, path, scheme string
	mu                 sync.Mutex
	got                []string
}

func (u *testUser) Name() string       { return u.name }
func (u *testUser) Path() string       { return u.path }
func (u *testUser) Scheme(bool) string { return u.scheme }
func (u *testUser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.got = append(u.got, r.Method+" "+r.URL.Path)
	u.mu.Unlock()
	fmt.Fprintf(w, "user %s", u.path)
}

func TestRegistrar(t *testing.T) {
	r := NewRegistrar()
	for _, p := range []string{"/path1", "/path1/subpath1", "/path1/../path2", "/path1/./subpath2"} {
		if _, err := r.Register(&testUser{path: p}); err != nil {
			t.Errorf("register %s: %v", p, err)
		}
	}
	for p, want := range map[string]error{"path1": ErrPathNotAbsolute, "path1/path2": ErrPathNotAbsolute,
		"/../path1": ErrPathNormalization, "/path1": ErrPathRegistered, "/path2/": ErrPathRegistered} {
		if _, err := r.Register(&testUser{path: p}); !errors.Is(err, want) {
			t.Errorf("register %s = %v, want %v", p, err, want)
		}
	}
	r = NewRegistrar()
	for _, p := range []string{"/path1", "/path2", "/path1/subpath1/subsubpath1"} {
		if _, err := r.Register(&testUser{path: p}); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]string{
		"/path1": "/path1", "/path2": "/path2", "/path1/subpath1/subsubpath1": "/path1/subpath1/subsubpath1",
		"/path1/subpath1": "/path1", "/path1/subpath1/subsubpath1/subsubsubpath1": "/path1/subpath1/subsubpath1",
		"/path2/subpath1/subsubpath1": "/path2", "/": "", "/path3": "", "/path3/path6": "", "/path10": "",
	} {
		got, u, ok := r.Find(p)
		if want == "" {
			if ok {
				t.Errorf("find %s = %s, want none", p, got)
			}
			continue
		}
		if !ok || got != want || u.Path() != want {
			t.Errorf("find %s = %q, %v, want %s", p, got, ok, want)
		}
	}
}

func TestConfigFromSchemaDefaults(t *testing.T) {
	cfg, err := ConfigFrom(servicetest.SchemaDefaults(t), "/etc/midonet-cluster/ssl/midonet.jks", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 8888 || cfg.SSL || cfg.Source != SourceAutoSigned || cfg.Interface != "" || cfg.Host == "" ||
		cfg.KeystorePath != "/etc/midonet-cluster/ssl/midonet.jks" || cfg.KeystorePassword != "pw" {
		t.Fatalf("defaults %+v", cfg)
	}
	bad := mnconf.NewConfig(mnconf.Merge(map[string]any{"cluster": map[string]any{"endpoint": map[string]any{
		"auth": map[string]any{"ssl": map[string]any{"source": "magic"}}}}}, servicetest.SchemaDefaults(t).Tree()))
	if _, err := ConfigFrom(bad, "", ""); err == nil {
		t.Error("unknown ssl source accepted")
	}
}

// testConfig binds loopback on a free port, advertised as "test".
func testConfig() Config {
	return Config{Host: "test", Interface: "127.0.0.1", Port: 0, Source: SourceAutoSigned}
}

func TestServer(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		conn := b.Connect(t)
		root := servicetest.Root(t)
		log := slog.New(slog.DiscardHandler)
		userA := &testUser{name: "userA", path: "/user/userA", scheme: "http"}
		userB := &testUser{path: "/userB", scheme: "http"} // not in discovery
		srv, err := Start(ctx, conn, root, testConfig(), []User{userA, userB}, log)
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + srv.Addr().String()
		for path, want := range map[string]string{"/user/userA": "user /user/userA", "/user/userA/x/y": "user /user/userA",
			"/userB": "user /userB", "/userB?q=1": "user /userB"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != want {
				t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, body, want)
			}
		}
		for _, path := range []string{"/", "/user", "/other/userA"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 404 || len(body) != 0 || !resp.Close {
				t.Errorf("GET %s: %d %q close=%v, want an empty 404 closing the connection", path, resp.StatusCode, body, resp.Close)
			}
		}

		// Only named users are discoverable, by URI on the advertised host.
		ins, err := discovery.Instances(ctx, conn, root, "userA")
		if err != nil || len(ins) != 1 {
			t.Fatalf("discovery of userA: %v, %v", ins, err)
		}
		if want := fmt.Sprintf("http://test:%d/user/userA", srv.Port()); ins[0].URI() != want || ins[0].ServiceType != "DYNAMIC" ||
			ins[0].Name != "userA" || ins[0].Port != nil {
			t.Errorf("instance %+v (URI %s), want URI %s", ins[0], ins[0].URI(), want)
		}
		if kids, _, _ := conn.Children(ctx, discovery.Path(root)); len(kids) != 1 {
			t.Errorf("services in discovery: %v, want userA only", kids)
		}

		// The port is taken: a second server fails to start.
		cfg := testConfig()
		cfg.Port = srv.Port()
		if _, err := Start(ctx, conn, root, cfg, nil, log); err == nil {
			t.Error("second server on a busy port started")
		}

		if err := srv.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if ins, _ := discovery.Instances(ctx, conn, root, "userA"); len(ins) != 0 {
			t.Errorf("instances after stop: %v", ins)
		}
		if _, err := http.Get(base + "/userB"); err == nil {
			t.Error("served after stop")
		}
	})
}

// TestBindInterface: bound to one address, the endpoint does not answer
// on others.
func TestBindInterface(t *testing.T) {
	ctx := servicetest.Context(t)
	cfg := testConfig()
	srv, err := Start(ctx, nil, "/midonet", cfg, []User{&testUser{path: "/x"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	other := otherLocalAddress(t)
	if _, err := net.DialTimeout("tcp", net.JoinHostPort(other, fmt.Sprint(srv.Port())), time.Second); err == nil {
		t.Errorf("endpoint bound to 127.0.0.1 answers on %s", other)
	}
	all := testConfig()
	all.Interface = ""
	srvAll, err := Start(ctx, nil, "/midonet", all, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srvAll.Stop(ctx)
	for _, a := range []string{"127.0.0.1", other} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(a, fmt.Sprint(srvAll.Port())), time.Second)
		if err != nil {
			t.Errorf("endpoint bound to all does not answer on %s: %v", a, err)
			continue
		}
		c.Close()
	}
}

// otherLocalAddress is an address of this host other than 127.0.0.1
// (127.0.0.2 is loopback too on Linux).
func otherLocalAddress(t *testing.T) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.String()
		}
	}
	return "127.0.0.2"
}

func TestTLSSources(t *testing.T) {
	ctx := servicetest.Context(t)
	log := slog.New(slog.DiscardHandler)
	get := func(t *testing.T, cfg Config) {
		t.Helper()
		srv, err := Start(ctx, nil, "/midonet", cfg, []User{&testUser{path: "/x", scheme: "https"}}, log)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop(ctx)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := client.Get("https://" + srv.Addr().String() + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "user /x" {
			t.Fatalf("GET over TLS: %d %q", resp.StatusCode, body)
		}
	}
	t.Run("autosigned", func(t *testing.T) {
		cfg := testConfig()
		cfg.SSL = true
		get(t, cfg)
	})
	t.Run("keystore", func(t *testing.T) {
		store := keystoretest.Make(t, "-deststoretype", "JKS")
		for _, path := range []string{store.JKS, store.P12} {
			cfg := testConfig()
			cfg.SSL, cfg.Source, cfg.KeystorePath, cfg.KeystorePassword = true, SourceKeystore, path, keystoretest.Password
			get(t, cfg)
		}
	})
	t.Run("certificate", func(t *testing.T) {
		store := keystoretest.Make(t)
		cfg := testConfig()
		cfg.SSL, cfg.Source = true, SourceCertificate
		cfg.CertificatePath, cfg.PrivateKeyPath = filepath.Join(store.Dir, "midonet.crt"), filepath.Join(store.Dir, "midonet.key")
		get(t, cfg)
		cfg.PrivateKeyPassword = "x"
		if _, err := Start(ctx, nil, "/midonet", cfg, nil, log); !errors.Is(err, ErrEncryptedKey) {
			t.Errorf("encrypted key: %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		cfg := testConfig()
		cfg.SSL, cfg.Source = true, SourceCertificate
		if _, err := Start(ctx, nil, "/midonet", cfg, nil, log); err == nil || !strings.Contains(err.Error(), "certificate location") {
			t.Errorf("no certificate path: %v", err)
		}
	})
}

// TestDiscoverySurvivesExpiry: a registration comes back after the
// session that held it expired.
func TestDiscoverySurvivesExpiry(t *testing.T) {
	b := servicetest.ZooKeeper(t)
	ctx := servicetest.Context(t)
	conn := b.Connect(t)
	root := servicetest.Root(t)
	srv, err := Start(ctx, conn, root, testConfig(), []User{&testUser{name: "svc", path: "/svc", scheme: "http"}},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	observer := b.Connect(t)
	before, _ := discovery.Instances(ctx, observer, root, "svc")
	b.Expire(t, conn)
	servicetest.Eventually(t, "the instance is registered again", func() bool {
		ins, err := discovery.Instances(ctx, observer, root, "svc")
		return err == nil && len(ins) == 1 && len(before) == 1 && ins[0].ID == before[0].ID
	})
}
