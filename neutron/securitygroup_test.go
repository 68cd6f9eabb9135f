package neutron

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

func sgRule(id, sg *models.UUID, dir models.RuleDirection, proto_ models.Protocol) *models.SecurityGroupRule {
	return &models.SecurityGroupRule{Id: id, SecurityGroupId: sg, Direction: dir.Enum(),
		Ethertype: models.EtherType_IPV4.Enum(), Protocol: proto_.Enum(), TenantId: proto.String("tenant")}
}

// Expectations of the reference's SecurityGroupIT and
// SecurityGroupRuleTranslatorTest: the group's address group and chains,
// each rule's MidoNet rules (header/non-header split, ICMP type and code,
// remote prefix and group by direction), rule create/delete, and what a
// group's delete takes along.
func TestSecurityGroupTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		sg, other := newID(), newID()
		r1, r2, r3 := newID(), newID(), newID()
		ingress := sgRule(r1, sg, models.RuleDirection_INGRESS, models.Protocol_TCP)
		ingress.PortRangeMin, ingress.PortRangeMax = proto.Int32(80), proto.Int32(90)
		ingress.RemoteIpPrefix = proto.String("10.0.0.0/8")
		if p, err := parseCIDR("10.1.2.3"); err != nil || p.CIDR() != "10.1.2.3/32" {
			t.Errorf("a bare remote prefix reads as %v (%v), want a /32", p, err)
		}
		icmp := sgRule(r2, sg, models.RuleDirection_EGRESS, models.Protocol_ICMP)
		icmp.PortRangeMin, icmp.PortRangeMax = proto.Int32(8), proto.Int32(0)
		fx.create(&models.SecurityGroup{Id: other, Name: proto.String("other")})
		remote := sgRule(r3, sg, models.RuleDirection_EGRESS, models.Protocol_UDP)
		remote.RemoteGroupId = other
		fx.create(&models.SecurityGroup{Id: sg, Name: proto.String("web"), Description: proto.String("d"),
			TenantId: proto.String("tenant"), SecurityGroupRules: []*models.SecurityGroupRule{ingress, icmp, remote}})
		id := sg.ToGoogle()

		fx.equal("address group", fixtureGet[*models.IPAddrGroup](fx, id), &models.IPAddrGroup{Id: sg,
			Name: proto.String("web"), InboundChainId: models.UUIDFromGoogle(InChainID(id)),
			OutboundChainId: models.UUIDFromGoogle(OutChainID(id))})
		if n := fixtureGet[*models.Chain](fx, InChainID(id)).GetName(); n != "OS_SG_"+id.String()+"_EGRESS" {
			t.Errorf("inbound chain name %q", n)
		}
		if n := fixtureGet[*models.Chain](fx, OutChainID(id)).GetName(); n != "OS_SG_"+id.String()+"_INGRESS" {
			t.Errorf("outbound chain name %q", n)
		}
		accept := func(c *models.Condition) ruleWant {
			return ruleWant{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, c, nil}
		}
		// Ingress rules: outbound chain, remote prefix as source.
		fx.checkChain("ingress (outbound chain)", OutChainID(id), []ruleWant{
			accept(frag(models.Condition_HEADER, func(c *models.Condition) {
				c.NwProto, c.DlType, c.NwSrcIp = proto.Int32(6), proto.Int32(0x0800), cidr("10.0.0.0/8")
				c.TpDst = &models.Int32Range{Start: proto.Int32(80), End: proto.Int32(90)}
			})),
			accept(frag(models.Condition_NONHEADER, func(c *models.Condition) {
				c.NwProto, c.DlType, c.NwSrcIp = proto.Int32(6), proto.Int32(0x0800), cidr("10.0.0.0/8")
			}))})
		// Egress rules: inbound chain; ICMP's range is (type, code); the
		// remote group is the destination group.
		fx.checkChain("egress (inbound chain)", InChainID(id), []ruleWant{
			accept(frag(models.Condition_HEADER, func(c *models.Condition) {
				c.NwProto, c.DlType = proto.Int32(1), proto.Int32(0x0800)
				c.TpSrc = &models.Int32Range{Start: proto.Int32(8), End: proto.Int32(8)}
				c.TpDst = &models.Int32Range{Start: proto.Int32(0), End: proto.Int32(0)}
			})),
			accept(frag(models.Condition_NONHEADER, func(c *models.Condition) {
				c.NwProto, c.DlType = proto.Int32(1), proto.Int32(0x0800)
			})),
			accept(frag(models.Condition_ANY, func(c *models.Condition) {
				c.NwProto, c.DlType, c.IpAddrGroupIdDst = proto.Int32(17), proto.Int32(0x0800), other
			}))})
		rules := fx.rulesOf(OutChainID(id))
		if rules[0].GetId().ToGoogle() != r1.ToGoogle() || rules[1].GetId().ToGoogle() != NonHeaderRuleID(r1.ToGoogle()) {
			t.Errorf("header/non-header rule ids %v %v", rules[0].GetId(), rules[1].GetId())
		}
		for _, r := range []*models.UUID{r1, r2, r3} {
			if !fx.exists(&models.SecurityGroupRule{}, r.ToGoogle()) {
				t.Errorf("embedded rule %s not stored on its own", r.Canonical())
			}
		}

		// A rule created on its own joins the group's list; its delete
		// takes both MidoNet rules and the list entry.
		r4 := newID()
		sep := sgRule(r4, sg, models.RuleDirection_INGRESS, models.Protocol_TCP)
		sep.PortRangeMin, sep.PortRangeMax = proto.Int32(22), proto.Int32(22)
		fx.create(sep)
		if n := len(fixtureGet[*models.SecurityGroup](fx, id).GetSecurityGroupRules()); n != 4 {
			t.Errorf("group lists %d rules, want 4", n)
		}
		if n := len(fx.rulesOf(OutChainID(id))); n != 4 {
			t.Errorf("outbound chain has %d rules, want 4", n)
		}
		var badReq *BadRequestError
		if err := fx.svc.Update(fx.ctx, sep); !errors.As(err, &badReq) {
			t.Errorf("rule update: %v, want a BadRequestError", err)
		}
		fx.delete(&models.SecurityGroupRule{}, r4)
		if fx.exists(&models.Rule{}, r4.ToGoogle()) || fx.exists(&models.Rule{}, NonHeaderRuleID(r4.ToGoogle())) ||
			fx.exists(&models.SecurityGroupRule{}, r4.ToGoogle()) {
			t.Error("the rule's translation survives its delete")
		}
		if n := len(fixtureGet[*models.SecurityGroup](fx, id).GetSecurityGroupRules()); n != 3 {
			t.Errorf("group lists %d rules after the delete, want 3", n)
		}

		// Update: names and description only.
		fx.update(&models.SecurityGroup{Id: sg, Name: proto.String("renamed"), Description: proto.String("d2")})
		if g := fixtureGet[*models.SecurityGroup](fx, id); g.GetName() != "renamed" || g.GetDescription() != "d2" ||
			len(g.GetSecurityGroupRules()) != 3 {
			t.Errorf("group after update %v", g)
		}
		if n := fixtureGet[*models.IPAddrGroup](fx, id).GetName(); n != "renamed" {
			t.Errorf("address group name %q", n)
		}

		// Deleting "other" deletes the rule naming it as remote group.
		fx.delete(&models.SecurityGroup{}, other)
		if fx.exists(&models.Rule{}, r3.ToGoogle()) {
			t.Error("a rule naming a deleted group as remote survives")
		}
		if n := len(fx.rulesOf(InChainID(id))); n != 2 {
			t.Errorf("inbound chain has %d rules, want 2", n)
		}

		// A group still used by a port: the port loses it and its jumps.
		nid, sid, pid := newID(), newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		p := vifPort(pid, nid, "aa:00:00:00:00:01", alloc("10.0.0.5", sid))
		p.SecurityGroups = []*models.UUID{sg}
		fx.create(p)
		fx.delete(&models.SecurityGroup{}, sg)
		if got := fixtureGet[*models.NeutronPort](fx, pid.ToGoogle()).GetSecurityGroups(); len(got) != 0 {
			t.Errorf("port keeps the deleted group: %v", got)
		}
		for _, r := range append(fx.rulesOf(InChainID(pid.ToGoogle())), fx.rulesOf(OutChainID(pid.ToGoogle()))...) {
			if j := r.GetJumpRuleData().GetJumpChainId(); j.Equal(models.UUIDFromGoogle(InChainID(id))) ||
				j.Equal(models.UUIDFromGoogle(OutChainID(id))) {
				t.Errorf("port chain keeps jump %v to the deleted group", r.GetId())
			}
		}
		for _, gone := range []struct {
			m  proto.Message
			id *models.UUID
		}{{&models.IPAddrGroup{}, sg}, {&models.SecurityGroup{}, sg}, {&models.SecurityGroupRule{}, r1},
			{&models.Rule{}, r1}, {&models.Chain{}, models.UUIDFromGoogle(InChainID(id))}} {
			if fx.exists(gone.m, gone.id.ToGoogle()) {
				t.Errorf("%s %s survives the group", models.ClassName(gone.m), gone.id.Canonical())
			}
		}
		fx.delete(&models.SecurityGroup{}, sg) // idempotent
	})
}

