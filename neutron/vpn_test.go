package neutron

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// vpnWorld is the reference's VPNaaSTranslatorIT set-up: an external
// network with 10.0.0.0/24, a router whose gateway port has 10.0.0.1.
type vpnWorld struct {
	fx                  *fixture
	ext, extSn, gw, rtr *models.UUID
	gwIP                string
}

func newVpnWorld(fx *fixture) *vpnWorld {
	w := &vpnWorld{fx: fx, ext: newID(), extSn: newID(), gw: newID(), rtr: newID(), gwIP: "10.0.0.1"}
	ext := network(w.ext)
	ext.External = proto.Bool(true)
	fx.create(ext, subnet(w.extSn, w.ext, "10.0.0.0/24", w.gwIP))
	gw := l3Port(w.gw, w.ext, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:ab:cd:ef", alloc(w.gwIP, w.extSn))
	gw.DeviceId = proto.String(w.rtr.Canonical())
	fx.create(gw)
	fx.create(nRouter(w.rtr, "router1", w.gw, false))
	return w
}

func vpnService(id, router *models.UUID) *models.VpnService {
	return &models.VpnService{Id: id, RouterId: router, Name: proto.String("vpn"), TenantId: proto.String("tenant"),
		AdminStateUp: proto.Bool(true)}
}

// ipsecConnection is the reference's ipSecSiteConnectionJson with its
// default IKE and IPsec policies.
func ipsecConnection(id, vpn *models.UUID, local, peer []string) *models.IPSecSiteConnection {
	c := &models.IPSecSiteConnection{Id: id, VpnserviceId: vpn, TenantId: proto.String("tenant"),
		Name: proto.String("cnxn"), AdminStateUp: proto.Bool(true), PeerAddress: proto.String("172.24.4.233"),
		PeerId: proto.String("172.24.4.233"), Psk: proto.String("secret"), Mtu: proto.Uint32(1500),
		Initiator: models.IPSecSiteConnection_BI_DIRECTIONAL.Enum(),
		AuthMode:  models.IPSecSiteConnection_PSK.Enum(),
		DpdAction: models.IPSecSiteConnection_HOLD.Enum(),
		RouteMode: models.IPSecSiteConnection_STATIC.Enum(),
		Ikepolicy: &models.IPSecSiteConnection_IkePolicy{IkeVersion: models.IPSecSiteConnection_IkePolicy_V1.Enum()},
		Ipsecpolicy: &models.IPSecSiteConnection_IPSecPolicy{
			TransformProtocol: models.IPSecSiteConnection_IPSecPolicy_ESP.Enum()}}
	for _, l := range local {
		c.LocalCidrs = append(c.LocalCidrs, cidr(l))
	}
	for _, p := range peer {
		c.PeerCidrs = append(c.PeerCidrs, cidr(p))
	}
	return c
}

// verifyServices is the reference's verifyVpnServices: the services with
// the gateway's IP, no container, no local redirect chain.
func (w *vpnWorld) verifyServices(ids ...*models.UUID) {
	fx := w.fx
	fx.t.Helper()
	for _, id := range ids {
		s := fixtureGet[*models.VpnService](fx, g(id))
		if s.ContainerId != nil || s.GetExternalIp().GetAddress() != w.gwIP {
			fx.t.Errorf("VPN service %s: container %v, external IP %v", id.Canonical(), s.ContainerId, s.GetExternalIp())
		}
	}
	r := fixtureGet[*models.Router](fx, g(w.rtr))
	fx.sameIDSet("router vpn_service_ids", r.GetVpnServiceIds(), ids2(ids)...)
}

// verifyNoContainer is the reference's verifyNoContainerAndRedirectRoute.
func (w *vpnWorld) verifyNoContainer() {
	fx := w.fx
	fx.t.Helper()
	for _, m := range []proto.Message{&models.ServiceContainerGroup{}, &models.ServiceContainer{}} {
		if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
			fx.t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
		}
	}
	r := fixtureGet[*models.Router](fx, g(w.rtr))
	if len(r.GetPortIds()) != 1 || r.LocalRedirectChainId != nil {
		fx.t.Errorf("router ports %v (want the gateway's only), local redirect chain %v", r.GetPortIds(), r.LocalRedirectChainId)
	}
	rules, err := getAllRules(fx)
	if err != nil {
		fx.t.Fatal(err)
	}
	for _, rule := range rules {
		if rule.GetType() == models.Rule_L2TRANSFORM_RULE && rule.GetAction() == models.Rule_REDIRECT {
			fx.t.Errorf("redirect rule left: %v", rule)
		}
	}
}

