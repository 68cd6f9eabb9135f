package mnconf

import (
	"context"
	"reflect"
	"sync"

	"github.com/google/uuid"
)

// Watch delivers node nodeID's runtime configuration now and after every
// change of any layer it is built from: the per-node znode, the template
// mappings (re-mapping switches the template watched), the mapped template,
// the default template and the schemas. Consecutive identical views are not
// repeated. The channel is closed when ctx is done or the store connection
// ends; a view that fails to build (e.g. an unresolvable substitution) is
// logged and skipped.
func (s *Store) Watch(ctx context.Context, nodeID uuid.UUID, opts ...RuntimeOptions) (<-chan *Config, error) {
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	// done is closed by the first watch that ends on a store error
	// (session expired, connection closed): the view can no longer follow.
	done := make(chan struct{})
	var endOnce sync.Once
	end := func() { endOnce.Do(func() { close(done) }) }
	watchNode := func(ctx context.Context, p string) error {
		ch, err := s.conn.WatchNode(ctx, p)
		if err != nil {
			return err
		}
		go func() {
			for ev := range ch {
				if ev.Err != nil {
					end()
					return
				}
				poke()
			}
		}()
		return nil
	}
	fixed := []string{
		s.configPath(nodesDir, nodeID.String()),
		s.configPath(templateMappings),
		s.configPath(templatesDir, DefaultTemplate),
	}
	for _, p := range fixed {
		if err := watchNode(ctx, p); err != nil {
			return nil, err
		}
	}
	schemaCh, err := s.conn.WatchChildren(ctx, s.configPath(schemasDir))
	if err != nil {
		return nil, err
	}
	go func() {
		for ev := range schemaCh {
			if ev.Err != nil {
				end()
				return
			}
			poke()
		}
	}()

	out := make(chan *Config, 1)
	go func() {
		defer close(out)
		var (
			last          map[string]any
			watchedTmpl   string
			cancelTmpl    = func() {}
			schemaWatches = map[string]context.CancelFunc{}
		)
		defer func() {
			cancelTmpl()
			for _, c := range schemaWatches {
				c()
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-changed:
			}
			// Follow the mapped template and every schema znode's data.
			if tmpl, err := s.mappedTemplate(ctx, nodeID); err == nil && tmpl != watchedTmpl {
				cancelTmpl()
				watchedTmpl = tmpl
				tctx, cancel := context.WithCancel(ctx)
				cancelTmpl = cancel
				if tmpl != DefaultTemplate {
					if err := watchNode(tctx, s.configPath(templatesDir, tmpl)); err != nil {
						s.log.WarnContext(ctx, "mnconf: cannot watch template", "template", tmpl, "err", err)
					}
				}
			}
			if names, err := s.Schemas(ctx); err == nil {
				for _, n := range names {
					if _, ok := schemaWatches[n]; ok {
						continue
					}
					sctx, cancel := context.WithCancel(ctx)
					schemaWatches[n] = cancel
					if err := watchNode(sctx, s.configPath(schemasDir, n)); err != nil {
						s.log.WarnContext(ctx, "mnconf: cannot watch schema", "schema", n, "err", err)
					}
				}
			}
			cfg, err := s.RuntimeConfig(ctx, nodeID, opts...)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.WarnContext(ctx, "mnconf: runtime configuration not rebuilt", "node", nodeID, "err", err)
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
	}()
	return out, nil
}
