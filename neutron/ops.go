package neutron

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// OpKind says what an Op does to the store.
type OpKind int

const (
	// OpCreate creates Op.Obj.
	OpCreate OpKind = iota + 1
	// OpUpdate replaces the stored object with Op.Obj.
	OpUpdate
	// OpModify reads the object Op.Model/Op.ID as the transaction sees it
	// when the op is applied (after the ops before it and their binding
	// updates) and writes back what Op.Modify makes of it.
	OpModify
	// OpDelete deletes Op.Model/Op.ID with the store's cascades; a missing
	// object is not an error (Neutron deletes are idempotent).
	OpDelete
	// OpAppend appends Op.Elems to the repeated field Op.Field of the
	// object Op.Model/Op.ID as the transaction sees it, without copying or
	// re-printing the object (zoom.Tx.Append): for lists that grow with
	// the network (a subnet's DHCP hosts), so that concurrent requests'
	// appends compose in one group commit.
	OpAppend
	// OpEdit changes elements of the repeated field Op.Field of the
	// object Op.Model/Op.ID as the transaction sees it when the op runs,
	// without copying or re-printing the object (zoom.Tx.Edit): Op.Edit
	// gets the field's elements and returns the changes, applied in order;
	// none leaves the object unwritten. For lists every port of a tenant
	// shares (a security group's IP address group), so that a port's
	// create, update or delete costs about its own entries.
	OpEdit
	// OpCreateNode creates the raw node Op.Path (a state-table entry); an
	// existing node is left as it is.
	OpCreateNode
	// OpDeleteNode deletes the raw node Op.Path if it exists.
	OpDeleteNode
)

// Op is one store operation produced by a translation. Translations
// return lists of them; Apply runs a list inside one zoom transaction, in
// order, so a Neutron request is one storage multi.
type Op struct {
	Kind   OpKind
	Obj    proto.Message // OpCreate, OpUpdate
	Model  proto.Message // OpModify, OpDelete: names the class
	ID     uuid.UUID     // OpModify, OpDelete
	Modify func(proto.Message) error
	// IgnoreMissing: OpModify or OpEdit of a missing object does nothing.
	IgnoreMissing bool
	Path          string // OpCreateNode, OpDeleteNode
	// Field and Elems: OpAppend; Field and Edit: OpEdit.
	Field string
	Elems []proto.Message
	Edit  func(elems []proto.Message) ([]models.ListEdit, error)
}

// Create is the op creating obj.
func Create(obj proto.Message) Op { return Op{Kind: OpCreate, Obj: obj} }

// Update is the op replacing the stored object of obj's class and id.
func Update(obj proto.Message) Op { return Op{Kind: OpUpdate, Obj: obj} }

// Delete is the op deleting an object (missing is fine).
func Delete(model proto.Message, id uuid.UUID) Op { return Op{Kind: OpDelete, Model: model, ID: id} }

// Append is the op appending elems to the repeated message field of the
// object of type T with id.
func Append[T proto.Message](id uuid.UUID, field string, elems ...proto.Message) Op {
	return Op{Kind: OpAppend, Model: zeroOf[T](), ID: id, Field: field, Elems: elems}
}

// EditElems is the op changing elements of the repeated message field of
// the object of type T with id as the transaction sees it when the op
// runs: edit gets the field's elements, of type E (the transaction's own:
// read them, never modify or keep them), and returns the changes
// (zoom.Tx.Edit's: Old replaced by New or removed, or New appended; their
// Field is the op's). A missing object is NotFound unless ignoreMissing.
func EditElems[T, E proto.Message](id uuid.UUID, field string, ignoreMissing bool, edit func([]E) ([]models.ListEdit, error)) Op {
	return Op{Kind: OpEdit, Model: zeroOf[T](), ID: id, Field: field, IgnoreMissing: ignoreMissing,
		Edit: func(elems []proto.Message) ([]models.ListEdit, error) {
			typed := make([]E, len(elems))
			for i, m := range elems {
				e, ok := m.(E)
				if !ok {
					return nil, fmt.Errorf("neutron: edit %s of %s: got %s", field, models.ClassName(zeroOf[T]()), models.ClassName(m))
				}
				typed[i] = e
			}
			return edit(typed)
		}}
}

