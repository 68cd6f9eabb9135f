package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v2/tenants"
	tokens2 "github.com/gophercloud/gophercloud/v2/openstack/identity/v2/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	tokens3 "github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/midonet/midonet-go/restapi"
)

// KeystoneConfig configures the Keystone provider (cluster.auth.* keys).
// Blank strings mean "unset", as in the reference.
type KeystoneConfig struct {
	// Version is the Identity API version, 3 (default when 0) or 2.
	Version int
	// URL, when set, is the Identity API base used verbatim; it must end in
	// the version path (…/v3 or …/v2.0). Otherwise the base is
	// Protocol://Host:Port/v3 (or /v2.0).
	URL            string
	Protocol, Host string
	Port           int
	// DomainID (preferred) or DomainName scopes v3 users and projects;
	// both blank means domain id "default".
	DomainID, DomainName string
	// AdminToken, when set, validates user tokens forever (never renewed).
	// Otherwise the service logs in as UserName/UserPassword in TenantName.
	AdminToken                         string
	TenantName, UserName, UserPassword string
	// Keystone role names (compared with the lower-cased token roles) that
	// map to the MidoNet roles.
	AdminRole, TenantAdminRole, TenantUserRole string
	// CacheTTL is how long a successful token validation is reused; 0
	// validates every request with Keystone, like the reference. Failures
	// are never cached.
	CacheTTL time.Duration
	// CacheSize bounds the validation cache (default 10000 tokens).
	CacheSize int
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
}

// renewMargin is how long before its expiry the service token is renewed.
const renewMargin = 60 * time.Second

// Keystone authenticates against an OpenStack Keystone (Identity v3 or v2.0).
type Keystone struct {
	cfg  KeystoneConfig
	base string // identity API base URL, with a trailing slash
	http *http.Client
	now  func() time.Time

	svcMu      sync.Mutex
	svcToken   string
	svcExpires time.Time
	svcSkew    time.Duration // Keystone's clock minus ours at issue time

	cacheMu sync.Mutex
	cache   map[string]cachedIdentity
	// flights are validations under way, by user token: concurrent requests
	// with the same new token wait for one Keystone call.
	flights map[string]*flight
}

type flight struct {
	done chan struct{}
	id   Identity
	err  error
}

type cachedIdentity struct {
	id    Identity
	until time.Time
}

// NewKeystone checks cfg and returns the provider. It does not contact
// Keystone: a Keystone that is down at start-up only fails requests.
func NewKeystone(cfg KeystoneConfig) (*Keystone, error) {
	if cfg.Version == 0 {
		cfg.Version = 3
	}
	var versionPath string
	switch cfg.Version {
	case 3:
		versionPath = "v3"
	case 2:
		versionPath = "v2.0"
	default:
		return nil, fmt.Errorf("auth: keystone version %d not supported (2 or 3)", cfg.Version)
	}
	base := strings.TrimSpace(cfg.URL)
	if base == "" {
		proto := cmpBlank(cfg.Protocol, "http")
		host := cmpBlank(cfg.Host, "localhost")
		port := cfg.Port
		if port == 0 {
			port = 35357
		}
		base = fmt.Sprintf("%s://%s/%s", proto, joinHostPort(host, port), versionPath)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if blank(cfg.AdminToken) && (blank(cfg.UserName) || blank(cfg.UserPassword) || blank(cfg.TenantName)) {
		return nil, errors.New("auth: keystone needs admin_token, or user_name, user_password and tenant_name for the service account")
	}
	if blank(cfg.DomainID) && blank(cfg.DomainName) {
		cfg.DomainID = "default" // the reference's default domain_id
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10000
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Keystone{cfg: cfg, base: base, http: hc, now: time.Now, cache: map[string]cachedIdentity{},
		flights: map[string]*flight{}}, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func cmpBlank(s, def string) string {
	if blank(s) {
		return def
	}
	return strings.TrimSpace(s)
}

// BaseURL is the Identity API base the provider calls.
func (k *Keystone) BaseURL() string { return k.base }

// client is a gophercloud client of the identity API sending token (if any)
// as X-Auth-Token. One per call: tokens differ per caller.
func (k *Keystone) client(token string) *gophercloud.ServiceClient {
	pc := &gophercloud.ProviderClient{HTTPClient: *k.http}
	pc.SetToken(token)
	return &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: k.base}
}

// classify turns a gophercloud/transport error into this package's errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &code) {
		switch code.Actual {
		case http.StatusUnauthorized:
			return fmt.Errorf("%w: %w", ErrUnauthorized, err)
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		default:
			body := strings.TrimSpace(string(code.Body))
			if len(body) > 512 { // an HTML error page says nothing more past this
				body = body[:512] + "…"
			}
			return &ServerError{Status: code.Actual, Body: body}
		}
	}
	var transport *url.Error // what http.Client.Do fails with
	if errors.As(err, &transport) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("keystone: %w", err)
}

