package mnconf

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Layout names under <root>/config, as the reference uses them.
const (
	configDir        = "config"
	schemasDir       = "schemas"
	templatesDir     = "templates"
	nodesDir         = "nodes"
	templateMappings = "template-mappings"
	// DefaultTemplate applies to every node; MidoNet never overwrites it.
	DefaultTemplate = "default"
)

//go:embed schemas/*.json templates/*.json extensions/*.json
var bundled embed.FS

// Store reads and writes the configuration under <root>/config.
type Store struct {
	conn storage.Conn
	root string
	log  *slog.Logger
	// lookupEnv is the fallback of substitutions, as typesafe-config falls
	// back to the process environment.
	lookupEnv func(string) (string, bool)
}

// Option configures a Store.
type Option func(*Store)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithLookupEnv sets where substitutions not found in the configuration are
// looked up (default os.LookupEnv).
func WithLookupEnv(env func(string) (string, bool)) Option {
	return func(s *Store) { s.lookupEnv = env }
}

// Open returns a Store over conn rooted at root ("/midonet") and makes sure
// the container znodes config, config/nodes, config/templates and
// config/schemas exist, as the reference's configurator does.
func Open(ctx context.Context, conn storage.Conn, root string, opts ...Option) (*Store, error) {
	if !strings.HasPrefix(root, "/") {
		return nil, fmt.Errorf("mnconf: root %q must be an absolute path", root)
	}
	s := &Store{conn: conn, root: path.Clean(root), log: slog.Default(), lookupEnv: os.LookupEnv}
	for _, o := range opts {
		o(s)
	}
	if err := s.ensure(ctx, s.configPath(), s.configPath(nodesDir), s.configPath(templatesDir), s.configPath(schemasDir)); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) configPath(elems ...string) string {
	return path.Join(append([]string{s.root, configDir}, elems...)...)
}

// ensure creates each path (and its parents) if missing.
func (s *Store) ensure(ctx context.Context, paths ...string) error {
	for _, p := range paths {
		var prefix string
		for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			prefix += "/" + part
			_, err := s.conn.Create(ctx, prefix, nil, storage.Persistent)
			if err != nil && !errors.Is(err, storage.ErrNodeExists) {
				return fmt.Errorf("mnconf: creating %s: %w", prefix, err)
			}
		}
	}
	return nil
}

// Source is one znode holding a configuration layer.
type Source struct {
	Kind string // "nodes", "templates" or "schemas"
	Name string // host id, template or schema name
}

// NodeSource is the per-node layer of host id.
func NodeSource(id uuid.UUID) Source { return Source{Kind: nodesDir, Name: id.String()} }

// TemplateSource is the layer of the named template.
func TemplateSource(name string) Source { return Source{Kind: templatesDir, Name: name} }

// SchemaSource is the ZooKeeper copy of the named schema.
func SchemaSource(name string) Source { return Source{Kind: schemasDir, Name: name} }

func (src Source) String() string { return src.Kind + "/" + src.Name }

func (s *Store) sourcePath(src Source) (string, error) {
	if src.Name == "" || strings.ContainsAny(src.Name, "/") || src.Name == "." || src.Name == ".." {
		return "", fmt.Errorf("mnconf: invalid %s name %q", src.Kind, src.Name)
	}
	return s.configPath(src.Kind, src.Name), nil
}

// Read returns the tree stored in src (empty when the znode is missing).
func (s *Store) Read(ctx context.Context, src Source) (map[string]any, error) {
	tree, _, _, err := s.read(ctx, src)
	return tree, err
}

func (s *Store) read(ctx context.Context, src Source) (map[string]any, storage.Version, bool, error) {
	p, err := s.sourcePath(src)
	if err != nil {
		return nil, 0, false, err
	}
	data, stat, err := s.conn.Get(ctx, p)
	if errors.Is(err, storage.ErrNoNode) {
		return map[string]any{}, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("mnconf: reading %s: %w", p, err)
	}
	tree, err := Parse(string(data))
	if err != nil {
		return nil, 0, false, fmt.Errorf("mnconf: %s: %w", p, err)
	}
	return tree, stat.Version, true, nil
}

