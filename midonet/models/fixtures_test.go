package models

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Golden fixtures: text-format objects written once by our Marshal
// (MIDONET_UPDATE_FIXTURES=1 go test -run TestGoldenFixtures rewrites them)
// and committed under testdata/. The tests below prove that they still load
// field by field, that protoc reads our binary encoding the same way, and,
// given the reference .proto files, that the reference reads them too.

type fieldCheck struct {
	path string // dotted field path, list elements as name[i]
	want string // rendered as by renderValue; "<unset>" for absent
}

type fixture struct {
	file   string
	build  func(t *testing.T) proto.Message
	checks []fieldCheck
}

const (
	idNet    = "0b5e3a52-6d84-4b1e-9a35-0d7c1f6e2a01"
	idPort1  = "1c6f4b63-7e95-4c2f-8b46-1e8d2a7f3b02"
	idPort2  = "2d7a5c74-8fa6-4d3a-9c57-2f9e3b8a4c03"
	idRouter = "3e8b6d85-9ab7-4e4b-8d68-3aaf4c9b5d04"
	idChain  = "4f9c7e96-abc8-4f5c-9e79-4bba5dac6e05"
	idChain2 = "5aad8fa7-bcd9-4a6d-8f8a-5ccb6ebd7f06"
	idHost   = "6bbe9ab8-cdea-4b7e-9a9b-6ddc7fce8a07"
	idRoute  = "7ccfabc9-defb-4c8f-8bac-7eed8adf9b08"
	idRule   = "8dd0bcda-ef0c-4d9a-9cbd-8ffe9be0ac09"
	idDhcp   = "9ee1cdeb-f01d-4eab-8dce-9a0fac1bbd0a"
	idTz     = "aff2defc-012e-4fbc-9edf-ab1abd2cce0b"
	idSubnet = "b003ef0d-123f-4acd-8fe0-bc2bce3ddf0c"
	idVtep   = "c114f01e-2340-4bde-9af1-cd3cdf4eea0d"
	idMirror = "d225a12f-3451-4cef-8ba2-de4dea5ffb0e"
	idMax    = "ffffffff-ffff-4fff-bfff-ffffffffffff"
)

