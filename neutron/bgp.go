package neutron

import (
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// BGP dynamic routing (neutron-dynamic-routing through networking-midonet):
// a BGP speaker is bound to one router and is never stored; each of its
// peers is a NeutronBgpPeer carrying the speaker. A router's first peer
// gives it its Quagga container: a router port on a free 169.254.x.y/30
// (QuaggaPortID), a service container group and a QUAGGA service
// container on that port configured by the router (QuaggaContainerID,
// QuaggaContainerGroupID), which the containers service schedules on a
// host; at the same time the subnets of the router's interfaces on
// non-external networks become BGP networks. Every peer sets the router's
// AS number to the speaker's local_as, announces the router's extra
// routes, becomes a MidoNet BgpPeer with the peer's id and gets two
// L2-transform REDIRECT rules in the router's local redirect chain
// (created on demand) sending TCP to and from port 179 of the peer's
// address to the Quagga port. Router interfaces added later announce
// their subnet (routerinterface.go), extra routes follow router updates
// (router.go), and the router's delete takes the container group along.
//
// A peer's delete clears the AS number when it is the router's last peer
// and withdraws the extra routes' BGP networks; the container and the
// interfaces' BGP networks stay until the router goes. A speaker's update
// listing del_bgp_peer_ids deletes those peers (MidoNet and Neutron
// objects) without touching the AS number or the networks. Only the
// password of a peer can change.
//
// Where the reference would fail on a state it can reach itself, this
// translation goes on: a peer whose router is already gone deletes what
// is left of it; extra-route BGP networks already announced (by an earlier
// peer or a router update) are not created again; router ports peered
// with something that is not a Neutron port with an address announce
// nothing. A peer's update keeps the stored speaker, so its delete undoes
// its create whatever the PUT carried.

// bgpPort is the TCP port of BGP sessions.
const bgpPort = 179

func bgpPeerTranslator() *Translator {
	t := typed(createBgpPeer, updateBgpPeer, deleteBgpPeer)
	t.Keep = func(nm, old proto.Message) {
		nm.(*models.NeutronBgpPeer).BgpSpeaker = old.(*models.NeutronBgpPeer).GetBgpSpeaker()
	}
	return t
}

// bgpSpeakerTranslator serves only updates, and stores nothing.
func bgpSpeakerTranslator() *Translator {
	return &Translator{
		Model: &models.NeutronBgpSpeaker{},
		Create: func(*View, proto.Message) ([]Op, error) {
			return nil, badRequest("Create NeutronBgpSpeaker not supported.")
		},
		Update: func(v *View, nm, _ proto.Message) ([]Op, error) {
			return updateBgpSpeaker(v, nm.(*models.NeutronBgpSpeaker))
		},
		Delete: func(*View, proto.Message) ([]Op, error) {
			return nil, badRequest("Delete NeutronBgpSpeaker not supported.")
		},
		NotStored: true,
	}
}

func createBgpPeer(v *View, p *models.NeutronBgpPeer) ([]Op, error) {
	if p.GetPeerIp() == nil {
		return nil, badRequest("BGP peer %s without peer_ip", p.GetId().Canonical())
	}
	sp := p.GetBgpSpeaker()
	r := sp.GetLogicalRouter().ToGoogle()
	router, err := get[*models.Router](v, r)
	if err != nil {
		return nil, err
	}
	localAS := int32(sp.GetLocalAs()) // uint32 on the wire, int32 in the topology, as the reference converts
	ops := []Op{Modify(r, func(rt *models.Router) error {
		rt.AsNumber = proto.Int32(localAS)
		return nil
	})}
	container, err := ensureQuaggaContainer(v, router)
	if err != nil {
		return nil, err
	}
	ops = append(ops, container...)
	routes, err := extraRouteBgpNetworks(v, r)
	if err != nil {
		return nil, err
	}
	ops = append(ops, routes...)
	chain, chainOps := localRedirectChain(router)
	ops = append(ops, chainOps...)
	peer := idOf(p)
	return append(ops,
		Create(&models.BgpPeer{Id: uuidOf(peer), Address: proto.Clone(p.GetPeerIp()).(*models.IPAddress),
			AsNumber: proto.Int32(int32(p.GetRemoteAs())), RouterId: uuidOf(r),
			Password: proto.String(p.GetPassword())}),
		Create(bgpRedirectRule(BgpRedirectRuleID(peer), chain, r, p.GetPeerIp(), false)),
		Create(bgpRedirectRule(BgpInverseRedirectRuleID(peer), chain, r, p.GetPeerIp(), true)),
	), nil
}

// bgpRedirectRule sends the peer's BGP sessions to the router's Quagga
// port: TCP from the peer's address to port 179, or (inverse) from it.
func bgpRedirectRule(id, chain, r uuid.UUID, peerIP *models.IPAddress, inverse bool) *models.Rule {
	bgp := &models.Int32Range{Start: proto.Int32(bgpPort), End: proto.Int32(bgpPort)}
	cond := &models.Condition{NwSrcIp: hostSubnet(peerIP), NwProto: proto.Int32(6)}
	if inverse {
		cond.TpSrc = bgp
	} else {
		cond.TpDst = bgp
	}
	return &models.Rule{Id: uuidOf(id), ChainId: uuidOf(chain), Type: models.Rule_L2TRANSFORM_RULE.Enum(),
		Action: models.Rule_REDIRECT.Enum(), Condition: cond,
		RuleData: &models.Rule_TransformRuleData{TransformRuleData: &models.Rule_L2TransformRuleData{
			TargetPortId: uuidOf(QuaggaPortID(r))}}}
}

// ensureQuaggaContainer makes the router's Quagga port, container group
// and container, and announces its interfaces' subnets, unless the port
// exists.
func ensureQuaggaContainer(v *View, router *models.Router) ([]Op, error) {
	r := idOf(router)
	port := QuaggaPortID(r)
	if ok, err := v.Exists(&models.Port{}, port); err != nil || ok {
		return nil, err
	}
	local, err := freeLocalSubnet(v, router)
	if err != nil {
		return nil, err
	}
	sn, err := models.IPSubnetFromPrefix(local)
	if err != nil {
		return nil, err
	}
	addr, err := models.IPAddressFromAddr(local.Addr())
	if err != nil {
		return nil, err
	}
	key, err := v.NextTunnelKey()
	if err != nil {
		return nil, err
	}
	group := QuaggaContainerGroupID(r)
	ops := []Op{
		Create(&models.Port{Id: uuidOf(port), RouterId: uuidOf(r), PortSubnet: []*models.IPSubnet{sn},
			PortAddress: addr, PortMac: proto.String(randomMAC()),
			TunnelKey: proto.Uint64(uint64(key) & tunnelKeyBits)}),
		Create(&models.ServiceContainerGroup{Id: uuidOf(group)}),
		Create(&models.ServiceContainer{Id: uuidOf(QuaggaContainerID(r)), ServiceGroupId: uuidOf(group),
			PortId: uuidOf(port), ServiceType: proto.String("QUAGGA"), ConfigurationId: uuidOf(r)}),
	}
	networks, err := interfaceBgpNetworks(v, router)
	if err != nil {
		return nil, err
	}
	return append(ops, networks...), nil
}

// interfaceBgpNetworks announces, for each router port peered with a
// Neutron port on a non-external network, the subnet of that port's first
// address.
func interfaceBgpNetworks(v *View, router *models.Router) ([]Op, error) {
	ports, err := getMany[*models.Port](v, router.GetPortIds())
	if err != nil {
		return nil, err
	}
	var ops []Op
	for _, p := range ports {
		if p.GetPeerId() == nil {
			continue // a port on an uplink network, or the Quagga port
		}
		nPort, ok, err := getIf[*models.NeutronPort](v, p.GetPeerId().ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok || len(nPort.GetFixedIps()) == 0 {
			continue
		}
		net, ok, err := getIf[*models.NeutronNetwork](v, nPort.GetNetworkId().ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok || net.GetExternal() {
			continue
		}
		sub, ok, err := getIf[*models.NeutronSubnet](v, nPort.GetFixedIps()[0].GetSubnetId().ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ops = append(ops, Create(&models.BgpNetwork{Id: uuidOf(BgpNetworkID(idOf(nPort))), RouterId: router.GetId(),
			Subnet: proto.Clone(sub.GetCidr()).(*models.IPSubnet)}))
	}
	return ops, nil
}

// extraRouteBgpNetworks announces the Neutron router's extra routes not
// announced yet.
func extraRouteBgpNetworks(v *View, r uuid.UUID) ([]Op, error) {
	nr, ok, err := getIf[*models.NeutronRouter](v, r)
	if err != nil || !ok {
		return nil, err
	}
	var ops []Op
	seen := map[uuid.UUID]bool{}
	for _, rt := range nr.GetRoutes() {
		rid, err := extraRouteID(r, rt)
		if err != nil {
			return nil, err
		}
		id := BgpNetworkID(rid)
		if seen[id] {
			continue
		}
		seen[id] = true
		if ok, err := v.Exists(&models.BgpNetwork{}, id); err != nil || ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		ops = append(ops, Create(&models.BgpNetwork{Id: uuidOf(id), RouterId: uuidOf(r),
			Subnet: proto.Clone(rt.GetDestination()).(*models.IPSubnet)}))
	}
	return ops, nil
}

// updateBgpPeer changes the MidoNet peer's password, the only field a
// peer's update may change.
func updateBgpPeer(v *View, p, _ *models.NeutronBgpPeer) ([]Op, error) {
	mp, err := get[*models.BgpPeer](v, idOf(p))
	if err != nil {
		return nil, err
	}
	if mp.GetPassword() == p.GetPassword() {
		return nil, nil
	}
	password := p.GetPassword()
	return []Op{Modify(idOf(p), func(bp *models.BgpPeer) error {
		bp.Password = proto.String(password)
		return nil
	})}, nil
}

func deleteBgpPeer(v *View, p *models.NeutronBgpPeer) ([]Op, error) {
	r := p.GetBgpSpeaker().GetLogicalRouter().ToGoogle()
	router, ok, err := getIf[*models.Router](v, r)
	if err != nil {
		return nil, err
	}
	var ops []Op
	if ok && len(router.GetBgpPeerIds()) == 1 {
		ops = append(ops, Modify(r, func(rt *models.Router) error {
			rt.AsNumber = nil
			return nil
		}))
	}
	ops = append(ops, removeBgpPeer(idOf(p))...)
	nr, ok, err := getIf[*models.NeutronRouter](v, r)
	if err != nil || !ok {
		return ops, err
	}
	for _, rt := range nr.GetRoutes() {
		rid, err := extraRouteID(r, rt)
		if err != nil {
			return nil, err
		}
		ops = append(ops, Delete(&models.BgpNetwork{}, BgpNetworkID(rid)))
	}
	return ops, nil
}

// removeBgpPeer deletes a peer's MidoNet BgpPeer and redirect rules.
func removeBgpPeer(peer uuid.UUID) []Op {
	return []Op{Delete(&models.BgpPeer{}, peer), Delete(&models.Rule{}, BgpRedirectRuleID(peer)),
		Delete(&models.Rule{}, BgpInverseRedirectRuleID(peer))}
}

// updateBgpSpeaker deletes the peers the speaker lists in
// del_bgp_peer_ids (networking-midonet's way of deleting a speaker).
func updateBgpSpeaker(v *View, sp *models.NeutronBgpSpeaker) ([]Op, error) {
	if len(sp.GetDelBgpPeerIds()) == 0 {
		return nil, nil
	}
	if _, err := get[*models.Router](v, sp.GetLogicalRouter().ToGoogle()); err != nil {
		return nil, err
	}
	var ops []Op
	for _, id := range sp.GetDelBgpPeerIds() {
		ops = append(ops, removeBgpPeer(id.ToGoogle())...)
		ops = append(ops, Delete(&models.NeutronBgpPeer{}, id.ToGoogle()))
	}
	return ops, nil
}
