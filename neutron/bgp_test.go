package neutron

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Expectations of the reference's BgpTranslationIT (BgpPeerTranslator,
// BgpSpeakerTranslator and their effects through the router, router
// interface and port translators).

// bgpRouter is a router made by the tests, with its interfaces.
type bgpRouter struct {
	fx *fixture
	id *models.UUID
	n  int // interfaces made so far
}

func (fx *fixture) newBgpRouter() *bgpRouter {
	fx.t.Helper()
	r := &bgpRouter{fx: fx, id: newID()}
	fx.create(nRouter(r.id, "r", nil, false))
	return r
}

// addInterface is the reference's createNetworkAndRouterInterface: a
// network (external when asked) with the subnet cidr, a router-interface
// port at addr and the interface; it returns the port's id.
func (r *bgpRouter) addInterface(cidr, addr string, external bool) *models.UUID {
	r.fx.t.Helper()
	r.n++
	net, sn, port := newID(), newID(), newID()
	nn := network(net)
	if external {
		nn.External = proto.Bool(true)
	}
	r.fx.create(nn, subnet(sn, net, cidr, ""))
	r.fx.create(rifPort(port, net, r.id, fmt.Sprintf("ab:cd:ef:00:00:%02x", r.n), alloc(addr, sn)))
	r.fx.create(routerInterface(r.id, port, sn))
	return port
}

// bgpPeer is a Neutron peer of the router's speaker.
func bgpPeer(id, router *models.UUID, peerIP string, localAS uint32, password string) *models.NeutronBgpPeer {
	return &models.NeutronBgpPeer{Id: id, TenantId: proto.String("tenant"), Name: proto.String("peer"),
		PeerIp: ip(peerIP), RemoteAs: proto.Uint32(65001), AuthType: models.NeutronBgpPeer_MD5.Enum(),
		Password: proto.String(password),
		BgpSpeaker: &models.NeutronBgpSpeaker{Id: newID(), TenantId: proto.String("tenant"),
			LocalAs: proto.Uint32(localAS), IpVersion: proto.Uint32(4), LogicalRouter: router}}
}

func (r *bgpRouter) addPeer(peerIP string, localAS uint32) *models.UUID {
	r.fx.t.Helper()
	id := newID()
	r.fx.create(bgpPeer(id, r.id, peerIP, localAS, "secret"))
	return id
}

// checkQuaggaContainer is the reference's: the Quagga port on the router,
// the group holding the QUAGGA container bound to the port and configured
// by the router.
func (fx *fixture) checkQuaggaContainer(r *models.UUID) {
	fx.t.Helper()
	port := fixtureGet[*models.Port](fx, QuaggaPortID(g(r)))
	if !port.GetRouterId().Equal(r) {
		fx.t.Errorf("Quagga port on router %v", port.GetRouterId())
	}
	group := fixtureGet[*models.ServiceContainerGroup](fx, QuaggaContainerGroupID(g(r)))
	fx.sameIDs("group containers", group.GetServiceContainerIds(), QuaggaContainerID(g(r)))
	fx.equal("Quagga container", fixtureGet[*models.ServiceContainer](fx, QuaggaContainerID(g(r))),
		&models.ServiceContainer{Id: uuidOf(QuaggaContainerID(g(r))), ServiceGroupId: uuidOf(QuaggaContainerGroupID(g(r))),
			PortId: port.GetId(), ServiceType: proto.String("QUAGGA"), ConfigurationId: r})
}

func (fx *fixture) checkNoQuaggaContainer(r *models.UUID) {
	fx.t.Helper()
	if fx.exists(&models.ServiceContainerGroup{}, QuaggaContainerGroupID(g(r))) ||
		fx.exists(&models.ServiceContainer{}, QuaggaContainerID(g(r))) ||
		fx.exists(&models.Port{}, QuaggaPortID(g(r))) {
		fx.t.Error("Quagga container, group or port exists")
	}
}

