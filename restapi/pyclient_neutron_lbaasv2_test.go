package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
)

// TestPythonNeutronLbaasV2Client drives the unmodified
// python-midonetclient's LBaaS v2 mixin (testdata/pyclient_neutron_lbaasv2.py)
// and reads what it left through the v5 API: the load balancer's router,
// VIP router port, HAProxy container and routes (moved by the subnet
// update: the default route via the new gateway, the new host routes, as
// the reference's SubnetTranslator), the VIP, pool, members and health
// monitor with the updates applied, and nothing left of the second load
// balancer.
func TestPythonNeutronLbaasV2Client(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_lbaasv2.py", func(_ context.Context, t *testing.T, n neutronAPI,
		out []byte, _ storage.Conn, _ string) {
		var ids struct {
			LB, Listener, Pool, HM, LB2, Pool2, Member3 string
			VipPort                                     string   `json:"vip_port"`
			VipPort2                                    string   `json:"vip_port2"`
			Members                                     []string `json:"members"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		router := neutron.LbV2RouterID(uuid.MustParse(ids.LB)).String()
		if lb := n.must(200, "GET", "/load_balancers/"+ids.LB, "application/json", nil).(map[string]any); lb["routerId"] != router {
			t.Errorf("load balancer %v", lb)
		}
		sc := neutron.LbV2ServiceContainerID(uuid.MustParse(router)).String()
		if c := n.must(200, "GET", "/service_containers/"+sc, "application/json", nil).(map[string]any); c["serviceType"] != "HAPROXY" ||
			c["configurationId"] != ids.LB {
			t.Errorf("service container %v", c)
		}
		// The VIP router port's routes after the subnet update: the
		// default route via the new gateway and the two new host routes
		// (the VIP subnet's route went with the update, as in the
		// reference); the container port keeps its route.
		vipPeer := neutron.RouterInterfacePeerID(uuid.MustParse(ids.VipPort)).String()
		routes := n.must(200, "GET", "/routers/"+router+"/routes", "application/json", nil).([]any)
		got := map[string]bool{}
		for _, r := range routes {
			m := r.(map[string]any)
			got[fmt.Sprintf("%v %v/%v via %v", m["nextHopPort"] == vipPeer, m["dstNetworkAddr"], m["dstNetworkLength"],
				m["nextHopGateway"])] = true
		}
		for _, want := range []string{"true 0.0.0.0/0 via 10.0.1.254", "true 10.8.0.0/16 via 10.0.1.8",
			"true 10.7.0.0/16 via 10.0.1.7", "false 169.254.0.1/30 via <nil>"} {
			if !got[want] {
				t.Errorf("LB router routes %v lack %q", got, want)
			}
		}
		if len(routes) != 4 {
			t.Errorf("LB router has %d routes, want 4: %v", len(routes), got)
		}
		if v := n.must(200, "GET", "/vips/"+ids.Listener, "application/json", nil).(map[string]any); v["poolId"] != ids.Pool ||
			v["address"] != "10.0.1.4" || fmt.Sprint(v["protocolPort"]) != "80" {
			t.Errorf("VIP %v", v)
		}
		if p := n.must(200, "GET", "/pools/"+ids.Pool, "application/json", nil).(map[string]any); p["healthMonitorId"] != ids.HM ||
			p["loadBalancerId"] != ids.LB {
			t.Errorf("pool %v", p)
		}
		if m := n.must(200, "GET", "/pool_members/"+ids.Members[1], "application/json", nil).(map[string]any); fmt.Sprint(m["weight"]) != "5" ||
			m["adminStateUp"] != false || m["address"] != "10.0.1.21" {
			t.Errorf("updated member %v", m)
		}
		if h := n.must(200, "GET", "/health_monitors/"+ids.HM, "application/json", nil).(map[string]any); fmt.Sprint(h["delay"], h["timeout"], h["maxRetries"]) != "10 20 4" {
			t.Errorf("health monitor %v", h)
		}
		router2 := neutron.LbV2RouterID(uuid.MustParse(ids.LB2)).String()
		for _, path := range []string{"/load_balancers/" + ids.LB2, "/routers/" + router2, "/pools/" + ids.Pool2,
			"/pool_members/" + ids.Member3, "/ports/" + ids.VipPort2,
			"/service_containers/" + neutron.LbV2ServiceContainerID(uuid.MustParse(router2)).String()} {
			n.must(404, "GET", path, "application/json", nil)
		}
	})
}
