# Drives the unmodified python-midonetclient's Neutron client
# (midonetclient.client.MidonetClient, as the MidoNet Neutron plugin uses it)
# against a server: networks, subnets, ports, security groups and rules,
# single and bulk, read back, updated and deleted. It leaves one network with
# a subnet, a security group and a compute port in place for the Go test to
# check their v5 translation. Exits non-zero on the first failure.
# Usage: pyclient_neutron.py <api base URI>
import sys
import uuid

from midonetclient.client import MidonetClient


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def new_id():
    return str(uuid.uuid4())


c = MidonetClient(sys.argv[1], "admin", "admin")

net_id = new_id()
net = c.create_network({"id": net_id, "name": "private", "tenant_id": "acme",
                        "admin_state_up": True, "shared": False})
check(net["id"] == net_id and net["name"] == "private", "create network")
extra = [{"id": new_id(), "name": "bulk%d" % i, "tenant_id": "acme",
          "admin_state_up": True} for i in range(2)]
check(len(c.create_network_bulk(extra)) == 2, "bulk networks")
check(len(c.get_networks()) == 3, "list networks")
c.update_network(net_id, {"id": net_id, "name": "private2", "tenant_id": "acme",
                          "admin_state_up": True})
check(c.get_network(net_id)["name"] == "private2", "update network")
for n in extra:
    c.delete_network(n["id"])
c.delete_network(new_id())  # unknown: no error
check(len(c.get_networks()) == 1, "networks after delete")

sub_id = new_id()
c.create_subnet({"id": sub_id, "network_id": net_id, "tenant_id": "acme",
                 "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "ip_version": 4,
                 "enable_dhcp": True, "dns_nameservers": ["8.8.8.8"],
                 "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
                 "host_routes": []})
sub = c.get_subnet(sub_id)
check(sub["cidr"] == "10.0.0.0/24" and sub["gateway_ip"] == "10.0.0.1", "get subnet")
check(len(c.get_subnets()) == 1, "list subnets")

sg_id, rule_id = new_id(), new_id()
c.create_security_group({"id": sg_id, "name": "web", "tenant_id": "acme",
                         "description": "web servers",
                         "security_group_rules": [
                             {"id": rule_id, "security_group_id": sg_id,
                              "tenant_id": "acme", "direction": "ingress",
                              "ethertype": "IPv4", "protocol": "tcp",
                              "port_range_min": 80, "port_range_max": 80,
                              "remote_ip_prefix": "0.0.0.0/0"}]})
rule2 = new_id()
c.create_security_group_rule({"id": rule2, "security_group_id": sg_id,
                              "tenant_id": "acme", "direction": "egress",
                              "ethertype": "IPv4"})
check(len(c.get_security_group(sg_id)["security_group_rules"]) == 2, "rules of group")
check(c.get_security_group_rule(rule2)["direction"] == "egress", "get rule")
c.delete_security_group_rule(rule2)
check(len(c.get_security_group(sg_id)["security_group_rules"]) == 1, "rule delete")
c.update_security_group(sg_id, {"id": sg_id, "name": "web2", "tenant_id": "acme",
                                "description": "renamed"})
check(c.get_security_group(sg_id)["name"] == "web2", "update group")

dhcp_port = new_id()
c.create_port({"id": dhcp_port, "network_id": net_id, "tenant_id": "acme",
               "admin_state_up": True, "mac_address": "fa:16:3e:00:00:02",
               "fixed_ips": [{"ip_address": "10.0.0.2", "subnet_id": sub_id}],
               "device_owner": "network:dhcp", "device_id": "dhcp-agent",
               "security_groups": []})
vm_port = new_id()
c.create_port({"id": vm_port, "network_id": net_id, "tenant_id": "acme",
               "admin_state_up": True, "mac_address": "fa:16:3e:00:00:05",
               "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": sub_id}],
               "device_owner": "compute:nova", "device_id": "vm-1",
               "security_groups": [sg_id], "port_security_enabled": True})
tmp = [{"id": new_id(), "network_id": net_id, "tenant_id": "acme",
        "admin_state_up": True, "mac_address": "fa:16:3e:00:01:0%d" % i,
        "fixed_ips": [{"ip_address": "10.0.0.1%d" % i, "subnet_id": sub_id}],
        "device_owner": "compute:nova", "security_groups": [sg_id]}
       for i in range(2)]
check(len(c.create_port_bulk(tmp)) == 2, "bulk ports")
check(len(c.get_ports()) == 4, "list ports")
p = c.get_port(vm_port)
check(p["fixed_ips"][0]["ip_address"] == "10.0.0.5" and p["security_groups"] == [sg_id],
      "get port")
c.update_port(vm_port, {"id": vm_port, "network_id": net_id, "tenant_id": "acme",
                        "admin_state_up": True, "mac_address": "fa:16:3e:00:00:05",
                        "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": sub_id}],
                        "device_owner": "compute:nova", "device_id": "vm-1",
                        "security_groups": [sg_id], "port_security_enabled": True,
                        "name": "vm-port"})
check(c.get_port(vm_port)["name"] == "vm-port", "update port")
for t in tmp:
    c.delete_port(t["id"])
check(len(c.get_ports()) == 2, "ports after delete")
print("neutron scenario done: network %s subnet %s group %s port %s dhcp %s"
      % (net_id, sub_id, sg_id, vm_port, dhcp_port))
