package models

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func TestUUIDConversions(t *testing.T) {
	tests := []struct {
		text     string
		msb, lsb uint64
	}{
		// Values as java.util.UUID splits them.
		{"00000000-0000-007b-0000-0000000001c8", 123, 456},
		{"00000000-0000-0000-0000-000000000000", 0, 0},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", ^uint64(0), ^uint64(0)},
		{"f81d4fae-7dec-11d0-a765-00a0c91e6bf6", 0xf81d4fae7dec11d0, 0xa76500a0c91e6bf6},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			id, err := ParseUUID(tt.text)
			if err != nil {
				t.Fatalf("ParseUUID: %v", err)
			}
			if id.GetMsb() != tt.msb || id.GetLsb() != tt.lsb {
				t.Errorf("ParseUUID = {%#x, %#x}, want {%#x, %#x}", id.GetMsb(), id.GetLsb(), tt.msb, tt.lsb)
			}
			if got := (&UUID{Msb: proto.Uint64(tt.msb), Lsb: proto.Uint64(tt.lsb)}).Canonical(); got != tt.text {
				t.Errorf("Canonical = %q, want %q", got, tt.text)
			}
			g := uuid.MustParse(tt.text)
			if got := UUIDFromGoogle(g); !got.Equal(id) {
				t.Errorf("UUIDFromGoogle = %v, want %v", got, id)
			}
			if got := id.ToGoogle(); got != g {
				t.Errorf("ToGoogle = %v, want %v", got, g)
			}
		})
	}
}

func TestUUIDUppercaseIsCanonicalised(t *testing.T) {
	id, err := ParseUUID("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")
	if err != nil {
		t.Fatal(err)
	}
	if got := id.Canonical(); got != "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" {
		t.Errorf("Canonical = %q", got)
	}
}

func TestParseUUIDRejectsGarbage(t *testing.T) {
	for _, s := range []string{"", "not-a-uuid", "f81d4fae-7dec-11d0-a765", "f81d4fae-7dec-11d0-a765-00a0c91e6bfz"} {
		_, err := ParseUUID(s)
		var ive *InvalidValueError
		if !errors.As(err, &ive) || ive.Kind != "UUID" || ive.Value != s {
			t.Errorf("ParseUUID(%q) error = %v, want *InvalidValueError for UUID", s, err)
		}
	}
	if _, err := ParseUUIDs([]string{NewUUID().Canonical(), "bad"}); err == nil {
		t.Error("ParseUUIDs accepted a bad element")
	}
}

func TestUUIDEqualAndNil(t *testing.T) {
	a := NewUUID()
	b := proto.Clone(a).(*UUID)
	if !a.Equal(b) || a.Equal(NewUUID()) || a.Equal(nil) || !(*UUID)(nil).Equal(nil) {
		t.Error("Equal gives wrong answers")
	}
	if got := (*UUID)(nil).ToGoogle(); got != uuid.Nil {
		t.Errorf("nil ToGoogle = %v", got)
	}
	ss := UUIDsToStrings([]*UUID{a, b})
	back, err := ParseUUIDs(ss)
	if err != nil || len(back) != 2 || !back[0].Equal(a) || !back[1].Equal(b) {
		t.Errorf("strings round trip: %v %v", back, err)
	}
}

func TestIPAddressConversions(t *testing.T) {
	tests := []struct {
		in      string
		version IPVersion
		stored  string // the text the JVM cluster would store
	}{
		{"10.0.0.1", IPVersion_V4, "10.0.0.1"},
		{"0.0.0.0", IPVersion_V4, "0.0.0.0"},
		{"2001:db8::1", IPVersion_V6, "2001:db8:0:0:0:0:0:1"},
		{"::", IPVersion_V6, "0:0:0:0:0:0:0:0"},
		{"FE80::A:B", IPVersion_V6, "fe80:0:0:0:0:0:a:b"},
		{"::ffff:1.2.3.4", IPVersion_V6, "0:0:0:0:0:ffff:102:304"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ip, err := ParseIPAddress(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if ip.GetVersion() != tt.version || ip.GetAddress() != tt.stored {
				t.Errorf("got {%v %q}, want {%v %q}", ip.GetVersion(), ip.GetAddress(), tt.version, tt.stored)
			}
			a, err := ip.ToAddr()
			if err != nil {
				t.Fatal(err)
			}
			if want := netip.MustParseAddr(tt.in); a != want {
				t.Errorf("ToAddr = %v, want %v", a, want)
			}
		})
	}
}

