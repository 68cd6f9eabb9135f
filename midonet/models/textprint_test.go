package models

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestAppendEscapedLikeJava(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text 0-9 ~", "plain text 0-9 ~"},
		{"\"'\\", `\"\'\\`},
		{"\a\b\f\n\r\t\v", `\a\b\f\n\r\t\v`},
		{"\x00\x01\x1f\x7f", `\000\001\037\177`},
		{"é", `\303\251`},
		{"☕", `\342\230\225`},
		{"\xff", `\377`},
	}
	for _, tt := range tests {
		if got := string(appendEscaped(nil, tt.in)); got != tt.want {
			t.Errorf("appendEscaped(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalUnsupportedKind(t *testing.T) {
	// wrapperspb.DoubleValue stands for any message with a double field.
	_, err := Marshal(wrapperspb.Double(1.5))
	var ufe *UnsupportedFieldError
	if !errors.As(err, &ufe) || ufe.Kind != protoreflect.DoubleKind {
		t.Errorf("Marshal(DoubleValue) error = %v, want *UnsupportedFieldError", err)
	}
}

// TestEveryModelMessageRoundTrips fills every field of every message of the
// model (all 106, nested ones included, and the 13 of the State Proxy
// protocol) and requires Marshal to accept it
// and Unmarshal to restore it exactly.
func TestEveryModelMessageRoundTrips(t *testing.T) {
	count := 0
	var visit func(md protoreflect.MessageDescriptor)
	visit = func(md protoreflect.MessageDescriptor) {
		count++
		mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName())
		if err != nil {
			t.Fatalf("%s: %v", md.FullName(), err)
		}
		msg := mt.New()
		populate(t, msg, 0)
		b, err := Marshal(msg.Interface())
		if err != nil {
			t.Errorf("Marshal %s: %v", md.FullName(), err)
			return
		}
		back := mt.New().Interface()
		if err := Unmarshal(b, back); err != nil {
			t.Errorf("Unmarshal %s: %v\n%s", md.FullName(), err, b)
			return
		}
		if !proto.Equal(back, msg.Interface()) {
			t.Errorf("%s changed in a round trip:\n%s", md.FullName(), b)
		}
		for i := 0; i < md.Messages().Len(); i++ {
			visit(md.Messages().Get(i))
		}
	}
	for _, name := range protoFiles {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < fd.Messages().Len(); i++ {
			visit(fd.Messages().Get(i))
		}
	}
	if count != 106+13+10 {
		t.Errorf("visited %d messages, the reference model has 106, its State Proxy protocol 13 and its Topology API protocol 10", count)
	}
}

// populate sets every field of m to a non-default value (lists get two
// elements; oneof members overwrite each other, leaving the last set).
func populate(t *testing.T, m protoreflect.Message, depth int) {
	t.Helper()
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.IsList() {
			list := m.Mutable(fd).List()
			for range 2 {
				if fd.Kind() == protoreflect.MessageKind {
					if depth > 3 {
						break
					}
					e := list.NewElement()
					populate(t, e.Message(), depth+1)
					list.Append(e)
				} else {
					list.Append(sampleScalar(t, fd))
				}
			}
			continue
		}
		if fd.Kind() == protoreflect.MessageKind {
			if depth > 3 {
				continue
			}
			populate(t, m.Mutable(fd).Message(), depth+1)
			continue
		}
		m.Set(fd, sampleScalar(t, fd))
	}
}

func sampleScalar(t *testing.T, fd protoreflect.FieldDescriptor) protoreflect.Value {
	t.Helper()
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(-7)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(-1 << 40)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(1<<32 - 1)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(1<<64 - 1)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		return protoreflect.ValueOfEnum(vals.Get(vals.Len() - 1).Number())
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(fd.Name()) + " \"é\"\n")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte{0, 1, 0xff})
	default:
		t.Fatalf("model field %s has unexpected kind %v", fd.FullName(), fd.Kind())
		return protoreflect.Value{}
	}
}

// Messages declared out of number order (descriptor.proto's
// FieldDescriptorProto declares extendee=2 after number=3) are still
// printed in number order, as Java does.
func TestMarshalSortsFieldsByNumber(t *testing.T) {
	msg := &descriptorpb.FieldDescriptorProto{
		Name: proto.String("f"), Number: proto.Int32(3), Extendee: proto.String(".x.Y"),
		Options: &descriptorpb.FieldOptions{}, OneofIndex: proto.Int32(0),
	}
	b, err := Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := "name: \"f\"\nextendee: \".x.Y\"\nnumber: 3\noptions {\n}\noneof_index: 0\n"
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
}
