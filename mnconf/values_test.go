package mnconf

import (
	"errors"
	"testing"
	"time"
)

// TestParseDuration is typesafe-config's grammar, the one parser for every
// duration of mn-conf and of the node's own settings.
func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{
		"10s": 10 * time.Second, "1000ms": time.Second, "1000": time.Second, " 30 s ": 30 * time.Second,
		"1d": 24 * time.Hour, "2 minutes": 2 * time.Minute, "1.5h": 90 * time.Minute, "5 us": 5 * time.Microsecond,
		"6000": 6 * time.Second, "1e3": time.Second,
	}
	for in, want := range cases {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "10 parsecs", "ten", "10s5"} {
		if _, err := ParseDuration(in); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("ParseDuration(%q) err = %v, want ErrInvalidValue", in, err)
		}
	}
}
