package restapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The Neutron JSON models (the reference's rest_api/neutron/models): bare
// objects with Neutron's snake_case keys, converted field by field to the
// Neutron protobuf classes stored in ZOOM. Absent keys leave the proto
// field unset (Java nulls), except the primitive booleans, which are false
// when absent (port_security_enabled: true); unknown keys are ignored.
// Each DTO's fromProto writes every key, unset ones as null.

// neutronBadRequest is the 400 of a body that does not convert.
func neutronBadRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, format, args...)
}

func nUUID(s *string, what string) (*models.UUID, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	id, err := models.ParseUUID(*s)
	if err != nil {
		return nil, neutronBadRequest("Invalid %s: %s", what, *s)
	}
	return id, nil
}

// uuidField is one UUID key of a JSON model and the proto field it fills.
type uuidField struct {
	dst  **models.UUID
	src  *string
	name string
}

// readUUIDs parses the UUID keys into their fields; the first bad one is
// the error.
func readUUIDs(fields ...uuidField) error {
	for _, f := range fields {
		id, err := nUUID(f.src, f.name)
		if err != nil {
			return err
		}
		*f.dst = id
	}
	return nil
}

func nUUIDs(ss []string, what string) ([]*models.UUID, error) {
	var out []*models.UUID
	for i := range ss {
		id, err := nUUID(&ss[i], what)
		if err != nil {
			return nil, err
		}
		if id != nil {
			out = append(out, id)
		}
	}
	return out, nil
}

func nIP(s *string, what string) (*models.IPAddress, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	ip, err := models.ParseIPAddress(*s)
	if err != nil {
		return nil, neutronBadRequest("Invalid %s: %s", what, *s)
	}
	return ip, nil
}

// nSubnet reads a CIDR; a bare address is a host prefix (/32 or /128),
// as the reference's IPSubnetUtil converter reads it.
func nSubnet(s *string, what string) (*models.IPSubnet, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	text := *s
	if !strings.Contains(text, "/") {
		if strings.Contains(text, ":") {
			text += "/128"
		} else {
			text += "/32"
		}
	}
	sn, err := models.ParseIPSubnet(text)
	if err != nil {
		return nil, neutronBadRequest("Invalid %s: %s", what, *s)
	}
	return sn, nil
}

func outUUID(id *models.UUID) *string {
	if id == nil {
		return nil
	}
	s := id.Canonical()
	return &s
}

func outUUIDs(ids []*models.UUID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.Canonical())
	}
	return out
}

func outIP(ip *models.IPAddress) *string {
	if ip == nil {
		return nil
	}
	return proto.String(ip.GetAddress())
}

func outSubnet(sn *models.IPSubnet) *string {
	if sn == nil {
		return nil
	}
	return proto.String(sn.CIDR())
}

// optString leaves an absent value unset.
func optString(s *string) *string {
	if s == nil {
		return nil
	}
	return proto.String(*s)
}

func boolOr(b *bool, def bool) *bool {
	if b == nil {
		return proto.Bool(def)
	}
	return proto.Bool(*b)
}

// neutronNetwork is the JSON of a Neutron network.
type neutronNetwork struct {
	ID           *string `json:"id"`
	Name         *string `json:"name"`
	Status       *string `json:"status"`
	Shared       *bool   `json:"shared"`
	TenantID     *string `json:"tenant_id"`
	AdminStateUp *bool   `json:"admin_state_up"`
	External     *bool   `json:"router:external"`
	NetworkType  *string `json:"provider:network_type"`
	QosPolicyID  *string `json:"qos_policy_id"`
}

