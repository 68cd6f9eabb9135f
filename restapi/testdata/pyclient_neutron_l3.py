# Drives the unmodified python-midonetclient's Neutron client
# (midonetclient.client.MidonetClient, as the MidoNet Neutron plugin uses it)
# through a tenant topology with L3: an external network, a router with a
# SNAT gateway, an interface added by subnet (gateway-address port) and one
# added by port (a VM port, converted), an extra route, floating IPs
# associated, moved, disassociated and deleted, an interface removed. Then it
# reads the translation back through the v5 API (midonetclient.api.MidonetApi)
# and checks it field by field. It prints the ids as JSON for the Go test.
# Exits non-zero on the first failure.
# Usage: pyclient_neutron_l3.py <api base URI>
import json
import sys
import uuid

from midonetclient.api import MidonetApi
from midonetclient.client import MidonetClient


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def new_id():
    return str(uuid.uuid4())


base = sys.argv[1]
c = MidonetClient(base, "admin", "admin")
T = "acme"


def network(name, external=False):
    nid = new_id()
    c.create_network({"id": nid, "name": name, "tenant_id": T, "admin_state_up": True,
                      "shared": False, "router:external": external})
    return nid


def subnet(net, cidr, gw):
    sid = new_id()
    c.create_subnet({"id": sid, "network_id": net, "tenant_id": T, "cidr": cidr,
                     "gateway_ip": gw, "ip_version": 4, "enable_dhcp": True,
                     "dns_nameservers": [], "allocation_pools": [], "host_routes": []})
    return sid


def port(net, sub, ip, mac, owner, device=""):
    pid = new_id()
    c.create_port({"id": pid, "network_id": net, "tenant_id": T, "admin_state_up": True,
                   "mac_address": mac, "fixed_ips": [{"ip_address": ip, "subnet_id": sub}],
                   "device_owner": owner, "device_id": device, "security_groups": []})
    return pid


ext = network("public", external=True)
ext_sub = subnet(ext, "172.24.4.0/24", "172.24.4.1")
prv = network("private")
prv_sub = subnet(prv, "10.0.0.0/24", "10.0.0.1")
port(prv, prv_sub, "10.0.0.2", "fa:16:3e:00:00:02", "network:dhcp", "dhcp")
vm = port(prv, prv_sub, "10.0.0.5", "fa:16:3e:00:00:05", "compute:nova", "vm-1")
vm2 = port(prv, prv_sub, "10.0.0.6", "fa:16:3e:00:00:06", "compute:nova", "vm-2")

rtr = new_id()
gw = port(ext, ext_sub, "172.24.4.4", "fa:16:3e:62:0d:2b", "network:router_gateway", rtr)
r = c.create_router({"id": rtr, "name": "r1", "tenant_id": T, "admin_state_up": True,
                     "gw_port_id": gw,
                     "external_gateway_info": {"network_id": ext, "enable_snat": True}})
check(r["id"] == rtr and r["gw_port_id"] == gw, "create router")

# Interface by subnet: Neutron makes the gateway-address port first.
rif = port(prv, prv_sub, "10.0.0.1", "fa:16:3e:00:00:01", "network:router_interface", rtr)
c.add_router_interface(rtr, {"id": rtr, "tenant_id": T, "port_id": rif, "subnet_id": prv_sub,
                             "subnet_ids": [prv_sub]})

# Interface by port: a VM port on a second network becomes the interface.
prv2 = network("private2")
prv2_sub = subnet(prv2, "10.1.0.0/24", "10.1.0.1")
byport = port(prv2, prv2_sub, "10.1.0.7", "fa:16:3e:00:01:07", "compute:nova", "vm-3")
c.add_router_interface(rtr, {"id": rtr, "tenant_id": T, "port_id": byport,
                             "subnet_ids": [prv2_sub]})
converted = c.get_port(byport)
check(converted["device_owner"] == "network:router_interface" and converted["device_id"] == rtr,
      "port added by id is a router-interface port")

# An extra route through the VM, rename.
c.update_router(rtr, {"id": rtr, "name": "r1b", "tenant_id": T, "admin_state_up": True,
                      "gw_port_id": gw,
                      "external_gateway_info": {"network_id": ext, "enable_snat": True},
                      "routes": [{"destination": "192.168.0.0/24", "nexthop": "10.0.0.5"}]})
r = c.get_router(rtr)
check(r["name"] == "r1b" and r["routes"] == [{"destination": "192.168.0.0/24", "nexthop": "10.0.0.5"}],
      "update router")
check([x["id"] for x in c.get_routers()] == [rtr], "list routers")

# Floating IPs: one created unassociated, then associated and moved; one
# created associated and deleted.
fip = new_id()
c.create_floating_ip({"id": fip, "tenant_id": T, "floating_network_id": ext,
                      "floating_ip_address": "172.24.4.3"})
