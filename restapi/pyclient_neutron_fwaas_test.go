package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/neutron"
)

// TestPythonNeutronFwaasClient drives the unmodified python-midonetclient's
// firewall and firewall logging mixins (testdata/pyclient_neutron_fwaas.py)
// and reads what they left through the v5 API: the firewall chain's rules
// in the updated order, the jump in the remaining router's forward chain
// and none in the removed one's, the forgotten firewall's chain gone; and
// from the store (rule loggers and logging resources have no v5
// resource): the remaining log's logger with its updated event, the
// disabled logging resource with one logger; a consistent store.
func TestPythonNeutronFwaasClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_fwaas.py", func(ctx context.Context, t *testing.T, n neutronAPI,
		out []byte, conn storage.Conn, root string) {
		var ids struct {
			Firewall, R1, R2, Deny, Allow, Off, Log string
			GoneFirewall                            string `json:"gone_firewall"`
			LoggingResource                         string `json:"logging_resource"`
			GoneLog                                 string `json:"gone_log"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		rules := func(chain uuid.UUID) []map[string]any {
			t.Helper()
			var out []map[string]any
			for _, r := range n.must(200, "GET", "/chains/"+chain.String()+"/rules", "application/json", nil).([]any) {
				out = append(out, r.(map[string]any))
			}
			return out
		}
		fwChain := neutron.FwdChainID(uuid.MustParse(ids.Firewall))
		rs := rules(fwChain)
		var got []any
		for _, r := range rs {
			got = append(got, []any{r["type"], r["id"] == ids.Allow, r["id"] == ids.Deny})
		}
		// Return flows accepted, then the enabled rules reversed (allow,
		// deny; the disabled one absent), then the final drop.
		if want := `[["accept",false,false],["return",true,false],["drop",false,true],["drop",false,false]]`; mustJSON(t, got) != want {
			t.Errorf("firewall chain rules %s, want %s: %v", mustJSON(t, got), want, rs)
		}
		if len(rs) == 4 && (rs[1]["nwProto"] != float64(1) || mustJSON(t, rs[1]["tpDst"]) != `{"end":8081,"start":8080}` ||
			rs[2]["nwProto"] != float64(6) || rs[2]["nwDstAddress"] != "20.0.0.2" || rs[2]["nwDstLength"] != float64(32)) {
			t.Errorf("firewall rule conditions %v", rs)
		}
		n.must(404, "GET", "/rules/"+ids.Off, "application/json", nil)
		r2 := uuid.MustParse(ids.R2)
		jumps := rules(neutron.FwdChainID(r2))
		if len(jumps) != 1 || jumps[0]["id"] != neutron.FwdChainFwJumpRuleID(r2).String() ||
			jumps[0]["jumpChainId"] != fwChain.String() || jumps[0]["type"] != "jump" {
			t.Errorf("router %s forward chain %v", ids.R2, jumps)
		}
		if l := rules(neutron.FwdChainID(uuid.MustParse(ids.R1))); len(l) != 0 {
			t.Errorf("removed router's forward chain %v", l)
		}
		n.must(404, "GET", "/chains/"+neutron.FwdChainID(uuid.MustParse(ids.GoneFirewall)).String(), "application/json", nil)
		if c := n.must(200, "GET", "/chains/"+fwChain.String(), "application/json", nil).(map[string]any); c["name"] != "OS_FW_FORWARD_"+ids.Firewall {
			t.Errorf("firewall chain %v", c)
		}

		st := openZoomStore(t, conn, root)
		m, err := st.Get(ctx, &models.RuleLogger{}, uuid.MustParse(ids.Log))
		if err != nil {
			t.Fatal(err)
		}
		if rl := m.(*models.RuleLogger); rl.GetEvent() != models.LogEvent_ACCEPT || g(rl.GetChainId()) != fwChain ||
			rl.GetLoggingResourceId().Canonical() != ids.LoggingResource {
			t.Errorf("rule logger %v", rl)
		}
		if ok, err := st.Exists(ctx, &models.RuleLogger{}, uuid.MustParse(ids.GoneLog)); err != nil || ok {
			t.Errorf("deleted log's rule logger left (%v)", err)
		}
		m, err = st.Get(ctx, &models.LoggingResource{}, uuid.MustParse(ids.LoggingResource))
		if err != nil {
			t.Fatal(err)
		}
		if lr := m.(*models.LoggingResource); lr.GetEnabled() || len(lr.GetLoggerIds()) != 1 ||
			lr.GetType() != models.LoggingResource_FILE {
			t.Errorf("logging resource %v", lr)
		}
		m, err = st.Get(ctx, &models.Chain{}, fwChain)
		if err != nil {
			t.Fatal(err)
		}
		if md := mustJSON(t, m.(*models.Chain).GetMetadata()); md != `[{"key":"firewall_id","value":"`+ids.Firewall+`"},{"key":"tenant_id","value":"acme"}]` {
			t.Errorf("firewall chain metadata %s", md)
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

func g(id *models.UUID) uuid.UUID { return id.ToGoogle() }
