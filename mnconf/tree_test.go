package mnconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gurkankaymak/hocon"
)

// TestParseKeepsValueSpelling checks that values typesafe-config reads as
// strings keep the text written (the HOCON library would turn 1000ms into a
// duration and lose its spelling), while keys, quoted text and plain numbers
// stay what they are.
func TestParseKeepsValueSpelling(t *testing.T) {
	cases := []struct {
		text string
		want map[string]any
	}{
		{"a = 1000ms", map[string]any{"a": "1000ms"}},
		{"a : 10s\nb=64K", map[string]any{"a": "10s", "b": "64K"}},
		{"a { b = 2m, c = 3 }", map[string]any{"a": map[string]any{"b": "2m", "c": int64(3)}}},
		{"a = [10s, 1d]", map[string]any{"a": []any{"10s", "1d"}}},
		{"a = 30s # comment", map[string]any{"a": "30s"}},
		{`a = "1000ms"`, map[string]any{"a": "1000ms"}},
		{"a = 1.5h", map[string]any{"a": "1.5h"}},
		{"a = 42", map[string]any{"a": int64(42)}},
		{"a.b10s = 1", map[string]any{"a": map[string]any{"b10s": int64(1)}}},
		{"a = ${b}\nb = 5s", map[string]any{"a": Subst{Path: "b"}, "b": "5s"}},
		{"a = [\n  10s,\n  1000ms\n]", map[string]any{"a": []any{"10s", "1000ms"}}},
		{"a = -1\nb = [-2, -0.5]", map[string]any{"a": int64(-1), "b": []any{int64(-2), -0.5}}},
		{`a = "-1"`, map[string]any{"a": "-1"}},
		{"a = yes, b = off, c = only", map[string]any{"a": "yes", "b": "off", "c": "only"}},
		{"a = true", map[string]any{"a": true}},
		{"a = foo  bar\nb = \"x\" y\nc = 1 2", map[string]any{"a": "foo  bar", "b": "x y", "c": "1 2"}},
		{"a = [x y, z]", map[string]any{"a": []any{"x y", "z"}}},
	}
	for _, c := range cases {
		got, err := Parse(c.text)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.text, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.text, got, c.want)
		}
	}
}

// TestRenderingAsTypesafeConfig pins the output format of typesafe-config
// 1.2.1's formatted rendering (SimpleConfigObject/ConfigString rules): in
// HOCON mode no braces around the root, keys and strings quoted unless plain
// words, "=" before values and " " before objects; JSON as stored in znodes.
func TestRenderingAsTypesafeConfig(t *testing.T) {
	tree := map[string]any{
		"cluster": map[string]any{
			"rest_api": map[string]any{"http_port": int64(8181), "root_uri": "/midonet-api", "enabled": true},
			"loggers":  map[string]any{"root": "INFO", "org": map[string]any{"a-b": Subst{Path: "cluster.loggers.root"}}},
			"list":     []any{"10s", int64(1), 0.5},
			"empty":    map[string]any{},
			"quote":    "say \"hi\"\n",
			"word":     "true-ish",
		},
	}
	hocon := `cluster {
    empty {}
    list=[
        "10s",
        1,
        0.5
    ]
    loggers {
        org {
            a-b=${cluster.loggers.root}
        }
        root=INFO
    }
    quote="say \"hi\"\n"
    "rest_api" {
        enabled=true
        "http_port"=8181
        "root_uri"="/midonet-api"
    }
    word="true-ish"
}
`
	if got := RenderHOCON(tree); got != hocon {
		t.Errorf("HOCON:\n%s\nwant:\n%s", got, hocon)
	}
	json := `{
    "cluster" : {
        "empty" : {},
        "list" : [
            "10s",
            1,
            0.5
        ],
        "loggers" : {
            "org" : {
                "a-b" : ${cluster.loggers.root}
            },
            "root" : "INFO"
        },
        "quote" : "say \"hi\"\n",
        "rest_api" : {
            "enabled" : true,
            "http_port" : 8181,
            "root_uri" : "/midonet-api"
        },
        "word" : "true-ish"
    }
}
`
	if got := RenderJSON(tree); got != json {
		t.Errorf("JSON:\n%s\nwant:\n%s", got, json)
	}
	// mn-conf get renders the value on its own: an object loses its braces.
	getCases := []struct {
		v    any
		json bool
		want string
	}{
		{int64(8181), false, "k = 8181\n"},
		{"INFO", false, "k = INFO\n"},
		{"/midonet-api", false, "k = \"/midonet-api\"\n"},
		{"INFO", true, "k = \"INFO\"\n"},
		{map[string]any{"a_b": int64(1), "c": "x"}, false, "k = \"a_b\"=1\nc=x\n\n"},
		{map[string]any{"c": "x"}, true, "k = {\n    \"c\" : \"x\"\n}\n\n"},
		{1e10, false, "k = 1.0E10\n"},
	}
	for _, c := range getCases {
		if got := RenderKey("k", c.v, c.json); got != c.want {
			t.Errorf("RenderKey(%#v, json=%v) = %q, want %q", c.v, c.json, got, c.want)
		}
	}
	// What is rendered as JSON parses back to the same tree.
	back, err := Parse(RenderJSON(tree))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tree) {
		t.Errorf("round trip:\n%#v\nwant\n%#v", back, tree)
	}
}

