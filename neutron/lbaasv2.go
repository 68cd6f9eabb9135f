package neutron

import (
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// LBaaS v2: a load balancer is a MidoNet LoadBalancer on a router of its
// own (LbV2RouterID) whose port peers with the Neutron VIP port, plus an
// HAProxy service container behind a second router port on the
// link-local 169.254.0.0/30; listeners are VIPs, pools pools, members pool
// members, health monitors health monitors. None of the five Neutron
// classes is stored (the reference registers no storage for them):
// updates and deletes work from the MidoNet objects and the id alone.
//
// The router's outbound chain SNATs to the VIP what does not come from
// the VIP nor go to the container; its inbound chain reverses that. The
// routes are the VIP subnet and the container subnet through their ports,
// the default route via the subnet's gateway (the gateway route id, so a
// gateway change moves it) and one per DHCP option 121 route. A subnet
// update replaces the non-gateway routes of every VIP router port on the
// network by the new option 121 routes, as the reference does (which also
// drops the VIP subnet's route).

// The link-local addresses of an LB router's container port (the first
// free /30 of a router without ports, as the reference's
// containers.findLocalSubnet finds it): the router side and the
// container's side.
const (
	lbRouterLocalAddr    = "169.254.0.1"
	lbContainerLocalAddr = "169.254.0.2"
)

const lbLocalPrefixLen = 30

// lbServiceType is the service container type the agents run HAProxy for.
const lbServiceType = "HAPROXY"

func ip4(s string) *models.IPAddress {
	return &models.IPAddress{Version: models.IPVersion_V4.Enum(), Address: proto.String(s)}
}

func lbRouterChainName(lb uuid.UUID) string { return "LB_ROUTER_" + lb.String() }

func loadBalancerV2Translator() *Translator {
	t := typed(createLoadBalancerV2, updateLoadBalancerV2, deleteLoadBalancerV2)
	t.Unregistered = true
	return t
}

func createLoadBalancerV2(v *View, nlb *models.NeutronLoadBalancerV2) ([]Op, error) {
	if nlb.VipPortId == nil || nlb.VipAddress == nil {
		return nil, badRequest("VIP port must be created and specified along with the VIP address.")
	}
	vip, err := models.ParseIPAddress(nlb.GetVipAddress())
	if err != nil {
		return nil, badRequest("Invalid VIP address %s", nlb.GetVipAddress())
	}
	dhcp, err := get[*models.Dhcp](v, nlb.GetVipSubnetId().ToGoogle())
	if err != nil {
		return nil, err
	}
	vipPort, err := get[*models.NeutronPort](v, nlb.GetVipPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	lb := idOf(nlb)
	r := LbV2RouterID(lb)
	rid := uuidOf(r)
	inChain, outChain := InChainID(r), OutChainID(r)
	containerAddr, routerAddr := ip4(lbContainerLocalAddr), ip4(lbRouterLocalAddr)

	start, end := v.nat.ports()
	snat := &models.Rule{Id: uuidOf(LbV2SnatRuleID(r)), ChainId: uuidOf(outChain), Type: models.Rule_NAT_RULE.Enum(),
		Action: models.Rule_ACCEPT.Enum(), RuleData: natTarget(vip, false, start, end)}
	snat.Condition = anyFrag()
	snat.Condition.NwDstIp, snat.Condition.NwDstInv = hostSubnet(containerAddr), proto.Bool(true)
	snat.Condition.NwSrcIp, snat.Condition.NwSrcInv = hostSubnet(vip), proto.Bool(true)
	revSnat := &models.Rule{Id: uuidOf(LbV2RevSnatRuleID(r)), ChainId: uuidOf(inChain),
		Type: models.Rule_NAT_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(), Condition: anyFrag(),
		RuleData: reverseNat(false)}

	// The VIP's router port: unset admin state (the schema's default, up),
	// the Neutron port's MAC as it is, even empty.
	vipRouterPort := &models.Port{Id: uuidOf(RouterInterfacePeerID(nlb.GetVipPortId().ToGoogle())),
		PeerId: nlb.GetVipPortId(), RouterId: rid, PortAddress: vip, PortMac: proto.String(vipPort.GetMacAddress()),
		PortSubnet: []*models.IPSubnet{dhcp.GetSubnetAddress()}}
	containerSubnet := &models.IPSubnet{Version: models.IPVersion_V4.Enum(), Address: proto.String(lbRouterLocalAddr),
		PrefixLength: proto.Uint32(lbLocalPrefixLen)}
	containerPort := &models.Port{Id: uuidOf(LbV2ServiceContainerPortID(r)), RouterId: rid,
		PortSubnet: []*models.IPSubnet{containerSubnet}, PortAddress: routerAddr, PortMac: proto.String(randomMAC())}

	routes := []*models.Route{
		nextHopPortRoute(models.NewUUID(), vipRouterPort.GetId(), nil, dhcp.GetSubnetAddress(), nil),
		nextHopPortRoute(models.NewUUID(), containerPort.GetId(), nil, containerSubnet, nil),
	}
	if dhcp.DefaultGateway != nil {
		gw, err := addrOf(dhcp.GetDefaultGateway())
		if err != nil {
			return nil, err
		}
		def := nextHopPortRoute(uuidOf(GatewayRouteID(idOf(vipRouterPort), gw)), vipRouterPort.GetId(), nil, nil,
			dhcp.GetDefaultGateway())
		def.GatewayDhcpId = dhcp.GetId()
		routes = append(routes, def)
	}
	routes = append(routes, opt121PortRoutes(vipRouterPort.GetId(), dhcp.GetOpt121Routes())...)

	group := uuidOf(LbV2ServiceContainerGroupID(r))
	ops := []Op{
		Create(newChain(inChain, lbRouterChainName(lb))),
		Create(newChain(outChain, lbRouterChainName(lb))),
		Create(snat),
		Create(revSnat),
		Create(&models.Router{Id: rid, InboundFilterId: uuidOf(inChain), OutboundFilterId: uuidOf(outChain),
			AdminStateUp: proto.Bool(nlb.GetAdminStateUp())}),
		Create(&models.LoadBalancer{Id: nlb.GetId(), AdminStateUp: proto.Bool(nlb.GetAdminStateUp()), RouterId: rid,
			ServiceContainerId: uuidOf(LbV2ServiceContainerID(r))}),
		Create(vipRouterPort),
		Create(containerPort),
		Create(&models.ServiceContainerGroup{Id: group}),
		Create(&models.ServiceContainer{Id: uuidOf(LbV2ServiceContainerID(r)), ServiceGroupId: group,
			PortId: containerPort.GetId(), ServiceType: proto.String(lbServiceType), ConfigurationId: nlb.GetId()}),
	}
	return append(ops, creates(routes...)...), nil
}

// opt121PortRoutes are the routes out of port for a DHCP's option 121
// routes (fresh ids).
func opt121PortRoutes(port *models.UUID, opt121 []*models.Dhcp_Opt121Route) []*models.Route {
	routes := make([]*models.Route, 0, len(opt121))
	for _, o := range opt121 {
		dst, gw := proto.Clone(o.GetDstSubnet()).(*models.IPSubnet), proto.Clone(o.GetGateway()).(*models.IPAddress)
		routes = append(routes, nextHopPortRoute(models.NewUUID(), port, nil, dst, gw))
	}
	return routes
}

// updateLoadBalancerV2 changes only the load balancer's admin state (not
// its router's), as the reference.
func updateLoadBalancerV2(v *View, nlb, _ *models.NeutronLoadBalancerV2) ([]Op, error) {
	if _, err := get[*models.LoadBalancer](v, idOf(nlb)); err != nil {
		return nil, err
	}
	up := nlb.GetAdminStateUp()
	return []Op{Modify(idOf(nlb), func(lb *models.LoadBalancer) error {
		lb.AdminStateUp = proto.Bool(up)
		return nil
	})}, nil
}

// deleteLoadBalancerV2 deletes the chains (with their rules), the load
// balancer (with its pools, their members and VIPs), the router (with its
// ports and their routes) and the container group (with the container);
// whatever is missing is skipped.
func deleteLoadBalancerV2(_ *View, nlb *models.NeutronLoadBalancerV2) ([]Op, error) {
	r := LbV2RouterID(idOf(nlb))
	return []Op{
		Delete(&models.Chain{}, InChainID(r)),
		Delete(&models.Chain{}, OutChainID(r)),
		Delete(&models.LoadBalancer{}, idOf(nlb)),
		Delete(&models.Router{}, r),
		Delete(&models.ServiceContainerGroup{}, LbV2ServiceContainerGroupID(r)),
	}, nil
}

// updateLbV2Routes is the part of a subnet update that replaces the routes
// of the load balancers' VIP router ports on the subnet's network: every
// route not through the DHCP's gateway goes, the new DHCP's option 121
// routes come (as the reference's SubnetTranslator does).
func updateLbV2Routes(v *View, s *models.NeutronSubnet, opt121 []*models.Dhcp_Opt121Route) ([]Op, error) {
	net, err := get[*models.Network](v, s.GetNetworkId().ToGoogle())
	if err != nil {
		return nil, err
	}
	var ops []Op
	for _, pid := range net.GetPortIds() {
		np, ok, err := getIf[*models.NeutronPort](v, pid.ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok || !isVipV2Port(np) {
			continue
		}
		port, err := get[*models.Port](v, pid.ToGoogle())
		if err != nil {
			return nil, err
		}
		if port.PeerId == nil {
			continue
		}
		peer, err := get[*models.Port](v, port.GetPeerId().ToGoogle())
		if err != nil {
			return nil, err
		}
		routes, err := getMany[*models.Route](v, peer.GetRouteIds())
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			if r.GatewayDhcpId == nil {
				ops = append(ops, Delete(&models.Route{}, idOf(r)))
			}
		}
		ops = append(ops, creates(opt121PortRoutes(peer.GetId(), opt121)...)...)
	}
	return ops, nil
}

// Listeners are VIPs at the address of the load balancer's VIP router
// port.

func listenerV2Translator() *Translator {
	t := typed(createListenerV2, updateListenerV2, deleteListenerV2)
	t.Unregistered = true
	return t
}

func createListenerV2(v *View, l *models.NeutronLoadBalancerV2Listener) ([]Op, error) {
	if len(l.GetLoadbalancers()) != 1 {
		return nil, badRequest("Listener must have one and only one load balancer ID")
	}
	router, err := get[*models.Router](v, LbV2RouterID(l.GetLoadbalancers()[0].GetId().ToGoogle()))
	if err != nil {
		return nil, err
	}
	ports, err := getMany[*models.Port](v, router.GetPortIds())
	if err != nil {
		return nil, err
	}
	var vipPort *models.Port
	for _, p := range ports {
		if p.PeerId != nil && RouterInterfacePeerID(p.GetPeerId().ToGoogle()) == idOf(p) {
			vipPort = p
			break
		}
	}
	if vipPort == nil {
		return nil, conflict("LB router has no router interface port which links to the VIP port")
	}
	return []Op{Create(&models.Vip{Id: l.GetId(), AdminStateUp: proto.Bool(l.GetAdminStateUp()),
		PoolId: l.GetDefaultPoolId(), ProtocolPort: proto.Uint32(uint32(l.GetProtocolPort())),
		Address: vipPort.GetPortAddress()})}, nil
}

// updateListenerV2 sets the VIP's admin state and pool (none without a
// default pool).
func updateListenerV2(v *View, l, _ *models.NeutronLoadBalancerV2Listener) ([]Op, error) {
	if _, err := get[*models.Vip](v, idOf(l)); err != nil {
		return nil, err
	}
	up, pool := l.GetAdminStateUp(), l.GetDefaultPoolId()
	return []Op{Modify(idOf(l), func(vip *models.Vip) error {
		vip.AdminStateUp, vip.PoolId = proto.Bool(up), pool
		return nil
	})}, nil
}

func deleteListenerV2(_ *View, l *models.NeutronLoadBalancerV2Listener) ([]Op, error) {
	return []Op{Delete(&models.Vip{}, idOf(l))}, nil
}

// Pools: round robin over TCP only, session persistence by source IP only.

func poolV2Translator() *Translator {
	t := typed(createPoolV2, updatePoolV2, deletePoolV2)
	t.Unregistered = true
	return t
}

func poolLbMethod(p *models.NeutronLoadBalancerV2Pool) (*models.Pool_PoolLBMethod, error) {
	if alg := p.GetLbAlgorithm(); alg != models.NeutronLoadBalancerV2Pool_ROUND_ROBIN {
		return nil, badRequest("Unsupported load balancer algorithm: %s", alg)
	}
	return models.Pool_ROUND_ROBIN.Enum(), nil
}

// poolSessionPersistence is nil without session persistence.
func poolSessionPersistence(p *models.NeutronLoadBalancerV2Pool) (*models.SessionPersistence, error) {
	if p.SessionPersistence == nil {
		return nil, nil
	}
	if typ := p.GetSessionPersistence().GetType(); typ != models.NeutronLoadBalancerV2Pool_SOURCE_IP {
		return nil, badRequest("Unsupported session persistence type: %s", typ)
	}
	return models.SessionPersistence_SOURCE_IP.Enum(), nil
}

func createPoolV2(_ *View, p *models.NeutronLoadBalancerV2Pool) ([]Op, error) {
	if len(p.GetLoadbalancers()) != 1 {
		return nil, badRequest("A LBaaS V2 pool must have one and only one Load Balancer parent")
	}
	method, err := poolLbMethod(p)
	if err != nil {
		return nil, err
	}
	if prot := p.GetProtocol(); prot != models.NeutronLoadBalancerV2Pool_TCP {
		return nil, badRequest("Unsupported protocol: %s", prot)
	}
	sp, err := poolSessionPersistence(p)
	if err != nil {
		return nil, err
	}
	pool := &models.Pool{Id: p.GetId(), AdminStateUp: proto.Bool(p.GetAdminStateUp()),
		HealthMonitorId: p.GetHealthmonitorId(), LoadBalancerId: uuidOf(p.GetLoadbalancers()[0].GetId().ToGoogle()),
		LbMethod: method, Protocol: models.Pool_TCP.Enum(), SessionPersistence: sp}
	if p.ListenerId != nil {
		pool.VipIds = []*models.UUID{p.GetListenerId()}
	}
	return []Op{Create(pool)}, nil
}

// updatePoolV2 sets the admin state, method and session persistence
// (cleared when absent); the protocol, health monitor and VIPs stay.
func updatePoolV2(v *View, p, _ *models.NeutronLoadBalancerV2Pool) ([]Op, error) {
	if _, err := get[*models.Pool](v, idOf(p)); err != nil {
		return nil, err
	}
	method, err := poolLbMethod(p)
	if err != nil {
		return nil, err
	}
	sp, err := poolSessionPersistence(p)
	if err != nil {
		return nil, err
	}
	up := p.GetAdminStateUp()
	return []Op{Modify(idOf(p), func(pool *models.Pool) error {
		pool.AdminStateUp, pool.LbMethod, pool.SessionPersistence = proto.Bool(up), method, sp
		return nil
	})}, nil
}

// deletePoolV2 first takes the pool's VIPs off it, so its delete does not
// cascade to them; a missing pool is a not-found error (the reference
// reads it).
func deletePoolV2(v *View, p *models.NeutronLoadBalancerV2Pool) ([]Op, error) {
	if _, err := get[*models.Pool](v, idOf(p)); err != nil {
		return nil, err
	}
	return []Op{
		Modify(idOf(p), func(pool *models.Pool) error {
			pool.VipIds = nil
			return nil
		}),
		Delete(&models.Pool{}, idOf(p)),
	}, nil
}

// Pool members: monitored by default; updates change the admin state and
// weight only.

func poolMemberV2Translator() *Translator {
	t := typed(createPoolMemberV2, updatePoolMemberV2, deletePoolMemberV2)
	t.Unregistered = true
	return t
}

// createPoolMemberV2 refuses a member without an address with a 400 (the
// reference's translation builds an uninitialised address and answers
// 500).
func createPoolMemberV2(_ *View, m *models.NeutronLoadBalancerV2PoolMember) ([]Op, error) {
	if m.Address == nil {
		return nil, badRequest("A pool member must have an address")
	}
	return []Op{Create(&models.PoolMember{Id: m.GetId(), Address: m.GetAddress(), AdminStateUp: proto.Bool(m.GetAdminStateUp()),
		PoolId: uuidOf(m.GetPoolId().ToGoogle()), ProtocolPort: proto.Int32(m.GetProtocolPort()),
		Status: models.LBStatus_MONITORED.Enum(), Weight: proto.Int32(m.GetWeight())})}, nil
}

func updatePoolMemberV2(v *View, m, _ *models.NeutronLoadBalancerV2PoolMember) ([]Op, error) {
	if _, err := get[*models.PoolMember](v, idOf(m)); err != nil {
		return nil, err
	}
	up, weight := m.GetAdminStateUp(), m.GetWeight()
	return []Op{Modify(idOf(m), func(pm *models.PoolMember) error {
		pm.AdminStateUp, pm.Weight = proto.Bool(up), proto.Int32(weight)
		return nil
	})}, nil
}

func deletePoolMemberV2(_ *View, m *models.NeutronLoadBalancerV2PoolMember) ([]Op, error) {
	return []Op{Delete(&models.PoolMember{}, idOf(m))}, nil
}

// Health monitors: the pools listed get the monitor through the binding;
// updates change the admin state and timings only.

func healthMonitorV2Translator() *Translator {
	t := typed(createHealthMonitorV2, updateHealthMonitorV2, deleteHealthMonitorV2)
	t.Unregistered = true
	return t
}

func createHealthMonitorV2(_ *View, hm *models.NeutronHealthMonitorV2) ([]Op, error) {
	pools := make([]*models.UUID, 0, len(hm.GetPools()))
	for _, p := range hm.GetPools() {
		pools = append(pools, uuidOf(p.GetId().ToGoogle()))
	}
	return []Op{Create(&models.HealthMonitor{Id: hm.GetId(), AdminStateUp: proto.Bool(hm.GetAdminStateUp()),
		Delay: proto.Int32(hm.GetDelay()), MaxRetries: proto.Int32(hm.GetMaxRetries()),
		Timeout: proto.Int32(hm.GetTimeout()), PoolIds: pools})}, nil
}

func updateHealthMonitorV2(v *View, hm, _ *models.NeutronHealthMonitorV2) ([]Op, error) {
	if _, err := get[*models.HealthMonitor](v, idOf(hm)); err != nil {
		return nil, err
	}
	up, delay, timeout, retries := hm.GetAdminStateUp(), hm.GetDelay(), hm.GetTimeout(), hm.GetMaxRetries()
	return []Op{Modify(idOf(hm), func(m *models.HealthMonitor) error {
		m.AdminStateUp, m.Delay, m.Timeout, m.MaxRetries = proto.Bool(up), proto.Int32(delay), proto.Int32(timeout),
			proto.Int32(retries)
		return nil
	})}, nil
}

func deleteHealthMonitorV2(_ *View, hm *models.NeutronHealthMonitorV2) ([]Op, error) {
	return []Op{Delete(&models.HealthMonitor{}, idOf(hm))}, nil
}
