package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/midonet/midonet-go/restapi/client"
)

// Load is a steady write+read load on the REST API from concurrent workers:
// each creates bridges, creates ports on bridges already acknowledged,
// reads them back and now and then deletes one of its bridges (cascading to
// its ports). Every request is recorded with its outcome; every acknowledged
// write (a 201 or 204 received) goes into the Ledger, which is what must
// survive any fault.
type Load struct {
	api     string
	workers int
	ledger  *Ledger

	mu         sync.Mutex
	reqs       []Request
	lastFailed []bool // per worker

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Request is one API call of the load.
type Request struct {
	Op         string // "create-bridge", "create-port", "read", "delete-bridge"
	Start, End time.Time
	Err        error // nil when acknowledged
}

// Write reports whether the request changes the topology.
func (r Request) Write() bool { return r.Op != "read" }

// requestTimeout bounds one call; ZooKeeper elections and node failover
// take seconds, a hung request should not hide the load.
const requestTimeout = 15 * time.Second

// failureBackoff is how long a worker waits after a failed request.
const failureBackoff = 50 * time.Millisecond

// StartLoad starts workers against api (the REST root URL) recording into
// ledger; Stop ends them.
func StartLoad(ctx context.Context, api string, workers int, ledger *Ledger) *Load {
	ctx, cancel := context.WithCancel(ctx)
	l := &Load{api: api, workers: workers, ledger: ledger, cancel: cancel, lastFailed: make([]bool, workers)}
	for w := range workers {
		l.wg.Go(func() { l.work(ctx, w) })
	}
	return l
}

// Stop ends the load and waits for in-flight requests.
func (l *Load) Stop() {
	l.cancel()
	l.wg.Wait()
}

// Requests returns the calls that ended within [from, to).
func (l *Load) Requests(from, to time.Time) []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Request
	for _, r := range l.reqs {
		if !r.End.Before(from) && r.End.Before(to) {
			out = append(out, r)
		}
	}
	return out
}

func (l *Load) record(worker int, op string, start time.Time, err error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, Request{Op: op, Start: start, End: time.Now(), Err: err})
	l.lastFailed[worker] = err != nil
	l.mu.Unlock()
}

func (l *Load) failedLast(worker int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastFailed[worker]
}

func (l *Load) work(ctx context.Context, worker int) {
	// Each worker has its own connections, as separate API clients would.
	hc := &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	c := client.New(l.api, client.WithHTTPClient(hc))
	rng := rand.New(rand.NewPCG(uint64(worker), uint64(time.Now().UnixNano())))
	var mine []string // bridges this worker created and has not deleted
	for seq := 0; ctx.Err() == nil; seq++ {
		if l.failedLast(worker) {
			// A failed client backs off a little, as real ones do, so an
			// outage is measured in time rather than in requests.
			select {
			case <-ctx.Done():
				return
			case <-time.After(failureBackoff):
			}
		}
		start := time.Now()
		switch p := rng.IntN(100); {
		case p < 35 || len(mine) == 0:
			name := fmt.Sprintf("ha-w%d-%d", worker, seq)
			id, err := create(ctx, c, "bridges", "Bridge-v4", &client.Bridge{Name: name, TenantID: "ha-load"})
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				l.ledger.bridgeCreated(id, name)
				mine = append(mine, id)
			}
			l.record(worker, "create-bridge", start, err)
		case p < 65:
			bridge := l.ledger.someBridge(rng)
			id, err := create(ctx, c, path.Join("bridges", bridge, "ports"), "Port-v3", &client.Port{Type: "Bridge"})
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				l.ledger.portCreated(id, bridge)
			} else if isStatus(err, http.StatusNotFound) && l.ledger.bridgeGone(bridge) {
				err = nil // the bridge was deleted meanwhile: a correct answer
			}
			l.record(worker, "create-port", start, err)
		case p < 95:
			err := l.readBack(ctx, c, rng)
			if ctx.Err() != nil {
				return
			}
			l.record(worker, "read", start, err)
		default:
			i := rng.IntN(len(mine))
			bridge := mine[i]
			mine = slices.Delete(mine, i, i+1)
			l.ledger.deleting(bridge)
			err := c.Bridges().Delete(ctx, bridge)
			// Recorded even when the load is being stopped: a cancelled
			// DELETE may still have been applied, so the bridge becomes
			// uncertain rather than expected.
			l.ledger.deleteDone(bridge, err == nil)
			if ctx.Err() != nil {
				return
			}
			l.record(worker, "delete-bridge", start, err)
		}
	}
}

// readBack reads one acknowledged bridge or port and compares it with what
// was written. Objects younger than a second are left alone: a node may read
// from a ZooKeeper follower that has not applied the write yet (ZooKeeper
// reads are sequentially consistent per session, not linearizable).
func (l *Load) readBack(ctx context.Context, c *client.Client, rng *rand.Rand) error {
	obj, ok := l.ledger.someSettled(rng, time.Second)
	if !ok {
		_, err := c.Bridges().List(ctx, nil)
		return err
	}
	if obj.bridge == "" {
		b, err := c.Bridges().Get(ctx, obj.id)
		if err == nil && b.Name != obj.name {
			err = fmt.Errorf("bridge %s: name %q, written %q", obj.id, b.Name, obj.name)
		}
		if isStatus(err, http.StatusNotFound) && l.ledger.bridgeGone(obj.id) {
			err = nil
		}
		return err
	}
	p, err := c.Ports().Get(ctx, obj.id)
	if err == nil && p.DeviceID != obj.bridge {
		err = fmt.Errorf("port %s: device %s, written %s", obj.id, p.DeviceID, obj.bridge)
	}
	if isStatus(err, http.StatusNotFound) && l.ledger.bridgeGone(obj.bridge) {
		err = nil
	}
	return err
}

