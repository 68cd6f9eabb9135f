package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/cputime"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi/client"
)

// post is one create through the API (without the read-back the typed
// client does) and returns the new object's URI. A 409 answer (the store
// gave up on concurrent modifications and asks to retry the request) is
// retried as its message says, and counted in n.conflicts.
func (n *node) post(ctx context.Context, path, media string, body any) (string, error) {
	for {
		hdr, err := n.api.Do(ctx, http.MethodPost, path, "", media, body, nil)
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
			if err != nil {
				return "", err
			}
			return hdr.Get("Location"), nil
		}
		n.conflicts.Add(1)
	}
}

// withConflicts is figure with the number of 409 answers retried since the
// last call, when there were any.
func (n *node) withConflicts(figure string) string {
	if c := n.conflicts.Swap(0); c > 0 {
		return fmt.Sprintf("%s [%d answers 409 retried]", figure, c)
	}
	return figure
}

// createPort is one REST port create on a bridge; it returns the port's URI.
func (n *node) createPort(ctx context.Context, bridgeID string) (string, error) {
	return n.post(ctx, "bridges/"+bridgeID+"/ports", client.Media("Port-v3"), &client.Port{Type: "Bridge"})
}

// groupCommits reads the node's group-commit counters (batches, members,
// pipelined) from its metrics.
func (n *node) groupCommits(t *testing.T) map[string]float64 {
	families, err := n.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, fam := range families {
		if name, ok := strings.CutPrefix(fam.GetName(), "midonet_cluster_group_commit_"); ok && len(fam.GetMetric()) == 1 {
			out[strings.TrimSuffix(name, "_total")] = fam.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return out
}

// storeOps is how many store operations of each kind (its metrics'
// midonet_cluster_store_op_duration_seconds: "multi", "set", ...) the node
// made so far, and the time they took.
func (n *node) storeOps(t *testing.T) map[string]opsSpent {
	families, err := n.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]opsSpent{}
	for _, fam := range families {
		if fam.GetName() != "midonet_cluster_store_op_duration_seconds" {
			continue
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" {
					h := m.GetHistogram()
					out[l.GetValue()] = opsSpent{h.GetSampleCount(), time.Duration(h.GetSampleSum() * float64(time.Second))}
				}
			}
		}
	}
	return out
}

type opsSpent struct {
	count uint64
	time  time.Duration
}

// newBridges creates count bridges through the API and returns their ids.
func (n *node) newBridges(ctx context.Context, name string, count int) ([]string, error) {
	ids := make([]string, count)
	for i := range ids {
		b, err := n.api.Bridges().Create(ctx, &client.Bridge{Name: fmt.Sprintf("%s-%d", name, i)})
		if err != nil {
			return nil, err
		}
		ids[i] = b.ID
	}
	return ids, nil
}

// portCreateLoad is REST port creates by clients on bridges new bridges:
// with one client round robin, with as many clients as bridges one bridge
// each, with one bridge all on it.
func (n *node) portCreateLoad(ctx context.Context, clients, bridges int) (load, error) {
	ids, err := n.newBridges(ctx, fmt.Sprintf("create-%dc", clients), bridges)
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	return func(ctx context.Context, count int) (time.Duration, error) {
		return timed(ctx, count, clients, func(ctx context.Context, w int) error {
			_, err := n.createPort(ctx, ids[(int64(w)+next.Add(1)*int64(clients))%int64(len(ids))])
			return err
		})
	}, nil
}