// login is one password login; issued is Keystone's issue time (zero if it
// did not say).
type loginResult struct {
	token  Token
	issued time.Time
}

func (k *Keystone) login(ctx context.Context, user, password, project string) (loginResult, error) {
	c := k.client("")
	if k.cfg.Version == 2 {
		r := tokens2.Create(ctx, c, tokens2.AuthOptions{Username: user, Password: password, TenantName: project})
		if r.Err != nil {
			return loginResult{}, classify(r.Err)
		}
		var body struct {
			Access struct {
				Token struct {
					ID       string `json:"id"`
					IssuedAt string `json:"issued_at"`
					Expires  string `json:"expires"`
				} `json:"token"`
			} `json:"access"`
		}
		if err := r.ExtractInto(&body); err != nil {
			return loginResult{}, fmt.Errorf("keystone: login answer: %w", err)
		}
		return newLoginResult(body.Access.Token.ID, body.Access.Token.Expires, body.Access.Token.IssuedAt)
	}
	opts := tokens3.AuthOptions{Username: user, Password: password,
		Scope: tokens3.Scope{ProjectName: project}}
	if !blank(k.cfg.DomainID) {
		opts.DomainID, opts.Scope.DomainID = k.cfg.DomainID, k.cfg.DomainID
	} else {
		opts.DomainName, opts.Scope.DomainName = k.cfg.DomainName, k.cfg.DomainName
	}
	r := tokens3.Create(ctx, c, &opts)
	if r.Err != nil {
		return loginResult{}, classify(r.Err)
	}
	id, err := r.ExtractTokenID()
	if err != nil {
		return loginResult{}, fmt.Errorf("keystone: login answer: %w", err)
	}
	var body struct {
		ExpiresAt string `json:"expires_at"`
		IssuedAt  string `json:"issued_at"`
	}
	if err := r.ExtractInto(&body); err != nil {
		return loginResult{}, fmt.Errorf("keystone: login answer: %w", err)
	}
	return newLoginResult(id, body.ExpiresAt, body.IssuedAt)
}

func newLoginResult(id, expires, issued string) (loginResult, error) {
	if id == "" {
		return loginResult{}, errors.New("keystone: login answer has no token id")
	}
	res := loginResult{token: Token{Key: id}}
	var err error
	if res.token.Expires, err = parseKeystoneTime(expires); err != nil {
		return loginResult{}, fmt.Errorf("keystone: token expiry: %w", err)
	}
	if res.issued, err = parseKeystoneTime(issued); err != nil {
		return loginResult{}, fmt.Errorf("keystone: token issue time: %w", err)
	}
	return res, nil
}

// parseKeystoneTime reads the ISO-8601 forms Keystone writes: with "Z", a
// numeric offset or no zone (UTC), with or without fractional seconds. ""
// is the zero time.
func parseKeystoneTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

// Authenticate logs the user in to project (or the configured tenant_name).
func (k *Keystone) Authenticate(ctx context.Context, user, password, project string) (Token, error) {
	project = cmpBlank(project, strings.TrimSpace(k.cfg.TenantName))
	if project == "" {
		return Token{}, refuse(nil, "Project missing")
	}
	res, err := k.login(ctx, user, password, project)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return Token{}, err
		}
		return Token{}, refuse(err, "Login of user %s to project %s refused by Keystone", user, project)
	}
	return res.token, nil
}

