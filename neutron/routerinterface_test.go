package neutron

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// rifCase is the topology of the router-interface tests.
type rifCase struct {
	net, subnet, router, dhcpPort, rifPort *models.UUID
}

// newRifCase creates a network (made by nn: network or uplinkNetwork) with
// a subnet (gateway gw, if any), its DHCP port at 10.0.0.2 and a router.
func (fx *fixture) newRifCase(nn func(*models.UUID) *models.NeutronNetwork, cidr, gw string) rifCase {
	fx.t.Helper()
	c := rifCase{net: newID(), subnet: newID(), router: newID(), dhcpPort: newID(), rifPort: newID()}
	fx.create(nn(c.net), subnet(c.subnet, c.net, cidr, gw))
	fx.create(l3Port(c.dhcpPort, c.net, models.NeutronPort_DHCP, "", alloc("10.0.0.2", c.subnet)),
		nRouter(c.router, "r", nil, false))
	return c
}

// rifPort is a Neutron router-interface port of router r (device id set
// unless r is nil).
func rifPort(portID, net, r *models.UUID, mac string, fixed ...*models.NeutronPort_IPAllocation) *models.NeutronPort {
	p := l3Port(portID, net, models.NeutronPort_ROUTER_INTERFACE, mac, fixed...)
	if r != nil {
		p.DeviceId = proto.String(r.Canonical())
	}
	return p
}

// checkRouterAndPeerPort is the reference's checkRouterAndPeerPort: the
// network port and the router port peered, the router port in the
// router-interface port group, up, with the address and MAC, unbound.
func (fx *fixture) checkRouterAndPeerPort(r, nwPortID *models.UUID, ipAddr, mac string) *models.Port {
	fx.t.Helper()
	rp := RouterInterfacePeerID(g(nwPortID))
	nwPort := fixtureGet[*models.Port](fx, g(nwPortID))
	port := fixtureGet[*models.Port](fx, rp)
	if !nwPort.GetPeerId().Equal(uuidOf(rp)) || !port.GetPeerId().Equal(nwPortID) {
		fx.t.Errorf("ports not peered: network port peer %v, router port peer %v", nwPort.GetPeerId(), port.GetPeerId())
	}
	fx.sameIDs("router port groups", port.GetPortGroupIds(), RouterInterfacePortGroupID(g(r)))
	if !port.GetAdminStateUp() || port.GetPortAddress().GetAddress() != ipAddr || port.GetPortMac() != mac ||
		port.HostId != nil || !port.GetRouterId().Equal(r) {
		fx.t.Errorf("router port = %v", port)
	}
	return port
}

