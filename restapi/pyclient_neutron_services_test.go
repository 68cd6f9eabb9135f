package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
)

// TestPythonNeutronServicesClient drives the unmodified
// python-midonetclient's QoS and TaaS mixins against our server
// (testdata/pyclient_neutron_services.py) and reads the translation of
// what it left through the v5 API: the policy on the bridge and the port,
// the mirror of the tap service and the remaining BOTH flow on its source
// port.
func TestPythonNeutronServicesClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_services.py", func(_ context.Context, t *testing.T, n neutronAPI,
		out []byte, _ storage.Conn, _ string) {
		var ids struct {
			QoS, Network, To, From, Flow string
			TapService                   string `json:"tap_service"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		policy := n.must(200, "GET", "/qos_policies/"+ids.QoS, "application/json", nil).(map[string]any)
		if policy["name"] != "gold2" {
			t.Errorf("QoS policy = %v", policy)
		}
		if br := n.must(200, "GET", "/bridges/"+ids.Network, "application/json", nil).(map[string]any); br["qosPolicyId"] != ids.QoS {
			t.Errorf("bridge qosPolicyId = %v, want %s", br["qosPolicyId"], ids.QoS)
		}
		if p := n.must(200, "GET", "/ports/"+ids.To, "application/json", nil).(map[string]any); p["qosPolicyId"] != nil {
			t.Errorf("port without a policy has qosPolicyId %v", p["qosPolicyId"])
		}
		from := n.must(200, "GET", "/ports/"+ids.From, "application/json", nil).(map[string]any)
		if from["qosPolicyId"] != ids.QoS {
			t.Errorf("port qosPolicyId = %v, want %s", from["qosPolicyId"], ids.QoS)
		}
		if m := n.must(200, "GET", "/mirrors/"+ids.TapService, "application/json", nil).(map[string]any); m["toPortId"] != ids.To {
			t.Errorf("mirror = %v", m)
		}
		want := mustJSON(t, []string{ids.TapService})
		if got := mustJSON(t, from["postInFilterMirrorIds"]); got != want {
			t.Errorf("source port post-in-filter mirrors %s, want %s", got, want)
		}
		if got := mustJSON(t, from["preOutFilterMirrorIds"]); got != want {
			t.Errorf("source port pre-out-filter mirrors %s, want %s", got, want)
		}
		flows := n.must(200, "GET", "/neutron/tap_flows", neutronVnd+"TapFlows-v1+json", nil).([]any)
		if len(flows) != 1 || flows[0].(map[string]any)["id"] != ids.Flow {
			t.Errorf("tap flows left %v", flows)
		}
	})
}
