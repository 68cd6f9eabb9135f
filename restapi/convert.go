package restapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
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

// appendJSON writes the API's response values (objects, lists of them,
// strings, numbers, booleans, nulls) without encoding/json's reflection and
// re-compaction of nested Marshalers, which dominated large list answers;
// other types go through encoding/json.
func appendJSON(buf []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case object:
		buf = append(buf, '{')
		for i, m := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, m.key)
			buf = append(buf, ':')
			if buf, err = appendJSON(buf, m.value); err != nil {
				return nil, fmt.Errorf("field %s: %w", m.key, err)
			}
		}
		return append(buf, '}'), nil
	case []object:
		buf = append(buf, '[')
		for i, o := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendJSON(buf, o); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case []string:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, e)
		}
		return append(buf, ']'), nil
	case string:
		return appendJSONString(buf, x), nil
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

// appendJSONString quotes s as encoding/json does (including its escaping
// of <, >, & and U+2028/U+2029, so answers are byte-identical to it).
func appendJSONString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
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
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// encodeField reads one field of msg as a JSON value (nil = null).
func encodeField(f field, msg protoreflect.Message) any {
	parent, fd, ok := readMsg(msg, f.proto)
	switch f.kind {
	case kIPList:
		if !ok || parent.Get(fd).List().Len() == 0 {
			return nil
		}
		out := []string{}
		l := parent.Get(fd).List()
		for i := 0; i < l.Len(); i++ {
			out = append(out, ipFromMsg(l.Get(i).Message()))
		}
		return out
	case kNatTargets:
		if !ok {
			return []object{}
		}
	case kMessageList:
		out := []object{}
		if ok {
			l := parent.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, encodeSub(f.sub, l.Get(i).Message()))
			}
		}
		return out
	case kUUIDList:
		out := []string{}
		if ok {
			l := parent.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, uuidFromMsg(l.Get(i).Message()).String())
			}
		}
		return out
	case kSubnetList:
		out := []string{}
		if ok {
			l := parent.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, subnetFromMsg(l.Get(i).Message()))
			}
		}
		return out
	case kBool:
		return ok && parent.Get(fd).Bool()
	case kInt, kSubnetLen:
		if !ok {
			return 0
		}
		if f.kind == kSubnetLen {
			sub := parent.Get(fd).Message()
			return sub.Get(sub.Descriptor().Fields().ByName("prefix_length")).Uint()
		}
		return intValue(parent, fd)
	}
	if !ok || !parent.Has(fd) {
		return nil
	}
	switch f.kind {
	case kString, kMAC:
		return parent.Get(fd).String()
	case kNullBool:
		return parent.Get(fd).Bool()
	case kNullInt:
		return intValue(parent, fd)
	case kUUID:
		return uuidFromMsg(parent.Get(fd).Message()).String()
	case kIPAddr, kIPv4Addr:
		return ipFromMsg(parent.Get(fd).Message())
	case kSubnetAddr:
		sub := parent.Get(fd).Message()
		return sub.Get(sub.Descriptor().Fields().ByName("address")).String()
	case kEnum:
		name := enumName(parent, fd)
		for js, pn := range f.enum {
			if pn == name {
				return js
			}
		}
		return nil
	case kMACMask:
		return formatMACMask(parent.Get(fd).Int())
	case kNatTargets:
		out := []object{}
		l := parent.Get(fd).List()
		for i := 0; i < l.Len(); i++ {
			t := l.Get(i).Message()
			fs := t.Descriptor().Fields()
			addr := func(name string) any {
				fd := fs.ByName(protoreflect.Name(name))
				if !t.Has(fd) {
					return nil
				}
				return ipFromMsg(t.Get(fd).Message())
			}
			out = append(out, object{{"addressFrom", addr("nw_start")}, {"addressTo", addr("nw_end")},
				{"portFrom", t.Get(fs.ByName("tp_start")).Uint()}, {"portTo", t.Get(fs.ByName("tp_end")).Uint()}})
		}
		return out
	case kRange:
		r := parent.Get(fd).Message()
		fs := r.Descriptor().Fields()
		return object{{"start", r.Get(fs.ByName("start")).Int()}, {"end", r.Get(fs.ByName("end")).Int()}}
	case kMessage:
		return encodeSub(f.sub, parent.Get(fd).Message())
	}
	return nil
}

