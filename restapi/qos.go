package restapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// qosFamily is the family of QoS policies and their rules.
func qosFamily() family {
	return family{
		resources: []*resource{qosPoliciesResource(), qosBwLimitRulesResource(), qosDscpRulesResource()},
	}
}

// qosRule is one entry of a policy's inline "rules" (the Neutron plugin's
// form): snake_case keys, type bandwidth_limit or dscp_marking.
type qosRule struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	MaxKbps      *int32 `json:"max_kbps"`
	MaxBurstKbps *int32 `json:"max_burst_kbps"`
	DscpMark     *int32 `json:"dscp_mark"`
}

const (
	qosBandwidthLimit = "bandwidth_limit"
	qosDscpMarking    = "dscp_marking"
)

// inlineQosRules reads the body's "rules"; ok is false when absent (a PUT
// without rules leaves them untouched).
func inlineQosRules(b body) (rules []qosRule, ids []uuid.UUID, ok bool, err error) {
	raw, present := b["rules"]
	if !present || isNull(raw) {
		return nil, nil, false, nil
	}
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, nil, false, badJSON("rules", err)
	}
	for _, r := range rules {
		id, err := uuid.Parse(r.ID)
		if err != nil {
			return nil, nil, false, errorf(http.StatusBadRequest, "QoS rule id %q is not a UUID", r.ID)
		}
		if r.Type != qosBandwidthLimit && r.Type != qosDscpMarking {
			return nil, nil, false, errorf(http.StatusBadRequest, "Unknown QoS rule type %q", r.Type)
		}
		ids = append(ids, id)
	}
	return rules, ids, true, nil
}

func decodeQosPolicy(c *call, b body, msg, stored *models.QosPolicy) ([]Violation, error) {
	_, _, _, err := inlineQosRules(b)
	return nil, err
}

func encodeQosPolicy(c *call, msg *models.QosPolicy, out *object) error {
	out.set("rules", nil) // input only, as the reference answers
	return nil
}

// qosRuleObject builds the stored rule of an inline entry.
func qosRuleObject(r qosRule, policy *models.UUID) proto.Message {
	id, _ := uuid.Parse(r.ID)
	if r.Type == qosDscpMarking {
		return &models.QosRuleDscp{Id: uuidPtr(id), DscpMark: r.DscpMark, PolicyId: policy}
	}
	return &models.QosRuleBandwidthLimit{Id: uuidPtr(id), MaxKbps: zeroIfNil(r.MaxKbps), MaxBurstKb: r.MaxBurstKbps, PolicyId: policy}
}

func zeroIfNil(v *int32) *int32 {
	if v == nil {
		return proto.Int32(0)
	}
	return v
}

func createQosPolicy(c *call, tx Tx, policy *models.QosPolicy, b body) error {
	if err := tx.Create(policy); err != nil {
		return err
	}
	rules, _, _, err := inlineQosRules(b)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := tx.Create(qosRuleObject(r, policy.Id)); err != nil {
			return err
		}
	}
	return nil
}

// updateQosPolicy is the generic PUT plus the inline-rules diff by id:
// new ids created, missing ids deleted, common ids updated.
func updateQosPolicy(c *call, tx Tx, id uuid.UUID, b body) error {
	old, msg, err := replacementAs[*models.QosPolicy](c, tx, c.h.resources["qos_policies"], id, b)
	if err != nil {
		return err
	}
	if err := tx.Update(msg); err != nil {
		return err
	}
	rules, ids, present, err := inlineQosRules(b)
	if err != nil || !present {
		return err
	}
	for _, rid := range toUUIDs(old.BandwidthLimitRuleIds) {
		if !slices.Contains(ids, rid) {
			if err := tx.Delete(&models.QosRuleBandwidthLimit{}, rid, true); err != nil {
				return err
			}
		}
	}
	for _, rid := range toUUIDs(old.DscpMarkingRuleIds) {
		if !slices.Contains(ids, rid) {
			if err := tx.Delete(&models.QosRuleDscp{}, rid, true); err != nil {
				return err
			}
		}
	}
	for i, r := range rules {
		obj := qosRuleObject(r, old.Id)
		existing := slices.Contains(toUUIDs(old.BandwidthLimitRuleIds), ids[i]) || slices.Contains(toUUIDs(old.DscpMarkingRuleIds), ids[i])
		if existing {
			err = tx.Update(obj)
		} else {
			err = tx.Create(obj)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func qosPoliciesResource() *resource {
	return &resource{
		segment: "qos_policies", rootKey: "qosPolicies", templateKey: "qosPolicyTemplate",
		model:      &models.QosPolicy{},
		single:     single("QOSPolicy-v1").withJSON(),
		collection: collection("QOSPolicy-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(), fStr("name", "name"), fStr("description", "description"),
			{json: "shared", proto: "shared", kind: kNullBool},
			fStr("tenant_id", "tenant_id"),
		},
		links:           []link{lSub("bwLimitRules", "/qos_bw_limit_rules"), lSub("dscpRules", "/qos_dscp_rules")},
		deleteMissingOK: true,
		hooks: typed[*models.QosPolicy]{decode: decodeQosPolicy, encode: encodeQosPolicy, create: createQosPolicy,
			update: updateQosPolicy}.hooks(),
	}
}

func qosBwLimitRulesResource() *resource {
	return &resource{
		segment: "qos_bw_limit_rules", templateKey: "qosBwLimitRuleTemplate",
		model:      &models.QosRuleBandwidthLimit{},
		single:     single("QOSRuleBWLimit-v1").withJSON(),
		collection: collection("QOSRuleBWLimit-v1").withJSON(),
		ops:        opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			{json: "maxKbps", proto: "max_kbps", kind: kInt, def: 0},
			fNullInt("maxBurstKb", "max_burst_kb"),
			fUUID("policyId", "policy_id"),
		},
		parents: []parent{{segment: "qos_policies", sub: "qos_bw_limit_rules", ref: "policy_id",
			backRef: "bandwidth_limit_rule_ids"}},
		deleteMissingOK: true,
	}
}

func qosDscpRulesResource() *resource {
	return &resource{
		segment: "qos_dscp_rules", templateKey: "qosDscpRuleTemplate",
		model:      &models.QosRuleDscp{},
		single:     single("QOSRuleDSCP-v1").withJSON(),
		collection: collection("QOSRuleDSCP-v1").withJSON(),
		ops:        opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fIntRange("dscpMark", "dscp_mark", 0, 63),
			fUUID("policyId", "policy_id"),
		},
		parents: []parent{{segment: "qos_policies", sub: "qos_dscp_rules", ref: "policy_id",
			backRef: "dscp_marking_rule_ids"}},
		deleteMissingOK: true,
	}
}
