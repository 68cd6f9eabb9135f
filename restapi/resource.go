package restapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// op is one generic operation a resource allows.
type op uint8

const (
	opList op = 1 << iota
	opGet
	opCreate
	opUpdate
	opDelete
)

// resource is one row of the resource table: everything the generic
// handlers need to serve a model class over HTTP. See the package
// documentation for how to add one.
type resource struct {
	// segment is the top-level path segment ("bridges"); objects live at
	// /<segment>/{id}.
	segment string
	// rootKey and templateKey are the Application keys ("bridges",
	// "bridgeTemplate"); empty when the reference has none.
	rootKey, templateKey string
	// model is an empty instance of the stored protobuf class.
	model proto.Message
	// single and collection are the media types accepted/produced for
	// one object and for lists (first = canonical); both regimes use them.
	single, collection mediaTypes
	// getSingle overrides single for GET of one object (port groups refuse
	// plain JSON there).
	getSingle mediaTypes
	// updateStatus and deleteStatus override 204 (hosts answer 200).
	updateStatus, deleteStatus int
	// getNegotiation/listNegotiation select the regime (strict by default).
	getNegotiation, listNegotiation negotiation
	ops                             op
	// fields common to every variant; variants add their own.
	fields []field
	// discriminator names the JSON key selecting a variant ("type").
	discriminator string
	variants      []variant
	// links are computed URI fields.
	links []link
	// parents are the nested collections this resource is reachable from
	// (/bridges/{id}/ports ...).
	parents []parent
	// filters are list query parameters (?tenant_id=) matched exactly.
	filters []queryFilter
	// defaultsOnCreate runs after decoding a POST body (model defaults).
	// Fields listed with def in the table are handled generically.
	hooks hooks
	// deleteMissingOK makes DELETE of a missing object answer 204 (the
	// reference's generic engine); otherwise 404.
	deleteMissingOK bool
	// createTopLevel allows POST /<segment> although the resource also has
	// parent collections that set a reference (pools, VIPs, containers).
	createTopLevel bool
}

// variant is one subtype of a polymorphic resource (Port kinds, Rule types).
type variant struct {
	// names are the discriminator values accepted on input; names[0] is
	// the one written on output.
	names  []string
	fields []field
	// withCommon is its resource's fields then its own, made by the
	// resource's check: the rows a body of this variant is decoded by.
	withCommon []field
	// fixed proto values written on create/update and used to recognise
	// the variant of a stored object (enum value names or bools).
	fixed []fixedValue
	// match recognises a stored object when fixed is not enough.
	match func(protoreflect.Message) bool
}

type fixedValue struct {
	proto string
	value any // string enum value name, or bool
}

// link is a computed URI output field: either base/<ref>/<id in from>, or
// the object's own URI + suffix.
type link struct {
	json   string
	ref    string // segment of the referenced resource
	from   string // proto path of the referenced id
	suffix string // relative to the object's URI
}

// parent says that a resource is listed and created under
// /<parent segment>/{id}/<sub>.
type parent struct {
	segment string // "bridges"
	sub     string // "ports"
	// ref is the proto path of the child's reference to the parent
	// ("network_id"); it is set on create.
	ref string
	// backRef is the parent's list of children ids ("port_ids"), which
	// gives the listing order.
	backRef string
	// variants restricts which discriminator values may be created here,
	// with the message answered otherwise.
	variants       []string
	variantMessage string
	// listOnly parents only list (GET /health_monitors/{id}/pools); POST
	// there answers 405.
	listOnly bool
	// aliases are further path patterns serving the same collection, with
	// {pid} for the parent id ("load_balancers/{lb}/pools/{pid}/pool_members").
	aliases []string
	// objects also serves the children at /<parent>/{pid}/<sub>/{id} like
	// /<segment>/{id} (the reference's nested service-container paths).
	objects bool
}

