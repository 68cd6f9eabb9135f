package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/restapi"
)

// TestNeutronAbuse sends every abuse value (abuseValues) as each field of
// each Neutron resource's body, as a create and as an update (logging
// resources, which have no POST, as an update; firewall rules inside a
// firewall's create), plus malformed whole bodies and lists, on mem and
// ZooKeeper: no answer is a
// 5xx, a refused create leaves neither the Neutron object nor its
// translation, and the store is consistent at the end.
func TestNeutronAbuse(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			ctx := context.Background()
			conn, root := sb.connect(t)
			st := openZoomStore(t, conn, root)
			base := serveStore(t, st, nil, restapi.Options{MaxBodyBytes: 64 << 10, MaxStringBytes: 1 << 10,
				StateTables: restapi.NewZoomStateTables(st)})
			n := neutronAPI{t: t, base: base}
			net, sub, sg := uuid.NewString(), uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": net})
			n.must(201, "POST", "/neutron/subnets", neutronVnd+"Subnet-v1+json", map[string]any{"id": sub,
				"network_id": net, "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "ip_version": 4, "enable_dhcp": true})
			n.must(201, "POST", "/neutron/security_groups", neutronVnd+"SecurityGroup-v1+json", map[string]any{"id": sg})
			rtr := uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": rtr})
			pool := uuid.NewString()
			n.must(201, "POST", "/neutron/lb/pools", neutronVnd+"lb.Pool-v1+json", map[string]any{"id": pool,
				"router_id": rtr, "admin_state_up": true})

			gwDev, gwNet := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": gwNet})
			n.must(201, "POST", "/neutron/gateway_devices", neutronVnd+"GatewayDevice-v1+json", map[string]any{"id": gwDev,
				"type": "router_vtep", "resource_id": rtr, "tunnel_ips": []any{"30.0.0.1"}})

			// A router with a gateway and a VPN service on it, for the
			// VPNaaS targets.
			vpnRtr, _, _, _ := vpnRouter(n, "10.0.0.5")
			vpn := uuid.NewString()
			n.must(201, "POST", "/neutron/vpnservices", neutronVnd+"VPNService-v1+json", map[string]any{"id": vpn,
				"router_id": vpnRtr})

			// A firewall and a logging resource for the firewall log target.
			logFw, lr := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/firewalls", neutronVnd+"Firewall-v1+json", map[string]any{"id": logFw,
				"admin_state_up": true})

			type target struct {
				path, media string
				seed        map[string]any
				model       proto.Message
			}
			targets := []target{
				{"networks", "Network", map[string]any{"name": "n", "tenant_id": "t", "admin_state_up": true,
					"shared": false, "router:external": false, "provider:network_type": "local", "qos_policy_id": nil,
					"status": "ACTIVE"}, &models.NeutronNetwork{}},
				{"subnets", "Subnet", map[string]any{"network_id": net, "cidr": "10.0.9.0/24", "gateway_ip": "10.0.9.1",
					"ip_version": 4, "enable_dhcp": true, "dns_nameservers": []any{"8.8.8.8"},
					"allocation_pools": []any{map[string]any{"start": "10.0.9.2", "end": "10.0.9.9"}},
					"host_routes":      []any{map[string]any{"destination": "10.1.0.0/16", "nexthop": "10.0.9.5"}},
					"name":             "s", "tenant_id": "t", "shared": false}, &models.NeutronSubnet{}},
				{"ports", "Port", map[string]any{"network_id": net, "mac_address": "fa:16:3e:00:00:01",
					"fixed_ips":    []any{map[string]any{"ip_address": "10.0.0.7", "subnet_id": sub}},
					"device_owner": "compute:nova", "device_id": "vm", "security_groups": []any{sg},
					"allowed_address_pairs": []any{map[string]any{"ip_address": "10.0.0.8", "mac_address": "fa:16:3e:00:00:02"}},
					"extra_dhcp_opts":       []any{map[string]any{"opt_name": "mtu", "opt_value": "1400"}},
					"binding:host_id":       nil, "binding:profile": map[string]any{"interface_name": "tap0"},
					"port_security_enabled": true, "admin_state_up": true, "name": "p", "tenant_id": "t"}, &models.NeutronPort{}},
				{"security_groups", "SecurityGroup", map[string]any{"name": "g", "description": "d", "tenant_id": "t",
					"security_group_rules": []any{map[string]any{"id": uuid.NewString(), "security_group_id": nil,
						"direction": "ingress", "protocol": "tcp", "ethertype": "IPv4", "port_range_min": 1,
						"port_range_max": 2, "remote_ip_prefix": "10.0.0.0/8"}}}, &models.SecurityGroup{}},
				{"security_group_rules", "SecurityGroupRule", map[string]any{"security_group_id": sg, "direction": "egress",
					"protocol": "icmp", "ethertype": "IPv4", "port_range_min": 8, "port_range_max": 0,
					"remote_group_id": sg, "remote_ip_prefix": nil, "tenant_id": "t"}, &models.SecurityGroupRule{}},
				{"bgp_peers", "BgpPeer", map[string]any{"peer_ip": "10.9.0.1", "remote_as": 65001, "auth_type": "md5",
					"password": "p", "name": "p", "tenant_id": "t", "bgp_speaker": map[string]any{"id": uuid.NewString(),
						"local_as": 64512, "ip_version": 4, "logical_router": rtr, "del_bgp_peer_ids": []any{}}},
					&models.NeutronBgpPeer{}},
				{"gateway_devices", "GatewayDevice", map[string]any{"type": "router_vtep", "resource_id": rtr,
					"tunnel_ips": []any{"30.0.0.2"}, "management_ip": "10.9.0.2", "management_port": 6632,
					"management_protocol": "ovsdb"}, &models.GatewayDevice{}},
				{"remote_mac_entries", "RemoteMacEntry", map[string]any{"device_id": gwDev, "vtep_address": "10.9.0.3",
					"mac_address": "fa:16:3e:00:00:03", "segmentation_id": 100}, &models.RemoteMacEntry{}},
				{"l2_gateway_connections", "L2GatewayConnection", map[string]any{"network_id": net, "segmentation_id": 100,
					"tenant_id": "t", "l2_gateway": map[string]any{"id": uuid.NewString(), "name": "g", "tenant_id": "t",
						"devices": []any{map[string]any{"device_id": gwDev, "segmentation_id": 100}}}},
					&models.L2GatewayConnection{}},
				{"lb/pools", "lb.Pool", map[string]any{"router_id": rtr, "subnet_id": sub, "admin_state_up": true,
					"name": "p", "description": "d", "lb_method": "ROUND_ROBIN", "protocol": "TCP", "tenant_id": "t",
					"health_monitors": nil, "members": []any{}, "status": "ACTIVE"}, &models.Pool{}},
				{"lb/members", "lb.PoolMember", map[string]any{"pool_id": pool, "address": "10.0.0.5",
					"protocol_port": 80, "weight": 1, "admin_state_up": true, "status": "ACTIVE", "tenant_id": "t"},
					&models.PoolMember{}},
				{"lb/vips", "lb.Vip", map[string]any{"pool_id": pool, "subnet_id": sub, "address": "10.0.0.6",
					"protocol_port": 80, "connection_limit": 5, "admin_state_up": true, "name": "v",
					"session_persistence": map[string]any{"type": "SOURCE_IP", "cookie_name": "c"}}, &models.Vip{}},
				{"lb/health_monitors", "lb.HealthMonitor", map[string]any{"delay": 1, "max_retries": 2, "timeout": 3,
					"type": "TCP", "admin_state_up": true, "pools": []any{map[string]any{"pool_id": pool}}},
					&models.HealthMonitor{}},
				{"vpnservices", "VPNService", map[string]any{"router_id": vpnRtr, "name": "v", "description": "d",
					"admin_state_up": true, "tenant_id": "t"}, &models.VpnService{}},
				{"ipsec_site_connections", "IpsecSiteConnection", ipsecAbuseSeed(vpn), &models.IPSecSiteConnection{}},
				{"firewalls", "Firewall", map[string]any{"tenant_id": "t", "name": "f", "description": "d",
					"admin_state_up": true, "shared": false, "status": "ACTIVE", "firewall_policy_id": uuid.NewString(),
					"firewall_rule_list": []any{}, "add-router-ids": []any{rtr}, "del-router-ids": []any{},
					"last-router": false}, &models.NeutronFirewall{}},
				{"firewall_logs", "FirewallLog", map[string]any{"tenant_id": "t", "description": "d", "firewall_id": logFw,
					"logging_resource_id": lr, "fw_event": "ALL", "logging_resource": map[string]any{"id": lr, "enabled": true}},
					&models.RuleLogger{}},
			}
			values := abuseValues(1 << 10)
			sent := 0
			send := func(method, path, media string, body []byte) int {
				t.Helper()
				a, err := rawTry(base, method, path, bytes.NewReader(body), map[string]string{"Content-Type": media})
				sent++
				if err != nil {
					t.Fatalf("%.200q: %v", body, err)
				}
				if a.status >= 500 {
					t.Errorf("%s %s %.200q: %d %.300s", method, path, body, a.status, a.body)
				}
				return a.status
			}
			for _, tg := range targets {
				single, plural := neutronVnd+tg.media+"-v1+json", neutronVnd+tg.media+"s-v1+json"
				for _, b := range []string{`{`, `nul`, `[`, `0`, `""`, `null`, `[]`, `[null]`, `[0]`, `{"id":"x"}`,
					`{"id":"` + strings.Repeat("a", 2<<10) + `"}`} {
					send("POST", "/neutron/"+tg.path, single, []byte(b))
					send("POST", "/neutron/"+tg.path, plural, []byte(b))
				}
				existing := uuid.NewString()
				seed := map[string]any{"id": existing}
				for k, v := range tg.seed {
					seed[k] = v
				}
				if tg.path == "l2_gateway_connections" {
					seed["network_id"] = gwNet // the abuse's creates use net
				}
				if tg.path == "ports" {
					seed["fixed_ips"] = []any{map[string]any{"ip_address": "10.0.0.200", "subnet_id": sub}}
					seed["mac_address"] = "fa:16:3e:00:00:c8"
				}
				n.must(201, "POST", "/neutron/"+tg.path, single, seed)
				for field := range tg.seed {
					for _, v := range values {
						id := uuid.NewString()
						body := map[string]any{"id": id}
						for k, x := range tg.seed {
							body[k] = x
						}
						body[field] = json.RawMessage(v)
						data, _ := json.Marshal(body)
						if code := send("POST", "/neutron/"+tg.path, single, data); code >= 400 {
							gid := uuid.MustParse(id)
							for _, m := range []proto.Message{tg.model, &models.Network{}, &models.Port{}, &models.Dhcp{}, &models.IPAddrGroup{}} {
								if ok, err := st.Exists(ctx, m, gid); err == nil && ok {
									t.Errorf("refused create (%d) of %s with %s=%.60s left a %T", code, tg.path, field, v, m)
								}
							}
						} else if code == 201 {
							send("DELETE", "/neutron/"+tg.path+"/"+id, "", nil)
						}
						body["id"] = existing
						data, _ = json.Marshal(body)
						send("PUT", "/neutron/"+tg.path+"/"+existing, single, data)
					}
				}
			}
			// Firewall rules' fields inside a firewall, and logging
			// resources, which have PUT only.
			rule := fwRuleJSON(uuid.NewString(), nil)
			for field := range rule {
				for _, v := range values {
					r := maps.Clone(rule)
					r["id"], r[field] = uuid.NewString(), json.RawMessage(v)
					data, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "admin_state_up": true,
						"firewall_rule_list": []any{r}})
					send("POST", "/neutron/firewalls", neutronVnd+"Firewall-v1+json", data)
				}
			}
			for _, field := range []string{"name", "description", "tenant_id", "enabled", "id"} {
				for _, v := range values {
					body := map[string]any{"id": lr, "enabled": true}
					body[field] = json.RawMessage(v)
					data, _ := json.Marshal(body)
					send("PUT", "/neutron/logging_resources/"+lr, neutronVnd+"LoggingResource-v1+json", data)
				}
			}
			t.Logf("%d requests", sent)
			report, err := consistency.Check(ctx, conn, root, consistency.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range report.Findings {
				t.Errorf("after the abuse: %s", f)
			}
			// The seed connection's container only: no refused or deleted
			// connection left one.
			scs, err := st.GetAll(ctx, &models.ServiceContainer{})
			ipsec := 0
			for _, sc := range scs {
				if sc.(*models.ServiceContainer).GetServiceType() == "IPSEC" {
					ipsec++
				}
			}
			if err != nil || ipsec != 1 {
				t.Errorf("%d IPSEC containers after the abuse (%v), want the seed connection's", ipsec, err)
			}
		})
	}
}

// ipsecAbuseSeed is a valid IPsec site connection of vpn without its id.
func ipsecAbuseSeed(vpn string) map[string]any {
	seed := ipsecConnectionJSON("", vpn, []string{"10.1.0.0/24"}, []string{"20.1.0.0/24"})
	delete(seed, "id")
	return seed
}
