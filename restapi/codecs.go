package restapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// codec is one kind of field: how a JSON value decodes into its protobuf
// field (accepting numbers and booleans sent as strings, as the clients
// do), how the field encodes back, and which protobuf fields it fits. A
// field row names its codec (kind); decodeField and encodeField do what
// is common to all.
type codec struct {
	name string
	// decode writes a present, non-null raw into parent's field fd and
	// returns the constraint violations (a JSON type error is an error).
	decode func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error)
	// encode reads the field as a JSON value (nil = null); ok is false
	// when a message on the way to it is unset.
	encode func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any
	// fits reports whether the codec fits the protobuf field (NewHandler
	// checks every row).
	fits func(f *field, fd protoreflect.FieldDescriptor) bool
	// absent, if set, replaces clearing the field for an absent or null
	// value.
	absent func(msg protoreflect.Message, path string)
}

// kind is a field's codec.
type kind = *codec

// set reports whether the field is set (and reachable).
func set(parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) bool {
	return ok && parent.Has(fd)
}

// whenSet is the encode of a field that reads as null when unset: read
// turns its value into JSON.
func whenSet(read func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any) func(*field, protoreflect.Message, protoreflect.FieldDescriptor, bool) any {
	return func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
		if !set(parent, fd, ok) {
			return nil
		}
		return read(f, fd, parent.Get(fd))
	}
}

// decodeAddr reads an address field's value; one that does not parse (or
// is not IPv4 when v4) is a violation with the row's message.
func decodeAddr(f *field, raw json.RawMessage, v4 bool) (netip.Addr, []Violation, error) {
	s, err := decodeString(raw)
	if err != nil {
		return netip.Addr{}, nil, badJSON(f.json, err)
	}
	a, perr := netip.ParseAddr(strings.TrimSpace(s))
	if perr != nil || (v4 && !a.Is4()) {
		return a, fieldViolation(f, cmp.Or(f.invalidMessage, "is an invalid IP format")), nil
	}
	return a, nil, nil
}

func fieldViolation(f *field, text string) []Violation {
	return []Violation{{Property: f.json, Message: text}}
}

func messageNamed(fd protoreflect.FieldDescriptor, name string, list bool) bool {
	return fd.Message() != nil && string(fd.Message().Name()) == name && fd.IsList() == list
}

// stringCodec: string ↔ string, with an optional size bound and pattern.
func stringCodec(name string, check func(f *field, s string) []Violation) *codec {
	return &codec{
		name: name,
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			s, err := decodeString(raw)
			if err != nil {
				return nil, badJSON(f.json, err)
			}
			var viols []Violation
			if f.sizeMax > 0 && (len([]rune(s)) < f.sizeMin || len([]rune(s)) > f.sizeMax) {
				viols = fieldViolation(f, fmt.Sprintf("size must be between %d and %d", f.sizeMin, f.sizeMax))
			}
			if check != nil {
				viols = append(viols, check(f, s)...)
			}
			parent.Set(fd, protoreflect.ValueOfString(s))
			return viols, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			return v.String()
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			return fd.Kind() == protoreflect.StringKind && !fd.IsList()
		},
	}
}

// boolCodec: bool ↔ bool; unset reads as null, or as false (Java primitive).
func boolCodec(name string, null bool) *codec {
	return &codec{
		name: name,
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			b, err := decodeBool(raw)
			if err != nil {
				return nil, badJSON(f.json, err)
			}
			parent.Set(fd, protoreflect.ValueOfBool(b))
			return nil, nil
		},
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			if null && !set(parent, fd, ok) {
				return nil
			}
			return ok && parent.Get(fd).Bool()
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return fd.Kind() == protoreflect.BoolKind },
	}
}

// decodeBounded reads an integer and checks the row's min/max.
func decodeBounded(f *field, raw json.RawMessage) (int64, []Violation, error) {
	n, err := decodeInt(raw)
	if err != nil {
		return 0, nil, badJSON(f.json, err)
	}
	var viols []Violation
	if f.min != nil && n < *f.min {
		viols = append(viols, fieldViolation(f, fmt.Sprintf("must be greater than or equal to %d", *f.min))...)
	}
	if f.max != nil && n > *f.max {
		viols = append(viols, fieldViolation(f, fmt.Sprintf("must be less than or equal to %d", *f.max))...)
	}
	return n, viols, nil
}

