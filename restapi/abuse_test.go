package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/restapi"
)

// countingStore counts the object writes of committed transactions, so a
// test can tell that a refused request wrote nothing.
type countingStore struct {
	restapi.Store
	writes atomic.Int64
}

func (s *countingStore) Tx(ctx context.Context, f func(tx restapi.Tx) error) error {
	var attempt atomic.Int64 // writes of the attempt that commits
	err := s.Store.Tx(ctx, func(tx restapi.Tx) error {
		attempt.Store(0)
		return f(countingTx{Tx: tx, n: &attempt})
	})
	if err == nil {
		s.writes.Add(attempt.Load())
	}
	return err
}

type countingTx struct {
	restapi.Tx
	n *atomic.Int64
}

func (t countingTx) Create(obj proto.Message) error { t.n.Add(1); return t.Tx.Create(obj) }
func (t countingTx) Update(obj proto.Message) error { t.n.Add(1); return t.Tx.Update(obj) }
func (t countingTx) Delete(model proto.Message, id uuid.UUID, ignoreMissing bool) error {
	t.n.Add(1)
	return t.Tx.Delete(model, id, ignoreMissing)
}

// abuseValues are sent as the value of every field: every JSON type, bad
// ids, addresses, CIDRs and MACs, NUL and non-ASCII text, huge numbers.
func abuseValues(maxString int) []string {
	return []string{
		`null`, `true`, `false`, `0`, `-1`, `2147483648`, `-9223372036854775809`, `18446744073709551616`, `1e400`, `1.5`,
		`""`, `" "`, `"x"`, `"\u0000"`, `"a\u0000b"`, `"\ud800"`, `"é漢😀"`, `"../../x"`, `"%00"`,
		`"not-a-uuid"`, `"00000000-0000-0000-0000-000000000000"`, `"urn:uuid:` + uuid.NewString() + `"`,
		`"` + strings.ReplaceAll(uuid.NewString(), "-", "") + `"`, `"` + uuid.NewString() + `"`,
		`"999.1.1.1"`, `"10.0.0.0/33"`, `"10.0.0.1/24"`, `"::1"`, `"fe80::1%eth0"`, `"zz:zz:zz:zz:zz:zz"`, `"0:0:0:0:0:0"`,
		`"ffff.ffff.ffff"`, `"1-65535"`,
		`[]`, `[null]`, `["x"]`, `[1]`, `[{}]`, `[[]]`, `{}`, `{"start":null,"end":"x"}`, `{"start":70000,"end":-1}`,
		`"` + strings.Repeat("s", maxString) + `"`, `"` + strings.Repeat("s", maxString+1) + `"`,
	}
}

// storeReaching are the abuse values run on every backend: one of each JSON
// type and those that reach the store when a field accepts them.
func storeReaching() []string {
	return []string{`null`, `true`, `0`, `-1`, `1.5`, `""`, `"x"`, `"a\u0000b"`, `"é漢😀"`,
		`"00000000-0000-0000-0000-000000000000"`, `"10.0.0.1/24"`, `[]`, `[null]`, `{}`}
}

// withField returns seed with field (maybe "outer.inner") set to the raw
// JSON value; a list outer gets the value in its first object.
func withField(t *testing.T, seed, field, value string) []byte {
	t.Helper()
	body := map[string]any{}
	if err := json.Unmarshal([]byte(seed), &body); err != nil {
		t.Fatalf("seed %s: %v", seed, err)
	}
	outer, inner, nested := strings.Cut(field, ".")
	if !nested {
		body[outer] = json.RawMessage(value)
	} else {
		obj, ok := body[outer].(map[string]any)
		if list, isList := body[outer].([]any); isList && len(list) > 0 {
			obj, ok = list[0].(map[string]any)
			if ok {
				obj[inner] = json.RawMessage(value)
			}
		}
		if !ok {
			obj = map[string]any{}
			body[outer] = obj
		}
		obj[inner] = json.RawMessage(value)
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("building a body: %v", err)
	}
	return data
}

