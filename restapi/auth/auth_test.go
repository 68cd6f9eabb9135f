package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/auth"
	"github.com/midonet/midonet-go/restapi/auth/keystonetest"
)

// sharedKeystone is the one real Keystone this package's tests share.
var sharedKeystone keystonetest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	sharedKeystone.Close()
	os.Exit(code)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newAPI serves the REST API's auth-relevant parts (root, /tenants) behind
// svc's middleware, as the cluster wires them. The store is never touched
// by these paths.
func newAPI(t *testing.T, svc *auth.Service) string {
	t.Helper()
	h, err := restapi.NewHandler(nil, svc, restapi.Options{Middleware: svc.Middleware, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/midonet-api"
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) errorEntity(t *testing.T) (msg *string, code int) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, restapi.MediaError) {
		t.Errorf("error Content-Type %q, want %s", ct, restapi.MediaError)
	}
	var ent restapi.ErrorEntity
	if err := json.Unmarshal([]byte(a.body), &ent); err != nil {
		t.Fatalf("error body %q: %v", a.body, err)
	}
	return ent.Message, ent.Code
}

func do(t *testing.T, method, url string, headers map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// sessionCookie extracts the token as python-midonetclient does: the text
// between "=" and the first ";" of Set-Cookie.
func sessionCookie(t *testing.T, a answer) string {
	t.Helper()
	sc := a.header.Get("Set-Cookie")
	session, _, _ := strings.Cut(sc, ";")
	name, value, _ := strings.Cut(session, "=")
	if name != auth.SessionCookie || value == "" {
		t.Fatalf("Set-Cookie %q: want sessionId=<token>", sc)
	}
	return value
}

func TestMockProviderIsOpen(t *testing.T) {
	svc, err := auth.FromConfig(context.Background(), func(string) (string, bool) { return "", false }, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := svc.Provider().(*auth.Mock); !ok {
		t.Fatalf("default provider is %T, want *auth.Mock", svc.Provider())
	}
	api := newAPI(t, svc)

	if a := do(t, "GET", api, nil); a.status != http.StatusOK {
		t.Errorf("GET root without a token under mock: %d %s", a.status, a.body)
	}
	if a := do(t, "GET", api+"/tenants/admin", map[string]string{"X-Auth-Token": "anything"}); a.status != http.StatusOK ||
		!strings.Contains(a.body, `"Admin Tenant"`) {
		t.Errorf("GET /tenants/admin under mock: %d %s", a.status, a.body)
	}

	a := do(t, "POST", api+"/login", nil)
	if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") != `Basic  realm="BASIC_AUTH_REALM"` {
		t.Errorf("login without Authorization: %d, WWW-Authenticate %q", a.status, a.header.Get("WWW-Authenticate"))
	}
	if msg, code := a.errorEntity(t); msg == nil || *msg != "Authorization header is not set." || code != 401 {
		t.Errorf("login without Authorization: body %s", a.body)
	}

	a = do(t, "POST", api+"/login", map[string]string{"Authorization": basic("anyone", "anything")})
	if a.status != http.StatusOK {
		t.Fatalf("mock login: %d %s", a.status, a.body)
	}
	if got := a.header.Get("Set-Cookie"); got != "sessionId=00000000" {
		t.Errorf("mock login Set-Cookie %q", got)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, auth.MediaToken) {
		t.Errorf("login Content-Type %q", ct)
	}
	if a.body != `{"key":"00000000","expires":null}` {
		t.Errorf("mock login body %s", a.body)
	}

	a = do(t, "OPTIONS", api+"/bridges", map[string]string{"Access-Control-Request-Method": "POST"})
	if a.status != http.StatusOK || !strings.Contains(a.header.Get("Access-Control-Allow-Headers"), "X-Auth-Token") {
		t.Errorf("CORS preflight: %d %v", a.status, a.header)
	}
}

func TestFromConfig(t *testing.T) {
	base := map[string]string{
		"cluster.auth.keystone.admin_token": "static",
		"cluster.auth.admin_role":           "admin",
	}
	for _, tc := range []struct {
		name     string
		set      map[string]string
		keystone bool
		url      string
		wantErr  string
	}{
		{name: "mock class", set: map[string]string{"cluster.auth.provider_class": auth.ClassMock}},
		{name: "keystone class, defaults", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystone},
			keystone: true, url: "http://localhost:35357/v3/"},
		{name: "legacy v2_0 class, version 2", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystoneV2,
			"cluster.auth.keystone.version": "2", "cluster.auth.keystone.host": "ks", "cluster.auth.keystone.port": "5000",
			"cluster.auth.keystone.protocol": "https"}, keystone: true, url: "https://ks:5000/v2.0/"},
		{name: "url wins", set: map[string]string{"cluster.auth.provider_class": "keystone",
			"cluster.auth.keystone.url": "http://10.0.0.1:5000/identity/v3"}, keystone: true, url: "http://10.0.0.1:5000/identity/v3/"},
		{name: "unknown class", set: map[string]string{"cluster.auth.provider_class": "org.example.Nope"}, wantErr: "unknown"},
		{name: "bad version", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystone,
			"cluster.auth.keystone.version": "4"}, wantErr: "version"},
		{name: "bad port", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystone,
			"cluster.auth.keystone.port": "http"}, wantErr: "port"},
		{name: "bad cache ttl", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystone,
			"cluster.auth.keystone.token_cache_ttl": "soon"}, wantErr: "token_cache_ttl"},
		{name: "no service credentials", set: map[string]string{"cluster.auth.provider_class": auth.ClassKeystone,
			"cluster.auth.keystone.admin_token": " ", "cluster.auth.keystone.user_name": "svc"}, wantErr: "admin_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get := func(key string) (string, bool) {
				if v, ok := tc.set[key]; ok {
					return v, true
				}
				v, ok := base[key]
				return v, ok
			}
			svc, err := auth.FromConfig(context.Background(), get, quietLogger())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			k, isKeystone := svc.Provider().(*auth.Keystone)
			if isKeystone != tc.keystone {
				t.Fatalf("provider %T", svc.Provider())
			}
			if isKeystone && k.BaseURL() != tc.url {
				t.Errorf("base URL %q, want %q", k.BaseURL(), tc.url)
			}
		})
	}
}

// TestMiddlewareRootAndContext: /login lives under cluster.rest_api.root_uri,
// and an accepted request reaches the API with its token and identity.
func TestMiddlewareRootAndContext(t *testing.T) {
	cfg := map[string]string{"cluster.rest_api.root_uri": "/custom/", "cluster.auth.provider_class": "mock"}
	svc, err := auth.FromConfig(context.Background(), func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		token string
		id    auth.Identity
		ok    bool
	}
	srv := httptest.NewServer(svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.token = auth.TokenFromContext(r.Context())
		seen.id, seen.ok = auth.IdentityFromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	if a := do(t, "PUT", srv.URL+"/custom/login", map[string]string{"Authorization": basic("u", "p")}); a.status != http.StatusOK ||
		a.header.Get("Set-Cookie") != "sessionId="+auth.MockToken {
		t.Errorf("login under /custom: %d %v", a.status, a.header)
	}
	if a := do(t, "GET", srv.URL+"/custom/bridges", map[string]string{"X-Auth-Token": "abc"}); a.status != http.StatusNoContent {
		t.Fatalf("request: %d %s", a.status, a.body)
	}
	if seen.token != "abc" || !seen.ok || !seen.id.HasRole(auth.RoleAdmin) || seen.id.UserID != "admin-user" {
		t.Errorf("request context: token %q, identity %+v (%v)", seen.token, seen.id, seen.ok)
	}
}