// Expectations of RouterInterfaceTranslatorIT "handle translation for
// interfaces on non-edge routers" and "create SNAT rules on router chains
// for same subnet traffic on create", field by field.
func TestRouterInterfaceTenantNetwork(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := fx.newRifCase(network, "10.0.0.0/24", "10.0.0.1")
		fx.create(rifPort(c.rifPort, c.net, c.router, "ab:cd:ef:01:02:03", alloc("10.0.0.1", c.subnet)))
		if fixtureGet[*models.Port](fx, g(c.rifPort)).PeerId != nil {
			t.Fatal("network port peered before the interface is added")
		}
		// A MidoNet-only port on the network is no obstacle (issue 1533629).
		if err := fx.st.Create(fx.ctx, &models.Port{Id: newID(), NetworkId: c.net}); err != nil {
			t.Fatal(err)
		}
		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		port := fx.checkRouterAndPeerPort(c.router, c.rifPort, "10.0.0.1", "ab:cd:ef:01:02:03")
		rp := idOf(port)
		a := addr("10.0.0.1")
		rifRt, mdRt, localRt := RouterInterfaceRouteID(rp, a), MetadataServiceRouteID(rp, a), LocalRouteID(rp, a)
		fx.sameIDSet("router port routes", port.GetRouteIds(), rifRt, mdRt, localRt)
		port.RouteIds = nil
		fx.equal("router port", port, &models.Port{Id: uuidOf(rp), RouterId: c.router, AdminStateUp: proto.Bool(true),
			PortMac: proto.String("ab:cd:ef:01:02:03"), PortSubnet: []*models.IPSubnet{cidr("10.0.0.1/24")},
			PortAddress: ip("10.0.0.1"), PeerId: c.rifPort, DhcpId: c.subnet,
			PortGroupIds: uuidsOf(RouterInterfacePortGroupID(g(c.router)))})
		fx.equal("subnet route", fixtureGet[*models.Route](fx, rifRt), &models.Route{Id: uuidOf(rifRt),
			SrcSubnet: anyRoute(), DstSubnet: cidr("10.0.0.1/24"), NextHop: models.Route_PORT.Enum(),
			NextHopPortId: uuidOf(rp), Weight: proto.Int32(100)})
		fx.equal("metadata route", fixtureGet[*models.Route](fx, mdRt), &models.Route{Id: uuidOf(mdRt),
			SrcSubnet: cidr("10.0.0.1/24"), DstSubnet: cidr("169.254.169.254/32"), NextHop: models.Route_PORT.Enum(),
			NextHopPortId: uuidOf(rp), Weight: proto.Int32(100), NextHopGateway: ip("10.0.0.2")})
		fx.equal("local route", fixtureGet[*models.Route](fx, localRt), &models.Route{Id: uuidOf(localRt),
			SrcSubnet: anyRoute(), DstSubnet: cidr("10.0.0.1/32"), NextHop: models.Route_LOCAL.Enum(),
			NextHopPortId: uuidOf(rp), Weight: proto.Int32(100)})
		if got := fixtureGet[*models.Dhcp](fx, g(c.subnet)).GetRouterIfPortId(); !got.Equal(uuidOf(rp)) {
			t.Errorf("dhcp router_if_port_id = %v, want the gateway interface", got)
		}
		fx.sameIDs("router interface port group members",
			fixtureGet[*models.PortGroup](fx, RouterInterfacePortGroupID(g(c.router))).GetPortIds(), rp)

		// Same-subnet SNAT: forward flows in and out of the port (but to the
		// metadata service) to the port's address, reversed on return.
		r := g(c.router)
		fx.equal("same-subnet SNAT", fixtureGet[*models.Rule](fx, SameSubnetSnatRuleID(OutChainID(r), rp)),
			natRule(SameSubnetSnatRuleID(OutChainID(r), rp), OutChainID(r), &models.Condition{
				InPortIds: uuidsOf(rp), OutPortIds: uuidsOf(rp), NwDstIp: cidr("169.254.169.254/32"),
				NwDstInv: proto.Bool(true), MatchForwardFlow: proto.Bool(true)}, "10.0.0.1", false, 1024, 65535))
		fx.equal("same-subnet reverse SNAT", fixtureGet[*models.Rule](fx, SameSubnetSnatRuleID(InChainID(r), rp)),
			natRule(SameSubnetSnatRuleID(InChainID(r), rp), InChainID(r), &models.Condition{
				InPortIds: uuidsOf(rp), NwDstIp: cidr("10.0.0.1/32"), MatchReturnFlow: proto.Bool(true)},
				"", false, 0, 0))

		// Deleting the Neutron port deletes both ports and the routes.
		fx.delete(&models.NeutronPort{}, c.rifPort)
		for _, gone := range []struct {
			m  proto.Message
			id uuid.UUID
		}{{&models.Port{}, rp}, {&models.Port{}, g(c.rifPort)}, {&models.Route{}, rifRt}, {&models.Route{}, mdRt},
			{&models.Rule{}, SameSubnetSnatRuleID(OutChainID(r), rp)},
			{&models.Rule{}, SameSubnetSnatRuleID(InChainID(r), rp)}} {
			if fx.exists(gone.m, gone.id) {
				t.Errorf("%s %s survives the interface port", models.ClassName(gone.m), gone.id)
			}
		}
	})
}

