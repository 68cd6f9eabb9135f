package zk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/midonet/midonet-go/midonet/storage"
)

// MaxRequestBytes bounds the data and paths of one request. ZooKeeper's
// servers drop the connection of a client whose request exceeds their
// jute.maxbuffer (1 MiB by default) instead of answering with an error; so
// bigger requests fail here with storage.ErrBadArguments, and the connection
// (and every request sharing it) is spared. 1 KiB is left for headers.
const MaxRequestBytes = 1<<20 - 1<<10

// multiOpOverhead is about what one op adds to a Multi besides its path and
// data (op header, version, flags, ACL).
const multiOpOverhead = 64

// checkSize fails requests ZooKeeper would not accept.
func checkSize(n int) error {
	if n > MaxRequestBytes {
		return fmt.Errorf("%w: request of %d bytes exceeds ZooKeeper's limit of %d", storage.ErrBadArguments, n, MaxRequestBytes)
	}
	return nil
}

// openACL is the ACL of every node we create: MidoNet does not use ZooKeeper
// ACLs.
var openACL = gozk.WorldACL(gozk.PermAll)

// call runs one blocking library request unless ctx ends first (the library
// has no contexts; an abandoned request still completes, like any request
// whose answer was lost).
func call[T any](ctx context.Context, c *Conn, f func() (T, error)) (T, error) {
	var zero T
	if _, err := c.usable(ctx); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		v, err := f()
		return v, c.mapErr(err)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, c.mapErr(r.err)
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func convertStat(s *gozk.Stat) storage.Stat {
	if s == nil {
		return storage.Stat{}
	}
	return storage.Stat{
		Version:        storage.Version(s.Version),
		CVersion:       s.Cversion,
		Czxid:          s.Czxid,
		Mzxid:          s.Mzxid,
		Pzxid:          s.Pzxid,
		Ctime:          time.UnixMilli(s.Ctime),
		Mtime:          time.UnixMilli(s.Mtime),
		EphemeralOwner: s.EphemeralOwner,
		DataLength:     s.DataLength,
		NumChildren:    s.NumChildren,
	}
}

// validateCreatePath checks the path a create will make. A sequential
// create's path is a prefix: it may end with "/" (the node is then named by
// its sequence number alone), as ZooKeeper allows.
func validateCreatePath(p string, mode storage.CreateMode) error {
	if p == "/" {
		return fmt.Errorf("%w: cannot create /", storage.ErrBadArguments)
	}
	if mode.IsSequential() {
		if err := storage.ValidatePath(p + "0000000000"); err != nil {
			return fmt.Errorf("%w: sequential prefix %q is not a valid path prefix", storage.ErrBadArguments, p)
		}
		return nil
	}
	return storage.ValidatePath(p)
}

func createFlags(m storage.CreateMode) (int32, error) {
	switch m {
	case storage.Persistent:
		return gozk.FlagPersistent, nil
	case storage.Ephemeral:
		return gozk.FlagEphemeral, nil
	case storage.PersistentSequential:
		return gozk.FlagSequence, nil
	case storage.EphemeralSequential:
		return gozk.FlagEphemeralSequential, nil
	}
	return 0, fmt.Errorf("%w: unknown create mode %v", storage.ErrBadArguments, m)
}

// Get implements storage.Conn.
func (c *Conn) Get(ctx context.Context, path string) ([]byte, storage.Stat, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("get: %w", err)
	}
	type result struct {
		data []byte
		stat *gozk.Stat
	}
	r, err := call(ctx, c, func() (result, error) {
		data, stat, err := c.zc.Get(path)
		return result{data, stat}, err
	})
	if err != nil {
		return nil, storage.Stat{}, fmt.Errorf("get %s: %w", path, err)
	}
	return r.data, convertStat(r.stat), nil
}

