package restapi

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// decodeNeutron reads body with the resource's JSON model.
func decodeNeutron(t *testing.T, path, body string) proto.Message {
	t.Helper()
	for _, r := range neutronResources() {
		if r.path == path {
			m, err := r.decode([]byte(body))
			if err != nil {
				t.Fatalf("decode %s: %v", path, err)
			}
			return m
		}
	}
	t.Fatalf("no Neutron resource %s", path)
	return nil
}

// The expectations of the reference's NeutronZoomPluginTest "ZoomConvert
// correctly converts ... to protobuf" features, from the JSON the plugin
// sends, and the JSON written back.
func TestNeutronJSONConversion(t *testing.T) {
	port := decodeNeutron(t, "ports", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1",
		"network_id":"3c8a2d4e-9a7b-4e39-a0f5-6d2e1b0c9a11","tenant_id":"tenant ID","name":"port0",
		"mac_address":"01:01:01:01:01:01","admin_state_up":true,
		"fixed_ips":[{"ip_address":"10.0.0.1","subnet_id":"aa0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1"}],
		"device_id":"dev","device_owner":"network:dhcp","status":"port status",
		"security_groups":["bb0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","cc0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1"],
		"binding:host_id":"host1","binding:profile":{"interface_name":"interface1"},
		"port_security_enabled":false,
		"allowed_address_pairs":[{"ip_address":"10.0.0.3","mac_address":"0a:0a:0a:0a:0a:0a"}],
		"extra_dhcp_opts":[{"opt_name":"opt1","opt_value":"val1"}]}`).(*models.NeutronPort)
	if port.GetTenantId() != "tenant ID" || port.GetName() != "port0" || port.GetMacAddress() != "01:01:01:01:01:01" ||
		!port.GetAdminStateUp() || len(port.GetFixedIps()) != 1 || port.GetFixedIps()[0].GetIpAddress().GetAddress() != "10.0.0.1" ||
		port.GetDeviceId() != "dev" || port.GetDeviceOwner() != models.NeutronPort_DHCP || port.GetStatus() != "port status" ||
		len(port.GetSecurityGroups()) != 2 || port.GetHostId() != "host1" ||
		port.GetProfile().GetInterfaceName() != "interface1" || port.GetPortSecurityEnabled() ||
		port.GetAllowedAddressPairs()[0].GetIpAddress().GetAddress() != "10.0.0.3" ||
		port.GetAllowedAddressPairs()[0].GetIpAddress().GetPrefixLength() != 32 ||
		port.GetAllowedAddressPairs()[0].GetMacAddress() != "0a:0a:0a:0a:0a:0a" ||
		port.GetExtraDhcpOpts()[0].GetOptName() != "opt1" || port.GetExtraDhcpOpts()[0].GetOptValue() != "val1" {
		t.Errorf("port converted to %v", port)
	}
	// Defaults of absent keys: port security on, owner unset (compute).
	bare := decodeNeutron(t, "ports", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","device_owner":"compute:az1"}`).(*models.NeutronPort)
	if !bare.GetPortSecurityEnabled() || bare.GetDeviceOwner() != models.NeutronPort_COMPUTE || bare.GetAdminStateUp() {
		t.Errorf("bare port converted to %v", bare)
	}
	unknown := decodeNeutron(t, "ports", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","device_owner":"network:other"}`).(*models.NeutronPort)
	if unknown.DeviceOwner != nil || unknown.GetDeviceOwner() != models.NeutronPort_COMPUTE {
		t.Errorf("unknown device owner read as %v", unknown.DeviceOwner)
	}

	net := decodeNeutron(t, "networks", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","name":"network1",
		"status":"network status","shared":true,"tenant_id":"tenant ID","admin_state_up":true,
		"router:external":true,"provider:network_type":"flat"}`).(*models.NeutronNetwork)
	if net.GetName() != "network1" || net.GetStatus() != "network status" || !net.GetShared() ||
		net.GetTenantId() != "tenant ID" || !net.GetAdminStateUp() || !net.GetExternal() ||
		net.GetNetworkType() != models.NeutronNetwork_FLAT {
		t.Errorf("network converted to %v", net)
	}

	sub := decodeNeutron(t, "subnets", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","name":"subnet1","ip_version":4,
		"network_id":"3c8a2d4e-9a7b-4e39-a0f5-6d2e1b0c9a11","cidr":"10.10.10.0/24","gateway_ip":"10.10.10.1",
		"allocation_pools":[{"start":"10.10.10.100","end":"10.10.10.199"}],
		"host_routes":[{"destination":"10.10.20.0/24","nexthop":"10.10.20.1"}],"dns_nameservers":["10.10.10.3"],
		"tenant_id":"tenant ID","enable_dhcp":true,"shared":true}`).(*models.NeutronSubnet)
	if sub.GetName() != "subnet1" || sub.GetIpVersion() != 4 || sub.GetCidr().CIDR() != "10.10.10.0/24" ||
		sub.GetGatewayIp().GetAddress() != "10.10.10.1" || sub.GetAllocationPools()[0].GetStart().GetAddress() != "10.10.10.100" ||
		sub.GetAllocationPools()[0].GetEnd().GetAddress() != "10.10.10.199" ||
		sub.GetHostRoutes()[0].GetDestination().GetAddress() != "10.10.20.0" ||
		sub.GetHostRoutes()[0].GetDestination().GetPrefixLength() != 24 ||
		sub.GetHostRoutes()[0].GetNexthop().GetAddress() != "10.10.20.1" ||
		sub.GetDnsNameservers()[0].GetAddress() != "10.10.10.3" || !sub.GetEnableDhcp() || !sub.GetShared() {
		t.Errorf("subnet converted to %v", sub)
	}

	sg := decodeNeutron(t, "security_groups", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","name":"sg","description":"d",
		"tenant_id":"t","security_group_rules":[{"id":"aa0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1",
		"security_group_id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","direction":"ingress","ethertype":"IPv6",
		"protocol":"132","port_range_min":1,"port_range_max":2,"remote_ip_prefix":"::/0"}]}`).(*models.SecurityGroup)
	r := sg.GetSecurityGroupRules()[0]
	if r.GetDirection() != models.RuleDirection_INGRESS || r.GetEthertype() != models.EtherType_IPV6 ||
		r.GetProtocol() != models.Protocol_SCTP || r.GetPortRangeMin() != 1 || r.GetPortRangeMax() != 2 ||
		r.GetRemoteIpPrefix() != "::/0" {
		t.Errorf("security group rule converted to %v", r)
	}
	out, err := json.Marshal(neutronSecurityGroupRuleOf(r))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	_ = json.Unmarshal(out, &back)
	if back["protocol"] != "sctp" || back["ethertype"] != "ipv6" || back["direction"] != "ingress" {
		t.Errorf("rule written back as %s", out)
	}
}

// TestNeutronIntegersFromStrings: an integer field takes its number written
// as a JSON string, as Jackson 2.5's StdDeserializer._parseInteger reads one
// (trimmed; "" and "null" as no value; out of range or not a number refused),
// in nested models and lists too, under the keys encoding/json matches
// regardless of case; a rule's protocol (a name or number, its own reader)
// is not touched.
func TestNeutronIntegersFromStrings(t *testing.T) {
	cnxn := decodeNeutron(t, "l2_gateway_connections", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1",
		"segmentation_id":"100","l2_gateway":{"devices":[{"device_id":"3c8a2d4e-9a7b-4e39-a0f5-6d2e1b0c9a11",
		"segmentation_id":" 42 "}]}}`).(*models.L2GatewayConnection)
	if cnxn.GetSegmentationId() != 100 || cnxn.GetL2Gateway().GetDevices()[0].GetSegmentationId() != 42 {
		t.Errorf("connection %v", cnxn)
	}
	rule := decodeNeutron(t, "security_group_rules", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1",
		"PORT_RANGE_MIN":"80","port_range_max":"","protocol":"6","ethertype":"IPv4","direction":"ingress"}`).(*models.SecurityGroupRule)
	if rule.GetPortRangeMin() != 80 || rule.PortRangeMax != nil || rule.GetProtocol() != models.Protocol_TCP {
		t.Errorf("rule %v", rule)
	}
	member := decodeNeutron(t, "lb/members", `{"id":"7e0b5b21-2b4f-4bbc-8d1b-54a2a4b9f0e1","protocol_port":"8080",
		"weight":"null","address":"10.0.0.5"}`).(*models.NeutronLoadBalancerPoolMember)
	if member.GetProtocolPort() != 8080 || member.GetWeight() != 0 {
		t.Errorf("member %v", member)
	}
	for _, body := range []string{`{"segmentation_id":"eighty"}`, `{"segmentation_id":"1.5"}`,
		`{"segmentation_id":"4294967296"}`, `{"segmentation_id":["1"]}`} {
		var d neutronRemoteMacEntry
		if err := jsonUnmarshal([]byte(body), &d); err == nil {
			t.Errorf("%s decoded as %+v", body, d)
		}
	}
	// A body that needs no coercion decodes as encoding/json decodes it.
	var d neutronRemoteMacEntry
	if err := jsonUnmarshal([]byte(`{"segmentation_id":7}`), &d); err != nil || *d.SegmentationID != 7 {
		t.Errorf("plain number: %+v %v", d, err)
	}
}
