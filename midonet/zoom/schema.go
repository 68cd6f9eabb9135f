package zoom

import (
	"fmt"

	"github.com/midonet/midonet-go/midonet/models"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DeleteAction says what deleting an object does to the objects it
// references through a binding.
type DeleteAction int

const (
	// Clear removes the deleted object's id from the referenced object's
	// back-reference field.
	Clear DeleteAction = iota + 1
	// Cascade deletes the referenced objects too (recursively).
	Cascade
	// Error refuses the delete while the reference exists.
	Error
)

func (a DeleteAction) String() string {
	switch a {
	case Clear:
		return "CLEAR"
	case Cascade:
		return "CASCADE"
	case Error:
		return "ERROR"
	}
	return fmt.Sprintf("DeleteAction(%d)", int(a))
}

// Binding declares that Left.LeftField holds ids of Right objects and
// Right.RightField ids of Left objects (each field single or repeated, of
// type UUID). OnDeleteLeft applies to the Right objects a deleted Left
// references, OnDeleteRight the other way round: the reference's
// declareBinding(Left, leftField, onDeleteLeft, Right, rightField, onDeleteRight).
type Binding struct {
	Left          string // class simple name
	LeftField     string
	OnDeleteLeft  DeleteAction
	Right         string
	RightField    string
	OnDeleteRight DeleteAction
}

// KeyType is the write policy of a state key.
type KeyType int

const (
	// SingleFirstWriteWins: one value; only the session that wrote it may
	// change or remove it.
	SingleFirstWriteWins KeyType = iota + 1
	// SingleLastWriteWins: one value; every write replaces it.
	SingleLastWriteWins
	// FailFast: as SingleLastWriteWins, on the fail-fast session.
	FailFast
	// Multiple: a set of values, one ephemeral child node each.
	Multiple
)

func (k KeyType) String() string {
	switch k {
	case SingleFirstWriteWins:
		return "SingleFirstWriteWins"
	case SingleLastWriteWins:
		return "SingleLastWriteWins"
	case FailFast:
		return "FailFast"
	case Multiple:
		return "Multiple"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// IsSingle reports whether the key holds at most one value.
func (k KeyType) IsSingle() bool { return k != Multiple }

// StateKey registers a state key of a class.
type StateKey struct {
	Class string
	Key   string
	Type  KeyType
}

// TableSpec registers a per-object state table of a class. The table
// directory <Z>/tables/<Class>/<id>/<Name> is created with the object.
type TableSpec struct {
	Class string
	Name  string
	// Legacy, when set, gives the pre-ZOOM path of the table for an
	// object (root is Options.Root); the store uses it if it exists (a
	// path found missing is not looked up again: only MidoNet before 5.0
	// made them).
	Legacy func(root, id string, args []string) string
}

// Schema is everything a store is built with: the stored classes, the
// bindings between them, the state keys and the state tables. The root
// package midonet provides MidoNet's.
type Schema struct {
	Classes  []models.Class
	Bindings []Binding
	Keys     []StateKey
	Tables   []TableSpec
}

// binding is one direction of a declared Binding, seen from the class
// holding field.
type binding struct {
	field     protoreflect.FieldDescriptor
	fieldName string
	refClass  string
	back      protoreflect.FieldDescriptor // field of refClass holding our ids
	backName  string
	onDelete  DeleteAction
}

type classInfo struct {
	models.Class
	bindings []binding
	keys     map[string]KeyType
	tables   []string
}

type schema struct {
	classes    map[string]*classInfo
	order      []string // class names, registration order
	tableSpecs []TableSpec
}

func compileSchema(s Schema) (*schema, error) {
	cs := &schema{classes: make(map[string]*classInfo)}
	for _, c := range s.Classes {
		if c.Type == nil || c.Name == "" {
			return nil, fmt.Errorf("zoom: schema: class without type or name")
		}
		if _, dup := cs.classes[c.Name]; dup {
			return nil, fmt.Errorf("zoom: schema: class %s registered twice", c.Name)
		}
		if err := models.SetID(c.New(), models.NewUUID()); err != nil {
			return nil, fmt.Errorf("zoom: schema: class %s: %w", c.Name, err)
		}
		cs.classes[c.Name] = &classInfo{Class: c, keys: map[string]KeyType{}}
		cs.order = append(cs.order, c.Name)
	}
	for i, b := range s.Bindings {
		if err := cs.addBinding(b); err != nil {
			return nil, fmt.Errorf("zoom: schema: binding %d (%s.%s - %s.%s): %w", i+1, b.Left, b.LeftField, b.Right, b.RightField, err)
		}
	}
	for _, k := range s.Keys {
		ci, ok := cs.classes[k.Class]
		if !ok {
			return nil, fmt.Errorf("zoom: schema: state key %s: %w", k.Key, &UnregisteredError{Class: k.Class})
		}
		if k.Key == "" || k.Type < SingleFirstWriteWins || k.Type > Multiple {
			return nil, fmt.Errorf("zoom: schema: bad state key %q of %s (%v)", k.Key, k.Class, k.Type)
		}
		if _, dup := ci.keys[k.Key]; dup {
			return nil, fmt.Errorf("zoom: schema: state key %s.%s registered twice", k.Class, k.Key)
		}
		ci.keys[k.Key] = k.Type
	}
	for _, t := range s.Tables {
		ci, ok := cs.classes[t.Class]
		if !ok {
			return nil, fmt.Errorf("zoom: schema: table %s: %w", t.Name, &UnregisteredError{Class: t.Class})
		}
		if !validNodeName(t.Name) {
			return nil, fmt.Errorf("zoom: schema: bad table name %q", t.Name)
		}
		for _, n := range ci.tables {
			if n == t.Name {
				return nil, fmt.Errorf("zoom: schema: table %s.%s registered twice", t.Class, t.Name)
			}
		}
		ci.tables = append(ci.tables, t.Name)
		cs.tableSpecs = append(cs.tableSpecs, t)
	}
	return cs, nil
}

func (cs *schema) addBinding(b Binding) error {
	left, ok := cs.classes[b.Left]
	if !ok {
		return &UnregisteredError{Class: b.Left}
	}
	right, ok := cs.classes[b.Right]
	if !ok {
		return &UnregisteredError{Class: b.Right}
	}
	for _, a := range []DeleteAction{b.OnDeleteLeft, b.OnDeleteRight} {
		if a < Clear || a > Error {
			return fmt.Errorf("bad delete action %v", a)
		}
	}
	lf, err := models.RefField(left.New(), b.LeftField)
	if err != nil {
		return err
	}
	rf, err := models.RefField(right.New(), b.RightField)
	if err != nil {
		return err
	}
	left.bindings = append(left.bindings, binding{field: lf, fieldName: b.LeftField, refClass: b.Right, back: rf, backName: b.RightField, onDelete: b.OnDeleteLeft})
	if b.Left != b.Right || b.LeftField != b.RightField {
		right.bindings = append(right.bindings, binding{field: rf, fieldName: b.RightField, refClass: b.Left, back: lf, backName: b.LeftField, onDelete: b.OnDeleteRight})
	}
	return nil
}

func validNodeName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if r == '/' || r == 0 {
			return false
		}
	}
	return true
}
