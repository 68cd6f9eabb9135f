package models

import (
	"encoding/binary"
	"errors"

	"github.com/google/uuid"
)

// MidoNet stores a UUID the way java.util.UUID holds it: the first eight
// bytes (big-endian) are msb, the last eight are lsb.

// NewUUID returns a fresh random (version 4) identifier.
func NewUUID() *UUID {
	return UUIDFromGoogle(uuid.New())
}

// UUIDFromGoogle converts a github.com/google/uuid value.
func UUIDFromGoogle(u uuid.UUID) *UUID {
	msb := binary.BigEndian.Uint64(u[:8])
	lsb := binary.BigEndian.Uint64(u[8:])
	return &UUID{Msb: &msb, Lsb: &lsb}
}

// ParseUUID parses the canonical 8-4-4-4-12 form (any case; the forms
// github.com/google/uuid accepts are accepted too).
func ParseUUID(s string) (*UUID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, &InvalidValueError{Kind: "UUID", Value: s, Err: err}
	}
	return UUIDFromGoogle(u), nil
}

// ToGoogle converts to a github.com/google/uuid value; nil gives uuid.Nil.
func (x *UUID) ToGoogle() uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], x.GetMsb())
	binary.BigEndian.PutUint64(u[8:], x.GetLsb())
	return u
}

// Canonical returns the lowercase 8-4-4-4-12 form used in ZooKeeper paths
// and the REST API, identical to java.util.UUID.toString. (String is taken
// by the generated debug representation.)
func (x *UUID) Canonical() string {
	return x.ToGoogle().String()
}

// Equal reports whether both identifiers are the same value; two nils are
// equal, nil and a zero UUID are not.
func (x *UUID) Equal(y *UUID) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.GetMsb() == y.GetMsb() && x.GetLsb() == y.GetLsb()
}

// UUIDsToStrings converts a repeated id field to canonical strings.
func UUIDsToStrings(ids []*UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Canonical()
	}
	return out
}

// ParseUUIDs parses each string; the first bad one fails the whole call.
func ParseUUIDs(ss []string) ([]*UUID, error) {
	out := make([]*UUID, len(ss))
	var errs []error
	for i, s := range ss {
		id, err := ParseUUID(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[i] = id
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
