# Drives the unmodified python-midonetclient's firewall and firewall
# logging mixins (midonetclient.client.MidonetClient, as the MidoNet
# Neutron plugin uses them) against a server: a firewall with rules on a
# router, updated (rules reordered, a second router, then the first one
# removed), a second firewall made by an update alone and forgotten by
# last-router, two logs on one logging resource (one updated, one
# deleted) and the resource disabled. It leaves the first firewall, its
# remaining log and the logging resource for the Go test to check their
# translation, and prints the ids as JSON. Exits non-zero on the first
# failure.
# Usage: pyclient_neutron_fwaas.py <api base URI>
import json
import sys
import uuid

from midonetclient.client import MidonetClient


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def new_id():
    return str(uuid.uuid4())


def rule(rid, protocol, action, enabled, position, port):
    return {"id": rid, "tenant_id": "acme", "protocol": protocol,
            "ip_version": 4, "source_ip_address": "10.0.0.0/24",
            "destination_ip_address": "20.0.0.2",
            "destination_port": port, "action": action,
            "enabled": enabled, "shared": False, "position": position}


def firewall(fid, rules, add, delete=(), last=False):
    return {"id": fid, "tenant_id": "acme", "name": "fw",
            "admin_state_up": True, "firewall_rule_list": rules,
            "add-router-ids": list(add), "del-router-ids": list(delete),
            "last-router": last}


c = MidonetClient(sys.argv[1], "admin", "admin")

r1, r2 = new_id(), new_id()
for r in [r1, r2]:
    c.create_router({"id": r, "tenant_id": "acme", "name": "r",
                     "admin_state_up": True})

deny, off, allow = new_id(), new_id(), new_id()
rules = [rule(deny, "tcp", "deny", True, 1, "22"),
         rule(off, "udp", "deny", False, 2, "53"),
         rule(allow, "icmp", "allow", True, 3, "8080:8081")]
fw = new_id()
got = c.create_firewall(firewall(fw, rules, [r1]))
check(got["id"] == fw and len(got["firewall_rule_list"]) == 3 and
      got["add-router-ids"] == [r1], "create firewall: %r" % got)

rules.reverse()
got = c.update_firewall(fw, firewall(fw, rules, [r1, r2]))
check(got["id"] == fw and got["add-router-ids"] == [r1, r2],
      "update firewall: %r" % got)
c.update_firewall(fw, firewall(fw, rules, [r2], delete=[r1]))

# A firewall Neutron never created (no router then): its update creates
# it; last-router forgets it.
fw2 = new_id()
c.update_firewall(fw2, firewall(fw2, [], [r1]))
c.update_firewall(fw2, firewall(fw2, [], [], delete=[r1], last=True))

lr, log1, log2 = new_id(), new_id(), new_id()
for lid, event in [(log1, "ALL"), (log2, "DROP")]:
    got = c.create_firewall_log({"id": lid, "tenant_id": "acme",
                                 "description": "log", "firewall_id": fw,
                                 "logging_resource_id": lr,
                                 "fw_event": event,
                                 "logging_resource": {"id": lr,
                                                      "enabled": True}})
    check(got["id"] == lid and got["fw_event"] == event.lower(),
          "create firewall log: %r" % got)
c.update_firewall_log(log1, {"id": log1, "tenant_id": "acme",
                             "firewall_id": fw, "logging_resource_id": lr,
                             "fw_event": "ACCEPT"})
c.delete_firewall_log(log2)
c.update_logging_resource(lr, {"id": lr, "tenant_id": "acme",
                               "name": "lr", "enabled": False})

print(json.dumps({"firewall": fw, "gone_firewall": fw2, "r1": r1, "r2": r2,
                  "deny": deny, "allow": allow, "off": off,
                  "logging_resource": lr, "log": log1, "gone_log": log2}))