// serviceToken is the token used to validate user tokens: the static admin
// token, or the service account's, logged in again when renew is set or
// when it expires within renewMargin (allowing for clock skew).
func (k *Keystone) serviceToken(ctx context.Context, renew bool) (token string, static bool, err error) {
	if !blank(k.cfg.AdminToken) {
		return strings.TrimSpace(k.cfg.AdminToken), true, nil
	}
	k.svcMu.Lock()
	defer k.svcMu.Unlock()
	if !renew && k.svcToken != "" &&
		(k.svcExpires.IsZero() || k.now().Add(renewMargin+k.svcSkew).Before(k.svcExpires)) {
		return k.svcToken, false, nil
	}
	before := k.now()
	res, err := k.login(ctx, k.cfg.UserName, k.cfg.UserPassword, k.cfg.TenantName)
	if err != nil {
		k.svcToken = ""
		return "", false, fmt.Errorf("keystone: service account login: %w", err)
	}
	k.svcToken, k.svcExpires = res.token.Key, res.token.Expires
	k.svcSkew = 0
	if !res.issued.IsZero() {
		k.svcSkew = res.issued.Sub(before)
	}
	return k.svcToken, false, nil
}

// Authorize validates token with Keystone (or the cache of recent
// successful validations).
func (k *Keystone) Authorize(ctx context.Context, token string) (Identity, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return Identity{}, refuse(nil, "No token was passed in.")
	}
	if id, ok := k.cached(token); ok {
		return id, nil
	}
	k.cacheMu.Lock()
	if f, ok := k.flights[token]; ok {
		k.cacheMu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return Identity{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
		if f.err == nil || (!errors.Is(f.err, context.Canceled) && !errors.Is(f.err, context.DeadlineExceeded)) {
			return f.id, f.err
		}
		// The request that called Keystone gave up; ask for ourselves.
		return k.validateUser(ctx, token)
	}
	f := &flight{done: make(chan struct{})}
	k.flights[token] = f
	k.cacheMu.Unlock()
	f.id, f.err = k.validateUser(ctx, token)
	k.cacheMu.Lock()
	delete(k.flights, token)
	k.cacheMu.Unlock()
	close(f.done)
	return f.id, f.err
}

// validateUser asks Keystone about token with the service token, renewing
// it and retrying once if Keystone refuses it, and caches a success.
func (k *Keystone) validateUser(ctx context.Context, token string) (Identity, error) {
	svc, static, err := k.serviceToken(ctx, false)
	if err != nil {
		return Identity{}, err
	}
	id, expires, err := k.validate(ctx, svc, token)
	if errors.Is(err, ErrUnauthorized) && !static {
		// The service token was refused (revoked, or Keystone restarted
		// with new keys): log in again and retry once.
		if svc, _, err = k.serviceToken(ctx, true); err != nil {
			return Identity{}, err
		}
		id, expires, err = k.validate(ctx, svc, token)
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		return Identity{}, refuse(err, "Token is not valid")
	default:
		return Identity{}, err
	}
	k.remember(token, id, expires)
	return id, nil
}

type keystoneRole struct {
	Name string `json:"name"`
}

