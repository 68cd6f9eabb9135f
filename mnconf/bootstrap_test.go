package mnconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadBootstrapPrecedence checks where ZooKeeper is looked for, highest
// first: environment, then each INI file in order, then the defaults.
func TestReadBootstrapPrecedence(t *testing.T) {
	dir := t.TempDir()
	first := writeFile(t, dir, "midonetrc", "[zookeeper]\nzookeeper_hosts = 10.0.0.1:2181,10.0.0.2:2181\n")
	second := writeFile(t, dir, "midonet.conf", "[zookeeper]\nzookeeper_hosts = 10.9.9.9:2181\nroot_key = /second\n")
	legacyRoot := writeFile(t, dir, "midolman.conf", "[zookeeper]\nroot_key = /midonet/v1\n")
	absent := filepath.Join(dir, "absent.conf")
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	cases := []struct {
		name        string
		env         map[string]string
		files       []string
		hosts, root string
		servers     []string
	}{
		{"defaults", nil, []string{absent}, "127.0.0.1:2181", "/midonet", []string{"127.0.0.1:2181"}},
		{"files in order, each key separately", nil, []string{absent, first, second}, "10.0.0.1:2181,10.0.0.2:2181", "/second", []string{"10.0.0.1:2181", "10.0.0.2:2181"}},
		{"environment first", map[string]string{EnvZookeeperHosts: "127.0.0.2:2182", EnvZookeeperRootKey: "/env"}, []string{first, second}, "127.0.0.2:2182", "/env", []string{"127.0.0.2:2182"}},
		{"empty environment ignored", map[string]string{EnvZookeeperHosts: ""}, []string{second}, "10.9.9.9:2181", "/second", []string{"10.9.9.9:2181"}},
		{"legacy root forced", nil, []string{legacyRoot}, "127.0.0.1:2181", "/midonet", []string{"127.0.0.1:2181"}},
		{"root without its slash", map[string]string{EnvZookeeperRootKey: "mn"}, nil, "127.0.0.1:2181", "/mn", []string{"127.0.0.1:2181"}},
	}
	for _, c := range cases {
		b := ReadBootstrap(env(c.env), c.files...)
		if b.ZookeeperHosts != c.hosts || b.RootKey != c.root || strings.Join(b.Servers(), " ") != strings.Join(c.servers, " ") {
			t.Errorf("%s: got %+v servers %v; want hosts %q root %q servers %v", c.name, b, b.Servers(), c.hosts, c.root, c.servers)
		}
	}
	if files := BootstrapFiles("/x.conf"); files[0] != "/x.conf" || files[len(files)-2] != MidonetConfFile || files[len(files)-1] != LegacyMidolmanConf {
		t.Errorf("BootstrapFiles = %v", files)
	}
}

// TestLocalHostID checks the host id sources and the minting of a new id.
func TestLocalHostID(t *testing.T) {
	dir := t.TempDir()
	id := uuid.New()
	legacyID := uuid.New()
	primary := writeFile(t, dir, "primary.properties", "# comment\nhost_uuid = "+id.String()+"\n")
	legacy := writeFile(t, dir, "legacy.properties", "host_uuid="+legacyID.String()+"\n")
	bad := writeFile(t, dir, "bad.properties", "host_uuid=nope\n")
	absent := filepath.Join(dir, "absent.properties")

	if got, err := LocalHostID(primary, legacy); err != nil || got != id {
		t.Errorf("primary: %v %v", got, err)
	}
	if got, err := LocalHostID(absent, legacy); err != nil || got != legacyID {
		t.Errorf("legacy fallback: %v %v", got, err)
	}
	if _, err := LocalHostID(bad, legacy); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad id: %v", err)
	}
	minted, err := LocalHostID(absent, filepath.Join(dir, "absent-too"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := LocalHostID(absent, ""); err != nil || again != minted {
		t.Errorf("minted id not stored: %v then %v, %v", minted, again, err)
	}
	// A file that cannot be written: the reference's exit 2 case.
	unwritable := filepath.Join(primary, "sub", "id.properties") // below a regular file
	if _, err := LocalHostID(unwritable, ""); !errors.Is(err, ErrHostID) {
		t.Errorf("unwritable: %v, want ErrHostID", err)
	}
}

// TestCLIExitsTwoWithoutHostID runs a command needing the local host id
// when none can be stored.
func TestCLIExitsTwoWithoutHostID(t *testing.T) {
	for _, b := range backends()[:1] {
		h := newCLI(t, b.open(t))
		h.hostID = filepath.Join(writeFile(t, t.TempDir(), "file", ""), "id.properties")
		r := h.run("", "set", "cluster.heartbeat.enabled = true")
		if r.code != ExitNoHostID || !strings.Contains(r.stderr, "[mn-conf] Failed: this host doesn't yet have a host id") || !strings.Contains(r.stderr, "[mn-conf] Please retry as root.") {
			t.Fatalf("%+v", r)
		}
	}
}
