package mnconf

import "testing"

// FuzzParse checks that no input makes Parse (the HOCON library behind it)
// panic, and that whatever parses renders to JSON that parses again: bad
// input to mn-conf set must end as an error message, never a crash.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"a = 1", "a.b.c : 42", "a { b = ${c} }\nc = 2s", `a = "x"${?HOME}`, "a = [1, 2, {b = 3}]",
		"a = \"\"\"multi\nline\"\"\"", "# c\n// d\na : 10s", "a = 1000ms, b = 64K", "{", "a = ${", `a = "\u0000"`,
		"a : b : c", "a = [", "include \"x\"", "a += 1", "a = 1 }", "\"a.b\" = 1",
		"a = [1 ", "a = [${x} ${y}", "a = [9${2,] } ", `a = "`, "a = ${}",
		"a = -5", "a = yes", "a = x   y", "a = [x y, -1]", "a = -1e3",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tree, err := Parse(text)
		if err != nil {
			return
		}
		if _, err := Parse(RenderJSON(tree)); err != nil {
			t.Errorf("rendering of %q does not parse: %v\n%s", text, err, RenderJSON(tree))
		}
	})
}
