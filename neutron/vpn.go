package neutron

import (
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// VPNaaS: a VPN service is stored with its router's external IP (the
// first fixed IP of the router's gateway port, IPv4 only; later services
// of the router copy the first one's IP and container). The first IPsec
// site connection of a router's services creates the router's IPsec
// service container: a router port on a free 169.254.x.y/30 (interface
// "vpn-<port id[:8]>") with its local route and a route to the /30, a
// container group (least scheduler) and an "IPSEC" container configured
// with the router's id, which the cluster's container service schedules
// onto a host; and three redirect rules in the router's local redirect
// chain (created when the router has none) sending ESP, UDP 500 and UDP
// 4500 addressed to the external IP to the container's port. Every
// connection routes each (local CIDR, peer CIDR) pair through the
// container (169.254.x.y+2); an update keeps the routes of pairs that
// stay. The last connection of the router's services removes the
// container, its port, group and redirect rules (the chain too when
// nothing else is left in it). A new fixed IP of the gateway port moves
// the services' external IP and the redirect rules with it. All as the
// reference's VpnServiceTranslator, IPSecSiteConnectionTranslator and
// PortTranslator do, with the same objects and fields (container, group,
// port, rule and route ids are random, as there).

// VpnServiceType is the service type of an IPsec VPN container.
const VpnServiceType = "IPSEC"

// VpnContainerRouteID is the route of a router's VPN container port to the
// container's /30.
func VpnContainerRouteID(container uuid.UUID) uuid.UUID {
	return XorID(container, 0x645a41fb3e1641a3, 0x90d28456127bee31)
}

func vpnServiceTranslator() *Translator {
	t := typed(createVpnService, updateVpnService, deleteVpnService)
	t.SelfStored = true
	return t
}

// createVpnService stores the service with the external IP (and the
// container of the router's other services, if any).
func createVpnService(v *View, vpn *models.VpnService) ([]Op, error) {
	router, err := get[*models.Router](v, vpn.GetRouterId().ToGoogle())
	if err != nil {
		return nil, err
	}
	stored := proto.Clone(vpn).(*models.VpnService)
	if len(router.GetVpnServiceIds()) > 0 {
		first, err := get[*models.VpnService](v, router.GetVpnServiceIds()[0].ToGoogle())
		if err != nil {
			return nil, err
		}
		stored.ExternalIp, stored.ContainerId = first.GetExternalIp(), first.GetContainerId()
		return []Op{Create(stored)}, nil
	}
	nr, err := get[*models.NeutronRouter](v, router.GetId().ToGoogle())
	if err != nil {
		return nil, err
	}
	if nr.GwPortId == nil {
		return nil, badRequest("Cannot discover gateway port of router")
	}
	gw, err := get[*models.NeutronPort](v, nr.GetGwPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	if len(gw.GetFixedIps()) == 0 {
		return nil, badRequest("Cannot discover gateway IP of router")
	}
	ext := gw.GetFixedIps()[0].GetIpAddress()
	if ext.GetVersion() != models.IPVersion_V4 {
		return nil, badRequest("Only IPv4 endpoints are currently supported")
	}
	stored.ExternalIp = ext
	return []Op{Create(stored)}, nil
}

// updateVpnService stores the Neutron fields and keeps what the
// translation maintains (external IP, container, connections).
func updateVpnService(_ *View, vpn, old *models.VpnService) ([]Op, error) {
	stored := proto.Clone(vpn).(*models.VpnService)
	stored.ExternalIp, stored.ContainerId = old.GetExternalIp(), old.GetContainerId()
	stored.IpsecSiteConnectionIds = old.GetIpsecSiteConnectionIds()
	return []Op{Update(stored)}, nil
}

// deleteVpnService deletes the service (its connections and their routes
// go with it); the container stays for the last connection's delete to
// remove, as the reference leaves it (Neutron deletes the connections
// first).
func deleteVpnService(_ *View, vpn *models.VpnService) ([]Op, error) {
	return []Op{Delete(&models.VpnService{}, idOf(vpn))}, nil
}

func ipsecSiteConnectionTranslator() *Translator {
	t := typed(createIPSecSiteConnection, updateIPSecSiteConnection, deleteIPSecSiteConnection)
	t.SelfStored = true
	return t
}

// vpnContainerPort is the router port of a VPN container and its /30.
type vpnContainerPort struct {
	id     *models.UUID
	subnet netip.Prefix // the router port's address (.1) and length
}

func createIPSecSiteConnection(v *View, c *models.IPSecSiteConnection) ([]Op, error) {
	vpn, err := get[*models.VpnService](v, c.GetVpnserviceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	var ops []Op
	var port vpnContainerPort
	if vpn.ContainerId != nil {
		if port, err = vpnContainerPortOf(v, vpn.GetContainerId()); err != nil {
			return nil, err
		}
	} else if ops, port, err = createVpnContainer(v, vpn); err != nil {
		return nil, err
	}
	ops = append(ops, Create(c))
	return append(ops, creates(vpnRoutes(c, port)...)...), nil
}

// vpnContainerPortOf reads the port of a container and its first IPv4
// subnet (invalid when it has none: the connection then gets no routes).
func vpnContainerPortOf(v *View, container *models.UUID) (vpnContainerPort, error) {
	sc, err := get[*models.ServiceContainer](v, container.ToGoogle())
	if err != nil {
		return vpnContainerPort{}, err
	}
	p, err := get[*models.Port](v, sc.GetPortId().ToGoogle())
	if err != nil {
		return vpnContainerPort{}, err
	}
	out := vpnContainerPort{id: p.GetId()}
	for _, sn := range p.GetPortSubnet() {
		if pfx, err := sn.ToPrefix(); err == nil && pfx.Addr().Is4() {
			out.subnet = pfx
			break
		}
	}
	return out, nil
}

// createVpnContainer is the router's IPsec container with its port,
// routes, group and redirect rules; every VPN service of the router gets
// the container.
func createVpnContainer(v *View, vpn *models.VpnService) ([]Op, vpnContainerPort, error) {
	router, err := get[*models.Router](v, vpn.GetRouterId().ToGoogle())
	if err != nil {
		return nil, vpnContainerPort{}, err
	}
	local, err := freeLocalSubnet(v, router)
	if err != nil {
		return nil, vpnContainerPort{}, err
	}
	container, portID := models.NewUUID(), uuid.New()
	portSubnet, err := models.IPSubnetFromPrefix(local)
	if err != nil {
		return nil, vpnContainerPort{}, err
	}
	key, err := v.NextTunnelKey()
	if err != nil {
		return nil, vpnContainerPort{}, err
	}
	port := &models.Port{Id: uuidOf(portID), RouterId: router.GetId(), PortSubnet: []*models.IPSubnet{portSubnet},
		PortAddress: &models.IPAddress{Version: models.IPVersion_V4.Enum(), Address: proto.String(local.Addr().String())},
		PortMac:     proto.String(randomMAC()), InterfaceName: proto.String("vpn-" + portID.String()[:8])}
	if key != 0 {
		port.TunnelKey = proto.Uint64(uint64(key))
	}
	containerNet, err := models.IPSubnetFromPrefix(local.Masked())
	if err != nil {
		return nil, vpnContainerPort{}, err
	}
	toContainer := nextHopPortRoute(uuidOf(VpnContainerRouteID(container.ToGoogle())), port.GetId(), nil, containerNet, nil)
	localRt, err := localRoute(port.GetId(), port.GetPortAddress())
	if err != nil {
		return nil, vpnContainerPort{}, err
	}

	chain, ops := localRedirectChain(router)
	ops = append(ops, creates(vpnRedirectRules(chain, vpn.GetExternalIp(), port.GetId())...)...)
	for _, s := range router.GetVpnServiceIds() {
		ops = append(ops, Modify(s.ToGoogle(), func(s *models.VpnService) error { s.ContainerId = container; return nil }))
	}
	group := &models.ServiceContainerGroup{Id: models.NewUUID(), Policy: models.ServiceContainerPolicy_LEAST_SCHEDULER.Enum()}
	ops = append(ops, Create(port), Create(toContainer), Create(localRt), Create(group),
		Create(&models.ServiceContainer{Id: container, ServiceGroupId: group.GetId(), PortId: port.GetId(),
			ServiceType: proto.String(VpnServiceType), ConfigurationId: router.GetId()}))
	return ops, vpnContainerPort{id: port.GetId(), subnet: local}, nil
}

// vpnRedirectRules send ESP, IKE (UDP 500) and IKE NAT traversal (UDP
// 4500) addressed to the external IP to the container's port.
func vpnRedirectRules(chain uuid.UUID, ext *models.IPAddress, port *models.UUID) []*models.Rule {
	rule := func(nwProto, tpDst int32) *models.Rule {
		r := newRule(chain, models.Rule_L2TRANSFORM_RULE, models.Rule_REDIRECT)
		r.RuleData = &models.Rule_TransformRuleData{TransformRuleData: &models.Rule_L2TransformRuleData{TargetPortId: port}}
		r.Condition = &models.Condition{NwDstIp: hostSubnet(ext), NwProto: proto.Int32(nwProto)}
		if tpDst != 0 {
			r.Condition.TpDst = &models.Int32Range{Start: proto.Int32(tpDst), End: proto.Int32(tpDst)}
		}
		return r
	}
	return []*models.Rule{rule(50, 0), rule(17, 500), rule(17, 4500)}
}

// isVpnRedirectRule: a redirect rule for the endpoint ext matching ESP,
// UDP 500 or UDP 4500 (none inverted).
func isVpnRedirectRule(r *models.Rule, ext *models.IPAddress) bool {
	c := r.GetCondition()
	if r.GetType() != models.Rule_L2TRANSFORM_RULE || r.GetAction() != models.Rule_REDIRECT ||
		c.NwDstIp == nil || !proto.Equal(c.GetNwDstIp(), hostSubnet(ext)) || c.NwProto == nil || c.GetNwProtoInv() {
		return false
	}
	udpTo := func(port int32) bool {
		return c.GetTpDst().GetStart() == port && c.GetTpDst().GetEnd() == port && !c.GetTpDstInv()
	}
	switch c.GetNwProto() {
	case 50:
		return true
	case 17:
		return udpTo(500) || udpTo(4500)
	}
	return false
}

// vpnRoutes route each (local CIDR, peer CIDR) pair of the connection to
// the container; none when the container port has no IPv4 subnet.
func vpnRoutes(c *models.IPSecSiteConnection, port vpnContainerPort) []*models.Route {
	if !port.subnet.IsValid() {
		return nil
	}
	a := port.subnet.Masked().Addr().As4()
	a[3] += 2 // the container's end of the /30
	gw := &models.IPAddress{Version: models.IPVersion_V4.Enum(), Address: proto.String(netip.AddrFrom4(a).String())}
	var out []*models.Route
	for _, local := range c.GetLocalCidrs() {
		for _, peer := range c.GetPeerCidrs() {
			r := nextHopPortRoute(models.NewUUID(), port.id, local, peer, gw)
			r.IpsecSiteConnectionId = c.GetId()
			out = append(out, r)
		}
	}
	return out
}

// updateIPSecSiteConnection stores the connection and replaces the routes
// of pairs it no longer has with routes of its new pairs.
func updateIPSecSiteConnection(v *View, c, old *models.IPSecSiteConnection) ([]Op, error) {
	vpn, err := get[*models.VpnService](v, c.GetVpnserviceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	port, err := vpnContainerPortOf(v, vpn.GetContainerId())
	if err != nil {
		return nil, err
	}
	oldRoutes, err := getMany[*models.Route](v, old.GetRouteIds())
	if err != nil {
		return nil, err
	}
	newRoutes := vpnRoutes(c, port)
	samePair := func(a *models.Route) func(*models.Route) bool {
		return func(b *models.Route) bool {
			return proto.Equal(a.GetSrcSubnet(), b.GetSrcSubnet()) && proto.Equal(a.GetDstSubnet(), b.GetDstSubnet())
		}
	}
	var ops []Op
	for _, r := range oldRoutes {
		if !slices.ContainsFunc(newRoutes, samePair(r)) {
			ops = append(ops, Delete(&models.Route{}, idOf(r)))
		}
	}
	for _, r := range newRoutes {
		if !slices.ContainsFunc(oldRoutes, samePair(r)) {
			ops = append(ops, Create(r))
		}
	}
	// The routes' bindings keep route_ids as the ops above leave them.
	return append(ops, Modify(idOf(c), func(stored *models.IPSecSiteConnection) error {
		routes := stored.RouteIds
		proto.Reset(stored)
		proto.Merge(stored, c)
		stored.RouteIds = routes
		return nil
	})), nil
}

// deleteIPSecSiteConnection deletes the connection and its routes, and
// the router's VPN container when no service of the router has a
// connection left.
func deleteIPSecSiteConnection(v *View, c *models.IPSecSiteConnection) ([]Op, error) {
	ops := []Op{Delete(&models.IPSecSiteConnection{}, idOf(c))}
	vpn, ok, err := getIf[*models.VpnService](v, c.GetVpnserviceId().ToGoogle())
	if err != nil || !ok {
		return ops, err
	}
	router, err := get[*models.Router](v, vpn.GetRouterId().ToGoogle())
	if err != nil {
		return nil, err
	}
	services, err := getMany[*models.VpnService](v, router.GetVpnServiceIds())
	if err != nil {
		return nil, err
	}
	for _, s := range services {
		left := slices.DeleteFunc(slices.Clone(s.GetIpsecSiteConnectionIds()), c.GetId().Equal)
		if !proto.Equal(s.GetContainerId(), vpn.GetContainerId()) || len(left) > 0 {
			return ops, nil
		}
	}
	more, err := deleteVpnContainer(v, router, vpn)
	if err != nil {
		return nil, err
	}
	return append(ops, more...), nil
}

// deleteVpnContainer removes the router's VPN redirect rules (and the
// local redirect chain if nothing else is in it), the container's port
// (the container and the port's routes go with it) and group, and the
// services' container id.
func deleteVpnContainer(v *View, router *models.Router, vpn *models.VpnService) ([]Op, error) {
	var ops []Op
	chain, rules, err := vpnRedirectRulesOf(v, router, vpn.GetExternalIp())
	if err != nil {
		return nil, err
	}
	if chain != nil {
		if len(rules) == len(chain.GetRuleIds()) {
			ops = append(ops, Modify(idOf(router), func(r *models.Router) error { r.LocalRedirectChainId = nil; return nil }),
				Delete(&models.Chain{}, idOf(chain)))
		} else {
			for _, r := range rules {
				ops = append(ops, Delete(&models.Rule{}, idOf(r)))
			}
		}
	}
	if sc, ok, err := getIf[*models.ServiceContainer](v, vpn.GetContainerId().ToGoogle()); err != nil {
		return nil, err
	} else if ok {
		ops = append(ops, Delete(&models.Port{}, sc.GetPortId().ToGoogle()),
			Delete(&models.ServiceContainerGroup{}, sc.GetServiceGroupId().ToGoogle()))
	}
	for _, s := range router.GetVpnServiceIds() {
		ops = append(ops, Modify(s.ToGoogle(), func(s *models.VpnService) error { s.ContainerId = nil; return nil }))
	}
	return ops, nil
}

// vpnGatewayIPOps moves the router's VPN services and redirect rules to
// the gateway port's new first fixed IP (Neutron keeps one).
func vpnGatewayIPOps(v *View, np, old *models.NeutronPort) ([]Op, error) {
	if len(np.GetFixedIps()) == 0 || len(old.GetFixedIps()) == 0 {
		return nil, nil
	}
	// Neutron's gateway ports name their router; one that does not has no
	// services to move.
	rid, err := uuid.Parse(np.GetDeviceId())
	if err != nil {
		return nil, nil
	}
	router, ok, err := getIf[*models.Router](v, rid)
	if err != nil || !ok || len(router.GetVpnServiceIds()) == 0 {
		return nil, err
	}
	oldIP, newIP := old.GetFixedIps()[0].GetIpAddress(), np.GetFixedIps()[0].GetIpAddress()
	var ops []Op
	for _, s := range router.GetVpnServiceIds() {
		ops = append(ops, Modify(s.ToGoogle(), func(s *models.VpnService) error { s.ExternalIp = newIP; return nil }))
	}
	_, rules, err := vpnRedirectRulesOf(v, router, oldIP)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		ops = append(ops, Modify(idOf(r), func(r *models.Rule) error { r.Condition.NwDstIp = hostSubnet(newIP); return nil }))
	}
	return ops, nil
}

// vpnRedirectRulesOf reads the router's local redirect chain (nil if it
// has none) and its VPN redirect rules for the endpoint ext.
func vpnRedirectRulesOf(v *View, router *models.Router, ext *models.IPAddress) (*models.Chain, []*models.Rule, error) {
	if router.LocalRedirectChainId == nil {
		return nil, nil, nil
	}
	chain, err := get[*models.Chain](v, router.GetLocalRedirectChainId().ToGoogle())
	if err != nil {
		return nil, nil, err
	}
	rules, err := getMany[*models.Rule](v, chain.GetRuleIds())
	if err != nil {
		return nil, nil, err
	}
	return chain, slices.DeleteFunc(rules, func(r *models.Rule) bool { return !isVpnRedirectRule(r, ext) }), nil
}
