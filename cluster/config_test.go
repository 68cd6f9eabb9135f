package cluster_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The shipped midonet-cluster-env.sh with the lines the docs tell operators
// to append for HTTPS.
const envFile = `#!/bin/bash
JVM_OPTS="$JVM_OPTS -XX:+UseG1GC"
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/commented/out.jks"
if [ "x$JMXDISABLE" = "x" ] ; then
    JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT"
fi
JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/etc/midonet-cluster/ssl/custom.jks"
JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_password=pa'ss'" # trailing comment
`

func TestBuildPrecedence(t *testing.T) {
	dir := t.TempDir()
	env := writeFile(t, dir, "midonet-cluster-env.sh", envFile)
	midonetConf := writeFile(t, dir, "midonet.conf", "# comment\n[zookeeper]\nzookeeper_hosts = 10.0.0.1:2181,10.0.0.2:2181\nroot_key = /midonet/v1\n")
	midolmanConf := writeFile(t, dir, "midolman.conf", "[zookeeper]\nzookeeper_hosts = legacy:2181\nroot_key=/legacy\n")
	explicit := writeFile(t, dir, "explicit.conf", "[zookeeper]\nroot_key : /explicit\n")

	cases := []struct {
		name                        string
		files                       []string
		environ                     map[string]string
		wantHosts, wantRoot, wantKS string
		wantPassword                string
	}{
		{name: "env file only", wantRoot: "/midonet",
			wantKS: "/etc/midonet-cluster/ssl/custom.jks", wantPassword: "pa'ss'"},
		{name: "midonet.conf over midolman.conf; /midonet/v1 forced to /midonet",
			files: []string{midonetConf, midolmanConf}, wantHosts: "10.0.0.1:2181,10.0.0.2:2181", wantRoot: "/midonet",
			wantKS: "/etc/midonet-cluster/ssl/custom.jks", wantPassword: "pa'ss'"},
		{name: "explicit file first", files: []string{explicit, midonetConf, midolmanConf},
			wantHosts: "10.0.0.1:2181,10.0.0.2:2181", wantRoot: "/explicit",
			wantKS: "/etc/midonet-cluster/ssl/custom.jks", wantPassword: "pa'ss'"},
		{name: "environment wins", files: []string{midonetConf},
			environ: map[string]string{"MIDO_ZOOKEEPER_HOSTS": "env:2181", "MIDO_ZOOKEEPER_ROOT_KEY": "envroot/",
				"MIDONET_KEYSTORE_PATH": "/env.jks", "MIDONET_KEYSTORE_PASSWORD": "envpw"},
			wantHosts: "env:2181", wantRoot: "/envroot", wantKS: "/env.jks", wantPassword: "envpw"},
		{name: "missing files skipped", files: []string{filepath.Join(dir, "none.conf")}, wantRoot: "/midonet",
			wantKS: "/etc/midonet-cluster/ssl/custom.jks", wantPassword: "pa'ss'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := cluster.Build(cluster.Sources{ConfFiles: tc.files, EnvFile: env,
				Getenv: func(k string) string { return tc.environ[k] }})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ZooKeeperHosts != tc.wantHosts || cfg.RootKey != tc.wantRoot || cfg.KeystorePath != tc.wantKS ||
				cfg.KeystorePassword != tc.wantPassword || !cfg.KeystorePasswordSet {
				t.Fatalf("got hosts %q root %q keystore %q password %q (set %v)", cfg.ZooKeeperHosts, cfg.RootKey,
					cfg.KeystorePath, cfg.KeystorePassword, cfg.KeystorePasswordSet)
			}
		})
	}
}

