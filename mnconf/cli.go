package mnconf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Exit codes of mn-conf, as the reference's.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitNoHostID    = 2
	ExitNoZookeeper = 3
	ExitFailed      = 4
	ExitNoSuchKey   = 11
)

// ExitError carries the exit code a CLI failure maps to.
type ExitError struct {
	Code int
	Err  error // nil: exit silently with Code
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// CLI is what the mn-conf command needs from its process: standard streams,
// environment, file locations and how to reach the store.
type CLI struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
	// BootstrapFiles are the INI files searched for [zookeeper] settings,
	// highest first; nil means the standard ones (BootstrapFiles()).
	BootstrapFiles []string
	// HostIDFile, LegacyHostIDFile locate the local host id.
	HostIDFile, LegacyHostIDFile string
	// Connect opens the store; timeout bounds the connection attempt. A
	// failure to connect should wrap storage.ErrConnectionLoss.
	Connect func(ctx context.Context, servers []string, timeout time.Duration) (storage.Conn, error)
	// Logger receives the library's log lines; nil discards them, as the
	// reference's tool silences its logging.
	Logger *slog.Logger
	// Version, when set, is printed by --version.
	Version string
}

// Run executes mn-conf with args and returns the process exit code.
func (c CLI) Run(ctx context.Context, args []string) int {
	cmd := c.Command()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			for _, line := range strings.Split(ee.Err.Error(), "\n") {
				fmt.Fprintf(c.Stderr, "[mn-conf] %s\n", line)
			}
		}
		return ee.Code
	}
	// Flag and argument errors: cobra's own, printed as the reference's
	// parser reports them, with exit 1.
	fmt.Fprintf(c.Stderr, "[mn-conf] %v\n[mn-conf] invalid arguments, run with --help for usage information\n", err)
	return ExitFailure
}

type cliState struct {
	CLI
	zookeeper, root string
	store           *Store
	conn            storage.Conn
}

const helpFooter = `
ENVIRONMENT and FILES
ZooKeeper is found from --zookeeper / --root, else
MIDO_ZOOKEEPER_HOSTS / MIDO_ZOOKEEPER_ROOT_KEY, else the [zookeeper]
zookeeper_hosts and root_key of ~/.midonetrc, /etc/midonet/midonet.conf,
/etc/midolman/midolman.conf, else 127.0.0.1:2181 and /midonet.

set, unset and import without -t write the LOCAL HOST's per-node settings,
not the default template: use "-t default" to configure every host.

The local host id ("-h local", the default) is host_uuid in
/etc/midonet_host_id.properties (or --host-id-file), else in
/etc/midolman/host_uuid.properties; when missing, one is generated and stored
in the first file (as MidoNet does), which needs write access to it.

EXIT CODES
0 success, 1 usage, 2 no host id, 3 ZooKeeper unreachable,
4 other failures (invalid values, bad input), 11 "get" of a missing key.`

// Command builds the mn-conf cobra command tree.
func (c CLI) Command() *cobra.Command {
	st := &cliState{CLI: c}
	root := &cobra.Command{
		Use:           "mn-conf",
		Short:         "Read and write MidoNet configuration stored in ZooKeeper",
		Long:          "mn-conf reads and writes MidoNet's configuration: schemas, templates and per-host settings kept in ZooKeeper.\n" + helpFooter,
		SilenceErrors: true,
		SilenceUsage:  true,
		// No subcommand: usage and exit 1, as the reference.
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return &ExitError{Code: ExitFailure}
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if st.conn != nil {
				st.conn.Close()
			}
		},
	}
	root.Version = c.Version
	root.SetIn(c.Stdin)
	root.SetOut(c.Stdout)
	root.SetErr(c.Stderr)
	root.PersistentFlags().StringVar(&st.zookeeper, "zookeeper", "", "ZooKeeper connect string (overrides MIDO_ZOOKEEPER_HOSTS and midonet.conf)")
	root.PersistentFlags().StringVar(&st.root, "root", "", "ZooKeeper root key (overrides MIDO_ZOOKEEPER_ROOT_KEY and midonet.conf)")
	root.PersistentFlags().StringVar(&st.HostIDFile, "host-id-file", st.HostIDFile, "file holding the local host id (default "+HostIDFile+", then "+LegacyHostIDFile+")")
	root.CompletionOptions.DisableDefaultCmd = true
	// Free -h for --host as in the reference: help is --help only.
	root.PersistentFlags().Bool("help", false, "help for mn-conf")
	root.AddCommand(st.dumpCmd(), st.getCmd(), st.setCmd(), st.unsetCmd(), st.templateGetCmd(),
		st.templateSetCmd(), st.templateClearCmd(), st.templateListCmd(), st.hostsCmd(),
		st.importCmd(), st.docCmd(), st.deployCmd(), st.dumpBundledCmd())
	return root
}