// checkEdgeRouterInterface is the reference's: the router port is bound
// to the host's interface, with the subnet and local routes, and goes
// with the Neutron port.
func (fx *fixture) checkEdgeRouterInterface(c rifCase, host *models.UUID) {
	fx.t.Helper()
	rp := RouterInterfacePeerID(g(c.rifPort))
	port := fixtureGet[*models.Port](fx, rp)
	a := addr("10.0.0.3")
	fx.sameIDs("edge port routes", port.GetRouteIds(), RouterInterfaceRouteID(rp, a), LocalRouteID(rp, a))
	port.RouteIds = nil
	if port.TunnelKey == nil {
		fx.t.Error("uplink router port has no tunnel key")
	}
	port.TunnelKey = nil
	fx.equal("edge router port", port, &models.Port{Id: uuidOf(rp), RouterId: c.router, AdminStateUp: proto.Bool(true),
		PortMac: proto.String("ab:cd:ef:01:02:03"), PortSubnet: []*models.IPSubnet{cidr("10.0.0.3/24")},
		PortAddress: ip("10.0.0.3"), HostId: host, InterfaceName: proto.String("eth0"),
		PortGroupIds: uuidsOf(PortGroupID(g(c.router)))})
	fx.sameIDs("host ports", fixtureGet[*models.Host](fx, g(host)).GetPortIds(), rp)

	fx.delete(&models.NeutronPort{}, c.rifPort)
	if fx.exists(&models.Port{}, rp) || fx.exists(&models.Route{}, RouterInterfaceRouteID(rp, a)) {
		fx.t.Error("edge router port or its route survives the Neutron port")
	}
	if got := fixtureGet[*models.Host](fx, g(host)).GetPortIds(); len(got) != 0 {
		fx.t.Errorf("host keeps ports %v", got)
	}
	if got := fixtureGet[*models.Router](fx, g(c.router)).GetPortIds(); len(got) != 0 {
		fx.t.Errorf("router keeps ports %v", got)
	}
}

// createHostNamedByID is the reference's createHost: a host whose name is
// its id.
func (fx *fixture) createHostNamedByID() *models.UUID {
	fx.t.Helper()
	h := newID()
	if err := fx.st.Create(fx.ctx, &models.Host{Id: h, Name: proto.String(h.Canonical())}); err != nil {
		fx.t.Fatal(err)
	}
	return h
}

func uplinkNetwork(n *models.UUID) *models.NeutronNetwork {
	nn := network(n)
	nn.NetworkType = models.NeutronNetwork_UPLINK.Enum()
	return nn
}

