package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBundledDataMatchesReference regenerates the schemas and templates
// from the reference repository named by MIDONET_REFERENCE_REPO (a clone or
// bare mirror of midonet/midonet) and compares them with the files mnconf
// ships, so that a change of the generator or of the HOCON reading shows.
func TestBundledDataMatchesReference(t *testing.T) {
	repo := os.Getenv("MIDONET_REFERENCE_REPO")
	if repo == "" {
		t.Skip("SKIPPED: MIDONET_REFERENCE_REPO not set; point it at a clone or mirror of midonet/midonet " +
			"to check the bundled schemas against the reference")
	}
	out := t.TempDir()
	for _, d := range []string{"schemas", "templates"} {
		if err := os.Mkdir(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(repo, out); err != nil {
		t.Fatal(err)
	}
	shipped := filepath.Join("..", "..")
	for _, d := range []string{"schemas", "templates"} {
		generated, err := filepath.Glob(filepath.Join(out, d, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		have, err := filepath.Glob(filepath.Join(shipped, d, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(generated) == 0 || len(generated) != len(have) {
			t.Errorf("%s: reference gives %d files, mnconf ships %d", d, len(generated), len(have))
		}
		for _, g := range generated {
			want, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(shipped, d, filepath.Base(g)))
			if err != nil {
				t.Errorf("%s/%s not shipped: %v", d, filepath.Base(g), err)
				continue
			}
			if string(got) != string(want) {
				t.Errorf("%s/%s differs from the reference; regenerate with go run ./mnconf/internal/genschemas", d, filepath.Base(g))
			}
		}
	}
}
