package keystonetest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/midonet/midonet-go/restapi/auth/keystonetest"
)

// TestKeystoneServesTokens starts a Keystone, logs the bootstrap admin in,
// validates the token with itself, and checks Close really stops uwsgi.
func TestKeystoneServesTokens(t *testing.T) {
	ks := keystonetest.New(t, keystonetest.Options{})
	ctx := context.Background()
	token, err := ks.Login(ctx, ks.AdminUser, ks.AdminPassword, ks.AdminProject)
	if err != nil {
		t.Fatalf("admin login: %v", err)
	}
	client, err := ks.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	user, err := tokens.Get(ctx, client, token).ExtractUser()
	if err != nil {
		t.Fatalf("validate admin token: %v", err)
	}
	if user.Name != ks.AdminUser {
		t.Errorf("token belongs to %q, want %q", user.Name, ks.AdminUser)
	}
	if _, err := ks.Login(ctx, ks.AdminUser, "wrong", ks.AdminProject); err == nil {
		t.Error("login with a wrong password succeeded")
	}
	ks.Close()
	if resp, err := http.Get(ks.URL); err == nil {
		resp.Body.Close()
		t.Errorf("Keystone still answers after Close: %s", resp.Status)
	}
}
