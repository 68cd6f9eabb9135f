package models

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestProtocDecodesOurBinary: protoc, given only our .proto files, decodes
// the binary encoding of each fixture object into byte-for-byte the text
// our Marshal writes.
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
	if !bytes.Equal(decoded, ours) && !cEscapesDiffer(ours) {
		t.Errorf("protoc --decode (-I %s) text differs from ours:\nprotoc:\n%s\nours:\n%s", includeDir, decoded, ours)
	}
	back := msg.ProtoReflect().Type().New().Interface()
	if err := Unmarshal(decoded, back); err != nil {
		t.Fatalf("Unmarshal of protoc's text: %v", err)
	}
	if !proto.Equal(back, msg) {
		t.Errorf("protoc's text loads as %v, want %v", back, msg)
	}
}

// cEscapesDiffer: C++ TextFormat (protoc) writes \a \b \f \v as octal
// escapes where Java, and so we, write the letter escapes; such text can
// only be compared by meaning.
func cEscapesDiffer(text []byte) bool {
	return bytes.Contains(text, []byte(`\a`)) || bytes.Contains(text, []byte(`\b`)) ||
		bytes.Contains(text, []byte(`\f`)) || bytes.Contains(text, []byte(`\v`))
}
