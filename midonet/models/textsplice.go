package models

import (
	"bytes"
	"slices"

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
	out := make([]byte, 0, len(text)+len(elems))
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
// nor modified (the caller's Old and New go in as they are).
func EditList(elems []proto.Message, fd protoreflect.FieldDescriptor, edits []ListEdit) []proto.Message {
	for k := 0; k < len(edits); k++ {
		ed := edits[k]
		if ed.Field.Number() != fd.Number() {
			continue
		}
		if ed.Old == nil {
			elems = append(elems, ed.New)
			continue
		}
		if n, ids := removedIDs(edits[k:], fd); n > 1 {
			// Removals of ids in a row (a parent losing children): each
			// takes the first of its id left, as one at a time would, in
			// one pass.
			elems = slices.DeleteFunc(elems, func(m proto.Message) bool {
				id, ok := m.(*UUID)
				if !ok || ids[idKey(id)] == 0 {
					return false
				}
				ids[idKey(id)]--
				return true
			})
			k += n - 1
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

// removedIDs counts the edits at the start of edits that remove ids from
// fd (the edits of other fields among them included) and how many of each
// id they remove.
func removedIDs(edits []ListEdit, fd protoreflect.FieldDescriptor) (int, map[[2]uint64]int) {
	ids := map[[2]uint64]int{}
	n := 0
	for _, ed := range edits {
		if ed.Field.Number() == fd.Number() {
			id, ok := ed.Old.(*UUID)
			if !ok || ed.New != nil {
				break
			}
			ids[idKey(id)]++
		}
		n++
	}
	return n, ids
}

func idKey(id *UUID) [2]uint64 { return [2]uint64{id.GetMsb(), id.GetLsb()} }

// ApplyListEdits returns a copy of obj with edits applied in order (the
// copy has its own elements: New ones are copied too).
func ApplyListEdits(obj proto.Message, edits []ListEdit) proto.Message {
	o := proto.Clone(obj)
	m := o.ProtoReflect()
	own := slices.Clone(edits)
	for i := range own {
		if own[i].New != nil {
			own[i].New = proto.Clone(own[i].New)
		}
	}
	var done []protoreflect.FieldNumber
	for _, ed := range own {
		n := ed.Field.Number()
		if slices.Contains(done, n) {
			continue
		}
		done = append(done, n)
		list := m.Mutable(ed.Field).List()
		if !slices.ContainsFunc(own, func(e ListEdit) bool { return e.Field.Number() == n && e.Old != nil }) {
			for _, e := range own { // appends only: no search, in place
				if e.Field.Number() == n {
					list.Append(protoreflect.ValueOfMessage(e.New.ProtoReflect()))
				}
			}
			continue
		}
		elems := make([]proto.Message, list.Len())
		for i := range elems {
			elems[i] = list.Get(i).Message().Interface()
		}
		elems = EditList(elems, ed.Field, own)
		list.Truncate(0)
		for _, e := range elems {
			list.Append(protoreflect.ValueOfMessage(e.ProtoReflect()))
		}
	}
	return o
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
// SpliceRepeated would. The result is a new slice.
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
	size := len(text)
	for _, c := range cuts {
		size += len(c.data) - (c.end - c.at)
	}
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
		size += len(p.data)
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
	out := make([]byte, 0, size)
	from := 0
	for _, p := range pieces {
		out = append(append(out, text[from:p.at]...), p.data...)
		from = p.end
	}
	return append(out, text[from:]...), true
}

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
