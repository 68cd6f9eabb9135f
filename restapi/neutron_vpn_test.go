package restapi_test

import (
	"testing"

	"github.com/google/uuid"
)

// vpnRouter creates, over the Neutron API, an external network with
// 10.0.0.0/24 and a router whose gateway port has gwIP; it answers the
// router's and the gateway port's ids.
func vpnRouter(n neutronAPI, gwIP string) (router, gwPort, extNet, extSubnet string) {
	router, gwPort, extNet, extSubnet = uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": extNet,
		"admin_state_up": true, "router:external": true})
	n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", map[string]any{"id": extSubnet,
		"network_id": extNet, "cidr": "10.0.0.0/24", "ip_version": 4, "gateway_ip": "10.0.0.254", "enable_dhcp": true})
	n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", gatewayPortJSON(gwPort, extNet, extSubnet, router, gwIP))
	n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": router, "name": "r",
		"admin_state_up": true, "gw_port_id": gwPort, "external_gateway_info": map[string]any{"enable_snat": true}})
	return router, gwPort, extNet, extSubnet
}

func gatewayPortJSON(id, net, subnet, router, addr string) map[string]any {
	return map[string]any{"id": id, "network_id": net, "admin_state_up": true,
		"device_owner": "network:router_gateway", "device_id": router, "mac_address": "fa:16:3e:00:0a:01",
		"fixed_ips": []any{map[string]any{"ip_address": addr, "subnet_id": subnet}}}
}

func ipsecConnectionJSON(id, vpn string, local, peer []string) map[string]any {
	return map[string]any{"id": id, "tenant_id": "t", "name": "c", "description": "d", "admin_state_up": true,
		"peer_address": "172.24.4.233", "peer_id": "172.24.4.233", "peer_cidrs": peer, "local_cidrs": local,
		"route_mode": "static", "mtu": 1500, "initiator": "bi-directional", "auth_mode": "psk", "psk": "secret",
		"dpd_action": "hold", "dpd_interval": 30, "dpd_timeout": 120, "vpnservice_id": vpn,
		"ikepolicy": map[string]any{"auth_algorithm": "sha1", "encryption_algorithm": "aes-128",
			"phase1_negotiation_mode": "main", "ike_version": "v1", "lifetime_units": "seconds", "lifetime_value": 3600,
			"pfs": "group5"},
		"ipsecpolicy": map[string]any{"transform_protocol": "esp", "auth_algorithm": "sha1",
			"encryption_algorithm": "aes-128", "encapsulation_mode": "tunnel", "pfs": "group5",
			"lifetime_units": "seconds", "lifetime_value": 3600}}
}