// queryFilter matches ?param=value against one proto field.
type queryFilter struct {
	param string
	proto string
	kind  kind
	// row reads the field (proto and kind, resolved by the resource's
	// check): made once, not for every listed object.
	row field
}

// hooks are the per-resource exceptions to the generic pipeline, as the
// engine calls them; resource files write them typed (typed[M].hooks()).
// Each is optional; the table stays data wherever the reference's
// behaviour is.
type hooks struct {
	// class is the model class the hooks were written for ("" untyped).
	class protoreflect.FullName
	// decode runs after the table's fields were decoded (derived fields,
	// cross-field validation) and returns its violations. stored is nil on
	// create.
	decode func(c *call, b body, msg, stored proto.Message) ([]Violation, error)
	// validate runs after a decode without violations.
	validate func(c *call, b body, msg, stored proto.Message) error
	// encode adds or replaces output fields.
	encode func(c *call, msg proto.Message, out *object) error
	// create replaces the plain store create (positions, implicit routes).
	create func(c *call, tx Tx, msg proto.Message, b body) error
	// remove replaces the plain store delete (manual back-references).
	remove func(c *call, tx Tx, id uuid.UUID) error
	// update replaces the whole PUT pipeline (service containers only
	// reschedule).
	update func(c *call, tx Tx, id uuid.UUID, b body) error
	// listKeep drops listed objects by rules the filters table cannot
	// express (query parameters with precedence, derived tenants): false
	// leaves msg out.
	listKeep func(c *call, msg proto.Message) bool
	// listUnder replaces listing under a parent (merged collections).
	listUnder func(c *call, p parent, parentID uuid.UUID) ([]proto.Message, error)
}

// Store is the object store as the REST layer uses it: transactional
// reads and writes of protobuf objects keyed by class and id. Bindings
// (back-references, cascades, reference checks) are the store's business;
// errors are the store's typed errors, classified by Options.MapError.
type Store interface {
	// Tx runs f in a transaction and commits it, retrying f on
	// concurrent modification.
	Tx(ctx context.Context, f func(tx Tx) error) error
	// Get reads one object of model's class.
	Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error)
	// List reads all objects of model's class.
	List(ctx context.Context, model proto.Message) ([]proto.Message, error)
	// Each hands the objects of model's class to yield one by one, as
	// List orders them, without reading them all first (a list answer is
	// written as they come); an error of yield stops it. The objects may
	// be the store's own, shared with other readers: yield only reads
	// them (the list handler encodes them).
	Each(ctx context.Context, model proto.Message, yield func(proto.Message) error) error
	// EachOf is Each of the objects with ids, in their order; missing
	// ones are left out.
	EachOf(ctx context.Context, model proto.Message, ids []uuid.UUID, yield func(proto.Message) error) error
}

// Tx is one object-store transaction.
type Tx interface {
	Get(model proto.Message, id uuid.UUID) (proto.Message, error)
	// Exists reports whether the object is in the transaction's view,
	// without copying it.
	Exists(model proto.Message, id uuid.UUID) (bool, error)
	Create(obj proto.Message) error
	Update(obj proto.Message) error
	// Delete deletes the object (with the store's cascades); with
	// ignoreMissing a missing object is not an error.
	Delete(model proto.Message, id uuid.UUID, ignoreMissing bool) error
	// GetAll reads every object of model's class in the transaction's view.
	GetAll(model proto.Message) ([]proto.Message, error)
	// GuardClass makes a concurrent transaction that also guards model's
	// class conflict with this one (zoom.Tx.GuardClass): a check over the
	// whole class, called before it is read, then holds at the commit.
	GuardClass(model proto.Message) error
}

// hasAll is a variant's match: every field at paths is set.
func hasAll(paths ...string) func(protoreflect.Message) bool {
	return func(m protoreflect.Message) bool {
		for _, p := range paths {
			if !hasField(m, p) {
				return false
			}
		}
		return true
	}
}
