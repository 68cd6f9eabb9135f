package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/midonet/midonet-go/internal/commands"
	"github.com/midonet/midonet-go/mnconf"
)

// commandTrees are the three commands' definitions, the source of their man
// pages and completions.
func commandTrees() []*cobra.Command {
	return []*cobra.Command{
		commands.Cluster(io.Discard, io.Discard),
		commands.Check(io.Discard, io.Discard),
		mnconf.CLI{Stdout: io.Discard, Stderr: io.Discard}.Command(),
	}
}

// writeDocs writes gzipped man pages (section 1, one per command and
// subcommand) to dir/man and bash, zsh and fish completions to
// dir/completion/<shell>/ under the names their packages install.
func writeDocs(dir, version string, date time.Time) error {
	man := filepath.Join(dir, "man")
	for _, d := range []string{man, filepath.Join(dir, "completion", "bash"), filepath.Join(dir, "completion", "zsh"),
		filepath.Join(dir, "completion", "fish")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, cmd := range commandTrees() {
		name := cmd.Name()
		cmd.DisableAutoGenTag = true
		header := &doc.GenManHeader{Title: strings.ToUpper(name), Section: "1", Date: &date,
			Source: "midonet-go " + version, Manual: "MidoNet"}
		if err := genManTree(cmd, header, man); err != nil {
			return fmt.Errorf("man pages of %s: %w", name, err)
		}
		completions := []struct {
			file string
			gen  func(io.Writer) error
		}{
			{filepath.Join(dir, "completion", "bash", name), func(w io.Writer) error { return cmd.GenBashCompletionV2(w, true) }},
			{filepath.Join(dir, "completion", "zsh", "_"+name), cmd.GenZshCompletion},
			{filepath.Join(dir, "completion", "fish", name+".fish"), func(w io.Writer) error { return cmd.GenFishCompletion(w, true) }},
		}
		for _, c := range completions {
			var buf bytes.Buffer
			if err := c.gen(&buf); err != nil {
				return fmt.Errorf("completion %s: %w", c.file, err)
			}
			if err := os.WriteFile(c.file, buf.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// genManTree writes the pages of cmd and its subcommands, gzipped at the
// highest level as Debian wants them.
func genManTree(cmd *cobra.Command, header *doc.GenManHeader, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := genManTree(c, header, dir); err != nil {
			return err
		}
	}
	h := *header
	h.Title = strings.ToUpper(strings.ReplaceAll(cmd.CommandPath(), " ", "-"))
	var page bytes.Buffer
	if err := doc.GenMan(cmd, &h, &page); err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(page.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	file := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1.gz"
	return os.WriteFile(filepath.Join(dir, file), gz.Bytes(), 0o644)
}