func (st *cliState) open(ctx context.Context) (*Store, error) {
	if st.store != nil {
		return st.store, nil
	}
	env := st.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	files := st.BootstrapFiles
	if files == nil {
		files = BootstrapFiles()
	}
	b := ReadBootstrap(env, files...)
	if st.zookeeper != "" {
		b.ZookeeperHosts = st.zookeeper
	}
	if st.root != "" {
		b.RootKey = st.root
	}
	conn, err := st.Connect(ctx, b.Servers(), time.Second)
	if err != nil {
		return nil, &ExitError{Code: ExitNoZookeeper, Err: fmt.Errorf("Could not connect to zookeeper at '%s': %w\nCheck the ENVIRONMENT and FILES section of \"mn-conf --help\" for details", b.ZookeeperHosts, err)}
	}
	st.conn = conn
	logger := st.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := Open(ctx, conn, b.RootKey, WithLogger(logger), WithLookupEnv(env))
	if err != nil {
		return nil, failed(err)
	}
	st.store = s
	return s, nil
}

func failed(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, storage.ErrConnectionLoss) {
		return &ExitError{Code: ExitNoZookeeper, Err: fmt.Errorf("Could not connect to zookeeper: %w", err)}
	}
	if errors.Is(err, ErrHostID) {
		return &ExitError{Code: ExitNoHostID, Err: fmt.Errorf("Failed: %w\nPlease retry as root.", err)}
	}
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf("Failed: %w", err)}
}

func (st *cliState) hostID(value string) (uuid.UUID, error) {
	if value == "" || value == "local" {
		// --host-id-file replaces the primary file only, as the reference's
		// midonet.host_id_filepath property does.
		primary, legacy := st.HostIDFile, st.LegacyHostIDFile
		if primary == "" {
			primary = HostIDFile
		}
		if legacy == "" {
			legacy = LegacyHostIDFile
		}
		id, err := LocalHostID(primary, legacy)
		if err != nil {
			return uuid.Nil, failed(err)
		}
		return id, nil
	}
	id, err := uuid.Parse(value)
	if err != nil {
		return uuid.Nil, failed(fmt.Errorf("invalid host id %q: %w", value, err))
	}
	return id, nil
}

type queryFlags struct {
	host, template           string
	hostOnly, schema, asJSON bool
	comments                 bool
}

func (q *queryFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&q.host, "host", "h", "local", "host id whose view is built (a UUID or 'local')")
	f.StringVarP(&q.template, "template", "t", "", "view of this template (over 'default'); host settings and schemas ignored")
	f.BoolVarP(&q.hostOnly, "host-only", "H", false, "only the host's own settings")
	f.BoolVarP(&q.schema, "schema", "s", false, "only the schemas stored in ZooKeeper")
	f.BoolVarP(&q.asJSON, "json", "j", false, "render JSON instead of HOCON")
	f.BoolVarP(&q.comments, "comments", "c", false, "precede each key with a comment naming where its value comes from (always with -s)")
	cmd.MarkFlagsMutuallyExclusive("template", "host-only")
	cmd.MarkFlagsMutuallyExclusive("template", "schema")
	cmd.MarkFlagsMutuallyExclusive("host-only", "schema")
}

// json and origins are the reference's render options: a schema-only
// query is always HOCON with origin comments.
func (q *queryFlags) json() bool    { return q.asJSON && !q.schema }
func (q *queryFlags) origins() bool { return q.comments || q.schema }

func (st *cliState) view(cmd *cobra.Command, q *queryFlags) (*Config, error) {
	ctx := cmd.Context()
	s, err := st.open(ctx)
	if err != nil {
		return nil, err
	}
	query := Query{Template: q.template, HostOnly: q.hostOnly, SchemaOnly: q.schema}
	if q.template == "" && !q.schema {
		if query.Host, err = st.hostID(q.host); err != nil {
			return nil, err
		}
	}
	cfg, err := s.View(ctx, query)
	if err != nil {
		return nil, failed(err)
	}
	return cfg, nil
}

