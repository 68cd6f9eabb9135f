package restapi_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/neutron"
)

// lbV2World is a VIP v2 port on a subnet (gateway 10.0.1.1, one host
// route) made through /neutron.
type lbV2World struct {
	net, sub, vipPort string
}

func newLbV2World(n neutronAPI) lbV2World {
	w := lbV2World{net: uuid.NewString(), sub: uuid.NewString(), vipPort: uuid.NewString()}
	n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": w.net, "admin_state_up": true,
		"tenant_id": "t"})
	n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", map[string]any{"id": w.sub, "network_id": w.net,
		"tenant_id": "t", "ip_version": 4, "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1", "enable_dhcp": true,
		"host_routes": []map[string]any{{"destination": "10.9.0.0/16", "nexthop": "10.0.1.9"}}})
	n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", map[string]any{"id": w.vipPort, "network_id": w.net,
		"tenant_id": "t", "admin_state_up": true, "device_owner": "neutron:LOADBALANCERV2", "mac_address": "fa:16:3e:aa:bb:cc",
		"fixed_ips": []map[string]any{{"ip_address": "10.0.1.4", "subnet_id": w.sub}}})
	return w
}

const (
	lbV2Type       = neutronVnd + "lb.LoadBalancerV2-v1+json"
	listenerV2Type = neutronVnd + "lb.ListenerV2-v1+json"
	poolV2Type     = neutronVnd + "lb.PoolV2-v1+json"
	memberV2Type   = neutronVnd + "lb.PoolMemberV2-v1+json"
	hmV2Type       = neutronVnd + "lb.HealthMonitorV2-v1+json"
)

// checkLbV2Topology reads the translation of load balancer lb on the VIP
// port vipPort through the v5 API: the load balancer on its router, the
// VIP router port, the HAProxy container, its group and port, the
// router's routes (VIP subnet, container subnet, default via gw, one
// per host route).
func checkLbV2Topology(t *testing.T, n neutronAPI, lb, vipPort, gw string, hostRoutes int) {
	t.Helper()
	lbID, vipID := uuid.MustParse(lb), uuid.MustParse(vipPort)
	router := neutron.LbV2RouterID(lbID).String()
	sc := neutron.LbV2ServiceContainerID(uuid.MustParse(router)).String()
	scg := neutron.LbV2ServiceContainerGroupID(uuid.MustParse(router)).String()
	scp := neutron.LbV2ServiceContainerPortID(uuid.MustParse(router)).String()
	vipPeer := neutron.RouterInterfacePeerID(vipID).String()

	got := n.must(200, "GET", "/load_balancers/"+lb, "application/json", nil).(map[string]any)
	if got["routerId"] != router || got["adminStateUp"] != true {
		t.Errorf("load balancer %v", got)
	}
	if r := n.must(200, "GET", "/routers/"+router, "application/json", nil).(map[string]any); r["loadBalancerId"] != lb ||
		r["inboundFilterId"] != neutron.InChainID(uuid.MustParse(router)).String() {
		t.Errorf("LB router %v", r)
	}
	p := n.must(200, "GET", "/ports/"+vipPeer, "application/json", nil).(map[string]any)
	// The v5 port shows its first port subnet as portAddress (the VIP
	// subnet's address here), as the reference's RouterPort does.
	if p["peerId"] != vipPort || fmt.Sprint(p["portSubnet"]) != "[10.0.1.0/24]" || p["deviceId"] != router ||
		p["portMac"] != "fa:16:3e:aa:bb:cc" {
		t.Errorf("VIP router port %v", p)
	}
	c := n.must(200, "GET", "/service_containers/"+sc, "application/json", nil).(map[string]any)
	if c["serviceType"] != "HAPROXY" || c["configurationId"] != lb || c["portId"] != scp || c["serviceGroupId"] != scg {
		t.Errorf("service container %v", c)
	}
	n.must(200, "GET", "/service_container_groups/"+scg, "application/json", nil)
	if cp := n.must(200, "GET", "/ports/"+scp, "application/json", nil).(map[string]any); cp["portAddress"] != "169.254.0.1" ||
		cp["networkAddress"] != "169.254.0.0" || fmt.Sprint(cp["networkLength"]) != "30" {
		t.Errorf("container port %v", cp)
	}
	routes := n.must(200, "GET", "/routers/"+router+"/routes", "application/json", nil).([]any)
	via := map[string]int{}
	for _, r := range routes {
		m := r.(map[string]any)
		via[fmt.Sprintf("%v/%v via %v", m["dstNetworkAddr"], m["dstNetworkLength"], m["nextHopGateway"])]++
	}
	if len(routes) != 3+hostRoutes || via["0.0.0.0/0 via "+gw] != 1 {
		t.Errorf("LB router routes %v", via)
	}
}

