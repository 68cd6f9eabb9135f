package mnconf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

// testStore is one store a test runs against: dial opens a new session
// (the CLI closes its connection at the end of each command) and root is the
// test's own root key, so tests sharing a ZooKeeper server do not meet.
type testStore struct {
	dial func() storage.Conn
	root string
}

// backend makes a fresh testStore for one test.
type backend struct {
	name string
	open func(t *testing.T) testStore
}

// backends are the stores every test runs on: the in-memory backend and a
// real ZooKeeper (shared by the package's tests, skipped loudly when absent
// unless CI=true).
func backends() []backend {
	return []backend{
		{name: "mem", open: func(t *testing.T) testStore {
			srv := mem.NewServer()
			return testStore{root: "/midonet", dial: func() storage.Conn {
				c := srv.Connect()
				t.Cleanup(func() { c.Close() })
				return c
			}}
		}},
		{name: "zookeeper", open: func(t *testing.T) testStore {
			srv := zktest.Shared(t)
			// Unique per run: the server outlives one test (and -count runs).
			root := "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + uuid.NewString()[:8]
			return testStore{root: root, dial: func() storage.Conn {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}})
				if err != nil {
					t.Fatalf("connecting to ZooKeeper at %s: %v", srv.Addr(), err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}}
		}},
	}
}

