package neutron

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Expectations of the reference's NetworkTranslatorTest / NetworkIT.
func TestNetworkTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		id, qos := newID(), newID()
		if err := fx.st.Create(fx.ctx, &models.QosPolicy{Id: qos, Name: proto.String("q")}); err != nil {
			t.Fatal(err)
		}
		nn := network(id)
		nn.QosPolicyId = qos
		fx.create(nn)
		fx.equal("network", fixtureGet[*models.Network](fx, id.ToGoogle()), &models.Network{
			Id: id, TenantId: proto.String("tenant"), Name: proto.String("net"), AdminStateUp: proto.Bool(true),
			QosPolicyId: qos})
		if got := fixtureGet[*models.QosPolicy](fx, qos.ToGoogle()).GetNetworkIds(); len(got) != 1 || !got[0].Equal(id) {
			t.Errorf("qos policy network_ids = %v", got)
		}

		// Update: name, admin state, qos (cleared when absent); never the tenant.
		up := &models.NeutronNetwork{Id: id, Name: proto.String("renamed"), TenantId: proto.String("other"),
			AdminStateUp: proto.Bool(false)}
		fx.update(up)
		fx.equal("updated network", fixtureGet[*models.Network](fx, id.ToGoogle()), &models.Network{
			Id: id, TenantId: proto.String("tenant"), Name: proto.String("renamed"), AdminStateUp: proto.Bool(false)})
		fx.equal("stored neutron network", fixtureGet[*models.NeutronNetwork](fx, id.ToGoogle()), up)

		fx.delete(&models.NeutronNetwork{}, id)
		if fx.exists(&models.Network{}, id.ToGoogle()) || fx.exists(&models.NeutronNetwork{}, id.ToGoogle()) {
			t.Error("network survives its delete")
		}
		fx.delete(&models.NeutronNetwork{}, id) // idempotent

		// Uplink networks: nothing but the Neutron object, also for subnets.
		uid, sid := newID(), newID()
		un := network(uid)
		un.NetworkType = models.NeutronNetwork_UPLINK.Enum()
		fx.create(un, subnet(sid, uid, "10.0.0.0/24", "10.0.0.1"))
		if fx.exists(&models.Network{}, uid.ToGoogle()) || fx.exists(&models.Dhcp{}, sid.ToGoogle()) {
			t.Error("uplink network or its subnet translated")
		}
		fx.delete(&models.NeutronSubnet{}, sid)
		fx.delete(&models.NeutronNetwork{}, uid)
	})
}
