package restapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/neutron"
)

// Tenant is a tenant as the auth service knows it.
type Tenant struct {
	ID, Name, Description string
	Enabled               bool
}

// TenantSource is what the REST layer needs of the auth provider: the
// read-only tenant list behind /tenants.
type TenantSource interface {
	Tenants(ctx context.Context, marker string, limit int) ([]Tenant, error)
	Tenant(ctx context.Context, id string) (Tenant, error)
}

// Options configure NewHandler. The zero value is usable.
type Options struct {
	// RootPath is the context path, default "/midonet-api".
	RootPath string
	// Logger receives 5xx errors; default slog.Default().
	Logger *slog.Logger
	// MapError classifies the object store's typed errors (NotFound → 404,
	// ObjectExists/ReferenceConflict/ObjectReferenced/Concurrent → 409,
	// unavailable → 503). It is the single place where storage errors
	// become HTTP statuses; nil uses DefaultStoreErrors.
	MapError StoreErrorMapper
	// Middleware wraps every request after CORS/OPTIONS handling and before
	// routing: the auth package's /login handler and X-Auth-Token check.
	Middleware func(http.Handler) http.Handler
	// MaxBodyBytes bounds request bodies, after gzip inflation; default
	// 4 MiB. A larger body answers 413.
	MaxBodyBytes int64
	// MaxStringBytes bounds every string of a request body (default
	// DefaultMaxStringBytes). The reference leaves most string fields
	// unbounded and fails in ZooKeeper instead.
	MaxStringBytes int
	// RequestTimeout bounds each request's store work (default 30 s, the
	// reference's); a request that runs out answers 503 "Resource read timeout".
	RequestTimeout time.Duration
	// Sequences allocates port tunnel keys (OverlayTunnelKey). Use
	// NewZoomSequences on the cluster's object store to share the
	// counters with JVM nodes; nil leaves new ports without a tunnel key.
	Sequences Sequencer
	// StateTables backs the bridge MAC/ARP tables and router-port peering
	// tables; nil answers 404 "Resource not found" there.
	StateTables StateTables
	// NeutronNatPorts is the port range of the dynamic SNAT rules the
	// Neutron translation makes (cluster.translators.nat.*); the zero
	// value is the schema's 1024-65535.
	NeutronNatPorts neutron.NatPortRange
}

// DefaultMaxStringBytes is the default bound of one string in a request body:
// a sixteenth of ZooKeeper's default jute.maxbuffer (1 MiB), so that a field
// whose every byte the stored text format escapes (4 bytes each) still takes
// at most a quarter of a node.
const DefaultMaxStringBytes = 64 << 10

type handler struct {
	store         Store
	tenants       TenantSource
	root          string
	log           *slog.Logger
	mapStoreError StoreErrorMapper
	maxBody       int64
	maxString     int
	sequences     Sequencer
	// vnis allocates VxLAN gateway VNIs: Options.Sequences, else the
	// store's own counters (a VNI is never left unallocated).
	vnis        Sequencer
	stateTables StateTables
	natPorts    neutron.NatPortRange
	resources   map[string]*resource // by segment
	rootEntries []rootEntry          // of the root document
	mux         *http.ServeMux
}

