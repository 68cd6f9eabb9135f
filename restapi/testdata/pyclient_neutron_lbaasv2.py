# Drives the unmodified python-midonetclient's LBaaS v2 mixin
# (midonetclient.client.MidonetClient, as the MidoNet Neutron plugin uses
# it) against a server: a VIP port on a tenant subnet, a load balancer with
# a listener, a pool (source-IP persistence) with members and a health
# monitor, each updated; a second load balancer with its own listener,
# pool and member created and deleted in Neutron's order; then the subnet's
# gateway and host routes changed. It leaves the first load balancer's
# objects for the Go test to read their v5 translation and prints the ids
# as JSON. Exits non-zero on the first failure.
# Usage: pyclient_neutron_lbaasv2.py <api base URI>
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
T = "acme"

net, sub = new_id(), new_id()
c.create_network({"id": net, "name": "lb-net", "tenant_id": T,
                  "admin_state_up": True})
subnet = {"id": sub, "network_id": net, "tenant_id": T, "ip_version": 4,
          "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1", "enable_dhcp": True,
          "dns_nameservers": [], "allocation_pools": [],
          "host_routes": [{"destination": "10.9.0.0/16",
                           "nexthop": "10.0.1.9"}]}
c.create_subnet(subnet)


def vip_port(ip, mac):
    pid = new_id()
    c.create_port({"id": pid, "network_id": net, "tenant_id": T,
                   "admin_state_up": True, "mac_address": mac,
                   "fixed_ips": [{"ip_address": ip, "subnet_id": sub}],
                   "device_owner": "neutron:LOADBALANCERV2",
                   "device_id": "lb", "security_groups": []})
    return pid


def load_balancer(port, ip):
    lb_id = new_id()
    lb = {"id": lb_id, "tenant_id": T, "name": "lb", "description": "",
          "admin_state_up": True, "vip_port_id": port, "vip_subnet_id": sub,
          "vip_address": ip, "provider": "midonet",
          "provisioning_status": "PENDING_CREATE",
          "operating_status": "OFFLINE", "listeners": [], "pools": []}
    got = c.create_loadbalancerv2(lb)
    check(got["id"] == lb_id and got["vip_address"] == ip,
          "create load balancer: %s" % got)
    return lb_id, lb


def listener(lb_id, port, pool=None):
    lid = new_id()
    body = {"id": lid, "tenant_id": T, "admin_state_up": True,
            "loadbalancers": [{"id": lb_id}], "protocol_port": port}
    if pool:
        body["default_pool_id"] = pool
    c.create_listenerv2(body)
    return lid, body


def pool(lb_id, listener_id):
    pid = new_id()
    body = {"id": pid, "tenant_id": T, "name": "pool", "admin_state_up": True,
            "lb_algorithm": "ROUND_ROBIN", "protocol": "TCP",
            "loadbalancers": [{"id": lb_id}], "listener_id": listener_id,
            "listeners": [{"id": listener_id}], "members": [],
            "session_persistence": {"type": "SOURCE_IP"}}
    got = c.create_poolv2(body)
    check(got["session_persistence"]["type"] == "SOURCE_IP",
          "create pool: %s" % got)
    return pid, body


def member(pool_id, ip, port, weight):
    mid = new_id()
    body = {"id": mid, "tenant_id": T, "address": ip, "admin_state_up": True,
            "protocol_port": port, "weight": weight, "subnet_id": sub,
            "pool_id": pool_id, "name": "m"}
    c.create_memberv2(body)
    return mid, body


vip = vip_port("10.0.1.4", "fa:16:3e:00:01:04")
lb_id, lb = load_balancer(vip, "10.0.1.4")
lb["name"] = "renamed"
got = c.update_loadbalancerv2(lb_id, lb)
check(got["name"] == "renamed", "update load balancer: %s" % got)
listener_id, lbody = listener(lb_id, 80)
pool_id, pbody = pool(lb_id, listener_id)
m1, _ = member(pool_id, "10.0.1.20", 8080, 1)
m2, m2body = member(pool_id, "10.0.1.21", 8080, 1)
m2body["weight"] = 5
m2body["admin_state_up"] = False
c.update_memberv2(m2, m2body)
pbody["session_persistence"] = None
c.update_poolv2(pool_id, pbody)
hm_id = new_id()
hm = {"id": hm_id, "tenant_id": T, "admin_state_up": True, "delay": 1,
      "timeout": 2, "max_retries": 3, "type": "TCP",
      "pools": [{"id": pool_id}]}
c.create_healthmonitorv2(hm)
hm["delay"], hm["timeout"], hm["max_retries"] = 10, 20, 4
c.update_healthmonitorv2(hm_id, hm)
lbody["default_pool_id"] = pool_id
lbody["protocol_port"] = 8000  # not translated by an update
c.update_listenerv2(listener_id, lbody)

# A second load balancer, created and deleted as Neutron does.
vip2 = vip_port("10.0.1.5", "fa:16:3e:00:01:05")
lb2, _ = load_balancer(vip2, "10.0.1.5")
l2, _ = listener(lb2, 443)
p2, _ = pool(lb2, l2)
m3, _ = member(p2, "10.0.1.30", 443, 1)
c.delete_memberv2(m3)
c.delete_poolv2(p2)
c.delete_listenerv2(l2)
c.delete_loadbalancerv2(lb2)
c.delete_loadbalancerv2(lb2)  # again: no error
c.delete_port(vip2)

# The subnet's gateway and host routes move the VIP router port's routes.
subnet["gateway_ip"] = "10.0.1.254"
subnet["host_routes"] = [{"destination": "10.8.0.0/16", "nexthop": "10.0.1.8"},
                         {"destination": "10.7.0.0/16", "nexthop": "10.0.1.7"}]
c.update_subnet(sub, subnet)

print(json.dumps({"lb": lb_id, "vip_port": vip, "listener": listener_id,
                  "pool": pool_id, "members": [m1, m2], "hm": hm_id,
                  "lb2": lb2, "vip_port2": vip2, "pool2": p2, "member3": m3}))
