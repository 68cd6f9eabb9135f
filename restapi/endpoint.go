package restapi

import (
	"net/http"

	"github.com/google/uuid"
)

// specialSegments are top-level segments served by explicit handlers
// rather than the resource table.
var specialSegments = map[string]bool{"tenants": true, "system_state": true, "login": true, "neutron": true}

// endpoint is one explicit handler: the special verbs and sub-resources
// that are not plain CRUD of a stored class (links, memberships, tenants).
type endpoint struct {
	method, path string
	// produces is checked against Accept (standard regime) for GET;
	// consumes against Content-Type for POST/PUT.
	produces, consumes mediaTypes
	// strictConsumes checks Content-Type with the strict regime (406).
	strictConsumes bool
	serve          func(c *call) error
}

func (h *handler) specialRoutes() {
	for _, e := range endpoints() {
		e := e
		h.mux.HandleFunc(e.method+" "+h.root+e.path, func(w http.ResponseWriter, r *http.Request) {
			c := h.newCall(w, r)
			if e.consumes != nil {
				regime := standard
				if e.strictConsumes {
					regime = strict
					if err := requireJSONReader(r); err != nil {
						c.fail(err)
						return
					}
				}
				if err := checkBodyType(r, e.consumes, regime); err != nil {
					c.fail(err)
					return
				}
			}
			if e.produces != nil {
				mt, err := negotiateGet(r, e.produces, standard)
				if err != nil {
					c.fail(err)
					return
				}
				w.Header().Set("Content-Type", mt)
			}
			if err := e.serve(c); err != nil {
				c.fail(err)
			}
		})
	}
}

// endpoints are the explicit handlers of every family.
func endpoints() []endpoint {
	var out []endpoint
	for _, f := range families() {
		out = append(out, f.endpoints...)
	}
	return out
}

// pathID parses a {name} path UUID; malformed ids are 404 (as Jersey's
// parameter conversion answers).
func (c *call) pathID(name string) (uuid.UUID, error) {
	id, err := parseUUID(c.r.PathValue(name))
	if err != nil {
		return uuid.Nil, errorf(http.StatusNotFound, "Resource not found")
	}
	return id, nil
}

func (c *call) ok(v any) error {
	return withJSON(v, func(data []byte) {
		if c.w.Header().Get("Content-Type") == "" {
			c.w.Header().Set("Content-Type", MediaJSON)
		}
		writeBody(c.w, c.r, http.StatusOK, data)
	})
}

func (c *call) created(location string) error {
	if location != "" {
		c.w.Header().Set("Location", location)
	}
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// bodyUUID reads a required UUID property of the body.
func bodyUUID(b body, key string) (uuid.UUID, error) {
	raw, ok := b[key]
	if !ok || isNull(raw) {
		return uuid.Nil, violation(key, "may not be null")
	}
	id, err := decodeUUID(raw)
	if err != nil {
		return uuid.Nil, badJSON(key, err)
	}
	return id, nil
}

// --- tenants, system state --------------------------------------------------

// --- links ------------------------------------------------------------------

// --- port group memberships -------------------------------------------------

// --- IP address group addresses --------------------------------------------

// --- host interface port bindings, interfaces ------------------------------

// --- tunnel zone members ----------------------------------------------------
