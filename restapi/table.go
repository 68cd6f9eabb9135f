package restapi

import (
	"github.com/midonet/midonet-go/midonet/models"
)

// Field-row helpers: the table reads as data, one line per JSON field.
func fID() field             { return field{json: "id", proto: "id", kind: kUUID, mode: createOnly} }
func fStr(j, p string) field { return field{json: j, proto: p, kind: kString} }
func fName(j, p string, min, max int) field {
	return field{json: j, proto: p, kind: kString, sizeMin: min, sizeMax: max}
}
func fBool(j, p string) field            { return field{json: j, proto: p, kind: kBool} }
func fBoolDef(j, p string, d bool) field { return field{json: j, proto: p, kind: kBool, def: d} }
func fUUID(j, p string) field            { return field{json: j, proto: p, kind: kUUID} }
func fUUIDs(j, p string) field           { return field{json: j, proto: p, kind: kUUIDList} }
func fInt(j, p string) field             { return field{json: j, proto: p, kind: kInt} }
func fIntRange(j, p string, min, max int64) field {
	return field{json: j, proto: p, kind: kInt, min: bound(min), max: bound(max)}
}
func fNullInt(j, p string) field { return field{json: j, proto: p, kind: kNullInt} }
func fRO(f field) field          { f.mode = ro; return f }
func fSticky(f field) field      { f.mode = sticky; return f }
func fReq(f field) field         { f.required = true; return f }

func lRef(j, ref, from string) link { return link{json: j, ref: ref, from: from} }
func lSub(j, suffix string) link    { return link{json: j, suffix: suffix} }

// Media types with "+J": plain application/json also accepted.
func single(names ...string) mediaTypes {
	out := mediaTypes{}
	for _, n := range names {
		out = append(out, Vendor(n))
	}
	return out
}

func collection(names ...string) mediaTypes {
	out := mediaTypes{}
	for _, n := range names {
		out = append(out, VendorCollection(n))
	}
	return out
}

var tenantFilter = queryFilter{param: "tenant_id", proto: "tenant_id", kind: kString}