func getAllRules(fx *fixture) ([]*models.Rule, error) {
	all, err := fx.st.GetAll(fx.ctx, &models.Rule{})
	out := make([]*models.Rule, len(all))
	for i, m := range all {
		out[i] = m.(*models.Rule)
	}
	return out, err
}

func ids2(ids []*models.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		out[i] = g(id)
	}
	return out
}

// verifyContainer is the reference's verifyContainer: the container, its
// group, port, routes and the three redirect rules for the endpoint.
func (w *vpnWorld) verifyContainer(endpoint string, vpns ...*models.UUID) *models.ServiceContainer {
	fx := w.fx
	fx.t.Helper()
	r := fixtureGet[*models.Router](fx, g(w.rtr))
	if r.LocalRedirectChainId == nil {
		fx.t.Fatal("router without a local redirect chain")
	}
	var container *models.UUID
	for _, id := range vpns {
		s := fixtureGet[*models.VpnService](fx, g(id))
		if container != nil && !proto.Equal(container, s.GetContainerId()) || s.ContainerId == nil {
			fx.t.Fatalf("VPN services' containers differ or are missing: %v, %v", container, s.GetContainerId())
		}
		container = s.GetContainerId()
	}
	sc := fixtureGet[*models.ServiceContainer](fx, g(container))
	port := fixtureGet[*models.Port](fx, g(sc.GetPortId()))
	chain := fixtureGet[*models.Chain](fx, g(r.GetLocalRedirectChainId()))
	counts := map[string]int{}
	for _, id := range chain.GetRuleIds() {
		rule := fixtureGet[*models.Rule](fx, g(id))
		if !isVpnRedirectRule(rule, ip(endpoint)) || !proto.Equal(rule.GetTransformRuleData().GetTargetPortId(), port.GetId()) {
			continue
		}
		c := rule.GetCondition()
		counts[fmt.Sprintf("%d/%d", c.GetNwProto(), c.GetTpDst().GetStart())]++
	}
	if counts["50/0"] != 1 || counts["17/500"] != 1 || counts["17/4500"] != 1 {
		fx.t.Errorf("redirect rules for %s to the container port: %v, want one ESP, UDP 500, UDP 4500", endpoint, counts)
	}
	// The port's /30 is the first free one among the router's ports
	// (169.254.0.1/30 unless another service container took it).
	portAddr := addr(port.GetPortAddress().GetAddress())
	if a := portAddr.As4(); a[0] != 169 || a[1] != 254 || a[3]%4 != 1 {
		fx.t.Errorf("container port address %s, want 169.254.x.(4k+1)", portAddr)
	}
	portNet := netipPrefix(portAddr.String() + "/30").Masked()
	local := fixtureGet[*models.Route](fx, LocalRouteID(g(port.GetId()), portAddr))
	toContainer := fixtureGet[*models.Route](fx, VpnContainerRouteID(g(sc.GetId())))
	scg := fixtureGet[*models.ServiceContainerGroup](fx, g(sc.GetServiceGroupId()))
	if scg.HostGroupId != nil || scg.PortGroupId != nil || scg.GetPolicy() != models.ServiceContainerPolicy_LEAST_SCHEDULER {
		fx.t.Errorf("container group %v", scg)
	}
	fx.sameIDs("group containers", scg.GetServiceContainerIds(), g(sc.GetId()))
	if !sc.GetConfigurationId().Equal(w.rtr) || sc.GetServiceType() != "IPSEC" {
		fx.t.Errorf("container %v", sc)
	}
	fx.sameIDSet("router vpn_service_ids", r.GetVpnServiceIds(), ids2(vpns)...)
	if !containsID(r.GetPortIds(), port.GetId()) {
		fx.t.Errorf("router ports %v lack the container port %s", r.GetPortIds(), port.GetId().Canonical())
	}
	fx.sameIDs("chain router_redirect_ids", chain.GetRouterRedirectIds(), g(w.rtr))
	if !port.GetRouterId().Equal(w.rtr) || !proto.Equal(port.GetPortSubnet()[0], cidr(portAddr.String()+"/30")) || port.PortMac == nil ||
		port.GetInterfaceName() != "vpn-"+port.GetId().Canonical()[:8] || port.GetServiceContainerId().Canonical() != sc.GetId().Canonical() {
		fx.t.Errorf("container port %v", port)
	}
	fx.equal("local route", local, &models.Route{Id: local.GetId(), SrcSubnet: anyRoute(), DstSubnet: cidr(portAddr.String() + "/32"),
		NextHop: models.Route_LOCAL.Enum(), NextHopPortId: port.GetId(), Weight: proto.Int32(100)})
	fx.equal("route to the container", toContainer, &models.Route{Id: toContainer.GetId(), SrcSubnet: anyRoute(),
		DstSubnet: cidr(portNet.String()), NextHop: models.Route_PORT.Enum(), NextHopPortId: port.GetId(), Weight: proto.Int32(100)})
	return sc
}