// checkBgpPeer is the reference's: the MidoNet peer with the Neutron
// peer's address and remote AS on the router, the router's AS number the
// speaker's, the two redirect rules in the router's local redirect chain.
func (fx *fixture) checkBgpPeer(r, peer *models.UUID) {
	fx.t.Helper()
	np := fixtureGet[*models.NeutronBgpPeer](fx, g(peer))
	mp := fixtureGet[*models.BgpPeer](fx, g(peer))
	if !mp.GetRouterId().Equal(r) || !proto.Equal(mp.GetAddress(), np.GetPeerIp()) ||
		mp.GetAsNumber() != int32(np.GetRemoteAs()) || mp.GetPassword() != np.GetPassword() {
		fx.t.Errorf("MidoNet peer %v for Neutron peer %v", mp, np)
	}
	router := fixtureGet[*models.Router](fx, g(r))
	if router.LocalRedirectChainId == nil {
		fx.t.Fatal("router has no local redirect chain")
	}
	if router.GetAsNumber() != int32(np.GetBgpSpeaker().GetLocalAs()) {
		fx.t.Errorf("router AS %d, speaker's %d", router.GetAsNumber(), np.GetBgpSpeaker().GetLocalAs())
	}
	chain := fixtureGet[*models.Chain](fx, g(router.GetLocalRedirectChainId()))
	if chain.GetName() != "LOCAL_REDIRECT_"+r.Canonical() {
		fx.t.Errorf("redirect chain named %q", chain.GetName())
	}
	bgp := &models.Int32Range{Start: proto.Int32(179), End: proto.Int32(179)}
	for _, inverse := range []bool{false, true} {
		id := BgpRedirectRuleID(g(peer))
		cond := &models.Condition{NwSrcIp: hostSubnet(np.GetPeerIp()), NwProto: proto.Int32(6), TpDst: bgp}
		if inverse {
			id = BgpInverseRedirectRuleID(g(peer))
			cond.TpDst, cond.TpSrc = nil, bgp
		}
		if !chainHas(chain, id) {
			fx.t.Errorf("redirect chain lacks rule %s (inverse %v)", id, inverse)
		}
		fx.equal("redirect rule", fixtureGet[*models.Rule](fx, id), &models.Rule{Id: uuidOf(id),
			ChainId: chain.GetId(), Type: models.Rule_L2TRANSFORM_RULE.Enum(), Action: models.Rule_REDIRECT.Enum(),
			Condition: cond, RuleData: &models.Rule_TransformRuleData{TransformRuleData: &models.Rule_L2TransformRuleData{
				TargetPortId: uuidOf(QuaggaPortID(g(r)))}}})
	}
}

func chainHas(c *models.Chain, rule uuid.UUID) bool {
	for _, id := range c.GetRuleIds() {
		if g(id) == rule {
			return true
		}
	}
	return false
}

func (fx *fixture) checkNoBgpPeer(peer *models.UUID) {
	fx.t.Helper()
	if fx.exists(&models.NeutronBgpPeer{}, g(peer)) || fx.exists(&models.BgpPeer{}, g(peer)) ||
		fx.exists(&models.Rule{}, BgpRedirectRuleID(g(peer))) || fx.exists(&models.Rule{}, BgpInverseRedirectRuleID(g(peer))) {
		fx.t.Errorf("peer %s or its rules exist", peer.Canonical())
	}
}

// checkBgpNetwork: the BGP network announced for a router-interface port.
func (fx *fixture) checkBgpNetwork(r, rifPort *models.UUID, c string) {
	fx.t.Helper()
	id := BgpNetworkID(g(rifPort))
	fx.equal("BGP network", fixtureGet[*models.BgpNetwork](fx, id),
		&models.BgpNetwork{Id: uuidOf(id), RouterId: r, Subnet: cidr(c)})
}

func (fx *fixture) checkNoBgpNetwork(rifPort *models.UUID) {
	fx.t.Helper()
	if fx.exists(&models.BgpNetwork{}, BgpNetworkID(g(rifPort))) {
		fx.t.Errorf("BGP network of %s exists", rifPort.Canonical())
	}
}

// routeNetworks reports, per extra route, whether its BGP network exists.
func (fx *fixture) routeNetworks(r *models.UUID, routes ...*models.NeutronRoute) []bool {
	fx.t.Helper()
	var out []bool
	for _, rt := range routes {
		rid, err := extraRouteID(g(r), rt)
		if err != nil {
			fx.t.Fatal(err)
		}
		out = append(out, fx.exists(&models.BgpNetwork{}, BgpNetworkID(rid)))
	}
	return out
}

func (fx *fixture) routerAS(r *models.UUID) (int32, bool) {
	fx.t.Helper()
	rt := fixtureGet[*models.Router](fx, g(r))
	return rt.GetAsNumber(), rt.AsNumber != nil
}

