package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// memoryNodeEnv, when set in the environment of this test binary, makes it
// the memory figure's child instead of running tests: "mem" or the address
// of a ZooKeeper server, then ",<objects>,<passes>" (passes: -memory-passes).
const memoryNodeEnv = "MIDONET_BENCH_MEMORY_NODE"

// heapProfileEnv, with memoryNodeEnv, names the file the child writes its
// heap profile to after its second reading (-heap-profiles).
const heapProfileEnv = "MIDONET_BENCH_HEAP_PROFILE"

var memoryPassesFlag = flag.Int("memory-passes", 1, "times the memory figure's nodes read every object through the API (2: each is cached and watched, the node's cache full)")

var heapProfilesFlag = flag.String("heap-profiles", "", "directory the memory figure's nodes write their heap profiles to (ZooKeeper.pprof, mem.pprof; `go tool pprof -sample_index=inuse_space`)")

// memoryTargetMB is #12's bound on a node holding 100k objects.
const memoryTargetMB = 150

// portsPerBridge: the memory figure's objects are bridges of this many
// ports, a bridge and its ports created in one transaction.
const portsPerBridge = 99

func TestMain(m *testing.M) {
	if spec := os.Getenv(memoryNodeEnv); spec != "" {
		if err := memoryNode(spec); err != nil {
			fmt.Fprintln(os.Stderr, "memory node:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// footprint is what the memory figure's child reports (JSON on stdout).
type footprint struct {
	Objects int `json:"objects"`
	// EmptyRSS: the started node's resident set before any object exists;
	// RSS: after the objects were created and every one read through the
	// REST API; both after a garbage collection.
	EmptyRSS, RSS int64
	// HeapInUse: the Go heap's in-use bytes at the second reading.
	HeapInUse uint64
	// MemoryLimit: the Go runtime's soft memory limit the node ran under.
	MemoryLimit int64
	// Read: how long reading every object through the API took; ReadGCCPU
	// and ReadUserCPU: the runtime's estimates of the CPU time its garbage
	// collector and Go code spent meanwhile (node and REST client alike).
	Read                   time.Duration
	ReadGCCPU, ReadUserCPU float64
	// RawBytes: the data of the objects' store nodes (what ZooKeeper holds).
	RawBytes int64
}

// memoryNode is the child: it runs a node alone in this process (on the
// ZooKeeper server given, or on an in-memory store living in this process,
// as the command's own), configured as an installed node whose env file
// sets no heap size (the package's) with this process's environment, so
// under the default memory limit unless GOMEMLIMIT says otherwise. It reads
// its RSS, creates the objects through a second store session, which it
// then closes, reads them all through the REST API, passes times (GET /bridges, then each
// bridge's ports) so that whatever the node keeps of them is there, reads
// its RSS again and prints a footprint.
func memoryNode(spec string) error {
	backend, rest, ok := strings.Cut(spec, ",")
	count, pass, ok2 := strings.Cut(rest, ",")
	objects, err := strconv.Atoi(count)
	passes, perr := strconv.Atoi(pass)
	if !ok || !ok2 || err != nil || perr != nil || objects < portsPerBridge+1 || passes < 1 {
		return fmt.Errorf("%s=%q: want mem|<zookeeper address>,<objects ≥ %d>,<passes ≥ 1>", memoryNodeEnv, spec, portsPerBridge+1)
	}
	installed, err := cluster.Build(cluster.Sources{Getenv: os.Getenv})
	if err != nil {
		return err
	}
	ctx := context.Background()
	var (
		n    *node
		stop func() error
		// connect opens a session on the node's backend for the bench's own
		// writes and reads, which close it after use.
		connect func() (storage.Conn, error)
	)
	if backend == "mem" {
		srv := mem.NewServer()
		connect = func() (storage.Conn, error) { return srv.Connect(), nil }
		n, stop, err = runNode(installed, "mem", "", cluster.DefaultRootKey, func(context.Context, string) (cluster.StoreConn, error) { return srv.Connect(), nil }, srv.Connect())
	} else {
		connect = func() (storage.Conn, error) {
			c, err := zk.Connect(ctx, zk.Config{Servers: []string{backend}, SessionTimeout: 30 * time.Second, Logger: quietLogger()})
			if err != nil {
				return nil, fmt.Errorf("connect to ZooKeeper: %w", err)
			}
			return c, nil
		}
		c, cerr := connect()
		if cerr != nil {
			return cerr
		}
		// A tree of its own: the server holds the other figures' objects.
		n, stop, err = runNode(installed, "ZooKeeper", backend, "/midonet-footprint-"+uuid.NewString(), nil, c)
	}
	if err != nil {
		return err
	}
	defer func() { _ = stop() }()
	if _, err := n.api.Bridges().List(ctx, nil); err != nil {
		return err
	}
	fp := footprint{MemoryLimit: debug.SetMemoryLimit(-1)}
	if fp.EmptyRSS, err = settledRSS(); err != nil {
		return err
	}
	bridges, err := n.fillTopology(ctx, objects/(portsPerBridge+1))
	if err != nil {
		return err
	}
	fp.Objects = len(bridges) * (portsPerBridge + 1)
	// The bench's store and session are not the node's: closed (and the
	// store dropped) before the node's footprint is read.
	zoomPath := n.store.ZoomPath()
	n.store = nil
	n.conn.Close()
	before := cpuSeconds()
	start := time.Now()
	for range passes {
		if err := n.readTopology(ctx, bridges); err != nil {
			return err
		}
	}
	fp.Read = time.Since(start)
	after := cpuSeconds()
	fp.ReadGCCPU, fp.ReadUserCPU = after.gc-before.gc, after.user-before.user
	if fp.RSS, err = settledRSS(); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fp.HeapInUse = ms.HeapInuse
	if file := os.Getenv(heapProfileEnv); file != "" {
		if err := writeHeapProfile(file); err != nil {
			return err
		}
	}
	conn, err := connect()
	if err != nil {
		return err
	}
	defer conn.Close()
	if fp.RawBytes, err = rawBytes(ctx, conn, zoomPath); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(fp)
}

// cpuTimes are the runtime's estimates of this process's CPU time so far.
type cpuTimes struct{ gc, user float64 }

func cpuSeconds() cpuTimes {
	samples := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/user:cpu-seconds"}}
	metrics.Read(samples)
	return cpuTimes{gc: samples[0].Value.Float64(), user: samples[1].Value.Float64()}
}

// fillTopology creates bridges of portsPerBridge ports each through the
// object store, a bridge and its ports per transaction, and returns the
// bridges' ids.
func (n *node) fillTopology(ctx context.Context, bridges int) ([]string, error) {
	ids := make([]string, bridges)
	for i := range ids {
		b := &models.Network{Id: models.UUIDFromGoogle(uuid.New()), Name: proto.String(fmt.Sprintf("footprint-%d", i)), TenantId: proto.String("bench")}
		err := n.store.Tx(ctx, func(tx *zoom.Tx) error {
			if err := tx.Create(b); err != nil {
				return err
			}
			for range portsPerBridge {
				if err := tx.Create(&models.Port{Id: models.UUIDFromGoogle(uuid.New()), NetworkId: b.Id}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fill bridge %d: %w", i, err)
		}
		ids[i] = b.Id.ToGoogle().String()
	}
	return ids, nil
}

// readTopology reads every bridge and port through the REST API: GET
// /bridges, then each bridge's ports, 8 lists in flight.
func (n *node) readTopology(ctx context.Context, bridges []string) error {
	got, err := n.api.Bridges().List(ctx, nil)
	if err != nil {
		return err
	}
	if len(got) != len(bridges) {
		return fmt.Errorf("GET /bridges: %d bridges, want %d", len(got), len(bridges))
	}
	// timed calls the op exactly once per bridge; next says which.
	var next atomic.Int64
	_, err = timed(ctx, len(bridges), 8, func(ctx context.Context, _ int) error {
		id := bridges[next.Add(1)-1]
		ports, err := n.api.BridgePorts(id).List(ctx, nil)
		if err == nil && len(ports) != portsPerBridge {
			err = fmt.Errorf("GET /bridges/%s/ports: %d ports, want %d", id, len(ports), portsPerBridge)
		}
		return err
	})
	return err
}

// rawBytes sums the data of every bridge and port node under zoomPath.
func rawBytes(ctx context.Context, conn storage.Conn, zoomPath string) (int64, error) {
	var total atomic.Int64
	for _, class := range []string{"Network", "Port"} {
		dir := path.Join(zoomPath, "models", class)
		kids, _, err := conn.Children(ctx, dir)
		if err != nil {
			return 0, err
		}
		var next atomic.Int64
		_, err = timed(ctx, len(kids), 32, func(ctx context.Context, _ int) error {
			data, _, err := conn.Get(ctx, dir+"/"+kids[next.Add(1)-1])
			total.Add(int64(len(data)))
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return total.Load(), nil
}

func writeHeapProfile(file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// settledRSS is this process's resident set after a garbage collection and
// a moment for the runtime's background scavenger to return freed pages,
// as a node idling after its work would be.
func settledRSS() (int64, error) {
	runtime.GC()
	time.Sleep(2 * time.Second)
	return residentBytes()
}

// residentBytes is VmRSS from /proc/self/status.
func residentBytes() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("resident set: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.Join(errors.New("no VmRSS in /proc/self/status"), sc.Err())
}

// memory: the resident set of a node holding sz.objects objects (bridges
// of 99 ports), each node in a process of its own (this test binary run
// again as memoryNode) so that nothing of the bench's is counted, on
// ZooKeeper and in memory, as shipped (the default soft memory limit) and
// with none (GOMEMLIMIT=off, Go's default); against #12's 150 MB, the node
// with no limit, the same node's RSS when empty, and the bytes of the
// objects' store nodes; and the time reading them all took under the
// limit against without it (the CPU a soft limit costs).
func (h *harness) memory(ctx context.Context, tab *table) {
	exe, err := os.Executable()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, backend := range []struct{ name, spec string }{{"ZooKeeper", h.zkAddr}, {"mem", "mem"}} {
		figure := fmt.Sprintf("RSS of a node holding %d objects (bridges of %d ports, all read through the API; %s", h.sz.objects, portsPerBridge, backend.name)
		var shipped, unlimited footprint
		var err error
		for _, run := range []struct {
			name, env string
			fp        *footprint
		}{{"as shipped", "", &shipped}, {"no limit", "GOMEMLIMIT=off", &unlimited}} {
			if err = h.memoryChild(ctx, exe, backend.name, backend.spec, run.name, run.env, run.fp); err != nil {
				break
			}
		}
		if err != nil {
			h.failed(tab, figure+")", err)
			continue
		}
		asShipped := fmt.Sprintf("%s; as shipped: soft memory limit %s)", figure, limitText(shipped.MemoryLimit))
		tab.add(row{figure: asShipped + " vs #12's target", ours: mb(shipped.RSS), baseline: memoryTargetMB, unit: "MB"})
		tab.add(row{figure: asShipped + " vs with no memory limit (GOMEMLIMIT=off)", ours: mb(shipped.RSS), baseline: mb(unlimited.RSS), unit: "MB"})
		tab.add(row{figure: asShipped + " vs the same node empty", ours: mb(shipped.RSS), baseline: mb(shipped.EmptyRSS), unit: "MB"})
		tab.add(row{figure: asShipped + " vs the data of their store nodes", ours: mb(shipped.RSS), baseline: mb(shipped.RawBytes), unit: "MB"})
		tab.add(row{figure: fmt.Sprintf("Reading the %d objects through the API (%s), soft memory limit %s vs none", shipped.Objects, backend.name, limitText(shipped.MemoryLimit)),
			ours: float64(shipped.Read.Microseconds()) / 1000, baseline: float64(unlimited.Read.Microseconds()) / 1000, unit: "ms"})
	}
}

// memoryChild runs memoryNode in a process of its own with env added to
// this one's and decodes its footprint into fp.
func (h *harness) memoryChild(ctx context.Context, exe, backend, spec, run, env string, fp *footprint) error {
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%d", memoryNodeEnv, spec, h.sz.objects, max(*memoryPassesFlag, 1)))
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	if *heapProfilesFlag != "" {
		cmd.Env = append(cmd.Env, heapProfileEnv+"="+filepath.Join(*heapProfilesFlag, backend+"-"+strings.ReplaceAll(run, " ", "-")+".pprof"))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		err = json.Unmarshal(out, fp)
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", run, err, tail(stderr.String(), 20))
	}
	h.t.Logf("%s, %s (limit %s): %d objects, RSS %.1f MB (empty %.1f MB), Go heap in use %.1f MB, store nodes %.1f MB; "+
		"reading them %v, GC CPU %.2f s, Go code CPU %.2f s",
		backend, run, limitText(fp.MemoryLimit), fp.Objects, mb(fp.RSS), mb(fp.EmptyRSS), float64(fp.HeapInUse)/(1<<20), mb(fp.RawBytes),
		fp.Read.Round(time.Millisecond), fp.ReadGCCPU, fp.ReadUserCPU)
	return nil
}

// limitText shows a runtime memory limit in MiB, or off.
func limitText(limit int64) string {
	if limit == math.MaxInt64 {
		return "off"
	}
	return fmt.Sprintf("%d MiB", limit>>20)
}

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }
