package mnconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIOutputsAndUsage covers the subcommands and flags TestCLIEndToEnd
// does not: rendering options, set -c, import, whole-schema doc, the bundled
// dump, and usage errors with their exit codes.
func TestCLIOutputsAndUsage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st testStore) {
		h := newCLI(t, st)
		h.ok("", "deploy")
		h.ok("cluster.rest_api.http_port = 18181\ncluster.rest_api.root_uri = \"/x\"", "set", "-t", "default")
		h.ok("cluster.rest_api.http_port = 1", "set", "-t", "other")

		legacy := filepath.Join(t.TempDir(), "midolman.conf")
		if err := os.WriteFile(legacy, []byte("[zookeeper]\nsession_timeout = 30000\nzookeeper_hosts = 10.0.0.1:2181\n[midolman]\nbgp_holdtime = 120\n[bridge]\nmac_port_mapping_expire_millis = 15000\n"), 0o644); err != nil {
			t.Fatal(err)
		}

		origin := func(src string) string { return "zookeeper://" + strings.TrimPrefix(h.st.root, "/") + "/config/" + src }
		cases := []struct {
			name     string
			stdin    string
			args     []string
			code     int
			stdout   string // exact, when set
			contains []string
			absent   []string
		}{
			{name: "dump -j renders JSON", args: []string{"dump", "-t", "default", "-j"},
				contains: []string{`"http_port" : 18181`, `"root_uri" : "/x"`}},
			{name: "dump -t excludes the schema", args: []string{"dump", "-t", "default"},
				contains: []string{`"http_port"=18181`}, absent: []string{"https_port"}},
			{name: "dump -s shows schema defaults without doc keys", args: []string{"dump", "-s"},
				contains: []string{`"http_port"=8181`, "schemaVersion=29"}, absent: []string{"http_port_description", "_type", "18181"}},
			{name: "get -s shows the doc keys of an object", args: []string{"get", "-s", "cluster.rest_api"},
				contains: []string{"cluster.rest_api = # " + origin("schemas/cluster") + "\n\"acceptor_threads\"=-1\n", "\n\"http_port_description\"=\"The port"}},
			{name: "dump -c names each value's source", args: []string{"dump", "-c", "-t", "default"},
				contains: []string{"# " + origin("templates/default") + "\ncluster {\n", "    # " + origin("templates/default") + "\n    \"rest_api\" {\n"}},
			{name: "get -j of a string", args: []string{"get", "-t", "default", "-j", "cluster.rest_api.root_uri"},
				contains: []string{`cluster.rest_api.root_uri = "/x"`}},
			{name: "get -r prints the bare value", args: []string{"get", "-r", "-t", "default", "cluster.rest_api.root_uri"}, stdout: "/x\n"},
			{name: "get -r of a number", args: []string{"get", "--raw", "-t", "default", "cluster.rest_api.http_port"}, stdout: "18181\n"},
			{name: "get -r of a missing key", args: []string{"get", "-r", "-t", "default", "cluster.none"}, code: ExitNoSuchKey, stdout: ""},
			{name: "set -c replaces the template", args: []string{"set", "-c", "-t", "other", "cluster.heartbeat.enabled = true"}},
			{name: "import without -a skips schema defaults", args: []string{"import", "-t", "imported", "-f", legacy},
				contains: []string{"Importing legacy configuration:\n", `"session_timeout" : "30000ms"`, `"bgp_holdtime" : "120s"`, `"mac_port_mapping_expire" : "15000ms"`, `"zookeeper_hosts" : "10.0.0.1:2181"`}},
			{name: "imported values are stored", args: []string{"get", "-t", "imported", "agent.midolman.bgp_holdtime"},
				contains: []string{`agent.midolman.bgp_holdtime = "120s"`}},
			{name: "import of a missing file", args: []string{"import", "-t", "x", "-f", filepath.Join(t.TempDir(), "none.conf")},
				code: ExitFailed},
			{name: "doc of every key", args: []string{"doc"},
				contains: []string{"Key: cluster.rest_api.http_port\n", "Key: zookeeper.zookeeper_hosts\n", "\n----------------------\n"}, absent: []string{"schemaVersion", "Key: cluster.rest_api.http_port_description\n"}},
			{name: "dump-bundled-config", args: []string{"dump-bundled-config"},
				contains: []string{"Found a bundled schema:\n", "Found a bundled template [agent-compute-small]:\n"}},
			{name: "no subcommand: usage, exit 1", args: nil, code: ExitFailure,
				contains: []string{"Usage:", "template-set"}},
			{name: "unknown subcommand", args: []string{"frobnicate"}, code: ExitFailure},
			{name: "unknown flag", args: []string{"dump", "--nope"}, code: ExitFailure},
			{name: "get needs a key", args: []string{"get"}, code: ExitFailure},
			{name: "template-set needs -t", args: []string{"template-set"}, code: ExitFailure},
			{name: "map a host without settings to default", args: []string{"template-set", "-h", "00000000-0000-0000-0000-000000000001", "-t", "default"}},
			{name: "hosts names the default template of a mapped-only host", args: []string{"hosts"},
				contains: []string{"00000000-0000-0000-0000-000000000001 -> template(default) : template(default) : schema\n"}},
			{name: "--help still works", args: []string{"get", "--help"},
				contains: []string{"-h, --host", "-t, --template"}},
		}
		for _, c := range cases {
			r := h.run(c.stdin, c.args...)
			if r.code != c.code {
				t.Errorf("%s: exit %d, want %d (stderr %q)", c.name, r.code, c.code, r.stderr)
				continue
			}
			if c.stdout != "" && r.stdout != c.stdout {
				t.Errorf("%s: stdout %q, want %q", c.name, r.stdout, c.stdout)
			}
			for _, want := range c.contains {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("%s: output lacks %q:\n%s", c.name, want, r.stdout)
				}
			}
			for _, bad := range c.absent {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("%s: output has %q", c.name, bad)
				}
			}
			if c.code != 0 && c.code != ExitNoSuchKey && !strings.HasPrefix(r.stderr, "[mn-conf] ") && len(c.args) > 0 {
				t.Errorf("%s: stderr %q lacks the [mn-conf] prefix", c.name, r.stderr)
			}
		}
		// An object from several layers is a merge of them.
		if out := h.ok("", "dump", "-c", "-t", "other"); !strings.Contains(out, "# merge of "+origin("templates/other")+","+origin("templates/default")+"\ncluster {\n") {
			t.Errorf("dump -c of a merged object:\n%s", out)
		}
		// set -c dropped what "other" held before; default shows through.
		if out := h.ok("", "get", "-t", "other", "cluster.rest_api.http_port"); out != "cluster.rest_api.http_port = 18181\n" {
			t.Errorf("after set -c: %q", out)
		}
		if out := h.ok("", "get", "-t", "other", "cluster.heartbeat.enabled"); out != "cluster.heartbeat.enabled = true\n" {
			t.Errorf("set -c value: %q", out)
		}
	})
}
