package neutron

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
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

// TranslationError is a *BadRequestError or *ConflictError raised while
// translating one operation, worded as the reference's TranslationException:
// "Failed to <op>; <message>", where op is the Scala operation's toString
// ("Create(<the Neutron object's text>)", "Update(<text>,null)",
// "Delete(class <Java class>,<the id's text>)", the text being protobuf's
// TextFormat, as Message.toString prints it). The reference's REST layer
// answers the whole string as the error's message.
type TranslationError struct {
	Op  string
	Msg string // the refusal's message
	Err error  // the refusal, maybe wrapped (by the op that met it)
}

func (e *TranslationError) Error() string { return "Failed to " + e.Op + "; " + e.Msg }

func (e *TranslationError) Unwrap() error { return e.Err }

// refused wraps a translator's rejection (400 or 409) of the operation op
// describes, raised by the translator or by one of its ops' functions as the
// transaction applies them (the reference checks both inside the
// translator), as a *TranslationError; other errors (nil, the store's, which
// the reference answers with their own message) are returned as they are.
func refused(err error, op func() string) error {
	var bad *BadRequestError
	var conflict *ConflictError
	var tr *TranslationError
	switch {
	case errors.As(err, &tr):
	case errors.As(err, &bad):
		return &TranslationError{Op: op(), Msg: bad.Msg, Err: err}
	case errors.As(err, &conflict):
		return &TranslationError{Op: op(), Msg: conflict.Msg, Err: err}
	}
	return err
}

// createOp, updateOp and deleteOp print the reference's Create, Update
// and Delete operations.
func createOp(nm proto.Message) func() string {
	return func() string { return "Create(" + javaText(nm) + ")" }
}

func updateOp(nm proto.Message) func() string {
	return func() string { return "Update(" + javaText(nm) + ",null)" }
}

func deleteOp(model proto.Message, id *models.UUID) func() string {
	return func() string { return "Delete(class " + models.JavaClassName(model) + "," + javaText(id) + ")" }
}

// javaText is msg as Java's Message.toString prints it; a message Marshal
// refuses (a required field unset, which a decoded request never has) is
// named by its class instead.
func javaText(msg proto.Message) string {
	text, err := models.Marshal(msg)
	if err != nil {
		return models.JavaClassName(msg)
	}
	return string(text)
}