func goldenFixtures() []fixture {
	return []fixture{
		{"network.txtpb", func(t *testing.T) proto.Message {
			return &Network{
				Id: uid(t, idNet), TenantId: proto.String("tenant-1"), Name: proto.String("net-1"),
				AdminStateUp: proto.Bool(true), TunnelKey: proto.Uint64(10001),
				InboundFilterId: uid(t, idChain), Vni: proto.Uint32(5000),
				InboundMirrorIds: uids(t, idMirror),
				PortIds:          uids(t, idPort1, idPort2), DhcpIds: uids(t, idDhcp),
			}
		}, []fieldCheck{
			{"id", idNet}, {"tenant_id", "tenant-1"}, {"name", "net-1"}, {"admin_state_up", "true"},
			{"tunnel_key", "10001"}, {"inbound_filter_id", idChain}, {"outbound_filter_id", "<unset>"},
			{"vni", "5000"}, {"inbound_mirror_ids", idMirror}, {"port_ids", idPort1 + "," + idPort2},
			{"dhcp_ids", idDhcp}, {"qos_policy_id", "<unset>"},
		}},
		// Strings needing escapes: quotes, backslash, control characters and
		// non-ASCII text (written as octal escapes of its UTF-8 bytes).
		{"network_escapes.txtpb", func(t *testing.T) proto.Message {
			return &Network{
				Id: uid(t, idMax), Name: proto.String("caf\u00e9 \u2615 \"quoted\" 'single' back\\slash"),
				TenantId: proto.String("\u30c6\u30ca\u30f3\u30c8\t\n\r\a\b\f\v\x00\x01\x1f\x7f~ "),
			}
		}, []fieldCheck{
			{"id", idMax}, {"name", "caf\u00e9 \u2615 \"quoted\" 'single' back\\slash"},
			{"tenant_id", "\u30c6\u30ca\u30f3\u30c8\t\n\r\a\b\f\v\x00\x01\x1f\x7f~ "},
		}},
		{"port.txtpb", func(t *testing.T) proto.Message {
			return &Port{
				Id: uid(t, idPort1), RouterId: uid(t, idRouter), OutboundFilterId: uid(t, idChain2),
				TunnelKey: proto.Uint64(7), PeerId: uid(t, idPort2), HostId: uid(t, idHost),
				InterfaceName: proto.String("tap0"), AdminStateUp: proto.Bool(false),
				PortSubnet:  []*IPSubnet{subnet(t, "10.0.0.1/24"), subnet(t, "2001:db8::1/64")},
				PortAddress: ip(t, "10.0.0.1"), PortMac: proto.String("02:aa:bb:cc:dd:ee"),
				RouteIds: uids(t, idRoute), Vni: proto.Uint32(0), TunnelIp: ip(t, "2001:db8::2"),
				FipNatRuleIds: uids(t, idRule),
			}
		}, []fieldCheck{
			{"id", idPort1}, {"network_id", "<unset>"}, {"router_id", idRouter},
			{"outbound_filter_id", idChain2}, {"tunnel_key", "7"}, {"peer_id", idPort2}, {"host_id", idHost},
			{"interface_name", "tap0"}, {"admin_state_up", "false"},
			{"port_subnet", "10.0.0.1/24,2001:db8:0:0:0:0:0:1/64"}, {"port_subnet[1].version", "V6"},
			{"port_address", "10.0.0.1"}, {"port_address.version", "V4"}, {"port_mac", "02:aa:bb:cc:dd:ee"},
			{"route_ids", idRoute}, {"vni", "0"}, {"tunnel_ip", "2001:db8:0:0:0:0:0:2"},
			{"fip_nat_rule_ids", idRule}, {"vlan_id", "<unset>"}, {"previous_host_id", "<unset>"},
		}},
		{"router.txtpb", func(t *testing.T) proto.Message {
			return &Router{
				Id: uid(t, idRouter), Name: proto.String("edge"), AdminStateUp: proto.Bool(true),
				AsNumber: proto.Int32(65001), RouteIds: uids(t, idRoute), PortIds: uids(t, idPort1),
				LocalRedirectChainId: uid(t, idChain2),
			}
		}, []fieldCheck{
			{"id", idRouter}, {"name", "edge"}, {"admin_state_up", "true"}, {"as_number", "65001"},
			{"route_ids", idRoute}, {"port_ids", idPort1}, {"local_redirect_chain_id", idChain2},
			{"load_balancer_id", "<unset>"},
		}},
		{"rule_nat.txtpb", func(t *testing.T) proto.Message {
			return &Rule{
				Id: uid(t, idRule), Type: Rule_NAT_RULE.Enum(), ChainId: uid(t, idChain),
				Action: Rule_ACCEPT.Enum(), FipPortId: uid(t, idPort1),
				Condition: &Condition{
					MatchForwardFlow: proto.Bool(true), InPortIds: uids(t, idPort1, idPort2),
					DlType: proto.Int32(0x0800), DlSrc: proto.String("02:00:00:00:00:01"),
					DlSrcMask: proto.Int64(-1), NwProto: proto.Int32(6),
					NwDstIp: subnet(t, "192.0.2.0/24"), TpDst: &Int32Range{Start: proto.Int32(80), End: proto.Int32(8080)},
					NwSrcInv:       proto.Bool(true),
					FragmentPolicy: Condition_HEADER.Enum(), Vlan: proto.Uint32(100),
				},
				Metadata: []*MetadataEntry{{Key: proto.String("origin"), Value: proto.String("neutron")}},
				RuleData: &Rule_NatRuleData_{NatRuleData: &Rule_NatRuleData{
					NatTargets: []*Rule_NatTarget{{
						NwStart: ip(t, "203.0.113.1"), NwEnd: ip(t, "203.0.113.10"),
						TpStart: proto.Uint32(1024), TpEnd: proto.Uint32(65535),
					}},
					Dnat: proto.Bool(true),
				}},
			}
		}, []fieldCheck{
			{"id", idRule}, {"type", "NAT_RULE"}, {"chain_id", idChain}, {"action", "ACCEPT"},
			{"fip_port_id", idPort1}, {"condition.match_forward_flow", "true"},
			{"condition.in_port_ids", idPort1 + "," + idPort2}, {"condition.dl_type", "2048"},
			{"condition.dl_src", "02:00:00:00:00:01"}, {"condition.dl_src_mask", "-1"},
			{"condition.nw_proto", "6"}, {"condition.nw_dst_ip", "192.0.2.0/24"},
			{"condition.tp_dst.start", "80"}, {"condition.tp_dst.end", "8080"}, {"condition.nw_src_inv", "true"},
			{"condition.fragment_policy", "HEADER"}, {"condition.vlan", "100"}, {"condition.no_vlan", "<unset>"},
			{"metadata[0].key", "origin"}, {"metadata[0].value", "neutron"},
			{"nat_rule_data.nat_targets[0].nw_start", "203.0.113.1"},
			{"nat_rule_data.nat_targets[0].nw_end", "203.0.113.10"},
			{"nat_rule_data.nat_targets[0].tp_start", "1024"}, {"nat_rule_data.nat_targets[0].tp_end", "65535"},
			{"nat_rule_data.dnat", "true"}, {"nat_rule_data.reverse", "<unset>"}, {"jump_rule_data", "<unset>"},
		}},
		{"rule_jump.txtpb", func(t *testing.T) proto.Message {
			return &Rule{
				Id: uid(t, idMax), Type: Rule_JUMP_RULE.Enum(), ChainId: uid(t, idChain), Action: Rule_JUMP.Enum(),
				Condition: &Condition{},
				RuleData: &Rule_JumpRuleData_{JumpRuleData: &Rule_JumpRuleData{
					JumpChainId: uid(t, idChain2), JumpChainName: proto.String("target"),
				}},
			}
		}, []fieldCheck{
			{"id", idMax}, {"type", "JUMP_RULE"}, {"chain_id", idChain}, {"action", "JUMP"}, {"condition.conjunction_inv", "<unset>"},
			{"jump_rule_data.jump_chain_id", idChain2}, {"jump_rule_data.jump_chain_name", "target"},
			{"nat_rule_data", "<unset>"},
		}},
		{"chain.txtpb", func(t *testing.T) proto.Message {
			return &Chain{
				Id: uid(t, idChain), Name: proto.String("in-filter"), TenantId: proto.String("tenant-1"),
				RuleIds: uids(t, idRule, idMax), NetworkInboundIds: uids(t, idNet), JumpRuleIds: uids(t, idMax),
			}
		}, []fieldCheck{
			{"id", idChain}, {"name", "in-filter"}, {"tenant_id", "tenant-1"}, {"rule_ids", idRule + "," + idMax},
			{"network_inbound_ids", idNet}, {"jump_rule_ids", idMax}, {"router_redirect_ids", ""},
		}},
		{"host.txtpb", func(t *testing.T) proto.Message {
			return &Host{
				Id: uid(t, idHost), Name: proto.String("compute-1"), FloodingProxyWeight: proto.Int32(3),
				ContainerLimit: proto.Int32(10), EnforceContainerLimit: proto.Bool(true),
				TunnelZoneIds: uids(t, idTz), PortIds: uids(t, idPort1),
			}
		}, []fieldCheck{
			{"id", idHost}, {"name", "compute-1"}, {"flooding_proxy_weight", "3"}, {"container_weight", "<unset>"},
			{"container_limit", "10"}, {"enforce_container_limit", "true"}, {"tunnel_zone_ids", idTz},
			{"port_ids", idPort1},
		}},
		{"tunnel_zone.txtpb", func(t *testing.T) proto.Message {
			return &TunnelZone{
				Id: uid(t, idTz), Name: proto.String("tz-vxlan"), Type: TunnelZone_VXLAN.Enum(),
				Hosts:   []*TunnelZone_HostToIp{{HostId: uid(t, idHost), Ip: ip(t, "192.168.1.10")}},
				HostIds: uids(t, idHost),
			}
		}, []fieldCheck{
			{"id", idTz}, {"name", "tz-vxlan"}, {"type", "VXLAN"}, {"hosts[0].host_id", idHost},
			{"hosts[0].ip", "192.168.1.10"}, {"host_ids", idHost},
		}},
		{"dhcp.txtpb", func(t *testing.T) proto.Message {
			return &Dhcp{
				Id: uid(t, idDhcp), NetworkId: uid(t, idNet), SubnetAddress: subnet(t, "10.0.0.0/24"),
				ServerAddress: ip(t, "10.0.0.2"), DnsServerAddress: []*IPAddress{ip(t, "8.8.8.8"), ip(t, "1.1.1.1")},
				DefaultGateway: ip(t, "10.0.0.1"), InterfaceMtu: proto.Int32(1450),
				Opt121Routes: []*Dhcp_Opt121Route{{DstSubnet: subnet(t, "169.254.169.254/32"), Gateway: ip(t, "10.0.0.3")}},
				Hosts: []*Dhcp_Host{{
					Mac: proto.String("02:00:00:00:00:09"), IpAddress: ip(t, "10.0.0.9"), Name: proto.String("vm-9"),
					ExtraDhcpOpts: []*Dhcp_Host_ExtraDhcpOpt{{Name: proto.String("mtu"), Value: proto.String("1400")}},
				}},
				Enabled: proto.Bool(true), RouterIfPortId: uid(t, idPort1),
			}
		}, []fieldCheck{
			{"id", idDhcp}, {"network_id", idNet}, {"subnet_address", "10.0.0.0/24"}, {"server_address", "10.0.0.2"},
			{"dns_server_address", "8.8.8.8,1.1.1.1"}, {"default_gateway", "10.0.0.1"}, {"interface_mtu", "1450"},
			{"opt121_routes[0].dst_subnet", "169.254.169.254/32"}, {"opt121_routes[0].gateway", "10.0.0.3"},
			{"hosts[0].mac", "02:00:00:00:00:09"}, {"hosts[0].ip_address", "10.0.0.9"}, {"hosts[0].name", "vm-9"},
			{"hosts[0].extra_dhcp_opts[0].name", "mtu"}, {"hosts[0].extra_dhcp_opts[0].value", "1400"},
			{"enabled", "true"}, {"router_if_port_id", idPort1}, {"gateway_route_ids", ""},
		}},
		{"route.txtpb", func(t *testing.T) proto.Message {
			return &Route{
				Id: uid(t, idRoute), SrcSubnet: subnet(t, "0.0.0.0/0"), DstSubnet: subnet(t, "10.1.0.0/16"),
				NextHop: Route_PORT.Enum(), NextHopPortId: uid(t, idPort1), Weight: proto.Int32(100),
				RouterId: uid(t, idRouter), NextHopGateway: ip(t, "10.0.0.254"),
			}
		}, []fieldCheck{
			{"id", idRoute}, {"src_subnet", "0.0.0.0/0"}, {"dst_subnet", "10.1.0.0/16"}, {"next_hop", "PORT"},
			{"next_hop_port_id", idPort1}, {"weight", "100"}, {"router_id", idRouter},
			{"next_hop_gateway", "10.0.0.254"}, {"attributes", "<unset>"},
		}},
		{"vtep.txtpb", func(t *testing.T) proto.Message {
			return &Vtep{
				Id: uid(t, idVtep), ManagementIp: ip(t, "192.168.2.1"), ManagementPort: proto.Uint32(6632),
				TunnelZoneId: uid(t, idTz),
				Bindings:     []*Vtep_Binding{{PortName: proto.String("eth1"), VlanId: proto.Uint32(0), NetworkId: uid(t, idNet)}},
			}
		}, []fieldCheck{
			{"id", idVtep}, {"management_ip", "192.168.2.1"}, {"management_port", "6632"}, {"tunnel_zone_id", idTz},
			{"bindings[0].port_name", "eth1"}, {"bindings[0].vlan_id", "0"}, {"bindings[0].network_id", idNet},
		}},
		{"neutron_port.txtpb", func(t *testing.T) proto.Message {
			return &NeutronPort{
				Id: uid(t, idPort2), NetworkId: uid(t, idNet), TenantId: proto.String("tenant-1"),
				MacAddress: proto.String("fa:16:3e:00:00:01"), AdminStateUp: proto.Bool(true),
				FixedIps:    []*NeutronPort_IPAllocation{{IpAddress: ip(t, "10.0.0.5"), SubnetId: uid(t, idSubnet)}},
				DeviceOwner: NeutronPort_ROUTER_INTERFACE.Enum(), DeviceId: proto.String(idRouter),
				SecurityGroups: uids(t, idChain), HostId: proto.String("compute-1"),
				Profile:             &NeutronPort_BindingProfile{InterfaceName: proto.String("tap5")},
				PortSecurityEnabled: proto.Bool(false),
				AllowedAddressPairs: []*NeutronPort_AllowedAddressPair{{IpAddress: subnet(t, "10.0.0.100/32"), MacAddress: proto.String("fa:16:3e:00:00:02")}},
			}
		}, []fieldCheck{
			{"id", idPort2}, {"network_id", idNet}, {"tenant_id", "tenant-1"}, {"admin_state_up", "true"},
			{"mac_address", "fa:16:3e:00:00:01"},
			{"fixed_ips[0].ip_address", "10.0.0.5"}, {"fixed_ips[0].subnet_id", idSubnet},
			{"device_owner", "ROUTER_INTERFACE"}, {"device_id", idRouter}, {"security_groups", idChain},
			{"host_id", "compute-1"}, {"profile.interface_name", "tap5"}, {"port_security_enabled", "false"},
			{"allowed_address_pairs[0].ip_address", "10.0.0.100/32"}, {"gw_router_id", "<unset>"},
		}},
		{"zoom_object.txtpb", func(t *testing.T) proto.Message {
			return &ZoomObject{Provenance: []*ZoomProvenance{{
				ProductVersion: proto.String("5.6.0"), ProductCommit: proto.String("0123abc"),
				ChangeOwner: proto.Int32(0x101), ChangeType: proto.Int32(1), ChangeVersion: proto.Int32(0),
			}}}
		}, []fieldCheck{
			{"provenance[0].product_version", "5.6.0"}, {"provenance[0].product_commit", "0123abc"},
			{"provenance[0].change_owner", "257"}, {"provenance[0].change_type", "1"},
			{"provenance[0].change_version", "0"},
		}},
		{"host_state.txtpb", func(t *testing.T) proto.Message {
			return &HostState{HostId: uid(t, idHost), Interfaces: []*HostState_Interface{{
				Name: proto.String("eth0"), Type: HostState_Interface_PHYSICAL.Enum(), Mac: proto.String("52:54:00:12:34:56"),
				Addresses: []*IPAddress{ip(t, "192.168.1.10"), ip(t, "fe80::1")}, Up: proto.Bool(true),
				HasLink: proto.Bool(true), Mtu: proto.Int32(1500), Endpoint: HostState_Interface_PHYSICAL_EP.Enum(),
				PortType: HostState_Interface_NET_DEV_DP.Enum(), Ifindex: proto.Int32(2),
			}}}
		}, []fieldCheck{
			{"host_id", idHost}, {"interfaces[0].name", "eth0"}, {"interfaces[0].type", "PHYSICAL"},
			{"interfaces[0].addresses", "192.168.1.10,fe80:0:0:0:0:0:0:1"}, {"interfaces[0].mtu", "1500"},
			{"interfaces[0].endpoint", "PHYSICAL_EP"}, {"interfaces[0].port_type", "NET_DEV_DP"},
		}},
	}
}

