package vxgw

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

const (
	hostA = "aaaaaaaa-0000-0000-0000-000000000001"
	hostB = "bbbbbbbb-0000-0000-0000-000000000002"
	hostC = "cccccccc-0000-0000-0000-000000000003"
)

var (
	ipA = netip.MustParseAddr("10.1.0.1")
	ipB = netip.MustParseAddr("10.1.0.2")
	ipC = netip.MustParseAddr("10.1.0.3")
)

func fixed(v int64) func(int64) int64 { return func(int64) int64 { return v } }

func TestChooseFloodingProxy(t *testing.T) {
	all := []FloodingProxyCandidate{
		{HostID: hostA, IP: ipA, Weight: 1, Alive: true},
		{HostID: hostB, IP: ipB, Weight: 3, Alive: true},
		{HostID: hostC, IP: ipC, Weight: 2, Alive: true},
	}
	tests := []struct {
		name       string
		current    *FloodingProxy
		candidates []FloodingProxyCandidate
		draw       int64
		want       string // "" = none
	}{
		{"none", nil, nil, 0, ""},
		// Sorted by weight desc: B (0..2], C (3..4], A (5].
		{"first slot", nil, all, 0, hostB + "#10.1.0.2"},
		{"end of first slot", nil, all, 2, hostB + "#10.1.0.2"},
		{"second slot", nil, all, 3, hostC + "#10.1.0.3"},
		{"last slot", nil, all, 5, hostA + "#10.1.0.1"},
		{"dead and weightless excluded", nil, []FloodingProxyCandidate{
			{HostID: hostA, IP: ipA, Weight: 5, Alive: false},
			{HostID: hostB, IP: ipB, Weight: 0, Alive: true},
			{HostID: hostC, IP: ipC, Weight: 1, Alive: true},
		}, 0, hostC + "#10.1.0.3"},
		{"nobody eligible", nil, []FloodingProxyCandidate{
			{HostID: hostA, IP: ipA, Weight: 5, Alive: false},
			{HostID: hostB, IP: ipB, Weight: 0, Alive: true},
			{HostID: hostC, Weight: 1, Alive: true}, // no IP in the zone
		}, 0, ""},
		{"current kept while eligible", &FloodingProxy{HostID: hostA, IP: ipA}, all, 0, hostA + "#10.1.0.1"},
		{"current replaced when dead", &FloodingProxy{HostID: hostA, IP: ipA}, []FloodingProxyCandidate{
			{HostID: hostA, IP: ipA, Weight: 1, Alive: false}, all[1],
		}, 0, hostB + "#10.1.0.2"},
		{"current replaced when its zone IP changed", &FloodingProxy{HostID: hostA, IP: ipC}, all[:1], 0, hostA + "#10.1.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ChooseFloodingProxy(tt.current, tt.candidates, fixed(tt.draw))
			if tt.want == "" {
				if ok {
					t.Fatalf("got %v, want none", got)
				}
				return
			}
			if !ok || got.String() != tt.want {
				t.Fatalf("got %v (%v), want %s", got, ok, tt.want)
			}
		})
	}
}

// TestChooseFloodingProxyIsWeighted checks the distribution with a seeded
// source: each host's share is close to its weight's share.
func TestChooseFloodingProxyIsWeighted(t *testing.T) {
	cands := []FloodingProxyCandidate{
		{HostID: hostA, IP: ipA, Weight: 1, Alive: true},
		{HostID: hostB, IP: ipB, Weight: 3, Alive: true},
		{HostID: hostC, IP: ipC, Weight: 6, Alive: true},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const draws = 20000
	for range draws {
		fp, ok := ChooseFloodingProxy(nil, cands, rnd.Int64N)
		if !ok {
			t.Fatal("no proxy")
		}
		counts[fp.HostID]++
	}
	for _, c := range cands {
		share := float64(counts[c.HostID]) / draws
		want := float64(c.Weight) / 10
		if share < want-0.02 || share > want+0.02 {
			t.Errorf("host %s chosen %.3f of the time, want ≈ %.1f", c.HostID, share, want)
		}
	}
}

func TestFloodingProxyStateFormat(t *testing.T) {
	fp := FloodingProxy{HostID: hostA, IP: ipA}
	if got := fp.String(); got != hostA+"#10.1.0.1" {
		t.Fatalf("String = %q", got)
	}
	back, err := ParseFloodingProxy(fp.String())
	if err != nil || back != fp {
		t.Fatalf("round trip: %v %v", back, err)
	}
	for _, bad := range []string{"", "#10.0.0.1", hostA, hostA + "#", hostA + "#not-an-ip", hostA + "#::1"} {
		if _, err := ParseFloodingProxy(bad); err == nil {
			t.Errorf("ParseFloodingProxy(%q) accepted", bad)
		}
	}
}
