package restapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// check validates a table row against its protobuf descriptor.
func (res *resource) check() error {
	if res.model == nil || len(res.single) == 0 {
		return errors.New("model and single media types are required")
	}
	md := res.model.ProtoReflect().Descriptor()
	// The rows' paths resolved in the model for encoding, in copies of
	// the tables (a table may be shared).
	res.fields = slices.Clone(res.fields)
	for i := range res.fields {
		res.fields[i].resolve(md)
	}
	res.variants = slices.Clone(res.variants)
	for i := range res.variants {
		v := &res.variants[i]
		v.fields = slices.Clone(v.fields)
		for j := range v.fields {
			v.fields[j].resolve(md)
		}
		v.withCommon = slices.Concat(res.fields, v.fields)
	}
	all := slices.Clone(res.fields)
	for _, v := range res.variants {
		all = append(all, v.fields...)
		for _, fx := range v.fixed {
			if _, err := fieldDesc(md, fx.proto); err != nil {
				return fmt.Errorf("variant %s: %w", v.names[0], err)
			}
		}
	}
	if err := res.hooks.checkClass(md); err != nil {
		return err
	}
	for _, f := range all {
		if err := checkField(md, &f); err != nil {
			return err
		}
	}
	if err := res.checkKeys(); err != nil {
		return err
	}
	for _, l := range res.links {
		if l.from != "" {
			if _, err := fieldDesc(md, l.from); err != nil {
				return fmt.Errorf("link %s: %w", l.json, err)
			}
		}
	}
	for _, p := range res.parents {
		if p.ref != "" {
			if _, err := fieldDesc(md, p.ref); err != nil {
				return fmt.Errorf("parent %s: %w", p.segment, err)
			}
		}
	}
	res.filters = slices.Clone(res.filters) // a filter may be shared
	for i := range res.filters {
		q := &res.filters[i]
		if _, err := fieldDesc(md, q.proto); err != nil {
			return fmt.Errorf("filter %s: %w", q.param, err)
		}
		q.row = field{proto: q.proto, kind: q.kind}
		q.row.resolve(md)
	}
	return nil
}

// checkKeys checks that the JSON keys encode writes from the table (the
// discriminator, the fields of each variant, the links and "uri") are
// distinct, so that encode appends them without looking for an earlier
// one; hooks set theirs over them.
func (res *resource) checkKeys() error {
	base := map[string]bool{"uri": true}
	add := func(seen map[string]bool, key string) error {
		if seen[key] {
			return fmt.Errorf("JSON key %q written twice", key)
		}
		seen[key] = true
		return nil
	}
	if res.discriminator != "" {
		base[res.discriminator] = true
	}
	for _, f := range res.fields {
		if err := add(base, f.json); err != nil {
			return err
		}
	}
	for _, l := range res.links {
		if err := add(base, l.json); err != nil {
			return err
		}
	}
	for _, v := range res.variants {
		seen := maps.Clone(base)
		for _, f := range v.fields {
			if err := add(seen, f.json); err != nil {
				return fmt.Errorf("variant %s: %w", v.names[0], err)
			}
		}
	}
	return nil
}

// variantOf finds the variant of a stored object.
func (res *resource) variantOf(m protoreflect.Message) *variant {
	for i := range res.variants {
		v := &res.variants[i]
		if v.match != nil {
			if v.match(m) {
				return v
			}
			continue
		}
		if len(v.fixed) > 0 && fixedMatch(m, v.fixed) {
			return v
		}
	}
	return nil
}

func fixedMatch(m protoreflect.Message, fixed []fixedValue) bool {
	for _, fx := range fixed {
		parent, fd, ok := readMsg(m, fx.proto)
		if !ok {
			return false
		}
		switch want := fx.value.(type) {
		case string:
			// An unset enum reads as its default, as the reference's
			// getters read it (a firewall rule's type is left unset).
			if enumName(parent, fd) != want {
				return false
			}
		case bool:
			if parent.Get(fd).Bool() != want {
				return false
			}
		}
	}
	return true
}