// Expectations of RouterInterfaceTranslatorIT "handle translation for
// interfaces on edge routers" and "convert non-RIF port on uplink network
// to RIF ports on create".
func TestRouterInterfaceUplink(t *testing.T) {
	for _, owner := range []*models.NeutronPort_DeviceOwner{models.NeutronPort_ROUTER_INTERFACE.Enum(), nil} {
		forEachBackend(t, func(t *testing.T, fx *fixture) {
			c := fx.newRifCase(uplinkNetwork, "10.0.0.0/24", "")
			host := newID()
			p := rifPort(c.rifPort, c.net, c.router, "ab:cd:ef:01:02:03", alloc("10.0.0.3", c.subnet))
			p.DeviceOwner, p.HostId = owner, proto.String(host.Canonical())
			p.Profile = &models.NeutronPort_BindingProfile{InterfaceName: proto.String("eth0")}
			if owner == nil {
				p.DeviceId = nil
			}
			fx.create(p)
			// Only the router has a MidoNet counterpart.
			if fx.exists(&models.Network{}, g(c.net)) || fx.exists(&models.Dhcp{}, g(c.subnet)) ||
				fx.exists(&models.Port{}, g(c.dhcpPort)) || fx.exists(&models.Port{}, g(c.rifPort)) {
				t.Fatal("uplink network objects translated")
			}
			// Without the host the binding cannot resolve.
			fx.mustFail("interface without its host", fx.svc.Create(fx.ctx, routerInterface(c.router, c.rifPort, c.subnet)),
				func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
			if err := fx.st.Create(fx.ctx, &models.Host{Id: host, Name: proto.String(host.Canonical())}); err != nil {
				t.Fatal(err)
			}
			fx.create(routerInterface(c.router, c.rifPort, c.subnet))
			np := fixtureGet[*models.NeutronPort](fx, g(c.rifPort))
			if np.GetDeviceOwner() != models.NeutronPort_ROUTER_INTERFACE || np.GetDeviceId() != c.router.Canonical() {
				t.Errorf("port not converted: owner %v device %q", np.DeviceOwner, np.GetDeviceId())
			}
			fx.checkEdgeRouterInterface(c, host)
		})
	}
}

// Expectations of RouterInterfaceTranslatorIT "get the router correctly
// even if not set on the port" and "convert VIF port on tenant network to
// RIF port on create".
func TestRouterInterfaceConvertsPort(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := fx.newRifCase(network, "10.0.0.0/24", "")

		// No device id on the port: the interface names the router.
		noDev := newID()
		fx.create(rifPort(noDev, c.net, nil, "ab:cd:ef:01:02:04", alloc("10.0.0.4", c.subnet)))
		fx.create(routerInterface(c.router, noDev, c.subnet))
		fx.checkRouterAndPeerPort(c.router, noDev, "10.0.0.4", "ab:cd:ef:01:02:04")

		// A VM port added by port loses its chains and DHCP host.
		sg := newID()
		fx.create(&models.SecurityGroup{Id: sg, TenantId: proto.String("tenant")})
		vif := l3Port(c.rifPort, c.net, models.NeutronPort_COMPUTE, "ab:cd:ef:01:02:03", alloc("10.0.0.3", c.subnet))
		vif.SecurityGroups = []*models.UUID{sg}
		fx.create(vif)
		p := g(c.rifPort)
		chains := []uuid.UUID{InChainID(p), OutChainID(p), AntiSpoofChainID(p)}
		for _, ch := range chains {
			if !fx.exists(&models.Chain{}, ch) {
				t.Fatalf("VM port chain %s missing", ch)
			}
		}
		if hosts := fixtureGet[*models.Dhcp](fx, g(c.subnet)).GetHosts(); len(hosts) != 1 {
			t.Fatalf("dhcp hosts %v", hosts)
		}
		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		np := fixtureGet[*models.NeutronPort](fx, p)
		if np.GetDeviceOwner() != models.NeutronPort_ROUTER_INTERFACE || np.GetDeviceId() != c.router.Canonical() {
			t.Errorf("port not converted: owner %v device %q", np.GetDeviceOwner(), np.GetDeviceId())
		}
		fx.checkRouterAndPeerPort(c.router, c.rifPort, "10.0.0.3", "ab:cd:ef:01:02:03")
		mp := fixtureGet[*models.Port](fx, p)
		if mp.InboundFilterId != nil || mp.OutboundFilterId != nil {
			t.Errorf("converted port keeps filters %v %v", mp.InboundFilterId, mp.OutboundFilterId)
		}
		for _, ch := range chains {
			if fx.exists(&models.Chain{}, ch) {
				t.Errorf("VM port chain %s survives the conversion", ch)
			}
		}
		if hosts := fixtureGet[*models.Dhcp](fx, g(c.subnet)).GetHosts(); len(hosts) != 0 {
			t.Errorf("dhcp hosts survive the conversion: %v", hosts)
		}
		// The converted port deletes cleanly (MNA-766).
		fx.delete(&models.NeutronPort{}, c.rifPort)
		if fx.exists(&models.Port{}, p) || fx.exists(&models.Port{}, RouterInterfacePeerID(p)) {
			t.Error("converted port or its router port survives")
		}
	})
}

