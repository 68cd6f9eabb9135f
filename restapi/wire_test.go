package restapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/restapi/client"
)

const (
	bridgeV4  = "application/vnd.org.midonet.Bridge-v4+json"
	bridgesV4 = "application/vnd.org.midonet.collection.Bridge-v4+json"
	errorV1   = "application/vnd.org.midonet.Error-v1+json"
)

type wireCase struct {
	name         string
	method, path string // path relative to /midonet-api; {bridge} is replaced
	headers      map[string]string
	body         string
	status       int
	contentType  string         // expected response Content-Type (prefix)
	json         map[string]any // expected top-level values in the JSON answer
	hasKeys      []string       // keys that must be present (possibly null)
	location     string         // expected Location prefix (relative to the server URL)
	respHeaders  map[string]string
}

// TestWireContract pins the status codes, media types and bodies clients
// rely on (the reference's two negotiation regimes, error entities, nulls,
// Location, CORS, proxies).
func TestWireContract(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { wireContract(t, b) })
	}
}

func wireContract(t *testing.T, b backend) {
	srv, c := serve(t, b)
	ctx := context.Background()
	br := must(c.Bridges().Create(ctx, &client.Bridge{Name: "wire"}))(t)
	missing := "6b1e2b5e-0d9f-4d0e-9a55-000000000000"
	cases := []wireCase{
		{name: "root", method: "GET", path: "", status: 200, contentType: "application/json",
			json: map[string]any{"version": "v5.0", "uri": srv.URL + "/midonet-api/", "bridges": srv.URL + "/midonet-api/bridges"}},
		{name: "root vendor", method: "GET", path: "/", headers: map[string]string{"Accept": "application/vnd.org.midonet.Application-v5+json"},
			status: 200, contentType: "application/vnd.org.midonet.Application-v5+json"},
		{name: "root behind proxy", method: "GET", path: "/", headers: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example:8443"},
			status: 200, json: map[string]any{"uri": "https://api.example:8443/midonet-api/", "routerTemplate": "https://api.example:8443/midonet-api/routers/{id}"}},
		{name: "unknown root", method: "GET", path: "/foo", status: 404, contentType: errorV1,
			json: map[string]any{"message": "Root resource foo not found", "code": float64(404)}},
		{name: "get vendor", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": bridgeV4},
			status: 200, contentType: bridgeV4, json: map[string]any{"name": "wire", "adminStateUp": true, "inboundFilterId": nil, "inboundFilter": nil},
			hasKeys: []string{"id", "tenantId", "outboundFilterId", "vxLanPortIds", "qosPolicyId", "uri", "ports", "macPortTemplate"}},
		{name: "gzip answer", method: "GET", path: "/", headers: map[string]string{"Accept-Encoding": "gzip"},
			status: 200, respHeaders: map[string]string{"Content-Encoding": "gzip"}},
		{name: "gzip refused by q=0", method: "GET", path: "/", headers: map[string]string{"Accept-Encoding": "gzip;q=0, identity"},
			status: 200, respHeaders: map[string]string{"Content-Encoding": ""}, json: map[string]any{"version": "v5.0"}},
		{name: "small answers not gzipped", method: "GET", path: "/system_state", headers: map[string]string{"Accept-Encoding": "gzip"},
			status: 200, respHeaders: map[string]string{"Content-Encoding": ""}, json: map[string]any{"state": "ACTIVE"}},
		{name: "get json", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": "application/json"}, status: 200, contentType: "application/json"},
		{name: "get wildcard", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": "*/*"}, status: 200, contentType: bridgeV4},
		{name: "get no accept is 406", method: "GET", path: "/bridges/{bridge}", status: 406},
		{name: "get accept list is 406", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": bridgeV4 + ", application/json"}, status: 406},
		{name: "get wrong type is 406", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": "application/vnd.org.midonet.Router-v3+json"}, status: 406},
		{name: "get with {} body", method: "GET", path: "/bridges/{bridge}", headers: map[string]string{"Accept": bridgeV4, "Content-Type": bridgeV4}, body: "{}", status: 200},
		{name: "list", method: "GET", path: "/bridges", headers: map[string]string{"Accept": bridgesV4}, status: 200, contentType: bridgesV4},
		{name: "not found", method: "GET", path: "/bridges/" + missing, headers: map[string]string{"Accept": bridgeV4}, status: 404, contentType: errorV1,
			json: map[string]any{"message": "There is no Network with ID " + missing + ".", "code": float64(404)}},
		{name: "malformed id", method: "GET", path: "/bridges/xyz/ports", headers: map[string]string{"Accept": "application/json"}, status: 404},
		{name: "create", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": bridgeV4}, body: `{"name":"b2"}`,
			status: 201, location: "/midonet-api/bridges/"},
		{name: "create with id", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"id":"0b0b0b0b-0000-4000-8000-000000000001"}`, status: 201, location: "/midonet-api/bridges/0b0b0b0b-0000-4000-8000-000000000001"},
		{name: "create duplicate id", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"id":"0b0b0b0b-0000-4000-8000-000000000001"}`, status: 409, contentType: errorV1},
		{name: "create text/plain is 415", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": "text/plain"}, body: `{}`, status: 415},
		{name: "create no content type is 415", method: "POST", path: "/bridges", body: `{}`, status: 415},
		{name: "create wrong vendor type is 406", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": "application/vnd.org.midonet.Router-v3+json"}, body: `{}`, status: 406},
		{name: "create bad json", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": bridgeV4}, body: `{"name":`, status: 400, contentType: errorV1},
		{name: "create wrong field type", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": bridgeV4}, body: `{"adminStateUp":{}}`, status: 400},
		{name: "validation", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": bridgeV4},
			body: `{"name":"` + strings.Repeat("n", 256) + `"}`, status: 400, contentType: errorV1,
			json: map[string]any{"message": "Validation error(s) found", "code": float64(400)}, hasKeys: []string{"violations"}},
		{name: "vxlan ids on create", method: "POST", path: "/bridges", headers: map[string]string{"Content-Type": bridgeV4}, body: `{"vxLanPortIds":[]}`, status: 400},
		{name: "numbers as strings", method: "POST", path: "/routers", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"asNumber":"65000","adminStateUp":"false"}`, status: 201},
		{name: "create ports top-level is 405", method: "POST", path: "/ports", headers: map[string]string{"Content-Type": "application/json"}, body: `{"type":"Bridge"}`, status: 405},
		{name: "put chain is 405", method: "PUT", path: "/chains/" + missing, headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405},
		{name: "port without type", method: "POST", path: "/bridges/{bridge}/ports", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 400},
		{name: "port unknown type", method: "POST", path: "/bridges/{bridge}/ports", headers: map[string]string{"Content-Type": "application/json"}, body: `{"type":"Nope"}`, status: 400},
		{name: "route bad type", method: "POST", path: "/routers/" + missing + "/routes", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"type":"Weird"}`, status: 400, json: map[string]any{"message": "This type of route is invalid."}},
		{name: "put", method: "PUT", path: "/bridges/{bridge}", headers: map[string]string{"Content-Type": bridgeV4}, body: `{"name":"renamed"}`, status: 204},
		{name: "put missing", method: "PUT", path: "/bridges/" + missing, headers: map[string]string{"Content-Type": bridgeV4}, body: `{}`, status: 404},
		{name: "delete missing bridge is 404", method: "DELETE", path: "/bridges/" + missing, status: 404},
		{name: "delete missing router is 204", method: "DELETE", path: "/routers/" + missing, body: "{}", status: 204},
		{name: "tenants", method: "GET", path: "/tenants", headers: map[string]string{"Accept": "application/vnd.org.midonet.collection.Tenant-v2+json"}, status: 200},
		{name: "tenants refuse json", method: "GET", path: "/tenants", headers: map[string]string{"Accept": "application/json"}, status: 406},
		{name: "tenant create", method: "POST", path: "/tenants", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405,
			json: map[string]any{"message": "Tenants cannot be created, updated or deleted via the REST API."}},
		{name: "system state", method: "GET", path: "/system_state", status: 200, json: map[string]any{"state": "ACTIVE", "version": "5.0.0"}},
		{name: "options", method: "OPTIONS", path: "/bridges", status: 200,
			respHeaders: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Location"}},
		{name: "port group get refuses json", method: "GET", path: "/port_groups/" + missing, headers: map[string]string{"Accept": "application/json"}, status: 406},
		{name: "put link is 405", method: "PUT", path: "/ports/" + missing + "/link", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405},
		{name: "unknown sub-resource", method: "GET", path: "/bridges/{bridge}/nothing", status: 404},
		{name: "link wrong content type", method: "POST", path: "/ports/" + missing + "/link", headers: map[string]string{"Content-Type": "text/plain"}, body: `{}`, status: 415},

		// Service resources: regimes, top-level creates, idempotent deletes.
		{name: "vips list negotiates (no Accept)", method: "GET", path: "/vips", status: 200, contentType: "application/vnd.org.midonet.collection.VIP-v1+json"},
		{name: "load balancers list is strict", method: "GET", path: "/load_balancers", status: 406},
		{name: "load balancers list vendor", method: "GET", path: "/load_balancers", headers: map[string]string{"Accept": "application/vnd.org.midonet.collection.LoadBalancer-v1+json"}, status: 200},
		{name: "lb with router on create", method: "POST", path: "/load_balancers", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"routerId":"` + missing + `"}`, status: 400, contentType: errorV1},
		{name: "pool without lbMethod", method: "POST", path: "/pools", headers: map[string]string{"Content-Type": "application/vnd.org.midonet.Pool-v1+json"}, body: `{}`, status: 400,
			json: map[string]any{"message": "Validation error(s) found"}},
		{name: "vip with missing pool", method: "POST", path: "/vips", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"poolId":"` + missing + `","address":"10.0.0.1"}`, status: 400, json: map[string]any{"message": "There is no Pool with ID " + missing + "."}},
		{name: "delete missing pool member is 204", method: "DELETE", path: "/pool_members/" + missing, status: 204},
		{name: "delete missing l2 insertion is 404", method: "DELETE", path: "/l2insertions/" + missing, status: 404},
		{name: "qos dscp rule top-level create is 405", method: "POST", path: "/qos_dscp_rules", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405},
		{name: "bgp networks have no PUT", method: "PUT", path: "/bgp_networks/" + missing, headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405},
		{name: "health monitor pools are list-only", method: "POST", path: "/health_monitors/" + missing + "/pools", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 405},
		{name: "trace on missing device", method: "POST", path: "/traces", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"name":"t","deviceType":"BRIDGE","deviceId":"` + missing + `","condition":{}}`, status: 404},
		{name: "qos policy keys", method: "POST", path: "/qos_policies", headers: map[string]string{"Content-Type": "application/json"},
			body: `{"tenant_id":"t","rules":[{"id":"x","type":"dscp_marking"}]}`, status: 400},
		{name: "mac table of missing bridge", method: "GET", path: "/bridges/" + missing + "/mac_table", status: 404},
		{name: "mac table bad entry", method: "GET", path: "/bridges/{bridge}/mac_table/zz_" + missing, status: 400},
		{name: "mac table unknown vlan", method: "GET", path: "/bridges/{bridge}/vlans/12/mac_table", status: 404,
			json: map[string]any{"message": "The specified bridge has no ports assigned to VLAN 12."}},
		{name: "arp table json body refused", method: "POST", path: "/bridges/{bridge}/arp_table", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 415},
		{name: "arp entry missing", method: "GET", path: "/bridges/{bridge}/arp_table/10.0.0.1_aa-bb-cc-dd-ee-ff", status: 404,
			json: map[string]any{"message": "The specified bridge does not have the specified ARP table entry."}},
		{name: "interfaces of a host without agent", method: "GET", path: "/hosts/" + missing + "/interfaces", status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := strings.ReplaceAll(tc.path, "{bridge}", br.ID)
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequest(tc.method, srv.URL+"/midonet-api"+path, body)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, data)
			}
			if tc.contentType != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tc.contentType)
			}
			if tc.location != "" && !strings.HasPrefix(resp.Header.Get("Location"), srv.URL+tc.location) {
				t.Errorf("Location %q, want prefix %q", resp.Header.Get("Location"), srv.URL+tc.location)
			}
			for k, v := range tc.respHeaders {
				if resp.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, resp.Header.Get(k), v)
				}
			}
			if tc.json == nil && tc.hasKeys == nil {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("body %s: %v", data, err)
			}
			for k, want := range tc.json {
				if got[k] != want {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			for _, k := range tc.hasKeys {
				if _, ok := got[k]; !ok {
					t.Errorf("key %s missing in %s", k, data)
				}
			}
		})
	}
}