// TestNeutronLbaasV2: the five LBaaS v2 resources over HTTP on both
// backends: creates, updates and deletes read back through the v5 API
// (the reference's LoadBalancerV2IT, ListenerV2TranslatorIT,
// LoadBalancerV2PoolTranslatorIT, HealthMonitorV2IT), the reference's
// errors for bad input, nothing stored under /neutron.
func TestNeutronLbaasV2(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			w := newLbV2World(n)
			lb := uuid.NewString()
			body := map[string]any{"id": lb, "tenant_id": "t", "name": "lb", "admin_state_up": true,
				"vip_port_id": w.vipPort, "vip_subnet_id": w.sub, "vip_address": "10.0.1.4", "provisioning_status": "active"}
			got := n.must(201, "POST", "/neutron/lbs_v2", lbV2Type, body).(map[string]any)
			if got["id"] != lb || got["vip_address"] != "10.0.1.4" || got["provisioning_status"] != "ACTIVE" ||
				fmt.Sprint(got["listeners"]) != "[]" {
				t.Errorf("load balancer answered %v", got)
			}
			checkLbV2Topology(t, n, lb, w.vipPort, "10.0.1.1", 1)
			// Not stored: GET finds nothing, the list is empty.
			n.must(404, "GET", "/neutron/lbs_v2/"+lb, lbV2Type, nil)
			if l := n.must(200, "GET", "/neutron/lbs_v2", neutronVnd+"lb.LoadBalancersV2-v1+json", nil).([]any); len(l) != 0 {
				t.Errorf("load balancers listed: %v", l)
			}
			// The PUT changes the load balancer's admin state.
			body["admin_state_up"] = false
			if got := n.must(200, "PUT", "/neutron/lbs_v2/"+lb, lbV2Type, body).(map[string]any); got["admin_state_up"] != false {
				t.Errorf("PUT answered %v", got)
			}
			if got := n.must(200, "GET", "/load_balancers/"+lb, "application/json", nil).(map[string]any); got["adminStateUp"] != false {
				t.Errorf("load balancer after PUT %v", got)
			}

			lbs := []map[string]any{{"id": lb}}
			listener := uuid.NewString()
			n.must(201, "POST", "/neutron/listeners_v2", listenerV2Type, map[string]any{"id": listener, "tenant_id": "t",
				"admin_state_up": true, "loadbalancers": lbs, "protocol_port": 8080})
			if v := n.must(200, "GET", "/vips/"+listener, "application/json", nil).(map[string]any); v["address"] != "10.0.1.4" ||
				fmt.Sprint(v["protocolPort"]) != "8080" || v["poolId"] != nil {
				t.Errorf("VIP of the listener %v", v)
			}
			pool := uuid.NewString()
			n.must(201, "POST", "/neutron/pools_v2", poolV2Type, map[string]any{"id": pool, "tenant_id": "t",
				"admin_state_up": true, "lb_algorithm": "round_robin", "protocol": "tcp", "loadbalancers": lbs,
				"listener_id": listener, "session_persistence": map[string]any{"type": "SOURCE_IP"}})
			if p := n.must(200, "GET", "/pools/"+pool, "application/json", nil).(map[string]any); p["loadBalancerId"] != lb ||
				p["lbMethod"] != "ROUND_ROBIN" || p["protocol"] != "TCP" {
				t.Errorf("pool %v", p)
			}
			if v := n.must(200, "GET", "/vips/"+listener, "application/json", nil).(map[string]any); v["poolId"] != pool {
				t.Errorf("VIP after the pool named its listener %v", v)
			}
			member := uuid.NewString()
			n.must(201, "POST", "/neutron/pool_members_v2", memberV2Type, map[string]any{"id": member, "tenant_id": "t",
				"address": "10.0.1.20", "admin_state_up": true, "protocol_port": 80, "weight": 3, "subnet_id": w.sub,
				"pool_id": pool})
			n.must(200, "PUT", "/neutron/pool_members_v2/"+member, memberV2Type, map[string]any{"address": "10.0.1.99",
				"admin_state_up": false, "protocol_port": 81, "weight": 7, "pool_id": pool})
			// Admin state down: a monitored member reads INACTIVE.
			if m := n.must(200, "GET", "/pool_members/"+member, "application/json", nil).(map[string]any); m["address"] != "10.0.1.20" ||
				fmt.Sprint(m["weight"]) != "7" || m["adminStateUp"] != false || fmt.Sprint(m["protocolPort"]) != "80" ||
				m["status"] != "INACTIVE" {
				t.Errorf("pool member %v", m)
			}
			hm := uuid.NewString()
			n.must(201, "POST", "/neutron/health_monitors_v2", hmV2Type, map[string]any{"id": hm, "tenant_id": "t",
				"admin_state_up": true, "delay": 1, "timeout": 2, "max_retries": 3, "type": "TCP",
				"pools": []map[string]any{{"id": pool}}})
			n.must(200, "PUT", "/neutron/health_monitors_v2/"+hm, hmV2Type, map[string]any{"admin_state_up": true,
				"delay": 5, "timeout": 6, "max_retries": 7})
			if h := n.must(200, "GET", "/health_monitors/"+hm, "application/json", nil).(map[string]any); fmt.Sprint(h["delay"], h["timeout"], h["maxRetries"]) != "5 6 7" {
				t.Errorf("health monitor %v", h)
			}
			if p := n.must(200, "GET", "/pools/"+pool, "application/json", nil).(map[string]any); p["healthMonitorId"] != hm {
				t.Errorf("pool without its health monitor %v", p)
			}
			// A listener PUT without a default pool clears the VIP's.
			n.must(200, "PUT", "/neutron/listeners_v2/"+listener, listenerV2Type, map[string]any{"admin_state_up": true,
				"loadbalancers": lbs, "protocol_port": 8080})
			if v := n.must(200, "GET", "/vips/"+listener, "application/json", nil).(map[string]any); v["poolId"] != nil {
				t.Errorf("VIP after clearing the default pool %v", v)
			}

			// Bad input: the reference's statuses and messages.
			msg := func(status int, path, mt string, body map[string]any, want string) {
				t.Helper()
				got := n.must(status, "POST", path, mt, body).(map[string]any)
				if want != "" && !isRefusal(got["message"], "Create", want) {
					t.Errorf("POST %s %v: message %q, want %q", path, body, got["message"], want)
				}
			}
			msg(400, "/neutron/lbs_v2", lbV2Type, map[string]any{"id": uuid.NewString(), "vip_subnet_id": w.sub,
				"vip_address": "10.0.1.4"}, "VIP port must be created and specified along with the VIP address.")
			msg(404, "/neutron/lbs_v2", lbV2Type, map[string]any{"id": uuid.NewString(), "vip_port_id": uuid.NewString(),
				"vip_subnet_id": uuid.NewString(), "vip_address": "10.0.1.4"}, "")
			msg(400, "/neutron/lbs_v2", lbV2Type, map[string]any{"id": "not-a-uuid"}, "")
			msg(400, "/neutron/pools_v2", poolV2Type, map[string]any{"id": uuid.NewString(), "protocol": "HTTP",
				"loadbalancers": lbs}, "Unsupported protocol: HTTP")
			msg(400, "/neutron/pools_v2", poolV2Type, map[string]any{"id": uuid.NewString(), "protocol": "TCP"},
				"A LBaaS V2 pool must have one and only one Load Balancer parent")
			msg(400, "/neutron/pools_v2", poolV2Type, map[string]any{"id": uuid.NewString(), "loadbalancers": lbs,
				"session_persistence": map[string]any{"type": "APP_COOKIE", "cookie_name": "c"}},
				"Unsupported session persistence type: APP_COOKIE")
			msg(400, "/neutron/listeners_v2", listenerV2Type, map[string]any{"id": uuid.NewString(), "protocol_port": 80},
				"Listener must have one and only one load balancer ID")
			msg(404, "/neutron/listeners_v2", listenerV2Type, map[string]any{"id": uuid.NewString(),
				"loadbalancers": []map[string]any{{"id": uuid.NewString()}}}, "")
			msg(404, "/neutron/pool_members_v2", memberV2Type, map[string]any{"id": uuid.NewString(), "address": "10.0.1.5",
				"pool_id": uuid.NewString()}, "")
			msg(400, "/neutron/pool_members_v2", memberV2Type, map[string]any{"id": uuid.NewString(), "address": "10.0.1.500",
				"pool_id": pool}, "")
			msg(400, "/neutron/pool_members_v2", memberV2Type, map[string]any{"id": uuid.NewString(), "pool_id": pool},
				"A pool member must have an address")
			n.must(404, "PUT", "/neutron/lbs_v2/"+uuid.NewString(), lbV2Type, body)
			n.must(404, "DELETE", "/neutron/pools_v2/"+uuid.NewString(), "", nil)
			for _, path := range []string{"lbs_v2", "listeners_v2", "pool_members_v2", "health_monitors_v2"} {
				n.must(204, "DELETE", "/neutron/"+path+"/"+uuid.NewString(), "", nil)
			}

			// Deletes, in Neutron's order.
			n.must(204, "DELETE", "/neutron/pool_members_v2/"+member, "", nil)
			n.must(404, "GET", "/pool_members/"+member, "application/json", nil)
			n.must(204, "DELETE", "/neutron/health_monitors_v2/"+hm, "", nil)
			n.must(404, "GET", "/health_monitors/"+hm, "application/json", nil)
			n.must(204, "DELETE", "/neutron/pools_v2/"+pool, "", nil)
			n.must(404, "GET", "/pools/"+pool, "application/json", nil)
			n.must(204, "DELETE", "/neutron/listeners_v2/"+listener, "", nil)
			n.must(404, "GET", "/vips/"+listener, "application/json", nil)
			n.must(204, "DELETE", "/neutron/lbs_v2/"+lb, "", nil)
			router := neutron.LbV2RouterID(uuid.MustParse(lb)).String()
			for _, path := range []string{"/load_balancers/" + lb, "/routers/" + router,
				"/ports/" + neutron.RouterInterfacePeerID(uuid.MustParse(w.vipPort)).String(),
				"/service_containers/" + neutron.LbV2ServiceContainerID(uuid.MustParse(router)).String()} {
				n.must(404, "GET", path, "application/json", nil)
			}
			if p := n.must(200, "GET", "/ports/"+w.vipPort, "application/json", nil).(map[string]any); p["peerId"] != nil {
				t.Errorf("VIP port still peered %v", p)
			}
		})
	}
}
