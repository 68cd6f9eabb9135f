package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Well-known locations of an installed JVM cluster; a Go node reads the same
// files so that an existing deployment works unchanged.
const (
	DefaultConfFile     = "/etc/midonet/midonet.conf"
	LegacyAgentConfFile = "/etc/midolman/midolman.conf"
	DefaultEnvFile      = "/etc/midonet-cluster/midonet-cluster-env.sh"
	DefaultHostIDFile   = "/etc/midonet_host_id.properties"
	LegacyHostIDFile    = "/etc/midolman/host_uuid.properties"
	DefaultKeystorePath = "/etc/midonet-cluster/ssl/midonet.jks"
	DefaultRootKey      = "/midonet"
)

// Config is everything a Node needs. Build it with DefaultConfig, then
// Bootstrap (where ZooKeeper and the key store are), then set
// RuntimeConfig so that Run reads the cluster.* settings from mn-conf once
// connected, with Overrides (command-line keys) applied last; without
// RuntimeConfig the fields are used as set (ApplyKeys maps keys onto them).
// UseStandardBackends fills the store, election and API hooks.
type Config struct {
	// NodeID identifies this cluster node (the host id of the reference).
	NodeID uuid.UUID

	// ZooKeeperHosts is a connect string ("h1:2181,h2:2181"); empty means
	// the in-memory store, whose data is lost at exit.
	ZooKeeperHosts string
	// RootKey is the root of MidoNet's tree in ZooKeeper.
	RootKey string
	// ZooKeeperSessionTimeout is the session timeout the node asks for
	// ([zookeeper] session_timeout, bare numbers in ms as the reference
	// reads them); 0 uses the zk package's default (30 s). It bounds how long a
	// crashed node's registration and leader latches outlive it.
	ZooKeeperSessionTimeout time.Duration

	RestAPI   RestAPIConfig
	Heartbeat HeartbeatConfig
	VXGW      ServiceSwitch

	// KeystorePath and KeystorePassword are the JVM's midonet.keystore_path
	// and midonet.keystore_password; the password has no default, and an
	// unset password disables HTTPS.
	KeystorePath        string
	KeystorePassword    string
	KeystorePasswordSet bool

	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration

	// ConfFile is the INI file named on the command line (the reference's
	// argv[0]); besides bootstrap it is the highest layer of the runtime
	// configuration read from mn-conf. "" for none.
	ConfFile string
	// RuntimeConfig makes Run read every cluster.* setting (ApplyKeys) from
	// the node's mn-conf view (per-node, mapped template, default template,
	// schemas) once connected, as the reference does, and follow
	// cluster.loggers.root while running. Without it the fields are used as
	// they are.
	RuntimeConfig bool
	// Overrides are mn-conf keys set on the command line; they win over
	// mn-conf (applied after it, with ApplyKeys).
	Overrides map[string]string
	// LogLevel, when set, is the level of Logger's handler; the node moves
	// it as cluster.loggers.root changes in mn-conf (the one setting the
	// reference reloads live).
	LogLevel *slog.LevelVar

	Logger *slog.Logger

	// OpenStore connects to the storage backend named by ZooKeeperHosts
	// ("" = in-memory). Required.
	OpenStore func(ctx context.Context, hosts string) (StoreConn, error)
	// APIHandler builds the REST API served under RestAPI.RootURI. When nil
	// the node serves only its operability endpoints.
	APIHandler func(ctx context.Context, env *Env) (http.Handler, error)
	// Elect gives the leader election singleton services run under, over
	// the node's store connection, for elections whose nodes are children
	// of root (storage.Election{Conn: env.Store, Root: root}). When nil,
	// singleton services are not started (and the node logs why).
	Elect func(env *Env, root string) Elector
	// Services are extra services, started after the built-in ones.
	Services []Service
}

// RestAPIConfig is cluster.rest_api.*.
type RestAPIConfig struct {
	Enabled   bool
	HTTPHost  string
	HTTPPort  int
	HTTPSHost string
	HTTPSPort int
	RootURI   string
	// RequestTimeout bounds each request's storage work.
	RequestTimeout time.Duration
	// HTTPIdleTimeout and HTTPSIdleTimeout close idle keep-alive
	// connections.
	HTTPIdleTimeout  time.Duration
	HTTPSIdleTimeout time.Duration
}

// HeartbeatConfig is cluster.heartbeat.*.
type HeartbeatConfig struct {
	Enabled bool
	Period  time.Duration
}

