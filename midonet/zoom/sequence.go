package zoom

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Sequence names a cluster-wide counter in the reference's layout (its
// SequenceDispenser): the node <root>/sequences/<tag lowercased> holds the
// last value handed out as a 4-byte big-endian integer (Curator's
// SharedCount), Seed when the counter is new, so the first value is
// Seed+1. A JVM node takes one value by compare-and-set of the node's
// version from v to v+1.
type Sequence struct {
	Tag  string
	Seed int32
}

// defaultSequenceBlock is how many values of a counter a store reserves at
// a time (Options.SequenceBlock).
const defaultSequenceBlock = 32

// A counter's blocks grow while its values are taken quickly: a block
// used up within sequenceBusy of being reserved makes the next one twice
// as big, up to maxSequenceGrowth times Options.SequenceBlock (512 values
// by default); a slower one brings them back to Options.SequenceBlock.
// Each reservation is a read and a compare-and-set, which ZooKeeper logs
// and fsyncs: at 32 values a block, a node creating ports at 2500/s wrote
// the counter 78 times a second, beside its multis. The values of a block
// not handed out when the store goes away are skipped, so an idle or
// slow node skips at most a block of the configured size, a busy one at
// most the grown one.
const (
	sequenceBusy      = time.Second
	maxSequenceGrowth = 16
)

// ErrSequenceContended is returned when a counter could not be advanced
// before the caller's context ended, every attempt losing a version race.
var ErrSequenceContended = errors.New("zoom: sequence counter contended")

// sequences holds the store's reserved, not yet handed out, blocks.
type sequences struct {
	mu     sync.Mutex
	blocks map[string]*seqBlock
}

// seqBlock is the reserved range next..last of one counter; lock (a
// channel of capacity 1, so waiting honours the context) is held while
// handing out a value or taking the next block. Once half of a block is
// handed out, the next one is reserved in the background (ahead), so
// that a caller rarely waits for the counter's read and compare-and-set:
// on a ZooKeeper session busy with writes, each of those waits for the
// writes queued before it.
type seqBlock struct {
	lock       chan struct{}
	next, last int64
	ahead      chan reservation // the reservation under way, nil when none
	// size is how many values the next reservation takes (0: not yet
	// set, Options.SequenceBlock); length is the current block's, taken
	// at installed.
	size, length int64
	installed    time.Time
}

// reservation is the outcome of reserving a block.
type reservation struct {
	first, last int64
	err         error
}

func (q *sequences) block(tag string) *seqBlock {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.blocks == nil {
		q.blocks = map[string]*seqBlock{}
	}
	b := q.blocks[tag]
	if b == nil {
		b = &seqBlock{lock: make(chan struct{}, 1), next: 1, last: 0}
		q.blocks[tag] = b
	}
	return b
}

// reserveAheadTimeout bounds a background reservation (its caller's
// context may end long before it).
const reserveAheadTimeout = 30 * time.Second

// Next hands out the next value of seq reserved by this store. Values are
// reserved from the shared counter Options.SequenceBlock at a time (one
// compare-and-set from v to v+block; more while values are taken quickly,
// maxSequenceGrowth), the next block in the background
// once the current one is half used (with blocks of more than one value),
// so most calls cost no round trip and few wait for one;
// values of a block not handed out when the store goes away are skipped,
// never reused. A JVM node allocating from the same counter never gets a
// value handed out here: it advances the counter past whatever is
// reserved. Lost races on the counter (other nodes) are retried after a
// short jittered pause until ctx ends (ErrSequenceContended).
func (s *Store) Next(ctx context.Context, seq Sequence) (int32, error) {
	b := s.seqs.block(seq.Tag)
	select {
	case b.lock <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("sequence %s: %w", seq.Tag, ctx.Err())
	}
	defer func() { <-b.lock }()
	if b.next > b.last {
		r := reservation{err: errNoReservation}
		if b.ahead != nil {
			select {
			case r = <-b.ahead:
				b.ahead = nil
			case <-ctx.Done():
				return 0, fmt.Errorf("sequence %s: %w", seq.Tag, ctx.Err())
			}
		}
		if r.err != nil { // none ahead, or it failed: reserve now, as the caller
			r.first, r.last, r.err = s.reserve(ctx, seq, b.nextSize(s.opts.SequenceBlock))
			if r.err != nil {
				return 0, r.err
			}
		}
		b.install(r, s.opts.SequenceBlock)
	}
	v := b.next
	b.next++
	if b.ahead == nil && s.opts.SequenceBlock > 1 && 2*(b.last-b.next+1) < b.length {
		ahead := make(chan reservation, 1)
		b.ahead = ahead
		size := b.nextSize(s.opts.SequenceBlock)
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reserveAheadTimeout)
			defer cancel()
			var r reservation
			r.first, r.last, r.err = s.reserve(rctx, seq, size)
			ahead <- r
		}()
	}
	return int32(v), nil
}

