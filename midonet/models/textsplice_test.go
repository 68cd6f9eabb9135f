package models

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
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

// editCase is an object and edits of its repeated fields; absent: an Old
// matches no element, so EditText must refuse (the full path applies).
type editCase struct {
	name   string
	obj    proto.Message
	edits  []ListEdit
	absent bool
}

func editCases(t testing.TB) []editCase {
	ids := make([]*UUID, 5)
	for i := range ids {
		ids[i] = NewUUID()
	}
	bridge := func(ports ...*UUID) *Network {
		return &Network{Id: ids[0], Name: proto.String("b"), TenantId: proto.String("t"), PortIds: ports,
			DhcpIds: []*UUID{ids[4]}, Vni: proto.Uint32(7)}
	}
	portIDs := (&Network{}).ProtoReflect().Descriptor().Fields().ByName("port_ids")
	dhcpIDs := (&Network{}).ProtoReflect().Descriptor().Fields().ByName("dhcp_ids")
	rm := func(id *UUID) ListEdit { return ListEdit{Field: portIDs, Old: id} }
	add := func(id *UUID) ListEdit { return ListEdit{Field: portIDs, New: id} }
	addr := func(s string) *IPAddress {
		a, err := ParseIPAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	entry := func(ip string, ports ...*UUID) *IPAddrGroup_IPAddrPorts {
		return &IPAddrGroup_IPAddrPorts{IpAddress: addr(ip), PortIds: ports}
	}
	group := &IPAddrGroup{Id: ids[0], Name: proto.String("default"),
		IpAddrPorts: []*IPAddrGroup_IPAddrPorts{entry("10.0.0.1", ids[1]), entry("10.0.0.2", ids[2], ids[3]),
			entry("fd00::1", ids[3]), entry("10.0.0.3")},
		InboundChainId: ids[3], OutboundChainId: ids[4]}
	entries := group.ProtoReflect().Descriptor().Fields().ByName("ip_addr_ports")
	chain := &Chain{Id: ids[0], Name: proto.String("c"), RuleIds: []*UUID{ids[1], ids[2]}, JumpRuleIds: []*UUID{ids[3]}}
	ruleIDs := chain.ProtoReflect().Descriptor().Fields().ByName("rule_ids")
	jumpIDs := chain.ProtoReflect().Descriptor().Fields().ByName("jump_rule_ids")
	return []editCase{
		{name: "first", obj: bridge(ids[1], ids[2], ids[3]), edits: []ListEdit{rm(ids[1])}},
		{name: "middle", obj: bridge(ids[1], ids[2], ids[3]), edits: []ListEdit{rm(ids[2])}},
		{name: "last", obj: bridge(ids[1], ids[2], ids[3]), edits: []ListEdit{rm(ids[3])}},
		{name: "only", obj: bridge(ids[1]), edits: []ListEdit{rm(ids[1])}},
		{name: "only, nothing else", obj: &Network{PortIds: []*UUID{ids[1]}}, edits: []ListEdit{rm(ids[1])}},
		{name: "duplicates: the first", obj: bridge(ids[2], ids[1], ids[2], ids[1]), edits: []ListEdit{rm(ids[1])}},
		{name: "duplicates: both", obj: bridge(ids[1], ids[2], ids[1]), edits: []ListEdit{rm(ids[1]), rm(ids[1])}},
		{name: "duplicates: more removed than there", obj: bridge(ids[1], ids[1]), edits: []ListEdit{rm(ids[1]), rm(ids[1]), rm(ids[1])}, absent: true},
		{name: "several", obj: bridge(ids[1], ids[2], ids[3]), edits: []ListEdit{rm(ids[3]), rm(ids[1])}},
		{name: "all", obj: bridge(ids[1], ids[2]), edits: []ListEdit{rm(ids[2]), rm(ids[1])}},
		{name: "all, then appends", obj: bridge(ids[1], ids[2]), edits: []ListEdit{rm(ids[2]), rm(ids[1]), add(ids[3]), add(ids[1])}},
		{name: "append then remove it", obj: bridge(ids[1]), edits: []ListEdit{add(ids[2]), add(ids[3]), rm(ids[2])}},
		{name: "stored before appended", obj: bridge(ids[1], ids[2]), edits: []ListEdit{add(ids[1]), rm(ids[1])}},
		{name: "remove then append the same", obj: bridge(ids[1], ids[2]), edits: []ListEdit{rm(ids[1]), add(ids[1])}},
		{name: "absent", obj: bridge(ids[1]), edits: []ListEdit{rm(ids[2])}, absent: true},
		{name: "other field", obj: bridge(ids[1]), edits: []ListEdit{{Field: dhcpIDs, Old: ids[4]}, add(ids[2])}},
		{name: "replace", obj: bridge(ids[1], ids[2]), edits: []ListEdit{{Field: portIDs, Old: ids[1], New: ids[3]}}},
		{name: "replace, then the replacement", obj: bridge(ids[2], ids[1], ids[3]),
			edits: []ListEdit{{Field: portIDs, Old: ids[1], New: ids[3]}, rm(ids[3])}},
		{name: "replace an appended", obj: bridge(ids[1]), edits: []ListEdit{add(ids[2]), {Field: portIDs, Old: ids[2], New: ids[3]}}},
		{name: "group: an entry loses a port", obj: group,
			edits: []ListEdit{{Field: entries, Old: entry("10.0.0.2", ids[2], ids[3]), New: entry("10.0.0.2", ids[3])}}},
		{name: "group: an emptied entry stays", obj: group,
			edits: []ListEdit{{Field: entries, Old: entry("10.0.0.1", ids[1]), New: entry("10.0.0.1")}}},
		{name: "group: entry removed", obj: group, edits: []ListEdit{{Field: entries, Old: entry("fd00::1", ids[3])}}},
		{name: "group: entry gains a port, another appended", obj: group,
			edits: []ListEdit{{Field: entries, Old: entry("10.0.0.3"), New: entry("10.0.0.3", ids[1])}, {Field: entries, New: entry("10.0.0.9", ids[1])}}},
		{name: "group: an entry's port is not an entry", obj: group,
			edits: []ListEdit{{Field: entries, Old: entry("10.0.0.2", ids[2])}}, absent: true},
		{name: "fields after", obj: chain, edits: []ListEdit{{Field: ruleIDs, Old: ids[2]}, {Field: jumpIDs, Old: ids[3]}, {Field: ruleIDs, New: ids[4]}}},
		{name: "empty field before the next's cut", obj: &Chain{Id: ids[0], JumpRuleIds: []*UUID{ids[3]}},
			edits: []ListEdit{{Field: jumpIDs, Old: ids[3]}, {Field: ruleIDs, New: ids[1]}, {Field: jumpIDs, New: ids[2]}}},
	}
}

// EditText gives exactly what Marshal prints for the object with the
// edits applied (ApplyListEdits), and refuses when an element is absent.
func TestEditTextMatchesMarshal(t *testing.T) {
	for _, tc := range editCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			text, err := Marshal(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := EditText(text, tc.obj.ProtoReflect().Descriptor(), tc.edits)
			if tc.absent {
				if ok {
					t.Fatalf("edited text with an absent element:\n%s", got)
				}
				return
			}
			want, err := Marshal(ApplyListEdits(tc.obj, tc.edits))
			if err != nil {
				t.Fatal(err)
			}
			if !ok || !bytes.Equal(got, want) {
				t.Fatalf("edited (ok %v):\n%s\nwant:\n%s", ok, got, want)
			}
		})
	}
}

