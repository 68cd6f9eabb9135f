package models

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// javaPort is what Java's TextFormat.print writes for a Port: "name {" for
// messages, unsigned decimal for uint64, enum names, octal escapes for
// non-ASCII bytes and \' for quotes. It also carries fields this build does
// not know, as data written by a newer JVM cluster would.
const javaPort = `id {
  msb: 17654785398438543873
  lsb: 12345
}
network_id {
  msb: 1
  lsb: 2
}
interface_name: "tap\303\251\'x\""
admin_state_up: false
port_group_ids {
  msb: 3
  lsb: 4
}
port_group_ids {
  msb: 5
  lsb: 6
}
port_subnet {
  version: V4
  address: "10.0.0.0"
  prefix_length: 24
}
port_mac: "02:00:00:00:00:01"
future_scalar: 42
future_message {
  nested {
    x: "y"
  }
  list: [1, 2]
}
tunnel_ip {
  version: V6
  address: "2001:db8:0:0:0:0:0:1"
}
`

func TestUnmarshalJavaTextFormat(t *testing.T) {
	var p Port
	if err := Unmarshal([]byte(javaPort), &p); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id.msb", p.GetId().GetMsb(), uint64(17654785398438543873)},
		{"id.lsb", p.GetId().GetLsb(), uint64(12345)},
		{"network_id", p.GetNetworkId().Canonical(), "00000000-0000-0001-0000-000000000002"},
		{"interface_name", p.GetInterfaceName(), "tap\u00e9'x\""},
		{"admin_state_up set", p.AdminStateUp != nil, true},
		{"admin_state_up", p.GetAdminStateUp(), false},
		{"port_group_ids", strings.Join(UUIDsToStrings(p.GetPortGroupIds()), ","),
			"00000000-0000-0003-0000-000000000004,00000000-0000-0005-0000-000000000006"},
		{"port_subnet", p.GetPortSubnet()[0].CIDR(), "10.0.0.0/24"},
		{"port_mac", p.GetPortMac(), "02:00:00:00:00:01"},
		{"tunnel_ip version", p.GetTunnelIp().GetVersion(), IPVersion_V6},
		{"tunnel_ip", p.GetTunnelIp().GetAddress(), "2001:db8:0:0:0:0:0:1"},
		{"unknown fields kept", len(p.ProtoReflect().GetUnknown()), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestRoundTripKeepsExplicitValues(t *testing.T) {
	in := &Port{
		Id:           NewUUID(),
		RouterId:     NewUUID(),
		AdminStateUp: proto.Bool(false), // differs from the default (true): must survive
		TunnelKey:    proto.Uint64(0),   // explicitly zero: presence must survive
		PortAddress:  &IPAddress{Version: IPVersion_V4.Enum(), Address: proto.String("10.0.0.1")},
	}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Port
	if err := Unmarshal(b, &out); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if !proto.Equal(in, &out) {
		t.Errorf("round trip changed the port:\n in: %v\nout: %v", in, &out)
	}
	if out.AdminStateUp == nil || out.GetAdminStateUp() || out.TunnelKey == nil {
		t.Errorf("explicit values lost: admin_state_up=%v tunnel_key=%v", out.AdminStateUp, out.TunnelKey)
	}
	if !strings.Contains(string(b), "\n") {
		t.Errorf("Marshal output is not multi-line: %q", b)
	}
}

func TestProto2Defaults(t *testing.T) {
	id := []byte("id {\n  msb: 1\n  lsb: 2\n}\n")
	load := func(m proto.Message) proto.Message {
		t.Helper()
		if err := Unmarshal(id, m); err != nil {
			t.Fatalf("Unmarshal %T: %v", m, err)
		}
		return m
	}
	port := load(&Port{}).(*Port)
	router := load(&Router{}).(*Router)
	host := load(&Host{}).(*Host)
	hm := load(&HealthMonitor{}).(*HealthMonitor)
	pool := load(&Pool{}).(*Pool)
	member := load(&PoolMember{}).(*PoolMember)
	scg := load(&ServiceContainerGroup{}).(*ServiceContainerGroup)
	nport := load(&NeutronPort{}).(*NeutronPort)
	var css ContainerServiceStatus
	tests := []struct {
		name      string
		got, want any
	}{
		{"Port.admin_state_up", port.GetAdminStateUp(), true},
		{"Router.as_number", router.GetAsNumber(), int32(-1)},
		{"Host.flooding_proxy_weight", host.GetFloodingProxyWeight(), int32(1)},
		{"Host.container_weight", host.GetContainerWeight(), int32(1)},
		{"Host.container_limit", host.GetContainerLimit(), int32(-1)},
		{"Host.enforce_container_limit", host.GetEnforceContainerLimit(), false},
		{"HealthMonitor.type", hm.GetType(), HealthMonitor_TCP},
		{"HealthMonitor.status", hm.GetStatus(), LBStatus_ACTIVE},
		{"Pool.protocol", pool.GetProtocol(), Pool_TCP},
		{"Pool.lb_method", pool.GetLbMethod(), Pool_ROUND_ROBIN},
		{"Pool.status", pool.GetStatus(), LBStatus_ACTIVE},
		{"PoolMember.status", member.GetStatus(), LBStatus_ACTIVE},
		{"ServiceContainerGroup.policy", scg.GetPolicy(), ServiceContainerPolicy_WEIGHTED_SCHEDULER},
		{"NeutronPort.device_owner", nport.GetDeviceOwner(), NeutronPort_COMPUTE},
		{"NeutronPort.port_security_enabled", nport.GetPortSecurityEnabled(), true},
		{"ContainerServiceStatus.weight", css.GetWeight(), int32(1)},
		{"ContainerServiceStatus.quota", css.GetQuota(), int32(-1)},
		{"ContainerServiceStatus.count", css.GetCount(), int32(0)},
		// Defaults are not written back: an object read and re-written is unchanged.
		{"Port.admin_state_up present", port.AdminStateUp != nil, false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestUnmarshalRejectsBadInput(t *testing.T) {
	tests := []struct{ name, text string }{
		{"syntax", "id {\n  msb: 1\n"},
		{"missing required lsb", "id {\n  msb: 1\n}\n"},
		{"wrong type", "interface_name: 12\n"},
		{"unknown enum value", "port_subnet {\n  version: V5\n  address: \"x\"\n}\n"},
		{"not text", "\x00\x01\x02"},
		{"scalar overflow", "id {\n  msb: 18446744073709551616\n  lsb: 1\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Port
			err := Unmarshal([]byte(tt.text), &p)
			if err == nil {
				t.Fatalf("Unmarshal(%q) succeeded: %v", tt.text, &p)
			}
			if !strings.Contains(err.Error(), "Port") {
				t.Errorf("error does not name the class: %v", err)
			}
		})
	}
	var ive *InvalidValueError
	if err := Unmarshal([]byte("x: 1"), nil); !errors.As(err, &ive) {
		t.Errorf("Unmarshal into nil: %v", err)
	}
}

func TestMarshalRejectsIncompleteMessages(t *testing.T) {
	if _, err := Marshal(&Port{Id: &UUID{Msb: proto.Uint64(1)}}); err == nil {
		t.Error("Marshal accepted a UUID without lsb")
	}
	var ive *InvalidValueError
	if _, err := Marshal(nil); !errors.As(err, &ive) {
		t.Errorf("Marshal(nil): %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(javaPort))
	f.Add([]byte("id {\n  msb: 1\n  lsb: 2\n}\nrule_data: 1\n"))
	f.Add([]byte("nat_rule_data { nat_targets { tp_start: 1 } }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Rule
		if err := Unmarshal(data, &r); err != nil {
			return
		}
		b, err := Marshal(&r)
		if err != nil {
			t.Fatalf("parsed message does not marshal: %v", err)
		}
		var again Rule
		if err := Unmarshal(b, &again); err != nil || !proto.Equal(&r, &again) {
			t.Fatalf("re-parse of %q: %v", b, err)
		}
	})
}

func TestUnmarshalResetsTarget(t *testing.T) {
	p := &Port{InterfaceName: proto.String("stale"), PortGroupIds: []*UUID{NewUUID()}}
	if err := Unmarshal([]byte("port_mac: \"m\"\n"), p); err != nil {
		t.Fatal(err)
	}
	if p.InterfaceName != nil || len(p.PortGroupIds) != 0 || p.GetPortMac() != "m" {
		t.Errorf("Unmarshal merged into old contents: %v", p)
	}
}
