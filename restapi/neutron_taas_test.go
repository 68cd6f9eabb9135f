package restapi_test

import (
	"testing"

	"github.com/google/uuid"
)

// TestNeutronTapAsAService: tap services and flows over HTTP on both
// backends: the JSON read back, the v5 mirror and the source port's
// mirror lists by direction (the reference's TapAsAServiceTranslatorIT),
// the direction's case-insensitive enum, bad input, idempotent deletes.
func TestNeutronTapAsAService(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			net, to, from := uuid.NewString(), uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": net, "admin_state_up": true})
			for i, p := range []string{to, from} {
				n.must(201, "POST", "/neutron/ports", neutronVnd+"Port-v1+json", map[string]any{"id": p, "network_id": net,
					"admin_state_up": true, "device_owner": "compute:nova", "mac_address": "fa:16:3e:00:00:0" + string(rune('1'+i))})
			}
			svcType, flowType := neutronVnd+"TapService-v1+json", neutronVnd+"TapFlow-v1+json"
			ts := uuid.NewString()
			got := n.must(201, "POST", "/neutron/tap_services", svcType, map[string]any{"id": ts, "tenant_id": "t",
				"name": "tap", "description": "d", "port_id": to}).(map[string]any)
			if got["port_id"] != to || got["name"] != "tap" || got["tenant_id"] != "t" {
				t.Errorf("tap service answered %v", got)
			}
			m := n.must(200, "GET", "/mirrors/"+ts, "application/json", nil).(map[string]any)
			if m["toPortId"] != to {
				t.Errorf("mirror = %v", m)
			}
			mirrors := func(what string, postIn, preOut int) {
				t.Helper()
				p := n.must(200, "GET", "/ports/"+from, "application/json", nil).(map[string]any)
				count := func(key string) int {
					c := 0
					l, _ := p[key].([]any)
					for _, id := range l {
						if id == ts {
							c++
						}
					}
					return c
				}
				if gi, gp := count("postInFilterMirrorIds"), count("preOutFilterMirrorIds"); gi != postIn || gp != preOut {
					t.Errorf("%s: post-in %d (want %d), pre-out %d (want %d): %v", what, gi, postIn, gp, preOut, p)
				}
			}
			flow := func(dir string) string {
				id := uuid.NewString()
				n.must(201, "POST", "/neutron/tap_flows", flowType, map[string]any{"id": id, "tenant_id": "t",
					"tap_service_id": ts, "source_port": from, "direction": dir})
				return id
			}
			f1 := flow("BOTH")
			mirrors("BOTH", 1, 1)
			f2 := flow("in")
			mirrors("BOTH+IN", 1, 2)
			f3 := flow("Out")
			mirrors("BOTH+IN+OUT", 2, 2)
			if got := n.must(200, "GET", "/neutron/tap_flows/"+f3, flowType, nil).(map[string]any); got["direction"] != "OUT" ||
				got["source_port"] != from || got["tap_service_id"] != ts {
				t.Errorf("tap flow read back as %v", got)
			}
			if l := n.must(200, "GET", "/neutron/tap_flows", neutronVnd+"TapFlows-v1+json", nil).([]any); len(l) != 3 {
				t.Errorf("%d tap flows listed, want 3", len(l))
			}
			if l := n.must(200, "GET", "/neutron/tap_services", neutronVnd+"TapServices-v1+json", nil).([]any); len(l) != 1 {
				t.Errorf("%d tap services listed, want 1", len(l))
			}
			// A PUT answers 204; its body must carry the path's id
			// (TapFlowResource).
			n.must(204, "PUT", "/neutron/tap_flows/"+f3, flowType, map[string]any{"id": f3, "name": "renamed", "direction": "IN"})
			for _, body := range []map[string]any{{"id": uuid.NewString(), "name": "x"}, {"name": "x"}} {
				if got := n.must(400, "PUT", "/neutron/tap_flows/"+f3, flowType, body).(map[string]any); got["message"] != "Path ID does not match object ID" {
					t.Errorf("PUT with body %v: %v", body, got)
				}
			}
			n.must(204, "PUT", "/neutron/tap_services/"+ts, svcType, map[string]any{"id": ts, "name": "tap2", "port_id": from})
			if got := n.must(200, "GET", "/neutron/tap_flows/"+f3, flowType, nil).(map[string]any); got["name"] != "renamed" {
				t.Errorf("updated flow reads %v", got)
			}
			mirrors("updated", 2, 2)

			for _, f := range []string{f2, f2, f3} {
				n.must(204, "DELETE", "/neutron/tap_flows/"+f, "", nil)
			}
			mirrors("IN and OUT deleted", 1, 1)
			n.must(204, "DELETE", "/neutron/tap_flows/"+f1, "", nil)
			mirrors("all deleted", 0, 0)

			// Bad input: a malformed id is a 400, a missing port a 404;
			// an unknown direction reads as none (IN).
			n.must(400, "POST", "/neutron/tap_flows", flowType, map[string]any{"id": uuid.NewString(), "tap_service_id": "x",
				"source_port": from})
			n.must(404, "POST", "/neutron/tap_flows", flowType, map[string]any{"id": uuid.NewString(), "tap_service_id": ts,
				"source_port": uuid.NewString()})
			n.must(404, "POST", "/neutron/tap_services", svcType, map[string]any{"id": uuid.NewString(), "port_id": uuid.NewString()})
			odd := flow("sideways")
			mirrors("unknown direction", 0, 1)
			n.must(204, "DELETE", "/neutron/tap_flows/"+odd, "", nil)

			// The service's delete removes its mirror and whatever flows
			// left of it on the source port.
			flow("BOTH")
			flow("BOTH")
			n.must(204, "DELETE", "/neutron/tap_services/"+ts, "", nil)
			n.must(404, "GET", "/mirrors/"+ts, "application/json", nil)
			mirrors("service deleted", 0, 0)
			n.must(204, "DELETE", "/neutron/tap_services/"+ts, "", nil)
		})
	}
}