// A cut out of a big text (bigText: a bridge of 2,500 ports), first,
// middle or last element, is Marshal's bytes in a new array that leaves
// the text as it was, and has room to append an element in place, but
// not more than the third of its length the in-memory store keeps
// uncopied.
func TestEditTextCutsBigText(t *testing.T) {
	net := &Network{Id: NewUUID(), Name: proto.String("big"), Vni: proto.Uint32(9)}
	for range 2500 {
		net.PortIds = append(net.PortIds, NewUUID())
	}
	fd := net.ProtoReflect().Descriptor().Fields().ByName("port_ids")
	text, err := Marshal(net)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) < bigText {
		t.Fatalf("a bridge of 2,500 ports prints %d bytes, under bigText (%d)", len(text), bigText)
	}
	before := bytes.Clone(text)
	for _, i := range []int{0, 1, 700, 1250, 1900, 2498, 2499} {
		edits := []ListEdit{{Field: fd, Old: proto.Clone(net.PortIds[i]).(*UUID)}}
		got, ok := EditText(text[:len(text):len(text)], net.ProtoReflect().Descriptor(), edits)
		want, err := Marshal(ApplyListEdits(net, edits))
		if err != nil {
			t.Fatal(err)
		}
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("port %d cut (ok %v): %d bytes, want Marshal's %d", i, ok, len(got), len(want))
		}
		if !bytes.Equal(text, before) {
			t.Fatalf("cutting port %d changed the text", i)
		}
		elem, err := AppendElemText(nil, fd, NewUUID())
		if err != nil {
			t.Fatal(err)
		}
		if grown := append(got, elem...); &grown[0] != &got[0] {
			t.Errorf("port %d cut: no room for one more element (%d of %d bytes used)", i, len(got), cap(got))
		}
		if cap(got)-len(got) > len(got)/3 {
			t.Errorf("port %d cut: %d bytes spare of %d, over a third", i, cap(got)-len(got), len(got))
		}
	}
}

