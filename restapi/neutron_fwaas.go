package restapi

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The FWaaS JSON models (/neutron/firewalls, /firewall_logs,
// /logging_resources). The reference's Java fields of primitive type
// (booleans, ip_version, position) read as false or 0 when absent; enums
// (action, fw_event) read in any case, an unknown value as none.

// neutronFirewall is the JSON of a firewall with its policy's rules.
type neutronFirewall struct {
	ID               *string               `json:"id"`
	TenantID         *string               `json:"tenant_id"`
	Name             *string               `json:"name"`
	Description      *string               `json:"description"`
	Shared           *bool                 `json:"shared"`
	AdminStateUp     *bool                 `json:"admin_state_up"`
	Status           *string               `json:"status"`
	FirewallPolicyID *string               `json:"firewall_policy_id"`
	FirewallRuleList []neutronFirewallRule `json:"firewall_rule_list"`
	AddRouterIDs     []string              `json:"add-router-ids"`
	DelRouterIDs     []string              `json:"del-router-ids"`
	LastRouter       *bool                 `json:"last-router"`
}

func (d *neutronFirewall) toProto() (*models.NeutronFirewall, error) {
	fw := &models.NeutronFirewall{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), Shared: boolOr(d.Shared, false),
		AdminStateUp: boolOr(d.AdminStateUp, false), Status: optString(d.Status),
		LastRouter: boolOr(d.LastRouter, false)}
	var err error
	if err = readUUIDs(uuidField{&fw.Id, d.ID, "id"},
		uuidField{&fw.FirewallPolicyId, d.FirewallPolicyID, "firewall_policy_id"}); err != nil {
		return nil, err
	}
	if fw.AddRouterIds, err = nUUIDs(d.AddRouterIDs, "add-router-ids"); err != nil {
		return nil, err
	}
	if fw.DelRouterIds, err = nUUIDs(d.DelRouterIDs, "del-router-ids"); err != nil {
		return nil, err
	}
	for i := range d.FirewallRuleList {
		r, err := d.FirewallRuleList[i].toProto()
		if err != nil {
			return nil, err
		}
		fw.FirewallRuleList = append(fw.FirewallRuleList, r)
	}
	return fw, nil
}

func neutronFirewallOf(fw *models.NeutronFirewall) *neutronFirewall {
	d := &neutronFirewall{ID: outUUID(fw.GetId()), TenantID: fw.TenantId, Name: fw.Name, Description: fw.Description,
		Shared: proto.Bool(fw.GetShared()), AdminStateUp: proto.Bool(fw.GetAdminStateUp()), Status: fw.Status,
		FirewallPolicyID: outUUID(fw.GetFirewallPolicyId()), FirewallRuleList: []neutronFirewallRule{},
		AddRouterIDs: outUUIDs(fw.GetAddRouterIds()), DelRouterIDs: outUUIDs(fw.GetDelRouterIds()),
		LastRouter: proto.Bool(fw.GetLastRouter())}
	for _, r := range fw.GetFirewallRuleList() {
		d.FirewallRuleList = append(d.FirewallRuleList, *neutronFirewallRuleOf(r))
	}
	return d
}

// neutronFirewallRule is the JSON of a firewall rule; protocol is a name
// or a number, source and destination a CIDR or an address, the ports "p"
// or "a:b".
type neutronFirewallRule struct {
	ID                   *string       `json:"id"`
	TenantID             *string       `json:"tenant_id"`
	Name                 *string       `json:"name"`
	Description          *string       `json:"description"`
	FirewallPolicyID     *string       `json:"firewall_policy_id"`
	Shared               *bool         `json:"shared"`
	Protocol             *nameOrNumber `json:"protocol"`
	IPVersion            *int32        `json:"ip_version"`
	SourceIPAddress      *string       `json:"source_ip_address"`
	DestinationIPAddress *string       `json:"destination_ip_address"`
	SourcePort           *string       `json:"source_port"`
	DestinationPort      *string       `json:"destination_port"`
	Action               *string       `json:"action"`
	Position             *int32        `json:"position"`
	Enabled              *bool         `json:"enabled"`
}

func (d *neutronFirewallRule) toProto() (*models.NeutronFirewallRule, error) {
	r := &models.NeutronFirewallRule{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), Shared: boolOr(d.Shared, false), IpVersion: int32Or0(d.IPVersion),
		SourcePort: optString(d.SourcePort), DestinationPort: optString(d.DestinationPort),
		Position: int32Or0(d.Position), Enabled: boolOr(d.Enabled, false)}
	var err error
	if err = readUUIDs(uuidField{&r.Id, d.ID, "id"},
		uuidField{&r.FirewallPolicyId, d.FirewallPolicyID, "firewall_policy_id"}); err != nil {
		return nil, err
	}
	if r.SourceIpAddress, err = nSubnet(d.SourceIPAddress, "source_ip_address"); err != nil {
		return nil, err
	}
	if r.DestinationIpAddress, err = nSubnet(d.DestinationIPAddress, "destination_ip_address"); err != nil {
		return nil, err
	}
	if r.Protocol, err = d.Protocol.toProto(); err != nil {
		return nil, err
	}
	if d.Action != nil {
		if v, ok := models.NeutronFirewallRule_FirewallRuleAction_value[strings.ToUpper(*d.Action)]; ok {
			r.Action = models.NeutronFirewallRule_FirewallRuleAction(v).Enum()
		}
	}
	return r, nil
}

