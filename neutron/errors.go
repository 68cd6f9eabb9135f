package neutron

import "fmt"

// BadRequestError is a Neutron request the translation rejects as invalid
// (the reference's IllegalArgumentException): HTTP 400.
type BadRequestError struct{ Msg string }

func (e *BadRequestError) Error() string { return e.Msg }

// ConflictError is a Neutron request that conflicts with the current
// topology (the reference's IllegalStateException): HTTP 409.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &BadRequestError{Msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &ConflictError{Msg: fmt.Sprintf(format, args...)}
}
