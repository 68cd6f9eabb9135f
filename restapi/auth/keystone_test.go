package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"

	"github.com/midonet/midonet-go/restapi/auth"
	"github.com/midonet/midonet-go/restapi/auth/keystonetest"
)

// realSetup is a project on the shared Keystone with an admin user and a
// plain member, and a MidoNet API authenticating against it.
type realSetup struct {
	ks        *keystonetest.Server
	admin     *gophercloud.ServiceClient // Keystone admin client
	project   projects.Project
	adminUser string // has Keystone role "admin" on project
	member    string // has only "member" on project
	password  string
	api       string
	svc       *auth.Service
}

// setupCounter keeps users and projects of different tests apart.
var setupCounter atomic.Int64

func setupReal(t *testing.T, extra map[string]string) *realSetup {
	t.Helper()
	ks := sharedKeystone.Get(t)
	ctx := context.Background()
	admin, err := ks.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := setupCounter.Add(1)
	s := &realSetup{ks: ks, admin: admin, password: "pw:with:colons", // RFC 7617: only the first ':' splits
		adminUser: fmt.Sprintf("alice%d", n), member: fmt.Sprintf("bob%d", n)}
	p, err := projects.Create(ctx, admin, projects.CreateOpts{Name: fmt.Sprintf("tenant%d", n), DomainID: "default",
		Description: "a MidoNet tenant"}).Extract()
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	s.project = *p
	roleID := map[string]string{}
	pages, err := roles.List(admin, nil).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := roles.ExtractRoles(pages)
	for _, r := range rs {
		roleID[r.Name] = r.ID
	}
	for user, role := range map[string]string{s.adminUser: "admin", s.member: "member"} {
		u, err := users.Create(ctx, admin, users.CreateOpts{Name: user, DomainID: "default", Password: s.password,
			DefaultProjectID: p.ID}).Extract()
		if err != nil {
			t.Fatalf("create user %s: %v", user, err)
		}
		if err := roles.Assign(ctx, admin, roleID[role], roles.AssignOpts{UserID: u.ID, ProjectID: p.ID}).ExtractErr(); err != nil {
			t.Fatalf("assign %s to %s: %v", role, user, err)
		}
	}
	cfg := map[string]string{
		"cluster.auth.provider_class":         auth.ClassKeystone,
		"cluster.auth.admin_role":             "admin",
		"cluster.auth.keystone.url":           ks.URL,
		"cluster.auth.keystone.user_name":     ks.AdminUser,
		"cluster.auth.keystone.user_password": ks.AdminPassword,
		"cluster.auth.keystone.tenant_name":   ks.AdminProject,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	s.svc, err = auth.FromConfig(ctx, func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	s.api = newAPI(t, s.svc)
	return s
}

// login does what python-midonetclient does and returns the cookie token.
func (s *realSetup) login(t *testing.T, user, project string) string {
	t.Helper()
	a := do(t, "POST", s.api+"/login", map[string]string{"Authorization": basic(user, s.password), "X-Auth-Project": project})
	if a.status != http.StatusOK {
		t.Fatalf("login %s to %s: %d %s", user, project, a.status, a.body)
	}
	token := sessionCookie(t, a)
	if !strings.Contains(a.body, `"key":"`+token+`"`) {
		t.Errorf("login body %s does not carry the cookie's token", a.body)
	}
	return token
}

func TestKeystoneLoginAndAccess(t *testing.T) {
	s := setupReal(t, nil)

	// No token: 401, no challenge.
	a := do(t, "GET", s.api+"/tenants", nil)
	if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") != "" {
		t.Errorf("no token: %d, WWW-Authenticate %q", a.status, a.header.Get("WWW-Authenticate"))
	}
	if msg, _ := a.errorEntity(t); msg == nil || !strings.Contains(*msg, "No token was passed in.") {
		t.Errorf("no token: body %s", a.body)
	}
	// A token Keystone never issued.
	a = do(t, "GET", s.api, map[string]string{"X-Auth-Token": "gAAAAAbogus"})
	if msg, _ := a.errorEntity(t); a.status != http.StatusUnauthorized || msg == nil || *msg != "Token is not valid" {
		t.Errorf("bogus token: %d %s", a.status, a.body)
	}

	// Wrong password at /login: 401 with the Basic challenge.
	a = do(t, "POST", s.api+"/login", map[string]string{"Authorization": basic(s.adminUser, "wrong"), "X-Auth-Project": s.project.Name})
	if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") != `Basic  realm="BASIC_AUTH_REALM"` {
		t.Errorf("wrong password: %d, WWW-Authenticate %q", a.status, a.header.Get("WWW-Authenticate"))
	}
	if msg, code := a.errorEntity(t); msg == nil || code != 401 ||
		*msg != "Login of user "+s.adminUser+" to project "+s.project.Name+" refused by Keystone" {
		t.Errorf("wrong password: body %s (no Keystone detail expected)", a.body)
	}
	// Without X-Auth-Project the configured tenant_name (the admin project,
	// where alice has no role) is used: Keystone refuses the scope.
	a = do(t, "POST", s.api+"/login", map[string]string{"Authorization": basic(s.adminUser, s.password)})
	if a.status != http.StatusUnauthorized {
		t.Errorf("login to a project without a role: %d %s", a.status, a.body)
	}

	// Admin: logs in, the cookie carries an expiry in the reference's format.
	a = do(t, "POST", s.api+"/login", map[string]string{"Authorization": basic(s.adminUser, s.password), "X-Auth-Project": s.project.Name})
	if a.status != http.StatusOK {
		t.Fatalf("admin login: %d %s", a.status, a.body)
	}
	token := sessionCookie(t, a)
	_, expires, _ := strings.Cut(a.header.Get("Set-Cookie"), "; Expires=")
	if exp, err := time.Parse("Mon, 02-01-2006 15:04:05 UTC", expires); err != nil || time.Until(exp) < 30*time.Minute {
		t.Errorf("cookie expiry %q: %v", expires, err)
	}
	if !strings.Contains(a.body, `"expires":"`+expires+`"`) {
		t.Errorf("login body %s lacks the cookie's expiry %q", a.body, expires)
	}
	hdr := map[string]string{"X-Auth-Token": token}
	if a := do(t, "GET", s.api, hdr); a.status != http.StatusOK {
		t.Errorf("admin GET root: %d %s", a.status, a.body)
	}
	a = do(t, "GET", s.api+"/tenants", hdr)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"name":"`+s.project.Name+`"`) {
		t.Errorf("admin GET /tenants: %d %s", a.status, a.body)
	}
	var all []struct{ ID string }
	if err := json.Unmarshal([]byte(a.body), &all); err != nil || len(all) < 2 {
		t.Fatalf("tenant list %s: %v (want the admin project and ours at least)", a.body, err)
	}
	// v3 lists are paged here (Keystone ignores marker and limit).
	var page []struct{ ID string }
	a = do(t, "GET", s.api+"/tenants?limit=1&marker="+all[0].ID, hdr)
	if err := json.Unmarshal([]byte(a.body), &page); err != nil || len(page) != 1 || page[0].ID != all[1].ID {
		t.Errorf("GET /tenants?limit=1&marker=%s: %s, want [%s]", all[0].ID, a.body, all[1].ID)
	}
	a = do(t, "GET", s.api+"/tenants/"+s.project.ID, hdr)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"description":"a MidoNet tenant"`) {
		t.Errorf("admin GET /tenants/{id}: %d %s", a.status, a.body)
	}
	if a := do(t, "GET", s.api+"/tenants/no-such-project", hdr); a.status != http.StatusNotFound {
		t.Errorf("GET unknown tenant: %d %s", a.status, a.body)
	}

	// Non-admin: can log in, but every request is 401 with a null message.
	memberToken := s.login(t, s.member, s.project.Name)
	a = do(t, "GET", s.api, map[string]string{"X-Auth-Token": memberToken})
	if a.status != http.StatusUnauthorized {
		t.Errorf("member GET root: %d %s", a.status, a.body)
	}
	if msg, code := a.errorEntity(t); msg != nil || code != 401 {
		t.Errorf("member refused with body %s, want null message and code 401", a.body)
	}
}

