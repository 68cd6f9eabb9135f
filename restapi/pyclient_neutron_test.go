package restapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
)

// TestPythonNeutronClient drives the unmodified python-midonetclient's
// Neutron client against our server (testdata/pyclient_neutron.py) and
// then reads the translation of what it left through the v5 API: the
// network's bridge, the subnet's DHCP subnet with its host and server
// address, the compute port's filters and security chains.
func TestPythonNeutronClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron.py", func(_ context.Context, t *testing.T, n neutronAPI,
		_ []byte, _ storage.Conn, _ string) {
		nets := n.must(200, "GET", "/neutron/networks", neutronVnd+"Networks-v1+json", nil).([]any)
		subs := n.must(200, "GET", "/neutron/subnets", neutronVnd+"Subnets-v1+json", nil).([]any)
		sgs := n.must(200, "GET", "/neutron/security_groups", neutronVnd+"SecurityGroups-v1+json", nil).([]any)
		ports := n.must(200, "GET", "/neutron/ports", neutronVnd+"Ports-v1+json", nil).([]any)
		if len(nets) != 1 || len(subs) != 1 || len(sgs) != 1 || len(ports) != 2 {
			t.Fatalf("left %d networks, %d subnets, %d groups, %d ports", len(nets), len(subs), len(sgs), len(ports))
		}
		net := nets[0].(map[string]any)
		netID := net["id"].(string)
		br := n.must(200, "GET", "/bridges/"+netID, "application/json", nil).(map[string]any)
		for k, want := range map[string]any{"id": netID, "name": "private2", "tenantId": "acme", "adminStateUp": true} {
			if br[k] != want {
				t.Errorf("bridge %s = %v, want %v", k, br[k], want)
			}
		}
		dhcp := n.must(200, "GET", "/bridges/"+netID+"/dhcp/10.0.0.0_24", "application/json", nil).(map[string]any)
		for k, want := range map[string]any{"subnetPrefix": "10.0.0.0", "subnetLength": float64(24),
			"defaultGateway": "10.0.0.1", "serverAddr": "10.0.0.2", "enabled": true} {
			if dhcp[k] != want {
				t.Errorf("DHCP subnet %s = %v, want %v", k, dhcp[k], want)
			}
		}
		hosts := n.must(200, "GET", "/bridges/"+netID+"/dhcp/10.0.0.0_24/hosts", "application/vnd.org.midonet.collection.DhcpHost-v2+json", nil).([]any)
		if len(hosts) != 1 || hosts[0].(map[string]any)["ipAddr"] != "10.0.0.5" ||
			hosts[0].(map[string]any)["macAddr"] != "fa:16:3e:00:00:05" {
			t.Errorf("DHCP hosts %v", hosts)
		}
		var vm map[string]any
		for _, p := range ports {
			if p.(map[string]any)["device_owner"] == "compute:nova" {
				vm = p.(map[string]any)
			}
		}
		vmID := vm["id"].(string)
		port := n.must(200, "GET", "/ports/"+vmID, "application/json", nil).(map[string]any)
		// The v5 port under the reference's derived chain ids.
		vmUUID := uuid.MustParse(vmID)
		for k, want := range map[string]any{"id": vmID, "type": "Bridge", "deviceId": netID, "adminStateUp": true,
			"inboundFilterId": neutron.InChainID(vmUUID).String(), "outboundFilterId": neutron.OutChainID(vmUUID).String()} {
			if port[k] != want {
				t.Errorf("v5 port %s = %v, want %v", k, port[k], want)
			}
		}
		// The security group's address group holds the port's address; the
		// deleted bulk ports' addresses stay as entries without ports (a
		// port delete leaves its emptied entry, as in the reference).
		sgID := sgs[0].(map[string]any)["id"].(string)
		addrs := n.must(200, "GET", "/ip_addr_groups/"+sgID+"/ip_addrs",
			"application/vnd.org.midonet.collection.IpAddrGroupAddr-v1+json", nil).([]any)
		var got []string
		for _, a := range addrs {
			got = append(got, a.(map[string]any)["addr"].(string))
		}
		if mustJSON(t, got) != `["10.0.0.5","10.0.0.10","10.0.0.11"]` {
			t.Errorf("address group %s addresses %s", sgID, mustJSON(t, got))
		}
		in := n.must(200, "GET", "/chains/"+port["inboundFilterId"].(string), "application/json", nil).(map[string]any)
		out := n.must(200, "GET", "/chains/"+port["outboundFilterId"].(string), "application/json", nil).(map[string]any)
		if in["name"] != "OS_PORT_"+vmID+"_INBOUND" || out["name"] != "OS_PORT_"+vmID+"_OUTBOUND" {
			t.Errorf("port chains %v / %v", in["name"], out["name"])
		}
		// inbound: anti-spoof jump, return flow, group jump, drop non-ARP.
		inRules := n.must(200, "GET", "/chains/"+in["id"].(string)+"/rules", "application/json", nil).([]any)
		var types []any
		for _, r := range inRules {
			types = append(types, r.(map[string]any)["type"])
		}
		if mustJSON(t, types) != `["jump","accept","jump","drop"]` {
			t.Errorf("inbound rule types %s", mustJSON(t, types))
		}
		arp := n.must(200, "GET", "/bridges/"+netID+"/arp_table", "application/json", nil).([]any)
		if len(arp) != 1 {
			t.Errorf("ARP table %v, want the compute port's entry", arp)
		}
	})
}