func TestIPAddressRejectsBadInput(t *testing.T) {
	v4, v6 := IPVersion_V4, IPVersion_V6
	bad := []*IPAddress{
		nil,
		{Version: &v4, Address: proto.String("2001:db8::1")},
		{Version: &v6, Address: proto.String("10.0.0.1")},
		{Version: &v4, Address: proto.String("10.0.0.300")},
		{Version: IPVersion(7).Enum(), Address: proto.String("10.0.0.1")},
	}
	for _, ip := range bad {
		_, err := ip.ToAddr()
		var ive *InvalidValueError
		if !errors.As(err, &ive) {
			t.Errorf("ToAddr(%v) error = %v, want *InvalidValueError", ip, err)
		}
	}
	if _, err := ParseIPAddress("10.1"); err == nil {
		t.Error("ParseIPAddress accepted 10.1")
	}
	if _, err := IPAddressFromAddr(netip.Addr{}); err == nil {
		t.Error("IPAddressFromAddr accepted the zero Addr")
	}
}

func TestIPSubnetConversions(t *testing.T) {
	tests := []struct {
		in      string
		version IPVersion
		addr    string
		plen    uint32
	}{
		{"10.0.0.0/24", IPVersion_V4, "10.0.0.0", 24},
		{"10.0.0.1/24", IPVersion_V4, "10.0.0.1", 24}, // router port address: not masked
		{"0.0.0.0/0", IPVersion_V4, "0.0.0.0", 0},
		{"2001:db8::/64", IPVersion_V6, "2001:db8:0:0:0:0:0:0", 64},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseIPSubnet(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.GetVersion() != tt.version || s.GetAddress() != tt.addr || s.GetPrefixLength() != tt.plen {
				t.Errorf("got %v", s)
			}
			p, err := s.ToPrefix()
			if err != nil {
				t.Fatal(err)
			}
			if want := netip.MustParsePrefix(tt.in); p != want {
				t.Errorf("ToPrefix = %v, want %v", p, want)
			}
		})
	}
	v4 := IPVersion_V4
	for _, s := range []*IPSubnet{
		nil,
		{Version: &v4, Address: proto.String("10.0.0.0"), PrefixLength: proto.Uint32(33)},
		{Version: &v4, Address: proto.String("::"), PrefixLength: proto.Uint32(0)},
		{Version: &v4, Address: proto.String("x"), PrefixLength: proto.Uint32(8)},
	} {
		if _, err := s.ToPrefix(); err == nil {
			t.Errorf("ToPrefix(%v) accepted bad subnet", s)
		}
	}
	if _, err := ParseIPSubnet("10.0.0.0"); err == nil {
		t.Error("ParseIPSubnet accepted an address without length")
	}
	if got := (&IPSubnet{Version: &v4, Address: proto.String("10.0.0.0"), PrefixLength: proto.Uint32(8)}).CIDR(); got != "10.0.0.0/8" {
		t.Errorf("CIDR = %q", got)
	}
}

func TestRegisteredClasses(t *testing.T) {
	classes := Classes()
	count := map[Source]int{}
	seen := map[string]bool{}
	uuidName := (&UUID{}).ProtoReflect().Descriptor().FullName()
	for _, c := range classes {
		count[c.Source]++
		if seen[c.Name] {
			t.Errorf("class %s registered twice", c.Name)
		}
		seen[c.Name] = true
		d := c.Type.Descriptor()
		if d.FullName() != protoreflect.FullName("org.midonet.cluster.models."+c.Name) {
			t.Errorf("class %s has full name %s", c.Name, d.FullName())
		}
		id := d.Fields().ByName("id")
		if id == nil || id.Number() != 1 || id.Message() == nil || id.Message().FullName() != uuidName {
			t.Errorf("class %s lacks field 1 'id' of type UUID", c.Name)
		}
		byName, ok := ClassByName(c.Name)
		if !ok || byName.Type != c.Type {
			t.Errorf("ClassByName(%s) = %v, %v", c.Name, byName, ok)
		}
		msg := c.New()
		if of, ok := ClassOf(msg); !ok || of.Name != c.Name {
			t.Errorf("ClassOf(new %s) = %v, %v", c.Name, of, ok)
		}
	}
	if count[SourceTopology] != 31 || count[SourceNeutron] != 27 {
		t.Errorf("got %d topology and %d neutron classes, want 31 and 27", count[SourceTopology], count[SourceNeutron])
	}
	if c, ok := ClassByName("Network"); !ok {
		t.Error("Network not registered")
	} else if _, isNetwork := c.New().(*Network); !isNetwork {
		t.Errorf("Network class builds %T", c.New())
	}
	for _, notStored := range []string{"Bridge", "NeutronRoute", "NeutronLoadBalancerV2", "L2Gateway", "UUID", "ZoomObject"} {
		if _, ok := ClassByName(notStored); ok {
			t.Errorf("%s must not be a registered class", notStored)
		}
	}
	if _, ok := ClassOf(&IPAddress{}); ok {
		t.Error("ClassOf(IPAddress) found a class")
	}
}

