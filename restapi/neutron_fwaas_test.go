package restapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/neutron"
	"github.com/midonet/midonet-go/restapi"
)

// fwRuleJSON is the reference's firewallRuleJson with the given changes.
func fwRuleJSON(id string, changes map[string]any) map[string]any {
	r := map[string]any{"id": id, "tenant_id": "tenant", "protocol": "tcp", "ip_version": 4,
		"source_ip_address": "10.0.0.0/24", "destination_ip_address": "20.0.0.2", "source_port": "22",
		"destination_port": "8080:8081", "action": "deny", "enabled": true, "shared": false, "position": 1}
	for k, v := range changes {
		r[k] = v
	}
	return r
}

// TestNeutronFirewalls: FWaaS and its logging over HTTP on both backends:
// the verbs each reference resource has (no GET at all; PUT answered 200
// with the firewall, 204 for logs and logging resources, which must carry
// the path's id; no POST of a logging resource), the translation read back
// through the v5 chains and rules (the firewall chain's rules, the jump in
// the router's forward chain) and from the store (rule loggers and
// logging resources have no v5 resource), bad input, deletes.
func TestNeutronFirewalls(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			ctx := context.Background()
			conn, root := sb.connect(t)
			st := openZoomStore(t, conn, root)
			n := neutronAPI{t: t, base: serveStore(t, st, nil, restapi.Options{
				Sequences: restapi.NewZoomSequences(st), StateTables: restapi.NewZoomStateTables(st)})}
			fwType, logType, lrType := neutronVnd+"Firewall-v1+json", neutronVnd+"FirewallLog-v1+json",
				neutronVnd+"LoggingResource-v1+json"
			router := uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": router,
				"tenant_id": "tenant", "admin_state_up": true})

			fw, r1, r2 := uuid.NewString(), uuid.NewString(), uuid.NewString()
			got := n.must(201, "POST", "/neutron/firewalls", fwType, map[string]any{"id": fw, "tenant_id": "tenant",
				"admin_state_up": true, "firewall_rule_list": []any{fwRuleJSON(r1, nil),
					fwRuleJSON(r2, map[string]any{"enabled": false, "protocol": 17})},
				"add-router-ids": []any{router}, "del-router-ids": []any{}}).(map[string]any)
			rules, _ := got["firewall_rule_list"].([]any)
			if got["id"] != fw || len(rules) != 2 || mustJSON(t, got["add-router-ids"]) != mustJSON(t, []string{router}) ||
				got["last-router"] != false || got["shared"] != false {
				t.Fatalf("firewall answered %v", got)
			}
			if r := rules[1].(map[string]any); r["protocol"] != "udp" || r["action"] != "deny" ||
				r["destination_ip_address"] != "20.0.0.2/32" || r["enabled"] != false || r["position"] != 1.0 {
				t.Errorf("firewall rule answered %v", r)
			}
			for _, p := range []string{"/neutron/firewalls", "/neutron/firewalls/" + fw, "/neutron/firewall_logs",
				"/neutron/logging_resources", "/neutron/logging_resources/" + fw} {
				n.must(405, "GET", p, "application/json", nil)
			}
			n.must(405, "POST", "/neutron/logging_resources", lrType, map[string]any{"id": uuid.NewString()})

			fwChain := neutron.FwdChainID(uuid.MustParse(fw)).String()
			chainRules := func(chain string) []map[string]any {
				t.Helper()
				var out []map[string]any
				for _, r := range n.must(200, "GET", "/chains/"+chain+"/rules", "application/json", nil).([]any) {
					out = append(out, r.(map[string]any))
				}
				return out
			}
			types := func(rs []map[string]any) string {
				var ts []any
				for _, r := range rs {
					ts = append(ts, r["type"])
				}
				return mustJSON(t, ts)
			}
			if c := n.must(200, "GET", "/chains/"+fwChain, "application/json", nil).(map[string]any); c["name"] != "OS_FW_FORWARD_"+fw {
				t.Errorf("firewall chain %v", c)
			}
			rs := chainRules(fwChain)
			if got, want := types(rs), `["accept","drop","drop"]`; got != want {
				t.Fatalf("firewall chain rule types %s, want %s", got, want)
			}
			if rs[0]["matchReturnFlow"] != true || rs[1]["id"] != r1 || rs[1]["nwProto"] != 6.0 ||
				rs[1]["nwSrcAddress"] != "10.0.0.0" || rs[1]["nwSrcLength"] != 24.0 || rs[1]["nwDstAddress"] != "20.0.0.2" ||
				mustJSON(t, rs[1]["tpDst"]) != `{"end":8081,"start":8080}` {
				t.Errorf("firewall chain rules %v", rs)
			}
			routerFwd := neutron.FwdChainID(uuid.MustParse(router)).String()
			pg := neutron.RouterInterfacePortGroupID(uuid.MustParse(router)).String()
			jump := chainRules(routerFwd)
			if len(jump) != 1 || jump[0]["type"] != "jump" || jump[0]["jumpChainId"] != fwChain ||
				jump[0]["id"] != neutron.FwdChainFwJumpRuleID(uuid.MustParse(router)).String() ||
				jump[0]["inPortGroup"] != pg || jump[0]["outPortGroup"] != pg || jump[0]["invInPortGroup"] != true ||
				jump[0]["invOutPortGroup"] != true || jump[0]["condInvert"] != true || jump[0]["fragmentPolicy"] != "any" {
				t.Errorf("router forward chain %v", jump)
			}

			// PUT: the path's id wins; admin down puts a DROP first,
			// allow is RETURN, the rules follow the list's order.
			got = n.must(200, "PUT", "/neutron/firewalls/"+fw, fwType, map[string]any{"id": uuid.NewString(),
				"tenant_id": "tenant", "admin_state_up": false, "firewall_rule_list": []any{
					fwRuleJSON(r2, map[string]any{"action": "ALLOW", "position": 1}), fwRuleJSON(r1, map[string]any{"position": 2})},
				"add-router-ids": []any{router}}).(map[string]any)
			if got["id"] != fw {
				t.Errorf("PUT answered %v", got)
			}
			rs = chainRules(fwChain)
			if got, want := types(rs), `["drop","accept","return","drop","drop"]`; got != want || rs[2]["id"] != r2 || rs[3]["id"] != r1 {
				t.Errorf("updated firewall chain %s (want %s): %v", got, want, rs)
			}
			if l := chainRules(routerFwd); len(l) != 1 {
				t.Errorf("router forward chain after a repeated association %v", l)
			}

			// Logging.
			lr, fl := uuid.NewString(), uuid.NewString()
			logBody := func(id, event string) map[string]any {
				return map[string]any{"id": id, "tenant_id": "tenant", "description": "d", "firewall_id": fw,
					"logging_resource_id": lr, "fw_event": event, "logging_resource": map[string]any{"id": lr, "enabled": true}}
			}
			got = n.must(201, "POST", "/neutron/firewall_logs", logType, logBody(fl, "ALL")).(map[string]any)
			if got["fw_event"] != "all" || got["firewall_id"] != fw || got["logging_resource"].(map[string]any)["id"] != lr {
				t.Errorf("firewall log answered %v", got)
			}
			logger := func() *models.RuleLogger {
				t.Helper()
				m, err := st.Get(ctx, &models.RuleLogger{}, uuid.MustParse(fl))
				if err != nil {
					t.Fatal(err)
				}
				return m.(*models.RuleLogger)
			}
			resource := func() (*models.LoggingResource, bool) {
				t.Helper()
				m, err := st.Get(ctx, &models.LoggingResource{}, uuid.MustParse(lr))
				if err != nil {
					return nil, false
				}
				return m.(*models.LoggingResource), true
			}
			if rl := logger(); rl.GetChainId().Canonical() != fwChain || rl.GetEvent() != models.LogEvent_ALL ||
				rl.GetLoggingResourceId().Canonical() != lr {
				t.Errorf("rule logger %v", rl)
			}
			n.must(204, "PUT", "/neutron/firewall_logs/"+fl, logType, logBody(fl, "drop"))
			if rl := logger(); rl.GetEvent() != models.LogEvent_DROP {
				t.Errorf("updated rule logger %v", rl)
			}
			for p, mt := range map[string]string{"/neutron/firewall_logs/" + fl: logType, "/neutron/logging_resources/" + lr: lrType} {
				got := n.must(400, "PUT", p, mt, map[string]any{"id": uuid.NewString()}).(map[string]any)
				if got["message"] != "Path ID does not match object ID" {
					t.Errorf("PUT %s with another id: %v", p, got)
				}
			}
			n.must(204, "PUT", "/neutron/logging_resources/"+lr, lrType, map[string]any{"id": lr, "enabled": false})
			if r, ok := resource(); !ok || r.GetEnabled() || r.GetType() != models.LoggingResource_FILE || len(r.GetLoggerIds()) != 1 {
				t.Errorf("logging resource %v", r)
			}
			missing := uuid.NewString()
			n.must(204, "PUT", "/neutron/logging_resources/"+missing, lrType, map[string]any{"id": missing, "enabled": true})
			n.must(204, "DELETE", "/neutron/firewall_logs/"+fl, "", nil)
			if _, ok := resource(); ok {
				t.Errorf("logging resource left with its last log")
			}
			// The log is gone: the reference's delete and update read its
			// logger and answer 404.
			n.must(404, "DELETE", "/neutron/firewall_logs/"+fl, "", nil)
			n.must(404, "PUT", "/neutron/firewall_logs/"+fl, logType, logBody(fl, "drop"))
			n.must(201, "POST", "/neutron/firewall_logs", logType, logBody(fl, "accept"))
			n.must(204, "DELETE", "/neutron/logging_resources/"+lr, "", nil)
			n.must(204, "DELETE", "/neutron/logging_resources/"+lr, "", nil)
			if ok, err := st.Exists(ctx, &models.RuleLogger{}, uuid.MustParse(fl)); err != nil || ok {
				t.Errorf("rule logger left after its logging resource's delete (%v)", err)
			}

			// Bad input: the reference's statuses; nothing left behind.
			bad := uuid.NewString()
			for _, c := range []struct {
				status     int
				rule       map[string]any
				msg        string
				translated bool // the translator's refusal, not the JSON decoder's
			}{
				{400, map[string]any{"ip_version": 6}, "IPv6 not supported in firewall rule.", true},
				{400, map[string]any{"destination_port": "http"}, `For input string: "http"`, true},
				{400, map[string]any{"source_port": "1:2:3"}, "Invalid range 1:2:3", true},
				{400, map[string]any{"protocol": "bogus"}, "No RuleProtocol for bogus", false},
				{400, map[string]any{"source_ip_address": "10.0.0.0/99"}, "Invalid source_ip_address: 10.0.0.0/99", false},
				{400, map[string]any{"id": "x"}, "Invalid id: x", false},
			} {
				got := n.must(c.status, "POST", "/neutron/firewalls", fwType, map[string]any{"id": bad, "admin_state_up": true,
					"firewall_rule_list": []any{fwRuleJSON(uuid.NewString(), c.rule)}}).(map[string]any)
				if c.translated && !isRefusal(got["message"], "Create", c.msg) || !c.translated && got["message"] != c.msg {
					t.Errorf("rule %v: %v, want message %q", c.rule, got, c.msg)
				}
			}
			n.must(404, "POST", "/neutron/firewalls", fwType, map[string]any{"id": bad, "add-router-ids": []any{uuid.NewString()}})
			n.must(404, "POST", "/neutron/firewall_logs", logType, map[string]any{"id": bad, "firewall_id": uuid.NewString(),
				"logging_resource_id": lr, "logging_resource": map[string]any{"id": lr}})
			n.must(400, "POST", "/neutron/firewall_logs", logType, map[string]any{"id": bad, "firewall_id": fw})
			for _, m := range []struct {
				model proto.Message
				id    uuid.UUID
			}{{&models.NeutronFirewall{}, uuid.MustParse(bad)}, {&models.Chain{}, neutron.FwdChainID(uuid.MustParse(bad))},
				{&models.RuleLogger{}, uuid.MustParse(bad)}, {&models.LoggingResource{}, uuid.MustParse(lr)}} {
				if ok, err := st.Exists(ctx, m.model, m.id); err != nil || ok {
					t.Errorf("refused request left a %T (%v)", m.model, err)
				}
			}

			// last-router=true deletes the firewall, as does DELETE.
			n.must(200, "PUT", "/neutron/firewalls/"+fw, fwType, map[string]any{"id": fw, "admin_state_up": true,
				"last-router": true})
			n.must(404, "GET", "/chains/"+fwChain, "application/json", nil)
			if l := chainRules(routerFwd); len(l) != 0 {
				t.Errorf("router forward chain keeps %v", l)
			}
			n.must(200, "PUT", "/neutron/firewalls/"+fw, fwType, map[string]any{"id": fw, "admin_state_up": true,
				"add-router-ids": []any{router}})
			if l := chainRules(routerFwd); len(l) != 1 {
				t.Errorf("firewall recreated by PUT: router forward chain %v", l)
			}
			n.must(204, "DELETE", "/neutron/firewalls/"+fw, "", nil)
			n.must(204, "DELETE", "/neutron/firewalls/"+fw, "", nil)
			n.must(404, "GET", "/chains/"+fwChain, "application/json", nil)
			if l := chainRules(routerFwd); len(l) != 0 {
				t.Errorf("router forward chain keeps %v after the delete", l)
			}
			report, err := consistency.Check(ctx, conn, root, consistency.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range report.Findings {
				t.Errorf("consistency: %s", f)
			}
		})
	}
}
