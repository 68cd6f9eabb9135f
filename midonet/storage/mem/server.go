// Package mem is an in-process storage backend with ZooKeeper's semantics:
// one Server holds a tree of versioned nodes (like an ensemble), and each
// Connect opens a new session on it. It serves tests and the in-memory dev
// mode, and passes the same conformance suite (package storagetest) as the
// ZooKeeper backend.
//
// Fidelity notes: a global transaction counter (zxid) stamps Czxid, Mzxid and
// Pzxid; a whole Multi, and the removal of a session's ephemerals, each take
// one zxid, as in ZooKeeper. Sequential names carry the number of children
// the parent has ever had created (of any name), zero-padded to 10 digits:
// that is ZooKeeper's internal cversion, while the CVersion it reports also
// counts deletions (2*creations - children), and so does ours. Failed writes take no zxid
// (ZooKeeper spends one on its error transaction; nothing observable
// depends on it). The tree starts with "/", "/zookeeper" and its children
// "config" and "quota", as a fresh ensemble does.
//
// Requests larger than ZooKeeper's default jute.maxbuffer (about 1 MiB,
// counting every op of a Multi) fail with storage.ErrBadArguments: a real
// server drops the connection instead, so such writes can never succeed in
// production and are better refused early.
//
// Writes are serialized by one lock (the zxid order requires it); reads share
// it. One-shot watches (GetW, ExistsW, ChildrenW) fire inside the commit
// that changes what they watch, before the write returns. Watches never block writers: each watch has its own delivery goroutine
// and a bounded queue, coalescing to the latest state when the consumer falls
// behind.
package mem

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// maxRequestBytes is ZooKeeper's default jute.maxbuffer (0xfffff), the
// largest request packet a server accepts.
const maxRequestBytes = 0xfffff

// opOverhead approximates the bytes a request spends on an op besides its
// path and data (header, version, mode, ACL).
const opOverhead = 64

func requestSize(ops []storage.Op) int {
	n := 0
	for _, op := range ops {
		n += opOverhead + len(op.Path) + len(op.Data)
	}
	return n
}

func checkRequestSize(ops ...storage.Op) error {
	if n := requestSize(ops); n > maxRequestBytes {
		return fmt.Errorf("%w: request of about %d bytes exceeds ZooKeeper's %d-byte limit (jute.maxbuffer)", storage.ErrBadArguments, n, maxRequestBytes)
	}
	return nil
}

// firstSessionID is where session ids start; any nonzero value would do, this
// one keeps them visibly distinct from zxids and versions in logs.
const firstSessionID = 0x1000

// Server is one in-memory tree shared by all of its sessions.
type Server struct {
	mu       sync.RWMutex
	nodes    map[string]*node
	zxid     int64
	nextSess int64
	sessions map[int64]*session

	nodeWatches  map[string]map[*watch[storage.NodeEvent]]struct{}
	childWatches map[string]map[*watch[storage.ChildrenEvent]]struct{}
	shots        oneShots
}

type node struct {
	data     []byte // never mutated in place: sets replace the slice
	stat     storage.Stat
	children map[string]struct{} // nil until the first child
	// created counts child creations: the next sequential suffix.
	created int32
}

type session struct {
	id         int64
	alive      bool
	endErr     error // why it ended, once !alive
	ephemerals map[string]struct{}
}

// NewServer returns a tree holding only what a fresh ensemble holds.
func NewServer() *Server {
	s := &Server{
		nodes:        make(map[string]*node),
		nextSess:     firstSessionID,
		sessions:     make(map[int64]*session),
		nodeWatches:  make(map[string]map[*watch[storage.NodeEvent]]struct{}),
		childWatches: make(map[string]map[*watch[storage.ChildrenEvent]]struct{}),
	}
	now := time.Now()
	s.nodes["/"] = &node{children: map[string]struct{}{}, stat: storage.Stat{Ctime: now, Mtime: now}}
	t := s.begin(nil)
	for _, p := range []string{"/zookeeper", "/zookeeper/config", "/zookeeper/quota"} {
		if _, err := t.create(p, nil, storage.Persistent, false); err != nil {
			panic(fmt.Sprintf("mem: creating %s in an empty tree: %v", p, err)) // cannot happen
		}
	}
	t.commit()
	return s
}

func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// txn is one write transaction, applied in place under s.mu with an undo log
// so a failing Multi can be rolled back.
type txn struct {
	s        *Server
	sess     *session // owner of ephemerals created; nil for server-internal txns
	zxid     int64
	now      time.Time
	undo     []func()
	nodesHit []string // paths whose data/existence changed
	kidsHit  []string // paths whose children changed
}

