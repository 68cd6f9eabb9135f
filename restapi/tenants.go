package restapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// tenantsFamily is the family of tenants (read from the auth service) and the system state.
func tenantsFamily() family {
	tenantsGone := func(c *call) error {
		return errorf(http.StatusMethodNotAllowed, "Tenants cannot be created, updated or deleted via the REST API.")
	}
	return family{
		roots: []rootEntry{{"system_state", "systemState", ""}, {"tenants", "tenants", "tenantTemplate"}},
		endpoints: []endpoint{
			{method: "GET", path: "/tenants", produces: collection("Tenant-v2"), serve: listTenants},
			{method: "GET", path: "/tenants/{id}", produces: single("Tenant-v2"), serve: getTenant},
			{method: "POST", path: "/tenants", serve: tenantsGone},
			{method: "PUT", path: "/tenants/{id}", serve: tenantsGone},
			{method: "DELETE", path: "/tenants/{id}", serve: tenantsGone},
			{method: "GET", path: "/system_state", produces: single("SystemState-v2").withJSON(), serve: getSystemState},
		},
	}
}

func (c *call) tenantObject(t Tenant) object {
	q := "?tenant_id=" + url.QueryEscape(t.ID)
	return object{{"id", t.ID}, {"name", t.Name}, {"description", t.Description}, {"enabled", t.Enabled},
		{"uri", c.uri("tenants", t.ID)}, {"routers", c.uri("routers") + q}, {"bridges", c.uri("bridges") + q},
		{"chains", c.uri("chains") + q}, {"portGroups", c.uri("port_groups") + q}}
}

func listTenants(c *call) error {
	out := []object{}
	if c.h.tenants != nil {
		limit := 0
		if l := c.r.URL.Query().Get("limit"); l != "" {
			n, err := decodeInt(json.RawMessage(l))
			if err != nil {
				return errorf(http.StatusBadRequest, "Invalid limit %q", l)
			}
			limit = int(n)
		}
		ts, err := c.h.tenants.Tenants(c.ctx(), c.r.URL.Query().Get("marker"), limit)
		if err != nil {
			return err
		}
		for _, t := range ts {
			out = append(out, c.tenantObject(t))
		}
	}
	return c.ok(out)
}

func getTenant(c *call) error {
	id := c.r.PathValue("id")
	if c.h.tenants == nil {
		return errorf(http.StatusNotFound, "Tenant %s not found", id)
	}
	t, err := c.h.tenants.Tenant(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.ok(c.tenantObject(t))
}

// MockTenants is the reference's default (mock) auth service's tenant view:
// one "admin" tenant listed; any id looked up exists.
type MockTenants struct{}

func (MockTenants) Tenants(ctx context.Context, marker string, limit int) ([]Tenant, error) {
	return []Tenant{{ID: "admin", Name: "admin", Description: "Admin Tenant", Enabled: true}}, nil
}

func (MockTenants) Tenant(ctx context.Context, id string) (Tenant, error) {
	return Tenant{ID: id, Name: id, Description: id, Enabled: true}, nil
}

func getSystemState(c *call) error {
	return c.ok(object{{"state", "ACTIVE"}, {"availability", "READWRITE"}, {"version", "5.0.0"}, {"information", nil}})
}
