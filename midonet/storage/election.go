package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoLeader: an election has no candidate.
var ErrNoLeader = errors.New("election has no leader")

// Election is leader election over any Conn, in the manner of Curator's
// LeaderLatch: each candidate of election name creates an ephemeral
// sequential node under Root/name holding its id; the lowest sequence
// leads, and every other candidate watches only its predecessor (so a
// departure wakes one candidate, not all of them).
//
// Node names are "_c_<random token>-latch-<10-digit sequence>", like
// Curator's protected latch nodes, and candidates are ordered by the
// sequence alone. The token lets a candidate find (and remove) a node it
// created when the create's reply was lost.
type Election struct {
	Conn Conn
	// Root is the parent of all elections, e.g. "/midonet/elections". It
	// and Root/name are created (persistent) when missing.
	Root string
}

const (
	latchMarker = "-latch-"
	// relinquishPause separates a lead that returned on its own from the
	// next candidacy, so a lead that fails at once does not spin.
	relinquishPause = time.Second
	maxRetryPause   = 5 * time.Second
	// cleanupTimeout bounds the removal of our candidate node on the way out.
	cleanupTimeout = 10 * time.Second
)

var (
	// errLost: leadership or candidacy ended (connection lost, node gone);
	// campaign again.
	errLost = errors.New("candidacy lost")
	// errRelinquished: lead returned while still leading.
	errRelinquished = errors.New("lead returned")
)

// Campaign takes part in election name as id until ctx is done. Each time
// id becomes leader it calls lead with a context that is cancelled when
// leadership is lost: ctx done, the node deleted, or the session
// disconnected, expired or closed (conservatively, as Curator does on
// SUSPENDED: a leader that cannot reach the store stops leading). lead
// should return promptly after its context is done; Campaign never runs
// two leads at once. If lead returns while still leading, the candidate
// gives up leadership and queues again after a short pause.
//
// After a lost connection or a new session Campaign campaigns again.
// It returns ctx's error once ctx is done (having left the election, its
// node deleted when the store is reachable), ErrClosed when the Conn is
// closed, ErrSessionExpired when the session expired and the Conn cannot
// open another, or a bad-argument error.
func (e *Election) Campaign(ctx context.Context, name, id string, lead func(ctx context.Context)) error {
	dir, err := e.dir(name)
	if err != nil {
		return err
	}
	c := &candidate{conn: e.Conn, dir: dir, id: id, sess: e.Conn.SessionEvents(ctx)}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_ = c.cleanup(cctx) // best effort: the node dies with the session anyway
	}()
	pause := time.Duration(0)
	for {
		if pause > 0 {
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := c.waitConnected(ctx); err != nil {
			return err
		}
		err := c.campaignOnce(ctx, lead)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrClosed), errors.Is(err, ErrBadArguments):
			return fmt.Errorf("election %s: %w", dir, err)
		case errors.Is(err, errRelinquished):
			pause = relinquishPause
		case err == nil, errors.Is(err, errLost), errors.Is(err, ErrConnectionLoss), errors.Is(err, ErrSessionExpired):
			pause = 0
		default:
			// Unexpected store error: retry, slowing down.
			pause = min(max(2*pause, 50*time.Millisecond), maxRetryPause)
		}
	}
}

// Leader returns the id of the current leader of election name, or
// ErrNoLeader.
func (e *Election) Leader(ctx context.Context, name string) (string, error) {
	dir, err := e.dir(name)
	if err != nil {
		return "", err
	}
	kids, _, err := e.Conn.Children(ctx, dir)
	if errors.Is(err, ErrNoNode) {
		return "", fmt.Errorf("election %s: %w", dir, ErrNoLeader)
	}
	if err != nil {
		return "", fmt.Errorf("election %s: %w", dir, err)
	}
	for _, k := range sortCandidates(kids) {
		data, _, err := e.Conn.Get(ctx, dir+"/"+k)
		if errors.Is(err, ErrNoNode) {
			continue // it just left; the next one leads
		}
		if err != nil {
			return "", fmt.Errorf("election %s: %w", dir, err)
		}
		return string(data), nil
	}
	return "", fmt.Errorf("election %s: %w", dir, ErrNoLeader)
}

func (e *Election) dir(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("%w: election name %q must be one non-empty path component", ErrBadArguments, name)
	}
	if e.Root == "" || e.Root[0] != '/' {
		return "", fmt.Errorf("%w: election root %q must be an absolute path", ErrBadArguments, e.Root)
	}
	return strings.TrimSuffix(e.Root, "/") + "/" + name, nil
}

// sortCandidates returns the latch node names among kids ordered by their
// sequence number.
func sortCandidates(kids []string) []string {
	type cand struct {
		name string
		seq  int64
	}
	var cs []cand
	for _, k := range kids {
		if seq, ok := latchSeq(k); ok {
			cs = append(cs, cand{k, seq})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.seq != b.seq {
			return int(a.seq - b.seq)
		}
		return strings.Compare(a.name, b.name)
	})
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return names
}

// latchSeq parses the sequence of a latch node: ours and Curator's
// protected ones ("<prefix>-latch-N") and Curator's plain ones ("latch-N").
func latchSeq(name string) (int64, bool) {
	const plain = "latch-"
	i := strings.LastIndex(name, plain)
	if i < 0 || (i > 0 && name[i-1] != '-') || len(name)-i-len(plain) != 10 {
		return 0, false
	}
	seq, err := strconv.ParseUint(name[i+len(plain):], 10, 31)
	return int64(seq), err == nil
}

