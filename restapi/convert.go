package restapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// object is a JSON object that keeps its keys in insertion order, so
// responses list fields in the table's order, nulls included.
type object []member

type member struct {
	key   string
	value any
}

func (o *object) set(key string, value any) {
	for i := range *o {
		if (*o)[i].key == key {
			(*o)[i].value = value
			return
		}
	}
	*o = append(*o, member{key, value})
}

func (o object) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// suffixedURI is an object's URI or one of its links' as a value: the
// object's URI and the link's suffix ("" for the object's), written as one
// JSON string (a suffix is ASCII and starts with '/', so quoting the two
// one after the other is quoting their concatenation). plain says that
// neither needs escaping (a URI of the API almost never does), so both are
// copied as they are: an object's URI is in a dozen of its members, and
// testing its every byte for each was a fifth of a list's encoding.
type suffixedURI struct {
	self, suffix string
	plain        bool
}

// newSuffixedURI is self + suffix; selfPlain is jsonPlainString(self),
// tested once for all of an object's URIs.
func newSuffixedURI(self string, selfPlain bool, suffix string) suffixedURI {
	return suffixedURI{self: self, suffix: suffix, plain: selfPlain && jsonPlainString(suffix)}
}

func (u *suffixedURI) MarshalJSON() ([]byte, error) { return appendJSON(nil, u) }

// appendJSON writes the API's response values (objects, lists of them,
// strings, numbers, booleans, nulls) without encoding/json's reflection and
// re-compaction of nested Marshalers, which dominated large list answers;
// other types go through encoding/json.
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case object:
		return appendObject(buf, x)
	case []object:
		return appendJSONArray(buf, x, appendObject)
	case []string:
		return appendJSONArray(buf, x, func(buf []byte, s string) ([]byte, error) { return appendJSONString(buf, s), nil })
	case string:
		return appendJSONString(buf, x), nil
	case *suffixedURI:
		buf = append(buf, '"')
		if x.plain {
			buf = append(append(buf, x.self...), x.suffix...)
		} else {
			buf = appendJSONStringBody(buf, x.self)
			buf = appendJSONStringBody(buf, x.suffix)
		}
		return append(buf, '"'), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case uint32:
		return strconv.AppendUint(buf, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(buf, x, 10), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}

// appendObject is appendJSON of an object (called directly, an object
// is not boxed in an interface: an allocation per listed object).
func appendObject(buf []byte, o object) ([]byte, error) {
	buf = append(buf, '{')
	for i, m := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, m.key)
		buf = append(buf, ':')
		var err error
		if buf, err = appendJSON(buf, m.value); err != nil {
			return nil, fmt.Errorf("field %s: %w", m.key, err)
		}
	}
	return append(buf, '}'), nil
}

// appendJSONArray writes xs as a JSON array, each element by appendElem.
func appendJSONArray[T any](buf []byte, xs []T, appendElem func([]byte, T) ([]byte, error)) ([]byte, error) {
	buf = append(buf, '[')
	for i, x := range xs {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendElem(buf, x); err != nil {
			return nil, err
		}
	}
	return append(buf, ']'), nil
}

// jsonPlain marks the ASCII bytes appendJSONString copies as they are (a
// table: the test of each byte of every string of an answer, its URIs most
// of it, was a fifth of a list's encoding).
var jsonPlain = func() (plain [utf8.RuneSelf]bool) {
	for b := byte(0x20); b < utf8.RuneSelf; b++ {
		plain[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return plain
}()

// jsonPlainString reports whether appendJSONString copies s as it is.
func jsonPlainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= utf8.RuneSelf || !jsonPlain[b] {
			return false
		}
	}
	return true
}

// appendJSONString quotes s as encoding/json does (including its escaping
// of <, >, & and U+2028/U+2029, so answers are byte-identical to it).
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	buf = appendJSONStringBody(buf, s)
	return append(buf, '"')
}

