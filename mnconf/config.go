package mnconf

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrNoSuchKey is returned (wrapped) by Config getters for a missing key.
var ErrNoSuchKey = errors.New("no such configuration key")

// Config is a resolved, merged configuration tree with typed getters.
// Getters accept values stored as strings (legacy INI imports).
type Config struct {
	tree map[string]any
	// layers are the sources merged into tree, highest first, when known
	// (for origin comments).
	layers []Layer
}

// NewConfig wraps a resolved tree.
func NewConfig(tree map[string]any) *Config { return &Config{tree: tree} }

// Tree returns the underlying tree (do not modify it).
func (c *Config) Tree() map[string]any { return c.tree }

// Lookup returns the raw value at a dotted key.
func (c *Config) Lookup(key string) (any, bool) { return Lookup(c.tree, key) }

// Has reports whether key is set.
func (c *Config) Has(key string) bool { _, ok := c.Lookup(key); return ok }

func (c *Config) need(key string) (any, error) {
	v, ok := c.Lookup(key)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchKey, key)
	}
	return v, nil
}

func typed[T any](c *Config, key string, parse func(any) (T, error)) (T, error) {
	var zero T
	v, err := c.need(key)
	if err != nil {
		return zero, err
	}
	out, err := parse(v)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", key, err)
	}
	return out, nil
}

// String returns a string value (numbers and booleans as their text).
func (c *Config) String(key string) (string, error) {
	return typed(c, key, func(v any) (string, error) {
		switch v.(type) {
		case map[string]any, []any:
			return "", fmt.Errorf("%w: not a string", ErrInvalidValue)
		}
		return leafText(v), nil
	})
}

// Int returns an integer value.
func (c *Config) Int(key string) (int64, error) { return typed(c, key, ParseInt) }

// Float returns a floating point value.
func (c *Config) Float(key string) (float64, error) { return typed(c, key, ParseFloat) }

// Bool returns a boolean value (true/false/yes/no/on/off).
func (c *Config) Bool(key string) (bool, error) { return typed(c, key, ParseBool) }

// Duration returns a duration ("10s"; a bare number is milliseconds).
func (c *Config) Duration(key string) (time.Duration, error) { return typed(c, key, ParseDuration) }

// Size returns a size in bytes ("64K", "10MB").
func (c *Config) Size(key string) (int64, error) { return typed(c, key, ParseSize) }

// StringList returns a list of strings.
func (c *Config) StringList(key string) ([]string, error) {
	return typed(c, key, func(v any) ([]string, error) {
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: not a list", ErrInvalidValue)
		}
		out := make([]string, len(l))
		for i, e := range l {
			out[i] = leafText(e)
		}
		return out, nil
	})
}

// Get returns key's value as text for consumers that parse values
// themselves, such as cluster.Config.ApplyKeys: strings without quotes,
// numbers and booleans as written, lists and objects as formatted JSON
// text. ok is false for an absent or null key (typesafe-config's hasPath).
func (c *Config) Get(key string) (string, bool) {
	v, ok := c.Lookup(key)
	if !ok || v == nil {
		return "", false
	}
	switch v.(type) {
	case map[string]any, []any:
		return renderValue(v, true, 0), true
	}
	return leafText(v), true
}

// Sub returns the configuration below key (empty if absent).
func (c *Config) Sub(key string) *Config {
	if m, ok := Lookup(c.tree, key); ok {
		if mm, ok := m.(map[string]any); ok {
			return &Config{tree: mm}
		}
	}
	return &Config{tree: map[string]any{}}
}

// Query selects which layers a read combines (mn-conf dump/get).
type Query struct {
	Host       uuid.UUID // the host whose view is built (default view)
	Template   string    // template view: Template over default, no schema
	HostOnly   bool      // only the host's per-node znode
	SchemaOnly bool      // only the schemas stored in ZooKeeper
}

// Layer is one source of a configuration view.
type Layer struct {
	// Origin names the source as the reference's origin comments do,
	// "zookeeper://midonet/config/templates/default".
	Origin string
	Tree   map[string]any
}

