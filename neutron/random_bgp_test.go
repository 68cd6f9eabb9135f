package neutron

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// BGP operations of the random L3 sequence, drawn from their own seeded
// generator so they interleave with the L3 operations without changing
// which L3 operations are drawn.

// l3Bgp is a router's BGP speaker as the plugin knows it.
type l3Bgp struct {
	speaker *models.UUID
	localAS uint32
	peers   []*models.NeutronBgpPeer
}

// bgpOp adds a peer to a router's speaker, changes a peer's password,
// deletes a peer, or deletes some peers through the speaker's update.
func (w *l3World) bgpOp() {
	r := w.routers[w.bgpRng.IntN(len(w.routers))]
	if r.bgp.speaker == nil {
		r.bgp = l3Bgp{speaker: newID(), localAS: uint32(64512 + w.bgpRng.IntN(100))}
	}
	switch k := w.bgpRng.IntN(5); {
	case k <= 1 || len(r.bgp.peers) == 0:
		w.nextPeer++
		p := &models.NeutronBgpPeer{Id: newID(), TenantId: proto.String("tenant"),
			PeerIp: ip(fmt.Sprintf("192.0.%d.%d", w.nextPeer/250, w.nextPeer%250+1)), RemoteAs: proto.Uint32(65000),
			AuthType: models.NeutronBgpPeer_MD5.Enum(), Password: proto.String("secret"),
			BgpSpeaker: &models.NeutronBgpSpeaker{Id: r.bgp.speaker, LocalAs: proto.Uint32(r.bgp.localAS),
				IpVersion: proto.Uint32(4), LogicalRouter: r.nr.GetId()}}
		w.fx.create(p)
		r.bgp.peers = append(r.bgp.peers, p)
		w.done["add bgp peer"]++
	case k == 2:
		// neutron-dynamic-routing's update carries the peer without its
		// speaker.
		p := r.bgp.peers[w.bgpRng.IntN(len(r.bgp.peers))]
		w.fx.update(&models.NeutronBgpPeer{Id: p.GetId(), TenantId: p.TenantId, PeerIp: p.GetPeerIp(),
			RemoteAs: p.RemoteAs, AuthType: p.AuthType, Password: proto.String(fmt.Sprintf("pw%d", w.bgpRng.IntN(100)))})
		w.done["update bgp peer"]++
	case k == 3:
		i := w.bgpRng.IntN(len(r.bgp.peers))
		w.fx.delete(&models.NeutronBgpPeer{}, r.bgp.peers[i].GetId())
		r.bgp.peers = slices.Delete(r.bgp.peers, i, i+1)
		w.done["delete bgp peer"]++
	case k == 4:
		w.deletePeersBySpeaker(r, 1+w.bgpRng.IntN(len(r.bgp.peers)))
	}
}

// deletePeersBySpeaker deletes a router's last n peers through its
// speaker's update.
func (w *l3World) deletePeersBySpeaker(r *l3Router, n int) {
	var ids []*models.UUID
	for _, p := range r.bgp.peers[len(r.bgp.peers)-n:] {
		ids = append(ids, p.GetId())
	}
	w.fx.update(&models.NeutronBgpSpeaker{Id: r.bgp.speaker, LocalAs: proto.Uint32(r.bgp.localAS),
		LogicalRouter: r.nr.GetId(), DelBgpPeerIds: ids})
	r.bgp.peers = r.bgp.peers[:len(r.bgp.peers)-n]
	w.done["delete bgp peers by speaker"]++
}

// removeBgp is the plugin's order before a router's delete: its peers go
// (one by one or by the speaker's update).
func (w *l3World) removeBgp(r *l3Router) {
	if len(r.bgp.peers) == 0 {
		return
	}
	if w.bgpRng.IntN(2) == 0 {
		w.deletePeersBySpeaker(r, len(r.bgp.peers))
		return
	}
	for _, p := range r.bgp.peers {
		w.fx.delete(&models.NeutronBgpPeer{}, p.GetId())
	}
	r.bgp.peers = nil
}

// checkBgp: every router that had a peer has its Quagga container, each
// peer its MidoNet peer, and a router with peers the speaker's AS number.
func (w *l3World) checkBgp() {
	fx := w.fx
	fx.t.Helper()
	for _, r := range w.routers {
		if r.bgp.speaker == nil {
			continue
		}
		fx.checkQuaggaContainer(r.nr.GetId())
		for _, p := range r.bgp.peers {
			fx.checkBgpPeer(r.nr.GetId(), p.GetId())
		}
		if as, set := fx.routerAS(r.nr.GetId()); len(r.bgp.peers) > 0 && (!set || as != int32(r.bgp.localAS)) {
			fx.t.Errorf("router %s with peers: AS %d (set %v), want %d", r.nr.GetId().Canonical(), as, set, r.bgp.localAS)
		}
	}
}
