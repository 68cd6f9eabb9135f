package neutron

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Expectations of the reference's SubnetTranslatorIT: the Dhcp made for a
// subnet, what an update changes, and the delete.
func TestSubnetTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		s := subnet(sid, nid, "10.0.1.0/24", "10.0.1.1")
		s.DnsNameservers = []*models.IPAddress{ip("8.8.8.8"), ip("8.8.4.4")}
		s.HostRoutes = []*models.NeutronRoute{{Destination: cidr("10.9.0.0/16"), Nexthop: ip("10.0.1.7")}}
		fx.create(network(nid), s)

		want := &models.Dhcp{Id: sid, NetworkId: nid, SubnetAddress: cidr("10.0.1.0/24"),
			ServerAddress: ip("10.0.1.1"), DefaultGateway: ip("10.0.1.1"),
			DnsServerAddress: []*models.IPAddress{ip("8.8.8.8"), ip("8.8.4.4")}, Enabled: proto.Bool(true),
			Opt121Routes: []*models.Dhcp_Opt121Route{{DstSubnet: cidr("10.9.0.0/16"), Gateway: ip("10.0.1.7")}}}
		fx.equal("dhcp", fixtureGet[*models.Dhcp](fx, sid.ToGoogle()), want)
		if got := fixtureGet[*models.NeutronNetwork](fx, nid.ToGoogle()).GetSubnets(); len(got) != 1 || !got[0].Equal(sid) {
			t.Errorf("neutron network subnets = %v", got)
		}
		if got := fixtureGet[*models.Network](fx, nid.ToGoogle()).GetDhcpIds(); len(got) != 1 || !got[0].Equal(sid) {
			t.Errorf("network dhcp_ids = %v", got)
		}

		// A network update keeps the subnet list it does not carry.
		fx.update(network(nid))
		if got := fixtureGet[*models.NeutronNetwork](fx, nid.ToGoogle()).GetSubnets(); len(got) != 1 {
			t.Errorf("network update lost its subnets: %v", got)
		}

		// Update: enabled, cidr, gateway (server address left), DNS, routes.
		s2 := subnet(sid, nid, "10.0.1.0/25", "")
		s2.EnableDhcp = proto.Bool(false)
		fx.update(s2)
		want = &models.Dhcp{Id: sid, NetworkId: nid, SubnetAddress: cidr("10.0.1.0/25"),
			ServerAddress: ip("10.0.1.1"), Enabled: proto.Bool(false)}
		fx.equal("updated dhcp", fixtureGet[*models.Dhcp](fx, sid.ToGoogle()), want)

		// A subnet without a gateway has neither default gateway nor server.
		sid2 := newID()
		fx.create(subnet(sid2, nid, "10.0.2.0/24", ""))
		fx.equal("dhcp without gateway", fixtureGet[*models.Dhcp](fx, sid2.ToGoogle()), &models.Dhcp{
			Id: sid2, NetworkId: nid, SubnetAddress: cidr("10.0.2.0/24"), Enabled: proto.Bool(true)})

		fx.delete(&models.NeutronSubnet{}, sid)
		if fx.exists(&models.Dhcp{}, sid.ToGoogle()) {
			t.Error("dhcp survives the subnet's delete")
		}
		if got := fixtureGet[*models.NeutronNetwork](fx, nid.ToGoogle()).GetSubnets(); len(got) != 1 || !got[0].Equal(sid2) {
			t.Errorf("neutron network subnets after delete = %v", got)
		}
		// Deleting the network cascades to the remaining Dhcp.
		fx.delete(&models.NeutronNetwork{}, nid)
		if fx.exists(&models.Dhcp{}, sid2.ToGoogle()) {
			t.Error("dhcp survives its network")
		}
	})
}

// SubnetTranslatorIT's IPv6 cases: several IPv6 subnets on one network,
// each a Dhcp with its CIDR, and an update moving CIDR and gateway.
func TestIPv6SubnetTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, s1, s2 := newID(), newID(), newID()
		a := subnet(s1, nid, "1000::/100", "")
		a.IpVersion = proto.Uint32(6)
		b := subnet(s2, nid, "2000::/96", "")
		b.IpVersion = proto.Uint32(6)
		fx.create(network(nid), a, b)
		for id, c := range map[*models.UUID]string{s1: "1000::/100", s2: "2000::/96"} {
			d := fixtureGet[*models.Dhcp](fx, id.ToGoogle())
			if !proto.Equal(d.GetSubnetAddress(), cidr(c)) || !d.GetNetworkId().Equal(nid) || d.DefaultGateway != nil {
				t.Errorf("dhcp of %s: %v", c, d)
			}
		}
		up := subnet(s1, nid, "2000::/100", "3000::1")
		up.IpVersion = proto.Uint32(6)
		fx.update(up)
		d := fixtureGet[*models.Dhcp](fx, s1.ToGoogle())
		if !proto.Equal(d.GetSubnetAddress(), cidr("2000::/100")) || !proto.Equal(d.GetDefaultGateway(), ip("3000::1")) {
			t.Errorf("updated IPv6 dhcp %v", d)
		}
		if got := d.GetSubnetAddress().GetAddress(); got != "2000:0:0:0:0:0:0:0" {
			t.Errorf("IPv6 subnet address stored as %q, want the reference's uncompressed form", got)
		}
	})
}

// A subnet's gateway change moves the routes through it (the routes with
// the subnet as gateway_dhcp_id, a router's default route): their next-hop
// gateway follows, and is cleared with the gateway.
func TestSubnetGatewayRoutesFollow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid, rid, pid, route := newID(), newID(), newID(), newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		if err := fx.st.Create(fx.ctx, &models.Router{Id: rid}); err != nil {
			t.Fatal(err)
		}
		if err := fx.st.Create(fx.ctx, &models.Port{Id: pid, RouterId: rid}); err != nil {
			t.Fatal(err)
		}
		if err := fx.st.Create(fx.ctx, nextHopPortRoute(route, pid, nil, nil, ip("10.0.0.1"))); err != nil {
			t.Fatal(err)
		}
		r := fixtureGet[*models.Route](fx, route.ToGoogle())
		r.GatewayDhcpId = sid
		if err := fx.st.Update(fx.ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, gw := range []string{"10.0.0.254", ""} {
			fx.update(subnet(sid, nid, "10.0.0.0/24", gw))
			var want *models.IPAddress
			if gw != "" {
				want = ip(gw)
			}
			if got := fixtureGet[*models.Route](fx, route.ToGoogle()).GetNextHopGateway(); !proto.Equal(got, want) {
				t.Errorf("gateway %q: route's next hop gateway %v", gw, got)
			}
		}
	})
}
