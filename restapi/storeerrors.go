package restapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/midonet/midonet-go/midonet/storage"
)

// DefaultStoreErrors is the one place where the object store's errors become
// HTTP statuses and ErrorEntity messages.
func DefaultStoreErrors(err error) *Error {
	switch {
	case errors.Is(err, storage.ErrConnectionLoss), errors.Is(err, storage.ErrSessionExpired),
		errors.Is(err, storage.ErrClosed):
		return &Error{Status: http.StatusServiceUnavailable, Message: "Data store unavailable", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Message: "Resource read timeout", Err: err}
	}
	return mapObjectStoreError(err)
}

// mapObjectStoreError classifies the typed errors of the object store.
// TODO(zoom): wire the midonet/zoom typed errors once that package lands.
func mapObjectStoreError(err error) *Error { return nil }
