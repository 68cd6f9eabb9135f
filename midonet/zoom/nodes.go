package zoom

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Raw node operations inside a transaction, for data outside the object
// model (the reference's createNode/updateNode/deleteNode, used for
// legacy-format trees). They commit in the same multi as the object
// operations, after them: creates (parents first), sets, then deletes
// (children first).

// ErrNodeExists and ErrNodeNotFound are returned (wrapped in a NodeError)
// by the raw node operations.
var (
	ErrNodeExists   = errors.New("zoom: node already exists")
	ErrNodeNotFound = errors.New("zoom: node not found")
)

// NodeError says which raw node operation failed.
type NodeError struct {
	Path string
	Err  error // ErrNodeExists, ErrNodeNotFound
}

func (e *NodeError) Error() string { return fmt.Sprintf("%v: %s", e.Err, e.Path) }
func (e *NodeError) Unwrap() error { return e.Err }

type nodeOpKind int

const (
	nodeExists nodeOpKind = iota + 1 // known to exist, no op
	nodeCreate
	nodeSet
	nodeDelete
	// nodeEnsure: created at commit unless it exists (EnsureNode); what
	// exists is learnt from the multi's answer, not read before.
	nodeEnsure
)

type nodeOp struct {
	kind  nodeOpKind
	value []byte
}

func checkNodePath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Errorf("zoom: bad node path %q", p)
	}
	return nil
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func (tx *Tx) nodeOp(p string) (*nodeOp, bool) {
	op, ok := tx.nodes[p]
	return op, ok
}

func (tx *Tx) setNodeOp(p string, op *nodeOp) {
	if _, ok := tx.nodes[p]; !ok {
		tx.nodeOrder = append(tx.nodeOrder, p)
	}
	tx.nodes[p] = op
}

// nodeExistsInView reports whether p exists in the transaction's view.
func (tx *Tx) nodeExistsInView(p string) (bool, error) {
	if p == "/" {
		return true, nil
	}
	if op, ok := tx.nodeOp(p); ok {
		return op.kind != nodeDelete, nil
	}
	if tx.createsTableDir(p) {
		return true, nil
	}
	_, ok, err := tx.s.conn.Exists(tx.ctx, p)
	if err != nil {
		return false, fmt.Errorf("zoom: node %s: %w", p, err)
	}
	if ok {
		tx.setNodeOp(p, &nodeOp{kind: nodeExists})
	}
	return ok, nil
}

// createsTableDir reports whether p is the state-table directory of an
// object this transaction creates, or the directory of one of its tables:
// the commit creates those with the object (buildMulti), so a raw node under
// them (a MAC or ARP entry written beside a new network) must not create
// them a second time, which would fail the multi on every attempt.
func (tx *Tx) createsTableDir(p string) bool {
	rest, ok := strings.CutPrefix(p, tx.s.zoom+"/tables/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2 && len(parts) != 3 {
		return false
	}
	k := objKey{class: parts[0], id: parts[1]}
	op, e := tx.ops[k], tx.cache[k]
	if op == nil || op.kind != opCreate || e == nil || e.inStore {
		return false
	}
	ci := tx.s.schema.classes[k.class]
	if ci == nil || len(ci.tables) == 0 {
		return false
	}
	return len(parts) == 2 || slices.Contains(ci.tables, parts[2])
}

// ensureNode makes p exist in the view, creating it and its missing
// ancestors (empty).
func (tx *Tx) ensureNode(p string) error {
	ok, err := tx.nodeExistsInView(p)
	if err != nil || ok {
		return err
	}
	if err := tx.ensureNode(parentOf(p)); err != nil {
		return err
	}
	tx.createNodeOp(p, nil)
	return nil
}

// createNodeOp records the creation of p with value. A node deleted earlier
// in the tx is kept in the store and set to value instead (emptied when
// value is nil).
func (tx *Tx) createNodeOp(p string, value []byte) {
	if op, ok := tx.nodeOp(p); ok && op.kind == nodeDelete {
		tx.setNodeOp(p, &nodeOp{kind: nodeSet, value: value})
		return
	}
	tx.setNodeOp(p, &nodeOp{kind: nodeCreate, value: value})
}

// CreateNode creates a node with value, and its missing ancestors.
func (tx *Tx) CreateNode(path string, value []byte) error {
	if err := checkNodePath(path); err != nil {
		return err
	}
	ok, err := tx.nodeExistsInView(path)
	if err != nil {
		return err
	}
	if ok {
		return &NodeError{Path: path, Err: ErrNodeExists}
	}
	if err := tx.ensureNode(parentOf(path)); err != nil {
		return err
	}
	tx.createNodeOp(path, value)
	return nil
}

// EnsureNode makes sure an empty node exists at path once the transaction
// commits, with its missing ancestors; an existing one is left as it is.
// Unlike CreateNode it reads nothing when called: the commit creates the
// node, and learns from the multi's failure that it (a node already
// there) or its parent (missing, then ensured too) were otherwise, and
// commits again without another run of the transaction's function. The
// usual case, a new entry in an existing table, costs no round trip
// before the commit. On a node the transaction deletes, or under one, it
// is CreateNode ignoring an existing node.
func (tx *Tx) EnsureNode(path string) error {
	if err := checkNodePath(path); err != nil {
		return err
	}
	if op, ok := tx.nodeOp(path); ok && op.kind != nodeDelete {
		return nil
	}
	if tx.createsTableDir(path) {
		return nil
	}
	for p := path; p != "/"; p = parentOf(p) {
		if op, ok := tx.nodeOp(p); ok && op.kind == nodeDelete {
			err := tx.CreateNode(path, nil)
			if errors.Is(err, ErrNodeExists) {
				return nil
			}
			return err
		}
	}
	tx.setNodeOp(path, &nodeOp{kind: nodeEnsure})
	return nil
}

