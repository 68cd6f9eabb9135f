package neutron

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Expectations of the reference's FirewallTranslatorTest (rule conversion).
func TestFirewallRuleConversion(t *testing.T) {
	chain := uuid.New()
	type rc struct {
		name string
		r    *models.NeutronFirewallRule
	}
	fr := func(f func(r *models.NeutronFirewallRule)) *models.NeutronFirewallRule {
		r := &models.NeutronFirewallRule{Id: newID(), Action: models.NeutronFirewallRule_ALLOW.Enum()}
		f(r)
		return r
	}
	cases := []rc{
		{"allow all", fr(func(*models.NeutronFirewallRule) {})},
		{"deny all", fr(func(r *models.NeutronFirewallRule) { r.Action = models.NeutronFirewallRule_DENY.Enum() })},
		{"tcp", fr(func(r *models.NeutronFirewallRule) { r.Protocol = models.Protocol_TCP.Enum() })},
		{"udp", fr(func(r *models.NeutronFirewallRule) { r.Protocol = models.Protocol_UDP.Enum() })},
		{"icmp", fr(func(r *models.NeutronFirewallRule) { r.Protocol = models.Protocol_ICMP.Enum() })},
		{"from subnet", fr(func(r *models.NeutronFirewallRule) { r.SourceIpAddress = cidr("200.0.0.0/24") })},
		{"from address", fr(func(r *models.NeutronFirewallRule) { r.SourceIpAddress = cidr("200.0.0.10/32") })},
		{"to subnet", fr(func(r *models.NeutronFirewallRule) { r.DestinationIpAddress = cidr("200.0.0.0/24") })},
		{"to address", fr(func(r *models.NeutronFirewallRule) { r.DestinationIpAddress = cidr("200.0.0.10/32") })},
		{"to port", fr(func(r *models.NeutronFirewallRule) { r.DestinationPort = proto.String("80") })},
		{"to port range", fr(func(r *models.NeutronFirewallRule) { r.DestinationPort = proto.String("8080:8090") })},
		{"from port", fr(func(r *models.NeutronFirewallRule) { r.SourcePort = proto.String("80") })},
		{"from port range", fr(func(r *models.NeutronFirewallRule) { r.SourcePort = proto.String("8080:8090") })},
		{"IPv4", fr(func(r *models.NeutronFirewallRule) { r.IpVersion = proto.Int32(4) })},
	}
	for _, c := range cases {
		rule, err := firewallRule(c.r, chain)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		action := models.Rule_RETURN
		if c.r.GetAction() == models.NeutronFirewallRule_DENY {
			action = models.Rule_DROP
		}
		want := &models.Rule{Id: c.r.GetId(), ChainId: uuidOf(chain), Action: action.Enum(), Condition: &models.Condition{
			NwSrcIp: c.r.GetSourceIpAddress(), NwDstIp: c.r.GetDestinationIpAddress()}}
		if c.r.Protocol != nil {
			want.Condition.NwProto = proto.Int32(int32(c.r.GetProtocol()))
		}
		ranges := map[string][2]int32{"80": {80, 80}, "8080:8090": {8080, 8090}}
		if p := c.r.SourcePort; p != nil {
			want.Condition.TpSrc = &models.Int32Range{Start: proto.Int32(ranges[*p][0]), End: proto.Int32(ranges[*p][1])}
		}
		if p := c.r.DestinationPort; p != nil {
			want.Condition.TpDst = &models.Int32Range{Start: proto.Int32(ranges[*p][0]), End: proto.Int32(ranges[*p][1])}
		}
		if !proto.Equal(rule, want) {
			t.Errorf("%s:\n got  %v\n want %v", c.name, rule, want)
		}
		if rule.GetType() != models.Rule_LITERAL_RULE {
			t.Errorf("%s: type %v", c.name, rule.GetType())
		}
	}

	var bad *BadRequestError
	if _, err := firewallRule(fr(func(r *models.NeutronFirewallRule) { r.IpVersion = proto.Int32(6) }), chain); !errors.As(err, &bad) ||
		bad.Msg != "IPv6 not supported in firewall rule." {
		t.Errorf("IPv6 rule: %v", err)
	}
	unknown := fr(func(r *models.NeutronFirewallRule) {
		r.Action = models.NeutronFirewallRule_FirewallRuleAction(7).Enum()
	})
	if _, err := firewallRule(unknown, chain); !errors.As(err, &bad) {
		t.Errorf("unknown action: %v", err)
	}

	// RangeUtil.strToInt32Range: Java's split drops trailing empty parts.
	for s, want := range map[string][2]int32{"22": {22, 22}, "1:65535": {1, 65535}, "80:": {80, 80}, "+5:-3": {5, -3}} {
		r, err := portRange(s)
		if err != nil || r.GetStart() != want[0] || r.GetEnd() != want[1] {
			t.Errorf("portRange(%q) = %v, %v; want %v", s, r, err, want)
		}
	}
	for s, msg := range map[string]string{"": `For input string: ""`, "a": `For input string: "a"`,
		":5": `For input string: ""`, "1:2:3": "Invalid range 1:2:3", "::": "Invalid range ::",
		"99999999999": `For input string: "99999999999"`} {
		if _, err := portRange(s); !errors.As(err, &bad) || bad.Msg != msg {
			t.Errorf("portRange(%q): %v, want %q", s, err, msg)
		}
	}
}