func TestKeystoneRevokedTokenRefusedAfterCacheTime(t *testing.T) {
	const ttl = time.Second
	s := setupReal(t, map[string]string{"cluster.auth.keystone.token_cache_ttl": "1s"})
	token := s.login(t, s.adminUser, s.project.Name)
	hdr := map[string]string{"X-Auth-Token": token}
	if a := do(t, "GET", s.api, hdr); a.status != http.StatusOK {
		t.Fatalf("before revocation: %d %s", a.status, a.body)
	}
	if err := tokens.Revoke(context.Background(), s.admin, token).Err; err != nil {
		t.Fatalf("revoke: %v", err)
	}
	time.Sleep(ttl + 100*time.Millisecond)
	if a := do(t, "GET", s.api, hdr); a.status != http.StatusUnauthorized {
		t.Errorf("revoked token after the cache time: %d %s", a.status, a.body)
	}
}

func TestKeystoneStaticAdminToken(t *testing.T) {
	ks := sharedKeystone.Get(t)
	svcToken, err := ks.Login(context.Background(), ks.AdminUser, ks.AdminPassword, ks.AdminProject)
	if err != nil {
		t.Fatal(err)
	}
	s := setupReal(t, map[string]string{"cluster.auth.keystone.admin_token": svcToken,
		"cluster.auth.keystone.user_name": " ", "cluster.auth.keystone.user_password": " "})
	token := s.login(t, s.adminUser, s.project.Name)
	if a := do(t, "GET", s.api, map[string]string{"X-Auth-Token": token}); a.status != http.StatusOK {
		t.Errorf("validated with a static admin token: %d %s", a.status, a.body)
	}
}