// encodeSub writes a nested object: every sub-field, nulls included.
func encodeSub(fields []field, m protoreflect.Message) object {
	out := make(object, 0, len(fields))
	for _, sf := range fields {
		out.set(sf.json, encodeField(sf, m))
	}
	return out
}

// decodeSub fills a nested message from a JSON object; violations are
// reported with the bean path of the nested property (condition.nwTos).
func decodeSub(f field, prefix string, raw json.RawMessage, m protoreflect.Message, viols *[]Violation) error {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return badJSON(f.json, fmt.Errorf("expected a JSON object"))
	}
	var inner []Violation
	for _, sf := range f.sub {
		v, present := body[sf.json]
		if err := decodeField(sf, v, present, m, &inner); err != nil {
			return err
		}
	}
	for _, v := range inner {
		v.Property = prefix + "." + v.Property
		*viols = append(*viols, v)
	}
	return nil
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

// decodeField writes one JSON value into msg. A JSON type error is returned
// as error (400 ErrorEntity); constraint failures are appended to viols.
func decodeField(f field, raw json.RawMessage, present bool, msg protoreflect.Message, viols *[]Violation) error {
	violate := func(text string) { *viols = append(*viols, Violation{Property: f.json, Message: text}) }
	if !present || isNull(raw) {
		if f.required {
			violate("may not be null")
		}
		if f.kind == kSubnetLen {
			if parent, fd, ok := readMsg(msg, f.proto); ok && parent.Has(fd) {
				sub := parent.Get(fd).Message()
				sub.Clear(sub.Descriptor().Fields().ByName("prefix_length"))
			}
			return nil
		}
		if f.kind != kSubnetAddr {
			clearField(msg, f.proto)
		}
		return nil
	}
	parent, fd := writeMsg(msg, f.proto)
	switch f.kind {
	case kString, kMAC:
		s, err := decodeString(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		if f.sizeMax > 0 && (len([]rune(s)) < f.sizeMin || len([]rune(s)) > f.sizeMax) {
			violate(fmt.Sprintf("size must be between %d and %d", f.sizeMin, f.sizeMax))
		}
		if f.kind == kMAC && !macPattern.MatchString(s) {
			violate("MAC address string must be 6 words of 1 or 2 hex digits joined with 5 ':'")
		}
		parent.Set(fd, protoreflect.ValueOfString(s))
	case kBool, kNullBool:
		b, err := decodeBool(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		parent.Set(fd, protoreflect.ValueOfBool(b))
	case kInt, kNullInt, kSubnetLen:
		n, err := decodeInt(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		if f.min != nil && n < *f.min {
			violate(fmt.Sprintf("must be greater than or equal to %d", *f.min))
		}
		if f.max != nil && n > *f.max {
			violate(fmt.Sprintf("must be less than or equal to %d", *f.max))
		}
		if f.kind == kSubnetLen {
			// A length alone makes no subnet (the reference ignores it
			// without an address); the address row comes first.
			if !parent.Has(fd) {
				return nil
			}
			sub := parent.Mutable(fd).Message()
			sub.Set(sub.Descriptor().Fields().ByName("prefix_length"), protoreflect.ValueOfUint32(uint32(n)))
			return nil
		}
		setInt(parent, fd, n)
	case kUUID:
		id, err := decodeUUID(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		uuidToMsg(id, parent.Mutable(fd).Message())
	case kUUIDList:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return badJSON(f.json, fmt.Errorf("expected an array of UUIDs"))
		}
		l := parent.Mutable(fd).List()
		l.Truncate(0)
		for _, it := range items {
			id, err := decodeUUID(it)
			if err != nil {
				return badJSON(f.json, err)
			}
			el := l.NewElement()
			uuidToMsg(id, el.Message())
			l.Append(el)
		}
	case kIPAddr, kIPv4Addr:
		s, err := decodeString(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		a, perr := netip.ParseAddr(strings.TrimSpace(s))
		if perr != nil || (f.kind == kIPv4Addr && !a.Is4()) {
			violate(cmp.Or(f.invalidMessage, "is an invalid IP format"))
			return nil
		}
		ipToMsg(a, parent.Mutable(fd).Message())
	case kSubnetAddr:
		s, err := decodeString(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		a, perr := netip.ParseAddr(strings.TrimSpace(s))
		if perr != nil || !a.Is4() {
			violate("is an invalid IP format")
			return nil
		}
		sub := parent.Mutable(fd).Message()
		fs := sub.Descriptor().Fields()
		_ = setEnumByName(sub, fs.ByName("version"), ipVersionOf(a))
		sub.Set(fs.ByName("address"), protoreflect.ValueOfString(ipString(a)))
	case kSubnetList:
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return badJSON(f.json, fmt.Errorf("expected an array of CIDR strings"))
		}
		l := parent.Mutable(fd).List()
		l.Truncate(0)
		for _, it := range items {
			p, err := netip.ParsePrefix(strings.TrimSpace(it))
			if err != nil {
				violate(fmt.Sprintf("%q is not a valid CIDR", it))
				continue
			}
			el := l.NewElement()
			subnetToMsg(p, el.Message())
			l.Append(el)
		}
	case kEnum:
		s, err := decodeString(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		name, ok := f.enum[s]
		if !ok {
			name, ok = f.aliases[s]
		}
		if !ok {
			if f.enumError != "" {
				return &Error{Status: 400, Message: f.enumError}
			}
			return &Error{Status: 400, Message: fmt.Sprintf("Invalid value %q for field %s", truncate([]byte(s)), f.json)}
		}
		if err := setEnumByName(parent, fd, name); err != nil {
			return fmt.Errorf("resource table: %w", err)
		}
	case kRange:
		var r struct {
			Start, End json.RawMessage
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return badJSON(f.json, fmt.Errorf("expected {\"start\":n,\"end\":n}"))
		}
		start, err1 := decodeInt(orZero(r.Start))
		end, err2 := decodeInt(orZero(r.End))
		if err1 != nil || err2 != nil {
			return badJSON(f.json, fmt.Errorf("range bounds must be numbers"))
		}
		if start > end || start < 0 || end > 65535 {
			// The reference's message key is unresolved; we answer the same literal.
			violate("{midokura.javarx.RangeNotValid.message}")
		}
		m := parent.Mutable(fd).Message()
		fs := m.Descriptor().Fields()
		m.Set(fs.ByName("start"), protoreflect.ValueOfInt32(int32(start)))
		m.Set(fs.ByName("end"), protoreflect.ValueOfInt32(int32(end)))
	case kIPList:
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return badJSON(f.json, fmt.Errorf("expected an array of IP addresses"))
		}
		l := parent.Mutable(fd).List()
		l.Truncate(0)
		for _, it := range items {
			a, err := netip.ParseAddr(strings.TrimSpace(it))
			if err != nil || !a.Is4() {
				violate("is an invalid IP format")
				continue
			}
			el := l.NewElement()
			ipToMsg(a, el.Message())
			l.Append(el)
		}
	case kMACMask:
		s, err := decodeString(raw)
		if err != nil {
			return badJSON(f.json, err)
		}
		mask, ok := parseMACMask(s)
		if !ok {
			violate(`MAC mask must consist of three sets of four hexadecimal digits separated by periods, e.g. "ffff.ff00.0000".`)
			return nil
		}
		parent.Set(fd, protoreflect.ValueOfInt64(mask))
	case kMessage:
		sub := parent.Mutable(fd).Message()
		return decodeSub(f, f.json, raw, sub, viols)
	case kMessageList:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return badJSON(f.json, fmt.Errorf("expected an array of objects"))
		}
		l := parent.Mutable(fd).List()
		l.Truncate(0)
		for i, it := range items {
			el := l.NewElement()
			if err := decodeSub(f, fmt.Sprintf("%s[%d]", f.json, i), it, el.Message(), viols); err != nil {
				return err
			}
			l.Append(el)
		}
	case kNatTargets:
		var items []struct {
			AddressFrom, AddressTo, PortFrom, PortTo json.RawMessage
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return badJSON(f.json, fmt.Errorf("expected an array of NAT targets"))
		}
		if len(items) == 0 {
			violate("size must be between 1 and 2147483647")
		}
		l := parent.Mutable(fd).List()
		l.Truncate(0)
		for _, it := range items {
			el := l.NewElement()
			t := el.Message()
			fs := t.Descriptor().Fields()
			for _, a := range []struct {
				raw  json.RawMessage
				name string
			}{{it.AddressFrom, "nw_start"}, {it.AddressTo, "nw_end"}} {
				s, err := decodeString(orEmpty(a.raw))
				addr, perr := netip.ParseAddr(strings.TrimSpace(s))
				if err != nil || perr != nil || !addr.Is4() {
					violate("is an invalid IP format")
					continue
				}
				ipToMsg(addr, t.Mutable(fs.ByName(protoreflect.Name(a.name))).Message())
			}
			for _, pr := range []struct {
				raw  json.RawMessage
				name string
			}{{it.PortFrom, "tp_start"}, {it.PortTo, "tp_end"}} {
				n, err := decodeInt(orZero(pr.raw))
				if err != nil {
					return badJSON(f.json, err)
				}
				if n < 0 || n > 65535 {
					violate("port must be between 0 and 65535")
				}
				t.Set(fs.ByName(protoreflect.Name(pr.name)), protoreflect.ValueOfUint32(uint32(n)))
			}
			l.Append(el)
		}
	default:
		return fmt.Errorf("resource table: field %s has unknown kind %d", f.json, f.kind)
	}
	return nil
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
func checkField(md protoreflect.MessageDescriptor, f field) error {
	fd, err := fieldDesc(md, f.proto)
	if err != nil {
		return fmt.Errorf("field %s: %w", f.json, err)
	}
	msgName := func() string {
		if fd.Message() == nil {
			return ""
		}
		return string(fd.Message().Name())
	}
	want := map[kind]func() bool{
		kString:   func() bool { return fd.Kind() == protoreflect.StringKind && !fd.IsList() },
		kMAC:      func() bool { return fd.Kind() == protoreflect.StringKind && !fd.IsList() },
		kBool:     func() bool { return fd.Kind() == protoreflect.BoolKind },
		kNullBool: func() bool { return fd.Kind() == protoreflect.BoolKind },
		kInt: func() bool {
			return fd.Message() == nil && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BoolKind
		},
		kNullInt: func() bool {
			return fd.Message() == nil && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BoolKind
		},
		kUUID:       func() bool { return msgName() == "UUID" && !fd.IsList() },
		kUUIDList:   func() bool { return msgName() == "UUID" && fd.IsList() },
		kIPAddr:     func() bool { return msgName() == "IPAddress" && !fd.IsList() },
		kIPv4Addr:   func() bool { return msgName() == "IPAddress" && !fd.IsList() },
		kSubnetAddr: func() bool { return msgName() == "IPSubnet" && !fd.IsList() },
		kSubnetLen:  func() bool { return msgName() == "IPSubnet" && !fd.IsList() },
		kSubnetList: func() bool { return msgName() == "IPSubnet" && fd.IsList() },
		kEnum:       func() bool { return fd.Enum() != nil },
		kRange:      func() bool { return msgName() == "Int32Range" },
		kMACMask:    func() bool { return fd.Kind() == protoreflect.Int64Kind },
		kIPList:     func() bool { return msgName() == "IPAddress" && fd.IsList() },
		kNatTargets: func() bool { return msgName() == "NatTarget" && fd.IsList() },
		kMessage:    func() bool { return fd.Message() != nil && !fd.IsList() && len(f.sub) > 0 },
		kMessageList: func() bool {
			return fd.Message() != nil && fd.IsList() && len(f.sub) > 0
		},
	}
	ok, known := want[f.kind]
	if !known || !ok() {
		return fmt.Errorf("field %s: kind %d does not fit proto field %s", f.json, f.kind, fd.FullName())
	}
	for _, sf := range f.sub {
		if err := checkField(fd.Message(), sf); err != nil {
			return fmt.Errorf("field %s: %w", f.json, err)
		}
	}
	if f.kind == kEnum {
		for js, name := range f.enum {
			if fd.Enum().Values().ByName(protoreflect.Name(name)) == nil {
				return fmt.Errorf("field %s: enum value %s (for %q) not in %s", f.json, name, js, fd.Enum().FullName())
			}
		}
	}
	return nil
}
