# Drives the unmodified python-midonetclient's LBaaS v1 mixins
# (midonetclient.client.MidonetClient's loadbalancer and pool_member, as
# the MidoNet Neutron plugin's v1 driver uses them) against a server: a
# router with a gateway on an external network, a pool on it, members, a
# health monitor of the pool, a VIP on the external network, their
# updates, the pool-health-monitor association verbs and deletes (each
# twice). It leaves the pool, one member, the health monitor and the VIP
# in place for the Go test to check their v5 translation, and prints the
# ids as JSON. Exits non-zero on the first failure.
# Usage: pyclient_neutron_lbaas_v1.py <api base URI>
import json
import sys
import uuid

from midonetclient.client import MidonetClient


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def new_id():
    return str(uuid.uuid4())


c = MidonetClient(sys.argv[1], "admin", "admin")

ext_id, ext_sn = new_id(), new_id()
c.create_network({"id": ext_id, "name": "public", "tenant_id": "admin",
                  "admin_state_up": True, "router:external": True})
c.create_subnet({"id": ext_sn, "network_id": ext_id, "tenant_id": "admin",
                 "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1",
                 "ip_version": 4, "enable_dhcp": False})
gw_id, router_id = new_id(), new_id()
c.create_port({"id": gw_id, "network_id": ext_id, "tenant_id": "admin",
               "admin_state_up": True,
               "device_owner": "network:router_gateway",
               "mac_address": "fa:16:3e:00:02:01",
               "fixed_ips": [{"ip_address": "172.24.4.2",
                              "subnet_id": ext_sn}]})
c.create_router({"id": router_id, "name": "r", "tenant_id": "acme",
                 "admin_state_up": True, "gw_port_id": gw_id,
                 "external_gateway_info": {"network_id": ext_id,
                                           "enable_snat": True}})

# The v1 driver sends the pool with the router it computed.
pool_id = new_id()
pool = {"id": pool_id, "tenant_id": "acme", "name": "web",
        "subnet_id": ext_sn, "router_id": router_id, "protocol": "HTTP",
        "lb_method": "ROUND_ROBIN", "admin_state_up": True,
        "status": "ACTIVE", "members": [], "health_monitors": []}
p = c.create_pool(pool)
check(p["id"] == pool_id and p["router_id"] == router_id, "create pool")
pool["admin_state_up"] = False
p = c.update_pool(pool_id, pool)
check(p["admin_state_up"] is False, "update pool")

members = []
for i in range(2):
    mid = new_id()
    m = c.create_member({"id": mid, "tenant_id": "acme", "pool_id": pool_id,
                         "address": "10.0.0.%d" % (10 + i),
                         "protocol_port": 80, "weight": 1 + i,
                         "admin_state_up": True, "status": "ACTIVE"})
    check(m["address"] == "10.0.0.%d" % (10 + i), "create member")
    members.append(mid)
c.update_member(members[0], {"id": members[0], "tenant_id": "acme",
                             "pool_id": pool_id, "address": "10.0.0.10",
                             "protocol_port": 8080, "weight": 9,
                             "admin_state_up": True})
c.delete_member(members[1])
c.delete_member(members[1])  # again: no error
check(c.get_pool_member(members[0])["weight"] == 9,
      "v5 pool member after the update")

# The driver associates a health monitor by creating it with its pool.
hm_id = new_id()
hm = {"id": hm_id, "tenant_id": "acme", "type": "HTTP", "delay": 5,
      "timeout": 3, "max_retries": 2, "admin_state_up": True,
      "pools": [{"pool_id": pool_id, "status": "ACTIVE"}]}
c.create_health_monitor(hm)
hm["delay"] = 7
c.update_health_monitor(hm_id, hm)

# The association verbs, with a second health monitor.
hm2_id = new_id()
c.create_health_monitor({"id": hm2_id, "tenant_id": "acme", "type": "TCP",
                         "delay": 1, "timeout": 1, "max_retries": 1,
                         "admin_state_up": True, "pools": []})
c.create_pool_health_monitor({"id": hm2_id}, pool_id)
c.delete_pool_health_monitor(hm2_id, pool_id)
c.create_pool_health_monitor({"id": hm_id}, pool_id)
c.delete_health_monitor(hm2_id)
c.delete_health_monitor(hm2_id)

vip_id = new_id()
vip = {"id": vip_id, "tenant_id": "acme", "name": "vip",
       "subnet_id": ext_sn, "pool_id": pool_id, "address": "172.24.4.10",
       "port_id": new_id(), "protocol": "HTTP", "protocol_port": 80,
       "connection_limit": -1, "admin_state_up": True,
       "session_persistence": {"type": "SOURCE_IP"}}
v = c.create_vip(vip)
check(v["address"] == "172.24.4.10", "create vip")
vip["protocol_port"] = 8080
c.update_vip(vip_id, vip)

# A second VIP, deleted twice: its ARP entry goes.
vip2_id = new_id()
c.create_vip({"id": vip2_id, "tenant_id": "acme", "subnet_id": ext_sn,
              "pool_id": pool_id, "address": "172.24.4.11",
              "protocol_port": 443, "admin_state_up": True})
c.delete_vip(vip2_id)
c.delete_vip(vip2_id)

print(json.dumps({"router": router_id, "external": ext_id, "pool": pool_id,
                  "member": members[0], "gone_member": members[1],
                  "health_monitor": hm_id, "vip": vip_id}))