// The reference removes the first equal back-reference; ApplyListEdits
// does what RemoveRefID does, and leaves its input alone.
func TestApplyListEditsRemovesTheFirst(t *testing.T) {
	a, b := NewUUID(), NewUUID()
	net := &Network{PortIds: []*UUID{b, a, b, a}}
	fd := net.ProtoReflect().Descriptor().Fields().ByName("port_ids")
	got := ApplyListEdits(net, []ListEdit{{Field: fd, Old: proto.Clone(a).(*UUID)}}).(*Network)
	want := proto.Clone(net).(*Network)
	if _, err := RemoveRefID(want, "port_ids", a); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) || len(net.PortIds) != 4 {
		t.Fatalf("got %v, want %v (input now %v)", got.PortIds, want.PortIds, net.PortIds)
	}
}

// Random edit sequences on lists with many repeats: EditText's text is
// Marshal's of ApplyListEdits's object, or EditText refused because an
// element was absent (then ApplyListEdits left that edit out).
func TestEditTextRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := []*UUID{NewUUID(), NewUUID(), NewUUID(), NewUUID()}
	fds := (&Chain{}).ProtoReflect().Descriptor().Fields()
	fields := []protoreflect.FieldDescriptor{fds.ByName("rule_ids"), fds.ByName("jump_rule_ids"), fds.ByName("router_redirect_ids")}
	refused := 0
	for range 3000 {
		c := &Chain{Id: ids[0]}
		if rng.IntN(2) == 0 {
			c.Name = proto.String("n")
		}
		for range rng.IntN(6) {
			c.RuleIds = append(c.RuleIds, ids[rng.IntN(len(ids))])
		}
		for range rng.IntN(3) {
			c.JumpRuleIds = append(c.JumpRuleIds, ids[rng.IntN(len(ids))])
		}
		var edits []ListEdit
		for range 1 + rng.IntN(5) {
			ed := ListEdit{Field: fields[rng.IntN(len(fields))]}
			switch rng.IntN(3) {
			case 0:
				ed.New = ids[rng.IntN(len(ids))]
			case 1:
				ed.Old = ids[rng.IntN(len(ids))]
			default:
				ed.Old, ed.New = ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
			}
			edits = append(edits, ed)
		}
		text, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := EditText(text, c.ProtoReflect().Descriptor(), edits)
		if !ok {
			refused++
			continue
		}
		want, err := Marshal(ApplyListEdits(c, edits))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v on\n%s\nedited:\n%s\nwant:\n%s", edits, text, got, want)
		}
	}
	if refused > 2500 {
		t.Fatalf("%d of 3000 refused: the test barely checks edits", refused)
	}
}

// elemEqual and SameIPAddress are proto.Equal for ids, address group
// entries and addresses (presence of each field included).
func TestElemEqualIsProtoEqual(t *testing.T) {
	a, b := NewUUID(), NewUUID()
	v4, v6 := IPVersion_V4.Enum(), IPVersion_V6.Enum()
	addrs := []*IPAddress{nil, {}, {Version: v4}, {Version: v4, Address: proto.String("10.0.0.1")},
		{Version: v6, Address: proto.String("10.0.0.1")}, {Version: v4, Address: proto.String("10.0.0.2")}, {Address: proto.String("10.0.0.1")}}
	var msgs []proto.Message
	for _, ip := range addrs {
		for _, ports := range [][]*UUID{nil, {a}, {b}, {a, b}, {b, a}} {
			msgs = append(msgs, &IPAddrGroup_IPAddrPorts{IpAddress: ip, PortIds: ports})
		}
	}
	msgs = append(msgs, a, b, proto.Clone(a), &UUID{Msb: a.Msb, Lsb: proto.Uint64(a.GetLsb() + 1)})
	for _, x := range msgs {
		for _, y := range msgs {
			if got, want := elemEqual(x, y), proto.Equal(x, y); got != want {
				t.Errorf("elemEqual(%v, %v) = %v, proto.Equal says %v", x, y, got, want)
			}
		}
	}
	for _, x := range addrs {
		for _, y := range addrs {
			if got, want := SameIPAddress(x, y), proto.Equal(x, y); got != want {
				t.Errorf("SameIPAddress(%v, %v) = %v, proto.Equal says %v", x, y, got, want)
			}
		}
	}
}