func (d *neutronNetwork) toProto() (*models.NeutronNetwork, error) {
	id, err := nUUID(d.ID, "id")
	if err != nil {
		return nil, err
	}
	qos, err := nUUID(d.QosPolicyID, "qos_policy_id")
	if err != nil {
		return nil, err
	}
	n := &models.NeutronNetwork{Id: id, Name: optString(d.Name), Status: optString(d.Status),
		Shared: boolOr(d.Shared, false), TenantId: optString(d.TenantID),
		AdminStateUp: boolOr(d.AdminStateUp, false), External: boolOr(d.External, false), QosPolicyId: qos}
	if d.NetworkType != nil {
		// Unknown types read as absent, as the reference's enum reader.
		if v, ok := models.NeutronNetwork_NetworkType_value[strings.ToUpper(*d.NetworkType)]; ok {
			n.NetworkType = models.NeutronNetwork_NetworkType(v).Enum()
		}
	}
	return n, nil
}

func neutronNetworkOf(n *models.NeutronNetwork) *neutronNetwork {
	d := &neutronNetwork{ID: outUUID(n.GetId()), Name: n.Name, Status: n.Status, Shared: proto.Bool(n.GetShared()),
		TenantID: n.TenantId, AdminStateUp: proto.Bool(n.GetAdminStateUp()), External: proto.Bool(n.GetExternal()),
		QosPolicyID: outUUID(n.GetQosPolicyId())}
	if n.NetworkType != nil {
		d.NetworkType = proto.String(n.GetNetworkType().String())
	}
	return d
}

type neutronPool struct {
	Start *string `json:"start"`
	End   *string `json:"end"`
}

type neutronRoute struct {
	Destination *string `json:"destination"`
	Nexthop     *string `json:"nexthop"`
}

func (r neutronRoute) toProto() (*models.NeutronRoute, error) {
	dst, err := nSubnet(r.Destination, "destination")
	if err != nil {
		return nil, err
	}
	nh, err := nIP(r.Nexthop, "nexthop")
	if err != nil {
		return nil, err
	}
	return &models.NeutronRoute{Destination: dst, Nexthop: nh}, nil
}

func neutronRoutesOf(rs []*models.NeutronRoute) []neutronRoute {
	out := make([]neutronRoute, 0, len(rs))
	for _, r := range rs {
		out = append(out, neutronRoute{Destination: outSubnet(r.GetDestination()), Nexthop: outIP(r.GetNexthop())})
	}
	return out
}

// neutronSubnet is the JSON of a Neutron subnet.
type neutronSubnet struct {
	ID              *string        `json:"id"`
	Name            *string        `json:"name"`
	IPVersion       *int32         `json:"ip_version"`
	NetworkID       *string        `json:"network_id"`
	CIDR            *string        `json:"cidr"`
	GatewayIP       *string        `json:"gateway_ip"`
	AllocationPools []neutronPool  `json:"allocation_pools"`
	DNSNameservers  []string       `json:"dns_nameservers"`
	HostRoutes      []neutronRoute `json:"host_routes"`
	TenantID        *string        `json:"tenant_id"`
	EnableDHCP      *bool          `json:"enable_dhcp"`
	Shared          *bool          `json:"shared"`
}

func (d *neutronSubnet) toProto() (*models.NeutronSubnet, error) {
	s := &models.NeutronSubnet{Name: optString(d.Name), TenantId: optString(d.TenantID),
		EnableDhcp: boolOr(d.EnableDHCP, false), Shared: boolOr(d.Shared, false)}
	if d.IPVersion != nil {
		s.IpVersion = proto.Uint32(uint32(*d.IPVersion))
	}
	var err error
	if err = readUUIDs(uuidField{&s.Id, d.ID, "id"}, uuidField{&s.NetworkId, d.NetworkID, "network_id"}); err != nil {
		return nil, err
	}
	if s.Cidr, err = nSubnet(d.CIDR, "cidr"); err != nil {
		return nil, err
	}
	if s.GatewayIp, err = nIP(d.GatewayIP, "gateway_ip"); err != nil {
		return nil, err
	}
	for _, p := range d.AllocationPools {
		start, err := nIP(p.Start, "allocation pool start")
		if err != nil {
			return nil, err
		}
		end, err := nIP(p.End, "allocation pool end")
		if err != nil {
			return nil, err
		}
		s.AllocationPools = append(s.AllocationPools, &models.NeutronSubnet_IPAllocationPool{Start: start, End: end})
	}
	for i := range d.DNSNameservers {
		ip, err := nIP(&d.DNSNameservers[i], "dns_nameservers")
		if err != nil {
			return nil, err
		}
		s.DnsNameservers = append(s.DnsNameservers, ip)
	}
	for _, r := range d.HostRoutes {
		rt, err := r.toProto()
		if err != nil {
			return nil, err
		}
		s.HostRoutes = append(s.HostRoutes, rt)
	}
	return s, nil
}

