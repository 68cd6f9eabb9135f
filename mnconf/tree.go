package mnconf

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gurkankaymak/hocon"
)

// A configuration tree is plain Go data: map[string]any for objects, []any
// for lists, and string, int64, float64, bool, nil or Subst for leaves.
// Substitutions stay as Subst (or a Concat containing them) until Resolve, so
// that a single layer can be stored with its "${...}" references literal, as
// the reference stores them.

// Subst is an unresolved HOCON substitution "${path}" or "${?path}".
type Subst struct {
	Path     string
	Optional bool
}

func (s Subst) String() string {
	if s.Optional {
		return "${?" + s.Path + "}"
	}
	return "${" + s.Path + "}"
}

// Concat is a string value with substitutions inside it ("${a}/b"); its
// parts are strings and Subst.
type Concat []any

// ErrParse is returned (wrapped) for input that is not valid HOCON.
var ErrParse = errors.New("invalid HOCON")

// substMark brackets a substitution hidden from the HOCON library inside a
// quoted string. The library resolves substitutions at parse time and fails on
// unknown ones, but a layer must be kept with its references unresolved until
// all layers are merged; a private-use rune cannot collide with real text.
const substMark = "\uE000"

// hideSubstitutions rewrites every "${...}" that is not inside a quoted string
// into a quoted marker string the HOCON library keeps verbatim. It also
// quotes unquoted values such as 1000ms or 64K: typesafe-config reads them as
// the string written, but the library turns durations into nanoseconds and
// the original spelling ("1000ms", not "1s") would be lost. This is not a
// HOCON parser: it only tracks quoted strings and comments to know where
// substitutions and values can appear.
//
// It also rejects what the library cannot be trusted with: an array or object
// left open at the end of the text (the library loops forever on some of
// them, e.g. "a = [1 " or "a = [1, 2 // c"), an unterminated substitution
// (it loops forever on "a = ${b "), a close bracket that does not match the
// open one, and unterminated strings. Brackets outside quotes, comments and
// substitutions are always structure (HOCON forbids them in unquoted text),
// so counting them is sound. The messages are typesafe-config 1.2.1's for the
// same text (the reference's mn-conf prints its parser's message after
// "Failed: "), with the line of the bracket left open added.
func hideSubstitutions(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%w: not UTF-8 text", ErrParse)
	}
	var b strings.Builder
	var stack []openBracket
	line := 1
	errAt := func(what string, l int) error { return fmt.Errorf("%w: line %d: %s", ErrParse, l, what) }
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case strings.HasPrefix(text[i:], `"""`):
			end := strings.Index(text[i+3:], `"""`)
			if end < 0 {
				return "", errAt("End of input but triple-quoted string was still open", line+strings.Count(text[i:], "\n"))
			}
			end += i + 6
			for end < len(text) && text[end] == '"' { // """ may be followed by more quotes
				end++
			}
			line += strings.Count(text[i:end], "\n")
			b.WriteString(text[i:end])
			i = end
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' && text[j] != '\n' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) {
				return "", errAt("End of input but string quote was still open", line)
			}
			if text[j] != '"' {
				return "", errAt("JSON does not allow unescaped newline in quoted strings, use a backslash escape", line)
			}
			// An empty string right before a hidden substitution would
			// join the quotes into a """; it adds nothing to the value.
			if !(j == i+1 && strings.HasPrefix(text[j+1:], "${")) {
				b.WriteString(text[i : j+1])
			}
			i = j + 1
		case c == '#' || strings.HasPrefix(text[i:], "//"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				i = len(text)
				continue
			}
			i += j
		case strings.HasPrefix(text[i:], "${"):
			end := strings.IndexAny(text[i:], "}\n")
			if end < 0 || text[i+end] != '}' {
				return "", errAt("Substitution ${ was not closed with a }", line)
			}
			inner := strings.TrimSpace(text[i+2 : i+end])
			if !substPath.MatchString(inner) {
				return "", errAt(fmt.Sprintf("invalid substitution ${%s}", inner), line)
			}
			b.WriteString(`"` + substMark + inner + substMark + `"`)
			i += end + 1
		default:
			switch c {
			case '\n':
				line++
			case '[', '{':
				stack = append(stack, openBracket{c, line})
			case ']', '}':
				if err := closeBracket(stack, c, line); err != nil {
					return "", err
				}
				stack = stack[:len(stack)-1]
			}
			if n, repl := valueTokenAt(text, i); n > 0 {
				b.WriteString(repl)
				i += n
				continue
			}
			b.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		o := stack[len(stack)-1]
		return "", errAt(fmt.Sprintf("%s end of file (the %c opened at line %d is not closed)",
			expectedClose[o.bracket], o.bracket, o.line), line)
	}
	return b.String(), nil
}

