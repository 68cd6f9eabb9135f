// Package midonet holds MidoNet's registrations with the generic object
// store of package zoom — the stored classes, the 61 bindings, the 12 state
// keys and the state tables — the equivalent of the reference's
// MidonetBackend.setupBindings (and MidonetBackendModule's table
// registrations). NewStore builds a zoom.Store with them.
//
//	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
//	err = st.Tx(ctx, func(tx *zoom.Tx) error { return tx.Create(port) })
//
// Typed state-table views (bridge MAC tables per VLAN, IPv4→MAC, router ARP,
// port peering) are in tables.go.
package midonet

import (
	"context"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// State key names (MidonetBackend's constants).
const (
	ActiveKey        = "active"
	AliveKey         = "alive"
	BgpKey           = "bgp"
	ContainerKey     = "container"
	FloodingProxyKey = "flooding_proxy"
	HostKey          = "host"
	RoutesKey        = "routes"
	StatusKey        = "status"
	VtepConfigKey    = "config"
	VtepConnStateKey = "connection_state"
	VtepVxgwManager  = "vxgw_manager"
)

// State table names.
const (
	ArpTable     = "arp_table"
	Fip64Table   = "fip64_table"
	GatewayTable = "gateway_table"
	Ip4MacTable  = "ip4_mac_table"
	MacTable     = "mac_table"
	PeeringTable = "peering_table"
)

// ClusterNamespace is the state namespace of the cluster (the zero UUID).
const ClusterNamespace = zoom.ClusterNamespace

// Schema returns MidoNet's registrations: the 58 protobuf classes of
// models.Classes, the bindings, the state keys and the state tables.
// (The reference's one JSON class, C3POState, belongs to the Neutron
// importer and is not registered here.)
func Schema() zoom.Schema {
	return zoom.Schema{Classes: models.Classes(), Bindings: Bindings(), Keys: StateKeys(), Tables: Tables()}
}

// NewStore builds the object store with MidoNet's schema over conn.
func NewStore(ctx context.Context, conn storage.Conn, opts zoom.Options) (*zoom.Store, error) {
	return zoom.NewStore(ctx, conn, Schema(), opts)
}

// Bindings returns the 61 bindings of MidonetBackend.setupBindings, in
// the reference's order.
func Bindings() []zoom.Binding {
	const (
		clear   = zoom.Clear
		cascade = zoom.Cascade
		errorA  = zoom.Error
	)
	b := func(l, lf string, dl zoom.DeleteAction, r, rf string, dr zoom.DeleteAction) zoom.Binding {
		return zoom.Binding{Left: l, LeftField: lf, OnDeleteLeft: dl, Right: r, RightField: rf, OnDeleteRight: dr}
	}
	return []zoom.Binding{
		b("Port", "insertion_ids", cascade, "L2Insertion", "port_id", clear),
		b("Port", "srv_insertion_ids", cascade, "L2Insertion", "srv_port_id", clear),
		b("ServiceContainer", "service_group_id", clear, "ServiceContainerGroup", "service_container_ids", cascade),
		b("Port", "service_container_id", cascade, "ServiceContainer", "port_id", clear),
		b("ServiceContainerGroup", "host_group_id", clear, "HostGroup", "service_group_ids", clear),
		b("ServiceContainerGroup", "port_group_id", clear, "PortGroup", "service_group_ids", clear),
		b("Network", "port_ids", cascade, "Port", "network_id", clear),
		b("Network", "dhcp_ids", cascade, "Dhcp", "network_id", clear),
		b("Network", "dhcpv6_ids", cascade, "DhcpV6", "network_id", clear),
		b("Port", "peer_id", clear, "Port", "peer_id", clear),
		b("Port", "dhcp_id", clear, "Dhcp", "router_if_port_id", clear),
		b("Port", "host_id", clear, "Host", "port_ids", clear),
		b("Port", "port_group_ids", clear, "PortGroup", "port_ids", clear),
		b("Port", "route_ids", cascade, "Route", "next_hop_port_id", clear),
		b("Network", "inbound_filter_id", clear, "Chain", "network_inbound_ids", clear),
		b("Network", "outbound_filter_id", clear, "Chain", "network_outbound_ids", clear),
		b("Router", "inbound_filter_id", clear, "Chain", "router_inbound_ids", clear),
		b("Router", "outbound_filter_id", clear, "Chain", "router_outbound_ids", clear),
		b("Router", "local_redirect_chain_id", clear, "Chain", "router_redirect_ids", clear),
		b("Port", "inbound_filter_id", clear, "Chain", "port_inbound_ids", clear),
		b("Port", "outbound_filter_id", clear, "Chain", "port_outbound_ids", clear),
		b("Router", "port_ids", cascade, "Port", "router_id", clear),
		b("Router", "route_ids", cascade, "Route", "router_id", clear),
		b("Host", "tunnel_zone_ids", clear, "TunnelZone", "host_ids", clear),
		b("Host", "host_group_ids", clear, "HostGroup", "host_ids", clear),
		b("LoadBalancer", "pool_ids", cascade, "Pool", "load_balancer_id", clear),
		b("Pool", "pool_member_ids", cascade, "PoolMember", "pool_id", clear),
		b("Pool", "health_monitor_id", clear, "HealthMonitor", "pool_ids", clear),
		b("Network", "inbound_mirror_ids", clear, "Mirror", "network_inbound_ids", clear),
		b("Router", "inbound_mirror_ids", clear, "Mirror", "router_inbound_ids", clear),
		b("Port", "inbound_mirror_ids", clear, "Mirror", "port_inbound_ids", clear),
		b("Port", "post_in_filter_mirror_ids", clear, "Mirror", "port_post_in_filter_ids", clear),
		b("Network", "outbound_mirror_ids", clear, "Mirror", "network_outbound_ids", clear),
		b("Router", "outbound_mirror_ids", clear, "Mirror", "router_outbound_ids", clear),
		b("Port", "outbound_mirror_ids", clear, "Mirror", "port_outbound_ids", clear),
		b("Port", "pre_out_filter_mirror_ids", clear, "Mirror", "port_pre_out_filter_ids", clear),
		b("Mirror", "to_port_id", clear, "Port", "mirror_ids", cascade),
		b("Router", "load_balancer_id", errorA, "LoadBalancer", "router_id", clear),
		b("Pool", "vip_ids", cascade, "Vip", "pool_id", clear),
		b("Vip", "gateway_port_id", clear, "Port", "vip_ids", errorA),
		b("Router", "bgp_network_ids", cascade, "BgpNetwork", "router_id", clear),
		b("Router", "bgp_peer_ids", cascade, "BgpPeer", "router_id", clear),
		b("Route", "gateway_dhcp_id", clear, "Dhcp", "gateway_route_ids", cascade),
		b("Rule", "chain_id", clear, "Chain", "rule_ids", cascade),
		b("Rule", "fip_port_id", clear, "Port", "fip_nat_rule_ids", cascade),
		b("NeutronPort", "floating_ip_ids", clear, "FloatingIp", "port_id", clear),
		b("NeutronPort", "gw_router_id", clear, "NeutronRouter", "gw_port_id", clear),
		b("Network", "trace_request_ids", cascade, "TraceRequest", "network_id", clear),
		b("Router", "trace_request_ids", cascade, "TraceRequest", "router_id", clear),
		b("Port", "trace_request_ids", cascade, "TraceRequest", "port_id", clear),
		b("RuleLogger", "chain_id", clear, "Chain", "logger_ids", cascade),
		b("RuleLogger", "logging_resource_id", clear, "LoggingResource", "logger_ids", cascade),
		b("VpnService", "router_id", clear, "Router", "vpn_service_ids", cascade),
		b("VpnService", "ipsec_site_connection_ids", cascade, "IPSecSiteConnection", "vpnservice_id", clear),
		b("IPSecSiteConnection", "route_ids", cascade, "Route", "ipsec_site_connection_id", clear),
		b("GatewayDevice", "remote_mac_entry_ids", cascade, "RemoteMacEntry", "device_id", clear),
		b("RemoteMacEntry", "port_ids", clear, "Port", "remote_mac_entry_ids", clear),
		b("QosPolicy", "bandwidth_limit_rule_ids", cascade, "QosRuleBandwidthLimit", "policy_id", clear),
		b("QosPolicy", "dscp_marking_rule_ids", cascade, "QosRuleDscp", "policy_id", clear),
		b("Port", "qos_policy_id", clear, "QosPolicy", "port_ids", clear),
		b("Network", "qos_policy_id", clear, "QosPolicy", "network_ids", clear),
	}
}

// StateKeys returns the 12 state keys registered by setupBindings.
func StateKeys() []zoom.StateKey {
	k := func(class, key string, t zoom.KeyType) zoom.StateKey {
		return zoom.StateKey{Class: class, Key: key, Type: t}
	}
	return []zoom.StateKey{
		k("ServiceContainer", StatusKey, zoom.SingleLastWriteWins),
		k("Host", AliveKey, zoom.SingleLastWriteWins),
		k("Host", ContainerKey, zoom.FailFast),
		k("Host", HostKey, zoom.SingleLastWriteWins),
		k("PoolMember", StatusKey, zoom.SingleLastWriteWins),
		k("Port", ActiveKey, zoom.SingleLastWriteWins),
		k("Port", BgpKey, zoom.SingleLastWriteWins),
		k("Port", RoutesKey, zoom.Multiple),
		k("TunnelZone", FloodingProxyKey, zoom.SingleLastWriteWins),
		k("Vtep", VtepConfigKey, zoom.SingleLastWriteWins),
		k("Vtep", VtepConnStateKey, zoom.SingleLastWriteWins),
		k("Vtep", VtepVxgwManager, zoom.SingleFirstWriteWins),
	}
}

// Tables returns the per-object state tables (MidonetBackendModule).
func Tables() []zoom.TableSpec {
	return []zoom.TableSpec{
		{Class: "Network", Name: MacTable, Legacy: legacyMacTablePath},
		{Class: "Network", Name: Ip4MacTable, Legacy: func(root, id string, _ []string) string {
			return root + "/bridges/" + id + "/ip4_mac_map"
		}},
		{Class: "Router", Name: ArpTable, Legacy: func(root, id string, _ []string) string {
			return root + "/routers/" + id + "/arp_table"
		}},
		{Class: "Port", Name: PeeringTable},
		{Class: "NeutronNetwork", Name: GatewayTable},
		{Class: "NeutronNetwork", Name: Fip64Table},
	}
}
