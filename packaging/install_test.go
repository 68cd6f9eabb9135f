package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/internal/pyclienttest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/restapi/client"
)

// installGate is the variable that lets the install test modify this
// machine; CI=true does too, and "0" keeps it off even under CI.
const installGate = "MIDONET_PACKAGE_INSTALL_TEST"

// requireInstallAllowed skips loudly unless the test may install packages
// here: as root, under CI=true or MIDONET_PACKAGE_INSTALL_TEST=1.
func requireInstallAllowed(t *testing.T) {
	t.Helper()
	gate, ci := os.Getenv(installGate), os.Getenv("CI") == "true"
	if gate == "0" || (gate != "1" && !ci) {
		t.Skipf("SKIPPED: the package install test installs, upgrades and purges midonet-cluster and midonet-tools "+
			"on this machine; it runs as root with %s=1 or CI=true (and %s!=0)", installGate, installGate)
	}
	if os.Geteuid() != 0 {
		if ci {
			t.Fatal("the package install test needs root (dpkg -i); CI runs it as root")
		}
		t.Skip("SKIPPED: the package install test needs root (dpkg -i)")
	}
	for _, tool := range []string{"dpkg", "dpkg-deb", "dpkg-query", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			pyclienttest.SkipOrFail(t, "%s not installed: %v", tool, err)
		}
	}
	for _, pkg := range packages {
		if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", pkg).Output(); strings.Contains(string(out), "installed") {
			t.Fatalf("%s is already installed on this machine (%s); the install test does not touch an operator's packages", pkg, out)
		}
	}
	if _, err := os.Stat("/etc/midonet/midonet.conf"); err == nil {
		t.Fatal("/etc/midonet/midonet.conf exists on this machine; the install test does not overwrite an operator's configuration")
	}
}