func neutronSubnetOf(s *models.NeutronSubnet) *neutronSubnet {
	d := &neutronSubnet{ID: outUUID(s.GetId()), Name: s.Name, NetworkID: outUUID(s.GetNetworkId()),
		CIDR: outSubnet(s.GetCidr()), GatewayIP: outIP(s.GetGatewayIp()), TenantID: s.TenantId,
		EnableDHCP: proto.Bool(s.GetEnableDhcp()), Shared: proto.Bool(s.GetShared()),
		AllocationPools: []neutronPool{}, DNSNameservers: []string{}, HostRoutes: neutronRoutesOf(s.GetHostRoutes())}
	if s.IpVersion != nil {
		d.IPVersion = proto.Int32(int32(s.GetIpVersion()))
	}
	for _, p := range s.GetAllocationPools() {
		d.AllocationPools = append(d.AllocationPools, neutronPool{Start: outIP(p.GetStart()), End: outIP(p.GetEnd())})
	}
	for _, ip := range s.GetDnsNameservers() {
		d.DNSNameservers = append(d.DNSNameservers, ip.GetAddress())
	}
	return d
}

type neutronIPAllocation struct {
	IPAddress *string `json:"ip_address"`
	SubnetID  *string `json:"subnet_id"`
}

type neutronAddressPair struct {
	IPAddress  *string `json:"ip_address"`
	MACAddress *string `json:"mac_address"`
}

type neutronDhcpOpt struct {
	OptName  *string `json:"opt_name"`
	OptValue *string `json:"opt_value"`
}

type neutronBindingProfile struct {
	InterfaceName *string `json:"interface_name"`
}

// neutronPort is the JSON of a Neutron port.
type neutronPort struct {
	ID                  *string                `json:"id"`
	Name                *string                `json:"name"`
	NetworkID           *string                `json:"network_id"`
	AdminStateUp        *bool                  `json:"admin_state_up"`
	MACAddress          *string                `json:"mac_address"`
	FixedIPs            []neutronIPAllocation  `json:"fixed_ips"`
	DeviceID            *string                `json:"device_id"`
	DeviceOwner         *string                `json:"device_owner"`
	TenantID            *string                `json:"tenant_id"`
	Status              *string                `json:"status"`
	SecurityGroups      []string               `json:"security_groups"`
	HostID              *string                `json:"binding:host_id"`
	Profile             *neutronBindingProfile `json:"binding:profile"`
	PortSecurityEnabled *bool                  `json:"port_security_enabled"`
	AllowedAddressPairs []neutronAddressPair   `json:"allowed_address_pairs"`
	ExtraDhcpOpts       []neutronDhcpOpt       `json:"extra_dhcp_opts"`
	QosPolicyID         *string                `json:"qos_policy_id"`
}

