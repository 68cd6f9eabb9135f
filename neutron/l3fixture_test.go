package neutron

import (
	"net/netip"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Builders and checks shared by the router, router-interface and
// floating-IP suites (the reference's C3POMinionTestBase helpers).

// l3Port is a Neutron port of the given device owner.
func l3Port(portID, net *models.UUID, owner models.NeutronPort_DeviceOwner, mac string,
	fixed ...*models.NeutronPort_IPAllocation) *models.NeutronPort {
	p := &models.NeutronPort{Id: portID, NetworkId: net, TenantId: proto.String("tenant"),
		AdminStateUp: proto.Bool(true), DeviceOwner: owner.Enum(), FixedIps: fixed}
	if mac != "" {
		p.MacAddress = proto.String(mac)
	}
	return p
}

// nRouter is the reference's routerJson: name, admin up, tenant "tenant",
// the gateway port and SNAT flag when given.
func nRouter(r *models.UUID, name string, gw *models.UUID, snat bool, routes ...*models.NeutronRoute) *models.NeutronRouter {
	nr := &models.NeutronRouter{Id: r, Name: proto.String(name), AdminStateUp: proto.Bool(true),
		TenantId: proto.String("tenant"), GwPortId: gw, Routes: routes}
	if snat {
		nr.ExternalGatewayInfo = &models.NeutronRouter_ExternalGatewayInfo{EnableSnat: proto.Bool(true)}
	}
	return nr
}

func nRoute(dst, nextHop string) *models.NeutronRoute {
	return &models.NeutronRoute{Destination: cidr(dst), Nexthop: ip(nextHop)}
}

func routerInterface(r, port *models.UUID, subnets ...*models.UUID) *models.NeutronRouterInterface {
	ri := &models.NeutronRouterInterface{Id: r, PortId: port, SubnetIds: subnets}
	if len(subnets) > 0 {
		ri.SubnetId = subnets[0]
	}
	return ri
}

func g(u *models.UUID) uuid.UUID { return u.ToGoogle() }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// mustFail runs the operation and wants it refused with an error matched by is.
func (fx *fixture) mustFail(what string, err error, is func(error) bool) {
	fx.t.Helper()
	if err == nil {
		fx.t.Fatalf("%s: no error", what)
	}
	if !is(err) {
		fx.t.Fatalf("%s: unexpected error %v (%T)", what, err, err)
	}
}

// ruleIDs are the ids of rules, for order checks.
func ruleIDs(rs []*models.Rule) []uuid.UUID {
	out := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		out[i] = g(r.GetId())
	}
	return out
}

func (fx *fixture) sameIDs(what string, got []*models.UUID, want ...uuid.UUID) {
	fx.t.Helper()
	if len(got) != len(want) {
		fx.t.Errorf("%s: got %v, want %v", what, models.UUIDsToStrings(got), want)
		return
	}
	for i := range got {
		if g(got[i]) != want[i] {
			fx.t.Errorf("%s: got %v, want %v", what, models.UUIDsToStrings(got), want)
			return
		}
	}
}

// sameIDSet is sameIDs without order.
func (fx *fixture) sameIDSet(what string, got []*models.UUID, want ...uuid.UUID) {
	fx.t.Helper()
	set := map[uuid.UUID]int{}
	for _, u := range got {
		set[g(u)]++
	}
	for _, u := range want {
		set[u]--
	}
	for _, n := range set {
		if n != 0 {
			fx.t.Errorf("%s: got %v, want (any order) %v", what, models.UUIDsToStrings(got), want)
			return
		}
	}
}

func anyRoute() *models.IPSubnet { return cidr("0.0.0.0/0") }

func natRule(ruleID, chain uuid.UUID, cond *models.Condition, to string, dnat bool, tpStart, tpEnd uint32) *models.Rule {
	r := &models.Rule{Id: uuidOf(ruleID), Type: models.Rule_NAT_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(),
		Condition: cond}
	if chain != uuid.Nil {
		r.ChainId = uuidOf(chain)
	}
	if to == "" {
		r.RuleData = &models.Rule_NatRuleData_{NatRuleData: &models.Rule_NatRuleData{Dnat: proto.Bool(dnat),
			Reverse: proto.Bool(true)}}
		return r
	}
	r.RuleData = &models.Rule_NatRuleData_{NatRuleData: &models.Rule_NatRuleData{Dnat: proto.Bool(dnat),
		NatTargets: []*models.Rule_NatTarget{{NwStart: ip(to), NwEnd: ip(to), TpStart: proto.Uint32(tpStart),
			TpEnd: proto.Uint32(tpEnd)}}}}
	return r
}

func netipPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
