package models

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// flatDescriptors indexes the messages and enums of a descriptor set by
// full name, remembering which file declares each.
type flatDescriptors struct {
	messages map[string]*descriptorpb.DescriptorProto
	enums    map[string]*descriptorpb.EnumDescriptorProto
	file     map[string]string
}

func flatten(set *descriptorpb.FileDescriptorSet) flatDescriptors {
	fd := flatDescriptors{
		messages: map[string]*descriptorpb.DescriptorProto{},
		enums:    map[string]*descriptorpb.EnumDescriptorProto{},
		file:     map[string]string{},
	}
	var walk func(file, prefix string, msgs []*descriptorpb.DescriptorProto, enums []*descriptorpb.EnumDescriptorProto)
	walk = func(file, prefix string, msgs []*descriptorpb.DescriptorProto, enums []*descriptorpb.EnumDescriptorProto) {
		for _, e := range enums {
			name := prefix + "." + e.GetName()
			fd.enums[name], fd.file[name] = e, file
		}
		for _, m := range msgs {
			name := prefix + "." + m.GetName()
			fd.messages[name], fd.file[name] = m, file
			walk(file, name, m.GetNestedType(), m.GetEnumType())
		}
	}
	for _, f := range set.GetFile() {
		walk(filepath.Base(f.GetName()), "."+f.GetPackage(), f.GetMessageType(), f.GetEnumType())
	}
	return fd
}

// fieldSignature is everything about a field that affects the wire or text
// format or the generated accessors.
func fieldSignature(m *descriptorpb.DescriptorProto, f *descriptorpb.FieldDescriptorProto) string {
	oneof := "-"
	if f.OneofIndex != nil {
		oneof = m.GetOneofDecl()[f.GetOneofIndex()].GetName()
	}
	def := "-"
	if f.DefaultValue != nil {
		def = f.GetDefaultValue()
	}
	return fmt.Sprintf("number=%d label=%s type=%s type_name=%s default=%s oneof=%s packed=%v",
		f.GetNumber(), f.GetLabel(), f.GetType(), f.GetTypeName(), def, oneof, f.GetOptions().GetPacked())
}

// compareDescriptors lists every difference between ref and ours, in both
// directions, as human-readable lines.
func compareDescriptors(ref, ours flatDescriptors) []string {
	var diffs []string
	for _, name := range sortedKeys(ref.messages) {
		rm, om := ref.messages[name], ours.messages[name]
		if om == nil {
			diffs = append(diffs, "missing message "+name)
			continue
		}
		if ref.file[name] != ours.file[name] {
			diffs = append(diffs, fmt.Sprintf("message %s declared in %s, reference declares it in %s", name, ours.file[name], ref.file[name]))
		}
		ourFields := map[string]*descriptorpb.FieldDescriptorProto{}
		for _, f := range om.GetField() {
			ourFields[f.GetName()] = f
		}
		for _, rf := range rm.GetField() {
			of := ourFields[rf.GetName()]
			if of == nil {
				diffs = append(diffs, fmt.Sprintf("missing field %s.%s", name, rf.GetName()))
				continue
			}
			delete(ourFields, rf.GetName())
			if r, o := fieldSignature(rm, rf), fieldSignature(om, of); r != o {
				diffs = append(diffs, fmt.Sprintf("field %s.%s: ours %s, reference %s", name, rf.GetName(), o, r))
			}
		}
		for _, extra := range sortedKeys(ourFields) {
			diffs = append(diffs, fmt.Sprintf("extra field %s.%s (not in the reference)", name, extra))
		}
	}
	for _, name := range sortedKeys(ours.messages) {
		if ref.messages[name] == nil {
			diffs = append(diffs, "extra message "+name+" (not in the reference)")
		}
	}
	for _, name := range sortedKeys(ref.enums) {
		re, oe := ref.enums[name], ours.enums[name]
		if oe == nil {
			diffs = append(diffs, "missing enum "+name)
			continue
		}
		if ref.file[name] != ours.file[name] {
			diffs = append(diffs, fmt.Sprintf("enum %s declared in %s, reference declares it in %s", name, ours.file[name], ref.file[name]))
		}
		if r, o := enumValues(re), enumValues(oe); r != o {
			diffs = append(diffs, fmt.Sprintf("enum %s: ours {%s}, reference {%s}", name, o, r))
		}
	}
	for _, name := range sortedKeys(ours.enums) {
		if ref.enums[name] == nil {
			diffs = append(diffs, "extra enum "+name+" (not in the reference)")
		}
	}
	return diffs
}

