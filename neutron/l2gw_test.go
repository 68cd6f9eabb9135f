package neutron

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Builders of the reference's L2GatewayConnectionTranslatorIT objects.

func gatewayDevice(id, resource *models.UUID, kind models.GatewayDevice_GatewayType, tunnelIPs ...string) *models.GatewayDevice {
	d := &models.GatewayDevice{Id: id, Type: kind.Enum(), ResourceId: resource, ManagementIp: ip("199.0.0.1"),
		ManagementPort: proto.Uint32(37000), ManagementProtocol: models.GatewayDevice_OVSDB.Enum()}
	for _, a := range tunnelIPs {
		d.TunnelIps = append(d.TunnelIps, ip(a))
	}
	return d
}

func l2gwConnection(id, net, device *models.UUID, vni uint32) *models.L2GatewayConnection {
	return &models.L2GatewayConnection{Id: id, TenantId: proto.String("tenant"), NetworkId: net,
		SegmentationId: proto.Uint32(vni), L2Gateway: &models.L2Gateway{Id: newID(), Name: proto.String("l2-gateway"),
			TenantId: proto.String("tenant"), Devices: []*models.L2Gateway_L2GatewayDevice{
				{DeviceId: device, SegmentationId: proto.Uint32(vni)}}}}
}

// remoteMac is a remote MAC entry the test made: its MAC behind a VTEP.
type remoteMac struct {
	id       *models.UUID
	mac, ip  string
	vni      uint32
	deviceID *models.UUID
}

var remoteMacN int

func (fx *fixture) createRemoteMac(device *models.UUID, vni uint32) remoteMac {
	fx.t.Helper()
	remoteMacN++
	rm := remoteMac{id: newID(), mac: fmt.Sprintf("fa:16:3e:02:%02x:%02x", remoteMacN/256, remoteMacN%256),
		ip: fmt.Sprintf("192.0.2.%d", remoteMacN%250+1), vni: vni, deviceID: device}
	fx.create(&models.RemoteMacEntry{Id: rm.id, DeviceId: device, VtepAddress: ip(rm.ip), MacAddress: proto.String(rm.mac),
		SegmentationId: proto.Uint32(vni)})
	return rm
}

func (fx *fixture) peeringTable(port *models.UUID) map[string]string {
	fx.t.Helper()
	tbl, err := midonet.PortPeeringTable(fx.ctx, fx.st, port.ToGoogle())
	return tableStrings(fx, tbl, err)
}

// checkVtepConnection is the reference's checkL2GatewayConnection: the
// tenant-network port peered with the VTEP router port, which carries the
// device's tunnel IP, the connection's VNI and exactly the remote MAC
// entries rms, also as its peering table.
func (fx *fixture) checkVtepConnection(cnxn, device, net, router *models.UUID, rms ...remoteMac) {
	fx.t.Helper()
	netPortID, rtrPortID := uuidOf(L2gwNetworkPortID(g(net))), uuidOf(L2gwGatewayPortID(g(net)))
	dev := fixtureGet[*models.GatewayDevice](fx, g(device))
	c := fixtureGet[*models.L2GatewayConnection](fx, g(cnxn))
	netPort := fixtureGet[*models.Port](fx, g(netPortID))
	rtrPort := fixtureGet[*models.Port](fx, g(rtrPortID))
	if !netPort.GetAdminStateUp() || !netPort.GetNetworkId().Equal(net) || !netPort.GetPeerId().Equal(rtrPortID) ||
		netPort.PortAddress != nil || netPort.PortMac != nil || len(netPort.GetRemoteMacEntryIds()) != 0 {
		fx.t.Errorf("network port: %v", netPort)
	}
	if !rtrPort.GetAdminStateUp() || !rtrPort.GetPeerId().Equal(netPortID) || len(rtrPort.GetRouteIds()) != 0 ||
		!rtrPort.GetRouterId().Equal(router) || !proto.Equal(rtrPort.GetTunnelIp(), dev.GetTunnelIps()[0]) ||
		rtrPort.Vni == nil || rtrPort.GetVni() != c.GetSegmentationId() {
		fx.t.Errorf("VTEP router port: %v", rtrPort)
	}
	var ids []uuid.UUID
	want := map[string]string{}
	for _, rm := range rms {
		ids = append(ids, g(rm.id))
		want[rm.mac] = rm.ip
	}
	fx.sameIDSet("VTEP router port remote_mac_entry_ids", rtrPort.GetRemoteMacEntryIds(), ids...)
	if got := fx.peeringTable(rtrPortID); !maps.Equal(got, want) {
		fx.t.Errorf("peering table of %s = %v, want %v", rtrPortID.Canonical(), got, want)
	}
}

