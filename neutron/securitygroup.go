package neutron

import (
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Security groups: an IP address group with the group's id, name and two
// chains — inChain(sg) "OS_SG_<id>_EGRESS" holding the egress rules and
// outChain(sg) "OS_SG_<id>_INGRESS" the ingress rules — which ports' own
// chains jump to. Each Neutron rule is one accept rule with the rule's id,
// or, with a port range, a header-fragment rule with the range and a
// non-header rule (derived id) without it. The translation stores the
// security group and its rules itself (the rules also as top-level
// SecurityGroupRule objects).

func securityGroupTranslator() *Translator {
	t := typed(createSecurityGroup, updateSecurityGroup, deleteSecurityGroup)
	t.NotStored = true
	return t
}

func securityGroupRuleTranslator() *Translator {
	t := typed(createSecurityGroupRule, updateSecurityGroupRule, deleteSecurityGroupRule)
	t.NotStored = true
	return t
}

// sgRules are the MidoNet rules of a Neutron security group rule.
func sgRules(r *models.SecurityGroupRule) ([]*models.Rule, error) {
	common := func() (*models.Rule, error) {
		rule := &models.Rule{Id: r.GetId(), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_ACCEPT.Enum()}
		cond := &models.Condition{}
		if r.Protocol != nil {
			cond.NwProto = proto.Int32(int32(r.GetProtocol()))
		}
		if r.Ethertype != nil {
			cond.DlType = proto.Int32(int32(r.GetEthertype()))
		}
		var prefix *models.IPSubnet
		if r.RemoteIpPrefix != nil {
			p, err := parseCIDR(r.GetRemoteIpPrefix())
			if err != nil {
				return nil, badRequest("Invalid remote_ip_prefix %q", r.GetRemoteIpPrefix())
			}
			prefix = p
		}
		sg := r.GetSecurityGroupId().ToGoogle()
		if r.GetDirection() == models.RuleDirection_INGRESS {
			rule.ChainId = models.UUIDFromGoogle(OutChainID(sg))
			cond.NwSrcIp, cond.IpAddrGroupIdSrc = prefix, r.GetRemoteGroupId()
		} else {
			rule.ChainId = models.UUIDFromGoogle(InChainID(sg))
			cond.NwDstIp, cond.IpAddrGroupIdDst = prefix, r.GetRemoteGroupId()
		}
		rule.Condition = cond
		return rule, nil
	}
	first, err := common()
	if err != nil {
		return nil, err
	}
	if r.PortRangeMin == nil && r.PortRangeMax == nil {
		first.Condition.FragmentPolicy = models.Condition_ANY.Enum()
		return []*models.Rule{first}, nil
	}
	c := first.Condition
	c.FragmentPolicy = models.Condition_HEADER.Enum()
	if r.Protocol != nil && r.GetProtocol() == models.Protocol_ICMP {
		// ICMP: the range is (type, code).
		if r.PortRangeMin != nil {
			c.TpSrc = &models.Int32Range{Start: r.PortRangeMin, End: r.PortRangeMin}
		}
		if r.PortRangeMax != nil {
			c.TpDst = &models.Int32Range{Start: r.PortRangeMax, End: r.PortRangeMax}
		}
	} else {
		c.TpDst = &models.Int32Range{Start: r.PortRangeMin, End: r.PortRangeMax}
	}
	second, _ := common()
	second.Id = models.UUIDFromGoogle(NonHeaderRuleID(r.GetId().ToGoogle()))
	second.Condition.FragmentPolicy = models.Condition_NONHEADER.Enum()
	return []*models.Rule{first, second}, nil
}

func createSecurityGroup(_ *View, sg *models.SecurityGroup) ([]Op, error) {
	id := sg.GetId().ToGoogle()
	sg = proto.Clone(sg).(*models.SecurityGroup)
	for _, r := range sg.GetSecurityGroupRules() {
		if r.SecurityGroupId == nil {
			r.SecurityGroupId = sg.GetId()
		}
		if r.Id == nil {
			return nil, badRequest("security group rule without an id")
		}
	}
	var in, out []*models.Rule
	for _, r := range sg.GetSecurityGroupRules() {
		rules, err := sgRules(r)
		if err != nil {
			return nil, err
		}
		if r.GetDirection() == models.RuleDirection_INGRESS {
			out = append(out, rules...)
		} else {
			in = append(in, rules...)
		}
	}
	ops := []Op{Create(sg)}
	for _, r := range sg.GetSecurityGroupRules() {
		ops = append(ops, Create(r))
	}
	ops = append(ops, Create(newChain(InChainID(id), "OS_SG_"+id.String()+"_EGRESS")),
		Create(newChain(OutChainID(id), "OS_SG_"+id.String()+"_INGRESS")))
	ops = append(ops, creates(in...)...)
	ops = append(ops, creates(out...)...)
	return append(ops, Create(&models.IPAddrGroup{Id: sg.GetId(), Name: proto.String(sg.GetName()),
		InboundChainId: models.UUIDFromGoogle(InChainID(id)), OutboundChainId: models.UUIDFromGoogle(OutChainID(id))})), nil
}

func updateSecurityGroup(_ *View, sg, _ *models.SecurityGroup) ([]Op, error) {
	id := sg.GetId().ToGoogle()
	name, desc := proto.String(sg.GetName()), proto.String(sg.GetDescription())
	return []Op{
		Modify(id, func(g *models.IPAddrGroup) error { g.Name = name; return nil }),
		Modify(id, func(g *models.SecurityGroup) error { g.Name, g.Description = name, desc; return nil }),
	}, nil
}

func deleteSecurityGroup(v *View, sg *models.SecurityGroup) ([]Op, error) {
	id := sg.GetId().ToGoogle()
	var ops []Op
	// Ports still using the group lose it, and their chains' jumps to it.
	grp, ok, err := getIf[*models.IPAddrGroup](v, id)
	if err != nil {
		return nil, err
	}
	if ok {
		sgIn, sgOut := models.UUIDFromGoogle(InChainID(id)), models.UUIDFromGoogle(OutChainID(id))
		seen := map[uuid.UUID]bool{}
		for _, e := range grp.GetIpAddrPorts() {
			for _, pid := range e.GetPortIds() {
				port := pid.ToGoogle()
				if seen[port] {
					continue
				}
				seen[port] = true
				sgID := sg.GetId()
				ops = append(ops, modifyIfExists(port, func(np *models.NeutronPort) error {
					np.SecurityGroups = removeID(np.SecurityGroups, sgID)
					return nil
				}))
				for _, chain := range []uuid.UUID{InChainID(port), OutChainID(port)} {
					c, ok, err := getIf[*models.Chain](v, chain)
					if err != nil {
						return nil, err
					}
					if !ok {
						continue
					}
					rules, err := getMany[*models.Rule](v, c.GetRuleIds())
					if err != nil {
						return nil, err
					}
					for _, r := range rules {
						if r.GetType() == models.Rule_JUMP_RULE {
							if j := r.GetJumpRuleData().GetJumpChainId(); j.Equal(sgIn) || j.Equal(sgOut) {
								ops = append(ops, Delete(&models.Rule{}, r.GetId().ToGoogle()))
							}
						}
					}
				}
			}
		}
	}
	// Rules of other groups naming this one as their remote group.
	rules, err := getAll[*models.Rule](v)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if c := r.GetCondition(); c.GetIpAddrGroupIdDst().Equal(sg.GetId()) || c.GetIpAddrGroupIdSrc().Equal(sg.GetId()) {
			ops = append(ops, Delete(&models.Rule{}, r.GetId().ToGoogle()))
		}
	}
	for _, r := range sg.GetSecurityGroupRules() {
		ops = append(ops, Delete(&models.SecurityGroupRule{}, r.GetId().ToGoogle()))
	}
	return append(ops, Delete(&models.Chain{}, InChainID(id)), Delete(&models.Chain{}, OutChainID(id)),
		Delete(&models.IPAddrGroup{}, id), Delete(&models.SecurityGroup{}, id)), nil
}

