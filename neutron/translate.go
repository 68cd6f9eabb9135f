package neutron

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Translator translates the operations on one Neutron class. Each function
// is pure: it reads through the View and returns the store operations that
// make the MidoNet topology follow the Neutron object; the Service applies
// them, then stores the Neutron object itself (Retain), in one transaction.
type Translator struct {
	// Model is an empty message of the Neutron class.
	Model proto.Message
	// Create translates a new object nm (nil: nothing beyond storing it).
	Create func(v *View, nm proto.Message) ([]Op, error)
	// Update translates nm replacing the stored old (nil: nothing beyond
	// storing it).
	Update func(v *View, nm, old proto.Message) ([]Op, error)
	// Delete translates the deletion of the stored old (nil: nothing beyond
	// deleting it).
	Delete func(v *View, old proto.Message) ([]Op, error)
	// Keep copies onto an updated object the fields a Neutron PUT does not
	// carry but the store maintains (back-references set by bindings), so
	// storing the update does not unlink them.
	Keep func(nm, old proto.Message)
	// NotStored: the Neutron object itself is not kept (the translation is
	// all there is).
	NotStored bool
	// Unregistered: the Neutron class has no storage at all, or the
	// reference never stores one (implies NotStored). Updates translate
	// with a nil old object (typed), deletes with an empty object carrying
	// only the id, and Get and List find nothing.
	Unregistered bool
	// SelfStored: the translation's own ops create, update and delete the
	// Neutron object (completed with fields the translation derives, or
	// placed among the ops where its bindings need it), so the Service adds
	// none; Keep is not used.
	SelfStored bool
	// UpdateWhenMissing: Update runs, with a nil old object, also when
	// none is stored (the firewall's update then creates it; with
	// SelfStored or NotStored).
	UpdateWhenMissing bool
}

// storedByService: the Service stores the Neutron object after the
// translation's ops.
func (t *Translator) storedByService() bool { return !t.NotStored && !t.Unregistered && !t.SelfStored }

// typed builds a Translator for the Neutron class T from typed functions
// (any of them nil).
func typed[T proto.Message](create func(*View, T) ([]Op, error), update func(*View, T, T) ([]Op, error),
	del func(*View, T) ([]Op, error)) *Translator {
	t := &Translator{Model: zeroOf[T]()}
	if create != nil {
		t.Create = func(v *View, nm proto.Message) ([]Op, error) { return create(v, nm.(T)) }
	}
	if update != nil {
		t.Update = func(v *View, nm, old proto.Message) ([]Op, error) {
			o, _ := old.(T) // nil when none is stored (NotStored, UpdateWhenMissing)
			return update(v, nm.(T), o)
		}
	}
	if del != nil {
		t.Delete = func(v *View, old proto.Message) ([]Op, error) { return del(v, old.(T)) }
	}
	return t
}

// translators lists the translator of every Neutron class served.
func translators() []*Translator {
	return []*Translator{
		networkTranslator(),
		subnetTranslator(),
		portTranslator(),
		securityGroupTranslator(),
		securityGroupRuleTranslator(),
		routerTranslator(),
		routerInterfaceTranslator(),
		floatingIPTranslator(),
		tapServiceTranslator(),
		tapFlowTranslator(),
		lbPoolTranslator(),
		lbPoolMemberTranslator(),
		vipTranslator(),
		healthMonitorTranslator(),
		bgpSpeakerTranslator(),
		bgpPeerTranslator(),
		gatewayDeviceTranslator(),
		l2GatewayConnectionTranslator(),
		remoteMacEntryTranslator(),
		loadBalancerV2Translator(),
		listenerV2Translator(),
		poolV2Translator(),
		poolMemberV2Translator(),
		healthMonitorV2Translator(),
		vpnServiceTranslator(),
		ipsecSiteConnectionTranslator(),
		firewallTranslator(),
		firewallLogTranslator(),
		loggingResourceTranslator(),
	}
}

// TunnelKeys reserves the next port tunnel key (the reference's
// OVERLAY_TUNNEL_KEY sequence).
type TunnelKeys func(ctx context.Context) (int32, error)

// Service runs Neutron operations against the object store: each call is
// one zoom transaction holding the translation and the Neutron object,
// re-run by the store on a concurrent modification (no global lock).
type Service struct {
	st          *zoom.Store
	keys        TunnelKeys
	nat         NatPortRange
	translators map[string]*Translator
}

// WithDynamicNatPorts sets the port range of the dynamic SNAT rules
// (cluster.translators.nat.*); call it before the service serves requests.
func (s *Service) WithDynamicNatPorts(r NatPortRange) *Service {
	s.nat = r
	return s
}

// NewService serves the Neutron classes of translators() over st. keys may
// be nil (new ports then get no tunnel key).
func NewService(st *zoom.Store, keys TunnelKeys) *Service {
	s := &Service{st: st, keys: keys, translators: map[string]*Translator{}}
	for _, t := range translators() {
		s.translators[models.ClassName(t.Model)] = t
	}
	return s
}

func (s *Service) translatorOf(m proto.Message) (*Translator, error) {
	t, ok := s.translators[models.ClassName(m)]
	if !ok {
		return nil, fmt.Errorf("neutron: no translator for %s", models.ClassName(m))
	}
	return t, nil
}

