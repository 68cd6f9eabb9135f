package cluster_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/internal/agenttest"
	"github.com/midonet/midonet-go/restapi/client"
)

const neutronMedia = "application/vnd.org.midonet.neutron."

// neutronContainerCases are the Neutron services whose translation makes
// a service container: each creates its objects through /neutron and
// returns the container's configuration id (the router it serves, the
// load balancer for HAProxy), its type and its interface prefix.
var neutronContainerCases = []struct {
	name     string
	create   func(t *testing.T, api *client.Client) (configuration string)
	typ      string
	ifPrefix string
}{
	{"BGP speaker's first peer", func(t *testing.T, api *client.Client) string {
		ctx := context.Background()
		router := uuid.NewString()
		if _, err := api.Do(ctx, "POST", "neutron/routers", neutronMedia+"Router-v1+json", neutronMedia+"Router-v1+json",
			map[string]any{"id": router, "name": "bgp", "tenant_id": "tenant"}, nil); err != nil {
			t.Fatal(err)
		}
		speaker := map[string]any{"id": uuid.NewString(), "local_as": 64512, "ip_version": 4, "logical_router": router}
		if _, err := api.Do(ctx, "POST", "neutron/bgp_peers", neutronMedia+"BgpPeer-v1+json", neutronMedia+"BgpPeer-v1+json",
			map[string]any{"id": uuid.NewString(), "tenant_id": "tenant", "peer_ip": "10.9.0.1", "remote_as": 65001,
				"auth_type": "none", "password": "", "bgp_speaker": speaker}, nil); err != nil {
			t.Fatal(err)
		}
		return router
	}, "QUAGGA", "bgp"},
	{"VPN service's first IPsec site connection", func(t *testing.T, api *client.Client) string {
		router, gw, ext, sn, vpn := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
		for _, o := range []struct {
			path, kind string
			body       map[string]any
		}{
			{"networks", "Network", map[string]any{"id": ext, "admin_state_up": true, "router:external": true}},
			{"subnets", "Subnet", map[string]any{"id": sn, "network_id": ext, "cidr": "172.24.0.0/24", "ip_version": 4,
				"gateway_ip": "172.24.0.1", "enable_dhcp": true}},
			{"ports", "Port", map[string]any{"id": gw, "network_id": ext, "admin_state_up": true,
				"device_owner": "network:router_gateway", "device_id": router, "mac_address": "fa:16:3e:00:0b:01",
				"fixed_ips": []any{map[string]any{"ip_address": "172.24.0.5", "subnet_id": sn}}}},
			{"routers", "Router", map[string]any{"id": router, "name": "vpn", "tenant_id": "tenant", "gw_port_id": gw,
				"admin_state_up": true}},
			{"vpnservices", "VPNService", map[string]any{"id": vpn, "tenant_id": "tenant", "router_id": router,
				"admin_state_up": true}},
			{"ipsec_site_connections", "IpsecSiteConnection", map[string]any{"id": uuid.NewString(), "tenant_id": "tenant",
				"vpnservice_id": vpn, "peer_address": "192.0.2.1", "peer_id": "192.0.2.1", "psk": "secret",
				"local_cidrs": []string{"10.10.0.0/24"}, "peer_cidrs": []string{"10.20.0.0/24"}, "admin_state_up": true}},
		} {
			media := neutronMedia + o.kind + "-v1+json"
			if _, err := api.Do(context.Background(), "POST", "neutron/"+o.path, media, media, o.body, nil); err != nil {
				t.Fatalf("POST %s: %v", o.path, err)
			}
		}
		return router
	}, "IPSEC", "vpn"},
	{"LBaaS v2 load balancer", func(t *testing.T, api *client.Client) string {
		ctx := context.Background()
		net, sub, vip, lb := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
		for _, o := range []struct {
			path, media string
			body        map[string]any
		}{
			{"neutron/networks", "Network", map[string]any{"id": net, "tenant_id": "tenant", "admin_state_up": true}},
			{"neutron/subnets", "Subnet", map[string]any{"id": sub, "network_id": net, "tenant_id": "tenant",
				"ip_version": 4, "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1", "enable_dhcp": true}},
			{"neutron/ports", "Port", map[string]any{"id": vip, "network_id": net, "tenant_id": "tenant",
				"admin_state_up": true, "device_owner": "neutron:LOADBALANCERV2", "mac_address": "fa:16:3e:00:00:04",
				"fixed_ips": []map[string]any{{"ip_address": "10.0.1.4", "subnet_id": sub}}}},
			{"neutron/lbs_v2", "lb.LoadBalancerV2", map[string]any{"id": lb, "tenant_id": "tenant", "admin_state_up": true,
				"vip_port_id": vip, "vip_subnet_id": sub, "vip_address": "10.0.1.4"}},
		} {
			mt := neutronMedia + o.media + "-v1+json"
			if _, err := api.Do(ctx, "POST", o.path, mt, mt, o.body, nil); err != nil {
				t.Fatal(err)
			}
		}
		return lb
	}, "HAPROXY", "hpx"},
}

// TestNeutronServiceContainersScheduled: the service containers Neutron
// translations make are scheduled by the containers service onto a live
// agent's host (the port bound, its interface named by the service type)
// and move when that agent dies, on mem and ZooKeeper.
func TestNeutronServiceContainersScheduled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		cfg, _ := nodeOn(t, b)
		cfg.APIHandler = cluster.StandardAPI
		api := client.New(httpURL(start(t, cfg).node, "/midonet-api"))
		for _, c := range neutronContainerCases {
			t.Run(c.name, func(t *testing.T) {
				// Each case has agents of its own, gone at its end: an
				// agent the placement restarts belongs to the sub-test
				// that restarted it (its session closes with that
				// sub-test), so a later case cannot count on it.
				h1, h2 := uuid.New(), uuid.New()
				agents := map[string]*agenttest.Agent{h1.String(): startAgent(t, b, h1), h2.String(): startAgent(t, b, h2)}
				defer func() {
					for _, a := range agents {
						a.Die(t)
					}
				}()
				router := c.create(t, api)
				all, err := api.ServiceContainers().List(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				var sc *client.ServiceContainer
				for i := range all {
					if all[i].ConfigurationID != nil && *all[i].ConfigurationID == router {
						sc = &all[i]
					}
				}
				if sc == nil || sc.ServiceType != c.typ || sc.PortID == nil {
					t.Fatalf("no %s container for router %s among %+v", c.typ, router, all)
				}
				placed := followContainer(t, b, api, agents, sc.ID)
				p, err := api.Ports().Get(ctx, *sc.PortID)
				if err != nil || p.InterfaceName == nil || *p.InterfaceName != c.ifPrefix+"-"+(*sc.PortID)[:8] {
					t.Fatalf("container port %+v, %v: want interface %s-%s", p, err, c.ifPrefix, (*sc.PortID)[:8])
				}
				placed.moves("agent death")
			})
		}
	})
}