// deviceOwners are the reference's device_owner strings; any "compute:"
// prefix is COMPUTE, anything else unknown reads as absent (= COMPUTE, the
// proto default).
var deviceOwners = map[models.NeutronPort_DeviceOwner]string{
	models.NeutronPort_DHCP:             "network:dhcp",
	models.NeutronPort_FLOATINGIP:       "network:floatingip",
	models.NeutronPort_ROUTER_GATEWAY:   "network:router_gateway",
	models.NeutronPort_ROUTER_INTERFACE: "network:router_interface",
	models.NeutronPort_COMPUTE:          "compute:nova",
	models.NeutronPort_LOADBALANCER:     "neutron:LOADBALANCER",
	models.NeutronPort_REMOTE_SITE:      "network:remote_site",
	models.NeutronPort_LOADBALANCERV2:   "neutron:LOADBALANCERV2",
}

func parseDeviceOwner(s string) (models.NeutronPort_DeviceOwner, bool) {
	if strings.HasPrefix(strings.ToLower(s), "compute:") {
		return models.NeutronPort_COMPUTE, true
	}
	for k, v := range deviceOwners {
		if strings.EqualFold(s, v) {
			return k, true
		}
	}
	return 0, false
}

func (d *neutronPort) toProto() (*models.NeutronPort, error) {
	p := &models.NeutronPort{Name: optString(d.Name), AdminStateUp: boolOr(d.AdminStateUp, false),
		MacAddress: optString(d.MACAddress), DeviceId: optString(d.DeviceID), TenantId: optString(d.TenantID),
		Status: optString(d.Status), HostId: optString(d.HostID),
		PortSecurityEnabled: boolOr(d.PortSecurityEnabled, true)}
	var err error
	if err = readUUIDs(uuidField{&p.Id, d.ID, "id"}, uuidField{&p.NetworkId, d.NetworkID, "network_id"},
		uuidField{&p.QosPolicyId, d.QosPolicyID, "qos_policy_id"}); err != nil {
		return nil, err
	}
	if p.SecurityGroups, err = nUUIDs(d.SecurityGroups, "security_groups"); err != nil {
		return nil, err
	}
	if d.DeviceOwner != nil {
		if o, ok := parseDeviceOwner(*d.DeviceOwner); ok {
			p.DeviceOwner = o.Enum()
		}
	}
	if d.Profile != nil {
		p.Profile = &models.NeutronPort_BindingProfile{InterfaceName: optString(d.Profile.InterfaceName)}
	}
	for _, f := range d.FixedIPs {
		ip, err := nIP(f.IPAddress, "fixed_ips ip_address")
		if err != nil {
			return nil, err
		}
		sid, err := nUUID(f.SubnetID, "fixed_ips subnet_id")
		if err != nil {
			return nil, err
		}
		p.FixedIps = append(p.FixedIps, &models.NeutronPort_IPAllocation{IpAddress: ip, SubnetId: sid})
	}
	for _, a := range d.AllowedAddressPairs {
		ip, err := nSubnet(a.IPAddress, "allowed_address_pairs ip_address")
		if err != nil {
			return nil, err
		}
		p.AllowedAddressPairs = append(p.AllowedAddressPairs,
			&models.NeutronPort_AllowedAddressPair{IpAddress: ip, MacAddress: optString(a.MACAddress)})
	}
	for _, o := range d.ExtraDhcpOpts {
		p.ExtraDhcpOpts = append(p.ExtraDhcpOpts,
			&models.NeutronPort_ExtraDhcpOpts{OptName: optString(o.OptName), OptValue: optString(o.OptValue)})
	}
	return p, nil
}