// fwRule is the reference's firewallRuleJson: TCP, IPv4, 10.0.0.0/24:22
// to 20.0.0.2:8080-8081, deny, enabled, position 1.
func fwRule(id *models.UUID, mod ...func(*models.NeutronFirewallRule)) *models.NeutronFirewallRule {
	r := &models.NeutronFirewallRule{Id: id, TenantId: proto.String("tenant"), Protocol: models.Protocol_TCP.Enum(),
		IpVersion: proto.Int32(4), SourceIpAddress: cidr("10.0.0.0/24"), DestinationIpAddress: cidr("20.0.0.2/32"),
		SourcePort: proto.String("22"), DestinationPort: proto.String("8080:8081"),
		Action: models.NeutronFirewallRule_DENY.Enum(), Enabled: proto.Bool(true), Shared: proto.Bool(false),
		Position: proto.Int32(1)}
	for _, m := range mod {
		m(r)
	}
	return r
}

func disabled(r *models.NeutronFirewallRule) { r.Enabled = proto.Bool(false) }

// nFirewall is the reference's firewallJson (and firewallUpdateJson).
func nFirewall(id *models.UUID, up bool, rules []*models.NeutronFirewallRule, add, del []*models.UUID) *models.NeutronFirewall {
	return &models.NeutronFirewall{Id: id, TenantId: proto.String("tenant"), AdminStateUp: proto.Bool(up),
		FirewallRuleList: rules, AddRouterIds: add, DelRouterIds: del, Shared: proto.Bool(false),
		LastRouter: proto.Bool(false)}
}