// origin is the reference's description of a znode source: Curator's
// namespace (the root key without its slash) and the path below it.
func (s *Store) origin(src Source) string {
	return "zookeeper://" + strings.TrimPrefix(path.Join(s.root, configDir, src.Kind, src.Name), "/")
}

// Layers returns the unresolved trees of a query, highest precedence first.
func (s *Store) Layers(ctx context.Context, q Query) ([]map[string]any, error) {
	layers, err := s.LayerSources(ctx, q)
	if err != nil {
		return nil, err
	}
	return layerTrees(layers), nil
}

// layerTrees are the trees of layers, in the same order.
func layerTrees(layers []Layer) []map[string]any {
	trees := make([]map[string]any, len(layers))
	for i, l := range layers {
		trees[i] = l.Tree
	}
	return trees
}

// LayerSources is Layers with the origin of each layer; each schema stored
// in ZooKeeper is a layer of its own.
func (s *Store) LayerSources(ctx context.Context, q Query) ([]Layer, error) {
	var srcs []Source
	switch {
	case q.SchemaOnly:
	case q.HostOnly:
		srcs = []Source{NodeSource(q.Host)}
	case q.Template != "":
		srcs = []Source{TemplateSource(q.Template)}
		if q.Template != DefaultTemplate {
			srcs = append(srcs, TemplateSource(DefaultTemplate))
		}
	default:
		tmpl, err := s.mappedTemplate(ctx, q.Host)
		if err != nil {
			return nil, err
		}
		srcs = []Source{NodeSource(q.Host)}
		if tmpl != DefaultTemplate {
			srcs = append(srcs, TemplateSource(tmpl))
		}
		srcs = append(srcs, TemplateSource(DefaultTemplate))
	}
	if q.Template == "" && !q.HostOnly {
		names, err := s.Schemas(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			srcs = append(srcs, SchemaSource(n))
		}
	}
	var layers []Layer
	for _, src := range srcs {
		t, err := s.Read(ctx, src)
		if err != nil {
			return nil, err
		}
		layers = append(layers, Layer{Origin: s.origin(src), Tree: t})
	}
	return layers, nil
}

func (s *Store) mappedTemplate(ctx context.Context, host uuid.UUID) (string, error) {
	m, err := s.TemplateMappings(ctx)
	if err != nil {
		return "", err
	}
	if t, ok := m[host.String()]; ok && t != "" {
		return t, nil
	}
	return DefaultTemplate, nil
}

// View merges and resolves the layers of q.
func (s *Store) View(ctx context.Context, q Query) (*Config, error) {
	layers, err := s.LayerSources(ctx, q)
	if err != nil {
		return nil, err
	}
	cfg, err := mergeResolve(layerTrees(layers), s.lookupEnv)
	if err != nil {
		return nil, err
	}
	cfg.layers = layers
	return cfg, nil
}

func mergeResolve(layers []map[string]any, env func(string) (string, bool)) (*Config, error) {
	merged := map[string]any{}
	for i := len(layers) - 1; i >= 0; i-- {
		merged = Merge(layers[i], merged)
	}
	tree, err := Resolve(merged, env)
	if err != nil {
		return nil, err
	}
	return &Config{tree: tree}, nil
}

// RuntimeOptions adds the node-local layers of the runtime view.
type RuntimeOptions struct {
	// LegacyINI is the legacy INI file (/etc/midonet/midonet.conf for the
	// cluster); "" for none. Missing files count as empty.
	LegacyINI string
	// LookupEnv resolves substitutions not found in the tree (default: the
	// Store's, os.LookupEnv unless WithLookupEnv). Environment variables are not merged into the tree as
	// keys: with typesafe-config 1.2.1 they could only ever be flat top-level
	// keys, which no MidoNet setting is.
	LookupEnv func(string) (string, bool)
	// NoBundledSchemas leaves the schemas shipped in the binary out (the
	// agent's behaviour); the cluster includes them.
	NoBundledSchemas bool
}

