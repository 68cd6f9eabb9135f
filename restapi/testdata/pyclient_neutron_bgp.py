# Drives the unmodified python-midonetclient's Neutron BGP mixin
# (midonetclient.client.MidonetClient, as networking-midonet's BGP plugin
# uses it) against a server: a router with a SNAT gateway, an interface
# and an extra route; three peers of one speaker (creates answer the body),
# a password update, one peer deleted by the speaker's update with
# del_bgp_peer_ids and one by delete_bgp_peer (twice). Then it reads the
# translation back through the v5 API (midonetclient.api.MidonetApi): the
# router's AS number, its BGP peer and networks, the Quagga service
# container and its group, the redirect rules. It prints the ids as JSON
# for the Go test. Exits non-zero on the first failure.
# Usage: pyclient_neutron_bgp.py <api base URI>
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

rtr = new_id()
gw = port(ext, ext_sub, "172.24.4.4", "fa:16:3e:62:0d:2b", "network:router_gateway", rtr)
router = {"id": rtr, "name": "r1", "tenant_id": T, "admin_state_up": True, "gw_port_id": gw,
          "external_gateway_info": {"network_id": ext, "enable_snat": True}}
c.create_router(router)
rif = port(prv, prv_sub, "10.0.0.1", "fa:16:3e:00:00:01", "network:router_interface", rtr)
c.add_router_interface(rtr, {"id": rtr, "tenant_id": T, "port_id": rif, "subnet_id": prv_sub,
                             "subnet_ids": [prv_sub]})
router["routes"] = [{"destination": "192.168.10.0/24", "nexthop": "10.0.0.9"}]
c.update_router(rtr, router)

speaker_id = new_id()
speaker = {"id": speaker_id, "tenant_id": T, "name": "speaker", "local_as": 64512,
           "ip_version": 4, "logical_router": rtr}


def peer(ip, password):
    pid = new_id()
    p = c.create_bgp_peer({"id": pid, "tenant_id": T, "name": "peer-" + ip, "peer_ip": ip,
                           "remote_as": 65001, "auth_type": "md5", "password": password,
                           "bgp_speaker": speaker})
    check(p["id"] == pid and p["peer_ip"] == ip and p["remote_as"] == 65001 and
          p["auth_type"] == "MD5" and p["bgp_speaker"]["logical_router"] == rtr,
          "create bgp peer answers %r" % p)
    return pid


kept = peer("172.24.4.100", "secret")
by_speaker = peer("172.24.4.101", "secret")
by_delete = peer("172.24.4.102", "secret")

api = MidonetApi(base, "admin", "admin")


def bgp_networks():
    return sorted("%s/%d" % (n.get_subnet_address(), n.get_subnet_length())
                  for n in api.get_router(rtr).get_bgp_networks())


check(bgp_networks() == ["10.0.0.0/24", "192.168.10.0/24"],
      "BGP networks under three peers %r" % bgp_networks())

# neutron-dynamic-routing's peer update carries no speaker.
c.update_bgp_peer(kept, {"id": kept, "tenant_id": T, "name": "kept", "peer_ip": "172.24.4.100",
                         "remote_as": 65001, "auth_type": "md5", "password": "n3w"})
deleting = dict(speaker, del_bgp_peer_ids=[by_speaker])
c.update_bgp_speaker(speaker_id, deleting)
c.delete_bgp_peer(by_delete)
c.delete_bgp_peer(by_delete)  # again: no error

r = api.get_router(rtr)
check(r.get_asn() == 64512, "router AS number %r" % r.get_asn())
peers = list(r.get_bgp_peers())
check(len(peers) == 1 and peers[0].get_id() == kept, "router BGP peers %r" %
      [p.get_id() for p in peers])
check(peers[0].get_address() == "172.24.4.100" and peers[0].get_asn() == 65001 and
      peers[0].get_password() == "n3w", "BGP peer %r" % peers[0].dto)
# A peer's delete withdraws the extra routes, other peers or not (as the
# reference); the speaker's deletes do not.
check(bgp_networks() == ["10.0.0.0/24"], "BGP networks at the end %r" % bgp_networks())

quagga = [s for s in api.get_service_containers() if s.get_configuration_id() == rtr]
check(len(quagga) == 1 and quagga[0].get_service_type() == "QUAGGA", "Quagga container %r" %
      [s.dto for s in quagga])
group = api.get_service_container_group(quagga[0].get_service_group_id())
check([s.get_id() for s in group.get_service_containers()] == [quagga[0].get_id()],
      "container group %r" % group.dto)
qport = api.get_port(quagga[0].get_port_id())
check(qport.get_device_id() == rtr and qport.get_port_address() == "169.254.0.1",
      "Quagga port %r" % qport.dto)

rules = list(api.get_chain(r.get_local_redirect_chain_id()).get_rules())
check(len(rules) == 2 and all(x.get_target_port() == qport.get_id() for x in rules),
      "redirect rules %r" % [x.dto for x in rules])

print(json.dumps({"router": rtr, "peer": kept, "speaker": speaker_id,
                  "container": quagga[0].get_id(), "quagga_port": qport.get_id()}))
