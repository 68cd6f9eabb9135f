package mnconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/internal/jvmconf"
)

// Files and environment the reference bootstraps from.
const (
	MidonetConfFile      = "/etc/midonet/midonet.conf"
	LegacyMidolmanConf   = "/etc/midolman/midolman.conf"
	HostIDFile           = "/etc/midonet_host_id.properties"
	LegacyHostIDFile     = "/etc/midolman/host_uuid.properties"
	EnvZookeeperHosts    = "MIDO_ZOOKEEPER_HOSTS"
	EnvZookeeperRootKey  = "MIDO_ZOOKEEPER_ROOT_KEY"
	DefaultZookeeperHost = "127.0.0.1:2181"
	DefaultRootKey       = "/midonet"
)

// legacyRenames are the reference's translations of moved legacy keys; the
// unit is appended when the value has none.
var legacyRenames = []struct{ from, to, unit string }{
	{"zookeeper.session_timeout", "zookeeper.session_timeout", "ms"},
	{"zookeeper.session_gracetime", "zookeeper.session_gracetime", "ms"},
	{"agent.bridge.mac_port_mapping_expire_millis", "agent.bridge.mac_port_mapping_expire", "ms"},
	{"agent.arptable.arp_retry_interval_seconds", "agent.arptable.arp_retry_interval", "s"},
	{"agent.arptable.arp_timeout_seconds", "agent.arptable.arp_timeout", "s"},
	{"agent.arptable.arp_stale_seconds", "agent.arptable.arp_stale", "s"},
	{"agent.arptable.arp_expiration_seconds", "agent.arptable.arp_expiration", "s"},
	{"agent.midolman.bgp_keepalive", "agent.midolman.bgp_keepalive", "s"},
	{"agent.midolman.bgp_holdtime", "agent.midolman.bgp_holdtime", "s"},
	{"agent.midolman.bgp_connect_retry", "agent.midolman.bgp_connect_retry", "s"},
}

// ReadLegacyINI translates a legacy INI file (midolman.conf, midonet.conf)
// into a tree: key <section>.<key>, prefixed "agent." unless the section is
// zookeeper or cassandra; moved duration keys renamed with their unit; all
// values strings. A missing file is an empty tree.
func ReadLegacyINI(path string) (map[string]any, error) {
	flat := map[string]string{}
	for k, v := range jvmconf.ReadINILenient(path) {
		if !strings.HasPrefix(k, "zookeeper.") && !strings.HasPrefix(k, "cassandra.") {
			k = "agent." + k
		}
		flat[k] = v
	}
	for _, r := range legacyRenames {
		v, ok := flat[r.from]
		if !ok {
			continue
		}
		delete(flat, r.from)
		if _, err := ParseInt(v); err == nil {
			v += r.unit
		}
		flat[r.to] = v
	}
	tree := map[string]any{}
	for k, v := range flat {
		setPath(tree, SplitPath(k), v)
	}
	return tree, nil
}

func setPath(tree map[string]any, parts []string, v any) {
	cur := tree
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

// Bootstrap is where the configuration store lives.
type Bootstrap struct {
	ZookeeperHosts string // connect string "host1:2181,host2:2181"
	RootKey        string // "/midonet"
}

// Servers splits the connect string.
func (b Bootstrap) Servers() []string {
	var out []string
	for _, s := range strings.Split(b.ZookeeperHosts, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// BootstrapFiles lists the INI files the reference looks for ZooKeeper in,
// highest precedence first: the explicit ones given, ~/.midonetrc,
// /etc/midonet/midonet.conf, /etc/midolman/midolman.conf.
func BootstrapFiles(explicit ...string) []string {
	files := append([]string{}, explicit...)
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".midonetrc"))
	}
	return append(files, MidonetConfFile, LegacyMidolmanConf)
}

// ReadBootstrap finds ZooKeeper as the reference does, highest first:
// MIDO_ZOOKEEPER_HOSTS / MIDO_ZOOKEEPER_ROOT_KEY, the [zookeeper] section of
// each file (see BootstrapFiles; missing files count as empty), then the
// defaults. The root key is normalized as the node does (jvmconf.NormalizeRootKey:
// the legacy "/midonet/v1" is forced to "/midonet", a relative key made
// absolute, a trailing "/" dropped).
func ReadBootstrap(lookupEnv func(string) (string, bool), files ...string) Bootstrap {
	b := Bootstrap{}
	if v, ok := lookupEnv(EnvZookeeperHosts); ok && v != "" {
		b.ZookeeperHosts = v
	}
	if v, ok := lookupEnv(EnvZookeeperRootKey); ok && v != "" {
		b.RootKey = v
	}
	for _, f := range files {
		ini := jvmconf.ReadINILenient(f)
		if b.ZookeeperHosts == "" {
			b.ZookeeperHosts = ini["zookeeper.zookeeper_hosts"]
		}
		if b.RootKey == "" {
			b.RootKey = ini["zookeeper.root_key"]
		}
	}
	if b.ZookeeperHosts == "" {
		b.ZookeeperHosts = DefaultZookeeperHost
	}
	b.RootKey = jvmconf.NormalizeRootKey(b.RootKey)
	return b
}

// ErrHostID is returned (wrapped) when the host id can be neither read nor stored.
var ErrHostID = errors.New("this host doesn't yet have a host id assigned and mn-conf failed to generate one")

// LocalHostID reads host_uuid from the host id file (falling back to the
// deprecated midolman file); when neither has one it generates a random id
// and stores it in the primary file, as the reference does (a failure to
// store it is ErrHostID).
func LocalHostID(primary, legacy string) (uuid.UUID, error) {
	id, err := jvmconf.HostID(primary, legacy, "mn-conf")
	if errors.Is(err, jvmconf.ErrHostIDNotStored) {
		return uuid.Nil, fmt.Errorf("%w: %w", ErrHostID, err)
	}
	return id, err
}
