package restapi

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// routersFamily is the family of routers and their routes (stored and learned).
func routersFamily() family {
	return family{
		resources: []*resource{routersResource(), routesResource()},
	}
}

// learnedRoutes are the routes agents learned (BGP) on the router's ports,
// published in each port's "routes" key by the host running the port, or
// by the hosts of the router's service containers (the BGP daemon).
func (c *call) learnedRoutes(router *models.Router) ([]proto.Message, error) {
	sr := c.stateReader()
	if sr == nil {
		return nil, nil
	}
	var ports []*models.Port
	var containerHosts []uuid.UUID
	for _, pid := range toUUIDs(router.PortIds) {
		p, err := loadAs[*models.Port](c, pid)
		if err != nil {
			continue
		}
		ports = append(ports, p)
		if p.ServiceContainerId != nil && p.HostId != nil {
			containerHosts = append(containerHosts, toUUID(p.HostId))
		}
	}
	var out []proto.Message
	for _, p := range ports {
		hosts := containerHosts
		if p.HostId != nil && !slices.Contains(containerHosts, toUUID(p.HostId)) {
			hosts = append([]uuid.UUID{toUUID(p.HostId)}, containerHosts...)
		}
		for _, host := range hosts {
			values, err := sr.StateValues(c.ctx(), host.String(), &models.Port{}, toUUID(p.Id), routesKey)
			if err != nil {
				return nil, err
			}
			for _, v := range values {
				r, ok := decodeLearnedRoute(v, toUUID(p.Id))
				if !ok {
					continue
				}
				if c.learned == nil {
					c.learned = map[uuid.UUID]bool{}
				}
				c.learned[toUUID(r.Id)] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// decodeLearnedRoute reads the agents' hex route encoding: dst address,
// dst length, src address, src length, gateway, weight, router id, and
// (when it differs from the port holding the key) the next-hop port. The
// id is the reference's name-based UUID of the route's fields.
func decodeLearnedRoute(s string, port uuid.UUID) (*models.Route, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 34 {
		return nil, false
	}
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	dst, dstLen, src, srcLen := u32(0), b[4], u32(5), b[9]
	gw, weight := u32(10), int32(u32(14))
	var routerID uuid.UUID
	copy(routerID[:], b[18:34])
	nextHop := port
	if len(b) >= 50 {
		copy(nextHop[:], b[34:50])
	}
	if dstLen > 32 || srcLen > 32 {
		return nil, false
	}
	v4 := func(a uint32) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
	}
	dstSub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(v4(dst), int(dstLen)))
	srcSub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(v4(src), int(srcLen)))
	gateway, _ := models.IPAddressFromAddr(v4(gw))

	var key [50]byte
	binary.BigEndian.PutUint32(key[0:], dst)
	binary.BigEndian.PutUint32(key[4:], src)
	binary.BigEndian.PutUint32(key[8:], gw)
	binary.BigEndian.PutUint32(key[12:], uint32(weight))
	key[16], key[17] = dstLen, srcLen
	copy(key[18:34], nextHop[:])
	copy(key[34:50], routerID[:])
	return &models.Route{
		Id:             uuidPtr(nameUUID(key[:])),
		DstSubnet:      dstSub,
		SrcSubnet:      srcSub,
		NextHop:        models.Route_PORT.Enum(),
		NextHopPortId:  uuidPtr(nextHop),
		NextHopGateway: gateway,
		Weight:         proto.Int32(weight),
		RouterId:       uuidPtr(routerID),
	}, true
}

// nameUUID is Java's UUID.nameUUIDFromBytes: an MD5 (version 3) UUID of
// the bytes, without a namespace.
func nameUUID(b []byte) uuid.UUID {
	h := md5.Sum(b)
	h[6] = h[6]&0x0f | 0x30
	h[8] = h[8]&0x3f | 0x80
	return uuid.UUID(h)
}

const routeNextHopMessage = "This type of route requires a next hop port that is a port on the same router."

func createRoute(c *call, tx Tx, route *models.Route, b body) error {
	if route.GetNextHop() == models.Route_PORT {
		if route.NextHopPortId == nil {
			return errorf(http.StatusBadRequest, routeNextHopMessage)
		}
		port, err := getAs[*models.Port](tx, toUUID(route.NextHopPortId))
		if err != nil || !proto.Equal(port.RouterId, route.RouterId) {
			return errorf(http.StatusBadRequest, routeNextHopMessage)
		}
	}
	return tx.Create(route)
}

func encodeRoute(c *call, route *models.Route, out *object) error {
	routerID := route.RouterId
	if routerID == nil && route.NextHopPortId != nil {
		if port, err := loadAs[*models.Port](c, toUUID(route.NextHopPortId)); err == nil {
			routerID = port.RouterId
		}
	}
	if routerID != nil {
		out.set("routerId", toUUID(routerID).String())
		out.set("router", c.uri("routers", toUUID(routerID).String()))
	}
	out.set("learned", c.learned[toUUID(route.Id)])
	return nil
}

// listRouterRoutes merges the router's routes with those of its ports.
func listRouterRoutes(c *call, p parent, routerID uuid.UUID) ([]proto.Message, error) {
	router, err := loadAs[*models.Router](c, routerID)
	if err != nil {
		return nil, err
	}
	ids := toUUIDs(router.RouteIds)
	for _, pid := range toUUIDs(router.PortIds) {
		port, err := loadAs[*models.Port](c, pid)
		if err != nil {
			continue // deleted meanwhile
		}
		ids = append(ids, toUUIDs(port.RouteIds)...)
	}
	seen := map[uuid.UUID]bool{}
	var out []proto.Message
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		route, err := c.h.store.Get(c.ctx(), &models.Route{}, id)
		if err != nil {
			continue
		}
		out = append(out, route)
	}
	learned, err := c.learnedRoutes(router)
	if err != nil {
		return nil, err
	}
	return append(out, learned...), nil
}

