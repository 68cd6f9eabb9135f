package restapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/midonet/midonet-go/restapi"
)

// A request its client cancelled is not a failure of the node: no ERROR
// line (one per cancelled request would flood the log under load), a
// debug line, and the 499 status of a closed request for the metrics, on
// a write, a read and a list.
func TestClientCancelledRequestIsNotAnError(t *testing.T) {
	for _, b := range storageBackends() {
		t.Run(b.name, func(t *testing.T) {
			conn, root := b.connect(t)
			st := openZoomStore(t, conn, root)
			var logged bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			h, err := restapi.NewHandler(restapi.NewZoomStore(st), nil, restapi.Options{Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			for _, req := range []struct{ method, path, body, accept string }{
				{http.MethodPost, "/midonet-api/bridges", `{"name": "b", "tenantId": "t"}`, ""},
				{http.MethodGet, "/midonet-api/bridges/8e7d3a4c-4a2f-4e0a-9a52-1c9b3d0f6a11", "", "application/vnd.org.midonet.Bridge-v4+json"},
				{http.MethodGet, "/midonet-api/bridges", "", "application/vnd.org.midonet.collection.Bridge-v4+json"},
			} {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				r := httptest.NewRequestWithContext(ctx, req.method, req.path, strings.NewReader(req.body))
				if req.body != "" {
					r.Header.Set("Content-Type", "application/vnd.org.midonet.Bridge-v4+json")
				}
				if req.accept != "" {
					r.Header.Set("Accept", req.accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != restapi.StatusClientClosedRequest {
					t.Errorf("%s %s cancelled: status %d, want %d", req.method, req.path, w.Code, restapi.StatusClientClosedRequest)
				}
			}
			if strings.Contains(logged.String(), "level=ERROR") {
				t.Errorf("cancelled requests logged as errors:\n%s", logged.String())
			}
			if n := strings.Count(logged.String(), "request cancelled by the client"); n != 3 {
				t.Errorf("%d debug lines for 3 cancelled requests:\n%s", n, logged.String())
			}
		})
	}
}
