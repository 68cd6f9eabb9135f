package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/neutron"
)

// The Neutron API (/neutron): the resources the MidoNet Neutron plugin
// drives. Bodies are the reference's Neutron JSON models (neutron_json.go);
// every write is one call of package neutron, which translates it and
// stores the Neutron object in one store transaction. Served only over
// the object store (NewZoomStore); other stores answer 404 there.

// Neutron media types.
const (
	MediaNeutron = "application/vnd.org.midonet.neutron.Neutron-v3+json"
	neutronVnd   = "application/vnd.org.midonet.neutron."
)

// neutronResource is one Neutron collection: its path under /neutron, its
// media types and its JSON model.
type neutronResource struct {
	path           string
	single, plural string
	model          proto.Message
	// decode reads one JSON object into the Neutron class.
	decode func(data []byte) (proto.Message, error)
	// encode is the JSON model of a stored object.
	encode func(proto.Message) any
	// bulk: POST with the plural media type creates a JSON list.
	bulk bool
	// putNoContent: a PUT's body must carry the path's id and is answered
	// 204 without a body (the reference's Scala-written resources, as
	// TapFlowResource); otherwise the path's id wins and the object is
	// answered 200.
	putNoContent bool
	// noCollection: the collection path is not served (404), as the
	// reference's BgpSpeakerResource, which has only PUT on an object.
	noCollection bool
	// methods, when set, are the only ones served (HEAD with GET); the
	// others answer 405, as the reference's resources lacking them.
	methods []string
	// validate, when set, checks a decoded body of a POST, and of a PUT
	// after its path-id check (the reference's resources that validate
	// the object themselves, as IpsecSiteConnectionResource).
	validate func(proto.Message) error
}

// allows reports whether the resource serves method.
func (r neutronResource) allows(method string) bool {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	return r.methods == nil || slices.Contains(r.methods, method)
}

// nres builds a neutronResource from a JSON model D and its conversions.
func nres[D any, M proto.Message](path, single, plural string, bulk bool, toProto func(*D) (M, error),
	of func(M) *D) neutronResource {
	var zero M
	return neutronResource{
		path: path, single: neutronVnd + single + "-v1+json", bulk: bulk,
		plural: neutronVnd + plural + "-v1+json",
		model:  zero.ProtoReflect().Type().New().Interface(),
		decode: func(data []byte) (proto.Message, error) {
			d := new(D)
			if err := jsonUnmarshal(data, d); err != nil {
				return nil, neutronBadRequest("Malformed JSON: %v", err)
			}
			return toProto(d)
		},
		encode: func(m proto.Message) any { return of(m.(M)) },
	}
}