// TestPythonClientLoginFlow runs python-midonetclient's own login code (from
// the reference mirror): Basic auth at /login, the Set-Cookie value sent
// back as X-Auth-Token.
func TestPythonClientLoginFlow(t *testing.T) {
	s := setupReal(t, nil)
	python := "/usr/bin/python3"
	skipOrFail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf("SKIPPING: "+format, args...)
	}
	if out, err := exec.Command(python, "-c", "import httplib2, webob").CombinedOutput(); err != nil {
		skipOrFail("python3 with httplib2 and webob is not installed: %v %s", err, out)
	}
	repo := os.Getenv("MIDONET_REFERENCE_REPO")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	archive := exec.CommandContext(ctx, "sh", "-c",
		`git --git-dir="$1" archive HEAD python-midonetclient/src/midonetclient | tar -x -C "$2"`, "sh", repo, dir)
	if out, err := archive.CombinedOutput(); err != nil {
		// The client is in no package registry this project can reach (not in
		// Debian, no PyPI): without a copy of the reference repository it truly
		// cannot be installed, so this skips loudly even under CI.
		t.Skipf("SKIPPING: python-midonetclient not obtainable from %s (set MIDONET_REFERENCE_REPO to a midonet/midonet git dir): %v %s", repo, err, out)
	}
	script := `
import sys
from midonetclient.api import MidonetApi
api = MidonetApi(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])
for t in api.get_tenants():
    print("tenant", t.get_id(), t.get_name())
`
	run := func(user string) (string, error) {
		cmd := exec.CommandContext(ctx, python, "-c", script, s.api, user, s.password, s.project.Name)
		cmd.Dir = filepath.Join(dir, "python-midonetclient", "src")
		cmd.Env = append(os.Environ(), "PYTHONPATH="+cmd.Dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(s.adminUser)
	if err != nil {
		t.Fatalf("python client as admin: %v\n%s", err, out)
	}
	if !strings.Contains(out, "tenant "+s.project.ID+" "+s.project.Name) {
		t.Errorf("python client's tenant list lacks %s:\n%s", s.project.Name, out)
	}
	out, err = run(s.member)
	if err == nil || !strings.Contains(out, "Unauthorized") {
		t.Errorf("python client as non-admin: err %v, want an HTTPUnauthorized failure:\n%s", err, out)
	}
}
