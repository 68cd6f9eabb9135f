package vxgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// RunFloodingProxyManager chooses the flooding proxy of every VTEP tunnel
// zone and publishes it as the zone's `flooding_proxy` state key, until ctx
// ends. It must run on one node only (under the cluster's leader latch):
// the keys are ephemeral to its session, so they vanish with it until the
// next leader publishes them again. It recomputes whenever a tunnel zone or
// a host changes or a host's `alive` key appears or goes.
func RunFloodingProxyManager(ctx context.Context, st *zoom.Store, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := &fpManager{
		st: st, log: log, wake: make(chan struct{}, 1),
		zones: map[uuid.UUID]*models.TunnelZone{}, hosts: map[uuid.UUID]*models.Host{},
		alive: map[uuid.UUID]bool{}, aliveWatch: map[uuid.UUID]context.CancelFunc{},
		published: map[uuid.UUID]FloodingProxy{},
	}
	zones, err := st.WatchClass(ctx, &models.TunnelZone{})
	if err != nil {
		return fmt.Errorf("vxgw: watching tunnel zones: %w", err)
	}
	hosts, err := st.WatchClass(ctx, &models.Host{})
	if err != nil {
		return fmt.Errorf("vxgw: watching hosts: %w", err)
	}
	defer m.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-zones:
			if !ok {
				return fmt.Errorf("vxgw: tunnel zone watch ended: %w", context.Cause(ctx))
			}
			m.zoneEvent(ev)
		case ev, ok := <-hosts:
			if !ok {
				return fmt.Errorf("vxgw: host watch ended: %w", context.Cause(ctx))
			}
			m.hostEvent(ctx, ev)
		case <-m.wake:
		}
		m.recompute(ctx)
	}
}

type fpManager struct {
	st   *zoom.Store
	log  *slog.Logger
	wake chan struct{}
	wg   sync.WaitGroup

	zones      map[uuid.UUID]*models.TunnelZone
	hosts      map[uuid.UUID]*models.Host
	aliveWatch map[uuid.UUID]context.CancelFunc
	published  map[uuid.UUID]FloodingProxy

	mu    sync.Mutex
	alive map[uuid.UUID]bool
}

func (m *fpManager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *fpManager) zoneEvent(ev zoom.ObjectEvent) {
	id, err := uuid.Parse(ev.ID)
	if err != nil {
		return
	}
	switch ev.Kind {
	case zoom.Created, zoom.Updated:
		if tz, ok := ev.Obj.(*models.TunnelZone); ok {
			m.zones[id] = tz
		}
	case zoom.Deleted:
		delete(m.zones, id)
		delete(m.published, id) // its state keys went with it
	case zoom.Failed:
		m.log.Warn("tunnel zone watch failed", "tunnel_zone", id, "err", ev.Err)
	}
}

func (m *fpManager) hostEvent(ctx context.Context, ev zoom.ObjectEvent) {
	id, err := uuid.Parse(ev.ID)
	if err != nil {
		return
	}
	switch ev.Kind {
	case zoom.Created, zoom.Updated:
		if h, ok := ev.Obj.(*models.Host); ok {
			m.hosts[id] = h
		}
		if _, watching := m.aliveWatch[id]; !watching {
			m.watchAlive(ctx, id)
		}
	case zoom.Deleted, zoom.Failed:
		delete(m.hosts, id)
		if stop, ok := m.aliveWatch[id]; ok {
			stop()
			delete(m.aliveWatch, id)
		}
		m.mu.Lock()
		delete(m.alive, id)
		m.mu.Unlock()
	}
}

// watchAlive follows the host's `alive` key in the host's own namespace
// (written by its agent).
func (m *fpManager) watchAlive(ctx context.Context, id uuid.UUID) {
	wctx, stop := context.WithCancel(ctx)
	m.aliveWatch[id] = stop
	events, err := m.st.WatchKey(wctx, id.String(), &models.Host{}, id, midonet.AliveKey)
	if err != nil {
		if !errors.Is(err, zoom.ErrNotFound) {
			m.log.Warn("cannot watch host liveness", "host", id, "err", err)
		}
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for ev := range events {
			m.mu.Lock()
			changed := m.alive[id] != ev.Value.Exists
			m.alive[id] = ev.Value.Exists
			m.mu.Unlock()
			if changed {
				m.poke()
			}
		}
	}()
}

func (m *fpManager) isAlive(id uuid.UUID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.alive[id]
}

// retryLater recomputes after a pause (a failed state write is retried,
// as the reference does).
func (m *fpManager) retryLater(ctx context.Context) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if sleep(ctx, time.Second) {
			m.poke()
		}
	}()
}

// recompute publishes every VTEP zone's proxy that changed.
func (m *fpManager) recompute(ctx context.Context) {
	for tzID, tz := range m.zones {
		if tz.GetType() != models.TunnelZone_VTEP {
			if fp, ok := m.published[tzID]; ok { // the zone stopped being a VTEP zone
				if _, err := m.st.RemoveValue(ctx, &models.TunnelZone{}, tzID, midonet.FloodingProxyKey, fp.String()); err != nil {
					m.log.Warn("removing flooding proxy", "tunnel_zone", tzID, "err", err)
					m.retryLater(ctx)
					continue
				}
				delete(m.published, tzID)
			}
			continue
		}
		var cands []FloodingProxyCandidate
		for _, h := range tz.GetHosts() {
			hostID := h.GetHostId().ToGoogle()
			host, ok := m.hosts[hostID]
			if !ok {
				continue
			}
			ip, err := h.GetIp().ToAddr()
			if err != nil {
				continue
			}
			cands = append(cands, FloodingProxyCandidate{
				HostID: hostID.String(), IP: ip, Weight: host.GetFloodingProxyWeight(), Alive: m.isAlive(hostID),
			})
		}
		var current *FloodingProxy
		if fp, ok := m.published[tzID]; ok {
			current = &fp
		}
		fp, ok := ChooseFloodingProxy(current, cands, nil)
		switch {
		case ok && (current == nil || *current != fp):
			if _, err := m.st.AddValue(ctx, &models.TunnelZone{}, tzID, midonet.FloodingProxyKey, fp.String()); err != nil {
				m.log.Warn("publishing flooding proxy", "tunnel_zone", tzID, "err", err)
				delete(m.published, tzID)
				m.retryLater(ctx)
				continue
			}
			m.log.Info("flooding proxy chosen", "tunnel_zone", tzID, "proxy", fp.String())
			m.published[tzID] = fp
		case !ok && current != nil:
			if _, err := m.st.RemoveValue(ctx, &models.TunnelZone{}, tzID, midonet.FloodingProxyKey, current.String()); err != nil {
				m.log.Warn("removing flooding proxy", "tunnel_zone", tzID, "err", err)
				m.retryLater(ctx)
				continue
			}
			m.log.Info("no eligible flooding proxy", "tunnel_zone", tzID)
			delete(m.published, tzID)
		}
	}
}
