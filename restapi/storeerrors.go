package restapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/midonet/midonet-go/midonet/zoom"
)

// DefaultStoreErrors is the one place where the object store's errors become
// HTTP statuses and ErrorEntity messages.
func DefaultStoreErrors(err error) *Error {
	switch {
	case zoom.Unavailable(err):
		return &Error{Status: http.StatusServiceUnavailable, Message: "Data store unavailable", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Message: "Resource read timeout", Err: err}
	case zoom.Rejected(err):
		// A write ZooKeeper cannot take: an object over jute.maxbuffer or a
		// key that makes no valid node name. The caller's input; the cause
		// (which names the store's paths) goes to the log only.
		return &Error{Status: http.StatusBadRequest, Message: "The object cannot be stored: it is too large for the data store, or a key in it is not a valid node name", Err: err}
	}
	return mapObjectStoreError(err)
}

// mapObjectStoreError classifies the typed errors of the object store, with
// their messages (which are the reference's for not-found, exists and
// referenced objects).
func mapObjectStoreError(err error) *Error {
	var (
		notFound   *zoom.NotFoundError
		exists     *zoom.ObjectExistsError
		conflict   *zoom.ReferenceConflictError
		referenced *zoom.ObjectReferencedError
		concurrent *zoom.ConcurrentModificationError
		invalid    *zoom.InvalidObjectError
	)
	switch {
	case errors.As(err, &notFound):
		return &Error{Status: http.StatusNotFound, Message: notFound.Error(), Err: err}
	case errors.As(err, &exists):
		return &Error{Status: http.StatusConflict, Message: exists.Error(), Err: err}
	case errors.As(err, &conflict):
		return &Error{Status: http.StatusConflict, Message: conflict.Error(), Err: err}
	case errors.As(err, &referenced):
		return &Error{Status: http.StatusConflict, Message: referenced.Error(), Err: err}
	case errors.As(err, &concurrent):
		return &Error{Status: http.StatusConflict, Message: "The object was modified concurrently; retry the request.", Err: err}
	case errors.As(err, &invalid):
		// Only bad input reaches the store this way (e.g. a reference field
		// naming an id of the wrong kind): answer 400, never 500.
		return &Error{Status: http.StatusBadRequest, Message: invalid.Reason, Err: err}
	}
	return nil
}