func (st *cliState) dumpCmd() *cobra.Command {
	q := &queryFlags{}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Print the merged configuration (host view by default; schema documentation keys removed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := st.view(cmd, q)
			if err != nil {
				return err
			}
			// The reference drops the documentation keys from every dump,
			// the schema-only one included.
			shown := &Config{tree: DropDocKeys(cfg.Tree()), layers: cfg.layers}
			// The reference prints the rendering, then an empty line.
			_, err = io.WriteString(cmd.OutOrStdout(), shown.RenderComments(q.json(), q.origins())+"\n")
			return err
		},
	}
	q.register(cmd)
	return cmd
}

func (st *cliState) getCmd() *cobra.Command {
	q := &queryFlags{}
	var raw bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print one key of the merged configuration as 'KEY = value' (exit 11 when missing)",
		Long: `get prints one key of the merged configuration (same layers as dump) as
"KEY = value", the value rendered as HOCON (-j: JSON). A missing key prints
nothing and exits 11. -r/--raw (not in MidoNet's tool) prints only the value,
strings unquoted, for scripts: PORT=$(mn-conf get -r -t default cluster.rest_api.http_port)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.view(cmd, q)
			if err != nil {
				return err
			}
			out, ok := cfg.RenderKey(args[0], q.json(), q.origins())
			if !ok { // typesafe-config: a null is missing too
				return &ExitError{Code: ExitNoSuchKey}
			}
			if raw {
				out, _ = cfg.Get(args[0])
				out += "\n"
			}
			_, err = io.WriteString(cmd.OutOrStdout(), out)
			return err
		},
	}
	q.register(cmd)
	cmd.Flags().BoolVarP(&raw, "raw", "r", false, "print only the value (strings unquoted)")
	return cmd
}

type targetFlags struct{ host, template string }

func (t *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&t.host, "host", "h", "local", "host whose per-node settings are written (a UUID or 'local')")
	cmd.Flags().StringVarP(&t.template, "template", "t", "", "template to write instead of a host")
	cmd.MarkFlagsMutuallyExclusive("host", "template")
}

func (st *cliState) target(t *targetFlags) (Source, error) {
	if t.template != "" {
		if strings.Contains(t.template, "/") {
			return Source{}, failed(fmt.Errorf("invalid template name %q", t.template))
		}
		return TemplateSource(t.template), nil
	}
	id, err := st.hostID(t.host)
	if err != nil {
		return Source{}, err
	}
	return NodeSource(id), nil
}

const targetNote = `
Without -t, the LOCAL HOST's per-node settings are written, not the default
template (as MidoNet's mn-conf does); use "-t default" for all hosts.`

func (st *cliState) setCmd() *cobra.Command {
	t := &targetFlags{}
	var clear bool
	cmd := &cobra.Command{
		Use:   "set [CONFIG...]",
		Short: "Write HOCON settings (from the arguments, else from stdin) into a template or host",
		Long: `set parses its arguments (joined by spaces) as HOCON, or all of stdin when
there are none, validates the values against the schemas, and merges them over
the target's settings (-c: replaces them). Values of the wrong type are
rejected and nothing is written; keys unknown to the schema are written with a
notice. Several keys on the command line must be separated by commas or
newlines.
` + targetNote + `

Example: echo "cluster.rest_api.http_port = 18181" | mn-conf set -t default`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			text := strings.Join(args, " ")
			if len(args) == 0 {
				data, err := io.ReadAll(cmd.InOrStdin())
				if err != nil {
					return failed(fmt.Errorf("reading stdin: %w", err))
				}
				text = string(data)
			}
			tree, err := Parse(text)
			if err != nil {
				return failed(err)
			}
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			src, err := st.target(t)
			if err != nil {
				return err
			}
			res, err := s.SetTree(ctx, src, tree, clear)
			if err != nil {
				return failed(err)
			}
			for _, k := range res.Unverified {
				fmt.Fprintf(cmd.OutOrStdout(), "Installing config key that was not found in the schema: %s\n", k)
			}
			return nil
		},
	}
	t.register(cmd)
	cmd.Flags().BoolVarP(&clear, "clear", "c", false, "replace the target's settings instead of merging")
	return cmd
}

func (st *cliState) unsetCmd() *cobra.Command {
	t := &targetFlags{}
	cmd := &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a key (or a whole object) from a template or host; succeeds when absent",
		Long:  "unset removes KEY from the target's own settings only." + targetNote,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			src, err := st.target(t)
			if err != nil {
				return err
			}
			if err := s.Unset(ctx, src, args[0]); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	t.register(cmd)
	return cmd
}

func (st *cliState) templateGetCmd() *cobra.Command {
	var host string
	var all bool
	cmd := &cobra.Command{
		Use:   "template-get",
		Short: "Print template mappings as '<host>  <template>' (-a all, else the host's)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			m, err := s.TemplateMappings(ctx)
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			if all {
				for _, h := range sortedStringKeys(m) {
					fmt.Fprintf(out, "%s  %s\n", h, m[h])
				}
				return nil
			}
			id, err := st.hostID(host)
			if err != nil {
				return err
			}
			if t, ok := m[id.String()]; ok {
				fmt.Fprintf(out, "%s  %s\n", id, t)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&host, "host", "h", "local", "host id (a UUID or 'local')")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "all mappings")
	cmd.MarkFlagsMutuallyExclusive("host", "all")
	return cmd
}

func (st *cliState) templateSetCmd() *cobra.Command {
	var host, template string
	cmd := &cobra.Command{
		Use:   "template-set -t TEMPLATE [-h HOST]",
		Short: "Map a host (default: the local host) to a template; the template need not exist yet",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			id, err := st.hostID(host)
			if err != nil {
				return err
			}
			if err := s.SetTemplateMapping(ctx, id, template); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&host, "host", "h", "local", "host id (a UUID or 'local')")
	cmd.Flags().StringVarP(&template, "template", "t", "", "template name")
	_ = cmd.MarkFlagRequired("template")
	return cmd
}

func (st *cliState) templateClearCmd() *cobra.Command {
	var host string
	cmd := &cobra.Command{
		Use:   "template-clear [-h HOST]",
		Short: "Remove a host's template mapping (it then uses 'default' only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			id, err := st.hostID(host)
			if err != nil {
				return err
			}
			if err := s.ClearTemplateMapping(ctx, id); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&host, "host", "h", "local", "host id (a UUID or 'local')")
	return cmd
}

func (st *cliState) templateListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "template-list",
		Short: "List stored templates, each followed by the hosts mapped to it (indented)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			names, err := s.Templates(ctx)
			if err != nil {
				return failed(err)
			}
			m, err := s.TemplateMappings(ctx)
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			for _, n := range names {
				fmt.Fprintln(out, n)
				for _, h := range sortedStringKeys(m) {
					if m[h] == n {
						fmt.Fprintf(out, "    %s\n", h)
					}
				}
			}
			return nil
		},
	}
}