// validateFirewall is the reference IT's validateFirewall: the chain's
// name and rules ([DROP if down], return flow, the enabled rules, DROP),
// the jumps of the associated routers first in their forward chains with
// the router-interface port group condition, none for the detached ones.
func (fx *fixture) validateFirewall(fw *models.UUID, ruleIDs []*models.UUID, up bool, add, del []*models.UUID) {
	fx.t.Helper()
	chain := fixtureGet[*models.Chain](fx, FwdChainID(g(fw)))
	if chain.GetName() != "OS_FW_FORWARD_"+fw.Canonical() {
		fx.t.Errorf("firewall chain name %q", chain.GetName())
	}
	ids := chain.GetRuleIds()
	n := len(ruleIDs) + 2
	if !up {
		n++
	}
	if len(ids) != n {
		fx.t.Fatalf("firewall chain has %d rules, want %d", len(ids), n)
	}
	rule := func(i int) *models.Rule { return fixtureGet[*models.Rule](fx, g(ids[i])) }
	i := 0
	if !up {
		if r := rule(0); r.GetAction() != models.Rule_DROP || r.GetType() != models.Rule_LITERAL_RULE {
			fx.t.Errorf("admin-down rule %v", r)
		}
		i++
	}
	if r := rule(i); !r.GetCondition().GetMatchReturnFlow() || r.GetAction() != models.Rule_ACCEPT {
		fx.t.Errorf("return flow rule %v", r)
	}
	i++
	for _, want := range ruleIDs {
		if !ids[i].Equal(want) {
			fx.t.Errorf("chain rule %d is %s, want %s", i, ids[i].Canonical(), want.Canonical())
		}
		if r := rule(i); !r.GetChainId().Equal(uuidOf(FwdChainID(g(fw)))) {
			fx.t.Errorf("rule %s in chain %v", want.Canonical(), r.GetChainId())
		}
		i++
	}
	if r := rule(i); r.GetAction() != models.Rule_DROP || r.GetCondition() != nil {
		fx.t.Errorf("final rule %v", r)
	}
	for _, rid := range add {
		router := fixtureGet[*models.Router](fx, g(rid))
		if router.InboundFilterId == nil || router.OutboundFilterId == nil {
			fx.t.Errorf("router %s without filters", rid.Canonical())
		}
		fwd := fixtureGet[*models.Chain](fx, FwdChainID(g(rid)))
		jump := FwdChainFwJumpRuleID(g(rid))
		if len(fwd.GetRuleIds()) == 0 || fwd.GetRuleIds()[0].ToGoogle() != jump {
			fx.t.Fatalf("router %s forward chain rules %v, want the firewall jump first", rid.Canonical(), fwd.GetRuleIds())
		}
		pg := uuidOf(RouterInterfacePortGroupID(g(rid)))
		want := jumpRuleWithID(jump, FwdChainID(g(rid)), FwdChainID(g(fw)))
		want.Condition = &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), ConjunctionInv: proto.Bool(true),
			InPortGroupId: pg, InvInPortGroup: proto.Bool(true), OutPortGroupId: pg, InvOutPortGroup: proto.Bool(true)}
		fx.equal("jump rule", fixtureGet[*models.Rule](fx, jump), want)
	}
	for _, rid := range del {
		fwd := fixtureGet[*models.Chain](fx, FwdChainID(g(rid)))
		if slices.ContainsFunc(fwd.GetRuleIds(), uuidOf(FwdChainFwJumpRuleID(g(rid))).Equal) {
			fx.t.Errorf("detached router %s keeps the jump", rid.Canonical())
		}
	}
}

func (fx *fixture) validateFirewallGone(fw *models.UUID, routers ...*models.UUID) {
	fx.t.Helper()
	if fx.exists(&models.Chain{}, FwdChainID(g(fw))) {
		fx.t.Errorf("firewall chain left")
	}
	for _, r := range routers {
		if fx.exists(&models.Rule{}, FwdChainFwJumpRuleID(g(r))) {
			fx.t.Errorf("jump rule of router %s left", r.Canonical())
		}
	}
}

func (fx *fixture) router() *models.UUID {
	fx.t.Helper()
	r := newID()
	fx.create(nRouter(r, "r", nil, false))
	return r
}

