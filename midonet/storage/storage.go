// Package storage defines the hierarchical, versioned key store that MidoNet
// keeps its data in: a tree of nodes with ZooKeeper's semantics (data
// versions, ephemeral and sequential nodes, atomic multi-ops, watches).
//
// It is the only abstraction the rest of the code base sees of ZooKeeper.
// Two implementations exist: package zk (a real ZooKeeper ensemble through
// github.com/go-zookeeper/zk) and package mem (an in-process tree with the same
// semantics, used by tests and the in-memory dev mode). Package storagetest
// holds the conformance suite both must pass. Election (leader election in
// the manner of Curator's LeaderLatch) works over any Conn.
//
// Paths are absolute, slash-separated ZooKeeper paths ("/midonet/zoom/0").
// Callers own their root prefix; backends do not chroot.
package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Version is a node's data version, as ZooKeeper's Stat.Version: 0 after
// create, +1 on every set.
type Version int32

// AnyVersion makes a set, delete or check unconditional.
const AnyVersion Version = -1

// Stat describes a node, with ZooKeeper's meaning for every field. The
// in-memory backend keeps its own monotonically increasing transaction
// counter so that Czxid/Mzxid/Pzxid compare the same way they do on ZooKeeper.
type Stat struct {
	Version        Version // data version
	CVersion       int32   // children version: +1 on every child create/delete
	Czxid          int64   // transaction that created the node
	Mzxid          int64   // transaction that last modified the data
	Pzxid          int64   // transaction that last changed the children
	Ctime, Mtime   time.Time
	EphemeralOwner int64 // session id owning an ephemeral node, 0 otherwise
	DataLength     int32
	NumChildren    int32
}

// CreateMode says how long a node lives and whether its name gets a sequence suffix.
type CreateMode int

const (
	// Persistent nodes live until deleted.
	Persistent CreateMode = iota
	// Ephemeral nodes are deleted when the session that created them ends.
	Ephemeral
	// PersistentSequential nodes get a 10-digit, zero-padded, per-parent
	// increasing counter appended to their name.
	PersistentSequential
	// EphemeralSequential combines Ephemeral and PersistentSequential.
	EphemeralSequential
)

func (m CreateMode) String() string {
	switch m {
	case Persistent:
		return "persistent"
	case Ephemeral:
		return "ephemeral"
	case PersistentSequential:
		return "persistent-sequential"
	case EphemeralSequential:
		return "ephemeral-sequential"
	}
	return fmt.Sprintf("CreateMode(%d)", int(m))
}

// IsEphemeral reports whether nodes of this mode die with their session.
func (m CreateMode) IsEphemeral() bool { return m == Ephemeral || m == EphemeralSequential }

// IsSequential reports whether nodes of this mode get a sequence suffix.
func (m CreateMode) IsSequential() bool {
	return m == PersistentSequential || m == EphemeralSequential
}

// Errors every backend returns (possibly wrapped, always matchable with errors.Is).
var (
	ErrNoNode                  = errors.New("node does not exist")
	ErrNodeExists              = errors.New("node already exists")
	ErrBadVersion              = errors.New("version conflict")
	ErrNotEmpty                = errors.New("node has children")
	ErrNoChildrenForEphemerals = errors.New("ephemeral nodes cannot have children")
	ErrBadArguments            = errors.New("bad arguments")
	// ErrConnectionLoss: the request may or may not have been applied; the
	// session is still alive and the client is reconnecting.
	ErrConnectionLoss = errors.New("connection to the store lost")
	// ErrSessionExpired: the session ended; its ephemeral nodes are gone.
	ErrSessionExpired = errors.New("session expired")
	// ErrClosed: the Conn was closed by its owner.
	ErrClosed = errors.New("store connection closed")
)

// OpKind names the operations a Multi can contain.
type OpKind int

const (
	OpCreate OpKind = iota + 1
	OpSet
	OpDelete
	OpCheck
)