// NodeView is node nodeID's runtime configuration (see RuntimeConfig) as a
// key lookup, the shape cluster.Config.ApplyKeys takes:
//
//	get, err := store.NodeView(ctx, nodeID, mnconf.RuntimeOptions{LegacyINI: mnconf.MidonetConfFile})
//	err = cfg.ApplyKeys(get)
//
// It is a snapshot; Watch delivers a new *Config (whose Get has the same
// shape) after every change.
func (s *Store) NodeView(ctx context.Context, nodeID uuid.UUID, opts ...RuntimeOptions) (func(key string) (string, bool), error) {
	cfg, err := s.RuntimeConfig(ctx, nodeID, opts...)
	if err != nil {
		return nil, err
	}
	return cfg.Get, nil
}

// RuntimeConfig is the configuration node nodeID runs with, highest first:
// legacy INI, per-node, mapped template, default template, ZooKeeper
// schemas, bundled schemas; substitutions resolved after merging.
func (s *Store) RuntimeConfig(ctx context.Context, nodeID uuid.UUID, opts ...RuntimeOptions) (*Config, error) {
	var o RuntimeOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	layers, err := s.runtimeLayers(ctx, nodeID, o)
	if err != nil {
		return nil, err
	}
	env := o.LookupEnv
	if env == nil {
		env = s.lookupEnv
	}
	return mergeResolve(layers, env)
}

func (s *Store) runtimeLayers(ctx context.Context, nodeID uuid.UUID, o RuntimeOptions) ([]map[string]any, error) {
	var layers []map[string]any
	if o.LegacyINI != "" {
		ini, err := ReadLegacyINI(o.LegacyINI)
		if err != nil {
			return nil, err
		}
		layers = append(layers, ini)
	}
	central, err := s.Layers(ctx, Query{Host: nodeID})
	if err != nil {
		return nil, err
	}
	layers = append(layers, central...)
	if !o.NoBundledSchemas {
		schemas, err := BundledSchemas()
		if err != nil {
			return nil, err
		}
		merged := map[string]any{}
		for _, t := range schemas {
			merged = Merge(t, merged)
		}
		layers = append(layers, merged)
	}
	return layers, nil
}

// Render renders c's tree as typesafe-config renders a root object (HOCON,
// or JSON when json is set), ending with a newline.
func (c *Config) Render(json bool) string { return c.RenderComments(json, false) }

// RenderComments is Render with, when origins is set, a "# origin" line
// before each key naming where its value comes from, as the reference's
// origin comments do (without the line numbers).
func (c *Config) RenderComments(json, origins bool) string {
	return renderRoot(c.tree, c.renderOptions(json, origins), "")
}

// RenderKey renders one key of c as mn-conf get prints it (see RenderKey).
func (c *Config) RenderKey(key string, json, origins bool) (string, bool) {
	v, ok := c.Lookup(key)
	if !ok || v == nil {
		return "", false
	}
	return key + " = " + renderRoot(v, c.renderOptions(json, origins), key) + "\n", true
}

func (c *Config) renderOptions(json, origins bool) renderOptions {
	o := renderOptions{json: json}
	if origins && len(c.layers) > 0 {
		o.origin = c.originOf
	}
	return o
}

// originOf describes where the value at key comes from: the highest layer
// holding it, or for an object merged from several layers "merge of" them.
func (c *Config) originOf(key string) string {
	var from []string
	for _, l := range c.layers {
		if v, ok := Lookup(l.Tree, key); ok {
			if _, isObj := v.(map[string]any); !isObj {
				if len(from) == 0 {
					return l.Origin
				}
				break
			}
			from = append(from, l.Origin)
		}
	}
	switch len(from) {
	case 0:
		return "substitution"
	case 1:
		return from[0]
	}
	return "merge of " + strings.Join(from, ",")
}

// RenderKey renders one key as "key = value" the way mn-conf get prints it:
// the value rendered on its own (an object in HOCON mode without braces),
// then a newline.
func RenderKey(key string, v any, json bool) string {
	return key + " = " + renderRoot(v, renderOptions{json: json}, key) + "\n"
}
