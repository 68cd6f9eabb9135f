package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
)

// TestPythonNeutronVPNClient drives the unmodified python-midonetclient's
// VPNaaS mixin (testdata/pyclient_neutron_vpn.py) and reads what it left
// through the v5 API: the router's IPSEC container on its 169.254.0.1
// port, the updated connection's routes through the container, the
// three redirect rules for the gateway's IP, and the Neutron objects.
func TestPythonNeutronVPNClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_vpn.py", func(_ context.Context, t *testing.T, n neutronAPI,
		out []byte, _ storage.Conn, _ string) {
		var ids struct{ Router, VPN, Connection string }
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		vpn := n.must(200, "GET", "/neutron/vpnservices/"+ids.VPN, neutronVnd+"VPNService-v1+json", nil).(map[string]any)
		if vpn["name"] != "vpn2" || vpn["router_id"] != ids.Router {
			t.Errorf("VPN service %v", vpn)
		}
		if l := n.must(200, "GET", "/neutron/vpnservices", neutronVnd+"VPNServices-v1+json", nil).([]any); len(l) != 1 {
			t.Errorf("VPN services left %v", l)
		}
		conns := n.must(200, "GET", "/neutron/ipsec_site_connections", neutronVnd+"IpsecSiteConnections-v1+json", nil).([]any)
		if len(conns) != 1 || conns[0].(map[string]any)["id"] != ids.Connection {
			t.Fatalf("connections left %v", conns)
		}
		c := conns[0].(map[string]any)
		if mustJSON(t, c["peer_cidrs"]) != `["20.0.1.0/24","20.0.3.0/24"]` || c["initiator"] != "BI_DIRECTIONAL" {
			t.Errorf("connection %v", c)
		}

		containers := n.must(200, "GET", "/service_containers", "application/json", nil).([]any)
		if len(containers) != 1 {
			t.Fatalf("service containers %v", containers)
		}
		sc := containers[0].(map[string]any)
		if sc["serviceType"] != "IPSEC" || sc["configurationId"] != ids.Router {
			t.Errorf("container %v", sc)
		}
		portID := sc["portId"].(string)
		port := n.must(200, "GET", "/ports/"+portID, "application/json", nil).(map[string]any)
		if port["portAddress"] != "169.254.0.1" || port["deviceId"] != ids.Router {
			t.Errorf("container port %v", port)
		}
		var dsts []string
		for _, r := range n.must(200, "GET", "/routers/"+ids.Router+"/routes", "application/json", nil).([]any) {
			r := r.(map[string]any)
			if r["nextHopPort"] == portID && r["nextHopGateway"] == "169.254.0.2" {
				if r["srcNetworkAddr"] != "10.0.1.0" {
					t.Errorf("route through the container from %v", r["srcNetworkAddr"])
				}
				dsts = append(dsts, r["dstNetworkAddr"].(string))
			}
		}
		slices.Sort(dsts)
		if mustJSON(t, dsts) != `["20.0.1.0","20.0.3.0"]` {
			t.Errorf("routes through the container to %v, want 20.0.1.0 and 20.0.3.0", dsts)
		}
		router := n.must(200, "GET", "/routers/"+ids.Router, "application/json", nil).(map[string]any)
		chain, _ := router["localRedirectChainId"].(string)
		if chain == "" {
			t.Fatalf("router without a local redirect chain: %v", router)
		}
		var protos []string
		for _, rule := range n.must(200, "GET", "/chains/"+chain+"/rules", "application/json", nil).([]any) {
			rule := rule.(map[string]any)
			if rule["type"] == "l2_transform" && rule["nwDstAddress"] == "172.24.4.4" && rule["targetPortId"] == portID {
				protos = append(protos, mustJSON(t, []any{rule["nwProto"], rule["tpDst"]}))
			}
		}
		if len(protos) != 3 {
			t.Errorf("redirect rules for 172.24.4.4: %v, want ESP, UDP 500 and UDP 4500", protos)
		}
	})
}