// verifyConnection is the reference's verifyCnxn: one route per (local,
// peer) pair through the container (169.254.0.2), and the container port
// holding them besides otherRoutes.
func (w *vpnWorld) verifyConnection(id *models.UUID, local, peer []string, otherRoutes int) *models.IPSecSiteConnection {
	fx := w.fx
	fx.t.Helper()
	c := fixtureGet[*models.IPSecSiteConnection](fx, g(id))
	s := fixtureGet[*models.VpnService](fx, g(c.GetVpnserviceId()))
	sc := fixtureGet[*models.ServiceContainer](fx, g(s.GetContainerId()))
	port := fixtureGet[*models.Port](fx, g(sc.GetPortId()))
	// The container's end of the port's /30 (169.254.0.2 for the first).
	containerAddr := addr(port.GetPortAddress().GetAddress()).Next()
	if len(c.GetRouteIds()) != len(local)*len(peer) {
		fx.t.Errorf("connection routes %d, want %d", len(c.GetRouteIds()), len(local)*len(peer))
	}
	if len(port.GetRouteIds()) != otherRoutes+len(c.GetRouteIds()) {
		fx.t.Errorf("container port routes %d, want %d", len(port.GetRouteIds()), otherRoutes+len(c.GetRouteIds()))
	}
	routes := map[string]*models.Route{}
	for _, rid := range c.GetRouteIds() {
		r := fixtureGet[*models.Route](fx, g(rid))
		routes[r.GetSrcSubnet().CIDR()+" "+r.GetDstSubnet().CIDR()] = r
	}
	for _, l := range local {
		for _, p := range peer {
			r := routes[l+" "+p]
			if r == nil {
				fx.t.Errorf("no route %s -> %s", l, p)
				continue
			}
			fx.equal("connection route", r, &models.Route{Id: r.GetId(), SrcSubnet: cidr(l), DstSubnet: cidr(p),
				NextHop: models.Route_PORT.Enum(), NextHopPortId: port.GetId(), NextHopGateway: ip(containerAddr.String()),
				Weight: proto.Int32(100), IpsecSiteConnectionId: id})
		}
	}
	return c
}

func (w *vpnWorld) verifyConnectionGone(c *models.IPSecSiteConnection) {
	w.fx.t.Helper()
	if w.fx.exists(&models.IPSecSiteConnection{}, g(c.GetId())) {
		w.fx.t.Errorf("connection %s left", c.GetId().Canonical())
	}
	for _, r := range c.GetRouteIds() {
		if w.fx.exists(&models.Route{}, g(r)) {
			w.fx.t.Errorf("route %s of the deleted connection left", r.Canonical())
		}
	}
}

