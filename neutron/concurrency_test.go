package neutron

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Concurrent Neutron writes touching the same objects (the network's port
// list, the subnet's DHCP hosts, the group's addresses) all land, with no
// error, under 16 clients each bounded by the REST API's request timeout:
// each request is one optimistic transaction, re-run on conflict until its
// deadline, local ones committed together, with no lock.
func TestConcurrentPortCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid, sg := newID(), newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/16", "10.0.0.1"),
			&models.SecurityGroup{Id: sg, Name: proto.String("sg")})
		const writers, perWriter = 16, 4
		var wg sync.WaitGroup
		errs := make(chan error, writers*perWriter)
		for i := range writers {
			wg.Go(func() {
				for j := range perWriter {
					p := vifPort(newID(), nid, fmt.Sprintf("fa:16:3e:00:%02x:%02x", i+1, j), alloc(fmt.Sprintf("10.0.%d.%d", i+1, j+10), sid))
					p.SecurityGroups = []*models.UUID{sg}
					ctx, cancel := context.WithTimeout(fx.ctx, 30*time.Second)
					errs <- fx.svc.Create(ctx, p)
					cancel()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}
		const ports = writers * perWriter
		if n := len(fixtureGet[*models.Network](fx, nid.ToGoogle()).GetPortIds()); n != ports {
			t.Errorf("network has %d ports, want %d", n, ports)
		}
		if n := len(fixtureGet[*models.Dhcp](fx, sid.ToGoogle()).GetHosts()); n != ports {
			t.Errorf("subnet has %d DHCP hosts, want %d", n, ports)
		}
		if n := len(fixtureGet[*models.IPAddrGroup](fx, sg.ToGoogle()).GetIpAddrPorts()); n != ports {
			t.Errorf("group has %d addresses, want %d", n, ports)
		}
		if n := len(fx.macTable(nid)); n != ports {
			t.Errorf("MAC table has %d entries, want %d", n, ports)
		}
		fx.checkConsistent("after concurrent creates")
	})
}

// A DHCP port on a subnet whose gateway is a router interface adds the
// metadata route on that router port (src: the DHCP subnet, via the DHCP
// port's IP, id derived from the router port and the IP); its delete
// removes it.
func TestDhcpPortMetadataRoute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		rid, rp := newID(), newID()
		if err := fx.st.Create(fx.ctx, &models.Router{Id: rid, Name: proto.String("r")}); err != nil {
			t.Fatal(err)
		}
		// The router interface port holding the subnet's gateway.
		if err := fx.st.Create(fx.ctx, &models.Port{Id: rp, RouterId: rid, DhcpId: sid, PortAddress: ip("10.0.0.1"),
			PortSubnet: []*models.IPSubnet{cidr("10.0.0.1/24")}}); err != nil {
			t.Fatal(err)
		}
		dp := newID()
		fx.create(&models.NeutronPort{Id: dp, NetworkId: nid, MacAddress: proto.String("fa:16:3e:00:00:02"),
			AdminStateUp: proto.Bool(true), DeviceOwner: models.NeutronPort_DHCP.Enum(),
			FixedIps: []*models.NeutronPort_IPAllocation{alloc("10.0.0.2", sid)}})
		a, _ := ip("10.0.0.2").ToAddr()
		id := MetadataServiceRouteID(rp.ToGoogle(), a)
		fx.equal("metadata route", fixtureGet[*models.Route](fx, id), &models.Route{Id: models.UUIDFromGoogle(id),
			SrcSubnet: cidr("10.0.0.0/24"), DstSubnet: cidr("169.254.169.254/32"), NextHop: models.Route_PORT.Enum(),
			NextHopPortId: rp, NextHopGateway: ip("10.0.0.2"), Weight: proto.Int32(100)})
		if routes := fixtureGet[*models.Port](fx, rp.ToGoogle()).GetRouteIds(); len(routes) != 1 {
			t.Errorf("router port routes %v", routes)
		}
		fx.delete(&models.NeutronPort{}, dp)
		if fx.exists(&models.Route{}, id) {
			t.Error("the metadata route survives the DHCP port")
		}
	})
}
