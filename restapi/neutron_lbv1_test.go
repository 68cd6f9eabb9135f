package restapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/neutron"
	"github.com/midonet/midonet-go/restapi"
)

// TestNeutronLbaasV1: LBaaS v1 over HTTP on both backends (the reference's
// LoadBalancerIT through /neutron/lb): the JSON read back, the v5 load
// balancer, pool, members, VIP and health monitor, the VIP's ARP entry on
// the external network, the association verbs, the reference's refusals,
// idempotent deletes, the last pool taking the load balancer.
func TestNeutronLbaasV1(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			lb := func(x string) string { return neutronVnd + "lb." + x + "-v1+json" }
			ext, extSn := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": ext,
				"admin_state_up": true, "router:external": true})
			n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", map[string]any{"id": extSn,
				"network_id": ext, "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1", "ip_version": 4})
			gw, r := uuid.NewString(), uuid.NewString()
			const gwMac = "ab:cd:ef:01:02:03"
			n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", map[string]any{"id": gw, "network_id": ext,
				"admin_state_up": true, "device_owner": "network:router_gateway", "mac_address": gwMac,
				"fixed_ips": []any{map[string]any{"ip_address": "10.0.1.2", "subnet_id": extSn}}})
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": r,
				"admin_state_up": true, "gw_port_id": gw, "external_gateway_info": map[string]any{"network_id": ext,
					"enable_snat": true}})
			lbID := neutron.LbV1LoadBalancerID(uuid.MustParse(r)).String()

			pool := uuid.NewString()
			got := n.must(201, "POST", "/neutron/lb/pools", lb("Pool"), map[string]any{"id": pool, "router_id": r,
				"subnet_id": extSn, "admin_state_up": true, "name": "web", "lb_method": "ROUND_ROBIN",
				"protocol": "TCP", "tenant_id": "t"}).(map[string]any)
			if got["router_id"] != r || got["name"] != "web" || got["admin_state_up"] != true || got["vip_id"] != nil {
				t.Errorf("pool answered %v", got)
			}
			if l, ok := got["health_monitors"].([]any); !ok || len(l) != 0 {
				t.Errorf("pool health_monitors = %v, want []", got["health_monitors"])
			}
			if code, _ := n.do("GET", "/neutron/lb/pools/"+pool, lb("Pool"), nil); code != 200 {
				t.Errorf("GET pool: %d", code)
			}
			v5lb := n.must(200, "GET", "/load_balancers/"+lbID, "application/json", nil).(map[string]any)
			if v5lb["routerId"] != r || v5lb["adminStateUp"] != true {
				t.Errorf("v5 load balancer = %v", v5lb)
			}
			if rt := n.must(200, "GET", "/routers/"+r, "application/json", nil).(map[string]any); rt["loadBalancerId"] != lbID {
				t.Errorf("router loadBalancerId = %v, want %s", rt["loadBalancerId"], lbID)
			}

			// Members: ACTIVE, moved, read through the v5 API.
			m := uuid.NewString()
			got = n.must(201, "POST", "/neutron/lb/members", lb("PoolMember"), map[string]any{"id": m, "pool_id": pool,
				"address": "10.10.0.3", "protocol_port": 80, "weight": 5, "admin_state_up": true,
				"status": "ACTIVE"}).(map[string]any)
			if got["protocol_port"] != float64(80) || got["weight"] != float64(5) || got["address"] != "10.10.0.3" {
				t.Errorf("member answered %v", got)
			}
			pm := n.must(200, "GET", "/pool_members/"+m, "application/json", nil).(map[string]any)
			if pm["poolId"] != pool || pm["address"] != "10.10.0.3" || pm["protocolPort"] != float64(80) ||
				pm["weight"] != float64(5) || pm["adminStateUp"] != true {
				t.Errorf("v5 pool member = %v", pm)
			}
			n.must(200, "PUT", "/neutron/lb/members/"+m, lb("PoolMember"), map[string]any{"id": m, "pool_id": pool,
				"address": "10.10.0.3", "protocol_port": 81, "weight": 7})
			pm = n.must(200, "GET", "/pool_members/"+m, "application/json", nil).(map[string]any)
			if pm["protocolPort"] != float64(81) || pm["weight"] != float64(7) || pm["adminStateUp"] != false {
				t.Errorf("updated v5 pool member = %v", pm)
			}

			// A health monitor takes its pool; updates may not change it.
			hm := uuid.NewString()
			hmBody := func(delay int, pools ...string) map[string]any {
				ps := []any{}
				for _, p := range pools {
					ps = append(ps, map[string]any{"pool_id": p, "status": "ACTIVE"})
				}
				return map[string]any{"id": hm, "admin_state_up": true, "delay": delay, "max_retries": 10,
					"timeout": 30, "type": "HTTP", "pools": ps, "tenant_id": "t"}
			}
			got = n.must(201, "POST", "/neutron/lb/health_monitors", lb("HealthMonitor"), hmBody(2, pool)).(map[string]any)
			if got["type"] != "HTTP" || got["delay"] != float64(2) {
				t.Errorf("health monitor answered %v", got)
			}
			v5hm := n.must(200, "GET", "/health_monitors/"+hm, "application/json", nil).(map[string]any)
			if v5hm["delay"] != float64(2) || v5hm["maxRetries"] != float64(10) || v5hm["timeout"] != float64(30) ||
				v5hm["type"] != "TCP" || v5hm["status"] != "ACTIVE" {
				t.Errorf("v5 health monitor = %v", v5hm)
			}
			if p := n.must(200, "GET", "/pools/"+pool, "application/json", nil).(map[string]any); p["healthMonitorId"] != hm ||
				p["loadBalancerId"] != lbID {
				t.Errorf("v5 pool = %v", p)
			}
			n.must(200, "PUT", "/neutron/lb/health_monitors/"+hm, lb("HealthMonitor"), hmBody(3, pool))
			if v5hm := n.must(200, "GET", "/health_monitors/"+hm, "application/json", nil).(map[string]any); v5hm["delay"] != float64(3) {
				t.Errorf("updated v5 health monitor = %v", v5hm)
			}
			if e := n.must(409, "PUT", "/neutron/lb/health_monitors/"+hm, lb("HealthMonitor"), hmBody(4)).(map[string]any); !isRefusal(e["message"], "Update", "A health monitor's pool association cannot be changed.") {
				t.Errorf("pool change answered %v", e)
			}

			// A VIP on the external network: the gateway MAC answers its address.
			vip := uuid.NewString()
			vipBody := func(address string, port int) map[string]any {
				return map[string]any{"id": vip, "pool_id": pool, "subnet_id": extSn, "address": address,
					"protocol_port": port, "admin_state_up": true, "connection_limit": 10, "protocol": "TCP",
					"session_persistence": map[string]any{"type": "source_ip", "cookie_name": "c"}}
			}
			got = n.must(201, "POST", "/neutron/lb/vips", lb("Vip"), vipBody("10.0.1.10", 80)).(map[string]any)
			if sp, _ := got["session_persistence"].(map[string]any); sp["type"] != "SOURCE_IP" || sp["cookie_name"] != "c" {
				t.Errorf("VIP answered %v", got)
			}
			v5vip := n.must(200, "GET", "/vips/"+vip, "application/json", nil).(map[string]any)
			if v5vip["poolId"] != pool || v5vip["address"] != "10.0.1.10" || v5vip["protocolPort"] != float64(80) ||
				v5vip["sessionPersistence"] != "SOURCE_IP" {
				t.Errorf("v5 VIP = %v", v5vip)
			}
			if arp := n.arpEntries(ext); arp["10.0.1.10"] != gwMac {
				t.Errorf("external ARP entries %v, want 10.0.1.10 -> %s", arp, gwMac)
			}
			n.must(200, "PUT", "/neutron/lb/vips/"+vip, lb("Vip"), vipBody("10.0.1.10", 8080))
			if v5vip := n.must(200, "GET", "/vips/"+vip, "application/json", nil).(map[string]any); v5vip["protocolPort"] != float64(8080) {
				t.Errorf("updated v5 VIP = %v", v5vip)
			}
			if e := n.must(400, "PUT", "/neutron/lb/vips/"+vip, lb("Vip"), vipBody("10.0.1.11", 80)).(map[string]any); !isRefusal(e["message"], "Update", "VIP IP changed from 10.0.1.10 to 10.0.1.11") {
				t.Errorf("address change answered %v", e)
			}
			if l := n.must(200, "GET", "/neutron/lb/vips", lb("Vips"), nil).([]any); len(l) != 1 {
				t.Errorf("%d VIPs listed, want 1", len(l))
			}

			// The association verbs.
			hm2 := uuid.NewString()
			n.must(201, "POST", "/neutron/lb/health_monitors", lb("HealthMonitor"), map[string]any{"id": hm2,
				"admin_state_up": true, "delay": 1, "max_retries": 1, "timeout": 1})
			code, body := n.doRaw("POST", "/neutron/lb/pools/"+pool+"/health_monitors", restapi.MediaNeutronPoolHealthMonitor,
				`{"id":"`+hm2+`"}`)
			if code.status != 201 || !strings.Contains(body, hm2) ||
				code.location != n.base+"/neutron/lb/pool_health_monitor" {
				t.Errorf("association: %d %s %q", code.status, body, code.location)
			}
			if p := n.must(200, "GET", "/pools/"+pool, "application/json", nil).(map[string]any); p["healthMonitorId"] != hm2 {
				t.Errorf("associated pool = %v", p)
			}
			n.must(204, "DELETE", "/neutron/lb/pools/"+pool+"/health_monitors/"+hm2, "", nil)
			n.must(204, "DELETE", "/neutron/lb/pools/"+pool+"/health_monitors/"+hm2, "", nil)
			if p := n.must(200, "GET", "/pools/"+pool, "application/json", nil).(map[string]any); p["healthMonitorId"] != nil {
				t.Errorf("disassociated pool = %v", p)
			}
			n.must(404, "POST", "/neutron/lb/pools/"+pool+"/health_monitors", restapi.MediaNeutronPoolHealthMonitor,
				map[string]any{"id": uuid.NewString()})
			n.must(404, "POST", "/neutron/lb/pools/"+uuid.NewString()+"/health_monitors",
				restapi.MediaNeutronPoolHealthMonitor, map[string]any{"id": hm2})
			n.must(400, "POST", "/neutron/lb/pools/"+pool+"/health_monitors", restapi.MediaNeutronPoolHealthMonitor,
				map[string]any{"id": "x"})
			n.must(415, "POST", "/neutron/lb/pools/"+pool+"/health_monitors", lb("Pool"), map[string]any{"id": hm2})
			n.must(405, "GET", "/neutron/lb/pools/"+pool+"/health_monitors", "", nil)

			// Refusals with the reference's entities.
			for _, c := range []struct {
				status          int
				path, media     string
				body            map[string]any
				message, prefix string // message: the translator's refusal; prefix: the decoder's
			}{
				{400, "/neutron/lb/pools", lb("Pool"), map[string]any{"id": uuid.NewString()}, "No router ID is specified.", ""},
				{400, "/neutron/lb/pools", lb("Pool"), map[string]any{"id": uuid.NewString(), "router_id": r,
					"health_monitors": []any{hm}}, "A health monitor may be associated with a pool only at the time of the " +
					"health monitor's creation.", ""},
				{404, "/neutron/lb/pools", lb("Pool"), map[string]any{"id": uuid.NewString(), "router_id": uuid.NewString()}, "", ""},
				{409, "/neutron/lb/pools", lb("Pool"), map[string]any{"id": pool, "router_id": r}, "", ""},
				{400, "/neutron/lb/members", lb("PoolMember"), map[string]any{"id": uuid.NewString(), "address": "10.0.0.300"},
					"", "Invalid address"},
				{400, "/neutron/lb/vips", lb("Vip"), map[string]any{"id": "x"}, "", "Invalid id"},
				{404, "/neutron/lb/vips", lb("Vip"), map[string]any{"id": uuid.NewString(), "pool_id": pool,
					"subnet_id": uuid.NewString(), "address": "10.0.1.40"}, "", ""},
				{400, "/neutron/lb/health_monitors", lb("HealthMonitor"), map[string]any{"id": uuid.NewString(), "delay": "x"},
					"", "Malformed JSON"},
				{415, "/neutron/lb/pools", lb("Vip"), map[string]any{"id": uuid.NewString()}, "", ""},
			} {
				e, _ := n.must(c.status, "POST", c.path, c.media, c.body).(map[string]any)
				if c.status == http.StatusUnsupportedMediaType {
					continue // the negotiation's answer, as every other resource's
				}
				msg, _ := e["message"].(string)
				if (c.message != "" && !isRefusal(msg, "Create", c.message)) || !strings.HasPrefix(msg, c.prefix) || e["code"] != float64(c.status) {
					t.Errorf("POST %s %v: %v", c.path, c.body, e)
				}
			}

			// Deletes: idempotent; the last pool takes the load balancer.
			for _, p := range []string{"vips/" + vip, "members/" + m, "health_monitors/" + hm, "health_monitors/" + hm2,
				"pools/" + pool} {
				n.must(204, "DELETE", "/neutron/lb/"+p, "", nil)
				n.must(204, "DELETE", "/neutron/lb/"+p, "", nil)
				n.must(404, "GET", "/neutron/lb/"+p, "", nil)
			}
			if _, ok := n.arpEntries(ext)["10.0.1.10"]; ok {
				t.Error("the VIP's ARP entry survives its delete")
			}
			n.must(404, "GET", "/load_balancers/"+lbID, "application/json", nil)
			for _, l := range []string{"pools", "members", "vips", "health_monitors"} {
				media := map[string]string{"pools": "Pools", "members": "PoolMembers", "vips": "Vips",
					"health_monitors": "HealthMonitors"}[l]
				if got := n.must(200, "GET", "/neutron/lb/"+l, lb(media), nil).([]any); len(got) != 0 {
					t.Errorf("%s left: %v", l, got)
				}
			}
			n.must(204, "DELETE", "/neutron/routers/"+r, "", nil)
		})
	}
}

// lbRawAnswer is a status and the Location header.
type lbRawAnswer struct {
	status   int
	location string
}

// doRaw sends a raw body and returns the status, the Location and the body.
func (n neutronAPI) doRaw(method, path, mediaType, body string) (lbRawAnswer, string) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.base+path, strings.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		n.t.Fatal(err)
	}
	return lbRawAnswer{resp.StatusCode, resp.Header.Get("Location")}, b.String()
}

// arpEntries is a bridge's ARP table read through the v5 API, IP to MAC.
func (n neutronAPI) arpEntries(bridge string) map[string]any {
	n.t.Helper()
	arp := map[string]any{}
	for _, e := range n.must(200, "GET", "/bridges/"+bridge+"/arp_table", "application/json", nil).([]any) {
		arp[e.(map[string]any)["ip"].(string)] = e.(map[string]any)["mac"]
	}
	return arp
}