// NewHandler serves the MidoNet v5 REST API over store. tenants may be nil
// (then /tenants lists nothing). It fails only on an inconsistent resource
// table, which is a programming error caught by any test.
func NewHandler(store Store, tenants TenantSource, opts Options) (http.Handler, error) {
	h := &handler{
		store:         store,
		tenants:       tenants,
		root:          strings.TrimSuffix(opts.RootPath, "/"),
		log:           opts.Logger,
		mapStoreError: opts.MapError,
		maxBody:       opts.MaxBodyBytes,
		maxString:     cmp.Or(opts.MaxStringBytes, DefaultMaxStringBytes),
		sequences:     opts.Sequences,
		stateTables:   opts.StateTables,
		natPorts:      opts.NeutronNatPorts,
		resources:     map[string]*resource{},
		mux:           http.NewServeMux(),
	}
	if h.root == "" {
		h.root = "/midonet-api"
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.mapStoreError == nil {
		h.mapStoreError = DefaultStoreErrors
	}
	h.vnis = h.sequences
	if cs, ok := store.(counterSource); ok && h.vnis == nil {
		h.vnis = cs.counters()
	}
	if h.maxBody <= 0 {
		h.maxBody = 4 << 20
	}
	h.rootEntries = rootEntries(families())
	for _, res := range resourceTable() {
		if err := res.check(); err != nil {
			return nil, fmt.Errorf("restapi: resource %s: %w", res.segment, err)
		}
		h.resources[res.segment] = res
	}
	h.routes()
	timeout := cmp.Or(opts.RequestTimeout, 30*time.Second)
	var inner http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.URL = h.withoutTrailingSlash(r.URL)
		h.mux.ServeHTTP(w, r)
	})
	if opts.Middleware != nil {
		inner = opts.Middleware(inner)
	}
	return cors(inner), nil
}

// withoutTrailingSlash drops one trailing slash below the root: JAX-RS
// matches /hosts/ and /bridges/{id}/ as /hosts and /bridges/{id}, so the
// reference answers them alike. The root keeps its own two forms.
func (h *handler) withoutTrailingSlash(u *url.URL) *url.URL {
	if len(u.Path) <= len(h.root)+1 || !strings.HasSuffix(u.Path, "/") || strings.HasSuffix(u.Path, "//") {
		return u
	}
	trimmed := *u
	trimmed.Path = strings.TrimSuffix(u.Path, "/")
	trimmed.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return &trimmed
}

func (h *handler) routes() {
	h.mux.HandleFunc(h.root, h.serveRoot)
	h.mux.HandleFunc(h.root+"/{$}", h.serveRoot)
	h.mux.HandleFunc(h.root+"/{first}/", h.serveUnknown)
	h.mux.HandleFunc(h.root+"/{first}", h.serveUnknown)
	for _, res := range h.resources {
		res := res
		h.mux.HandleFunc(h.root+"/"+res.segment, func(w http.ResponseWriter, r *http.Request) {
			h.serveCollection(w, r, res, nil, uuid.Nil)
		})
		h.mux.HandleFunc(h.root+"/"+res.segment+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			h.serveObject(w, r, res)
		})
		for i := range res.parents {
			p := &res.parents[i]
			serve := func(w http.ResponseWriter, r *http.Request) {
				pid, err := parseUUID(r.PathValue("pid"))
				if err != nil {
					h.writeError(w, r, errorf(http.StatusNotFound, "Resource not found"))
					return
				}
				h.serveCollection(w, r, res, p, pid)
			}
			h.mux.HandleFunc(h.root+"/"+p.segment+"/{pid}/"+p.sub, serve)
			for _, alias := range p.aliases {
				h.mux.HandleFunc(h.root+"/"+alias, serve)
			}
			if p.objects {
				h.mux.HandleFunc(h.root+"/"+p.segment+"/{pid}/"+p.sub+"/{id}", func(w http.ResponseWriter, r *http.Request) {
					if _, err := parseUUID(r.PathValue("pid")); err != nil {
						h.writeError(w, r, errorf(http.StatusNotFound, "Resource not found"))
						return
					}
					h.serveObject(w, r, res)
				})
			}
		}
	}
	h.specialRoutes()
	h.neutronRoutes()
}

// ServeHTTP is not used directly; NewHandler returns the wrapped mux.

