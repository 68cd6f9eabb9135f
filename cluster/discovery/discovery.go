// Package discovery is MidoNet's service discovery in ZooKeeper, as the
// reference's MidonetDiscovery (Curator 2.9 service discovery): each
// instance of a service is an ephemeral node
//
//	<root>/service-discovery/<service>/<instance id>
//
// whose data is Curator's JSON ServiceInstance (name, id, address, port,
// sslPort, payload, registrationTimeUTC, serviceType "DYNAMIC", uriSpec), so
// agents and tools of a JVM deployment find the services of Go nodes, and
// the other way round. An instance is either host and port (the state
// proxy) or a URI (endpoint users such as topology-cache).
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/cluster/internal/session"
	"github.com/midonet/midonet-go/midonet/storage"
)

// Path is where services register, under the root key.
func Path(root string) string { return path.Join(root, "service-discovery") }

// Instance is Curator's ServiceInstance as JSON.
type Instance struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	Address string `json:"address"`
	Port    *int   `json:"port"`
	SSLPort *int   `json:"sslPort"`
	Payload any    `json:"payload"`
	// RegistrationTimeUTC is in milliseconds since the epoch.
	RegistrationTimeUTC int64    `json:"registrationTimeUTC"`
	ServiceType         string   `json:"serviceType"`
	URISpec             *URISpec `json:"uriSpec"`
}

// URISpec is Curator's UriSpec: a template split in parts; the URIs MidoNet
// registers have one literal part.
type URISpec struct {
	Parts []URIPart `json:"parts"`
}

// URIPart is one part of a URISpec.
type URIPart struct {
	Value    string `json:"value"`
	Variable bool   `json:"variable"`
}

// URI is the instance's URI ("" for host-and-port instances); variable
// parts are left as {name}, as Curator's build() without values does.
func (in Instance) URI() string {
	if in.URISpec == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range in.URISpec.Parts {
		if p.Variable {
			b.WriteString("{" + p.Value + "}")
		} else {
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// HostPort is the instance's "address:port" ("" for URI instances).
func (in Instance) HostPort() string {
	if in.Port == nil || in.Address == "" {
		return ""
	}
	return net.JoinHostPort(in.Address, fmt.Sprint(*in.Port))
}

// NewHostPort describes an instance of service at address:port.
func NewHostPort(service, address string, port int) Instance {
	in := newInstance(service)
	in.Address, in.Port = address, &port
	return in
}

// NewURI describes an instance of service at uri. As Curator's builder
// does, the address is this host's first non-loopback address.
func NewURI(service string, uri *url.URL) Instance {
	in := newInstance(service)
	in.Address = localAddress()
	in.URISpec = &URISpec{Parts: []URIPart{{Value: uri.String()}}}
	return in
}

func newInstance(service string) Instance {
	return Instance{Name: service, ID: uuid.NewString(), RegistrationTimeUTC: time.Now().UnixMilli(),
		ServiceType: "DYNAMIC"}
}

// localAddress is the first non-loopback IPv4 address of the host, else
// the loopback one.
func localAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

// Registration is a registered instance, kept registered across session
// expiries until Unregister.
type Registration struct {
	conn storage.Conn
	node string
	data []byte
	stop func()
}

// Register publishes in under root and keeps it published: after a
// session expiry (which deletes ephemerals) it registers again.
func Register(ctx context.Context, conn storage.Conn, root string, in Instance, log *slog.Logger) (*Registration, error) {
	if log == nil {
		log = slog.Default()
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	r := &Registration{conn: conn, node: path.Join(Path(root), in.Name, in.ID), data: data}
	r.stop, err = session.Keep(ctx, conn, r.create, func(err error) {
		log.Error("registering in service discovery again after a session expiry", "node", r.node, "err", err)
	}, func() {
		log.Info("registered in service discovery again after a session expiry", "node", r.node)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Registration) create(ctx context.Context) error {
	dir := path.Dir(r.node)
	cur := ""
	for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
		cur += "/" + part
		if _, err := r.conn.Create(ctx, cur, nil, storage.Persistent); err != nil && !errors.Is(err, storage.ErrNodeExists) {
			return fmt.Errorf("discovery: creating %s: %w", cur, err)
		}
	}
	_, err := r.conn.Create(ctx, r.node, r.data, storage.Ephemeral)
	if errors.Is(err, storage.ErrNodeExists) {
		// Ours from a session that has not expired yet: replace it.
		if err := r.conn.Delete(ctx, r.node, storage.AnyVersion); err != nil && !errors.Is(err, storage.ErrNoNode) {
			return fmt.Errorf("discovery: %s: %w", r.node, err)
		}
		_, err = r.conn.Create(ctx, r.node, r.data, storage.Ephemeral)
	}
	if err != nil {
		return fmt.Errorf("discovery: registering %s: %w", r.node, err)
	}
	return nil
}

// Unregister removes the instance and stops following the session.
func (r *Registration) Unregister(ctx context.Context) error {
	r.stop()
	err := r.conn.Delete(ctx, r.node, storage.AnyVersion)
	if errors.Is(err, storage.ErrNoNode) || errors.Is(err, storage.ErrClosed) {
		return nil
	}
	return err
}

// Instances lists the registered instances of service, ordered by id;
// nodes that do not hold a ServiceInstance are skipped.
func Instances(ctx context.Context, conn storage.Conn, root, service string) ([]Instance, error) {
	dir := path.Join(Path(root), service)
	ids, _, err := conn.Children(ctx, dir)
	if errors.Is(err, storage.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Instance
	for _, id := range ids {
		data, _, err := conn.Get(ctx, path.Join(dir, id))
		if errors.Is(err, storage.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var in Instance
		if json.Unmarshal(data, &in) != nil || in.Name == "" {
			continue
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
