package neutron

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// FWaaS (v1): a firewall is the chain FwdChainID(firewall) named
// OS_FW_FORWARD_<id>: a DROP first when the firewall is administratively
// down (its rules stay translated, so flipping the state rewrites one
// rule), an ACCEPT of return flows (which starts connection tracking), the
// enabled Neutron rules in order (each a rule with the Neutron rule's id,
// allow = RETURN, deny = DROP), and a final DROP. Each router of
// add-router-ids gets the jump FwdChainFwJumpRuleID(router) to it at the
// end of its forward chain, matching traffic that neither enters nor
// leaves through one of its router-interface ports (the port group,
// inverted); del-router-ids removes it. Neutron sends the routers
// currently associated as add-router-ids, so an existing jump is kept.
// The jumps of the earlier translation (on the router's inbound and
// outbound chains) are deleted wherever a firewall meets a router.
//
// An update rewrites the rule list (rules kept by id are updated only when
// they differ, the others deleted or created, the chain ordered as the
// list) and stores the firewall itself: Neutron may send an update for a
// firewall it never created (no router then), which creates it, and
// last-router=true deletes it (its last router went).

func firewallChainName(fw uuid.UUID) string { return "OS_FW_FORWARD_" + fw.String() }

func firewallTranslator() *Translator {
	t := typed(createFirewall, updateFirewall, deleteFirewall)
	t.SelfStored, t.UpdateWhenMissing = true, true
	return t
}

func createFirewall(v *View, fw *models.NeutronFirewall) ([]Op, error) {
	id := idOf(fw)
	rules, err := firewallChainRules(fw)
	if err != nil {
		return nil, err
	}
	ops := append([]Op{Create(newChain(FwdChainID(id), firewallChainName(id)))}, creates(rules...)...)
	assoc, err := firewallRouterOps(v, fw)
	if err != nil {
		return nil, err
	}
	return append(append(ops, assoc...), Create(fw)), nil
}

func updateFirewall(v *View, fw, old *models.NeutronFirewall) ([]Op, error) {
	id := idOf(fw)
	if fw.GetLastRouter() {
		if old == nil {
			return nil, nil
		}
		return deleteFirewall(v, old)
	}
	chain, ok, err := getIf[*models.Chain](v, FwdChainID(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		// Neutron skips the create of a firewall without routers.
		return createFirewall(v, fw)
	}
	ops, err := rewriteFirewallChain(v, fw, chain)
	if err != nil {
		return nil, err
	}
	ops = append(ops, Update(fw))
	assoc, err := firewallRouterOps(v, fw)
	if err != nil {
		return nil, err
	}
	return append(ops, assoc...), nil
}

// deleteFirewall deletes the jumps of the stored firewall's routers, its
// chain (with its rules and rule loggers) and the firewall.
func deleteFirewall(_ *View, fw *models.NeutronFirewall) ([]Op, error) {
	var ops []Op
	for _, r := range fw.GetAddRouterIds() {
		ops = append(ops, deleteFirewallJumps(r.ToGoogle())...)
	}
	return append(ops, Delete(&models.Chain{}, FwdChainID(idOf(fw))), Delete(&models.NeutronFirewall{}, idOf(fw))), nil
}

// firewallChainRules are the rules of a firewall's chain, in order.
func firewallChainRules(fw *models.NeutronFirewall) ([]*models.Rule, error) {
	chain := FwdChainID(idOf(fw))
	var rules []*models.Rule
	if !fw.GetAdminStateUp() {
		rules = append(rules, literalRule(chain, models.Rule_DROP, nil))
	}
	rules = append(rules, returnFlowRule(chain))
	for _, r := range fw.GetFirewallRuleList() {
		if !r.GetEnabled() {
			continue
		}
		rule, err := firewallRule(r, chain)
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule)
	}
	return append(rules, literalRule(chain, models.Rule_DROP, nil)), nil
}

