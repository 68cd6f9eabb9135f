package neutron

import (
	"net/netip"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// L2 gateways: gateway devices, L2 gateway connections and remote MAC
// entries, as the reference's GatewayDevice, L2GatewayConnection and
// RemoteMacEntry translators.
//
// A gateway device is only stored; it is a ROUTER_VTEP (its resource is a
// router, the VTEP router) or a NETWORK_VLAN (its resource is a network);
// HW_VTEP devices are refused. A connection joins a tenant network to the
// one device of its L2 gateway through two linked ports with ids derived
// from the network's (so one connection per network): a port on the tenant
// network, peered with either a VTEP router port (tunnel IP = the device's
// first tunnel IP, VNI = the connection's segmentation id) or, for
// NETWORK_VLAN, a port on the device's network with VLAN = the segmentation
// id. A remote MAC entry (MAC behind a remote VTEP address for one VNI) is
// an entry mac → VTEP address in the peering table of every VTEP router
// port with its VNI, made when the entry or the connection comes, whichever
// is last; the entry's port_ids and the ports' remote_mac_entry_ids (a
// store binding) record where it went.

// Messages of the reference's MessageProperty keys, which its translators
// throw as they are, without looking up their text.
const (
	msgUnsupportedGatewayDevice = "{midokura.javarx.UnsupportedGatewayDevice.message}"
	msgOnlyOneGatewayDevice     = "{midokura.javarx.OnlyOneGatewayDeviceSupported.message}"
)

// L2gwGatewayPortID is the connection's port on the gateway side (the VTEP
// router port, or the VLAN port on the device's network).
func L2gwGatewayPortID(network uuid.UUID) uuid.UUID {
	return XorID(network, 0x5ad1c08827cb459e, 0x80042ee7006a8210)
}

func gatewayDeviceTranslator() *Translator {
	t := typed(createGatewayDevice, updateGatewayDevice, deleteGatewayDevice)
	// The device's remote MAC entries are a back-reference the PUT does not
	// carry (the reference's update drops them, unlinking its entries).
	t.Keep = func(nm, old proto.Message) {
		nm.(*models.GatewayDevice).RemoteMacEntryIds = old.(*models.GatewayDevice).GetRemoteMacEntryIds()
	}
	return t
}

// createGatewayDevice only checks the type (absent reads as ROUTER_VTEP,
// the enum's first value, as the reference reads it).
func createGatewayDevice(_ *View, d *models.GatewayDevice) ([]Op, error) {
	switch d.GetType() {
	case models.GatewayDevice_ROUTER_VTEP, models.GatewayDevice_NETWORK_VLAN:
		return nil, nil
	}
	return nil, badRequest(msgUnsupportedGatewayDevice)
}

// updateGatewayDevice moves the gateway port of every connection through
// the device to the device's (new) first tunnel IP. Without one, a VTEP
// router port is refused (the reference fails with an index error, a 500,
// for any connected device) and a VLAN port left as it is.
func updateGatewayDevice(v *View, d, _ *models.GatewayDevice) ([]Op, error) {
	cnxns, err := getAll[*models.L2GatewayConnection](v)
	if err != nil {
		return nil, err
	}
	var ops []Op
	for _, c := range cnxns {
		if !connectsDevice(c, d.GetId()) {
			continue
		}
		ops = append(ops, modifyIfExists(L2gwGatewayPortID(c.GetNetworkId().ToGoogle()), func(p *models.Port) error {
			switch {
			case len(d.GetTunnelIps()) > 0:
				p.TunnelIp = proto.Clone(d.GetTunnelIps()[0]).(*models.IPAddress)
			case p.RouterId != nil:
				return noTunnelIP(d)
			}
			return nil
		}))
	}
	return ops, nil
}

// deleteGatewayDevice takes the device's remote MAC entries out of the
// peering tables; the store's cascade then deletes them (the reference
// leaves their peering entries behind).
func deleteGatewayDevice(v *View, d *models.GatewayDevice) ([]Op, error) {
	entries, err := getMany[*models.RemoteMacEntry](v, d.GetRemoteMacEntryIds())
	if err != nil {
		return nil, err
	}
	var ops []Op
	for _, rm := range entries {
		del, err := deleteRemoteMacEntry(v, rm)
		if err != nil {
			return nil, err
		}
		ops = append(ops, del...)
	}
	return ops, nil
}

func connectsDevice(c *models.L2GatewayConnection, device *models.UUID) bool {
	for _, d := range c.GetL2Gateway().GetDevices() {
		if d.GetDeviceId().Equal(device) {
			return true
		}
	}
	return false
}

// firstTunnelIP is the tunnel IP of a VTEP router's ports; a device
// without one is refused (the reference fails with an index error, a 500).
func firstTunnelIP(d *models.GatewayDevice) (*models.IPAddress, error) {
	if len(d.GetTunnelIps()) == 0 {
		return nil, noTunnelIP(d)
	}
	return proto.Clone(d.GetTunnelIps()[0]).(*models.IPAddress), nil
}

func noTunnelIP(d *models.GatewayDevice) error {
	return badRequest("Gateway device %s has no tunnel IP", d.GetId().Canonical())
}

func l2GatewayConnectionTranslator() *Translator {
	t := typed(createL2GatewayConnection, nil, deleteL2GatewayConnection)
	// The reference translates no update but stores the PUT's network and
	// gateway, after which its delete and device updates would work on ports
	// the connection never made; the stored ones are kept instead.
	t.Keep = func(nm, old proto.Message) {
		n, o := nm.(*models.L2GatewayConnection), old.(*models.L2GatewayConnection)
		n.NetworkId, n.SegmentationId, n.L2Gateway = o.GetNetworkId(), o.SegmentationId, o.GetL2Gateway()
	}
	return t
}

func createL2GatewayConnection(v *View, c *models.L2GatewayConnection) ([]Op, error) {
	devices := c.GetL2Gateway().GetDevices()
	if len(devices) != 1 {
		return nil, badRequest(msgOnlyOneGatewayDevice)
	}
	dev, err := get[*models.GatewayDevice](v, devices[0].GetDeviceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	net := c.GetNetworkId().ToGoogle()
	netPort := &models.Port{Id: uuidOf(L2gwNetworkPortID(net)), NetworkId: c.GetNetworkId()}
	gwPort := &models.Port{Id: uuidOf(L2gwGatewayPortID(net)), PeerId: netPort.GetId()}
	var ops []Op
	switch dev.GetType() {
	case models.GatewayDevice_ROUTER_VTEP:
		if gwPort.TunnelIp, err = firstTunnelIP(dev); err != nil {
			return nil, err
		}
		vni := c.GetSegmentationId()
		gwPort.RouterId, gwPort.Vni = dev.GetResourceId(), proto.Uint32(vni)
		entries, err := getMany[*models.RemoteMacEntry](v, dev.GetRemoteMacEntryIds())
		if err != nil {
			return nil, err
		}
		for _, rm := range entries {
			if rm.GetSegmentationId() != vni {
				continue
			}
			gwPort.RemoteMacEntryIds = append(gwPort.RemoteMacEntryIds, rm.GetId())
			path, err := peeringEntryPath(v, gwPort.GetId().ToGoogle(), rm)
			if err != nil {
				return nil, err
			}
			ops = append(ops, CreateNode(path))
		}
	case models.GatewayDevice_NETWORK_VLAN:
		gwPort.NetworkId, gwPort.VlanId = dev.GetResourceId(), proto.Uint32(c.GetSegmentationId())
	default:
		return nil, badRequest(msgUnsupportedGatewayDevice)
	}
	return append([]Op{Create(netPort), Create(gwPort)}, ops...), nil
}

// deleteL2GatewayConnection removes the gateway port's peering entries and
// both ports; ports already gone (their router or network deleted) are
// skipped, where the reference fails the delete with a 404 and keeps the
// connection for good.
func deleteL2GatewayConnection(v *View, c *models.L2GatewayConnection) ([]Op, error) {
	net := c.GetNetworkId().ToGoogle()
	gwPortID := L2gwGatewayPortID(net)
	var ops []Op
	gwPort, ok, err := getIf[*models.Port](v, gwPortID)
	if err != nil {
		return nil, err
	}
	if ok {
		entries, err := getMany[*models.RemoteMacEntry](v, gwPort.GetRemoteMacEntryIds())
		if err != nil {
			return nil, err
		}
		for _, rm := range entries {
			path, err := peeringEntryPath(v, gwPortID, rm)
			if err != nil {
				return nil, err
			}
			ops = append(ops, DeleteNode(path))
		}
	}
	return append(ops, Delete(&models.Port{}, L2gwNetworkPortID(net)), Delete(&models.Port{}, gwPortID)), nil
}

// peeringEntryPath is the persistent entry mac → VTEP address of a remote
// MAC entry in a port's peering table.
func peeringEntryPath(v *View, port uuid.UUID, rm *models.RemoteMacEntry) (string, error) {
	mac, err := midonet.ParseMAC(rm.GetMacAddress())
	if err != nil {
		return "", badRequest("Invalid MAC address %q", rm.GetMacAddress())
	}
	addr, err := netip.ParseAddr(rm.GetVtepAddress().GetAddress())
	if err != nil || !addr.Is4() {
		return "", badRequest("Invalid VTEP address %q", rm.GetVtepAddress().GetAddress())
	}
	dir, err := v.TablePath(&models.Port{}, port, midonet.PeeringTable)
	if err != nil {
		return "", err
	}
	return dir + "/" + zoom.TableEntry{Key: mac.String(), Value: addr.String(), Version: zoom.PersistentVersion}.Name(), nil
}

// remoteMacEntryTranslator: the translation creates the entry itself (with
// the ports it went to), deletes it itself, and refuses updates.
func remoteMacEntryTranslator() *Translator {
	t := typed(createRemoteMacEntry, updateRemoteMacEntry, deleteRemoteMacEntry)
	t.NotStored = true
	return t
}

// createRemoteMacEntry puts the entry in the peering table of every port of
// the device's router with the entry's VNI (a NETWORK_VLAN device has no
// router: not found, as the reference).
func createRemoteMacEntry(v *View, rm *models.RemoteMacEntry) ([]Op, error) {
	dev, err := get[*models.GatewayDevice](v, rm.GetDeviceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	router, err := get[*models.Router](v, dev.GetResourceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	ports, err := getMany[*models.Port](v, router.GetPortIds())
	if err != nil {
		return nil, err
	}
	stored := proto.Clone(rm).(*models.RemoteMacEntry)
	stored.PortIds = nil
	var ops []Op
	for _, p := range ports {
		if p.Vni == nil || p.GetVni() != rm.GetSegmentationId() {
			continue
		}
		stored.PortIds = append(stored.PortIds, p.GetId())
		path, err := peeringEntryPath(v, p.GetId().ToGoogle(), rm)
		if err != nil {
			return nil, err
		}
		ops = append(ops, CreateNode(path))
	}
	return append(ops, Create(stored)), nil
}

func updateRemoteMacEntry(*View, *models.RemoteMacEntry, *models.RemoteMacEntry) ([]Op, error) {
	return nil, badRequest("RemoteMacEntry update not supported.")
}

// deleteRemoteMacEntry takes the entry out of the peering tables of the
// ports it went to (those still there: a port's delete clears its id), then
// deletes it.
func deleteRemoteMacEntry(v *View, rm *models.RemoteMacEntry) ([]Op, error) {
	var ops []Op
	for _, p := range rm.GetPortIds() {
		path, err := peeringEntryPath(v, p.ToGoogle(), rm)
		if err != nil {
			return nil, err
		}
		ops = append(ops, DeleteNode(path))
	}
	return append(ops, Delete(&models.RemoteMacEntry{}, rm.GetId().ToGoogle())), nil
}
