# Drives the unmodified python-midonetclient (MidonetApi) against a server:
# create, list, update and delete of each core resource kind. Exits non-zero
# (with a traceback) on the first failure. Usage: scenario.py <api base URI>
import sys

# Collections come back as map objects under Python 3: wrap them in list().

from midonetclient.api import MidonetApi


def check(cond, what):
    if not cond:
        raise AssertionError(what)


api = MidonetApi(sys.argv[1], "admin", "admin")

tenants = list(api.get_tenants())
check([t.get_id() for t in tenants] == ["admin"], "tenants")

router = api.add_router().name("edge").tenant_id("acme").create()
bridge = api.add_bridge().name("front").tenant_id("acme").create()
check(router.get_name() == "edge" and bridge.get_name() == "front", "create router/bridge")
# (query filters are not exercised: the client's api_lib uses Python 2's
# urllib.urlencode, which Python 3 lacks.)
bridge.name("front2").update()
check(api.get_bridge(bridge.get_id()).get_name() == "front2", "bridge update")

bport = api.add_bridge_port(bridge).create()
rport = (api.add_router_port(router).port_address("10.0.0.1")
         .network_address("10.0.0.0").network_length(24).create())
check(rport.get_port_address() == "10.0.0.1", "router port address")
check(len(list(bridge.get_ports())) == 1 and len(list(router.get_ports())) == 1, "device ports")
api.link(rport, bport.get_id())
check(api.get_port(bport.get_id()).get_peer_id() == rport.get_id(), "link")
check(len(list(bridge.get_peer_ports())) == 1, "peer ports")

api.add_router_route(router, src_network_addr="0.0.0.0", src_network_length=0,
                     dst_network_addr="0.0.0.0", dst_network_length=0,
                     next_hop_port=rport.get_id(), next_hop_gateway="10.0.0.254")
routes = list(api.get_router_routes(router.get_id()))
check(sorted(r.get_type() for r in routes) == ["Local", "Normal"], "routes")

chain = api.add_chain().name("in").tenant_id("acme").create()
target = api.add_chain().name("target").tenant_id("acme").create()
api.add_chain_rule(chain, action="accept", nw_proto=6, tp_dst={"start": 22, "end": 22})
api.add_chain_rule(chain, action="drop")
api.add_chain_rule(chain, action="jump", jump_chain_id=target.get_id(), position=3)
rules = list(chain.get_rules())
check([r.get_type() for r in rules] == ["drop", "accept", "jump"], "rule order")
bridge.inbound_filter_id(chain.get_id()).update()
check(api.get_bridge(bridge.get_id()).get_inbound_filter_id() == chain.get_id(), "filter")

group = api.add_port_group().name("web").tenant_id("acme").create()
group.add_port_group_port().port_id(bport.get_id()).create()
check(len(list(group.get_ports())) == 1, "port group members")

ipg = api.add_ip_addr_group().name("admins").create()
ipg.add_ipv4_addr().addr("10.0.0.7").create()
check(len(list(ipg.get_addrs())) == 1, "ip addr group addrs")

tz = api.add_vxlan_tunnel_zone().name("tz").create()
check(api.get_tunnel_zone(tz.get_id()).get_name() == "tz", "tunnel zone")
tz.name("tz2").update()

# --- service resources ---------------------------------------------------
state = api.get_system_state()
check(state.get_state() == "ACTIVE" and state.get_version() == "5.0.0", "system state")

bgp_net = router.add_bgp_network().subnet_address("192.0.2.0").subnet_length(24).create()
peer = router.add_bgp_peer().asn(65001).address("10.0.0.2").keep_alive(30).create()
check([n.get_subnet_address() for n in router.get_bgp_networks()] == ["192.0.2.0"], "bgp networks")
peer.hold_time(90).update()
check(api.get_bgp_peer(peer.get_id()).get_hold_time() == 90, "bgp peer update")
check(api.get_bgp_network(bgp_net.get_id()).get_subnet_length() == 24, "bgp network get")

lb = api.add_load_balancer().create()
hm = api.add_health_monitor().type("TCP").delay(5).timeout(10).max_retries(3).create()
pool = lb.add_pool().lb_method("ROUND_ROBIN").create()
check(pool.get_load_balancer_id() == lb.get_id() and pool.get_protocol() == "TCP", "pool")
member = pool.add_pool_member().address("10.0.0.10").protocol_port(80).create()
check(member.get_weight() == 1 and member.get_pool_id() == pool.get_id(), "pool member")
member.weight(3).update()
check(api.get_pool_member(member.get_id()).get_weight() == 3, "pool member update")
vip = pool.add_vip().address("192.0.2.10").protocol_port(80).create()
check(vip.get_load_balancer_id() == lb.get_id(), "vip load balancer")
check([v.get_id() for v in lb.get_vips()] == [vip.get_id()], "lb vips")
check([p.get_id() for p in lb.get_pools()] == [pool.get_id()], "lb pools")
check(len(list(api.get_health_monitors())) == 1 and len(list(api.get_pool_members())) == 1, "lb lists")
hm.delay(7).update()
check(api.get_health_monitor(hm.get_id()).get_delay() == 7, "health monitor update")