// cors adds the reference's CORS headers and answers OPTIONS itself.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
		hd.Set("Access-Control-Expose-Headers", "Location")
		if r.Method == http.MethodOptions {
			hd.Set("Access-Control-Allow-Headers", "Origin, X-Auth-Token, X-Auth-Project, Content-Type, Accept, Authorization")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// call carries one request through the pipeline.
type call struct {
	h    *handler
	w    http.ResponseWriter
	r    *http.Request
	base string // absolute base URI without trailing slash: http://host:8181/midonet-api
	// learned marks the routes of this listing that come from agent state.
	learned map[uuid.UUID]bool
}

func (h *handler) newCall(w http.ResponseWriter, r *http.Request) *call {
	return &call{h: h, w: w, r: r, base: BaseURI(r, h.root)}
}

func (c *call) ctx() context.Context { return c.r.Context() }

// BaseURI is the absolute URI of the API root as the client sees it:
// scheme and host from the request, or from X-Forwarded-Proto and
// X-Forwarded-Host when behind a proxy.
func BaseURI(r *http.Request, root string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p != "" {
		scheme = strings.ToLower(p)
	}
	host := r.Host
	if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" {
		host = fh
	}
	return scheme + "://" + host + root
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// uri joins path segments (escaped per RFC 3986 segment rules) to the base.
func (c *call) uri(segments ...string) string {
	var b strings.Builder
	b.WriteString(c.base)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

func (c *call) fail(err error) { c.h.writeError(c.w, c.r, err) }

func emptyStatus(w http.ResponseWriter, status int) { w.WriteHeader(status) }

// negotiateGet picks the response media type for a GET.
func negotiateGet(r *http.Request, allowed mediaTypes, regime negotiation) (string, error) {
	accept := r.Header.Get("Accept")
	var mt string
	var ok bool
	if regime == strict {
		mt, ok = pickStrict(accept, allowed)
	} else {
		mt, ok = pickStandard(accept, allowed)
	}
	if !ok {
		return "", &Error{Status: http.StatusNotAcceptable, EmptyBody: true}
	}
	return mt, nil
}

// checkBodyType runs the media-type checks of a POST/PUT in the reference's
// order: 415 when no JSON reader applies, then (after the body parsed) 406
// (strict) or 415 (standard) when the type is not in allowed.
func checkBodyType(r *http.Request, allowed mediaTypes, regime negotiation) error {
	ct := r.Header.Get("Content-Type")
	if regime == strict {
		if _, ok := pickStrict(ct, allowed); !ok {
			return &Error{Status: http.StatusNotAcceptable, EmptyBody: true}
		}
		return nil
	}
	if !consumesStandard(ct, allowed) {
		return &Error{Status: http.StatusUnsupportedMediaType, EmptyBody: true}
	}
	return nil
}

func requireJSONReader(r *http.Request) error {
	if !isJSONish(r.Header.Get("Content-Type")) {
		return &Error{Status: http.StatusUnsupportedMediaType, EmptyBody: true}
	}
	return nil
}

func (h *handler) serveUnknown(w http.ResponseWriter, r *http.Request) {
	// A path served for other methods only is a 405, as Jersey answers.
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" && !strings.Contains(pattern, "{first}") {
			methodNotAllowed(w)
			return
		}
	}
	first := r.PathValue("first")
	if _, known := h.resources[first]; known || specialSegments[first] {
		h.writeError(w, r, errorf(http.StatusNotFound, "Resource not found"))
		return
	}
	h.writeError(w, r, errorf(http.StatusNotFound, "Root resource %s not found", first))
}

func methodNotAllowed(w http.ResponseWriter) { w.WriteHeader(http.StatusMethodNotAllowed) }

