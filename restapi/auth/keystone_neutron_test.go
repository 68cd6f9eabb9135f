package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
)

// TestKeystoneGuardsNeutron: with Keystone on, the Neutron API takes the
// same token check as every other endpoint: no token or a member's token is
// 401 and writes nothing; an admin token reads and writes.
func TestKeystoneGuardsNeutron(t *testing.T) {
	s := setupReal(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := mem.NewServer().Connect()
	t.Cleanup(func() { conn.Close() })
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
	if err != nil {
		t.Fatal(err)
	}
	h, err := restapi.NewHandler(restapi.NewZoomStore(st), s.svc, restapi.Options{Middleware: s.svc.Middleware, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	api := srv.URL + "/midonet-api"

	post := func(token string) int {
		req, _ := http.NewRequest("POST", api+"/neutron/networks",
			strings.NewReader(`{"id":"`+uuid.NewString()+`","name":"n","admin_state_up":true}`))
		req.Header.Set("Content-Type", "application/vnd.org.midonet.neutron.Network-v1+json")
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if a := do(t, "GET", api+"/neutron", nil); a.status != http.StatusUnauthorized {
		t.Errorf("GET /neutron without a token: %d %s", a.status, a.body)
	}
	if got := post(""); got != http.StatusUnauthorized {
		t.Errorf("POST a network without a token: %d", got)
	}
	if got := post(s.login(t, s.member, s.project.Name)); got != http.StatusUnauthorized {
		t.Errorf("POST a network with a member's token: %d", got)
	}
	if all, err := st.GetAll(ctx, &models.NeutronNetwork{}); err != nil || len(all) != 0 {
		t.Errorf("refused requests wrote %d networks (%v)", len(all), err)
	}
	admin := s.login(t, s.adminUser, s.project.Name)
	if got := post(admin); got != http.StatusCreated {
		t.Errorf("POST a network with the admin's token: %d", got)
	}
	if a := do(t, "GET", api+"/neutron/networks", map[string]string{"X-Auth-Token": admin,
		"Accept": "application/vnd.org.midonet.neutron.Networks-v1+json"}); a.status != http.StatusOK || !strings.Contains(a.body, `"name":"n"`) {
		t.Errorf("admin lists networks: %d %s", a.status, a.body)
	}
}