// Expectations of the reference's FirewallTranslatorIT.
func TestFirewallTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ids := func(ids ...*models.UUID) []*models.UUID { return ids }
		rules := func(rs ...*models.NeutronFirewallRule) []*models.NeutronFirewallRule { return rs }

		// Admin state down and up on create, and flipped by updates.
		for _, up := range []bool{false, true} {
			fw := newID()
			fx.create(nFirewall(fw, up, nil, nil, nil))
			fx.validateFirewall(fw, nil, up, nil, nil)
			fx.update(nFirewall(fw, !up, nil, nil, nil))
			fx.validateFirewall(fw, nil, !up, nil, nil)
		}

		// Create with rules: disabled ones are not translated.
		r1, r2 := newID(), newID()
		fw := newID()
		fx.create(nFirewall(fw, true, rules(fwRule(r1), fwRule(r2, disabled)), nil, nil))
		fx.validateFirewall(fw, ids(r1), true, nil, nil)
		got := fixtureGet[*models.Rule](fx, g(r1))
		fx.equal("translated rule", got, &models.Rule{Id: r1, ChainId: uuidOf(FwdChainID(g(fw))),
			Action: models.Rule_DROP.Enum(), Condition: &models.Condition{NwProto: proto.Int32(6),
				NwSrcIp: cidr("10.0.0.0/24"), NwDstIp: cidr("20.0.0.2/32"),
				TpSrc: &models.Int32Range{Start: proto.Int32(22), End: proto.Int32(22)},
				TpDst: &models.Int32Range{Start: proto.Int32(8080), End: proto.Int32(8081)}}})

		// Router association and disassociation; an association repeated
		// (Neutron sends the current routers) or a disassociation of a
		// router never associated change nothing.
		rtr := fx.router()
		fw = newID()
		fx.create(nFirewall(fw, true, nil, ids(rtr), nil))
		fx.validateFirewall(fw, nil, true, ids(rtr), nil)
		fx.update(nFirewall(fw, true, nil, ids(rtr), nil))
		fx.validateFirewall(fw, nil, true, ids(rtr), nil)
		if n := len(fixtureGet[*models.Chain](fx, FwdChainID(g(rtr))).GetRuleIds()); n != 1 {
			t.Errorf("router forward chain has %d rules after a repeated association", n)
		}
		fx.update(nFirewall(fw, true, nil, nil, ids(rtr)))
		fx.validateFirewall(fw, nil, true, nil, ids(rtr))
		other := fx.router()
		fx.update(nFirewall(fw, true, nil, nil, ids(other)))
		fx.validateFirewall(fw, nil, true, nil, ids(other))
		// Detached and attached again in one request, named twice.
		fx.update(nFirewall(fw, true, nil, ids(rtr, rtr), ids(rtr)))
		fx.validateFirewall(fw, nil, true, ids(rtr), nil)

		// Rules added, removed, reordered, updated, replaced, disabled,
		// enabled.
		fw, r1, r2 = newID(), newID(), newID()
		fx.create(nFirewall(fw, true, nil, nil, nil))
		fx.update(nFirewall(fw, true, rules(fwRule(r1), fwRule(r2, disabled)), nil, nil))
		fx.validateFirewall(fw, ids(r1), true, nil, nil)
		fx.update(nFirewall(fw, true, nil, nil, nil))
		fx.validateFirewall(fw, nil, true, nil, nil)
		if fx.exists(&models.Rule{}, g(r1)) {
			t.Errorf("removed rule left")
		}
		pos := func(p int32) func(*models.NeutronFirewallRule) {
			return func(r *models.NeutronFirewallRule) { r.Position = proto.Int32(p) }
		}
		fx.update(nFirewall(fw, true, rules(fwRule(r1, pos(1)), fwRule(r2, pos(2))), nil, nil))
		fx.validateFirewall(fw, ids(r1, r2), true, nil, nil)
		fx.update(nFirewall(fw, true, rules(fwRule(r2, pos(1)), fwRule(r1, pos(2))), nil, nil))
		fx.validateFirewall(fw, ids(r2, r1), true, nil, nil)
		allow := func(r *models.NeutronFirewallRule) { r.Action = models.NeutronFirewallRule_ALLOW.Enum() }
		fx.update(nFirewall(fw, true, rules(fwRule(r1, allow)), nil, nil))
		fx.validateFirewall(fw, ids(r1), true, nil, nil)
		if a := fixtureGet[*models.Rule](fx, g(r1)).GetAction(); a != models.Rule_RETURN {
			t.Errorf("updated rule action %v", a)
		}
		r3 := newID()
		fx.update(nFirewall(fw, true, rules(fwRule(r3)), nil, nil))
		fx.validateFirewall(fw, ids(r3), true, nil, nil)
		fx.update(nFirewall(fw, true, rules(fwRule(r3, disabled)), nil, nil))
		fx.validateFirewall(fw, nil, true, nil, nil)
		fx.update(nFirewall(fw, true, rules(fwRule(r3)), nil, nil))
		fx.validateFirewall(fw, ids(r3), true, nil, nil)

		// A rule update with a router associated.
		rtr2, fw2, r4, r5 := fx.router(), newID(), newID(), newID()
		fx.create(nFirewall(fw2, true, rules(fwRule(r4)), ids(rtr2), nil))
		fx.validateFirewall(fw2, ids(r4), true, ids(rtr2), nil)
		fx.update(nFirewall(fw2, true, rules(fwRule(r4), fwRule(r5, pos(2))), ids(rtr2), nil))
		fx.validateFirewall(fw2, ids(r4, r5), true, ids(rtr2), nil)

		// An update of a firewall never created creates it.
		fw3, r6 := newID(), newID()
		fx.update(nFirewall(fw3, true, rules(fwRule(r6)), nil, nil))
		fx.validateFirewall(fw3, ids(r6), true, nil, nil)
		if !fx.exists(&models.NeutronFirewall{}, g(fw3)) {
			t.Errorf("firewall created by an update is not stored")
		}

		// last-router=true deletes the firewall and its jumps.
		last := nFirewall(fw2, true, rules(fwRule(r4)), nil, nil)
		last.LastRouter = proto.Bool(true)
		fx.update(last)
		fx.validateFirewallGone(fw2, rtr2)
		if fx.exists(&models.NeutronFirewall{}, g(fw2)) || fx.exists(&models.Rule{}, g(r4)) {
			t.Errorf("firewall or its rule left after last-router")
		}
		if n := len(fixtureGet[*models.Chain](fx, FwdChainID(g(rtr2))).GetRuleIds()); n != 0 {
			t.Errorf("router forward chain keeps %d rules", n)
		}

		// Delete.
		rtr3, fw4, r7 := fx.router(), newID(), newID()
		fx.create(nFirewall(fw4, true, rules(fwRule(r7)), ids(rtr3), nil))
		fx.validateFirewall(fw4, ids(r7), true, ids(rtr3), nil)
		fx.delete(&models.NeutronFirewall{}, fw4)
		fx.validateFirewallGone(fw4, rtr3)
		fx.delete(&models.NeutronFirewall{}, fw4)
		if fx.exists(&models.NeutronFirewall{}, g(fw4)) || fx.exists(&models.Rule{}, g(r7)) {
			t.Errorf("firewall or its rule left after delete")
		}

		// Refusals leave nothing.
		fw5 := newID()
		var bad *BadRequestError
		err := fx.svc.Create(fx.ctx, nFirewall(fw5, true, rules(fwRule(newID(), func(r *models.NeutronFirewallRule) {
			r.IpVersion = proto.Int32(6)
		})), nil, nil))
		if !errors.As(err, &bad) {
			t.Errorf("IPv6 rule: %v", err)
		}
		err = fx.svc.Create(fx.ctx, nFirewall(fw5, true, nil, ids(newID()), nil))
		if !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("missing router: %v", err)
		}
		if fx.exists(&models.Chain{}, FwdChainID(g(fw5))) || fx.exists(&models.NeutronFirewall{}, g(fw5)) {
			t.Errorf("refused firewall left objects")
		}
		fx.checkConsistent("after the firewall cases")
	})
}

