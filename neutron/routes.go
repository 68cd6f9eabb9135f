package neutron

import (
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Builders of the routes translations make (the reference's RouteManager).

// defaultRouteWeight is the weight of the routes translations make.
const defaultRouteWeight = 100

// anyIPv4Subnet is 0.0.0.0/0.
func anyIPv4Subnet() *models.IPSubnet {
	return &models.IPSubnet{Version: models.IPVersion_V4.Enum(), Address: proto.String("0.0.0.0"),
		PrefixLength: proto.Uint32(0)}
}

// anyIPv6Subnet is ::/0, written "::" as the reference's constant is.
func anyIPv6Subnet() *models.IPSubnet {
	return &models.IPSubnet{Version: models.IPVersion_V6.Enum(), Address: proto.String("::"),
		PrefixLength: proto.Uint32(0)}
}

// nextHopPortRoute is a route out of nextHopPort from src to dst (nil: any
// IPv4), weight 100; gw may be nil.
func nextHopPortRoute(id, nextHopPort *models.UUID, src, dst *models.IPSubnet, gw *models.IPAddress) *models.Route {
	if src == nil {
		src = anyIPv4Subnet()
	}
	if dst == nil {
		dst = anyIPv4Subnet()
	}
	return &models.Route{Id: id, NextHop: models.Route_PORT.Enum(), NextHopPortId: nextHopPort, SrcSubnet: src,
		DstSubnet: dst, Weight: proto.Int32(defaultRouteWeight), NextHopGateway: gw}
}

// localRoute is the /32 (or /128) LOCAL route of a router port's address.
func localRoute(port *models.UUID, addr *models.IPAddress) (*models.Route, error) {
	a, err := addr.ToAddr()
	if err != nil {
		return nil, badRequest("Invalid address %s", addr.GetAddress())
	}
	src := anyIPv4Subnet()
	if a.Is6() {
		src = anyIPv6Subnet()
	}
	return &models.Route{Id: models.UUIDFromGoogle(LocalRouteID(port.ToGoogle(), a)), SrcSubnet: src,
		DstSubnet: hostSubnet(addr), NextHop: models.Route_LOCAL.Enum(), Weight: proto.Int32(defaultRouteWeight),
		NextHopPortId: port}, nil
}

// metadataServiceRoute is the route to the metadata service from src, out
// of the router port nextHopPort via the DHCP port's address gw.
func metadataServiceRoute(src *models.IPSubnet, nextHopPort *models.UUID, gw *models.IPAddress) (*models.Route, error) {
	a, err := gw.ToAddr()
	if err != nil {
		return nil, badRequest("Invalid address %s", gw.GetAddress())
	}
	id := models.UUIDFromGoogle(MetadataServiceRouteID(nextHopPort.ToGoogle(), a))
	return nextHopPortRoute(id, nextHopPort, src, metadataServiceSubnet(), gw), nil
}

// isMetadataRoute: a route to the metadata service via gw.
func isMetadataRoute(r *models.Route, gw *models.IPAddress) bool {
	return proto.Equal(r.GetDstSubnet(), metadataServiceSubnet()) && proto.Equal(r.GetNextHopGateway(), gw)
}