// neutronResources are the Neutron collections served.
func neutronResources() []neutronResource {
	return []neutronResource{
		nres("networks", "Network", "Networks", true, (*neutronNetwork).toProto, neutronNetworkOf),
		nres("subnets", "Subnet", "Subnets", true, (*neutronSubnet).toProto, neutronSubnetOf),
		nres("ports", "Port", "Ports", true, (*neutronPort).toProto, neutronPortOf),
		nres("security_groups", "SecurityGroup", "SecurityGroups", true, (*neutronSecurityGroup).toProto,
			neutronSecurityGroupOf),
		nres("security_group_rules", "SecurityGroupRule", "SecurityGroupRules", true,
			(*neutronSecurityGroupRule).toProto, neutronSecurityGroupRuleOf),
		nres("routers", "Router", "Routers", false, (*neutronRouter).toProto, neutronRouterOf),
		nres("floating_ips", "FloatingIp", "FloatingIps", false, (*neutronFloatingIP).toProto, neutronFloatingIPOf),
		putNoContent(nres("tap_services", "TapService", "TapServices", false, (*neutronTapService).toProto,
			neutronTapServiceOf)),
		putNoContent(nres("tap_flows", "TapFlow", "TapFlows", false, (*neutronTapFlow).toProto, neutronTapFlowOf)),
		putNoContent(nres("gateway_devices", "GatewayDevice", "GatewayDevices", false, (*neutronGatewayDevice).toProto,
			neutronGatewayDeviceOf)),
		putNoContent(nres("l2_gateway_connections", "L2GatewayConnection", "L2GatewayConnections", false,
			(*neutronL2GatewayConnection).toProto, neutronL2GatewayConnectionOf)),
		withoutPut(nres("remote_mac_entries", "RemoteMacEntry", "RemoteMacEntries", false,
			(*neutronRemoteMacEntry).toProto, neutronRemoteMacEntryOf)),
		putOnly(nres("bgp_speakers", "BgpSpeaker", "BgpSpeakers", false, (*neutronBgpSpeaker).toProto,
			neutronBgpSpeakerOf)),
		putNoContent(nres("bgp_peers", "BgpPeer", "BgpPeers", false, (*neutronBgpPeer).toProto, neutronBgpPeerOf)),
		putNoContent(nres("vpnservices", "VPNService", "VPNServices", false, (*neutronVpnService).toProto,
			neutronVpnServiceOf)),
		validated(putNoContent(nres("ipsec_site_connections", "IpsecSiteConnection", "IpsecSiteConnections", false,
			(*neutronIPSecSiteConnection).toProto, neutronIPSecSiteConnectionOf)), validateIPSecSiteConnection),
		nres("lbs_v2", "lb.LoadBalancerV2", "lb.LoadBalancersV2", false, (*neutronLoadBalancerV2).toProto,
			neutronLoadBalancerV2Of),
		nres("listeners_v2", "lb.ListenerV2", "lb.ListenersV2", false, (*neutronListenerV2).toProto, neutronListenerV2Of),
		nres("pools_v2", "lb.PoolV2", "lb.PoolsV2", false, (*neutronPoolV2).toProto, neutronPoolV2Of),
		nres("pool_members_v2", "lb.PoolMemberV2", "lb.PoolMembersV2", false, (*neutronPoolMemberV2).toProto,
			neutronPoolMemberV2Of),
		nres("health_monitors_v2", "lb.HealthMonitorV2", "lb.HealthMonitorsV2", false, (*neutronHealthMonitorV2).toProto,
			neutronHealthMonitorV2Of),
		only(nres("firewalls", "Firewall", "Firewalls", false, (*neutronFirewall).toProto, neutronFirewallOf),
			http.MethodPost, http.MethodPut, http.MethodDelete),
		only(putNoContent(nres("firewall_logs", "FirewallLog", "FirewallLogs", false, (*neutronFirewallLog).toProto,
			neutronFirewallLogOf)), http.MethodPost, http.MethodPut, http.MethodDelete),
		only(putNoContent(nres("logging_resources", "LoggingResource", "LoggingResources", false,
			(*neutronLoggingResource).toProto, neutronLoggingResourceOf)), http.MethodPut, http.MethodDelete),
		nres("lb/pools", "lb.Pool", "lb.Pools", false, (*neutronLbPool).toProto, neutronLbPoolOf),
		nres("lb/members", "lb.PoolMember", "lb.PoolMembers", false, (*neutronLbMember).toProto, neutronLbMemberOf),
		nres("lb/vips", "lb.Vip", "lb.Vips", false, (*neutronLbVip).toProto, neutronLbVipOf),
		nres("lb/health_monitors", "lb.HealthMonitor", "lb.HealthMonitors", false, (*neutronLbHealthMonitor).toProto,
			neutronLbHealthMonitorOf),
	}
}

func only(r neutronResource, methods ...string) neutronResource {
	r.methods = methods
	return r
}

func validated(r neutronResource, f func(proto.Message) error) neutronResource {
	r.validate = f
	return r
}

func putNoContent(r neutronResource) neutronResource {
	r.putNoContent = true
	return r
}

func withoutPut(r neutronResource) neutronResource {
	return only(r, http.MethodGet, http.MethodPost, http.MethodDelete)
}

func putOnly(r neutronResource) neutronResource {
	r = only(putNoContent(r), http.MethodPut)
	r.noCollection = true
	return r
}

// neutronRoutes registers /neutron and its collections when the store is
// the object store.
func (h *handler) neutronRoutes() {
	zs, ok := h.store.(zoomStore)
	if !ok {
		return
	}
	var keys neutron.TunnelKeys
	if h.sequences != nil {
		seq := h.sequences
		keys = func(ctx context.Context) (int32, error) { return seq.Next(ctx, OverlayTunnelKey) }
	}
	svc := neutron.NewService(zs.st, keys).WithDynamicNatPorts(h.natPorts)
	base := h.root + "/neutron"
	h.mux.HandleFunc(base, h.serveNeutronRoot)
	h.neutronRouterInterfaceRoutes(base, svc)
	h.neutronLbAssociationRoutes(base, svc)
	for _, res := range neutronResources() {
		res := res
		if !res.noCollection {
			h.mux.HandleFunc(base+"/"+res.path, func(w http.ResponseWriter, r *http.Request) {
				h.serveNeutronCollection(w, r, svc, res)
			})
		}
		h.mux.HandleFunc(base+"/"+res.path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			h.serveNeutronObject(w, r, svc, res)
		})
	}
}

