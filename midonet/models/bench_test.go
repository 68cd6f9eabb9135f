package models

import (
	"testing"

	"google.golang.org/protobuf/proto"
)

// typicalPort is a bridge port as the REST API and Neutron create them.
func typicalPort() *Port {
	return &Port{
		Id: NewUUID(), NetworkId: NewUUID(), InboundFilterId: NewUUID(), OutboundFilterId: NewUUID(),
		TunnelKey: proto.Uint64(12345), VifId: NewUUID(), HostId: NewUUID(),
		InterfaceName: proto.String("tap1a2b3c4d-5e"), AdminStateUp: proto.Bool(true),
		PortGroupIds: []*UUID{NewUUID(), NewUUID()},
		PortAddress:  &IPAddress{Version: IPVersion_V4.Enum(), Address: proto.String("10.0.0.5")},
		PortMac:      proto.String("fa:16:3e:12:34:56"),
	}
}

func BenchmarkMarshalPort(b *testing.B) {
	p := typicalPort()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalPort(b *testing.B) {
	data, err := Marshal(typicalPort())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var p Port
		if err := Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// The binary codec, for comparison: ZOOM's format is text, so this is the
// price of compatibility.
func BenchmarkBinaryMarshalPort(b *testing.B) {
	p := typicalPort()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := proto.Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBinaryUnmarshalPort(b *testing.B) {
	data, err := proto.Marshal(typicalPort())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var p Port
		if err := proto.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyListEdits applies 32 removals and 32 appends to a bridge of
// 10,000 ports, as zoom's cache does every 32 port deletes: the copy a
// reader gets and the shared result the cache keeps.
func BenchmarkApplyListEdits(b *testing.B) {
	net := &Network{Id: NewUUID()}
	for range 10000 {
		net.PortIds = append(net.PortIds, NewUUID())
	}
	fd := net.ProtoReflect().Descriptor().Fields().ByName("port_ids")
	var edits []ListEdit
	for i := range 32 {
		edits = append(edits, ListEdit{Field: fd, Old: net.PortIds[i*300]}, ListEdit{Field: fd, New: NewUUID()})
	}
	for _, bc := range []struct {
		name  string
		apply func(proto.Message, []ListEdit) proto.Message
	}{{"copy", ApplyListEdits}, {"shared", ApplyListEditsShared}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := bc.apply(net, edits).(*Network); len(got.PortIds) != 10000 {
					b.Fatalf("%d ports", len(got.PortIds))
				}
			}
		})
	}
}
