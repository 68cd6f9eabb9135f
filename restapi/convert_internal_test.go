package restapi

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendJSONMatchesEncodingJSON: the hand-written encoder must produce
// exactly encoding/json's bytes.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " backslash \ slash /`, "<a href='x'>&amp;</a>", "tab\tnl\ncr\r\x00\x1f\x7f",
		"é ü 日本", "\u2028\u2029", "bad \xff\xfe utf8", "\xed\xa0\x80"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		strs = append(strs, string(b))
	}
	values := []any{nil, true, false, int(-3), int32(7), int64(-1 << 40), uint32(1 << 31), uint64(1 << 63), []string{}, []string{"a", "<"},
		object{{"k", "v"}, {"n", nil}, {"list", []object{{{"x", 1}}}}}, []object{}, 1.5, map[string]int{"z": 1}}
	for _, s := range strs {
		values = append(values, s, object{{s, s}})
	}
	for _, v := range values {
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%#v: got %s, encoding/json %s", v, got, want)
		}
	}
}

// TestSuffixedURIMatchesItsString: an object's URI with a link's suffix
// (ASCII, from '/') is written as encoding/json writes their concatenation,
// whatever the URI holds; plain URIs are copied, the others escaped.
func TestSuffixedURIMatchesItsString(t *testing.T) {
	selves := []string{"http://127.0.0.1:8080/midonet-api/bridges/0b4b7b5e-24c1-4dbb-9c3d-0d8b0f3c6a11", "",
		"http://h/<&>/x", `http://h/"q"\`, "http://h/é/\u2028", "http://h/bad\xff", "http://h/cut\xe6\x97", "tab\t"}
	for _, self := range selves {
		for _, suffix := range []string{"", "/ports", "/vlans/{vlanId}/mac_table/{macAddress}_{portId}"} {
			u := newSuffixedURI(self, jsonPlainString(self), suffix)
			got, err := appendObject(nil, object{{"uri", &u}})
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(map[string]string{"uri": self + suffix})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%q + %q: got %s, encoding/json %s", self, suffix, got, want)
			}
		}
	}
}