// CreateNode is the op creating a raw node (kept if it exists).
func CreateNode(path string) Op { return Op{Kind: OpCreateNode, Path: path} }

// DeleteNode is the op deleting a raw node (missing is fine).
func DeleteNode(path string) Op { return Op{Kind: OpDeleteNode, Path: path} }

// Modify is the op changing the object of type T with id as the
// transaction sees it when the op runs. Use it instead of Update for
// objects whose back-references earlier ops of the same request change
// (a network gaining a port, a chain gaining a rule).
func Modify[T proto.Message](id uuid.UUID, f func(T) error) Op {
	var zero T
	return Op{Kind: OpModify, Model: zero.ProtoReflect().Type().New().Interface(), ID: id,
		Modify: func(m proto.Message) error {
			t, ok := m.(T)
			if !ok {
				return fmt.Errorf("neutron: modify %s: got %s", models.ClassName(zero), models.ClassName(m))
			}
			return f(t)
		}}
}

func (op Op) String() string {
	switch op.Kind {
	case OpCreate, OpUpdate:
		id, _ := models.ID(op.Obj)
		kind := map[OpKind]string{OpCreate: "create", OpUpdate: "update"}[op.Kind]
		return kind + " " + models.ClassName(op.Obj) + " " + id.Canonical()
	case OpModify:
		return "modify " + models.ClassName(op.Model) + " " + op.ID.String()
	case OpAppend:
		return "append to " + op.Field + " of " + models.ClassName(op.Model) + " " + op.ID.String()
	case OpEdit:
		return "edit " + op.Field + " of " + models.ClassName(op.Model) + " " + op.ID.String()
	case OpDelete:
		return "delete " + models.ClassName(op.Model) + " " + op.ID.String()
	case OpCreateNode:
		return "create node " + op.Path
	case OpDeleteNode:
		return "delete node " + op.Path
	}
	return fmt.Sprintf("op(%d)", op.Kind)
}

// Apply runs ops in order in tx.
func Apply(tx *zoom.Tx, ops []Op) error {
	for _, op := range ops {
		if err := op.apply(tx); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}

func (op Op) apply(tx *zoom.Tx) error {
	switch op.Kind {
	case OpCreate:
		return tx.Create(op.Obj)
	case OpUpdate:
		return tx.Update(op.Obj)
	case OpModify:
		return op.missingIgnored(tx.Modify(op.Model, op.ID, op.Modify))
	case OpEdit:
		var elems []proto.Message
		err := tx.Elems(op.Model, op.ID, op.Field, func(m proto.Message) bool { elems = append(elems, m); return true })
		if err != nil {
			return op.missingIgnored(err)
		}
		edits, err := op.Edit(elems)
		if err != nil || len(edits) == 0 {
			return err
		}
		return tx.Edit(op.Model, op.ID, op.Field, edits...)
	case OpAppend:
		return tx.Append(op.Model, op.ID, op.Field, op.Elems...)
	case OpDelete:
		return tx.Delete(op.Model, op.ID, true)
	case OpCreateNode:
		return tx.EnsureNode(op.Path)
	case OpDeleteNode:
		return tx.DeleteNode(op.Path, true)
	}
	return fmt.Errorf("neutron: unknown op kind %d", op.Kind)
}

// missingIgnored is err, or nil when it says the op's own object is
// missing and the op ignores that.
func (op Op) missingIgnored(err error) error {
	var nf *zoom.NotFoundError
	if op.IgnoreMissing && errors.As(err, &nf) && nf.Class == models.ClassName(op.Model) && nf.ID == op.ID.String() {
		return nil
	}
	return err
}

// modifyIfExists is Modify of an object that may have been deleted: then
// nothing happens.
func modifyIfExists[T proto.Message](id uuid.UUID, f func(T) error) Op {
	op := Modify(id, f)
	op.IgnoreMissing = true
	return op
}
