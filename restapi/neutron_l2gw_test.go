package restapi_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/neutron"
)

// TestNeutronL2Gateway: gateway devices, L2 gateway connections and remote
// MAC entries over HTTP on both backends: the JSON read back (the
// reference's TestGatewayDevice, TestL2GatewayConnection and
// TestRemoteMacEntry), the v5 VTEP router port with its VNI and peering
// table, the VLAN port of a network_vlan connection, a device PUT moving
// the tunnel IP, bad input with the reference's status and message, 405
// for a remote MAC entry PUT, idempotent deletes.
func TestNeutronL2Gateway(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			devType, cnxnType, rmType := neutronVnd+"GatewayDevice-v1+json", neutronVnd+"L2GatewayConnection-v1+json",
				neutronVnd+"RemoteMacEntry-v1+json"
			router, net, vlanNet := uuid.NewString(), uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": router, "admin_state_up": true})
			for _, id := range []string{net, vlanNet} {
				n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": id, "admin_state_up": true})
			}

			// A device without a type is a router VTEP; it reads back as posted.
			dev := uuid.NewString()
			devBody := map[string]any{"id": dev, "resource_id": router, "tunnel_ips": []string{"30.0.0.1"},
				"management_ip": "1.1.1.1", "management_port": 6632, "management_protocol": "ovsdb"}
			n.must(201, "POST", "/neutron/gateway_devices", devType, devBody)
			want := map[string]any{"id": dev, "type": nil, "resource_id": router, "tunnel_ips": []any{"30.0.0.1"},
				"management_ip": "1.1.1.1", "management_port": 6632.0, "management_protocol": "OVSDB"}
			if got := mustJSON(t, n.must(200, "GET", "/neutron/gateway_devices/"+dev, devType, nil)); got != mustJSON(t, want) {
				t.Errorf("gateway device reads %s, want %s", got, mustJSON(t, want))
			}

			rm := uuid.NewString()
			rmBody := map[string]any{"id": rm, "device_id": dev, "vtep_address": "10.0.0.1",
				"mac_address": "FA:16:3E:00:00:01", "segmentation_id": 100}
			n.must(201, "POST", "/neutron/remote_mac_entries", rmType, rmBody)
			rmBody["mac_address"] = "fa:16:3e:00:00:01"
			if got := mustJSON(t, n.must(200, "GET", "/neutron/remote_mac_entries/"+rm, rmType, nil)); got != mustJSON(t, rmBody) {
				t.Errorf("remote MAC entry reads %s, want %s", got, mustJSON(t, rmBody))
			}
			n.must(405, "PUT", "/neutron/remote_mac_entries/"+rm, rmType, rmBody)

			cnxn := uuid.NewString()
			cnxnBody := map[string]any{"id": cnxn, "tenant_id": "t", "network_id": net, "segmentation_id": 100,
				"l2_gateway": map[string]any{"id": uuid.NewString(), "name": "gw", "tenant_id": "t",
					"devices": []any{map[string]any{"device_id": dev, "segmentation_id": 100}}}}
			n.must(201, "POST", "/neutron/l2_gateway_connections", cnxnType, cnxnBody)
			if got := mustJSON(t, n.must(200, "GET", "/neutron/l2_gateway_connections/"+cnxn, cnxnType, nil)); got != mustJSON(t, cnxnBody) {
				t.Errorf("connection reads %s, want %s", got, mustJSON(t, cnxnBody))
			}
			if l := n.must(200, "GET", "/neutron/l2_gateway_connections", neutronVnd+"L2GatewayConnections-v1+json", nil).([]any); len(l) != 1 {
				t.Errorf("%d connections listed", len(l))
			}

			// The v5 view: the VTEP router port, peered with the network's
			// port, with the VNI and the entry in its peering table.
			netPort := neutron.L2gwNetworkPortID(uuid.MustParse(net)).String()
			rtrPort := neutron.L2gwGatewayPortID(uuid.MustParse(net)).String()
			p := n.must(200, "GET", "/ports/"+rtrPort, "application/json", nil).(map[string]any)
			if p["deviceId"] != router || p["peerId"] != netPort || p["rtrPortVni"] != 100.0 {
				t.Errorf("VTEP router port = %v", p)
			}
			if p := n.must(200, "GET", "/ports/"+netPort, "application/json", nil).(map[string]any); p["deviceId"] != net || p["peerId"] != rtrPort {
				t.Errorf("network port = %v", p)
			}
			peering := func() []any {
				t.Helper()
				return n.must(200, "GET", "/routers/"+router+"/ports/"+rtrPort+"/peering_table", "application/json", nil).([]any)
			}
			if l := peering(); len(l) != 1 || l[0].(map[string]any)["mac"] != "fa:16:3e:00:00:01" || l[0].(map[string]any)["ip"] != "10.0.0.1" {
				t.Errorf("peering table = %v", l)
			}

			// A remote-site port (a MAC behind the gateway) is learnt towards
			// the connection's network port.
			n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", map[string]any{"id": uuid.NewString(),
				"network_id": net, "device_owner": "network:remote_site", "mac_address": "fa:16:3e:00:00:0e",
				"admin_state_up": true})
			macs := n.must(200, "GET", "/bridges/"+net+"/mac_table", "application/json", nil).([]any)
			if len(macs) != 1 || macs[0].(map[string]any)["macAddr"] != "fa:16:3e:00:00:0e" || macs[0].(map[string]any)["portId"] != netPort {
				t.Errorf("MAC table with a remote-site port = %v", macs)
			}

			// A device PUT answers 204 and moves the port's tunnel IP;
			// its body must carry the path's id.
			devBody["tunnel_ips"] = []string{"30.0.0.2"}
			n.must(204, "PUT", "/neutron/gateway_devices/"+dev, devType, devBody)
			if got := n.must(200, "GET", "/neutron/gateway_devices/"+dev, devType, nil).(map[string]any); mustJSON(t, got["tunnel_ips"]) != `["30.0.0.2"]` {
				t.Errorf("device after PUT: %v", got)
			}
			if got := n.must(400, "PUT", "/neutron/gateway_devices/"+dev, devType, map[string]any{"id": uuid.NewString()}).(map[string]any); got["message"] != "Path ID does not match object ID" {
				t.Errorf("PUT with another id: %v", got)
			}
			n.must(204, "PUT", "/neutron/l2_gateway_connections/"+cnxn, cnxnType, cnxnBody)

			// network_vlan: the VLAN port on the device's network.
			vlanDev, vlanCnxn, other := uuid.NewString(), uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": other, "admin_state_up": true})
			n.must(201, "POST", "/neutron/gateway_devices", devType, map[string]any{"id": vlanDev, "type": "network_vlan",
				"resource_id": vlanNet})
			// A string, as networking-l2gw's API validates it ('type:string') and
			// networking-midonet passes it on; the reference's Jackson reads the number.
			n.must(201, "POST", "/neutron/l2_gateway_connections", cnxnType, map[string]any{"id": vlanCnxn, "network_id": other,
				"segmentation_id": "42", "l2_gateway": map[string]any{"devices": []any{map[string]any{"device_id": vlanDev}}}})
			vlanPort := neutron.L2gwGatewayPortID(uuid.MustParse(other)).String()
			if p := n.must(200, "GET", "/ports/"+vlanPort, "application/json", nil).(map[string]any); p["vlanId"] != 42.0 ||
				p["deviceId"] != vlanNet ||
				p["peerId"] != neutron.L2gwNetworkPortID(uuid.MustParse(other)).String() {
				t.Errorf("VLAN port = %v", p)
			}

			// Bad input: the reference's statuses and messages.
			for _, c := range []struct {
				status     int
				path, mt   string
				body       map[string]any
				wantMsgFor string
			}{
				{400, "/neutron/gateway_devices", devType, map[string]any{"id": uuid.NewString(), "type": "hw_vtep"},
					"{midokura.javarx.UnsupportedGatewayDevice.message}"},
				{400, "/neutron/gateway_devices", devType, map[string]any{"id": uuid.NewString(), "type": "switch"}, ""},
				{400, "/neutron/gateway_devices", devType, map[string]any{"id": uuid.NewString(), "tunnel_ips": []string{"::1"}}, ""},
				{400, "/neutron/l2_gateway_connections", cnxnType, map[string]any{"id": uuid.NewString(), "network_id": vlanNet,
					"l2_gateway": map[string]any{"devices": []any{}}}, "{midokura.javarx.OnlyOneGatewayDeviceSupported.message}"},
				{404, "/neutron/l2_gateway_connections", cnxnType, map[string]any{"id": uuid.NewString(), "network_id": vlanNet,
					"l2_gateway": map[string]any{"devices": []any{map[string]any{"device_id": uuid.NewString()}}}}, ""},
				{409, "/neutron/l2_gateway_connections", cnxnType, map[string]any{"id": uuid.NewString(), "network_id": net,
					"l2_gateway": map[string]any{"devices": []any{map[string]any{"device_id": vlanDev}}}}, ""},
				{404, "/neutron/remote_mac_entries", rmType, map[string]any{"id": uuid.NewString(), "device_id": vlanDev,
					"vtep_address": "10.0.0.2", "mac_address": "fa:16:3e:00:00:02", "segmentation_id": 1}, ""},
				{400, "/neutron/remote_mac_entries", rmType, map[string]any{"id": uuid.NewString(), "device_id": dev,
					"vtep_address": "10.0.0.2", "mac_address": "fa:16:3e:00:00", "segmentation_id": 1}, ""},
				{400, "/neutron/remote_mac_entries", rmType, map[string]any{"id": uuid.NewString(), "device_id": dev,
					"vtep_address": "10.0.0.2", "segmentation_id": 1 << 33}, ""},
			} {
				got := n.must(c.status, "POST", c.path, c.mt, c.body).(map[string]any)
				if c.wantMsgFor != "" && !isRefusal(got["message"], "Create", c.wantMsgFor) {
					t.Errorf("POST %s %v: message %v, want %s", c.path, c.body, got["message"], c.wantMsgFor)
				}
				if got["code"] != float64(c.status) {
					t.Errorf("POST %s %v: error entity %v", c.path, c.body, got)
				}
			}

			// Deletes, each twice: the connection takes its ports and
			// peering entries, the entry and device go.
			for _, path := range []string{"/neutron/l2_gateway_connections/" + cnxn, "/neutron/l2_gateway_connections/" + vlanCnxn,
				"/neutron/remote_mac_entries/" + rm, "/neutron/gateway_devices/" + dev, "/neutron/gateway_devices/" + vlanDev} {
				n.must(204, "DELETE", path, "", nil)
				n.must(204, "DELETE", path, "", nil)
			}
			for _, p := range []string{rtrPort, netPort, vlanPort} {
				n.must(404, "GET", "/ports/"+p, "application/json", nil)
			}
			for _, c := range []string{"gateway_devices", "l2_gateway_connections", "remote_mac_entries"} {
				if l := n.must(200, "GET", "/neutron/"+c, "", nil).([]any); len(l) != 0 {
					t.Errorf("%s left: %v", c, l)
				}
			}
		})
	}
}