func (k OpKind) String() string {
	switch k {
	case OpCreate:
		return "create"
	case OpSet:
		return "set"
	case OpDelete:
		return "delete"
	case OpCheck:
		return "check"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one operation of an atomic Multi. Build them with CreateOp, SetOp,
// DeleteOp and CheckOp.
type Op struct {
	Kind    OpKind
	Path    string
	Data    []byte     // create, set
	Mode    CreateMode // create
	Version Version    // set, delete, check
	// Keep says the caller never modifies Data after handing it over, so
	// a backend that holds data in memory may keep the slice itself
	// instead of a copy (a parent of 10k children rewritten per child
	// create is 600 KB).
	Keep bool
}

// CreateOp creates path with data.
func CreateOp(path string, data []byte, mode CreateMode) Op {
	return Op{Kind: OpCreate, Path: path, Data: data, Mode: mode}
}

// SetOp replaces the data of path if its version is v (or v is AnyVersion).
func SetOp(path string, data []byte, v Version) Op {
	return Op{Kind: OpSet, Path: path, Data: data, Version: v}
}

// DeleteOp deletes path (which must have no children) if its version is v.
func DeleteOp(path string, v Version) Op { return Op{Kind: OpDelete, Path: path, Version: v} }

// CheckOp asserts that path exists with version v, without changing it.
func CheckOp(path string, v Version) Op { return Op{Kind: OpCheck, Path: path, Version: v} }

func (o Op) String() string { return fmt.Sprintf("%s %s", o.Kind, o.Path) }

// OpResult is the outcome of one op of a successful Multi.
type OpResult struct {
	// Path is the created path for creates (with the sequence suffix for
	// sequential nodes), the op's path otherwise.
	Path string
	// Stat is the node's stat after a set; zero for other ops.
	Stat Stat
}

// MultiError says which op made an atomic Multi fail. Nothing of the Multi
// was applied. Err is one of the package's errors.
type MultiError struct {
	Index int // index of the failing op in the Multi's argument list
	Op    Op
	Err   error
}

func (e *MultiError) Error() string {
	return fmt.Sprintf("multi op %d (%s) failed: %v", e.Index, e.Op, e.Err)
}

func (e *MultiError) Unwrap() error { return e.Err }

// NodeEvent is one observation of a watched node. The first event on a
// watch's channel is the node's state when the watch was set; later events
// follow the node's changes in order. Rapid changes may be coalesced (as
// ZooKeeper's one-shot watches do), but a consumer always ends up seeing the
// latest state.
type NodeEvent struct {
	Exists bool
	Data   []byte
	Stat   Stat
	// Err is set on the last event of a watch that ended for a reason other
	// than its context being cancelled (ErrSessionExpired, ErrClosed); the
	// channel is closed right after it.
	Err error
}

// ChildrenEvent is one observation of a watched node's children. As with
// NodeEvent, the first event is the state when the watch was set.
type ChildrenEvent struct {
	Exists   bool
	Children []string // names (not paths), sorted
	Stat     Stat     // the parent's stat (Pzxid/CVersion change with children)
	Err      error
}

// Watch is a one-shot watch set by a read (GetW, ExistsW, ChildrenW): it
// tells, without a round trip, whether what the read returned may have
// changed since. It is ZooKeeper's one-shot watch, kept on the client and
// the server until it fires (the client cannot remove it: an unwanted
// watch costs a client map entry and a server registration until the node
// next changes), so a caller sets a new one only when the last has fired.
//
// The contract, on which a cache can serve reads without asking the store:
//   - A read never fires a watch, nor does anything that leaves the watched
//     state (data and existence, or the child list) unchanged, except as
//     below.
//   - A change of the watched state committed by any session fires the
//     watch, and does so no later than this session learns of anything
//     after it: once a request this session issued after the change was
//     committed has returned, Fired reports true. In particular, once
//     Sync returns, every watch of this session whose state changed in a
//     write committed before Sync was called has fired, and a watch that
//     has not fired then guarantees its read's result was current when
//     Sync was called. A write of this session fires its own watches
//     before the write returns.
//   - The end of the session (expiry, Close) fires every watch, and so does
//     a lost connection, even when the session survives it: ZooKeeper
//     re-registers watches after a reconnection, but not in order with the
//     requests that follow it, so a watch set before the connection was
//     lost no longer guarantees anything; the caller reads again.
//
// A watch may fire spuriously (it is conservative), never late.
type Watch interface {
	// Fired reports, without blocking, whether the watch has fired.
	Fired() bool
}

// SessionState is the state of a Conn's session with the store.
type SessionState int

const (
	// Connected: requests are served and ephemeral nodes are held.
	Connected SessionState = iota + 1
	// Disconnected: the connection dropped; the session may still be alive
	// and the client is reconnecting. Requests fail with ErrConnectionLoss.
	Disconnected
	// Expired: the session ended and its ephemerals are gone. The zk backend
	// then establishes a new session and reports Connected again.
	Expired
	// Closed: Close was called.
	Closed
)

func (s SessionState) String() string {
	switch s {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case Expired:
		return "expired"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("SessionState(%d)", int(s))
}

// SessionEvent reports a change of a Conn's session state.
type SessionEvent struct {
	State     SessionState
	SessionID int64 // id of the (possibly new) session
}

// Conn is one client session to the store. Ephemeral nodes created through
// a Conn belong to its session and disappear when the session ends (Close or
// expiry). All methods are safe for concurrent use.
type Conn interface {
	// Get returns the data and stat of path.
	Get(ctx context.Context, path string) ([]byte, Stat, error)
	// Exists returns the stat of path and whether it exists.
	Exists(ctx context.Context, path string) (Stat, bool, error)
	// Children returns the sorted child names of path.
	Children(ctx context.Context, path string) ([]string, Stat, error)
	// Create creates path (its parent must exist) and returns the created
	// path, which differs from path for sequential modes.
	Create(ctx context.Context, path string, data []byte, mode CreateMode) (string, error)
	// Set replaces the data of path if its version is v (or v is AnyVersion).
	Set(ctx context.Context, path string, data []byte, v Version) (Stat, error)
	// Delete deletes path if its version is v (or v is AnyVersion).
	Delete(ctx context.Context, path string, v Version) error
	// Multi applies ops atomically: all or nothing. On failure the error is a
	// *MultiError naming the first failing op.
	Multi(ctx context.Context, ops ...Op) ([]OpResult, error)
	// Sync returns once the server this session reads from has applied every
	// write committed before the call (ZooKeeper's sync on path). Reads are
	// only sequentially consistent per session: another session's write that
	// has been acknowledged may not be visible yet on a lagging follower. A
	// caller about to report "does not exist" for something another client
	// may just have created syncs and reads again.
	Sync(ctx context.Context, path string) error

	// WatchNode observes path (which need not exist) until ctx is done. The
	// channel is closed when the watch ends.
	WatchNode(ctx context.Context, path string) (<-chan NodeEvent, error)
	// WatchChildren observes the children of path (which need not exist)
	// until ctx is done. The channel is closed when the watch ends.
	WatchChildren(ctx context.Context, path string) (<-chan ChildrenEvent, error)

	// GetW is Get that also sets a one-shot Watch on the node's data and
	// existence (fired by a set or a delete). No watch is set when the
	// node is missing (the error is then ErrNoNode).
	GetW(ctx context.Context, path string) ([]byte, Stat, Watch, error)
	// ExistsW is Exists that also sets a one-shot Watch: on the node's data
	// and existence when it exists, on its creation when it does not.
	ExistsW(ctx context.Context, path string) (Stat, bool, Watch, error)
	// ChildrenW is Children that also sets a one-shot Watch on the child
	// list (fired by a child's create or delete, or the node's delete). No
	// watch is set when the node is missing (ErrNoNode).
	ChildrenW(ctx context.Context, path string) ([]string, Stat, Watch, error)

	// SessionID is the id of the current session (0 when none).
	SessionID() int64
	// State is the current session state.
	State() SessionState
	// SessionEvents delivers every session state change from now on, in
	// order, until ctx is done. The channel is also closed once no further
	// change can come: after Closed, and after Expired on a backend whose
	// Conn does not open a new session (mem); on such an ended Conn it is
	// closed at once.
	SessionEvents(ctx context.Context) <-chan SessionEvent

	// Close ends the session (removing its ephemerals) and releases
	// resources. Watches end with ErrClosed; later calls fail with ErrClosed.
	// Closing twice is harmless.
	Close() error
}

// ValidatePath applies ZooKeeper's path rules (absolute, no trailing slash,
// no empty, relative or NUL-bearing component), so that bad paths fail the
// same way (ErrBadArguments) on every backend and inside a Multi.
func ValidatePath(p string) error {
	if p == "" || p[0] != '/' {
		return fmt.Errorf("%w: path %q must start with /", ErrBadArguments, p)
	}
	if p == "/" {
		return nil
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("%w: path %q must not end with /", ErrBadArguments, p)
	}
	for _, part := range strings.Split(p[1:], "/") {
		switch {
		case part == "":
			return fmt.Errorf("%w: path %q has an empty component", ErrBadArguments, p)
		case part == "." || part == "..":
			return fmt.Errorf("%w: path %q has a relative component", ErrBadArguments, p)
		case strings.ContainsRune(part, 0):
			return fmt.Errorf("%w: path %q contains a NUL character", ErrBadArguments, p)
		}
	}
	return nil
}
