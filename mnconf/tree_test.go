package mnconf

import (
	"reflect"
	"testing"
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