// Expectations of VPNaaSTranslatorIT "handle VPN CRUD".
func TestVpnServiceTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn1, vpn2 := newID(), newID()
		fx.create(vpnService(vpn1, w.rtr))
		w.verifyServices(vpn1)
		w.verifyNoContainer()
		fx.create(vpnService(vpn2, w.rtr))
		w.verifyServices(vpn1, vpn2)
		w.verifyNoContainer()

		fx.delete(&models.VpnService{}, vpn1)
		w.verifyServices(vpn2)
		w.verifyNoContainer()

		up := vpnService(vpn2, w.rtr)
		up.Name, up.Description, up.AdminStateUp = proto.String("renamed-vpn2"), proto.String("new description"), proto.Bool(false)
		fx.update(up)
		got := fixtureGet[*models.VpnService](fx, g(vpn2))
		if got.GetName() != "renamed-vpn2" || got.GetDescription() != "new description" || got.GetAdminStateUp() ||
			got.GetExternalIp().GetAddress() != w.gwIP || !got.GetRouterId().Equal(w.rtr) {
			t.Errorf("updated VPN service %v", got)
		}

		fx.delete(&models.VpnService{}, vpn2)
		w.verifyNoContainer()
		if r := fixtureGet[*models.Router](fx, g(w.rtr)); len(r.GetVpnServiceIds()) != 0 {
			t.Errorf("router vpn_service_ids %v", r.GetVpnServiceIds())
		}
		if all, _ := fx.st.GetAll(fx.ctx, &models.VpnService{}); len(all) != 0 {
			t.Errorf("%d VPN services left", len(all))
		}
	})
}

// Expectations of VPNaaSTranslatorIT "handle IPSecSiteConnection CRUD",
// with its verifyContainer on the container the first connection makes.
func TestIPSecSiteConnectionTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn1 := newID()
		fx.create(vpnService(vpn1, w.rtr))

		c1Local, c1Peer := []string{"10.0.1.0/24"}, []string{"20.0.1.0/24", "20.0.2.0/24"}
		c1id := newID()
		fx.create(ipsecConnection(c1id, vpn1, c1Local, c1Peer))
		// The container's port has its local route and the route to the /30.
		c1 := w.verifyConnection(c1id, c1Local, c1Peer, 2)
		sc := w.verifyContainer(w.gwIP, vpn1)
		if p := fixtureGet[*models.Port](fx, g(sc.GetPortId())); p.GetPortAddress().GetAddress() != "169.254.0.1" {
			t.Errorf("container port address %s, want 169.254.0.1", p.GetPortAddress().GetAddress())
		}
		if r := fixtureGet[*models.Route](fx, g(c1.GetRouteIds()[0])); r.GetNextHopGateway().GetAddress() != "169.254.0.2" {
			t.Errorf("connection route via %s, want 169.254.0.2", r.GetNextHopGateway().GetAddress())
		}

		c2Local, c2Peer := []string{"10.0.1.0/24", "10.0.2.0/24"}, []string{"40.0.1.0/24", "40.0.2.0/24", "40.0.3.0/24"}
		c2id := newID()
		fx.create(ipsecConnection(c2id, vpn1, c2Local, c2Peer))
		c2 := w.verifyConnection(c2id, c2Local, c2Peer, 2+len(c1.GetRouteIds()))
		w.verifyConnection(c1id, c1Local, c1Peer, 2+len(c2.GetRouteIds()))
		if again := w.verifyContainer(w.gwIP, vpn1); !again.GetId().Equal(sc.GetId()) {
			t.Errorf("second connection made another container")
		}

		// One route kept, one deleted, one added.
		c1Peer = []string{"20.0.1.0/24", "20.0.3.0/24"}
		up := ipsecConnection(c1id, vpn1, c1Local, c1Peer)
		up.AdminStateUp, up.Name, up.Description = proto.Bool(false), proto.String("renamed-cnxn1"), proto.String("Description for cnxn1")
		fx.update(up)
		c1v2 := w.verifyConnection(c1id, c1Local, c1Peer, 2+len(c2.GetRouteIds()))
		if c1v2.GetAdminStateUp() || c1v2.GetName() != "renamed-cnxn1" || c1v2.GetDescription() != "Description for cnxn1" ||
			c1v2.GetPeerId() != c1.GetPeerId() || c1v2.GetPsk() != c1.GetPsk() {
			t.Errorf("updated connection %v", c1v2)
		}
		kept := 0
		for _, r := range c1v2.GetRouteIds() {
			if containsID(c1.GetRouteIds(), r) {
				kept++
			}
		}
		if kept != 1 {
			t.Errorf("%d routes kept by the update, want 1", kept)
		}

		fx.delete(&models.IPSecSiteConnection{}, c1id)
		w.verifyConnectionGone(c1v2)
		w.verifyConnection(c2id, c2Local, c2Peer, 2)

		fx.delete(&models.IPSecSiteConnection{}, c2id)
		w.verifyConnectionGone(c2)
		w.verifyNoContainer()
		if s := fixtureGet[*models.VpnService](fx, g(vpn1)); s.ContainerId != nil {
			t.Errorf("VPN service keeps container %v", s.ContainerId)
		}
		for _, id := range []*models.UUID{sc.GetPortId(), sc.GetServiceGroupId()} {
			if fx.exists(&models.Port{}, g(id)) || fx.exists(&models.ServiceContainerGroup{}, g(id)) {
				t.Errorf("container object %s left", id.Canonical())
			}
		}
	})
}

