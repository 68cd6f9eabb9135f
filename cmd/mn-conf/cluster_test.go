package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/internal/clustertest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestClusterReadsWhatMnConfWrote is the operator's path end to end on real
// ZooKeeper: settings written with the mn-conf binary decide where a
// midonet-cluster binary started afterwards listens, through the default
// template, a template mapped to the node, and the node's own settings.
func TestClusterReadsWhatMnConfWrote(t *testing.T) {
	srv := zktest.Start(t)
	mnConfBin := buildBinary(t)
	clusterBin := buildCommand(t, "../midonet-cluster", "midonet-cluster")
	const root = "/midonet"
	mnConf := func(stdin string, args ...string) {
		t.Helper()
		if r := mnConf(t, mnConfBin, srv.Addr(), root, stdin, args...); r.code != 0 {
			t.Fatalf("mn-conf %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	dir := t.TempDir()
	node := uuid.New()
	hostIDFile := filepath.Join(dir, "host_id.properties")
	if err := os.WriteFile(hostIDFile, []byte("host_uuid="+node.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// startCluster runs the node until it answers /health on port, then stops it.
	startCluster := func(port int) {
		t.Helper()
		var logs clustertest.LogBuffer
		cmd := exec.Command(clusterBin, "--host-id-file", hostIDFile, "--env-file", filepath.Join(dir, "absent-env.sh"))
		cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
			"MIDO_ZOOKEEPER_HOSTS=" + srv.Addr(), "MIDO_ZOOKEEPER_ROOT_KEY=" + root}
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		url := fmt.Sprintf("http://127.0.0.1:%d/health", port)
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("midonet-cluster exited (%v) before serving on %d:\n%s", err, port, logs.String())
			case <-ctx.Done():
				t.Fatalf("midonet-cluster not serving on %d:\n%s", port, logs.String())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	defaultPort, templatePort, nodePort := freePort(t), freePort(t), freePort(t)
	mnConf(fmt.Sprintf("cluster.rest_api.http_host = \"127.0.0.1\"\ncluster.rest_api.https_host = \"127.0.0.1\"\ncluster.rest_api.http_port = %d\n", defaultPort),
		"set", "-t", "default")
	startCluster(defaultPort)

	mnConf("", "set", "-t", "edge", fmt.Sprintf("cluster.rest_api.http_port = %d", templatePort))
	mnConf("", "template-set", "-h", node.String(), "-t", "edge")
	startCluster(templatePort)

	mnConf(fmt.Sprintf("cluster.rest_api.http_port : %d", nodePort), "set", "-h", node.String())
	startCluster(nodePort)
}
