package neutron

import (
	"fmt"

	"github.com/midonet/midonet-go/midonet/zoom"
)

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

// notFound is the store's not-found error for an object named otherwise
// than by id (a host by its name), so it maps to 404 like any other.
func notFound(class, id string) error { return &zoom.NotFoundError{Class: class, ID: id} }