// Expectations of VPNaaSTranslatorIT "not delete preexisting local
// redirect chain".
func TestIPSecKeepsPreexistingRedirectChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		chain, rule := newID(), newID()
		if err := fx.st.Create(fx.ctx, &models.Chain{Id: chain, Name: proto.String("PREEXISTING_CHAIN")}); err != nil {
			t.Fatal(err)
		}
		if err := fx.st.Create(fx.ctx, &models.Rule{Id: rule, ChainId: chain, Type: models.Rule_LITERAL_RULE.Enum(),
			Action: models.Rule_DROP.Enum()}); err != nil {
			t.Fatal(err)
		}
		r := fixtureGet[*models.Router](fx, g(w.rtr))
		r.LocalRedirectChainId = chain
		if err := fx.st.Update(fx.ctx, r); err != nil {
			t.Fatal(err)
		}
		vpn := newID()
		fx.create(vpnService(vpn, w.rtr))
		local, peer := []string{"10.0.1.0/24"}, []string{"20.0.1.0/24", "20.0.2.0/24"}
		c := newID()
		fx.create(ipsecConnection(c, vpn, local, peer))
		w.verifyConnection(c, local, peer, 2)
		if got := fixtureGet[*models.Chain](fx, g(chain)).GetRuleIds(); len(got) != 4 || !got[0].Equal(rule) {
			t.Errorf("chain rules %v: want the DROP rule then the three redirects", got)
		}
		fx.delete(&models.IPSecSiteConnection{}, c)
		if got := fixtureGet[*models.Chain](fx, g(chain)).GetRuleIds(); len(got) != 1 || !got[0].Equal(rule) {
			t.Errorf("chain rules after the delete %v: want the DROP rule only", got)
		}
		if err := fx.st.Delete(fx.ctx, &models.Rule{}, g(rule)); err != nil {
			t.Fatal(err)
		}
		if !fx.exists(&models.Chain{}, g(chain)) {
			t.Fatal("chain gone with its last rule")
		}
		c = newID()
		fx.create(ipsecConnection(c, vpn, local, peer))
		w.verifyConnection(c, local, peer, 2)
		fx.delete(&models.IPSecSiteConnection{}, c)
		if fx.exists(&models.Chain{}, g(chain)) {
			t.Error("chain holding only VPN redirects kept after the last connection")
		}
		w.verifyNoContainer()
	})
}

// A second service of a router shares the first one's external IP and
// container; the container stays until no service of the router has a
// connection.
func TestVpnServicesShareTheContainer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn1, vpn2, c1, c2 := newID(), newID(), newID(), newID()
		fx.create(vpnService(vpn1, w.rtr))
		fx.create(ipsecConnection(c1, vpn1, []string{"10.0.1.0/24"}, []string{"20.0.1.0/24"}))
		fx.create(vpnService(vpn2, w.rtr))
		sc := w.verifyContainer(w.gwIP, vpn1, vpn2)
		fx.create(ipsecConnection(c2, vpn2, []string{"10.0.2.0/24"}, []string{"20.0.2.0/24"}))
		w.verifyConnection(c2, []string{"10.0.2.0/24"}, []string{"20.0.2.0/24"}, 2+1)
		fx.delete(&models.IPSecSiteConnection{}, c1)
		if again := w.verifyContainer(w.gwIP, vpn1, vpn2); !again.GetId().Equal(sc.GetId()) {
			t.Error("container replaced while vpn2 has a connection")
		}
		fx.delete(&models.IPSecSiteConnection{}, c2)
		w.verifyNoContainer()
		for _, id := range []*models.UUID{vpn1, vpn2} {
			if s := fixtureGet[*models.VpnService](fx, g(id)); s.ContainerId != nil {
				t.Errorf("VPN service %s keeps container %v", id.Canonical(), s.ContainerId)
			}
		}
	})
}

