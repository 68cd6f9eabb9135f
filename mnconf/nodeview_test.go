package mnconf

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestNodeViewGivesApplyKeysText checks the text NodeView hands to
// cluster.Config.ApplyKeys for each kind of value, layered as a node sees it.
func TestNodeViewGivesApplyKeysText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		s, err := Open(ctx, st.dial(), st.root, WithLookupEnv(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Deploy(ctx); err != nil {
			t.Fatal(err)
		}
		node := uuid.New()
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), "cluster.rest_api.http_port = 18181\ncluster.heartbeat.enabled = true", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Set(ctx, NodeSource(node), `cluster.rest_api.root_uri = "/api"`, false); err != nil {
			t.Fatal(err)
		}
		get, err := s.NodeView(ctx, node)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			key, want string
			ok        bool
		}{
			{"cluster.rest_api.http_port", "18181", true},              // default template over schema
			{"cluster.rest_api.https_port", "8443", true},              // schema default
			{"cluster.rest_api.root_uri", "/api", true},                // node over all, unquoted
			{"cluster.heartbeat.enabled", "true", true},                // boolean
			{"cluster.heartbeat.period", "1000ms", true},               // duration as written in the schema
			{"cluster.loggers.org.midonet.cluster.root", "INFO", true}, // substitution resolved
			{"cluster.no_such_key", "", false},
		}
		for _, c := range cases {
			got, ok := get(c.key)
			if got != c.want || ok != c.ok {
				t.Errorf("get(%q) = %q, %v; want %q, %v", c.key, got, ok, c.want, c.ok)
			}
		}
		if got, ok := get("cluster.rest_api"); !ok || !strings.Contains(got, `"http_port" : 18181`) {
			t.Errorf("object rendered as %q, %v", got, ok)
		}
	})
}

// TestInvalidSetsWriteNothing checks that each kind of bad input is refused
// with a message naming the problem and leaves the stored znode as it was.
func TestInvalidSetsWriteNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn := st.dial()
		s, err := Open(ctx, conn, st.root, WithLookupEnv(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Deploy(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), "cluster.rest_api.http_port = 18181", false); err != nil {
			t.Fatal(err)
		}
		before, stat, err := conn.Get(ctx, st.root+"/config/templates/default")
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct{ name, text, want string }{
			{"string for a number", `cluster.rest_api.http_port = "abc"`, "expected a NUMBER"},
			{"bad duration", `cluster.executors.thread_pool_shutdown_timeout = "ten"`, "not a duration"},
			{"bad bool", `cluster.heartbeat.enabled = "maybe"`, "BOOLEAN"},
			{"yes is a string to typesafe-config", "cluster.heartbeat.enabled = yes", "BOOLEAN"},
			{"second key bad", "cluster.rest_api.https_port = 9443\ncluster.rest_api.http_port = true", "cluster.rest_api.http_port"},
			{"unresolvable substitution", "cluster.rest_api.root_uri = ${no.such.key}", "unresolved substitution"},
			{"substitution of the wrong type", "cluster.rest_api.http_port = ${cluster.rest_api.root_uri}", "expected a NUMBER"},
			{"not HOCON", "cluster { rest_api", "invalid HOCON"},
		}
		for _, c := range cases {
			_, err := s.Set(ctx, TemplateSource(DefaultTemplate), c.text, false)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			}
		}
		after, stat2, err := conn.Get(ctx, st.root+"/config/templates/default")
		if err != nil {
			t.Fatal(err)
		}
		if string(after) != string(before) || stat2.Version != stat.Version {
			t.Fatalf("rejected sets changed the znode: version %d → %d\n%s", stat.Version, stat2.Version, after)
		}
		// Negative numbers are numbers (https_port <= 0 disables HTTPS), and a
		// number is accepted where the schema's default is -1.
		if _, err := s.Set(ctx, TemplateSource("neg"), "cluster.rest_api.https_port = -1\ncluster.rest_api.acceptor_threads = 4", false); err != nil {
			t.Fatalf("negative port or threads refused: %v", err)
		}
		// A substitution that resolves to the right type is accepted.
		if _, err := s.Set(ctx, TemplateSource(DefaultTemplate), "cluster.rest_api.https_port = ${cluster.rest_api.http_port}", false); err != nil {
			t.Fatalf("valid substitution refused: %v", err)
		}
	})
}