// neutronRootEntries are the keys of the reference's Neutron root object
// with their paths under /neutron, in its order ("" template: none).
var neutronRootEntries = []struct{ key, path, template string }{
	{"networks", "networks", "network_template"},
	{"subnets", "subnets", "subnet_template"},
	{"ports", "ports", "port_template"},
	{"routers", "routers", "router_template"},
	{"", "", ""}, // the router interface templates, added by serveNeutronRoot
	{"floating_ips", "floating_ips", "floating_ip_template"},
	{"security_groups", "security_groups", "security_group_template"},
	{"security_group_rules", "security_group_rules", "security_group_rule_template"},
	{"load_balancer", "lb", ""},
	{"load_balancers_v2", "lbs_v2", "load_balancer_v2_template"},
	{"pools_v2", "pools_v2", "pool_v2_template"},
	{"pool_members_v2", "pool_members_v2", "pool_member_v2_template"},
	{"listeners_v2", "listeners_v2", "listener_v2_template"},
	{"health_monitors_v2", "health_monitors_v2", "health_monitor_v2_template"},
	{"firewalls", "firewalls", "firewall_template"},
	{"vpn_services", "vpnservices", "vpn_service_template"},
	{"ipsec_site_conns", "ipsec_site_connections", "ipsec_site_conn_template"},
	{"l2_gateway_connections", "l2_gateway_connections", "l2_gateway_connection_template"},
	{"gateway_devices", "gateway_devices", "gateway_device_template"},
	{"remote_mac_entries", "remote_mac_entries", "remote_mac_entry_template"},
	{"bgp_speakers", "bgp_speakers", "bgp_speaker_template"},
	{"bgp_peers", "bgp_peers", "bgp_peer_template"},
	{"tap_flows", "tap_flows", "tap_flow_template"},
	{"tap_services", "tap_services", "tap_service_template"},
	{"firewall_logs", "firewall_logs", "firewall_log_template"},
	{"logging_resources", "logging_resources", "logging_resource_template"},
}

// serveNeutronRoot answers the Neutron root object: the URI and {id}
// template of every Neutron collection (the LBaaS v1 ones nested under
// load_balancer).
func (h *handler) serveNeutronRoot(w http.ResponseWriter, r *http.Request) {
	c := h.newCall(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w)
		return
	}
	mt, err := negotiateGet(r, mediaTypes{MediaNeutron}, standard)
	if err != nil {
		c.fail(err)
		return
	}
	root := c.uri("neutron")
	obj := object{{"uri", root}}
	for _, e := range neutronRootEntries {
		switch {
		case e.key == "":
			obj = append(obj, member{"add_router_interface_template", root + "/routers/{id}/add_router_interface"},
				member{"remove_router_interface_template", root + "/routers/{id}/remove_router_interface"})
		case e.key == "load_balancer":
			obj = append(obj, member{e.key, neutronLbRoot(root)})
		default:
			obj = append(obj, member{e.key, root + "/" + e.path}, member{e.template, root + "/" + e.path + "/{id}"})
		}
	}
	c.writeJSON(http.StatusOK, mt, obj)
}

func (h *handler) serveNeutronCollection(w http.ResponseWriter, r *http.Request, svc *neutron.Service, res neutronResource) {
	c := h.newCall(w, r)
	if !res.allows(r.Method) {
		methodNotAllowed(w)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		mt, err := negotiateGet(r, mediaTypes{res.plural}, standard)
		if err != nil {
			c.fail(err)
			return
		}
		objs, err := svc.List(c.ctx(), res.model)
		if err != nil {
			c.fail(neutronError(err))
			return
		}
		out := make([]any, 0, len(objs))
		for _, o := range objs {
			out = append(out, res.encode(o))
		}
		c.writeJSON(http.StatusOK, mt, out)
	case http.MethodPost:
		allowed := mediaTypes{res.single}
		if res.bulk {
			allowed = append(allowed, res.plural)
		}
		if err := checkBodyType(r, allowed, standard); err != nil {
			c.fail(err)
			return
		}
		data, err := c.readRawBody()
		if err != nil {
			c.fail(err)
			return
		}
		if res.bulk && mediaTypeIs(r.Header.Get("Content-Type"), res.plural) {
			h.neutronBulkCreate(c, svc, res, data)
			return
		}
		nm, err := res.decode(data)
		if err == nil && res.validate != nil {
			err = res.validate(nm)
		}
		if err != nil {
			c.fail(err)
			return
		}
		if err := svc.Create(c.ctx(), nm); err != nil {
			c.fail(neutronError(err))
			return
		}
		id, _ := models.ID(nm)
		w.Header().Set("Location", c.uri("neutron")+"/"+res.path+"/"+id.Canonical())
		c.writeJSON(http.StatusCreated, res.single, res.encode(nm))
	default:
		methodNotAllowed(w)
	}
}

