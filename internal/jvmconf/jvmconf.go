// Package jvmconf reads the files an installed JVM MidoNet Cluster is
// configured with, so that a Go node installed over them behaves the same:
// the INI files (/etc/midonet/midonet.conf ...), the JVM_OPTS of
// midonet-cluster-env.sh, logback level names and the root key rule. It is
// plumbing of package cluster and the commands, not part of the embedding API.
package jvmconf

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// ErrSyntax wraps every malformed-file error.
var ErrSyntax = errors.New("syntax error")

// DefaultRootKey is MidoNet's root in ZooKeeper when none is configured.
const DefaultRootKey = "/midonet"

// NormalizeRootKey applies the reference's rule: empty → /midonet, and the
// legacy /midonet/v1 is forced to /midonet; a relative key is made absolute
// (the reference uses it, less a leading "/", as Curator's namespace).
func NormalizeRootKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), "/")
	if k == "" || k == "/midonet/v1" {
		return DefaultRootKey
	}
	if !strings.HasPrefix(k, "/") {
		k = "/" + k
	}
	return k
}

// ReadINI reads a MidoNet INI file into "section.key" → value.
func ReadINI(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%s:%d: %w: unterminated section %q", path, n, ErrSyntax, line)
			}
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				k, v, ok = strings.Cut(line, ":")
			}
			if !ok {
				return nil, fmt.Errorf("%s:%d: %w: expected key = value, got %q", path, n, ErrSyntax, line)
			}
			key := strings.TrimSpace(k)
			if section != "" {
				key = section + "." + key
			}
			out[key] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return out, nil
}

// JVMOptions are the options of JVM_OPTS assignments in a shell env file.
type JVMOptions struct {
	// Properties are the -Dname=value system properties.
	Properties map[string]string
	// Other are the remaining options (heap sizes, GC and JMX switches):
	// they configure the JVM, which a Go node does not have.
	Other []string
}

// ReadJVMOptions extracts the options of JVM_OPTS assignments in a shell env
// file such as midonet-cluster-env.sh. It understands the shell quoting such
// files use; it does not run the shell, so $JVM_OPTS and other variables
// are left out.
func ReadJVMOptions(path string) (JVMOptions, error) {
	opts := JVMOptions{Properties: map[string]string{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return opts, fmt.Errorf("env file: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "export ")
		rest, ok := strings.CutPrefix(line, "JVM_OPTS=")
		if !ok {
			continue
		}
		// The assignment is one shell word; the start script expands
		// $JVM_OPTS unquoted, so the JVM gets it split on white space, with
		// no further quote removal.
		words := shellWords(rest)
		if len(words) == 0 {
			continue
		}
		for _, w := range strings.Fields(words[0]) {
			if kv, ok := strings.CutPrefix(w, "-D"); ok {
				k, v, _ := strings.Cut(kv, "=")
				opts.Properties[k] = v
			} else if !strings.HasPrefix(w, "$") {
				opts.Other = append(opts.Other, w)
			}
		}
	}
	return opts, nil
}

// shellWords splits s into words with sh quoting rules for ' and ", stopping
// at an unquoted #.
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		in    bool
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '#' && !in:
			return words
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// LogbackLevel maps a logback level name (what cluster.loggers.* hold) to
// slog's; unknown names give INFO, as logback's toLevel does.
func LogbackLevel(name string) (slog.Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "TRACE", "ALL":
		return slog.LevelDebug - 4, true
	case "DEBUG":
		return slog.LevelDebug, true
	case "INFO":
		return slog.LevelInfo, true
	case "WARN":
		return slog.LevelWarn, true
	case "ERROR":
		return slog.LevelError, true
	case "OFF":
		return slog.LevelError + 100, true
	}
	return slog.LevelInfo, false
}
