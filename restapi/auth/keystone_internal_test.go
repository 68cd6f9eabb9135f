package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/midonet/midonet-go/restapi"
)

func TestParseKeystoneTime(t *testing.T) {
	want := time.Date(2016, 1, 1, 0, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2016-01-01T00:30:00Z", want},
		{"2016-01-01T00:30:00.000000Z", want},
		{"2016-01-01T00:30:00.123456Z", want.Add(123456 * time.Microsecond)},
		{"2016-01-01T02:30:00+02:00", want},
		{"2016-01-01T02:30:00+0200", want},
		{"2016-01-01T00:30:00", want},
		{"2016-01-01T00:30:00.5", want.Add(500 * time.Millisecond)},
		{"", time.Time{}},
	} {
		got, err := parseKeystoneTime(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseKeystoneTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := parseKeystoneTime("yesterday"); err == nil {
		t.Error("parseKeystoneTime accepted garbage")
	}
}

func TestParseBasic(t *testing.T) {
	for _, tc := range []struct {
		header, user, password, msg string
	}{
		{"", "", "", "Authorization header is not set."},
		{"Bearer abc", "", "", "Authorization header does not contain Basic."},
		{"Basic !!!", "", "", "Authorization header is not valid"},
		{"Basic dXNlcg==", "", "", "Authorization header is not valid"}, // "user"
		{"Basic dXNlcjo=", "", "", "Authorization header is not valid"}, // "user:"
		{"Basic OnB3", "", "", "Authorization header is not valid"},     // ":pw"
		{"Basic dXNlcjpwdw==", "user", "pw", ""},                        // "user:pw"
		{"bAsIc dXNlcjpwdw==", "user", "pw", ""},                        // scheme is case-insensitive
		{"Basic dXNlcjpwOnc=", "user", "p:w", ""},                       // "user:p:w"
	} {
		u, p, msg := parseBasic(tc.header)
		if u != tc.user || p != tc.password || msg != tc.msg {
			t.Errorf("parseBasic(%q) = %q, %q, %q; want %q, %q, %q", tc.header, u, p, msg, tc.user, tc.password, tc.msg)
		}
	}
}

func newFakeProvider(t *testing.T, f *fakeKeystone, cfg KeystoneConfig) *Keystone {
	t.Helper()
	if cfg.Version == 2 {
		cfg.URL = f.srv.URL + "/v2.0"
	} else {
		cfg.URL = f.srv.URL + "/v3"
	}
	if cfg.AdminToken == "" {
		cfg.UserName, cfg.UserPassword, cfg.TenantName = "svc", "svcpw", "proj"
	}
	cfg.AdminRole = "admin"
	k, err := NewKeystone(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFakeKeystoneBothVersions(t *testing.T) {
	ctx := context.Background()
	for _, version := range []int{2, 3} {
		f := newFakeKeystone(t)
		k := newFakeProvider(t, f, KeystoneConfig{Version: version})
		if _, err := k.Authenticate(ctx, "alice", "wrong", "proj"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("v%d: wrong password: %v, want ErrInvalidCredentials", version, err)
		}
		tok, err := k.Authenticate(ctx, "alice", "alicepw", "proj")
		if err != nil {
			t.Fatalf("v%d: login: %v", version, err)
		}
		if tok.Key == "" || time.Until(tok.Expires) < 50*time.Minute {
			t.Errorf("v%d: login token %+v: want a key expiring in an hour", version, tok)
		}
		id, err := k.Authorize(ctx, tok.Key)
		if err != nil {
			t.Fatalf("v%d: authorize: %v", version, err)
		}
		// Keystone role "Admin" is lower-cased before matching admin_role.
		if id.UserID != "alice-id" || id.TenantID != "proj-id" || id.TenantName != "proj" || !id.HasRole(RoleAdmin) {
			t.Errorf("v%d: identity %+v", version, id)
		}
		if _, err := k.Authorize(ctx, "no-such-token"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("v%d: unknown token: %v, want ErrInvalidCredentials", version, err)
		}
		if _, err := k.Authorize(ctx, " "); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("v%d: blank token: %v, want ErrInvalidCredentials", version, err)
		}
	}
}

func TestFakeKeystoneV2Tenants(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{Version: 2})
	tok, err := k.Authenticate(ctx, "alice", "alicepw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		marker string
		limit  int
		want   []string
	}{{"", 0, []string{"t1", "t2"}}, {"t1", 0, []string{"t2"}}, {"", 1, []string{"t1"}}} {
		ts, err := k.Tenants(ctx, tok.Key, tc.marker, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tn := range ts {
			ids = append(ids, tn.ID)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
			t.Errorf("Tenants(marker %q, limit %d) = %v, want %v", tc.marker, tc.limit, ids, tc.want)
		}
	}
	got, err := k.Tenant(ctx, tok.Key, "t2")
	if want := (restapi.Tenant{ID: "t2", Name: "two", Description: "second"}); err != nil || got != want {
		t.Errorf("Tenant(t2) = %+v, %v; want %+v", got, err, want)
	}
	if _, err := k.Tenant(ctx, tok.Key, "t9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tenant(t9): %v, want ErrNotFound", err)
	}
	if _, err := k.Tenants(ctx, "bogus", "", 0); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Tenants with a bad caller token: %v, want ErrUnauthorized", err)
	}
}

func TestServiceTokenRenewedBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	f.lifetime = 2 * time.Minute
	k := newFakeProvider(t, f, KeystoneConfig{})
	userTok, err := k.Authenticate(ctx, "alice", "alicepw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	k.now = func() time.Time { return now }
	for range 2 {
		if _, err := k.Authorize(ctx, userTok.Key); err != nil {
			t.Fatal(err)
		}
	}
	if logins, checks := f.counts(); logins != 2 || checks != 2 {
		t.Fatalf("after two validations: %d logins, %d checks; want 2 (user + service) and 2", logins, checks)
	}
	// 61 s later the service token has less than the 60 s margin left.
	now = now.Add(61 * time.Second)
	if _, err := k.Authorize(ctx, userTok.Key); err != nil {
		t.Fatal(err)
	}
	if logins, _ := f.counts(); logins != 3 {
		t.Errorf("service token not renewed within the margin: %d logins, want 3", logins)
	}
}

func TestServiceTokenRefusedIsRenewedAndRetriedOnce(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{})
	if _, err := k.Authorize(ctx, "unknown"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("unknown token: %v", err)
	}
	f.forgetTokens() // the service token is no longer valid
	userTok, err := k.Authenticate(ctx, "alice", "alicepw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	logins0, checks0 := f.counts()
	if _, err := k.Authorize(ctx, userTok.Key); err != nil {
		t.Fatalf("authorize after the service token was revoked: %v", err)
	}
	logins, checks := f.counts()
	if logins-logins0 != 1 || checks-checks0 != 2 {
		t.Errorf("retry: %d new logins, %d new checks; want 1 and 2", logins-logins0, checks-checks0)
	}

	// A static admin token is never renewed: a refusal is final.
	static := newFakeProvider(t, f, KeystoneConfig{AdminToken: "revoked-static"})
	logins0, _ = f.counts()
	if _, err := static.Authorize(ctx, userTok.Key); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("refused static admin token: %v, want ErrUnauthorized", err)
	}
	if logins, _ := f.counts(); logins != logins0 {
		t.Errorf("static admin token: %d logins, want none", logins-logins0)
	}
}

