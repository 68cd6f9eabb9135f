package zoom

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Two writers of one cached version of a bridge (as two transactions
// taking it from the cache) both append a port: the first appends in the
// text's spare capacity, the second copies, and neither's text, nor the
// cached version's, shows the other's element. A retry of the first (its
// claim spent) copies too. Each text is what Marshal prints.
func TestEncodeClaimsSpareCapacityOnce(t *testing.T) {
	fd := (&models.Network{}).ProtoReflect().Descriptor().Fields().ByName("port_ids")
	bridge := &models.Network{Id: models.UUIDFromGoogle(uuid.New()), Name: proto.String("b")}
	for range 3 {
		bridge.PortIds = append(bridge.PortIds, models.UUIDFromGoogle(uuid.New()))
	}
	printed, err := models.Marshal(bridge)
	if err != nil {
		t.Fatal(err)
	}
	cached := append(make([]byte, 0, len(printed)+4096), printed...) // spare capacity, as encode leaves it
	grow := new(atomic.Bool)
	writer := func() (*entry, *models.Network) {
		p := models.UUIDFromGoogle(uuid.New())
		want := proto.Clone(bridge).(*models.Network)
		want.PortIds = append(want.PortIds, p)
		return &entry{obj: bridge, text: cached, grow: grow, pend: []models.ListEdit{{Field: fd, New: p}}}, want
	}
	check := func(name string, got []byte, want proto.Message) {
		t.Helper()
		w, err := models.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
	}
	first, firstWant := writer()
	second, secondWant := writer()
	a, err := first.encode()
	if err != nil {
		t.Fatal(err)
	}
	if &a[0] != &cached[0] {
		t.Error("the first writer copied instead of appending in the spare capacity")
	}
	b, err := second.encode()
	if err != nil {
		t.Fatal(err)
	}
	if &b[0] == &cached[0] {
		t.Error("the second writer appended in capacity the first had claimed")
	}
	retry, err := first.encode()
	if err != nil {
		t.Fatal(err)
	}
	if &retry[0] == &cached[0] {
		t.Error("a retry appended in capacity its first attempt had claimed")
	}
	check("first", a, firstWant)
	check("second", b, secondWant)
	check("retry", retry, firstWant)
	check("cached", cached, bridge)
	// Text read from the store (no claim) is never appended to.
	third, thirdWant := writer()
	third.grow = nil
	c, err := third.encode()
	if err != nil {
		t.Fatal(err)
	}
	if &c[0] == &cached[0] {
		t.Error("text without a claim was appended to")
	}
	check("unclaimed", c, thirdWant)
	check("first after all", a, firstWant)
}

// A removal from a cached bridge is spliced out of its text: the object
// is neither applied (its edits stay pending, the shared object as it
// was) nor printed, and the text is Marshal's; an absent element falls
// back to printing the object with the edits applied.
func TestEncodeSplicesRemovals(t *testing.T) {
	fd := (&models.Network{}).ProtoReflect().Descriptor().Fields().ByName("port_ids")
	bridge := &models.Network{Id: models.UUIDFromGoogle(uuid.New()), Name: proto.String("b")}
	for range 4 {
		bridge.PortIds = append(bridge.PortIds, models.UUIDFromGoogle(uuid.New()))
	}
	text, err := models.Marshal(bridge)
	if err != nil {
		t.Fatal(err)
	}
	gone := proto.Clone(bridge.PortIds[2]).(*models.UUID)
	e := &entry{obj: bridge, text: text, pend: []models.ListEdit{{Field: fd, Old: gone}}}
	got, err := e.encode()
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(bridge).(*models.Network)
	want.PortIds = append(want.PortIds[:2:2], want.PortIds[3:]...)
	if w, _ := models.Marshal(want); !bytes.Equal(got, w) {
		t.Errorf("spliced:\n%s\nwant:\n%s", got, w)
	}
	if e.obj != proto.Message(bridge) || len(e.pend) != 1 || len(bridge.PortIds) != 4 {
		t.Error("the removal was applied to the object instead of spliced into its text")
	}
	// On a bridge of 40 ports, the next port's lines go in the spare room
	// of the text written, not in a copy of it.
	big := proto.Clone(bridge).(*models.Network)
	for range 36 {
		big.PortIds = append(big.PortIds, models.UUIDFromGoogle(uuid.New()))
	}
	bigText, err := models.Marshal(big)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := (&entry{obj: big, text: bigText, pend: []models.ListEdit{{Field: fd, Old: gone}}}).encode()
	if err != nil {
		t.Fatal(err)
	}
	next := &entry{obj: big, text: cut, grow: new(atomic.Bool), printed: 1,
		pend: []models.ListEdit{{Field: fd, Old: gone}, {Field: fd, New: models.UUIDFromGoogle(uuid.New())}}}
	if grown, err := next.encode(); err != nil || &grown[0] != &cut[0] || len(grown) <= len(cut) {
		t.Errorf("a port appended after a removal: %v, same array %v", err, err == nil && &grown[0] == &cut[0])
	}
	absent := &entry{obj: bridge, text: text, pend: []models.ListEdit{{Field: fd, Old: models.UUIDFromGoogle(uuid.New())}}}
	got, err = absent.encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, text) || len(absent.pend) != 0 {
		t.Errorf("absent element: printed %v (pending %d), want the object as it was", bytes.Equal(got, text), len(absent.pend))
	}
}

// Two transactions holding one cached version whose pending edits have
// spare capacity (pendGrow) both record a back-reference: the first
// appends in place, the second copies, and neither's edits, nor the
// cached version's, show the other's; each then appends in its own array.
func TestAppendPendClaimsSpareCapacityOnce(t *testing.T) {
	fd := (&models.Network{}).ProtoReflect().Descriptor().Fields().ByName("port_ids")
	edit := func() models.ListEdit { return models.ListEdit{Field: fd, New: models.NewUUID()} }
	cached := make([]models.ListEdit, 1, 8)
	cached[0] = edit()
	claim := new(atomic.Bool)
	a := &entry{pend: cached, pendGrow: claim}
	b := &entry{pend: cached, pendGrow: claim}
	ea, eb := edit(), edit()
	a.appendPend(ea)
	b.appendPend(eb)
	if &a.pend[0] != &cached[0] {
		t.Error("the first claim copied the cached edits")
	}
	if &b.pend[0] == &cached[0] {
		t.Error("the second writer appended in the array the first claimed")
	}
	if len(cached) != 1 || a.pend[1].New != ea.New || b.pend[1].New != eb.New || b.pend[0].New != cached[0].New {
		t.Errorf("edits mixed: cached %d, a %v, b %v", len(cached), a.pend, b.pend)
	}
	for _, e := range []*entry{a, b} {
		before := &e.pend[0]
		e.appendPend(edit())
		if &e.pend[0] != before || len(e.pend) != 3 {
			t.Errorf("a transaction's own array copied again (%d edits)", len(e.pend))
		}
	}
}