func TestBgpPeerQuaggaContainer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		rif := r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		if !fx.exists(&models.Port{}, RouterInterfacePeerID(g(rif))) {
			t.Fatal("interface port missing")
		}
		fx.checkNoQuaggaContainer(r.id)

		// "create Quagga container for router's first peer"
		p1 := r.addPeer("20.0.0.1", 64512)
		fx.checkQuaggaContainer(r.id)
		fx.checkBgpPeer(r.id, p1)
		port := fixtureGet[*models.Port](fx, QuaggaPortID(g(r.id)))
		if port.TunnelKey == nil || !strings.HasPrefix(port.GetPortMac(), "ac:ca:ba:") {
			t.Errorf("Quagga port tunnel key %v, MAC %q", port.TunnelKey, port.GetPortMac())
		}
		port.TunnelKey, port.PortMac = nil, nil
		fx.equal("Quagga port", port, &models.Port{Id: uuidOf(QuaggaPortID(g(r.id))), RouterId: r.id,
			PortSubnet: []*models.IPSubnet{cidr("169.254.0.1/30")}, PortAddress: ip("169.254.0.1"),
			ServiceContainerId: uuidOf(QuaggaContainerID(g(r.id)))})
		p2 := r.addPeer("30.0.0.1", 64512)
		fx.checkBgpPeer(r.id, p2)
		all, err := fx.st.GetAll(fx.ctx, &models.ServiceContainer{})
		if err != nil || len(all) != 1 {
			t.Errorf("%d service containers (%v), want 1", len(all), err)
		}
		rt := fixtureGet[*models.Router](fx, g(r.id))
		fx.sameIDSet("router peers", rt.GetBgpPeerIds(), g(p1), g(p2))
		chain := fixtureGet[*models.Chain](fx, g(rt.GetLocalRedirectChainId()))
		fx.sameIDs("redirect rules in creation order", chain.GetRuleIds(), BgpRedirectRuleID(g(p1)),
			BgpInverseRedirectRuleID(g(p1)), BgpRedirectRuleID(g(p2)), BgpInverseRedirectRuleID(g(p2)))

		// "not delete Quagga container when router's last peer is deleted"
		fx.delete(&models.NeutronBgpPeer{}, p1)
		fx.checkNoBgpPeer(p1)
		fx.checkQuaggaContainer(r.id)
		fx.delete(&models.NeutronBgpPeer{}, p2)
		fx.checkNoBgpPeer(p2)
		fx.checkQuaggaContainer(r.id)
		fx.checkBgpNetwork(r.id, rif, "10.0.0.0/24")
		// A peer deleted twice: nothing more to do.
		fx.delete(&models.NeutronBgpPeer{}, p2)

		// A later peer reuses the container and the redirect chain.
		p3 := r.addPeer("40.0.0.1", 64512)
		fx.checkBgpPeer(r.id, p3)
		if got := fixtureGet[*models.Router](fx, g(r.id)).GetLocalRedirectChainId(); !got.Equal(rt.GetLocalRedirectChainId()) {
			t.Errorf("redirect chain %v replaced by %v", rt.GetLocalRedirectChainId(), got)
		}
	})
}

func TestBgpPeerPasswordUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		p := newID()
		fx.create(bgpPeer(p, r.id, "20.0.0.1", 64512, "password"))
		fx.checkBgpPeer(r.id, p)
		up := bgpPeer(p, r.id, "20.0.0.1", 64512, "p@ssword")
		up.Name = proto.String("renamed")
		fx.update(up)
		if got := fixtureGet[*models.BgpPeer](fx, g(p)).GetPassword(); got != "p@ssword" {
			t.Errorf("MidoNet password %q", got)
		}
		np := fixtureGet[*models.NeutronBgpPeer](fx, g(p))
		if np.GetPassword() != "p@ssword" || np.GetName() != "renamed" {
			t.Errorf("Neutron peer %v", np)
		}

		// An update without the speaker (neutron-dynamic-routing's peer
		// update has none) keeps the stored one, so the delete finds the
		// router.
		bare := &models.NeutronBgpPeer{Id: p, PeerIp: ip("20.0.0.1"), Password: proto.String("again")}
		fx.update(bare)
		if got := fixtureGet[*models.NeutronBgpPeer](fx, g(p)).GetBgpSpeaker().GetLogicalRouter(); !got.Equal(r.id) {
			t.Errorf("stored speaker's router %v", got)
		}
		fx.delete(&models.NeutronBgpPeer{}, p)
		fx.checkNoBgpPeer(p)
		if _, set := fx.routerAS(r.id); set {
			t.Error("AS number kept after the last peer")
		}

		// The update of a peer that does not exist is not found.
		fx.mustFail("update of a missing peer", fx.svc.Update(fx.ctx, bgpPeer(newID(), r.id, "20.0.0.2", 1, "x")),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
	})
}