// TestPackageInstall is the operator's path with the packages: build two
// versions, lint them, install the first on this machine, configure the node
// in the installed conffile towards a test ZooKeeper holding data in the JVM
// cluster's layout, run the installed binary as the unit does, check the REST
// API serves that data (and python-midonetclient, and the installed mn-conf
// and midonet-check), upgrade keeping the edited conffile, purge and find
// nothing left.
func TestPackageInstall(t *testing.T) {
	requireInstallAllowed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	repo, err := repoRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	const v1, v2 = "0.0.0+pkgtest1", "0.0.0+pkgtest2"
	first, err := buildPackages(ctx, repo, v1, filepath.Join(out, "1"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := buildPackages(ctx, repo, v2, filepath.Join(out, "2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("lintian", func(t *testing.T) { lintian(ctx, t, first) })

	existedBefore := map[string]bool{}
	for _, p := range append(packagePaths(t, first), runtimePaths...) {
		_, err := os.Lstat(p)
		existedBefore[p] = err == nil
	}
	t.Cleanup(func() {
		// Whatever happened, leave the machine as it was found.
		exec.Command("dpkg", "--purge", "midonet-cluster", "midonet-tools").Run()
	})
	run(ctx, t, "dpkg", append([]string{"-i"}, first...)...)

	t.Run("installed layout", func(t *testing.T) { checkLayout(ctx, t, v1) })
	t.Run("nothing started", func(t *testing.T) { checkNothingStarted(ctx, t) })

	// The operator's edit of the installed conffile: this machine's test
	// ZooKeeper, a root of this run.
	srv := zktest.Start(t)
	root := "/pkgtest-" + uuid.NewString()[:8]
	conf := fmt.Sprintf("# edited by the operator\n[zookeeper]\nzookeeper_hosts = %s\nroot_key = %s\n", srv.Addr(), root)
	if err := os.WriteFile("/etc/midonet/midonet.conf", []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// A JVM node's env file, as the JVM package shipped it: its heap and GC
	// options mean nothing here and must not stop the node.
	if err := os.WriteFile("/etc/midonet-cluster/midonet-cluster-env.sh", []byte(jvmEnvFile), 0o644); err != nil {
		t.Fatal(err)
	}
	hostID := installedHostID(t)
	port := freePort(t)
	conn, err := zk.Connect(ctx, zk.Config{Servers: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	writeJVMConfig(ctx, t, conn, root, hostID, port)

	node := startInstalledNode(ctx, t, port)
	base := fmt.Sprintf("http://127.0.0.1:%d/midonet-api", port)
	t.Run("python-midonetclient", func(t *testing.T) {
		// First, on an empty topology: the scenario checks that it leaves
		// none of its objects behind.
		py := pyclienttest.Extract(ctx, t)
		script := filepath.Join(repo, "restapi", "testdata", "pyclient_scenario.py")
		py.Run(ctx, t, "python-midonetclient scenario against the installed node", script, base)
	})
	objects := writeJVMObjects(ctx, t, conn, root)
	t.Run("serves the JVM cluster's objects", func(t *testing.T) {
		api := client.New(base)
		names := map[string]func(id string) (string, error){
			"Network": func(id string) (string, error) { b, err := api.Bridges().Get(ctx, id); return b.Name, err },
			"Router":  func(id string) (string, error) { r, err := api.Routers().Get(ctx, id); return r.Name, err },
			"Chain":   func(id string) (string, error) { c, err := api.Chains().Get(ctx, id); return c.Name, err },
		}
		for _, o := range objects {
			if name, err := names[o.class](o.id); err != nil || name != o.name {
				t.Errorf("GET %s %s: name %q, %v; want %q", o.class, o.id, name, err, o.name)
			}
		}
	})
	t.Run("installed mn-conf", func(t *testing.T) {
		// The node deployed the schemas into the same <root>/config that the
		// JVM mn-conf layout holds.
		if got := run(ctx, t, "/usr/bin/mn-conf", "template-get", "-h", hostID); strings.TrimSpace(got) != hostID+"  pkgtest" {
			t.Errorf("template-get: %q", got)
		}
		if got := run(ctx, t, "/usr/bin/mn-conf", "get", "-h", hostID, "cluster.rest_api.http_port"); strings.TrimSpace(got) != fmt.Sprintf("cluster.rest_api.http_port = %d", port) {
			t.Errorf("get: %q", got)
		}
		if got := run(ctx, t, "/usr/bin/mn-conf", "get", "-s", "cluster.rest_api.http_port"); !strings.Contains(got, "8181") {
			t.Errorf("schema default: %q", got)
		}
	})
	t.Run("installed midonet-check", func(t *testing.T) {
		// The JVM fixtures reference objects that are not there (their
		// ports, rules...): the checker reads them and says so.
		cmd := exec.CommandContext(ctx, "/usr/bin/midonet-check")
		text, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(text), "checked ") ||
			!strings.Contains(string(text), "Network "+objects[0].id) {
			t.Errorf("midonet-check: exit %d (%v), want 1 with findings on the JVM network:\n%s", code, err, text)
		}
	})
	node.stop(t)
	t.Run("the JVM's maximum heap is the memory limit, its other options ignored, one log line each", func(t *testing.T) {
		log := node.log(ctx)
		if n := strings.Count(log, "ignoring JVM_OPTS that only configure a JVM"); n != 1 || !strings.Contains(log, "-Xms2048M -Xmn1024M -XX:+UseG1GC") {
			t.Errorf("%d log lines about the JVM-only options, want 1 naming -Xms2048M -Xmn1024M -XX:+UseG1GC:\n%s", n, log)
		}
		if n := strings.Count(log, "Go runtime soft memory limit"); n != 1 || !strings.Contains(log, "limit=2048MiB") || !strings.Contains(log, "-Xmx2048M in /etc/midonet-cluster/midonet-cluster-env.sh") {
			t.Errorf("%d log lines about the memory limit, want 1 of 2048MiB from -Xmx2048M:\n%s", n, log)
		}
	})

	run(ctx, t, "dpkg", append([]string{"-i"}, second...)...)
	t.Run("upgrade keeps the edited conffiles", func(t *testing.T) {
		for file, want := range map[string]string{"/etc/midonet/midonet.conf": conf,
			"/etc/midonet-cluster/midonet-cluster-env.sh": jvmEnvFile} {
			if got, err := os.ReadFile(file); err != nil || string(got) != want {
				t.Errorf("after the upgrade %s is %q (%v), want the operator's %q", file, got, err, want)
			}
			for _, leftover := range []string{".dpkg-dist", ".dpkg-new", ".dpkg-old"} {
				if _, err := os.Stat(file + leftover); err == nil {
					t.Errorf("%s%s after the upgrade", file, leftover)
				}
			}
		}
		checkLayout(ctx, t, v2)
		if id := installedHostID(t); id != hostID {
			t.Errorf("host id changed by the upgrade: %s -> %s", hostID, id)
		}
	})

	run(ctx, t, "dpkg", "--purge", "midonet-cluster", "midonet-tools")
	t.Run("purge leaves nothing", func(t *testing.T) {
		for p, existed := range existedBefore {
			if _, err := os.Lstat(p); err == nil && !existed {
				t.Errorf("%s left after dpkg --purge", p)
			}
		}
	})
}

// runtimePaths are what the packages' scripts make outside their file lists.
var runtimePaths = []string{"/var/lib/midonet-cluster", "/etc/midonet_host_id.properties",
	"/etc/systemd/system/multi-user.target.wants/midonet-cluster.service"}

// packagePaths lists every path the .deb files hold.
func packagePaths(t *testing.T, debs []string) []string {
	t.Helper()
	var paths []string
	for _, d := range debs {
		out, err := exec.Command("dpkg-deb", "--fsys-tarfile", d).Output()
		if err != nil {
			t.Fatal(err)
		}
		list := exec.Command("tar", "-t")
		list.Stdin = bytes.NewReader(out)
		names, err := list.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range strings.Fields(string(names)) {
			if p := path.Clean("/" + strings.TrimPrefix(n, "./")); p != "/" {
				paths = append(paths, p)
			}
		}
	}
	return paths
}

func lintian(ctx context.Context, t *testing.T, debs []string) {
	if _, err := exec.LookPath("lintian"); err != nil {
		pyclienttest.SkipOrFail(t, "lintian not installed: %v", err)
	}
	cmd := exec.CommandContext(ctx, "lintian", append([]string{"--fail-on", "error", "--allow-root"}, debs...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lintian reports errors: %v\n%s", err, out)
	}
	t.Logf("lintian (no errors):\n%s", out)
}

// checkLayout: the binaries report version, the man pages and completions
// come from the commands' definitions, the system user and its state
// directory exist.
func checkLayout(ctx context.Context, t *testing.T, version string) {
	t.Helper()
	for _, name := range commandNames {
		// The version is followed by " (go...)", or by ", commit ..." when
		// the build tree carried VCS information (a clone, as in CI).
		got := run(ctx, t, "/usr/bin/"+name, "--version")
		if rest, ok := strings.CutPrefix(got, name+" version "+version); !ok || !(strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, ",")) {
			t.Errorf("%s --version: %q, want version %s", name, got, version)
		}
		page, err := os.ReadFile("/usr/share/man/man1/" + name + ".1.gz")
		if err != nil {
			t.Errorf("man page of %s: %v", name, err)
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(zr)
		if !strings.Contains(string(text), ".TH \""+strings.ToUpper(name)+"\" \"1\"") {
			t.Errorf("man page of %s is not a section 1 page:\n%.300s", name, text)
		}
		completion, err := os.ReadFile("/usr/share/bash-completion/completions/" + name)
		if err != nil || !strings.Contains(string(completion), "complete -o default -F __start_"+name+" "+name) {
			t.Errorf("bash completion of %s: %v", name, err)
		}
	}
	if page := run(ctx, t, "sh", "-c", "gzip -dc /usr/share/man/man1/midonet-cluster.1.gz"); !strings.Contains(page, `\fB--zookeeper-hosts\fP`) {
		t.Errorf("midonet-cluster(1) lacks --zookeeper-hosts")
	}
	if _, err := os.Stat("/usr/share/man/man1/mn-conf-set.1.gz"); err != nil {
		t.Errorf("mn-conf subcommand page: %v", err)
	}
	if got := run(ctx, t, "getent", "passwd", "midonet"); !strings.Contains(got, ":/var/lib/midonet-cluster:") {
		t.Errorf("system user: %q", got)
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/var/lib/midonet-cluster", &st); err != nil || st.Uid == 0 {
		t.Errorf("/var/lib/midonet-cluster not owned by the system user: %v uid %d", err, st.Uid)
	}
}

// checkNothingStarted: installing started no node, and under systemd left
// the unit disabled.
func checkNothingStarted(ctx context.Context, t *testing.T) {
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, p := range procs {
		if exe, err := os.Readlink(p); err == nil && exe == "/usr/bin/midonet-cluster" {
			t.Errorf("a midonet-cluster runs after dpkg -i (%s)", p)
		}
	}
	if systemdRuns() {
		if got, _ := exec.CommandContext(ctx, "systemctl", "is-enabled", "midonet-cluster").Output(); strings.TrimSpace(string(got)) != "disabled" {
			t.Errorf("systemctl is-enabled midonet-cluster: %q, want disabled", got)
		}
	}
}

func systemdRuns() bool { _, err := os.Stat("/run/systemd/system"); return err == nil }

// installedHostID is the node's id as the package left it.
func installedHostID(t *testing.T) string {
	t.Helper()
	for _, f := range []string{"/etc/midonet_host_id.properties", "/etc/midolman/host_uuid.properties"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.TrimSpace(k) == "host_uuid" {
				return strings.TrimSpace(v)
			}
		}
	}
	t.Fatal("no host id after installing midonet-cluster")
	return ""
}

// jvmObject is one object written as the JVM cluster stores it.
type jvmObject struct{ class, fixture, id, name string }

// writeJVMConfig writes, raw, what a JVM cluster's mn-conf leaves in
// ZooKeeper: a template mapped to this host, in its JSON layout, that puts
// the API on loopback. The port is then set with the installed mn-conf, per
// host, over that template.
func writeJVMConfig(ctx context.Context, t *testing.T, conn storage.Conn, root, hostID string, port int) {
	t.Helper()
	mapping, _ := json.Marshal(map[string]string{hostID: "pkgtest"})
	create(ctx, t, conn, path.Join(root, "config", "template-mappings"), mapping)
	create(ctx, t, conn, path.Join(root, "config", "templates", "pkgtest"),
		[]byte(fmt.Sprintf(`{"cluster":{"rest_api":{"http_host":"127.0.0.1","http_port":%d}}}`, port+1)))
	run(ctx, t, "/usr/bin/mn-conf", "set", "-h", hostID, "cluster.rest_api.http_port : "+strconv.Itoa(port))
}

// writeJVMObjects writes, raw, the golden text-format fixtures
// (byte-identical to Java's TextFormat) where a JVM cluster stores them:
// <root>/zoom/0/models/<Class>/<id>.
func writeJVMObjects(ctx context.Context, t *testing.T, conn storage.Conn, root string) []jvmObject {
	t.Helper()
	objects := []jvmObject{
		{class: "Network", fixture: "network.txtpb", name: "net-1"},
		{class: "Router", fixture: "router.txtpb", name: "edge"},
		{class: "Chain", fixture: "chain.txtpb", name: "in-filter"},
	}
	fixtures := filepath.Join("..", "midonet", "models", "testdata")
	for i, o := range objects {
		text, err := os.ReadFile(filepath.Join(fixtures, o.fixture))
		if err != nil {
			t.Fatal(err)
		}
		class, ok := models.ClassByName(o.class)
		if !ok {
			t.Fatalf("no class %s", o.class)
		}
		m := class.New()
		if err := models.Unmarshal(text, m); err != nil {
			t.Fatal(err)
		}
		id, err := models.ID(m)
		if err != nil {
			t.Fatal(err)
		}
		objects[i].id = id.Canonical()
		create(ctx, t, conn, path.Join(root, "zoom", "0", "models", o.class, objects[i].id), text)
	}
	return objects
}

// create writes p with data, making its parents.
func create(ctx context.Context, t *testing.T, conn storage.Conn, p string, data []byte) {
	t.Helper()
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if _, err := conn.Create(ctx, "/"+strings.Join(parts[:i], "/"), nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			t.Fatal(err)
		}
	}
	if _, err := conn.Create(ctx, p, data, storage.Persistent); err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
}

// installedNode is midonet-cluster started as its installed unit says.
type installedNode struct {
	cmd  *exec.Cmd // nil under systemd
	logs *bytes.Buffer
	done chan struct{}
}

// startInstalledNode starts the node: with systemctl where systemd runs,
// else the unit's ExecStart as the unit's user. It waits for /health.
func startInstalledNode(ctx context.Context, t *testing.T, port int) *installedNode {
	t.Helper()
	n := &installedNode{logs: new(bytes.Buffer), done: make(chan struct{})}
	if systemdRuns() {
		run(ctx, t, "systemctl", "start", "midonet-cluster")
		close(n.done)
	} else {
		unit, err := os.ReadFile("/lib/systemd/system/midonet-cluster.service")
		if err != nil {
			t.Fatal(err)
		}
		execStart, user := unitField(string(unit), "ExecStart"), unitField(string(unit), "User")
		if execStart == "" || user == "" {
			t.Fatalf("unit without ExecStart or User:\n%s", unit)
		}
		args := append([]string{"--reuid=" + user, "--regid=" + user, "--init-groups", "--"}, strings.Fields(execStart)...)
		n.cmd = exec.Command("setpriv", args...)
		n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
		n.cmd.Dir = "/"
		n.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/var/lib/midonet-cluster"}
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { n.cmd.Wait(); close(n.done) }()
		t.Logf("started as the unit would: setpriv %s", strings.Join(args, " "))
	}
	t.Cleanup(func() { n.stop(t) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/health", port))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return n
			}
		}
		select {
		case <-n.done:
			if n.cmd != nil {
				t.Fatalf("the installed midonet-cluster exited: %v\n%s", n.cmd.ProcessState, n.logs)
			}
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the installed midonet-cluster does not answer on port %d\n%s", port, n.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the node as systemd would (SIGTERM) and expects a clean exit.
func (n *installedNode) stop(t *testing.T) {
	t.Helper()
	if n.cmd == nil {
		exec.Command("systemctl", "stop", "midonet-cluster").Run()
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(60 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
		t.Errorf("midonet-cluster did not stop on SIGTERM\n%s", n.logs)
	}
	if code := n.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("midonet-cluster exit code %d after SIGTERM\n%s", code, n.logs)
	}
}

// log is what the node logged: its output, or its journal under systemd.
func (n *installedNode) log(ctx context.Context) string {
	if n.cmd != nil {
		select {
		case <-n.done:
			return n.logs.String()
		default:
			return ""
		}
	}
	out, _ := exec.CommandContext(ctx, "journalctl", "-u", "midonet-cluster", "--no-pager", "-o", "cat").Output()
	return string(out)
}

// jvmEnvFile has the lines of the JVM package's midonet-cluster-env.sh that
// matter here: heap, GC and JMX options, and a commented-out key store.
const jvmEnvFile = `MAX_HEAP_SIZE="2048M"
HEAP_NEWSIZE="1024M"
JVM_OPTS="$JVM_OPTS -Xms${MAX_HEAP_SIZE}"
JVM_OPTS="$JVM_OPTS -Xmx2048M"
JVM_OPTS="$JVM_OPTS -Xmn${HEAP_NEWSIZE}"
JVM_OPTS="$JVM_OPTS -XX:+UseG1GC"
JVM_OPTS="$JVM_OPTS -XX:MaxGCPauseMillis=500"
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/etc/midonet-cluster/ssl/midonet.jks"
if [ "x$JMXDISABLE" = "x" ] ; then
    JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote"
    JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT"
fi
`

// unitField is the value of the first "key=" line of a systemd unit.
func unitField(unit, key string) string {
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// run runs a command and returns its standard output; failure fails the test.
func run(ctx context.Context, t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
