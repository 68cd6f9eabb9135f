package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/midonet/midonet-go/internal/jvmconf"
	"github.com/midonet/midonet-go/mnconf"
)

// Sources are where Build reads a node's configuration; zero fields are
// skipped. StandardSources gives an installed node's.
type Sources struct {
	// ConfFile is the INI file named on the command line (the reference's
	// argument): it must exist, and it is also the highest layer of the
	// runtime configuration read from mn-conf.
	ConfFile string
	// ConfFiles are INI files searched for [zookeeper] settings, highest
	// precedence first; missing ones are skipped.
	ConfFiles []string
	// EnvFile is midonet-cluster-env.sh, whose JVM_OPTS -D properties give
	// the key store (and may give zookeeper.*); a missing file is skipped.
	EnvFile string
	// Getenv reads the process environment (MIDO_ZOOKEEPER_HOSTS ...).
	Getenv func(string) string
	// Flags are settings by key given on the command line
	// (zookeeper.zookeeper_hosts, midonet.keystore_path,
	// cluster.rest_api.http_port ...): the highest precedence.
	Flags map[string]string
	// MemoryLimit is the soft memory limit given on the command line
	// (ParseMemoryLimit's syntax); "" for none.
	MemoryLimit string
}

// StandardSources are the reference's: confFile (may be ""), then
// ~/.midonetrc, /etc/midonet/midonet.conf and /etc/midolman/midolman.conf,
// /etc/midonet-cluster/midonet-cluster-env.sh and the process environment.
func StandardSources(confFile string) Sources {
	var files []string
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".midonetrc"))
	}
	files = append(files, DefaultConfFile, LegacyAgentConfFile)
	return Sources{ConfFile: confFile, ConfFiles: files, EnvFile: DefaultEnvFile, Getenv: os.Getenv}
}

