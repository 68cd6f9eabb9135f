package vxgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

// MinVNI is the smallest VNI the controller accepts: the VNI counter is
// seeded at 10000, so a lower value is not MidoNet's (the reference refuses
// such networks too).
const MinVNI = 10000

// LearnedMACSink receives the MACs a VTEP learned (implemented over the
// bridge state tables by storeMACs).
type LearnedMACSink interface {
	LocalMACsReset(ctx context.Context, vtepID uuid.UUID, macs []LocalMAC)
	LocalMACsChanged(ctx context.Context, vtepID uuid.UUID, changes []LocalMACChange)
}

// VTEPOptions configure RunVTEP.
type VTEPOptions struct {
	Log           *slog.Logger
	Backoff       Backoff
	ProbeInterval time.Duration
	DialTimeout   time.Duration
	// OnSynchronizer, if set, is given the synchronizer once created (tests
	// and benchmarks wait on its generations).
	OnSynchronizer func(*Synchronizer)
}

// ErrVTEPDeleted is returned by RunVTEP when the Vtep object is deleted
// (after the VTEP has been cleaned of MidoNet's logical switches).
var ErrVTEPDeleted = errors.New("vxgw: VTEP deleted")

// RunVTEP controls one VTEP from the store until ctx ends (ownership lost or
// service stopping: the VTEP is left as it is) or the Vtep object is deleted
// (then every MidoNet logical switch is removed from it first). It watches
// the Vtep (bindings), its networks' VNIs and its tunnel zone's flooding
// proxy, and the bound bridges' MAC and IPv4 → MAC tables; converges the
// VTEP to them; writes the MACs it learned into those tables; and publishes
// the `connection_state` and `config` state keys.
func RunVTEP(ctx context.Context, st *zoom.Store, vtepID uuid.UUID, opts VTEPOptions) error {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("vtep_id", vtepID)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	vtepEvents, err := st.Watch(ctx, &models.Vtep{}, vtepID)
	if err != nil {
		return fmt.Errorf("vxgw: watching VTEP %s: %w", vtepID, err)
	}
	first := <-vtepEvents
	vtep, ok := first.Obj.(*models.Vtep)
	if first.Kind != zoom.Created || !ok {
		return fmt.Errorf("vxgw: VTEP %s: unexpected first event %v: %w", vtepID, first.Kind, first.Err)
	}
	endpoint, mgmtIP, err := vtepEndpoint(vtep)
	if err != nil {
		return fmt.Errorf("vxgw: VTEP %s: %w", vtepID, err)
	}
	tzID := vtep.GetTunnelZoneId().ToGoogle()

	macs := newStoreMACs(ctx, st, vtepID, log)
	rep := &storeReporter{st: st, vtepID: vtepID, log: log, learned: macs}
	synchronizer := NewSynchronizer(Config{
		Endpoint: endpoint, ManagementIP: mgmtIP, Reporter: rep, Log: log,
		Backoff: opts.Backoff, ProbeInterval: opts.ProbeInterval, DialTimeout: opts.DialTimeout,
	})
	if opts.OnSynchronizer != nil {
		opts.OnSynchronizer(synchronizer)
	}

	fpEvents, err := st.WatchKey(ctx, midonet.ClusterNamespace, &models.TunnelZone{}, tzID, midonet.FloodingProxyKey)
	if err != nil {
		log.Warn("cannot watch the tunnel zone's flooding proxy; none will be set", "tunnel_zone", tzID, "err", err)
		fpEvents = nil
	}
	fpIP := ""
	if fpEvents != nil { // the first event is the current value
		select {
		case ev, ok := <-fpEvents:
			if ok {
				fpIP = floodingProxyIP(ev, log)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	update := func() {
		want, err := desiredFromStore(ctx, st, vtep, fpIP, macs, log)
		if err != nil {
			log.Warn("reading the VTEP's desired state", "err", err)
			return
		}
		synchronizer.SetDesired(want)
	}
	// The tables are followed before the first connection, so that the
	// learned MACs of the first snapshot have somewhere to go.
	update()
	syncCtx, stopSync := context.WithCancel(context.WithoutCancel(ctx))
	syncDone := make(chan struct{})
	go func() { defer close(syncDone); _ = synchronizer.Run(syncCtx) }()
	stopAndWait := func() { stopSync(); <-syncDone }
	for {
		select {
		case <-ctx.Done():
			// Ownership lost or stopping: disconnect, leave the VTEP alone
			// (the reference cleaned it here as if it had been deleted).
			stopAndWait()
			return ctx.Err()
		case ev, ok := <-vtepEvents:
			if !ok || ev.Kind == zoom.Deleted || ev.Kind == zoom.Failed {
				if ok && ev.Kind == zoom.Failed {
					stopAndWait()
					return fmt.Errorf("vxgw: watching VTEP %s: %w", vtepID, ev.Err)
				}
				if !ok && ctx.Err() != nil {
					stopAndWait()
					return ctx.Err()
				}
				cleanCtx, c := context.WithTimeout(ctx, 30*time.Second)
				err := synchronizer.WaitApplied(cleanCtx, synchronizer.SetDesired(DesiredState{}))
				c()
				stopAndWait()
				if err != nil {
					log.Warn("VTEP deleted; could not remove MidoNet's logical switches from it", "err", err)
				}
				return ErrVTEPDeleted
			}
			if v, ok := ev.Obj.(*models.Vtep); ok {
				vtep = v
			}
			update()
		case ev, ok := <-fpEvents:
			if !ok {
				fpEvents = nil
				continue
			}
			fpIP = floodingProxyIP(ev, log)
			update()
		case <-macs.Changed():
			update()
		}
	}
}

func floodingProxyIP(ev zoom.StateEvent, log *slog.Logger) string {
	if !ev.Value.Exists {
		return ""
	}
	fp, err := ParseFloodingProxy(ev.Value.Value)
	if err != nil {
		log.Warn("ignoring malformed flooding proxy", "err", err)
		return ""
	}
	return fp.IP.String()
}

// vtepEndpoint is the OVSDB address of a Vtep object.
func vtepEndpoint(v *models.Vtep) (endpoint, mgmtIP string, err error) {
	addr, err := v.GetManagementIp().ToAddr()
	if err != nil {
		return "", "", fmt.Errorf("management IP: %w", err)
	}
	port := v.GetManagementPort()
	if port == 0 || port > 65535 {
		return "", "", fmt.Errorf("management port %d out of range", port)
	}
	return "tcp:" + net.JoinHostPort(addr.String(), strconv.Itoa(int(port))), addr.String(), nil
}

// desiredFromStore builds a VTEP's desired state from its bindings.
func desiredFromStore(ctx context.Context, st *zoom.Store, vtep *models.Vtep, fpIP string, macs *storeMACs, log *slog.Logger) (DesiredState, error) {
	want := DesiredState{FloodingProxyIP: fpIP}
	byNetwork := map[uuid.UUID]int{}
	usedPorts := map[uuid.UUID]bool{}
	for _, b := range vtep.GetBindings() {
		nwID := b.GetNetworkId().ToGoogle()
		i, seen := byNetwork[nwID]
		if !seen {
			obj, err := st.Get(ctx, &models.Network{}, nwID)
			if errors.Is(err, zoom.ErrNotFound) {
				log.Warn("binding to a missing network ignored", "network", nwID)
				continue
			}
			if err != nil {
				return DesiredState{}, err
			}
			vni := obj.(*models.Network).GetVni()
			if vni < MinVNI {
				log.Warn("network has no MidoNet VNI; binding ignored", "network", nwID, "vni", vni)
				continue
			}
			nb := NetworkBinding{NetworkID: nwID.String(), VNI: vni}
			remote, err := macs.remoteMACs(ctx, nwID, vtep.GetTunnelZoneId().ToGoogle(), usedPorts)
			if err != nil {
				return DesiredState{}, fmt.Errorf("remote MACs of network %s: %w", nwID, err)
			}
			nb.RemoteMACs = remote
			i = len(want.Networks)
			byNetwork[nwID] = i
			want.Networks = append(want.Networks, nb)
		}
		if b.GetVlanId() > 4095 {
			log.Warn("binding with an invalid VLAN ignored", "port", b.GetPortName(), "vlan", b.GetVlanId())
			continue
		}
		want.Networks[i].Bindings = append(want.Networks[i].Bindings, PortVLAN{PortName: b.GetPortName(), VLAN: uint16(b.GetVlanId())})
	}
	bound := map[uuid.UUID]bool{}
	for id := range byNetwork {
		bound[id] = true
	}
	macs.retain(bound)
	// Keep following the VxLAN ports too (looked up for learned MACs).
	for _, n := range want.Networks {
		if nw, err := uuid.Parse(n.NetworkID); err == nil {
			if p, ok := macs.refreshVxLANPort(ctx, nw); ok {
				usedPorts[p] = true
			}
		}
	}
	macs.retainPorts(usedPorts)
	return want, nil
}

// storeReporter publishes what the synchronizer observes as the Vtep's state
// keys (cluster namespace) and forwards learned MACs.
type storeReporter struct {
	st      *zoom.Store
	vtepID  uuid.UUID
	log     *slog.Logger
	learned LearnedMACSink
}

func (r *storeReporter) setKey(ctx context.Context, key, value string) {
	if _, err := r.st.AddValue(ctx, &models.Vtep{}, r.vtepID, key, value); err != nil && ctx.Err() == nil {
		r.log.Warn("writing VTEP state key", "key", key, "err", err)
	}
}

func (r *storeReporter) ConnectionState(ctx context.Context, state ConnectionState) {
	r.setKey(context.WithoutCancel(ctx), midonet.VtepConnStateKey, state.String())
}

func (r *storeReporter) PhysicalSwitch(ctx context.Context, ps PhysicalSwitch) {
	cfg := &models.VtepConfiguration{Name: proto.String(ps.Name), Description: proto.String(ps.Description)}
	for _, ip := range ps.TunnelIPs {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			r.log.Warn("VTEP reports an invalid tunnel IP", "ip", ip)
			continue
		}
		pa, err := models.IPAddressFromAddr(a)
		if err != nil {
			continue
		}
		cfg.TunnelAddresses = append(cfg.TunnelAddresses, pa)
	}
	text, err := models.Marshal(cfg)
	if err != nil {
		r.log.Warn("encoding VTEP configuration", "err", err)
		return
	}
	r.setKey(ctx, midonet.VtepConfigKey, string(text))
}

func (r *storeReporter) LocalMACsReset(ctx context.Context, macs []LocalMAC) {
	if r.learned != nil {
		r.learned.LocalMACsReset(ctx, r.vtepID, macs)
	}
}

func (r *storeReporter) LocalMACsChanged(ctx context.Context, changes []LocalMACChange) {
	if r.learned != nil {
		r.learned.LocalMACsChanged(ctx, r.vtepID, changes)
	}
}
