package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/midonet/midonet-go/mnconf"
)

// Provider class names accepted in cluster.auth.provider_class: the
// reference's Java class names, plus short forms.
const (
	ClassMock       = "org.midonet.cluster.auth.MockAuthService"
	ClassKeystone   = "org.midonet.cluster.auth.keystone.KeystoneService"
	ClassKeystoneV2 = "org.midonet.cluster.auth.keystone.v2_0.KeystoneService" // legacy alias: the version comes from keystone.version
)

// DefaultCacheTTL is how long a successful Keystone validation is reused
// when cluster.auth.keystone.token_cache_ttl is not set.
const DefaultCacheTTL = 5 * time.Second

// FromConfig builds the Service the cluster.auth.* configuration asks for.
// get returns a key's (unquoted) value and whether it is set. Besides the
// reference's keys it reads cluster.rest_api.root_uri (the /login path) and
// cluster.auth.keystone.token_cache_ttl (ours: how long a successful token
// validation is reused, default 5 s; 0 disables the cache).
func FromConfig(ctx context.Context, get func(key string) (string, bool), logger *slog.Logger) (*Service, error) {
	if logger == nil {
		logger = slog.Default()
	}
	str := func(key string) string {
		v, _ := get(key)
		return v
	}
	opts := Options{RootPath: strings.TrimSpace(str("cluster.rest_api.root_uri")), Logger: logger}
	class := strings.TrimSpace(str("cluster.auth.provider_class"))
	switch class {
	case "", ClassMock, "mock":
		logger.WarnContext(ctx, "auth: mock provider: the REST API is open to anyone (cluster.auth.provider_class)")
		return New(NewMock(), opts), nil
	case ClassKeystone, ClassKeystoneV2, "keystone":
	default:
		return nil, fmt.Errorf("auth: unknown cluster.auth.provider_class %q (want %s or %s)", class, ClassMock, ClassKeystone)
	}
	const ks = "cluster.auth.keystone."
	cfg := KeystoneConfig{
		URL:             strings.TrimSpace(str(ks + "url")),
		Protocol:        strings.TrimSpace(str(ks + "protocol")),
		Host:            strings.TrimSpace(str(ks + "host")),
		DomainID:        strings.TrimSpace(str(ks + "domain_id")),
		DomainName:      strings.TrimSpace(str(ks + "domain_name")),
		AdminToken:      strings.TrimSpace(str(ks + "admin_token")),
		TenantName:      strings.TrimSpace(str(ks + "tenant_name")),
		UserName:        strings.TrimSpace(str(ks + "user_name")),
		UserPassword:    str(ks + "user_password"),
		AdminRole:       strings.TrimSpace(str("cluster.auth.admin_role")),
		TenantAdminRole: strings.TrimSpace(str("cluster.auth.tenant_admin_role")),
		TenantUserRole:  strings.TrimSpace(str("cluster.auth.tenant_user_role")),
		CacheTTL:        DefaultCacheTTL,
	}
	if _, set := get(ks + "domain_id"); !set {
		cfg.DomainID = "default" // the reference's default
	}
	for _, n := range []struct {
		key string
		dst *int
	}{{ks + "version", &cfg.Version}, {ks + "port", &cfg.Port}} {
		if v := strings.TrimSpace(str(n.key)); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("auth: %s: %q is not an integer", n.key, v)
			}
			*n.dst = i
		}
	}
	if v := strings.TrimSpace(str(ks + "token_cache_ttl")); v != "" {
		d, err := mnconf.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("auth: %stoken_cache_ttl: %q is not a duration", ks, v)
		}
		cfg.CacheTTL = d
	}
	if cfg.AdminRole == "" {
		logger.WarnContext(ctx, "auth: cluster.auth.admin_role is not set: no Keystone user can use the REST API")
	}
	p, err := NewKeystone(cfg)
	if err != nil {
		return nil, err
	}
	logger.InfoContext(ctx, "auth: keystone provider", slog.String("url", p.BaseURL()), slog.Int("version", p.cfg.Version),
		slog.Duration("token_cache_ttl", cfg.CacheTTL))
	return New(p, opts), nil
}
