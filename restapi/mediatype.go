package restapi

import (
	"mime"
	"sort"
	"strconv"
	"strings"
)

// Media types of the MidoNet v5 API. Every vendor type has the form
// application/vnd.org.midonet.<Name>-v<N>+json; collections insert
// "collection." before the name.
const (
	vendorPrefix  = "application/vnd.org.midonet."
	MediaJSON     = "application/json"
	MediaError    = vendorPrefix + "Error-v1+json"
	MediaApp      = vendorPrefix + "Application-v5+json"
	mediaWildcard = "*/*"
)

// Vendor returns application/vnd.org.midonet.<name>+json, e.g. Vendor("Bridge-v4").
func Vendor(name string) string { return vendorPrefix + name + "+json" }

// VendorCollection returns the collection media type of a vendor name.
func VendorCollection(name string) string { return vendorPrefix + "collection." + name + "+json" }

// mediaTypes is the set of media types one operation accepts (Content-Type
// for POST/PUT) or produces (Accept for GET), in preference order.
type mediaTypes []string

// withJSON appends plain application/json ("+J" in the reference sheet).
func (m mediaTypes) withJSON() mediaTypes { return append(append(mediaTypes{}, m...), MediaJSON) }

// negotiation selects how strictly headers are checked; the reference has
// two regimes and clients observe the difference (406 vs 415, lists).
type negotiation int

const (
	// strict: the generic engine parses the header as ONE media type;
	// missing, lists and mismatches are all 406.
	strict negotiation = iota
	// standard: ordinary HTTP negotiation (q-values, missing Accept = */*,
	// Content-Type mismatch = 415).
	standard
)

type parsedType struct {
	typ, sub string
	q        float64
}

func parseOne(s string) (parsedType, bool) {
	mt, params, err := mime.ParseMediaType(strings.TrimSpace(s))
	if err != nil {
		return parsedType{}, false
	}
	typ, sub, ok := strings.Cut(strings.ToLower(mt), "/")
	if !ok || typ == "" || sub == "" {
		return parsedType{}, false
	}
	q := 1.0
	if qs, ok := params["q"]; ok {
		if f, err := strconv.ParseFloat(qs, 64); err == nil {
			q = f
		}
	}
	return parsedType{typ: typ, sub: sub, q: q}, true
}

// matches reports whether pattern (possibly with wildcards) covers concrete.
func (p parsedType) matches(concrete string) bool {
	typ, sub, _ := strings.Cut(strings.ToLower(concrete), "/")
	if p.typ == "*" {
		return true
	}
	if p.typ != typ {
		return false
	}
	return p.sub == "*" || p.sub == sub
}

func (p parsedType) isWildcard() bool { return p.typ == "*" || p.sub == "*" }

// isJSONish reports whether a body reader exists for the Content-Type: the
// subtype is json, ends with +json, or is a wildcard. Anything else is 415.
func isJSONish(contentType string) bool {
	p, ok := parseOne(contentType)
	if !ok {
		return false
	}
	return p.isWildcard() || p.sub == "json" || strings.HasSuffix(p.sub, "+json")
}

// pickStrict implements the strict regime: header must be a single, parsable
// type compatible with one of allowed. It returns the media type to answer
// with (the echoed concrete type, or the first allowed one for wildcards).
func pickStrict(header string, allowed mediaTypes) (string, bool) {
	if header == "" || strings.Contains(header, ",") {
		return "", false
	}
	p, ok := parseOne(header)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if p.matches(a) {
			if p.isWildcard() {
				return allowed[0], true
			}
			return a, true
		}
	}
	return "", false
}

// pickStandard implements ordinary Accept negotiation: highest q wins, ties
// keep the client's order; a missing header is */*.
func pickStandard(header string, allowed mediaTypes) (string, bool) {
	if strings.TrimSpace(header) == "" {
		header = mediaWildcard
	}
	var prefs []parsedType
	for _, part := range strings.Split(header, ",") {
		if p, ok := parseOne(part); ok && p.q > 0 {
			prefs = append(prefs, p)
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	for _, p := range prefs {
		for _, a := range allowed {
			if p.matches(a) {
				return a, true
			}
		}
	}
	return "", false
}

// consumesStandard reports whether a Content-Type is acceptable in the
// standard regime.
func consumesStandard(contentType string, allowed mediaTypes) bool {
	p, ok := parseOne(contentType)
	if !ok {
		return false
	}
	for _, a := range allowed {
		if p.matches(a) {
			return true
		}
	}
	return false
}
