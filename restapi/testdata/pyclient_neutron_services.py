# Drives the unmodified python-midonetclient's QoS and tap-as-a-service
# mixins (midonetclient.client.MidonetClient, as the MidoNet Neutron plugin
# uses them) against a server: a QoS policy with inline rules set on a
# network and a port, and a tap service with flows in each direction,
# updated and deleted. It leaves the policy on the network and port, the
# tap service and one BOTH flow in place for the Go test to check their v5
# translation, and prints the ids as JSON. Exits non-zero on the first
# failure.
# Usage: pyclient_neutron_services.py <api base URI>
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

qos_id = new_id()
c.create_qos_policy({"id": qos_id, "name": "gold", "description": "gold",
                     "shared": True, "tenant_id": "acme",
                     "rules": [{"id": new_id(), "type": "bandwidth_limit",
                                "max_kbps": 1000, "max_burst_kbps": 100},
                               {"id": new_id(), "type": "dscp_marking",
                                "dscp_mark": 10}]})
c.update_qos_policy(qos_id, {"id": qos_id, "name": "gold2", "shared": True,
                             "tenant_id": "acme"})

net_id = new_id()
c.create_network({"id": net_id, "name": "tapped", "tenant_id": "acme",
                  "admin_state_up": True, "qos_policy_id": qos_id})
to_id, from_id = new_id(), new_id()
for i, pid in enumerate([to_id, from_id]):
    c.create_port({"id": pid, "network_id": net_id, "tenant_id": "acme",
                   "admin_state_up": True, "device_owner": "compute:nova",
                   "mac_address": "fa:16:3e:00:01:0%d" % i, "fixed_ips": []})
c.update_port(from_id, {"id": from_id, "network_id": net_id,
                        "tenant_id": "acme", "admin_state_up": True,
                        "device_owner": "compute:nova",
                        "mac_address": "fa:16:3e:00:01:01", "fixed_ips": [],
                        "qos_policy_id": qos_id})

ts_id = new_id()
ts = c.create_tap_service({"id": ts_id, "tenant_id": "acme", "name": "tap",
                           "description": "mirror", "port_id": to_id})
check(ts["id"] == ts_id and ts["port_id"] == to_id, "create tap service")
c.update_tap_service(ts_id, {"id": ts_id, "tenant_id": "acme",
                             "name": "tap2", "port_id": to_id})
flows = {}
for d in ["BOTH", "IN", "OUT"]:
    fid = new_id()
    f = c.create_tap_flow({"id": fid, "tenant_id": "acme", "name": d,
                           "tap_service_id": ts_id, "source_port": from_id,
                           "direction": d})
    check(f["direction"] == d and f["source_port"] == from_id,
          "create tap flow " + d)
    flows[d] = fid
c.update_tap_flow(flows["OUT"], {"id": flows["OUT"], "tenant_id": "acme",
                                 "name": "renamed", "tap_service_id": ts_id,
                                 "source_port": from_id, "direction": "OUT"})
c.delete_tap_flow(flows["IN"])
c.delete_tap_flow(flows["OUT"])
c.delete_tap_flow(flows["OUT"])  # again: no error

print(json.dumps({"qos": qos_id, "network": net_id, "to": to_id,
                  "from": from_id, "tap_service": ts_id,
                  "flow": flows["BOTH"]}))
