package restapi

import (
	"net/http"

	"github.com/google/uuid"
)

// A membership is a collection nested in an owner object whose members
// are not objects of their own but entries of the owner (or references of
// other objects to it): port-group ports, tunnel-zone hosts, IP-group
// addresses, host interface-port bindings. The handlers are the same for
// all (list, add, get, remove under /<owner>/{id}/...); a membership says
// what differs, like dhcpFlavour for the DHCP families. M is a member as
// the handlers pass it around, K the key naming one in a path.
type membership[M, K any] struct {
	// collection is the members' path ("/port_groups/{id}/ports"), member
	// the path of one ("/port_groups/{id}/ports/{pid}"); {id} is the owner.
	collection, member string
	// listTypes, addTypes, getTypes are the media types of a list, of a
	// POST body and of one member (nil: no negotiation).
	listTypes, addTypes, getTypes mediaTypes

	// members reads the owner's members (404 when the owner is missing).
	members func(c *call, owner uuid.UUID) ([]M, error)
	// decode reads a POST body (before the transaction).
	decode func(b body) (M, error)
	// add adds m to the owner in tx; a member already there is a 409.
	add func(c *call, tx Tx, owner uuid.UUID, m M) error
	// key reads the member's key from the request path.
	key func(c *call) (K, error)
	// get reads one member (404 when it is not one).
	get func(c *call, owner uuid.UUID, key K) (M, error)
	// remove removes the member in tx.
	remove func(c *call, tx Tx, owner uuid.UUID, key K) error
	// encode writes a member, uri included; uri is the member's URI (the
	// Location of an add).
	encode func(c *call, owner uuid.UUID, m M) object
	uri    func(c *call, owner uuid.UUID, m M) string
}

func (ms *membership[M, K]) endpoints() []endpoint {
	return []endpoint{
		{method: "GET", path: ms.collection, produces: ms.listTypes, serve: ms.serveList},
		{method: "POST", path: ms.collection, consumes: ms.addTypes, serve: ms.serveAdd},
		{method: "GET", path: ms.member, produces: ms.getTypes, serve: ms.serveGet},
		{method: "DELETE", path: ms.member, serve: ms.serveRemove},
	}
}

func (ms *membership[M, K]) serveList(c *call) error {
	owner, err := c.pathID("id")
	if err != nil {
		return err
	}
	members, err := ms.members(c, owner)
	if err != nil {
		return err
	}
	out := []object{}
	for _, m := range members {
		out = append(out, ms.encode(c, owner, m))
	}
	return c.ok(out)
}

func (ms *membership[M, K]) serveAdd(c *call) error {
	owner, err := c.pathID("id")
	if err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	m, err := ms.decode(b)
	if err != nil {
		return err
	}
	if err := c.h.store.Tx(c.ctx(), func(tx Tx) error { return ms.add(c, tx, owner, m) }); err != nil {
		return err
	}
	return c.created(ms.uri(c, owner, m))
}

// memberPath reads the owner's id and the member's key from the path.
func (ms *membership[M, K]) memberPath(c *call) (uuid.UUID, K, error) {
	var key K
	owner, err := c.pathID("id")
	if err != nil {
		return owner, key, err
	}
	key, err = ms.key(c)
	return owner, key, err
}

func (ms *membership[M, K]) serveGet(c *call) error {
	owner, key, err := ms.memberPath(c)
	if err != nil {
		return err
	}
	m, err := ms.get(c, owner, key)
	if err != nil {
		return err
	}
	return c.ok(ms.encode(c, owner, m))
}

func (ms *membership[M, K]) serveRemove(c *call) error {
	owner, key, err := ms.memberPath(c)
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error { return ms.remove(c, tx, owner, key) })
}

// memberOf finds the member of members whose key is key; none is notFound.
func memberOf[M any, K comparable](members []M, keyOf func(M) K, key K, notFound error) (M, error) {
	for _, m := range members {
		if keyOf(m) == key {
			return m, nil
		}
	}
	var none M
	return none, notFound
}

// noMember is the bodiless 404 of a missing member.
func noMember() *Error { return &Error{Status: http.StatusNotFound, EmptyBody: true} }