func TestValidationCache(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{CacheTTL: time.Minute})
	tok, err := k.Authenticate(ctx, "bob", "bobpw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	k.now = func() time.Time { return now }
	for range 3 {
		if _, err := k.Authorize(ctx, tok.Key); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Authorize(ctx, "bad-token"); err == nil {
			t.Fatal("bad token accepted")
		}
	}
	// One check for bob's token, three for the bad one: failures are never cached.
	if _, checks := f.counts(); checks != 4 {
		t.Errorf("%d checks, want 4", checks)
	}
	now = now.Add(time.Minute)
	if _, err := k.Authorize(ctx, tok.Key); err != nil {
		t.Fatal(err)
	}
	if _, checks := f.counts(); checks != 5 {
		t.Errorf("cache entry outlived its TTL: %d checks, want 5", checks)
	}
}

func TestKeystoneErrors(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{})
	f.failWith = http.StatusInternalServerError
	var se *ServerError
	if _, err := k.Authorize(ctx, "tok"); !errors.As(err, &se) || se.Status != 500 {
		t.Errorf("Keystone 500: %v, want ServerError 500", err)
	}
	if _, err := k.Tenants(ctx, "tok", "", 0); !errors.As(err, &se) {
		t.Errorf("Keystone 500 on tenants: %v, want ServerError", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	down, err := NewKeystone(KeystoneConfig{URL: "http://" + addr + "/v3", AdminToken: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Authorize(ctx, "tok"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Keystone down: %v, want ErrUnavailable", err)
	}
	if _, err := down.Authenticate(ctx, "u", "p", "proj"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Keystone down at login: %v, want ErrUnavailable", err)
	}
	if _, err := down.Tenant(ctx, "tok", "x"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Keystone down on tenant: %v, want ErrUnavailable", err)
	}
}

// TestConcurrentValidationsShareOneCall: a burst of requests with one new
// token costs Keystone one validation (joined in flight, then cached).
func TestConcurrentValidationsShareOneCall(t *testing.T) {
	ctx := context.Background()
	f := newFakeKeystone(t)
	k := newFakeProvider(t, f, KeystoneConfig{CacheTTL: time.Minute})
	tok, err := k.Authenticate(ctx, "alice", "alicepw", "proj")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 32)
	for range cap(errs) {
		go func() {
			_, err := k.Authorize(ctx, tok.Key)
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, checks := f.counts(); checks != 1 {
		t.Errorf("%d Keystone validations for one token, want 1", checks)
	}
}

func BenchmarkAuthorizeCached(b *testing.B) {
	f := newFakeKeystone(b)
	k, err := NewKeystone(KeystoneConfig{URL: f.srv.URL + "/v3", UserName: "svc", UserPassword: "svcpw",
		TenantName: "proj", AdminRole: "admin", CacheTTL: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := k.Authenticate(context.Background(), "alice", "alicepw", "proj")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Authorize(context.Background(), tok.Key); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
