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

// LearnedMACSink receives the MACs a VTEP learned, to be written into the
// bridge MAC table (as persistent entries pointing at the VxLAN port) and the
// ARP table. It is the seam for the state tables; nil drops them.
type LearnedMACSink interface {
	LocalMACsReset(ctx context.Context, vtepID uuid.UUID, macs []LocalMAC)
	LocalMACChanged(ctx context.Context, vtepID uuid.UUID, old, new *LocalMAC)
}

// RemoteMACSource supplies, per bound network, the MACs of MidoNet ports with
// the tunnel IP of their host in the VTEP's tunnel zone (from the bridge MAC
// and ARP tables). Changed is signalled whenever any may have changed. It is
// the seam for the state tables; nil means no remote MACs (the VTEP floods
// everything to the flooding proxy).
type RemoteMACSource interface {
	RemoteMACs(ctx context.Context, networkID uuid.UUID, tunnelZoneID uuid.UUID) ([]RemoteMAC, error)
	Changed() <-chan struct{}
}

// VTEPOptions configure RunVTEP.
type VTEPOptions struct {
	Log           *slog.Logger
	Backoff       Backoff
	ProbeInterval time.Duration
	DialTimeout   time.Duration
	LearnedMACs   LearnedMACSink
	RemoteMACs    RemoteMACSource
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
// proxy, converges the VTEP to them, and publishes the `connection_state`
// and `config` state keys.
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

	rep := &storeReporter{st: st, vtepID: vtepID, log: log, learned: opts.LearnedMACs}
	sync := NewSynchronizer(Config{
		Endpoint: endpoint, ManagementIP: mgmtIP, Reporter: rep, Log: log,
		Backoff: opts.Backoff, ProbeInterval: opts.ProbeInterval, DialTimeout: opts.DialTimeout,
	})
	if opts.OnSynchronizer != nil {
		opts.OnSynchronizer(sync)
	}
	syncCtx, stopSync := context.WithCancel(context.WithoutCancel(ctx))
	syncDone := make(chan struct{})
	go func() { defer close(syncDone); _ = sync.Run(syncCtx) }()
	stopAndWait := func() { stopSync(); <-syncDone }

	fpEvents, err := st.WatchKey(ctx, midonet.ClusterNamespace, &models.TunnelZone{}, tzID, midonet.FloodingProxyKey)
	if err != nil {
		log.Warn("cannot watch the tunnel zone's flooding proxy; none will be set", "tunnel_zone", tzID, "error", err)
		fpEvents = nil
	}
	var macChanges <-chan struct{}
	if opts.RemoteMACs != nil {
		macChanges = opts.RemoteMACs.Changed()
	}

	fpIP := ""
	update := func() {
		want, err := desiredFromStore(ctx, st, vtep, fpIP, opts.RemoteMACs, log)
		if err != nil {
			log.Warn("reading the VTEP's desired state", "error", err)
			return
		}
		sync.SetDesired(want)
	}
	update()
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
				err := sync.WaitApplied(cleanCtx, sync.SetDesired(DesiredState{}))
				c()
				stopAndWait()
				if err != nil {
					log.Warn("VTEP deleted; could not remove MidoNet's logical switches from it", "error", err)
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
			fpIP = ""
			if ev.Value.Exists {
				if fp, err := ParseFloodingProxy(ev.Value.Value); err == nil {
					fpIP = fp.IP.String()
				} else {
					log.Warn("ignoring malformed flooding proxy", "error", err)
				}
			}
			update()
		case <-macChanges:
			update()
		}
	}
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
func desiredFromStore(ctx context.Context, st *zoom.Store, vtep *models.Vtep, fpIP string, macs RemoteMACSource, log *slog.Logger) (DesiredState, error) {
	want := DesiredState{FloodingProxyIP: fpIP}
	byNetwork := map[uuid.UUID]int{}
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
			if macs != nil {
				remote, err := macs.RemoteMACs(ctx, nwID, vtep.GetTunnelZoneId().ToGoogle())
				if err != nil {
					return DesiredState{}, fmt.Errorf("remote MACs of network %s: %w", nwID, err)
				}
				nb.RemoteMACs = remote
			}
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
		r.log.Warn("writing VTEP state key", "key", key, "error", err)
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
		r.log.Warn("encoding VTEP configuration", "error", err)
		return
	}
	r.setKey(ctx, midonet.VtepConfigKey, string(text))
}

func (r *storeReporter) LocalMACsReset(ctx context.Context, macs []LocalMAC) {
	if r.learned != nil {
		r.learned.LocalMACsReset(ctx, r.vtepID, macs)
	}
}

func (r *storeReporter) LocalMACChanged(ctx context.Context, old, new *LocalMAC) {
	if r.learned != nil {
		r.learned.LocalMACChanged(ctx, r.vtepID, old, new)
	}
}
