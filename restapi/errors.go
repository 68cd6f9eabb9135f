package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an API error with the HTTP status it is answered with. Handlers
// return it (wrapped or not); writeError turns it into the reference's
// ErrorEntity / ValidationErrorEntity.
type Error struct {
	Status  int
	Message string // empty means JSON null
	// Violations makes the body a ValidationErrorEntity.
	Violations []Violation
	// EmptyBody answers with the status only (some reference sub-resources
	// answer 404/409 without a body).
	EmptyBody bool
	Err       error // cause, for logs and errors.Is
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Violation is one failed bean-validation constraint.
type Violation struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

func errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// invalid is the 400 ValidationErrorEntity listing viols.
func invalid(viols ...Violation) *Error {
	return &Error{Status: http.StatusBadRequest, Message: "Validation error(s) found", Violations: viols}
}

// violation is one violation of property.
func violation(property, message string) *Error {
	return invalid(Violation{Property: property, Message: message})
}

// ErrorEntity is the JSON error body of the reference.
type ErrorEntity struct {
	Message *string `json:"message"`
	Code    int     `json:"code"`
}

// ValidationErrorEntity is the JSON body of a 400 from bean validation.
type ValidationErrorEntity struct {
	Message    string      `json:"message"`
	Code       int         `json:"code"`
	Violations []Violation `json:"violations"`
}

// StoreErrorMapper classifies an object-store error as an API error; it
// returns nil for errors it does not know. The handler applies it before
// falling back to 500, so the one place where storage errors become HTTP
// statuses is the mapper given in Options (default: mapStoreError).
type StoreErrorMapper func(error) *Error

// toAPIError maps any error to the API error to answer with.
func (h *handler) toAPIError(err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	if mapped := h.mapStoreError(err); mapped != nil {
		return mapped
	}
	return &Error{Status: http.StatusInternalServerError, Message: err.Error(), Err: err}
}

// StatusClientClosedRequest answers a request whose client went away
// before its answer was ready (nginx's 499): nobody reads it, but the
// request metrics and access logs tell it from a server error.
const StatusClientClosedRequest = 499

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client cancelled (closed its connection): not a failure of
		// the node, so not an ERROR line per cancelled request.
		h.log.DebugContext(r.Context(), "request cancelled by the client", slog.String("method", r.Method),
			slog.String("path", r.URL.Path))
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	apiErr := h.toAPIError(err)
	if apiErr.Status >= 500 {
		h.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if apiErr.Status == http.StatusServiceUnavailable {
		w.Header().Set("RetryAfter", "3") // sic: the reference spells it without a hyphen
	}
	if apiErr.EmptyBody {
		w.WriteHeader(apiErr.Status)
		return
	}
	var body any
	if len(apiErr.Violations) > 0 {
		body = ValidationErrorEntity{Message: "Validation error(s) found", Code: apiErr.Status, Violations: apiErr.Violations}
	} else {
		ent := ErrorEntity{Code: apiErr.Status}
		if apiErr.Message != "" {
			msg := apiErr.Message
			ent.Message = &msg
		}
		body = ent
	}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", MediaError)
	writeBody(w, r, apiErr.Status, data)
}
