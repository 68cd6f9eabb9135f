package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// TestErrorClasses: the backend's errors reach the store's callers
// classified, wrapped or not, and nothing else is classified.
func TestErrorClasses(t *testing.T) {
	for _, c := range []struct {
		err                   error
		unavailable, rejected bool
	}{
		{storage.ErrConnectionLoss, true, false},
		{fmt.Errorf("zoom: get Port x: %w", storage.ErrSessionExpired), true, false},
		{fmt.Errorf("tx: %w", storage.ErrClosed), true, false},
		{fmt.Errorf("zoom: multi: %w", storage.ErrBadArguments), false, true},
		{&zoom.NotFoundError{Class: "Port", ID: "x"}, false, false},
		{context.DeadlineExceeded, false, false},
		{errors.New("other"), false, false},
		{nil, false, false},
	} {
		if got := zoom.Unavailable(c.err); got != c.unavailable {
			t.Errorf("Unavailable(%v) = %v", c.err, got)
		}
		if got := zoom.Rejected(c.err); got != c.rejected {
			t.Errorf("Rejected(%v) = %v", c.err, got)
		}
	}
}