// validate asks Keystone whose userToken is, authenticated by svc.
func (k *Keystone) validate(ctx context.Context, svc, userToken string) (Identity, time.Time, error) {
	c := k.client(svc)
	var (
		id      = Identity{Token: userToken}
		roles   []keystoneRole
		expires string
	)
	if k.cfg.Version == 2 {
		r := tokens2.Get(ctx, c, userToken)
		if r.Err != nil {
			return Identity{}, time.Time{}, classify(r.Err)
		}
		var body struct {
			Access struct {
				Token struct {
					Expires string `json:"expires"`
					Tenant  struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"tenant"`
				} `json:"token"`
				User struct {
					ID    string         `json:"id"`
					Roles []keystoneRole `json:"roles"`
				} `json:"user"`
			} `json:"access"`
		}
		if err := r.ExtractInto(&body); err != nil {
			return Identity{}, time.Time{}, fmt.Errorf("keystone: validation answer: %w", err)
		}
		a := body.Access
		id.UserID, id.TenantID, id.TenantName = a.User.ID, a.Token.Tenant.ID, a.Token.Tenant.Name
		roles, expires = a.User.Roles, a.Token.Expires
	} else {
		r := tokens3.Get(ctx, c, userToken)
		if r.Err != nil {
			return Identity{}, time.Time{}, classify(r.Err)
		}
		var body struct {
			ExpiresAt string `json:"expires_at"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			Project struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
			Roles []keystoneRole `json:"roles"`
		}
		if err := r.ExtractInto(&body); err != nil {
			return Identity{}, time.Time{}, fmt.Errorf("keystone: validation answer: %w", err)
		}
		id.UserID, id.TenantID, id.TenantName = body.User.ID, body.Project.ID, body.Project.Name
		roles, expires = body.Roles, body.ExpiresAt
	}
	exp, err := parseKeystoneTime(expires)
	if err != nil {
		return Identity{}, time.Time{}, fmt.Errorf("keystone: token expiry: %w", err)
	}
	id.Roles = k.midonetRoles(roles)
	return id, exp, nil
}

// midonetRoles maps Keystone role names to MidoNet roles: a role matches
// when its lower-cased name equals the configured name.
func (k *Keystone) midonetRoles(roles []keystoneRole) []string {
	var out []string
	for _, m := range []struct{ configured, role string }{
		{k.cfg.AdminRole, RoleAdmin}, {k.cfg.TenantAdminRole, RoleTenantAdmin}, {k.cfg.TenantUserRole, RoleTenantUser},
	} {
		if blank(m.configured) {
			continue
		}
		for _, r := range roles {
			if strings.ToLower(r.Name) == strings.TrimSpace(m.configured) {
				out = append(out, m.role)
				break
			}
		}
	}
	return out
}

func (k *Keystone) cached(token string) (Identity, bool) {
	if k.cfg.CacheTTL <= 0 {
		return Identity{}, false
	}
	k.cacheMu.Lock()
	defer k.cacheMu.Unlock()
	e, ok := k.cache[token]
	if !ok {
		return Identity{}, false
	}
	if !k.now().Before(e.until) {
		delete(k.cache, token)
		return Identity{}, false
	}
	return e.id, true
}

// remember caches a successful validation until the TTL or the token's
// expiry, whichever is first.
func (k *Keystone) remember(token string, id Identity, expires time.Time) {
	if k.cfg.CacheTTL <= 0 {
		return
	}
	now := k.now()
	until := now.Add(k.cfg.CacheTTL)
	if !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	k.cacheMu.Lock()
	defer k.cacheMu.Unlock()
	if len(k.cache) >= k.cfg.CacheSize {
		for t, e := range k.cache {
			if !now.Before(e.until) {
				delete(k.cache, t)
			}
		}
		if len(k.cache) >= k.cfg.CacheSize {
			clear(k.cache) // all live: start over rather than grow without bound
		}
	}
	k.cache[token] = cachedIdentity{id: id, until: until}
}

// Tenants lists Keystone projects (v3) or tenants (v2.0) with the caller's
// token. v2.0 applies marker and limit server-side; for v3 (whose project
// list the reference does not page) they are applied to the answer.
func (k *Keystone) Tenants(ctx context.Context, token, marker string, limit int) ([]restapi.Tenant, error) {
	c := k.client(token)
	var out []restapi.Tenant
	if k.cfg.Version == 2 {
		opts := tenants.ListOpts{Marker: marker}
		if limit > 0 {
			opts.Limit = limit
		}
		err := tenants.List(c, &opts).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
			ts, err := tenants.ExtractTenants(page)
			for _, t := range ts {
				out = append(out, restapi.Tenant{ID: t.ID, Name: t.Name, Description: t.Description, Enabled: t.Enabled})
			}
			return false, err // one page: the caller pages with marker/limit
		})
		if err != nil {
			return nil, classify(err)
		}
		return out, nil
	}
	pages, err := projects.List(c, nil).AllPages(ctx)
	if err != nil {
		return nil, classify(err)
	}
	ps, err := projects.ExtractProjects(pages)
	if err != nil {
		return nil, fmt.Errorf("keystone: project list: %w", err)
	}
	seen := marker == ""
	for _, p := range ps {
		if !seen {
			seen = p.ID == marker
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, restapi.Tenant{ID: p.ID, Name: p.Name, Description: p.Description, Enabled: p.Enabled})
	}
	return out, nil
}

// Tenant looks one project (v3) or tenant (v2.0) up with the caller's token.
func (k *Keystone) Tenant(ctx context.Context, token, id string) (restapi.Tenant, error) {
	c := k.client(token)
	if k.cfg.Version == 2 {
		t, err := tenants.Get(ctx, c, id).Extract()
		if err != nil {
			return restapi.Tenant{}, classify(err)
		}
		return restapi.Tenant{ID: t.ID, Name: t.Name, Description: t.Description, Enabled: t.Enabled}, nil
	}
	p, err := projects.Get(ctx, c, id).Extract()
	if err != nil {
		return restapi.Tenant{}, classify(err)
	}
	return restapi.Tenant{ID: p.ID, Name: p.Name, Description: p.Description, Enabled: p.Enabled}, nil
}
