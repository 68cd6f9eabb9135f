package cluster

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/auth"
)

// UseStandardBackends wires what c leaves unset to this repository's
// implementations: OpenStore to the in-memory store ("" hosts) or ZooKeeper
// (with zk.DefaultSessionTimeout), Elect to storage.Election, and
// APIHandler to StandardAPI. This is what the midonet-cluster command runs.
func (c *Config) UseStandardBackends() {
	if c.OpenStore == nil {
		c.OpenStore = func(ctx context.Context, hosts string) (StoreConn, error) {
			if hosts == "" {
				return mem.NewServer().Connect(), nil
			}
			return zk.Connect(ctx, zk.Config{Servers: strings.Split(hosts, ","), Logger: c.Logger})
		}
	}
	if c.Elect == nil {
		c.Elect = func(env *Env, root string) Elector { return &storage.Election{Conn: env.Store, Root: root} }
	}
	if c.APIHandler == nil {
		c.APIHandler = StandardAPI
	}
}

// StandardAPI is the MidoNet REST API over the ZOOM object store on the
// node's connection, with the authentication cluster.auth.* selects (the
// reference's default is the mock provider, open to anyone), port tunnel
// keys from the counters JVM nodes share, and the request timeout of
// cluster.rest_api.request_timeout.
func StandardAPI(ctx context.Context, env *Env) (http.Handler, error) {
	store, err := midonet.NewStore(ctx, env.Store, zoom.Options{Root: env.RootKey, Owner: zoom.OwnerClusterAPI,
		Logger: env.Logger})
	if err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	get := func(string) (string, bool) { return "", false }
	if env.Runtime != nil {
		get = env.Runtime.Get
	}
	authn, err := auth.FromConfig(ctx, get, env.Logger)
	if err != nil {
		return nil, err
	}
	return restapi.NewHandler(restapi.NewZoomStore(store), authn, restapi.Options{
		RootPath:       env.Config.RestAPI.RootURI,
		Logger:         env.Logger,
		Middleware:     authn.Middleware,
		RequestTimeout: env.Config.RestAPI.RequestTimeout,
		Sequences:      restapi.SharedCounters{Conn: env.Store, Root: env.RootKey},
	})
}