// firewallRule translates an enabled Neutron firewall rule. Its type is
// left unset (read as LITERAL_RULE), as the reference stores it.
func firewallRule(r *models.NeutronFirewallRule, chain uuid.UUID) (*models.Rule, error) {
	if r.GetIpVersion() == 6 {
		return nil, badRequest("IPv6 not supported in firewall rule.")
	}
	if r.GetId() == nil {
		return nil, badRequest("firewall rule without an id")
	}
	var action models.Rule_Action
	switch r.GetAction() {
	case models.NeutronFirewallRule_ALLOW:
		action = models.Rule_RETURN
	case models.NeutronFirewallRule_DENY:
		action = models.Rule_DROP
	default:
		return nil, badRequest("Unsupported firewall rule action %v", r.GetAction())
	}
	cond := &models.Condition{}
	if r.Protocol != nil {
		cond.NwProto = proto.Int32(int32(r.GetProtocol()))
	}
	if r.SourceIpAddress != nil {
		cond.NwSrcIp = proto.Clone(r.GetSourceIpAddress()).(*models.IPSubnet)
	}
	if r.DestinationIpAddress != nil {
		cond.NwDstIp = proto.Clone(r.GetDestinationIpAddress()).(*models.IPSubnet)
	}
	var err error
	if r.SourcePort != nil {
		if cond.TpSrc, err = portRange(r.GetSourcePort()); err != nil {
			return nil, err
		}
	}
	if r.DestinationPort != nil {
		if cond.TpDst, err = portRange(r.GetDestinationPort()); err != nil {
			return nil, err
		}
	}
	return &models.Rule{Id: proto.Clone(r.GetId()).(*models.UUID), ChainId: uuidOf(chain), Condition: cond,
		Action: action.Enum()}, nil
}

// portRange reads a Neutron port range, "p" or "a:b", as the reference's
// RangeUtil does: split at ':' with trailing empty parts dropped (so "80:"
// is 80-80), each part a Java int.
func portRange(s string) (*models.Int32Range, error) {
	parts := []string{s}
	if strings.Contains(s, ":") {
		parts = strings.Split(s, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	if len(parts) != 1 && len(parts) != 2 {
		return nil, badRequest("Invalid range %s", s)
	}
	bounds := make([]int32, 0, 2)
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, badRequest("For input string: \"%s\"", p)
		}
		bounds = append(bounds, int32(n))
	}
	return &models.Int32Range{Start: proto.Int32(bounds[0]), End: proto.Int32(bounds[len(bounds)-1])}, nil
}

// rewriteFirewallChain replaces the rules of the firewall's chain by the
// firewall's current ones: rules no longer there are deleted, kept ones
// updated when they changed, new ones created, then the chain is ordered
// as the list.
func rewriteFirewallChain(v *View, fw *models.NeutronFirewall, chain *models.Chain) ([]Op, error) {
	oldRules, err := getMany[*models.Rule](v, chain.GetRuleIds())
	if err != nil {
		return nil, err
	}
	newRules, err := firewallChainRules(fw)
	if err != nil {
		return nil, err
	}
	oldByID := make(map[uuid.UUID]*models.Rule, len(oldRules))
	for _, r := range oldRules {
		oldByID[idOf(r)] = r
	}
	order := make([]*models.UUID, 0, len(newRules))
	kept := make(map[uuid.UUID]bool, len(newRules))
	for _, r := range newRules {
		order = append(order, r.GetId())
		kept[idOf(r)] = true
	}
	var ops []Op
	for _, r := range oldRules {
		if !kept[idOf(r)] {
			ops = append(ops, Delete(&models.Rule{}, idOf(r)))
		}
	}
	for _, r := range newRules {
		if old, ok := oldByID[idOf(r)]; ok && !proto.Equal(old, r) {
			ops = append(ops, Update(r))
		}
	}
	for _, r := range newRules {
		if _, ok := oldByID[idOf(r)]; !ok {
			ops = append(ops, Create(r))
		}
	}
	return append(ops, Modify(idOf(chain), func(c *models.Chain) error {
		c.RuleIds = order
		return nil
	})), nil
}

