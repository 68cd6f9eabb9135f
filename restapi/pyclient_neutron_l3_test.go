package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/internal/pyclienttest"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
	"github.com/midonet/midonet-go/restapi"
)

// TestPythonNeutronClientL3 drives the unmodified python-midonetclient's
// Neutron client through routers, router interfaces (by subnet and by
// port, added and removed), extra routes and floating IPs
// (testdata/pyclient_neutron_l3.py, which also reads the translation back
// with the client's v5 MidonetApi). Then it checks the v5 objects field by
// field against the reference's translation, under the reference's derived
// ids, and runs the consistency checker on the store.
func TestPythonNeutronClientL3(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_l3.py", func(ctx context.Context, t *testing.T, n neutronAPI,
		out []byte, conn storage.Conn, root string) {
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		var ids map[string]string
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output: %v", err)
		}
		id := func(k string) uuid.UUID { return uuid.MustParse(ids[k]) }
		get := func(path string) map[string]any {
			t.Helper()
			return n.must(200, "GET", path, "application/json", nil).(map[string]any)
		}
		want := func(what string, got map[string]any, fields map[string]any) {
			t.Helper()
			for k, v := range fields {
				if mustJSON(t, got[k]) != mustJSON(t, v) {
					t.Errorf("%s %s = %s, want %s", what, k, mustJSON(t, got[k]), mustJSON(t, v))
				}
			}
		}
		r := id("router")
		gwPort, rifPort := neutron.TenantGwPortID(id("gw")), neutron.RouterInterfacePeerID(id("rif"))
		want("router", get("/routers/"+r.String()), map[string]any{"id": r.String(), "name": "r1b",
			"tenantId": "acme", "adminStateUp": true, "inboundFilterId": neutron.InChainID(r).String(),
			"outboundFilterId": neutron.OutChainID(r).String()})
		want("gateway port", get("/ports/"+gwPort.String()), map[string]any{"id": gwPort.String(),
			"type": "Router", "deviceId": r.String(), "portAddress": "172.24.4.4", "portMac": "fa:16:3e:62:0d:2b",
			"peerId": ids["gw"], "adminStateUp": true})
		want("interface port", get("/ports/"+rifPort.String()), map[string]any{"id": rifPort.String(),
			"type": "Router", "deviceId": r.String(), "portAddress": "10.0.0.1", "portMac": "fa:16:3e:00:00:01",
			"peerId": ids["rif"], "adminStateUp": true})
		stripped := neutron.RouterInterfacePeerID(id("byport"))
		want("stripped interface port", get("/ports/"+stripped.String()), map[string]any{"portAddress": nil,
			"peerId": ids["byport"]})
		want("converted network port", get("/ports/"+ids["byport"]), map[string]any{"inboundFilterId": nil,
			"outboundFilterId": nil, "peerId": stripped.String()})

		gwIP, rifIP := netip.MustParseAddr("172.24.4.4"), netip.MustParseAddr("10.0.0.1")
		extra := neutron.ExtraRouteID(r, netip.MustParsePrefix("192.168.0.0/24"), netip.MustParseAddr("10.0.0.5"))
		for _, rt := range []struct {
			what   string
			id     uuid.UUID
			fields map[string]any
		}{
			{"gateway route", neutron.GatewayRouteID(gwPort, gwIP), map[string]any{"srcNetworkAddr": "0.0.0.0",
				"srcNetworkLength": 0, "dstNetworkAddr": "0.0.0.0", "dstNetworkLength": 0,
				"nextHopPort": gwPort.String(), "nextHopGateway": "172.24.4.1", "weight": 100, "type": "Normal"}},
			{"gateway subnet route", neutron.RouterInterfaceRouteID(gwPort, gwIP), map[string]any{
				"dstNetworkAddr": "172.24.4.0", "dstNetworkLength": 24, "nextHopPort": gwPort.String(), "weight": 100}},
			{"gateway local route", neutron.LocalRouteID(gwPort, gwIP), map[string]any{
				"dstNetworkAddr": "172.24.4.4", "dstNetworkLength": 32, "nextHopPort": gwPort.String(), "type": "Local"}},
			{"interface route", neutron.RouterInterfaceRouteID(rifPort, rifIP), map[string]any{
				"dstNetworkAddr": "10.0.0.1", "dstNetworkLength": 24, "nextHopPort": rifPort.String()}},
			{"metadata route", neutron.MetadataServiceRouteID(rifPort, rifIP), map[string]any{
				"srcNetworkAddr": "10.0.0.1", "srcNetworkLength": 24, "dstNetworkAddr": "169.254.169.254",
				"dstNetworkLength": 32, "nextHopGateway": "10.0.0.2", "nextHopPort": rifPort.String()}},
			{"extra route", extra, map[string]any{"dstNetworkAddr": "192.168.0.0", "dstNetworkLength": 24,
				"nextHopGateway": "10.0.0.5", "nextHopPort": rifPort.String(), "weight": 100}},
		} {
			want(rt.what, get("/routes/"+rt.id.String()), rt.fields)
		}

		fip := id("fip")
		in, out2 := neutron.InChainID(r).String(), neutron.OutChainID(r).String()
		for _, rl := range []struct {
			what   string
			id     uuid.UUID
			fields map[string]any
		}{
			{"DNAT", neutron.FipDnatRuleID(fip), map[string]any{"type": "dnat", "chainId": in,
				"flowAction": "accept", "nwDstAddress": "172.24.4.3", "nwDstLength": 32, "fragmentPolicy": "any",
				"natTargets": []any{map[string]any{"addressFrom": "10.0.0.5", "addressTo": "10.0.0.5",
					"portFrom": 0, "portTo": 0}}}},
			{"SNAT-exact", neutron.FipSnatExactRuleID(fip), map[string]any{"type": "snat",
				"chainId": neutron.FloatSnatExactChainID(r).String(), "outPorts": []any{gwPort.String()},
				"nwSrcAddress": "10.0.0.5", "nwSrcLength": 32,
				"natTargets": []any{map[string]any{"addressFrom": "172.24.4.3", "addressTo": "172.24.4.3",
					"portFrom": 0, "portTo": 0}}}},
			{"gateway SNAT", neutron.OutSnatRuleID(r), map[string]any{"type": "snat", "chainId": out2,
				"outPorts": []any{gwPort.String()}, "nwSrcAddress": "172.24.4.4", "nwSrcLength": 32,
				"invNwSrc": true, "natTargets": []any{map[string]any{"addressFrom": "172.24.4.4",
					"addressTo": "172.24.4.4", "portFrom": 1024, "portTo": 65535}}}},
			{"same-subnet SNAT", neutron.SameSubnetSnatRuleID(neutron.OutChainID(r), rifPort), map[string]any{
				"type": "snat", "chainId": out2, "inPorts": []any{rifPort.String()},
				"outPorts": []any{rifPort.String()}, "nwDstAddress": "169.254.169.254", "invNwDst": true,
				"matchForwardFlow": true}},
		} {
			want(rl.what, get("/rules/"+rl.id.String()), rl.fields)
		}
		for _, gone := range []uuid.UUID{neutron.FipDnatRuleID(id("fip2")), neutron.FipSnatRuleID(id("fip2"))} {
			n.must(404, "GET", "/rules/"+gone.String(), "application/json", nil)
		}
		arp := map[string]any{}
		for _, e := range n.must(200, "GET", "/bridges/"+ids["ext"]+"/arp_table", "application/json", nil).([]any) {
			arp[e.(map[string]any)["ip"].(string)] = e.(map[string]any)["mac"]
		}
		if arp["172.24.4.3"] != "fa:16:3e:62:0d:2b" || arp["172.24.4.4"] != "fa:16:3e:62:0d:2b" || arp["172.24.4.9"] != nil {
			t.Errorf("external ARP table %v", arp)
		}

		rep, err := consistency.Check(ctx, conn, root, consistency.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Errorf("consistency findings: %v", rep.Findings)
		}
	})
}

