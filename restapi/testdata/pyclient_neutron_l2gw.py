# Drives the unmodified python-midonetclient's gateway device and L2
# gateway mixins (midonetclient.client.MidonetClient, as the MidoNet
# Neutron plugin uses them) against a server: a router_vtep gateway device
# on a router, remote MAC entries before and after an L2 gateway connection
# to a tenant network, a device update, deletes (repeated: no error), and a
# network_vlan device with its connection. It leaves the router_vtep device,
# one remote MAC entry and the connection in place for the Go test to check
# their v5 translation, and prints the ids as JSON. Exits non-zero on the
# first failure.
# Usage: pyclient_neutron_l2gw.py <api base URI>
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

router_id, net_id, vlan_net_id = new_id(), new_id(), new_id()
c.create_router({"id": router_id, "name": "vtep-router", "tenant_id": "acme",
                 "admin_state_up": True})
for nid in [net_id, vlan_net_id]:
    c.create_network({"id": nid, "name": "l2", "tenant_id": "acme",
                      "admin_state_up": True})

dev_id = new_id()
dev = c.create_gateway_device({"id": dev_id, "type": "router_vtep",
                               "resource_id": router_id,
                               "tunnel_ips": ["30.0.0.1"],
                               "management_ip": "192.0.2.10",
                               "management_port": 6632,
                               "management_protocol": "ovsdb"})
check(dev["id"] == dev_id and dev["tunnel_ips"] == ["30.0.0.1"],
      "create gateway device")

# One entry before the connection (its VNI), one of another VNI, one after.
rm_before, rm_other, rm_after = new_id(), new_id(), new_id()
for rid, mac, vni in [(rm_before, "fa:16:3e:10:00:01", 100),
                      (rm_other, "fa:16:3e:10:00:02", 200)]:
    e = c.create_remote_mac_entry({"id": rid, "device_id": dev_id,
                                   "vtep_address": "10.0.0.1",
                                   "mac_address": mac,
                                   "segmentation_id": vni})
    check(e["mac_address"] == mac, "create remote MAC entry")

cnxn_id = new_id()
cn = c.create_l2gw_conn({"id": cnxn_id, "tenant_id": "acme",
                         "network_id": net_id, "segmentation_id": 100,
                         "l2_gateway": {"id": new_id(), "name": "gw",
                                        "tenant_id": "acme",
                                        "devices": [{"device_id": dev_id,
                                                     "segmentation_id": 100}]}})
check(cn["network_id"] == net_id, "create L2 gateway connection")
c.create_remote_mac_entry({"id": rm_after, "device_id": dev_id,
                           "vtep_address": "10.0.0.2",
                           "mac_address": "fa:16:3e:10:00:03",
                           "segmentation_id": 100})
c.delete_remote_mac_entry(rm_before)
c.delete_remote_mac_entry(rm_before)  # again: no error
c.delete_remote_mac_entry(rm_other)

c.update_gateway_device(dev_id, {"id": dev_id, "type": "router_vtep",
                                 "resource_id": router_id,
                                 "tunnel_ips": ["30.0.0.2"],
                                 "management_ip": "192.0.2.10",
                                 "management_port": 6632,
                                 "management_protocol": "ovsdb"})

# network_vlan: created, connected and taken down again.
vlan_dev, vlan_cnxn, other_net = new_id(), new_id(), new_id()
c.create_network({"id": other_net, "name": "other", "tenant_id": "acme",
                  "admin_state_up": True})
c.create_gateway_device({"id": vlan_dev, "type": "network_vlan",
                         "resource_id": vlan_net_id})
c.create_l2gw_conn({"id": vlan_cnxn, "tenant_id": "acme",
                    "network_id": other_net, "segmentation_id": 7,
                    "l2_gateway": {"devices": [{"device_id": vlan_dev,
                                                "segmentation_id": 7}]}})
c.delete_l2gw_conn(vlan_cnxn)
c.delete_l2gw_conn(vlan_cnxn)
c.delete_gateway_device(vlan_dev)
c.delete_gateway_device(vlan_dev)

print(json.dumps({"router": router_id, "network": net_id, "device": dev_id,
                  "connection": cnxn_id, "entry": rm_after,
                  "other_network": other_net, "vlan_network": vlan_net_id}))