// portCreates: REST port creates/s through the ZooKeeper node with 1 and 16
// clients on one bridge and on 16, against raw ZooKeeper multis of the same
// shape as storagetest.BenchmarkMulti (the figure) and against raw
// multis of the create's own shape (the layout's cost: its nodes and the
// growing bridge), and (one bridge) against OVN northbound port creates.
func (h *harness) portCreates(ctx context.Context, tab *table) {
	t := h.t
	shape, err := h.zkNode.measureCreateShape(ctx, h.raw, cluster.DefaultRootKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a port create's multi: %s", shape)
	for _, sh := range []struct{ clients, bridges int }{{1, 1}, {1, 16}, {16, 1}, {16, 16}} {
		ours, err := h.zkNode.portCreateLoad(ctx, sh.clients, sh.bridges)
		if err != nil {
			t.Fatal(err)
		}
		base, err := rawMultiLoad(ctx, h.raw, sh.clients)
		if err != nil {
			t.Fatal(err)
		}
		same, err := shape.load(ctx, h.raw, sh.clients, sh.bridges)
		if err != nil {
			t.Fatal(err)
		}
		ourFigure := fmt.Sprintf("REST port create, %s, %s (ZooKeeper)", plural(sh.clients, "client"), plural(sh.bridges, "bridge"))
		baselines := []versus{
			{base, fmt.Sprintf("%s vs ZooKeeper multi (create + parent update), %s", ourFigure, plural(sh.clients, "writer"))},
			{same, fmt.Sprintf("%s vs ZooKeeper multi of its shape (%s), %s on %s",
				ourFigure, shape, plural(sh.clients, "writer"), plural(sh.bridges, "parent"))},
		}
		before, opsBefore := h.zkNode.groupCommits(t), h.zkNode.storeOps(t)
		h.sideBySideAll(ctx, tab, h.zkNode, "/s", ours, baselines...)
		opsAfter := h.zkNode.storeOps(t)
		var others []string // the node's other store operations (the tunnel-key counter's)
		for op, a := range opsAfter {
			if n := a.count - opsBefore[op].count; op != "multi" && n > 0 {
				others = append(others, fmt.Sprintf("%s %.3f", op, float64(n)/float64(h.sz.creates)))
			}
		}
		slices.Sort(others)
		t.Logf("%s, %s: store operations per create: multi %.3f, others: %v", plural(sh.clients, "client"), plural(sh.bridges, "bridge"),
			float64(opsAfter["multi"].count-opsBefore["multi"].count)/float64(h.sz.creates), others)
		if last := tab.rows[len(tab.rows)-1]; sh.clients == 1 && last.failed == "" {
			// One client: one multi per create, none concurrent, so the
			// node's multi time splits a create's time into ZooKeeper's
			// (and the ZooKeeper client's) and the rest.
			ms := func(d float64) float64 { return d * 1000 }
			multi := float64(opsAfter["multi"].time-opsBefore["multi"].time) / float64(time.Second) / float64(h.sz.creates)
			t.Logf("1 client, %s: a create %.2f ms, of which its multi %.2f ms (the node's store metrics) and %.2f ms outside it (HTTP, the handler, the client); a raw multi of its shape %.2f ms",
				plural(sh.bridges, "bridge"), ms(1/last.ours), ms(multi), ms(1/last.ours-multi), ms(1/last.baseline))
		}
		if after := h.zkNode.groupCommits(t); after["batches"] > before["batches"] {
			b, m := after["batches"]-before["batches"], after["members"]-before["members"]
			t.Logf("%s, %s: %.0f group-commit batches, %.1f members each, %.0f built on a batch in flight",
				plural(sh.clients, "client"), plural(sh.bridges, "bridge"), b, m/b, after["pipelined"]-before["pipelined"])
		}
	}
	nb := startNorthbound(t)
	for _, writers := range []int{1, 16} {
		ours, err := h.zkNode.portCreateLoad(ctx, writers, 1)
		if err != nil {
			t.Fatal(err)
		}
		base, err := nb.portCreateLoad(ctx, t, writers)
		if err != nil {
			t.Fatal(err)
		}
		h.sideBySide(ctx, tab, h.zkNode, "/s", ours, base, fmt.Sprintf("REST port create, %s, 1 bridge (ZooKeeper) vs OVN northbound port create, %s, 1 switch",
			plural(writers, "client"), plural(writers, "libovsdb client")))
	}
}

// createShape is what one REST port create's multi wrote, as read back
// from ZooKeeper: the nodes it created (paths below the node's root, with
// the port's id in them; parents first) and their sizes, and the parent
// it rewrote: the bridge's stored size with no ports and the bytes each
// port's back-reference adds to it.
type createShape struct {
	id                string // the measured port's id, in created's paths
	created           []sizedNode
	parentEmpty, each int
}

type sizedNode struct {
	path string
	size int
}

func (s *createShape) String() string {
	total := 0
	for _, c := range s.created {
		total += c.size
	}
	return fmt.Sprintf("%d creates, %d B in all; the parent %d B + %d B per port", len(s.created), total, s.parentEmpty, s.each)
}

// measureCreateShape creates a bridge and three ports on it through n's
// API and finds, in the tree below root on raw, the nodes the last two
// creates made (created or last written in the transaction that created
// the port's nodes): the last port's created nodes and the bridge's growth
// between the two, which is one back-reference as the store prints it.
// The first create, which also writes the bridge's provenance (its first
// change by a port), is not measured.
func (n *node) measureCreateShape(ctx context.Context, raw storage.Conn, root string) (*createShape, error) {
	bridges, err := n.newBridges(ctx, "shape", 1)
	if err != nil {
		return nil, err
	}
	if _, err := n.createPort(ctx, bridges[0]); err != nil {
		return nil, err
	}
	var parentSizes []int
	var shape createShape
	for range 2 {
		uri, err := n.createPort(ctx, bridges[0])
		if err != nil {
			return nil, err
		}
		shape.id = path.Base(uri)
		var tree []storedNode
		if err := walkTree(ctx, raw, root, &tree); err != nil {
			return nil, err
		}
		zxid := int64(-1)
		for _, nd := range tree {
			if strings.Contains(nd.path, shape.id) {
				zxid = nd.stat.Czxid
				break
			}
		}
		shape.created = nil
		var set []storedNode
		for _, nd := range tree {
			switch {
			case nd.stat.Czxid == zxid:
				shape.created = append(shape.created, sizedNode{strings.TrimPrefix(nd.path, root), int(nd.stat.DataLength)})
			case nd.stat.Mzxid == zxid:
				set = append(set, nd)
			}
		}
		if len(shape.created) == 0 || len(set) != 1 || !strings.Contains(set[0].path, bridges[0]) {
			return nil, fmt.Errorf("port %s: its transaction created %d nodes and wrote %v; want nodes and its bridge %s", shape.id, len(shape.created), set, bridges[0])
		}
		parentSizes = append(parentSizes, int(set[0].stat.DataLength))
	}
	shape.each = parentSizes[1] - parentSizes[0]
	shape.parentEmpty = parentSizes[0] - 2*shape.each
	if shape.each <= 0 || shape.parentEmpty <= 0 {
		return nil, fmt.Errorf("bridge of 2 then 3 ports stored as %v bytes", parentSizes)
	}
	return &shape, nil
}

type storedNode struct {
	path string
	stat storage.Stat
}

// walkTree appends p and every node below it, parents first, children in
// name order.
func walkTree(ctx context.Context, c storage.Conn, p string, out *[]storedNode) error {
	children, st, err := c.Children(ctx, p)
	if errors.Is(err, storage.ErrNoNode) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	*out = append(*out, storedNode{p, st})
	for _, ch := range children {
		if err := walkTree(ctx, c, path.Join(p, ch), out); err != nil {
			return err
		}
	}
	return nil
}

// load is raw multis of s's shape: per op the nodes a port create makes
// (each with as many bytes, its own name for the port's id) and the update
// of one of parents nodes, as big as a bridge of that many ports, chosen
// as portCreateLoad chooses the bridge; writers goroutines on one session.
func (s *createShape) load(ctx context.Context, c storage.Conn, writers, parents int) (load, error) {
	tree, err := s.newTree(ctx, c, fmt.Sprintf("%d-%d", writers, parents), make([]int, parents))
	if err != nil {
		return nil, err
	}
	var next, named atomic.Int64
	return func(ctx context.Context, count int) (time.Duration, error) {
		payload := tree.payload(count)
		return timed(ctx, count, writers, func(ctx context.Context, w int) error {
			p := (int64(w) + next.Add(1)*int64(writers)) % int64(parents)
			_, err := c.Multi(ctx, tree.createOps(int(p), strconv.FormatInt(named.Add(1), 10), payload)...)
			return err
		})
	}, nil
}

// shapeTree is where multis of a create's shape are written, below a root
// of its own: the directories of the nodes the create makes, and parents,
// each as big as a bridge of its number of ports.
type shapeTree struct {
	shape   *createShape
	root    string
	parents []string
	ports   []atomic.Int64 // each parent's, which its size follows
}

// newTree makes a shapeTree named name whose parents have ports ports.
func (s *createShape) newTree(ctx context.Context, c storage.Conn, name string, ports []int) (*shapeTree, error) {
	t := &shapeTree{shape: s, root: fmt.Sprintf("/bench-shape-%s-%d", name, time.Now().UnixNano()),
		parents: make([]string, len(ports)), ports: make([]atomic.Int64, len(ports))}
	dirs := map[string]bool{}
	for _, nd := range s.created {
		if d := path.Dir(nd.path); !strings.Contains(d, s.id) {
			dirs[d] = true
		}
	}
	dirs["/parents"] = true
	for d := range dirs {
		if err := createAll(ctx, c, t.root+d); err != nil {
			return nil, err
		}
	}
	for i, n := range ports {
		t.parents[i] = fmt.Sprintf("%s/parents/p%d", t.root, i)
		t.ports[i].Store(int64(n))
		if _, err := c.Create(ctx, t.parents[i], make([]byte, s.parentSize(n)), storage.Persistent); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// parentSize is the stored size of a bridge of ports ports.
func (s *createShape) parentSize(ports int) int { return s.parentEmpty + s.each*ports }

// payload is zero bytes enough for any node the tree's multis write while
// its parents gain up to more ports; shared, read only.
func (t *shapeTree) payload(more int) []byte {
	most := int64(0)
	for i := range t.ports {
		most = max(most, t.ports[i].Load())
	}
	return make([]byte, t.shape.parentSize(int(most)+more))
}

// createOps is one port create's multi on parent p: the nodes the create
// makes, the port's id in their paths replaced by name, and p's update to
// its size with one port more.
func (t *shapeTree) createOps(p int, name string, payload []byte) []storage.Op {
	s := t.shape
	ops := make([]storage.Op, 0, len(s.created)+1)
	for _, nd := range s.created {
		ops = append(ops, storage.CreateOp(t.nodePath(nd, name), payload[:nd.size], storage.Persistent))
	}
	return append(ops, storage.SetOp(t.parents[p], payload[:s.parentSize(int(t.ports[p].Add(1)))], storage.AnyVersion))
}

// deleteOps undoes createOps(p, name) in one multi: its nodes deleted,
// children first, and p's update to its size with one port fewer.
func (t *shapeTree) deleteOps(p int, name string, payload []byte) []storage.Op {
	s := t.shape
	ops := make([]storage.Op, 0, len(s.created)+1)
	for _, nd := range slices.Backward(s.created) {
		ops = append(ops, storage.DeleteOp(t.nodePath(nd, name), storage.AnyVersion))
	}
	return append(ops, storage.SetOp(t.parents[p], payload[:s.parentSize(int(t.ports[p].Add(-1)))], storage.AnyVersion))
}

func (t *shapeTree) nodePath(nd sizedNode, name string) string {
	return t.root + strings.ReplaceAll(nd.path, t.shape.id, name)
}

// createAll creates p and its missing ancestors, empty.
func createAll(ctx context.Context, c storage.Conn, p string) error {
	if p == "/" {
		return nil
	}
	if _, ok, err := c.Exists(ctx, p); err != nil || ok {
		return err
	}
	if err := createAll(ctx, c, path.Dir(p)); err != nil {
		return err
	}
	if _, err := c.Create(ctx, p, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
		return err
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// rawMultiLoad is storagetest.BenchmarkMulti's op as a load: one multi of a
// 256-byte node create and its parent's update, writers goroutines on one
// session, each under a parent of its own.
func rawMultiLoad(ctx context.Context, c storage.Conn, writers int) (load, error) {
	root := fmt.Sprintf("/bench-multi-%d-%d", writers, time.Now().UnixNano())
	if _, err := c.Create(ctx, root, nil, storage.Persistent); err != nil {
		return nil, err
	}
	dirs := make([]string, writers)
	for w := range dirs {
		dirs[w] = fmt.Sprintf("%s/w%d", root, w)
		if _, err := c.Create(ctx, dirs[w], nil, storage.Persistent); err != nil {
			return nil, err
		}
	}
	payload := make([]byte, 256)
	var next atomic.Int64
	return func(ctx context.Context, count int) (time.Duration, error) {
		return timed(ctx, count, writers, func(ctx context.Context, w int) error {
			_, err := c.Multi(ctx,
				storage.CreateOp(fmt.Sprintf("%s/n%d", dirs[w], next.Add(1)), payload, storage.Persistent),
				storage.SetOp(dirs[w], payload, storage.AnyVersion))
			return err
		})
	}, nil
}

// fillBatch is how many objects one fill transaction creates: one multi
// well under ZooKeeper's 1 MB request limit even with the bridge of 10k
// ports it updates.
const fillBatch = 250

// fillPorts adds count ports to bridge through the object store, in
// transactions of fillBatch ports (the bridge is written once per batch),
// and returns their ids.
func (n *node) fillPorts(ctx context.Context, bridgeID string, count int) ([]string, error) {
	bridge := models.UUIDFromGoogle(uuid.MustParse(bridgeID))
	var ids []string
	for count > 0 {
		batch := min(count, fillBatch)
		var made []string
		err := n.store.Tx(ctx, func(tx *zoom.Tx) error {
			made = made[:0]
			for range batch {
				id := uuid.New()
				if err := tx.Create(&models.Port{Id: models.UUIDFromGoogle(id), NetworkId: bridge}); err != nil {
					return err
				}
				made = append(made, id.String())
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fill bridge %s: %w", bridgeID, err)
		}
		ids = append(ids, made...)
		count -= batch
	}
	return ids, nil
}

// timeBySize: the time of one REST port create and of one REST port delete
// (1 client) on a bridge already holding each level's number of ports,
// against the same on a bridge kept at the first level, alternating so that
// both see the same load. Each round creates a port on each bridge, then
// deletes one from each in the same order (so each bridge's delete, as its
// create, comes after a request on the other): on the big bridge one of its filled ports,
// spread over its list (a delete cuts the port's id out of the bridge's
// stored text, wherever it is), on the other the port just created; so
// both stay at their level. On ZooKeeper the round then does the same with
// raw multis of the create's own shape (and of its undoing, the delete's
// floor) on two parents as big as the two bridges: what ZooKeeper takes
// to write the layout's nodes, the bridge rewritten whole, beside the REST
// rows.
func (h *harness) timeBySize(ctx context.Context, tab *table) {
	t := h.t
	shape, err := h.zkNode.measureCreateShape(ctx, h.raw, cluster.DefaultRootKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{h.zkNode, h.memNode} {
		ids, err := n.newBridges(ctx, "sized", 2)
		if err != nil {
			t.Fatal(err)
		}
		big, small := ids[0], ids[1]
		if _, err := n.fillPorts(ctx, small, h.sz.levels[0]); err != nil {
			t.Fatal(err)
		}
		var filled []string // the big bridge's ports not deleted yet
		for _, level := range h.sz.levels[1:] {
			more, err := n.fillPorts(ctx, big, level-len(filled))
			if err != nil {
				t.Fatal(err)
			}
			filled = append(filled, more...)
			victims := make([]string, h.sz.samples)
			for i := range victims {
				victims[i] = filled[i*len(filled)/len(victims)]
			}
			filled = slices.DeleteFunc(filled, func(id string) bool { return slices.Contains(victims, id) })
			create := fmt.Sprintf("REST port create on a bridge of %d ports vs of %d ports (%s), 1 client", level, h.sz.levels[0], n.backend)
			remove := fmt.Sprintf("REST port delete on a bridge of %d ports vs of %d ports (%s), 1 client", level, h.sz.levels[0], n.backend)
			rawCreate := fmt.Sprintf("ZooKeeper multi of a port create's shape (%s) on a parent of %d ports vs of %d ports, 1 writer", shape, level, h.sz.levels[0])
			rawRemove := fmt.Sprintf("ZooKeeper multi undoing it (its nodes deleted, the parent updated) on a parent of %d ports vs of %d ports, 1 writer", level, h.sz.levels[0])
			// The raw multis on ZooKeeper: parent 0 as big as the big
			// bridge, 1 as the other.
			var tree *shapeTree
			var payload []byte
			if n == h.zkNode {
				if tree, err = shape.newTree(ctx, h.raw, fmt.Sprintf("size-%d", level), []int{level, h.sz.levels[0]}); err != nil {
					t.Fatal(err)
				}
				payload = tree.payload(1)
			}
			// Wall time for the table; the process's CPU time (the node's
			// and the client's, which the load of a shared machine moves
			// less) for the log. A garbage collection caused by one side
			// is charged to whichever request it runs beside.
			type spent struct{ wall, cpu time.Duration }
			var createBig, createSmall, deleteBig, deleteSmall spent
			var rawCreateBig, rawCreateSmall, rawDeleteBig, rawDeleteSmall spent
			timed := func(d *spent, op func() error) error {
				start, cpuStart := time.Now(), cputime.Process(t)
				err := op()
				d.wall += time.Since(start)
				d.cpu += cputime.Process(t) - cpuStart
				return err
			}
			err = func() error {
				multi := func(ops []storage.Op) func() error {
					return func() error { _, err := h.raw.Multi(ctx, ops...); return err }
				}
				for i, victim := range victims {
					var created string
					if err := timed(&createBig, func() (err error) { created, err = n.createPort(ctx, big); return err }); err != nil {
						return err
					}
					filled = append(filled, path.Base(created))
					var uri string
					if err := timed(&createSmall, func() (err error) { uri, err = n.createPort(ctx, small); return err }); err != nil {
						return err
					}
					if err := timed(&deleteBig, func() error { return n.deletePort(ctx, n.apiURL+"/ports/"+victim) }); err != nil {
						return err
					}
					if err := timed(&deleteSmall, func() error { return n.deletePort(ctx, uri) }); err != nil {
						return err
					}
					if tree == nil {
						continue
					}
					onBig, onSmall := fmt.Sprintf("b%d", i), fmt.Sprintf("s%d", i)
					for _, op := range []struct {
						d   *spent
						ops []storage.Op
					}{
						{&rawCreateBig, tree.createOps(0, onBig, payload)}, {&rawCreateSmall, tree.createOps(1, onSmall, payload)},
						{&rawDeleteBig, tree.deleteOps(0, onBig, payload)}, {&rawDeleteSmall, tree.deleteOps(1, onSmall, payload)},
					} {
						if err := timed(op.d, multi(op.ops)); err != nil {
							return fmt.Errorf("raw multi: %w", err)
						}
					}
				}
				return nil
			}()
			type sized struct {
				figure     string
				big, small spent
			}
			figures := []sized{{create, createBig, createSmall}, {remove, deleteBig, deleteSmall}}
			if tree != nil {
				figures = append(figures, sized{rawCreate, rawCreateBig, rawCreateSmall}, sized{rawRemove, rawDeleteBig, rawDeleteSmall})
			}
			if err != nil {
				for _, f := range figures {
					h.failed(tab, f.figure, err)
				}
				continue
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(h.sz.samples) }
			for i, f := range figures {
				figure := f.figure
				if i == 0 {
					figure = n.withConflicts(figure)
				}
				tab.add(row{figure: figure, ours: ms(f.big.wall), baseline: ms(f.small.wall), unit: "ms"})
			}
			for _, f := range figures {
				t.Logf("%s: process CPU %.3f ms vs %.3f ms per request, ratio %.2f", f.figure, ms(f.big.cpu), ms(f.small.cpu), float64(f.big.cpu)/float64(f.small.cpu))
			}
		}
	}
}

// deletePort is one REST port delete, by the port's URI.
func (n *node) deletePort(ctx context.Context, uri string) error {
	_, err := n.api.Do(ctx, http.MethodDelete, uri, "", "", nil, nil)
	return err
}

// getLatency: GET of one bridge under 16 keep-alive wrk connections, p50
// and p99, against raw ZooKeeper gets of its node by 16 goroutines sharing
// one session (as the node's requests share its session); and the same
// GETs by 16 keep-alive Go clients in the bench's process, whose tail,
// unlike wrk's, does not include the load generator waiting for a CPU in
// a process of its own (on the shared 2-core machine, wrk's p99 is mostly
// that: 187 ms where the Go clients saw 33 ms, in one run).
func (h *harness) getLatency(ctx context.Context, tab *table) {
	t := h.t
	ids, err := h.zkNode.newBridges(ctx, "get", 1)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := wrk(ctx, h.zkNode.apiURL+"/bridges/"+ids[0], client.Media("Bridge-v4"), 16, h.sz.getFor)
	if err != nil {
		t.Fatal(err)
	}
	floor, err := h.httpFloor(ctx, h.zkNode, "bridges/"+ids[0], client.Media("Bridge-v4"))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := wrk(ctx, floor, client.Media("Bridge-v4"), 16, h.sz.getFor)
	if err != nil {
		t.Fatal(err)
	}
	memIDs, err := h.memNode.newBridges(ctx, "get", 1)
	if err != nil {
		t.Fatal(err)
	}
	onMem, err := wrk(ctx, h.memNode.apiURL+"/bridges/"+memIDs[0], client.Media("Bridge-v4"), 16, h.sz.getFor)
	if err != nil {
		t.Fatal(err)
	}
	nodePath := path.Join(h.zkNode.store.ZoomPath(), "models", "Network", ids[0])
	raw, err := latencies(ctx, h.sz.getFor, 16, func(ctx context.Context) error {
		_, _, err := h.raw.Get(ctx, nodePath)
		return err
	})
	if err != nil {
		t.Fatalf("ZooKeeper get: %v", err)
	}
	goClients, err := latencies(ctx, h.sz.getFor, 16, func(ctx context.Context) error {
		_, err := h.zkNode.timeGet(ctx, "bridges/"+ids[0], client.Media("Bridge-v4"))
		return err
	})
	if err != nil {
		t.Fatalf("GET by Go clients: %v", err)
	}
	for _, p := range []struct {
		name, clients string
		q             float64
		ours          float64
	}{
		{"p50", "wrk", 0.50, ours.p50}, {"p99", "wrk", 0.99, ours.p99},
		{"p50", "Go clients in the bench's process", 0.50, percentile(goClients, 0.50)},
		{"p99", "Go clients in the bench's process", 0.99, percentile(goClients, 0.99)},
	} {
		tab.add(row{
			figure: fmt.Sprintf("GET one bridge %s, 16 keep-alive clients (%s; ZooKeeper) vs ZooKeeper get %s, 16 goroutines on one session", p.name, p.clients, p.name),
			ours:   p.ours, baseline: percentile(raw, p.q), unit: "ms",
		})
	}
	for _, p := range []struct {
		name       string
		ours, bare float64
	}{{"p50", ours.p50, bare.p50}, {"p99", ours.p99, bare.p99}} {
		tab.add(row{
			figure: fmt.Sprintf("GET one bridge %s, 16 keep-alive clients (wrk; ZooKeeper) vs a bare net/http handler writing the same answer %s (the HTTP floor, same wrk)", p.name, p.name),
			ours:   p.ours, baseline: p.bare, unit: "ms",
		})
	}
	for _, p := range []struct {
		name      string
		zk, onMem float64
	}{{"p50", ours.p50, onMem.p50}, {"p99", ours.p99, onMem.p99}} {
		tab.add(row{
			figure: fmt.Sprintf("GET one bridge %s, 16 keep-alive clients (wrk; ZooKeeper) vs the same GET of the node on the in-memory store %s (no ZooKeeper round trip, same wrk)", p.name, p.name),
			ours:   p.zk, baseline: p.onMem, unit: "ms",
		})
	}
}

// httpFloor serves, until the test ends, what a GET of n's API path p
// answers now (status 200, its body, Content-Type and Content-Length) from
// a bare net/http handler on 127.0.0.1 in the bench's process, and returns
// its URL: what any Go HTTP server costs for that answer (the floor under
// the node's GET p99 on this machine).
func (h *harness) httpFloor(ctx context.Context, n *node, p, accept string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.apiURL+"/"+p, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", accept)
	resp, err := n.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", p, resp.Status)
	}
	media := resp.Header.Get("Content-Type")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", media)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	h.t.Cleanup(srv.Close)
	return srv.URL, nil
}

type wrkResult struct{ p50, p99 float64 } // ms

// wrk runs Debian's wrk on url (conns keep-alive connections, 2 threads)
// for d and returns its latency percentiles. Any non-2xx answer or socket
// error is an error.
func wrk(ctx context.Context, url, accept string, conns int, d time.Duration) (wrkResult, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, "wrk", "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", secs),
		"--latency", "-H", "Accept: "+accept, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(out)
}

var wrkPercentile = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)

// parseWrk reads the 50% and 99% lines of wrk --latency's distribution.
func parseWrk(out []byte) (wrkResult, error) {
	if bytes.Contains(out, []byte("Non-2xx or 3xx responses")) || bytes.Contains(out, []byte("Socket errors")) {
		return wrkResult{}, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	var r wrkResult
	found := 0
	for _, m := range wrkPercentile.FindAllSubmatch(out, -1) {
		v, err := strconv.ParseFloat(string(m[2]), 64)
		if err != nil {
			return wrkResult{}, fmt.Errorf("wrk: %q: %w", m[0], err)
		}
		switch string(m[3]) {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if string(m[1]) == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
		found++
	}
	if found != 2 {
		return wrkResult{}, fmt.Errorf("wrk: no 50%%/99%% latency lines in:\n%s", out)
	}
	return r, nil
}

// listBridges: GET /bridges of sz.bridges bridges, on ZooKeeper and in
// memory, against reading the same nodes raw (children, then every node
// with 64 in flight, as the object store issues them); medians of 3, after
// two untimed GETs (the first reads every bridge, the second keeps them in
// the cache, armed).
func (h *harness) listBridges(ctx context.Context, tab *table) {
	t := h.t
	for _, n := range []*node{h.zkNode, h.memNode} {
		dir := path.Join(n.store.ZoomPath(), "models", "Network")
		existing, _, err := n.conn.Children(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.fillBridges(ctx, h.sz.bridges-len(existing)); err != nil {
			t.Fatal(err)
		}
		if got, err := n.api.Bridges().List(ctx, nil); err != nil || len(got) != h.sz.bridges {
			t.Fatalf("GET /bridges (%s): %d bridges, %v; want %d", n.backend, len(got), err, h.sz.bridges)
		}
		// After that first read of each bridge zoom keeps only its key;
		// the next read keeps it, armed (zoom's package doc). Armed by an
		// untimed GET, the timed ones are all the steady state (the
		// arming GET, the slowest, was one of the three: the median was
		// the slower of the other two).
		if _, err := n.timeGet(ctx, "bridges", client.CollectionMedia("Bridge-v4")); err != nil {
			t.Fatal(err)
		}
		// Alternating, 3 of each; the medians.
		var ours, raw []float64
		for range 3 {
			o, err := n.timeGet(ctx, "bridges", client.CollectionMedia("Bridge-v4"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := readAllRaw(ctx, n.conn, dir)
			if err != nil {
				t.Fatal(err)
			}
			ours, raw = append(ours, o), append(raw, r)
		}
		tab.add(row{
			figure: fmt.Sprintf("GET /bridges of %d bridges (%s) vs reading their nodes raw", h.sz.bridges, n.backend),
			ours:   median(ours), baseline: median(raw), unit: "ms",
		})
	}
}

// fillBridges creates count bridges through the object store, fillBatch per
// transaction.
func (n *node) fillBridges(ctx context.Context, count int) error {
	for done := 0; done < count; {
		batch := min(count-done, fillBatch)
		err := n.store.Tx(ctx, func(tx *zoom.Tx) error {
			for i := range batch {
				b := &models.Network{Id: models.UUIDFromGoogle(uuid.New()), Name: proto.String(fmt.Sprintf("listed-%d", done+i)), TenantId: proto.String("bench")}
				if err := tx.Create(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill bridges: %w", err)
		}
		done += batch
	}
	return nil
}

// timeGet times one GET of the API path (the whole answer read), in ms.
func (n *node) timeGet(ctx context.Context, p, accept string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.apiURL+"/"+p, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", accept)
	start := time.Now()
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", p, resp.Status)
	}
	return float64(time.Since(start)) / float64(time.Millisecond), nil
}

// readAllRaw lists dir and reads every child, 64 reads in flight, and
// returns the time taken in ms.
func readAllRaw(ctx context.Context, c storage.Conn, dir string) (float64, error) {
	start := time.Now()
	kids, _, err := c.Children(ctx, dir)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, k := range kids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, _, err := c.Get(ctx, dir+"/"+k); err != nil {
				mu.Lock()
				firstErr = errors.Join(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(time.Since(start)) / float64(time.Millisecond), nil
}

// neutronPortCreates is issue 13's figure: Neutron port creates/s with 1
// and 16 clients on one network, against REST port creates with as many
// clients on one bridge.
func (h *harness) neutronPortCreates(ctx context.Context, tab *table) {
	t := h.t
	n := h.zkNode
	const media = "application/vnd.org.midonet.neutron.%s-v1+json"
	var hostPart atomic.Uint32
	hostPart.Store(1) // .0.0.1 is the gateway
	for _, clients := range []int{1, 16} {
		// A VM's port as Nova asks Neutron for one: on a network with a DHCP
		// subnet, with a MAC and an address Neutron allocated.
		network, subnet := uuid.NewString(), uuid.NewString()
		if _, err := n.post(ctx, "neutron/networks", fmt.Sprintf(media, "Network"),
			map[string]any{"id": network, "name": "bench", "tenant_id": "bench", "admin_state_up": true}); err != nil {
			t.Fatalf("Neutron network create: %v", err)
		}
		if _, err := n.post(ctx, "neutron/subnets", fmt.Sprintf(media, "Subnet"),
			map[string]any{"id": subnet, "network_id": network, "tenant_id": "bench", "cidr": "10.0.0.0/8",
				"ip_version": 4, "gateway_ip": "10.0.0.1", "enable_dhcp": true}); err != nil {
			t.Fatalf("Neutron subnet create: %v", err)
		}
		port := func(ctx context.Context, owner string) error {
			a := hostPart.Add(1)
			_, err := n.post(ctx, "neutron/ports", fmt.Sprintf(media, "Port"),
				map[string]any{"id": uuid.NewString(), "network_id": network, "tenant_id": "bench", "admin_state_up": true,
					"device_owner": owner, "mac_address": fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", a>>16&0xff, a>>8&0xff, a&0xff),
					"fixed_ips": []map[string]string{{"subnet_id": subnet, "ip_address": fmt.Sprintf("10.%d.%d.%d", a>>16&0xff, a>>8&0xff, a&0xff)}}})
			return err
		}
		// The network's DHCP port comes first, as Neutron's DHCP agent
		// creates it before any VM port.
		if err := port(ctx, "network:dhcp"); err != nil {
			t.Fatalf("Neutron DHCP port create: %v", err)
		}
		ours := func(ctx context.Context, count int) (time.Duration, error) {
			return timed(ctx, count, clients, func(ctx context.Context, _ int) error { return port(ctx, "compute:nova") })
		}
		base, err := n.portCreateLoad(ctx, clients, 1)
		if err != nil {
			t.Fatal(err)
		}
		h.sideBySide(ctx, tab, n, "/s", ours, base, fmt.Sprintf("Neutron port create (with MAC and IP, DHCP subnet), %s, 1 network (ZooKeeper) vs REST port create, %s, 1 bridge",
			plural(clients, "client"), plural(clients, "client")))
	}
}