// serveCollection serves GET (list) and POST (create) on /<seg> or on a
// parent's sub-collection.
func (h *handler) serveCollection(w http.ResponseWriter, r *http.Request, res *resource, p *parent, parentID uuid.UUID) {
	c := h.newCall(w, r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if res.ops&opList == 0 && p == nil {
			methodNotAllowed(w)
			return
		}
		mt, err := negotiateGet(r, res.collection, res.listNegotiation)
		if err != nil {
			c.fail(err)
			return
		}
		out := newArrayWriter(w, r, http.StatusOK, mt)
		if err := c.list(res, p, parentID, out.add); err != nil {
			if out.started() {
				level := slog.LevelError
				if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
					level = slog.LevelDebug // the client went away: not the node's failure
				}
				h.log.Log(r.Context(), level, "list failed after its first bytes were sent", slog.String("method", r.Method),
					slog.String("path", r.URL.Path), slog.Any("err", err))
				panic(http.ErrAbortHandler)
			}
			c.fail(err)
			return
		}
		out.finish()
	case http.MethodPost:
		allowed := res.ops&opCreate != 0 && (p != nil || len(res.parents) == 0 || res.topLevelCreate()) && (p == nil || !p.listOnly)
		body, err := c.writeRequest(res, allowed)
		if err != nil {
			c.fail(err)
			return
		}
		loc, err := c.create(res, p, parentID, body)
		if err != nil {
			c.fail(err)
			return
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusCreated)
	default:
		methodNotAllowed(w)
	}
}

// writeRequest reads the body of a POST or PUT of res with the reference's
// checks in its order: 415 without a JSON reader, 400 for a bad body, 405
// when the operation is not allowed here, then the media type (406).
func (c *call) writeRequest(res *resource, allowed bool) (body, error) {
	if err := requireJSONReader(c.r); err != nil {
		return nil, err
	}
	b, err := c.readBody()
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, &Error{Status: http.StatusMethodNotAllowed, EmptyBody: true}
	}
	if err := checkBodyType(c.r, res.single, strict); err != nil {
		return nil, err
	}
	return b, nil
}

// topLevelCreate reports whether POST /<seg> is allowed for a resource that
// also has parents (ports and rules are only created under their device).
func (res *resource) topLevelCreate() bool {
	return res.ops&opCreate != 0 && (res.createTopLevel || !res.parentOnlyCreate())
}

func (res *resource) parentOnlyCreate() bool {
	for _, p := range res.parents {
		if p.ref != "" {
			return true
		}
	}
	return false
}

func (h *handler) serveObject(w http.ResponseWriter, r *http.Request, res *resource) {
	c := h.newCall(w, r)
	id, perr := parseUUID(r.PathValue("id"))
	// withID runs f unless the id is malformed: then it names no object
	// (404, after the checks that come first).
	withID := func(f func() error) error {
		if perr != nil {
			return res.notFound(r.PathValue("id"))
		}
		return f()
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if res.ops&opGet == 0 {
			methodNotAllowed(w)
			return
		}
		allowed := res.single
		if res.getSingle != nil {
			allowed = res.getSingle
		}
		mt, err := negotiateGet(r, allowed, res.getNegotiation)
		if err != nil {
			c.fail(err)
			return
		}
		sc := encodeScratches.Get().(*encodeScratch)
		defer sc.release()
		var obj object
		if err := withID(func() (err error) { obj, err = c.getOne(res, id, sc); return err }); err != nil {
			c.fail(err)
			return
		}
		c.writeJSON(http.StatusOK, mt, obj)
	case http.MethodPut:
		body, err := c.writeRequest(res, res.ops&opUpdate != 0)
		if err != nil {
			c.fail(err)
			return
		}
		if err := withID(func() error { return c.update(res, id, body) }); err != nil {
			c.fail(err)
			return
		}
		w.WriteHeader(cmp.Or(res.updateStatus, http.StatusNoContent))
	case http.MethodDelete:
		if res.ops&opDelete == 0 {
			methodNotAllowed(w)
			return
		}
		if err := withID(func() error { return c.remove(res, id) }); err != nil {
			c.fail(err)
			return
		}
		w.WriteHeader(cmp.Or(res.deleteStatus, http.StatusNoContent))
	default:
		methodNotAllowed(w)
	}
}

func (res *resource) className() string {
	return string(res.model.ProtoReflect().Descriptor().Name())
}

func (res *resource) notFound(id string) *Error {
	return errorf(http.StatusNotFound, "There is no %s with ID %s.", res.className(), id)
}

func (res *resource) newModel() proto.Message { return res.model.ProtoReflect().New().Interface() }