// deleteFirewallJumps deletes a router's firewall jumps, the current one
// and the earlier translation's.
func deleteFirewallJumps(r uuid.UUID) []Op {
	return []Op{
		Delete(&models.Rule{}, InChainFwJumpRuleID(r)),
		Delete(&models.Rule{}, OutChainFwJumpRuleID(r)),
		Delete(&models.Rule{}, FwdChainFwJumpRuleID(r)),
	}
}

// firewallRouterOps detaches the firewall from del-router-ids, then
// attaches it to add-router-ids. The view does not see the request's own
// ops, so the routers handled here are remembered: a router both detached
// and attached gets its jump back, a router named twice gets one.
func firewallRouterOps(v *View, fw *models.NeutronFirewall) ([]Op, error) {
	var ops []Op
	detached := map[uuid.UUID]bool{}
	for _, r := range fw.GetDelRouterIds() {
		ops = append(ops, deleteFirewallJumps(r.ToGoogle())...)
		detached[r.ToGoogle()] = true
	}
	attached := map[uuid.UUID]bool{}
	for _, rp := range fw.GetAddRouterIds() {
		r := rp.ToGoogle()
		ops = append(ops, Delete(&models.Rule{}, InChainFwJumpRuleID(r)), Delete(&models.Rule{}, OutChainFwJumpRuleID(r)))
		if attached[r] {
			continue
		}
		attached[r] = true
		jump := FwdChainFwJumpRuleID(r)
		exists, err := v.Exists(&models.Rule{}, jump)
		if err != nil {
			return nil, err
		}
		if exists && !detached[r] {
			continue
		}
		chainOps, err := ensureRouterForwardChain(v, r)
		if err != nil {
			return nil, err
		}
		pgOps, err := ensureRouterInterfacePortGroup(v, r)
		if err != nil {
			return nil, err
		}
		ops = append(append(ops, chainOps...), pgOps...)
		pg := RouterInterfacePortGroupID(r)
		cond := anyFrag()
		cond.InPortGroupId, cond.InvInPortGroup = uuidOf(pg), proto.Bool(true)
		cond.OutPortGroupId, cond.InvOutPortGroup = uuidOf(pg), proto.Bool(true)
		cond.ConjunctionInv = proto.Bool(true)
		rule := jumpRuleWithID(jump, FwdChainID(r), FwdChainID(idOf(fw)))
		rule.Condition = cond
		ops = append(ops, Create(rule))
	}
	return ops, nil
}

// ensureRouterForwardChain creates the forward chain of a router made by a
// translation that predates it.
func ensureRouterForwardChain(v *View, r uuid.UUID) ([]Op, error) {
	ok, err := v.Exists(&models.Chain{}, FwdChainID(r))
	if err != nil || ok {
		return nil, err
	}
	if _, err := get[*models.Router](v, r); err != nil {
		return nil, err
	}
	return []Op{
		Create(newChain(FwdChainID(r), forwardChainName(r))),
		Modify(r, func(router *models.Router) error {
			router.ForwardChainId = uuidOf(FwdChainID(r))
			return nil
		}),
	}, nil
}

// FWaaS logging: a firewall log is a RuleLogger with the log's id on the
// firewall's chain, writing to the MidoNet LoggingResource of the log's
// logging resource (created, type FILE, with the first log naming it).
// The chain gets the firewall and tenant ids as metadata, once. Neither
// the firewall log nor the Neutron logging resource is stored: an update
// sets the logger's event or the resource's enabled flag; a log's delete
// deletes its logger, and the resource when no logger is left; a
// resource's delete deletes it with its loggers. A logging resource is
// only made through a log.

func firewallLogTranslator() *Translator {
	t := typed(createFirewallLog, updateFirewallLog, deleteFirewallLog)
	t.Unregistered = true
	return t
}