// Sync implements storage.Conn with ZooKeeper's sync.
func (c *Conn) Sync(ctx context.Context, path string) error {
	if err := storage.ValidatePath(path); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if _, err := call(ctx, c, func() (string, error) { return c.zc.Sync(path) }); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// Exists implements storage.Conn.
func (c *Conn) Exists(ctx context.Context, path string) (storage.Stat, bool, error) {
	if err := storage.ValidatePath(path); err != nil {
		return storage.Stat{}, false, fmt.Errorf("exists: %w", err)
	}
	type result struct {
		exists bool
		stat   *gozk.Stat
	}
	r, err := call(ctx, c, func() (result, error) {
		exists, stat, err := c.zc.Exists(path)
		return result{exists, stat}, err
	})
	if err != nil {
		return storage.Stat{}, false, fmt.Errorf("exists %s: %w", path, err)
	}
	if !r.exists {
		return storage.Stat{}, false, nil
	}
	return convertStat(r.stat), true, nil
}

// Children implements storage.Conn.
func (c *Conn) Children(ctx context.Context, path string) ([]string, storage.Stat, error) {
	if err := storage.ValidatePath(path); err != nil {
		return nil, storage.Stat{}, fmt.Errorf("children: %w", err)
	}
	type result struct {
		children []string
		stat     *gozk.Stat
	}
	r, err := call(ctx, c, func() (result, error) {
		children, stat, err := c.zc.Children(path)
		return result{children, stat}, err
	})
	if err != nil {
		return nil, storage.Stat{}, fmt.Errorf("children %s: %w", path, err)
	}
	slices.Sort(r.children)
	return r.children, convertStat(r.stat), nil
}

// Create implements storage.Conn.
func (c *Conn) Create(ctx context.Context, path string, data []byte, mode storage.CreateMode) (string, error) {
	flags, err := createFlags(mode)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	if err := validateCreatePath(path, mode); err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	if err := checkSize(len(path) + len(data)); err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	created, err := call(ctx, c, func() (string, error) {
		return c.zc.Create(path, data, flags, openACL)
	})
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	return created, nil
}

// Set implements storage.Conn.
func (c *Conn) Set(ctx context.Context, path string, data []byte, v storage.Version) (storage.Stat, error) {
	if err := storage.ValidatePath(path); err != nil {
		return storage.Stat{}, fmt.Errorf("set: %w", err)
	}
	if err := checkSize(len(path) + len(data)); err != nil {
		return storage.Stat{}, fmt.Errorf("set %s: %w", path, err)
	}
	stat, err := call(ctx, c, func() (*gozk.Stat, error) {
		return c.zc.Set(path, data, int32(v))
	})
	if err != nil {
		return storage.Stat{}, fmt.Errorf("set %s: %w", path, err)
	}
	return convertStat(stat), nil
}

// Delete implements storage.Conn.
func (c *Conn) Delete(ctx context.Context, path string, v storage.Version) error {
	if err := storage.ValidatePath(path); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err := call(ctx, c, func() (struct{}, error) {
		return struct{}{}, c.zc.Delete(path, int32(v))
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// Multi implements storage.Conn.
func (c *Conn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	reqs := make([]any, len(ops))
	size := 0
	for i, op := range ops {
		req, err := multiRequest(op)
		if err == nil {
			size += len(op.Path) + len(op.Data) + multiOpOverhead
			err = checkSize(size)
		}
		if err != nil {
			return nil, &storage.MultiError{Index: i, Op: op, Err: err}
		}
		reqs[i] = req
	}
	if len(ops) == 0 {
		// ZooKeeper accepts an empty multi; spare the round trip.
		if _, err := c.usable(ctx); err != nil {
			return nil, fmt.Errorf("multi: %w", err)
		}
		return []storage.OpResult{}, nil
	}
	type result struct {
		res []gozk.MultiResponse
		err error // the library's own error, before mapping
	}
	r, err := call(ctx, c, func() (result, error) {
		res, err := c.zc.Multi(reqs...)
		return result{res, err}, err
	})
	if err != nil {
		if len(r.res) == len(ops) {
			// The ops' own results say which one failed; the others
			// carry OK or ZooKeeper's "runtime inconsistency".
			for i, res := range r.res {
				if res.Error != nil && isOpError(res.Error) {
					return nil, &storage.MultiError{Index: i, Op: ops[i], Err: c.mapErr(res.Error)}
				}
			}
		}
		if isOpError(r.err) {
			return nil, &storage.MultiError{Index: 0, Op: ops[0], Err: err}
		}
		return nil, fmt.Errorf("multi: %w", err)
	}
	results := make([]storage.OpResult, len(ops))
	for i, op := range ops {
		results[i].Path = op.Path
		if i >= len(r.res) {
			continue
		}
		switch op.Kind {
		case storage.OpCreate:
			results[i].Path = r.res[i].String
		case storage.OpSet:
			results[i].Stat = convertStat(r.res[i].Stat)
		}
	}
	return results, nil
}

// isOpError tells the errors of an op (the node's state, bad arguments) from
// those of the session or connection, and from the placeholder ZooKeeper
// puts in the results of a failed multi's other ops.
func isOpError(err error) bool {
	for _, opErr := range []error{gozk.ErrNoNode, gozk.ErrNodeExists, gozk.ErrBadVersion, gozk.ErrNotEmpty,
		gozk.ErrNoChildrenForEphemerals, gozk.ErrBadArguments, gozk.ErrInvalidPath, gozk.ErrInvalidFlags,
		gozk.ErrInvalidACL, gozk.ErrNoAuth} {
		if errors.Is(err, opErr) {
			return true
		}
	}
	return false
}

func multiRequest(op storage.Op) (any, error) {
	if op.Kind != storage.OpCreate {
		if err := storage.ValidatePath(op.Path); err != nil {
			return nil, err
		}
	}
	switch op.Kind {
	case storage.OpCreate:
		flags, err := createFlags(op.Mode)
		if err != nil {
			return nil, err
		}
		if err := validateCreatePath(op.Path, op.Mode); err != nil {
			return nil, err
		}
		return &gozk.CreateRequest{Path: op.Path, Data: op.Data, Acl: openACL, Flags: flags}, nil
	case storage.OpSet:
		return &gozk.SetDataRequest{Path: op.Path, Data: op.Data, Version: int32(op.Version)}, nil
	case storage.OpDelete:
		return &gozk.DeleteRequest{Path: op.Path, Version: int32(op.Version)}, nil
	case storage.OpCheck:
		return &gozk.CheckVersionRequest{Path: op.Path, Version: int32(op.Version)}, nil
	}
	return nil, fmt.Errorf("%w: unknown op kind %v", storage.ErrBadArguments, op.Kind)
}