func TestIDAccessors(t *testing.T) {
	id := NewUUID()
	port := &Port{}
	if _, err := ID(port); err == nil {
		t.Error("ID of a port without id succeeded")
	}
	if err := SetID(port, id); err != nil {
		t.Fatal(err)
	}
	got, err := ID(port)
	if err != nil || !got.Equal(id) {
		t.Fatalf("ID = %v, %v; want %v", got, err, id)
	}
	id.Msb = proto.Uint64(1) // SetID stored a copy
	if port.GetId().GetMsb() == 1 && port.GetId().GetLsb() == id.GetLsb() {
		t.Error("SetID aliases its argument")
	}
	var ive *InvalidValueError
	if err := SetID(&IPAddress{}, id); !errors.As(err, &ive) {
		t.Errorf("SetID on IPAddress: %v", err)
	}
	if _, err := ID(&Rule_NatTarget{}); !errors.As(err, &ive) {
		t.Errorf("ID on NatTarget: %v", err)
	}
	if _, err := ID(nil); !errors.As(err, &ive) {
		t.Errorf("ID(nil): %v", err)
	}
	if err := SetID(port, nil); err != nil || port.Id != nil {
		t.Errorf("SetID(nil) = %v, id %v", err, port.Id)
	}
}

func TestTopologyTypes(t *testing.T) {
	// Every Type value names exactly one class, and only LoggingResource and
	// RuleLogger among the topology classes have none.
	values := (Type(0)).Descriptor().Values()
	for i := 0; i < values.Len(); i++ {
		tt := Type(values.Get(i).Number())
		c, ok := ClassByTopologyType(tt)
		if !ok {
			t.Errorf("no class for %v", tt)
			continue
		}
		if c.TopologyType != tt || c.Source != SourceTopology {
			t.Errorf("ClassByTopologyType(%v) = %s (%v)", tt, c.Name, c.TopologyType)
		}
	}
	var untyped []string
	for _, c := range Classes() {
		if c.Source == SourceTopology && c.TopologyType == 0 {
			untyped = append(untyped, c.Name)
		}
		if c.Source == SourceNeutron && c.TopologyType != 0 {
			t.Errorf("Neutron class %s has topology type %v", c.Name, c.TopologyType)
		}
	}
	if got := strings.Join(untyped, ","); got != "LoggingResource,RuleLogger" {
		t.Errorf("topology classes without a Type: %s", got)
	}
	if c, ok := ClassByTopologyType(Type_NETWORK); !ok || c.Name != "Network" {
		t.Errorf("NETWORK -> %v", c.Name)
	}
	if _, ok := ClassByTopologyType(0); ok {
		t.Error("type 0 found a class")
	}
}

// TestJavaClassName checks the names Class.getName() gives the classes the
// reference's protoc generates (java_package and java_outer_classname of
// commons.proto, neutron.proto and topology.proto; nested classes after "$").
func TestJavaClassName(t *testing.T) {
	for _, c := range []struct {
		msg  proto.Message
		want string
	}{
		{&NeutronNetwork{}, "org.midonet.cluster.models.Neutron$NeutronNetwork"},
		{&NeutronRouterInterface{}, "org.midonet.cluster.models.Neutron$NeutronRouterInterface"},
		{&Port{}, "org.midonet.cluster.models.Topology$Port"},
		{&Rule_NatTarget{}, "org.midonet.cluster.models.Topology$Rule$NatTarget"},
		{&UUID{}, "org.midonet.cluster.models.Commons$UUID"},
	} {
		if got := JavaClassName(c.msg); got != c.want {
			t.Errorf("JavaClassName(%T) = %q, want %q", c.msg, got, c.want)
		}
	}
}
