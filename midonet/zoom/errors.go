package zoom

import (
	"errors"
	"fmt"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Sentinel errors: every typed error of the store matches one of these with
// errors.Is, and can be unpacked with errors.As for its class and id.
var (
	ErrNotFound               = errors.New("zoom: object not found")
	ErrObjectExists           = errors.New("zoom: object already exists")
	ErrReferenceConflict      = errors.New("zoom: reference conflict")
	ErrObjectReferenced       = errors.New("zoom: object is referenced")
	ErrConcurrentModification = errors.New("zoom: concurrent modification")
	ErrUnregistered           = errors.New("zoom: class not registered")
	ErrInvalidObject          = errors.New("zoom: invalid object")
	ErrNotStateOwner          = errors.New("zoom: not the state owner")
	ErrUnmodifiableState      = errors.New("zoom: state cannot be modified")
)

// NotFoundError: the object does not exist (get, update, delete of a missing
// object, or a reference to a missing object while adding a back-reference).
type NotFoundError struct {
	Class string
	ID    string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("There is no %s with ID %s.", e.Class, e.ID)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ObjectExistsError: create of an id that is already stored.
type ObjectExistsError struct {
	Class string
	ID    string
}

func (e *ObjectExistsError) Error() string {
	return fmt.Sprintf("A(n) %s with ID %s already exists.", e.Class, e.ID)
}

// Is makes errors.Is(err, ErrObjectExists) true.
func (e *ObjectExistsError) Is(target error) bool { return target == ErrObjectExists }

// ReferenceConflictError: a back-reference would be written to a
// single-valued field that already holds an id. Class/ID/Field name the
// object holding the field; ReferencedClass/ReferencedID what it already
// references (names as in the reference's ReferenceConflictException).
type ReferenceConflictError struct {
	Class, ID, Field              string
	ReferencedClass, ReferencedID string
}

func (e *ReferenceConflictError) Error() string {
	return fmt.Sprintf("Operation failed because the %s with ID %s already references the %s with ID %s via the field %s. This field can accommodate only one reference.",
		e.Class, e.ID, e.ReferencedClass, e.ReferencedID, e.Field)
}

// Is makes errors.Is(err, ErrReferenceConflict) true.
func (e *ReferenceConflictError) Is(target error) bool { return target == ErrReferenceConflict }

// ObjectReferencedError: delete blocked by a binding whose delete action is
// ERROR. Class/ID is the object being deleted, ReferencingClass/ID the
// object it still references.
type ObjectReferencedError struct {
	Class, ID                       string
	ReferencingClass, ReferencingID string
}

func (e *ObjectReferencedError) Error() string {
	return fmt.Sprintf("Cannot delete the %s with ID %s because it is still referenced by the %s with ID %s.",
		e.Class, e.ID, e.ReferencingClass, e.ReferencingID)
}

// Is makes errors.Is(err, ErrObjectReferenced) true.
func (e *ObjectReferencedError) Is(target error) bool { return target == ErrObjectReferenced }

// ConcurrentModificationError: the transaction lost an optimistic-lock race
// on Class/ID (empty when unknown) until its context ended or its attempts
// ran out (or, inside a transaction function, the commit will be retried).
// Err is the storage error behind it.
type ConcurrentModificationError struct {
	Class, ID string
	Attempts  int
	Err       error
}

func (e *ConcurrentModificationError) Error() string {
	what := "the store"
	if e.Class != "" {
		what = e.Class + " " + e.ID
	}
	if e.Attempts > 0 {
		return fmt.Sprintf("zoom: concurrent modification of %s after %d attempts: %v", what, e.Attempts, e.Err)
	}
	return fmt.Sprintf("zoom: concurrent modification of %s: %v", what, e.Err)
}

// Is makes errors.Is(err, ErrConcurrentModification) true.
func (e *ConcurrentModificationError) Is(target error) bool {
	return target == ErrConcurrentModification
}

func (e *ConcurrentModificationError) Unwrap() error { return e.Err }

// InvalidObjectError: the caller passed something the store cannot hold
// (no id, an unregistered class, an id changed by a validator ...).
type InvalidObjectError struct {
	Class  string
	Reason string
	Err    error
}

func (e *InvalidObjectError) Error() string {
	s := "zoom: invalid " + e.Class + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrInvalidObject) true.
func (e *InvalidObjectError) Is(target error) bool { return target == ErrInvalidObject }

func (e *InvalidObjectError) Unwrap() error { return e.Err }

// UnregisteredError: the class is not in the store's schema.
type UnregisteredError struct{ Class string }

func (e *UnregisteredError) Error() string { return "zoom: class " + e.Class + " is not registered" }

// Is makes errors.Is(err, ErrUnregistered) true.
func (e *UnregisteredError) Is(target error) bool { return target == ErrUnregistered }

// StateError: a state key write failed. Owner is the session owning the
// current value when the failure is ErrNotStateOwner.
type StateError struct {
	Class, ID, Key, Value string
	Owner                 int64
	Err                   error // ErrNotStateOwner, ErrUnmodifiableState (wrapping the storage error) ...
}

func (e *StateError) Error() string {
	return fmt.Sprintf("zoom: state %s of %s %s (value %q): %v", e.Key, e.Class, e.ID, e.Value, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

// Unavailable reports whether err means that the data store could not be
// reached (connection lost, session expired, store closed): the request
// may succeed later. The REST layer answers 503 for it.
func Unavailable(err error) bool {
	return errors.Is(err, storage.ErrConnectionLoss) || errors.Is(err, storage.ErrSessionExpired) ||
		errors.Is(err, storage.ErrClosed)
}

// Rejected reports whether the data store refused a write as malformed: an
// object over its size limit (ZooKeeper's jute.maxbuffer) or a key that
// makes no valid node name. The caller's input, not the store's state.
func Rejected(err error) bool { return errors.Is(err, storage.ErrBadArguments) }
