package restapi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"time"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Sequence names a cluster-wide counter of the reference's
// SequenceDispenser: its ZooKeeper node name and its seed.
type Sequence struct {
	Tag  string
	Seed int32
}

var (
	// OverlayTunnelKey numbers port tunnel keys.
	OverlayTunnelKey = Sequence{Tag: "OVERLAY_TUNNEL_KEY", Seed: 1}
	// VxgwVNI numbers VXLAN gateway network VNIs.
	VxgwVNI = Sequence{Tag: "VXGW_TUNNEL_KEY", Seed: 10000}
)

// Sequencer hands out the next value of a counter.
type Sequencer interface {
	Next(ctx context.Context, seq Sequence) (int32, error)
}

// SharedCounters keeps the counters where the JVM cluster keeps them:
// <root>/sequences/<tag lowercased>, holding a 4-byte big-endian integer
// (Curator's SharedCount), incremented by compare-and-set on the node
// version, so both implementations can share one ZooKeeper.
type SharedCounters struct {
	Conn storage.Conn
	Root string // e.g. "/midonet"
}

// ErrSequenceContended is returned when a counter could not be incremented
// before the caller's context ended, every attempt losing a version race.
var ErrSequenceContended = errors.New("sequence counter contended")

// Next reserves and returns the next value of seq. Several cluster nodes
// (and JVM nodes) increment the same counter, so a lost compare-and-set is
// normal under load: it is retried after a short, growing, jittered pause
// for as long as ctx allows (the request's timeout bounds it), never given
// up after a fixed count.
func (s SharedCounters) Next(ctx context.Context, seq Sequence) (int32, error) {
	p := path.Join(s.Root, "sequences", strings.ToLower(seq.Tag))
	pause := time.Millisecond
	for {
		data, stat, err := s.Conn.Get(ctx, p)
		if errors.Is(err, storage.ErrNoNode) {
			if err := s.create(ctx, p, seq.Seed); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("reading sequence %s: %w", seq.Tag, err)
		}
		if len(data) != 4 {
			return 0, fmt.Errorf("sequence %s: node holds %d bytes, want 4", seq.Tag, len(data))
		}
		next := int32(binary.BigEndian.Uint32(data)) + 1
		_, err = s.Conn.Set(ctx, p, binary.BigEndian.AppendUint32(nil, uint32(next)), stat.Version)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, storage.ErrBadVersion) {
			return 0, fmt.Errorf("writing sequence %s: %w", seq.Tag, err)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("sequence %s: %w: %w", seq.Tag, ErrSequenceContended, ctx.Err())
		case <-time.After(pause/2 + rand.N(pause)):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// create makes the counter node (and missing parents) holding the seed.
func (s SharedCounters) create(ctx context.Context, p string, seed int32) error {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 1; i <= len(parts); i++ {
		node := "/" + strings.Join(parts[:i], "/")
		var data []byte
		if i == len(parts) {
			data = binary.BigEndian.AppendUint32(nil, uint32(seed))
		}
		if _, err := s.Conn.Create(ctx, node, data, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			return fmt.Errorf("creating %s: %w", node, err)
		}
	}
	return nil
}
