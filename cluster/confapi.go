package cluster

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/mnconf"
)

// maxConfBody bounds a configuration document posted to /conf.
const maxConfBody = 1 << 20

// confAPI serves the reference's node configuration resource, <root>/conf,
// over mn-conf: text/plain documents (HOCON rendered as JSON) for the
// stored schemas, per-node configurations, runtime views, templates and
// template mappings. POST merges (after validation against the schemas)
// and DELETE empties; both answer 200. The caller adds authentication.
func confAPI(conf *mnconf.Store, rootURI string) http.Handler {
	base := strings.TrimSuffix(rootURI, "/") + "/conf"
	mux := http.NewServeMux()
	handle := func(pattern string, f func(r *http.Request) (map[string]any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			tree, err := f(r)
			if err != nil {
				http.Error(w, err.Error(), confStatus(err))
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			if tree != nil {
				io.WriteString(w, mnconf.RenderJSON(redactSecrets(tree)))
			}
		})
	}
	node := func(r *http.Request) (mnconf.Source, uuid.UUID, error) {
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			return mnconf.Source{}, uuid.Nil, fmt.Errorf("%w: node id %q is not a UUID", errNotFound, r.PathValue("id"))
		}
		return mnconf.NodeSource(id), id, nil
	}
	template := func(r *http.Request) (mnconf.Source, error) {
		name := r.PathValue("name")
		if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
			return mnconf.Source{}, fmt.Errorf("%w: template name %q", errNotFound, name)
		}
		return mnconf.TemplateSource(name), nil
	}
	body := func(r *http.Request) (string, error) {
		b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxConfBody))
		if err != nil {
			return "", fmt.Errorf("%w: reading the body: %w", mnconf.ErrParse, err)
		}
		return string(b), nil
	}
	set := func(r *http.Request, src mnconf.Source) (map[string]any, error) {
		text, err := body(r)
		if err != nil {
			return nil, err
		}
		_, err = conf.Set(r.Context(), src, text, false)
		return nil, err
	}

	handle("GET "+base+"/schemas", func(r *http.Request) (map[string]any, error) { return conf.ZKSchema(r.Context()) })
	handle("GET "+base+"/nodes/{id}", func(r *http.Request) (map[string]any, error) {
		src, _, err := node(r)
		if err != nil {
			return nil, err
		}
		return conf.Read(r.Context(), src)
	})
	handle("POST "+base+"/nodes/{id}", func(r *http.Request) (map[string]any, error) {
		src, _, err := node(r)
		if err != nil {
			return nil, err
		}
		return set(r, src)
	})
	handle("DELETE "+base+"/nodes/{id}", func(r *http.Request) (map[string]any, error) {
		src, _, err := node(r)
		if err != nil {
			return nil, err
		}
		return nil, conf.Clear(r.Context(), src)
	})
	handle("GET "+base+"/runtime/{id}", func(r *http.Request) (map[string]any, error) {
		_, id, err := node(r)
		if err != nil {
			return nil, err
		}
		view, err := conf.View(r.Context(), mnconf.Query{Host: id})
		if err != nil {
			return nil, err
		}
		return view.Tree(), nil
	})
	handle("GET "+base+"/templates", func(r *http.Request) (map[string]any, error) {
		names, err := conf.Templates(r.Context())
		if err != nil {
			return nil, err
		}
		list := make([]any, len(names))
		for i, n := range names {
			list[i] = n
		}
		return map[string]any{"templates": list}, nil
	})
	handle("GET "+base+"/templates/{name}", func(r *http.Request) (map[string]any, error) {
		src, err := template(r)
		if err != nil {
			return nil, err
		}
		return conf.Read(r.Context(), src)
	})
	handle("POST "+base+"/templates/{name}", func(r *http.Request) (map[string]any, error) {
		src, err := template(r)
		if err != nil {
			return nil, err
		}
		return set(r, src)
	})
	handle("DELETE "+base+"/templates/{name}", func(r *http.Request) (map[string]any, error) {
		src, err := template(r)
		if err != nil {
			return nil, err
		}
		return nil, conf.Clear(r.Context(), src)
	})
	handle("GET "+base+"/template-mappings", func(r *http.Request) (map[string]any, error) {
		m, err := conf.TemplateMappings(r.Context())
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		return out, nil
	})
	// The body names the template under the node's id, {"<id>": "<name>"};
	// the answer is the mapping now stored.
	handle("POST "+base+"/template-mappings/{id}", func(r *http.Request) (map[string]any, error) {
		_, id, err := node(r)
		if err != nil {
			return nil, err
		}
		text, err := body(r)
		if err != nil {
			return nil, err
		}
		tree, err := mnconf.Parse(text)
		if err != nil {
			return nil, err
		}
		name, ok := tree[id.String()].(string)
		if !ok || name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
			return nil, fmt.Errorf("%w: the body must map %s to a template name", mnconf.ErrInvalidValue, id)
		}
		if err := conf.SetTemplateMapping(r.Context(), id, name); err != nil {
			return nil, err
		}
		m, err := conf.TemplateMappings(r.Context())
		if err != nil {
			return nil, err
		}
		return map[string]any{id.String(): m[id.String()]}, nil
	})
	handle("DELETE "+base+"/template-mappings/{id}", func(r *http.Request) (map[string]any, error) {
		_, id, err := node(r)
		if err != nil {
			return nil, err
		}
		return nil, conf.ClearTemplateMapping(r.Context(), id)
	})
	return mux
}

var errNotFound = errors.New("not found")

// redacted replaces a secret's value in what /conf answers.
const redacted = "<redacted>"

// redactSecrets returns tree with the values of secret keys (passwords,
// secrets, tokens: the Keystone service password, the admin token, key
// store passwords) replaced by redacted when set. The reference serves them
// in clear to any admin; they stay writable by POST and readable by mn-conf
// on a ZooKeeper host, and an unset (blank) value still shows as unset.
func redactSecrets(tree map[string]any) map[string]any {
	out := make(map[string]any, len(tree))
	for k, v := range tree {
		switch x := v.(type) {
		case map[string]any:
			out[k] = redactSecrets(x)
		case string:
			if isSecretKey(k) && strings.TrimSpace(x) != "" {
				out[k] = redacted
			} else {
				out[k] = x
			}
		default:
			out[k] = v
		}
	}
	return out
}

func isSecretKey(k string) bool {
	if strings.HasSuffix(k, "_description") || strings.HasSuffix(k, "_type") {
		return false
	}
	return slices.ContainsFunc([]string{"password", "secret", "token"}, func(s string) bool { return strings.Contains(k, s) })
}

// confStatus maps errors to statuses: bad documents are the caller's
// (400), an unreachable store is 503.
func confStatus(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errNotFound):
		return http.StatusNotFound
	case slices.ContainsFunc([]error{mnconf.ErrParse, mnconf.ErrInvalidValue, mnconf.ErrUnresolved,
		storage.ErrBadArguments}, func(e error) bool { return errors.Is(err, e) }):
		return http.StatusBadRequest
	case errors.Is(err, storage.ErrConnectionLoss), errors.Is(err, storage.ErrSessionExpired),
		errors.Is(err, storage.ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