func neutronPortOf(p *models.NeutronPort) *neutronPort {
	d := &neutronPort{ID: outUUID(p.GetId()), Name: p.Name, NetworkID: outUUID(p.GetNetworkId()),
		AdminStateUp: proto.Bool(p.GetAdminStateUp()), MACAddress: p.MacAddress, DeviceID: p.DeviceId,
		TenantID: p.TenantId, Status: p.Status, SecurityGroups: outUUIDs(p.GetSecurityGroups()), HostID: p.HostId,
		PortSecurityEnabled: proto.Bool(p.GetPortSecurityEnabled()), QosPolicyID: outUUID(p.GetQosPolicyId()),
		FixedIPs: []neutronIPAllocation{}, ExtraDhcpOpts: []neutronDhcpOpt{}}
	if p.DeviceOwner != nil {
		d.DeviceOwner = proto.String(deviceOwners[p.GetDeviceOwner()])
	}
	if p.Profile != nil {
		d.Profile = &neutronBindingProfile{InterfaceName: p.Profile.InterfaceName}
	}
	for _, f := range p.GetFixedIps() {
		d.FixedIPs = append(d.FixedIPs, neutronIPAllocation{IPAddress: outIP(f.GetIpAddress()), SubnetID: outUUID(f.GetSubnetId())})
	}
	if len(p.GetAllowedAddressPairs()) > 0 {
		d.AllowedAddressPairs = []neutronAddressPair{}
	}
	for _, a := range p.GetAllowedAddressPairs() {
		d.AllowedAddressPairs = append(d.AllowedAddressPairs,
			neutronAddressPair{IPAddress: outSubnet(a.GetIpAddress()), MACAddress: a.MacAddress})
	}
	for _, o := range p.GetExtraDhcpOpts() {
		d.ExtraDhcpOpts = append(d.ExtraDhcpOpts, neutronDhcpOpt{OptName: o.OptName, OptValue: o.OptValue})
	}
	return d
}

// neutronSecurityGroup is the JSON of a security group.
type neutronSecurityGroup struct {
	ID          *string                    `json:"id"`
	Name        *string                    `json:"name"`
	Description *string                    `json:"description"`
	TenantID    *string                    `json:"tenant_id"`
	Rules       []neutronSecurityGroupRule `json:"security_group_rules"`
}

func (d *neutronSecurityGroup) toProto() (*models.SecurityGroup, error) {
	id, err := nUUID(d.ID, "id")
	if err != nil {
		return nil, err
	}
	sg := &models.SecurityGroup{Id: id, Name: optString(d.Name), Description: optString(d.Description),
		TenantId: optString(d.TenantID)}
	for i := range d.Rules {
		r, err := d.Rules[i].toProto()
		if err != nil {
			return nil, err
		}
		sg.SecurityGroupRules = append(sg.SecurityGroupRules, r)
	}
	return sg, nil
}

func neutronSecurityGroupOf(sg *models.SecurityGroup) *neutronSecurityGroup {
	d := &neutronSecurityGroup{ID: outUUID(sg.GetId()), Name: sg.Name, Description: sg.Description,
		TenantID: sg.TenantId, Rules: []neutronSecurityGroupRule{}}
	for _, r := range sg.GetSecurityGroupRules() {
		d.Rules = append(d.Rules, *neutronSecurityGroupRuleOf(r))
	}
	return d
}

// neutronSecurityGroupRule is the JSON of a security group rule.
type neutronSecurityGroupRule struct {
	ID              *string       `json:"id"`
	SecurityGroupID *string       `json:"security_group_id"`
	RemoteGroupID   *string       `json:"remote_group_id"`
	Direction       *string       `json:"direction"`
	Protocol        *nameOrNumber `json:"protocol"`
	PortRangeMin    *int32        `json:"port_range_min"`
	PortRangeMax    *int32        `json:"port_range_max"`
	Ethertype       *string       `json:"ethertype"`
	RemoteIPPrefix  *string       `json:"remote_ip_prefix"`
	TenantID        *string       `json:"tenant_id"`
}

// nameOrNumber is a rule protocol in JSON: a name or a number, as a
// string or a number, as the reference's RuleProtocol reader takes it.
type nameOrNumber string

func (p *nameOrNumber) UnmarshalJSON(b []byte) error {
	var raw any
	if err := jsonUnmarshal(b, &raw); err != nil {
		return err
	}
	switch v := raw.(type) {
	case string:
		*p = nameOrNumber(v)
	case float64:
		*p = nameOrNumber(strconv.FormatFloat(v, 'f', -1, 64))
	default:
		return fmt.Errorf("protocol: %v", v)
	}
	return nil
}

