package restapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/restapi"
)

// neutronAPI drives /neutron with raw HTTP, as the MidoNet Neutron plugin does.
type neutronAPI struct {
	t    *testing.T
	base string // .../midonet-api
}

const neutronVnd = "application/vnd.org.midonet.neutron."

// do sends a request and returns the status and the decoded JSON body
// (nil when empty).
func (n neutronAPI) do(method, path, mediaType string, body any) (int, any) {
	n.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			n.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, n.base+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", mediaType)
	} else if mediaType != "" {
		req.Header.Set("Accept", mediaType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out any
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			n.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, out
}

// must sends a request that has to answer status.
func (n neutronAPI) must(status int, method, path, mediaType string, body any) any {
	n.t.Helper()
	got, out := n.do(method, path, mediaType, body)
	if got != status {
		n.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, got, status, out)
	}
	return out
}

// isRefusal says whether msg is the reference's error message for a
// translator's refusal want of the Neutron operation op (Create, Update or
// Delete): its TranslationException's "Failed to <op>(<the object>); <want>".
func isRefusal(msg any, op, want string) bool {
	s, _ := msg.(string)
	return strings.HasPrefix(s, "Failed to "+op+"(") && strings.HasSuffix(s, "); "+want)
}

func serveNeutron(t *testing.T, sb storageBackend) neutronAPI {
	conn, root := sb.connect(t)
	st := openZoomStore(t, conn, root)
	return neutronAPI{t: t, base: serveStore(t, st, nil, restapi.Options{
		Sequences: restapi.NewZoomSequences(st), StateTables: restapi.NewZoomStateTables(st)})}
}

// TestNeutronRoot: the root lists every collection and template of the
// reference's Neutron object, under the API's base URI.
func TestNeutronRoot(t *testing.T) {
	n := serveNeutron(t, storageBackends()[0])
	root := n.must(200, "GET", "/neutron", restapi.MediaNeutron, nil).(map[string]any)
	nb := n.base + "/neutron"
	want := map[string]string{
		"uri": nb, "networks": nb + "/networks", "network_template": nb + "/networks/{id}",
		"subnets": nb + "/subnets", "ports": nb + "/ports", "port_template": nb + "/ports/{id}",
		"routers": nb + "/routers", "add_router_interface_template": nb + "/routers/{id}/add_router_interface",
		"remove_router_interface_template": nb + "/routers/{id}/remove_router_interface",
		"floating_ips":                     nb + "/floating_ips", "security_groups": nb + "/security_groups",
		"security_group_rules": nb + "/security_group_rules", "load_balancers_v2": nb + "/lbs_v2",
		"vpn_services": nb + "/vpnservices", "ipsec_site_conns": nb + "/ipsec_site_connections",
		"ipsec_site_conn_template": nb + "/ipsec_site_connections/{id}", "bgp_speakers": nb + "/bgp_speakers",
		"logging_resources": nb + "/logging_resources", "tap_flows": nb + "/tap_flows",
		"health_monitors_v2": nb + "/health_monitors_v2", "gateway_devices": nb + "/gateway_devices",
		"l2_gateway_connections": nb + "/l2_gateway_connections", "firewall_logs": nb + "/firewall_logs",
	}
	for k, v := range want {
		if root[k] != v {
			t.Errorf("%s = %v, want %s", k, root[k], v)
		}
	}
	if len(root) != 52 {
		t.Errorf("root has %d keys, want 52 (uri, 25 collections with templates, load_balancer)", len(root))
	}
	lb, _ := root["load_balancer"].(map[string]any)
	if lb["pool_health_monitor"] != nb+"/lb/pool_health_monitor" || lb["vip_template"] != nb+"/lb/vips/{id}" {
		t.Errorf("load_balancer = %v", lb)
	}
	n.must(406, "GET", "/neutron", "application/vnd.org.midonet.Application-v5+json", nil)
	// Unknown paths under /neutron are the API's plain 404.
	for _, p := range []string{"/neutron/nothing", "/neutron/networks/x/y"} {
		if got := n.must(404, "GET", p, "", nil).(map[string]any); got["message"] != "Resource not found" {
			t.Errorf("GET %s: %v", p, got)
		}
	}
}