// TestNeutronL3Errors: the statuses of the L3 resources' refusals (the
// reference's: 400 for what does not convert or translate, 404 for a
// missing object, 409 for a conflict, 415 for a wrong body type) and that
// a refused write leaves nothing behind.
func TestNeutronL3Errors(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			router, ri, fip := neutronVnd+"Router-v1+json", neutronVnd+"RouterInterface-v1+json", neutronVnd+"FloatingIp-v1+json"
			r := uuid.NewString()
			got := n.must(201, "POST", "/neutron/routers", router, map[string]any{"id": r, "name": "r",
				"tenant_id": "t", "admin_state_up": true}).(map[string]any)
			if got["routes"] == nil || got["gw_port_id"] != nil || got["external_gateway_info"] != nil {
				t.Errorf("create answered %v", got)
			}
			n.must(409, "POST", "/neutron/routers", router, map[string]any{"id": r})
			n.must(400, "POST", "/neutron/routers", router, map[string]any{"id": uuid.NewString(),
				"routes": []any{map[string]any{"destination": "10.0.1.0/100", "nexthop": "10.0.0.1"}}})
			n.must(400, "POST", "/neutron/routers", router, map[string]any{"id": "not-a-uuid"})
			// A gateway port that does not exist.
			n.must(404, "POST", "/neutron/routers", router, map[string]any{"id": uuid.NewString(),
				"gw_port_id": uuid.NewString()})
			// An extra route no port reaches.
			n.must(400, "PUT", "/neutron/routers/"+r, router, map[string]any{"name": "r",
				"routes": []any{map[string]any{"destination": "10.0.1.0/24", "nexthop": "10.0.0.1"}}})
			n.must(404, "PUT", "/neutron/routers/"+uuid.NewString(), router, map[string]any{"name": "x"})
			n.must(415, "PUT", "/neutron/routers/"+r+"/add_router_interface", router, map[string]any{"id": r})
			n.must(400, "PUT", "/neutron/routers/"+r+"/add_router_interface", ri, "not an object")
			n.must(404, "PUT", "/neutron/routers/"+r+"/add_router_interface", ri, map[string]any{"id": r,
				"port_id": uuid.NewString()})
			n.must(405, "GET", "/neutron/routers/"+r+"/add_router_interface", "", nil)
			// Removing an interface whose port is gone does nothing.
			n.must(204, "PUT", "/neutron/routers/"+r+"/remove_router_interface", ri, map[string]any{
				"port_id": uuid.NewString()})
			n.must(404, "POST", "/neutron/floating_ips", fip, map[string]any{"id": uuid.NewString(),
				"floating_ip_address": "172.24.4.3", "floating_network_id": uuid.NewString(), "router_id": r,
				"port_id": uuid.NewString(), "fixed_ip_address": "10.0.0.5"})
			n.must(400, "POST", "/neutron/floating_ips", fip, map[string]any{"id": uuid.NewString(),
				"floating_ip_address": "172.24.4.300"})
			if fips := n.must(200, "GET", "/neutron/floating_ips", neutronVnd+"FloatingIps-v1+json", nil).([]any); len(fips) != 0 {
				t.Errorf("refused floating IPs stored: %v", fips)
			}
			if rs := n.must(200, "GET", "/neutron/routers", neutronVnd+"Routers-v1+json", nil).([]any); len(rs) != 1 {
				t.Errorf("routers after refusals: %v", rs)
			}
			n.must(204, "DELETE", "/neutron/routers/"+r, "", nil)
			n.must(204, "DELETE", "/neutron/routers/"+r, "", nil)
			n.must(404, "GET", "/routers/"+r, "application/json", nil)
		})
	}
}

// runNeutronScenario runs a python-midonetclient scenario script against a
// server over a fresh store on each backend, then check with the script's
// output and the store's connection and root.
func runNeutronScenario(t *testing.T, script string, check func(ctx context.Context, t *testing.T, n neutronAPI,
	out []byte, conn storage.Conn, root string)) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py := pyclienttest.Extract(ctx, t)
	path, _ := filepath.Abs(script)
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			conn, root := sb.connect(t)
			st := openZoomStore(t, conn, root)
			base := serveStore(t, st, restapi.MockTenants{}, restapi.Options{Middleware: mockLogin,
				Sequences: restapi.NewZoomSequences(st), StateTables: restapi.NewZoomStateTables(st)})
			out := py.Run(ctx, t, "python-midonetclient "+filepath.Base(script), path, base)
			check(ctx, t, neutronAPI{t: t, base: base}, out, conn, root)
		})
	}
}