check(c.get_floating_ip(fip)["port_id"] is None, "unassociated floating IP")
assoc = {"id": fip, "tenant_id": T, "floating_network_id": ext,
         "floating_ip_address": "172.24.4.3", "router_id": rtr, "port_id": vm2,
         "fixed_ip_address": "10.0.0.6"}
c.update_floating_ip(fip, assoc)
assoc.update({"port_id": vm, "fixed_ip_address": "10.0.0.5"})
c.update_floating_ip(fip, assoc)
got = c.get_floating_ip(fip)
check(got["port_id"] == vm and got["fixed_ip_address"] == "10.0.0.5" and got["router_id"] == rtr,
      "associated floating IP")
fip2 = new_id()
c.create_floating_ip({"id": fip2, "tenant_id": T, "floating_network_id": ext,
                      "floating_ip_address": "172.24.4.9", "router_id": rtr, "port_id": vm2,
                      "fixed_ip_address": "10.0.0.6"})
check(len(c.get_floating_ips()) == 2, "list floating IPs")
c.delete_floating_ip(fip2)
c.delete_floating_ip(fip2)  # again: no error
check([x["id"] for x in c.get_floating_ips()] == [fip], "floating IPs after delete")

# Remove the interface added by port: its subnet leaves the router port.
c.remove_router_interface(rtr, {"id": rtr, "tenant_id": T, "port_id": byport,
                                "subnet_ids": [prv2_sub]})

# The translation, through the v5 API.
api = MidonetApi(base, "admin", "admin")
router = api.get_router(rtr)
check(router.get_name() == "r1b" and router.get_tenant_id() == T, "v5 router")
by_addr = {}
for p in router.get_ports():
    by_addr[p.get_port_address()] = p
check(set(by_addr) == {"172.24.4.4", "10.0.0.1", None}, "v5 router ports %r" % list(by_addr))
gwp = by_addr["172.24.4.4"]
check(gwp.get_port_mac() == "fa:16:3e:62:0d:2b" and gwp.get_peer_id() == gw, "v5 gateway port")
rp = by_addr["10.0.0.1"]
check(rp.get_port_mac() == "fa:16:3e:00:00:01" and rp.get_peer_id() == rif, "v5 interface port")
check(by_addr[None].get_peer_id() == byport, "v5 stripped interface port")

routes = {}
for rt in router.get_routes():
    routes[(rt.get_dst_network_addr(), rt.get_dst_network_length(), rt.get_next_hop_port())] = rt
want_routes = [("0.0.0.0", 0, gwp.get_id()), ("172.24.4.0", 24, gwp.get_id()),
               ("172.24.4.4", 32, gwp.get_id()), ("10.0.0.1", 24, rp.get_id()),
               ("10.0.0.1", 32, rp.get_id()), ("169.254.169.254", 32, rp.get_id()),
               ("192.168.0.0", 24, rp.get_id())]
check(sorted(routes) == sorted(want_routes), "v5 routes %r" % sorted(routes))
check(routes[("0.0.0.0", 0, gwp.get_id())].get_next_hop_gateway() == "172.24.4.1", "default route")
check(routes[("169.254.169.254", 32, rp.get_id())].get_next_hop_gateway() == "10.0.0.2", "metadata route")
check(routes[("192.168.0.0", 24, rp.get_id())].get_next_hop_gateway() == "10.0.0.5", "extra route")


def rule_view(rule):
    # Only NAT rules carry natTargets (get_nat_targets reads the key).
    targets = rule.get_nat_targets() if rule.get_type() in ("dnat", "snat") else []
    return (rule.get_type(), [(t["addressFrom"], t["portFrom"], t["portTo"]) for t in targets])


inbound = [rule_view(x) for x in api.get_chain(router.get_inbound_filter_id()).get_rules()]
check(inbound == [("dnat", [("10.0.0.5", 0, 0)]), ("rev_snat", []), ("drop", []), ("rev_snat", [])],
      "v5 inbound chain %r" % inbound)
outbound = [rule_view(x) for x in api.get_chain(router.get_outbound_filter_id()).get_rules()]
check(outbound == [("jump", [])] * 4 + [("snat", [("172.24.4.4", 1024, 65535)])] * 2 +
      [("drop", []), ("snat", [("10.0.0.1", 1024, 65535)])], "v5 outbound chain %r" % outbound)

print(json.dumps({"router": rtr, "gw": gw, "rif": rif, "byport": byport, "ext": ext, "prv": prv,
                  "prv2": prv2, "vm": vm, "vm2": vm2, "fip": fip, "fip2": fip2,
                  "prv_sub": prv_sub, "ext_sub": ext_sub}))
