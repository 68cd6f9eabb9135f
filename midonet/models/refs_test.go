package models

import (
	"errors"
	"testing"
)

func TestRefHelpers(t *testing.T) {
	a, b := NewUUID(), NewUUID()
	net := &Network{}

	// Repeated field: append keeps order and duplicates; remove takes the first.
	for _, id := range []*UUID{a, b, a} {
		if err := AddRefID(net, "port_ids", id); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := RefIDs(net, "port_ids")
	if err != nil || len(ids) != 3 || !ids[0].Equal(a) || !ids[1].Equal(b) || !ids[2].Equal(a) {
		t.Fatalf("RefIDs = %v, %v", ids, err)
	}
	if removed, err := RemoveRefID(net, "port_ids", a); !removed || err != nil {
		t.Fatalf("RemoveRefID = %v, %v", removed, err)
	}
	if got := UUIDsToStrings(net.GetPortIds()); len(got) != 2 || got[0] != b.Canonical() || got[1] != a.Canonical() {
		t.Errorf("after removing the first a: %v", got)
	}
	if removed, _ := RemoveRefID(net, "dhcp_ids", a); removed {
		t.Error("removed from an empty list")
	}

	// Single field: set once, conflict on a second add (even the same id).
	port := &Port{}
	if ids, _ := RefIDs(port, "network_id"); len(ids) != 0 {
		t.Errorf("unset single ref gives %v", ids)
	}
	if err := AddRefID(port, "network_id", a); err != nil {
		t.Fatal(err)
	}
	var conflict *RefAlreadySetError
	if err := AddRefID(port, "network_id", a); !errors.As(err, &conflict) || !conflict.Existing.Equal(a) || conflict.Class != "Port" {
		t.Errorf("second AddRefID = %v, want *RefAlreadySetError", err)
	}
	if removed, _ := RemoveRefID(port, "network_id", b); removed || !port.GetNetworkId().Equal(a) {
		t.Error("RemoveRefID cleared a different id")
	}
	if removed, _ := RemoveRefID(port, "network_id", a); !removed || port.NetworkId != nil {
		t.Error("RemoveRefID did not clear the matching id")
	}

	// AddRefID stores a copy.
	if err := AddRefID(port, "host_id", b); err != nil {
		t.Fatal(err)
	}
	if port.HostId == b {
		t.Error("AddRefID aliases its argument")
	}

	// Bad fields and ids are typed errors.
	var ive *InvalidValueError
	for _, field := range []string{"no_such_field", "name", "port_subnet"} {
		if _, err := RefIDs(&Port{}, field); !errors.As(err, &ive) {
			t.Errorf("RefIDs(Port.%s) = %v, want *InvalidValueError", field, err)
		}
	}
	if err := AddRefID(&Port{}, "host_id", nil); !errors.As(err, &ive) {
		t.Errorf("AddRefID(nil id) = %v", err)
	}
	if _, err := RefIDs(nil, "id"); !errors.As(err, &ive) {
		t.Errorf("RefIDs(nil) = %v", err)
	}
}