// create POSTs v and returns the new object's id from the Location header
// (not following it, so a read elsewhere cannot turn an acknowledged write
// into a failure).
func create(ctx context.Context, c *client.Client, collection, media string, v any) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	hdr, err := c.Do(ctx, http.MethodPost, collection, "", client.Media(media), v, nil)
	if err != nil {
		return "", err
	}
	loc := hdr.Get("Location")
	if loc == "" {
		return "", errors.New("POST " + collection + ": no Location")
	}
	return path.Base(loc), nil
}

func isStatus(err error, status int) bool {
	var apiErr *client.Error
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// Ledger is every acknowledged write of a load: bridges (with their names)
// and ports (with their bridge), and bridges whose deletion was acknowledged
// or is uncertain.
type Ledger struct {
	mu      sync.Mutex
	objects []ledgerObject
	index   map[string]int
	bridges []string        // acknowledged, for ports and reads
	gone    map[string]bool // bridges deleted or being deleted
	deleted map[string]bool // bridges whose deletion was acknowledged
	unsure  map[string]bool // bridges whose deletion failed: may or may not exist
}

type ledgerObject struct {
	id, name, bridge string // bridge == "" for a bridge
	acked            time.Time
}

func NewLedger() *Ledger {
	return &Ledger{index: map[string]int{}, gone: map[string]bool{}, deleted: map[string]bool{}, unsure: map[string]bool{}}
}

func (lg *Ledger) bridgeCreated(id, name string) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	lg.index[id] = len(lg.objects)
	lg.objects = append(lg.objects, ledgerObject{id: id, name: name, acked: time.Now()})
	lg.bridges = append(lg.bridges, id)
}

func (lg *Ledger) portCreated(id, bridge string) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	lg.index[id] = len(lg.objects)
	lg.objects = append(lg.objects, ledgerObject{id: id, bridge: bridge, acked: time.Now()})
}

func (lg *Ledger) someBridge(rng *rand.Rand) string {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return lg.bridges[rng.IntN(len(lg.bridges))]
}

func (lg *Ledger) someSettled(rng *rand.Rand, age time.Duration) (ledgerObject, bool) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	cutoff := time.Now().Add(-age)
	n := len(lg.objects)
	for n > 0 && lg.objects[n-1].acked.After(cutoff) {
		n--
	}
	if n == 0 {
		return ledgerObject{}, false
	}
	return lg.objects[rng.IntN(n)], true
}

func (lg *Ledger) deleting(bridge string) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	lg.gone[bridge] = true
}

func (lg *Ledger) deleteDone(bridge string, acked bool) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if acked {
		lg.deleted[bridge] = true
	} else {
		lg.unsure[bridge] = true
	}
}

func (lg *Ledger) bridgeGone(bridge string) bool {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return lg.gone[bridge]
}

// Counts are the acknowledged creates and deletes.
func (lg *Ledger) Counts() (creates, deletes int) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return len(lg.objects), len(lg.deleted)
}

// Verify reads back every acknowledged write through api: each bridge and
// port created (unless its bridge's deletion was acknowledged or is
// uncertain) must exist as written, and each bridge whose deletion was
// acknowledged must be absent with its ports. It returns how many objects
// were checked and a description of each lost write.
func (lg *Ledger) Verify(ctx context.Context, api string, readers int) (checked int, lost []string, err error) {
	lg.mu.Lock()
	objs := slices.Clone(lg.objects)
	deleted := maps.Clone(lg.deleted)
	unsure := maps.Clone(lg.unsure)
	gone := maps.Clone(lg.gone)
	lg.mu.Unlock()

	c := client.New(api, client.WithHTTPClient(&http.Client{Timeout: requestTimeout}))
	type result struct {
		lost string
		err  error
	}
	jobs := make(chan ledgerObject)
	results := make(chan result)
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for o := range jobs {
				results <- verifyOne(ctx, c, o, deleted, unsure, gone)
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, o := range objs {
			select {
			case jobs <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		checked++
		if r.err != nil && err == nil {
			err = r.err
		}
		if r.lost != "" {
			lost = append(lost, r.lost)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	slices.Sort(lost)
	return checked, lost, err
}

func verifyOne(ctx context.Context, c *client.Client, o ledgerObject, deleted, unsure, gone map[string]bool) (r struct {
	lost string
	err  error
}) {
	owner := o.id
	if o.bridge != "" {
		owner = o.bridge
	}
	if unsure[owner] || (gone[owner] && !deleted[owner]) {
		return r // a delete failed or was cut short: the bridge may or may not exist
	}
	wantGone := deleted[owner]
	var err error
	var got string
	if o.bridge == "" {
		var b *client.Bridge
		if b, err = c.Bridges().Get(ctx, o.id); err == nil {
			got = b.Name
		}
	} else {
		var p *client.Port
		if p, err = c.Ports().Get(ctx, o.id); err == nil {
			got = p.DeviceID
		}
	}
	want := o.name + o.bridge
	switch {
	case isStatus(err, http.StatusNotFound) && wantGone:
	case isStatus(err, http.StatusNotFound):
		r.lost = fmt.Sprintf("%s acknowledged at %s is missing", describe(o), o.acked.Format("15:04:05.000"))
	case err != nil:
		r.err = fmt.Errorf("reading back %s: %w", describe(o), err)
	case wantGone:
		r.lost = fmt.Sprintf("%s still exists after its (bridge's) acknowledged delete", describe(o))
	case got != want:
		r.lost = fmt.Sprintf("%s reads back as %q, written %q", describe(o), got, want)
	}
	return r
}

func describe(o ledgerObject) string {
	if o.bridge == "" {
		return "bridge " + o.id
	}
	return "port " + o.id + " of bridge " + o.bridge
}
