package models

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Editing printed objects in place. A parent gaining a child (a bridge
// gaining a port) only gains one element of a repeated reference field;
// re-printing the whole parent for it costs time growing with its size.
// Because the printed form lists fields in number order, one per line
// (nested messages indented), the new element's lines can instead be
// spliced in after the field's last element: the result is byte for byte
// what Marshal prints for the parent with the element appended (a test
// checks it against Marshal).

// AppendElemText appends the printed form of elem, one element of the
// repeated message field fd (a reference id, a DHCP host...), to b: what
// Marshal prints for it.
func AppendElemText(b []byte, fd protoreflect.FieldDescriptor, elem proto.Message) ([]byte, error) {
	if err := checkInitialized(elem); err != nil {
		return nil, err
	}
	return appendFieldText(b, fd, protoreflect.ValueOfMessage(elem.ProtoReflect()), 0)
}

// SpliceRepeated returns text, the Marshal output of a message of md, with
// elems (printed elements of md's repeated field fd, from AppendElemText)
// inserted after the field's last element, which is the Marshal output of
// the message with those elements appended. It returns false when text
// holds a top-level line that is not a field of md (unknown fields of a
// newer writer): the caller prints the message instead. The result is a
// new slice.
func SpliceRepeated(text []byte, md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, elems []byte) ([]byte, bool) {
	at, ok := SplicePoint(text, md, fd)
	if !ok {
		return nil, false
	}
	out := withRoom(len(text) + len(elems))
	out = append(out, text[:at]...)
	out = append(out, elems...)
	return append(out, text[at:]...), true
}

// SplicePoint returns where SpliceRepeated inserts elements of fd into
// text; false as for SpliceRepeated. When it is len(text) (fd is the last
// field present, as a bridge's port_ids usually is), a caller owning
// text's spare capacity may append the elements in place.
func SplicePoint(text []byte, md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor) (int, bool) {
	if !fd.IsList() || fd.ContainingMessage().FullName() != md.FullName() {
		return 0, false
	}
	// Fast path for a message field that has elements: after the last
	// one's closing brace (top-level lines start in column 0, nested ones
	// are indented, so the pattern only matches top-level elements).
	at := -1
	if fd.Kind() == protoreflect.MessageKind {
		open := "\n" + string(fd.Name()) + " {\n"
		last := bytes.LastIndex(text, []byte(open))
		if last < 0 && bytes.HasPrefix(text, []byte(open[1:])) {
			// The elements start the text.
			if end := bytes.Index(text, []byte("\n}\n")); end >= 0 {
				at = end + 3
			}
		} else if last >= 0 {
			if end := bytes.Index(text[last+1:], []byte("\n}\n")); end >= 0 {
				at = last + 1 + end + 3
			}
		}
	}
	// Otherwise, or to check what follows: walk the top-level lines. Java
	// prints unknown fields last, so the lines after the insertion point
	// are the ones that can hold them.
	from := 0
	if at >= 0 {
		from = at
	}
	fields := md.Fields()
	for pos := from; pos < len(text); {
		end := bytes.IndexByte(text[pos:], '\n')
		if end < 0 {
			return 0, false // Marshal ends every line
		}
		line := text[pos : pos+end]
		if len(line) > 0 && line[0] != ' ' && line[0] != '}' {
			name := line
			if i := bytes.IndexAny(line, " :{"); i >= 0 {
				name = line[:i]
			}
			f := fields.ByName(protoreflect.Name(name))
			if f == nil {
				return 0, false
			}
			if f.Number() > fd.Number() && at < 0 {
				at = pos // and go on checking the remaining lines
			}
		}
		pos += end + 1
	}
	if at < 0 {
		at = len(text)
	}
	return at, true
}

// ListEdit is one change to the elements of the repeated message field
// Field: with Old nil, New is appended; otherwise the first element equal
// to Old is replaced by New, or removed when New is nil (the first, as
// the reference's back-reference removal and its address group updates
// take the first match). An Old that is not there changes nothing.
type ListEdit struct {
	Field    protoreflect.FieldDescriptor
	Old, New proto.Message
}

// EditList returns elems, the elements of one repeated message field,
// with those of edits that are of that field applied in order. It reuses
// elems' array and compares with proto.Equal; elements are neither copied
// nor modified (the caller's Old and New go in as they are). When the
// field's edits are appends and removals of ids (a parent gaining and
// losing children), they are applied in one pass over elems, leaving what
// one at a time would (ListSearches).
func EditList(elems []proto.Message, fd protoreflect.FieldDescriptor, edits []ListEdit) []proto.Message {
	if idEditsOnly(edits, fd) {
		return editIDs(elems, fd, edits)
	}
	for _, ed := range edits {
		if ed.Field.Number() != fd.Number() {
			continue
		}
		if ed.Old == nil {
			elems = append(elems, ed.New)
			continue
		}
		i := slices.IndexFunc(elems, func(m proto.Message) bool { return elemEqual(m, ed.Old) })
		switch {
		case i < 0:
		case ed.New == nil:
			elems = slices.Delete(elems, i, i+1)
		default:
			elems[i] = ed.New
		}
	}
	return elems
}

// ListSearches is how many walks over a list's elements applying edits
// takes (EditList, ApplyListEdits): one per field whose edits are appends
// and removals of ids, plus one per replacement or removal of each other
// field's. What a holder of pending edits bounds: the walks, not the
// edits, are what applying them costs.
func ListSearches(edits []ListEdit) int {
	type field struct {
		number protoreflect.FieldNumber
		ids    bool // its edits are appends and removals of ids
	}
	var fields []field
	n := 0
	for _, ed := range edits {
		i := slices.IndexFunc(fields, func(f field) bool { return f.number == ed.Field.Number() })
		if i < 0 {
			fields = append(fields, field{ed.Field.Number(), idEditsOnly(edits, ed.Field)})
			if fields[len(fields)-1].ids {
				n++
			}
			i = len(fields) - 1
		}
		if !fields[i].ids && ed.Old != nil {
			n++
		}
	}
	return n
}

// idEditsOnly says whether fd's edits among edits are all appends or
// removals of ids.
func idEditsOnly(edits []ListEdit, fd protoreflect.FieldDescriptor) bool {
	for _, ed := range edits {
		if ed.Field.Number() != fd.Number() || ed.Old == nil {
			continue
		}
		if id, ok := ed.Old.(*UUID); !ok || id == nil || ed.New != nil {
			return false
		}
	}
	return true
}

// editIDs is EditList for appends and removals of ids (idEditsOnly): a
// removal takes the first equal id of the list as the edits before it
// leave it, which is one of elems' own while elems has one left (appends
// go after them), else the first such appended one; elems' removed ids
// are cut in one pass at the end, each id's first occurrences.
func editIDs(elems []proto.Message, fd protoreflect.FieldDescriptor, edits []ListEdit) []proto.Message {
	return editIDList(elems, func(m proto.Message) (*UUID, bool) { id, ok := m.(*UUID); return id, ok },
		func(m proto.Message) proto.Message { return m }, fd, edits)
}

// editIDList is editIDs over a list of any element type: id is an
// element as an id (false for one that is not), elem an edit's New as an
// element. It cuts elems' removed ids in place.
func editIDList[E any](elems []E, id func(E) (*UUID, bool), elem func(proto.Message) E, fd protoreflect.FieldDescriptor, edits []ListEdit) []E {
	left := map[[2]uint64]int{} // of each removed id, how many of elems' are left
	for _, ed := range edits {
		if ed.Field.Number() == fd.Number() && ed.Old != nil {
			left[idKey(ed.Old.(*UUID))] = 0
		}
	}
	if len(left) > 0 {
		for _, m := range elems {
			if id, ok := id(m); ok {
				if n, removed := left[idKey(id)]; removed {
					left[idKey(id)] = n + 1
				}
			}
		}
	}
	cut := map[[2]uint64]int{} // of each id, how many of elems' first ones go
	var added []E
	for _, ed := range edits {
		switch {
		case ed.Field.Number() != fd.Number():
		case ed.Old == nil:
			added = append(added, elem(ed.New))
		case left[idKey(ed.Old.(*UUID))] > 0:
			left[idKey(ed.Old.(*UUID))]--
			cut[idKey(ed.Old.(*UUID))]++
		default:
			old := ed.Old.(*UUID)
			if i := slices.IndexFunc(added, func(m E) bool { id, ok := id(m); return ok && id.Equal(old) }); i >= 0 {
				added = slices.Delete(added, i, i+1)
			}
		}
	}
	if len(cut) > 0 {
		elems = slices.DeleteFunc(elems, func(m E) bool {
			id, ok := id(m)
			if !ok || cut[idKey(id)] == 0 {
				return false
			}
			cut[idKey(id)]--
			return true
		})
	}
	return append(elems, added...)
}

func idKey(id *UUID) [2]uint64 { return [2]uint64{id.GetMsb(), id.GetLsb()} }

// ApplyListEdits returns a copy of obj with edits applied in order (the
// copy has its own elements: New ones are copied too).
func ApplyListEdits(obj proto.Message, edits []ListEdit) proto.Message {
	return proto.Clone(ApplyListEditsShared(obj, edits))
}

// ApplyListEditsShared returns obj with edits applied in order as a new
// message that shares everything but the edited lists' arrays with obj
// and the edits: obj's other fields and its elements, and the edits' New
// elements, go in as they are, so neither obj, nor the edits' elements,
// nor the result may be modified afterwards. It is for a holder of obj
// that never modifies it (zoom's cache applying a parent's pending
// back-reference edits): a new list of pointers where ApplyListEdits
// copies every element, which for a bridge of 10,000 ports is 10,000
// allocations.
func ApplyListEditsShared(obj proto.Message, edits []ListEdit) proto.Message {
	src := obj.ProtoReflect()
	dst := src.New()
	edited := func(fd protoreflect.FieldDescriptor) bool {
		return slices.ContainsFunc(edits, func(e ListEdit) bool { return e.Field.Number() == fd.Number() })
	}
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if !edited(fd) {
			dst.Set(fd, v) // shared: a list's array, a message, a map
		}
		return true
	})
	dst.SetUnknown(src.GetUnknown())
	var done []protoreflect.FieldNumber
	for _, ed := range edits {
		fd := ed.Field
		if slices.Contains(done, fd.Number()) {
			continue
		}
		done = append(done, fd.Number())
		if from, to, ok := idLists(obj, dst.Interface(), fd, edits); ok {
			// A list of ids (a parent's back-references, 10,000 for a
			// big bridge) edited as its Go slice: a list element costs
			// ~400 ns through protoreflect's Get and Append.
			ids := from.Interface().([]*UUID)
			ids = editIDList(append(make([]*UUID, 0, len(ids)+len(edits)), ids...),
				func(id *UUID) (*UUID, bool) { return id, true }, func(m proto.Message) *UUID { return m.(*UUID) }, fd, edits)
			if len(ids) > 0 {
				to.Set(reflect.ValueOf(ids))
			}
			continue
		}
		old := src.Get(fd).List()
		elems := make([]proto.Message, old.Len())
		for i := range elems {
			elems[i] = old.Get(i).Message().Interface()
		}
		elems = EditList(elems, fd, edits)
		if len(elems) == 0 {
			continue
		}
		list := dst.Mutable(fd).List() // a new, empty list: fd was not set
		for _, e := range elems {
			list.Append(protoreflect.ValueOfMessage(e.ProtoReflect()))
		}
	}
	return dst.Interface()
}

