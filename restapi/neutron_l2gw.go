package restapi

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
)

// The L2 gateway JSON models (/neutron/gateway_devices,
// /l2_gateway_connections, /remote_mac_entries). Integers are Java
// Integers: a value beyond 32 bits does not convert, a negative one is
// stored as its unsigned bit pattern and read back as it was written.
// Addresses are IPv4 (the reference's IPv4Addr fields).

// neutronGatewayDevice is the JSON of a gateway device; type and
// management_protocol are read in any case and written as the enum's name.
type neutronGatewayDevice struct {
	ID                 *string  `json:"id"`
	Type               *string  `json:"type"`
	ResourceID         *string  `json:"resource_id"`
	TunnelIPs          []string `json:"tunnel_ips"`
	ManagementIP       *string  `json:"management_ip"`
	ManagementPort     *int32   `json:"management_port"`
	ManagementProtocol *string  `json:"management_protocol"`
}

func (d *neutronGatewayDevice) toProto() (*models.GatewayDevice, error) {
	gd := &models.GatewayDevice{}
	var err error
	if err = readUUIDs(uuidField{&gd.Id, d.ID, "id"},
		uuidField{&gd.ResourceId, d.ResourceID, "resource_id"}); err != nil {
		return nil, err
	}
	if d.Type != nil {
		v, ok := models.GatewayDevice_GatewayType_value[strings.ToUpper(*d.Type)]
		if !ok {
			return nil, neutronBadRequest("Invalid type: %s", *d.Type)
		}
		gd.Type = models.GatewayDevice_GatewayType(v).Enum()
	}
	for i := range d.TunnelIPs {
		a, err := nIPv4(&d.TunnelIPs[i], "tunnel_ips")
		if err != nil {
			return nil, err
		}
		gd.TunnelIps = append(gd.TunnelIps, a)
	}
	if gd.ManagementIp, err = nIPv4(d.ManagementIP, "management_ip"); err != nil {
		return nil, err
	}
	if d.ManagementPort != nil {
		gd.ManagementPort = proto.Uint32(uint32(*d.ManagementPort))
	}
	if d.ManagementProtocol != nil {
		v, ok := models.GatewayDevice_GatewayDeviceProtocol_value[strings.ToUpper(*d.ManagementProtocol)]
		if !ok {
			return nil, neutronBadRequest("Invalid management_protocol: %s", *d.ManagementProtocol)
		}
		gd.ManagementProtocol = models.GatewayDevice_GatewayDeviceProtocol(v).Enum()
	}
	return gd, nil
}

func neutronGatewayDeviceOf(gd *models.GatewayDevice) *neutronGatewayDevice {
	d := &neutronGatewayDevice{ID: outUUID(gd.GetId()), ResourceID: outUUID(gd.GetResourceId()),
		ManagementIP: outIP(gd.GetManagementIp()), ManagementPort: javaInt32(gd.ManagementPort), TunnelIPs: []string{}}
	if gd.Type != nil {
		d.Type = proto.String(gd.GetType().String())
	}
	if gd.ManagementProtocol != nil {
		d.ManagementProtocol = proto.String(gd.GetManagementProtocol().String())
	}
	for _, a := range gd.GetTunnelIps() {
		d.TunnelIPs = append(d.TunnelIPs, a.GetAddress())
	}
	return d
}

// neutronL2GatewayConnection is the JSON of an L2 gateway connection with
// its L2 gateway.
type neutronL2GatewayConnection struct {
	ID             *string           `json:"id"`
	TenantID       *string           `json:"tenant_id"`
	NetworkID      *string           `json:"network_id"`
	SegmentationID *int32            `json:"segmentation_id"`
	L2Gateway      *neutronL2Gateway `json:"l2_gateway"`
}

type neutronL2Gateway struct {
	ID       *string                  `json:"id"`
	Name     *string                  `json:"name"`
	TenantID *string                  `json:"tenant_id"`
	Devices  []neutronL2GatewayDevice `json:"devices"`
}

type neutronL2GatewayDevice struct {
	DeviceID       *string `json:"device_id"`
	SegmentationID *int32  `json:"segmentation_id"`
}