// SecurityGroupRuleTranslatorTest's rule table: what each Neutron rule
// becomes (conditions compared whole; the second rule, when there is one,
// is the non-header rule with the derived id).
func TestSecurityGroupRuleTable(t *testing.T) {
	sg, id := newID(), newID()
	rng := func(s, e *int32) *models.Int32Range { return &models.Int32Range{Start: s, End: e} }
	i32 := proto.Int32
	base := func(dir models.RuleDirection, p models.Protocol, min, max *int32, prefix string) *models.SecurityGroupRule {
		r := &models.SecurityGroupRule{Id: id, SecurityGroupId: sg, Direction: dir.Enum(), Protocol: p.Enum(),
			PortRangeMin: min, PortRangeMax: max}
		if prefix != "" {
			r.RemoteIpPrefix = proto.String(prefix)
		}
		return r
	}
	out, in := models.UUIDFromGoogle(OutChainID(sg.ToGoogle())), models.UUIDFromGoogle(InChainID(sg.ToGoogle()))
	for _, c := range []struct {
		name  string
		rule  *models.SecurityGroupRule
		chain *models.UUID
		want  []*models.Condition
	}{
		{"ingress TCP range", base(models.RuleDirection_INGRESS, models.Protocol_TCP, i32(100), i32(117), "1.1.1.0/24"), out,
			[]*models.Condition{
				{NwProto: i32(6), FragmentPolicy: models.Condition_HEADER.Enum(), TpDst: rng(i32(100), i32(117)), NwSrcIp: cidr("1.1.1.0/24")},
				{NwProto: i32(6), FragmentPolicy: models.Condition_NONHEADER.Enum(), NwSrcIp: cidr("1.1.1.0/24")}}},
		{"egress UDP range", base(models.RuleDirection_EGRESS, models.Protocol_UDP, i32(100), i32(117), "1.1.1.0/24"), in,
			[]*models.Condition{
				{NwProto: i32(17), FragmentPolicy: models.Condition_HEADER.Enum(), TpDst: rng(i32(100), i32(117)), NwDstIp: cidr("1.1.1.0/24")},
				{NwProto: i32(17), FragmentPolicy: models.Condition_NONHEADER.Enum(), NwDstIp: cidr("1.1.1.0/24")}}},
		{"lower-bounded range", base(models.RuleDirection_INGRESS, models.Protocol_TCP, i32(10), nil, ""), out,
			[]*models.Condition{
				{NwProto: i32(6), FragmentPolicy: models.Condition_HEADER.Enum(), TpDst: rng(i32(10), nil)},
				{NwProto: i32(6), FragmentPolicy: models.Condition_NONHEADER.Enum()}}},
		{"upper-bounded range", base(models.RuleDirection_INGRESS, models.Protocol_TCP, nil, i32(10), ""), out,
			[]*models.Condition{
				{NwProto: i32(6), FragmentPolicy: models.Condition_HEADER.Enum(), TpDst: rng(nil, i32(10))},
				{NwProto: i32(6), FragmentPolicy: models.Condition_NONHEADER.Enum()}}},
		{"ICMP type and code", base(models.RuleDirection_INGRESS, models.Protocol_ICMP, i32(3), i32(1), ""), out,
			[]*models.Condition{
				{NwProto: i32(1), FragmentPolicy: models.Condition_HEADER.Enum(), TpSrc: rng(i32(3), i32(3)), TpDst: rng(i32(1), i32(1))},
				{NwProto: i32(1), FragmentPolicy: models.Condition_NONHEADER.Enum()}}},
		{"no L4", base(models.RuleDirection_INGRESS, models.Protocol_TCP, nil, nil, "1.1.1.0/24"), out,
			[]*models.Condition{{NwProto: i32(6), FragmentPolicy: models.Condition_ANY.Enum(), NwSrcIp: cidr("1.1.1.0/24")}}},
	} {
		rules, err := sgRules(c.rule)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(rules) != len(c.want) {
			t.Errorf("%s: %d rules, want %d", c.name, len(rules), len(c.want))
			continue
		}
		for i, r := range rules {
			wantID := id
			if i == 1 {
				wantID = models.UUIDFromGoogle(NonHeaderRuleID(id.ToGoogle()))
			}
			if !r.GetId().Equal(wantID) || !r.GetChainId().Equal(c.chain) || r.GetType() != models.Rule_LITERAL_RULE ||
				r.GetAction() != models.Rule_ACCEPT || !proto.Equal(r.GetCondition(), c.want[i]) {
				t.Errorf("%s rule %d:\n got  %v\n want id %s chain %s condition %v", c.name, i, r,
					wantID.Canonical(), c.chain.Canonical(), c.want[i])
			}
		}
	}
}