// TestNeutronVPNaaS: VPN services and IPsec site connections over HTTP on
// both backends: the JSON read back (enums normalized as the reference's
// forValue), the container, its port and routes and the redirect rules
// through the v5 API, the gateway's new IP moving the rules, 204 PUTs,
// the reference's 400s, cleanup by the last connection's delete.
func TestNeutronVPNaaS(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			router, gwPort, extNet, extSubnet := vpnRouter(n, "10.0.0.5")
			vpnType, cnxnType := neutronVnd+"VPNService-v1+json", neutronVnd+"IpsecSiteConnection-v1+json"

			vpn := uuid.NewString()
			body := map[string]any{"id": vpn, "name": "vpn", "description": "d", "admin_state_up": true,
				"tenant_id": "t", "router_id": router}
			if got := n.must(201, "POST", "/neutron/vpnservices", vpnType, body); mustJSON(t, got) != mustJSON(t, body) {
				t.Errorf("VPN service answered %s, want %s", mustJSON(t, got), mustJSON(t, body))
			}
			if got := n.must(200, "GET", "/neutron/vpnservices/"+vpn, vpnType, nil); mustJSON(t, got) != mustJSON(t, body) {
				t.Errorf("VPN service read back as %s", mustJSON(t, got))
			}
			if l := n.must(200, "GET", "/neutron/vpnservices", neutronVnd+"VPNServices-v1+json", nil).([]any); len(l) != 1 {
				t.Errorf("%d VPN services listed", len(l))
			}
			body["name"] = "vpn2"
			n.must(204, "PUT", "/neutron/vpnservices/"+vpn, vpnType, body)
			if got := n.must(200, "GET", "/neutron/vpnservices/"+vpn, vpnType, nil).(map[string]any); got["name"] != "vpn2" {
				t.Errorf("renamed VPN service reads %v", got)
			}
			if got := n.must(400, "PUT", "/neutron/vpnservices/"+vpn, vpnType, map[string]any{"id": uuid.NewString()}).(map[string]any); got["message"] != "Path ID does not match object ID" {
				t.Errorf("PUT with another id: %v", got)
			}
			if len(n.must(200, "GET", "/routers/"+router+"/ports", "application/json", nil).([]any)) != 1 {
				t.Error("a VPN service without connections made router ports")
			}

			c := uuid.NewString()
			cb := ipsecConnectionJSON(c, vpn, []string{"10.1.0.0/24"}, []string{"20.1.0.0/24", "20.2.0.0/24"})
			n.must(201, "POST", "/neutron/ipsec_site_connections", cnxnType, cb)
			got := n.must(200, "GET", "/neutron/ipsec_site_connections/"+c, cnxnType, nil).(map[string]any)
			want := `{"admin_state_up":true,"auth_mode":"PSK","description":"d","dpd_action":"HOLD","dpd_interval":30,` +
				`"dpd_timeout":120,"id":"` + c + `","ikepolicy":{"auth_algorithm":"SHA1","encryption_algorithm":"AES_128",` +
				`"ike_version":"V1","lifetime_units":"seconds","lifetime_value":3600,"pfs":"GROUP5","phase1_negotiation_mode":"MAIN"},` +
				`"initiator":"BI_DIRECTIONAL","ipsecpolicy":{"auth_algorithm":"SHA1","encapsulation_mode":"TUNNEL",` +
				`"encryption_algorithm":"AES_128","lifetime_units":"seconds","lifetime_value":3600,"pfs":"GROUP5",` +
				`"transform_protocol":"ESP"},"local_cidrs":["10.1.0.0/24"],"mtu":1500,"name":"c",` +
				`"peer_address":"172.24.4.233","peer_cidrs":["20.1.0.0/24","20.2.0.0/24"],"peer_id":"172.24.4.233",` +
				`"psk":"secret","route_mode":"STATIC","tenant_id":"t","vpnservice_id":"` + vpn + `"}`
			if mustJSON(t, got) != want {
				t.Errorf("connection read back as\n %s\nwant\n %s", mustJSON(t, got), want)
			}

			// The container through the v5 API: the IPSEC container on
			// the router's new port, that port's routes, the redirects.
			containers := n.must(200, "GET", "/service_containers", "application/json", nil).([]any)
			if len(containers) != 1 {
				t.Fatalf("service containers %v", containers)
			}
			sc := containers[0].(map[string]any)
			if sc["serviceType"] != "IPSEC" || sc["configurationId"] != router {
				t.Errorf("container %v", sc)
			}
			port := n.must(200, "GET", "/ports/"+sc["portId"].(string), "application/json", nil).(map[string]any)
			if port["deviceId"] != router || port["portAddress"] != "169.254.0.1" || port["interfaceName"] != "vpn-"+port["id"].(string)[:8] {
				t.Errorf("container port %v", port)
			}
			routes := n.must(200, "GET", "/routers/"+router+"/routes", "application/json", nil).([]any)
			viaContainer := 0
			for _, r := range routes {
				r := r.(map[string]any)
				if r["nextHopPort"] == port["id"] && r["nextHopGateway"] == "169.254.0.2" {
					viaContainer++
				}
			}
			if viaContainer != 2 {
				t.Errorf("%d routes through the container, want 2: %v", viaContainer, routes)
			}
			redirects := func(addr string) int {
				t.Helper()
				r := n.must(200, "GET", "/routers/"+router, "application/json", nil).(map[string]any)
				chain, _ := r["localRedirectChainId"].(string)
				if chain == "" {
					return 0
				}
				count := 0
				for _, rule := range n.must(200, "GET", "/chains/"+chain+"/rules", "application/json", nil).([]any) {
					rule := rule.(map[string]any)
					if rule["type"] == "l2_transform" && rule["nwDstAddress"] == addr && rule["targetPortId"] == port["id"] {
						count++
					}
				}
				return count
			}
			if got := redirects("10.0.0.5"); got != 3 {
				t.Errorf("%d redirect rules for the gateway IP, want 3", got)
			}

			// The gateway's new fixed IP moves the redirects (#13).
			n.must(200, "PUT", "/neutron/ports/"+gwPort, neutronVnd+"Port-v1+json",
				gatewayPortJSON(gwPort, extNet, extSubnet, router, "10.0.0.6"))
			if a, b := redirects("10.0.0.5"), redirects("10.0.0.6"); a != 0 || b != 3 {
				t.Errorf("redirects after the gateway update: %d for the old IP, %d for the new", a, b)
			}

			// Bad input, as the reference answers it.
			over := ipsecConnectionJSON(uuid.NewString(), vpn, []string{"10.1.0.0/24"}, []string{"10.1.0.0/24"})
			delete(over, "ikepolicy")
			delete(over, "ipsecpolicy")
			delete(over, "description")
			if got := n.must(400, "POST", "/neutron/ipsec_site_connections", cnxnType, over).(map[string]any); got["message"] !=
				"Local and peer cidrs of IPSecsite connection: IPSecSiteConnection{id="+over["id"].(string)+
					", tenantId=t, name=c, peerAddress=172.24.4.233, peerId=172.24.4.233, peerCidrs=[10.1.0.0/24], "+
					"localCidrs=[10.1.0.0/24], routeMode=STATIC, mtu=1500, initiator=BI_DIRECTIONAL, authMode=PSK, "+
					"psk=secret, admin_state_up=true, dpdAction=HOLD, dpdInterval=30, dpdTimeout=120, vpnServiceId="+vpn+"}are not disjoint" {
				t.Errorf("overlapping CIDRs: %v", got)
			}
			cb["name"] = "renamed"
			cb["local_cidrs"] = []string{"20.1.0.0/24"}
			n.must(400, "PUT", "/neutron/ipsec_site_connections/"+c, cnxnType, cb)
			// The path's id is checked first (IpsecSiteConnectionResource).
			other := map[string]any{}
			for k, v := range cb {
				other[k] = v
			}
			other["id"] = uuid.NewString()
			if got := n.must(400, "PUT", "/neutron/ipsec_site_connections/"+c, cnxnType, other).(map[string]any); got["message"] != "Path ID does not match object ID" {
				t.Errorf("PUT with another id and overlapping CIDRs: %v", got)
			}
			cb["initiator"] = "sideways"
			n.must(400, "PUT", "/neutron/ipsec_site_connections/"+c, cnxnType, cb)
			cb["initiator"] = "response-only"
			cb["local_cidrs"] = []string{"10.1.0.0/24"}
			n.must(204, "PUT", "/neutron/ipsec_site_connections/"+c, cnxnType, cb)
			if got := n.must(200, "GET", "/neutron/ipsec_site_connections/"+c, cnxnType, nil).(map[string]any); got["name"] != "renamed" || got["initiator"] != "RESPONSE_ONLY" {
				t.Errorf("updated connection reads %v", got)
			}
			noGw := uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": noGw, "admin_state_up": true})
			if got := n.must(400, "POST", "/neutron/vpnservices", vpnType, map[string]any{"id": uuid.NewString(), "router_id": noGw}).(map[string]any); !isRefusal(got["message"], "Create", "Cannot discover gateway port of router") {
				t.Errorf("VPN service without a gateway: %v", got)
			}
			n.must(404, "POST", "/neutron/vpnservices", vpnType, map[string]any{"id": uuid.NewString(), "router_id": uuid.NewString()})
			n.must(404, "POST", "/neutron/ipsec_site_connections", cnxnType, ipsecConnectionJSON(uuid.NewString(),
				uuid.NewString(), []string{"10.1.0.0/24"}, []string{"20.1.0.0/24"}))
			n.must(400, "POST", "/neutron/ipsec_site_connections", cnxnType, map[string]any{"id": uuid.NewString(),
				"vpnservice_id": vpn, "local_cidrs": []string{"10.1.0.0/33"}})

			// The last connection's delete takes the container and the
			// redirects; deletes are idempotent.
			for range 2 {
				n.must(204, "DELETE", "/neutron/ipsec_site_connections/"+c, "", nil)
			}
			if l := n.must(200, "GET", "/service_containers", "application/json", nil).([]any); len(l) != 0 {
				t.Errorf("containers left: %v", l)
			}
			n.must(404, "GET", "/ports/"+port["id"].(string), "application/json", nil)
			if r := n.must(200, "GET", "/routers/"+router, "application/json", nil).(map[string]any); r["localRedirectChainId"] != nil {
				t.Errorf("router keeps local redirect chain %v", r["localRedirectChainId"])
			}
			for range 2 {
				n.must(204, "DELETE", "/neutron/vpnservices/"+vpn, "", nil)
			}
			n.must(404, "GET", "/neutron/vpnservices/"+vpn, vpnType, nil)
		})
	}
}