func createSecurityGroupRule(v *View, r *models.SecurityGroupRule) ([]Op, error) {
	if _, err := get[*models.SecurityGroup](v, r.GetSecurityGroupId().ToGoogle()); err != nil {
		return nil, err
	}
	rules, err := sgRules(r)
	if err != nil {
		return nil, err
	}
	ops := []Op{Create(r)}
	ops = append(ops, creates(rules...)...)
	stored := proto.Clone(r).(*models.SecurityGroupRule)
	return append(ops, Modify(r.GetSecurityGroupId().ToGoogle(), func(sg *models.SecurityGroup) error {
		sg.SecurityGroupRules = append(sg.SecurityGroupRules, stored)
		return nil
	})), nil
}

func updateSecurityGroupRule(*View, *models.SecurityGroupRule, *models.SecurityGroupRule) ([]Op, error) {
	return nil, badRequest("SecurityGroupRule update not supported.")
}

func deleteSecurityGroupRule(_ *View, r *models.SecurityGroupRule) ([]Op, error) {
	id := r.GetId()
	return []Op{
		modifyIfExists(r.GetSecurityGroupId().ToGoogle(), func(sg *models.SecurityGroup) error {
			for i, x := range sg.GetSecurityGroupRules() {
				if proto.Equal(x, r) || x.GetId().Equal(id) {
					sg.SecurityGroupRules = append(sg.SecurityGroupRules[:i:i], sg.SecurityGroupRules[i+1:]...)
					break
				}
			}
			return nil
		}),
		Delete(&models.Rule{}, id.ToGoogle()),
		Delete(&models.Rule{}, NonHeaderRuleID(id.ToGoogle())),
		Delete(&models.SecurityGroupRule{}, id.ToGoogle()),
	}, nil
}

// parseCIDR reads a prefix as the reference's IPSubnet.fromCidr does: a
// bare address is a host prefix (/32, /128).
func parseCIDR(s string) (*models.IPSubnet, error) {
	if !strings.Contains(s, "/") {
		a, err := models.ParseIPAddress(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		return hostSubnet(a), nil
	}
	return models.ParseIPSubnet(strings.TrimSpace(s))
}