func applyFixed(m protoreflect.Message, fixed []fixedValue) error {
	for _, fx := range fixed {
		parent, fd := writeMsg(m, fx.proto)
		switch v := fx.value.(type) {
		case string:
			if err := setEnumByName(parent, fd, v); err != nil {
				return err
			}
		case bool:
			parent.Set(fd, protoreflect.ValueOfBool(v))
		}
	}
	return nil
}

func (res *resource) variantByName(name string) *variant {
	for i := range res.variants {
		if slices.Contains(res.variants[i].names, name) {
			return &res.variants[i]
		}
	}
	return nil
}

// encode turns a stored object into its JSON representation: every field
// of the table, nulls included, then the computed URIs. The table's keys
// are distinct (checkKeys), so they are appended; hooks set theirs.
func (c *call) encode(res *resource, msg proto.Message) (object, error) {
	return c.encodeInto(res, msg, nil)
}

// encodeScratch is the memory a listing reuses from one object to the
// next: each listed object is written out before the next is encoded, so
// its members and link URIs need not be allocated again for every one.
// A GET of one object takes one from encodeScratches and gives it back
// once the answer is written.
type encodeScratch struct {
	obj   object
	links []suffixedURI
}

// encodeScratches are the scratches of GETs of one object: its members
// and URIs were two of a GET's allocations and about a fifth of its bytes.
var encodeScratches = sync.Pool{New: func() any { return new(encodeScratch) }}

// maxPooledMembers bounds the members a pooled scratch keeps (an object
// with more is left to the collector, as a big entity's buffer is).
const maxPooledMembers = 256

// release gives sc back to encodeScratches, first dropping what its
// memory refers to (the store's objects' values, URIs).
func (sc *encodeScratch) release() {
	if cap(sc.obj) > maxPooledMembers || cap(sc.links) > maxPooledMembers {
		return
	}
	clear(sc.obj[:cap(sc.obj)])
	clear(sc.links[:cap(sc.links)])
	sc.obj, sc.links = sc.obj[:0], sc.links[:0]
	encodeScratches.Put(sc)
}

// encodeInto is encode building the object in sc's memory (nil: fresh
// memory, for an object that outlives the call). The object's URI and its
// suffix links are suffixedURIs pointing into one slice: no URI string is
// built per link, and a pointer is stored in a member without an
// allocation.
func (c *call) encodeInto(res *resource, msg proto.Message, sc *encodeScratch) (object, error) {
	m := msg.ProtoReflect()
	fields := res.fields
	var v *variant
	if res.discriminator != "" {
		if v = res.variantOf(m); v == nil {
			return nil, fmt.Errorf("stored %s %s matches no API type", res.className(), idOf(msg))
		}
	}
	size := len(fields) + len(res.links) + 1
	if v != nil {
		size += 1 + len(v.fields)
	}
	var out object
	var links []suffixedURI
	if sc != nil {
		out, links = sc.obj[:0], sc.links[:0]
	}
	suffixes := 1 // the object's own URI
	for _, l := range res.links {
		if l.suffix != "" {
			suffixes++
		}
	}
	out = slices.Grow(out, size)
	links = slices.Grow(links, suffixes) // appended below without moving
	if v != nil {
		out = append(out, member{res.discriminator, v.names[0]})
	}
	for i := range fields {
		out = append(out, member{fields[i].json, encodeField(&fields[i], m)})
	}
	if v != nil {
		for i := range v.fields {
			out = append(out, member{v.fields[i].json, encodeField(&v.fields[i], m)})
		}
	}
	self := c.selfURI(res, idOf(msg))
	selfPlain := jsonPlainString(self)
	for _, l := range res.links {
		switch {
		case l.suffix != "":
			links = append(links, newSuffixedURI(self, selfPlain, l.suffix))
			out = append(out, member{l.json, &links[len(links)-1]})
		case l.from != "":
			var uri any
			if parent, fd, ok := readMsg(m, l.from); ok && parent.Has(fd) {
				uri = c.uri(l.ref, uuidFromMsg(parent.Get(fd).Message()).String())
			}
			out = append(out, member{l.json, uri})
		}
	}
	links = append(links, newSuffixedURI(self, selfPlain, ""))
	out = append(out, member{"uri", &links[len(links)-1]})
	if res.hooks.encode != nil {
		// Its own variable: one whose address is taken is allocated.
		hooked := out
		if err := res.hooks.encode(c, msg, &hooked); err != nil {
			return nil, err
		}
		out = hooked
	}
	if sc != nil {
		sc.obj, sc.links = out, links
	}
	return out, nil
}