// nextSize is how many values the block's next reservation takes.
func (b *seqBlock) nextSize(base int) int {
	if b.size == 0 {
		return base
	}
	return int(b.size)
}

// install makes r the current block, and sizes the next reservation by
// how long the block before lasted.
func (b *seqBlock) install(r reservation, base int) {
	now := time.Now()
	switch {
	case base <= 1:
		b.size = int64(base)
	case !b.installed.IsZero() && now.Sub(b.installed) < sequenceBusy:
		b.size = min(2*max(b.size, b.length), int64(base)*maxSequenceGrowth)
	default:
		b.size = int64(base)
	}
	b.next, b.last, b.length, b.installed = r.first, r.last, r.last-r.first+1, now
}

// errNoReservation: no block was reserved ahead.
var errNoReservation = errors.New("zoom: no block reserved ahead")

// SequencePath is the node of seq's counter.
func (s *Store) SequencePath(seq Sequence) string {
	root := s.opts.Root
	if root == "/" {
		root = ""
	}
	return root + "/sequences/" + strings.ToLower(seq.Tag)
}

// reserve advances seq's counter by up to n and returns the range of
// values it reserved.
func (s *Store) reserve(ctx context.Context, seq Sequence, n int) (first, last int64, err error) {
	p := s.SequencePath(seq)
	pause := time.Millisecond
	for {
		data, stat, err := s.conn.Get(ctx, p)
		if errors.Is(err, storage.ErrNoNode) {
			if err := s.createCounter(ctx, p, seq.Seed); err != nil {
				return 0, 0, err
			}
			continue
		}
		if err != nil {
			return 0, 0, fmt.Errorf("zoom: reading sequence %s: %w", seq.Tag, err)
		}
		if len(data) != 4 {
			return 0, 0, fmt.Errorf("zoom: sequence %s: node holds %d bytes, want 4", seq.Tag, len(data))
		}
		cur := int64(int32(binary.BigEndian.Uint32(data)))
		last := min(cur+int64(n), math.MaxInt32)
		if last <= cur {
			return 0, 0, fmt.Errorf("zoom: sequence %s is exhausted at %d", seq.Tag, cur)
		}
		_, err = s.conn.Set(ctx, p, binary.BigEndian.AppendUint32(nil, uint32(int32(last))), stat.Version)
		if err == nil {
			return cur + 1, last, nil
		}
		if !errors.Is(err, storage.ErrBadVersion) {
			return 0, 0, fmt.Errorf("zoom: writing sequence %s: %w", seq.Tag, err)
		}
		t := time.NewTimer(pause/2 + rand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, 0, fmt.Errorf("sequence %s: %w: %w", seq.Tag, ErrSequenceContended, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// createCounter makes the counter node (and missing parents) holding the
// seed; a node created meanwhile by another writer is fine.
func (s *Store) createCounter(ctx context.Context, p string, seed int32) error {
	if err := mkdirs(ctx, s.conn, parentOf(p)); err != nil {
		return fmt.Errorf("zoom: creating %s: %w", parentOf(p), err)
	}
	_, err := s.conn.Create(ctx, p, binary.BigEndian.AppendUint32(nil, uint32(seed)), storage.Persistent)
	if err != nil && !errors.Is(err, storage.ErrNodeExists) {
		return fmt.Errorf("zoom: creating %s: %w", p, err)
	}
	return nil
}
