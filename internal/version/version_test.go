package version_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/internal/version"
)

// TestEveryCommandPrintsItsVersion builds the three commands as the
// packaging does (the release version stamped by -ldflags -X) and without a
// stamp (the toolchain's build information), and runs --version.
func TestEveryCommandPrintsItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short: builds the commands")
	}
	dir := t.TempDir()
	const stamp = "5.4.99-test"
	for _, name := range []string{"midonet-cluster", "mn-conf", "midonet-check"} {
		for _, stamped := range []bool{true, false} {
			args := []string{"build", "-o", filepath.Join(dir, name)}
			if stamped {
				args = append(args, "-ldflags", "-X github.com/midonet/midonet-go/internal/version.stamped="+stamp)
			}
			build := exec.Command("go", append(args, "github.com/midonet/midonet-go/cmd/"+name)...)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build %s: %v\n%s", name, err, out)
			}
			out, err := exec.Command(filepath.Join(dir, name), "--version").CombinedOutput()
			line := strings.TrimSpace(string(out))
			if err != nil || !strings.HasPrefix(line, name+" version ") {
				t.Fatalf("%s --version: %v %q", name, err, out)
			}
			if got := strings.Contains(line, " version "+stamp+" "); got != stamped {
				t.Errorf("%s --version = %q; stamped %v", name, line, stamped)
			}
			if !stamped && !strings.Contains(line, "(devel)") && !strings.Contains(line, "commit ") {
				t.Errorf("%s --version = %q: neither a module version nor a commit", name, line)
			}
		}
	}
}

func TestStringOfThisBinary(t *testing.T) {
	i := version.Get()
	if i.Version == "" || i.GoVersion == "" || !strings.Contains(i.String(), i.GoVersion) {
		t.Fatalf("%+v renders %q", i, i.String())
	}
}