// selfURI is the URI of res's object id.
func (c *call) selfURI(res *resource, id uuid.UUID) string {
	segment, idText := url.PathEscape(res.segment), id.String()
	var b strings.Builder
	b.Grow(len(c.base) + len(segment) + len(idText) + 2)
	b.WriteString(c.base)
	b.WriteByte('/')
	b.WriteString(segment)
	b.WriteByte('/')
	b.WriteString(idText)
	return b.String()
}

func idOf(msg proto.Message) uuid.UUID {
	m := msg.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("id")
	if fd == nil || !m.Has(fd) {
		return uuid.Nil
	}
	return uuidFromMsg(m.Get(fd).Message())
}

func setID(msg proto.Message, id uuid.UUID) {
	m := msg.ProtoReflect()
	uuidToMsg(id, m.Mutable(m.Descriptor().Fields().ByName("id")).Message())
}

// decode applies a request body to msg (a fresh object on create, a copy of
// the stored one on update), following the table: read-only fields are
// ignored, sticky fields keep stored values, omitted writable fields are
// cleared on PUT (full replacement) and defaulted on create.
func (c *call) decode(res *resource, body map[string]json.RawMessage, msg proto.Message, stored proto.Message) error {
	m := msg.ProtoReflect()
	create := stored == nil
	fields := res.fields
	var v *variant
	if res.discriminator != "" {
		raw, ok := body[res.discriminator]
		name := ""
		if ok && !isNull(raw) {
			s, err := decodeString(raw)
			if err != nil {
				return badJSON(res.discriminator, err)
			}
			name = s
		}
		if name == "" {
			return errorf(http.StatusBadRequest, "Missing type id when trying to resolve subtype of %s: missing property '%s'", res.className(), res.discriminator)
		}
		v = res.variantByName(name)
		if v == nil {
			return errorf(http.StatusBadRequest, "Could not resolve type id '%s' into a subtype of %s", truncate([]byte(name)), res.className())
		}
		if !create && res.variantOf(stored.ProtoReflect()) != v {
			return errorf(http.StatusBadRequest, "The type of a %s cannot be changed", res.className())
		}
		fields = v.withCommon
	}
	var viols []Violation
	for i := range fields {
		f := &fields[i] // shared rows: only read
		switch {
		case f.mode == ro:
			continue
		case f.mode == createOnly && !create:
			// Kept from the stored object, but validated: the reference
			// validates a PUT's whole entity, so a bad value is a 400 even
			// where it would not be applied. Decoded into a scratch copy.
			raw, present := fieldValue(f, body)
			vs, err := decodeField(f, raw, present, proto.Clone(msg).ProtoReflect())
			if err != nil {
				return err
			}
			viols = append(viols, vs...)
			continue
		case f.mode == sticky && !create && hasField(stored.ProtoReflect(), f.proto):
			continue
		}
		raw, present := fieldValue(f, body)
		vs, err := decodeField(f, raw, present, m)
		if err != nil {
			return err
		}
		viols = append(viols, vs...)
	}
	if v != nil {
		if err := applyFixed(m, v.fixed); err != nil {
			return fmt.Errorf("resource table: %w", err)
		}
	}
	if res.hooks.decode != nil {
		vs, err := res.hooks.decode(c, body, msg, stored)
		if err != nil {
			return err
		}
		viols = append(viols, vs...)
	}
	if len(viols) > 0 {
		return invalid(viols...)
	}
	if res.hooks.validate != nil {
		return res.hooks.validate(c, body, msg, stored)
	}
	return nil
}

// fieldValue is f's value in b: the body's, else its default (the Java
// model constructors' defaults apply to PUT bodies too).
func fieldValue(f *field, b body) (json.RawMessage, bool) {
	raw, present := b[f.json]
	if f.def != nil && (!present || isNull(raw)) {
		d, _ := json.Marshal(f.def)
		return d, true
	}
	return raw, present
}

