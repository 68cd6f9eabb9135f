package restapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// l2InsertionsFamily is the family of L2 service insertions.
func l2InsertionsFamily() family {
	return family{
		resources: []*resource{l2insertionsResource()},
	}
}

// L2 insertions steer a protected port's traffic through a chain of
// service ports. Besides the L2Insertion object the reference keeps, in
// the same transaction (its L2InsertionTranslation):
//   - on the protected port, two redirect chains ("InboundRedirect<port>",
//     "OutboundRedirect<port>", Port.l2insertion_in/outfilter_id) rebuilt
//     from all its insertions ordered by position: L2 transform rules that
//     redirect to each service port in turn, then back to the port;
//   - on each service port's inbound redirect chain, two jump rules (to the
//     protected port's chains, matching the insertion's MAC), recorded in
//     the insertion's srv_rule_in_id/srv_rule_out_id.
// VLAN-tagged insertions use the 802.1p bits of the pushed tag to tell the
// directions apart.

const (
	pcpInMask    = 1 << 13
	pcpOutMask   = 2 << 13
	pcpFinalMask = 1 << 15
)

// redirectChains returns the port's redirect chains, creating them (and
// recording them on the port) when missing.
func redirectChains(tx Tx, portID uuid.UUID) (in, out *models.Chain, err error) {
	port, err := getAs[*models.Port](tx, portID)
	if err != nil {
		return nil, nil, err
	}
	changed := false
	ensure := func(ref **models.UUID, name string) (*models.Chain, error) {
		if *ref != nil {
			return getAs[*models.Chain](tx, toUUID(*ref))
		}
		c := &models.Chain{Id: models.NewUUID(), Name: proto.String(name + portID.String())}
		if err := tx.Create(c); err != nil {
			return nil, err
		}
		*ref, changed = cloneOf(c.Id), true
		return c, nil
	}
	if in, err = ensure(&port.L2InsertionInfilterId, "InboundRedirect"); err != nil {
		return nil, nil, err
	}
	if out, err = ensure(&port.L2InsertionOutfilterId, "OutboundRedirect"); err != nil {
		return nil, nil, err
	}
	if changed {
		if err := tx.Update(port); err != nil {
			return nil, nil, err
		}
	}
	return in, out, nil
}

func l2Rule(chain *models.UUID, action models.Rule_Action) *models.Rule {
	return &models.Rule{Id: models.NewUUID(), ChainId: cloneOf(chain),
		Type: models.Rule_L2TRANSFORM_RULE.Enum(), Action: action.Enum(),
		Condition: &models.Condition{},
		RuleData:  &models.Rule_TransformRuleData{TransformRuleData: &models.Rule_L2TransformRuleData{}}}
}

// addServiceRules creates the jump rules of the insertion on the service
// port's inbound redirect chain.
func addServiceRules(tx Tx, srvIn, in, out *models.Chain, ins *models.L2Insertion) error {
	jump := func(target *models.Chain, cond *models.Condition) *models.Rule {
		return &models.Rule{Id: models.NewUUID(), ChainId: cloneOf(srvIn.Id),
			Type: models.Rule_JUMP_RULE.Enum(), Action: models.Rule_JUMP.Enum(), Condition: cond,
			RuleData: &models.Rule_JumpRuleData_{JumpRuleData: &models.Rule_JumpRuleData{
				JumpChainId: cloneOf(target.Id), JumpChainName: target.Name}}}
	}
	ruleIn := jump(in, &models.Condition{DlSrc: ins.Mac})
	ruleOut := jump(out, &models.Condition{DlDst: ins.Mac})
	if v := ins.GetVlan(); v != 0 {
		ruleIn.Condition.Vlan = proto.Uint32(v | pcpInMask)
		ruleOut.Condition.Vlan = proto.Uint32(v | pcpOutMask)
	}
	for _, r := range []*models.Rule{ruleIn, ruleOut} {
		if err := tx.Create(r); err != nil {
			return err
		}
	}
	ins.SrvRuleInId, ins.SrvRuleOutId = cloneOf(ruleIn.Id), cloneOf(ruleOut.Id)
	return nil
}