// ServiceSwitch is a cluster.<svc>.enabled key.
type ServiceSwitch struct{ Enabled bool }

// DefaultConfig has the reference schema's defaults (cluster.conf), except
// that ZooKeeper is unset: the node runs in-memory unless told otherwise.
func DefaultConfig() Config {
	return Config{
		RootKey: DefaultRootKey,
		RestAPI: RestAPIConfig{Enabled: true, HTTPHost: "0.0.0.0", HTTPPort: 8181,
			HTTPSHost: "0.0.0.0", HTTPSPort: 8443, RootURI: "/midonet-api",
			RequestTimeout: 30 * time.Second, HTTPIdleTimeout: 30 * time.Second, HTTPSIdleTimeout: 600 * time.Second},
		Heartbeat:       HeartbeatConfig{Enabled: false, Period: time.Second},
		VXGW:            ServiceSwitch{Enabled: true},
		KeystorePath:    DefaultKeystorePath,
		ShutdownTimeout: 30 * time.Second,
	}
}

// ErrBadConfig wraps every configuration error.
var ErrBadConfig = errors.New("bad configuration")

// BootstrapSources says where Bootstrap looks; empty fields mean "skip".
type BootstrapSources struct {
	// ConfFiles are INI files, highest precedence first (the reference:
	// explicit file, ~/.midonetrc, /etc/midonet/midonet.conf,
	// /etc/midolman/midolman.conf). Missing files are skipped.
	ConfFiles []string
	// EnvFile is midonet-cluster-env.sh, whose JVM_OPTS -D entries give the
	// keystore path and password. Missing file is skipped.
	EnvFile string
	// Getenv reads the process environment (os.Getenv in production).
	Getenv func(string) string
	// Required is a file of ConfFiles that must be readable: the one
	// named on the command line (the reference exits when it is not).
	Required string
}

// DefaultBootstrapSources are the reference's locations.
func DefaultBootstrapSources(explicitFile string) BootstrapSources {
	var files []string
	if explicitFile != "" {
		files = append(files, explicitFile)
	}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".midonetrc"))
	}
	files = append(files, DefaultConfFile, LegacyAgentConfFile)
	return BootstrapSources{ConfFiles: files, EnvFile: DefaultEnvFile, Getenv: os.Getenv, Required: explicitFile}
}

// Bootstrap fills the ZooKeeper location and the keystore settings from the
// JVM cluster's files and environment. Precedence, lowest first: JVM_OPTS in
// the env file, INI files (lowest-listed first), environment variables
// (MIDO_ZOOKEEPER_HOSTS, MIDO_ZOOKEEPER_ROOT_KEY, MIDONET_KEYSTORE_PATH,
// MIDONET_KEYSTORE_PASSWORD).
func (c *Config) Bootstrap(src BootstrapSources) error {
	if src.EnvFile != "" {
		props, err := ReadJVMProperties(src.EnvFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := c.applyProps(props); err != nil {
			return fmt.Errorf("%s: %w", src.EnvFile, err)
		}
	}
	for i := len(src.ConfFiles) - 1; i >= 0; i-- {
		ini, err := ReadINI(src.ConfFiles[i])
		if errors.Is(err, os.ErrNotExist) && src.ConfFiles[i] != src.Required {
			continue
		}
		if err != nil {
			return err
		}
		if v, ok := ini["zookeeper.zookeeper_hosts"]; ok {
			c.ZooKeeperHosts = v
		}
		if v, ok := ini["zookeeper.root_key"]; ok {
			c.RootKey = v
		}
		if v, ok := ini["zookeeper.session_timeout"]; ok {
			if err := c.applyProps(map[string]string{"zookeeper.session_timeout": v}); err != nil {
				return fmt.Errorf("%s: %w", src.ConfFiles[i], err)
			}
		}
	}
	if src.Getenv != nil {
		props := map[string]string{}
		for env, prop := range map[string]string{
			"MIDO_ZOOKEEPER_HOSTS":           "zookeeper.zookeeper_hosts",
			"MIDO_ZOOKEEPER_ROOT_KEY":        "zookeeper.root_key",
			"MIDO_ZOOKEEPER_SESSION_TIMEOUT": "zookeeper.session_timeout",
			"MIDONET_KEYSTORE_PATH":          "midonet.keystore_path",
			"MIDONET_KEYSTORE_PASSWORD":      "midonet.keystore_password",
		} {
			if v := src.Getenv(env); v != "" {
				props[prop] = v
			}
		}
		if err := c.applyProps(props); err != nil {
			return fmt.Errorf("environment: %w", err)
		}
	}
	c.RootKey = NormalizeRootKey(c.RootKey)
	return nil
}

func (c *Config) applyProps(props map[string]string) error {
	for k, v := range props {
		switch k {
		case "zookeeper.session_timeout":
			d, err := ParseDuration(v)
			if err != nil {
				return fmt.Errorf("zookeeper.session_timeout: %w", err)
			}
			c.ZooKeeperSessionTimeout = d
		case "zookeeper.zookeeper_hosts":
			c.ZooKeeperHosts = v
		case "zookeeper.root_key":
			c.RootKey = v
		case "midonet.keystore_path":
			c.KeystorePath = v
		case "midonet.keystore_password":
			c.KeystorePassword, c.KeystorePasswordSet = v, true
		}
	}
	return nil
}

// NormalizeRootKey applies the reference's rule: empty → /midonet, and the
// legacy /midonet/v1 is forced to /midonet.
func NormalizeRootKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), "/")
	if k == "" || k == "/midonet/v1" {
		return DefaultRootKey
	}
	if !strings.HasPrefix(k, "/") {
		k = "/" + k
	}
	return k
}

