package cluster

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// instrumentedConn counts and times every storage operation.
type instrumentedConn struct {
	storage.Conn
	ops     *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// newInstrumentedConn wraps c so that every operation is counted (by op and
// result) and timed in reg, as midonet_cluster_store_ops_total and
// midonet_cluster_store_op_duration_seconds.
func newInstrumentedConn(c storage.Conn, reg prometheus.Registerer) (*instrumentedConn, error) {
	ic := &instrumentedConn{
		Conn: c,
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "midonet_cluster_store_ops_total",
			Help: "Storage backend (ZooKeeper) operations by operation and result.",
		}, []string{"op", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "midonet_cluster_store_op_duration_seconds",
			Help:    "Latency of storage backend (ZooKeeper) operations.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"op"}),
	}
	for _, col := range []prometheus.Collector{ic.ops, ic.latency} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return ic, nil
}

func instrumentConn(c storage.Conn, reg prometheus.Registerer) storage.Conn {
	ic, err := newInstrumentedConn(c, reg)
	if err != nil {
		// Only possible if the node's private registry already has the
		// collectors, i.e. a programming error; run uninstrumented.
		return c
	}
	return ic
}

// resultLabel keeps the label set small and stable.
func resultLabel(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, storage.ErrNoNode):
		return "no_node"
	case errors.Is(err, storage.ErrNodeExists):
		return "node_exists"
	case errors.Is(err, storage.ErrBadVersion):
		return "bad_version"
	case errors.Is(err, storage.ErrConnectionLoss), errors.Is(err, storage.ErrSessionExpired), errors.Is(err, storage.ErrClosed):
		return "unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	}
	return "error"
}

func (c *instrumentedConn) observe(op string, start time.Time, err error) {
	c.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	c.ops.WithLabelValues(op, resultLabel(err)).Inc()
}

func (c *instrumentedConn) Get(ctx context.Context, p string) (b []byte, st storage.Stat, err error) {
	defer func(t time.Time) { c.observe("get", t, err) }(time.Now())
	return c.Conn.Get(ctx, p)
}

func (c *instrumentedConn) Exists(ctx context.Context, p string) (st storage.Stat, ok bool, err error) {
	defer func(t time.Time) { c.observe("exists", t, err) }(time.Now())
	return c.Conn.Exists(ctx, p)
}

func (c *instrumentedConn) Children(ctx context.Context, p string) (ch []string, st storage.Stat, err error) {
	defer func(t time.Time) { c.observe("children", t, err) }(time.Now())
	return c.Conn.Children(ctx, p)
}

// The watched reads are counted under their own op names: the decoded-object
// cache arms its entries with them, so they are most of a warm node's reads.

func (c *instrumentedConn) GetW(ctx context.Context, p string) (b []byte, st storage.Stat, w storage.Watch, err error) {
	defer func(t time.Time) { c.observe("get_watch", t, err) }(time.Now())
	return c.Conn.GetW(ctx, p)
}

func (c *instrumentedConn) ExistsW(ctx context.Context, p string) (st storage.Stat, ok bool, w storage.Watch, err error) {
	defer func(t time.Time) { c.observe("exists_watch", t, err) }(time.Now())
	return c.Conn.ExistsW(ctx, p)
}

func (c *instrumentedConn) ChildrenW(ctx context.Context, p string) (ch []string, st storage.Stat, w storage.Watch, err error) {
	defer func(t time.Time) { c.observe("children_watch", t, err) }(time.Now())
	return c.Conn.ChildrenW(ctx, p)
}

func (c *instrumentedConn) Create(ctx context.Context, p string, data []byte, mode storage.CreateMode) (out string, err error) {
	defer func(t time.Time) { c.observe("create", t, err) }(time.Now())
	return c.Conn.Create(ctx, p, data, mode)
}

func (c *instrumentedConn) Set(ctx context.Context, p string, data []byte, v storage.Version) (st storage.Stat, err error) {
	defer func(t time.Time) { c.observe("set", t, err) }(time.Now())
	return c.Conn.Set(ctx, p, data, v)
}

func (c *instrumentedConn) Delete(ctx context.Context, p string, v storage.Version) (err error) {
	defer func(t time.Time) { c.observe("delete", t, err) }(time.Now())
	return c.Conn.Delete(ctx, p, v)
}

func (c *instrumentedConn) Multi(ctx context.Context, ops ...storage.Op) (res []storage.OpResult, err error) {
	defer func(t time.Time) { c.observe("multi", t, err) }(time.Now())
	return c.Conn.Multi(ctx, ops...)
}

func (c *instrumentedConn) Sync(ctx context.Context, p string) (err error) {
	defer func(t time.Time) { c.observe("sync", t, err) }(time.Now())
	return c.Conn.Sync(ctx, p)
}

// instrumentHandler counts and times HTTP requests by method and code.
func instrumentHandler(h http.Handler, reg prometheus.Registerer) (http.Handler, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "midonet_cluster_http_requests_total",
		Help: "REST API requests by method and status code.",
	}, []string{"method", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "midonet_cluster_http_request_duration_seconds",
		Help:    "REST API request latency.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "code"})
	inflight := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "midonet_cluster_http_requests_in_flight",
		Help: "REST API requests being served.",
	})
	for _, col := range []prometheus.Collector{requests, latency, inflight} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return promhttp.InstrumentHandlerInFlight(inflight,
		promhttp.InstrumentHandlerDuration(latency,
			promhttp.InstrumentHandlerCounter(requests, h))), nil
}

// registerGroupCommits exposes the object store's group commits (batches
// of local writers of one hot object committed in one multi) in reg:
// midonet_cluster_group_commit_batches_total, ..._members_total (the
// functions run in them: members per batch is the ratio) and
// ..._pipelined_total (batches built on the one before while its multi was
// in flight).
func registerGroupCommits(st *zoom.Store, reg prometheus.Registerer) {
	for _, c := range []struct {
		name, help string
		value      func(zoom.GroupCommitStats) int64
	}{
		{"midonet_cluster_group_commit_batches_total", "Group-commit batches of the object store (one multi each).",
			func(s zoom.GroupCommitStats) int64 { return s.Batches }},
		{"midonet_cluster_group_commit_members_total", "Transaction functions run in group-commit batches.",
			func(s zoom.GroupCommitStats) int64 { return s.Members }},
		{"midonet_cluster_group_commit_pipelined_total", "Group-commit batches built on the batch before while its multi was in flight.",
			func(s zoom.GroupCommitStats) int64 { return s.Pipelined }},
	} {
		// Registered once per store; a clash is a programming error and
		// leaves the metric out.
		_ = reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.value(st.GroupCommitStats())) }))
	}
}
