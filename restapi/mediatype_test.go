package restapi

import "testing"

func TestNegotiation(t *testing.T) {
	allowed := mediaTypes{Vendor("Bridge-v4"), Vendor("Bridge-v5"), MediaJSON}
	tests := []struct {
		name, header string
		regime       negotiation
		want         string // "" = refused
	}{
		{"strict exact", Vendor("Bridge-v5"), strict, Vendor("Bridge-v5")},
		{"strict case and params", "Application/VND.org.midonet.Bridge-v4+JSON; charset=UTF-8", strict, Vendor("Bridge-v4")},
		{"strict wildcard", "*/*", strict, Vendor("Bridge-v4")},
		{"strict application wildcard", "application/*", strict, Vendor("Bridge-v4")},
		{"strict plain json", "application/json", strict, MediaJSON},
		{"strict missing", "", strict, ""},
		{"strict list", Vendor("Bridge-v4") + ", */*", strict, ""},
		{"strict garbage", "not a type", strict, ""},
		{"strict other", Vendor("Router-v3"), strict, ""},
		{"standard missing", "", standard, Vendor("Bridge-v4")},
		{"standard list", "text/html, " + Vendor("Bridge-v5"), standard, Vendor("Bridge-v5")},
		{"standard q-values", MediaJSON + ";q=0.5, " + Vendor("Bridge-v5") + ";q=0.9", standard, Vendor("Bridge-v5")},
		{"standard q=0 refuses", Vendor("Bridge-v5") + ";q=0", standard, ""},
		{"standard none", "text/html", standard, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			var ok bool
			if tc.regime == strict {
				got, ok = pickStrict(tc.header, allowed)
			} else {
				got, ok = pickStandard(tc.header, allowed)
			}
			if tc.want == "" {
				if ok {
					t.Fatalf("accepted %q as %q", tc.header, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestJSONReader(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, Vendor("Port-v3"): true, "application/json; charset=utf-8": true,
		"*/*": true, "text/plain": false, "": false, "application/xml": false,
	} {
		if got := isJSONish(ct); got != want {
			t.Errorf("isJSONish(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestMACMask(t *testing.T) {
	v, ok := parseMACMask("ffff.ff00.0001")
	if !ok || v != 0xffffff000001 || formatMACMask(v) != "ffff.ff00.0001" {
		t.Fatalf("round trip: %x %v %s", v, ok, formatMACMask(v))
	}
	for _, bad := range []string{"", "ffff.ffff", "fffff.fff.ffff", "gggg.0000.0000"} {
		if _, ok := parseMACMask(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}