// Expectations of PortTranslatorTest's RouterGatewayPortTranslationTest:
// a new fixed IP of a gateway port moves the router's VPN services and
// their redirect rules to it; other routers' gateway ports change nothing
// of the kind.
func TestGatewayFixedIPMovesVpnRedirects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn, c := newID(), newID()
		fx.create(vpnService(vpn, w.rtr))
		fx.create(ipsecConnection(c, vpn, []string{"10.0.1.0/24"}, []string{"20.0.1.0/24"}))
		before := w.verifyContainer(w.gwIP, vpn)

		gw := fixtureGet[*models.NeutronPort](fx, g(w.gw))
		gw.FixedIps = []*models.NeutronPort_IPAllocation{alloc("10.0.0.9", w.extSn)}
		fx.update(gw)
		if s := fixtureGet[*models.VpnService](fx, g(vpn)); s.GetExternalIp().GetAddress() != "10.0.0.9" {
			t.Errorf("VPN service external IP %v, want 10.0.0.9", s.GetExternalIp())
		}
		w.gwIP = "10.0.0.9"
		if after := w.verifyContainer("10.0.0.9", vpn); !after.GetId().Equal(before.GetId()) {
			t.Error("container replaced by the gateway update")
		}
		rules, err := getAllRules(fx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if isVpnRedirectRule(r, ip("10.0.0.1")) {
				t.Errorf("redirect rule still for the old IP: %v", r)
			}
		}
		// The connection's delete finds the moved rules.
		fx.delete(&models.IPSecSiteConnection{}, c)
		w.verifyNoContainer()

		// A router without VPN services: the update is only the port's.
		other, otherGw := newID(), newID()
		otherPort := l3Port(otherGw, w.ext, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:ab:cd:01", alloc("10.0.0.20", w.extSn))
		otherPort.DeviceId = proto.String(other.Canonical())
		fx.create(otherPort)
		fx.create(nRouter(other, "router2", otherGw, false))
		p := fixtureGet[*models.NeutronPort](fx, g(otherGw))
		p.FixedIps = []*models.NeutronPort_IPAllocation{alloc("10.0.0.21", w.extSn)}
		fx.update(p)
		if r := fixtureGet[*models.Router](fx, g(other)); r.LocalRedirectChainId != nil || len(r.GetVpnServiceIds()) != 0 {
			t.Errorf("router without VPN got %v", r)
		}
	})
}

// The reference's rejections of a VPN service: 400 without a gateway
// port, without a gateway IP, with an IPv6 gateway IP; a missing router or
// service is not found.
func TestVpnBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		bad := func(want string) func(error) bool {
			return func(err error) bool {
				var b *BadRequestError
				return errors.As(err, &b) && b.Msg == want
			}
		}
		noGw := newID()
		fx.create(nRouter(noGw, "nogw", nil, false))
		fx.mustFail("router without gateway", fx.svc.Create(fx.ctx, vpnService(newID(), noGw)),
			bad("Cannot discover gateway port of router"))

		noIP, noIPGw := newID(), newID()
		fx.create(l3Port(noIPGw, w.ext, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:ab:cd:02"))
		fx.create(nRouter(noIP, "noip", noIPGw, false))
		fx.mustFail("gateway without IP", fx.svc.Create(fx.ctx, vpnService(newID(), noIP)),
			bad("Cannot discover gateway IP of router"))

		ext6, sn6, gw6, r6 := newID(), newID(), newID(), newID()
		n6 := network(ext6)
		n6.External = proto.Bool(true)
		s6 := subnet(sn6, ext6, "2001:db8::/64", "2001:db8::1")
		s6.IpVersion = proto.Uint32(6)
		fx.create(n6, s6)
		fx.create(l3Port(gw6, ext6, models.NeutronPort_ROUTER_GATEWAY, "ab:cd:ef:ab:cd:03", alloc("2001:db8::5", sn6)))
		fx.create(nRouter(r6, "v6", gw6, false))
		fx.mustFail("IPv6 gateway", fx.svc.Create(fx.ctx, vpnService(newID(), r6)),
			bad("Only IPv4 endpoints are currently supported"))

		isNotFound := func(err error) bool { return errors.Is(err, zoom.ErrNotFound) }
		fx.mustFail("missing router", fx.svc.Create(fx.ctx, vpnService(newID(), newID())), isNotFound)
		fx.mustFail("connection of a missing service", fx.svc.Create(fx.ctx,
			ipsecConnection(newID(), newID(), []string{"10.0.1.0/24"}, []string{"20.0.1.0/24"})), isNotFound)
		fx.mustFail("update of a missing service", fx.svc.Update(fx.ctx, vpnService(newID(), w.rtr)), isNotFound)
		// Nothing half-written.
		for _, m := range []proto.Message{&models.VpnService{}, &models.IPSecSiteConnection{}, &models.ServiceContainer{}} {
			if all, _ := fx.st.GetAll(fx.ctx, m); len(all) != 0 {
				t.Errorf("%d %s after refused requests", len(all), models.ClassName(m))
			}
		}
	})
}

