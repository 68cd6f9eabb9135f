package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
)

// TestPythonNeutronLbaasV1Client drives the unmodified
// python-midonetclient's LBaaS v1 mixins (testdata/pyclient_neutron_lbaas_v1.py)
// and reads what they left through the v5 API: the router's load
// balancer, the pool with its health monitor (re-associated by the
// association verb), the remaining member, the VIP with the gateway MAC
// in the external ARP table (the deleted VIP's entry gone), a consistent
// store.
func TestPythonNeutronLbaasV1Client(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_lbaas_v1.py", func(ctx context.Context, t *testing.T, n neutronAPI,
		out []byte, conn storage.Conn, root string) {
		var ids struct {
			Router, External, Pool, Member, Vip string
			GoneMember                          string `json:"gone_member"`
			HealthMonitor                       string `json:"health_monitor"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		lbID := neutron.LbV1LoadBalancerID(uuid.MustParse(ids.Router)).String()
		lb := n.must(200, "GET", "/load_balancers/"+lbID, "application/json", nil).(map[string]any)
		if lb["routerId"] != ids.Router || lb["adminStateUp"] != true {
			t.Errorf("load balancer = %v", lb)
		}
		pool := n.must(200, "GET", "/pools/"+ids.Pool, "application/json", nil).(map[string]any)
		if pool["loadBalancerId"] != lbID || pool["adminStateUp"] != false || pool["healthMonitorId"] != ids.HealthMonitor {
			t.Errorf("pool = %v", pool)
		}
		members := n.must(200, "GET", "/pools/"+ids.Pool+"/pool_members", "application/json", nil).([]any)
		if len(members) != 1 {
			t.Fatalf("pool members %v, want %s only", members, ids.Member)
		}
		m := members[0].(map[string]any)
		if m["id"] != ids.Member || m["address"] != "10.0.0.10" || m["protocolPort"] != float64(8080) ||
			m["weight"] != float64(9) || m["status"] != "ACTIVE" {
			t.Errorf("pool member = %v", m)
		}
		n.must(404, "GET", "/pool_members/"+ids.GoneMember, "application/json", nil)
		hm := n.must(200, "GET", "/health_monitors/"+ids.HealthMonitor, "application/json", nil).(map[string]any)
		if hm["delay"] != float64(7) || hm["timeout"] != float64(3) || hm["maxRetries"] != float64(2) ||
			hm["type"] != "TCP" || hm["status"] != "ACTIVE" {
			t.Errorf("health monitor = %v", hm)
		}
		if hms := n.must(200, "GET", "/health_monitors", "application/json", nil).([]any); len(hms) != 1 {
			t.Errorf("health monitors %v, want one", hms)
		}
		vip := n.must(200, "GET", "/vips/"+ids.Vip, "application/json", nil).(map[string]any)
		if vip["poolId"] != ids.Pool || vip["address"] != "172.24.4.10" || vip["protocolPort"] != float64(8080) ||
			vip["sessionPersistence"] != "SOURCE_IP" {
			t.Errorf("VIP = %v", vip)
		}
		if vips := n.must(200, "GET", "/load_balancers/"+lbID+"/vips", "application/json", nil).([]any); len(vips) != 1 {
			t.Errorf("load balancer VIPs %v, want one", vips)
		}
		arp := n.arpEntries(ids.External)
		if arp["172.24.4.10"] != "fa:16:3e:00:02:01" || arp["172.24.4.11"] != nil {
			t.Errorf("external ARP table %v", arp)
		}
		rep, err := consistency.Check(ctx, conn, root, consistency.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Errorf("consistency findings: %v", rep.Findings)
		}
	})
}