// idLists are the Go slices of field fd of from and to, generated
// messages of one type, when fd is a list of ids whose edits are appends
// of non-nil ids and removals (idEditsOnly); false otherwise.
func idLists(from, to proto.Message, fd protoreflect.FieldDescriptor, edits []ListEdit) (reflect.Value, reflect.Value, bool) {
	if !idEditsOnly(edits, fd) || !slices.ContainsFunc(edits, func(ed ListEdit) bool { return ed.Field.Number() == fd.Number() }) {
		return reflect.Value{}, reflect.Value{}, false
	}
	for _, ed := range edits {
		if ed.Field.Number() == fd.Number() && ed.Old == nil {
			if id, ok := ed.New.(*UUID); !ok || id == nil {
				return reflect.Value{}, reflect.Value{}, false
			}
		}
	}
	f, t := reflect.ValueOf(from), reflect.ValueOf(to)
	if f.Kind() != reflect.Pointer || f.Type() != t.Type() || f.IsNil() || t.IsNil() || f.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, reflect.Value{}, false
	}
	st := f.Elem().Type()
	number := strconv.Itoa(int(fd.Number()))
	for i := range st.NumField() {
		// protoc-gen-go's tag: "bytes,102,rep,name=port_ids,...", cut
		// without allocating (this runs on every edit of a parent).
		_, rest, _ := strings.Cut(st.Field(i).Tag.Get("protobuf"), ",")
		num, rest, ok := strings.Cut(rest, ",")
		if !ok || num != number {
			continue
		}
		if label, _, _ := strings.Cut(rest, ","); label != "rep" || st.Field(i).Type != reflect.TypeFor[[]*UUID]() {
			break
		}
		return f.Elem().Field(i), t.Elem().Field(i), true
	}
	return reflect.Value{}, reflect.Value{}, false
}

