package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/midonet/midonet-go/internal/jvmconf"
	"github.com/midonet/midonet-go/mnconf"
)

// validate checks what the node cannot run with.
func (c *Config) validate() error {
	if c.MemoryLimit < 0 {
		return fmt.Errorf("%w: negative memory limit %d", ErrBadConfig, c.MemoryLimit)
	}
	if !c.RestAPI.Enabled {
		return nil
	}
	if c.RestAPI.HTTPPort < 0 || c.RestAPI.HTTPPort > 65535 || c.RestAPI.HTTPSPort > 65535 {
		return fmt.Errorf("%w: ports out of range: cluster.rest_api.http_port %d, cluster.rest_api.https_port %d",
			ErrBadConfig, c.RestAPI.HTTPPort, c.RestAPI.HTTPSPort)
	}
	if c.RestAPI.RootURI == "" || c.RestAPI.RootURI[0] != '/' {
		return fmt.Errorf("%w: cluster.rest_api.root_uri %q must start with /", ErrBadConfig, c.RestAPI.RootURI)
	}
	return nil
}

// loadRuntimeConfig deploys the bundled schemas (only when newer than
// ZooKeeper's, as the reference does at start), reads the node's runtime
// view, applies it and the overrides to n.cfg, and starts following the
// view for the settings that change live. It returns how to stop following.
func (n *Node) loadRuntimeConfig(ctx context.Context, env *Env) (func(context.Context) error, error) {
	conf, err := mnconf.Open(ctx, env.Store, n.cfg.RootKey, mnconf.WithLogger(n.log))
	if err != nil {
		return nil, fmt.Errorf("opening mn-conf: %w", err)
	}
	deployed, err := conf.Deploy(ctx)
	if err != nil {
		return nil, fmt.Errorf("deploying the configuration schemas: %w", err)
	}
	if len(deployed.Schemas) > 0 {
		n.log.Info("deployed new configuration schema", "schemas", deployed.Schemas, "templates", deployed.Templates)
	}
	opts := mnconf.RuntimeOptions{LegacyINI: n.cfg.ConfFile}
	view, err := conf.RuntimeConfig(ctx, n.cfg.NodeID, opts)
	if err != nil {
		return nil, fmt.Errorf("reading the runtime configuration: %w", err)
	}
	cfg := n.cfg
	if err := cfg.apply(runtimeSource(view), cfg.overrides()); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n.cfg = cfg
	env.Runtime, env.Conf = view, conf

	loaded := n.effectiveKeys()
	n.log.Info("loaded configuration", "settings", loaded)
	n.setLogLevel(view)

	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	views, err := conf.Watch(wctx, n.cfg.NodeID, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watching the runtime configuration: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		// A watch ends with its session (expiry); unlike the reference,
		// which then stops following until restart, watch again.
		for {
			for v := range views {
				n.setLogLevel(v)
				n.warnRestartNeeded(loaded, v)
			}
			for {
				select {
				case <-wctx.Done():
					return
				case <-time.After(watchRetryPause):
				}
				if views, err = conf.Watch(wctx, n.cfg.NodeID, opts); err == nil {
					n.log.Info("following the runtime configuration again")
					break
				}
				n.log.Warn("cannot watch the runtime configuration; retrying", "err", err)
			}
		}
	})
	return func(context.Context) error { cancel(); wg.Wait(); return nil }, nil
}

// watchRetryPause spaces attempts to watch the configuration again.
const watchRetryPause = time.Second

// effectiveKeys renders the node's settings under their mn-conf keys, as
// they are now (after mn-conf and overrides).
func (n *Node) effectiveKeys() map[string]string {
	out := map[string]string{}
	for _, s := range settings {
		if s.stage == runtimeStage {
			out[s.key] = s.render(&n.cfg)
		}
	}
	return out
}

// warnRestartNeeded says which settings changed in mn-conf since start: the
// reference reads them once, and so do we, but an operator deserves to know
// that the change is pending.
func (n *Node) warnRestartNeeded(loaded map[string]string, view *mnconf.Config) {
	next := n.cfg
	if err := next.apply(runtimeSource(view), next.overrides()); err != nil {
		n.log.Warn("mn-conf holds an unusable value; it will fail the next start", "err", err)
		return
	}
	for _, s := range settings {
		if was, ok := loaded[s.key]; ok {
			if now := s.render(&next); now != was {
				n.log.Warn("setting changed in mn-conf; it takes effect when the node restarts",
					"key", s.key, "running", was, "configured", now)
			}
		}
	}
}

// setLogLevel applies cluster.loggers.root to Config.LogLevel.
func (n *Node) setLogLevel(view *mnconf.Config) {
	if n.cfg.LogLevel == nil {
		return
	}
	v, ok := view.Get("cluster.loggers.root")
	if !ok {
		return
	}
	level, known := jvmconf.LogbackLevel(v)
	if !known {
		n.log.Warn("cluster.loggers.root is not a log level; using INFO", "value", v)
	}
	if n.cfg.LogLevel.Level() != level {
		n.cfg.LogLevel.Set(level)
		n.log.Info("set root logging level", "level", strings.ToUpper(v))
	}
}