// openBracket is a '[' or '{' not closed yet and the line it is on.
type openBracket struct {
	bracket byte
	line    int
}

// expectedClose is typesafe-config's complaint, up to the token found, when
// the bracket open at this point is followed by something other than its
// close or a comma.
var expectedClose = map[byte]string{
	'[': "List should have ended with ] or had a comma, instead had token:",
	'{': "Expecting close brace } or a comma, got",
}

// closeBracket checks that c, a ']' or '}' on line, closes the innermost
// open bracket of stack.
func closeBracket(stack []openBracket, c byte, line int) error {
	switch {
	case len(stack) == 0 && c == '}':
		return fmt.Errorf("%w: line %d: unbalanced close brace '}' with no open brace", ErrParse, line)
	case len(stack) == 0:
		return fmt.Errorf("%w: line %d: Expecting end of input or a comma, got ']'", ErrParse, line)
	case !closes(stack[len(stack)-1].bracket, c):
		o := stack[len(stack)-1]
		return fmt.Errorf("%w: line %d: %s '%c' (the %c opened at line %d)", ErrParse, line, expectedClose[o.bracket], c, o.bracket, o.line)
	}
	return nil
}

func closes(open, c byte) bool { return open == '[' && c == ']' || open == '{' && c == '}' }

// substPath is what this package accepts inside ${...}: an optional "?"
// and a dotted path of unquoted key characters (MidoNet's schemas and
// templates use no quoted paths).
var substPath = regexp.MustCompile(`^\?? *[\p{L}\p{N}_-]+(\.[\p{L}\p{N}_-]+)*$`)

var retypedValue = regexp.MustCompile(`^(?:[0-9]+(?:\.[0-9]+)?[a-zA-Z]+|yes|no|on|off|-[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)`)

// numberMark prefixes a negative number handed to the library as a string.
const numberMark = "\uE001"

// valueTokenAt returns the length of an unquoted value starting at text[i]
// that the library would read differently from typesafe-config, and what to
// give the library instead, or 0. It must be a whole value: it follows "=",
// ":", "[", "," or a line break and is followed by the end of the value, and
// not by what makes it a key ("=", ":", "{", "."). Numbers with a unit
// ("1000ms", "64K") and yes/no/on/off are strings to typesafe-config but a
// duration and booleans to the library; negative numbers are numbers to
// typesafe-config but strings to the library.
func valueTokenAt(text string, i int) (int, string) {
	c := text[i]
	if !(c >= '0' && c <= '9' || c == '-' || c == 'y' || c == 'n' || c == 'o') {
		return 0, ""
	}
	prev := strings.TrimRight(text[:i], " \t")
	if prev == "" || !strings.ContainsRune("=:[,\n", rune(prev[len(prev)-1])) {
		return 0, ""
	}
	m := retypedValue.FindString(text[i:])
	if m == "" {
		return 0, ""
	}
	rest := strings.TrimLeft(text[i+len(m):], " \t")
	if rest != "" && !strings.ContainsRune("\r\n,}]#/", rune(rest[0])) {
		return 0, ""
	}
	if m[0] == '-' {
		return len(m), `"` + numberMark + m + `"`
	}
	return len(m), strconv.Quote(m)
}

// Parse reads HOCON text into a tree, keeping substitutions unresolved.
func Parse(text string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return map[string]any{}, nil
	}
	prepared, err := hideSubstitutions(text)
	if err != nil {
		return nil, err
	}
	cfg, err := hocon.ParseString(prepared)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	root := cfg.GetRoot()
	obj, ok := root.(hocon.Object)
	if !ok {
		return nil, fmt.Errorf("%w: top level must be an object", ErrParse)
	}
	v, err := fromHOCON(obj)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