// toProto is the protocol named (none when absent).
func (p *nameOrNumber) toProto() (*models.Protocol, error) {
	if p == nil {
		return nil, nil
	}
	protocol, ok := parseRuleProtocol(string(*p))
	if !ok {
		return nil, neutronBadRequest("No RuleProtocol for %s", string(*p))
	}
	return protocol.Enum(), nil
}

// protocolOf is a protocol's JSON name (lower case).
func protocolOf(p *models.Protocol) *nameOrNumber {
	if p == nil {
		return nil
	}
	name := nameOrNumber(strings.ToLower(p.String()))
	return &name
}

// ruleProtocols are the protocols the reference's RuleProtocol knows.
var ruleProtocols = []models.Protocol{
	models.Protocol_TCP, models.Protocol_UDP, models.Protocol_ICMP, models.Protocol_ICMPV6, models.Protocol_AH,
	models.Protocol_DCCP, models.Protocol_EGP, models.Protocol_ESP, models.Protocol_GRE, models.Protocol_IGMP,
	models.Protocol_IPV6_ENCAP, models.Protocol_IPV6_FRAG, models.Protocol_IPV6_NONXT, models.Protocol_IPV6_OPTS,
	models.Protocol_IPV6_ROUTE, models.Protocol_OSPF, models.Protocol_PGM, models.Protocol_RSVP,
	models.Protocol_SCTP, models.Protocol_UDPLITE, models.Protocol_VRRP,
}

func parseRuleProtocol(s string) (models.Protocol, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		for _, p := range ruleProtocols {
			if int8(p) == int8(n) {
				return p, true
			}
		}
		return 0, false
	}
	for _, p := range ruleProtocols {
		if strings.EqualFold(s, p.String()) {
			return p, true
		}
	}
	return 0, false
}

func (d *neutronSecurityGroupRule) toProto() (*models.SecurityGroupRule, error) {
	r := &models.SecurityGroupRule{TenantId: optString(d.TenantID), PortRangeMin: d.PortRangeMin,
		PortRangeMax: d.PortRangeMax, RemoteIpPrefix: optString(d.RemoteIPPrefix)}
	var err error
	if err = readUUIDs(uuidField{&r.Id, d.ID, "id"},
		uuidField{&r.SecurityGroupId, d.SecurityGroupID, "security_group_id"},
		uuidField{&r.RemoteGroupId, d.RemoteGroupID, "remote_group_id"}); err != nil {
		return nil, err
	}
	if d.Direction != nil {
		if v, ok := models.RuleDirection_value[strings.ToUpper(*d.Direction)]; ok {
			r.Direction = models.RuleDirection(v).Enum()
		}
	}
	if d.Ethertype != nil {
		if v, ok := models.EtherType_value[strings.ToUpper(*d.Ethertype)]; ok {
			r.Ethertype = models.EtherType(v).Enum()
		}
	}
	if r.Protocol, err = d.Protocol.toProto(); err != nil {
		return nil, err
	}
	return r, nil
}

func neutronSecurityGroupRuleOf(r *models.SecurityGroupRule) *neutronSecurityGroupRule {
	d := &neutronSecurityGroupRule{ID: outUUID(r.GetId()), SecurityGroupID: outUUID(r.GetSecurityGroupId()),
		RemoteGroupID: outUUID(r.GetRemoteGroupId()), PortRangeMin: r.PortRangeMin, PortRangeMax: r.PortRangeMax,
		RemoteIPPrefix: r.RemoteIpPrefix, TenantID: r.TenantId}
	if r.Direction != nil {
		d.Direction = proto.String(strings.ToLower(r.GetDirection().String()))
	}
	if r.Ethertype != nil {
		d.Ethertype = proto.String(strings.ToLower(r.GetEthertype().String()))
	}
	d.Protocol = protocolOf(r.Protocol)
	return d
}
