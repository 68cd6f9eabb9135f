package midonet

import "github.com/midonet/midonet-go/midonet/zoom"

// MidoNet's shared counters (the reference's SequenceDispenser types), in
// <root>/sequences/<tag lowercased>; values come from zoom.Store.Next.
var (
	// OverlayTunnelKey numbers port tunnel keys.
	OverlayTunnelKey = zoom.Sequence{Tag: "OVERLAY_TUNNEL_KEY", Seed: 1}
	// VxgwVNI numbers the VNIs of networks bound to VXLAN gateways.
	VxgwVNI = zoom.Sequence{Tag: "VXGW_TUNNEL_KEY", Seed: 10000}
	// Fip64TunnelKey numbers the tunnel keys of FIP64 entries.
	Fip64TunnelKey = zoom.Sequence{Tag: "FIP64_TUNNEL_KEY", Seed: 1}
)
