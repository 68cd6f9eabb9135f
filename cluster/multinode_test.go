package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/client"
)

// nodeOn is testConfig on a new session of b, under b's root.
func nodeOn(t *testing.T, b *backend) (cluster.Config, storage.Conn) {
	conn := b.connect(t)
	cfg := testConfig(t, conn)
	cfg.RootKey = b.root
	return cfg, conn
}

func registered(t *testing.T, c storage.Conn, root string) []string {
	t.Helper()
	names, _, err := c.Children(context.Background(), cluster.NodesPath(root))
	if err != nil && !errors.Is(err, storage.ErrNoNode) {
		t.Fatal(err)
	}
	return names
}

func TestNodeStartsAndStopsOnEachBackend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		cfg, _ := nodeOn(t, b)
		r := start(t, cfg)
		if code, body := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 || body != "ok\n" {
			t.Fatalf("/health: %d %q", code, body)
		}
		observer := b.connect(t)
		if got := registered(t, observer, b.root); !slices.Equal(got, []string{cfg.NodeID.String()}) {
			t.Fatalf("registered nodes %v", got)
		}
		// The schemas were deployed into this store's mn-conf.
		if kids, _, err := observer.Children(context.Background(), path.Join(b.root, "config", "schemas")); err != nil ||
			!slices.Contains(kids, "cluster") {
			t.Fatalf("schemas in %s: %v, %v", b.name, kids, err)
		}
		_, metrics := get(t, http.DefaultClient, httpURL(r.node, "/metrics"))
		if !strings.Contains(metrics, `midonet_cluster_store_ops_total{op="multi",result="ok"}`) &&
			!strings.Contains(metrics, `midonet_cluster_store_ops_total{op="create",result="ok"}`) {
			t.Errorf("/metrics counts no store writes:\n%s", metrics)
		}
		// The object store's group commits (none yet: nothing contended).
		if !strings.Contains(metrics, "midonet_cluster_group_commit_batches_total 0") {
			t.Errorf("/metrics lacks the object store's group commits:\n%s", metrics)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := registered(t, observer, b.root); len(got) != 0 {
			t.Fatalf("registration left after stop: %v", got)
		}
	})
}

// kvAPI is a REST handler over the node's store: PUT and GET of
// <root>/test-data/<key>, so that what one node writes another can serve.
func kvAPI(_ context.Context, env *cluster.Env) (http.Handler, error) {
	dir := path.Join(env.RootKey, "test-data")
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /midonet-api/kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, err := env.Store.Create(r.Context(), dir, nil, storage.Persistent)
		if err != nil && !errors.Is(err, storage.ErrNodeExists) {
			http.Error(w, err.Error(), 503)
			return
		}
		if _, err := env.Store.Create(r.Context(), path.Join(dir, r.PathValue("key")), body, storage.Persistent); err != nil {
			http.Error(w, err.Error(), 409)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /midonet-api/kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		data, _, err := env.Store.Get(r.Context(), path.Join(dir, r.PathValue("key")))
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		w.Write(data)
	})
	return mux, nil
}

func TestTwoNodesServeTheSameData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		cfgA, _ := nodeOn(t, b)
		cfgB, _ := nodeOn(t, b)
		cfgA.APIHandler, cfgB.APIHandler = kvAPI, kvAPI
		a, bn := start(t, cfgA), start(t, cfgB)

		req, _ := http.NewRequest(http.MethodPut, httpURL(a.node, "/midonet-api/kv/router"), strings.NewReader("written through A"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT through A: %d", resp.StatusCode)
		}
		if code, body := get(t, http.DefaultClient, httpURL(bn.node, "/midonet-api/kv/router")); code != 200 || body != "written through A" {
			t.Fatalf("GET through B: %d %q", code, body)
		}
		want := []string{cfgA.NodeID.String(), cfgB.NodeID.String()}
		slices.Sort(want)
		if got := registered(t, b.connect(t), b.root); !slices.Equal(got, want) {
			t.Fatalf("registered %v, want %v", got, want)
		}
	})
}

// singletonProbe is a singleton service that records where it runs.
type singletonProbe struct {
	mu      sync.Mutex
	running map[string]bool // node id → running now
	starts  []string
}

func (p *singletonProbe) service(nodeID string) cluster.Service {
	return cluster.Service{Name: "probe", Enabled: true, Singleton: true, Latch: "probe/leader-latch",
		Start: func(ctx context.Context, env *cluster.Env) (func(context.Context) error, error) {
			p.mu.Lock()
			p.running[nodeID] = true
			p.starts = append(p.starts, nodeID)
			p.mu.Unlock()
			return func(context.Context) error {
				p.mu.Lock()
				p.running[nodeID] = false
				p.mu.Unlock()
				return nil
			}, nil
		}}
}

// leaders returns the nodes running the singleton now.
func (p *singletonProbe) leaders() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for id, on := range p.running {
		if on {
			out = append(out, id)
		}
	}
	return out
}