func createFirewallLog(v *View, fl *models.FirewallLog) ([]Op, error) {
	lr := fl.GetLoggingResource()
	if lr.GetId() == nil || fl.GetLoggingResourceId() == nil {
		return nil, badRequest("firewall log without logging_resource or logging_resource_id")
	}
	var ops []Op
	ok, err := v.Exists(&models.LoggingResource{}, idOf(lr))
	if err != nil {
		return nil, err
	}
	if !ok {
		ops = append(ops, Create(&models.LoggingResource{Id: proto.Clone(lr.GetId()).(*models.UUID),
			Enabled: proto.Bool(lr.GetEnabled()), Type: models.LoggingResource_FILE.Enum()}))
	}
	fwID := fl.GetFirewallId().ToGoogle()
	chain, err := get[*models.Chain](v, FwdChainID(fwID))
	if err != nil {
		return nil, err
	}
	ops = append(ops, Create(&models.RuleLogger{Id: fl.GetId(), ChainId: uuidOf(FwdChainID(fwID)),
		LoggingResourceId: fl.GetLoggingResourceId(), Event: fl.GetFwEvent().Enum()}))
	if slices.ContainsFunc(chain.GetMetadata(), func(m *models.MetadataEntry) bool { return m.GetKey() == "firewall_id" }) {
		return ops, nil
	}
	return append(ops, Modify(idOf(chain), func(c *models.Chain) error {
		c.Metadata = append(c.Metadata,
			&models.MetadataEntry{Key: proto.String("firewall_id"), Value: proto.String(fwID.String())},
			&models.MetadataEntry{Key: proto.String("tenant_id"), Value: proto.String(fl.GetTenantId())})
		return nil
	})), nil
}

// updateFirewallLog sets the logger's event; a missing logger is not found.
func updateFirewallLog(_ *View, fl *models.FirewallLog, _ *models.FirewallLog) ([]Op, error) {
	return []Op{Modify(idOf(fl), func(rl *models.RuleLogger) error {
		rl.Event = fl.GetFwEvent().Enum()
		return nil
	})}, nil
}

// deleteFirewallLog deletes the logger (a missing one is not found, as the
// reference's) and its logging resource when it was the last logger; fl
// carries only the id.
func deleteFirewallLog(v *View, fl *models.FirewallLog) ([]Op, error) {
	id := idOf(fl)
	rl, err := get[*models.RuleLogger](v, id)
	if err != nil {
		return nil, err
	}
	lr, err := get[*models.LoggingResource](v, rl.GetLoggingResourceId().ToGoogle())
	if err != nil {
		return nil, err
	}
	ops := []Op{Delete(&models.RuleLogger{}, id)}
	if len(removeOneID(slices.Clone(lr.GetLoggerIds()), uuidOf(id))) == 0 {
		ops = append(ops, Delete(&models.LoggingResource{}, idOf(lr)))
	}
	return ops, nil
}

// loggingResourceTranslator refuses creates: Neutron makes logging
// resources through firewall logs only (the reference's
// UnsupportedOperationException).
func loggingResourceTranslator() *Translator {
	t := typed(func(*View, *models.NeutronLoggingResource) ([]Op, error) {
		return nil, errors.New("neutron: creating a LoggingResource is not supported")
	}, updateLoggingResource, func(_ *View, lr *models.NeutronLoggingResource) ([]Op, error) {
		return []Op{Delete(&models.LoggingResource{}, idOf(lr))}, nil
	})
	t.Unregistered = true
	return t
}

// updateLoggingResource sets the enabled flag of an existing resource.
func updateLoggingResource(_ *View, lr *models.NeutronLoggingResource, _ *models.NeutronLoggingResource) ([]Op, error) {
	return []Op{modifyIfExists(idOf(lr), func(m *models.LoggingResource) error {
		m.Enabled = proto.Bool(lr.GetEnabled())
		return nil
	})}, nil
}
