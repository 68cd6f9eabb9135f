package restapi

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The expectations of the reference's NeutronDeserializerTest "Neutron
// Firewall deserialization", and the primitive fields' defaults of its
// Java models (booleans false, ints 0, unknown enum values none).
func TestNeutronFirewallJSON(t *testing.T) {
	const fw, policy, r1, r2, rule = "2c9b6d58-7a47-4ad8-b1fe-0d1b4a3e7c01", "3c9b6d58-7a47-4ad8-b1fe-0d1b4a3e7c02",
		"4c9b6d58-7a47-4ad8-b1fe-0d1b4a3e7c03", "5c9b6d58-7a47-4ad8-b1fe-0d1b4a3e7c04", "6c9b6d58-7a47-4ad8-b1fe-0d1b4a3e7c05"
	id := func(s string) *models.UUID { u, _ := models.ParseUUID(s); return u }
	sn := func(s string) *models.IPSubnet { x, _ := models.ParseIPSubnet(s); return x }
	got := decodeNeutron(t, "firewalls", `{"name":"test-fw","description":"test-desc","shared":true,"status":"ACTIVE",
		"firewall_policy_id":"`+policy+`","admin_state_up":true,"tenant_id":"test-tenant","id":"`+fw+`",
		"firewall_rule_list":[{"id":"`+rule+`","tenant_id":"test-tenant","name":"test-fw-rule","description":"test-desc",
			"shared":true,"protocol":"tcp","ip_version":4,"source_ip_address":"10.0.0.0/24",
			"destination_ip_address":"200.0.0.1","source_port":"80","destination_port":"8080:8085","action":"deny",
			"position":4,"enabled":false}],
		"add-router-ids":["`+r1+`"],"del-router-ids":["`+r2+`"]}`)
	want := &models.NeutronFirewall{Id: id(fw), Name: proto.String("test-fw"), Description: proto.String("test-desc"),
		Shared: proto.Bool(true), Status: proto.String("ACTIVE"), FirewallPolicyId: id(policy),
		AdminStateUp: proto.Bool(true), TenantId: proto.String("test-tenant"), LastRouter: proto.Bool(false),
		AddRouterIds: []*models.UUID{id(r1)}, DelRouterIds: []*models.UUID{id(r2)},
		FirewallRuleList: []*models.NeutronFirewallRule{{Id: id(rule), TenantId: proto.String("test-tenant"),
			Name: proto.String("test-fw-rule"), Description: proto.String("test-desc"), Shared: proto.Bool(true),
			Protocol: models.Protocol_TCP.Enum(), IpVersion: proto.Int32(4), SourceIpAddress: sn("10.0.0.0/24"),
			DestinationIpAddress: sn("200.0.0.1/32"), SourcePort: proto.String("80"),
			DestinationPort: proto.String("8080:8085"), Action: models.NeutronFirewallRule_DENY.Enum(),
			Position: proto.Int32(4), Enabled: proto.Bool(false)}}}
	if !proto.Equal(got, want) {
		t.Errorf("firewall:\n got  %v\n want %v", got, want)
	}

	got = decodeNeutron(t, "firewalls", `{"id":"`+fw+`","firewall_rule_list":[{"id":"`+rule+`","protocol":1,
		"action":"reject"}]}`)
	want = &models.NeutronFirewall{Id: id(fw), Shared: proto.Bool(false), AdminStateUp: proto.Bool(false),
		LastRouter: proto.Bool(false), FirewallRuleList: []*models.NeutronFirewallRule{{Id: id(rule),
			Shared: proto.Bool(false), Protocol: models.Protocol_ICMP.Enum(), IpVersion: proto.Int32(0),
			Position: proto.Int32(0), Enabled: proto.Bool(false)}}}
	if !proto.Equal(got, want) {
		t.Errorf("firewall with defaults:\n got  %v\n want %v", got, want)
	}

	log := decodeNeutron(t, "firewall_logs", `{"id":"`+rule+`","firewall_id":"`+fw+`","logging_resource_id":"`+r1+`",
		"fw_event":"drop","logging_resource":{"id":"`+r1+`","enabled":true,"name":"n"},"tenant_id":"t"}`)
	wantLog := &models.FirewallLog{Id: id(rule), FirewallId: id(fw), LoggingResourceId: id(r1),
		FwEvent: models.LogEvent_DROP.Enum(), TenantId: proto.String("t"),
		LoggingResource: &models.NeutronLoggingResource{Id: id(r1), Enabled: proto.Bool(true), Name: proto.String("n")}}
	if !proto.Equal(log, wantLog) {
		t.Errorf("firewall log:\n got  %v\n want %v", log, wantLog)
	}
	if out := neutronFirewallLogOf(wantLog); *out.FwEvent != "drop" || *out.LoggingResource.ID != r1 {
		t.Errorf("firewall log JSON %+v", out)
	}
}
