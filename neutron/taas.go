package neutron

import (
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Tap-as-a-service: a tap service is a MidoNet mirror with the service's
// id, copying to the service's port and matching every packet (fragment
// policy ANY); a tap flow adds that mirror to its source port. Neutron's
// direction is the VM's point of view, the port's mirrors the bridge's:
// IN (traffic towards the VM) is the port's pre-out-filter mirror, OUT its
// post-in-filter mirror, BOTH both. Updates change nothing (as the
// reference), so they keep the stored service's port and the stored flow's
// service, port and direction: the delete then undoes what the create did
// (the reference stores the PUT's values and its delete would strip a
// direction the flow never added). A flow's mirror id is kept once per
// flow, so two flows of one service on one port stay until both are
// deleted.

func tapServiceTranslator() *Translator {
	t := typed(createTapService, nil, deleteTapService)
	t.Keep = func(nm, old proto.Message) {
		nm.(*models.TapService).PortId = old.(*models.TapService).GetPortId()
	}
	return t
}

func createTapService(_ *View, ts *models.TapService) ([]Op, error) {
	return []Op{Create(&models.Mirror{
		Id:         ts.GetId(),
		ToPortId:   ts.GetPortId(),
		Conditions: []*models.Condition{{FragmentPolicy: models.Condition_ANY.Enum()}},
	})}, nil
}

// deleteTapService deletes the mirror after taking it off the source ports
// of its flows.
func deleteTapService(v *View, ts *models.TapService) ([]Op, error) {
	ops, err := detachMirror(v, ts.GetId())
	if err != nil {
		return nil, err
	}
	return append(ops, Delete(&models.Mirror{}, ts.GetId().ToGoogle())), nil
}

// detachMirror takes a mirror off every port that mirrors through it, all
// occurrences: the store's delete of a mirror (also the cascade from its
// destination port) clears one back-reference per port, as the reference's
// does, and a port holding it for several flows would keep the others,
// dangling, and refuse every later update.
func detachMirror(v *View, id *models.UUID) ([]Op, error) {
	mirror, ok, err := getIf[*models.Mirror](v, id.ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	var ops []Op
	seen := map[string]bool{}
	for _, p := range slices.Concat(mirror.GetPortPostInFilterIds(), mirror.GetPortPreOutFilterIds()) {
		if seen[p.String()] {
			continue
		}
		seen[p.String()] = true
		ops = append(ops, modifyIfExists(p.ToGoogle(), func(port *models.Port) error {
			port.PostInFilterMirrorIds = slices.DeleteFunc(port.PostInFilterMirrorIds, id.Equal)
			port.PreOutFilterMirrorIds = slices.DeleteFunc(port.PreOutFilterMirrorIds, id.Equal)
			return nil
		}))
	}
	return ops, nil
}

// detachPortMirrors detaches the mirrors copying to a port about to be
// deleted (the delete cascades to them).
func detachPortMirrors(v *View, port uuid.UUID) ([]Op, error) {
	p, ok, err := getIf[*models.Port](v, port)
	if err != nil || !ok {
		return nil, err
	}
	var ops []Op
	for _, m := range p.GetMirrorIds() {
		detach, err := detachMirror(v, m)
		if err != nil {
			return nil, err
		}
		ops = append(ops, detach...)
	}
	return ops, nil
}

func tapFlowTranslator() *Translator {
	t := typed(createTapFlow, nil, deleteTapFlow)
	t.Keep = func(nm, old proto.Message) {
		n, o := nm.(*models.TapFlow), old.(*models.TapFlow)
		n.TapServiceId, n.SourcePort, n.Direction = o.GetTapServiceId(), o.GetSourcePort(), o.Direction
	}
	return t
}

// tapsIn and tapsOut: whether the flow mirrors traffic to (IN) and from
// (OUT) the VM; an absent direction is IN, the enum's zero value, as the
// reference reads it.
func tapsIn(f *models.TapFlow) bool {
	d := f.GetDirection()
	return d == models.TapFlow_IN || d == models.TapFlow_BOTH
}

func tapsOut(f *models.TapFlow) bool {
	d := f.GetDirection()
	return d == models.TapFlow_OUT || d == models.TapFlow_BOTH
}

func createTapFlow(_ *View, f *models.TapFlow) ([]Op, error) {
	if f.GetTapServiceId() == nil || f.GetSourcePort() == nil {
		return nil, badRequest("tap flow without tap_service_id or source_port")
	}
	return []Op{Modify(f.GetSourcePort().ToGoogle(), editFlowMirrors(f, func(ids []*models.UUID, m *models.UUID) []*models.UUID {
		return append(ids, m)
	}))}, nil
}

// deleteTapFlow removes one occurrence of the flow's mirror per direction;
// a source port already gone has nothing left to clean.
func deleteTapFlow(_ *View, f *models.TapFlow) ([]Op, error) {
	if f.GetTapServiceId() == nil || f.GetSourcePort() == nil {
		return nil, nil
	}
	return []Op{modifyIfExists(f.GetSourcePort().ToGoogle(), editFlowMirrors(f, removeOneID))}, nil
}

// editFlowMirrors applies edit to the source port's mirror lists of the
// flow's directions.
func editFlowMirrors(f *models.TapFlow, edit func(ids []*models.UUID, mirror *models.UUID) []*models.UUID) func(*models.Port) error {
	return func(p *models.Port) error {
		if tapsIn(f) {
			p.PreOutFilterMirrorIds = edit(p.PreOutFilterMirrorIds, f.GetTapServiceId())
		}
		if tapsOut(f) {
			p.PostInFilterMirrorIds = edit(p.PostInFilterMirrorIds, f.GetTapServiceId())
		}
		return nil
	}
}

// removeOneID is ids without the first occurrence of id.
func removeOneID(ids []*models.UUID, id *models.UUID) []*models.UUID {
	i := slices.IndexFunc(ids, id.Equal)
	if i < 0 {
		return ids
	}
	return slices.Delete(ids, i, i+1)
}
