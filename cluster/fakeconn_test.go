package cluster_test

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// fakeConn is test scaffolding until midonet/storage/mem lands: a flat map
// with ZooKeeper's create/delete rules and ephemerals owned by a session,
// enough for the node's registration and health. Watches and Multi are not
// supported. Several fakeConns may share one fakeTree, as several sessions
// share one ensemble.
type fakeTree struct {
	mu     sync.Mutex
	nodes  map[string]fakeNode
	nextID int64
}

type fakeNode struct {
	data  []byte
	owner int64
}

func newFakeTree() *fakeTree {
	return &fakeTree{nodes: map[string]fakeNode{"/": {}}}
}

type fakeConn struct {
	tree    *fakeTree
	session int64
	mu      sync.Mutex
	state   storage.SessionState
	subs    []chan storage.SessionEvent
}

func (t *fakeTree) connect() *fakeConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	return &fakeConn{tree: t, session: t.nextID, state: storage.Connected}
}

var errUnsupported = errors.New("fakeConn: unsupported")

func (c *fakeConn) live() error {
	if c.State() != storage.Connected {
		return storage.ErrConnectionLoss
	}
	return nil
}

func (c *fakeConn) Get(ctx context.Context, p string) ([]byte, storage.Stat, error) {
	if err := c.live(); err != nil {
		return nil, storage.Stat{}, err
	}
	c.tree.mu.Lock()
	defer c.tree.mu.Unlock()
	n, ok := c.tree.nodes[p]
	if !ok {
		return nil, storage.Stat{}, storage.ErrNoNode
	}
	return slices.Clone(n.data), storage.Stat{EphemeralOwner: n.owner, DataLength: int32(len(n.data))}, nil
}

func (c *fakeConn) Exists(ctx context.Context, p string) (storage.Stat, bool, error) {
	_, st, err := c.Get(ctx, p)
	if errors.Is(err, storage.ErrNoNode) {
		return storage.Stat{}, false, nil
	}
	return st, err == nil, err
}

func (c *fakeConn) Children(ctx context.Context, p string) ([]string, storage.Stat, error) {
	if err := c.live(); err != nil {
		return nil, storage.Stat{}, err
	}
	c.tree.mu.Lock()
	defer c.tree.mu.Unlock()
	if _, ok := c.tree.nodes[p]; !ok {
		return nil, storage.Stat{}, storage.ErrNoNode
	}
	var out []string
	for k := range c.tree.nodes {
		if k != "/" && path.Dir(k) == p {
			out = append(out, path.Base(k))
		}
	}
	slices.Sort(out)
	return out, storage.Stat{NumChildren: int32(len(out))}, nil
}

func (c *fakeConn) Create(ctx context.Context, p string, data []byte, mode storage.CreateMode) (string, error) {
	if err := c.live(); err != nil {
		return "", err
	}
	if mode.IsSequential() {
		return "", errUnsupported
	}
	c.tree.mu.Lock()
	defer c.tree.mu.Unlock()
	if _, ok := c.tree.nodes[p]; ok {
		return "", storage.ErrNodeExists
	}
	if _, ok := c.tree.nodes[path.Dir(p)]; !ok {
		return "", storage.ErrNoNode
	}
	n := fakeNode{data: slices.Clone(data)}
	if mode.IsEphemeral() {
		n.owner = c.session
	}
	c.tree.nodes[p] = n
	return p, nil
}

func (c *fakeConn) Set(ctx context.Context, p string, data []byte, v storage.Version) (storage.Stat, error) {
	return storage.Stat{}, errUnsupported
}

func (c *fakeConn) Delete(ctx context.Context, p string, v storage.Version) error {
	if err := c.live(); err != nil {
		return err
	}
	c.tree.mu.Lock()
	defer c.tree.mu.Unlock()
	if _, ok := c.tree.nodes[p]; !ok {
		return storage.ErrNoNode
	}
	for k := range c.tree.nodes {
		if strings.HasPrefix(k, p+"/") {
			return storage.ErrNotEmpty
		}
	}
	delete(c.tree.nodes, p)
	return nil
}

func (c *fakeConn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	return nil, errUnsupported
}

func (c *fakeConn) WatchNode(ctx context.Context, p string) (<-chan storage.NodeEvent, error) {
	return nil, errUnsupported
}

func (c *fakeConn) WatchChildren(ctx context.Context, p string) (<-chan storage.ChildrenEvent, error) {
	return nil, errUnsupported
}

func (c *fakeConn) SessionID() int64 { return c.session }

func (c *fakeConn) State() storage.SessionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

func (c *fakeConn) SessionEvents(ctx context.Context) <-chan storage.SessionEvent {
	ch := make(chan storage.SessionEvent, 16)
	c.mu.Lock()
	c.subs = append(c.subs, ch)
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		if i := slices.Index(c.subs, ch); i >= 0 {
			c.subs = slices.Delete(c.subs, i, i+1)
			close(ch)
		}
	}()
	return ch
}

// setState simulates a session change; Expired drops the session's ephemerals.
func (c *fakeConn) setState(s storage.SessionState) {
	if s == storage.Expired || s == storage.Closed {
		c.tree.mu.Lock()
		for k, n := range c.tree.nodes {
			if n.owner == c.session {
				delete(c.tree.nodes, k)
			}
		}
		c.tree.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = s
	for _, ch := range c.subs {
		select {
		case ch <- storage.SessionEvent{State: s, SessionID: c.session}:
		default:
		}
	}
}

func (c *fakeConn) Close() error {
	c.setState(storage.Closed)
	return nil
}
