package client

// DTOs of the API. Pointer fields are the ones where null is meaningful
// (unset references); server-computed URIs are read-only and ignored by
// the server on input.

// Bridge is a virtual L2 network (model class Network).
type Bridge struct {
	ID                string   `json:"id,omitempty"`
	TenantID          string   `json:"tenantId,omitempty"`
	Name              string   `json:"name,omitempty"`
	AdminStateUp      *bool    `json:"adminStateUp,omitempty"`
	InboundFilterID   *string  `json:"inboundFilterId"`
	OutboundFilterID  *string  `json:"outboundFilterId"`
	VxLanPortIDs      []string `json:"vxLanPortIds,omitempty"`
	InboundMirrorIDs  []string `json:"inboundMirrorIds,omitempty"`
	OutboundMirrorIDs []string `json:"outboundMirrorIds,omitempty"`
	QosPolicyID       *string  `json:"qosPolicyId"`
	URI               string   `json:"uri,omitempty"`
	Ports             string   `json:"ports,omitempty"`
	PeerPorts         string   `json:"peerPorts,omitempty"`
	InboundFilter     *string  `json:"inboundFilter,omitempty"`
	OutboundFilter    *string  `json:"outboundFilter,omitempty"`
}

// Router is a virtual L3 router.
type Router struct {
	ID                   string   `json:"id,omitempty"`
	TenantID             string   `json:"tenantId,omitempty"`
	Name                 string   `json:"name,omitempty"`
	AdminStateUp         *bool    `json:"adminStateUp,omitempty"`
	InboundFilterID      *string  `json:"inboundFilterId"`
	OutboundFilterID     *string  `json:"outboundFilterId"`
	LocalRedirectChainID *string  `json:"localRedirectChainId"`
	ForwardChainID       *string  `json:"forwardChainId"`
	LoadBalancerID       *string  `json:"loadBalancerId"`
	ASNumber             int      `json:"asNumber"`
	InboundMirrorIDs     []string `json:"inboundMirrorIds,omitempty"`
	OutboundMirrorIDs    []string `json:"outboundMirrorIds,omitempty"`
	URI                  string   `json:"uri,omitempty"`
	Ports                string   `json:"ports,omitempty"`
	PeerPorts            string   `json:"peerPorts,omitempty"`
	Routes               string   `json:"routes,omitempty"`
}

// Port is a bridge, router or VXLAN port; Type is "Bridge", "Router" or "Vxlan".
type Port struct {
	ID               string   `json:"id,omitempty"`
	Type             string   `json:"type"`
	AdminStateUp     *bool    `json:"adminStateUp,omitempty"`
	DeviceID         string   `json:"deviceId,omitempty"`
	InboundFilterID  *string  `json:"inboundFilterId"`
	OutboundFilterID *string  `json:"outboundFilterId"`
	VifID            *string  `json:"vifId"`
	HostID           *string  `json:"hostId"`
	InterfaceName    *string  `json:"interfaceName"`
	PeerID           *string  `json:"peerId"`
	TunnelKey        int64    `json:"tunnelKey,omitempty"`
	QosPolicyID      *string  `json:"qosPolicyId"`
	VlanID           int      `json:"vlanId,omitempty"`
	PortSubnet       []string `json:"portSubnet,omitempty"`
	PortAddress      *string  `json:"portAddress,omitempty"`
	NetworkAddress   *string  `json:"networkAddress,omitempty"`
	NetworkLength    int      `json:"networkLength,omitempty"`
	PortMac          *string  `json:"portMac,omitempty"`
	URI              string   `json:"uri,omitempty"`
	Device           string   `json:"device,omitempty"`
	Peer             *string  `json:"peer,omitempty"`
	Link             string   `json:"link,omitempty"`
}

// Route is a router route. Type is Normal, BlackHole, Reject, Local or Fip64.
type Route struct {
	ID               string  `json:"id,omitempty"`
	RouterID         string  `json:"routerId,omitempty"`
	Type             string  `json:"type"`
	SrcNetworkAddr   string  `json:"srcNetworkAddr"`
	SrcNetworkLength int     `json:"srcNetworkLength"`
	DstNetworkAddr   string  `json:"dstNetworkAddr"`
	DstNetworkLength int     `json:"dstNetworkLength"`
	NextHopPort      *string `json:"nextHopPort"`
	NextHopGateway   *string `json:"nextHopGateway"`
	Weight           int     `json:"weight"`
	Attributes       *string `json:"attributes,omitempty"`
	Learned          bool    `json:"learned,omitempty"`
	URI              string  `json:"uri,omitempty"`
}

// Chain is a rule chain.
type Chain struct {
	ID       string `json:"id,omitempty"`
	TenantID string `json:"tenantId,omitempty"`
	Name     string `json:"name,omitempty"`
	URI      string `json:"uri,omitempty"`
	Rules    string `json:"rules,omitempty"`
}

