package client

// Accessors of the service resources. Objects created under a parent are
// read, updated and deleted at their top-level URI.

// RouterBgpNetworks is /routers/{id}/bgp_networks.
func (c *Client) RouterBgpNetworks(routerID string) Resource[BgpNetwork] {
	return res[BgpNetwork](c, sub("routers", routerID, "bgp_networks"), "bgp_networks", "BgpNetwork-v1")
}

// RouterBgpPeers is /routers/{id}/bgp_peers.
func (c *Client) RouterBgpPeers(routerID string) Resource[BgpPeer] {
	return res[BgpPeer](c, sub("routers", routerID, "bgp_peers"), "bgp_peers", "BgpPeer-v1")
}

// LoadBalancers is /load_balancers.
func (c *Client) LoadBalancers() Resource[LoadBalancer] {
	return res[LoadBalancer](c, "load_balancers", "load_balancers", "LoadBalancer-v1")
}

// Pools is /pools.
func (c *Client) Pools() Resource[Pool] { return res[Pool](c, "pools", "pools", "Pool-v1") }

// LoadBalancerPools is /load_balancers/{id}/pools.
func (c *Client) LoadBalancerPools(lbID string) Resource[Pool] {
	return res[Pool](c, sub("load_balancers", lbID, "pools"), "pools", "Pool-v1")
}

// HealthMonitorPools is /health_monitors/{id}/pools (list only).
func (c *Client) HealthMonitorPools(hmID string) Resource[Pool] {
	return res[Pool](c, sub("health_monitors", hmID, "pools"), "pools", "Pool-v1")
}

// PoolMembers is /pool_members.
func (c *Client) PoolMembers() Resource[PoolMember] {
	return res[PoolMember](c, "pool_members", "pool_members", "PoolMember-v1")
}

// PoolPoolMembers is /pools/{id}/pool_members.
func (c *Client) PoolPoolMembers(poolID string) Resource[PoolMember] {
	return res[PoolMember](c, sub("pools", poolID, "pool_members"), "pool_members", "PoolMember-v1")
}

// VIPs is /vips.
func (c *Client) VIPs() Resource[VIP] { return res[VIP](c, "vips", "vips", "VIP-v1") }

// PoolVIPs is /pools/{id}/vips.
func (c *Client) PoolVIPs(poolID string) Resource[VIP] {
	return res[VIP](c, sub("pools", poolID, "vips"), "vips", "VIP-v1")
}

// LoadBalancerVIPs is /load_balancers/{id}/vips (list only).
func (c *Client) LoadBalancerVIPs(lbID string) Resource[VIP] {
	return res[VIP](c, sub("load_balancers", lbID, "vips"), "vips", "VIP-v1")
}

// HealthMonitors is /health_monitors.
func (c *Client) HealthMonitors() Resource[HealthMonitor] {
	return res[HealthMonitor](c, "health_monitors", "health_monitors", "HealthMonitor-v1")
}

// QosPolicies is /qos_policies.
func (c *Client) QosPolicies() Resource[QosPolicy] {
	return res[QosPolicy](c, "qos_policies", "qos_policies", "QOSPolicy-v1")
}

// QosBwLimitRules is /qos_policies/{id}/qos_bw_limit_rules.
func (c *Client) QosBwLimitRules(policyID string) Resource[QosBwLimitRule] {
	return res[QosBwLimitRule](c, sub("qos_policies", policyID, "qos_bw_limit_rules"), "qos_bw_limit_rules", "QOSRuleBWLimit-v1")
}

// QosDscpRules is /qos_policies/{id}/qos_dscp_rules.
func (c *Client) QosDscpRules(policyID string) Resource[QosDscpRule] {
	return res[QosDscpRule](c, sub("qos_policies", policyID, "qos_dscp_rules"), "qos_dscp_rules", "QOSRuleDSCP-v1")
}

// Mirrors is /mirrors.
func (c *Client) Mirrors() Resource[Mirror] { return res[Mirror](c, "mirrors", "mirrors", "Mirror-v1") }

// L2Insertions is /l2insertions.
func (c *Client) L2Insertions() Resource[L2Insertion] {
	return res[L2Insertion](c, "l2insertions", "l2insertions", "L2Insertion-v1")
}

// ServiceContainerGroups is /service_container_groups.
func (c *Client) ServiceContainerGroups() Resource[ServiceContainerGroup] {
	return res[ServiceContainerGroup](c, "service_container_groups", "service_container_groups", "ServiceContainerGroup-v1")
}

// ServiceContainers is /service_containers.
func (c *Client) ServiceContainers() Resource[ServiceContainer] {
	return res[ServiceContainer](c, "service_containers", "service_containers", "ServiceContainer-v1")
}

// GroupServiceContainers is /service_container_groups/{id}/service_containers.
func (c *Client) GroupServiceContainers(groupID string) Resource[ServiceContainer] {
	return res[ServiceContainer](c, sub("service_container_groups", groupID, "service_containers"), "service_containers", "ServiceContainer-v1")
}

// TraceRequests is /traces.
func (c *Client) TraceRequests() Resource[TraceRequest] {
	return res[TraceRequest](c, "traces", "traces", "TraceRequest-v1")
}

// BridgeMACTable is /bridges/{id}/mac_table (entries of every VLAN; create
// with VlanID set for a tagged entry). Entries are read and deleted at
// their uri.
func (c *Client) BridgeMACTable(bridgeID string) Resource[MacPort] {
	p := sub("bridges", bridgeID, "mac_table")
	return res[MacPort](c, p, p, "MacPort-v2")
}

// BridgeARPTable is /bridges/{id}/arp_table.
func (c *Client) BridgeARPTable(bridgeID string) Resource[IPMac] {
	p := sub("bridges", bridgeID, "arp_table")
	return res[IPMac](c, p, p, "IP4Mac-v1")
}

// PortPeeringTable is /routers/{rid}/ports/{pid}/peering_table. The
// reference's collection media type is the single one (no "collection.").
func (c *Client) PortPeeringTable(routerID, portID string) Resource[IPMac] {
	p := sub("routers", routerID, "ports") + "/" + portID + "/peering_table"
	r := res[IPMac](c, p, p, "MacIp-v1")
	r.coll = Media("MacIp-v1")
	return r
}
