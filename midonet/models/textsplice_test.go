package models

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Splicing elements into the printed form gives exactly what Marshal
// prints for the object with the elements appended: on an empty field,
// a field with elements, with fields before and after it, and on the
// last field of a message.
func TestSpliceRepeatedMatchesMarshal(t *testing.T) {
	net := func() *Network {
		return &Network{Id: NewUUID(), Name: proto.String("a \"b\"\n"), AdminStateUp: proto.Bool(true),
			TunnelKey: proto.Uint64(7), InboundFilterId: NewUUID(), Vni: proto.Uint32(10001)}
	}
	full := net()
	full.PortIds = []*UUID{NewUUID(), NewUUID()}
	full.DhcpIds = []*UUID{NewUUID()}
	cases := map[string]struct {
		obj   proto.Message
		field string
	}{
		"empty message":          {&Network{}, "port_ids"},
		"no elements yet":        {net(), "port_ids"},
		"after elements":         {full, "port_ids"},
		"other repeated field":   {full, "dhcp_ids"},
		"field before others":    {&Chain{Id: NewUUID(), Name: proto.String("r"), RuleIds: []*UUID{NewUUID()}, JumpRuleIds: []*UUID{NewUUID()}}, "rule_ids"},
		"last populated field":   {&Chain{Id: NewUUID(), RuleIds: []*UUID{NewUUID()}}, "rule_ids"},
		"nothing after in descr": {&Chain{Id: NewUUID(), Name: proto.String("c")}, "router_redirect_ids"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			text, err := Marshal(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			fd, err := RefField(tc.obj, tc.field)
			if err != nil {
				t.Fatal(err)
			}
			want := proto.Clone(tc.obj)
			var elems []byte
			for range 3 {
				id := NewUUID()
				if err := AddRefID(want, tc.field, id); err != nil {
					t.Fatal(err)
				}
				if elems, err = AppendElemText(elems, fd, id); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := SpliceRepeated(text, tc.obj.ProtoReflect().Descriptor(), fd, elems)
			wantText, err := Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || !bytes.Equal(got, wantText) {
				t.Fatalf("spliced (ok %v):\n%s\nwant:\n%s", ok, got, wantText)
			}
		})
	}
}

// Text with a line that is not a field of the message (an unknown field
// printed by a newer writer) is not spliced.
func TestSpliceRepeatedRefusesUnknownLines(t *testing.T) {
	fd := (&Network{}).ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name("port_ids"))
	// Unknown fields are printed last, after the insertion point.
	for _, text := range []string{"name: \"x\"\n99: 1\n", "name: \"x\"", "tenant_id: \"t\"\nbogus {\n}\n", "id {\n  msb: 1\n  lsb: 2\n}\nport_ids {\n  msb: 1\n  lsb: 2\n}\nvni: 3\n2000: 5\n"} {
		if _, ok := SpliceRepeated([]byte(text), (&Network{}).ProtoReflect().Descriptor(), fd, []byte("port_ids {\n}\n")); ok {
			t.Errorf("spliced into %q", text)
		}
	}
}