func fromHOCON(v hocon.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case hocon.Object:
		m := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromHOCON(e)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		return m, nil
	case hocon.Array:
		l := make([]any, 0, len(x))
		for _, e := range x {
			c, err := fromHOCON(e)
			if err != nil {
				return nil, err
			}
			l = append(l, c)
		}
		return l, nil
	case hocon.String:
		return fromString(string(x)), nil
	case hocon.Int:
		return int64(x), nil
	case hocon.Float64:
		return float64(x), nil
	case hocon.Float32:
		return float64(x), nil
	case hocon.Boolean:
		return bool(x), nil
	case hocon.Null:
		return nil, nil
	case hocon.Duration:
		return formatDuration(time.Duration(x)), nil
	}
	// The library's concatenation type is unexported; it is a slice of
	// values ("${a}"/b" → [${a}, "/b"]).
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		var c Concat
		for i := range rv.Len() {
			e, ok := rv.Index(i).Interface().(hocon.Value)
			if !ok {
				continue
			}
			// The whitespace between concatenated values comes as a
			// string of quoted pieces (`" "" "`, `"\t"`); typesafe-config
			// keeps that whitespace in the value.
			if ws, ok := e.(hocon.String); ok && concatSpace.MatchString(string(ws)) {
				c = append(c, strings.NewReplacer(`"`, "", `\t`, "\t").Replace(string(ws)))
				continue
			}
			part, err := fromHOCON(e)
			if err != nil {
				return nil, err
			}
			switch x := part.(type) {
			case Concat:
				c = append(c, x...)
			case Subst:
				c = append(c, x)
			default:
				c = append(c, leafText(x))
			}
		}
		return simplifyConcat(c), nil
	}
	return fromString(v.String()), nil
}

var concatSpace = regexp.MustCompile(`^(?:"(?: |\\t)*")+$`)

// simplifyConcat joins adjacent strings and unwraps single parts.
func simplifyConcat(c Concat) any {
	var out Concat
	for _, p := range c {
		if p == "" { // contributes nothing; rendered it would read as a """ quote
			continue
		}
		if s, ok := p.(string); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(string); ok {
				out[len(out)-1] = prev + s
				continue
			}
		}
		out = append(out, p)
	}
	if len(out) == 1 {
		return out[0]
	}
	if len(out) == 0 {
		return ""
	}
	return out
}

// fromString turns a parsed string back into a Subst or Concat when it holds
// hidden substitutions, and undoes JSON escapes the library leaves in place.
func fromString(s string) any {
	if num, ok := strings.CutPrefix(s, numberMark); ok {
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			return f
		}
		return num
	}
	if !strings.Contains(s, substMark) {
		if strings.Contains(s, `\`) {
			if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
				return u
			}
		}
		return s
	}
	parts := strings.Split(s, substMark)
	var c Concat
	for i, p := range parts {
		if i%2 == 1 {
			sub := Subst{Path: p}
			if strings.HasPrefix(p, "?") {
				sub = Subst{Path: strings.TrimSpace(p[1:]), Optional: true}
			}
			c = append(c, sub)
		} else if p != "" {
			c = append(c, p)
		}
	}
	if len(c) == 1 {
		if sub, ok := c[0].(Subst); ok {
			return sub
		}
	}
	return c
}

// formatDuration writes a duration in a unit typesafe-config reads back
// exactly (the HOCON library turns "10s" into a number of nanoseconds).
func formatDuration(d time.Duration) string {
	units := []struct {
		u    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}}
	if d == 0 {
		return "0ms"
	}
	for _, u := range units {
		if d%u.u == 0 {
			return strconv.FormatInt(int64(d/u.u), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// SplitPath splits a dotted key path ("cluster.rest_api.http_port").
func SplitPath(path string) []string {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		p = strings.Trim(p, `"`)
		out = append(out, p)
	}
	return out
}

// Lookup returns the value at a dotted path.
func Lookup(tree map[string]any, path string) (any, bool) {
	var cur any = tree
	for _, p := range SplitPath(path) {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// Remove deletes the value at a dotted path; it reports whether it was there.
func Remove(tree map[string]any, path string) bool {
	parts := SplitPath(path)
	cur := tree
	for _, p := range parts[:len(parts)-1] {
		m, ok := cur[p].(map[string]any)
		if !ok {
			return false
		}
		cur = m
	}
	last := parts[len(parts)-1]
	if _, ok := cur[last]; !ok {
		return false
	}
	delete(cur, last)
	return true
}

// Clone deep-copies a tree value.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Clone(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = Clone(e)
		}
		return l
	case Concat:
		return append(Concat(nil), x...)
	}
	return v
}

