package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// The election's behaviour is tested on every backend by storagetest (and
// under disconnection on mem); these cover its argument checks and ordering.

func TestElectionBadArguments(t *testing.T) {
	tests := []struct {
		root, name string
	}{
		{"/elections", ""},
		{"/elections", "a/b"},
		{"", "svc"},
		{"relative", "svc"},
	}
	for _, tc := range tests {
		e := &Election{Root: tc.root} // no Conn: must fail before using it
		err := e.Campaign(context.Background(), tc.name, "id", func(context.Context) {
			t.Errorf("lead called for root %q name %q", tc.root, tc.name)
		})
		if !errors.Is(err, ErrBadArguments) {
			t.Errorf("Campaign(root %q, name %q) = %v, want ErrBadArguments", tc.root, tc.name, err)
		}
		if _, err := e.Leader(context.Background(), tc.name); !errors.Is(err, ErrBadArguments) {
			t.Errorf("Leader(root %q, name %q) = %v, want ErrBadArguments", tc.root, tc.name, err)
		}
	}
}

func TestSortCandidates(t *testing.T) {
	kids := []string{
		"_c_bbbb-latch-0000000010",
		"_c_aaaa-latch-0000000002",
		"stray",
		"_c_cccc-latch-12",
		"_c_dddd-latch-0000000009",
		"latch-0000000001", // a plain Curator latch node sorts too
	}
	want := []string{
		"latch-0000000001",
		"_c_aaaa-latch-0000000002",
		"_c_dddd-latch-0000000009",
		"_c_bbbb-latch-0000000010",
	}
	if got := sortCandidates(kids); !slices.Equal(got, want) {
		t.Errorf("sortCandidates = %q, want %q", got, want)
	}
}
