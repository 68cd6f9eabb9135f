package client

// DTOs of the BGP, load-balancing, QoS, mirror, L2 insertion, service
// container, trace and state-table resources.

// BgpNetwork is a network a router advertises over BGP.
type BgpNetwork struct {
	ID            string `json:"id,omitempty"`
	SubnetAddress string `json:"subnetAddress"`
	SubnetLength  int    `json:"subnetLength"`
	URI           string `json:"uri,omitempty"`
	Router        string `json:"router,omitempty"`
}

// BgpPeer is a router's BGP neighbour.
type BgpPeer struct {
	ID           string `json:"id,omitempty"`
	ASNumber     int    `json:"asNumber"`
	Address      string `json:"address"`
	KeepAlive    *int   `json:"keepAlive"`
	HoldTime     *int   `json:"holdTime"`
	ConnectRetry *int   `json:"connectRetry"`
	Password     string `json:"password,omitempty"`
	URI          string `json:"uri,omitempty"`
	Router       string `json:"router,omitempty"`
}

// LoadBalancer is an L4 load balancer; RouterID is set from the router's
// side (Router.LoadBalancerID).
type LoadBalancer struct {
	ID           string  `json:"id,omitempty"`
	RouterID     *string `json:"routerId"`
	AdminStateUp *bool   `json:"adminStateUp,omitempty"`
	URI          string  `json:"uri,omitempty"`
	Pools        string  `json:"pools,omitempty"`
	VIPs         string  `json:"vips,omitempty"`
}

// Pool is a load-balancer pool; LBMethod is ROUND_ROBIN.
type Pool struct {
	ID              string  `json:"id,omitempty"`
	AdminStateUp    *bool   `json:"adminStateUp,omitempty"`
	HealthMonitorID *string `json:"healthMonitorId"`
	LoadBalancerID  *string `json:"loadBalancerId"`
	Protocol        string  `json:"protocol,omitempty"`
	LBMethod        string  `json:"lbMethod"`
	Status          string  `json:"status,omitempty"`
	URI             string  `json:"uri,omitempty"`
}

// PoolMember is a back-end of a pool.
type PoolMember struct {
	ID           string `json:"id,omitempty"`
	AdminStateUp *bool  `json:"adminStateUp,omitempty"`
	Status       string `json:"status,omitempty"`
	PoolID       string `json:"poolId"`
	Address      string `json:"address"`
	ProtocolPort int    `json:"protocolPort"`
	Weight       int    `json:"weight,omitempty"`
	URI          string `json:"uri,omitempty"`
}

// VIP is a pool's virtual address.
type VIP struct {
	ID                 string  `json:"id,omitempty"`
	AdminStateUp       *bool   `json:"adminStateUp,omitempty"`
	LoadBalancerID     *string `json:"loadBalancerId,omitempty"`
	PoolID             string  `json:"poolId"`
	Address            string  `json:"address"`
	ProtocolPort       int     `json:"protocolPort"`
	SessionPersistence *string `json:"sessionPersistence"`
	URI                string  `json:"uri,omitempty"`
}

// HealthMonitor checks pool members; Type is TCP.
type HealthMonitor struct {
	ID           string `json:"id,omitempty"`
	AdminStateUp *bool  `json:"adminStateUp,omitempty"`
	Type         string `json:"type"`
	Delay        int    `json:"delay"`
	Timeout      int    `json:"timeout"`
	MaxRetries   int    `json:"maxRetries"`
	URI          string `json:"uri,omitempty"`
	Pools        string `json:"pools,omitempty"`
}

// QosPolicyRule is an inline rule of a QoS policy create/update (the
// Neutron form): Type is bandwidth_limit or dscp_marking.
type QosPolicyRule struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	MaxKbps      *int   `json:"max_kbps,omitempty"`
	MaxBurstKbps *int   `json:"max_burst_kbps,omitempty"`
	DscpMark     *int   `json:"dscp_mark,omitempty"`
}

// QosPolicy is a QoS policy; note the reference's snake-case tenant_id.
type QosPolicy struct {
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"`
	Description  string          `json:"description,omitempty"`
	Shared       *bool           `json:"shared"`
	TenantID     string          `json:"tenant_id,omitempty"`
	Rules        []QosPolicyRule `json:"rules,omitempty"`
	URI          string          `json:"uri,omitempty"`
	BwLimitRules string          `json:"bwLimitRules,omitempty"`
	DscpRules    string          `json:"dscpRules,omitempty"`
}

