package models

import (
	"fmt"
	"iter"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The text printer below writes exactly what Java's TextFormat.print writes
// (the bytes the JVM cluster stores). Go's prototext output cannot serve:
// it writes "id: {" and deliberately varies whitespace from one build to
// the next, so the same object would be stored as different bytes by
// different releases. Parsing still uses prototext.
//
// Java's format: set fields in field-number order, one per line; repeated
// fields repeat the name; messages as "name {" ... "}" with two-space
// indentation; enums by value name; 32/64-bit unsigned values in unsigned
// decimal; strings in double quotes with C escapes and every byte outside
// printable ASCII as a three-digit octal escape of its UTF-8 encoding.

// UnsupportedFieldError reports a field kind the Java-compatible printer
// does not write (the MidoNet model has none of them).
type UnsupportedFieldError struct {
	Field protoreflect.FullName
	Kind  protoreflect.Kind
}

func (e *UnsupportedFieldError) Error() string {
	return fmt.Sprintf("models: field %s has kind %v, which the text printer does not support", e.Field, e.Kind)
}

func appendMessageText(b []byte, m protoreflect.Message, indent int) ([]byte, error) {
	var err error
	for fd := range fieldsByNumber(m) {
		v := m.Get(fd)
		if fd.IsList() {
			list := v.List()
			for i := 0; i < list.Len() && err == nil; i++ {
				b, err = appendFieldText(b, fd, list.Get(i), indent)
			}
		} else {
			b, err = appendFieldText(b, fd, v, indent)
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// fieldsByNumber yields m's populated fields in field-number order. The
// model declares fields in number order (a test enforces it), so they are
// walked in place without allocating; other messages are sorted.
func fieldsByNumber(m protoreflect.Message) iter.Seq[protoreflect.FieldDescriptor] {
	return func(yield func(protoreflect.FieldDescriptor) bool) {
		all := m.Descriptor().Fields()
		ordered := true
		for i := 1; i < all.Len() && ordered; i++ {
			ordered = all.Get(i).Number() > all.Get(i-1).Number()
		}
		if ordered {
			for i := 0; i < all.Len(); i++ {
				if fd := all.Get(i); m.Has(fd) && !yield(fd) {
					return
				}
			}
			return
		}
		var set []protoreflect.FieldDescriptor
		m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !fd.IsExtension() {
				set = append(set, fd)
			}
			return true
		})
		slices.SortFunc(set, func(a, b protoreflect.FieldDescriptor) int { return int(a.Number() - b.Number()) })
		for _, fd := range set {
			if !yield(fd) {
				return
			}
		}
	}
}

func appendFieldText(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value, indent int) ([]byte, error) {
	for range indent {
		b = append(b, "  "...)
	}
	b = append(b, fd.Name()...)
	switch fd.Kind() {
	case protoreflect.MessageKind:
		b = append(b, " {\n"...)
		var err error
		if b, err = appendMessageText(b, v.Message(), indent+1); err != nil {
			return nil, err
		}
		for range indent {
			b = append(b, "  "...)
		}
		return append(b, "}\n"...), nil
	case protoreflect.BoolKind:
		b = append(b, ": "...)
		b = strconv.AppendBool(b, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		b = append(b, ": "...)
		b = strconv.AppendInt(b, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, ": "...)
		b = strconv.AppendUint(b, v.Uint(), 10)
	case protoreflect.EnumKind:
		b = append(b, ": "...)
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b = append(b, ev.Name()...)
		} else {
			b = strconv.AppendInt(b, int64(v.Enum()), 10)
		}
	case protoreflect.StringKind:
		b = append(b, ": \""...)
		b = appendEscaped(b, v.String())
		b = append(b, '"')
	case protoreflect.BytesKind:
		b = append(b, ": \""...)
		b = appendEscaped(b, string(v.Bytes()))
		b = append(b, '"')
	default: // float, double, group: absent from the model
		return nil, &UnsupportedFieldError{Field: fd.FullName(), Kind: fd.Kind()}
	}
	return append(b, '\n'), nil
}

// appendEscaped escapes s byte by byte as Java's TextFormat does.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\v':
			b = append(b, `\v`...)
		case '\\':
			b = append(b, `\\`...)
		case '\'':
			b = append(b, `\'`...)
		case '"':
			b = append(b, `\"`...)
		default:
			if c >= 0x20 && c < 0x7f {
				b = append(b, c)
			} else {
				b = append(b, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
			}
		}
	}
	return b
}

// checkInitialized reports missing required fields (a UUID without lsb ...),
// which Java's build() would reject too.
func checkInitialized(msg proto.Message) error {
	return proto.CheckInitialized(msg)
}