// elemEqual is proto.Equal, without reflection for the elements of the
// long lists: ids (back-references) and IP address group entries.
func elemEqual(a, b proto.Message) bool {
	switch x := a.(type) {
	case *UUID:
		y, ok := b.(*UUID)
		return ok && x.Equal(y)
	case *IPAddrGroup_IPAddrPorts:
		y, ok := b.(*IPAddrGroup_IPAddrPorts)
		return ok && len(x.unknownFields) == 0 && len(y.unknownFields) == 0 &&
			SameIPAddress(x.GetIpAddress(), y.GetIpAddress()) &&
			slices.EqualFunc(x.GetPortIds(), y.GetPortIds(), func(p, q *UUID) bool { return p.Equal(q) })
	}
	return proto.Equal(a, b)
}

// SameIPAddress is proto.Equal for addresses, without reflection.
func SameIPAddress(a, b *IPAddress) bool {
	if a == nil || b == nil {
		return a == b
	}
	return (a.Version == nil) == (b.Version == nil) && a.GetVersion() == b.GetVersion() &&
		(a.Address == nil) == (b.Address == nil) && a.GetAddress() == b.GetAddress() &&
		len(a.unknownFields) == 0 && len(b.unknownFields) == 0
}

// EditText returns text, the Marshal output of a message of md, with
// edits applied in order without parsing or printing the message: a
// replaced or removed element's lines are found by its printed form (the
// first top-level element printing as Old, as a parsed list's first equal
// element) and cut or replaced, appended elements are spliced in as
// SpliceRepeated does. The result is the Marshal output of the message
// with the edits applied (ApplyListEdits). It returns false, and the
// caller prints the message instead, when an Old matches no element (it
// is absent, or stored with fields this printer does not know) or when
// SpliceRepeated would. The result is a new slice, with room to append
// an eighth more in place.
func EditText(text []byte, md protoreflect.MessageDescriptor, edits []ListEdit) ([]byte, bool) {
	// piece is bytes of the result: an element replacing text[at:end]
	// (end > at), or appended elements going in at at (end == at).
	type piece struct {
		at, end int
		field   protoreflect.FieldNumber // appended pieces at one point go in field order
		data    []byte
	}
	var cuts []piece // in edit order
	type appended struct {
		field protoreflect.FieldDescriptor
		data  []byte // nil once removed again
	}
	var adds []appended
	print := func(fd protoreflect.FieldDescriptor, m proto.Message) ([]byte, bool) {
		if m == nil {
			return nil, true
		}
		b, err := AppendElemText(nil, fd, m)
		return b, err == nil
	}
	for _, ed := range edits {
		if !ed.Field.IsList() || ed.Field.Kind() != protoreflect.MessageKind || ed.Field.ContainingMessage().FullName() != md.FullName() {
			return nil, false
		}
		repl, ok := print(ed.Field, ed.New)
		if !ok {
			return nil, false
		}
		if ed.Old == nil {
			adds = append(adds, appended{ed.Field, repl})
			continue
		}
		old, ok := print(ed.Field, ed.Old)
		if !ok {
			return nil, false
		}
		// The first element equal to old: an element of text not yet cut,
		// or one replaced by old's bytes earlier, whichever comes first;
		// else one appended earlier.
		at := findElem(text, old, func(at int) bool {
			return slices.ContainsFunc(cuts, func(c piece) bool { return c.at == at })
		})
		replaced := -1
		for i, c := range cuts {
			if bytes.Equal(c.data, old) && (at < 0 || c.at < at) && (replaced < 0 || c.at < cuts[replaced].at) {
				replaced = i
			}
		}
		if replaced >= 0 {
			cuts[replaced].data = repl
			continue
		}
		if at >= 0 {
			cuts = append(cuts, piece{at: at, end: at + len(old), data: repl})
			continue
		}
		i := slices.IndexFunc(adds, func(a appended) bool { return bytes.Equal(a.data, old) })
		if i < 0 {
			return nil, false
		}
		adds[i].data = repl
	}
	pieces := cuts
	var fields []protoreflect.FieldDescriptor
	for _, a := range adds {
		if a.data != nil && !slices.Contains(fields, a.field) {
			fields = append(fields, a.field)
		}
	}
	for _, fd := range fields {
		at, ok := SplicePoint(text, md, fd)
		if !ok {
			return nil, false
		}
		p := piece{at: at, end: at, field: fd.Number()}
		for _, a := range adds {
			if a.field == fd {
				p.data = append(p.data, a.data...)
			}
		}
		pieces = append(pieces, p)
	}
	// In text order; at one point, appends before a cut starting there
	// (the next field's first element) and in field order.
	slices.SortFunc(pieces, func(a, b piece) int {
		if a.at != b.at {
			return a.at - b.at
		}
		if (a.end > a.at) != (b.end > b.at) {
			if a.end > a.at {
				return 1
			}
			return -1
		}
		return int(a.field - b.field)
	})
	if len(pieces) == 1 && len(pieces[0].data) == 0 && pieces[0].end < len(text) && len(text) >= bigText {
		// One element cut out of a big text (a port's id out of the
		// text of a bridge of 2,000 ports or more), not its end: one append to a slice of text with no
		// capacity left is a new array that the runtime does not zero
		// before copying into it (withRoom's make does: ~6% of a
		// delete's CPU on a bridge of 10k ports), with whatever room
		// its growth leaves: up to a quarter, at least the page
		// rounding's. (With nothing to append, append would return
		// text's own array, without room.)
		p := pieces[0]
		return append(text[:p.at:p.at], text[p.end:]...), true
	}
	size := len(text)
	for _, p := range pieces {
		size += len(p.data) - (p.end - p.at)
	}
	out := withRoom(size)
	from := 0
	for _, p := range pieces {
		out = append(append(out, text[from:p.at]...), p.data...)
		from = p.end
	}
	return append(out, text[from:]...), true
}

