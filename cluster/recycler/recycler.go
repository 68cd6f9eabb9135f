// Package recycler is the cluster's NSDB recycler (the reference's
// "recycler" minion, cluster.recycler.*): it deletes what deleted objects
// leave behind in ZooKeeper, where nothing else would:
//
//   - Z/state/<ns> of namespaces that are neither a host nor the cluster's;
//   - Z/state/<host>/<Class>/<id> of objects no longer in Z/models/<Class>;
//   - Z/tables/<Class>/<id> of deleted objects;
//   - the legacy R/bridges/<id> and R/routers/<id> of deleted bridges and routers
//
// (Z = <root>/zoom/0, R = <root>). It runs on every node, like the
// reference's (no latch): a run first stamps Z with a version-conditional
// write and is skipped when Z was stamped less than one interval ago, so
// the nodes of a cluster (Go or JVM) take turns. A node created at or after
// the stamp is left alone, every delete is version-conditional, and every
// storage operation of a run takes a token of a throttling_rate-per-second
// limiter so that a run does not load ZooKeeper.
//
// Node registrations under <root>/cluster/nodes are ephemeral: ZooKeeper
// removes them with their session, so there is nothing to recycle there.
package recycler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

// Config is cluster.recycler.* (enabled is the node's business).
type Config struct {
	// Interval is how long recycled state may stay before the next run
	// (cluster.recycler.interval, read in whole minutes, at least one).
	Interval time.Duration
	// ThrottlingRate is the storage operations per second of a run.
	ThrottlingRate float64
	// ShutdownTimeout bounds how long stopping waits for a run to cancel.
	ShutdownTimeout time.Duration
}

// MinimumInterval is the shortest recycling interval and task period.
const MinimumInterval = time.Minute

// ConfigFrom reads cluster.recycler.* from an mn-conf view (the node's, whose
// schema layer gives the defaults: 1d, 100, 5s).
func ConfigFrom(c *mnconf.Config) (Config, error) {
	var cfg Config
	var errs [3]error
	cfg.Interval, errs[0] = c.Duration("cluster.recycler.interval")
	rateOps, err := c.Int("cluster.recycler.throttling_rate")
	cfg.ThrottlingRate, errs[1] = float64(rateOps), err
	// The reference reads cluster.recycler.shutdown_interval, which its
	// schema does not define; the schema's key is shutdown_timeout.
	cfg.ShutdownTimeout, errs[2] = c.Duration("cluster.recycler.shutdown_timeout")
	if err := errors.Join(errs[:]...); err != nil {
		return Config{}, err
	}
	if cfg.ThrottlingRate <= 0 {
		return Config{}, fmt.Errorf("cluster.recycler.throttling_rate must be positive, got %v", rateOps)
	}
	return cfg, nil
}

// interval is the recycling interval as the reference uses it: whole
// minutes, at least MinimumInterval.
func (c Config) interval() time.Duration {
	return max(c.Interval.Truncate(time.Minute), MinimumInterval)
}

// period is how often the task runs: a tenth of the interval, at least
// MinimumInterval.
func (c Config) period() time.Duration {
	return max((c.interval() / 10).Truncate(time.Minute), MinimumInterval)
}

// Errors of a run.
var (
	// ErrRecentlyRecycled: Z was stamped less than one interval ago (by
	// this node or another); the run did nothing.
	ErrRecentlyRecycled = errors.New("NSDB recycled less than one interval ago")
	// ErrStorage wraps a storage failure that ended a run.
	ErrStorage = errors.New("recycling storage operation failed")
	// ErrRunning: another run of this recycler is in progress.
	ErrRunning = errors.New("recycling already running")
)

// Counts are what a run found and did in one category.
type Counts struct{ Total, Deleted, Skipped int }

// Report is the outcome of one run, as the reference logs it.
type Report struct {
	// NSDBVersion is the version of the ZOOM layout (the 0 of zoom/0).
	NSDBVersion int
	// Stamp is Z's modification time set by this run: nodes created at or
	// after it were left alone.
	Stamp      time.Time
	Namespaces Counts
	Objects    Counts
	Tables     Counts
	Legacy     Counts
	Duration   time.Duration
}

// legacyDirs are the pre-ZOOM table directories of classes, under the root.
var legacyDirs = []struct{ class, dir string }{{"Network", "bridges"}, {"Router", "routers"}}

// Recycler deletes what deleted objects left behind under one root.
type Recycler struct {
	conn    storage.Conn
	root    string
	zoom    string
	classes []string
	cfg     Config
	log     *slog.Logger
	// now is the clock that decides whether a run is due.
	now func() time.Time
	// firstDelay is the wait before the first run of Run, period the wait
	// between runs.
	firstDelay, period time.Duration
	// onRun, when set, gets the outcome of every run of Run.
	onRun func(Report, error)

	running sync.Mutex
}