func removeServiceRules(tx Tx, ins *models.L2Insertion) error {
	for _, id := range []*models.UUID{ins.SrvRuleInId, ins.SrvRuleOutId} {
		if id != nil {
			if err := tx.Delete(&models.Rule{}, toUUID(id), true); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuildRedirects replaces the protected port's redirect rules with those
// compiled from its insertions (ordered by position, then port ids).
func rebuildRedirects(tx Tx, portID uuid.UUID, skip uuid.UUID) error {
	in, out, err := redirectChains(tx, portID)
	if err != nil {
		return err
	}
	for _, c := range []*models.Chain{in, out} {
		for _, rid := range toUUIDs(c.RuleIds) {
			if err := tx.Delete(&models.Rule{}, rid, true); err != nil {
				return err
			}
		}
	}
	port, err := getAs[*models.Port](tx, portID)
	if err != nil {
		return err
	}
	var insertions []*models.L2Insertion
	for _, id := range toUUIDs(port.InsertionIds) {
		if id == skip {
			continue
		}
		i, err := getAs[*models.L2Insertion](tx, id)
		if err != nil {
			return err
		}
		insertions = append(insertions, i)
	}
	slices.SortFunc(insertions, func(a, b *models.L2Insertion) int {
		if a.GetPosition() != b.GetPosition() {
			return int(a.GetPosition()) - int(b.GetPosition())
		}
		if c := strings.Compare(toUUID(a.PortId).String(), toUUID(b.PortId).String()); c != 0 {
			return c
		}
		return strings.Compare(toUUID(a.SrvPortId).String(), toUUID(b.SrvPortId).String())
	})
	// Each new rule goes to the head of its chain, as the reference builds them.
	var inIDs, outIDs []*models.UUID
	create := func(r *models.Rule, ids *[]*models.UUID) error {
		*ids = append([]*models.UUID{r.Id}, *ids...)
		return tx.Create(r)
	}
	var prev *models.L2Insertion
	for _, cur := range insertions {
		ruleIn, ruleOut := l2Rule(in.Id, models.Rule_REDIRECT), l2Rule(out.Id, models.Rule_REDIRECT)
		for _, r := range []*models.Rule{ruleIn, ruleOut} {
			r.GetTransformRuleData().TargetPortId = cloneOf(cur.SrvPortId)
			r.GetTransformRuleData().Ingress = proto.Bool(false)
			r.GetTransformRuleData().FailOpen = proto.Bool(cur.GetFailOpen())
		}
		ruleIn.Condition.DlSrc, ruleOut.Condition.DlDst = cur.Mac, cur.Mac
		if v := cur.GetVlan(); v != 0 {
			ruleIn.GetTransformRuleData().PushVlan = proto.Uint32(v | pcpInMask)
			ruleOut.GetTransformRuleData().PushVlan = proto.Uint32(v | pcpOutMask)
		}
		if prev == nil {
			ruleIn.Condition.InPortIds = []*models.UUID{cloneOf(cur.PortId)}
		} else {
			ruleIn.Condition.InPortIds = []*models.UUID{cloneOf(prev.SrvPortId)}
			ruleOut.Condition.InPortIds = []*models.UUID{cloneOf(prev.SrvPortId)}
			if v := prev.GetVlan(); v != 0 {
				ruleIn.GetTransformRuleData().PopVlan, ruleIn.Condition.Vlan = proto.Bool(true), proto.Uint32(v|pcpInMask)
				ruleOut.GetTransformRuleData().PopVlan, ruleOut.Condition.Vlan = proto.Bool(true), proto.Uint32(v|pcpOutMask)
			}
		}
		if err := create(ruleIn, &inIDs); err != nil {
			return err
		}
		if err := create(ruleOut, &outIDs); err != nil {
			return err
		}
		prev = cur
	}
	if prev != nil {
		// Back from the last service port into (or out of) the protected port.
		back := l2Rule(in.Id, models.Rule_REDIRECT)
		back.Condition.DlSrc, back.Condition.InPortIds = prev.Mac, []*models.UUID{cloneOf(prev.SrvPortId)}
		back.GetTransformRuleData().TargetPortId = cloneOf(prev.PortId)
		back.GetTransformRuleData().Ingress, back.GetTransformRuleData().FailOpen = proto.Bool(true), proto.Bool(false)
		back.GetTransformRuleData().PushVlan = proto.Uint32(pcpFinalMask)
		// Accept the re-injected packet (marked by the final tag) once.
		accept := l2Rule(in.Id, models.Rule_ACCEPT)
		accept.Condition.DlSrc, accept.Condition.InPortIds = prev.Mac, []*models.UUID{cloneOf(prev.PortId)}
		accept.Condition.Vlan, accept.GetTransformRuleData().PopVlan = proto.Uint32(pcpFinalMask), proto.Bool(true)
		egress := l2Rule(out.Id, models.Rule_REDIRECT)
		egress.Condition.DlDst, egress.Condition.InPortIds = prev.Mac, []*models.UUID{cloneOf(prev.SrvPortId)}
		egress.GetTransformRuleData().TargetPortId = cloneOf(prev.PortId)
		egress.GetTransformRuleData().Ingress, egress.GetTransformRuleData().FailOpen = proto.Bool(false), proto.Bool(false)
		if v := prev.GetVlan(); v != 0 {
			back.Condition.Vlan, back.GetTransformRuleData().PopVlan = proto.Uint32(v|pcpInMask), proto.Bool(true)
			egress.Condition.Vlan, egress.GetTransformRuleData().PopVlan = proto.Uint32(v|pcpOutMask), proto.Bool(true)
		}
		for _, r := range []*models.Rule{back, accept} {
			if err := create(r, &inIDs); err != nil {
				return err
			}
		}
		if err := create(egress, &outIDs); err != nil {
			return err
		}
	}
	// The store appended the new rules; set the compiled order.
	for _, c := range []struct {
		id  *models.UUID
		ids []*models.UUID
	}{{in.Id, inIDs}, {out.Id, outIDs}} {
		chain, err := getAs[*models.Chain](tx, toUUID(c.id))
		if err != nil {
			return err
		}
		chain.RuleIds = c.ids
		if err := tx.Update(chain); err != nil {
			return err
		}
	}
	return nil
}

// checkInsertionPorts: a protected port cannot be a service port and the
// reverse; one insertion per (port, service port) pair.
func checkInsertionPorts(tx Tx, ins *models.L2Insertion) error {
	port, err := getAs[*models.Port](tx, toUUID(ins.PortId))
	if err != nil {
		return err
	}
	if len(port.SrvInsertionIds) > 0 {
		return errorf(http.StatusBadRequest, "Protected port %s can't have a service", toUUID(ins.PortId))
	}
	srvPort, err := getAs[*models.Port](tx, toUUID(ins.SrvPortId))
	if err != nil {
		return err
	}
	if len(srvPort.InsertionIds) > 0 {
		return errorf(http.StatusBadRequest, "Service port %s can't have an insertion", toUUID(ins.SrvPortId))
	}
	for _, id := range toUUIDs(port.InsertionIds) {
		if id == toUUID(ins.Id) {
			continue
		}
		o, err := getAs[*models.L2Insertion](tx, id)
		if err == nil && proto.Equal(o.SrvPortId, ins.SrvPortId) {
			return errorf(http.StatusConflict, "Insertion for same port/srvPort pair already exists")
		}
	}
	return nil
}

// insertionChains checks ins's ports (checkInsertionPorts) and returns the
// redirect chains its service rules go into: the service port's inbound
// chain and the protected port's inbound and outbound chains.
func insertionChains(tx Tx, ins *models.L2Insertion) (srvIn, in, out *models.Chain, err error) {
	if err := checkInsertionPorts(tx, ins); err != nil {
		return nil, nil, nil, err
	}
	in, out, err = redirectChains(tx, toUUID(ins.PortId))
	if err != nil {
		return nil, nil, nil, err
	}
	srvIn, _, err = redirectChains(tx, toUUID(ins.SrvPortId))
	if err != nil {
		return nil, nil, nil, err
	}
	return srvIn, in, out, nil
}

func createL2Insertion(c *call, tx Tx, ins *models.L2Insertion, b body) error {
	srvIn, in, out, err := insertionChains(tx, ins)
	if err != nil {
		return err
	}
	if err := addServiceRules(tx, srvIn, in, out, ins); err != nil {
		return err
	}
	if err := tx.Create(ins); err != nil {
		return err
	}
	return rebuildRedirects(tx, toUUID(ins.PortId), uuid.Nil)
}

// updateL2Insertion is the generic PUT plus recompiling the redirects; the
// ports of an insertion cannot change.
func updateL2Insertion(c *call, tx Tx, id uuid.UUID, b body) error {
	old, ins, err := replacementAs[*models.L2Insertion](c, tx, c.h.resources["l2insertions"], id, b)
	if err != nil {
		return err
	}
	if !proto.Equal(old.PortId, ins.PortId) || !proto.Equal(old.SrvPortId, ins.SrvPortId) {
		return errorf(http.StatusBadRequest, "Port/SrvPort can't be changed for an insertion")
	}
	srvIn, in, out, err := insertionChains(tx, ins)
	if err != nil {
		return err
	}
	if err := removeServiceRules(tx, old); err != nil {
		return err
	}
	if err := addServiceRules(tx, srvIn, in, out, ins); err != nil {
		return err
	}
	if err := tx.Update(ins); err != nil {
		return err
	}
	return rebuildRedirects(tx, toUUID(ins.PortId), uuid.Nil)
}

func removeL2Insertion(c *call, tx Tx, id uuid.UUID) error {
	ins, err := getAs[*models.L2Insertion](tx, id)
	if err != nil {
		return err
	}
	if err := removeServiceRules(tx, ins); err != nil {
		return err
	}
	if err := rebuildRedirects(tx, toUUID(ins.PortId), id); err != nil {
		return err
	}
	return tx.Delete(&models.L2Insertion{}, id, false)
}

// keepL2Insertion filters a listing: ?srv_port takes precedence over ?port.
func keepL2Insertion(c *call, ins *models.L2Insertion) bool {
	q := c.r.URL.Query()
	ref, want := ins.SrvPortId, q.Get("srv_port")
	if want == "" {
		ref, want = ins.PortId, q.Get("port")
	}
	return want == "" || (ref != nil && toUUID(ref).String() == want)
}

func l2insertionsResource() *resource {
	return &resource{
		segment: "l2insertions", rootKey: "l2insertions", templateKey: "l2InsertionTemplate",
		model:      &models.L2Insertion{},
		single:     single("L2Insertion-v1").withJSON(),
		collection: collection("L2Insertion-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fReq(fUUID("portId", "port_id")),
			fReq(fUUID("srvPortId", "srv_port_id")),
			fInt("vlan", "vlan"),
			fInt("position", "position"),
			fBool("failOpen", "fail_open"),
			fReq(fStr("mac", "mac")),
		},
		hooks: typed[*models.L2Insertion]{keep: keepL2Insertion, create: createL2Insertion, update: updateL2Insertion,
			remove: removeL2Insertion}.hooks(),
	}
}
