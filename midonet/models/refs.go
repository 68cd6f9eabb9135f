package models

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Generic access to reference fields (fields of type UUID, single or
// repeated), for the object store's bindings. All functions modify msg in
// place; clone first when msg is shared.

// RefAlreadySetError: a single-valued reference field already holds an id
// (even the same one), so a second referrer cannot be recorded. The object
// store reports it as a reference conflict.
type RefAlreadySetError struct {
	Class, Field string
	Existing     *UUID
}

func (e *RefAlreadySetError) Error() string {
	return fmt.Sprintf("models: %s.%s already references %s", e.Class, e.Field, e.Existing.Canonical())
}

// RefField returns the descriptor of msg's UUID-typed field named field.
func RefField(msg proto.Message, field string) (protoreflect.FieldDescriptor, error) {
	if msg == nil {
		return nil, &InvalidValueError{Kind: "message", Value: "<nil>"}
	}
	d := msg.ProtoReflect().Descriptor()
	fd := d.Fields().ByName(protoreflect.Name(field))
	if fd == nil {
		return nil, &InvalidValueError{Kind: "reference field", Value: string(d.Name()) + "." + field, Err: fmt.Errorf("no such field")}
	}
	if fd.Kind() != protoreflect.MessageKind || fd.Message().FullName() != (*UUID)(nil).ProtoReflect().Descriptor().FullName() {
		return nil, &InvalidValueError{Kind: "reference field", Value: string(d.Name()) + "." + field, Err: fmt.Errorf("not of type UUID")}
	}
	return fd, nil
}

// RefIDs returns the ids held by a reference field: all elements of a
// repeated field, or zero or one for a single field. The slice is a copy;
// its elements alias msg.
func RefIDs(msg proto.Message, field string) ([]*UUID, error) {
	fd, err := RefField(msg, field)
	if err != nil {
		return nil, err
	}
	m := msg.ProtoReflect()
	if !fd.IsList() {
		if !m.Has(fd) {
			return nil, nil
		}
		return []*UUID{m.Get(fd).Message().Interface().(*UUID)}, nil
	}
	list := m.Get(fd).List()
	ids := make([]*UUID, list.Len())
	for i := range ids {
		ids[i] = list.Get(i).Message().Interface().(*UUID)
	}
	return ids, nil
}

// AddRefID records id in a reference field: appended to a repeated field
// (duplicates allowed), or set on a single field, which must be unset
// (*RefAlreadySetError otherwise), as the reference's ZOOM does.
func AddRefID(msg proto.Message, field string, id *UUID) error {
	fd, err := RefField(msg, field)
	if err != nil {
		return err
	}
	if id == nil {
		return &InvalidValueError{Kind: "reference id", Value: "<nil>"}
	}
	m := msg.ProtoReflect()
	v := protoreflect.ValueOfMessage(proto.Clone(id).ProtoReflect())
	if fd.IsList() {
		m.Mutable(fd).List().Append(v)
		return nil
	}
	if m.Has(fd) {
		return &RefAlreadySetError{Class: ClassName(msg), Field: field, Existing: m.Get(fd).Message().Interface().(*UUID)}
	}
	m.Set(fd, v)
	return nil
}

// RemoveRefID removes id from a reference field: its first occurrence in a
// repeated field, or the single value if it equals id. It reports whether
// anything was removed.
func RemoveRefID(msg proto.Message, field string, id *UUID) (bool, error) {
	fd, err := RefField(msg, field)
	if err != nil {
		return false, err
	}
	m := msg.ProtoReflect()
	if !fd.IsList() {
		if m.Has(fd) && m.Get(fd).Message().Interface().(*UUID).Equal(id) {
			m.Clear(fd)
			return true, nil
		}
		return false, nil
	}
	if !m.Has(fd) {
		return false, nil
	}
	list := m.Mutable(fd).List()
	for i := 0; i < list.Len(); i++ {
		if list.Get(i).Message().Interface().(*UUID).Equal(id) {
			for j := i + 1; j < list.Len(); j++ {
				list.Set(j-1, list.Get(j))
			}
			list.Truncate(list.Len() - 1)
			return true, nil
		}
	}
	return false, nil
}
