// Package containers is the cluster's service-container scheduler (the
// reference's "containers" minion, cluster.containers.*): one node at a time,
// the leader of <root>/containers/leader-latch, places every service
// container (IPsec VPN, Quagga BGP, HAProxy) on a host and binds the
// container's port to that host, where the agent starts it.
//
// A host is a candidate while its agent's container service runs: the
// host's "container" state key (in the host's namespace, ephemeral on the
// agent's session) holds a ContainerServiceStatus with a positive weight;
// hosts whose quota is 0 take no new containers. A group's policy picks
// among them: WEIGHTED_SCHEDULER (random, in proportion to the weights) or
// LEAST_SCHEDULER (the lowest container count). As in the reference, every
// group selects from all hosts (host-group and port-group selection are not
// wired in the reference either).
//
// The scheduler then waits scheduler_timeout for the agent to report the
// container RUNNING (the container's "status" key in the chosen host's
// namespace); otherwise the host is bad for scheduler_bad_host_lifetime and
// the container moves. ERROR, or STOPPING while running, makes the host bad
// for scheduler_retry. With no host available it retries every
// scheduler_retry, scheduler_max_retries times, then waits for a change. A
// host whose agent goes away (its state keys vanish with its session) loses
// its containers to other hosts. Binding a container's port elsewhere (REST
// PUT of the container's hostId) moves it: the scheduler follows.
package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/mnconf"
)

// Latch is the reference's leader latch of the service, under the root.
const Latch = "containers/leader-latch"

// Config is cluster.containers.* (enabled is the node's business).
type Config struct {
	SchedulerTimeout         time.Duration
	SchedulerRetry           time.Duration
	SchedulerMaxRetries      int
	SchedulerBadHostLifetime time.Duration
}

// ConfigFrom reads cluster.containers.* from an mn-conf view (the node's,
// whose schema layer gives the defaults: 10s, 15s, 10, 30s).
func ConfigFrom(c *mnconf.Config) (Config, error) {
	var cfg Config
	var errs [4]error
	cfg.SchedulerTimeout, errs[0] = c.Duration("cluster.containers.scheduler_timeout")
	cfg.SchedulerRetry, errs[1] = c.Duration("cluster.containers.scheduler_retry")
	retries, err := c.Int("cluster.containers.scheduler_max_retries")
	cfg.SchedulerMaxRetries, errs[2] = int(retries), err
	cfg.SchedulerBadHostLifetime, errs[3] = c.Duration("cluster.containers.scheduler_bad_host_lifetime")
	return cfg, errors.Join(errs[:]...)
}

// interfacePrefixes are the container types the cluster knows, with the
// prefix of the interface their port is bound to ("<prefix>-<port id[:8]>").
var interfacePrefixes = map[string]string{"IPSEC": "vpn", "QUAGGA": "bgp", "HAPROXY": "hpx"}

// maxFailures is how many scheduler failures in a row the service takes
// before giving up (the reference's 256).
const maxFailures = 256

// Run is the service while this node leads: it runs the scheduler over st
// (whose owner should be zoom.OwnerClusterContainers) and applies its
// decisions to the container ports, until ctx ends. A scheduler that fails
// (a watch lost to a session expiry...) is restarted, up to 256 times in a
// row.
func Run(ctx context.Context, st *zoom.Store, cfg Config, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	failures := 0
	for {
		apply := newApplier(ctx, st, log, applyWorkers, func(ev Event, err error) {
			if err != nil && ctx.Err() == nil {
				log.Warn("applying a container scheduling decision", "event", ev.String(), "err", err)
			}
		})
		err := NewScheduler(st, cfg, log).Run(ctx, func(ev Event) {
			failures = 0
			log.Debug("container scheduling event", "event", ev.String())
			apply.submit(ev)
		})
		apply.close()
		if ctx.Err() != nil {
			return nil
		}
		failures++
		if failures >= maxFailures {
			return fmt.Errorf("container scheduler failed %d times in a row: %w", failures, err)
		}
		log.Warn("container scheduler failed; restarting it", "failures", failures, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(min(time.Duration(failures)*100*time.Millisecond, 5*time.Second)):
		}
	}
}

