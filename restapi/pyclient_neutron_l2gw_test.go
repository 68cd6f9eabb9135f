package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
)

// TestPythonNeutronL2GatewayClient drives the unmodified
// python-midonetclient's gateway device and L2 gateway mixins against our
// server (testdata/pyclient_neutron_l2gw.py) and reads the translation of
// what it left through the v5 API: the VTEP router port peered with the
// tenant network's port, with the connection's VNI and the remaining
// remote MAC entry in its peering table; the network_vlan connection's
// ports gone; the device, entry and connection read back.
func TestPythonNeutronL2GatewayClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_l2gw.py", func(_ context.Context, t *testing.T, n neutronAPI,
		out []byte, _ storage.Conn, _ string) {
		var ids struct {
			Router, Network, Device, Connection, Entry string
			OtherNetwork                               string `json:"other_network"`
			VlanNetwork                                string `json:"vlan_network"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		dev := n.must(200, "GET", "/neutron/gateway_devices/"+ids.Device, neutronVnd+"GatewayDevice-v1+json", nil).(map[string]any)
		if dev["type"] != "ROUTER_VTEP" || mustJSON(t, dev["tunnel_ips"]) != `["30.0.0.2"]` || dev["resource_id"] != ids.Router {
			t.Errorf("gateway device = %v", dev)
		}
		if l := n.must(200, "GET", "/neutron/gateway_devices", neutronVnd+"GatewayDevices-v1+json", nil).([]any); len(l) != 1 {
			t.Errorf("gateway devices left: %v", l)
		}
		entries := n.must(200, "GET", "/neutron/remote_mac_entries", neutronVnd+"RemoteMacEntries-v1+json", nil).([]any)
		if len(entries) != 1 || entries[0].(map[string]any)["id"] != ids.Entry {
			t.Errorf("remote MAC entries left: %v", entries)
		}
		cn := n.must(200, "GET", "/neutron/l2_gateway_connections/"+ids.Connection, neutronVnd+"L2GatewayConnection-v1+json",
			nil).(map[string]any)
		if cn["network_id"] != ids.Network || cn["segmentation_id"] != 100.0 {
			t.Errorf("connection = %v", cn)
		}

		rtrPort := neutron.L2gwGatewayPortID(uuid.MustParse(ids.Network)).String()
		netPort := neutron.L2gwNetworkPortID(uuid.MustParse(ids.Network)).String()
		p := n.must(200, "GET", "/ports/"+rtrPort, "application/json", nil).(map[string]any)
		if p["deviceId"] != ids.Router || p["peerId"] != netPort || p["rtrPortVni"] != 100.0 {
			t.Errorf("VTEP router port = %v", p)
		}
		peering := n.must(200, "GET", "/routers/"+ids.Router+"/ports/"+rtrPort+"/peering_table", "application/json", nil).([]any)
		if len(peering) != 1 || peering[0].(map[string]any)["mac"] != "fa:16:3e:10:00:03" || peering[0].(map[string]any)["ip"] != "10.0.0.2" {
			t.Errorf("peering table = %v", peering)
		}
		if bp := n.must(200, "GET", "/bridges/"+ids.Network+"/ports", "application/json", nil).([]any); len(bp) != 1 ||
			bp[0].(map[string]any)["id"] != netPort {
			t.Errorf("tenant network ports = %v", bp)
		}
		for _, net := range []string{ids.OtherNetwork, ids.VlanNetwork} {
			if bp := n.must(200, "GET", "/bridges/"+net+"/ports", "application/json", nil).([]any); len(bp) != 0 {
				t.Errorf("ports left on %s after the VLAN connection's delete: %v", net, bp)
			}
		}
	})
}