// Expectations of RouterInterfaceTranslatorIT "set DHCP's routerIfPortId
// iff the router interface's IP is the subnet's gateway IP".
func TestRouterInterfaceGatewayDhcp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := rifCase{net: newID(), subnet: newID(), router: newID(), rifPort: newID()}
		fx.create(network(c.net), subnet(c.subnet, c.net, "10.0.0.0/16", "10.0.1.1"))
		fx.create(nRouter(c.router, "r", nil, false))
		fx.create(rifPort(c.rifPort, c.net, c.router, "01:02:03:04:05:06", alloc("10.0.2.1", c.subnet)))
		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		dhcpPort := newID()
		fx.create(l3Port(dhcpPort, c.net, models.NeutronPort_DHCP, "", alloc("10.0.0.2", c.subnet)))
		check := func(rif *models.UUID, mdAddr string) {
			t.Helper()
			rp := RouterInterfacePeerID(g(rif))
			md := MetadataServiceRouteID(rp, addr(mdAddr))
			dhcp := fixtureGet[*models.Dhcp](fx, g(c.subnet))
			port := fixtureGet[*models.Port](fx, rp)
			if proto.Equal(dhcp.GetDefaultGateway(), port.GetPortAddress()) {
				if !dhcp.GetRouterIfPortId().Equal(uuidOf(rp)) {
					t.Errorf("dhcp router_if_port_id = %v, want %s", dhcp.GetRouterIfPortId(), rp)
				}
				if got := fixtureGet[*models.Route](fx, md); !got.GetNextHopPortId().Equal(uuidOf(rp)) {
					t.Errorf("metadata route through %v", got.GetNextHopPortId())
				}
			} else {
				if dhcp.RouterIfPortId != nil && dhcp.GetRouterIfPortId().Equal(uuidOf(rp)) {
					t.Error("non-gateway interface is the dhcp's router interface")
				}
				if fx.exists(&models.Route{}, md) {
					t.Error("non-gateway interface has a metadata route")
				}
			}
		}
		check(c.rifPort, "10.0.2.1")

		// An interface with the gateway address, on a second router.
		r2, rif2 := newID(), newID()
		fx.create(nRouter(r2, "r2", nil, false))
		fx.create(rifPort(rif2, c.net, r2, "ab:ab:ab:ab:ab:ab", alloc("10.0.1.1", c.subnet)))
		fx.create(routerInterface(r2, rif2, c.subnet))
		check(rif2, "10.0.1.1")

		// The DHCP port's delete and re-creation move the metadata route.
		fx.delete(&models.NeutronPort{}, dhcpPort)
		if fx.exists(&models.Route{}, MetadataServiceRouteID(RouterInterfacePeerID(g(rif2)), addr("10.0.1.1"))) {
			t.Error("metadata route survives the DHCP port")
		}
		fx.create(l3Port(dhcpPort, c.net, models.NeutronPort_DHCP, "", alloc("10.0.0.2", c.subnet)))
		check(rif2, "10.0.0.2")
	})
}

