package auth

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/midonet/midonet-go/restapi"
)

// TestTenantLookupErrorsOverHTTP: once a token is authorized (and cached),
// /tenants answers Keystone's failures as the reference's TenantResource
// does: 401 when Keystone refuses the caller's token, 503 when Keystone
// errs or is unreachable, 404 for an unknown tenant.
func TestTenantLookupErrorsOverHTTP(t *testing.T) {
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{Version: 2, CacheTTL: time.Hour})
	svc := New(k, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h, err := restapi.NewHandler(nil, svc, restapi.Options{Middleware: svc.Middleware, Logger: svc.log})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	defer api.Close()
	tok, err := k.Authenticate(context.Background(), "alice", "alicepw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", api.URL+"/midonet-api"+path, nil)
		req.Header.Set(HeaderAuthToken, tok.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ent restapi.ErrorEntity
		_ = json.NewDecoder(resp.Body).Decode(&ent)
		if ent.Message == nil {
			return resp.StatusCode, ""
		}
		return resp.StatusCode, *ent.Message
	}
	if status, _ := get("/tenants"); status != http.StatusOK {
		t.Fatalf("GET /tenants: %d", status)
	}
	for _, tc := range []struct {
		name    string
		breakIt func()
		path    string
		status  int
		message string
	}{
		{"unknown tenant", func() {}, "/tenants/nope", http.StatusNotFound, "Tenant nope not found"},
		{"keystone errs", func() { f.mu.Lock(); f.failWith = 500; f.mu.Unlock() }, "/tenants", http.StatusServiceUnavailable, ""},
		{"caller token revoked", func() { f.mu.Lock(); f.failWith = 0; f.mu.Unlock(); f.forgetTokens() }, "/tenants/t1",
			http.StatusUnauthorized, "Keystone credentials are not valid"},
		{"keystone down", f.srv.Close, "/tenants", http.StatusServiceUnavailable, "Keystone identity service is not available"},
	} {
		tc.breakIt()
		status, msg := get(tc.path)
		if status != tc.status || (tc.message != "" && msg != tc.message) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, msg, tc.status, tc.message)
		}
	}
}
