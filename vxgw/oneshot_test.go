package vxgw

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/vxgw/vteptest"
)

func TestVxLANPortID(t *testing.T) {
	tests := []struct{ vtep, network, want string }{
		// Worked by hand: msb' = vtep.msb ^ (nw.msb & ffffffffffff0fff),
		// lsb' = vtep.lsb ^ (nw.lsb & 3fffffffffffffff).
		{"00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff", "ffffffff-ffff-4fff-bfff-ffffffffffff"},
		{"11111111-2222-4333-8444-555555555555", "11111111-2222-4333-8444-555555555555", "00000000-0000-4000-8000-000000000000"},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "00000000-0000-0000-0000-000000000001", "6ba7b810-9dad-11d1-80b4-00c04fd430c9"},
	}
	for _, tt := range tests {
		got := VxLANPortID(uuid.MustParse(tt.vtep), uuid.MustParse(tt.network))
		if got.String() != tt.want {
			t.Errorf("VxLANPortID(%s, %s) = %s, want %s", tt.vtep, tt.network, got, tt.want)
		}
	}
	// The VTEP id's version and variant survive, so the result is a valid
	// UUID of the same kind.
	for range 100 {
		v, n := uuid.New(), uuid.New()
		id := VxLANPortID(v, n)
		if id.Version() != v.Version() || id.Variant() != v.Variant() {
			t.Fatalf("VxLANPortID(%s, %s) = %s changed version/variant", v, n, id)
		}
		if VxLANPortID(v, n) != id {
			t.Fatal("not deterministic")
		}
	}
}

func TestReadPhysicalSwitch(t *testing.T) {
	t.Parallel()
	srv := vteptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ReadPhysicalSwitch(ctx, srv.Endpoint(), "127.0.0.1", testLogger(t)); !errors.Is(err, ErrNoPhysicalSwitch) {
		t.Fatalf("empty database: %v, want ErrNoPhysicalSwitch", err)
	}
	srv.AddPhysicalSwitch("vtep0", []string{"127.0.0.1"}, []string{"10.0.0.100", "10.0.0.101"}, []string{"eth1", "eth0"})
	srv.MustCtl("set", "Physical_Switch", "vtep0", "description=top-of-rack")
	ps, err := ReadPhysicalSwitch(ctx, srv.Endpoint(), "127.0.0.1", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if ps.Name != "vtep0" || ps.Description != "top-of-rack" || len(ps.TunnelIPs) != 2 || ps.TunnelIPs[0] != "10.0.0.100" ||
		len(ps.Ports) != 2 || ps.Ports[0].Name != "eth0" || ps.Ports[1].Name != "eth1" {
		t.Fatalf("physical switch = %+v", ps)
	}
	if n := srv.Sessions(); n > 1 { // the vtep-ctl session may still be closing
		t.Fatalf("%d sessions left open", n)
	}
	srv.Kill()
	if _, err := ReadPhysicalSwitch(ctx, srv.Endpoint(), "127.0.0.1", testLogger(t)); err == nil {
		t.Fatal("read from a dead VTEP succeeded")
	}
}