// Concurrent first connections of two services of one router (and
// concurrent BGP peers on it) end with one IPSEC container, one local
// redirect chain holding its three redirects beside the BGP rules, every
// connection's routes, and a consistent store; deleting the connections
// at once removes the container and leaves the BGP rules.
func TestVpnConcurrentConnections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		w := newVpnWorld(fx)
		vpn1, vpn2 := newID(), newID()
		fx.create(vpnService(vpn1, w.rtr), vpnService(vpn2, w.rtr))
		const writers = 6
		conns := make([]*models.UUID, writers)
		run := func(what string, op func(i int) error) {
			errs := make(chan error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- op(i)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("concurrent %s: %v", what, err)
				}
			}
		}
		vpnOf := func(i int) *models.UUID { return []*models.UUID{vpn1, vpn2}[i%2] }
		run("connection creates and BGP peers", func(i int) error {
			if i%3 == 2 {
				return fx.svc.Create(fx.ctx, bgpPeer(newID(), w.rtr, fmt.Sprintf("20.9.0.%d", i+1), 64512, "s"))
			}
			conns[i] = newID()
			return fx.svc.Create(fx.ctx, ipsecConnection(conns[i], vpnOf(i), []string{fmt.Sprintf("10.0.%d.0/24", i+1)},
				[]string{fmt.Sprintf("20.0.%d.0/24", i+1)}))
		})
		sc := w.verifyContainer(w.gwIP, vpn1, vpn2)
		routes := 0
		for _, c := range conns {
			if c != nil {
				routes++
			}
		}
		for i, c := range conns {
			if c != nil {
				w.verifyConnection(c, []string{fmt.Sprintf("10.0.%d.0/24", i+1)}, []string{fmt.Sprintf("20.0.%d.0/24", i+1)}, 2+routes-1)
			}
		}
		r := fixtureGet[*models.Router](fx, g(w.rtr))
		chain := fixtureGet[*models.Chain](fx, g(r.GetLocalRedirectChainId()))
		if n := len(chain.GetRuleIds()); n != 3+2*2 {
			t.Errorf("redirect chain holds %d rules, want 3 VPN and 4 BGP", n)
		}
		fx.checkConsistent("after concurrent connections")

		run("connection deletes", func(i int) error {
			if conns[i] == nil {
				return nil
			}
			return fx.svc.Delete(fx.ctx, &models.IPSecSiteConnection{}, g(conns[i]))
		})
		if fx.exists(&models.ServiceContainer{}, g(sc.GetId())) || fx.exists(&models.Port{}, g(sc.GetPortId())) {
			t.Error("IPSEC container or its port left after every connection's delete")
		}
		chain = fixtureGet[*models.Chain](fx, g(r.GetLocalRedirectChainId()))
		if n := len(chain.GetRuleIds()); n != 4 {
			t.Errorf("redirect chain holds %d rules after the connections, want the 4 BGP ones", n)
		}
		fx.checkConsistent("after concurrent connection deletes")
	})
}
