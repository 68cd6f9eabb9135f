package cluster_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// TestConfAPI exercises <root>/conf as the reference's ConfResource serves
// it, on the node's own mn-conf.
func TestConfAPI(t *testing.T) {
	cfg := testConfig(t, mem.NewServer().Connect())
	cfg.APIHandler = cluster.StandardAPI
	r := start(t, cfg)
	conf := httpURL(r.node, "/midonet-api/conf")
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, conf+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	node := uuid.New().String()
	steps := []struct {
		method, path, body string
		code               int
		contains           []string // in the answer
		lacks              []string
	}{
		{"GET", "/schemas", "", 200, []string{`"cluster"`, `"http_port" : 8181`}, nil},
		{"POST", "/templates/default", "cluster.rest_api.http_port : 9999", 200, nil, nil},
		{"GET", "/templates/default", "", 200, []string{`"http_port" : 9999`}, nil},
		{"GET", "/templates", "", 200, []string{`"templates" : [`, `"default"`, `"agent-compute-small"`}, nil},
		{"POST", "/nodes/" + node, `cluster { heartbeat { enabled : true } }`, 200, nil, nil},
		{"GET", "/nodes/" + node, "", 200, []string{`"enabled" : true`}, []string{"http_port"}},
		{"GET", "/runtime/" + node, "", 200, []string{`"http_port" : 9999`, `"heartbeat"`}, nil},
		{"POST", "/templates/big", "cluster.rest_api.http_port : 7777", 200, nil, nil},
		{"POST", "/template-mappings/" + node, fmt.Sprintf(`{ %q : "big" }`, node), 200, []string{`"` + node + `" : "big"`}, nil},
		{"GET", "/template-mappings", "", 200, []string{`"` + node + `" : "big"`}, nil},
		{"GET", "/runtime/" + node, "", 200, []string{`"http_port" : 7777`}, nil},
		{"DELETE", "/template-mappings/" + node, "", 200, nil, nil},
		{"GET", "/template-mappings", "", 200, nil, []string{node}},
		{"DELETE", "/nodes/" + node, "", 200, nil, nil},
		{"GET", "/nodes/" + node, "", 200, []string{"{"}, []string{"heartbeat"}},
		// Secrets are written but never served back (the reference serves
		// the Keystone service password in clear); unset ones show as unset.
		{"POST", "/templates/default", `cluster.auth.keystone { user_password : "s3cret-pw", admin_token : "t0ken-x" }`, 200, nil, nil},
		{"GET", "/templates/default", "", 200, []string{`"user_password" : "<redacted>"`, `"admin_token" : "<redacted>"`}, []string{"s3cret-pw", "t0ken-x"}},
		{"GET", "/runtime/" + node, "", 200, []string{`"user_password" : "<redacted>"`, `"keystore_password" : ""`}, []string{"s3cret-pw", "t0ken-x"}},
		{"GET", "/schemas", "", 200, []string{`"user_password" : " "`}, nil},
		// Bad input: clear errors, nothing written.
		{"POST", "/templates/default", `cluster.rest_api.http_port : "abc"`, 400, []string{"http_port"}, nil},
		{"POST", "/templates/default", `cluster { rest_api`, 400, nil, nil},
		{"GET", "/templates/default", "", 200, []string{`"http_port" : 9999`}, nil},
		{"GET", "/nodes/not-a-uuid", "", 404, nil, nil},
		{"POST", "/template-mappings/" + node, `{ "other" : "big" }`, 400, nil, nil},
	}
	for _, s := range steps {
		code, body := do(s.method, s.path, s.body)
		if code != s.code {
			t.Fatalf("%s %s: %d %q, want %d", s.method, s.path, code, body, s.code)
		}
		for _, want := range s.contains {
			if !strings.Contains(body, want) {
				t.Fatalf("%s %s: answer lacks %q:\n%s", s.method, s.path, want, body)
			}
		}
		for _, not := range s.lacks {
			if strings.Contains(body, not) {
				t.Fatalf("%s %s: answer has %q:\n%s", s.method, s.path, not, body)
			}
		}
	}
}