// ReadINI reads a MidoNet INI file into "section.key" → value.
func ReadINI(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%s:%d: %w: unterminated section %q", path, n, ErrBadConfig, line)
			}
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				k, v, ok = strings.Cut(line, ":")
			}
			if !ok {
				return nil, fmt.Errorf("%s:%d: %w: expected key = value, got %q", path, n, ErrBadConfig, line)
			}
			key := strings.TrimSpace(k)
			if section != "" {
				key = section + "." + key
			}
			out[key] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return out, nil
}

// ReadJVMProperties extracts -Dname=value entries from JVM_OPTS assignments
// in a shell env file such as midonet-cluster-env.sh. It understands the
// shell quoting such files use; it does not run the shell.
func ReadJVMProperties(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("env file: %w", err)
	}
	props := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "export ")
		rest, ok := strings.CutPrefix(line, "JVM_OPTS=")
		if !ok {
			continue
		}
		// The assignment is one shell word; the start script expands
		// $JVM_OPTS unquoted, so the JVM gets it split on white space, with
		// no further quote removal.
		words := shellWords(rest)
		if len(words) == 0 {
			continue
		}
		for _, w := range strings.Fields(words[0]) {
			if kv, ok := strings.CutPrefix(w, "-D"); ok {
				k, v, _ := strings.Cut(kv, "=")
				props[k] = v
			}
		}
	}
	return props, nil
}

// shellWords splits s into words with sh quoting rules for ' and ", stopping
// at an unquoted #.
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		in    bool
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '#' && !in:
			return words
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// configKey maps one mn-conf key onto a Config field.
type configKey struct {
	key    string
	set    func(c *Config, v string) error
	render func(c *Config) string
}

func boolKey(key string, field func(*Config) *bool) configKey {
	return configKey{key, func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.Trim(v, `"`))
		if err != nil {
			return fmt.Errorf("%s: %w: %w", key, ErrBadConfig, err)
		}
		*field(c) = b
		return nil
	}, func(c *Config) string { return strconv.FormatBool(*field(c)) }}
}

func intKey(key string, field func(*Config) *int) configKey {
	return configKey{key, func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.Trim(v, `"`))
		if err != nil {
			return fmt.Errorf("%s: %w: %w", key, ErrBadConfig, err)
		}
		*field(c) = n
		return nil
	}, func(c *Config) string { return strconv.Itoa(*field(c)) }}
}

func stringKey(key string, field func(*Config) *string) configKey {
	return configKey{key, func(c *Config, v string) error { *field(c) = strings.Trim(v, `"`); return nil },
		func(c *Config) string { return *field(c) }}
}

func durationKey(key string, field func(*Config) *time.Duration) configKey {
	return configKey{key, func(c *Config, v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*field(c) = d
		return nil
	}, func(c *Config) string { return field(c).String() }}
}