// modify applies change to the tree in src with a version-checked write,
// retrying from a fresh read when someone else wrote in between. An absent
// znode whose result is empty is left absent; an unchanged tree is not written.
func (s *Store) modify(ctx context.Context, src Source, change func(map[string]any) (map[string]any, error)) error {
	p, err := s.sourcePath(src)
	if err != nil {
		return err
	}
	for {
		cur, version, exists, err := s.read(ctx, src)
		if err != nil {
			return err
		}
		next, err := change(Clone(cur).(map[string]any))
		if err != nil {
			return err
		}
		data := []byte(RenderJSON(next))
		switch {
		case !exists && len(next) == 0:
			return nil
		case !exists:
			if err := s.ensure(ctx, path.Dir(p)); err != nil {
				return err
			}
			_, err = s.conn.Create(ctx, p, data, storage.Persistent)
		case reflect.DeepEqual(cur, next):
			return nil
		default:
			_, err = s.conn.Set(ctx, p, data, version)
		}
		if errors.Is(err, storage.ErrBadVersion) || errors.Is(err, storage.ErrNodeExists) || errors.Is(err, storage.ErrNoNode) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("mnconf: writing %s: %w", p, err)
		}
		return nil
	}
}

// SetResult reports keys written that the schemas do not know.
type SetResult struct {
	Unverified []string
}

// Set parses text as HOCON, validates it against the schemas stored in
// ZooKeeper and merges it over src's content (replace=true: replaces it).
// A value whose type the schema contradicts fails with ErrInvalidValue and
// nothing is written. Keys the schema does not know are written and listed
// in the result.
func (s *Store) Set(ctx context.Context, src Source, text string, replace bool) (SetResult, error) {
	tree, err := Parse(text)
	if err != nil {
		return SetResult{}, err
	}
	return s.SetTree(ctx, src, tree, replace)
}

// SetTree is Set for an already parsed tree.
func (s *Store) SetTree(ctx context.Context, src Source, tree map[string]any, replace bool) (SetResult, error) {
	schema, err := s.ZKSchema(ctx)
	if err != nil {
		return SetResult{}, err
	}
	unverified, err := Validate(schema, tree, s.lookupEnv)
	if err != nil {
		return SetResult{}, err
	}
	err = s.modify(ctx, src, func(cur map[string]any) (map[string]any, error) {
		if replace {
			return tree, nil
		}
		return Merge(tree, cur), nil
	})
	return SetResult{Unverified: unverified}, err
}

// Unset removes key (a leaf or a whole object) from src only. Absent keys
// and znodes are not an error; the znode itself is never deleted.
func (s *Store) Unset(ctx context.Context, src Source, key string) error {
	return s.modify(ctx, src, func(cur map[string]any) (map[string]any, error) {
		Remove(cur, key)
		return cur, nil
	})
}

// Clear replaces src's content with an empty object (what the REST API's
// DELETE does); the znode stays.
func (s *Store) Clear(ctx context.Context, src Source) error {
	p, err := s.sourcePath(src)
	if err != nil {
		return err
	}
	if _, ok, err := s.conn.Exists(ctx, p); err != nil || !ok {
		return err
	}
	_, err = s.conn.Set(ctx, p, []byte("{}\n"), storage.AnyVersion)
	return err
}

func (s *Store) children(ctx context.Context, dir string) ([]string, error) {
	names, _, err := s.conn.Children(ctx, s.configPath(dir))
	if errors.Is(err, storage.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mnconf: listing %s: %w", dir, err)
	}
	return names, nil
}

// Templates lists the templates stored in ZooKeeper.
func (s *Store) Templates(ctx context.Context) ([]string, error) {
	return s.children(ctx, templatesDir)
}

// Nodes lists the hosts that have a per-node znode.
func (s *Store) Nodes(ctx context.Context) ([]string, error) { return s.children(ctx, nodesDir) }

// Schemas lists the schemas stored in ZooKeeper.
func (s *Store) Schemas(ctx context.Context) ([]string, error) { return s.children(ctx, schemasDir) }

// TemplateMappings returns host id → template name.
func (s *Store) TemplateMappings(ctx context.Context) (map[string]string, error) {
	data, _, err := s.conn.Get(ctx, s.configPath(templateMappings))
	if errors.Is(err, storage.ErrNoNode) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mnconf: reading template mappings: %w", err)
	}
	return parseMappings(data)
}

func parseMappings(data []byte) (map[string]string, error) {
	tree, err := Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("mnconf: template mappings: %w", err)
	}
	out := make(map[string]string, len(tree))
	for k, v := range tree {
		out[k] = leafText(v)
	}
	return out, nil
}