// Expectations of RouterInterfaceTranslatorIT "handle translation for
// remove router interfaces of ipv4 subnet when there are two subnets in
// the port" (IPv4 side) and the errors of adding an interface.
func TestRouterInterfaceRemoveSubnet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := fx.newRifCase(network, "10.0.0.0/24", "10.0.0.1")
		sn2 := newID()
		fx.create(subnet(sn2, c.net, "10.0.1.0/24", "10.0.1.1"))
		fx.create(rifPort(c.rifPort, c.net, c.router, "ab:cd:ef:01:02:03", alloc("10.0.0.1", c.subnet),
			alloc("10.0.1.1", sn2)))

		// Two IPv4 subnets on one interface need two same-subnet SNAT rules
		// of one id: the reference refuses (400).
		var bad *BadRequestError
		fx.mustFail("two IPv4 subnets", fx.svc.Create(fx.ctx, routerInterface(c.router, c.rifPort, c.subnet, sn2)),
			func(err error) bool { return errors.As(err, &bad) })
		if fx.exists(&models.Port{}, RouterInterfacePeerID(g(c.rifPort))) {
			t.Fatal("refused interface left a router port")
		}

		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		rp := RouterInterfacePeerID(g(c.rifPort))
		a := addr("10.0.0.1")
		fx.sameIDSet("routes", fixtureGet[*models.Port](fx, rp).GetRouteIds(), RouterInterfaceRouteID(rp, a),
			LocalRouteID(rp, a), MetadataServiceRouteID(rp, a))

		// remove_router_interface of the subnet strips it.
		fx.update(routerInterface(c.router, c.rifPort, c.subnet))
		port := fixtureGet[*models.Port](fx, rp)
		if len(port.GetPortSubnet()) != 0 || port.PortAddress != nil || port.DhcpId != nil || len(port.GetRouteIds()) != 0 {
			t.Errorf("stripped router port = %v", port)
		}
		r := g(c.router)
		for _, rule := range []uuid.UUID{SameSubnetSnatRuleID(OutChainID(r), rp), SameSubnetSnatRuleID(InChainID(r), rp)} {
			if fx.exists(&models.Rule{}, rule) {
				t.Errorf("same-subnet rule %s survives", rule)
			}
		}
		if fixtureGet[*models.Dhcp](fx, g(c.subnet)).RouterIfPortId != nil {
			t.Error("dhcp keeps the stripped interface")
		}
		// Stripping it again finds its routes gone: the reference's
		// not-found.
		fx.mustFail("strip twice", fx.svc.Update(fx.ctx, routerInterface(c.router, c.rifPort, c.subnet)),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		// Removing an interface whose port is gone is a no-op.
		fx.delete(&models.NeutronPort{}, c.rifPort)
		fx.update(routerInterface(c.router, c.rifPort, c.subnet))

		// Not stored, and no DELETE.
		if fx.exists(&models.NeutronRouterInterface{}, r) {
			t.Error("router interface stored")
		}
		// A missing port is a not-found; an address outside the subnet is a 400.
		fx.mustFail("missing port", fx.svc.Create(fx.ctx, routerInterface(c.router, newID(), c.subnet)),
			func(err error) bool { return errors.Is(err, zoom.ErrNotFound) })
		noIPs := newID()
		fx.create(rifPort(noIPs, c.net, c.router, "ab:cd:ef:01:02:05"))
		noGw := newID()
		fx.create(subnet(noGw, c.net, "10.0.5.0/24", ""))
		fx.mustFail("no fixed IPs, no gateway", fx.svc.Create(fx.ctx, routerInterface(c.router, noIPs, noGw)),
			func(err error) bool { return errors.As(err, &bad) })
		// Without fixed IPs, the interface takes the subnet's gateway.
		fx.create(routerInterface(c.router, noIPs, sn2))
		fx.checkRouterAndPeerPort(c.router, noIPs, "10.0.1.1", "ab:cd:ef:01:02:05")
	})
}

// Expectations of RouterInterfaceTranslatorIT "handle translation for IPv6
// neutron ports": a NAT64 tunnel key, the FIP64 route to the NAT64 pool, a
// local route from "::", the skip-NAT4 rule; all gone with the port.
func TestRouterInterfaceIPv6(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := rifCase{net: newID(), subnet: newID(), router: newID(), rifPort: newID()}
		fx.create(network(c.net), subnet6(c.subnet, c.net, "2001::/64", "2001::1"), nRouter(c.router, "r", nil, false))
		fx.create(rifPort(c.rifPort, c.net, c.router, "01:02:03:04:05:06", alloc("2001::2", c.subnet)))
		fx.create(routerInterface(c.router, c.rifPort, c.subnet))
		rp := RouterInterfacePeerID(g(c.rifPort))
		port := fixtureGet[*models.Port](fx, rp)
		if port.GetTunnelKey()>>20&7 != 2 {
			t.Errorf("tunnel key %#x is not of the NAT64 type", port.GetTunnelKey())
		}
		if sn := port.GetPortSubnet(); len(sn) != 1 || sn[0].CIDR() != "2001:0:0:0:0:0:0:2/64" ||
			port.GetPortAddress().GetAddress() != "2001:0:0:0:0:0:0:2" {
			t.Errorf("port subnets %v, address %v", sn, port.GetPortAddress())
		}
		a := addr("2001::2")
		nat64, local := RouterInterfaceRouteID(rp, a), LocalRouteID(rp, a)
		fx.sameIDs("routes", port.GetRouteIds(), nat64, local)
		fx.equal("NAT64 route", fixtureGet[*models.Route](fx, nat64), &models.Route{Id: uuidOf(nat64),
			NextHop: models.Route_FIP64.Enum(), NextHopPortId: uuidOf(rp), SrcSubnet: anyRoute(),
			DstSubnet: cidr("100.64.0.0/10"), Weight: proto.Int32(100)})
		fx.equal("local route", fixtureGet[*models.Route](fx, local), &models.Route{Id: uuidOf(local),
			NextHop: models.Route_LOCAL.Enum(), NextHopPortId: uuidOf(rp),
			SrcSubnet: &models.IPSubnet{Version: models.IPVersion_V6.Enum(), Address: proto.String("::"),
				PrefixLength: proto.Uint32(0)}, DstSubnet: cidr("2001::2/128"), Weight: proto.Int32(100)})
		fx.sameIDs("fip_nat_rule_ids", port.GetFipNatRuleIds(), FloatNat64ChainID(rp))
		rule := fixtureGet[*models.Rule](fx, FloatNat64ChainID(rp))
		if rule.GetType() != models.Rule_LITERAL_RULE || rule.GetAction() != models.Rule_ACCEPT ||
			rule.GetCondition().GetNwDstIp().CIDR() != "100.64.0.0/10" {
			t.Errorf("skip-NAT4 rule %v", rule)
		}
		fx.delete(&models.NeutronPort{}, c.rifPort)
		if fx.exists(&models.Port{}, rp) {
			t.Error("router port survives")
		}
	})
}