func (st *cliState) hostsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "hosts",
		Short: "List hosts with settings or a template mapping, and the layers each one uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			nodes, err := s.Nodes(ctx)
			if err != nil {
				return failed(err)
			}
			m, err := s.TemplateMappings(ctx)
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			layers := func(h string) string {
				if t, ok := m[h]; ok && t != DefaultTemplate {
					return "template(" + t + ") : template(default) : schema"
				}
				return "template(default) : schema"
			}
			seen := map[string]bool{}
			for _, h := range nodes {
				seen[h] = true
				fmt.Fprintf(out, "%s -> custom : %s\n", h, layers(h))
			}
			// Mapped hosts without settings of their own: the reference
			// names the template even when it is "default".
			for _, h := range sortedStringKeys(m) {
				if !seen[h] {
					fmt.Fprintf(out, "%s -> template(%s) : template(default) : schema\n", h, m[h])
				}
			}
			return nil
		},
	}
}

func (st *cliState) importCmd() *cobra.Command {
	t := &targetFlags{}
	var file string
	var all bool
	cmd := &cobra.Command{
		Use:   "import -f FILE",
		Short: "Import a legacy INI file (midolman.conf) into a template or host",
		Long: `import translates a legacy INI file (sections become "agent.<section>", except
zookeeper and cassandra) and merges it into the target. Without -a only values
that differ from the schema defaults are imported. Values are not validated.` + targetNote,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := os.Stat(file); err != nil {
				return failed(fmt.Errorf("reading %s: %w", file, err))
			}
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			tree, err := ReadLegacyINI(file)
			if err != nil {
				return failed(err)
			}
			if !all {
				schema, err := s.ZKSchema(ctx)
				if err != nil {
					return failed(err)
				}
				kept := map[string]any{}
				Leaves(tree, func(k string, v any) {
					if d, ok := Lookup(schema, k); !ok || leafText(d) != leafText(v) {
						setPath(kept, SplitPath(k), v)
					}
				})
				tree = kept
			}
			src, err := st.target(t)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Importing legacy configuration:\n%s\n", RenderJSON(tree))
			if err := s.modify(ctx, src, func(cur map[string]any) (map[string]any, error) { return Merge(tree, cur), nil }); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	t.register(cmd)
	cmd.Flags().StringVarP(&file, "file", "f", "", "legacy INI file")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "import every key, also those equal to the schema defaults")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (st *cliState) docCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doc [KEY]",
		Short: "Print the schema documentation of KEY (every key under it), or of all keys",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			cfg, err := s.View(ctx, Query{SchemaOnly: true})
			if err != nil {
				return failed(err)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), Doc(cfg.Tree(), strings.Join(args, "")))
			return err
		},
	}
}