func (fx *fixture) checkNoConnection(net *models.UUID) {
	fx.t.Helper()
	for _, p := range []*models.UUID{uuidOf(L2gwNetworkPortID(g(net))), uuidOf(L2gwGatewayPortID(g(net)))} {
		if fx.exists(&models.Port{}, g(p)) {
			fx.t.Errorf("L2 gateway port %s of network %s survives", p.Canonical(), net.Canonical())
		}
	}
}

// TestL2GatewayConnectionTranslation ports L2GatewayConnectionTranslatorIT:
// router_vtep and network_vlan connections, their deletion, remote MAC
// entries added before and after the connections (by VNI), device
// updates moving the tunnel IP, device deletion cascading to the entries.
func TestL2GatewayConnectionTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		t.Run("router_vtep", func(t *testing.T) {
			net, router, dev := newID(), newID(), newID()
			fx.create(network(net), nRouter(router, "vtep", nil, false))
			fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
			cnxn := newID()
			fx.create(l2gwConnection(cnxn, net, dev, 100))
			fx.checkVtepConnection(cnxn, dev, net, router)
			fx.delete(&models.L2GatewayConnection{}, cnxn)
			fx.checkNoConnection(net)
		})

		t.Run("network_vlan", func(t *testing.T) {
			net, gwNet, dev := newID(), newID(), newID()
			fx.create(network(net), network(gwNet))
			fx.create(gatewayDevice(dev, gwNet, models.GatewayDevice_NETWORK_VLAN))
			cnxn := newID()
			fx.create(l2gwConnection(cnxn, net, dev, 100))
			vlanPort := fixtureGet[*models.Port](fx, L2gwGatewayPortID(g(net)))
			netPortID := uuidOf(L2gwNetworkPortID(g(net)))
			if vlanPort.VlanId == nil || vlanPort.GetVlanId() != 100 || !vlanPort.GetPeerId().Equal(netPortID) ||
				!vlanPort.GetNetworkId().Equal(gwNet) || vlanPort.RouterId != nil {
				t.Errorf("VLAN port: %v", vlanPort)
			}
			if p := fixtureGet[*models.Port](fx, g(netPortID)); !p.GetNetworkId().Equal(net) || !p.GetPeerId().Equal(vlanPort.GetId()) {
				t.Errorf("network port: %v", p)
			}
			// A second connection of the network collides on the derived ports.
			fx.mustFail("second connection of a network", fx.svc.Create(fx.ctx, l2gwConnection(newID(), net, dev, 200)),
				func(err error) bool { return errors.Is(err, zoom.ErrObjectExists) })
			// A VLAN device's update without tunnel IPs leaves its port; with
			// one, the port carries it (as the reference, for any device).
			fx.update(gatewayDevice(dev, gwNet, models.GatewayDevice_NETWORK_VLAN))
			fx.update(gatewayDevice(dev, gwNet, models.GatewayDevice_NETWORK_VLAN, "30.0.0.9"))
			if got := fixtureGet[*models.Port](fx, g(vlanPort.GetId())).GetTunnelIp().GetAddress(); got != "30.0.0.9" {
				t.Errorf("VLAN port tunnel IP after the update: %q", got)
			}
			fx.delete(&models.L2GatewayConnection{}, cnxn)
			fx.checkNoConnection(net)
			fx.delete(&models.L2GatewayConnection{}, cnxn)
		})

		t.Run("remote MAC entries before the connection", func(t *testing.T) {
			net, router, dev := newID(), newID(), newID()
			fx.create(network(net), nRouter(router, "vtep", nil, false))
			fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
			rm1, rm2, rm3 := fx.createRemoteMac(dev, 100), fx.createRemoteMac(dev, 100), fx.createRemoteMac(dev, 101)
			cnxn := newID()
			fx.create(l2gwConnection(cnxn, net, dev, 100))
			fx.checkVtepConnection(cnxn, dev, net, router, rm1, rm2)
			net2, cnxn2 := newID(), newID()
			fx.create(network(net2))
			fx.create(l2gwConnection(cnxn2, net2, dev, 101))
			fx.checkVtepConnection(cnxn2, dev, net2, router, rm3)
			fx.delete(&models.L2GatewayConnection{}, cnxn)
			fx.checkNoConnection(net)
			fx.checkVtepConnection(cnxn2, dev, net2, router, rm3)
			fx.delete(&models.L2GatewayConnection{}, cnxn2)
			fx.checkNoConnection(net2)
			for _, rm := range []remoteMac{rm1, rm2, rm3} {
				if got := fixtureGet[*models.RemoteMacEntry](fx, g(rm.id)).GetPortIds(); len(got) != 0 {
					t.Errorf("remote MAC entry %s keeps ports %v", rm.id.Canonical(), got)
				}
			}
		})

		t.Run("remote MAC entry CRUD", func(t *testing.T) {
			router, dev := newID(), newID()
			fx.create(nRouter(router, "vtep", nil, false))
			fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
			net1, net2, net3 := newID(), newID(), newID()
			fx.create(network(net1), network(net2), network(net3))
			c1, c2, c3 := newID(), newID(), newID()
			fx.create(l2gwConnection(c1, net1, dev, 100))
			fx.create(l2gwConnection(c2, net2, dev, 100))
			fx.create(l2gwConnection(c3, net3, dev, 101))
			fx.checkVtepConnection(c1, dev, net1, router)
			fx.checkVtepConnection(c2, dev, net2, router)
			fx.checkVtepConnection(c3, dev, net3, router)

			rm1, rm2, rm3 := fx.createRemoteMac(dev, 100), fx.createRemoteMac(dev, 100), fx.createRemoteMac(dev, 101)
			rm4 := fx.createRemoteMac(dev, 102)
			fx.checkVtepConnection(c1, dev, net1, router, rm1, rm2)
			fx.checkVtepConnection(c2, dev, net2, router, rm1, rm2)
			fx.checkVtepConnection(c3, dev, net3, router, rm3)
			fx.sameIDSet("device remote_mac_entry_ids", fixtureGet[*models.GatewayDevice](fx, g(dev)).GetRemoteMacEntryIds(),
				g(rm1.id), g(rm2.id), g(rm3.id), g(rm4.id))
			if got := fixtureGet[*models.RemoteMacEntry](fx, g(rm4.id)).GetPortIds(); len(got) != 0 {
				t.Errorf("VNI 102 entry went to ports %v", got)
			}

			// Deleting rm1 takes it out of both VNI 100 connections.
			fx.delete(&models.RemoteMacEntry{}, rm1.id)
			fx.delete(&models.RemoteMacEntry{}, rm1.id)
			fx.checkVtepConnection(c1, dev, net1, router, rm2)
			fx.checkVtepConnection(c2, dev, net2, router, rm2)
			fx.checkVtepConnection(c3, dev, net3, router, rm3)

			// Deleting c1 leaves the others' peering tables.
			fx.delete(&models.L2GatewayConnection{}, c1)
			fx.checkNoConnection(net1)
			fx.checkVtepConnection(c2, dev, net2, router, rm2)
			fx.checkVtepConnection(c3, dev, net3, router, rm3)
			fx.sameIDSet("rm2 port_ids", fixtureGet[*models.RemoteMacEntry](fx, g(rm2.id)).GetPortIds(),
				L2gwGatewayPortID(g(net2)))
			fx.sameIDSet("rm3 port_ids", fixtureGet[*models.RemoteMacEntry](fx, g(rm3.id)).GetPortIds(),
				L2gwGatewayPortID(g(net3)))

			// Deleting the device deletes its remaining entries, and takes
			// them out of the peering tables of the connections left.
			fx.delete(&models.GatewayDevice{}, dev)
			for _, rm := range []remoteMac{rm2, rm3, rm4} {
				if fx.exists(&models.RemoteMacEntry{}, g(rm.id)) {
					t.Errorf("remote MAC entry %s survives its device", rm.id.Canonical())
				}
			}
			for _, n := range []*models.UUID{net2, net3} {
				port := uuidOf(L2gwGatewayPortID(g(n)))
				if got := fx.peeringTable(port); len(got) != 0 {
					t.Errorf("peering table of %s after the device's delete: %v", port.Canonical(), got)
				}
				if ids := fixtureGet[*models.Port](fx, g(port)).GetRemoteMacEntryIds(); len(ids) != 0 {
					t.Errorf("port %s keeps remote MAC entries %v", port.Canonical(), ids)
				}
			}
			fx.delete(&models.L2GatewayConnection{}, c2)
			fx.delete(&models.L2GatewayConnection{}, c3)
			fx.checkNoConnection(net2)
			fx.checkNoConnection(net3)
		})

		t.Run("device update moves the tunnel IP", func(t *testing.T) {
			n1, r1, d1, n2, r2, d2 := newID(), newID(), newID(), newID(), newID(), newID()
			fx.create(network(n1), nRouter(r1, "r1", nil, false), network(n2), nRouter(r2, "r2", nil, false))
			fx.create(gatewayDevice(d1, r1, models.GatewayDevice_ROUTER_VTEP, "1.1.1.1"))
			fx.create(gatewayDevice(d2, r2, models.GatewayDevice_ROUTER_VTEP, "1.1.1.2"))
			rm := fx.createRemoteMac(d1, 100)
			fx.create(l2gwConnection(newID(), n1, d1, 100), l2gwConnection(newID(), n2, d2, 100))
			tunnelIP := func(n *models.UUID) string {
				return fixtureGet[*models.Port](fx, L2gwGatewayPortID(g(n))).GetTunnelIp().GetAddress()
			}
			if a, b := tunnelIP(n1), tunnelIP(n2); a != "1.1.1.1" || b != "1.1.1.2" {
				t.Errorf("tunnel IPs %s %s", a, b)
			}
			fx.update(gatewayDevice(d1, r1, models.GatewayDevice_ROUTER_VTEP, "1.1.1.3"))
			if a, b := tunnelIP(n1), tunnelIP(n2); a != "1.1.1.3" || b != "1.1.1.2" {
				t.Errorf("tunnel IPs after the update %s %s", a, b)
			}
			// The update keeps the device's remote MAC entries (and the
			// entry its device).
			fx.sameIDSet("device remote_mac_entry_ids after update",
				fixtureGet[*models.GatewayDevice](fx, g(d1)).GetRemoteMacEntryIds(), g(rm.id))
			if got := fixtureGet[*models.RemoteMacEntry](fx, g(rm.id)).GetDeviceId(); !got.Equal(d1) {
				t.Errorf("entry's device after the update: %v", got)
			}
			var bad *BadRequestError
			fx.mustFail("device update without tunnel IPs",
				fx.svc.Update(fx.ctx, gatewayDevice(d1, r1, models.GatewayDevice_ROUTER_VTEP)),
				func(err error) bool { return errors.As(err, &bad) })
		})

		t.Run("connection update keeps its ports", func(t *testing.T) {
			net, other, router, dev, cnxn := newID(), newID(), newID(), newID(), newID()
			fx.create(network(net), network(other), nRouter(router, "vtep", nil, false))
			fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
			fx.create(l2gwConnection(cnxn, net, dev, 100))
			up := l2gwConnection(cnxn, other, dev, 300)
			up.TenantId = proto.String("other")
			fx.update(up)
			got := fixtureGet[*models.L2GatewayConnection](fx, g(cnxn))
			if got.GetTenantId() != "other" || !got.GetNetworkId().Equal(net) || got.GetSegmentationId() != 100 {
				t.Errorf("updated connection stored as %v", got)
			}
			fx.checkVtepConnection(cnxn, dev, net, router)
			fx.delete(&models.L2GatewayConnection{}, cnxn)
			fx.checkNoConnection(net)
		})

		t.Run("connection delete after its router", func(t *testing.T) {
			net, router, dev, cnxn := newID(), newID(), newID(), newID()
			fx.create(network(net), nRouter(router, "vtep", nil, false))
			fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
			rm := fx.createRemoteMac(dev, 100)
			fx.create(l2gwConnection(cnxn, net, dev, 100))
			fx.delete(&models.NeutronRouter{}, router)
			if got := fixtureGet[*models.RemoteMacEntry](fx, g(rm.id)).GetPortIds(); len(got) != 0 {
				t.Errorf("entry keeps the deleted port: %v", got)
			}
			fx.delete(&models.L2GatewayConnection{}, cnxn)
			fx.checkNoConnection(net)
			fx.delete(&models.RemoteMacEntry{}, rm.id)
			fx.delete(&models.GatewayDevice{}, dev)
		})

		t.Run("bad input", func(t *testing.T) {
			var bad *BadRequestError
			isBad := func(msg string) func(error) bool {
				return func(err error) bool { return errors.As(err, &bad) && bad.Msg == msg }
			}
			isNotFound := func(err error) bool { return errors.Is(err, zoom.ErrNotFound) }
			net, router, gwNet := newID(), newID(), newID()
			fx.create(network(net), network(gwNet), nRouter(router, "vtep", nil, false))
			hw := newID()
			fx.mustFail("HW_VTEP device", fx.svc.Create(fx.ctx, gatewayDevice(hw, router, models.GatewayDevice_HW_VTEP)),
				isBad(msgUnsupportedGatewayDevice))
			if fx.exists(&models.GatewayDevice{}, g(hw)) {
				t.Error("refused device stored")
			}
			// No type is ROUTER_VTEP (the enum's first value).
			untyped := gatewayDevice(newID(), router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1")
			untyped.Type = nil
			fx.create(untyped)

			vlanDev, vtepDev, noIP := newID(), untyped.GetId(), newID()
			fx.create(gatewayDevice(vlanDev, gwNet, models.GatewayDevice_NETWORK_VLAN),
				gatewayDevice(noIP, router, models.GatewayDevice_ROUTER_VTEP))
			two := l2gwConnection(newID(), net, vtepDev, 100)
			two.L2Gateway.Devices = append(two.L2Gateway.Devices, two.L2Gateway.Devices[0])
			fx.mustFail("two devices", fx.svc.Create(fx.ctx, two), isBad(msgOnlyOneGatewayDevice))
			none := l2gwConnection(newID(), net, vtepDev, 100)
			none.L2Gateway = nil
			fx.mustFail("no device", fx.svc.Create(fx.ctx, none), isBad(msgOnlyOneGatewayDevice))
			fx.mustFail("missing device", fx.svc.Create(fx.ctx, l2gwConnection(newID(), net, newID(), 100)), isNotFound)
			fx.mustFail("missing network", fx.svc.Create(fx.ctx, l2gwConnection(newID(), newID(), vtepDev, 100)), isNotFound)
			fx.mustFail("device without tunnel IP", fx.svc.Create(fx.ctx, l2gwConnection(newID(), net, noIP, 100)),
				func(err error) bool { return errors.As(err, &bad) })
			fx.checkNoConnection(net)

			// A remote MAC entry needs its device's router.
			entry := func(dev *models.UUID) *models.RemoteMacEntry {
				return &models.RemoteMacEntry{Id: newID(), DeviceId: dev, VtepAddress: ip("192.0.2.1"),
					MacAddress: proto.String("fa:16:3e:00:00:01"), SegmentationId: proto.Uint32(100)}
			}
			fx.mustFail("entry of a missing device", fx.svc.Create(fx.ctx, entry(newID())), isNotFound)
			fx.mustFail("entry of a VLAN device", fx.svc.Create(fx.ctx, entry(vlanDev)), isNotFound)
			e := entry(vtepDev)
			fx.create(e)
			fx.mustFail("entry update", fx.svc.Update(fx.ctx, e), func(err error) bool { return errors.As(err, &bad) })
			fx.sameIDSet("entries of the device after the refusals",
				fixtureGet[*models.GatewayDevice](fx, g(vtepDev)).GetRemoteMacEntryIds(), g(e.GetId()))
		})
	})
}