func TestGoldenFixtures(t *testing.T) {
	update := os.Getenv("MIDONET_UPDATE_FIXTURES") != ""
	for _, fx := range goldenFixtures() {
		t.Run(fx.file, func(t *testing.T) {
			want := fx.build(t)
			path := filepath.Join("testdata", fx.file)
			if update {
				b, err := Marshal(want)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (MIDONET_UPDATE_FIXTURES=1 regenerates)", err)
			}
			got := want.ProtoReflect().Type().New().Interface()
			if err := Unmarshal(data, got); err != nil {
				t.Fatal(err)
			}
			for _, c := range fx.checks {
				if v := renderPath(t, got, c.path); v != c.want {
					t.Errorf("%s = %q, want %q", c.path, v, c.want)
				}
			}
			if !proto.Equal(got, want) {
				t.Errorf("fixture differs from the object that produced it:\nfile: %v\nwant: %v", got, want)
			}
		})
	}
}

// TestFixtureChecksCoverEveryField keeps the field-by-field checks honest:
// every field set in a fixture must be checked by at least one path.
func TestFixtureChecksCoverEveryField(t *testing.T) {
	for _, fx := range goldenFixtures() {
		checked := map[string]bool{}
		for _, c := range fx.checks {
			checked[strings.Split(regexp.MustCompile(`\[\d+\]`).ReplaceAllString(c.path, ""), ".")[0]] = true
		}
		fx.build(t).ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !checked[string(fd.Name())] {
				t.Errorf("%s: field %s is set but never checked", fx.file, fd.Name())
			}
			return true
		})
	}
}

