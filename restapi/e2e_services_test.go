package restapi_test

import (
	"context"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/midonet/midonet-go/restapi/client"
)

func poolID(p client.Pool) string         { return p.ID }
func vipID(v client.VIP) string           { return v.ID }
func memberID(m client.PoolMember) string { return m.ID }

// TestServiceResources drives the BGP, load-balancing, QoS, mirror, L2
// insertion, service-container, trace and state-table resources through
// the typed client, then deletes devices and checks the cascades.
func TestServiceResources(t *testing.T) {
	onBackends(t, serviceResources)
}

func serviceResources(t *testing.T, b backend) {
	ctx := context.Background()
	_, c := serve(t, b)

	router := must(c.Routers().Create(ctx, &client.Router{Name: "edge", TenantID: "acme"}))(t)
	bridge := must(c.Bridges().Create(ctx, &client.Bridge{Name: "net", TenantID: "acme"}))(t)
	rport := must(c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"10.0.0.1/24"}}))(t)
	bport := must(c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"}))(t)
	vport := must(c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge", VlanID: 7}))(t)
	svc := must(c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"}))(t)

	// BGP.
	bn := must(c.RouterBgpNetworks(router.ID).Create(ctx, &client.BgpNetwork{SubnetAddress: "192.0.2.0", SubnetLength: 24}))(t)
	if bn.SubnetAddress != "192.0.2.0" || bn.SubnetLength != 24 || bn.Router != c.URL("routers/"+router.ID) {
		t.Errorf("bgp network: %+v", bn)
	}
	_, err := c.RouterBgpNetworks(router.ID).Create(ctx, &client.BgpNetwork{SubnetAddress: "nope"})
	wantStatus(t, err, 400)
	_, err = c.Do(ctx, "POST", "bgp_networks", "", client.Media("BgpNetwork-v1"), &client.BgpNetwork{SubnetAddress: "192.0.2.0"}, nil)
	wantStatus(t, err, 405)
	peer := must(c.RouterBgpPeers(router.ID).Create(ctx, &client.BgpPeer{ASNumber: 65001, Address: "10.0.0.2", KeepAlive: ptr(30)}))(t)
	_, err = c.RouterBgpPeers(router.ID).Create(ctx, &client.BgpPeer{ASNumber: 65001, Address: "10.0.0.2"})
	wantStatus(t, err, 400)
	_, err = c.RouterBgpPeers(router.ID).Create(ctx, &client.BgpPeer{ASNumber: 65002, Address: "10.0.0.3", HoldTime: ptr(1)})
	wantStatus(t, err, 400)
	peer.HoldTime = ptr(90)
	must(0, c.RouterBgpPeers(router.ID).Update(ctx, peer.ID, peer))(t)
	if got := must(c.RouterBgpPeers(router.ID).Get(ctx, peer.ID))(t); got.HoldTime == nil || *got.HoldTime != 90 || got.Router != peer.Router {
		t.Errorf("bgp peer after PUT: %+v", got)
	}
	if got := must(c.RouterBgpPeers(router.ID).List(ctx, nil))(t); len(got) != 1 {
		t.Errorf("bgp peers: %+v", got)
	}

	// Load balancing: LB → pool (with health monitor) → members, VIP.
	_, err = c.LoadBalancers().Create(ctx, &client.LoadBalancer{RouterID: &router.ID})
	wantStatus(t, err, 400)
	lb := must(c.LoadBalancers().Create(ctx, &client.LoadBalancer{}))(t)
	router.LoadBalancerID = &lb.ID
	must(0, c.Routers().Update(ctx, router.ID, router))(t)
	lb = must(c.LoadBalancers().Get(ctx, lb.ID))(t)
	if lb.RouterID == nil || *lb.RouterID != router.ID {
		t.Errorf("LB router after router PUT: %+v", lb)
	}
	lb.RouterID = nil
	wantStatus(t, c.LoadBalancers().Update(ctx, lb.ID, lb), 400)
	// The LB can serve one router only: the store's single-valued back-reference.
	_, err = c.Routers().Create(ctx, &client.Router{Name: "second", LoadBalancerID: &lb.ID})
	wantStatus(t, err, 409)
	hm := must(c.HealthMonitors().Create(ctx, &client.HealthMonitor{Type: "TCP", Delay: 5, Timeout: 10, MaxRetries: 3}))(t)
	_, err = c.HealthMonitors().Create(ctx, &client.HealthMonitor{Type: "UDP"})
	wantStatus(t, err, 400)
	pool := must(c.LoadBalancerPools(lb.ID).Create(ctx, &client.Pool{LBMethod: "ROUND_ROBIN"}))(t)
	if pool.LoadBalancerID == nil || *pool.LoadBalancerID != lb.ID || pool.Protocol != "TCP" || pool.Status != "ACTIVE" {
		t.Errorf("pool: %+v", pool)
	}
	_, err = c.Pools().Create(ctx, &client.Pool{LoadBalancerID: &lb.ID})
	wantStatus(t, err, 400) // lbMethod required
	monitored := must(c.Pools().Create(ctx, &client.Pool{LoadBalancerID: &lb.ID, LBMethod: "ROUND_ROBIN", HealthMonitorID: &hm.ID}))(t)
	if got := ids(must(c.HealthMonitorPools(hm.ID).List(ctx, nil))(t), poolID); !slices.Equal(got, []string{monitored.ID}) {
		t.Errorf("health monitor pools: %v", got)
	}
	if got := ids(must(c.Pools().List(ctx, url.Values{"hm_id": {hm.ID}}))(t), poolID); !slices.Equal(got, []string{monitored.ID}) {
		t.Errorf("hm_id filter: %v", got)
	}
	// The agent has not processed the new mapping yet: the pool is locked.
	wantStatus(t, c.Pools().Update(ctx, monitored.ID, monitored), 503)
	_, err = c.Do(ctx, "POST", c.URL("health_monitors/"+hm.ID+"/pools"), "", client.Media("Pool-v1"), &client.Pool{LBMethod: "ROUND_ROBIN"}, nil)
	wantStatus(t, err, 405)

	m1 := must(c.PoolPoolMembers(pool.ID).Create(ctx, &client.PoolMember{Address: "10.0.0.10", ProtocolPort: 80}))(t)
	if m1.PoolID != pool.ID || m1.Weight != 1 || m1.AdminStateUp == nil || !*m1.AdminStateUp {
		t.Errorf("pool member defaults: %+v", m1)
	}
	m2 := must(c.PoolMembers().Create(ctx, &client.PoolMember{PoolID: pool.ID, Address: "10.0.0.11", ProtocolPort: 80, Weight: 5}))(t)
	_, err = c.PoolMembers().Create(ctx, &client.PoolMember{PoolID: pool.ID, Address: "x"})
	wantStatus(t, err, 400)
	var viaLB []client.PoolMember
	must(c.Do(ctx, "GET", c.URL("load_balancers/"+lb.ID+"/pools/"+pool.ID+"/pool_members"), client.CollectionMedia("PoolMember-v1"), "", nil, &viaLB))(t)
	if got := ids(viaLB, memberID); !slices.Equal(got, []string{m1.ID, m2.ID}) {
		t.Errorf("members via LB: %v", got)
	}
	m2.Address, m2.Weight = "10.9.9.9", 7 // address is immutable on PUT
	must(0, c.PoolMembers().Update(ctx, m2.ID, m2))(t)
	if got := must(c.PoolMembers().Get(ctx, m2.ID))(t); got.Address != "10.0.0.11" || got.Weight != 7 {
		t.Errorf("member after PUT: %+v", got)
	}
	vip := must(c.PoolVIPs(pool.ID).Create(ctx, &client.VIP{Address: "192.0.2.10", ProtocolPort: 80, SessionPersistence: ptr("SOURCE_IP")}))(t)
	if vip.LoadBalancerID == nil || *vip.LoadBalancerID != lb.ID || vip.PoolID != pool.ID {
		t.Errorf("vip: %+v", vip)
	}
	_, err = c.VIPs().Create(ctx, &client.VIP{PoolID: "6b1e2b5e-0d9f-4d0e-9a55-000000000000", Address: "192.0.2.11"})
	wantStatus(t, err, 400)
	if got := ids(must(c.LoadBalancerVIPs(lb.ID).List(ctx, nil))(t), vipID); !slices.Equal(got, []string{vip.ID}) {
		t.Errorf("LB vips: %v", got)
	}
	wantStatus(t, c.Routers().Delete(ctx, router.ID), 409) // router still has the LB

	// QoS with inline rules, standalone rules, and cascades.
	bwID, dscpID := "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
	policy := must(c.QosPolicies().Create(ctx, &client.QosPolicy{Name: "gold", TenantID: "acme", Rules: []client.QosPolicyRule{
		{ID: bwID, Type: "bandwidth_limit", MaxKbps: ptr(1000), MaxBurstKbps: ptr(100)},
		{ID: dscpID, Type: "dscp_marking", DscpMark: ptr(10)},
	}}))(t)
	if policy.TenantID != "acme" || policy.Rules != nil {
		t.Errorf("policy: %+v", policy)
	}
	if got := must(c.QosBwLimitRules(policy.ID).Get(ctx, bwID))(t); got.MaxKbps != 1000 || got.PolicyID != policy.ID {
		t.Errorf("inline bw rule: %+v", got)
	}
	dscp2 := must(c.QosDscpRules(policy.ID).Create(ctx, &client.QosDscpRule{DscpMark: 20}))(t)
	if got := must(c.QosDscpRules(policy.ID).List(ctx, nil))(t); len(got) != 2 {
		t.Errorf("dscp rules: %+v", got)
	}
	_, err = c.Do(ctx, "POST", "qos_dscp_rules", "", client.Media("QOSRuleDSCP-v1"), &client.QosDscpRule{DscpMark: 1}, nil)
	wantStatus(t, err, 405)
	// PUT with rules diffs by id: bw kept (updated), dscp rules dropped.
	policy.Rules = []client.QosPolicyRule{{ID: bwID, Type: "bandwidth_limit", MaxKbps: ptr(2000)}}
	must(0, c.QosPolicies().Update(ctx, policy.ID, policy))(t)
	if got := must(c.QosBwLimitRules(policy.ID).Get(ctx, bwID))(t); got.MaxKbps != 2000 {
		t.Errorf("bw rule after policy PUT: %+v", got)
	}
	for _, id := range []string{dscpID, dscp2.ID} {
		_, err = c.QosDscpRules(policy.ID).Get(ctx, id)
		wantStatus(t, err, 404)
	}
	bridge.QosPolicyID = &policy.ID
	must(0, c.Bridges().Update(ctx, bridge.ID, bridge))(t)

	// Mirrors attached from the device side.
	mirror := must(c.Mirrors().Create(ctx, &client.Mirror{ToPortID: svc.ID, Conditions: []client.Condition{
		{NwProto: ptr(6), TpDst: &client.Range{Start: 80, End: 80}}}}))(t)
	if len(mirror.Conditions) != 1 || mirror.Conditions[0].NwProto == nil || *mirror.Conditions[0].NwProto != 6 {
		t.Errorf("mirror: %+v", mirror)
	}
	_, err = c.Mirrors().Create(ctx, &client.Mirror{})
	wantStatus(t, err, 400)
	bridge = must(c.Bridges().Get(ctx, bridge.ID))(t)
	bridge.InboundMirrorIDs = []string{mirror.ID}
	must(0, c.Bridges().Update(ctx, bridge.ID, bridge))(t)

	// L2 insertion with filters.
	ins := must(c.L2Insertions().Create(ctx, &client.L2Insertion{PortID: bport.ID, SrvPortID: svc.ID, Position: 1, MAC: "aa:bb:cc:00:00:01"}))(t)
	if got := must(c.L2Insertions().List(ctx, url.Values{"srv_port": {svc.ID}, "port": {vport.ID}}))(t); len(got) != 1 || got[0].ID != ins.ID {
		t.Errorf("srv_port filter precedence: %+v", got)
	}
	if got := must(c.L2Insertions().List(ctx, url.Values{"port": {vport.ID}}))(t); len(got) != 0 {
		t.Errorf("port filter: %+v", got)
	}
	// The hidden redirect chains: on the protected port, rules steering
	// through the service port and back; on the service port, jumps.
	redirects := map[string][]client.Rule{}
	for _, ch := range must(c.Chains().List(ctx, nil))(t) {
		redirects[ch.Name] = must(c.ChainRules(ch.ID).List(ctx, nil))(t)
	}
	inbound, outbound, srvJumps := redirects["InboundRedirect"+bport.ID], redirects["OutboundRedirect"+bport.ID], redirects["InboundRedirect"+svc.ID]
	if len(inbound) != 3 || len(outbound) != 2 || len(srvJumps) != 2 || srvJumps[0].Type != "jump" || inbound[2].Type != "l2_transform" {
		t.Errorf("redirect chains: in %+v out %+v srv %+v", inbound, outbound, srvJumps)
	}
	ins.Position = 2
	must(0, c.L2Insertions().Update(ctx, ins.ID, ins))(t)
	ins.SrvPortID = vport.ID
	wantStatus(t, c.L2Insertions().Update(ctx, ins.ID, ins), 400)
	ins.SrvPortID = svc.ID
	_, err = c.L2Insertions().Create(ctx, &client.L2Insertion{PortID: bport.ID, SrvPortID: svc.ID, MAC: "aa:bb:cc:00:00:01"})
	wantStatus(t, err, 409)
	_, err = c.L2Insertions().Create(ctx, &client.L2Insertion{PortID: svc.ID, SrvPortID: vport.ID, MAC: "aa:bb:cc:00:00:02"})
	wantStatus(t, err, 400) // a service port cannot be protected
	must(0, c.L2Insertions().Delete(ctx, ins.ID))(t)
	for _, name := range []string{"InboundRedirect" + bport.ID, "OutboundRedirect" + bport.ID, "InboundRedirect" + svc.ID} {
		for _, ch := range must(c.Chains().List(ctx, nil))(t) {
			if ch.Name == name {
				if rules := must(c.ChainRules(ch.ID).List(ctx, nil))(t); len(rules) != 0 {
					t.Errorf("%s after the insertion's delete: %+v", name, rules)
				}
			}
		}
	}
	ins = must(c.L2Insertions().Create(ctx, &client.L2Insertion{PortID: bport.ID, SrvPortID: svc.ID, VLAN: 10, MAC: "aa:bb:cc:00:00:01"}))(t)

	// Service containers.
	group := must(c.ServiceContainerGroups().Create(ctx, &client.ServiceContainerGroup{Policy: ptr("LEAST")}))(t)
	sc := must(c.GroupServiceContainers(group.ID).Create(ctx, &client.ServiceContainer{ServiceType: "IPSEC", PortID: &rport.ID}))(t)
	if sc.ServiceGroupID == nil || *sc.ServiceGroupID != group.ID || sc.StatusCode != "STOPPED" || sc.HostID != nil {
		t.Errorf("service container: %+v", sc)
	}
	var nested client.ServiceContainer
	must(c.Do(ctx, "GET", group.URI+"/service_containers/"+sc.ID, client.Media("ServiceContainer-v1"), "", nil, &nested))(t)
	if nested.ID != sc.ID {
		t.Errorf("container under its group: %+v", nested)
	}
	loose := must(c.ServiceContainers().Create(ctx, &client.ServiceContainer{ServiceType: "IPSEC"}))(t)
	wantStatus(t, c.ServiceContainers().Update(ctx, loose.ID, loose), 406)
	_, err = c.Do(ctx, "POST", "service_containers", "", client.Media("ServiceContainer-v1"), map[string]any{}, nil)
	wantStatus(t, err, 400) // serviceType required
	host := must(c.Hosts().Create(ctx, &client.Host{ID: "22222222-2222-3333-4444-555555555555", Name: "gw1"}))(t)
	sc.HostID = &host.ID
	must(0, c.ServiceContainers().Update(ctx, sc.ID, sc))(t)
	if got := must(c.ServiceContainers().Get(ctx, sc.ID))(t); got.HostID == nil || *got.HostID != host.ID {
		t.Errorf("rescheduled container: %+v", got)
	}

	// Trace requests.
	trace := must(c.TraceRequests().Create(ctx, &client.TraceRequest{Name: "t1", DeviceType: "BRIDGE", DeviceID: bridge.ID,
		Condition: client.Condition{NwDstAddress: ptr("10.0.0.10"), NwDstLength: 32}}))(t)
	if trace.DeviceType != "BRIDGE" || trace.DeviceID != bridge.ID || trace.Limit != 9223372036854775807 || trace.CreationTimestampMs == 0 {
		t.Errorf("trace: %+v", trace)
	}
	_, err = c.TraceRequests().Create(ctx, &client.TraceRequest{Name: "t2", DeviceType: "ROUTER", DeviceID: bridge.ID})
	wantStatus(t, err, 404)
	_, err = c.TraceRequests().Create(ctx, &client.TraceRequest{Name: "t3", DeviceType: "PORT"})
	wantStatus(t, err, 400)
	portTrace := must(c.TraceRequests().Create(ctx, &client.TraceRequest{Name: "t4", DeviceType: "PORT", DeviceID: bport.ID}))(t)
	trace.Enabled = true
	must(0, c.TraceRequests().Update(ctx, trace.ID, trace))(t)
	if got := must(c.TraceRequests().Get(ctx, trace.ID))(t); !got.Enabled || got.DeviceID != bridge.ID {
		t.Errorf("trace after PUT: %+v", got)
	}
	if got := must(c.TraceRequests().List(ctx, url.Values{"tenant_id": {"acme"}}))(t); len(got) != 2 {
		t.Errorf("trace tenant filter: %+v", got)
	}
	if got := must(c.TraceRequests().List(ctx, url.Values{"tenant_id": {"other"}}))(t); len(got) != 0 {
		t.Errorf("trace tenant filter (other): %+v", got)
	}

	// MAC, ARP and peering tables.
	macs := c.BridgeMACTable(bridge.ID)
	entry := must(macs.Create(ctx, &client.MacPort{MacAddr: "aa:bb:cc:dd:ee:01", PortID: bport.ID}))(t)
	if entry.URI != c.URL("bridges/"+bridge.ID+"/mac_table/aa-bb-cc-dd-ee-01_"+bport.ID) {
		t.Errorf("MAC entry: %+v", entry)
	}
	tagged := must(macs.Create(ctx, &client.MacPort{MacAddr: "aa:bb:cc:dd:ee:02", PortID: vport.ID, VlanID: ptr(7)}))(t)
	_, err = macs.Create(ctx, &client.MacPort{MacAddr: "aa:bb:cc:dd:ee:03", PortID: vport.ID})
	wantStatus(t, err, 400) // port handles VLAN 7 only
	_, err = macs.Create(ctx, &client.MacPort{MacAddr: "aa:bb:cc:dd:ee:03", PortID: rport.ID})
	wantStatus(t, err, 400) // not a port of this bridge
	_, err = macs.Create(ctx, &client.MacPort{MacAddr: "nope", PortID: bport.ID})
	wantStatus(t, err, 400)
	if got := must(macs.List(ctx, nil))(t); len(got) != 2 {
		t.Errorf("MAC table: %+v", got)
	}
	var vlan7 []client.MacPort
	must(c.Do(ctx, "GET", "bridges/"+bridge.ID+"/vlans/7/mac_table", client.CollectionMedia("MacPort-v2"), "", nil, &vlan7))(t)
	if len(vlan7) != 1 || vlan7[0].URI != tagged.URI {
		t.Errorf("VLAN 7 MAC table: %+v", vlan7)
	}
	_, err = c.Do(ctx, "GET", "bridges/"+bridge.ID+"/vlans/9/mac_table", client.CollectionMedia("MacPort-v2"), "", nil, nil)
	wantStatus(t, err, 404)
	must(c.Do(ctx, "DELETE", entry.URI, "", "", nil, nil))(t)
	_, err = c.Do(ctx, "GET", entry.URI, client.Media("MacPort-v2"), "", nil, nil)
	wantStatus(t, err, 404)

	arp := c.BridgeARPTable(bridge.ID)
	pair := must(arp.Create(ctx, &client.IPMac{IP: "10.0.0.10", MAC: "aa:bb:cc:dd:ee:10"}))(t)
	if pair.URI != c.URL("bridges/"+bridge.ID+"/arp_table/10.0.0.10_aa-bb-cc-dd-ee-10") {
		t.Errorf("ARP entry: %+v", pair)
	}
	if got := must(arp.List(ctx, nil))(t); len(got) != 1 {
		t.Errorf("ARP table: %+v", got)
	}
	_, err = c.Do(ctx, "POST", "bridges/"+bridge.ID+"/arp_table", "", "application/json", &client.IPMac{IP: "10.0.0.11", MAC: "aa:bb:cc:dd:ee:11"}, nil)
	wantStatus(t, err, 415) // IP4Mac-v1 only
	must(c.Do(ctx, "DELETE", pair.URI, "", "", nil, nil))(t)
	_, err = c.Do(ctx, "GET", pair.URI, client.Media("IP4Mac-v1"), "", nil, nil)
	wantStatus(t, err, 404)

	peering := c.PortPeeringTable(router.ID, rport.ID)
	remote := must(peering.Create(ctx, &client.IPMac{IP: "10.0.0.99", MAC: "aa:bb:cc:dd:ee:99"}))(t)
	if got := must(peering.List(ctx, nil))(t); len(got) != 1 || got[0].URI != remote.URI {
		t.Errorf("peering table: %+v", got)
	}

	// What a client reads back it can PUT back unchanged (python's update()
	// does exactly that): 204 and the same document.
	for _, o := range []struct{ uri, media string }{
		{router.URI, "Router-v3"}, {bridge.URI, "Bridge-v4"}, {c.URL("ports/" + rport.ID), "Port-v3"},
		{c.URL("ports/" + vport.ID), "Port-v3"}, {peer.URI, "BgpPeer-v1"}, {lb.URI, "LoadBalancer-v1"},
		{pool.URI, "Pool-v1"}, {m1.URI, "PoolMember-v1"}, {vip.URI, "VIP-v1"}, {hm.URI, "HealthMonitor-v1"},
		{policy.URI, "QOSPolicy-v1"}, {c.URL("qos_bw_limit_rules/" + bwID), "QOSRuleBWLimit-v1"},
		{mirror.URI, "Mirror-v1"}, {ins.URI, "L2Insertion-v1"}, {group.URI, "ServiceContainerGroup-v1"},
		{trace.URI, "TraceRequest-v1"}, {host.URI, "Host-v3"},
	} {
		var before, after map[string]any
		must(c.Do(ctx, "GET", o.uri, client.Media(o.media), "", nil, &before))(t)
		if _, err := c.Do(ctx, "PUT", o.uri, "", client.Media(o.media), before, nil); err != nil {
			t.Errorf("PUT back %s: %v", o.uri, err)
			continue
		}
		must(c.Do(ctx, "GET", o.uri, client.Media(o.media), "", nil, &after))(t)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("PUT back %s changed it:\n%v\n%v", o.uri, before, after)
		}
	}

	// Cascades: LB delete → pools → members, VIPs; router's LB cleared.
	must(0, c.LoadBalancers().Delete(ctx, lb.ID))(t)
	for _, get := range []func() error{
		func() error { _, err := c.Pools().Get(ctx, pool.ID); return err },
		func() error { _, err := c.Pools().Get(ctx, monitored.ID); return err },
		func() error { _, err := c.PoolMembers().Get(ctx, m1.ID); return err },
		func() error { _, err := c.VIPs().Get(ctx, vip.ID); return err },
	} {
		wantStatus(t, get(), 404)
	}
	if got := must(c.Routers().Get(ctx, router.ID))(t); got.LoadBalancerID != nil {
		t.Errorf("router LB after LB delete: %+v", got)
	}
	if got := must(c.HealthMonitorPools(hm.ID).List(ctx, nil))(t); len(got) != 0 {
		t.Errorf("health monitor pools after LB delete: %+v", got)
	}
	must(0, c.LoadBalancers().Delete(ctx, lb.ID))(t) // idempotent
	// QoS policy delete → rules; bridge reference cleared.
	must(0, c.QosPolicies().Delete(ctx, policy.ID))(t)
	_, err = c.QosBwLimitRules(policy.ID).Get(ctx, bwID)
	wantStatus(t, err, 404)
	if got := must(c.Bridges().Get(ctx, bridge.ID))(t); got.QosPolicyID != nil {
		t.Errorf("bridge QoS after policy delete: %+v", got)
	}
	// Group delete → containers.
	must(0, c.ServiceContainerGroups().Delete(ctx, group.ID))(t)
	_, err = c.ServiceContainers().Get(ctx, sc.ID)
	wantStatus(t, err, 404)
	// Mirror's destination port delete → mirror; bridge reference cleared.
	must(0, c.Ports().Delete(ctx, svc.ID))(t)
	_, err = c.Mirrors().Get(ctx, mirror.ID)
	wantStatus(t, err, 404)
	_, err = c.L2Insertions().Get(ctx, ins.ID)
	wantStatus(t, err, 404)
	if got := must(c.Bridges().Get(ctx, bridge.ID))(t); len(got.InboundMirrorIDs) != 0 {
		t.Errorf("bridge mirrors after mirror delete: %+v", got)
	}
	// Port delete → its trace; router delete → BGP.
	must(0, c.Ports().Delete(ctx, bport.ID))(t)
	_, err = c.TraceRequests().Get(ctx, portTrace.ID)
	wantStatus(t, err, 404)
	must(0, c.Routers().Delete(ctx, router.ID))(t)
	_, err = c.RouterBgpNetworks(router.ID).Get(ctx, bn.ID)
	wantStatus(t, err, 404)
	_, err = c.RouterBgpPeers(router.ID).Get(ctx, peer.ID)
	wantStatus(t, err, 404)
	must(0, c.Bridges().Delete(ctx, bridge.ID))(t)
	_, err = c.TraceRequests().Get(ctx, trace.ID)
	wantStatus(t, err, 404)
}