// decodeFields decodes b into msg through a field table of its own (a
// nested entity such as a VTEP binding): every field writable.
func decodeFields(fields []field, b body, msg proto.Message) ([]Violation, error) {
	var viols []Violation
	for i := range fields {
		f := &fields[i]
		raw, present := fieldValue(f, b)
		vs, err := decodeField(f, raw, present, msg.ProtoReflect())
		if err != nil {
			return nil, err
		}
		viols = append(viols, vs...)
	}
	return viols, nil
}

// clearWritable removes every client-writable field from a copy of the
// stored object before the PUT body is applied (full replacement). Fields
// the table doesn't list (back-references, tunnel keys) are untouched.
func (res *resource) clearWritable(m protoreflect.Message) {
	fields := res.fields
	if v := res.variantOf(m); v != nil {
		fields = v.withCommon
	}
	for i := range fields {
		f := &fields[i]
		if f.mode == rw && f.kind != kSubnetLen {
			clearField(m, f.proto)
		}
	}
}

// getOne reads and encodes one object into sc's memory, through EachOf:
// the store's shared object, which encode only reads, instead of Get's
// copy of it. The object is valid until sc is used again.
func (c *call) getOne(res *resource, id uuid.UUID, sc *encodeScratch) (object, error) {
	var obj object
	found := false
	err := c.h.store.EachOf(c.ctx(), res.model, []uuid.UUID{id}, func(msg proto.Message) error {
		found = true
		var err error
		obj, err = c.encodeInto(res, msg, sc)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, res.notFound(id.String())
	}
	return obj, nil
}

// list calls emit with each listed object, converted, in listing order;
// the object is valid until emit returns (its memory is the next one's).
func (c *call) list(res *resource, p *parent, parentID uuid.UUID, emit func(object) error) error {
	query := c.r.URL.Query()
	// emit is done with each object before the next is encoded.
	var scratch encodeScratch
	one := func(msg proto.Message) error {
		if res.hooks.listKeep != nil && !res.hooks.listKeep(c, msg) {
			return nil
		}
		if !matchesFilters(res.filters, query, msg.ProtoReflect()) {
			return nil
		}
		obj, err := c.encodeInto(res, msg, &scratch)
		if err != nil {
			return err
		}
		return emit(obj)
	}
	if p == nil {
		// A top-level collection is streamed: each object is encoded and
		// written as the store reads it, a chunk at a time.
		return c.h.store.Each(c.ctx(), res.model, one)
	}
	var msgs []proto.Message
	var err error
	if res.hooks.listUnder != nil {
		msgs, err = res.hooks.listUnder(c, *p, parentID)
	} else {
		msgs, err = c.listChildren(res, *p, parentID)
	}
	if err != nil {
		return err
	}
	for _, msg := range msgs {
		if err := one(msg); err != nil {
			return err
		}
	}
	return nil
}

// listChildren reads the parent's back-reference list, in order.
func (c *call) listChildren(res *resource, p parent, parentID uuid.UUID) ([]proto.Message, error) {
	parentRes := c.h.resources[p.segment]
	pmsg, err := c.h.store.Get(c.ctx(), parentRes.model, parentID)
	if err != nil {
		return nil, err
	}
	ids := uuidList(pmsg.ProtoReflect(), p.backRef)
	out := make([]proto.Message, 0, len(ids))
	// Read concurrently a chunk at a time; children deleted between the
	// two reads are left out.
	err = c.h.store.EachOf(c.ctx(), res.model, ids, func(msg proto.Message) error {
		out = append(out, msg)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func uuidList(m protoreflect.Message, path string) []uuid.UUID {
	parent, fd, ok := readMsg(m, path)
	if !ok {
		return nil
	}
	l := parent.Get(fd).List()
	ids := make([]uuid.UUID, 0, l.Len())
	for i := 0; i < l.Len(); i++ {
		ids = append(ids, uuidFromMsg(l.Get(i).Message()))
	}
	return ids
}

func matchesFilters(filters []queryFilter, q map[string][]string, m protoreflect.Message) bool {
	for i := range filters {
		f := &filters[i]
		want, ok := q[f.param]
		if !ok || len(want) == 0 {
			continue
		}
		row := &f.row
		if row.kind == nil { // a resource not checked
			row = &field{proto: f.proto, kind: f.kind}
		}
		got := encodeField(row, m)
		if list, ok := got.([]string); ok {
			if !slices.Contains(list, want[0]) {
				return false
			}
			continue
		}
		s, _ := got.(string)
		if got == nil || s != want[0] {
			return false
		}
	}
	return true
}

func (c *call) create(res *resource, p *parent, parentID uuid.UUID, body map[string]json.RawMessage) (string, error) {
	msg := res.newModel()
	if p != nil && len(p.variants) > 0 && res.discriminator != "" {
		name, _ := decodeString(body[res.discriminator])
		if v := res.variantByName(name); v != nil && !slices.Contains(p.variants, v.names[0]) {
			return "", errorf(http.StatusBadRequest, "%s", p.variantMessage)
		}
	}
	if p != nil && p.ref != "" {
		// The parent id from the path wins over the body's, and satisfies
		// a required reference field (poolId under /pools/{id}/pool_members).
		for _, f := range res.fields {
			if f.proto == p.ref && f.mode != ro {
				body = maps.Clone(body)
				body[f.json] = json.RawMessage(`"` + parentID.String() + `"`)
			}
		}
	}
	if err := c.decode(res, body, msg, nil); err != nil {
		return "", err
	}
	if p != nil && p.ref != "" {
		m := msg.ProtoReflect()
		parent, fd := writeMsg(m, p.ref)
		uuidToMsg(parentID, parent.Mutable(fd).Message())
	}
	if idOf(msg) == uuid.Nil {
		setID(msg, uuid.New())
	}
	err := c.h.store.Tx(c.ctx(), func(tx Tx) error {
		obj := proto.Clone(msg)
		var err error
		if res.hooks.create != nil {
			err = res.hooks.create(c, tx, obj, body)
		} else {
			err = tx.Create(obj)
		}
		if p != nil && p.ref != "" {
			return parentFirst(tx, c.h.resources[p.segment].model, parentID, err)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return c.uri(res.segment, idOf(msg).String()), nil
}

// parentFirst returns the error of a create under a parent: the parent's
// NotFound when it is missing (whatever the create answered), else the
// create's. It is checked after the create, in its transaction, because
// the create has read the parent already (its binding appends the child to
// the parent's list) and Exists then costs nothing, where a read before the
// create would cost a round trip and a copy of the parent; the commit's
// version check covers the parent as read.
func parentFirst(tx Tx, model proto.Message, id uuid.UUID, createErr error) error {
	ok, err := tx.Exists(model, id)
	if err == nil && !ok {
		_, err = tx.Get(model, id) // the store's NotFound, as a read answers it
		return err
	}
	if createErr != nil {
		return createErr
	}
	return err
}

func (c *call) update(res *resource, id uuid.UUID, body map[string]json.RawMessage) error {
	return c.h.store.Tx(c.ctx(), func(tx Tx) error {
		if res.hooks.update != nil {
			return res.hooks.update(c, tx, id, body)
		}
		_, msg, err := c.replacement(tx, res, id, body)
		if err != nil {
			return err
		}
		return tx.Update(msg)
	})
}

// replacement reads object id in tx and returns it with the object a PUT of
// body turns it into: a copy with the writable fields cleared and the body
// applied. Update hooks that do more than the generic PUT start from it too.
func (c *call) replacement(tx Tx, res *resource, id uuid.UUID, body map[string]json.RawMessage) (stored, msg proto.Message, err error) {
	stored, err = tx.Get(res.model, id)
	if err != nil {
		return nil, nil, err
	}
	msg = proto.Clone(stored)
	res.clearWritable(msg.ProtoReflect())
	if err := c.decode(res, body, msg, stored); err != nil {
		return nil, nil, err
	}
	setID(msg, id)
	return stored, msg, nil
}

func (c *call) remove(res *resource, id uuid.UUID) error {
	return c.h.store.Tx(c.ctx(), func(tx Tx) error {
		if res.hooks.remove != nil {
			return res.hooks.remove(c, tx, id)
		}
		return tx.Delete(res.model, id, res.deleteMissingOK)
	})
}

// lowerFirst is used for messages naming a model class.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
