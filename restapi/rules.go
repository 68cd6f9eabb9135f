package restapi

import (
	"net/http"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// rulesFamily is the family of chains and their rules.
func rulesFamily() family {
	return family{
		resources: []*resource{chainsResource(), rulesResource()},
	}
}

// removeChain deletes the chain, its rules (by the store's cascade) and the
// jump rules of other chains that target it, and unregisters its own jump
// rules from their targets (Chain.jump_rule_ids is not a store binding).
func removeChain(c *call, tx Tx, id uuid.UUID) error {
	chain, err := getAs[*models.Chain](tx, id)
	if err != nil {
		return err
	}
	for _, rid := range toUUIDs(chain.RuleIds) {
		if err := unregisterJump(tx, rid, id); err != nil {
			return err
		}
	}
	for _, rid := range toUUIDs(chain.JumpRuleIds) {
		if err := tx.Delete(&models.Rule{}, rid, true); err != nil {
			return err
		}
	}
	return tx.Delete(&models.Chain{}, id, false)
}

// unregisterJump removes rule rid from its jump target's list, unless the
// target is skip (being deleted anyway).
func unregisterJump(tx Tx, rid, skip uuid.UUID) error {
	rule, err := getAs[*models.Rule](tx, rid)
	if err != nil {
		return nil // already gone
	}
	target := toUUID(rule.GetJumpRuleData().GetJumpChainId())
	if target == uuid.Nil || target == skip {
		return nil
	}
	tchain, err := getAs[*models.Chain](tx, target)
	if err != nil {
		return nil
	}
	tchain.JumpRuleIds = removeUUID(tchain.JumpRuleIds, rid)
	return tx.Update(tchain)
}

func rulePosition(b body) (int64, *Error) {
	raw, ok := b["position"]
	if !ok || isNull(raw) {
		return 1, nil
	}
	n, err := decodeInt(raw)
	if err != nil {
		return 0, badJSON("position", err)
	}
	if n == 0 {
		n = 1
	}
	return n, nil
}

func decodeRule(c *call, b body, rule, stored *models.Rule) ([]Violation, error) {
	pos, perr := rulePosition(b)
	if perr != nil {
		return nil, perr
	}
	var viols []Violation
	if pos < 1 {
		viols = append(viols, Violation{Property: "position", Message: "must be greater than or equal to 1"})
	}
	if rule.Condition == nil {
		rule.Condition = &models.Condition{}
	}
	cond := rule.Condition
	l4 := cond.TpSrc != nil || cond.TpDst != nil
	nat := rule.GetNatRuleData()
	if cond.FragmentPolicy == nil {
		policy := models.Condition_ANY
		switch {
		case nat != nil && !nat.GetReverse():
			policy = models.Condition_UNFRAGMENTED
			if floatingIP(nat) && !l4 {
				policy = models.Condition_ANY
			}
		case l4:
			policy = models.Condition_HEADER
		}
		cond.FragmentPolicy = policy.Enum()
		return viols, nil
	}
	fp := cond.GetFragmentPolicy()
	// A forward NAT rule is checked by its own rule only (the reference's
	// FragmentTypeValidator), so it gets the NAT message alone.
	forwardNAT := nat != nil && !nat.GetReverse()
	if !forwardNAT && l4 && (fp == models.Condition_ANY || fp == models.Condition_NONHEADER) {
		viols = append(viols, Violation{Property: "", Message: "For a rule with tpDst or tpSrc constraints, the fragmentPolicy must be 'header' or 'unfragmented'."})
	}
	if forwardNAT && fp != models.Condition_UNFRAGMENTED && !(floatingIP(nat) && !l4) {
		viols = append(viols, Violation{Property: "", Message: "For a NAT rule with port constraints or multiple targets, the fragmentPolicy must be 'unfragmented'."})
	}
	return viols, nil
}

// floatingIP: a single target with one address and any port.
func floatingIP(nat *models.Rule_NatRuleData) bool {
	if len(nat.NatTargets) != 1 {
		return false
	}
	t := nat.NatTargets[0]
	return proto.Equal(t.NwStart, t.NwEnd) && t.GetTpStart() == 0 && t.GetTpEnd() == 0
}

// createRule creates the rule at its position in the chain (1 = head) and
// registers a jump rule with its target chain.
func createRule(c *call, tx Tx, rule *models.Rule, b body) error {
	chainID := toUUID(rule.ChainId)
	chain, err := getAs[*models.Chain](tx, chainID)
	if err != nil {
		return err
	}
	pos, perr := rulePosition(b)
	if perr != nil {
		return perr
	}
	if n := len(chain.RuleIds); pos > int64(n)+1 {
		return errorf(http.StatusBadRequest, "Position exceeds number of rules in chain")
	}
	if err := tx.Create(rule); err != nil {
		return err
	}
	// The store appended the rule to the chain; move it to its position.
	if chain, err = getAs[*models.Chain](tx, chainID); err != nil {
		return err
	}
	rid := toUUID(rule.Id)
	ids := removeUUID(chain.RuleIds, rid)
	chain.RuleIds = slices.Insert(ids, int(pos-1), uuidPtr(rid))
	if err := tx.Update(chain); err != nil {
		return err
	}
	if jd := rule.GetJumpRuleData(); jd != nil {
		target, err := getAs[*models.Chain](tx, toUUID(jd.JumpChainId))
		if err != nil {
			return err
		}
		target.JumpRuleIds = append(target.JumpRuleIds, uuidPtr(rid))
		return tx.Update(target)
	}
	return nil
}

func encodeRule(c *call, rule *models.Rule, out *object) error {
	out.set("meterName", nil)
	out.set("position", nil)
	if rule.ChainId == nil {
		return nil
	}
	chain, err := loadAs[*models.Chain](c, toUUID(rule.ChainId))
	if err != nil {
		return nil
	}
	for i, id := range chain.RuleIds {
		if proto.Equal(id, rule.Id) {
			out.set("position", i+1)
		}
	}
	return nil
}

func removeRule(c *call, tx Tx, id uuid.UUID) error {
	if _, err := tx.Get(&models.Rule{}, id); err != nil {
		return err
	}
	if err := unregisterJump(tx, id, uuid.Nil); err != nil {
		return err
	}
	return tx.Delete(&models.Rule{}, id, false)
}

// conditionFields are the rule-matching fields shared by rules (and, later,
// mirrors and trace requests), stored in a commons.Condition at prefix.
func conditionFields(prefix string) []field {
	c := func(p string) string {
		if prefix == "" {
			return p
		}
		return prefix + "." + p
	}
	return []field{
		fBool("condInvert", c("conjunction_inv")),
		fBool("matchForwardFlow", c("match_forward_flow")),
		fBool("matchReturnFlow", c("match_return_flow")),
		fBool("matchNwDstRewritten", c("match_nw_dst_rewritten")),
		fBool("noVlan", c("no_vlan")),
		fUUIDs("inPorts", c("in_port_ids")),
		fBool("invInPorts", c("in_port_inv")),
		fUUIDs("outPorts", c("out_port_ids")),
		fBool("invOutPorts", c("out_port_inv")),
		fUUID("portGroup", c("port_group_id")),
		fBool("invPortGroup", c("inv_port_group")),
		fUUID("inPortGroup", c("in_port_group_id")),
		fBool("invInPortGroup", c("inv_in_port_group")),
		fUUID("outPortGroup", c("out_port_group_id")),
		fBool("invOutPortGroup", c("inv_out_port_group")),
		fUUID("ipAddrGroupSrc", c("ip_addr_group_id_src")),
		fBool("invIpAddrGroupSrc", c("inv_ip_addr_group_id_src")),
		fUUID("ipAddrGroupDst", c("ip_addr_group_id_dst")),
		fBool("invIpAddrGroupDst", c("inv_ip_addr_group_id_dst")),
		fUUID("traversedDevice", c("traversed_device")),
		fBool("invTraversedDevice", c("traversed_device_inv")),
		fNullInt("vlan", c("vlan")),
		{json: "dlType", proto: c("dl_type"), kind: kNullInt, min: bound(0x600), max: bound(0xFFFF)},
		fBool("invDlType", c("inv_dl_type")),
		{json: "dlSrc", proto: c("dl_src"), kind: kMAC},
		{json: "dlSrcMask", proto: c("dl_src_mask"), kind: kMACMask},
		fBool("invDlSrc", c("inv_dl_src")),
		{json: "dlDst", proto: c("dl_dst"), kind: kMAC},
		{json: "dlDstMask", proto: c("dl_dst_mask"), kind: kMACMask},
		fBool("invDlDst", c("inv_dl_dst")),
		fNullInt("nwTos", c("nw_tos")),
		fBool("invNwTos", c("nw_tos_inv")),
		fNullInt("nwProto", c("nw_proto")),
		fBool("invNwProto", c("nw_proto_inv")),
		{json: "nwSrcAddress", proto: c("nw_src_ip"), kind: kSubnetAddr},
		{json: "nwSrcLength", proto: c("nw_src_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invNwSrc", c("nw_src_inv")),
		{json: "nwDstAddress", proto: c("nw_dst_ip"), kind: kSubnetAddr},
		{json: "nwDstLength", proto: c("nw_dst_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invNwDst", c("nw_dst_inv")),
		{json: "tpSrc", proto: c("tp_src"), kind: kRange},
		fBool("invTpSrc", c("tp_src_inv")),
		{json: "tpDst", proto: c("tp_dst"), kind: kRange},
		fBool("invTpDst", c("tp_dst_inv")),
		{json: "icmpDataSrcIpAddress", proto: c("icmp_data_src_ip"), kind: kSubnetAddr},
		{json: "icmpDataSrcIpLength", proto: c("icmp_data_src_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invIcmpDataSrcIp", c("icmp_data_src_ip_inv")),
		{json: "icmpDataDstIpAddress", proto: c("icmp_data_dst_ip"), kind: kSubnetAddr},
		{json: "icmpDataDstIpLength", proto: c("icmp_data_dst_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invIcmpDataDstIp", c("icmp_data_dst_ip_inv")),
		{json: "fragmentPolicy", proto: c("fragment_policy"), kind: kEnum,
			enum:      map[string]string{"any": "ANY", "nonheader": "NONHEADER", "header": "HEADER", "unfragmented": "UNFRAGMENTED"},
			enumError: "The valid options for fragmentPolicy are: 'any', 'header', 'nonheader', and 'unfragmented'."},
	}
}

func literalRule(name, action string) variant {
	return variant{names: []string{name}, fixed: []fixedValue{{"type", "LITERAL_RULE"}, {"action", action}}}
}

func natRule(name string, dnat, reverse bool) variant {
	fields := []field{fReq(field{json: "flowAction", proto: "action", kind: kEnum,
		enum: map[string]string{"accept": "ACCEPT", "continue": "CONTINUE", "return": "RETURN"}})}
	if !reverse {
		fields = append(fields, fReq(field{json: "natTargets", proto: "nat_rule_data.nat_targets", kind: kNatTargets}))
	}
	return variant{names: []string{name}, fields: fields, fixed: []fixedValue{
		{"type", "NAT_RULE"}, {"nat_rule_data.dnat", dnat}, {"nat_rule_data.reverse", reverse}}}
}

func chainsResource() *resource {
	return &resource{
		segment: "chains", rootKey: "chains", templateKey: "chainTemplate",
		model:      &models.Chain{},
		single:     single("Chain-v1").withJSON(),
		collection: collection("Chain-v1").withJSON(),
		ops:        opList | opGet | opCreate | opDelete,
		fields:     []field{fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255)},
		links:      []link{lSub("rules", "/rules")},
		filters:    []queryFilter{tenantFilter},
		hooks:      typed[*models.Chain]{remove: removeChain}.hooks(),
	}
}

func rulesResource() *resource {
	return &resource{
		segment: "rules", templateKey: "ruleTemplate",
		model:         &models.Rule{},
		single:        single("Rule-v2").withJSON(),
		collection:    collection("Rule-v2").withJSON(),
		ops:           opGet | opCreate | opDelete,
		discriminator: "type",
		fields: append([]field{
			fID(), fRO(fUUID("chainId", "chain_id")),
		}, conditionFields("condition")...),
		variants: []variant{
			literalRule("accept", "ACCEPT"), literalRule("drop", "DROP"),
			literalRule("reject", "REJECT"), literalRule("return", "RETURN"),
			{names: []string{"jump"}, fixed: []fixedValue{{"type", "JUMP_RULE"}, {"action", "JUMP"}},
				fields: []field{
					fReq(fUUID("jumpChainId", "jump_rule_data.jump_chain_id")),
					fStr("jumpChainName", "jump_rule_data.jump_chain_name"),
				}},
			natRule("dnat", true, false), natRule("snat", false, false),
			natRule("rev_dnat", true, true), natRule("rev_snat", false, true),
			{names: []string{"l2_transform"}, fixed: []fixedValue{{"type", "L2TRANSFORM_RULE"}},
				fields: []field{
					fReq(field{json: "flowAction", proto: "action", kind: kEnum,
						enum: map[string]string{"accept": "ACCEPT", "redirect": "REDIRECT"}}),
					fBool("popVlan", "transform_rule_data.pop_vlan"),
					fIntRange("pushVlan", "transform_rule_data.push_vlan", 0, 65535),
					fUUID("targetPortId", "transform_rule_data.target_port_id"),
					fBool("ingress", "transform_rule_data.ingress"),
					fBool("failOpen", "transform_rule_data.fail_open"),
				}},
			{names: []string{"trace"}, fixed: []fixedValue{{"type", "TRACE_RULE"}, {"action", "CONTINUE"}},
				fields: []field{
					fReq(fUUID("requestId", "trace_rule_data.trace_request_id")),
					fInt("limit", "trace_rule_data.limit"),
				}},
		},
		parents: []parent{
			{segment: "chains", sub: "rules", ref: "chain_id", backRef: "rule_ids"},
		},
		hooks: typed[*models.Rule]{decode: decodeRule, encode: encodeRule, create: createRule, remove: removeRule}.hooks(),
	}
}