// New makes a recycler for the ZOOM store st (its connection and layout)
// under root, for MidoNet's classes.
func New(st *zoom.Store, root string, cfg Config, log *slog.Logger) *Recycler {
	if log == nil {
		log = slog.Default()
	}
	var classes []string
	for _, c := range midonet.Schema().Classes {
		classes = append(classes, c.Name)
	}
	r := &Recycler{conn: st.Conn(), root: root, zoom: st.ZoomPath(), classes: classes, cfg: cfg,
		log: log, now: time.Now, period: cfg.period()}
	// The reference waits a random whole number of minutes, up to one
	// period, so that nodes started together do not race for the stamp.
	r.firstDelay = time.Duration(rand.Int64N(int64(cfg.period()/time.Minute))) * time.Minute
	return r
}

// Run runs the recycler every period (a tenth of the interval, at least a
// minute) until ctx ends; a run in progress is cancelled then.
func (r *Recycler) Run(ctx context.Context) error {
	r.log.Info("recycling task scheduled", "in", r.firstDelay, "interval", r.cfg.interval(), "period", r.period)
	timer := time.NewTimer(r.firstDelay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		rep, err := r.Recycle(ctx)
		switch {
		case err == nil:
			r.log.Info("NSDB recycling report", "version", rep.NSDBVersion,
				"namespaces_total", rep.Namespaces.Total, "namespaces_deleted", rep.Namespaces.Deleted,
				"namespaces_skipped", rep.Namespaces.Skipped,
				"objects_total", rep.Objects.Total, "objects_deleted", rep.Objects.Deleted,
				"objects_skipped", rep.Objects.Skipped,
				"tables_total", rep.Tables.Total, "tables_deleted", rep.Tables.Deleted,
				"tables_skipped", rep.Tables.Skipped,
				"legacy_total", rep.Legacy.Total, "legacy_deleted", rep.Legacy.Deleted,
				"legacy_skipped", rep.Legacy.Skipped, "duration", rep.Duration)
		case errors.Is(err, ErrRecentlyRecycled), ctx.Err() != nil:
			r.log.Debug("NSDB recycling skipped", "err", err)
		default:
			r.log.Warn("NSDB recycling failed", "err", err)
		}
		if r.onRun != nil {
			r.onRun(rep, err)
		}
		r.log.Info("recycling task scheduled", "in", r.period)
		timer.Reset(r.period)
	}
}

// run is the state of one recycling run.
type run struct {
	*Recycler
	ctx     context.Context
	limiter *rate.Limiter
	stamp   time.Time
	rep     Report
}

// Recycle runs once now (unless Z was stamped less than an interval ago).
func (r *Recycler) Recycle(ctx context.Context) (Report, error) {
	if !r.running.TryLock() {
		return Report{}, ErrRunning
	}
	defer r.running.Unlock()
	began := time.Now()
	limit := rate.Limit(r.cfg.ThrottlingRate)
	x := &run{Recycler: r, ctx: ctx, limiter: rate.NewLimiter(limit, max(1, int(r.cfg.ThrottlingRate)))}
	err := x.recycle(r.now())
	x.rep.Duration = time.Since(began)
	return x.rep, err
}