// TestNeutronNetworkCRUD: create (single and bulk), get, list, update,
// delete (also of an unknown id), and the errors of bad bodies, on both
// backends.
func TestNeutronNetworkCRUD(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			single, plural := neutronVnd+"Network-v1+json", neutronVnd+"Networks-v1+json"
			id := uuid.NewString()
			got := n.must(201, "POST", "/neutron/networks", single, map[string]any{
				"id": id, "name": "net", "tenant_id": "t1", "admin_state_up": true, "unknown": 1}).(map[string]any)
			if got["id"] != id || got["name"] != "net" || got["admin_state_up"] != true {
				t.Errorf("create answered %v", got)
			}
			// The MidoNet network (v5 bridge) exists with the same id.
			br := n.must(200, "GET", "/bridges/"+id, "application/json", nil).(map[string]any)
			if br["name"] != "net" || br["tenantId"] != "t1" || br["adminStateUp"] != true {
				t.Errorf("bridge = %v", br)
			}
			n.must(409, "POST", "/neutron/networks", single, map[string]any{"id": id, "name": "again"})

			ids := []string{uuid.NewString(), uuid.NewString()}
			list := n.must(201, "POST", "/neutron/networks", plural, []any{
				map[string]any{"id": ids[0], "name": "a"}, map[string]any{"id": ids[1], "name": "b"}}).([]any)
			if len(list) != 2 {
				t.Errorf("bulk create answered %v", list)
			}
			// A bulk create with one bad item creates nothing.
			bad := uuid.NewString()
			n.must(409, "POST", "/neutron/networks", plural, []any{
				map[string]any{"id": bad, "name": "c"}, map[string]any{"id": ids[0], "name": "dup"}})
			n.must(404, "GET", "/neutron/networks/"+bad, single, nil)
			n.must(404, "GET", "/bridges/"+bad, "application/json", nil)

			all := n.must(200, "GET", "/neutron/networks", plural, nil).([]any)
			if len(all) != 3 {
				t.Errorf("list has %d networks, want 3", len(all))
			}
			up := n.must(200, "PUT", "/neutron/networks/"+id, single, map[string]any{
				"id": uuid.NewString(), "name": "renamed", "tenant_id": "t2", "admin_state_up": false}).(map[string]any)
			if up["id"] != id || up["name"] != "renamed" {
				t.Errorf("update answered %v", up)
			}
			br = n.must(200, "GET", "/bridges/"+id, "application/json", nil).(map[string]any)
			if br["name"] != "renamed" || br["tenantId"] != "t1" || br["adminStateUp"] != false {
				t.Errorf("bridge after update = %v (tenant must not change)", br)
			}
			n.must(404, "PUT", "/neutron/networks/"+uuid.NewString(), single, map[string]any{"name": "x"})
			n.must(204, "DELETE", "/neutron/networks/"+id, "", nil)
			n.must(404, "GET", "/bridges/"+id, "application/json", nil)
			n.must(204, "DELETE", "/neutron/networks/"+uuid.NewString(), "", nil)
			n.must(404, "GET", "/neutron/networks/not-a-uuid", single, nil)

			n.must(400, "POST", "/neutron/networks", single, map[string]any{"id": "zzz"})
			n.must(400, "POST", "/neutron/networks", single, "not an object")
			n.must(415, "POST", "/neutron/networks", "application/vnd.org.midonet.Bridge-v4+json", map[string]any{"id": uuid.NewString()})

			// Uplink networks exist only as Neutron objects.
			up1 := uuid.NewString()
			n.must(201, "POST", "/neutron/networks", single, map[string]any{"id": up1, "provider:network_type": "uplink"})
			n.must(404, "GET", "/bridges/"+up1, "application/json", nil)
			gotUp := n.must(200, "GET", "/neutron/networks/"+up1, single, nil).(map[string]any)
			if gotUp["provider:network_type"] != "UPLINK" {
				t.Errorf("uplink network read back as %v", gotUp)
			}
			n.must(204, "DELETE", "/neutron/networks/"+up1, "", nil)
		})
	}
}