// appendJSONStringBody is appendJSONString without the quotes.
func appendJSONStringBody(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonPlain[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

// encodeField reads one field of msg as a JSON value (nil = null).
func encodeField(f *field, msg protoreflect.Message) any {
	parent, fd, ok := f.read(msg)
	return f.kind.encode(f, parent, fd, ok)
}

// encodeSub writes a nested object: every sub-field, nulls included.
func encodeSub(fields []field, m protoreflect.Message) object {
	out := make(object, 0, len(fields))
	for i := range fields {
		sf := &fields[i]
		out.set(sf.json, encodeField(sf, m))
	}
	return out
}

// decodeSub fills a nested message from a JSON object; violations are
// reported with the bean path of the nested property (condition.nwTos).
func decodeSub(f *field, prefix string, raw json.RawMessage, m protoreflect.Message) ([]Violation, error) {
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, badJSON(f.json, fmt.Errorf("expected a JSON object"))
	}
	var viols []Violation
	for _, sf := range f.sub {
		v, present := b[sf.json]
		inner, err := decodeField(&sf, v, present, m)
		if err != nil {
			return nil, err
		}
		for _, v := range inner {
			v.Property = prefix + "." + v.Property
			viols = append(viols, v)
		}
	}
	return viols, nil
}

func intValue(m protoreflect.Message, fd protoreflect.FieldDescriptor) any {
	v := m.Get(fd)
	switch fd.Kind() {
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return v.Uint()
	case protoreflect.EnumKind:
		return int64(v.Enum())
	}
	return v.Int()
}

// decodeField writes one JSON value into msg through the field's codec. A
// JSON type error is returned as error (400 ErrorEntity); constraint
// failures are returned as violations.
func decodeField(f *field, raw json.RawMessage, present bool, msg protoreflect.Message) ([]Violation, error) {
	if !present || isNull(raw) {
		var viols []Violation
		if f.required {
			viols = fieldViolation(f, "may not be null")
		}
		if f.kind.absent != nil {
			f.kind.absent(msg, f.proto)
		} else {
			clearField(msg, f.proto)
		}
		return viols, nil
	}
	parent, fd := writeMsg(msg, f.proto)
	return f.kind.decode(f, raw, parent, fd)
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return json.RawMessage(`""`)
	}
	return raw
}

// parseMACMask reads the reference's "xxxx.xxxx.xxxx" mask notation.
func parseMACMask(s string) (int64, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return 0, false
	}
	var v int64
	for _, p := range parts {
		if len(p) != 4 {
			return 0, false
		}
		n, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return 0, false
		}
		v = v<<16 | int64(n)
	}
	return v, true
}

func formatMACMask(v int64) string {
	return fmt.Sprintf("%04x.%04x.%04x", (v>>32)&0xffff, (v>>16)&0xffff, v&0xffff)
}

func orZero(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return json.RawMessage("0")
	}
	return raw
}

func setInt(m protoreflect.Message, fd protoreflect.FieldDescriptor, n int64) {
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		m.Set(fd, protoreflect.ValueOfInt32(int32(n)))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		m.Set(fd, protoreflect.ValueOfUint32(uint32(n)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		m.Set(fd, protoreflect.ValueOfUint64(uint64(n)))
	case protoreflect.EnumKind:
		m.Set(fd, protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)))
	default:
		m.Set(fd, protoreflect.ValueOfInt64(n))
	}
}

// checkField verifies at table-build time that a field row matches the
// protobuf descriptor, so typos in the table fail NewHandler, not requests.
func checkField(md protoreflect.MessageDescriptor, f *field) error {
	fd, err := fieldDesc(md, f.proto)
	if err != nil {
		return fmt.Errorf("field %s: %w", f.json, err)
	}
	if f.kind == nil {
		return fmt.Errorf("field %s: no kind", f.json)
	}
	if !f.kind.fits(f, fd) {
		return fmt.Errorf("field %s: kind %s does not fit proto field %s", f.json, f.kind.name, fd.FullName())
	}
	for _, sf := range f.sub {
		if err := checkField(fd.Message(), &sf); err != nil {
			return fmt.Errorf("field %s: %w", f.json, err)
		}
	}
	return nil
}
