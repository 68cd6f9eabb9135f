package restapi

import (
	"net/http"

	"github.com/midonet/midonet-go/midonet/models"
)

// bgpFamily is the family of a router's BGP networks and peers.
func bgpFamily() family {
	return family{
		resources: []*resource{bgpNetworksResource(), bgpPeersResource()},
	}
}

// createBgpPeer refuses a second peer with the same address and AS number
// on the router (400, as the reference).
func createBgpPeer(c *call, tx Tx, peer *models.BgpPeer, b body) error {
	router, err := getAs[*models.Router](tx, toUUID(peer.RouterId))
	if err != nil {
		return err
	}
	for _, id := range toUUIDs(router.BgpPeerIds) {
		other, err := getAs[*models.BgpPeer](tx, id)
		if err != nil {
			continue
		}
		if other.GetAsNumber() == peer.GetAsNumber() && other.GetAddress().GetAddress() == peer.GetAddress().GetAddress() {
			return errorf(http.StatusBadRequest, "A BGP peer with address %s and AS number %d already exists.",
				peer.GetAddress().GetAddress(), peer.GetAsNumber())
		}
	}
	return tx.Create(peer)
}

func bgpNetworksResource() *resource {
	return &resource{
		segment: "bgp_networks", templateKey: "bgpNetworkTemplate",
		model:      &models.BgpNetwork{},
		single:     single("BgpNetwork-v1").withJSON(),
		collection: collection("BgpNetwork-v1").withJSON(),
		ops:        opGet | opCreate | opDelete,
		fields: []field{
			fID(),
			fReq(field{json: "subnetAddress", proto: "subnet", kind: kSubnetAddr}),
			{json: "subnetLength", proto: "subnet", kind: kSubnetLen, min: bound(0), max: bound(32)},
		},
		links:           []link{lRef("router", "routers", "router_id")},
		parents:         []parent{{segment: "routers", sub: "bgp_networks", ref: "router_id", backRef: "bgp_network_ids"}},
		deleteMissingOK: true,
	}
}

func bgpPeersResource() *resource {
	return &resource{
		segment: "bgp_peers", templateKey: "bgpPeerTemplate",
		model:      &models.BgpPeer{},
		single:     single("BgpPeer-v1").withJSON(),
		collection: collection("BgpPeer-v1").withJSON(),
		ops:        opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			{json: "asNumber", proto: "as_number", kind: kInt, min: bound(1)},
			fReq(field{json: "address", proto: "address", kind: kIPv4Addr}),
			{json: "keepAlive", proto: "keep_alive", kind: kNullInt, min: bound(5), max: bound(3600)},
			{json: "holdTime", proto: "hold_time", kind: kNullInt, min: bound(5), max: bound(7200)},
			{json: "connectRetry", proto: "connect_retry", kind: kNullInt, min: bound(5), max: bound(3600)},
			fStr("password", "password"),
		},
		links:           []link{lRef("router", "routers", "router_id")},
		parents:         []parent{{segment: "routers", sub: "bgp_peers", ref: "router_id", backRef: "bgp_peer_ids"}},
		deleteMissingOK: true,
		hooks:           typed[*models.BgpPeer]{create: createBgpPeer}.hooks(),
	}
}