// Build is the one place that orders a node's configuration sources. Each
// setting takes its value from the highest source that has it; lowest first:
//
//  1. DefaultConfig;
//  2. the bundled schemas' defaults, then mn-conf's layers (default
//     template, mapped template, per-node, ConfFile as legacy INI): the
//     cluster.* settings, which Run reads once connected (RuntimeConfig);
//  3. the JVM_OPTS -D properties of EnvFile (midonet.keystore_*);
//  4. the INI files' [zookeeper] section, ConfFiles lowest first, then ConfFile;
//  5. the environment: MIDO_ZOOKEEPER_HOSTS, MIDO_ZOOKEEPER_ROOT_KEY,
//     MIDO_ZOOKEEPER_SESSION_TIMEOUT, MIDONET_KEYSTORE_PATH,
//     MIDONET_KEYSTORE_PASSWORD;
//  6. Flags, kept as Config.Overrides so that Run applies them over mn-conf too.
//
// Sources 3-5 give only the settings a node needs before it connects
// (zookeeper.*, midonet.keystore_*), mn-conf only cluster.*, so the order
// between the two groups is never in question.
//
// The node's soft memory limit (Config.MemoryLimit), highest first:
// GOMEMLIMIT in the environment (which the Go runtime applied before the node
// started: MemoryLimit stays 0), MemoryLimit (--memory-limit), the env file's
// maximum JVM heap (its last JVM_OPTS -Xmx, else MAX_HEAP_SIZE; one that is
// not a size is logged and passed over), DefaultMemoryLimit.
func Build(src Sources) (Config, error) {
	cfg := DefaultConfig()
	var layers []source
	var jvm jvmconf.JVMOptions
	if src.EnvFile != "" {
		opts, err := jvmconf.ReadJVMOptions(src.EnvFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return cfg, err
		}
		layers = append(layers, source{src.EnvFile, bootstrapStage, lookup(opts.Properties)})
		cfg.jvmOnly, jvm = opts.Other, opts
	}
	var err error
	if cfg.MemoryLimit, cfg.memoryLimitFrom, cfg.memoryLimitWarning, err = memoryLimit(src, jvm); err != nil {
		return cfg, err
	}
	files := slices.Clone(src.ConfFiles)
	if src.ConfFile != "" {
		files = append([]string{src.ConfFile}, files...)
	}
	for _, f := range slices.Backward(files) {
		ini, err := jvmconf.ReadINI(f)
		if errors.Is(err, os.ErrNotExist) && f != src.ConfFile {
			continue
		}
		if errors.Is(err, jvmconf.ErrSyntax) {
			return cfg, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		if err != nil {
			return cfg, err
		}
		layers = append(layers, source{f, bootstrapStage, lookup(ini)})
	}
	if src.Getenv != nil {
		layers = append(layers, source{"environment", bootstrapStage, func(key string) (string, bool) {
			v := src.Getenv(environmentNames[key])
			return v, environmentNames[key] != "" && v != ""
		}})
	}
	cfg.ConfFile = src.ConfFile
	if len(src.Flags) > 0 {
		cfg.Overrides = src.Flags
	}
	layers = append(layers, cfg.overrides())
	if err := cfg.apply(layers...); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// environmentNames are the variables that set a bootstrap setting.
var environmentNames = map[string]string{
	"zookeeper.zookeeper_hosts": "MIDO_ZOOKEEPER_HOSTS",
	"zookeeper.root_key":        "MIDO_ZOOKEEPER_ROOT_KEY",
	"zookeeper.session_timeout": "MIDO_ZOOKEEPER_SESSION_TIMEOUT",
	"midonet.keystore_path":     "MIDONET_KEYSTORE_PATH",
	"midonet.keystore_password": "MIDONET_KEYSTORE_PASSWORD",
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// stage says when a setting is known: before connecting (bootstrap: files,
// environment) or from mn-conf once connected (runtime).
type stage int

const (
	bootstrapStage stage = 1 << iota
	runtimeStage
	anyStage = bootstrapStage | runtimeStage
)

// source is one layer of configuration: its name (for errors), which
// settings it may give, and how to look one up by key.
type source struct {
	name   string
	stages stage
	get    func(key string) (string, bool)
}

// overrides is the command line's layer: any setting; unknown keys are
// rejected by apply.
func (c *Config) overrides() source {
	return source{"command line", anyStage, lookup(c.Overrides)}
}

// runtimeSource is mn-conf's view of the node.
func runtimeSource(view *mnconf.Config) source {
	return source{"runtime configuration (mn-conf)", runtimeStage, view.Get}
}

// apply sets c's fields from layers, lowest precedence first, and
// normalizes the root key. A command-line key that names no setting is an
// error: a typo would otherwise be silently ignored.
func (c *Config) apply(layers ...source) error {
	var errs []error
	for _, l := range layers {
		for _, s := range settings {
			if l.stages&s.stage == 0 {
				continue
			}
			if v, ok := l.get(s.key); ok {
				if err := s.set(c, v); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", l.name, err))
				}
			}
		}
	}
	for k := range c.Overrides {
		if !slices.ContainsFunc(settings, func(s setting) bool { return s.key == k }) && !isServiceKey(k) {
			errs = append(errs, fmt.Errorf("%w: %s is not a setting the node reads (known: %s)", ErrBadConfig, k,
				strings.Join(settingKeys(), ", ")))
		}
	}
	c.RootKey = jvmconf.NormalizeRootKey(c.RootKey)
	return errors.Join(errs...)
}

// setting maps one configuration key onto a Config field.
type setting struct {
	key    string
	stage  stage
	set    func(c *Config, v string) error
	render func(c *Config) string
}

func settingKeys() []string {
	keys := make([]string, len(settings))
	for i, s := range settings {
		keys[i] = s.key
	}
	return keys
}

// typedSetting reads a value (unquoted) with parse into the field, and
// renders it back with format.
func typedSetting[T any](st stage, key string, parse func(string) (T, error), format func(T) string, field func(*Config) *T) setting {
	return setting{key, st, func(c *Config, v string) error {
		x, err := parse(unquote(v))
		if err != nil {
			return fmt.Errorf("%s: %w: %w", key, ErrBadConfig, err)
		}
		*field(c) = x
		return nil
	}, func(c *Config) string { return format(*field(c)) }}
}

func boolSetting(key string, field func(*Config) *bool) setting {
	return typedSetting(runtimeStage, key, strconv.ParseBool, strconv.FormatBool, field)
}

func intSetting(key string, field func(*Config) *int) setting {
	return typedSetting(runtimeStage, key, strconv.Atoi, strconv.Itoa, field)
}

func stringSetting(st stage, key string, field func(*Config) *string) setting {
	return typedSetting(st, key, func(s string) (string, error) { return s, nil }, func(s string) string { return s }, field)
}

// durationSetting reads durations as mn-conf does (a bare number is
// milliseconds, as the reference reads [zookeeper] session_timeout too).
func durationSetting(st stage, key string, field func(*Config) *time.Duration) setting {
	return typedSetting(st, key, func(s string) (time.Duration, error) { return mnconf.ParseDuration(s) },
		time.Duration.String, field)
}

// unquote strips the quotes mn-conf renders string values with.
func unquote(v string) string { return strings.Trim(strings.TrimSpace(v), `"`) }

// settings are every key the node itself consumes.
var settings = []setting{
	stringSetting(bootstrapStage, "zookeeper.zookeeper_hosts", func(c *Config) *string { return &c.ZooKeeperHosts }),
	stringSetting(bootstrapStage, "zookeeper.root_key", func(c *Config) *string { return &c.RootKey }),
	durationSetting(bootstrapStage, "zookeeper.session_timeout", func(c *Config) *time.Duration { return &c.ZooKeeperSessionTimeout }),
	stringSetting(bootstrapStage, "midonet.keystore_path", func(c *Config) *string { return &c.KeystorePath }),
	{"midonet.keystore_password", bootstrapStage, func(c *Config, v string) error {
		c.KeystorePassword, c.KeystorePasswordSet = v, true
		return nil
	}, func(c *Config) string { return "(secret)" }},

	boolSetting("cluster.rest_api.enabled", func(c *Config) *bool { return &c.RestAPI.Enabled }),
	stringSetting(runtimeStage, "cluster.rest_api.http_host", func(c *Config) *string { return &c.RestAPI.HTTPHost }),
	intSetting("cluster.rest_api.http_port", func(c *Config) *int { return &c.RestAPI.HTTPPort }),
	stringSetting(runtimeStage, "cluster.rest_api.https_host", func(c *Config) *string { return &c.RestAPI.HTTPSHost }),
	intSetting("cluster.rest_api.https_port", func(c *Config) *int { return &c.RestAPI.HTTPSPort }),
	stringSetting(runtimeStage, "cluster.rest_api.root_uri", func(c *Config) *string { return &c.RestAPI.RootURI }),
	durationSetting(runtimeStage, "cluster.rest_api.request_timeout", func(c *Config) *time.Duration { return &c.RestAPI.RequestTimeout }),
	durationSetting(runtimeStage, "cluster.rest_api.http_idle_timeout", func(c *Config) *time.Duration { return &c.RestAPI.HTTPIdleTimeout }),
	durationSetting(runtimeStage, "cluster.rest_api.https_idle_timeout", func(c *Config) *time.Duration { return &c.RestAPI.HTTPSIdleTimeout }),
	durationSetting(runtimeStage, "cluster.rest_api.read_header_timeout", func(c *Config) *time.Duration { return &c.RestAPI.ReadHeaderTimeout }),
	durationSetting(runtimeStage, "cluster.rest_api.read_timeout", func(c *Config) *time.Duration { return &c.RestAPI.ReadTimeout }),
	durationSetting(runtimeStage, "cluster.rest_api.write_timeout", func(c *Config) *time.Duration { return &c.RestAPI.WriteTimeout }),
	intSetting("cluster.rest_api.max_connections", func(c *Config) *int { return &c.RestAPI.MaxConnections }),
	intSetting("cluster.rest_api.max_body_size", func(c *Config) *int { return &c.RestAPI.MaxBodySize }),
	intSetting("cluster.rest_api.max_string_size", func(c *Config) *int { return &c.RestAPI.MaxStringSize }),
	boolSetting("cluster.heartbeat.enabled", func(c *Config) *bool { return &c.Heartbeat.Enabled }),
	durationSetting(runtimeStage, "cluster.heartbeat.period", func(c *Config) *time.Duration { return &c.Heartbeat.Period }),
	boolSetting("cluster.vxgw.enabled", func(c *Config) *bool { return &c.VXGW.Enabled }),
	intSetting("cluster.translators.nat.dynamic_port_start", func(c *Config) *int {
		return &c.Translators.DynamicNatPortStart
	}),
	intSetting("cluster.translators.nat.dynamic_port_end", func(c *Config) *int { return &c.Translators.DynamicNatPortEnd }),
}
