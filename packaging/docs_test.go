package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/jvmconf"
)

// TestDocsFromCommands: every command gets a section-1 man page naming its
// flags (mn-conf one per subcommand too) and completions for three shells.
func TestDocsFromCommands(t *testing.T) {
	dir := t.TempDir()
	if err := writeDocs(dir, "5.4.99", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{
		"midonet-cluster.1.gz": `\fB--zookeeper-hosts\fP`,
		"midonet-check.1.gz":   `\fB--zookeeper-root-key\fP`,
		"mn-conf.1.gz":         `\fB--zookeeper\fP`,
		"mn-conf-set.1.gz":     `\fB--template\fP`,
	}
	for file, flag := range pages {
		data, err := os.ReadFile(filepath.Join(dir, "man", file))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(zr)
		if !zr.ModTime.IsZero() {
			t.Errorf("%s: gzip header carries a time stamp", file)
		}
		if !strings.Contains(string(page), flag) || !strings.Contains(string(page), `"midonet-go 5.4.99"`) {
			t.Errorf("%s lacks %s or the version:\n%.600s", file, flag, page)
		}
	}
	for _, name := range commandNames {
		for _, f := range []string{"bash/" + name, "zsh/_" + name, "fish/" + name + ".fish"} {
			data, err := os.ReadFile(filepath.Join(dir, "completion", f))
			if err != nil || !strings.Contains(string(data), name) {
				t.Errorf("completion %s: %v", f, err)
			}
		}
	}
}

// TestVersionRule: only Debian upstream versions are accepted.
func TestVersionRule(t *testing.T) {
	for v, ok := range map[string]bool{"5.4.1": true, "0.0.0~git20260101.abc": true, "5.4.1+git3.abcdef1": true,
		"v5.4.1": false, "": false, "5.4 1": false, "5:4": false} {
		if debVersion.MatchString(v) != ok {
			t.Errorf("%q accepted: %v, want %v", v, !ok, ok)
		}
	}
}

// The shipped env file sets no maximum heap, so a fresh install runs under
// the node's default memory limit, which its comment names.
func TestShippedEnvFileLeavesTheDefaultMemoryLimit(t *testing.T) {
	const file = "deb/midonet-cluster-env.sh"
	opts, err := jvmconf.ReadJVMOptions(file)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxHeap != "" || len(opts.Properties) != 0 || len(opts.Other) != 0 {
		t.Errorf("%s sets %q, properties %v, options %q; want nothing but comments", file, opts.MaxHeap, opts.Properties, opts.Other)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("the node uses %dMiB", cluster.DefaultMemoryLimit>>20); !strings.Contains(string(text), want) {
		t.Errorf("%s does not say %q", file, want)
	}
}