func enumValues(e *descriptorpb.EnumDescriptorProto) string {
	vals := make([]string, 0, len(e.GetValue()))
	for _, v := range e.GetValue() {
		vals = append(vals, fmt.Sprintf("%s=%d", v.GetName(), v.GetNumber()))
	}
	sort.Strings(vals)
	return strings.Join(vals, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func compileDescriptorSet(t *testing.T, protoc, includeDir string) *descriptorpb.FileDescriptorSet {
	t.Helper()
	out := filepath.Join(t.TempDir(), "set.pb")
	runProtoc(t, protoc, includeDir, nil, "--descriptor_set_out="+out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return &set
}

// compiledIntoGo is the descriptor set the committed generated code carries.
func compiledIntoGo(t *testing.T) *descriptorpb.FileDescriptorSet {
	t.Helper()
	var set descriptorpb.FileDescriptorSet
	for _, name := range protoFiles {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(name)
		if err != nil {
			t.Fatalf("generated code lacks %s: %v", name, err)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	return &set
}

// TestDescriptorsMatchReference compiles the reference .proto files and ours
// with protoc and requires identical messages, fields (name, number, label,
// type, default, oneof) and enums, in both directions. It also checks that
// the committed generated Go code matches our .proto files.
func TestDescriptorsMatchReference(t *testing.T) {
	protoc := requireProtoc(t)
	ref := referenceProtoDir(t)
	refSet := flatten(compileDescriptorSet(t, protoc, ref))
	if len(refSet.messages) < 100 {
		t.Fatalf("reference compiled to only %d messages; wrong directory?", len(refSet.messages))
	}
	for _, ours := range []struct {
		what string
		set  *descriptorpb.FileDescriptorSet
	}{
		{"proto/*.proto", compileDescriptorSet(t, protoc, "proto")},
		{"generated Go code", compiledIntoGo(t)},
	} {
		diffs := compareDescriptors(refSet, flatten(ours.set))
		for _, d := range diffs {
			t.Errorf("%s: %s", ours.what, d)
		}
		t.Logf("%s: compared %d messages and %d enums with the reference, %d differences",
			ours.what, len(refSet.messages), len(refSet.enums), len(diffs))
	}
}

// TestGeneratedCodeMatchesProtoFiles catches a .proto edit without
// go generate (runs without the reference).
func TestGeneratedCodeMatchesProtoFiles(t *testing.T) {
	protoc := requireProtoc(t)
	for _, d := range compareDescriptors(flatten(compileDescriptorSet(t, protoc, "proto")), flatten(compiledIntoGo(t))) {
		t.Errorf("generated code out of date (run go generate): %s", d)
	}
}

// TestFieldsDeclaredInNumberOrder: Go's text encoder writes fields in
// declaration order, Java's and C++'s in number order; declaring them in
// number order makes our stored text list fields as the JVM's does.
func TestFieldsDeclaredInNumberOrder(t *testing.T) {
	var check func(md protoreflect.MessageDescriptor)
	check = func(md protoreflect.MessageDescriptor) {
		fields := md.Fields()
		for i := 1; i < fields.Len(); i++ {
			if fields.Get(i).Number() < fields.Get(i-1).Number() {
				t.Errorf("%s: field %s (%d) declared after %s (%d)", md.FullName(),
					fields.Get(i).Name(), fields.Get(i).Number(), fields.Get(i-1).Name(), fields.Get(i-1).Number())
			}
		}
		for i := 0; i < md.Messages().Len(); i++ {
			check(md.Messages().Get(i))
		}
	}
	for _, name := range protoFiles {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < fd.Messages().Len(); i++ {
			check(fd.Messages().Get(i))
		}
	}
}

// TestCompareDescriptorsDetectsDrift makes sure the comparison above is not
// vacuous: each kind of drift in a copy of our own descriptors is reported.
func TestCompareDescriptorsDetectsDrift(t *testing.T) {
	base := compiledIntoGo(t)
	findField := func(set *descriptorpb.FileDescriptorSet, msg, field string) *descriptorpb.FieldDescriptorProto {
		m := flatten(set).messages[".org.midonet.cluster.models."+msg]
		for _, f := range m.GetField() {
			if f.GetName() == field {
				return f
			}
		}
		t.Fatalf("no field %s.%s", msg, field)
		return nil
	}
	tests := []struct {
		name   string
		mutate func(set *descriptorpb.FileDescriptorSet)
		want   string
	}{
		{"default", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "Port", "admin_state_up").DefaultValue = proto.String("false")
		}, "field .org.midonet.cluster.models.Port.admin_state_up"},
		{"number", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "Router", "as_number").Number = proto.Int32(99)
		}, "field .org.midonet.cluster.models.Router.as_number"},
		{"label", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "UUID", "msb").Label = descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
		}, "field .org.midonet.cluster.models.UUID.msb"},
		{"type", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "Network", "vni").Type = descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()
		}, "field .org.midonet.cluster.models.Network.vni"},
		{"oneof", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "Rule", "nat_rule_data").OneofIndex = nil
		}, "field .org.midonet.cluster.models.Rule.nat_rule_data"},
		{"renamed field", func(s *descriptorpb.FileDescriptorSet) {
			findField(s, "Host", "container_limit").Name = proto.String("container_max")
		}, "missing field .org.midonet.cluster.models.Host.container_limit"},
		{"enum value", func(s *descriptorpb.FileDescriptorSet) {
			e := flatten(s).enums[".org.midonet.cluster.models.Rule.Action"]
			e.Value[0].Number = proto.Int32(42)
		}, "enum .org.midonet.cluster.models.Rule.Action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mutated := proto.Clone(base).(*descriptorpb.FileDescriptorSet)
			tt.mutate(mutated)
			diffs := compareDescriptors(flatten(base), flatten(mutated))
			if len(diffs) == 0 || !strings.HasPrefix(diffs[0], tt.want) {
				t.Errorf("diffs = %q, want one starting %q", diffs, tt.want)
			}
		})
	}
}