func neutronFirewallRuleOf(r *models.NeutronFirewallRule) *neutronFirewallRule {
	d := &neutronFirewallRule{ID: outUUID(r.GetId()), TenantID: r.TenantId, Name: r.Name, Description: r.Description,
		FirewallPolicyID: outUUID(r.GetFirewallPolicyId()), Shared: proto.Bool(r.GetShared()),
		Protocol: protocolOf(r.Protocol), IPVersion: proto.Int32(r.GetIpVersion()),
		SourceIPAddress: outSubnet(r.GetSourceIpAddress()), DestinationIPAddress: outSubnet(r.GetDestinationIpAddress()),
		SourcePort: r.SourcePort, DestinationPort: r.DestinationPort, Position: proto.Int32(r.GetPosition()),
		Enabled: proto.Bool(r.GetEnabled())}
	if r.Action != nil {
		d.Action = proto.String(strings.ToLower(r.GetAction().String()))
	}
	return d
}

func int32Or0(n *int32) *int32 {
	if n == nil {
		return proto.Int32(0)
	}
	return proto.Int32(*n)
}

// neutronLoggingResource is the JSON of a logging resource.
type neutronLoggingResource struct {
	ID          *string `json:"id"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	TenantID    *string `json:"tenant_id"`
	Enabled     *bool   `json:"enabled"`
}

func (d *neutronLoggingResource) toProto() (*models.NeutronLoggingResource, error) {
	lr := &models.NeutronLoggingResource{Name: optString(d.Name), Description: optString(d.Description),
		TenantId: optString(d.TenantID), Enabled: boolOr(d.Enabled, false)}
	var err error
	if lr.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	return lr, nil
}

func neutronLoggingResourceOf(lr *models.NeutronLoggingResource) *neutronLoggingResource {
	return &neutronLoggingResource{ID: outUUID(lr.GetId()), Name: lr.Name, Description: lr.Description,
		TenantID: lr.TenantId, Enabled: proto.Bool(lr.GetEnabled())}
}

// neutronFirewallLog is the JSON of a firewall log: its firewall and
// logging resource by id, the resource also inline; fw_event is ACCEPT,
// DROP or ALL.
type neutronFirewallLog struct {
	ID                *string                 `json:"id"`
	Description       *string                 `json:"description"`
	TenantID          *string                 `json:"tenant_id"`
	LoggingResourceID *string                 `json:"logging_resource_id"`
	LoggingResource   *neutronLoggingResource `json:"logging_resource"`
	FwEvent           *string                 `json:"fw_event"`
	FirewallID        *string                 `json:"firewall_id"`
	Firewall          *neutronFirewall        `json:"firewall"`
}

func (d *neutronFirewallLog) toProto() (*models.FirewallLog, error) {
	fl := &models.FirewallLog{Description: optString(d.Description), TenantId: optString(d.TenantID)}
	var err error
	if err = readUUIDs(uuidField{&fl.Id, d.ID, "id"},
		uuidField{&fl.LoggingResourceId, d.LoggingResourceID, "logging_resource_id"},
		uuidField{&fl.FirewallId, d.FirewallID, "firewall_id"}); err != nil {
		return nil, err
	}
	if d.LoggingResource != nil {
		if fl.LoggingResource, err = d.LoggingResource.toProto(); err != nil {
			return nil, err
		}
	}
	if d.Firewall != nil {
		if fl.Firewall, err = d.Firewall.toProto(); err != nil {
			return nil, err
		}
	}
	if d.FwEvent != nil {
		if v, ok := models.LogEvent_value[strings.ToUpper(*d.FwEvent)]; ok {
			fl.FwEvent = models.LogEvent(v).Enum()
		}
	}
	return fl, nil
}

func neutronFirewallLogOf(fl *models.FirewallLog) *neutronFirewallLog {
	d := &neutronFirewallLog{ID: outUUID(fl.GetId()), Description: fl.Description, TenantID: fl.TenantId,
		LoggingResourceID: outUUID(fl.GetLoggingResourceId()), FirewallID: outUUID(fl.GetFirewallId())}
	if fl.LoggingResource != nil {
		d.LoggingResource = neutronLoggingResourceOf(fl.GetLoggingResource())
	}
	if fl.Firewall != nil {
		d.Firewall = neutronFirewallOf(fl.GetFirewall())
	}
	if fl.FwEvent != nil {
		d.FwEvent = proto.String(strings.ToLower(fl.GetFwEvent().String()))
	}
	return d
}
