package mnconf

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Watch delivers node nodeID's runtime configuration now and after every
// change of any layer it is built from: the per-node znode, the template
// mappings (re-mapping switches the template watched), the mapped template,
// the default template and the schemas (new schema znodes included).
// Consecutive identical views are not repeated; a view that fails to build
// (e.g. an unresolvable substitution) is logged and skipped.
//
// When the store session expires and the connection opens a new one (the
// ZooKeeper backend does), the watches are set again and the current view
// is delivered; the reference's watchers stop there instead. (A mem
// session's expiry is final: the watch then waits, silent, for ctx.) The
// channel is closed when ctx is done or the connection is closed.
func (s *Store) Watch(ctx context.Context, nodeID uuid.UUID, opts ...RuntimeOptions) (<-chan *Config, error) {
	w := &viewWatch{s: s, node: nodeID, opts: opts, changed: make(chan struct{}, 1)}
	sess, err := w.arm(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *Config, 1)
	go w.run(ctx, sess, out)
	return out, nil
}

// viewWatch follows the znodes one node's view is built from.
type viewWatch struct {
	s       *Store
	node    uuid.UUID
	opts    []RuntimeOptions
	changed chan struct{} // poked (never blocking) on any change
}

// watchSession is the set of store watches of one store session.
type watchSession struct {
	ctx    context.Context
	cancel context.CancelFunc
	// ended is closed by the first watch that ends on a store error; err
	// is that error.
	ended   chan struct{}
	endOnce sync.Once
	err     error

	template       string
	cancelTemplate context.CancelFunc
	schemas        map[string]bool
}

func (ws *watchSession) end(err error) {
	ws.endOnce.Do(func() { ws.err = err; close(ws.ended) })
}

func (w *viewWatch) poke() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// arm sets the watches that do not depend on the view's content; follow
// adds the template and schema ones.
func (w *viewWatch) arm(ctx context.Context) (*watchSession, error) {
	sctx, cancel := context.WithCancel(ctx)
	ws := &watchSession{ctx: sctx, cancel: cancel, ended: make(chan struct{}), cancelTemplate: func() {}, schemas: map[string]bool{}}
	s := w.s
	for _, p := range []string{s.configPath(nodesDir, w.node.String()), s.configPath(templateMappings), s.configPath(templatesDir, DefaultTemplate)} {
		if err := w.watchNode(ws, sctx, p); err != nil {
			cancel()
			return nil, err
		}
	}
	ch, err := s.conn.WatchChildren(sctx, s.configPath(schemasDir))
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		for ev := range ch {
			if ev.Err != nil {
				ws.end(ev.Err)
				return
			}
			w.poke()
		}
	}()
	return ws, nil
}

func (w *viewWatch) watchNode(ws *watchSession, ctx context.Context, p string) error {
	ch, err := w.s.conn.WatchNode(ctx, p)
	if err != nil {
		return err
	}
	go func() {
		for ev := range ch {
			if ev.Err != nil {
				ws.end(ev.Err)
				return
			}
			w.poke()
		}
	}()
	return nil
}

// follow watches the template mapped to the node now (dropping the watch of
// the previous one) and every schema znode.
func (w *viewWatch) follow(ws *watchSession) {
	s := w.s
	if tmpl, err := s.mappedTemplate(ws.ctx, w.node); err == nil && tmpl != ws.template {
		ws.cancelTemplate()
		ws.template = tmpl
		tctx, cancel := context.WithCancel(ws.ctx)
		ws.cancelTemplate = cancel
		if tmpl != DefaultTemplate {
			if err := w.watchNode(ws, tctx, s.configPath(templatesDir, tmpl)); err != nil {
				s.log.WarnContext(ws.ctx, "mnconf: cannot watch template", "template", tmpl, "err", err)
			}
		}
	}
	if names, err := s.Schemas(ws.ctx); err == nil {
		for _, n := range names {
			if ws.schemas[n] {
				continue
			}
			ws.schemas[n] = true
			if err := w.watchNode(ws, ws.ctx, s.configPath(schemasDir, n)); err != nil {
				s.log.WarnContext(ws.ctx, "mnconf: cannot watch schema", "schema", n, "err", err)
			}
		}
	}
}

// awaitSession waits until the connection has a live session again.
func (w *viewWatch) awaitSession(ctx context.Context) bool {
	events := w.s.conn.SessionEvents(ctx)
	if w.s.conn.State() == storage.Connected {
		return true
	}
	for ev := range events {
		switch ev.State {
		case storage.Connected:
			return true
		case storage.Closed:
			return false
		}
	}
	return false
}

func (w *viewWatch) run(ctx context.Context, ws *watchSession, out chan<- *Config) {
	defer close(out)
	defer func() { ws.cancel() }()
	var last map[string]any
	for {
		select {
		case <-ctx.Done():
			return
		case <-ws.ended:
			ws.cancel()
			if !errors.Is(ws.err, storage.ErrSessionExpired) {
				return
			}
			w.s.log.WarnContext(ctx, "mnconf: store session expired; watching the configuration again once reconnected", "node", w.node)
			if !w.awaitSession(ctx) {
				return
			}
			next, err := w.arm(ctx)
			if err != nil {
				w.s.log.WarnContext(ctx, "mnconf: cannot watch the configuration again", "node", w.node, "err", err)
				return
			}
			ws = next
			continue
		case <-w.changed:
		}
		w.follow(ws)
		cfg, err := w.s.RuntimeConfig(ctx, w.node, w.opts...)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.s.log.WarnContext(ctx, "mnconf: runtime configuration not rebuilt", "node", w.node, "err", err)
			continue
		}
		if last != nil && reflect.DeepEqual(last, cfg.tree) {
			continue
		}
		last = cfg.tree
		select {
		case out <- cfg:
		case <-ctx.Done():
			return
		}
	}
}