func TestBgpNetworks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		// "create BgpNetworks for all router interfaces" and "not add
		// external networks to the list of peer networks"
		r := fx.newBgpRouter()
		rif1 := r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		rif2 := r.addInterface("10.0.1.0/24", "10.0.1.1", false)
		ext := r.addInterface("10.0.2.0/24", "10.0.2.1", true)
		fx.checkNoBgpNetwork(rif1)
		fx.checkNoBgpNetwork(rif2)
		p1 := r.addPeer("20.0.0.1", 64512)
		fx.checkBgpNetwork(r.id, rif1, "10.0.0.0/24")
		fx.checkBgpNetwork(r.id, rif2, "10.0.1.0/24")
		fx.checkNoBgpNetwork(ext)

		// "not delete all BgpNetworks when the router's last BgpPeer is deleted"
		p2 := r.addPeer("30.0.0.1", 64512)
		fx.delete(&models.NeutronBgpPeer{}, p1)
		fx.delete(&models.NeutronBgpPeer{}, p2)
		fx.checkBgpNetwork(r.id, rif1, "10.0.0.0/24")
		fx.checkBgpNetwork(r.id, rif2, "10.0.1.0/24")

		// "PortTranslator should delete a BgpNetwork when deleting the
		// corresponding RouterInterface"
		fx.delete(&models.NeutronPort{}, rif1)
		fx.checkNoBgpNetwork(rif1)
		fx.sameIDs("router BGP networks", fixtureGet[*models.Router](fx, g(r.id)).GetBgpNetworkIds(), BgpNetworkID(g(rif2)))
		fx.delete(&models.NeutronPort{}, rif2)
		fx.sameIDs("router BGP networks", fixtureGet[*models.Router](fx, g(r.id)).GetBgpNetworkIds())

		// "RouterInterfaceTranslator should create a BgpNetwork when adding
		// a RouterInterface to a router with at least one BgpPeer"
		r2 := fx.newBgpRouter()
		r2.addPeer("20.0.0.1", 64512)
		if got := fixtureGet[*models.Router](fx, g(r2.id)).GetBgpNetworkIds(); len(got) != 0 {
			t.Errorf("router without interfaces announces %v", got)
		}
		fx.checkQuaggaContainer(r2.id)
		rif3 := r2.addInterface("10.0.0.0/24", "10.0.0.1", false)
		fx.sameIDs("router BGP networks", fixtureGet[*models.Router](fx, g(r2.id)).GetBgpNetworkIds(), BgpNetworkID(g(rif3)))
		fx.checkBgpNetwork(r2.id, rif3, "10.0.0.0/24")
		// An external network added after the peer is announced too (the
		// reference's router-interface translation does not look; its
		// test leaves that check out as a known bug).
		ext2 := r2.addInterface("10.0.5.0/24", "10.0.5.1", true)
		fx.checkBgpNetwork(r2.id, ext2, "10.0.5.0/24")
	})
}