// TestNeutronLocationHeaders: a create answers a Location (the object's URI,
// a bulk create the collection's), an update none: the reference's update
// handlers (rest_api/neutron/resources/NetworkResource.java and the other
// *Resource.update) build Response.ok(uri).entity(object), where ok's argument
// is the entity the second call replaces, not a Location.
func TestNeutronLocationHeaders(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			single, plural := neutronVnd+"Network-v1+json", neutronVnd+"Networks-v1+json"
			id := uuid.NewString()
			a, body := n.doRaw("POST", "/neutron/networks", single, `{"id": "`+id+`", "name": "net"}`)
			if a.status != 201 || a.location != n.base+"/neutron/networks/"+id {
				t.Errorf("create: %+v %s", a, body)
			}
			a, body = n.doRaw("POST", "/neutron/networks", plural, `[{"id": "`+uuid.NewString()+`"}]`)
			if a.status != 201 || a.location != n.base+"/neutron/networks" {
				t.Errorf("bulk create: %+v %s", a, body)
			}
			a, body = n.doRaw("PUT", "/neutron/networks/"+id, single, `{"id": "`+id+`", "name": "renamed"}`)
			if a.status != 200 || a.location != "" || !strings.Contains(body, `"renamed"`) {
				t.Errorf("update: %+v %s, want 200, the object and no Location", a, body)
			}
		})
	}
}