// Doc renders the documentation of key in a resolved schema tree: for a
// leaf its type, default and description; for an object every documented
// leaf below it; for "" every leaf. Unknown keys print only "Key: <key>".
func Doc(schema map[string]any, key string) string {
	var b strings.Builder
	one := func(k string, v any) {
		fmt.Fprintf(&b, "Key: %s\n", k)
		if t, ok := Lookup(schema, k+"_type"); ok {
			fmt.Fprintf(&b, "Type: %s\n", leafText(t))
		}
		fmt.Fprintf(&b, "Default value: %s\n", leafText(v))
		if d, ok := Lookup(schema, k+"_description"); ok {
			fmt.Fprintf(&b, "Documentation: %s\n", strings.Join(strings.Fields(leafText(d)), " "))
		}
	}
	v, ok := schema, true
	var node any = v
	if key != "" {
		node, ok = Lookup(schema, key)
	}
	if !ok {
		fmt.Fprintf(&b, "Key: %s\n", key)
		return b.String()
	}
	sub, isObj := node.(map[string]any)
	if !isObj {
		one(key, node)
		return b.String()
	}
	// Several keys: each followed by a blank line, a rule and a blank line,
	// as the reference prints the documentation of every key.
	Leaves(DropDocKeys(sub), func(rel string, v any) {
		if rel == "schemaVersion" || strings.HasSuffix(rel, ".schemaVersion") {
			return
		}
		k := rel
		if key != "" {
			k = key + "." + rel
		}
		one(k, v)
		b.WriteString("\n----------------------\n\n")
	})
	return b.String()
}

func (st *cliState) deployCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "deploy",
		Short: "Write the schemas shipped in this binary to ZooKeeper when newer (and then the bundled templates)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := st.open(ctx)
			if err != nil {
				return err
			}
			res, err := s.Deploy(ctx)
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			if len(res.Schemas) == 0 {
				fmt.Fprintln(out, "Deployed schema is up to date, nothing to do")
				return nil
			}
			fmt.Fprintln(out, "Deployed schema")
			for _, t := range res.Templates {
				// The reference's line ends with a space.
				fmt.Fprintf(out, "Deployed configuration template: %s \n", t)
			}
			return nil
		},
	}
}

func (st *cliState) dumpBundledCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dump-bundled-config",
		Short: "Print the schemas and templates shipped in this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			schemas, err := BundledSchemas()
			if err != nil {
				return failed(err)
			}
			merged := map[string]any{}
			for _, t := range schemas {
				merged = Merge(t, merged)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Found a bundled schema:\n%s\n", RenderJSON(merged))
			templates, err := BundledTemplates()
			if err != nil {
				return failed(err)
			}
			for _, n := range sortedKeys(anyMap(templates)) {
				fmt.Fprintf(out, "Found a bundled template [%s]:\n%s\n", n, RenderJSON(templates[n]))
			}
			return nil
		},
	}
}

func anyMap(m map[string]map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedStringKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
