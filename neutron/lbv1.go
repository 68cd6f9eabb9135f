package neutron

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// LBaaS v1: a Neutron pool lives on its router's MidoNet load balancer
// (LbV1LoadBalancerID of the router, made with the router's first pool and
// deleted with its last); members, VIPs and health monitors are the MidoNet
// objects of the same ids. The MidoNet status fields (pool member, health
// monitor) belong to the agents' health monitoring, so updates keep them.
// A health monitor takes its pools when it is created (each pool's
// health_monitor_id, mapping status PENDING_CREATE); a pool names none
// and a health monitor update may not change them.

func lbPoolTranslator() *Translator {
	return typed(createLbPool, updateLbPool, deleteLbPool)
}

func createLbPool(v *View, np *models.NeutronLoadBalancerPool) ([]Op, error) {
	if np.GetRouterId() == nil {
		return nil, badRequest("No router ID is specified.")
	}
	if len(np.GetHealthMonitors()) > 0 {
		return nil, badRequest("A health monitor may be associated with a pool only at the time of the health " +
			"monitor's creation.")
	}
	lbID := models.UUIDFromGoogle(LbV1LoadBalancerID(np.GetRouterId().ToGoogle()))
	var ops []Op
	exists, err := v.Exists(&models.LoadBalancer{}, lbID.ToGoogle())
	if err != nil {
		return nil, err
	}
	if !exists {
		ops = append(ops, Create(&models.LoadBalancer{Id: lbID, AdminStateUp: proto.Bool(np.GetAdminStateUp()),
			RouterId: np.GetRouterId()}))
	}
	return append(ops, Create(&models.Pool{Id: np.GetId(), LoadBalancerId: lbID,
		AdminStateUp: proto.Bool(np.GetAdminStateUp())})), nil
}

// updateLbPool changes only the pool's admin state: its load balancer,
// health monitor and mapping status stay (the agents own the latter).
func updateLbPool(_ *View, np, _ *models.NeutronLoadBalancerPool) ([]Op, error) {
	return []Op{Modify(np.GetId().ToGoogle(), func(p *models.Pool) error {
		p.AdminStateUp = proto.Bool(np.GetAdminStateUp())
		return nil
	})}, nil
}