// TestParseRejectsWhatTheLibraryMishandles checks the inputs on which the
// HOCON library loops forever or accepts garbage: they fail fast with
// typesafe-config 1.2.1's message for the same text (the reference's
// dependency, build.gradle "com.typesafe:config:1.2.1"; its Parser.parseArray,
// parseObject and Tokenizer.pullQuotedString, appendTripleQuotedString and
// pullSubstitution word them), at the line it names.
func TestParseRejectsWhatTheLibraryMishandles(t *testing.T) {
	cases := []struct{ text, want string }{
		// The library loops forever on these (TestLibraryHangsWithoutTheGuard).
		{"a = [1 ", "line 1: List should have ended with ] or had a comma, instead had token: end of file (the [ opened at line 1 is not closed)"},
		{"a = [1, 2 // c", "line 1: List should have ended with ] or had a comma, instead had token: end of file"},
		{"a {\n b = [${x} ${y}\n", "line 3: List should have ended with ] or had a comma, instead had token: end of file (the [ opened at line 2 is not closed)"},
		{"a = ${b ", "line 1: Substitution ${ was not closed with a }"},
		{"a = ${b\n", "line 1: Substitution ${ was not closed with a }"},
		// The library reports these, in words of its own.
		{"a = [1, 2", "line 1: List should have ended with ] or had a comma, instead had token: end of file"},
		{"a = { b = 1", "line 1: Expecting close brace } or a comma, got end of file (the { opened at line 1 is not closed)"},
		{"cluster {\n rest_api\n", "line 3: Expecting close brace } or a comma, got end of file (the { opened at line 1 is not closed)"},
		{"a = [1, 2}", "line 1: List should have ended with ] or had a comma, instead had token: '}' (the [ opened at line 1)"},
		{"a = {\nb = [1]]", "line 2: Expecting close brace } or a comma, got ']' (the { opened at line 1)"},
		{"a = 1 }", "line 1: unbalanced close brace '}' with no open brace"},
		{"a = 1\n]", "line 2: Expecting end of input or a comma, got ']'"},
		{"a = \"\"\"abc\n", `line 2: End of input but triple-quoted string was still open`},
		{"a = ${}", "invalid substitution"},
		{"a = ${\"b\"}", "invalid substitution"},
		// The library accepts these.
		{`a = "abc`, "line 1: End of input but string quote was still open"},
		{"a = \"abc\nb = 1", "line 1: JSON does not allow unescaped newline in quoted strings, use a backslash escape"},
		{"a = \xff", "not UTF-8"},
	}
	for _, c := range cases {
		done := make(chan error, 1)
		go func() { _, err := Parse(c.text); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%q) = %v, want an ErrParse with %q", c.text, err, c.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Parse(%q) did not return", c.text)
		}
	}
	// Brackets inside quotes, comments and substitutions are not structure.
	for _, text := range []string{`a = "[{"`, "a = 1 # ]}\nb = \"\"\"}]\"\"\"", "a = [1, // ]\n2]", "a = \"}\" ${?b}"} {
		if _, err := Parse(text); err != nil {
			t.Errorf("Parse(%q): %v", text, err)
		}
	}
}

// TestLibraryHangsWithoutTheGuard pins why Parse checks brackets and
// substitutions before the HOCON library sees the text: the library
// (github.com/gurkankaymak/hocon v1.2.21) loops forever on these inputs. Each
// is parsed by the library alone in a child process (this test binary run
// again), killed after a second. When an upgrade of the library stops
// hanging, this fails: the guard's comment and this list are then to be
// revisited, not the guard dropped blindly.
func TestLibraryHangsWithoutTheGuard(t *testing.T) {
	const envText = "MNCONF_RAW_HOCON_TEXT"
	if text, ok := os.LookupEnv(envText); ok {
		_, err := hocon.ParseString(text)
		fmt.Printf("returned: %v\n", err)
		return
	}
	hangs := []string{"a = [1 ", "a = [1, 2 // c", "a = ${b ", "a = ${b\n"}
	var wg sync.WaitGroup
	for _, text := range hangs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLibraryHangsWithoutTheGuard$")
			cmd.Env = append(os.Environ(), envText+"="+text)
			out, err := cmd.CombinedOutput()
			if ctx.Err() == nil {
				t.Errorf("the HOCON library returned on %q (%v): %s", text, err, out)
			}
		})
	}
	wg.Wait()
}
