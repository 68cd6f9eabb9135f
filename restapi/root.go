package restapi

import (
	"net/http"
	"slices"
	"strings"
)

// APIVersion is the version string of the root Application resource.
const APIVersion = "v5.0"

// rootEntry is one segment's Application keys: its collection key and its
// template key, empty where the reference has none.
type rootEntry struct{ segment, collection, template string }

// rootEntries are the Application keys of the reference in its emission
// order (sorted by path segment): those of every row (rootKey,
// templateKey) and those the families name for their explicit endpoints.
func rootEntries(fams []family) []rootEntry {
	var out []rootEntry
	for _, f := range fams {
		for _, r := range f.resources {
			out = append(out, rootEntry{r.segment, r.rootKey, r.templateKey})
		}
		out = append(out, f.roots...)
	}
	slices.SortFunc(out, func(a, b rootEntry) int { return strings.Compare(a.segment, b.segment) })
	return out
}

// serveRoot answers the Application resource. Its URIs follow the host
// the client used (or the proxy's X-Forwarded-* headers).
func (h *handler) serveRoot(w http.ResponseWriter, r *http.Request) {
	c := h.newCall(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w)
		return
	}
	mt, err := negotiateGet(r, mediaTypes{MediaJSON, MediaApp}, standard)
	if err != nil {
		c.fail(err)
		return
	}
	app := object{{"uri", c.base + "/"}, {"version", APIVersion}}
	for _, e := range h.rootEntries {
		if e.collection != "" {
			app = append(app, member{e.collection, c.uri(e.segment)})
		}
		if e.template != "" {
			app = append(app, member{e.template, c.uri(e.segment) + "/{id}"})
		}
	}
	c.writeJSON(http.StatusOK, mt, app)
}