func (s *Server) begin(sess *session) *txn {
	return &txn{s: s, sess: sess, zxid: s.zxid + 1, now: time.Now()}
}

func (t *txn) create(p string, data []byte, mode storage.CreateMode, keep bool) (string, error) {
	check := p
	if mode.IsSequential() {
		check = p + "0000000000"
	}
	if err := storage.ValidatePath(check); err != nil {
		return "", err
	}
	if p == "/" {
		return "", fmt.Errorf("%w: the root cannot be created", storage.ErrBadArguments)
	}
	parentPath, _ := splitPath(check)
	parent := t.s.nodes[parentPath]
	if parent == nil {
		return "", storage.ErrNoNode
	}
	if mode.IsSequential() {
		p = fmt.Sprintf("%s%010d", p, parent.created)
	}
	if t.s.nodes[p] != nil {
		return "", storage.ErrNodeExists
	}
	if parent.stat.EphemeralOwner != 0 {
		return "", storage.ErrNoChildrenForEphemerals
	}
	if mode.IsEphemeral() && t.sess == nil {
		return "", fmt.Errorf("%w: ephemeral node without a session", storage.ErrBadArguments)
	}
	n := &node{
		data: kept(data, keep),
		stat: storage.Stat{
			Czxid: t.zxid, Mzxid: t.zxid, Pzxid: t.zxid,
			Ctime: t.now, Mtime: t.now,
			DataLength: int32(len(data)),
		},
	}
	if mode.IsEphemeral() {
		n.stat.EphemeralOwner = t.sess.id
		t.sess.ephemerals[p] = struct{}{}
	}
	_, name := splitPath(p)
	oldParent, oldCreated := parent.stat, parent.created
	t.s.nodes[p] = n
	if parent.children == nil {
		parent.children = map[string]struct{}{} // made on demand: most nodes are leaves
	}
	parent.children[name] = struct{}{}
	parent.created++
	parent.stat.CVersion++
	parent.stat.Pzxid = t.zxid
	parent.stat.NumChildren++
	sess := t.sess
	t.undo = append(t.undo, func() {
		delete(t.s.nodes, p)
		delete(parent.children, name)
		parent.stat, parent.created = oldParent, oldCreated
		if mode.IsEphemeral() {
			delete(sess.ephemerals, p)
		}
	})
	t.nodesHit = append(t.nodesHit, p)
	t.kidsHit = append(t.kidsHit, p, parentPath)
	return p, nil
}

func (t *txn) set(p string, data []byte, v storage.Version, keep bool) (storage.Stat, error) {
	if err := storage.ValidatePath(p); err != nil {
		return storage.Stat{}, err
	}
	n := t.s.nodes[p]
	if n == nil {
		return storage.Stat{}, storage.ErrNoNode
	}
	if v != storage.AnyVersion && v != n.stat.Version {
		return storage.Stat{}, storage.ErrBadVersion
	}
	oldData, oldStat := n.data, n.stat
	n.data = kept(data, keep)
	n.stat.Version++
	n.stat.Mzxid = t.zxid
	n.stat.Mtime = t.now
	n.stat.DataLength = int32(len(data))
	t.undo = append(t.undo, func() { n.data, n.stat = oldData, oldStat })
	t.nodesHit = append(t.nodesHit, p)
	return n.stat, nil
}

func (t *txn) delete(p string, v storage.Version) error {
	if err := storage.ValidatePath(p); err != nil {
		return err
	}
	if p == "/" {
		return fmt.Errorf("%w: the root cannot be deleted", storage.ErrBadArguments)
	}
	n := t.s.nodes[p]
	if n == nil {
		return storage.ErrNoNode
	}
	if v != storage.AnyVersion && v != n.stat.Version {
		return storage.ErrBadVersion
	}
	if len(n.children) > 0 {
		return storage.ErrNotEmpty
	}
	t.remove(p, n)
	return nil
}

// remove unlinks the leaf n at p (checks done by the caller).
func (t *txn) remove(p string, n *node) {
	parentPath, name := splitPath(p)
	parent := t.s.nodes[parentPath]
	oldParent := parent.stat
	delete(t.s.nodes, p)
	delete(parent.children, name)
	parent.stat.CVersion++
	parent.stat.Pzxid = t.zxid
	parent.stat.NumChildren--
	var owner *session
	if n.stat.EphemeralOwner != 0 {
		owner = t.s.sessions[n.stat.EphemeralOwner]
		if owner != nil {
			delete(owner.ephemerals, p)
		}
	}
	t.undo = append(t.undo, func() {
		t.s.nodes[p] = n
		parent.children[name] = struct{}{}
		parent.stat = oldParent
		if owner != nil {
			owner.ephemerals[p] = struct{}{}
		}
	})
	t.nodesHit = append(t.nodesHit, p)
	t.kidsHit = append(t.kidsHit, p, parentPath)
}

