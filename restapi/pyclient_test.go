package restapi_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/internal/pyclienttest"
	"github.com/midonet/midonet-go/restapi"
)

// mockLogin stands in for the auth package's /login handler in this test:
// the reference's mock auth service answers every login with token 00000000.
func mockLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/login") {
			http.SetCookie(w, &http.Cookie{Name: "sessionId", Value: "00000000"})
			w.Header().Set("Content-Type", "application/vnd.org.midonet.Token-v1+json")
			_, _ = w.Write([]byte(`{"key":"00000000","expires":null}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestPythonMidonetClient runs the unmodified python-midonetclient from the
// reference repository against our server.
func TestPythonMidonetClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py := pyclienttest.Extract(ctx, t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			o := b.open(t)
			opts := o.options()
			opts.Middleware = mockLogin
			h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, opts)
			if err != nil {
				t.Fatal(err)
			}
			srv := newLoopbackServer(t, h)
			script, _ := filepath.Abs("testdata/pyclient_scenario.py")
			py.Run(ctx, t, "python-midonetclient scenario", script, srv+"/midonet-api")
		})
	}
}