// modifyMappings is modify for the single template-mappings znode.
func (s *Store) modifyMappings(ctx context.Context, change func(map[string]any)) error {
	p := s.configPath(templateMappings)
	for {
		data, stat, err := s.conn.Get(ctx, p)
		exists := err == nil
		if err != nil && !errors.Is(err, storage.ErrNoNode) {
			return fmt.Errorf("mnconf: reading template mappings: %w", err)
		}
		cur, err := Parse(string(data))
		if err != nil {
			return fmt.Errorf("mnconf: template mappings: %w", err)
		}
		next := Clone(cur).(map[string]any)
		change(next)
		if reflect.DeepEqual(cur, next) && exists {
			return nil
		}
		out := []byte(RenderJSON(next))
		if exists {
			_, err = s.conn.Set(ctx, p, out, stat.Version)
		} else {
			_, err = s.conn.Create(ctx, p, out, storage.Persistent)
		}
		if errors.Is(err, storage.ErrBadVersion) || errors.Is(err, storage.ErrNodeExists) || errors.Is(err, storage.ErrNoNode) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("mnconf: writing template mappings: %w", err)
		}
		return nil
	}
}

// SetTemplateMapping maps host to template (which need not exist yet).
func (s *Store) SetTemplateMapping(ctx context.Context, host uuid.UUID, template string) error {
	if template == "" || strings.Contains(template, "/") {
		return fmt.Errorf("mnconf: invalid template name %q", template)
	}
	return s.modifyMappings(ctx, func(m map[string]any) { m[host.String()] = template })
}

// ClearTemplateMapping removes host's mapping (it then uses only default).
func (s *Store) ClearTemplateMapping(ctx context.Context, host uuid.UUID) error {
	return s.modifyMappings(ctx, func(m map[string]any) { delete(m, host.String()) })
}

// ZKSchema is the merge of every schema stored in ZooKeeper (unresolved).
func (s *Store) ZKSchema(ctx context.Context) (map[string]any, error) {
	names, err := s.Schemas(ctx)
	if err != nil {
		return nil, err
	}
	merged := map[string]any{}
	for _, n := range names {
		t, err := s.Read(ctx, SchemaSource(n))
		if err != nil {
			return nil, err
		}
		merged = Merge(merged, t)
	}
	return merged, nil
}

// BundledSchemas returns the schemas shipped in this binary, by name: the
// reference's (schemas/, generated from it and checked against it) with this
// implementation's own keys (extensions/, e.g. the REST API's server limits)
// merged in.
func BundledSchemas() (map[string]map[string]any, error) {
	schemas, err := readBundled("schemas")
	if err != nil {
		return nil, err
	}
	extensions, err := readBundled("extensions")
	if err != nil {
		return nil, err
	}
	for name, ext := range extensions {
		base, ok := schemas[name]
		if !ok {
			return nil, fmt.Errorf("mnconf: bundled extension %s extends no schema", name)
		}
		schemas[name] = Merge(ext, base)
	}
	return schemas, nil
}

// BundledTemplates returns the templates shipped in this binary, by name.
func BundledTemplates() (map[string]map[string]any, error) { return readBundled("templates") }