func (d *neutronL2GatewayConnection) toProto() (*models.L2GatewayConnection, error) {
	c := &models.L2GatewayConnection{TenantId: optString(d.TenantID), SegmentationId: javaUint32(d.SegmentationID)}
	var err error
	if err = readUUIDs(uuidField{&c.Id, d.ID, "id"}, uuidField{&c.NetworkId, d.NetworkID, "network_id"}); err != nil {
		return nil, err
	}
	if gw := d.L2Gateway; gw != nil {
		c.L2Gateway = &models.L2Gateway{Name: optString(gw.Name), TenantId: optString(gw.TenantID)}
		if c.L2Gateway.Id, err = nUUID(gw.ID, "l2_gateway.id"); err != nil {
			return nil, err
		}
		for _, dev := range gw.Devices {
			id, err := nUUID(dev.DeviceID, "device_id")
			if err != nil {
				return nil, err
			}
			c.L2Gateway.Devices = append(c.L2Gateway.Devices,
				&models.L2Gateway_L2GatewayDevice{DeviceId: id, SegmentationId: javaUint32(dev.SegmentationID)})
		}
	}
	return c, nil
}

func neutronL2GatewayConnectionOf(c *models.L2GatewayConnection) *neutronL2GatewayConnection {
	d := &neutronL2GatewayConnection{ID: outUUID(c.GetId()), TenantID: c.TenantId, NetworkID: outUUID(c.GetNetworkId()),
		SegmentationID: javaInt32(c.SegmentationId)}
	if gw := c.GetL2Gateway(); gw != nil {
		d.L2Gateway = &neutronL2Gateway{ID: outUUID(gw.GetId()), Name: gw.Name, TenantID: gw.TenantId,
			Devices: []neutronL2GatewayDevice{}}
		for _, dev := range gw.GetDevices() {
			d.L2Gateway.Devices = append(d.L2Gateway.Devices, neutronL2GatewayDevice{DeviceID: outUUID(dev.GetDeviceId()),
				SegmentationID: javaInt32(dev.SegmentationId)})
		}
	}
	return d
}

// neutronRemoteMacEntry is the JSON of a remote MAC entry (the ports it
// went to are not shown).
type neutronRemoteMacEntry struct {
	ID             *string `json:"id"`
	DeviceID       *string `json:"device_id"`
	VtepAddress    *string `json:"vtep_address"`
	MacAddress     *string `json:"mac_address"`
	SegmentationID *int32  `json:"segmentation_id"`
}

func (d *neutronRemoteMacEntry) toProto() (*models.RemoteMacEntry, error) {
	rm := &models.RemoteMacEntry{SegmentationId: javaUint32(d.SegmentationID)}
	var err error
	if err = readUUIDs(uuidField{&rm.Id, d.ID, "id"}, uuidField{&rm.DeviceId, d.DeviceID, "device_id"}); err != nil {
		return nil, err
	}
	if rm.VtepAddress, err = nIPv4(d.VtepAddress, "vtep_address"); err != nil {
		return nil, err
	}
	if d.MacAddress != nil {
		mac, err := midonet.ParseMAC(*d.MacAddress)
		if err != nil {
			return nil, neutronBadRequest("Invalid mac_address: %s", *d.MacAddress)
		}
		rm.MacAddress = proto.String(mac.String())
	}
	return rm, nil
}

func neutronRemoteMacEntryOf(rm *models.RemoteMacEntry) *neutronRemoteMacEntry {
	return &neutronRemoteMacEntry{ID: outUUID(rm.GetId()), DeviceID: outUUID(rm.GetDeviceId()),
		VtepAddress: outIP(rm.GetVtepAddress()), MacAddress: rm.MacAddress, SegmentationID: javaInt32(rm.SegmentationId)}
}

// nIPv4 reads an IPv4 address (the reference's IPv4Addr converter refuses
// anything else).
func nIPv4(s *string, what string) (*models.IPAddress, error) {
	a, err := nIP(s, what)
	if err != nil {
		return nil, err
	}
	if a != nil && a.GetVersion() != models.IPVersion_V4 {
		return nil, neutronBadRequest("Invalid %s: %s", what, *s)
	}
	return a, nil
}