policy = api.add_qos_policy().name("gold").description("d").shared(True).create()
api.add_qos_dscp_rule(policy, mark=10)
api.add_qos_bw_limit_rule(policy, max_kbps=1000, max_burst=100)
check([r.get_dscp_mark() for r in policy.get_dscp_rules()] == [10], "dscp rules")
bw = list(policy.get_bw_limit_rules())
check([r.get_max_kbps() for r in bw] == [1000], "bw limit rules")
policy.description("d2").update()
check(api.get_qos_policy(policy.get_id()).get_description() == "d2", "qos policy update")
api.delete_qos_bw_limit_rule(bw[0].get_id())
check(list(policy.get_bw_limit_rules()) == [], "bw rule delete")

sink = api.add_bridge_port(bridge).create()
mirror = api.add_mirror().to_port(sink.get_id()).set_conditions([{"nwProto": 6}]).create()
check(api.get_mirror(mirror.get_id()).get_conditions()[0]["nwProto"] == 6, "mirror")
check(len(list(api.get_mirrors())) == 1, "mirrors list")

ins = (api.add_l2insertion().port(bport.get_id()).srv_port(sink.get_id())
       .vlan(1).position(1).fail_open(True).mac("aa:bb:cc:00:00:01").create())
check(api.get_l2insertion(ins.get_id()).get_fail_open() is True, "l2 insertion")
check(len(list(api.get_l2insertions())) == 1, "l2 insertions list")

group = api.add_service_container_group().policy("LEAST").create()
container = group.add_service_container().service_type("IPSEC").create()
check(container.get_service_group_id() == group.get_id(), "service container")
check([c.get_id() for c in group.get_service_containers()] == [container.get_id()], "group containers")
check(len(list(api.get_service_container_groups())) == 1, "groups list")

trace = api.add_tracerequest().set_name("t").set_bridge(bridge.get_id())
trace.dto["condition"] = {"nwProto": 6}
trace = trace.create()
check(api.get_tracerequest(trace.get_id()).get_bridge() == bridge.get_id(), "trace request")
trace.set_enabled(True).update()
check(api.get_tracerequest(trace.get_id()).get_enabled() is True, "trace enable")
check(len(list(api.get_tracerequests(None))) == 1, "trace list")

remote = rport.add_remote_peer().ip("10.0.0.99").mac("aa:bb:cc:dd:ee:99").create()
check([(p.get_ip(), p.get_mac()) for p in rport.get_remote_peers()] == [("10.0.0.99", "aa:bb:cc:dd:ee:99")], "peering table")

api.delete_tracerequest(trace.get_id())
api.delete_service_container(container.get_id())
api.delete_service_container_group(group.get_id())
api.delete_l2insertion(ins.get_id())
api.delete_mirror(mirror.get_id())
api.delete_qos_policy(policy.get_id())
vip.delete()  # api.delete_vip calls a missing Application.delete_vips (client bug)
api.delete_pool_member(member.get_id())
api.delete_pool(pool.get_id())
api.delete_health_monitor(hm.get_id())
api.delete_load_balancer(lb.get_id())
api.delete_bgp_peer(peer.get_id())
api.delete_bgp_network(bgp_net.get_id())
api.delete_port(sink.get_id())
check(list(api.get_load_balancers()) == [] and list(api.get_qos_policies()) == [] and
      list(api.get_mirrors()) == [] and list(api.get_service_containers()) == [], "service deletes")

api.delete_chain(target.get_id())
check([r.get_type() for r in list(chain.get_rules())] == ["drop", "accept"], "jump rule cascade")
api.unlink(rport)  # also deletes the peer (bport), client-side
check(len(list(bridge.get_ports())) == 0, "unlink deletes peer")
api.delete_router(router.get_id())
api.delete_bridge(bridge.get_id())
api.delete_chain(chain.get_id())
api.delete_port_group(group.get_id())
api.delete_ip_addr_group(ipg.get_id())
# The L2 insertion's redirect chains outlive it, as in the reference.
leftover = [c.get_name() for c in api.get_chains()]
check(all(n.startswith(("InboundRedirect", "OutboundRedirect")) for n in leftover), "leftover chains %s" % leftover)
check(list(api.get_routers()) == [] and list(api.get_bridges()) == [], "deletes")
print("python-midonetclient scenario passed")
