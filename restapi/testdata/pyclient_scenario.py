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

api.delete_chain(target.get_id())
check([r.get_type() for r in list(chain.get_rules())] == ["drop", "accept"], "jump rule cascade")
api.unlink(rport)  # also deletes the peer (bport), client-side
check(len(list(bridge.get_ports())) == 0, "unlink deletes peer")
api.delete_router(router.get_id())
api.delete_bridge(bridge.get_id())
api.delete_chain(chain.get_id())
api.delete_port_group(group.get_id())
api.delete_ip_addr_group(ipg.get_id())
check(list(api.get_routers()) == [] and list(api.get_bridges()) == [] and list(api.get_chains()) == [], "deletes")
print("python-midonetclient scenario passed")