// Create translates and stores one new Neutron object.
func (s *Service) Create(ctx context.Context, nm proto.Message) error {
	return s.CreateAll(ctx, []proto.Message{nm})
}

// CreateAll translates and stores new Neutron objects (of any classes) in
// one transaction, in order: each translation sees the ones before it.
func (s *Service) CreateAll(ctx context.Context, nms []proto.Message) error {
	if len(nms) == 0 {
		return nil
	}
	return s.st.Tx(ctx, func(tx *zoom.Tx) error {
		v := &View{tx: tx, st: s.st, keys: s.keys, nat: s.nat}
		for _, nm := range nms {
			ops, err := s.CreateOps(v, nm)
			if err != nil {
				return err
			}
			if err := Apply(tx, ops); err != nil {
				return refused(err, createOp(nm))
			}
		}
		return nil
	})
}

// Update translates and stores a new version of a Neutron object; a
// missing object is a *zoom.NotFoundError.
func (s *Service) Update(ctx context.Context, nm proto.Message) error {
	return s.st.Tx(ctx, func(tx *zoom.Tx) error {
		ops, err := s.UpdateOps(&View{tx: tx, st: s.st, keys: s.keys, nat: s.nat}, nm)
		if err != nil {
			return err
		}
		return refused(Apply(tx, ops), updateOp(nm))
	})
}

// Delete translates the deletion of a Neutron object and deletes it; a
// missing object is not an error (Neutron deletes are idempotent).
func (s *Service) Delete(ctx context.Context, model proto.Message, id uuid.UUID) error {
	return s.st.Tx(ctx, func(tx *zoom.Tx) error {
		ops, err := s.DeleteOps(&View{tx: tx, st: s.st, keys: s.keys, nat: s.nat}, model, id)
		if err != nil {
			return err
		}
		return refused(Apply(tx, ops), deleteOp(model, models.UUIDFromGoogle(id)))
	})
}

// Get reads a stored Neutron object.
func (s *Service) Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error) {
	if t, err := s.translatorOf(model); err == nil && t.Unregistered {
		return nil, notFound(models.ClassName(model), id.String())
	}
	return s.st.Get(ctx, model, id)
}

// List reads every stored object of model's Neutron class.
func (s *Service) List(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	if t, err := s.translatorOf(model); err == nil && t.Unregistered {
		return nil, nil
	}
	return s.st.GetAll(ctx, model)
}

// CreateOps is the translation of creating nm, the Neutron object's own
// create last (as the reference orders them).
func (s *Service) CreateOps(v *View, nm proto.Message) ([]Op, error) {
	t, err := s.translatorOf(nm)
	if err != nil {
		return nil, err
	}
	if _, err := models.ID(nm); err != nil {
		return nil, badRequest("%s without an id", models.ClassName(nm))
	}
	var ops []Op
	if t.Create != nil {
		if ops, err = t.Create(v, nm); err != nil {
			return nil, refused(err, createOp(nm))
		}
	}
	if t.storedByService() {
		ops = append(ops, Create(nm))
	}
	return ops, nil
}

// UpdateOps is the translation of updating the stored object to nm.
func (s *Service) UpdateOps(v *View, nm proto.Message) ([]Op, error) {
	t, err := s.translatorOf(nm)
	if err != nil {
		return nil, err
	}
	pid, err := models.ID(nm)
	if err != nil {
		return nil, badRequest("%s without an id", models.ClassName(nm))
	}
	old := nm.ProtoReflect().Type().Zero().Interface() // a typed nil
	if !t.Unregistered {
		old, err = v.Get(nm, pid.ToGoogle())
		if err != nil && !((t.NotStored || t.UpdateWhenMissing) && isNotFound(err)) {
			return nil, err
		}
	}
	var ops []Op
	if t.Update != nil {
		if ops, err = t.Update(v, nm, old); err != nil {
			return nil, refused(err, updateOp(nm))
		}
	}
	if t.storedByService() {
		if t.Keep != nil {
			nm = proto.Clone(nm)
			t.Keep(nm, old)
		}
		ops = append(ops, Update(nm))
	}
	return ops, nil
}

// DeleteOps is the translation of deleting the object model/id; nothing
// when it does not exist.
func (s *Service) DeleteOps(v *View, model proto.Message, id uuid.UUID) ([]Op, error) {
	t, err := s.translatorOf(model)
	if err != nil {
		return nil, err
	}
	old, err := s.deleted(v, t, model, id)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ops []Op
	if t.Delete != nil {
		if ops, err = t.Delete(v, old); err != nil {
			return nil, refused(err, deleteOp(model, models.UUIDFromGoogle(id)))
		}
	}
	if t.storedByService() {
		ops = append(ops, Delete(model, id))
	}
	return ops, nil
}

// deleted is the object a delete translates: the stored one, or for an
// unregistered class an empty one with the id.
func (s *Service) deleted(v *View, t *Translator, model proto.Message, id uuid.UUID) (proto.Message, error) {
	if !t.Unregistered {
		return v.Get(model, id)
	}
	old := model.ProtoReflect().New().Interface()
	if err := models.SetID(old, models.UUIDFromGoogle(id)); err != nil {
		return nil, err
	}
	return old, nil
}