func forEachBackend(t *testing.T, fn func(t *testing.T, st testStore)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

type cliRun struct {
	code           int
	stdout, stderr string
}

// cliHarness runs the mn-conf command in-process against one store.
type cliHarness struct {
	t      *testing.T
	st     testStore
	hostID string // file holding the local host id
}

func newCLI(t *testing.T, st testStore) *cliHarness {
	dir := t.TempDir()
	return &cliHarness{t: t, st: st, hostID: filepath.Join(dir, "midonet_host_id.properties")}
}

func (h *cliHarness) run(stdin string, args ...string) cliRun {
	var out, errOut bytes.Buffer
	cli := CLI{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		LookupEnv:        func(string) (string, bool) { return "", false },
		BootstrapFiles:   []string{filepath.Join(h.t.TempDir(), "absent.conf")},
		HostIDFile:       h.hostID,
		LegacyHostIDFile: filepath.Join(h.t.TempDir(), "absent.properties"),
		Connect: func(context.Context, []string, time.Duration) (storage.Conn, error) {
			return h.st.dial(), nil
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := cli.Run(ctx, append([]string{"--root", h.st.root}, args...))
	return cliRun{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (h *cliHarness) ok(stdin string, args ...string) string {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("mn-conf %v: exit %d, stderr %q, stdout %q", args, r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

func TestCLIEndToEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		h := newCLI(t, st)
		if out := h.ok("", "deploy"); !strings.HasPrefix(out, "Deployed schema\n") || !strings.Contains(out, "Deployed configuration template: agent-gateway-large \n") {
			t.Fatalf("first deploy printed %q", out)
		}
		if out := h.ok("", "deploy"); out != "Deployed schema is up to date, nothing to do\n" {
			t.Fatalf("second deploy printed %q", out)
		}

		h.ok("cluster.rest_api.http_port = 18181\n", "set", "-t", "default")
		if out := h.ok("", "get", "-t", "default", "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 18181\n" {
			t.Fatalf("get printed %q", out)
		}
		dump := h.ok("", "dump")
		for _, want := range []string{`"http_port"=18181`, `"https_port"=8443`, `"root_uri"="/midonet-api"`, "schemaVersion=29"} {
			if !strings.Contains(dump, want) {
				t.Errorf("dump lacks %q", want)
			}
		}
		// Documentation keys go; the reference keeps only a description
		// without its key (agent.datapath.htb_description).
		if strings.Contains(dump, "http_port_description") || strings.Contains(dump, "_type") || !strings.Contains(dump, "htb_description") {
			t.Errorf("dump shows schema documentation keys")
		}
		if !strings.Contains(dump, "root=INFO") || strings.Contains(dump, "${") {
			t.Errorf("dump has unresolved substitutions")
		}

		// A wrong type is rejected with the key named and nothing written.
		r := h.run(`cluster.rest_api.http_port = "abc"`, "set", "-t", "default")
		if r.code != ExitFailed || !strings.Contains(r.stderr, "cluster.rest_api.http_port") || !strings.Contains(r.stderr, "NUMBER") {
			t.Fatalf("invalid set: %+v", r)
		}
		r = h.run("", "set", "-t", "default", `cluster.rest_api.request_timeout = 10s, cluster.executors.thread_pool_shutdown_timeout = "ten"`)
		if r.code != ExitFailed || !strings.Contains(r.stderr, "not a duration") {
			t.Fatalf("invalid duration: %+v", r)
		}
		// -t views exclude the schema: a key only set by the rejected command is absent.
		if r := h.run("", "get", "-t", "default", "cluster.rest_api.request_timeout"); r.code != ExitNoSuchKey {
			t.Fatalf("half of a rejected set was written: %+v", r)
		}
		if out := h.ok("", "get", "-t", "default", "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 18181\n" {
			t.Fatalf("after rejected set: %q", out)
		}
		r = h.run("not { valid", "set", "-t", "default")
		if r.code != ExitFailed || !strings.Contains(r.stderr, "invalid HOCON") {
			t.Fatalf("bad HOCON: %+v", r)
		}
		// A list left open (the HOCON library alone loops forever on "[1, 2 ")
		// fails as the reference's mn-conf fails: "Failed: " and typesafe-config's message.
		for _, args := range [][]string{{"cluster.rest_api.http_port", "=", "[1,", "2 "}, {"cluster.rest_api.http_port = ${cluster.x "}} {
			r = h.run("", append([]string{"set", "-t", "default"}, args...)...)
			if r.code != ExitFailed || !strings.Contains(r.stderr, "Failed: invalid HOCON: line 1: ") ||
				!(strings.Contains(r.stderr, "List should have ended with ] or had a comma, instead had token: end of file") ||
					strings.Contains(r.stderr, "Substitution ${ was not closed with a }")) {
				t.Fatalf("set %q: %+v", args, r)
			}
		}

		// Missing key: no output, exit 11.
		if r := h.run("", "get", "-t", "default", "cluster.no.such.key"); r.code != ExitNoSuchKey || r.stdout != "" {
			t.Fatalf("get missing: %+v", r)
		}
		// Unknown keys are written with a notice.
		if out := h.ok("", "set", "-t", "default", "my.own.key : 42"); out != "Installing config key that was not found in the schema: my.own.key\n" {
			t.Fatalf("unknown key notice %q", out)
		}

		// Template mapping and per-host overrides.
		host := uuid.New().String()
		h.ok("cluster.rest_api.http_port = 19000", "set", "-t", "edge")
		if out := h.ok("", "get", "-h", host, "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 18181\n" {
			t.Fatalf("unmapped host sees %q", out)
		}
		h.ok("", "template-set", "-h", host, "-t", "edge")
		if out := h.ok("", "get", "-h", host, "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 19000\n" {
			t.Fatalf("mapped host sees %q", out)
		}
		h.ok("cluster.rest_api.http_port : 19500", "set", "-h", host)
		if out := h.ok("", "get", "-h", host, "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 19500\n" {
			t.Fatalf("host override: %q", out)
		}
		if out := h.ok("", "dump", "-H", "-h", host); !strings.Contains(out, `"http_port"=19500`) || strings.Contains(out, "https_port") {
			t.Fatalf("dump -H: %q", out)
		}
		if out := h.ok("", "get", "-t", "edge", "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 19000\n" {
			t.Fatalf("template view: %q", out)
		}
		if out := h.ok("", "template-get", "-a"); !strings.Contains(out, host+"  edge\n") {
			t.Fatalf("template-get -a: %q", out)
		}
		if out := h.ok("", "template-get", "-h", host); out != host+"  edge\n" {
			t.Fatalf("template-get -h: %q", out)
		}
		if out := h.ok("", "hosts"); !strings.Contains(out, host+" -> custom : template(edge) : template(default) : schema\n") {
			t.Fatalf("hosts: %q", out)
		}
		if out := h.ok("", "template-list"); !strings.Contains(out, "edge\n    "+host+"\n") || !strings.Contains(out, "default\n") {
			t.Fatalf("template-list: %q", out)
		}
		h.ok("", "unset", "-h", host, "cluster.rest_api.http_port")
		h.ok("", "unset", "-h", host, "cluster.rest_api.http_port") // absent: still 0
		if out := h.ok("", "get", "-h", host, "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 19000\n" {
			t.Fatalf("after unset: %q", out)
		}
		h.ok("", "template-clear", "-h", host)
		if out := h.ok("", "get", "-h", host, "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 18181\n" {
			t.Fatalf("after template-clear: %q", out)
		}

		// set without -t writes the local host's node, minting its id.
		h.ok("cluster.rest_api.https_port = 18443", "set")
		idData, err := os.ReadFile(h.hostID)
		if err != nil {
			t.Fatalf("host id not generated: %v", err)
		}
		local := strings.TrimSpace(strings.SplitN(string(idData), "host_uuid=", 2)[1])
		if out := h.ok("", "get", "-h", local, "-H", "cluster.rest_api.https_port"); out != "cluster.rest_api.https_port = 18443\n" {
			t.Fatalf("local host node: %q", out)
		}
		if r := h.run("", "get", "-t", "default", "cluster.rest_api.https_port"); r.stdout != "cluster.rest_api.https_port = 8443\n" && r.code != ExitNoSuchKey {
			t.Fatalf("set without -t leaked into default: %+v", r)
		}

		doc := h.ok("", "doc", "cluster.rest_api")
		for _, want := range []string{"Key: cluster.rest_api.http_port\n", "Default value: 8181\n", "Documentation: The port on which the REST API will be exposed.\n", "----------------------"} {
			if !strings.Contains(doc, want) {
				t.Errorf("doc lacks %q:\n%s", want, doc)
			}
		}
		if out := h.ok("", "doc", "cluster.rest_api.request_timeout"); !strings.HasPrefix(out, "Key: cluster.rest_api.request_timeout\n") || !strings.Contains(out, "Default value: 30s\n") {
			t.Fatalf("doc leaf: %q", out)
		}
		if out := h.ok("", "doc", "no.such"); out != "Key: no.such\n" {
			t.Fatalf("doc unknown: %q", out)
		}
		if r := h.run("", "get", "-h", "not-a-uuid", "x"); r.code != ExitFailed || !strings.Contains(r.stderr, "not-a-uuid") {
			t.Fatalf("bad host id: %+v", r)
		}
		if r := h.run("", "dump", "-t", "default", "-H"); r.code != ExitFailure {
			t.Fatalf("mutually exclusive flags: %+v", r)
		}
	})
}

func TestStoredFormatKeepsSubstitutions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		conn := st.dial()
		s, err := Open(ctx, conn, st.root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Deploy(ctx); err != nil {
			t.Fatal(err)
		}
		data, _, err := conn.Get(ctx, st.root+"/config/schemas/cluster")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"root" : ${cluster.loggers.root}`) {
			t.Fatalf("schema znode does not keep the substitution literal")
		}
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), `cluster.loggers.root = DEBUG
cluster.rest_api.root_uri = ${cluster.loggers.root}"/api"`, false); err != nil {
			t.Fatal(err)
		}
		data, _, err = conn.Get(ctx, st.root+"/config/templates/default")
		if err != nil {
			t.Fatal(err)
		}
		want := "{\n    \"cluster\" : {\n        \"loggers\" : {\n            \"root\" : \"DEBUG\"\n        },\n        \"rest_api\" : {\n            \"root_uri\" : ${cluster.loggers.root}\"/api\"\n        }\n    }\n}\n"
		if string(data) != want {
			t.Fatalf("template znode:\n%s\nwant:\n%s", data, want)
		}
		cfg, err := s.RuntimeConfig(ctx, uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		// Substitutions resolve after merging: the schema's logger defaults
		// follow the root level set in a higher layer.
		for key, want := range map[string]string{"cluster.loggers.org.midonet.cluster.root": "DEBUG", "cluster.rest_api.root_uri": "DEBUG/api"} {
			if got, err := cfg.String(key); err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q", key, got, err, want)
			}
		}
	})
}

func TestRuntimeConfigTypedGettersAndLayers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		s, err := Open(ctx, st.dial(), st.root)
		if err != nil {
			t.Fatal(err)
		}
		node := uuid.New()
		// Without anything in ZooKeeper the bundled schemas give the defaults.
		ini := filepath.Join(t.TempDir(), "midonet.conf")
		if err := os.WriteFile(ini, []byte("[zookeeper]\nzookeeper_hosts = 10.0.0.1:2181\nsession_gracetime = 5000\n[midolman]\nbgp_holdtime = 90\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := s.RuntimeConfig(ctx, node, RuntimeOptions{LegacyINI: ini})
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			key  string
			get  func(string) (any, error)
			want any
		}{
			{"cluster.rest_api.http_port", func(k string) (any, error) { return cfg.Int(k) }, int64(8181)},
			{"cluster.rest_api.request_timeout", func(k string) (any, error) { return cfg.Duration(k) }, 30 * time.Second},
			{"cluster.topology_api.enabled", func(k string) (any, error) { return cfg.Bool(k) }, false},
			{"zookeeper.zookeeper_hosts", func(k string) (any, error) { return cfg.String(k) }, "10.0.0.1:2181"},
			{"zookeeper.session_gracetime", func(k string) (any, error) { return cfg.Duration(k) }, 5 * time.Second},
			{"agent.midolman.bgp_holdtime", func(k string) (any, error) { return cfg.Duration(k) }, 90 * time.Second},
		}
		for _, c := range checks {
			got, err := c.get(c.key)
			if err != nil || got != c.want {
				t.Errorf("%s = %v, %v; want %v", c.key, got, err, c.want)
			}
		}
		if _, err := cfg.Int("cluster.nope"); err == nil || !strings.Contains(err.Error(), "cluster.nope") {
			t.Errorf("missing key error: %v", err)
		}
		if _, err := cfg.Int("cluster.rest_api.root_uri"); err == nil {
			t.Errorf("string read as int without error")
		}
		// Precedence: node over mapped template over default.
		must := func(src Source, text string) {
			t.Helper()
			if _, err := s.Set(ctx, src, text, false); err != nil {
				t.Fatal(err)
			}
		}
		must(TemplateSource(DefaultTemplate), "cluster.rest_api.http_port = 1, cluster.rest_api.https_port = 2, cluster.heartbeat.enabled = true")
		must(TemplateSource("t1"), "cluster.rest_api.http_port = 11, cluster.rest_api.https_port = 12")
		must(NodeSource(node), "cluster.rest_api.http_port = 21")
		if err := s.SetTemplateMapping(ctx, node, "t1"); err != nil {
			t.Fatal(err)
		}
		cfg, err = s.RuntimeConfig(ctx, node)
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]int64{"cluster.rest_api.http_port": 21, "cluster.rest_api.https_port": 12} {
			if got, err := cfg.Int(key); err != nil || got != want {
				t.Errorf("%s = %d, %v; want %d", key, got, err, want)
			}
		}
		if on, err := cfg.Bool("cluster.heartbeat.enabled"); err != nil || !on {
			t.Errorf("default template layer: %v %v", on, err)
		}
	})
}

// awaitHTTPPort reads views from a watch until one has
// cluster.rest_api.http_port want; the watch ending or ctx ending first
// fails the test.
func awaitHTTPPort(ctx context.Context, t *testing.T, views <-chan *Config, want int64) {
	t.Helper()
	for {
		select {
		case cfg, ok := <-views:
			if !ok {
				t.Fatalf("watch ended waiting for port %d", want)
			}
			if p, _ := cfg.Int("cluster.rest_api.http_port"); p == want {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no view with port %d", want)
		}
	}
}

func TestWatchSeesChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := Open(ctx, st.dial(), st.root)
		if err != nil {
			t.Fatal(err)
		}
		node := uuid.New()
		ch, err := s.Watch(ctx, node)
		if err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 8181)
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), "cluster.rest_api.http_port = 18181", false); err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 18181)
		if _, err := s.Set(ctx, TemplateSource("gw"), "cluster.rest_api.http_port = 28181", false); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTemplateMapping(ctx, node, "gw"); err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 28181)
		// After re-mapping, the newly mapped template's changes are seen.
		if _, err := s.Set(ctx, TemplateSource("gw"), "cluster.rest_api.http_port = 28282", false); err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 28282)
		if _, err := s.Set(ctx, NodeSource(node), "cluster.rest_api.http_port = 38181", false); err != nil {
			t.Fatal(err)
		}
		awaitHTTPPort(ctx, t, ch, 38181)
	})
}

func TestConcurrentWritersDoNotLoseUpdates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		const writers, each = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, st.dial(), st.root)
				if err != nil {
					errs <- err
					return
				}
				for i := range each {
					if _, err := s.Set(ctx, TemplateSource("t"), fmt.Sprintf("test.w%d.k%d = %d", w, i, i), false); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		s, err := Open(ctx, st.dial(), st.root)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := s.Read(ctx, TemplateSource("t"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		Leaves(tree, func(string, any) { n++ })
		if n != writers*each {
			t.Fatalf("%d keys survived, want %d", n, writers*each)
		}
	})
}

func TestMain(m *testing.M) { zktest.Main(m) }
