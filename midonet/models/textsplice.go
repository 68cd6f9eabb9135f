package models

import (
	"bytes"

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