func TestBuildWithoutAnythingIsInMemoryWithoutHTTPSPassword(t *testing.T) {
	dir := t.TempDir()
	cfg, err := cluster.Build(cluster.Sources{ConfFiles: []string{filepath.Join(dir, "a")},
		EnvFile: filepath.Join(dir, "env.sh"), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ZooKeeperHosts != "" || cfg.KeystorePasswordSet || cfg.KeystorePath != cluster.DefaultKeystorePath ||
		cfg.RestAPI.HTTPPort != 8181 || cfg.RestAPI.HTTPSPort != 8443 {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestBuildRejectsBrokenINI(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"[zookeeper\nzookeeper_hosts=x\n", "[zookeeper]\njust words\n"} {
		p := writeFile(t, dir, "bad.conf", content)
		_, err := cluster.Build(cluster.Sources{ConfFiles: []string{p}})
		if !errors.Is(err, cluster.ErrBadConfig) || !strings.Contains(err.Error(), "bad.conf:") {
			t.Errorf("%q: err = %v, want ErrBadConfig naming the file and line", content, err)
		}
	}
}

// TestSettingKeys maps every cluster.* key onto its field, here given as
// command-line settings (mn-conf's view goes through the same table).
func TestSettingKeys(t *testing.T) {
	keys := map[string]string{
		"cluster.rest_api.enabled":                   "false",
		"cluster.rest_api.http_port":                 "18181",
		"cluster.rest_api.https_port":                `"0"`,
		"cluster.rest_api.http_host":                 `"127.0.0.1"`,
		"cluster.rest_api.root_uri":                  "/api",
		"cluster.rest_api.request_timeout":           "5s",
		"cluster.heartbeat.enabled":                  "true",
		"cluster.heartbeat.period":                   "250", // bare number: milliseconds
		"cluster.vxgw.enabled":                       "false",
		"cluster.translators.nat.dynamic_port_start": "2000",
		"cluster.translators.nat.dynamic_port_end":   "3000",
	}
	cfg, err := cluster.Build(cluster.Sources{Flags: keys})
	if err != nil {
		t.Fatal(err)
	}
	want := cluster.DefaultConfig()
	want.RestAPI.Enabled, want.RestAPI.HTTPPort, want.RestAPI.HTTPSPort = false, 18181, 0
	want.RestAPI.HTTPHost, want.RestAPI.RootURI, want.RestAPI.RequestTimeout = "127.0.0.1", "/api", 5*time.Second
	want.Heartbeat = cluster.HeartbeatConfig{Enabled: true, Period: 250 * time.Millisecond}
	want.VXGW.Enabled = false
	want.Translators = cluster.TranslatorsConfig{DynamicNatPortStart: 2000, DynamicNatPortEnd: 3000}
	if cfg.RestAPI != want.RestAPI || cfg.Heartbeat != want.Heartbeat || cfg.VXGW != want.VXGW ||
		cfg.Translators != want.Translators {
		t.Fatalf("got %+v %+v %+v %+v", cfg.RestAPI, cfg.Heartbeat, cfg.VXGW, cfg.Translators)
	}

	bad := map[string]string{"cluster.rest_api.http_port": "eighty", "cluster.heartbeat.period": "10 fortnights",
		"cluster.rest_api.enabled": "perhaps"}
	_, err = cluster.Build(cluster.Sources{Flags: bad})
	for k := range bad {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
	if !errors.Is(err, cluster.ErrBadConfig) {
		t.Errorf("err = %v, want ErrBadConfig", err)
	}
}

func TestHostID(t *testing.T) {
	dir := t.TempDir()
	existing := uuid.New()
	p := writeFile(t, dir, "host.properties", "#comment\nhost_uuid="+existing.String()+"\n")
	if got, err := cluster.HostID(p); err != nil || got != existing {
		t.Fatalf("HostID(existing) = %v, %v", got, err)
	}

	fresh := filepath.Join(dir, "fresh.properties")
	id, err := cluster.HostID(fresh)
	if err != nil {
		t.Fatal(err)
	}
	again, err := cluster.HostID(fresh)
	if err != nil || again != id {
		t.Fatalf("a generated id is not kept: %v then %v (%v)", id, again, err)
	}

	if _, err := cluster.HostID(filepath.Join(dir, "no", "such", "dir", "host.properties")); err == nil {
		t.Fatal("HostID in an unwritable place: no error")
	}
}

func TestBuildRequiresTheNamedFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "midonet.conf")
	src := cluster.StandardSources(missing)
	src.EnvFile, src.Getenv = "", nil
	if _, err := cluster.Build(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Build with a missing named file: %v, want ErrNotExist", err)
	}
}

// TestBuildFlagsWinAndNormalize: command-line settings beat the
// environment and the files; the root key rule applies to every source.
func TestBuildFlagsWinAndNormalize(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "midonet.conf", "[zookeeper]\nzookeeper_hosts = file:2181\nroot_key = /file\n")
	environ := map[string]string{"MIDO_ZOOKEEPER_HOSTS": "env:2181", "MIDO_ZOOKEEPER_ROOT_KEY": "/env"}
	for _, tc := range []struct {
		flags              map[string]string
		wantHosts, wantKey string
	}{
		{nil, "env:2181", "/env"},
		{map[string]string{"zookeeper.zookeeper_hosts": "flag:2181", "zookeeper.root_key": "flag/"}, "flag:2181", "/flag"},
		{map[string]string{"zookeeper.root_key": "/midonet/v1"}, "env:2181", "/midonet"},
		{map[string]string{"zookeeper.root_key": ""}, "env:2181", "/midonet"},
	} {
		cfg, err := cluster.Build(cluster.Sources{ConfFile: conf, Getenv: func(k string) string { return environ[k] },
			Flags: tc.flags})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ZooKeeperHosts != tc.wantHosts || cfg.RootKey != tc.wantKey || cfg.ConfFile != conf {
			t.Errorf("flags %v: hosts %q root %q conf %q, want %q %q %q", tc.flags, cfg.ZooKeeperHosts, cfg.RootKey,
				cfg.ConfFile, tc.wantHosts, tc.wantKey, conf)
		}
	}
	if _, err := cluster.Build(cluster.Sources{Flags: map[string]string{"zookeeper.zookeper_hosts": "x"}}); !errors.Is(err, cluster.ErrBadConfig) ||
		!strings.Contains(err.Error(), "zookeeper.zookeper_hosts is not a setting") {
		t.Fatalf("unknown flag setting: %v", err)
	}
}

func TestBuildSessionTimeout(t *testing.T) {
	dir := t.TempDir()
	legacy := writeFile(t, dir, "midonet.conf", "[zookeeper]\nzookeeper_hosts = 127.0.0.1:2181\nsession_timeout = 6000\n")
	withUnit := writeFile(t, dir, "unit.conf", "[zookeeper]\nsession_timeout = 12s\n")
	bad := writeFile(t, dir, "bad.conf", "[zookeeper]\nsession_timeout = soon\n")
	cases := []struct {
		name    string
		files   []string
		environ map[string]string
		want    time.Duration
		wantErr bool
	}{
		{name: "unset leaves the backend default", want: 0},
		{name: "bare number is milliseconds, as the reference", files: []string{legacy}, want: 6 * time.Second},
		{name: "with a unit", files: []string{withUnit}, want: 12 * time.Second},
		{name: "environment wins", files: []string{legacy}, environ: map[string]string{"MIDO_ZOOKEEPER_SESSION_TIMEOUT": "9s"},
			want: 9 * time.Second},
		{name: "bad value in a file", files: []string{bad}, wantErr: true},
		{name: "bad value in the environment", environ: map[string]string{"MIDO_ZOOKEEPER_SESSION_TIMEOUT": "x"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := cluster.Build(cluster.Sources{ConfFiles: tc.files, Getenv: func(k string) string { return tc.environ[k] }})
			if tc.wantErr {
				if !errors.Is(err, cluster.ErrBadConfig) || !strings.Contains(err.Error(), "session_timeout") {
					t.Fatalf("err = %v, want ErrBadConfig naming session_timeout", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ZooKeeperSessionTimeout != tc.want {
				t.Fatalf("session timeout %v, want %v", cfg.ZooKeeperSessionTimeout, tc.want)
			}
		})
	}
}

// The soft memory limit's precedence: GOMEMLIMIT (applied by the runtime:
// Build leaves 0), the command line, the env file's last -Xmx, its
// MAX_HEAP_SIZE, the default; an env file's unusable heap size falls back
// to the default, a bad command-line limit is a configuration error.
func TestBuildMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	reference := writeFile(t, dir, "reference-env.sh", "MAX_HEAP_SIZE=\"2048M\"\nHEAP_NEWSIZE=\"1024M\"\n"+
		"JVM_OPTS=\"$JVM_OPTS -Xms${MAX_HEAP_SIZE}\"\nJVM_OPTS=\"$JVM_OPTS -Xmx${MAX_HEAP_SIZE}\"\nJVM_OPTS=\"$JVM_OPTS -Xmn${HEAP_NEWSIZE}\"\n")
	variableOnly := writeFile(t, dir, "variable-env.sh", "MAX_HEAP_SIZE=512m\n")
	badHeap := writeFile(t, dir, "bad-env.sh", "JVM_OPTS=\"$JVM_OPTS -Xmx2gb\"\n")
	noHeap := writeFile(t, dir, "no-heap-env.sh", envFile)
	for _, tc := range []struct {
		name, envFile, goMemLimit, flag string
		want                            int64
		wantErr                         bool
	}{
		{name: "nothing set: the default", want: cluster.DefaultMemoryLimit},
		{name: "env file without a heap size: the default", envFile: noHeap, want: cluster.DefaultMemoryLimit},
		{name: "missing env file: the default", envFile: filepath.Join(dir, "absent.sh"), want: cluster.DefaultMemoryLimit},
		{name: "the reference's -Xmx${MAX_HEAP_SIZE}", envFile: reference, want: 2 << 30},
		{name: "MAX_HEAP_SIZE alone", envFile: variableOnly, want: 512 << 20},
		{name: "an env file's bad -Xmx: the default", envFile: badHeap, want: cluster.DefaultMemoryLimit},
		{name: "the command line over the env file", envFile: reference, flag: "2g", want: 2 << 30},
		{name: "the command line in MiB", envFile: reference, flag: "140MiB", want: 140 << 20},
		{name: "the command line in decimal MB", flag: "150MB", want: 150_000_000},
		{name: "the command line turns it off", envFile: reference, flag: "off", want: math.MaxInt64},
		{name: "GOMEMLIMIT over everything: left to the runtime", envFile: reference, flag: "2g", goMemLimit: "140MiB", want: 0},
		{name: "a bad command-line limit", envFile: reference, flag: "lots", wantErr: true},
		{name: "a zero command-line limit", flag: "0", wantErr: true},
		{name: "a negative command-line limit", flag: "-5M", wantErr: true},
		{name: "GOMEMLIMIT passes over a bad command-line limit", flag: "lots", goMemLimit: "off", want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := cluster.Build(cluster.Sources{EnvFile: tc.envFile, MemoryLimit: tc.flag,
				Getenv: func(k string) string { return map[string]string{"GOMEMLIMIT": tc.goMemLimit}[k] }})
			if tc.wantErr {
				if !errors.Is(err, cluster.ErrBadConfig) || !strings.Contains(err.Error(), tc.flag) {
					t.Fatalf("err = %v, want ErrBadConfig naming %q", err, tc.flag)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MemoryLimit != tc.want {
				t.Fatalf("memory limit %d, want %d", cfg.MemoryLimit, tc.want)
			}
		})
	}
	if cfg := cluster.DefaultConfig(); cfg.MemoryLimit != 0 {
		t.Errorf("DefaultConfig's memory limit %d: an embedded node must leave the process's alone", cfg.MemoryLimit)
	}
}