// Merge layers high over low as HOCON's withFallback does: objects merge
// key by key, any other value in high replaces low's. Neither input changes.
func Merge(high, low map[string]any) map[string]any {
	out := Clone(low).(map[string]any)
	for k, hv := range high {
		hm, hIsObj := hv.(map[string]any)
		lm, lIsObj := out[k].(map[string]any)
		if hIsObj && lIsObj {
			out[k] = Merge(hm, lm)
		} else {
			out[k] = Clone(hv)
		}
	}
	return out
}

// ErrUnresolved is returned (wrapped) when a substitution has no value.
var ErrUnresolved = errors.New("unresolved substitution")

// Resolve replaces every substitution by the value it names in the tree
// (after merging, so any layer can supply it); lookupEnv is the fallback for
// names not in the tree, as typesafe-config falls back to the environment.
// Optional substitutions without a value remove their key.
func Resolve(tree map[string]any, lookupEnv func(string) (string, bool)) (map[string]any, error) {
	r := resolver{root: tree, env: lookupEnv, active: map[string]bool{}}
	out, keep, err := r.value(Clone(tree))
	if err != nil {
		return nil, err
	}
	if !keep {
		return map[string]any{}, nil
	}
	return out.(map[string]any), nil
}

type resolver struct {
	root   map[string]any
	env    func(string) (string, bool)
	active map[string]bool
}

func (r *resolver) value(v any) (any, bool, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			nv, keep, err := r.value(e)
			if err != nil {
				return nil, false, err
			}
			if keep {
				x[k] = nv
			} else {
				delete(x, k)
			}
		}
		return x, true, nil
	case []any:
		out := x[:0]
		for _, e := range x {
			nv, keep, err := r.value(e)
			if err != nil {
				return nil, false, err
			}
			if keep {
				out = append(out, nv)
			}
		}
		return out, true, nil
	case Subst:
		return r.subst(x)
	case Concat:
		var b strings.Builder
		for _, p := range x {
			if s, ok := p.(Subst); ok {
				nv, keep, err := r.subst(s)
				if err != nil {
					return nil, false, err
				}
				if keep {
					b.WriteString(leafText(nv))
				}
				continue
			}
			b.WriteString(fmt.Sprint(p))
		}
		return b.String(), true, nil
	}
	return v, true, nil
}

func (r *resolver) subst(s Subst) (any, bool, error) {
	if r.active[s.Path] {
		return nil, false, fmt.Errorf("%w: cycle through %s", ErrUnresolved, s)
	}
	if target, ok := Lookup(r.root, s.Path); ok {
		r.active[s.Path] = true
		defer delete(r.active, s.Path)
		return r.value(Clone(target))
	}
	if r.env != nil {
		if e, ok := r.env(s.Path); ok {
			return e, true, nil
		}
	}
	if s.Optional {
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("%w: %s", ErrUnresolved, s)
}

// leafText is a leaf's text as typesafe-config's unwrapped toString shows it.
func leafText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = leafText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return renderValue(x, false, 0)
	}
	return fmt.Sprint(v)
}

// formatFloat writes a double as Java's Double.toString does (what
// typesafe-config renders): plain decimals with at least one fractional
// digit in [1e-3, 1e7), computerized scientific notation ("1.0E10") outside.
func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return map[bool]string{true: "Infinity", false: "-Infinity"}[f > 0]
	}
	if abs := math.Abs(f); f == 0 || abs >= 1e-3 && abs < 1e7 {
		out := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(out, ".") {
			out += ".0"
		}
		return out
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'E', -1, 64), "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// The renderers below write what typesafe-config 1.2.1 renders with
// formatted output, no comments: four-space indents, keys sorted, and in
// HOCON mode keys and strings unquoted only when they are plain words, no
// braces around the root object, "=" before a value and a space before an
// object. Every root rendering ends with a newline.

// RenderJSON renders a tree as the reference stores it in a znode: formatted
// JSON, with unresolved substitutions written literally (which makes it
// HOCON rather than strict JSON).
func RenderJSON(tree map[string]any) string {
	var b strings.Builder
	render(&b, tree, renderOptions{json: true}, 0, true, "")
	return b.String()
}

