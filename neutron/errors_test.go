package neutron

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// TestTranslationErrorsNameTheOperation checks a translator's refusal worded
// as the reference's TranslationException ("Failed to $op; $msg",
// c3po/translators/Translator.scala), op being the Scala case class's
// toString (NeutronTranslatorManager.scala: Create(model), Update(model,
// validator) with the plugin's null validator, Delete(clazz, id)) around
// Message.toString, protobuf's TextFormat; the refusal itself stays
// reachable with errors.As, and the store's errors are not wrapped (the
// reference answers them with their own message).
func TestTranslationErrorsNameTheOperation(t *testing.T) {
	id := models.UUIDFromGoogle(uuid.MustParse("00000000-0000-0001-ffff-ffffffffffff"))
	idText := "id {\n  msb: 1\n  lsb: 18446744073709551615\n}\n"
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		var tr *TranslationError
		var bad *BadRequestError
		err := fx.svc.Create(fx.ctx, &models.GatewayDevice{Id: id, Type: models.GatewayDevice_HW_VTEP.Enum()})
		want := "Failed to Create(" + idText + "type: HW_VTEP\n); {midokura.javarx.UnsupportedGatewayDevice.message}"
		if !errors.As(err, &tr) || tr.Error() != want || !errors.As(err, &bad) || bad.Msg != msgUnsupportedGatewayDevice {
			t.Errorf("create refused with %q, want %q", err, want)
		}
		err = fx.svc.Update(fx.ctx, &models.RemoteMacEntry{Id: id})
		want = "Failed to Update(" + idText + ",null); RemoteMacEntry update not supported."
		if !errors.As(err, &tr) || tr.Error() != want {
			t.Errorf("update refused with %q, want %q", err, want)
		}
		// A store error met by the translation is not wrapped.
		net := newID()
		err = fx.svc.Create(fx.ctx, l2gwConnection(newID(), net, newID(), 100))
		if errors.As(err, &tr) || !errors.Is(err, zoom.ErrNotFound) {
			t.Errorf("missing network: %v, want the store's not-found error alone", err)
		}
	})
	err := refused(conflict("in use"), deleteOp(&models.NeutronNetwork{}, id))
	want := "Failed to Delete(class org.midonet.cluster.models.Neutron$NeutronNetwork,msb: 1\nlsb: 18446744073709551615\n); in use"
	if err.Error() != want {
		t.Errorf("delete refused with %q, want %q", err, want)
	}
}
