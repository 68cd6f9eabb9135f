package mnconf

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidValue is returned (wrapped) when a value does not have the type
// its schema declares; nothing is written in that case.
var ErrInvalidValue = errors.New("invalid configuration value")

// ErrBadSchema is returned (wrapped) for a schema whose own data is invalid
// (unknown _type, malformed enum, default not matching its type).
var ErrBadSchema = errors.New("invalid schema")

var durationUnits = []struct {
	names []string
	unit  time.Duration
}{
	{[]string{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}, time.Nanosecond},
	{[]string{"us", "micro", "micros", "microsecond", "microseconds"}, time.Microsecond},
	{[]string{"", "ms", "milli", "millis", "millisecond", "milliseconds"}, time.Millisecond},
	{[]string{"s", "second", "seconds"}, time.Second},
	{[]string{"m", "minute", "minutes"}, time.Minute},
	{[]string{"h", "hour", "hours"}, time.Hour},
	{[]string{"d", "day", "days"}, 24 * time.Hour},
}

var numberAndUnit = regexp.MustCompile(`^\s*([+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$`)

// ParseDuration reads a duration as typesafe-config does: a number, optional
// whitespace and a unit ("10s", "1000 ms", "2 minutes"); a bare number is
// milliseconds.
func ParseDuration(v any) (time.Duration, error) {
	text := leafText(v)
	m := numberAndUnit.FindStringSubmatch(text)
	if m == nil {
		return 0, fmt.Errorf("%w: %q is not a duration (expected e.g. 10s, 1000ms)", ErrInvalidValue, text)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a duration: %w", ErrInvalidValue, text, err)
	}
	for _, u := range durationUnits {
		for _, name := range u.names {
			if m[2] == name {
				return time.Duration(n * float64(u.unit)), nil
			}
		}
	}
	return 0, fmt.Errorf("%w: %q has an unknown duration unit %q", ErrInvalidValue, text, m[2])
}

// sizeUnits maps typesafe-config's size unit spellings to powers: binary
// ones (K, Ki, KiB, kibibytes) to 1024^n, decimal ones (kB, kilobytes) to 1000^n.
func sizeMultiplier(unit string) (float64, bool) {
	if unit == "" || unit == "B" || unit == "b" || unit == "byte" || unit == "bytes" {
		return 1, true
	}
	prefixes := []struct{ short, long, binLong string }{
		{"K", "kilo", "kibi"}, {"M", "mega", "mebi"}, {"G", "giga", "gibi"},
		{"T", "tera", "tebi"}, {"P", "peta", "pebi"}, {"E", "exa", "exbi"},
	}
	for i, p := range prefixes {
		pow := float64(i + 1)
		bin, dec := pow1024(pow), pow1000(pow)
		s := p.short
		switch unit {
		case s, strings.ToLower(s), s + "i", s + "iB", p.binLong + "byte", p.binLong + "bytes":
			return bin, true
		case s + "B", strings.ToLower(s) + "B", p.long + "byte", p.long + "bytes":
			return dec, true
		}
	}
	return 0, false
}

func pow1024(n float64) float64 {
	r := 1.0
	for ; n > 0; n-- {
		r *= 1024
	}
	return r
}
func pow1000(n float64) float64 {
	r := 1.0
	for ; n > 0; n-- {
		r *= 1000
	}
	return r
}

// ParseSize reads a size in bytes as typesafe-config does ("64K", "10MB", "1024").
func ParseSize(v any) (int64, error) {
	text := leafText(v)
	m := numberAndUnit.FindStringSubmatch(text)
	if m == nil {
		return 0, fmt.Errorf("%w: %q is not a size (expected e.g. 1024, 64K, 10MB)", ErrInvalidValue, text)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a size: %w", ErrInvalidValue, text, err)
	}
	mul, ok := sizeMultiplier(m[2])
	if !ok {
		return 0, fmt.Errorf("%w: %q has an unknown size unit %q", ErrInvalidValue, text, m[2])
	}
	return int64(n * mul), nil
}

// ParseBool accepts true/false/yes/no/on/off, as typesafe-config does.
func ParseBool(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	switch s := leafText(v); s {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	default:
		return false, fmt.Errorf("%w: %q is not a boolean", ErrInvalidValue, s)
	}
}

// ParseInt accepts integers and strings holding them (legacy INI values are strings).
func ParseInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == float64(int64(x)) {
			return int64(x), nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: %s is not an integer", ErrInvalidValue, renderValue(v, true, 0))
}

// ParseFloat accepts numbers and strings holding them.
func ParseFloat(v any) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: %s is not a number", ErrInvalidValue, renderValue(v, true, 0))
}

var enumType = regexp.MustCompile(`^enum\[([\w, ]+)\]$`)

// checkType validates v against a schema _type ("duration", "int[]",
// "enum[a, b]" ...).
func checkType(typ string, v any) error {
	if base, ok := strings.CutSuffix(typ, "[]"); ok {
		list, isList := v.([]any)
		if !isList {
			return fmt.Errorf("%w: %s is not a list (type %s)", ErrInvalidValue, renderValue(v, true, 0), typ)
		}
		for _, e := range list {
			if err := checkType(base, e); err != nil {
				return err
			}
		}
		return nil
	}
	if m := enumType.FindStringSubmatch(typ); m != nil {
		s, ok := v.(string)
		switch v.(type) {
		case int64, float64, bool:
			s, ok = leafText(v), true
		}
		if ok {
			for _, opt := range strings.Split(m[1], ",") {
				if strings.EqualFold(strings.TrimSpace(opt), s) {
					return nil
				}
			}
		}
		return fmt.Errorf("%w: %s is not one of %s", ErrInvalidValue, renderValue(v, true, 0), m[1])
	}
	var err error
	switch typ {
	case "duration":
		_, err = ParseDuration(v)
	case "size":
		_, err = ParseSize(v)
	case "bool":
		_, err = ParseBool(v)
	case "int":
		_, err = ParseInt(v)
	case "double":
		_, err = ParseFloat(v)
	case "string":
		// typesafe-config reads numbers and booleans as strings too.
		switch v.(type) {
		case string, int64, float64, bool:
		default:
			err = fmt.Errorf("%w: %s is not a string", ErrInvalidValue, renderValue(v, true, 0))
		}
	default:
		return fmt.Errorf("%w: unknown _type %q", ErrBadSchema, typ)
	}
	return err
}

// valueKind is HOCON's value type (STRING, NUMBER, ...), used for keys
// without _type: the new value must have the same kind as the default.
func valueKind(v any) string {
	switch v.(type) {
	case string, Concat:
		return "STRING"
	case int64, float64:
		return "NUMBER"
	case bool:
		return "BOOLEAN"
	case map[string]any:
		return "OBJECT"
	case []any:
		return "LIST"
	case nil:
		return "NULL"
	}
	return "UNKNOWN"
}
