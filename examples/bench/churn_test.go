package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/restapi/client"
)

// churnClients is how many keep-alive clients share the churned bridge.
const churnClients = 16

// churn is #12's error criterion as a figure: churnClients clients create
// sz.churn ports in all on one bridge through the API, each deleting its
// oldest port once it holds more than its share of sz.churnPorts, so that
// the bridge stays far below ZooKeeper's 1 MiB node limit (which caps a
// bridge at about 16k ports in the reference's layout too) however many
// creates there are. Every request must succeed at the first try: a 409 is
// an error here, not retried. Afterwards the bridge must list exactly the
// ports the clients still hold, and the consistency checker must find
// nothing in the whole store. The rate (creates/s, each with a delete once
// the bridge is full) is beside raw multis of the same backend by as many
// writers, alternating in rounds as sideBySide does.
func (h *harness) churn(ctx context.Context, tab *table) {
	for _, n := range []*node{h.zkNode, h.memNode} {
		h.churnOn(ctx, tab, n)
	}
}

// churner is the clients' state: the ports each holds, oldest first (one
// goroutine per client, see timed), and what went wrong.
type churner struct {
	n      *node
	bridge string
	keep   int // ports each client holds before it deletes its oldest
	held   [churnClients][]string

	failed, conflicts atomic.Int64
	mu                sync.Mutex
	firstErr          error
}

func (h *harness) churnOn(ctx context.Context, tab *table, n *node) {
	figure := fmt.Sprintf("REST port create and delete, %d clients, 1 bridge kept at %d ports, %d creates (%s) vs %s multi (create + parent update), %d writers",
		churnClients, h.sz.churnPorts, h.sz.churn, n.backend, n.backend, churnClients)
	ids, err := n.newBridges(ctx, "churn", 1)
	if err != nil {
		h.failed(tab, figure, err)
		return
	}
	c := &churner{n: n, bridge: ids[0], keep: max(1, h.sz.churnPorts/churnClients)}
	base, err := rawMultiLoad(ctx, n.conn, churnClients)
	if err != nil {
		h.failed(tab, figure, err)
		return
	}
	var oursTime, baseTime time.Duration
	for r := range sideBySideRounds {
		count := h.sz.churn/sideBySideRounds + btoi(r < h.sz.churn%sideBySideRounds)
		oursTime += c.run(ctx, count)
		d, err := base(ctx, count)
		if err != nil {
			h.failed(tab, figure, fmt.Errorf("baseline, round %d: %w", r+1, err))
			return
		}
		baseTime += d
	}
	findings, err := c.verify(ctx)
	if err != nil {
		h.failed(tab, figure, err)
		return
	}
	figure = fmt.Sprintf("%s [%d failed requests, %d of them 409; %d consistency findings]", figure, c.failed.Load(), c.conflicts.Load(), len(findings))
	if c.failed.Load() > 0 {
		h.t.Errorf("%s: first failure: %v", figure, c.firstErr)
	}
	for _, f := range findings {
		h.t.Errorf("%s: %s", n.backend, f)
	}
	perSecond := func(d time.Duration) float64 { return float64(h.sz.churn) / d.Seconds() }
	tab.add(row{figure: figure, ours: perSecond(oursTime), baseline: perSecond(baseTime), unit: "/s"})
}

// run makes count creates over the clients and returns the time they took.
// Failures are counted, never retried, and do not stop the others.
func (c *churner) run(ctx context.Context, count int) time.Duration {
	d, _ := timed(ctx, count, churnClients, func(ctx context.Context, w int) error {
		hdr, err := c.n.api.Do(ctx, http.MethodPost, "bridges/"+c.bridge+"/ports", "", client.Media("Port-v3"), &client.Port{Type: "Bridge"}, nil)
		if c.record(err) {
			c.held[w] = append(c.held[w], hdr.Get("Location"))
		}
		if len(c.held[w]) > c.keep {
			_, err := c.n.api.Do(ctx, http.MethodDelete, c.held[w][0], "", "", nil, nil)
			if c.record(err) {
				c.held[w] = c.held[w][1:]
			}
		}
		return nil
	})
	return d
}

// record counts err when there is one and says whether the request succeeded.
func (c *churner) record(err error) bool {
	if err == nil {
		return true
	}
	c.failed.Add(1)
	if apiErr := (*client.Error)(nil); errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		c.conflicts.Add(1)
	}
	c.mu.Lock()
	if c.firstErr == nil {
		c.firstErr = err
	}
	c.mu.Unlock()
	return false
}

// verify compares the bridge's ports with those the clients hold and runs
// the consistency checker over the node's whole store.
func (c *churner) verify(ctx context.Context) ([]consistency.Finding, error) {
	var want []string
	for _, held := range c.held {
		for _, uri := range held {
			want = append(want, path.Base(uri))
		}
	}
	ports, err := c.n.api.BridgePorts(c.bridge).List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list the churned bridge's ports: %w", err)
	}
	got := make([]string, len(ports))
	for i, p := range ports {
		got[i] = p.ID
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return nil, fmt.Errorf("the churned bridge lists %d ports, the clients hold %d (or other ids)", len(got), len(want))
	}
	rep, err := consistency.Check(ctx, c.n.conn, cluster.DefaultRootKey, consistency.Options{})
	if err != nil {
		return nil, fmt.Errorf("consistency check: %w", err)
	}
	return rep.Findings, nil
}
