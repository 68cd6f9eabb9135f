// Package auth authenticates MidoNet REST API requests as the v5 cluster
// does: POST <root>/login trades HTTP Basic credentials (plus an optional
// X-Auth-Project header) for a token, returned both as a "sessionId" cookie
// and as a Token-v1 JSON body; every other request carries that token in
// X-Auth-Token and must belong to a user holding the MidoNet admin role.
//
// Two providers exist, chosen by cluster.auth.provider_class:
//
//   - the mock provider (the default, as in the reference) accepts any login,
//     answers token "00000000" and treats every request — with or without a
//     token — as coming from an admin: with it the API is OPEN;
//   - the Keystone provider (Identity v3 by default, or v2.0) logs users in
//     against Keystone and validates their tokens with a service token.
//
// Service ties a provider to HTTP: Service.Middleware goes into
// restapi.Options.Middleware and Service itself is the restapi.TenantSource
// behind /tenants (tenant lookups use the caller's token, which the
// middleware puts in the request context).
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/midonet/midonet-go/restapi"
)

// MidoNet roles a provider maps its own role names to. In the v5 cluster
// only RoleAdmin grants anything: every request needs it.
const (
	RoleAdmin       = "admin"
	RoleTenantAdmin = "tenant_admin"
	RoleTenantUser  = "tenant_user"
)

// Token is the result of a login. A zero Expires means the provider did not
// say when it expires.
type Token struct {
	Key     string
	Expires time.Time
}

// expiresLayout is the reference's cookie/JSON date format
// ("EEE, dd-MM-yyyy HH:mm:ss z" in UTC): note the numeric month.
const expiresLayout = "Mon, 02-01-2006 15:04:05 UTC"

// ExpiresString is the expiry as the reference prints it, or "" if unknown.
func (t Token) ExpiresString() string {
	if t.Expires.IsZero() {
		return ""
	}
	return t.Expires.UTC().Format(expiresLayout)
}

// MarshalJSON writes the reference's Token-v1 body: {"key":..,"expires":..|null}.
func (t Token) MarshalJSON() ([]byte, error) {
	body := struct {
		Key     string  `json:"key"`
		Expires *string `json:"expires"`
	}{Key: t.Key}
	if s := t.ExpiresString(); s != "" {
		body.Expires = &s
	}
	return json.Marshal(body)
}

// Identity is who a token belongs to.
type Identity struct {
	UserID     string
	TenantID   string
	TenantName string
	Token      string
	Roles      []string // MidoNet roles (RoleAdmin, ...)
}

// HasRole reports whether the identity holds the MidoNet role.
func (id Identity) HasRole(role string) bool { return slices.Contains(id.Roles, role) }

// Provider is an authentication backend.
type Provider interface {
	// Authenticate logs a user in; project "" means the provider's default.
	Authenticate(ctx context.Context, user, password, project string) (Token, error)
	// Authorize validates a token ("" included) and says whose it is.
	Authorize(ctx context.Context, token string) (Identity, error)
	// Tenant and Tenants look tenants up on behalf of the token's owner.
	Tenant(ctx context.Context, token, id string) (restapi.Tenant, error)
	Tenants(ctx context.Context, token, marker string, limit int) ([]restapi.Tenant, error)
}

// Errors providers return (wrapped). The HTTP layer maps them: any failure of
// Authenticate or Authorize is a 401; for tenant lookups ErrUnauthorized is a
// 401, ErrNotFound a 404, ErrUnavailable and *ServerError a 503.
var (
	// ErrInvalidCredentials: the user's credentials or token are not valid.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrUnauthorized: the identity service refused the credentials used
	// to call it (HTTP 401 from Keystone).
	ErrUnauthorized = errors.New("identity service: unauthorized")
	// ErrNotFound: the identity service has no such object.
	ErrNotFound = errors.New("identity service: not found")
	// ErrUnavailable: the identity service could not be reached.
	ErrUnavailable = errors.New("identity service is not available")
)

// Refusal is a refused login or token: Message is what the client is told
// (no internal detail); Cause, if any, is for the logs.
type Refusal struct {
	Message string
	Cause   error
}

func refuse(cause error, format string, args ...any) *Refusal {
	return &Refusal{Message: fmt.Sprintf(format, args...), Cause: cause}
}

func (e *Refusal) Error() string {
	if e.Cause == nil {
		return e.Message
	}
	return e.Message + ": " + e.Cause.Error()
}

// Unwrap makes a Refusal match ErrInvalidCredentials and its cause.
func (e *Refusal) Unwrap() []error { return []error{ErrInvalidCredentials, e.Cause} }

// ServerError is any other error status from the identity service.
type ServerError struct {
	Status int
	Body   string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("identity service returned HTTP %d: %s", e.Status, e.Body)
}

type tokenKey struct{}

// WithToken returns ctx carrying the caller's token, as the middleware does.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// TokenFromContext is the caller's X-Auth-Token stored by the middleware.
func TokenFromContext(ctx context.Context) string {
	s, _ := ctx.Value(tokenKey{}).(string)
	return s
}

type identityKey struct{}

// IdentityFromContext is the identity the middleware authorized.
func IdentityFromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}
