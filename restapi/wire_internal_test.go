package restapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestArrayWriterMatchesWholeList: a list streamed by arrayWriter answers
// the same status, headers and entity bytes as the whole list encoded by
// writeJSON, on each side of the gzip threshold and of the writer's flush
// size, compressed or not, for GET and HEAD.
func TestArrayWriterMatchesWholeList(t *testing.T) {
	item := func(i int) object {
		return object{{"id", fmt.Sprintf("%08d-0000-0000-0000-000000000000", i)}, {"name", strings.Repeat("n", i%7)},
			{"adminStateUp", true}, {"tunnelKey", int64(i)}, {"inboundFilterId", nil}, {"tags", []string{"<a>", "b"}}}
	}
	one := len(mustJSON(t, item(0)))
	sizes := []int{0, 1, 2, gzipMinBytes/one - 1, gzipMinBytes / one, gzipMinBytes/one + 1,
		arrayFlushBytes / one, arrayFlushBytes/one + 1, 3*arrayFlushBytes/one + 5, 10000}
	const mt = "application/vnd.org.midonet.collection.Bridge-v4+json"
	for _, n := range sizes {
		items := make([]object, n)
		for i := range items {
			items[i] = item(i)
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			for _, enc := range []string{"", "gzip", "gzip;q=0"} {
				req := httptest.NewRequest(method, "/midonet-api/bridges", nil)
				if enc != "" {
					req.Header.Set("Accept-Encoding", enc)
				}
				whole := httptest.NewRecorder()
				(&call{h: &handler{}, w: whole, r: req}).writeJSON(http.StatusOK, mt, items)

				streamed := httptest.NewRecorder()
				a := newArrayWriter(streamed, req, http.StatusOK, mt)
				for _, o := range items {
					if err := a.add(o); err != nil {
						t.Fatal(err)
					}
				}
				a.finish()

				name := fmt.Sprintf("%d items, %s, Accept-Encoding %q", n, method, enc)
				if whole.Code != streamed.Code {
					t.Errorf("%s: status %d, want %d", name, streamed.Code, whole.Code)
				}
				// The whole answer states its length; a streamed one
				// states it only when it fit the buffer (it cannot know
				// it beforehand). A stated length is the entity's.
				for _, rec := range []*httptest.ResponseRecorder{whole, streamed} {
					cl := rec.Header().Get("Content-Length")
					if (rec == whole && cl == "") || (cl != "" && method == http.MethodGet && cl != strconv.Itoa(rec.Body.Len())) {
						t.Errorf("%s: Content-Length %q for %d bytes", name, cl, rec.Body.Len())
					}
					rec.Header().Del("Content-Length")
				}
				if got, want := fmt.Sprint(streamed.Header()), fmt.Sprint(whole.Header()); got != want {
					t.Errorf("%s: headers %s, want %s", name, got, want)
				}
				if !bytes.Equal(streamed.Body.Bytes(), whole.Body.Bytes()) {
					t.Errorf("%s: entity of %d bytes differs from the whole list's %d", name, streamed.Body.Len(), whole.Body.Len())
				}
				if method == http.MethodGet && n > 0 && whole.Body.Len() == 0 {
					t.Errorf("%s: empty entity", name)
				}
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := appendJSON(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
