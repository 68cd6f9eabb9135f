package vxgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/ovn-org/libovsdb/cache"
	"github.com/ovn-org/libovsdb/client"
	"github.com/ovn-org/libovsdb/ovsdb"
)

// ConnectionState is what the controller reports about its OVSDB session
// with a VTEP; its String is the reference's `connection_state` key value.
type ConnectionState int

const (
	// Disconnected: no session (not yet connected, or the session dropped
	// and a reconnection is under way).
	Disconnected ConnectionState = iota
	// Connected: session up, database monitored, desired state being applied.
	Connected
	// Error: the last connection attempt failed; retrying with backoff.
	Error
)

func (s ConnectionState) String() string {
	switch s {
	case Connected:
		return "VTEP_CONNECTED"
	case Error:
		return "VTEP_ERROR"
	default:
		return "VTEP_DISCONNECTED"
	}
}

// Backoff is an exponential reconnection delay with jitter, growing from
// Initial to Max and never giving up (the reference stops after 50 tries and
// leaves the VTEP in error until a restart).
type Backoff struct {
	Initial, Max time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 100 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 10 * time.Second
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	return b
}

// delay returns the wait before attempt n (0-based): Initial·2^n capped at
// Max, with ±20% jitter so that many controllers do not reconnect in step.
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return max(d+jitter, time.Millisecond)
}

// Conn is one live OVSDB session with a VTEP's hardware_vtep database: a
// libovsdb client monitoring every table the controller uses, so that reads
// come from the in-memory replica and every write is one transaction.
type Conn struct {
	client client.Client
	// cache is the replica of this session; kept here because libovsdb
	// forgets its cache pointer when the session drops.
	cache    *cache.TableCache
	endpoint string
}

// libovsdbLogger forwards libovsdb's logr output to slog at debug level
// (its messages are about its own internals; ours say what matters).
func libovsdbLogger(log *slog.Logger, endpoint string) *logr.Logger {
	l := funcr.New(func(prefix, args string) {
		log.Debug("libovsdb", "endpoint", endpoint, "prefix", prefix, "msg", args)
	}, funcr.Options{})
	return &l
}

// Dial opens a session with the OVSDB server at endpoint ("tcp:IP:PORT"),
// checks it serves hardware_vtep, and monitors the tables. onEvent, if not
// nil, is registered before the monitor starts, so it sees every row of the
// initial snapshot as an add; it must not block.
func Dial(ctx context.Context, endpoint string, log *slog.Logger, onEvent cache.EventHandler) (*Conn, error) {
	dbModel, err := hardwareVTEPModel()
	if err != nil {
		return nil, err
	}
	cl, err := client.NewOVSDBClient(dbModel,
		client.WithEndpoint(endpoint),
		client.WithLogger(libovsdbLogger(log, endpoint)))
	if err != nil {
		return nil, fmt.Errorf("ovsdb client for %s: %w", endpoint, err)
	}
	if err := cl.Connect(ctx); err != nil {
		return nil, fmt.Errorf("connecting to VTEP %s: %w", endpoint, err)
	}
	c := &Conn{client: cl, cache: cl.Cache(), endpoint: endpoint}
	if onEvent != nil {
		c.cache.AddEventHandler(onEvent)
	}
	if _, err := cl.MonitorAll(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("monitoring hardware_vtep on %s: %w", endpoint, err)
	}
	return c, nil
}

// Close ends the session for good.
func (c *Conn) Close() { c.client.Close() }

// Connected reports whether the session is still up.
func (c *Conn) Connected() bool { return c.client.Connected() }

// Disconnected returns libovsdb's notification channel for the session
// dropping (it only delivers to a waiting reader).
func (c *Conn) disconnectNotify() <-chan struct{} { return c.client.DisconnectNotify() }

// Echo sends an OVSDB echo and waits for the reply: the liveness probe.
func (c *Conn) Echo(ctx context.Context) error { return c.client.Echo(ctx) }

// listRows returns copies of every cached row of table as *T.
func listRows[T any](c *Conn, table string) []*T {
	rc := c.cache.Table(table)
	if rc == nil {
		return nil
	}
	rows := rc.Rows()
	out := make([]*T, 0, len(rows))
	for _, m := range rows {
		if r, ok := m.(*T); ok {
			out = append(out, r)
		}
	}
	return out
}

// row returns a copy of one cached row, or nil.
func row[T any](c *Conn, table, uuid string) *T {
	rc := c.cache.Table(table)
	if rc == nil {
		return nil
	}
	r, _ := rc.Row(uuid).(*T)
	return r
}

// ErrTransaction wraps the errors OVSDB reports inside a transaction reply.
var ErrTransaction = errors.New("ovsdb transaction failed")

// transact commits ops as one transaction and then waits until the session's
// replica shows the inserted rows and no longer shows the deleted ones
// (deletedByTable lists rows deleted by UUID). Waiting makes the next read
// of the replica see our own write, so a reconciliation never inserts the
// same row twice.
func (c *Conn) transact(ctx context.Context, ops []ovsdb.Operation, deleted map[string][]string) error {
	if len(ops) == 0 {
		return nil
	}
	results, err := c.client.Transact(ctx, ops...)
	if err != nil {
		return fmt.Errorf("ovsdb transact on %s: %w", c.endpoint, err)
	}
	if opErrs, err := ovsdb.CheckOperationResults(results, ops); err != nil {
		msgs := make([]string, 0, len(opErrs))
		for _, e := range opErrs {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("%w on %s: %v %v", ErrTransaction, c.endpoint, err, msgs)
	}
	inserted := map[string][]string{}
	for i, op := range ops {
		if op.Op == ovsdb.OperationInsert && i < len(results) {
			inserted[op.Table] = append(inserted[op.Table], results[i].UUID.GoUUID)
		}
	}
	return c.waitReplica(ctx, inserted, deleted)
}

// replicaWait bounds how long a write may take to show in the replica (the
// monitor update and the transaction reply travel separately).
const replicaWait = 10 * time.Second

func (c *Conn) waitReplica(ctx context.Context, present, absent map[string][]string) error {
	ctx, cancel := context.WithTimeout(ctx, replicaWait)
	defer cancel()
	done := func() bool {
		for table, ids := range present {
			rc := c.cache.Table(table)
			for _, id := range ids {
				// Non-root rows nothing references are collected by the
				// server at once and never appear: only wait for root
				// tables and rows something points to.
				if rc == nil || (!rc.HasRow(id) && c.isRootTable(table)) {
					return false
				}
			}
		}
		for table, ids := range absent {
			rc := c.cache.Table(table)
			for _, id := range ids {
				if rc != nil && rc.HasRow(id) {
					return false
				}
			}
		}
		return true
	}
	for !done() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s's replica to show our write: %w", c.endpoint, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func (c *Conn) isRootTable(table string) bool {
	t := c.cache.DatabaseModel().Schema.Table(table)
	return t != nil && t.IsRoot
}
