package cluster_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/auth"
	"github.com/midonet/midonet-go/restapi/auth/keystonetest"
)

// TestKeystoneFromMNConf configures authentication the way an operator
// does, with cluster.auth.* in mn-conf, against a real Keystone: requests
// without a token are refused, /login gives one, and with it the API serves.
func TestKeystoneFromMNConf(t *testing.T) {
	t.Parallel() // Keystone takes long to start: let the other tests run meanwhile
	ks := keystonetest.New(t, keystonetest.Options{})
	srv := mem.NewServer()
	mnconfSet(t, srv.Connect(), cluster.DefaultRootKey, mnconf.TemplateSource(mnconf.DefaultTemplate), fmt.Sprintf(`
cluster.auth {
  provider_class = "org.midonet.cluster.auth.keystone.KeystoneService"
  admin_role = "admin"
  keystone { url = %q, user_name = %q, user_password = %q, tenant_name = %q }
}`, ks.URL, ks.AdminUser, ks.AdminPassword, ks.AdminProject))
	cfg := testConfig(t, srv.Connect())
	cfg.APIHandler = cluster.StandardAPI
	r := start(t, cfg)
	bridges := httpURL(r.node, "/midonet-api/bridges")

	if code, _ := get(t, http.DefaultClient, bridges); code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d, want 401", code)
	}

	login, _ := http.NewRequest(http.MethodPost, httpURL(r.node, "/midonet-api/login"), nil)
	login.SetBasicAuth(ks.AdminUser, ks.AdminPassword)
	login.Header.Set(auth.HeaderAuthProject, ks.AdminProject)
	resp, err := http.DefaultClient.Do(login)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var token struct{ Key string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &token) != nil || token.Key == "" {
		t.Fatalf("/login: %d %s", resp.StatusCode, body)
	}

	req, _ := http.NewRequest(http.MethodGet, bridges, nil)
	req.Header.Set(auth.HeaderAuthToken, token.Key)
	req.Header.Set("Accept", "*/*")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("with the token: %d %s", resp.StatusCode, body)
	}
}