func (t *txn) check(p string, v storage.Version) error {
	if err := storage.ValidatePath(p); err != nil {
		return err
	}
	n := t.s.nodes[p]
	if n == nil {
		return storage.ErrNoNode
	}
	if v != storage.AnyVersion && v != n.stat.Version {
		return storage.ErrBadVersion
	}
	return nil
}

func (t *txn) apply(op storage.Op) (storage.OpResult, error) {
	switch op.Kind {
	case storage.OpCreate:
		p, err := t.create(op.Path, op.Data, op.Mode, op.Keep)
		return storage.OpResult{Path: p}, err
	case storage.OpSet:
		st, err := t.set(op.Path, op.Data, op.Version, op.Keep)
		return storage.OpResult{Path: op.Path, Stat: st}, err
	case storage.OpDelete:
		return storage.OpResult{Path: op.Path}, t.delete(op.Path, op.Version)
	case storage.OpCheck:
		return storage.OpResult{Path: op.Path}, t.check(op.Path, op.Version)
	}
	return storage.OpResult{}, fmt.Errorf("%w: unknown op kind %v", storage.ErrBadArguments, op.Kind)
}

// rollback undoes everything the txn did, newest first.
func (t *txn) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// commit makes the txn's zxid current (if it wrote anything) and tells the
// watches of the touched paths. Called with s.mu held for writing.
func (t *txn) commit() {
	if len(t.undo) == 0 {
		return
	}
	t.s.zxid = t.zxid
	t.s.shots.mu.Lock()
	for _, p := range t.nodesHit {
		t.s.shots.fire(t.s.shots.node, p)
	}
	for _, p := range t.kidsHit {
		t.s.shots.fire(t.s.shots.children, p)
	}
	t.s.shots.mu.Unlock()
	for _, p := range dedup(t.nodesHit) {
		ws := t.s.nodeWatches[p]
		if len(ws) == 0 {
			continue
		}
		ev := t.s.nodeEventLocked(p)
		for w := range ws {
			w.push(ev)
		}
	}
	for _, p := range dedup(t.kidsHit) {
		for w := range t.s.childWatches[p] {
			w.markDirty()
		}
	}
}

func dedup(ps []string) []string {
	if len(ps) < 2 {
		return ps
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// nodeEventLocked is the current state of p as a watch event. The data slice
// is shared with the tree (which never mutates it); deliveries copy it.
func (s *Server) nodeEventLocked(p string) storage.NodeEvent {
	n := s.nodes[p]
	if n == nil {
		return storage.NodeEvent{}
	}
	return storage.NodeEvent{Exists: true, Data: n.data, Stat: n.stat}
}

func (s *Server) childrenEventLocked(p string) storage.ChildrenEvent {
	n := s.nodes[p]
	if n == nil {
		return storage.ChildrenEvent{}
	}
	return storage.ChildrenEvent{Exists: true, Children: sortedChildren(n), Stat: n.stat}
}

func sortedChildren(n *node) []string {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// newSession registers a live session.
func (s *Server) newSession() *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSess++
	sess := &session{id: s.nextSess, alive: true, ephemerals: map[string]struct{}{}}
	s.sessions[sess.id] = sess
	return sess
}

// endSession deletes the session's ephemerals in one transaction, as
// ZooKeeper's closeSession does; err (ErrSessionExpired or ErrClosed) is
// what its later writes fail with. It reports false if it had already ended.
func (s *Server) endSession(sess *session, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !sess.alive {
		return false
	}
	sess.alive = false
	sess.endErr = err
	t := s.begin(nil)
	// Ephemerals have no children, so any order works; sorted for determinism.
	for _, p := range slices.Sorted(maps.Keys(sess.ephemerals)) {
		if n := s.nodes[p]; n != nil {
			t.remove(p, n)
		}
	}
	t.commit()
	delete(s.sessions, sess.id)
	return true
}

// kept is what a node holds of data handed over: the slice itself when
// the caller said it never modifies it (storage.Op.Keep), else a copy.
// Data leaves the tree only as copies (Get, watch events), so a kept
// slice is never written by anyone. A slice with more spare capacity than
// a third of its length (a printer's doubled buffer) is copied all the
// same: the tree would hold that capacity for as long as the node.
func kept(data []byte, keep bool) []byte {
	if keep && cap(data)-len(data) <= len(data)/3 {
		return data
	}
	return slices.Clone(data)
}