func (h *handler) neutronBulkCreate(c *call, svc *neutron.Service, res neutronResource, data []byte) {
	var items []json.RawMessage
	if err := jsonUnmarshal(data, &items); err != nil {
		c.fail(neutronBadRequest("Malformed JSON list: %v", err))
		return
	}
	nms := make([]proto.Message, 0, len(items))
	for _, it := range items {
		nm, err := res.decode(it)
		if err != nil {
			c.fail(err)
			return
		}
		nms = append(nms, nm)
	}
	if err := svc.CreateAll(c.ctx(), nms); err != nil {
		c.fail(neutronError(err))
		return
	}
	out := make([]any, 0, len(nms))
	for _, nm := range nms {
		out = append(out, res.encode(nm))
	}
	c.w.Header().Set("Location", c.uri("neutron")+"/"+res.path)
	c.writeJSON(http.StatusCreated, res.plural, out)
}

func (h *handler) serveNeutronObject(w http.ResponseWriter, r *http.Request, svc *neutron.Service, res neutronResource) {
	c := h.newCall(w, r)
	id, perr := parseUUID(r.PathValue("id"))
	notFound := errorf(http.StatusNotFound, "Resource not found")
	if !res.allows(r.Method) {
		methodNotAllowed(w)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		mt, err := negotiateGet(r, mediaTypes{res.single}, standard)
		if err != nil {
			c.fail(err)
			return
		}
		if perr != nil {
			c.fail(notFound)
			return
		}
		obj, err := svc.Get(c.ctx(), res.model, id)
		if err != nil {
			c.fail(neutronError(err))
			return
		}
		c.writeJSON(http.StatusOK, mt, res.encode(obj))
	case http.MethodPut:
		if err := checkBodyType(r, mediaTypes{res.single}, standard); err != nil {
			c.fail(err)
			return
		}
		if perr != nil {
			c.fail(notFound)
			return
		}
		data, err := c.readRawBody()
		if err != nil {
			c.fail(err)
			return
		}
		nm, err := res.decode(data)
		if err != nil {
			c.fail(err)
			return
		}
		if res.putNoContent {
			if bodyID, err := models.ID(nm); err != nil || bodyID.ToGoogle() != id {
				c.fail(neutronBadRequest("Path ID does not match object ID"))
				return
			}
		}
		if res.validate != nil {
			if err := res.validate(nm); err != nil {
				c.fail(err)
				return
			}
		}
		// The id is the path's, whatever the body says (as the reference).
		if err := models.SetID(nm, models.UUIDFromGoogle(id)); err != nil {
			c.fail(err)
			return
		}
		if err := svc.Update(c.ctx(), nm); err != nil {
			c.fail(neutronError(err))
			return
		}
		if res.putNoContent {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// No Location: the reference's Response.ok(uri).entity(obj) makes
		// the URI an entity the object then replaces.
		c.writeJSON(http.StatusOK, res.single, res.encode(nm))
	case http.MethodDelete:
		if perr != nil {
			c.fail(notFound)
			return
		}
		if err := svc.Delete(c.ctx(), res.model, id); err != nil {
			c.fail(neutronError(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

// neutronError maps the translation's own errors (400, 409); store errors
// are left to the handler's store-error mapping.
func neutronError(err error) error {
	var bad *neutron.BadRequestError
	var conflict *neutron.ConflictError
	var status int
	var msg string
	switch {
	case errors.As(err, &bad):
		status, msg = http.StatusBadRequest, bad.Msg
	case errors.As(err, &conflict):
		status, msg = http.StatusConflict, conflict.Msg
	default:
		return err
	}
	// A translator's rejection is answered with the reference's whole
	// TranslationException message, "Failed to <op>; <msg>".
	var tr *neutron.TranslationError
	if errors.As(err, &tr) {
		msg = tr.Error()
	}
	return &Error{Status: status, Message: msg, Err: err}
}

// mediaTypeIs reports whether a Content-Type header names mt (parameters
// and case ignored).
func mediaTypeIs(header, mt string) bool {
	t, _, _ := strings.Cut(header, ";")
	return strings.EqualFold(strings.TrimSpace(t), mt)
}
