// Package client is a typed Go client for the MidoNet v5 REST API as served
// by package restapi (and by the JVM midonet-cluster): it speaks the vendor
// media types, follows Location headers after creates, and turns error
// bodies into *Error.
//
//	c := client.New("http://127.0.0.1:8181/midonet-api")
//	br, err := c.Bridges().Create(ctx, &client.Bridge{Name: "front", TenantID: "acme"})
//	port, err := c.BridgePorts(br.ID).Create(ctx, &client.Port{Type: "Bridge"})
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const vendor = "application/vnd.org.midonet."

// Media returns the vendor media type application/vnd.org.midonet.<name>+json.
func Media(name string) string { return vendor + name + "+json" }

// CollectionMedia returns the vendor collection media type of name.
func CollectionMedia(name string) string { return vendor + "collection." + name + "+json" }

// Client talks to one API root. It is safe for concurrent use.
type Client struct {
	base  string
	http  *http.Client
	token string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces http.DefaultClient.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithToken sends X-Auth-Token on every request.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// New returns a client for the API rooted at base (e.g.
// "http://127.0.0.1:8181/midonet-api").
func New(base string, opts ...Option) *Client {
	c := &Client{base: strings.TrimSuffix(base, "/"), http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an error answer of the API: its status and ErrorEntity (or
// ValidationErrorEntity) body.
type Error struct {
	Status     int
	Message    string
	Violations []Violation
}

// Violation is one failed validation constraint.
type Violation struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

func (e *Error) Error() string {
	if len(e.Violations) > 0 {
		return fmt.Sprintf("HTTP %d: %s %v", e.Status, e.Message, e.Violations)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// URL resolves a path relative to the API root; absolute URLs pass through.
func (c *Client) URL(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.base + "/" + strings.TrimPrefix(path, "/")
}

// Do sends one request. in (if not nil) is JSON-encoded with contentType;
// a 2xx JSON answer is decoded into out (if not nil). It returns the
// response headers.
func (c *Client) Do(ctx context.Context, method, path, accept, contentType string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL(path), body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading response: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		apiErr := &Error{Status: resp.StatusCode}
		_ = json.Unmarshal(data, &struct {
			Message    *string      `json:"message"`
			Violations *[]Violation `json:"violations"`
		}{&apiErr.Message, &apiErr.Violations})
		return resp.Header, fmt.Errorf("%s %s: %w", method, path, apiErr)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decoding response: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// Resource is a typed view of one collection: T is the DTO, path the
// collection path relative to the root (or absolute), single and coll
// the media types.
type Resource[T any] struct {
	c            *Client
	path         string // collection path (POST, GET list)
	objPath      string // top-level segment objects live under (GET/PUT/DELETE by id)
	single, coll string
}

// create POSTs v to the collection at path as media and returns the
// created object as read back (as media) from the answer's Location.
func create[T any](ctx context.Context, c *Client, path, media string, v *T) (*T, error) {
	hdr, err := c.Do(ctx, http.MethodPost, path, "", media, v, nil)
	if err != nil {
		return nil, err
	}
	loc := hdr.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("POST %s: no Location in the answer", path)
	}
	return get[T](ctx, c, loc, media)
}

// get reads the object at path, accepting media.
func get[T any](ctx context.Context, c *Client, path, media string) (*T, error) {
	var out T
	if _, err := c.Do(ctx, http.MethodGet, path, media, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create POSTs v and returns the created object as read back from Location.
func (r Resource[T]) Create(ctx context.Context, v *T) (*T, error) {
	return create(ctx, r.c, r.path, r.single, v)
}

// Get reads one object by id.
func (r Resource[T]) Get(ctx context.Context, id string) (*T, error) {
	return get[T](ctx, r.c, r.objPath+"/"+url.PathEscape(id), r.single)
}

// List reads the collection, with optional query parameters.
func (r Resource[T]) List(ctx context.Context, query url.Values) ([]T, error) {
	p := r.path
	if len(query) > 0 {
		p += "?" + query.Encode()
	}
	return list[T](ctx, r.c, p, r.coll)
}

// list reads the collection at path, accepting media.
func list[T any](ctx context.Context, c *Client, path, media string) ([]T, error) {
	var out []T
	if _, err := c.Do(ctx, http.MethodGet, path, media, "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Update PUTs v as the new state of object id.
func (r Resource[T]) Update(ctx context.Context, id string, v *T) error {
	_, err := r.c.Do(ctx, http.MethodPut, r.objPath+"/"+url.PathEscape(id), "", r.single, v, nil)
	return err
}

// Delete deletes object id.
func (r Resource[T]) Delete(ctx context.Context, id string) error {
	_, err := r.c.Do(ctx, http.MethodDelete, r.objPath+"/"+url.PathEscape(id), "", "", nil, nil)
	return err
}

func res[T any](c *Client, path, objPath, name string) Resource[T] {
	return Resource[T]{c: c, path: path, objPath: objPath, single: Media(name), coll: CollectionMedia(name)}
}

func sub(segment, id, child string) string {
	return segment + "/" + url.PathEscape(id) + "/" + child
}

// Bridges is /bridges.
func (c *Client) Bridges() Resource[Bridge] { return res[Bridge](c, "bridges", "bridges", "Bridge-v4") }

// Routers is /routers.
func (c *Client) Routers() Resource[Router] { return res[Router](c, "routers", "routers", "Router-v3") }

// Ports is /ports (no create: ports are created under their device).
func (c *Client) Ports() Resource[Port] { return res[Port](c, "ports", "ports", "Port-v3") }

// BridgePorts is /bridges/{id}/ports.
func (c *Client) BridgePorts(bridgeID string) Resource[Port] {
	return res[Port](c, sub("bridges", bridgeID, "ports"), "ports", "Port-v3")
}

// RouterPorts is /routers/{id}/ports.
func (c *Client) RouterPorts(routerID string) Resource[Port] {
	return res[Port](c, sub("routers", routerID, "ports"), "ports", "Port-v3")
}

// RouterRoutes is /routers/{id}/routes (routes are read and deleted at /routes/{id}).
func (c *Client) RouterRoutes(routerID string) Resource[Route] {
	return res[Route](c, sub("routers", routerID, "routes"), "routes", "Route-v1")
}

// Chains is /chains.
func (c *Client) Chains() Resource[Chain] { return res[Chain](c, "chains", "chains", "Chain-v1") }

// ChainRules is /chains/{id}/rules (rules are read and deleted at /rules/{id}).
func (c *Client) ChainRules(chainID string) Resource[Rule] {
	return res[Rule](c, sub("chains", chainID, "rules"), "rules", "Rule-v2")
}

// PortGroups is /port_groups.
func (c *Client) PortGroups() Resource[PortGroup] {
	return res[PortGroup](c, "port_groups", "port_groups", "PortGroup-v1")
}

// PortGroupPorts is /port_groups/{id}/ports (memberships, by port id).
func (c *Client) PortGroupPorts(groupID string) Resource[PortGroupPort] {
	return res[PortGroupPort](c, sub("port_groups", groupID, "ports"), sub("port_groups", groupID, "ports"), "PortGroupPort-v1")
}

// IPAddrGroups is /ip_addr_groups.
func (c *Client) IPAddrGroups() Resource[IPAddrGroup] {
	return res[IPAddrGroup](c, "ip_addr_groups", "ip_addr_groups", "IpAddrGroup-v1")
}

// IPAddrGroupAddrs is /ip_addr_groups/{id}/ip_addrs (create and list; read
// and delete single addresses through the uri of each entry).
func (c *Client) IPAddrGroupAddrs(groupID string) Resource[IPAddrGroupAddr] {
	return res[IPAddrGroupAddr](c, sub("ip_addr_groups", groupID, "ip_addrs"), sub("ip_addr_groups", groupID, "ip_addrs"), "IpAddrGroupAddr-v1")
}

// Hosts is /hosts.
func (c *Client) Hosts() Resource[Host] { return res[Host](c, "hosts", "hosts", "Host-v3") }

// HostPorts is /hosts/{id}/ports (interface bindings, by port id).
func (c *Client) HostPorts(hostID string) Resource[HostInterfacePort] {
	return res[HostInterfacePort](c, sub("hosts", hostID, "ports"), sub("hosts", hostID, "ports"), "HostInterfacePort-v1")
}

// TunnelZones is /tunnel_zones.
func (c *Client) TunnelZones() Resource[TunnelZone] {
	return res[TunnelZone](c, "tunnel_zones", "tunnel_zones", "TunnelZone-v1")
}

// TunnelZoneHosts is /tunnel_zones/{id}/hosts (members, by host id).
func (c *Client) TunnelZoneHosts(zoneID string) Resource[TunnelZoneHost] {
	return res[TunnelZoneHost](c, sub("tunnel_zones", zoneID, "hosts"), sub("tunnel_zones", zoneID, "hosts"), "TunnelZoneHost-v1")
}

// Tenants is /tenants (read-only).
func (c *Client) Tenants() Resource[Tenant] { return res[Tenant](c, "tenants", "tenants", "Tenant-v2") }

// Link links port to peer (POST /ports/{id}/link).
func (c *Client) Link(ctx context.Context, portID, peerID string) error {
	_, err := c.Do(ctx, http.MethodPost, sub("ports", portID, "link"), "", Media("PortLink-v1"),
		map[string]string{"peerId": peerID}, nil)
	return err
}

// Unlink removes the port's link (DELETE /ports/{id}/link).
func (c *Client) Unlink(ctx context.Context, portID string) error {
	_, err := c.Do(ctx, http.MethodDelete, sub("ports", portID, "link"), "", "", nil, nil)
	return err
}

// Application reads the root resource.
func (c *Client) Application(ctx context.Context) (map[string]string, error) {
	var out map[string]string
	_, err := c.Do(ctx, http.MethodGet, "", Media("Application-v5"), "", nil, &out)
	return out, err
}
