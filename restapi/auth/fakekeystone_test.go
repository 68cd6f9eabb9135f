package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKeystone is an in-process identity service for the cases a real
// Keystone cannot produce on demand: Identity v2.0 (removed from Keystone),
// forgotten service tokens, server errors, short-lived tokens, and counting
// the calls the provider makes.
type fakeKeystone struct {
	t   testing.TB
	srv *httptest.Server

	mu sync.Mutex
	// users: name → password; roles: name → role names; all in project "proj".
	users map[string]string
	roles map[string][]string
	// tokens: id → user name; expiry of newly issued tokens.
	tokens   map[string]string
	lifetime time.Duration
	// failWith, when non-zero, is answered to every request.
	failWith int
	next     int
	logins   int
	checks   int
}

func newFakeKeystone(t testing.TB) *fakeKeystone {
	f := &fakeKeystone{t: t, users: map[string]string{"svc": "svcpw", "alice": "alicepw", "bob": "bobpw"},
		roles:  map[string][]string{"svc": {"admin"}, "alice": {"Admin", "member"}, "bob": {"member"}},
		tokens: map[string]string{}, lifetime: time.Hour}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", f.v3Login)
	mux.HandleFunc("GET /v3/auth/tokens", f.v3Check)
	mux.HandleFunc("POST /v2.0/tokens", f.v2Login)
	mux.HandleFunc("GET /v2.0/tokens/{id}", f.v2Check)
	mux.HandleFunc("GET /v2.0/tenants", f.v2Tenants)
	mux.HandleFunc("GET /v2.0/tenants/{id}", f.v2Tenant)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fail := f.failWith
		f.mu.Unlock()
		if fail != 0 {
			http.Error(w, `{"error":{"message":"injected"}}`, fail)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKeystone) counts() (logins, checks int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.checks
}

// forgetTokens revokes every issued token (a Keystone whose keys rotated).
func (f *fakeKeystone) forgetTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

func (f *fakeKeystone) issue(user, password string) (id string, expires time.Time, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logins++
	if pw, known := f.users[user]; !known || pw != password {
		return "", time.Time{}, false
	}
	f.next++
	id = "tok-" + user + "-" + strings.Repeat("x", f.next)
	f.tokens[id] = user
	return id, time.Now().Add(f.lifetime).UTC(), true
}

// check answers who token belongs to, if the caller's token is valid.
func (f *fakeKeystone) check(caller, token string) (user string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	if _, ok := f.tokens[caller]; !ok {
		return "", http.StatusUnauthorized
	}
	u, ok := f.tokens[token]
	if !ok {
		return "", http.StatusNotFound
	}
	return u, http.StatusOK
}

func (f *fakeKeystone) roleList(user string) []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]string
	for _, r := range f.roles[user] {
		out = append(out, map[string]string{"name": r})
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeKeystone) v3Login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			Identity struct {
				Password struct {
					User struct {
						Name, Password string
					}
				}
			}
		}
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	u := body.Auth.Identity.Password.User
	id, exp, ok := f.issue(u.Name, u.Password)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401}})
		return
	}
	w.Header().Set("X-Subject-Token", id)
	writeJSON(w, http.StatusCreated, map[string]any{"token": map[string]any{
		"expires_at": exp.Format("2006-01-02T15:04:05.000000Z"), "issued_at": time.Now().UTC().Format(time.RFC3339)}})
}

func (f *fakeKeystone) v3Check(w http.ResponseWriter, r *http.Request) {
	user, status := f.check(r.Header.Get("X-Auth-Token"), r.Header.Get("X-Subject-Token"))
	if status != http.StatusOK {
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": status}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": map[string]any{
		"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"user":       map[string]any{"id": user + "-id", "name": user},
		"project":    map[string]any{"id": "proj-id", "name": "proj"},
		"roles":      f.roleList(user)}})
}

func (f *fakeKeystone) v2Login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			PasswordCredentials struct{ Username, Password string }
			TenantName          string
		}
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	pc := body.Auth.PasswordCredentials
	id, exp, ok := f.issue(pc.Username, pc.Password)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access": map[string]any{"token": map[string]any{
		"id": id, "expires": exp.Format("2006-01-02T15:04:05Z"),
		"tenant": map[string]any{"id": "proj-id", "name": body.Auth.TenantName}}}})
}

func (f *fakeKeystone) v2Check(w http.ResponseWriter, r *http.Request) {
	user, status := f.check(r.Header.Get("X-Auth-Token"), r.PathValue("id"))
	if status != http.StatusOK {
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": status}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access": map[string]any{
		"token": map[string]any{"id": r.PathValue("id"), "expires": "2099-01-01T00:00:00Z",
			"tenant": map[string]any{"id": "proj-id", "name": "proj"}},
		"user": map[string]any{"id": user + "-id", "username": user, "roles": f.roleList(user)}}})
}

var fakeTenants = []map[string]any{
	{"id": "t1", "name": "one", "description": "first", "enabled": true},
	{"id": "t2", "name": "two", "description": "second", "enabled": false},
}

func (f *fakeKeystone) v2Tenants(w http.ResponseWriter, r *http.Request) {
	if _, status := f.check(r.Header.Get("X-Auth-Token"), r.Header.Get("X-Auth-Token")); status != http.StatusOK {
		writeJSON(w, http.StatusUnauthorized, map[string]any{})
		return
	}
	list := fakeTenants
	if m := r.URL.Query().Get("marker"); m == "t1" {
		list = list[1:]
	}
	if r.URL.Query().Get("limit") == "1" {
		list = list[:1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": list})
}

func (f *fakeKeystone) v2Tenant(w http.ResponseWriter, r *http.Request) {
	if _, status := f.check(r.Header.Get("X-Auth-Token"), r.Header.Get("X-Auth-Token")); status != http.StatusOK {
		writeJSON(w, http.StatusUnauthorized, map[string]any{})
		return
	}
	for _, t := range fakeTenants {
		if t["id"] == r.PathValue("id") {
			writeJSON(w, http.StatusOK, map[string]any{"tenant": t})
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{})
}