// NatTarget is one address/port range of a dnat/snat rule.
type NatTarget struct {
	AddressFrom string `json:"addressFrom"`
	AddressTo   string `json:"addressTo"`
	PortFrom    int    `json:"portFrom"`
	PortTo      int    `json:"portTo"`
}

// Range is a transport port range.
type Range struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Rule is a chain rule; Type is accept, drop, reject, return, jump, dnat,
// snat, rev_dnat, rev_snat, l2_transform or trace. Only the common
// condition fields are typed here; Do with a map reaches the others.
type Rule struct {
	ID             string      `json:"id,omitempty"`
	Type           string      `json:"type"`
	ChainID        string      `json:"chainId,omitempty"`
	Position       int         `json:"position,omitempty"`
	JumpChainID    *string     `json:"jumpChainId,omitempty"`
	JumpChainName  *string     `json:"jumpChainName,omitempty"`
	FlowAction     *string     `json:"flowAction,omitempty"`
	NatTargets     []NatTarget `json:"natTargets,omitempty"`
	CondInvert     bool        `json:"condInvert,omitempty"`
	InPorts        []string    `json:"inPorts,omitempty"`
	OutPorts       []string    `json:"outPorts,omitempty"`
	PortGroup      *string     `json:"portGroup,omitempty"`
	DlType         *int        `json:"dlType,omitempty"`
	DlSrc          *string     `json:"dlSrc,omitempty"`
	DlDst          *string     `json:"dlDst,omitempty"`
	NwProto        *int        `json:"nwProto,omitempty"`
	NwSrcAddress   *string     `json:"nwSrcAddress,omitempty"`
	NwSrcLength    int         `json:"nwSrcLength,omitempty"`
	NwDstAddress   *string     `json:"nwDstAddress,omitempty"`
	NwDstLength    int         `json:"nwDstLength,omitempty"`
	TpSrc          *Range      `json:"tpSrc,omitempty"`
	TpDst          *Range      `json:"tpDst,omitempty"`
	FragmentPolicy string      `json:"fragmentPolicy,omitempty"`
	MatchForward   bool        `json:"matchForwardFlow,omitempty"`
	MatchReturn    bool        `json:"matchReturnFlow,omitempty"`
	URI            string      `json:"uri,omitempty"`
}

// PortGroup is a named set of ports.
type PortGroup struct {
	ID       string `json:"id,omitempty"`
	TenantID string `json:"tenantId,omitempty"`
	Name     string `json:"name,omitempty"`
	Stateful bool   `json:"stateful"`
	URI      string `json:"uri,omitempty"`
	Ports    string `json:"ports,omitempty"`
}

// PortGroupPort is a port's membership in a group.
type PortGroupPort struct {
	PortGroupID string `json:"portGroupId,omitempty"`
	PortID      string `json:"portId"`
	URI         string `json:"uri,omitempty"`
}

// IPAddrGroup is a named set of IP addresses.
type IPAddrGroup struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	URI  string `json:"uri,omitempty"`
}

// IPAddrGroupAddr is one address of an IP address group; Version is 4 or 6.
type IPAddrGroupAddr struct {
	Version       int    `json:"version"`
	Addr          string `json:"addr"`
	IPAddrGroupID string `json:"ipAddrGroupId,omitempty"`
	URI           string `json:"uri,omitempty"`
}

// Host is a MidoNet agent host.
type Host struct {
	ID                    string   `json:"id,omitempty"`
	Name                  string   `json:"name,omitempty"`
	Alive                 bool     `json:"alive"`
	Addresses             []string `json:"addresses,omitempty"`
	FloodingProxyWeight   int      `json:"floodingProxyWeight"`
	ContainerWeight       int      `json:"containerWeight"`
	ContainerLimit        int      `json:"containerLimit"`
	EnforceContainerLimit bool     `json:"enforceContainerLimit"`
	URI                   string   `json:"uri,omitempty"`
}

// HostInterfacePort binds a port to a host interface.
type HostInterfacePort struct {
	HostID        string `json:"hostId,omitempty"`
	PortID        string `json:"portId"`
	InterfaceName string `json:"interfaceName"`
	URI           string `json:"uri,omitempty"`
}

// TunnelZone groups hosts that tunnel to each other; Type is gre, vxlan or vtep.
type TunnelZone struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Type string `json:"type"`
	URI  string `json:"uri,omitempty"`
}

// TunnelZoneHost is a host's membership in a tunnel zone.
type TunnelZoneHost struct {
	TunnelZoneID string `json:"tunnelZoneId,omitempty"`
	HostID       string `json:"hostId"`
	IPAddress    string `json:"ipAddress"`
	URI          string `json:"uri,omitempty"`
}

// Tenant is a tenant of the auth service.
type Tenant struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	URI         string `json:"uri,omitempty"`
}