// QosBwLimitRule limits a port's bandwidth.
type QosBwLimitRule struct {
	ID         string `json:"id,omitempty"`
	MaxKbps    int    `json:"maxKbps"`
	MaxBurstKb *int   `json:"maxBurstKb"`
	PolicyID   string `json:"policyId,omitempty"`
	URI        string `json:"uri,omitempty"`
}

// QosDscpRule marks a port's traffic.
type QosDscpRule struct {
	ID       string `json:"id,omitempty"`
	DscpMark int    `json:"dscpMark"`
	PolicyID string `json:"policyId,omitempty"`
	URI      string `json:"uri,omitempty"`
}

// Condition is a traffic-matching condition of mirrors and trace requests
// (the common fields; Do with a map reaches the others).
type Condition struct {
	NwProto      *int     `json:"nwProto,omitempty"`
	NwSrcAddress *string  `json:"nwSrcAddress,omitempty"`
	NwSrcLength  int      `json:"nwSrcLength,omitempty"`
	NwDstAddress *string  `json:"nwDstAddress,omitempty"`
	NwDstLength  int      `json:"nwDstLength,omitempty"`
	TpDst        *Range   `json:"tpDst,omitempty"`
	InPorts      []string `json:"inPorts,omitempty"`
}

// Mirror copies matching traffic to ToPortID.
type Mirror struct {
	ID         string      `json:"id,omitempty"`
	ToPortID   string      `json:"toPortId"`
	Conditions []Condition `json:"conditions"`
	URI        string      `json:"uri,omitempty"`
}

// L2Insertion inserts a service port in front of a port.
type L2Insertion struct {
	ID        string `json:"id,omitempty"`
	PortID    string `json:"portId"`
	SrvPortID string `json:"srvPortId"`
	VLAN      int    `json:"vlan"`
	Position  int    `json:"position"`
	FailOpen  bool   `json:"failOpen"`
	MAC       string `json:"mac"`
	URI       string `json:"uri,omitempty"`
}

// ServiceContainerGroup schedules service containers; Policy is WEIGHTED or LEAST.
type ServiceContainerGroup struct {
	ID                string  `json:"id,omitempty"`
	Policy            *string `json:"policy"`
	HostGroupID       *string `json:"hostGroupId"`
	PortGroupID       *string `json:"portGroupId"`
	URI               string  `json:"uri,omitempty"`
	ServiceContainers string  `json:"serviceContainers,omitempty"`
}

// ServiceContainer is a container (VPN, ...) bound to a router port.
type ServiceContainer struct {
	ID              string  `json:"id,omitempty"`
	ServiceGroupID  *string `json:"serviceGroupId"`
	ConfigurationID *string `json:"configurationId"`
	PortID          *string `json:"portId"`
	ServiceType     string  `json:"serviceType"`
	StatusCode      string  `json:"statusCode,omitempty"`
	HostID          *string `json:"hostId"`
	URI             string  `json:"uri,omitempty"`
}

// TraceRequest traces flows of a device; DeviceType is BRIDGE, PORT or ROUTER.
type TraceRequest struct {
	ID                  string    `json:"id,omitempty"`
	Name                string    `json:"name"`
	DeviceType          string    `json:"deviceType"`
	DeviceID            string    `json:"deviceId"`
	Condition           Condition `json:"condition"`
	CreationTimestampMs int64     `json:"creationTimestampMs,omitempty"`
	Limit               int64     `json:"limit,omitempty"`
	Enabled             bool      `json:"enabled"`
	URI                 string    `json:"uri,omitempty"`
}

// MacPort is a bridge MAC-table entry.
type MacPort struct {
	MacAddr string `json:"macAddr"`
	PortID  string `json:"portId"`
	VlanID  *int   `json:"vlanId,omitempty"`
	URI     string `json:"uri,omitempty"`
}

// IPMac is an ARP-table or peering-table entry.
type IPMac struct {
	IP  string `json:"ip"`
	MAC string `json:"mac"`
	URI string `json:"uri,omitempty"`
}