// Appends and removals of ids, applied in one pass, leave what adding
// and removing each id's first occurrence one at a time leaves (AddRefID,
// RemoveRefID), absent ids, repeats and removals of ids appended in the
// same edits included; ApplyListEditsShared's object is the same, and
// shares the elements.
func TestApplyListEditsIDRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ids := []*UUID{NewUUID(), NewUUID(), NewUUID()}
	fd := (&Network{}).ProtoReflect().Descriptor().Fields().ByName("port_ids")
	for range 3000 {
		net := &Network{Name: proto.String("n"), Vni: proto.Uint32(7)}
		for range rng.IntN(8) {
			net.PortIds = append(net.PortIds, ids[rng.IntN(len(ids))])
		}
		before := proto.Clone(net)
		want := proto.Clone(net).(*Network)
		var edits []ListEdit
		for range 1 + rng.IntN(6) {
			id := ids[rng.IntN(len(ids))]
			if rng.IntN(3) == 0 {
				edits = append(edits, ListEdit{Field: fd, New: id})
				if err := AddRefID(want, "port_ids", id); err != nil {
					t.Fatal(err)
				}
				continue
			}
			edits = append(edits, ListEdit{Field: fd, Old: id})
			if _, err := RemoveRefID(want, "port_ids", id); err != nil {
				t.Fatal(err)
			}
		}
		if got := ApplyListEdits(net, edits); !proto.Equal(got, want) {
			t.Fatalf("%v on %v: got %v, want %v", edits, net.PortIds, got.(*Network).PortIds, want.PortIds)
		}
		shared := ApplyListEditsShared(net, edits).(*Network)
		if !proto.Equal(shared, want) {
			t.Fatalf("%v on %v: shared got %v, want %v", edits, net.PortIds, shared.PortIds, want.PortIds)
		}
		for _, id := range shared.PortIds {
			if !slices.Contains(ids, id) {
				t.Fatalf("shared result holds a copy of %v", id)
			}
		}
		if !proto.Equal(net, before) {
			t.Fatalf("applying %v changed the object: %v", edits, net)
		}
		if n := ListSearches(edits); n != 1 {
			t.Fatalf("ListSearches of %d id edits = %d, want 1", len(edits), n)
		}
	}
}

// ApplyListEditsShared keeps every field of the object (nested messages,
// other lists, unknown fields) and edits lists it had none of; ListSearches
// counts each search of a list that is not one of ids.
func TestApplyListEditsShared(t *testing.T) {
	g := &IPAddrGroup{Id: NewUUID(), Name: proto.String("g"), InboundChainId: NewUUID(),
		IpAddrPorts: []*IPAddrGroup_IPAddrPorts{
			{IpAddress: &IPAddress{Version: IPVersion_V4.Enum(), Address: proto.String("10.0.0.1")}, PortIds: []*UUID{NewUUID()}},
			{IpAddress: &IPAddress{Version: IPVersion_V4.Enum(), Address: proto.String("10.0.0.2")}},
		}}
	g.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 999, protowire.VarintType), 5))
	entries := g.ProtoReflect().Descriptor().Fields().ByName("ip_addr_ports")
	added := &IPAddrGroup_IPAddrPorts{IpAddress: &IPAddress{Version: IPVersion_V4.Enum(), Address: proto.String("10.0.0.3")}}
	edits := []ListEdit{
		{Field: entries, Old: proto.Clone(g.IpAddrPorts[1])},
		{Field: entries, New: added},
		{Field: entries, Old: proto.Clone(g.IpAddrPorts[0]), New: &IPAddrGroup_IPAddrPorts{IpAddress: g.IpAddrPorts[0].IpAddress}},
	}
	want := proto.Clone(g).(*IPAddrGroup)
	want.IpAddrPorts = []*IPAddrGroup_IPAddrPorts{{IpAddress: g.IpAddrPorts[0].IpAddress}, added}
	got := ApplyListEditsShared(g, edits).(*IPAddrGroup)
	if !proto.Equal(got, want) || string(got.ProtoReflect().GetUnknown()) != string(g.ProtoReflect().GetUnknown()) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got.InboundChainId != g.InboundChainId || got.IpAddrPorts[1] != added {
		t.Error("the unedited field and the appended element are not shared")
	}
	if len(g.IpAddrPorts) != 2 || g.IpAddrPorts[1].GetIpAddress().GetAddress() != "10.0.0.2" {
		t.Errorf("the object changed: %v", g.IpAddrPorts)
	}
	if n := ListSearches(edits); n != 2 {
		t.Errorf("ListSearches = %d, want 2 (a removal and a replacement of entries)", n)
	}
	empty := &Network{}
	fd := empty.ProtoReflect().Descriptor().Fields().ByName("port_ids")
	id := NewUUID()
	if got := ApplyListEditsShared(empty, []ListEdit{{Field: fd, New: id}}).(*Network); len(got.PortIds) != 1 || got.PortIds[0] != id || len(empty.PortIds) != 0 {
		t.Errorf("appending to an empty list: %v (object %v)", got, empty)
	}
}