// withRoom is a new slice for n bytes of text with room to append an
// eighth more: a parent's text edited in the middle (a port's id cut out
// of its bridge's) is where the next children's lines are appended
// (zoom's entry.encode, in the spare capacity of the text it wrote), and
// without room the first of them would copy the whole text again.
func withRoom(n int) []byte { return make([]byte, 0, n+n/8) }

// bigText is the size from which EditText cuts by append: its array is
// then allocated in whole pages (a large object), so the growth leaves
// room for a few elements at least, and its spare capacity (at most a
// quarter and a page) stays within the third of the length that the
// in-memory store keeps without copying (mem's kept).
const bigText = 128 << 10

// findElem returns where the first top-level element printing as elem
// (AppendElemText's bytes) starts in text, skipping those skip says are
// taken; -1 when there is none. Top-level lines start in column 0 and
// nested ones are indented, and elem's only unindented lines are its
// first and its closing brace, so a match at the start of a line is one
// whole element.
func findElem(text, elem []byte, skip func(at int) bool) int {
	for from := 0; from <= len(text)-len(elem); {
		i := bytes.Index(text[from:], elem)
		if i < 0 {
			return -1
		}
		at := from + i
		if (at == 0 || text[at-1] == '\n') && !skip(at) {
			return at
		}
		from = at + 1
	}
	return -1
}