// TestAbuse sends what a hostile client would to every write target of the
// API, on mem and ZooKeeper: malformed JSON, non-objects, every JSON type
// and bad values of every field, oversized, deeply nested and gzip-bomb
// bodies, odd paths and methods. Nothing panics (the connection stays), no
// answer is a 5xx other than 503 (a VTEP or the store unreachable), a
// refused request commits no write, and the store is consistent at the end.
func TestAbuse(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			ctx := context.Background()
			conn, root := sb.connect(t)
			o := zoomBackend(t, conn, root)
			store := &countingStore{Store: o.store}
			opts := o.options()
			opts.MaxBodyBytes, opts.MaxStringBytes, opts.RequestTimeout = 64<<10, 1<<10, 5*time.Second
			h, err := restapi.NewHandler(store, restapi.MockTenants{}, opts)
			if err != nil {
				t.Fatal(err)
			}
			base := newLoopbackServer(t, h) + "/midonet-api"
			targets, err := restapi.SeedAbuseTargets(ctx, o.store)
			if err != nil {
				t.Fatal(err)
			}
			var sent, refused atomic.Int64
			send := func(method, path string, body []byte, headers map[string]string) {
				t.Helper()
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				before := store.writes.Load()
				a, err := rawTry(base, method, path, rd, headers)
				sent.Add(1)
				if err != nil {
					t.Errorf("%.200q: %v", body, err)
					return
				}
				if a.status >= 500 && a.status != http.StatusServiceUnavailable {
					t.Errorf("%s %s %.200q: %d %.300s", method, path, body, a.status, a.body)
				}
				if a.status >= 400 {
					refused.Add(1)
					if w := store.writes.Load() - before; w != 0 {
						t.Errorf("%s %s %.200q: refused with %d but committed %d writes", method, path, body, a.status, w)
					}
					if len(a.body) > 0 && !json.Valid(a.body) {
						t.Errorf("%s %s %.200q: %d with a body that is not JSON: %.200q", method, path, body, a.status, a.body)
					}
				}
			}

			bomb := gzipZeros(t, 8<<20)
			nested := `{"a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
			wholeBodies := []string{`{`, `{"a":}`, `nul`, `[`, `{"a":1}}`, `{"a":1,}`, "{\"name\":\"\xff\xfe\"}", "{\"name\":\"a\x00b\"}",
				`null`, `[]`, `0`, `""`, `{"name":"a","name":1}`, nested, `{"name":"` + strings.Repeat("n", 70<<10) + `"}`}
			values := abuseValues(1 << 10)
			if sb.name != "mem" {
				// Over ZooKeeper every JSON type and the bad values that reach
				// the store (ids, addresses, NUL, unicode, long strings); mem
				// runs the whole list, whose other values differ only before
				// the store is reached.
				keep := storeReaching()
				values = slices.DeleteFunc(values, func(v string) bool { return !slices.Contains(keep, v) && len(v) < 64 })
			}
			for _, tg := range targets {
				for _, b := range wholeBodies {
					send(tg.Method, tg.Path, []byte(b), nil)
				}
				send(tg.Method, tg.Path, bomb, map[string]string{"Content-Encoding": "gzip"})
				send(tg.Method, tg.Path, []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"})
				for _, f := range tg.Fields {
					for _, v := range values {
						send(tg.Method, tg.Path, withField(t, tg.Seed, f, v), nil)
					}
				}
			}

			// Odd paths and methods, on every segment and target path (ids that
			// name nothing, so DELETE removes nothing of the fixture).
			paths := []string{"", "/", "//", "/x", "/%00", "/..%2f..%2fetc", "/%2e%2e", "/é", "/" + strings.Repeat("a", 8<<10),
				"/" + uuid.NewString() + "/nothing", "/urn:uuid:" + uuid.NewString(), "/" + strings.ReplaceAll(uuid.NewString(), "-", ""),
				"/" + uuid.NewString() + "/../" + uuid.NewString(), "/" + uuid.NewString() + "?tenant_id=%00&x=%ff"}
			var prefixes []string
			for _, tg := range targets {
				prefixes = append(prefixes, tg.Path)
				if i := strings.Index(tg.Path[1:], "/"); i > 0 {
					prefixes = append(prefixes, tg.Path[:i+1])
				}
			}
			slices.Sort(prefixes)
			for _, p := range slices.Compact(prefixes) {
				for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"} {
					for _, suffix := range paths {
						send(m, p+suffix, []byte(`{}`), nil)
					}
				}
			}
			t.Logf("%d requests, %d refused", sent.Load(), refused.Load())

			report, err := consistency.Check(ctx, conn, root, consistency.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Findings) != 0 {
				t.Errorf("the store is inconsistent after the abuse: %s", fmt.Sprint(report.Findings))
			}
		})
	}
}