// runtimeKeys are the mn-conf keys the node itself consumes.
var runtimeKeys = []configKey{
	boolKey("cluster.rest_api.enabled", func(c *Config) *bool { return &c.RestAPI.Enabled }),
	stringKey("cluster.rest_api.http_host", func(c *Config) *string { return &c.RestAPI.HTTPHost }),
	intKey("cluster.rest_api.http_port", func(c *Config) *int { return &c.RestAPI.HTTPPort }),
	stringKey("cluster.rest_api.https_host", func(c *Config) *string { return &c.RestAPI.HTTPSHost }),
	intKey("cluster.rest_api.https_port", func(c *Config) *int { return &c.RestAPI.HTTPSPort }),
	stringKey("cluster.rest_api.root_uri", func(c *Config) *string { return &c.RestAPI.RootURI }),
	durationKey("cluster.rest_api.request_timeout", func(c *Config) *time.Duration { return &c.RestAPI.RequestTimeout }),
	durationKey("cluster.rest_api.http_idle_timeout", func(c *Config) *time.Duration { return &c.RestAPI.HTTPIdleTimeout }),
	durationKey("cluster.rest_api.https_idle_timeout", func(c *Config) *time.Duration { return &c.RestAPI.HTTPSIdleTimeout }),
	boolKey("cluster.heartbeat.enabled", func(c *Config) *bool { return &c.Heartbeat.Enabled }),
	durationKey("cluster.heartbeat.period", func(c *Config) *time.Duration { return &c.Heartbeat.Period }),
	boolKey("cluster.vxgw.enabled", func(c *Config) *bool { return &c.VXGW.Enabled }),
}

// RuntimeKeys lists the mn-conf keys ApplyKeys reads.
func RuntimeKeys() []string {
	keys := make([]string, len(runtimeKeys))
	for i, k := range runtimeKeys {
		keys[i] = k.key
	}
	return keys
}

// ApplyKeys sets the fields named by mn-conf keys (cluster.rest_api.http_port
// ...) from get, which returns a key's rendered value and whether it is set.
// This is how a node's runtime config from ZooKeeper reaches the Config.
func (c *Config) ApplyKeys(get func(key string) (string, bool)) error {
	var errs []error
	for _, k := range runtimeKeys {
		if v, ok := get(k.key); ok {
			errs = append(errs, k.set(c, v))
		}
	}
	return errors.Join(errs...)
}

// ParseDuration reads a HOCON duration as typesafe-config does: a bare
// number is milliseconds; units ns, us, ms, s, m, h, d with long forms.
func ParseDuration(v string) (time.Duration, error) {
	s := strings.TrimSpace(strings.Trim(strings.TrimSpace(v), `"`))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: duration %q", ErrBadConfig, v)
	}
	units := []struct {
		names []string
		d     time.Duration
	}{
		{[]string{"", "ms", "milli", "millis", "millisecond", "milliseconds"}, time.Millisecond},
		{[]string{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}, time.Nanosecond},
		{[]string{"us", "micro", "micros", "microsecond", "microseconds"}, time.Microsecond},
		{[]string{"s", "second", "seconds"}, time.Second},
		{[]string{"m", "minute", "minutes"}, time.Minute},
		{[]string{"h", "hour", "hours"}, time.Hour},
		{[]string{"d", "day", "days"}, 24 * time.Hour},
	}
	for _, u := range units {
		for _, n := range u.names {
			if unit == n {
				return time.Duration(f * float64(u.d)), nil
			}
		}
	}
	return 0, fmt.Errorf("%w: duration %q: unknown unit %q", ErrBadConfig, v, unit)
}

// HostID returns the node id as the reference's HostIdGenerator does:
// host_uuid from path, else from the legacy agent file, else a new random
// id written to path. A write failure is an error (as in the reference).
func HostID(path string) (uuid.UUID, error) {
	if path == "" {
		path = DefaultHostIDFile
	}
	for _, p := range []string{path, LegacyHostIDFile} {
		if id, ok := readHostID(p); ok {
			return id, nil
		}
	}
	id := uuid.New()
	content := fmt.Sprintf("#MidoNet host id, generated by midonet-cluster\nhost_uuid=%s\n", id)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return uuid.Nil, fmt.Errorf("storing a new host id at %s: %w", path, err)
	}
	return id, nil
}

func readHostID(path string) (uuid.UUID, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return uuid.Nil, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if ok && strings.TrimSpace(k) == "host_uuid" {
			if id, err := uuid.Parse(strings.TrimSpace(v)); err == nil {
				return id, true
			}
		}
	}
	return uuid.Nil, false
}

// KeyValues collects repeated key=value command-line flags into
// Config.Overrides (it implements flag.Value).
type KeyValues map[string]string

func (kv KeyValues) String() string {
	var parts []string
	for k, v := range kv {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

// Set adds one key=value.
func (kv KeyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%w: %q: want key=value", ErrBadConfig, s)
	}
	kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	return nil
}