func TestBgpSpeakerDeletesPeers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		p1, p2, p3, p4 := r.addPeer("30.0.0.1", 64512), r.addPeer("40.0.0.1", 64512), r.addPeer("50.0.0.1", 64512),
			r.addPeer("60.0.0.1", 64512)
		sp := newID()
		speaker := func(del ...*models.UUID) *models.NeutronBgpSpeaker {
			return &models.NeutronBgpSpeaker{Id: sp, Name: proto.String("speaker"), LocalAs: proto.Uint32(64512),
				IpVersion: proto.Uint32(4), LogicalRouter: r.id, DelBgpPeerIds: del}
		}
		fx.update(speaker(p1, p3))
		fx.sameIDSet("router peers", fixtureGet[*models.Router](fx, g(r.id)).GetBgpPeerIds(), g(p2), g(p4))
		fx.checkNoBgpPeer(p1)
		fx.checkNoBgpPeer(p3)
		fx.checkBgpPeer(r.id, p2)
		fx.checkBgpPeer(r.id, p4)
		fx.update(speaker(p2, p4))
		fx.sameIDs("router peers", fixtureGet[*models.Router](fx, g(r.id)).GetBgpPeerIds())
		fx.checkNoBgpPeer(p2)
		fx.checkNoBgpPeer(p4)
		fx.checkQuaggaContainer(r.id)
		// The speaker itself is never stored; an update without peers to
		// delete does nothing, even for a router that is gone.
		if fx.exists(&models.NeutronBgpSpeaker{}, g(sp)) {
			t.Error("speaker stored")
		}
		fx.update(&models.NeutronBgpSpeaker{Id: sp, LogicalRouter: newID()})
		// Peers to delete on a missing router: not found.
		fx.mustFail("speaker of a missing router", fx.svc.Update(fx.ctx,
			&models.NeutronBgpSpeaker{Id: sp, LogicalRouter: newID(), DelBgpPeerIds: []*models.UUID{p1}}),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		var bad *BadRequestError
		fx.mustFail("speaker create", fx.svc.Create(fx.ctx, speaker()), func(err error) bool { return errors.As(err, &bad) })
	})
}

// "RouterTranslator should delete a router's container, container group,
// group, container port, and BGP networks when deleting that router"
func TestBgpRouterDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		rif1 := r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		rif2 := r.addInterface("10.0.1.0/24", "10.0.1.1", false)
		p1, p2 := r.addPeer("30.0.0.1", 64512), r.addPeer("40.0.0.1", 64512)
		fx.checkQuaggaContainer(r.id)
		chain := fixtureGet[*models.Router](fx, g(r.id)).GetLocalRedirectChainId()
		fx.delete(&models.NeutronBgpPeer{}, p1)
		fx.delete(&models.NeutronBgpPeer{}, p2)
		fx.delete(&models.NeutronRouter{}, r.id)
		fx.checkNoBgpPeer(p1)
		fx.checkNoBgpPeer(p2)
		fx.checkNoQuaggaContainer(r.id)
		fx.checkNoBgpNetwork(rif1)
		fx.checkNoBgpNetwork(rif2)
		if fx.exists(&models.Chain{}, g(chain)) {
			t.Error("the router's local redirect chain survives it")
		}

		// A router deleted under its peers: the peers' MidoNet objects go
		// with it and the Neutron peers still delete.
		r2 := fx.newBgpRouter()
		p3 := r2.addPeer("30.0.0.1", 64512)
		fx.delete(&models.NeutronRouter{}, r2.id)
		fx.checkNoQuaggaContainer(r2.id)
		fx.delete(&models.NeutronBgpPeer{}, p3)
		fx.checkNoBgpPeer(p3)
		fx.checkConsistent("after the router deletes")
	})
}

func TestBgpExtraRoutes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		// "update bgp networks on the router according to the extra
		// routes that exist on the router"
		r := fx.newBgpRouter()
		rif := r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		r.addPeer("10.0.0.2", 64512)
		fx.checkBgpNetwork(r.id, rif, "10.0.0.0/24")
		routes := []*models.NeutronRoute{nRoute("10.0.2.0/24", "10.0.0.3"), nRoute("10.0.1.0/24", "10.0.0.3")}
		fx.update(nRouter(r.id, "r", nil, false, routes...))
		if got := fx.routeNetworks(r.id, routes...); got[0] != true || got[1] != true {
			t.Errorf("extra route BGP networks %v after adding the routes", got)
		}
		fx.update(nRouter(r.id, "r", nil, false))
		if got := fx.routeNetworks(r.id, routes...); got[0] || got[1] {
			t.Errorf("extra route BGP networks %v after removing the routes", got)
		}

		// "... triggered by bgp peer creation/deletion"
		r2 := fx.newBgpRouter()
		r2.addInterface("10.0.0.0/24", "10.0.0.1", false)
		fx.update(nRouter(r2.id, "r", nil, false, routes...))
		if got := fx.routeNetworks(r2.id, routes...); got[0] || got[1] {
			t.Errorf("extra route BGP networks %v without a peer", got)
		}
		p := r2.addPeer("10.0.0.2", 64512)
		if got := fx.routeNetworks(r2.id, routes...); !got[0] || !got[1] {
			t.Errorf("extra route BGP networks %v after the peer", got)
		}
		want := &models.BgpNetwork{RouterId: r2.id, Subnet: cidr("10.0.2.0/24")}
		rid, _ := extraRouteID(g(r2.id), routes[0])
		want.Id = uuidOf(BgpNetworkID(rid))
		fx.equal("extra route BGP network", fixtureGet[*models.BgpNetwork](fx, BgpNetworkID(rid)), want)
		// A second peer finds the routes announced.
		p2 := r2.addPeer("10.0.0.4", 64512)
		fx.delete(&models.NeutronBgpPeer{}, p)
		if got := fx.routeNetworks(r2.id, routes...); got[0] || got[1] {
			t.Errorf("extra route BGP networks %v after a peer's delete", got)
		}
		fx.checkBgpPeer(r2.id, p2)
	})
}

