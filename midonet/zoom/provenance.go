package zoom

import (
	"github.com/midonet/midonet-go/midonet/models"
	"google.golang.org/protobuf/proto"
)

// Provenance: beside each object, objects/<Class>/<id> holds a binary
// ZoomObject listing who changed it (owner, product version and commit,
// change-type bits, data version). It is write-only metadata, kept for
// compatibility with the reference.

func (s *Store) provenanceEntry(change, version int32) *models.ZoomProvenance {
	return &models.ZoomProvenance{
		ProductVersion: proto.String(s.opts.ProductVersion),
		ProductCommit:  proto.String(s.opts.ProductCommit),
		ChangeOwner:    proto.Int32(int32(s.opts.Owner)),
		ChangeType:     proto.Int32(change),
		ChangeVersion:  proto.Int32(version),
	}
}

func (s *Store) newProvenance(change, version int32) []byte {
	b, _ := proto.Marshal(&models.ZoomObject{Provenance: []*models.ZoomProvenance{s.provenanceEntry(change, version)}})
	return b
}

// updateProvenance returns the new provenance after a change, or nil when
// the stored one already records it: the last entry is ours (same owner,
// product version and commit) and has the change bits, as in the reference.
// Unreadable provenance is replaced.
func (s *Store) updateProvenance(current []byte, change, version int32) []byte {
	zo := &models.ZoomObject{}
	if err := proto.Unmarshal(current, zo); err != nil {
		return s.newProvenance(change, version)
	}
	if n := len(zo.Provenance); n > 0 {
		last := zo.Provenance[n-1]
		if last.GetChangeOwner() == int32(s.opts.Owner) && last.GetProductVersion() == s.opts.ProductVersion &&
			last.GetProductCommit() == s.opts.ProductCommit {
			if last.GetChangeType()&change != 0 {
				return nil
			}
			last.ChangeType = proto.Int32(last.GetChangeType() | change)
			b, _ := proto.Marshal(zo)
			return b
		}
	}
	zo.Provenance = append(zo.Provenance, s.provenanceEntry(change, version))
	b, _ := proto.Marshal(zo)
	return b
}
