package restapi

import (
	"net/http"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/neutron"
)

// The Neutron L3 resources: routers (with the add/remove_router_interface
// verbs) and floating IPs, as the reference's RouterResource and
// FloatingIpResource serve them.

// mediaNeutronRouterInterface is the body type of the interface verbs.
const mediaNeutronRouterInterface = neutronVnd + "RouterInterface-v1+json"

// neutronGatewayInfo is a router's external_gateway_info.
type neutronGatewayInfo struct {
	NetworkID  *string `json:"network_id"`
	EnableSnat *bool   `json:"enable_snat"`
}

// neutronRouter is the JSON of a Neutron router.
type neutronRouter struct {
	ID                  *string             `json:"id"`
	Name                *string             `json:"name"`
	Status              *string             `json:"status"`
	TenantID            *string             `json:"tenant_id"`
	AdminStateUp        *bool               `json:"admin_state_up"`
	GwPortID            *string             `json:"gw_port_id"`
	ExternalGatewayInfo *neutronGatewayInfo `json:"external_gateway_info"`
	Routes              []neutronRoute      `json:"routes"`
}

func (d *neutronRouter) toProto() (*models.NeutronRouter, error) {
	id, err := nUUID(d.ID, "id")
	if err != nil {
		return nil, err
	}
	gw, err := nUUID(d.GwPortID, "gw_port_id")
	if err != nil {
		return nil, err
	}
	r := &models.NeutronRouter{Id: id, Name: optString(d.Name), Status: optString(d.Status),
		TenantId: optString(d.TenantID), AdminStateUp: boolOr(d.AdminStateUp, false), GwPortId: gw}
	if g := d.ExternalGatewayInfo; g != nil {
		net, err := nUUID(g.NetworkID, "external_gateway_info.network_id")
		if err != nil {
			return nil, err
		}
		r.ExternalGatewayInfo = &models.NeutronRouter_ExternalGatewayInfo{NetworkId: net,
			EnableSnat: boolOr(g.EnableSnat, false)}
	}
	for _, rt := range d.Routes {
		route, err := rt.toProto()
		if err != nil {
			return nil, err
		}
		r.Routes = append(r.Routes, route)
	}
	return r, nil
}

func neutronRouterOf(r *models.NeutronRouter) *neutronRouter {
	d := &neutronRouter{ID: outUUID(r.GetId()), Name: r.Name, Status: r.Status, TenantID: r.TenantId,
		AdminStateUp: proto.Bool(r.GetAdminStateUp()), GwPortID: outUUID(r.GetGwPortId()),
		Routes: neutronRoutesOf(r.GetRoutes())}
	if g := r.GetExternalGatewayInfo(); g != nil {
		d.ExternalGatewayInfo = &neutronGatewayInfo{NetworkID: outUUID(g.GetNetworkId()),
			EnableSnat: proto.Bool(g.GetEnableSnat())}
	}
	return d
}

// neutronRouterInterface is the JSON body of add/remove_router_interface.
type neutronRouterInterface struct {
	ID        *string  `json:"id"`
	TenantID  *string  `json:"tenant_id"`
	PortID    *string  `json:"port_id"`
	SubnetID  *string  `json:"subnet_id"`
	SubnetIDs []string `json:"subnet_ids"`
}

func (d *neutronRouterInterface) toProto() (*models.NeutronRouterInterface, error) {
	id, err := nUUID(d.ID, "id")
	if err != nil {
		return nil, err
	}
	port, err := nUUID(d.PortID, "port_id")
	if err != nil {
		return nil, err
	}
	sn, err := nUUID(d.SubnetID, "subnet_id")
	if err != nil {
		return nil, err
	}
	sns, err := nUUIDs(d.SubnetIDs, "subnet_ids")
	if err != nil {
		return nil, err
	}
	return &models.NeutronRouterInterface{Id: id, TenantId: optString(d.TenantID), PortId: port, SubnetId: sn,
		SubnetIds: sns}, nil
}

// neutronFloatingIP is the JSON of a floating IP.
type neutronFloatingIP struct {
	ID                *string `json:"id"`
	FloatingIPAddress *string `json:"floating_ip_address"`
	FloatingNetworkID *string `json:"floating_network_id"`
	RouterID          *string `json:"router_id"`
	PortID            *string `json:"port_id"`
	FixedIPAddress    *string `json:"fixed_ip_address"`
	TenantID          *string `json:"tenant_id"`
}

func (d *neutronFloatingIP) toProto() (*models.FloatingIp, error) {
	f := &models.FloatingIp{TenantId: optString(d.TenantID)}
	var err error
	if f.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	if f.FloatingIpAddress, err = nIP(d.FloatingIPAddress, "floating_ip_address"); err != nil {
		return nil, err
	}
	if err = readUUIDs(uuidField{&f.FloatingNetworkId, d.FloatingNetworkID, "floating_network_id"},
		uuidField{&f.RouterId, d.RouterID, "router_id"}, uuidField{&f.PortId, d.PortID, "port_id"}); err != nil {
		return nil, err
	}
	if f.FixedIpAddress, err = nIP(d.FixedIPAddress, "fixed_ip_address"); err != nil {
		return nil, err
	}
	return f, nil
}

func neutronFloatingIPOf(f *models.FloatingIp) *neutronFloatingIP {
	return &neutronFloatingIP{ID: outUUID(f.GetId()), FloatingIPAddress: outIP(f.GetFloatingIpAddress()),
		FloatingNetworkID: outUUID(f.GetFloatingNetworkId()), RouterID: outUUID(f.GetRouterId()),
		PortID: outUUID(f.GetPortId()), FixedIPAddress: outIP(f.GetFixedIpAddress()), TenantID: f.TenantId}
}

// neutronRouterInterfaceRoutes registers PUT routers/{id}/add_router_interface
// and .../remove_router_interface: an add creates the interface, a remove
// updates it (strips subnets; nothing once the port is gone). Both answer
// 204. The body's id names the router; a body without one takes the path's.
func (h *handler) neutronRouterInterfaceRoutes(base string, svc *neutron.Service) {
	verb := func(add bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c := h.newCall(w, r)
			if r.Method != http.MethodPut {
				methodNotAllowed(w)
				return
			}
			if err := checkBodyType(r, mediaTypes{mediaNeutronRouterInterface}, standard); err != nil {
				c.fail(err)
				return
			}
			id, err := uuid.Parse(r.PathValue("id"))
			if err != nil {
				c.fail(errorf(http.StatusNotFound, "Resource not found"))
				return
			}
			data, err := c.readRawBody()
			if err != nil {
				c.fail(err)
				return
			}
			d := new(neutronRouterInterface)
			if err := jsonUnmarshal(data, d); err != nil {
				c.fail(neutronBadRequest("Malformed JSON: %v", err))
				return
			}
			ri, err := d.toProto()
			if err != nil {
				c.fail(err)
				return
			}
			if ri.Id == nil {
				ri.Id = models.UUIDFromGoogle(id)
			}
			if add {
				err = svc.Create(c.ctx(), ri)
			} else {
				err = svc.Update(c.ctx(), ri)
			}
			if err != nil {
				c.fail(neutronError(err))
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	h.mux.HandleFunc(base+"/routers/{id}/add_router_interface", verb(true))
	h.mux.HandleFunc(base+"/routers/{id}/remove_router_interface", verb(false))
}
