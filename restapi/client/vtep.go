package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Vtep is a hardware VTEP managed over OVSDB. Name, Description,
// TunnelIPAddrs and ConnectionState ("connected", "disconnected", "error")
// are what the VxLAN gateway controller reports; they are read-only.
type Vtep struct {
	ID                  string   `json:"id,omitempty"`
	ManagementIP        string   `json:"managementIp"`
	ManagementPort      int      `json:"managementPort"`
	TunnelZoneID        string   `json:"tunnelZoneId,omitempty"`
	Name                string   `json:"name,omitempty"`
	Description         string   `json:"description,omitempty"`
	ConnectionState     string   `json:"connectionState,omitempty"`
	TunnelIPAddrs       []string `json:"tunnelIpAddrs,omitempty"`
	URI                 string   `json:"uri,omitempty"`
	Bindings            string   `json:"bindings,omitempty"`
	Ports               string   `json:"ports,omitempty"`
	VtepBindingTemplate string   `json:"vtepBindingTemplate,omitempty"`
}

// VtepBinding binds a VLAN (0 = untagged) of a VTEP's physical port to a
// MidoNet network (bridge).
type VtepBinding struct {
	VtepID    string `json:"vtepId,omitempty"`
	PortName  string `json:"portName"`
	VlanID    int    `json:"vlanId"`
	NetworkID string `json:"networkId"`
	URI       string `json:"uri,omitempty"`
}

// VtepPort is a physical port of a VTEP, as its switch reports it.
type VtepPort struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	URI         string `json:"uri,omitempty"`
	Vtep        string `json:"vtep,omitempty"`
}

// Vteps is /vteps (no Update: VTEPs cannot be modified).
func (c *Client) Vteps() Resource[Vtep] { return res[Vtep](c, "vteps", "vteps", "VTEP-v2") }

// VtepBindings is /vteps/{id}/bindings; bindings are named by port name
// and VLAN rather than by id.
func (c *Client) VtepBindings(vtepID string) VtepBindings {
	return VtepBindings{c: c, path: sub("vteps", vtepID, "bindings")}
}

// VtepBindings are the bindings of one VTEP.
type VtepBindings struct {
	c    *Client
	path string
}

var (
	vtepBindingMedia  = Media("VTEPBinding-v2")
	vtepBindingsMedia = CollectionMedia("VTEPBinding-v2")
	vtepPortMedia     = Media("VTEPPort-v1")
	vtepPortsMedia    = CollectionMedia("VTEPPort-v1")
)

func bindingPath(base, portName string, vlan int) string {
	return base + "/" + url.PathEscape(portName) + "/" + strconv.Itoa(vlan)
}

// List reads the VTEP's bindings.
func (b VtepBindings) List(ctx context.Context) ([]VtepBinding, error) {
	return list[VtepBinding](ctx, b.c, b.path, vtepBindingsMedia)
}

// Create adds a binding and reads it back from its Location.
func (b VtepBindings) Create(ctx context.Context, v *VtepBinding) (*VtepBinding, error) {
	return create(ctx, b.c, b.path, vtepBindingMedia, v)
}

// Get reads the binding of portName's VLAN.
func (b VtepBindings) Get(ctx context.Context, portName string, vlan int) (*VtepBinding, error) {
	return get[VtepBinding](ctx, b.c, bindingPath(b.path, portName, vlan), vtepBindingMedia)
}

// Delete removes the binding of portName's VLAN (no error if absent).
func (b VtepBindings) Delete(ctx context.Context, portName string, vlan int) error {
	_, err := b.c.Do(ctx, http.MethodDelete, bindingPath(b.path, portName, vlan), "", "", nil, nil)
	return err
}

// VtepPorts lists the physical ports of a VTEP (read live from the switch).
func (c *Client) VtepPorts(ctx context.Context, vtepID string) ([]VtepPort, error) {
	return list[VtepPort](ctx, c, sub("vteps", vtepID, "ports"), vtepPortsMedia)
}

// VtepPort reads one physical port of a VTEP by name.
func (c *Client) VtepPort(ctx context.Context, vtepID, name string) (*VtepPort, error) {
	return get[VtepPort](ctx, c, sub("vteps", vtepID, "ports")+"/"+url.QueryEscape(name), vtepPortMedia)
}