// deleteLbPool deletes the pool (the store cascades to its members and
// VIPs) and, with the router's last pool, the load balancer.
func deleteLbPool(v *View, np *models.NeutronLoadBalancerPool) ([]Op, error) {
	pool, ok, err := getIf[*models.Pool](v, np.GetId().ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	lb, err := get[*models.LoadBalancer](v, pool.GetLoadBalancerId().ToGoogle())
	if err != nil {
		return nil, err
	}
	ops := []Op{Delete(&models.Pool{}, pool.GetId().ToGoogle())}
	if len(lb.GetPoolIds()) == 1 {
		ops = append(ops, Delete(&models.LoadBalancer{}, lb.GetId().ToGoogle()))
	}
	return ops, nil
}

func lbPoolMemberTranslator() *Translator {
	return typed(createLbPoolMember, updateLbPoolMember, deleteLbPoolMember)
}

// lbPoolMember is the MidoNet member of a Neutron one: admin state, port
// and weight always (the Neutron model's primitives), pool and address
// when given.
func lbPoolMember(nm *models.NeutronLoadBalancerPoolMember, status models.LBStatus) *models.PoolMember {
	return &models.PoolMember{Id: nm.GetId(), AdminStateUp: proto.Bool(nm.GetAdminStateUp()),
		ProtocolPort: proto.Int32(nm.GetProtocolPort()), Weight: proto.Int32(nm.GetWeight()), Status: status.Enum(),
		PoolId: nm.GetPoolId(), Address: nm.GetAddress()}
}

func createLbPoolMember(_ *View, nm *models.NeutronLoadBalancerPoolMember) ([]Op, error) {
	return []Op{Create(lbPoolMember(nm, models.LBStatus_ACTIVE))}, nil
}

// updateLbPoolMember replaces the member but keeps the status the health
// monitor set.
func updateLbPoolMember(_ *View, nm, _ *models.NeutronLoadBalancerPoolMember) ([]Op, error) {
	return []Op{Modify(nm.GetId().ToGoogle(), func(m *models.PoolMember) error {
		replace(m, lbPoolMember(nm, m.GetStatus()))
		return nil
	})}, nil
}

func deleteLbPoolMember(_ *View, nm *models.NeutronLoadBalancerPoolMember) ([]Op, error) {
	return []Op{Delete(&models.PoolMember{}, nm.GetId().ToGoogle())}, nil
}

func vipTranslator() *Translator { return typed(createVip, updateVip, deleteVip) }

// lbVip is the MidoNet VIP of a Neutron one; only SOURCE_IP session
// persistence has a MidoNet counterpart, and a persistence without a
// (known) type reads as SOURCE_IP, the enum's default, as the reference's.
func lbVip(nv *models.NeutronVIP) *models.Vip {
	vip := &models.Vip{Id: nv.GetId(), AdminStateUp: proto.Bool(nv.GetAdminStateUp()), Address: nv.GetAddress(),
		PoolId: nv.GetPoolId()}
	if nv.ProtocolPort != nil {
		vip.ProtocolPort = proto.Uint32(uint32(nv.GetProtocolPort()))
	}
	if nv.SessionPersistence != nil && nv.GetSessionPersistence().GetType() == models.NeutronVIP_SessionPersistence_SOURCE_IP {
		vip.SessionPersistence = models.SessionPersistence_SOURCE_IP.Enum()
	}
	return vip
}

// createVip creates the VIP; one of a pool on an external network also
// gets an ARP entry there answering its address with the MAC of the pool
// router's gateway port (the VIP then keeps that port as gateway_port_id).
// A router without a gateway gets none, now or later (as the reference).
func createVip(v *View, nv *models.NeutronVIP) ([]Op, error) {
	vip := lbVip(nv)
	if nv.GetPoolId() == nil {
		return []Op{Create(vip)}, nil
	}
	sn, err := get[*models.NeutronSubnet](v, nv.GetSubnetId().ToGoogle())
	if err != nil {
		return nil, err
	}
	network, err := get[*models.NeutronNetwork](v, sn.GetNetworkId().ToGoogle())
	if err != nil {
		return nil, err
	}
	if !network.GetExternal() {
		return []Op{Create(vip)}, nil
	}
	pool, err := get[*models.NeutronLoadBalancerPool](v, nv.GetPoolId().ToGoogle())
	if err != nil {
		return nil, err
	}
	router, err := get[*models.NeutronRouter](v, pool.GetRouterId().ToGoogle())
	if err != nil {
		return nil, err
	}
	if router.GetGwPortId() == nil {
		return []Op{Create(vip)}, nil
	}
	gw, err := get[*models.NeutronPort](v, router.GetGwPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	path, err := vipArpEntryPath(v, sn.GetNetworkId(), nv.GetAddress(), gw.GetMacAddress())
	if err != nil {
		return nil, err
	}
	vip.GatewayPortId = router.GetGwPortId()
	return []Op{CreateNode(path), Create(vip)}, nil
}

// vipArpEntryPath is the ARP entry of a VIP address; an address that is
// not IPv4 is a bad request (the reference's IPv4Addr parse fails).
func vipArpEntryPath(v *View, network *models.UUID, addr *models.IPAddress, mac string) (string, error) {
	if addr.GetVersion() != models.IPVersion_V4 || addr.GetAddress() == "" {
		return "", badRequest("Invalid IPv4 address of a VIP: %q", addr.GetAddress())
	}
	return arpEntryPath(v, network, addr, mac)
}

// updateVip replaces the VIP, keeping its gateway port; the address may
// not change (the ARP entry is not moved).
func updateVip(_ *View, nv, old *models.NeutronVIP) ([]Op, error) {
	if !proto.Equal(old.GetAddress(), nv.GetAddress()) {
		return nil, badRequest("VIP IP changed from %s to %s", old.GetAddress().GetAddress(),
			nv.GetAddress().GetAddress())
	}
	return []Op{Modify(nv.GetId().ToGoogle(), func(vip *models.Vip) error {
		gw := vip.GetGatewayPortId()
		replace(vip, lbVip(nv))
		vip.GatewayPortId = gw
		return nil
	})}, nil
}

// deleteVip deletes the VIP and its ARP entry. A VIP the store already
// deleted with its pool has nothing left to undo (the reference fails
// such a delete with 404 and the Neutron VIP stays for good).
func deleteVip(v *View, nv *models.NeutronVIP) ([]Op, error) {
	vip, ok, err := getIf[*models.Vip](v, nv.GetId().ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	ops := []Op{Delete(&models.Vip{}, vip.GetId().ToGoogle())}
	if vip.GetGatewayPortId() == nil {
		return ops, nil
	}
	gw, err := get[*models.NeutronPort](v, vip.GetGatewayPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	path, err := vipArpEntryPath(v, gw.GetNetworkId(), vip.GetAddress(), gw.GetMacAddress())
	if err != nil {
		return nil, err
	}
	return append(ops, DeleteNode(path)), nil
}

func healthMonitorTranslator() *Translator {
	return typed(createHealthMonitor, updateHealthMonitor, deleteHealthMonitor)
}

// lbHealthMonitor is the MidoNet health monitor of a Neutron one (type
// and status left to their defaults).
func lbHealthMonitor(nh *models.NeutronHealthMonitor) *models.HealthMonitor {
	return &models.HealthMonitor{Id: nh.GetId(), AdminStateUp: proto.Bool(nh.GetAdminStateUp()),
		Delay: proto.Int32(nh.GetDelay()), MaxRetries: proto.Int32(nh.GetMaxRetries()),
		Timeout: proto.Int32(nh.GetTimeout())}
}

// createHealthMonitor creates the health monitor and makes it the one of
// each of its pools.
func createHealthMonitor(_ *View, nh *models.NeutronHealthMonitor) ([]Op, error) {
	ops := []Op{Create(lbHealthMonitor(nh))}
	for _, p := range nh.GetPools() {
		ops = append(ops, associateHealthMonitor(p.GetPoolId(), nh.GetId()))
	}
	return ops, nil
}

// associateHealthMonitor makes hm the pool's health monitor, its mapping
// pending until the agents' health monitoring takes it.
func associateHealthMonitor(pool, hm *models.UUID) Op {
	return Modify(pool.ToGoogle(), func(p *models.Pool) error {
		p.HealthMonitorId = hm
		p.MappingStatus = models.Pool_PENDING_CREATE.Enum()
		return nil
	})
}

// updateHealthMonitor replaces the health monitor's settings; its pools
// must be the ones it has (409 otherwise) and its status stays.
func updateHealthMonitor(_ *View, nh, _ *models.NeutronHealthMonitor) ([]Op, error) {
	pools := make([]*models.UUID, 0, len(nh.GetPools()))
	for _, p := range nh.GetPools() {
		pools = append(pools, p.GetPoolId())
	}
	return []Op{Modify(nh.GetId().ToGoogle(), func(hm *models.HealthMonitor) error {
		if !slices.EqualFunc(hm.GetPoolIds(), pools, func(a, b *models.UUID) bool { return proto.Equal(a, b) }) {
			return conflict("A health monitor's pool association cannot be changed.")
		}
		status := hm.Status
		replace(hm, lbHealthMonitor(nh))
		hm.PoolIds, hm.Status = pools, status
		return nil
	})}, nil
}

func deleteHealthMonitor(_ *View, nh *models.NeutronHealthMonitor) ([]Op, error) {
	return []Op{Delete(&models.HealthMonitor{}, nh.GetId().ToGoogle())}, nil
}

// replace makes dst a copy of src (an OpModify writing a whole new object
// onto the one the transaction read).
func replace[T proto.Message](dst, src T) {
	proto.Reset(dst)
	proto.Merge(dst, src)
}

// AssociatePoolHealthMonitor makes hm the health monitor of pool (the
// Neutron /lb/pools/{id}/health_monitors association), as a health
// monitor's creation does for its pools; a missing pool or health monitor
// is a *zoom.NotFoundError.
func (s *Service) AssociatePoolHealthMonitor(ctx context.Context, pool, hm uuid.UUID) error {
	return s.st.Tx(ctx, func(tx *zoom.Tx) error {
		if _, err := tx.Get(&models.HealthMonitor{}, hm); err != nil {
			return err
		}
		return Apply(tx, []Op{associateHealthMonitor(models.UUIDFromGoogle(pool), models.UUIDFromGoogle(hm))})
	})
}

// DisassociatePoolHealthMonitor takes hm off pool if it is the pool's
// health monitor; otherwise, or for a missing pool, nothing changes.
func (s *Service) DisassociatePoolHealthMonitor(ctx context.Context, pool, hm uuid.UUID) error {
	return s.st.Tx(ctx, func(tx *zoom.Tx) error {
		return Apply(tx, []Op{modifyIfExists(pool, func(p *models.Pool) error {
			if p.GetHealthMonitorId().Equal(models.UUIDFromGoogle(hm)) {
				p.HealthMonitorId, p.MappingStatus = nil, nil
			}
			return nil
		})})
	})
}
