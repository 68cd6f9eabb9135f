package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/midonet/midonet-go/restapi"
)

// HTTP header names of the reference's auth protocol.
const (
	HeaderAuthToken   = "X-Auth-Token"
	HeaderAuthProject = "X-Auth-Project"
	// SessionCookie is the cookie /login sets; clients send its value back
	// as X-Auth-Token (the cookie itself is not read on later requests).
	SessionCookie = "sessionId"
	// MediaToken is the media type of the /login body.
	MediaToken = "application/vnd.org.midonet.Token-v1+json"
	// basicRealm is the reference's WWW-Authenticate value, two spaces and all.
	basicRealm = `Basic  realm="BASIC_AUTH_REALM"`
	// servletCharset is what a servlet appends to a content type it sets
	// together with a UTF-8 character encoding.
	servletCharset = ";charset=UTF-8"
)

// Service serves /login and checks tokens with a Provider. It is also the
// restapi.TenantSource for /tenants.
type Service struct {
	provider Provider
	root     string
	log      *slog.Logger
}

// Options configure a Service.
type Options struct {
	// RootPath is the REST API's context path, default "/midonet-api".
	RootPath string
	Logger   *slog.Logger
}

// New ties provider to HTTP.
func New(provider Provider, opts Options) *Service {
	s := &Service{provider: provider, root: strings.TrimSuffix(opts.RootPath, "/"), log: opts.Logger}
	if s.root == "" {
		s.root = "/midonet-api"
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Provider is the provider the service uses.
func (s *Service) Provider() Provider { return s.provider }

// Middleware answers <root>/login (any method) itself; every other request
// (CORS preflights excepted) must carry an X-Auth-Token the provider accepts
// for a user with the admin role, else it is answered 401 as the reference
// does (401, not 403, also for an authenticated non-admin). An accepted
// request reaches next with the token and identity in its context.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == s.root+"/login" || r.URL.Path == s.root+"/login/" {
			s.serveLogin(w, r)
			return
		}
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		token := r.Header.Get(HeaderAuthToken)
		id, err := s.provider.Authorize(r.Context(), token)
		if err != nil {
			// A refused token is the client's business; anything else
			// (Keystone down, service account refused) is the operator's.
			level := slog.LevelWarn
			if errors.Is(err, ErrInvalidCredentials) {
				level = slog.LevelDebug
			}
			s.log.Log(r.Context(), level, "auth: token refused", slog.String("remote", r.RemoteAddr), slog.Any("err", err))
			writeError(w, http.StatusUnauthorized, authMessage(err))
			return
		}
		if !id.HasRole(RoleAdmin) {
			s.log.DebugContext(r.Context(), "auth: authenticated user is not an admin",
				slog.String("user", id.UserID), slog.String("remote", r.RemoteAddr))
			writeError(w, http.StatusUnauthorized, "")
			return
		}
		ctx := context.WithValue(WithToken(r.Context(), token), identityKey{}, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Service) serveLogin(w http.ResponseWriter, r *http.Request) {
	user, password, msg := parseBasic(r.Header.Get("Authorization"))
	if msg != "" {
		writeAuthError(w, msg)
		return
	}
	project := strings.TrimSpace(r.Header.Get(HeaderAuthProject))
	token, err := s.provider.Authenticate(r.Context(), user, password, project)
	if err != nil {
		s.log.InfoContext(r.Context(), "auth: login refused", slog.String("user", user),
			slog.String("remote", r.RemoteAddr), slog.Any("err", err))
		writeAuthError(w, authMessage(err))
		return
	}
	cookie := SessionCookie + "=" + token.Key
	if exp := token.ExpiresString(); exp != "" {
		cookie += "; Expires=" + exp
	}
	body, err := json.Marshal(token)
	if err != nil { // a Token always marshals; keep the compiler and readers honest
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Set-Cookie", cookie)
	w.Header().Set("Content-Type", MediaToken+servletCharset)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// parseBasic decodes a Basic Authorization header; msg is the reference's
// 401 message when the header is unusable. Unlike the reference, which
// splits on every ':', the password is everything after the first colon
// (RFC 7617), so passwords containing ':' work; an empty user or password
// is still refused.
func parseBasic(header string) (user, password, msg string) {
	if header == "" {
		return "", "", "Authorization header is not set."
	}
	const prefix = "basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", "Authorization header does not contain Basic."
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header[len(prefix):]))
	if err != nil {
		return "", "", "Authorization header is not valid"
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || password == "" {
		return "", "", "Authorization header is not valid"
	}
	return user, password, ""
}

// authMessage is the error message shown to a client refused at login or
// token check.
func authMessage(err error) string {
	var refusal *Refusal
	switch {
	case errors.As(err, &refusal):
		return refusal.Message
	case errors.Is(err, ErrUnavailable):
		return "Keystone identity service is not available"
	case errors.Is(err, ErrUnauthorized):
		return "Keystone credentials are not valid"
	default:
		return err.Error()
	}
}

func writeAuthError(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", basicRealm)
	writeError(w, http.StatusUnauthorized, msg)
}

// writeError writes the reference's ErrorEntity; an empty msg is JSON null.
func writeError(w http.ResponseWriter, status int, msg string) {
	ent := restapi.ErrorEntity{Code: status}
	if msg != "" {
		ent.Message = &msg
	}
	body, _ := json.Marshal(ent)
	w.Header().Set("Content-Type", restapi.MediaError+servletCharset)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Tenants implements restapi.TenantSource with the caller's token.
func (s *Service) Tenants(ctx context.Context, marker string, limit int) ([]restapi.Tenant, error) {
	ts, err := s.provider.Tenants(ctx, TokenFromContext(ctx), marker, limit)
	if err != nil {
		return nil, tenantError(err, "")
	}
	return ts, nil
}

// Tenant implements restapi.TenantSource with the caller's token.
func (s *Service) Tenant(ctx context.Context, id string) (restapi.Tenant, error) {
	t, err := s.provider.Tenant(ctx, TokenFromContext(ctx), id)
	if err != nil {
		return restapi.Tenant{}, tenantError(err, id)
	}
	return t, nil
}

// tenantError maps a provider error to the reference's TenantResource
// answers, except that a tenant Keystone does not know is a 404 (the
// reference answers 503 "returned an error" for it).
func tenantError(err error, id string) error {
	var se *ServerError
	switch {
	case errors.Is(err, ErrUnavailable):
		return &restapi.Error{Status: http.StatusServiceUnavailable, Message: "Keystone identity service is not available", Err: err}
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrInvalidCredentials):
		return &restapi.Error{Status: http.StatusUnauthorized, Message: "Keystone credentials are not valid", Err: err}
	case errors.Is(err, ErrNotFound):
		return &restapi.Error{Status: http.StatusNotFound, Message: "Tenant " + id + " not found", Err: err}
	case errors.As(err, &se):
		return &restapi.Error{Status: http.StatusServiceUnavailable,
			Message: "Keystone identity service returned an error: " + se.Error(), Err: err}
	default:
		return &restapi.Error{Status: http.StatusInternalServerError, Message: err.Error(), Err: err}
	}
}

var _ restapi.TenantSource = (*Service)(nil)