// intCodec: any proto integer ↔ number; unset reads as null, or as 0
// (Java primitive: the proto default).
func intCodec(name string, null bool) *codec {
	return &codec{
		name: name,
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			n, viols, err := decodeBounded(f, raw)
			if err != nil {
				return nil, err
			}
			setInt(parent, fd, n)
			return viols, nil
		},
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			if !ok {
				if null {
					return nil
				}
				return 0
			}
			if null && !parent.Has(fd) {
				return nil
			}
			return intValue(parent, fd)
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			return fd.Message() == nil && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BoolKind
		},
	}
}

// addrCodec: commons.IPAddress ↔ "10.0.0.1" (IPv4 only when v4).
func addrCodec(name string, v4 bool) *codec {
	return &codec{
		name: name,
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			a, viols, err := decodeAddr(f, raw, v4)
			if err != nil || viols != nil {
				return viols, err
			}
			ipToMsg(a, parent.Mutable(fd).Message())
			return nil, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			return ipFromMsg(v.Message())
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, "IPAddress", false) },
	}
}

// listCodec: a repeated field ↔ a JSON array, element by element; unset
// reads as [] (or null when nullEmpty).
func listCodec[E any](name, message string, nullEmpty bool, arrayError string,
	decodeElem func(f *field, item E, el protoreflect.Message) ([]Violation, bool, error),
	encodeElem func(el protoreflect.Message) string) *codec {
	return &codec{
		name: name,
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			var items []E
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, badJSON(f.json, fmt.Errorf("%s", arrayError))
			}
			l := parent.Mutable(fd).List()
			l.Truncate(0)
			var viols []Violation
			for _, it := range items {
				el := l.NewElement()
				vs, keep, err := decodeElem(f, it, el.Message())
				if err != nil {
					return nil, err
				}
				viols = append(viols, vs...)
				if keep {
					l.Append(el)
				}
			}
			return viols, nil
		},
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			// Has: a repeated field is set when not empty (Get of an
			// empty one allocates a list view).
			if !set(parent, fd, ok) {
				if nullEmpty {
					return nil
				}
				return emptyJSONArray
			}
			l := parent.Get(fd).List()
			out := make([]string, 0, l.Len())
			for i := 0; i < l.Len(); i++ {
				out = append(out, encodeElem(l.Get(i).Message()))
			}
			return out
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, message, true) },
	}
}

// emptyJSONArray is the value of an empty list field, boxed once: most
// list fields of most objects are empty.
var emptyJSONArray any = []string{}

