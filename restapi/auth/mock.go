package auth

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/midonet/midonet-go/restapi"
)

// MockToken is the token the mock provider hands out at every login.
const MockToken = "00000000"

// adminTenant is the mock's built-in tenant.
var adminTenant = restapi.Tenant{ID: "admin", Name: "admin", Description: "Admin Tenant", Enabled: true}

// Mock is the reference's default provider, for development: it accepts any
// credentials and any token (or none) as the admin user of tenant "admin".
// With it, the REST API is open to anyone who can reach it.
type Mock struct {
	mu      sync.Mutex
	tenants map[string]restapi.Tenant
}

// NewMock returns a mock provider that lists only the "admin" tenant.
func NewMock() *Mock {
	return &Mock{tenants: map[string]restapi.Tenant{adminTenant.ID: adminTenant}}
}

// AddTenant makes t appear in Tenants (the reference's tests do this).
func (m *Mock) AddTenant(t restapi.Tenant) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tenants[t.ID] = t
}

func (m *Mock) Authenticate(ctx context.Context, user, password, project string) (Token, error) {
	return Token{Key: MockToken}, nil
}

func (m *Mock) Authorize(ctx context.Context, token string) (Identity, error) {
	return Identity{UserID: "admin-user", TenantID: "admin", TenantName: "admin", Token: token,
		Roles: []string{RoleAdmin}}, nil
}

// Tenant answers the admin tenant for "admin" and a synthetic enabled tenant
// named after any other id, as the reference's mock does.
func (m *Mock) Tenant(ctx context.Context, token, id string) (restapi.Tenant, error) {
	if id == adminTenant.ID {
		return adminTenant, nil
	}
	m.mu.Lock()
	t, ok := m.tenants[id]
	m.mu.Unlock()
	if ok {
		return t, nil
	}
	return restapi.Tenant{ID: id, Name: id, Description: id, Enabled: true}, nil
}

// Tenants lists the stored tenants by id, after marker, at most limit (>0).
func (m *Mock) Tenants(ctx context.Context, token, marker string, limit int) ([]restapi.Tenant, error) {
	m.mu.Lock()
	out := make([]restapi.Tenant, 0, len(m.tenants))
	for _, t := range m.tenants {
		if marker == "" || t.ID > marker {
			out = append(out, t)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b restapi.Tenant) int { return strings.Compare(a.ID, b.ID) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
