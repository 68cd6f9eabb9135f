package neutron

import (
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Networks: a Neutron network is a MidoNet network (v5 bridge) with the
// same id; uplink networks exist only as Neutron objects. The Neutron
// network keeps the list of its subnets, which a PUT does not carry.

func networkTranslator() *Translator {
	t := typed(createNetwork, updateNetwork, deleteNetwork)
	t.Keep = func(nm, old proto.Message) {
		nm.(*models.NeutronNetwork).Subnets = old.(*models.NeutronNetwork).GetSubnets()
	}
	return t
}

func isUplinkNetwork(n *models.NeutronNetwork) bool {
	return n.NetworkType != nil && n.GetNetworkType() == models.NeutronNetwork_UPLINK
}

func createNetwork(_ *View, n *models.NeutronNetwork) ([]Op, error) {
	if isUplinkNetwork(n) {
		return nil, nil
	}
	net := &models.Network{
		Id:           n.GetId(),
		TenantId:     proto.String(n.GetTenantId()),
		Name:         proto.String(n.GetName()),
		AdminStateUp: proto.Bool(n.GetAdminStateUp()),
		QosPolicyId:  n.GetQosPolicyId(),
	}
	return []Op{Create(net)}, nil
}

func updateNetwork(_ *View, n, _ *models.NeutronNetwork) ([]Op, error) {
	if isUplinkNetwork(n) {
		return nil, nil
	}
	return []Op{Modify(n.GetId().ToGoogle(), func(net *models.Network) error {
		net.Name = proto.String(n.GetName())
		net.AdminStateUp = proto.Bool(n.GetAdminStateUp())
		net.QosPolicyId = n.GetQosPolicyId()
		return nil
	})}, nil
}

func deleteNetwork(_ *View, n *models.NeutronNetwork) ([]Op, error) {
	if isUplinkNetwork(n) {
		return nil, nil
	}
	return []Op{Delete(&models.Network{}, n.GetId().ToGoogle())}, nil
}
