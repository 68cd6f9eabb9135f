package neutron

import (
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Expectations of the reference's TapServiceTranslatorTest and
// TapAsAServiceTranslatorIT.
func TestTapAsAServiceTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		net, to, from := newID(), newID(), newID()
		fx.create(network(net))
		fx.create(vifPort(to, net, "fa:16:3e:00:00:01"))
		fx.create(vifPort(from, net, "fa:16:3e:00:00:02"))

		ts := newID()
		fx.create(&models.TapService{Id: ts, TenantId: proto.String("tenant"), Name: proto.String("tap"),
			Description: proto.String("tap service"), PortId: to})
		mirror := fixtureGet[*models.Mirror](fx, ts.ToGoogle())
		fx.equal("mirror", mirror, &models.Mirror{Id: ts, ToPortId: to,
			Conditions: []*models.Condition{{FragmentPolicy: models.Condition_ANY.Enum()}}})
		if got := fixtureGet[*models.Port](fx, to.ToGoogle()).GetMirrorIds(); len(got) != 1 || !got[0].Equal(ts) {
			t.Errorf("to port mirror_ids = %v", got)
		}

		// counts is how often the source port carries the mirror:
		// post-in-filter (Neutron OUT), pre-out-filter (Neutron IN).
		check := func(what string, postIn, preOut int) {
			t.Helper()
			p := fixtureGet[*models.Port](fx, from.ToGoogle())
			count := func(ids []*models.UUID) int {
				n := 0
				for _, id := range ids {
					if id.Equal(ts) {
						n++
					}
				}
				return n
			}
			if gi, go_ := count(p.GetPostInFilterMirrorIds()), count(p.GetPreOutFilterMirrorIds()); gi != postIn || go_ != preOut {
				t.Errorf("%s: post-in-filter %d (want %d), pre-out-filter %d (want %d)", what, gi, postIn, go_, preOut)
			}
		}
		flow := func(id *models.UUID, d models.TapFlow_TapFlowDirection) *models.TapFlow {
			return &models.TapFlow{Id: id, TenantId: proto.String("tenant"), TapServiceId: ts, SourcePort: from,
				Direction: d.Enum()}
		}
		f1, f2, f3 := newID(), newID(), newID()
		fx.create(flow(f1, models.TapFlow_BOTH))
		check("BOTH", 1, 1)
		fx.create(flow(f2, models.TapFlow_IN))
		check("BOTH+IN", 1, 2)
		fx.create(flow(f3, models.TapFlow_OUT))
		check("BOTH+IN+OUT", 2, 2)

		// An update changes nothing of the translation and keeps the
		// stored flow's direction, so its delete undoes its create.
		up := flow(f3, models.TapFlow_IN)
		up.Name = proto.String("renamed")
		fx.update(up)
		check("updated flow", 2, 2)
		if got := fixtureGet[*models.TapFlow](fx, f3.ToGoogle()); got.GetName() != "renamed" || got.GetDirection() != models.TapFlow_OUT {
			t.Errorf("updated flow stored as %v", got)
		}

		fx.delete(&models.TapFlow{}, f2)
		check("IN deleted", 2, 1)
		// Deleting a flow again leaves the others' mirrors.
		fx.delete(&models.TapFlow{}, f2)
		fx.delete(&models.TapFlow{}, f2)
		check("IN deleted thrice", 2, 1)
		fx.delete(&models.TapFlow{}, f3)
		check("OUT deleted", 1, 1)
		fx.delete(&models.TapFlow{}, f1)
		check("all deleted", 0, 0)
		fx.delete(&models.TapFlow{}, f1)
		check("all deleted twice", 0, 0)

		// A tap service's update changes nothing (TapServiceTranslatorUpdateTest).
		fx.update(&models.TapService{Id: ts, PortId: from, Name: proto.String("moved")})
		if got := fixtureGet[*models.Mirror](fx, ts.ToGoogle()).GetToPortId(); !got.Equal(to) {
			t.Errorf("mirror to_port_id after update = %v", got)
		}

		// A flow left on the port when its service goes: the mirror's delete
		// clears the port's references.
		fx.create(flow(f1, models.TapFlow_BOTH), flow(f2, models.TapFlow_BOTH))
		check("two flows of one service", 2, 2)
		fx.delete(&models.TapService{}, ts)
		if fx.exists(&models.Mirror{}, ts.ToGoogle()) {
			t.Error("mirror survives its tap service")
		}
		check("service deleted", 0, 0)
		fx.delete(&models.TapFlow{}, f1)
		fx.delete(&models.TapFlow{}, f2)
		check("orphan flows deleted", 0, 0)

		// A flow on a port that is gone deletes cleanly.
		f4, ts2 := newID(), newID()
		fx.create(&models.TapService{Id: ts2, PortId: to})
		fx.create(&models.TapFlow{Id: f4, TapServiceId: ts2, SourcePort: from, Direction: models.TapFlow_OUT.Enum()})
		fx.delete(&models.NeutronPort{}, from)
		fx.delete(&models.TapFlow{}, f4)
		if fx.exists(&models.TapFlow{}, f4.ToGoogle()) {
			t.Error("tap flow survives its delete")
		}

		// The destination port's delete takes the mirror (a cascade) and
		// every occurrence of it off the source port, which stays updatable.
		ts3, dst, f5, f6 := newID(), newID(), newID(), newID()
		fx.create(vifPort(dst, net, "fa:16:3e:00:00:03"))
		fx.create(&models.TapService{Id: ts3, PortId: dst})
		fx.create(&models.TapFlow{Id: f5, TapServiceId: ts3, SourcePort: to, Direction: models.TapFlow_BOTH.Enum()},
			&models.TapFlow{Id: f6, TapServiceId: ts3, SourcePort: to, Direction: models.TapFlow_IN.Enum()})
		fx.delete(&models.NeutronPort{}, dst)
		if fx.exists(&models.Mirror{}, ts3.ToGoogle()) {
			t.Error("mirror survives its destination port")
		}
		if p := fixtureGet[*models.Port](fx, to.ToGoogle()); len(p.GetPreOutFilterMirrorIds())+len(p.GetPostInFilterMirrorIds()) != 0 {
			t.Errorf("source port keeps mirrors %v / %v", p.GetPreOutFilterMirrorIds(), p.GetPostInFilterMirrorIds())
		}
		upTo := vifPort(to, net, "fa:16:3e:00:00:01")
		upTo.AdminStateUp = proto.Bool(false)
		fx.update(upTo)
		fx.delete(&models.TapFlow{}, f5)
		fx.delete(&models.TapFlow{}, f6)
		fx.delete(&models.TapService{}, ts3)

		// Bad input: a missing source port is not found, a flow without
		// a service or port a bad request; nothing is stored.
		err := fx.svc.Create(fx.ctx, &models.TapFlow{Id: newID(), TapServiceId: ts2, SourcePort: newID()})
		if !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("flow on a missing port: %v", err)
		}
		var bad *BadRequestError
		if err := fx.svc.Create(fx.ctx, &models.TapFlow{Id: newID(), SourcePort: to}); !errors.As(err, &bad) {
			t.Errorf("flow without a service: %v", err)
		}
		err = fx.svc.Create(fx.ctx, &models.TapService{Id: newID(), PortId: newID()})
		if !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("service on a missing port: %v", err)
		}
		flows, err := fx.svc.List(fx.ctx, &models.TapFlow{})
		if err != nil || len(flows) != 0 {
			t.Errorf("tap flows left = %d, %v", len(flows), err)
		}
		if ids := fixtureGet[*models.Port](fx, to.ToGoogle()).GetPreOutFilterMirrorIds(); slices.ContainsFunc(ids, ts2.Equal) {
			t.Error("failed flow left a mirror")
		}
	})
}
