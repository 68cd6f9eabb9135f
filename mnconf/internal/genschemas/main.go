// Command genschemas regenerates mnconf/schemas/*.json and
// mnconf/templates/*.json from a checkout (or bare mirror) of the reference
// midonet/midonet repository. The schema data (keys, defaults, types and
// descriptions) must match the reference for compatibility; the files we ship
// are our own JSON rendering of it.
//
//	go run ./mnconf/internal/genschemas -mirror "$MIDONET_REFERENCE_REPO" -out mnconf
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/midonet/midonet-go/mnconf"
)

func main() {
	mirror := flag.String("mirror", os.Getenv("MIDONET_REFERENCE_REPO"), "git directory of the reference repository (default $MIDONET_REFERENCE_REPO)")
	out := flag.String("out", "mnconf", "directory holding schemas/ and templates/")
	flag.Parse()
	if *mirror == "" {
		fmt.Fprintln(os.Stderr, "genschemas: name the reference repository with -mirror or MIDONET_REFERENCE_REPO")
		os.Exit(2)
	}
	if err := run(*mirror, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genschemas:", err)
		os.Exit(1)
	}
}

func run(mirror, out string) error {
	list, err := exec.Command("git", "-C", mirror, "ls-tree", "-r", "--name-only", "HEAD").Output()
	if err != nil {
		return fmt.Errorf("listing %s: %w", mirror, err)
	}
	for _, f := range strings.Split(string(list), "\n") {
		var kind string
		switch {
		case strings.Contains(f, "/src/main/resources/org/midonet/conf/schemas/"):
			kind = "schemas"
		case strings.Contains(f, "/src/main/resources/org/midonet/conf/templates/"):
			kind = "templates"
		default:
			continue
		}
		text, err := exec.Command("git", "-C", mirror, "show", "HEAD:"+f).Output()
		if err != nil {
			return fmt.Errorf("reading %s: %w", f, err)
		}
		tree, err := mnconf.Parse(string(text))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".conf") + ".json"
		if err := os.WriteFile(filepath.Join(out, kind, name), []byte(mnconf.RenderJSON(tree)), 0o644); err != nil {
			return err
		}
	}
	return nil
}
