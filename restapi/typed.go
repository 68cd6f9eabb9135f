package restapi

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// body is a request's JSON object, key by key, as the handlers read it.
type body = map[string]json.RawMessage

// typed are a resource's hooks written against its model class M: the one
// place where the engine's proto.Message values become *models.X (the
// conversion is checked once, by NewHandler, against the row's model).
// Every hook is optional; see hooks for when each runs.
type typed[M proto.Message] struct {
	// decode runs after the table's fields were decoded into msg (derived
	// fields, cross-field checks) and returns its constraint violations.
	// stored is nil on create.
	decode func(c *call, b body, msg, stored M) ([]Violation, error)
	// validate runs after a decode without violations (checks that read
	// the store, in the reference's order after bean validation).
	validate func(c *call, b body, msg, stored M) error
	// encode adds or replaces output fields.
	encode func(c *call, msg M, out *object) error
	// create replaces the plain store create (positions, implicit objects).
	create func(c *call, tx Tx, msg M, b body) error
	// keep drops listed objects by rules the filters table cannot express.
	keep func(c *call, msg M) bool
	// remove replaces the plain store delete (manual back-references).
	remove func(c *call, tx Tx, id uuid.UUID) error
	// update replaces the whole PUT pipeline.
	update func(c *call, tx Tx, id uuid.UUID, b body) error
	// listUnder replaces listing under a parent (merged collections).
	listUnder func(c *call, p parent, parentID uuid.UUID) ([]proto.Message, error)
}

// as converts an engine value to M; only values of the row's own class
// reach a row's hooks (checked by resource.check through hooks.class).
func as[M proto.Message](m proto.Message) M {
	if m == nil {
		var zero M
		return zero
	}
	return m.(M)
}

// hooks erases M for the engine.
func (t typed[M]) hooks() hooks {
	var zero M
	h := hooks{class: zero.ProtoReflect().Descriptor().FullName(), remove: t.remove, update: t.update, listUnder: t.listUnder}
	if t.decode != nil {
		h.decode = func(c *call, b body, msg, stored proto.Message) ([]Violation, error) {
			return t.decode(c, b, as[M](msg), as[M](stored))
		}
	}
	if t.validate != nil {
		h.validate = func(c *call, b body, msg, stored proto.Message) error {
			return t.validate(c, b, as[M](msg), as[M](stored))
		}
	}
	if t.encode != nil {
		h.encode = func(c *call, msg proto.Message, out *object) error { return t.encode(c, as[M](msg), out) }
	}
	if t.create != nil {
		h.create = func(c *call, tx Tx, msg proto.Message, b body) error { return t.create(c, tx, as[M](msg), b) }
	}
	if t.keep != nil {
		h.listKeep = func(c *call, msg proto.Message) bool { return t.keep(c, as[M](msg)) }
	}
	return h
}

// checkClass verifies that typed hooks were written for the row's class.
func (h hooks) checkClass(md protoreflect.MessageDescriptor) error {
	if h.class != "" && h.class != md.FullName() {
		return fmt.Errorf("hooks are typed for %s, the row stores %s", h.class, md.FullName())
	}
	return nil
}

// modelOf is an empty instance of M, naming its class for the store.
func modelOf[M proto.Message]() M {
	var zero M
	return zero.ProtoReflect().New().Interface().(M)
}

// getAs reads object id of M's class in tx (the caller's copy).
func getAs[M proto.Message](tx Tx, id uuid.UUID) (M, error) {
	got, err := tx.Get(modelOf[M](), id)
	if err != nil {
		var zero M
		return zero, err
	}
	return got.(M), nil
}

// allAs reads every object of M's class in tx.
func allAs[M proto.Message](tx Tx) ([]M, error) {
	got, err := tx.GetAll(modelOf[M]())
	if err != nil {
		return nil, err
	}
	return asSlice[M](got), nil
}

// loadAs reads object id of M's class outside a transaction.
func loadAs[M proto.Message](c *call, id uuid.UUID) (M, error) {
	got, err := c.h.store.Get(c.ctx(), modelOf[M](), id)
	if err != nil {
		var zero M
		return zero, err
	}
	return got.(M), nil
}

// listAs reads every object of M's class outside a transaction.
func listAs[M proto.Message](c *call) ([]M, error) {
	got, err := c.h.store.List(c.ctx(), modelOf[M]())
	if err != nil {
		return nil, err
	}
	return asSlice[M](got), nil
}

func asSlice[M proto.Message](msgs []proto.Message) []M {
	out := make([]M, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.(M))
	}
	return out
}

// replacementAs is call.replacement for typed update hooks: the stored
// object and the one a PUT of b turns it into.
func replacementAs[M proto.Message](c *call, tx Tx, res *resource, id uuid.UUID, b body) (stored, msg M, err error) {
	s, m, err := c.replacement(tx, res, id, b)
	if err != nil {
		return stored, msg, err
	}
	return s.(M), m.(M), nil
}

// cloneOf is a deep copy of m.
func cloneOf[M proto.Message](m M) M { return proto.Clone(m).(M) }

// exists checks that object id of M's class exists (outside a transaction).
func exists[M proto.Message](c *call, id uuid.UUID) error {
	_, err := loadAs[M](c, id)
	return err
}
