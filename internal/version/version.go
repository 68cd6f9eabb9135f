// Package version says which build of midonet-go a binary is: the version
// the packaging stamps at link time, else what the Go toolchain recorded
// (module version, VCS revision and time).
//
//	go build -ldflags "-X github.com/midonet/midonet-go/internal/version.stamped=5.4.1" ./cmd/...
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// stamped is set by the linker (-X) when a release is built; it is the
// only way to give a binary its release version, hence a variable.
var stamped string

// Info describes this binary.
type Info struct {
	// Version is the stamped release version, else the module version
	// ("(devel)" for a build from a work tree).
	Version    string
	Commit     string // VCS revision, "+modified" when the tree was dirty
	CommitTime string
	GoVersion  string
}

// Get reads the build information of the running binary.
func Get() Info {
	b := Info{Version: "(devel)", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if v := info.Main.Version; v != "" {
			b.Version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					b.Commit += "+modified"
				}
			}
		}
	}
	if stamped != "" {
		b.Version = stamped
	}
	return b
}

// String is the one line every command prints for --version.
func (i Info) String() string {
	parts := []string{i.Version}
	if i.Commit != "" {
		parts = append(parts, "commit "+i.Commit)
	}
	if i.CommitTime != "" {
		parts = append(parts, i.CommitTime)
	}
	return fmt.Sprintf("%s (%s)", strings.Join(parts, ", "), i.GoVersion)
}
