package neutron

import (
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Subnets: a Neutron subnet is the Dhcp (DHCP subnet) of its network's
// MidoNet network, with the same id. Subnets of uplink networks exist
// only as Neutron objects.

func subnetTranslator() *Translator { return typed(createSubnet, updateSubnet, deleteSubnet) }

// metadataServiceSubnet is the metadata service's address as a /32.
func metadataServiceSubnet() *models.IPSubnet {
	return &models.IPSubnet{Version: models.IPVersion_V4.Enum(), Address: proto.String("169.254.169.254"),
		PrefixLength: proto.Uint32(32)}
}

func onUplinkNetwork(v *View, s *models.NeutronSubnet) (bool, error) {
	nn, err := get[*models.NeutronNetwork](v, s.GetNetworkId().ToGoogle())
	if err != nil {
		return false, err
	}
	return isUplinkNetwork(nn), nil
}

func hostRoutes(s *models.NeutronSubnet) []*models.Dhcp_Opt121Route {
	var out []*models.Dhcp_Opt121Route
	for _, r := range s.GetHostRoutes() {
		out = append(out, &models.Dhcp_Opt121Route{DstSubnet: r.GetDestination(), Gateway: r.GetNexthop()})
	}
	return out
}

func createSubnet(v *View, s *models.NeutronSubnet) ([]Op, error) {
	if uplink, err := onUplinkNetwork(v, s); err != nil || uplink {
		return nil, err
	}
	dhcp := &models.Dhcp{Id: s.GetId(), NetworkId: s.GetNetworkId(), SubnetAddress: s.GetCidr(),
		DefaultGateway: s.GetGatewayIp(), ServerAddress: s.GetGatewayIp(), DnsServerAddress: s.GetDnsNameservers(),
		Opt121Routes: hostRoutes(s)}
	if s.EnableDhcp != nil {
		dhcp.Enabled = proto.Bool(s.GetEnableDhcp())
	}
	sid := s.GetId()
	return []Op{
		Create(dhcp),
		Modify(s.GetNetworkId().ToGoogle(), func(n *models.NeutronNetwork) error {
			n.Subnets = append(n.Subnets, sid)
			return nil
		}),
	}, nil
}

func updateSubnet(v *View, s, _ *models.NeutronSubnet) ([]Op, error) {
	if uplink, err := onUplinkNetwork(v, s); err != nil || uplink {
		return nil, err
	}
	old, err := get[*models.Dhcp](v, s.GetId().ToGoogle())
	if err != nil {
		return nil, err
	}
	routes := hostRoutes(s)
	dhcpIP, err := dhcpPortIP(v, s.GetNetworkId())
	if err != nil {
		return nil, err
	}
	if dhcpIP != nil {
		routes = append(routes, &models.Dhcp_Opt121Route{DstSubnet: metadataServiceSubnet(), Gateway: dhcpIP})
	}
	// The LB v2 VIP router ports' routes follow the new option 121 routes.
	ops, err := updateLbV2Routes(v, s, routes)
	if err != nil {
		return nil, err
	}
	ops = append(ops, Modify(s.GetId().ToGoogle(), func(d *models.Dhcp) error {
		d.Enabled = proto.Bool(s.GetEnableDhcp())
		d.SubnetAddress = s.GetCidr()
		d.DefaultGateway = s.GetGatewayIp()
		d.DnsServerAddress = s.GetDnsNameservers()
		d.Opt121Routes = routes
		return nil
	}))
	// Routes through the subnet's gateway follow it.
	if !proto.Equal(old.GetDefaultGateway(), s.GetGatewayIp()) {
		gw := s.GetGatewayIp()
		for _, rid := range old.GetGatewayRouteIds() {
			ops = append(ops, Modify(rid.ToGoogle(), func(r *models.Route) error {
				r.NextHopGateway = gw
				return nil
			}))
		}
	}
	return ops, nil
}

func deleteSubnet(v *View, s *models.NeutronSubnet) ([]Op, error) {
	sid := s.GetId()
	ops := []Op{}
	if ok, err := v.Exists(&models.NeutronNetwork{}, s.GetNetworkId().ToGoogle()); err != nil {
		return nil, err
	} else if ok {
		ops = append(ops, Modify(s.GetNetworkId().ToGoogle(), func(n *models.NeutronNetwork) error {
			n.Subnets = removeID(n.Subnets, sid)
			return nil
		}))
	}
	return append(ops, Delete(&models.Dhcp{}, sid.ToGoogle())), nil
}

// dhcpPortIP is the first fixed IP of the network's first DHCP port (in
// the network's port order), nil without one.
func dhcpPortIP(v *View, networkID *models.UUID) (*models.IPAddress, error) {
	net, ok, err := getIf[*models.Network](v, networkID.ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	for _, pid := range net.GetPortIds() {
		np, ok, err := getIf[*models.NeutronPort](v, pid.ToGoogle())
		if err != nil {
			return nil, err
		}
		if ok && np.GetDeviceOwner() == models.NeutronPort_DHCP {
			if len(np.GetFixedIps()) == 0 {
				return nil, nil
			}
			return np.GetFixedIps()[0].GetIpAddress(), nil
		}
	}
	return nil, nil
}

// removeID returns ids without the first occurrence of id.
func removeID(ids []*models.UUID, id *models.UUID) []*models.UUID {
	for i, x := range ids {
		if x.Equal(id) {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

// containsID reports whether ids holds id.
func containsID(ids []*models.UUID, id *models.UUID) bool {
	for _, x := range ids {
		if x.Equal(id) {
			return true
		}
	}
	return false
}