// candidate is the state of one Campaign call.
type candidate struct {
	conn Conn
	dir  string
	id   string
	sess <-chan SessionEvent
	// sessEnded: sess was closed (the Conn can have no further sessions).
	sessEnded bool
	// tokens of candidacies whose nodes may still exist.
	tokens []string
}

// sessionEnd is the error for a session-event channel that closed.
func (c *candidate) sessionEnd(ctx context.Context) error {
	c.sessEnded = true
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.conn.State() == Closed {
		return ErrClosed
	}
	return ErrSessionExpired
}

// waitConnected returns once the Conn is connected.
func (c *candidate) waitConnected(ctx context.Context) error {
	for {
		switch c.conn.State() {
		case Connected:
			return nil
		case Closed:
			return ErrClosed
		}
		if c.sessEnded {
			return c.sessionEnd(ctx)
		}
		select {
		case _, ok := <-c.sess:
			if !ok {
				return c.sessionEnd(ctx)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cleanup deletes the nodes of earlier candidacies (found by token, since a
// create whose reply was lost may have succeeded).
func (c *candidate) cleanup(ctx context.Context) error {
	if len(c.tokens) == 0 {
		return nil
	}
	kids, _, err := c.conn.Children(ctx, c.dir)
	if errors.Is(err, ErrNoNode) {
		c.tokens = nil
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range kids {
		if !slices.ContainsFunc(c.tokens, func(tok string) bool { return strings.HasPrefix(k, "_c_"+tok) }) {
			continue
		}
		if err := c.conn.Delete(ctx, c.dir+"/"+k, AnyVersion); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
	}
	c.tokens = nil
	return nil
}

// campaignOnce runs one candidacy: from creating the node to losing it.
func (c *candidate) campaignOnce(ctx context.Context, lead func(context.Context)) error {
	if err := c.cleanup(ctx); err != nil {
		return err
	}
	if err := makeDirs(ctx, c.conn, c.dir); err != nil {
		return err
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("candidate token: %w", err)
	}
	token := hex.EncodeToString(raw[:])
	c.tokens = append(c.tokens, token)
	node, err := c.conn.Create(ctx, c.dir+"/_c_"+token+latchMarker, []byte(c.id), EphemeralSequential)
	if err != nil {
		return err
	}
	name := node[len(c.dir)+1:]
	for {
		kids, _, err := c.conn.Children(ctx, c.dir)
		if err != nil {
			return err
		}
		order := sortCandidates(kids)
		i := slices.Index(order, name)
		switch {
		case i < 0:
			return errLost // deleted under us (e.g. the session ended)
		case i == 0:
			return c.lead(ctx, node, lead)
		}
		gone, err := c.awaitDeletion(ctx, c.dir+"/"+order[i-1])
		if err != nil || !gone {
			return err
		}
	}
}

// awaitDeletion waits until path does not exist. It reports false with a
// nil error only when ctx is done.
func (c *candidate) awaitDeletion(ctx context.Context, path string) (bool, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := c.conn.WatchNode(wctx, path)
	if err != nil {
		return false, err
	}
	for {
		select {
		case ev, ok := <-ch:
			switch {
			case !ok:
				return false, ctx.Err()
			case ev.Err != nil:
				return false, ev.Err
			case !ev.Exists:
				return true, nil
			}
		case sev, ok := <-c.sess:
			if !ok {
				return false, c.sessionEnd(ctx)
			}
			if sev.State != Connected {
				return false, errLost
			}
		case <-ctx.Done():
			return false, nil
		}
	}
}

// lead runs lead while node stays the leader's.
func (c *candidate) lead(ctx context.Context, node string, lead func(context.Context)) error {
	wctx, cancelWatch := context.WithCancel(ctx)
	defer cancelWatch()
	own, err := c.conn.WatchNode(wctx, node)
	if err != nil {
		return err
	}
	// The first event is the node's state now: do not start leading on a
	// node that is already gone.
	select {
	case ev, ok := <-own:
		if lost, err := ownNodeLost(ctx, ev, ok); lost {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	lctx, cancelLead := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	result := func() error {
		for {
			select {
			case <-done:
				return errRelinquished
			case ev, ok := <-own:
				if lost, err := ownNodeLost(ctx, ev, ok); lost {
					return err
				}
			case sev, ok := <-c.sess:
				if !ok {
					return c.sessionEnd(ctx)
				}
				if sev.State != Connected {
					return errLost
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}()
	cancelLead()
	<-done
	return result
}

// ownNodeLost says whether an event of the watch on the candidate's own
// latch node (ok false: the watch ended) ends its claim to lead, and with
// what error.
func ownNodeLost(ctx context.Context, ev NodeEvent, ok bool) (bool, error) {
	switch {
	case !ok:
		return true, ctx.Err()
	case ev.Err != nil:
		return true, ev.Err
	case !ev.Exists:
		return true, errLost
	}
	return false, nil
}

// makeDirs creates p and its missing ancestors as persistent nodes.
func makeDirs(ctx context.Context, conn Conn, p string) error {
	if _, ok, err := conn.Exists(ctx, p); err != nil || ok {
		return err
	}
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		_, err := conn.Create(ctx, p[:i], nil, Persistent)
		if err != nil && !errors.Is(err, ErrNodeExists) {
			return err
		}
	}
	return nil
}