var pathElem = regexp.MustCompile(`^([a-z0-9_]+)(?:\[(\d+)\])?$`)

// renderPath follows a dotted path through msg and renders the value found.
func renderPath(t *testing.T, msg proto.Message, path string) string {
	t.Helper()
	m := msg.ProtoReflect()
	parts := strings.Split(path, ".")
	for i, part := range parts {
		sm := pathElem.FindStringSubmatch(part)
		if sm == nil {
			t.Fatalf("bad path element %q in %q", part, path)
		}
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(sm[1]))
		if fd == nil {
			t.Fatalf("%s has no field %q (path %q)", m.Descriptor().FullName(), sm[1], path)
		}
		last := i == len(parts)-1
		if fd.IsList() {
			list := m.Get(fd).List()
			if sm[2] == "" {
				if !last {
					t.Fatalf("path %q: list %s needs an index", path, fd.Name())
				}
				items := make([]string, list.Len())
				for j := range items {
					items[j] = renderValue(fd, list.Get(j))
				}
				return strings.Join(items, ",")
			}
			idx, _ := strconv.Atoi(sm[2])
			if idx >= list.Len() {
				return "<unset>"
			}
			if last {
				return renderValue(fd, list.Get(idx))
			}
			m = list.Get(idx).Message()
			continue
		}
		if !m.Has(fd) {
			return "<unset>"
		}
		if last {
			return renderValue(fd, m.Get(fd))
		}
		m = m.Get(fd).Message()
	}
	return "<unreachable>"
}

func renderValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch x := v.Message().Interface().(type) {
		case *UUID:
			return x.Canonical()
		case *IPAddress:
			return x.GetAddress()
		case *IPSubnet:
			return x.CIDR()
		default:
			return fmt.Sprintf("<%s>", fd.Message().Name())
		}
	default:
		return fmt.Sprint(v.Interface())
	}
}

func uid(t *testing.T, s string) *UUID {
	t.Helper()
	id, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func uids(t *testing.T, ss ...string) []*UUID {
	t.Helper()
	out := make([]*UUID, len(ss))
	for i, s := range ss {
		out[i] = uid(t, s)
	}
	return out
}

func ip(t *testing.T, s string) *IPAddress {
	t.Helper()
	a, err := ParseIPAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func subnet(t *testing.T, s string) *IPSubnet {
	t.Helper()
	n, err := ParseIPSubnet(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