func readBundled(dir string) (map[string]map[string]any, error) {
	entries, err := fs.ReadDir(bundled, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, e := range entries {
		data, err := fs.ReadFile(bundled, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		t, err := Parse(string(data))
		if err != nil {
			return nil, fmt.Errorf("mnconf: bundled %s/%s: %w", dir, e.Name(), err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = t
	}
	return out, nil
}

func schemaVersion(name string, tree map[string]any) (int64, error) {
	v, ok := Lookup(tree, name+".schemaVersion")
	if !ok {
		return -1, fmt.Errorf("%w: schema %s has no %s.schemaVersion", ErrBadSchema, name, name)
	}
	n, err := ParseInt(v)
	if err != nil {
		return -1, fmt.Errorf("%w: schema %s: %w", ErrBadSchema, name, err)
	}
	return n, nil
}

// DeployResult says what Deploy wrote.
type DeployResult struct {
	Schemas   []string // schemas written (bundled version newer than ZooKeeper's)
	Templates []string // bundled templates rewritten because a schema was
}

// Deploy writes each bundled schema whose schemaVersion is newer than the
// stored one (never downgrading), after checking the schema against itself.
// When any schema was written, every bundled template is overwritten, as the
// reference does; the default template is never touched.
func (s *Store) Deploy(ctx context.Context) (DeployResult, error) {
	var res DeployResult
	schemas, err := BundledSchemas()
	if err != nil {
		return res, err
	}
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		schema := collapseDescriptions(schemas[name])
		newV, err := schemaVersion(name, schema)
		if err != nil {
			return res, err
		}
		if _, err := Validate(schema, schema, nil); err != nil {
			return res, fmt.Errorf("%w: schema %s: %w", ErrBadSchema, name, err)
		}
		var deployed bool
		err = s.modify(ctx, SchemaSource(name), func(cur map[string]any) (map[string]any, error) {
			deployed = false
			oldV := int64(-1)
			if len(cur) > 0 {
				oldV, _ = schemaVersion(name, cur)
			}
			if newV <= oldV {
				s.log.InfoContext(ctx, "schema is up to date", "schema", name, "version", oldV)
				return cur, nil
			}
			deployed = true
			return schema, nil
		})
		if err != nil {
			return res, err
		}
		if deployed {
			s.log.InfoContext(ctx, "deployed schema", "schema", name, "version", newV)
			res.Schemas = append(res.Schemas, name)
		}
	}
	if len(res.Schemas) == 0 {
		return res, nil
	}
	templates, err := BundledTemplates()
	if err != nil {
		return res, err
	}
	for name, t := range templates {
		if err := s.modify(ctx, TemplateSource(name), func(map[string]any) (map[string]any, error) { return t, nil }); err != nil {
			return res, err
		}
		res.Templates = append(res.Templates, name)
	}
	sort.Strings(res.Templates)
	return res, nil
}

// collapseDescriptions turns whitespace runs in *_description strings into
// single spaces, as the reference does on deploy.
func collapseDescriptions(tree map[string]any) map[string]any {
	out := Clone(tree).(map[string]any)
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case map[string]any:
				walk(x)
			case string:
				if strings.HasSuffix(k, "_description") {
					m[k] = strings.Join(strings.Fields(x), " ")
				}
			}
		}
	}
	walk(out)
	return out
}

// Validate checks every leaf of tree against schema as the reference's
// validation does: the new settings are layered over the schema and resolved
// (so a substitution is checked by the value it stands for, and one that
// resolves nowhere is an error), then each key with a _type sibling must read
// as that type and each key without one must have the HOCON value type of
// the schema default. It returns the keys the schema does not know; those
// are not an error. lookupEnv is the fallback of substitutions (nil: none).
func Validate(schema, tree map[string]any, lookupEnv func(string) (string, bool)) ([]string, error) {
	resolvedSchema, err := Resolve(schema, lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSchema, err)
	}
	resolved, err := Resolve(Merge(tree, schema), lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	var unverified []string
	var firstErr error
	Leaves(tree, func(key string, _ any) {
		if firstErr != nil || strings.HasSuffix(key, "_type") || strings.HasSuffix(key, "_description") {
			return
		}
		v, ok := Lookup(resolved, key)
		if !ok { // an optional substitution with no value: the key is unset
			return
		}
		if t, ok := Lookup(resolvedSchema, key+"_type"); ok {
			typ, isStr := t.(string)
			if !isStr {
				firstErr = fmt.Errorf("%w: %s_type is not a string", ErrBadSchema, key)
				return
			}
			if err := checkType(strings.TrimSpace(typ), v); err != nil {
				firstErr = fmt.Errorf("%s: %w", key, err)
			}
			return
		}
		def, ok := Lookup(resolvedSchema, key)
		if !ok {
			unverified = append(unverified, key)
			return
		}
		if dk, vk := valueKind(def), valueKind(v); dk != vk {
			firstErr = fmt.Errorf("%s: %w: expected a %s like the schema default %s, got %s %s",
				key, ErrInvalidValue, dk, renderValue(def, true, 0), vk, renderValue(v, true, 0))
		}
	})
	return unverified, firstErr
}

// DropDocKeys removes the schema documentation from a tree, as dumps show
// it: for every leaf k, the siblings k_type and k_description. Like the
// reference, a *_description whose key does not exist stays.
func DropDocKeys(tree map[string]any) map[string]any {
	out := Clone(tree).(map[string]any)
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		for _, k := range sortedKeys(m) {
			if sub, ok := m[k].(map[string]any); ok && len(sub) > 0 {
				walk(sub)
				continue
			}
			if m[k] == nil { // typesafe-config lists no null entries
				continue
			}
			delete(m, k+"_type")
			delete(m, k+"_description")
		}
	}
	walk(out)
	return out
}