// applyWorkers is how many decisions are applied at once (each one
// transaction); those of one container are applied in order. One: binding
// ports updates the hosts' back-references, and concurrent transactions on
// a few hosts conflict (BenchmarkScheduling: 8 workers were 2× slower on
// mem and no faster on ZooKeeper than one).
const applyWorkers = 1

// applier applies decisions on workers, the decisions of one container on
// one worker, in order; done gets each outcome.
type applier struct {
	queues []chan Event
	wg     sync.WaitGroup
}

func newApplier(ctx context.Context, st *zoom.Store, log *slog.Logger, workers int, done func(Event, error)) *applier {
	a := &applier{}
	for range workers {
		q := make(chan Event, 1<<12)
		a.queues = append(a.queues, q)
		a.wg.Go(func() {
			for ev := range q {
				done(ev, Apply(ctx, st, ev, log))
			}
		})
	}
	return a
}

func (a *applier) submit(ev Event) {
	id := ev.Container.GetId().ToGoogle()
	a.queues[int(id[15])%len(a.queues)] <- ev
}

// close waits for the submitted decisions.
func (a *applier) close() {
	for _, q := range a.queues {
		close(q)
	}
	a.wg.Wait()
}

// ErrNoPort: a container without a port cannot be placed.
var ErrNoPort = errors.New("service container is not connected to a port")

// Apply carries out one decision: Schedule binds the container's port to
// the host (naming its interface "<prefix>-<port id[:8]>" if unnamed),
// Unschedule unbinds it if it is still bound there. Containers of unknown
// types are logged and left alone.
func Apply(ctx context.Context, st *zoom.Store, ev Event, log *slog.Logger) error {
	if ev.Kind != Schedule && ev.Kind != Unschedule {
		if ev.Kind == Notify {
			log.Info("container scheduled at a host", "container", ev.Container.GetId().ToGoogle(), "host", ev.Host)
		}
		return nil
	}
	prefix, known := interfacePrefixes[ev.Container.GetServiceType()]
	if !known {
		log.Warn("no delegate for the service container's type; ignoring", "type", ev.Container.GetServiceType(),
			"container", ev.Container.GetId().ToGoogle())
		return nil
	}
	if ev.Container.GetPortId() == nil {
		return fmt.Errorf("container %s: %w", ev.Container.GetId().ToGoogle(), ErrNoPort)
	}
	portID := ev.Container.GetPortId().ToGoogle()
	if ev.Kind == Unschedule {
		err := st.Tx(ctx, func(tx *zoom.Tx) error {
			m, err := tx.Get(&models.Port{}, portID)
			if err != nil {
				return err
			}
			port := m.(*models.Port)
			if port.GetHostId().ToGoogle() != ev.Host {
				return nil // already unbound from that host
			}
			port.HostId = nil
			return tx.Update(port)
		})
		if errors.Is(err, zoom.ErrNotFound) {
			return nil // the port is gone with its binding
		}
		return err
	}
	iface := prefix + "-" + portID.String()[:8]
	log.Info("container scheduled: binding its port", "container", ev.Container.GetId().ToGoogle(), "host", ev.Host,
		"port", portID, "interface", iface)
	return st.Tx(ctx, func(tx *zoom.Tx) error {
		m, err := tx.Get(&models.Port{}, portID)
		if err != nil {
			return err
		}
		port := m.(*models.Port)
		port.HostId = models.UUIDFromGoogle(ev.Host)
		if port.InterfaceName == nil {
			port.InterfaceName = proto.String(iface)
		}
		// The host must exist (the binding would fail anyway). Unlike the
		// reference, which reads every port of the host to log a warning
		// when another one has the same interface name, no scan: it made
		// placing n containers on a host O(n²) reads.
		if _, err := tx.Get(&models.Host{}, ev.Host); err != nil {
			return err
		}
		return tx.Update(port)
	})
}
