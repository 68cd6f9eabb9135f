package restapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// rawAnswer is one answer of rawDo: status, headers and body.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the answer's body as one JSON object (nil when it is not).
func (a rawAnswer) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.body, &m)
	return m
}

// rawDo sends one request to base+path with a JSON content type and returns
// the answer; a transport error fails the test (a panicking handler drops
// the connection, which shows here).
func rawDo(t testing.TB, base, method, path string, body io.Reader, headers map[string]string) rawAnswer {
	t.Helper()
	a, err := rawTry(base, method, path, body, headers)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rawTry is rawDo returning the transport error.
func rawTry(base, method, path string, body io.Reader, headers map[string]string) (rawAnswer, error) {
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return rawAnswer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawAnswer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return rawAnswer{}, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// gzipZeros is a gzip stream of n zero bytes (about n/1000 compressed).
func gzipZeros(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := gz.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBodyLimits: a body is bounded after inflating (a gzip bomb answers
// 413 without the node holding the inflated bytes), strings are bounded by
// MaxStringBytes with a violation naming the field, and nesting is bounded.
// The reference reads an inflated body whole and leaves most strings
// unbounded (then fails in ZooKeeper); here the careful choice is made.
func TestBodyLimits(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			o := b.open(t)
			opts := o.options()
			opts.MaxStringBytes = 1024
			h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, opts)
			if err != nil {
				t.Fatal(err)
			}
			base := newLoopbackServer(t, h) + "/midonet-api"

			// 64 MiB of zeros in about 64 KiB of gzip, against the default
			// 4 MiB bound.
			bomb := gzipZeros(t, 64<<20)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			a := rawDo(t, base, "POST", "/bridges", bytes.NewReader(bomb), map[string]string{"Content-Encoding": "gzip"})
			runtime.ReadMemStats(&after)
			if a.status != http.StatusRequestEntityTooLarge {
				t.Errorf("gzip bomb: %d %s, want 413", a.status, a.body)
			}
			// Reading the bomb whole would allocate well over 64 MiB; bounded,
			// the handler allocates about twice the 4 MiB bound.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
				t.Errorf("gzip bomb: the node allocated %d MiB while refusing it", grew>>20)
			}
			// A gzip body within the bound is read.
			var small bytes.Buffer
			gz := gzip.NewWriter(&small)
			_, _ = gz.Write([]byte(`{"name":"zipped"}`))
			_ = gz.Close()
			if a := rawDo(t, base, "POST", "/bridges", &small, map[string]string{"Content-Encoding": "gzip"}); a.status != http.StatusCreated {
				t.Errorf("gzip body: %d %s", a.status, a.body)
			}

			for _, tc := range []struct {
				name, body string
				status     int
				property   string
			}{
				{"long tenantId", `{"tenantId":"` + strings.Repeat("t", 1025) + `"}`, 400, "tenantId"},
				{"long string in a list", `{"name":"n","inboundMirrorIds":["` + strings.Repeat("x", 2000) + `"]}`, 400, "inboundMirrorIds"},
				{"string at the bound", `{"tenantId":"` + strings.Repeat("t", 1024) + `"}`, 201, ""},
				{"deep nesting", strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), 400, ""},
				{"deep arrays", `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}", 400, ""},
			} {
				a := rawDo(t, base, "POST", "/bridges", strings.NewReader(tc.body), nil)
				if a.status != tc.status {
					t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
					continue
				}
				if tc.property != "" {
					var v restapi.ValidationErrorEntity
					if err := json.Unmarshal(a.body, &v); err != nil || len(v.Violations) != 1 || v.Violations[0].Property != tc.property {
						t.Errorf("%s: violations %s, want one for %s", tc.name, a.body, tc.property)
					}
				}
			}

			// Strings the bound lets through can still make an object ZooKeeper
			// cannot store: 400 without the store's paths, nothing written.
			opts.MaxStringBytes = 4 << 20
			h, err = restapi.NewHandler(o.store, restapi.MockTenants{}, opts)
			if err != nil {
				t.Fatal(err)
			}
			unbounded := newLoopbackServer(t, h) + "/midonet-api"
			a = rawDo(t, unbounded, "POST", "/bridges", strings.NewReader(`{"name":"huge","tenantId":"`+strings.Repeat("t", 1<<20)+`"}`), nil)
			if msg, _ := a.json()["message"].(string); a.status != http.StatusBadRequest || msg == "" || strings.Contains(msg, "/") {
				t.Errorf("object over jute.maxbuffer: %d %s, want 400 without paths", a.status, a.body)
			}
			for _, br := range must(client.New(base).Bridges().List(context.Background(), nil))(t) {
				if br.Name == "huge" {
					t.Errorf("the refused object was written: %s", br.ID)
				}
			}
		})
	}
}

// TestNullBodies: JSON null (and any other non-object) as the body of a
// create or update answers 400 on every collection and sub-collection; it
// panicked on sub-collections and created an object with defaults on
// top-level ones.
func TestNullBodies(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, c := serve(t, b)
			ctx := context.Background()
			base := srv.URL + "/midonet-api"
			lb := must(c.LoadBalancers().Create(ctx, &client.LoadBalancer{}))(t)
			pool := must(c.Pools().Create(ctx, &client.Pool{LoadBalancerID: &lb.ID, LBMethod: "ROUND_ROBIN"}))(t)
			qos := must(c.QosPolicies().Create(ctx, &client.QosPolicy{Name: "q"}))(t)
			scg := must(c.ServiceContainerGroups().Create(ctx, &client.ServiceContainerGroup{}))(t)
			bridge := must(c.Bridges().Create(ctx, &client.Bridge{Name: "b"}))(t)
			paths := []string{"/bridges", "/routers", "/chains", "/load_balancers", "/pools", "/health_monitors",
				"/load_balancers/" + lb.ID + "/pools", "/pools/" + pool.ID + "/pool_members", "/pools/" + pool.ID + "/vips",
				"/qos_policies/" + qos.ID + "/qos_bw_limit_rules", "/qos_policies/" + qos.ID + "/qos_dscp_rules",
				"/service_container_groups/" + scg.ID + "/service_containers", "/bridges/" + bridge.ID + "/dhcp"}
			for _, p := range paths {
				for _, body := range []string{"null", " null ", "[]", "5", `"x"`, "true"} {
					if a := rawDo(t, base, "POST", p, strings.NewReader(body), nil); a.status != http.StatusBadRequest {
						t.Errorf("POST %s %q: %d %s, want 400", p, body, a.status, a.body)
					}
				}
			}
			if a := rawDo(t, base, "PUT", "/bridges/"+bridge.ID, strings.NewReader("null"), nil); a.status != http.StatusBadRequest {
				t.Errorf("PUT null: %d %s, want 400", a.status, a.body)
			}
			if got := must(c.Bridges().List(ctx, nil))(t); len(got) != 1 {
				t.Errorf("bridges after null bodies: %d, want 1", len(got))
			}
		})
	}
}
