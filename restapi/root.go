package restapi

import (
	"net/http"
)

// APIVersion is the version string of the root Application resource.
const APIVersion = "v5.0"

// rootEntries are the Application keys of the reference, in its emission
// order (sorted by path segment): collection key and template key per
// segment, empty where the reference has none.
var rootEntries = []struct{ segment, collection, template string }{
	{"bgp_networks", "", "bgpNetworkTemplate"},
	{"bgp_peers", "", "bgpPeerTemplate"},
	{"bridges", "bridges", "bridgeTemplate"},
	{"chains", "chains", "chainTemplate"},
	{"health_monitors", "healthMonitors", "healthMonitorTemplate"},
	{"hosts", "hosts", "hostTemplate"},
	{"ip_addr_groups", "ipAddrGroups", "ipAddrGroupTemplate"},
	{"l2insertions", "l2insertions", "l2InsertionTemplate"},
	{"load_balancers", "loadBalancers", "loadBalancerTemplate"},
	{"mirrors", "mirrors", "mirrorTemplate"},
	{"neutron", "neutron", ""},
	{"pool_members", "poolMembers", "poolMemberTemplate"},
	{"pools", "pools", "poolTemplate"},
	{"port_groups", "portGroups", "portGroupTemplate"},
	{"ports", "ports", "portTemplate"},
	{"qos_bw_limit_rules", "", "qosBwLimitRuleTemplate"},
	{"qos_dscp_rules", "", "qosDscpRuleTemplate"},
	{"qos_policies", "qosPolicies", "qosPolicyTemplate"},
	{"routers", "routers", "routerTemplate"},
	{"routes", "", "routeTemplate"},
	{"rules", "", "ruleTemplate"},
	{"service_container_groups", "serviceContainerGroups", "serviceContainerGroupTemplate"},
	{"service_containers", "serviceContainers", "serviceContainerTemplate"},
	{"system_state", "systemState", ""},
	{"tenants", "tenants", "tenantTemplate"},
	{"traces", "traceRequests", "traceRequestTemplate"},
	{"tunnel_zones", "tunnelZones", "tunnelZoneTemplate"},
	{"vips", "vips", "vipTemplate"},
	{"vteps", "vteps", "vtepTemplate"},
}

// serveRoot answers the Application resource. Its URIs follow the host
// the client used (or the proxy's X-Forwarded-* headers).
func (h *handler) serveRoot(w http.ResponseWriter, r *http.Request) {
	c := h.newCall(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w)
		return
	}
	mt, err := negotiateGet(r, mediaTypes{MediaJSON, MediaApp}, standard)
	if err != nil {
		c.fail(err)
		return
	}
	app := object{{"uri", c.base + "/"}, {"version", APIVersion}}
	for _, e := range rootEntries {
		if e.collection != "" {
			app = append(app, member{e.collection, c.uri(e.segment)})
		}
		if e.template != "" {
			app = append(app, member{e.template, c.uri(e.segment) + "/{id}"})
		}
	}
	c.writeJSON(http.StatusOK, mt, app)
}
