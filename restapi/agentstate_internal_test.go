package restapi

import "testing"

// TestNameUUIDMatchesJava: learned-route ids must equal the reference's
// UUID.nameUUIDFromBytes. The expected value was printed by Java 17 for
// the same 50 bytes (b[i] = i*7).
func TestNameUUIDMatchesJava(t *testing.T) {
	b := make([]byte, 50)
	for i := range b {
		b[i] = byte(i * 7)
	}
	if got, want := nameUUID(b).String(), "14b1f836-4c64-308b-878f-f3c39f1760f7"; got != want {
		t.Errorf("nameUUID = %s, Java says %s", got, want)
	}
}
