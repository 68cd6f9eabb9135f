package restapi

import (
	"context"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Sequence names a cluster-wide counter of the reference's
// SequenceDispenser (zoom.Sequence: its node name and seed).
type Sequence = zoom.Sequence

var (
	// OverlayTunnelKey numbers port tunnel keys.
	OverlayTunnelKey = midonet.OverlayTunnelKey
	// VxgwVNI numbers VXLAN gateway network VNIs.
	VxgwVNI = midonet.VxgwVNI
)

// Sequencer hands out the next value of a counter.
type Sequencer interface {
	Next(ctx context.Context, seq Sequence) (int32, error)
}

// NewZoomSequences hands out counter values through the object store
// (zoom.Store.Next): the counters stay where the JVM cluster keeps them
// (<root>/sequences/<tag>, shared with JVM nodes), each node reserving
// blocks of values so that a port create costs no counter round trip.
func NewZoomSequences(st *zoom.Store) Sequencer { return zoomSequences{st} }

type zoomSequences struct{ st *zoom.Store }

func (z zoomSequences) Next(ctx context.Context, seq Sequence) (int32, error) {
	return z.st.Next(ctx, seq)
}
