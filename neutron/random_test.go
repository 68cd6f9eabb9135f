package neutron

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
)

// TestRandomSequenceLeavesConsistentStore runs a seeded random sequence of
// Neutron creates, updates and deletes (networks, subnets, compute and DHCP
// ports, security groups and rules, bulk and single; then tap services and
// flows over the ports left), then requires the
// consistency checker to find nothing; it then deletes every Neutron object
// and requires the translated topology to be gone entirely (no leaked
// network, port, chain, rule, address group, DHCP subnet or mirror).
func TestRandomSequenceLeavesConsistentStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		rng := rand.New(rand.NewPCG(13, 0))
		type subnetRef struct{ id, net *models.UUID }
		var (
			nets    []*models.UUID
			subnets []subnetRef
			sgs     []*models.UUID
			rules   []*models.UUID
			ports   []*models.NeutronPort
			ipN     = 10
		)
		pick := func(n int) int { return rng.IntN(n) }
		newPort := func() *models.NeutronPort {
			s := subnets[pick(len(subnets))]
			ipN++
			p := vifPort(newID(), s.net, fmt.Sprintf("fa:16:3e:00:%02x:%02x", ipN/256, ipN%256),
				alloc(fmt.Sprintf("10.%d.%d.%d", 0, ipN/250, ipN%250+2), s.id))
			if rng.IntN(4) == 0 {
				p.DeviceOwner = models.NeutronPort_DHCP.Enum()
			}
			if len(sgs) > 0 && rng.IntN(2) == 0 {
				p.SecurityGroups = []*models.UUID{sgs[pick(len(sgs))]}
			}
			p.PortSecurityEnabled = proto.Bool(rng.IntN(5) != 0)
			return p
		}
		for step := 0; step < 120; step++ {
			switch k := rng.IntN(10); {
			case k == 0 || len(nets) == 0:
				bulk := []proto.Message{}
				for i := 0; i <= rng.IntN(2); i++ {
					id := newID()
					nets = append(nets, id)
					bulk = append(bulk, network(id))
				}
				fx.create(bulk...)
			case k == 1 && len(subnets) < 2*len(nets):
				n, id := nets[pick(len(nets))], newID()
				// One /16 per subnet inside 10.0.0.0/8 keeps every port's IP in it.
				fx.create(subnet(id, n, "10.0.0.0/16", "10.0.0.1"))
				subnets = append(subnets, subnetRef{id, n})
			case k == 2:
				id := newID()
				r := sgRule(newID(), id, models.RuleDirection_INGRESS, models.Protocol_TCP)
				r.PortRangeMin, r.PortRangeMax = proto.Int32(22), proto.Int32(22)
				if len(sgs) > 0 {
					r.RemoteGroupId = sgs[pick(len(sgs))]
				}
				fx.create(&models.SecurityGroup{Id: id, Name: proto.String("sg"), SecurityGroupRules: []*models.SecurityGroupRule{r}})
				sgs = append(sgs, id)
			case k == 3 && len(sgs) > 0:
				r := sgRule(newID(), sgs[pick(len(sgs))], models.RuleDirection_EGRESS, models.Protocol_UDP)
				fx.create(r)
				rules = append(rules, r.GetId())
			case (k == 4 || k == 5) && len(subnets) > 0:
				if rng.IntN(3) == 0 {
					fx.create(newPort(), newPort())
					break
				}
				p := newPort()
				fx.create(p)
				ports = append(ports, p)
			case k == 6 && len(ports) > 0:
				i := pick(len(ports))
				p := proto.Clone(ports[i]).(*models.NeutronPort)
				if !fx.exists(&models.NeutronPort{}, p.GetId().ToGoogle()) {
					break
				}
				p.AdminStateUp = proto.Bool(rng.IntN(2) == 0)
				if len(sgs) > 0 && isVifPort(p) {
					p.SecurityGroups = []*models.UUID{sgs[pick(len(sgs))]}
				}
				ipN++
				p.FixedIps[0].IpAddress = ip(fmt.Sprintf("10.0.%d.%d", ipN/250, ipN%250+2))
				fx.update(p)
				ports[i] = p
			case k == 7 && len(ports) > 0:
				i := pick(len(ports))
				fx.delete(&models.NeutronPort{}, ports[i].GetId())
				ports = append(ports[:i], ports[i+1:]...)
			case k == 8 && len(rules) > 0:
				i := pick(len(rules))
				fx.delete(&models.SecurityGroupRule{}, rules[i])
				rules = append(rules[:i], rules[i+1:]...)
			case k == 9 && len(sgs) > 1:
				i := pick(len(sgs))
				fx.delete(&models.SecurityGroup{}, sgs[i])
				sgs = append(sgs[:i], sgs[i+1:]...)
			}
		}
		// Tap-as-a-service over the ports left: services, flows in random
		// directions (several per port and service), deletes of flows,
		// services and source ports.
		var services, flows []*models.UUID
		serviceTo := map[*models.UUID]*models.UUID{} // service -> its destination port
		for step := 0; step < 40 && len(ports) > 1; step++ {
			switch k := rng.IntN(6); {
			case k == 0 || len(services) == 0:
				id := newID()
				to := ports[pick(len(ports))].GetId()
				fx.create(&models.TapService{Id: id, PortId: to})
				services = append(services, id)
				serviceTo[id] = to
			case k <= 2:
				id := newID()
				fx.create(&models.TapFlow{Id: id, TapServiceId: services[pick(len(services))],
					SourcePort: ports[pick(len(ports))].GetId(), Direction: models.TapFlow_TapFlowDirection(rng.IntN(3)).Enum()})
				flows = append(flows, id)
			case k == 3 && len(flows) > 0:
				i := pick(len(flows))
				fx.delete(&models.TapFlow{}, flows[i])
				flows = append(flows[:i], flows[i+1:]...)
			case k == 4:
				i := pick(len(services))
				fx.delete(&models.TapService{}, services[i])
				services = append(services[:i], services[i+1:]...)
			case k == 5:
				// A port's delete also takes the mirrors of the services
				// copying to it (the Neutron service stays, without a
				// mirror: no new flows for it).
				i := pick(len(ports))
				fx.delete(&models.NeutronPort{}, ports[i].GetId())
				services = slices.DeleteFunc(services, func(s *models.UUID) bool { return serviceTo[s].Equal(ports[i].GetId()) })
				ports = append(ports[:i], ports[i+1:]...)
			}
		}
		fx.checkConsistent("after the random sequence")

		// Delete everything Neutron knows, in the plugin's order.
		for _, m := range []proto.Message{&models.TapFlow{}, &models.TapService{}, &models.NeutronPort{},
			&models.SecurityGroup{}, &models.NeutronSubnet{}, &models.NeutronNetwork{}} {
			all, err := fx.st.GetAll(fx.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range all {
				id, _ := models.ID(o)
				fx.delete(m, id)
			}
		}
		fx.checkConsistent("after deleting everything")
		for _, m := range []proto.Message{&models.Network{}, &models.Port{}, &models.Chain{}, &models.Rule{},
			&models.IPAddrGroup{}, &models.Dhcp{}, &models.SecurityGroupRule{}, &models.NeutronPort{}, &models.Mirror{}} {
			if all, err := fx.st.GetAll(fx.ctx, m); err != nil || len(all) != 0 {
				t.Errorf("%d %s left (%v)", len(all), models.ClassName(m), err)
			}
		}
	})
}

// checkConsistent runs the consistency checker on the fixture's store.
func (fx *fixture) checkConsistent(when string) {
	fx.t.Helper()
	rep, err := consistency.Check(fx.ctx, fx.st.Conn(), fx.root, consistency.Options{})
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Logf("%s: %d objects checked: %v", when, rep.Total(), rep.Objects)
	if rep.Total() == 0 && when == "after the random sequence" {
		fx.t.Fatalf("%s: the checker read no objects under %s", when, fx.root)
	}
	for _, f := range rep.Findings {
		fx.t.Errorf("%s: %s", when, f)
	}
}