// TestNeutronSubnet: a subnet is decoded from the reference's JSON (CIDR,
// gateway, pools, DNS, host routes), read back as given, and becomes the
// network's DHCP subnet in the v5 API; a bad CIDR is a 400.
func TestNeutronSubnet(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			net, sub := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": net, "admin_state_up": true})
			body := map[string]any{"id": sub, "network_id": net, "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1",
				"ip_version": 4, "enable_dhcp": true, "tenant_id": "t",
				"allocation_pools": []any{map[string]any{"start": "10.0.1.2", "end": "10.0.1.254"}},
				"dns_nameservers":  []any{"8.8.8.8"},
				"host_routes":      []any{map[string]any{"destination": "10.2.0.0/16", "nexthop": "10.0.1.9"}}}
			n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", body)
			got := n.must(200, "GET", "/neutron/subnets/"+sub, neutronVnd+"Subnet-v1+json", nil).(map[string]any)
			for k, v := range body {
				if mustJSON(t, got[k]) != mustJSON(t, v) {
					t.Errorf("%s = %s, want %s", k, mustJSON(t, got[k]), mustJSON(t, v))
				}
			}
			dhcp := n.must(200, "GET", "/bridges/"+net+"/dhcp/10.0.1.0_24", "application/json", nil).(map[string]any)
			if dhcp["defaultGateway"] != "10.0.1.1" || dhcp["serverAddr"] != "10.0.1.1" || dhcp["enabled"] != true {
				t.Errorf("DHCP subnet = %v", dhcp)
			}
			n.must(400, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json",
				map[string]any{"id": uuid.NewString(), "network_id": net, "cidr": "10.0.1.0/100"})
			n.must(404, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json",
				map[string]any{"id": uuid.NewString(), "network_id": uuid.NewString(), "cidr": "10.0.3.0/24"})
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestNeutronPortAndSecurityGroup: ports and security groups in the
// reference's JSON (device owners, binding keys, allowed pairs, protocol
// names and numbers, ethertype case) are read back as the reference writes
// them, and translate into v5 objects: the port's filters, the group's
// chains with their rules.
func TestNeutronPortAndSecurityGroup(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			net, sub, sg, port := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": net, "admin_state_up": true})
			n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", map[string]any{"id": sub,
				"network_id": net, "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "ip_version": 4, "enable_dhcp": true})
			rule1, rule2 := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/security_groups", neutronVnd+"SecurityGroup-v1+json", map[string]any{
				"id": sg, "name": "web", "tenant_id": "t", "security_group_rules": []any{
					map[string]any{"id": rule1, "security_group_id": sg, "direction": "ingress", "ethertype": "IPv4",
						"protocol": "tcp", "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "10.1.0.0/16"}}})
			// Ports written as strings are numbers, as the reference's Jackson reads them.
			n.must(201, "POST", "/neutron/security_group_rules", neutronVnd+"SecurityGroupRules-v1+json", []any{
				map[string]any{"id": rule2, "security_group_id": sg, "direction": "egress", "ethertype": "ipv4", "protocol": 17,
					"port_range_min": "53", "port_range_max": "53"}})
			r2 := n.must(200, "GET", "/neutron/security_group_rules/"+rule2, neutronVnd+"SecurityGroupRule-v1+json", nil).(map[string]any)
			if r2["protocol"] != "udp" || r2["ethertype"] != "ipv4" || r2["direction"] != "egress" ||
				r2["port_range_min"] != 53.0 || r2["port_range_max"] != 53.0 {
				t.Errorf("rule read back as %v", r2)
			}
			n.must(400, "POST", "/neutron/security_group_rules", neutronVnd+"SecurityGroupRule-v1+json",
				map[string]any{"id": uuid.NewString(), "security_group_id": sg, "direction": "egress", "port_range_min": "dns"})
			g := n.must(200, "GET", "/neutron/security_groups/"+sg, neutronVnd+"SecurityGroup-v1+json", nil).(map[string]any)
			if rules, _ := g["security_group_rules"].([]any); len(rules) != 2 {
				t.Errorf("group lists %v", g["security_group_rules"])
			}
			n.must(400, "POST", "/neutron/security_group_rules", neutronVnd+"SecurityGroupRule-v1+json",
				map[string]any{"id": uuid.NewString(), "security_group_id": sg, "direction": "egress", "protocol": "nonsense"})

			body := map[string]any{"id": port, "network_id": net, "admin_state_up": true, "mac_address": "fa:16:3e:00:00:01",
				"fixed_ips":    []any{map[string]any{"ip_address": "10.0.0.5", "subnet_id": sub}},
				"device_owner": "compute:nova", "device_id": "vm1", "security_groups": []any{sg},
				"allowed_address_pairs": []any{map[string]any{"ip_address": "10.0.0.99", "mac_address": "fa:16:3e:00:00:02"}},
				"port_security_enabled": true, "tenant_id": "t"}
			n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", body)
			got := n.must(200, "GET", "/neutron/ports/"+port, neutronVnd+"Port-v1+json", nil).(map[string]any)
			pairs, _ := got["allowed_address_pairs"].([]any)
			if got["device_owner"] != "compute:nova" || got["port_security_enabled"] != true || len(pairs) != 1 ||
				pairs[0].(map[string]any)["ip_address"] != "10.0.0.99/32" {
				t.Errorf("port read back as %v", got)
			}
			v5 := n.must(200, "GET", "/ports/"+port, "application/json", nil).(map[string]any)
			if v5["inboundFilterId"] == nil || v5["outboundFilterId"] == nil || v5["type"] != "Bridge" {
				t.Errorf("v5 port %v", v5)
			}
			chains := n.must(200, "GET", "/chains", "application/json", nil).([]any)
			names := map[string]bool{}
			for _, c := range chains {
				names[c.(map[string]any)["name"].(string)] = true
			}
			for _, want := range []string{"OS_SG_" + sg + "_INGRESS", "OS_SG_" + sg + "_EGRESS", "OS_PORT_" + port + "_INBOUND",
				"OS_PORT_" + port + "_OUTBOUND", "OS_PORT_" + port + "_ANTI_SPOOF"} {
				if !names[want] {
					t.Errorf("no chain %s among %v", want, names)
				}
			}
			n.must(204, "DELETE", "/neutron/ports/"+port, "", nil)
			n.must(204, "DELETE", "/neutron/security_groups/"+sg, "", nil)
			n.must(404, "GET", "/neutron/security_group_rules/"+rule1, neutronVnd+"SecurityGroupRule-v1+json", nil)
		})
	}
}