// Expectations of the reference IT's legacy cases: the jumps of the
// earlier translation go on create and on update.
func TestFirewallDeletesLegacyJumps(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		legacy := func(r *models.UUID) {
			chain := uuid.New()
			if err := fx.st.Create(fx.ctx, &models.Chain{Id: uuidOf(chain)}); err != nil {
				t.Fatal(err)
			}
			for _, id := range []uuid.UUID{InChainFwJumpRuleID(g(r)), OutChainFwJumpRuleID(g(r))} {
				if err := fx.st.Create(fx.ctx, &models.Rule{Id: uuidOf(id), ChainId: uuidOf(chain)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		gone := func(what string, r *models.UUID) {
			t.Helper()
			if fx.exists(&models.Rule{}, InChainFwJumpRuleID(g(r))) || fx.exists(&models.Rule{}, OutChainFwJumpRuleID(g(r))) {
				t.Errorf("%s: legacy jump rules left", what)
			}
		}
		r1 := newID()
		legacy(r1)
		fx.create(nRouter(r1, "r", nil, false))
		fw := newID()
		fx.create(nFirewall(fw, true, []*models.NeutronFirewallRule{fwRule(newID())}, []*models.UUID{r1}, nil))
		gone("create", r1)

		r2 := fx.router()
		fw2, rule := newID(), newID()
		fx.create(nFirewall(fw2, true, []*models.NeutronFirewallRule{fwRule(rule)}, []*models.UUID{r2}, nil))
		legacy(r2)
		fx.update(nFirewall(fw2, true, []*models.NeutronFirewallRule{fwRule(rule)}, []*models.UUID{r2}, nil))
		gone("update", r2)
		fx.validateFirewall(fw2, []*models.UUID{rule}, true, []*models.UUID{r2}, nil)

		// A router of an older translation without a forward chain gets one.
		r3 := fx.router()
		if err := fx.st.Tx(fx.ctx, func(tx *zoom.Tx) error {
			m, err := tx.Get(&models.Router{}, g(r3))
			if err != nil {
				return err
			}
			router := m.(*models.Router)
			router.ForwardChainId = nil
			if err := tx.Update(router); err != nil {
				return err
			}
			return tx.Delete(&models.Chain{}, FwdChainID(g(r3)), false)
		}); err != nil {
			t.Fatal(err)
		}
		fx.update(nFirewall(fw2, true, []*models.NeutronFirewallRule{fwRule(rule)}, []*models.UUID{r2, r3}, nil))
		fx.validateFirewall(fw2, []*models.UUID{rule}, true, []*models.UUID{r2, r3}, nil)
		if got := fixtureGet[*models.Router](fx, g(r3)).GetForwardChainId(); !got.Equal(uuidOf(FwdChainID(g(r3)))) {
			t.Errorf("router forward chain id %v", got)
		}
		if c := fixtureGet[*models.Chain](fx, FwdChainID(g(r3))); c.GetName() != forwardChainName(g(r3)) {
			t.Errorf("recreated forward chain name %q", c.GetName())
		}
	})
}

// fwLog is the reference's firewallLogJson.
func fwLog(id, fw, lr *models.UUID, event models.LogEvent) *models.FirewallLog {
	return &models.FirewallLog{Id: id, TenantId: proto.String("tenant"), FirewallId: fw, LoggingResourceId: lr,
		FwEvent: event.Enum(), Description: proto.String("logger"),
		LoggingResource: &models.NeutronLoggingResource{Id: lr, Enabled: proto.Bool(true)}}
}

// Expectations of the reference's FirewallLoggingTranslationIT and
// LoggingResourceTranslatorTest.
func TestFirewallLoggingTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		newFw := func() *models.UUID {
			fw := newID()
			fx.create(nFirewall(fw, true, nil, nil, nil))
			return fw
		}
		metadata := func(fw *models.UUID) {
			t.Helper()
			md := fixtureGet[*models.Chain](fx, FwdChainID(g(fw))).GetMetadata()
			want := []*models.MetadataEntry{{Key: proto.String("firewall_id"), Value: proto.String(fw.Canonical())},
				{Key: proto.String("tenant_id"), Value: proto.String("tenant")}}
			if !slices.EqualFunc(md, want, func(a, b *models.MetadataEntry) bool { return proto.Equal(a, b) }) {
				t.Errorf("firewall chain metadata %v", md)
			}
		}
		resource := func(lr *models.UUID, loggers int, enabled bool) {
			t.Helper()
			got := fixtureGet[*models.LoggingResource](fx, g(lr))
			if len(got.GetLoggerIds()) != loggers || got.GetEnabled() != enabled || got.GetType() != models.LoggingResource_FILE {
				t.Errorf("logging resource %v, want %d loggers, enabled %v", got, loggers, enabled)
			}
		}
		logger := func(fw, fl *models.UUID, event models.LogEvent) {
			t.Helper()
			rl := fixtureGet[*models.RuleLogger](fx, g(fl))
			if g(rl.GetChainId()) != FwdChainID(g(fw)) || rl.GetEvent() != event {
				t.Errorf("rule logger %v", rl)
			}
		}
		gone := func(model proto.Message, ids ...*models.UUID) {
			t.Helper()
			for _, id := range ids {
				if fx.exists(model, g(id)) {
					t.Errorf("%s %s left", models.ClassName(model), id.Canonical())
				}
			}
		}

		// CRUD of one log.
		fw, lr, fl := newFw(), newID(), newID()
		fx.create(fwLog(fl, fw, lr, models.LogEvent_ALL))
		metadata(fw)
		resource(lr, 1, true)
		logger(fw, fl, models.LogEvent_ALL)
		gone(&models.FirewallLog{}, fl)
		fx.update(fwLog(fl, fw, lr, models.LogEvent_DROP))
		logger(fw, fl, models.LogEvent_DROP)
		fx.delete(&models.FirewallLog{}, fl)
		gone(&models.LoggingResource{}, lr)
		gone(&models.RuleLogger{}, fl)
		if err := fx.svc.Delete(fx.ctx, &models.FirewallLog{}, g(fl)); !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("delete of a missing log: %v", err)
		}
		if err := fx.svc.Update(fx.ctx, fwLog(fl, fw, lr, models.LogEvent_DROP)); !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("update of a missing log: %v", err)
		}

		// Two logs on one resource: it goes with the last.
		fw2 := newFw()
		lr, fl, fl2 := newID(), newID(), newID()
		fx.create(fwLog(fl, fw, lr, models.LogEvent_ALL))
		fx.create(fwLog(fl2, fw2, lr, models.LogEvent_ALL))
		metadata(fw)
		metadata(fw2)
		resource(lr, 2, true)
		fx.delete(&models.FirewallLog{}, fl)
		resource(lr, 1, true)
		logger(fw2, fl2, models.LogEvent_ALL)
		gone(&models.RuleLogger{}, fl)
		fx.delete(&models.FirewallLog{}, fl2)
		gone(&models.LoggingResource{}, lr)
		gone(&models.RuleLogger{}, fl2)
		metadata(fw)
		metadata(fw2)

		// Two logs on two resources.
		lr2 := newID()
		lr, fl, fl2 = newID(), newID(), newID()
		fx.create(fwLog(fl, fw, lr, models.LogEvent_ALL))
		fx.create(fwLog(fl2, fw2, lr2, models.LogEvent_ALL))
		resource(lr, 1, true)
		resource(lr2, 1, true)
		fx.delete(&models.FirewallLog{}, fl)
		gone(&models.LoggingResource{}, lr)
		resource(lr2, 1, true)
		fx.delete(&models.FirewallLog{}, fl2)
		gone(&models.LoggingResource{}, lr2)

		// The logging resource's enabled flag; its delete takes its loggers.
		lr, fl, fl2 = newID(), newID(), newID()
		fx.create(fwLog(fl, fw, lr, models.LogEvent_ALL))
		fx.create(fwLog(fl2, fw2, lr, models.LogEvent_ACCEPT))
		fx.update(&models.NeutronLoggingResource{Id: lr, Name: proto.String("n"), Enabled: proto.Bool(false)})
		resource(lr, 2, false)
		gone(&models.NeutronLoggingResource{}, lr)
		fx.delete(&models.NeutronLoggingResource{}, lr)
		gone(&models.LoggingResource{}, lr)
		gone(&models.RuleLogger{}, fl, fl2)
		fx.delete(&models.NeutronLoggingResource{}, lr)

		// LoggingResourceTranslatorTest: creates are refused, an update of
		// a missing resource does nothing.
		if err := fx.svc.Create(fx.ctx, &models.NeutronLoggingResource{Id: newID()}); err == nil {
			t.Errorf("logging resource create accepted")
		}
		missing := newID()
		fx.update(&models.NeutronLoggingResource{Id: missing, Enabled: proto.Bool(true)})
		gone(&models.LoggingResource{}, missing)

		// A firewall's delete takes its loggers; the resource stays.
		lr, fl = newID(), newID()
		fx.create(fwLog(fl, fw, lr, models.LogEvent_ALL))
		fx.delete(&models.NeutronFirewall{}, fw)
		gone(&models.RuleLogger{}, fl)
		resource(lr, 0, true)

		// Refusals: no firewall, no logging resource.
		if err := fx.svc.Create(fx.ctx, fwLog(newID(), newID(), newID(), models.LogEvent_ALL)); !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("log of a missing firewall: %v", err)
		}
		noLR := fwLog(newID(), fw2, newID(), models.LogEvent_ALL)
		noLR.LoggingResource = nil
		var bad *BadRequestError
		if err := fx.svc.Create(fx.ctx, noLR); !errors.As(err, &bad) {
			t.Errorf("log without a logging resource: %v", err)
		}
		gone(&models.RuleLogger{}, noLR.GetId())
		fx.checkConsistent("after the logging cases")
	})
}