func routersResource() *resource {
	return &resource{
		segment: "routers", rootKey: "routers", templateKey: "routerTemplate",
		model:      &models.Router{},
		single:     single("Router-v3").withJSON(),
		collection: collection("Router-v3").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
			fUUID("localRedirectChainId", "local_redirect_chain_id"), fUUID("forwardChainId", "forward_chain_id"),
			fUUID("loadBalancerId", "load_balancer_id"),
			{json: "asNumber", proto: "as_number", kind: kInt, def: 0},
			fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
		},
		links: []link{
			lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
			lRef("localRedirectChain", "chains", "local_redirect_chain_id"), lRef("forwardChain", "chains", "forward_chain_id"),
			lRef("loadBalancer", "load_balancers", "load_balancer_id"),
			lSub("ports", "/ports"), lSub("peerPorts", "/peer_ports"), lSub("routes", "/routes"),
			lSub("bgpNetworks", "/bgp_networks"), lSub("bgpPeers", "/bgp_peers"),
		},
		filters:         []queryFilter{tenantFilter},
		deleteMissingOK: true,
	}
}

func routesResource() *resource {
	return &resource{
		segment: "routes", templateKey: "routeTemplate",
		model:           &models.Route{},
		single:          single("Route-v1").withJSON(),
		collection:      collection("Route-v1").withJSON(),
		listNegotiation: standard,
		ops:             opGet | opCreate | opDelete,
		fields: []field{
			fID(), fRO(fUUID("routerId", "router_id")),
			fReq(field{json: "type", proto: "next_hop", kind: kEnum,
				enum:      map[string]string{"Normal": "PORT", "BlackHole": "BLACKHOLE", "Reject": "REJECT", "Local": "LOCAL", "Fip64": "FIP64"},
				enumError: "This type of route is invalid."}),
			fReq(field{json: "srcNetworkAddr", proto: "src_subnet", kind: kSubnetAddr}),
			{json: "srcNetworkLength", proto: "src_subnet", kind: kSubnetLen, min: bound(0), max: bound(32)},
			fReq(field{json: "dstNetworkAddr", proto: "dst_subnet", kind: kSubnetAddr}),
			{json: "dstNetworkLength", proto: "dst_subnet", kind: kSubnetLen, min: bound(0), max: bound(32)},
			fUUID("nextHopPort", "next_hop_port_id"),
			{json: "nextHopGateway", proto: "next_hop_gateway", kind: kIPv4Addr},
			{json: "weight", proto: "weight", kind: kInt, min: bound(0)},
			fStr("attributes", "attributes"),
		},
		links: []link{lRef("router", "routers", "router_id")},
		parents: []parent{
			{segment: "routers", sub: "routes", ref: "router_id", backRef: "route_ids"},
		},
		deleteMissingOK: true,
		hooks:           typed[*models.Route]{create: createRoute, encode: encodeRoute, listUnder: listRouterRoutes}.hooks(),
	}
}