// resolveEnsured updates the transaction after its multi failed at the
// create of an ensured node with err: the node exists (nothing to do) or
// its parent is missing (ensure it too). It reports false for any other
// failure.
func (tx *Tx) resolveEnsured(path string, err error) bool {
	op, ok := tx.nodeOp(path)
	if !ok || op.kind != nodeEnsure {
		return false
	}
	switch {
	case errors.Is(err, storage.ErrNodeExists):
		op.kind = nodeExists
		return true
	case errors.Is(err, storage.ErrNoNode):
		parent := parentOf(path)
		if parent == "/" {
			return false
		}
		if _, ok := tx.nodeOp(parent); ok {
			// Known to the transaction (found existing, or created or
			// deleted by it): a concurrent change, for a fresh run.
			return false
		}
		tx.setNodeOp(parent, &nodeOp{kind: nodeEnsure})
		return true
	}
	return false
}

// settle turns an ensured node p into a known one (existing, or to be
// created) by reading it, for the operations that depend on which.
func (tx *Tx) settle(p string) error {
	op, ok := tx.nodeOp(p)
	if !ok || op.kind != nodeEnsure {
		return nil
	}
	_, exists, err := tx.s.conn.Exists(tx.ctx, p)
	if err != nil {
		return fmt.Errorf("zoom: node %s: %w", p, err)
	}
	if exists {
		op.kind = nodeExists
	} else {
		op.kind = nodeCreate
	}
	return nil
}

// UpdateNode replaces the value of an existing node.
func (tx *Tx) UpdateNode(path string, value []byte) error {
	if err := checkNodePath(path); err != nil {
		return err
	}
	ok, err := tx.nodeExistsInView(path)
	if err != nil {
		return err
	}
	if !ok {
		return &NodeError{Path: path, Err: ErrNodeNotFound}
	}
	if err := tx.settle(path); err != nil {
		return err
	}
	op, _ := tx.nodeOp(path)
	if op.kind == nodeCreate {
		op.value = value
	} else {
		tx.setNodeOp(path, &nodeOp{kind: nodeSet, value: value})
	}
	return nil
}

// DeleteNode deletes a node and everything under it; with ignoreMissing a
// missing node is not an error.
func (tx *Tx) DeleteNode(path string, ignoreMissing bool) error {
	if err := checkNodePath(path); err != nil {
		return err
	}
	ok, err := tx.nodeExistsInView(path)
	if err != nil {
		return err
	}
	if !ok {
		if ignoreMissing {
			return nil
		}
		return &NodeError{Path: path, Err: ErrNodeNotFound}
	}
	return tx.deleteNodeTree(path)
}

func (tx *Tx) deleteNodeTree(p string) error {
	if err := tx.settle(p); err != nil {
		return err
	}
	// Children known to the transaction, then those in the store.
	var children []string
	for _, q := range tx.nodeOrder {
		if parentOf(q) == p && tx.nodes[q].kind != nodeDelete {
			children = append(children, q)
		}
	}
	if op, _ := tx.nodeOp(p); op == nil || op.kind != nodeCreate {
		names, _, err := tx.s.conn.Children(tx.ctx, p)
		if err != nil && !errors.Is(err, storage.ErrNoNode) {
			return fmt.Errorf("zoom: node %s: %w", p, err)
		}
		for _, n := range names {
			if c := p + "/" + n; !slices.Contains(children, c) {
				if op, ok := tx.nodeOp(c); !ok || op.kind != nodeDelete {
					children = append(children, c)
				}
			}
		}
	}
	for _, c := range children {
		if err := tx.deleteNodeTree(c); err != nil {
			return err
		}
	}
	if op, _ := tx.nodeOp(p); op != nil && op.kind == nodeCreate {
		delete(tx.nodes, p)
		tx.nodeOrder = slices.DeleteFunc(tx.nodeOrder, func(q string) bool { return q == p })
		return nil
	}
	tx.setNodeOp(p, &nodeOp{kind: nodeDelete})
	return nil
}

// nodeMultiOps returns the storage ops of the raw node operations.
func (tx *Tx) nodeMultiOps() []storage.Op {
	var creates, sets, deletes []storage.Op
	for _, p := range tx.nodeOrder {
		switch op := tx.nodes[p]; op.kind {
		case nodeCreate, nodeEnsure:
			creates = append(creates, storage.CreateOp(p, op.value, storage.Persistent))
		case nodeSet:
			sets = append(sets, storage.SetOp(p, op.value, storage.AnyVersion))
		case nodeDelete:
			deletes = append(deletes, storage.DeleteOp(p, storage.AnyVersion))
		}
	}
	// Parents before their children (an ensured parent is recorded after
	// its child), and deepest deletes first, children before parents.
	slices.SortStableFunc(creates, func(a, b storage.Op) int {
		return strings.Count(a.Path, "/") - strings.Count(b.Path, "/")
	})
	slices.SortStableFunc(deletes, func(a, b storage.Op) int {
		return strings.Count(b.Path, "/") - strings.Count(a.Path, "/")
	})
	return slices.Concat(creates, sets, deletes)
}