// Expectations of RouterInterfaceTranslatorIT "handle translation for
// remove router interfaces of ipv4 (ipv6) subnet when there are two
// subnets in the port".
func TestRouterInterfaceRemoveOneOfTwoFamilies(t *testing.T) {
	const v4, v6 = "10.0.0.1", "1000:0:0:0:0:0:0:1"
	for _, removeV4 := range []bool{true, false} {
		forEachBackend(t, func(t *testing.T, fx *fixture) {
			c := fx.newRifCase(network, "10.0.0.0/24", v4)
			sn6 := newID()
			fx.create(subnet6(sn6, c.net, "1000::/100", v6))
			fx.create(rifPort(c.rifPort, c.net, c.router, "ab:cd:ef:01:02:03", alloc(v4, c.subnet), alloc(v6, sn6)))
			fx.create(routerInterface(c.router, c.rifPort, c.subnet, sn6))
			port := fx.checkRouterAndPeerPort(c.router, c.rifPort, v4, "ab:cd:ef:01:02:03")
			if len(port.GetPortSubnet()) != 2 || len(port.GetFipNatRuleIds()) != 1 || len(port.GetRouteIds()) != 5 {
				t.Fatalf("dual-stack port: %d subnets, %d NAT rules, %d routes", len(port.GetPortSubnet()),
					len(port.GetFipNatRuleIds()), len(port.GetRouteIds()))
			}
			rp := idOf(port)
			if removeV4 {
				fx.update(routerInterface(c.router, c.rifPort, c.subnet))
				port = fx.checkRouterAndPeerPort(c.router, c.rifPort, v6, "ab:cd:ef:01:02:03")
				fx.sameIDs("routes left", port.GetRouteIds(), RouterInterfaceRouteID(rp, addr(v6)), LocalRouteID(rp, addr(v6)))
				if len(port.GetPortSubnet()) != 1 || len(port.GetFipNatRuleIds()) != 1 || port.TunnelKey == nil {
					t.Errorf("IPv6 left: %v", port)
				}
			} else {
				fx.update(routerInterface(c.router, c.rifPort, sn6))
				port = fx.checkRouterAndPeerPort(c.router, c.rifPort, v4, "ab:cd:ef:01:02:03")
				fx.sameIDSet("routes left", port.GetRouteIds(), RouterInterfaceRouteID(rp, addr(v4)),
					LocalRouteID(rp, addr(v4)), MetadataServiceRouteID(rp, addr(v4)))
				if len(port.GetPortSubnet()) != 1 || len(port.GetFipNatRuleIds()) != 0 || port.TunnelKey != nil {
					t.Errorf("IPv4 left: %v", port)
				}
			}
			fx.delete(&models.NeutronPort{}, c.rifPort)
			if fx.exists(&models.Port{}, rp) || fx.exists(&models.Port{}, g(c.rifPort)) {
				t.Error("ports survive the interface port")
			}
		})
	}
}