func TestBgpPeerASNumber(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		// "not clear AS number if there are multiple peers"
		r := fx.newBgpRouter()
		p1, p2 := r.addPeer("30.0.0.1", 40000), r.addPeer("40.0.0.1", 40000)
		if as, _ := fx.routerAS(r.id); as != 40000 {
			t.Errorf("AS %d", as)
		}
		fx.checkBgpPeer(r.id, p2)
		fx.delete(&models.NeutronBgpPeer{}, p1)
		if as, _ := fx.routerAS(r.id); as != 40000 {
			t.Errorf("AS %d after deleting one of two peers", as)
		}
		// "clear AS number if there are no more peers"
		fx.delete(&models.NeutronBgpPeer{}, p2)
		if as, set := fx.routerAS(r.id); set || as != -1 {
			t.Errorf("AS %d (set %v) after the last peer", as, set)
		}
		// "change AS number"
		p3 := r.addPeer("30.0.0.1", 50000)
		if as, _ := fx.routerAS(r.id); as != 50000 {
			t.Errorf("AS %d after a peer of another speaker AS", as)
		}
		fx.checkBgpPeer(r.id, p3)
	})
}

// "BgpPeerTranslator should create speaker for uplink net": the edge
// router's uplink interface is bound to a host interface, not peered, and
// announces nothing.
func TestBgpUplinkRouter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		host := fx.createHostNamedByID()
		upNet, upSn, upPort := newID(), newID(), newID()
		fx.create(uplinkNetwork(upNet), subnet(upSn, upNet, "10.0.0.0/24", ""))
		r := fx.newBgpRouter()
		p := rifPort(upPort, upNet, r.id, "02:02:02:02:02:02", alloc("10.0.0.2", upSn))
		p.HostId = proto.String(host.Canonical())
		p.Profile = &models.NeutronPort_BindingProfile{InterfaceName: proto.String("eth0")}
		fx.create(p)
		fx.create(routerInterface(r.id, upPort, upSn))
		rif := r.addInterface("20.0.0.0/24", "20.0.0.1", false)
		peer := r.addPeer("10.0.0.1", 40000)
		fx.checkNoBgpNetwork(upPort)
		fx.checkBgpNetwork(r.id, rif, "20.0.0.0/24")
		fx.checkBgpPeer(r.id, peer)
	})
}

// Bad input: a peer without an address, on a missing router or without a
// speaker is refused and leaves nothing.
func TestBgpPeerBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		noIP := bgpPeer(newID(), r.id, "1.1.1.1", 1, "")
		noIP.PeerIp = nil
		var bad *BadRequestError
		fx.mustFail("peer without peer_ip", fx.svc.Create(fx.ctx, noIP), func(err error) bool { return errors.As(err, &bad) })
		fx.mustFail("peer on a missing router", fx.svc.Create(fx.ctx, bgpPeer(newID(), newID(), "1.1.1.1", 1, "")),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		fx.mustFail("peer without a speaker", fx.svc.Create(fx.ctx, &models.NeutronBgpPeer{Id: newID(), PeerIp: ip("1.1.1.1")}),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		fx.checkNoQuaggaContainer(r.id)
		for _, m := range []proto.Message{&models.NeutronBgpPeer{}, &models.BgpPeer{}, &models.Chain{}} {
			all, err := fx.st.GetAll(fx.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, o := range all {
				if c, ok := o.(*models.Chain); ok && !strings.HasPrefix(c.GetName(), "LOCAL_REDIRECT_") {
					continue
				}
				n++
			}
			if n != 0 {
				t.Errorf("%d %s left by refused creates", n, models.ClassName(m))
			}
		}
	})
}