func (x *run) recycle(start time.Time) error {
	// Stamp Z, conditional on the version read: of two nodes deciding at
	// once, one wins, the other fails here.
	_, st, err := x.get(x.zoom)
	if err != nil {
		return err
	}
	if start.Sub(st.Mtime) < x.cfg.interval() {
		return fmt.Errorf("%w (at %s)", ErrRecentlyRecycled, st.Mtime.UTC().Format(time.RFC3339))
	}
	if err := x.throttle(); err != nil {
		return err
	}
	after, err := x.conn.Set(x.ctx, x.zoom, []byte{1}, st.Version)
	if err != nil {
		return fmt.Errorf("%w: stamping %s: %w", ErrStorage, x.zoom, err)
	}
	x.stamp = after.Mtime
	x.rep.Stamp = after.Mtime
	if x.rep.NSDBVersion, err = strconv.Atoi(path.Base(x.zoom)); err != nil {
		return fmt.Errorf("%w: invalid NSDB version in %s", ErrStorage, x.zoom)
	}

	hosts, err := x.childSet(x.zoom + "/models/Host")
	if err != nil {
		return err
	}
	namespaces, err := x.children(x.zoom + "/state")
	if err != nil {
		return err
	}
	x.rep.Namespaces.Total = len(namespaces)
	for _, ns := range namespaces {
		if !hosts[ns] && ns != zoom.ClusterNamespace {
			x.remove(x.zoom+"/state/"+ns, &x.rep.Namespaces)
		}
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}

	models := map[string]map[string]bool{}
	for _, class := range x.classes {
		if models[class], err = x.childSet(x.zoom + "/models/" + class); err != nil {
			return err
		}
	}
	// Object state lives in the namespaces of hosts that still exist.
	for host := range hosts {
		for _, class := range x.classes {
			dir := x.zoom + "/state/" + host + "/" + class
			ids, _, err := x.conn.Children(x.ctx, dir)
			if errors.Is(err, storage.ErrNoNode) {
				continue
			}
			if err != nil {
				return fmt.Errorf("%w: listing %s: %w", ErrStorage, dir, err)
			}
			x.rep.Objects.Total += len(ids)
			for _, id := range ids {
				if !models[class][id] {
					x.remove(dir+"/"+id, &x.rep.Objects)
				}
			}
		}
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}

	for _, class := range x.classes {
		dir := x.zoom + "/tables/" + class
		ids, err := x.children(dir)
		if err != nil {
			return err
		}
		x.rep.Tables.Total += len(ids)
		for _, id := range ids {
			if !models[class][id] {
				x.remove(dir+"/"+id, &x.rep.Tables)
			}
		}
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}

	for _, l := range legacyDirs {
		dir := x.root + "/" + l.dir
		if _, ok, err := x.conn.Exists(x.ctx, dir); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrStorage, dir, err)
		} else if !ok {
			continue
		}
		ids, err := x.children(dir)
		if err != nil {
			return err
		}
		x.rep.Legacy.Total += len(ids)
		for _, id := range ids {
			if !models[l.class][id] {
				x.remove(dir+"/"+id, &x.rep.Legacy)
			}
		}
	}
	return x.ctx.Err()
}

// remove deletes p and its subtree if every node of it predates the stamp,
// counting the outcome in c. Failures are skips: the next run tries again.
func (x *run) remove(p string, c *Counts) {
	_, st, err := x.get(p)
	if err == nil && !st.Ctime.Before(x.stamp) {
		x.log.Debug("recycler: skipping a node created after the stamp", "path", p)
		c.Skipped++
		return
	}
	if err == nil {
		if err = x.throttle(); err == nil {
			err = x.deleteTree(p, st.Version)
		}
	}
	if err != nil {
		if x.ctx.Err() == nil {
			x.log.Warn("recycler: could not delete", "path", p, "err", err)
		}
		c.Skipped++
		return
	}
	c.Deleted++
}

// errNewer: a node of the subtree was created after the stamp.
var errNewer = errors.New("created after the recycling stamp")

// deleteTree deletes p (at version v) after its children, unless a node of
// the subtree is newer than the stamp.
func (x *run) deleteTree(p string, v storage.Version) error {
	children, _, err := x.conn.Children(x.ctx, p)
	if err != nil {
		return err
	}
	versions := make([]storage.Version, len(children))
	for i, ch := range children {
		_, st, err := x.conn.Get(x.ctx, p+"/"+ch)
		if err != nil {
			return err
		}
		if !st.Ctime.Before(x.stamp) {
			return fmt.Errorf("%s: %w", p+"/"+ch, errNewer)
		}
		versions[i] = st.Version
	}
	for i, ch := range children {
		if err := x.deleteTree(p+"/"+ch, versions[i]); err != nil {
			return err
		}
	}
	return x.conn.Delete(x.ctx, p, v)
}

// throttle waits for the limiter's token (or the run's cancellation).
func (x *run) throttle() error {
	if err := x.limiter.Wait(x.ctx); err != nil {
		if x.ctx.Err() != nil {
			return x.ctx.Err()
		}
		// The limiter refuses a wait that would outlast the deadline.
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return nil
}

func (x *run) get(p string) ([]byte, storage.Stat, error) {
	if err := x.throttle(); err != nil {
		return nil, storage.Stat{}, err
	}
	data, st, err := x.conn.Get(x.ctx, p)
	if err != nil {
		return nil, st, fmt.Errorf("%w: reading %s: %w", ErrStorage, p, err)
	}
	return data, st, nil
}

func (x *run) children(p string) ([]string, error) {
	if err := x.throttle(); err != nil {
		return nil, err
	}
	ch, _, err := x.conn.Children(x.ctx, p)
	if err != nil {
		return nil, fmt.Errorf("%w: listing %s: %w", ErrStorage, p, err)
	}
	return ch, nil
}

func (x *run) childSet(p string) (map[string]bool, error) {
	ch, err := x.children(p)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(ch))
	for _, c := range ch {
		set[c] = true
	}
	return set, nil
}