// The field kinds of the resource tables.
var (
	kString = stringCodec("string", nil)
	// kMAC: "aa:bb:cc:dd:ee:ff" (validated) in a string.
	kMAC = stringCodec("MAC", func(f *field, s string) []Violation {
		if !macWords.MatchString(s) {
			return fieldViolation(f, "MAC address string must be 6 words of 1 or 2 hex digits joined with 5 ':'")
		}
		return nil
	})
	kBool     = boolCodec("bool", false)
	kNullBool = boolCodec("nullable bool", true)
	kInt      = intCodec("int", false)
	kNullInt  = intCodec("nullable int", true)
	// kUUID: commons.UUID ↔ "xxxxxxxx-...".
	kUUID = &codec{
		name: "UUID",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			id, err := decodeUUID(raw)
			if err != nil {
				return nil, badJSON(f.json, err)
			}
			uuidToMsg(id, parent.Mutable(fd).Message())
			return nil, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			return uuidFromMsg(v.Message()).String()
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, "UUID", false) },
	}
	// kUUIDList: repeated commons.UUID ↔ ["...", ...]; unset reads as [].
	kUUIDList = listCodec("UUID list", "UUID", false, "expected an array of UUIDs",
		func(f *field, it json.RawMessage, el protoreflect.Message) ([]Violation, bool, error) {
			id, err := decodeUUID(it)
			if err != nil {
				return nil, false, badJSON(f.json, err)
			}
			uuidToMsg(id, el)
			return nil, true, nil
		},
		func(el protoreflect.Message) string { return uuidFromMsg(el).String() })
	kIPAddr   = addrCodec("IP address", false)
	kIPv4Addr = addrCodec("IPv4 address", true)
	// kIPList: repeated commons.IPAddress ↔ ["10.0.0.1", ...]; unset reads as null.
	kIPList = listCodec("IPv4 address list", "IPAddress", true, "expected an array of IP addresses",
		func(f *field, it string, el protoreflect.Message) ([]Violation, bool, error) {
			a, err := netip.ParseAddr(strings.TrimSpace(it))
			if err != nil || !a.Is4() {
				return fieldViolation(f, "is an invalid IP format"), false, nil
			}
			ipToMsg(a, el)
			return nil, true, nil
		},
		ipFromMsg)
	// kSubnetList: repeated commons.IPSubnet ↔ ["10.0.0.1/24", ...].
	kSubnetList = listCodec("CIDR list", "IPSubnet", false, "expected an array of CIDR strings",
		func(f *field, it string, el protoreflect.Message) ([]Violation, bool, error) {
			p, err := netip.ParsePrefix(strings.TrimSpace(it))
			if err != nil {
				return fieldViolation(f, fmt.Sprintf("%q is not a valid CIDR", it)), false, nil
			}
			subnetToMsg(p, el)
			return nil, true, nil
		},
		subnetFromMsg)
	// kSubnetAddr: commons.IPSubnet.address ↔ "10.0.0.0" (the subnet's
	// length is a kSubnetLen row after it).
	kSubnetAddr = &codec{
		name: "subnet address",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			a, viols, err := decodeAddr(f, raw, true)
			if err != nil || viols != nil {
				return viols, err
			}
			sub := parent.Mutable(fd).Message()
			fs := sub.Descriptor().Fields()
			_ = setEnumByName(sub, fs.ByName("version"), ipVersionOf(a))
			sub.Set(fs.ByName("address"), protoreflect.ValueOfString(ipString(a)))
			return nil, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			sub := v.Message()
			return sub.Get(sub.Descriptor().Fields().ByName("address")).String()
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, "IPSubnet", false) },
		// The address row leaves the subnet to the length row.
		absent: func(protoreflect.Message, string) {},
	}
	// kSubnetLen: commons.IPSubnet.prefix_length ↔ 24; unset reads as 0.
	kSubnetLen = &codec{
		name: "subnet length",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			n, viols, err := decodeBounded(f, raw)
			if err != nil {
				return nil, err
			}
			// A length alone makes no subnet (the reference ignores it
			// without an address); the address row comes first.
			if !parent.Has(fd) {
				return viols, nil
			}
			sub := parent.Mutable(fd).Message()
			sub.Set(sub.Descriptor().Fields().ByName("prefix_length"), protoreflect.ValueOfUint32(uint32(n)))
			return viols, nil
		},
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			if !ok {
				return 0
			}
			sub := parent.Get(fd).Message()
			return sub.Get(sub.Descriptor().Fields().ByName("prefix_length")).Uint()
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, "IPSubnet", false) },
		absent: func(msg protoreflect.Message, path string) {
			if parent, fd, ok := readMsg(msg, path); ok && parent.Has(fd) {
				sub := parent.Get(fd).Message()
				sub.Clear(sub.Descriptor().Fields().ByName("prefix_length"))
			}
		},
	}
	// kEnum: proto enum ↔ string through field.enum (and field.aliases).
	kEnum = &codec{
		name: "enum",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			s, err := decodeString(raw)
			if err != nil {
				return nil, badJSON(f.json, err)
			}
			name, ok := f.enum[s]
			if !ok {
				name, ok = f.aliases[s]
			}
			if !ok {
				if f.enumError != "" {
					return nil, &Error{Status: 400, Message: f.enumError}
				}
				return nil, &Error{Status: 400, Message: fmt.Sprintf("Invalid value %q for field %s", truncate([]byte(s)), f.json)}
			}
			if err := setEnumByName(parent, fd, name); err != nil {
				return nil, fmt.Errorf("resource table: %w", err)
			}
			return nil, nil
		},
		// An unset enum with a declared default reads as the default, as
		// the reference's ZoomConvert converts it (a health monitor the
		// Neutron translation made without a type is "TCP", "ACTIVE").
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			if !ok || !parent.Has(fd) && !fd.HasDefault() {
				return nil
			}
			name := enumValueName(fd, parent.Get(fd))
			for js, pn := range f.enum {
				if pn == name {
					return js
				}
			}
			return nil
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			if fd.Enum() == nil {
				return false
			}
			for _, name := range f.enum {
				if fd.Enum().Values().ByName(protoreflect.Name(name)) == nil {
					return false
				}
			}
			return true
		},
	}
	// kRange: commons.Int32Range ↔ {"start": n, "end": n}.
	kRange = &codec{
		name: "port range",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			var r struct {
				Start, End json.RawMessage
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, badJSON(f.json, fmt.Errorf("expected {\"start\":n,\"end\":n}"))
			}
			start, err1 := decodeInt(orZero(r.Start))
			end, err2 := decodeInt(orZero(r.End))
			if err1 != nil || err2 != nil {
				return nil, badJSON(f.json, fmt.Errorf("range bounds must be numbers"))
			}
			var viols []Violation
			// The ranges of the API are Condition's tpSrc and tpDst,
			// @ValidRange(min = 1, max = 0xFFFF).
			if start > end || start < 1 || end > 65535 {
				// The reference's message key is unresolved; we answer the same literal.
				viols = fieldViolation(f, "{midokura.javarx.RangeNotValid.message}")
			}
			m := parent.Mutable(fd).Message()
			fs := m.Descriptor().Fields()
			m.Set(fs.ByName("start"), protoreflect.ValueOfInt32(int32(start)))
			m.Set(fs.ByName("end"), protoreflect.ValueOfInt32(int32(end)))
			return viols, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			r := v.Message()
			fs := r.Descriptor().Fields()
			return object{{"start", r.Get(fs.ByName("start")).Int()}, {"end", r.Get(fs.ByName("end")).Int()}}
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			return fd.Message() != nil && fd.Message().Name() == "Int32Range"
		},
	}
	// kMACMask: int64 ↔ "ffff.ffff.ffff".
	kMACMask = &codec{
		name: "MAC mask",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			s, err := decodeString(raw)
			if err != nil {
				return nil, badJSON(f.json, err)
			}
			mask, ok := parseMACMask(s)
			if !ok {
				return fieldViolation(f, `MAC mask must consist of three sets of four hexadecimal digits separated by periods, e.g. "ffff.ff00.0000".`), nil
			}
			parent.Set(fd, protoreflect.ValueOfInt64(mask))
			return nil, nil
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			return formatMACMask(v.Int())
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return fd.Kind() == protoreflect.Int64Kind },
	}
	// kNatTargets: repeated Rule.NatTarget ↔ [{addressFrom, addressTo, portFrom, portTo}].
	kNatTargets = &codec{
		name:   "NAT targets",
		decode: decodeNatTargets,
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			if !ok {
				return []object{}
			}
			if !parent.Has(fd) {
				return nil
			}
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
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool { return messageNamed(fd, "NatTarget", true) },
	}
	// kMessage: singular message ↔ nested JSON object of field.sub (trace condition).
	kMessage = &codec{
		name: "nested object",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			return decodeSub(f, f.json, raw, parent.Mutable(fd).Message())
		},
		encode: whenSet(func(f *field, fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
			return encodeSub(f.sub, v.Message())
		}),
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			return fd.Message() != nil && !fd.IsList() && len(f.sub) > 0
		},
	}
	// kMessageList: repeated message ↔ array of objects of field.sub (mirror conditions).
	kMessageList = &codec{
		name: "nested object list",
		decode: func(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, badJSON(f.json, fmt.Errorf("expected an array of objects"))
			}
			l := parent.Mutable(fd).List()
			l.Truncate(0)
			var viols []Violation
			for i, it := range items {
				el := l.NewElement()
				vs, err := decodeSub(f, fmt.Sprintf("%s[%d]", f.json, i), it, el.Message())
				if err != nil {
					return nil, err
				}
				viols = append(viols, vs...)
				l.Append(el)
			}
			return viols, nil
		},
		encode: func(f *field, parent protoreflect.Message, fd protoreflect.FieldDescriptor, ok bool) any {
			out := []object{}
			if ok {
				l := parent.Get(fd).List()
				for i := 0; i < l.Len(); i++ {
					out = append(out, encodeSub(f.sub, l.Get(i).Message()))
				}
			}
			return out
		},
		fits: func(f *field, fd protoreflect.FieldDescriptor) bool {
			return fd.Message() != nil && fd.IsList() && len(f.sub) > 0
		},
	}
)

func decodeNatTargets(f *field, raw json.RawMessage, parent protoreflect.Message, fd protoreflect.FieldDescriptor) ([]Violation, error) {
	var items []struct {
		AddressFrom, AddressTo, PortFrom, PortTo json.RawMessage
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badJSON(f.json, fmt.Errorf("expected an array of NAT targets"))
	}
	var viols []Violation
	if len(items) == 0 {
		viols = fieldViolation(f, "size must be between 1 and 2147483647")
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
				viols = append(viols, fieldViolation(f, "is an invalid IP format")...)
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
				return nil, badJSON(f.json, err)
			}
			if n < 0 || n > 65535 {
				viols = append(viols, fieldViolation(f, "port must be between 0 and 65535")...)
			}
			t.Set(fs.ByName(protoreflect.Name(pr.name)), protoreflect.ValueOfUint32(uint32(n)))
		}
		l.Append(el)
	}
	return viols, nil
}

// enumValueName is the name of the enum value v of field fd ("" if unknown).
func enumValueName(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
		return string(ev.Name())
	}
	return ""
}