// RenderHOCON renders a tree as mn-conf prints it in HOCON mode.
func RenderHOCON(tree map[string]any) string {
	var b strings.Builder
	render(&b, tree, renderOptions{}, 0, true, "")
	return b.String()
}

// renderOptions are typesafe-config's render options that mn-conf uses.
type renderOptions struct {
	json bool
	// origin, when set, describes where the value at a dotted path comes
	// from; it is written as a "# ..." line before each key and list
	// element (typesafe-config's origin comments).
	origin func(path string) string
}

// renderRoot renders any value as the reference renders a value on its own
// (mn-conf get): an object in HOCON mode loses its braces. path is the
// value's own dotted path (for origin comments).
func renderRoot(v any, o renderOptions, path string) string {
	var b strings.Builder
	render(&b, v, o, 0, true, path)
	return b.String()
}

// renderValue renders a value inside a message (not at the root).
func renderValue(v any, json bool, indent int) string {
	var b strings.Builder
	render(&b, v, renderOptions{json: json}, indent, false, "")
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeIndent(b *strings.Builder, n int) {
	for range n {
		b.WriteString("    ")
	}
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func render(b *strings.Builder, v any, o renderOptions, indent int, atRoot bool, path string) {
	switch x := v.(type) {
	case map[string]any:
		renderObject(b, x, o, indent, atRoot, path)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			if o.origin != nil {
				writeIndent(b, indent+1)
				b.WriteString("# " + o.origin(path) + "\n")
			}
			writeIndent(b, indent+1)
			render(b, e, o, indent+1, atRoot, path) // typesafe passes atRoot down
			if i < len(x)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		writeIndent(b, indent)
		b.WriteString("]")
	case string:
		b.WriteString(renderString(x, o.json))
	case Subst:
		b.WriteString(x.String())
	case Concat:
		for _, p := range x {
			render(b, p, o, indent, atRoot, path)
		}
	default:
		b.WriteString(leafText(v))
	}
}

func renderObject(b *strings.Builder, m map[string]any, o renderOptions, indent int, atRoot bool, path string) {
	if len(m) == 0 {
		b.WriteString("{}")
	} else {
		outerBraces := o.json || !atRoot
		inner := indent
		if outerBraces {
			inner++
			b.WriteString("{\n")
		}
		keys := sortedKeys(m)
		for i, k := range keys {
			if o.origin != nil {
				writeIndent(b, inner)
				b.WriteString("# " + o.origin(joinPath(path, k)) + "\n")
			}
			writeIndent(b, inner)
			b.WriteString(renderString(k, o.json))
			_, isObj := m[k].(map[string]any)
			switch {
			case o.json:
				b.WriteString(" : ")
			case isObj:
				b.WriteString(" ")
			default:
				b.WriteString("=")
			}
			render(b, m[k], o, inner, false, joinPath(path, k))
			if i < len(keys)-1 {
				if o.json {
					b.WriteString(",")
				}
				b.WriteString("\n")
			}
		}
		if outerBraces {
			b.WriteString("\n")
			writeIndent(b, indent)
			b.WriteString("}")
		}
	}
	if atRoot {
		b.WriteString("\n")
	}
}

// renderString quotes s as JSON, or in HOCON mode only when it is not a
// plain word (letters, digits, hyphens; not starting like a number or a
// keyword), as typesafe-config does for keys and string values alike.
func renderString(s string, json bool) string {
	if !json && isPlainWord(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if unicode.IsControl(r) {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isPlainWord(s string) bool {
	if s == "" || s[0] == '-' || s[0] >= '0' && s[0] <= '9' || unicode.IsDigit([]rune(s)[0]) {
		return false
	}
	for _, kw := range []string{"include", "true", "false", "null"} {
		if strings.HasPrefix(s, kw) {
			return false
		}
	}
	if strings.Contains(s, "//") {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
			return false
		}
	}
	return true
}

// Leaves calls fn for every leaf of the tree with its dotted path, in key order.
func Leaves(tree map[string]any, fn func(path string, v any)) {
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if sub, ok := m[k].(map[string]any); ok && len(sub) > 0 {
				walk(p, sub)
				continue
			}
			fn(p, m[k])
		}
	}
	walk("", tree)
}