// Concurrent first peers of one router (no lock, optimistic transactions
// re-run on conflict): one Quagga container, one redirect chain holding
// every peer's two rules, no orphan chain.
func TestBgpConcurrentPeers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		r := fx.newBgpRouter()
		r.addInterface("10.0.0.0/24", "10.0.0.1", false)
		const writers = 6
		ids := make([]*models.UUID, writers)
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for i := range ids {
			ids[i] = newID()
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs <- fx.svc.Create(fx.ctx, bgpPeer(ids[i], r.id, fmt.Sprintf("20.0.0.%d", i+1), 64512, "s"))
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent peer create: %v", err)
			}
		}
		fx.checkQuaggaContainer(r.id)
		for _, id := range ids {
			fx.checkBgpPeer(r.id, id)
		}
		chains, err := fx.st.GetAll(fx.ctx, &models.Chain{})
		if err != nil {
			t.Fatal(err)
		}
		redirect := 0
		for _, c := range chains {
			if strings.HasPrefix(c.(*models.Chain).GetName(), "LOCAL_REDIRECT_") {
				redirect++
				if n := len(c.(*models.Chain).GetRuleIds()); n != 2*writers {
					t.Errorf("redirect chain holds %d rules, want %d", n, 2*writers)
				}
			}
		}
		if redirect != 1 {
			t.Errorf("%d local redirect chains, want 1", redirect)
		}
		fx.checkConsistent("after concurrent peers")
	})
}

// A router running both a VPN (IPsec) and a BGP (Quagga) container: two
// containers on two 169.254.x.y/30 ports, one local redirect chain holding
// both services' rules; the VPN's last connection takes only its own rules
// and container, and the router's delete leaves nothing.
func TestBgpWithVpn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn, cnxn := newID(), newID()
		fx.create(vpnService(vpn, w.rtr))
		fx.create(ipsecConnection(cnxn, vpn, []string{"10.0.1.0/24"}, []string{"20.0.1.0/24"}))
		w.verifyContainer(w.gwIP, vpn)

		r := &bgpRouter{fx: fx, id: w.rtr}
		rif := r.addInterface("10.5.0.0/24", "10.5.0.1", false)
		peer := r.addPeer("10.0.0.9", 64512)
		fx.checkQuaggaContainer(w.rtr)
		fx.checkBgpPeer(w.rtr, peer)
		w.verifyContainer(w.gwIP, vpn)
		quagga := fixtureGet[*models.Port](fx, QuaggaPortID(g(w.rtr)))
		if !proto.Equal(quagga.GetPortSubnet()[0], cidr("169.254.0.5/30")) {
			t.Errorf("Quagga port subnet %v, want the /30 after the VPN's", quagga.GetPortSubnet())
		}
		// The gateway's external network and the VPN port announce nothing.
		fx.sameIDs("router BGP networks", fixtureGet[*models.Router](fx, g(w.rtr)).GetBgpNetworkIds(), BgpNetworkID(g(rif)))
		router := fixtureGet[*models.Router](fx, g(w.rtr))
		if n := len(fixtureGet[*models.Chain](fx, g(router.GetLocalRedirectChainId())).GetRuleIds()); n != 3+2 {
			t.Errorf("redirect chain holds %d rules, want the VPN's 3 and the peer's 2", n)
		}

		fx.delete(&models.IPSecSiteConnection{}, cnxn)
		fx.checkBgpPeer(w.rtr, peer)
		fx.checkQuaggaContainer(w.rtr)
		if all, err := fx.st.GetAll(fx.ctx, &models.ServiceContainer{}); err != nil || len(all) != 1 {
			t.Errorf("%d service containers after the VPN's last connection (%v), want the Quagga one", len(all), err)
		}
		fx.checkConsistent("after the VPN connection's delete")

		fx.delete(&models.NeutronBgpPeer{}, peer)
		fx.delete(&models.VpnService{}, vpn)
		fx.delete(&models.NeutronRouter{}, w.rtr)
		for _, m := range []proto.Message{&models.ServiceContainer{}, &models.ServiceContainerGroup{}, &models.BgpNetwork{},
			&models.Router{}} {
			if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
				t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
			}
		}
		chains, err := fx.st.GetAll(fx.ctx, &models.Chain{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chains {
			if strings.HasPrefix(c.(*models.Chain).GetName(), "LOCAL_REDIRECT_") {
				t.Errorf("local redirect chain left: %v", c)
			}
		}
		fx.checkConsistent("after the router's delete")
	})
}
