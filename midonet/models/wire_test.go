package models

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

var spaces = regexp.MustCompile(` +`)

// normalizeText removes the layout differences between Go's text encoder
// ("id: {", "name: {}" for an empty message, occasional doubled spaces)
// and C++/Java TextFormat ("id {"),
// leaving field order, names and values to compare. Fixture strings contain
// no runs of spaces, so collapsing them is safe here.
func normalizeText(b []byte) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		l = spaces.ReplaceAllString(strings.TrimSpace(l), " ")
		if name, ok := strings.CutSuffix(l, ": {}"); ok { // Go's empty message
			out = append(out, name+" {", "}")
			continue
		}
		if name, ok := strings.CutSuffix(l, ": {"); ok {
			l = name + " {"
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestProtocDecodesOurBinary: protoc, given only our .proto files, decodes
// the binary encoding of each fixture object into the same text our
// Marshal writes (same fields, order and values).
func TestProtocDecodesOurBinary(t *testing.T) {
	protoc := requireProtoc(t)
	for _, fx := range goldenFixtures() {
		t.Run(fx.file, func(t *testing.T) {
			msg := fx.build(t)
			checkProtocDecode(t, protoc, "proto", msg)
		})
	}
}

// TestReferenceProtoReadsFixtures: the reference's own .proto files accept
// our committed fixtures (protoc --encode fails on any field, type or enum
// value the reference does not know), the resulting binary is the object we
// wrote, and the reference decodes our binary encoding to our text.
func TestReferenceProtoReadsFixtures(t *testing.T) {
	protoc := requireProtoc(t)
	ref := referenceProtoDir(t)
	for _, fx := range goldenFixtures() {
		t.Run(fx.file, func(t *testing.T) {
			want := fx.build(t)
			text, err := os.ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			full := string(want.ProtoReflect().Descriptor().FullName())
			bin := runProtoc(t, protoc, ref, text, "--encode="+full)
			got := want.ProtoReflect().Type().New().Interface()
			if err := proto.Unmarshal(bin, got); err != nil {
				t.Fatalf("our binary decoder on the reference's encoding: %v", err)
			}
			if !proto.Equal(got, want) {
				t.Errorf("reference encoding of %s differs:\n got %v\nwant %v", fx.file, got, want)
			}
			checkProtocDecode(t, protoc, ref, want)
		})
	}
}

func checkProtocDecode(t *testing.T, protoc, includeDir string, msg proto.Message) {
	t.Helper()
	bin, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	full := string(msg.ProtoReflect().Descriptor().FullName())
	decoded := runProtoc(t, protoc, includeDir, bin, "--decode="+full)
	ours, err := Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := normalizeText(decoded), normalizeText(ours); got != want {
		t.Errorf("protoc --decode (-I %s) text differs from ours:\nprotoc:\n%s\nours:\n%s", includeDir, got, want)
	}
	back := msg.ProtoReflect().Type().New().Interface()
	if err := Unmarshal(decoded, back); err != nil {
		t.Fatalf("Unmarshal of protoc's text: %v", err)
	}
	if !proto.Equal(back, msg) {
		t.Errorf("protoc's text loads as %v, want %v", back, msg)
	}
}