// conditionFields are the rule-matching fields shared by rules (and, later,
// mirrors and trace requests), stored in a commons.Condition at prefix.
func conditionFields(prefix string) []field {
	c := func(p string) string {
		if prefix == "" {
			return p
		}
		return prefix + "." + p
	}
	return []field{
		fBool("condInvert", c("conjunction_inv")),
		fBool("matchForwardFlow", c("match_forward_flow")),
		fBool("matchReturnFlow", c("match_return_flow")),
		fBool("matchNwDstRewritten", c("match_nw_dst_rewritten")),
		fBool("noVlan", c("no_vlan")),
		fUUIDs("inPorts", c("in_port_ids")),
		fBool("invInPorts", c("in_port_inv")),
		fUUIDs("outPorts", c("out_port_ids")),
		fBool("invOutPorts", c("out_port_inv")),
		fUUID("portGroup", c("port_group_id")),
		fBool("invPortGroup", c("inv_port_group")),
		fUUID("inPortGroup", c("in_port_group_id")),
		fBool("invInPortGroup", c("inv_in_port_group")),
		fUUID("outPortGroup", c("out_port_group_id")),
		fBool("invOutPortGroup", c("inv_out_port_group")),
		fUUID("ipAddrGroupSrc", c("ip_addr_group_id_src")),
		fBool("invIpAddrGroupSrc", c("inv_ip_addr_group_id_src")),
		fUUID("ipAddrGroupDst", c("ip_addr_group_id_dst")),
		fBool("invIpAddrGroupDst", c("inv_ip_addr_group_id_dst")),
		fUUID("traversedDevice", c("traversed_device")),
		fBool("invTraversedDevice", c("traversed_device_inv")),
		fNullInt("vlan", c("vlan")),
		{json: "dlType", proto: c("dl_type"), kind: kNullInt, min: bound(0x600), max: bound(0xFFFF)},
		fBool("invDlType", c("inv_dl_type")),
		{json: "dlSrc", proto: c("dl_src"), kind: kMAC},
		{json: "dlSrcMask", proto: c("dl_src_mask"), kind: kMACMask},
		fBool("invDlSrc", c("inv_dl_src")),
		{json: "dlDst", proto: c("dl_dst"), kind: kMAC},
		{json: "dlDstMask", proto: c("dl_dst_mask"), kind: kMACMask},
		fBool("invDlDst", c("inv_dl_dst")),
		fNullInt("nwTos", c("nw_tos")),
		fBool("invNwTos", c("nw_tos_inv")),
		fNullInt("nwProto", c("nw_proto")),
		fBool("invNwProto", c("nw_proto_inv")),
		{json: "nwSrcAddress", proto: c("nw_src_ip"), kind: kSubnetAddr},
		{json: "nwSrcLength", proto: c("nw_src_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invNwSrc", c("nw_src_inv")),
		{json: "nwDstAddress", proto: c("nw_dst_ip"), kind: kSubnetAddr},
		{json: "nwDstLength", proto: c("nw_dst_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invNwDst", c("nw_dst_inv")),
		{json: "tpSrc", proto: c("tp_src"), kind: kRange},
		fBool("invTpSrc", c("tp_src_inv")),
		{json: "tpDst", proto: c("tp_dst"), kind: kRange},
		fBool("invTpDst", c("tp_dst_inv")),
		{json: "icmpDataSrcIpAddress", proto: c("icmp_data_src_ip"), kind: kSubnetAddr},
		{json: "icmpDataSrcIpLength", proto: c("icmp_data_src_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invIcmpDataSrcIp", c("icmp_data_src_ip_inv")),
		{json: "icmpDataDstIpAddress", proto: c("icmp_data_dst_ip"), kind: kSubnetAddr},
		{json: "icmpDataDstIpLength", proto: c("icmp_data_dst_ip"), kind: kSubnetLen, min: bound(0), max: bound(32)},
		fBool("invIcmpDataDstIp", c("icmp_data_dst_ip_inv")),
		{json: "fragmentPolicy", proto: c("fragment_policy"), kind: kEnum,
			enum:      map[string]string{"any": "ANY", "nonheader": "NONHEADER", "header": "HEADER", "unfragmented": "UNFRAGMENTED"},
			enumError: "The valid options for fragmentPolicy are: 'any', 'header', 'nonheader', and 'unfragmented'."},
	}
}

func literalRule(name, action string) variant {
	return variant{names: []string{name}, fixed: []fixedValue{{"type", "LITERAL_RULE"}, {"action", action}}}
}

func natRule(name string, dnat, reverse bool) variant {
	fields := []field{fReq(field{json: "flowAction", proto: "action", kind: kEnum,
		enum: map[string]string{"accept": "ACCEPT", "continue": "CONTINUE", "return": "RETURN"}})}
	if !reverse {
		fields = append(fields, fReq(field{json: "natTargets", proto: "nat_rule_data.nat_targets", kind: kNatTargets}))
	}
	return variant{names: []string{name}, fields: fields, fixed: []fixedValue{
		{"type", "NAT_RULE"}, {"nat_rule_data.dnat", dnat}, {"nat_rule_data.reverse", reverse}}}
}

// resourceTable is THE table: every generic resource of the API.
func resourceTable() []*resource {
	return append(append(coreResources(), serviceResources()...), vtepResources()...)
}

// coreResources are the devices, ports, routing and filtering resources.
func coreResources() []*resource {
	bridgePortVariants := []string{"Bridge"}
	routerPortVariants := []string{"Router"}
	return []*resource{
		{
			segment: "bridges", rootKey: "bridges", templateKey: "bridgeTemplate",
			model:      &models.Network{},
			single:     single("Bridge-v4", "Bridge-v5").withJSON(),
			collection: collection("Bridge-v4", "Bridge-v5").withJSON(),
			ops:        opList | opGet | opCreate | opUpdate | opDelete,
			fields: []field{
				fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255),
				fBoolDef("adminStateUp", "admin_state_up", true),
				fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
				fRO(fUUIDs("vxLanPortIds", "vxlan_port_ids")),
				fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
				fUUID("qosPolicyId", "qos_policy_id"),
			},
			links: []link{
				lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
				lSub("ports", "/ports"), lSub("peerPorts", "/peer_ports"), lSub("vxLanPorts", "/vxlan_ports"),
				lSub("macTable", "/mac_table"), lSub("arpTable", "/arp_table"),
				lSub("dhcpSubnets", "/dhcp"), lSub("dhcpSubnet6s", "/dhcpV6"),
				lSub("vlanMacTableTemplate", "/vlans/{vlanId}/mac_table"),
				lSub("macPortTemplate", "/mac_table/{macAddress}_{portId}"),
				lSub("vlanMacPortTemplate", "/vlans/{vlanId}/mac_table/{macAddress}_{portId}"),
			},
			filters: []queryFilter{tenantFilter},
			hooks:   hooks{decode: decodeBridge, remove: removeBridge},
		},
		{
			segment: "routers", rootKey: "routers", templateKey: "routerTemplate",
			model:      &models.Router{},
			single:     single("Router-v3").withJSON(),
			collection: collection("Router-v3").withJSON(),
			ops:        opList | opGet | opCreate | opUpdate | opDelete,
			fields: []field{
				fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255),
				fBoolDef("adminStateUp", "admin_state_up", true),
				fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
				fUUID("localRedirectChainId", "local_redirect_chain_id"), fUUID("forwardChainId", "forward_chain_id"),
				fUUID("loadBalancerId", "load_balancer_id"),
				{json: "asNumber", proto: "as_number", kind: kInt, def: 0},
				fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
			},
			links: []link{
				lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
				lRef("localRedirectChain", "chains", "local_redirect_chain_id"), lRef("forwardChain", "chains", "forward_chain_id"),
				lRef("loadBalancer", "load_balancers", "load_balancer_id"),
				lSub("ports", "/ports"), lSub("peerPorts", "/peer_ports"), lSub("routes", "/routes"),
				lSub("bgpNetworks", "/bgp_networks"), lSub("bgpPeers", "/bgp_peers"),
			},
			filters:         []queryFilter{tenantFilter},
			deleteMissingOK: true,
		},
		{
			segment: "ports", rootKey: "ports", templateKey: "portTemplate",
			model:         &models.Port{},
			single:        single("Port-v3", "Port-v4").withJSON(),
			collection:    collection("Port-v3", "Port-v4").withJSON(),
			ops:           opList | opGet | opCreate | opUpdate | opDelete,
			discriminator: "type",
			fields: []field{
				fID(), fBoolDef("adminStateUp", "admin_state_up", true),
				fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
				fRO(fInt("tunnelKey", "tunnel_key")), fUUID("vifId", "vif_id"),
				fSticky(fUUID("hostId", "host_id")), fSticky(fStr("interfaceName", "interface_name")),
				fSticky(fUUID("peerId", "peer_id")),
				fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
				fUUIDs("postInFilterMirrorIds", "post_in_filter_mirror_ids"),
				fUUIDs("preOutFilterMirrorIds", "pre_out_filter_mirror_ids"),
				fRO(fUUIDs("insertionIds", "insertion_ids")),
				fUUID("qosPolicyId", "qos_policy_id"),
			},
			variants: []variant{
				{names: []string{"Vxlan"}, match: hasAll("vtep_id"),
					fields: []field{fRO(fUUID("vtepId", "vtep_id")), fRO(fInt("vlanId", "vlan_id"))}},
				{names: []string{"Bridge", "ExteriorBridge", "InteriorBridge"}, match: hasAll("network_id"),
					fields: []field{fIntRange("vlanId", "vlan_id", 0, 4095)}},
				{names: []string{"Router", "ExteriorRouter", "InteriorRouter"}, match: hasAll("router_id"),
					fields: []field{
						{json: "portSubnet", proto: "port_subnet", kind: kSubnetList},
						{json: "portAddress", proto: "port_address", kind: kIPv4Addr},
						{json: "portMac", proto: "port_mac", kind: kMAC},
						fIntRange("rtrPortVni", "vni", 0, 16777215),
						{json: "offRampVxlan", proto: "off_ramp_vxlan", kind: kNullBool},
						fRO(fUUID("serviceContainerId", "service_container_id")),
					}},
			},
			links: []link{
				lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
				lRef("host", "hosts", "host_id"), lRef("peer", "ports", "peer_id"),
				lSub("link", "/link"), lSub("portGroups", "/port_groups"),
			},
			parents: []parent{
				{segment: "bridges", sub: "ports", ref: "network_id", backRef: "port_ids",
					variants: bridgePortVariants, variantMessage: "Not a bridge port."},
				{segment: "routers", sub: "ports", ref: "router_id", backRef: "port_ids",
					variants: routerPortVariants, variantMessage: "Not a router port."},
				{segment: "bridges", sub: "vxlan_ports", backRef: "vxlan_port_ids", listOnly: true},
			},
			hooks: hooks{decode: decodePort, encode: encodePort, create: createPort, remove: removePort},
		},
		{
			segment: "routes", templateKey: "routeTemplate",
			model:           &models.Route{},
			single:          single("Route-v1").withJSON(),
			collection:      collection("Route-v1").withJSON(),
			listNegotiation: standard,
			ops:             opGet | opCreate | opDelete,
			fields: []field{
				fID(), fRO(fUUID("routerId", "router_id")),
				fReq(field{json: "type", proto: "next_hop", kind: kEnum,
					enum:      map[string]string{"Normal": "PORT", "BlackHole": "BLACKHOLE", "Reject": "REJECT", "Local": "LOCAL", "Fip64": "FIP64"},
					enumError: "This type of route is invalid."}),
				fReq(field{json: "srcNetworkAddr", proto: "src_subnet", kind: kSubnetAddr}),
				{json: "srcNetworkLength", proto: "src_subnet", kind: kSubnetLen, min: bound(0), max: bound(32)},
				fReq(field{json: "dstNetworkAddr", proto: "dst_subnet", kind: kSubnetAddr}),
				{json: "dstNetworkLength", proto: "dst_subnet", kind: kSubnetLen, min: bound(0), max: bound(32)},
				fUUID("nextHopPort", "next_hop_port_id"),
				{json: "nextHopGateway", proto: "next_hop_gateway", kind: kIPv4Addr},
				{json: "weight", proto: "weight", kind: kInt, min: bound(0)},
				fStr("attributes", "attributes"),
			},
			links: []link{lRef("router", "routers", "router_id")},
			parents: []parent{
				{segment: "routers", sub: "routes", ref: "router_id", backRef: "route_ids"},
			},
			deleteMissingOK: true,
			hooks:           hooks{create: createRoute, encode: encodeRoute, listUnder: listRouterRoutes},
		},
		{
			segment: "chains", rootKey: "chains", templateKey: "chainTemplate",
			model:      &models.Chain{},
			single:     single("Chain-v1").withJSON(),
			collection: collection("Chain-v1").withJSON(),
			ops:        opList | opGet | opCreate | opDelete,
			fields:     []field{fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255)},
			links:      []link{lSub("rules", "/rules")},
			filters:    []queryFilter{tenantFilter},
			hooks:      hooks{remove: removeChain},
		},
		{
			segment: "rules", templateKey: "ruleTemplate",
			model:         &models.Rule{},
			single:        single("Rule-v2").withJSON(),
			collection:    collection("Rule-v2").withJSON(),
			ops:           opGet | opCreate | opDelete,
			discriminator: "type",
			fields: append([]field{
				fID(), fRO(fUUID("chainId", "chain_id")),
			}, conditionFields("condition")...),
			variants: []variant{
				literalRule("accept", "ACCEPT"), literalRule("drop", "DROP"),
				literalRule("reject", "REJECT"), literalRule("return", "RETURN"),
				{names: []string{"jump"}, fixed: []fixedValue{{"type", "JUMP_RULE"}, {"action", "JUMP"}},
					fields: []field{
						fReq(fUUID("jumpChainId", "jump_rule_data.jump_chain_id")),
						fStr("jumpChainName", "jump_rule_data.jump_chain_name"),
					}},
				natRule("dnat", true, false), natRule("snat", false, false),
				natRule("rev_dnat", true, true), natRule("rev_snat", false, true),
				{names: []string{"l2_transform"}, fixed: []fixedValue{{"type", "L2TRANSFORM_RULE"}},
					fields: []field{
						fReq(field{json: "flowAction", proto: "action", kind: kEnum,
							enum: map[string]string{"accept": "ACCEPT", "redirect": "REDIRECT"}}),
						fBool("popVlan", "transform_rule_data.pop_vlan"),
						fIntRange("pushVlan", "transform_rule_data.push_vlan", 0, 65535),
						fUUID("targetPortId", "transform_rule_data.target_port_id"),
						fBool("ingress", "transform_rule_data.ingress"),
						fBool("failOpen", "transform_rule_data.fail_open"),
					}},
				{names: []string{"trace"}, fixed: []fixedValue{{"type", "TRACE_RULE"}, {"action", "CONTINUE"}},
					fields: []field{
						fReq(fUUID("requestId", "trace_rule_data.trace_request_id")),
						fInt("limit", "trace_rule_data.limit"),
					}},
			},
			parents: []parent{
				{segment: "chains", sub: "rules", ref: "chain_id", backRef: "rule_ids"},
			},
			hooks: hooks{decode: decodeRule, encode: encodeRule, create: createRule, remove: removeRule},
		},
		{
			segment: "port_groups", rootKey: "portGroups", templateKey: "portGroupTemplate",
			model:      &models.PortGroup{},
			single:     single("PortGroup-v1").withJSON(),
			getSingle:  single("PortGroup-v1"),
			collection: collection("PortGroup-v1").withJSON(),
			ops:        opList | opGet | opCreate | opUpdate | opDelete,
			fields: []field{
				fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255), fBool("stateful", "stateful"),
			},
			links: []link{lSub("ports", "/ports")},
			filters: []queryFilter{tenantFilter,
				{param: "port_id", proto: "port_ids", kind: kUUIDList}},
			deleteMissingOK: true,
		},
		{
			segment: "ip_addr_groups", rootKey: "ipAddrGroups", templateKey: "ipAddrGroupTemplate",
			model:      &models.IPAddrGroup{},
			single:     single("IpAddrGroup-v1"),
			collection: collection("IpAddrGroup-v1"),
			ops:        opList | opGet | opCreate | opDelete,
			fields: []field{
				fID(), fReq(fName("name", "name", 1, 255)),
				fUUID("inboundChainId", "inbound_chain_id"), fUUID("outboundChainId", "outbound_chain_id"),
				fUUIDs("ruleIds", "rule_ids"),
			},
			links:           []link{lSub("addrs", "/ip_addrs")},
			deleteMissingOK: true,
			hooks:           hooks{encode: encodeIPAddrGroup},
		},
		{
			segment: "hosts", rootKey: "hosts", templateKey: "hostTemplate",
			model:          &models.Host{},
			single:         single("Host-v3").withJSON(),
			collection:     collection("Host-v3").withJSON(),
			ops:            opList | opGet | opCreate | opUpdate | opDelete,
			updateStatus:   200,
			deleteStatus:   200,
			getNegotiation: strict,
			fields: []field{
				fID(), {json: "name", proto: "name", kind: kString, mode: createOnly},
				fIntRange("floodingProxyWeight", "flooding_proxy_weight", 0, 65535),
				{json: "containerWeight", proto: "container_weight", kind: kInt, min: bound(0)},
				{json: "containerLimit", proto: "container_limit", kind: kInt, min: bound(-1)},
				fBool("enforceContainerLimit", "enforce_container_limit"),
			},
			links: []link{lSub("interfaces", "/interfaces"), lSub("ports", "/ports")},
			hooks: hooks{decode: decodeHost, encode: encodeHost, remove: removeHost},
		},
		{
			segment: "tunnel_zones", rootKey: "tunnelZones", templateKey: "tunnelZoneTemplate",
			model:      &models.TunnelZone{},
			single:     single("TunnelZone-v1").withJSON(),
			collection: collection("TunnelZone-v1").withJSON(),
			ops:        opList | opGet | opCreate | opUpdate | opDelete,
			fields: []field{
				fID(), fReq(fName("name", "name", 1, 255)),
				fReq(field{json: "type", proto: "type", kind: kEnum,
					enum: map[string]string{"gre": "GRE", "vxlan": "VXLAN", "vtep": "VTEP"}}),
			},
			links:           []link{lSub("hosts", "/hosts")},
			deleteMissingOK: true,
			hooks:           hooks{decode: decodeTunnelZone, remove: removeTunnelZone},
		},
	}
}
