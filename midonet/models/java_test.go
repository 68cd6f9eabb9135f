package models

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// protobufJavaJar is where Debian's libprotobuf-java installs the runtime.
const protobufJavaJar = "/usr/share/java/protobuf.jar"

// requireJava returns javac and java, skipping (failing under CI) when the
// JDK or protobuf-java is not installed.
func requireJava(t *testing.T) (javac, java string) {
	t.Helper()
	var missing []string
	javac, err := exec.LookPath("javac")
	if err != nil {
		missing = append(missing, "javac (openjdk-17-jdk-headless)")
	}
	java, err = exec.LookPath("java")
	if err != nil {
		missing = append(missing, "java (openjdk-17-jre-headless)")
	}
	if _, err := os.Stat(protobufJavaJar); err != nil {
		missing = append(missing, protobufJavaJar+" (libprotobuf-java)")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("Java check needs %v (CI is set, so this is a failure)", missing)
		}
		t.Skipf("SKIPPED: Java check needs %v; install them to run it", missing)
	}
	return javac, java
}

// TestJavaTextFormatReadsOurText feeds every golden fixture (text written by
// our Marshal) to Java's TextFormat parser, as the JVM cluster would read it
// from ZooKeeper, requires Java's printer to write the very same bytes, and
// reads Java's printed form back with our Unmarshal.
// With MIDONET_REFERENCE_PROTO_DIR set, Java also uses the reference's
// descriptors instead of ours.
func TestJavaTextFormatReadsOurText(t *testing.T) {
	javac, java := requireJava(t)
	classes := t.TempDir()
	run(t, javac, "-nowarn", "-d", classes, "-cp", protobufJavaJar, filepath.Join("testdata", "java", "TextFormatRoundTrip.java"))

	sets := map[string]*descriptorpb.FileDescriptorSet{"ours": compiledIntoGo(t)}
	if os.Getenv("MIDONET_REFERENCE_PROTO_DIR") != "" {
		sets["reference"] = compileDescriptorSet(t, requireProtoc(t), referenceProtoDir(t))
	}
	for name, set := range sets {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			setFile := filepath.Join(dir, "set.pb")
			b, err := proto.Marshal(set)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(setFile, b, 0o644); err != nil {
				t.Fatal(err)
			}
			fixtures := goldenFixtures()
			args := []string{"-cp", classes + string(os.PathListSeparator) + protobufJavaJar, "TextFormatRoundTrip", setFile}
			for i, fx := range fixtures {
				full := string(fx.build(t).ProtoReflect().Descriptor().FullName())
				args = append(args, full, filepath.Join("testdata", fx.file), filepath.Join(dir, fmt.Sprintf("%d.java.txt", i)))
			}
			run(t, java, args...) // one JVM for all fixtures
			for i, fx := range fixtures {
				want := fx.build(t)
				javaText, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.java.txt", i)))
				if err != nil {
					t.Fatal(err)
				}
				got := want.ProtoReflect().Type().New().Interface()
				if err := Unmarshal(javaText, got); err != nil {
					t.Fatalf("%s: Java's output does not load: %v\n%s", fx.file, err, javaText)
				}
				if !proto.Equal(got, want) {
					t.Errorf("%s: Java read %v, want %v", fx.file, got, want)
				}
				ours, err := Marshal(want)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(javaText, ours) {
					t.Errorf("%s: Java prints\n%s\nwe print\n%s", fx.file, javaText, ours)
				}
			}
		})
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestJavaPrintsEditedText: Java's TextFormat reads each text EditText
// edits (the stored text of a parent after a child's delete, of an IP
// address group after a port's) and prints exactly the same bytes.
func TestJavaPrintsEditedText(t *testing.T) {
	javac, java := requireJava(t)
	classes := t.TempDir()
	run(t, javac, "-nowarn", "-d", classes, "-cp", protobufJavaJar, filepath.Join("testdata", "java", "TextFormatRoundTrip.java"))
	dir := t.TempDir()
	b, err := proto.Marshal(compiledIntoGo(t))
	if err != nil {
		t.Fatal(err)
	}
	setFile := filepath.Join(dir, "set.pb")
	if err := os.WriteFile(setFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-cp", classes + string(os.PathListSeparator) + protobufJavaJar, "TextFormatRoundTrip", setFile}
	var edited [][]byte
	for i, tc := range editCases(t) {
		if tc.absent {
			continue
		}
		text, err := Marshal(tc.obj)
		if err != nil {
			t.Fatal(err)
		}
		out, ok := EditText(text, tc.obj.ProtoReflect().Descriptor(), tc.edits)
		if !ok {
			t.Fatalf("%s: not edited", tc.name)
		}
		in := filepath.Join(dir, fmt.Sprintf("%d.txt", i))
		if err := os.WriteFile(in, out, 0o644); err != nil {
			t.Fatal(err)
		}
		edited = append(edited, out)
		args = append(args, string(tc.obj.ProtoReflect().Descriptor().FullName()), in, filepath.Join(dir, fmt.Sprintf("%d.java.txt", len(edited)-1)))
	}
	run(t, java, args...)
	for i, ours := range edited {
		javaText, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.java.txt", i)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(javaText, ours) {
			t.Errorf("Java prints\n%s\nour edited text is\n%s", javaText, ours)
		}
	}
}