func TestSingletonMovesToTheSurvivor(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		probe := &singletonProbe{running: map[string]bool{}}
		nodes := map[string]*running{}
		for range 2 {
			cfg, _ := nodeOn(t, b)
			cfg.Elect = func(env *cluster.Env, root string) cluster.Elector {
				return &storage.Election{Conn: env.Store, Root: root}
			}
			cfg.Services = []cluster.Service{probe.service(cfg.NodeID.String())}
			nodes[cfg.NodeID.String()] = start(t, cfg)
		}
		eventually(t, "one node runs the singleton", func() bool { return len(probe.leaders()) == 1 })
		first := probe.leaders()[0]
		// The reference's latch layout: candidates under <root>/probe/leader-latch.
		observer := b.connect(t)
		eventually(t, "both nodes are candidates", func() bool {
			kids, _, err := observer.Children(context.Background(), path.Join(b.root, "probe", "leader-latch"))
			return err == nil && len(kids) == 2
		})

		if err := nodes[first].stop(t); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the survivor runs the singleton", func() bool {
			l := probe.leaders()
			return len(l) == 1 && l[0] != first
		})
		if p := probe.starts; len(p) != 2 || p[0] != first || p[1] == first {
			t.Fatalf("singleton starts %v: want the first leader, then the survivor", p)
		}
	})
}

// After a real session expiry (the zk backend opens a new session) the node
// registers again and follows cluster.loggers.root again.
func TestNodeRecoversFromSessionExpiry(t *testing.T) {
	b := zkBackend(t)
	cfg, conn := nodeOn(t, b)
	cfg.LogLevel = new(slog.LevelVar)
	r := start(t, cfg)
	observer := b.connect(t)
	self := cfg.NodeID.String()
	b.expire(t, conn)
	eventually(t, "the node registers again on its new session", func() bool {
		return slices.Contains(registered(t, observer, b.root), self)
	})
	if code, _ := get(t, http.DefaultClient, httpURL(r.node, "/health")); code != 200 {
		t.Fatalf("/health after the new session: %d", code)
	}
	mnconfSet(t, observer, b.root, mnconf.TemplateSource(mnconf.DefaultTemplate), `cluster.loggers.root : "ERROR"`)
	eventually(t, "the level set after the expiry applies", func() bool { return cfg.LogLevel.Level() == slog.LevelError })
}

// TestHTTPPortFromMNConfOnZooKeeper is issue 6's end-to-end case: the port
// set in the default template (as `mn-conf set -t default` does) on real
// ZooKeeper is where a node started afterwards listens.
func TestHTTPPortFromMNConfOnZooKeeper(t *testing.T) {
	b := zkBackend(t)
	port := freePort(t)
	mnconfSet(t, b.connect(t), b.root, mnconf.TemplateSource(mnconf.DefaultTemplate),
		fmt.Sprintf("cluster.rest_api.http_port = %d", port))
	cfg, _ := nodeOn(t, b)
	delete(cfg.Overrides, "cluster.rest_api.http_port")
	r := start(t, cfg)
	if got := r.node.HTTPAddr().(*net.TCPAddr).Port; got != port {
		t.Fatalf("listening on %d, want %d from mn-conf", got, port)
	}
	if code, _ := get(t, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/health", port)); code != 200 {
		t.Fatalf("/health on the mn-conf port: %d", code)
	}
}

// TestTwoNodesServeTheSameTopology runs the standard REST API (ZOOM store)
// on two nodes of one store: what one creates the other serves, and a
// delete through the other is seen by the first.
func TestTwoNodesServeTheSameTopology(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		var clients []*client.Client
		for range 2 {
			cfg, _ := nodeOn(t, b)
			cfg.APIHandler = cluster.StandardAPI
			r := start(t, cfg)
			clients = append(clients, client.New(httpURL(r.node, "/midonet-api")))
		}
		created, err := clients[0].Bridges().Create(ctx, &client.Bridge{Name: "shared", TenantID: "tenant-1"})
		if err != nil {
			t.Fatalf("create through node A: %v", err)
		}
		got, err := clients[1].Bridges().Get(ctx, created.ID)
		if err != nil || got.Name != "shared" || got.TenantID != "tenant-1" {
			t.Fatalf("get through node B: %+v, %v", got, err)
		}
		if err := clients[1].Bridges().Delete(ctx, created.ID); err != nil {
			t.Fatalf("delete through node B: %v", err)
		}
		var apiErr *client.Error
		if _, err := clients[0].Bridges().Get(ctx, created.ID); !errors.As(err, &apiErr) || apiErr.Status != 404 {
			t.Fatalf("get through node A after delete: %v, want 404", err)
		}
	})
}

// TestStandardServices runs the node with the standard hooks left to New
// (standard API and VxLAN gateway services), as the command does: the flooding-proxy manager campaigns on the
// reference's latch, and cluster.vxgw.enabled=false leaves both out.
func TestStandardServices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		latch := path.Join(b.root, "vxgw", "fp-latch")
		observer := b.connect(t)
		for _, enabled := range []bool{true, false} {
			cfg, _ := nodeOn(t, b)
			cfg.APIHandler = nil
			cfg.Overrides["cluster.vxgw.enabled"] = fmt.Sprint(enabled)
			r := start(t, cfg)
			if enabled {
				eventually(t, "the flooding-proxy manager campaigns at "+latch, func() bool {
					kids, _, err := observer.Children(context.Background(), latch)
					return err == nil && len(kids) == 1
				})
			} else if kids, _, _ := observer.Children(context.Background(), latch); len(kids) != 0 {
				t.Fatalf("vxgw disabled: candidates at %s: %v", latch, kids)
			}
			// The standard API answers on the same node.
			if code, body := get(t, http.DefaultClient, httpURL(r.node, "/midonet-api/")); code != 200 ||
				!strings.Contains(body, `"version":"v5.0"`) {
				t.Fatalf("API root: %d %q", code, body)
			}
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
		}
	})
}