// Connections and remote MAC entries of one device created concurrently
// (each translation reads what the others write: the device's entries,
// the router's ports) all land, and every VTEP router port ends up with
// every entry of its VNI, in its peering table and its
// remote_mac_entry_ids, whichever committed first.
func TestConcurrentL2Gateway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		router, dev := newID(), newID()
		fx.create(nRouter(router, "vtep", nil, false))
		fx.create(gatewayDevice(dev, router, models.GatewayDevice_ROUTER_VTEP, "30.0.0.1"))
		const nets, entries = 4, 8
		var netIDs []*models.UUID
		for range nets {
			id := newID()
			fx.create(network(id))
			netIDs = append(netIDs, id)
		}
		var ops []proto.Message
		var rms []remoteMac
		for i, n := range netIDs {
			ops = append(ops, l2gwConnection(newID(), n, dev, 100))
			for j := range entries / nets {
				rm := remoteMac{id: newID(), mac: fmt.Sprintf("fa:16:3e:03:%02x:%02x", i, j),
					ip: fmt.Sprintf("192.0.2.%d", i*10+j+1), vni: 100}
				rms = append(rms, rm)
				ops = append(ops, &models.RemoteMacEntry{Id: rm.id, DeviceId: dev, VtepAddress: ip(rm.ip),
					MacAddress: proto.String(rm.mac), SegmentationId: proto.Uint32(100)})
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(ops))
		for _, op := range ops {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(fx.ctx, 30*time.Second)
				defer cancel()
				errs <- fx.svc.Create(ctx, op)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}
		var ports []uuid.UUID
		for _, n := range netIDs {
			port := L2gwGatewayPortID(g(n))
			ports = append(ports, port)
			var ids []uuid.UUID
			want := map[string]string{}
			for _, rm := range rms {
				ids = append(ids, g(rm.id))
				want[rm.mac] = rm.ip
			}
			fx.sameIDSet("port "+port.String()+" entries", fixtureGet[*models.Port](fx, port).GetRemoteMacEntryIds(), ids...)
			if got := fx.peeringTable(uuidOf(port)); !maps.Equal(got, want) {
				t.Errorf("peering table of %s = %v, want %v", port, got, want)
			}
		}
		for _, rm := range rms {
			fx.sameIDSet("entry "+rm.id.Canonical()+" ports", fixtureGet[*models.RemoteMacEntry](fx, g(rm.id)).GetPortIds(), ports...)
		}
		fx.checkConsistent("after concurrent L2 gateway creates")
	})
}
