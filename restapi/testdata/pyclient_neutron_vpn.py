# Drives the unmodified python-midonetclient's VPNaaS mixin
# (midonetclient.client.MidonetClient, as the MidoNet Neutron plugin uses it)
# against a server: an external network and a router with a gateway, a VPN
# service created and renamed, two IPsec site connections (one updated to
# new peer CIDRs, then deleted twice), a second VPN service sharing the
# router. It leaves the router with one connection and prints the ids as
# JSON for the Go test to read the translation through the v5 API. Exits
# non-zero on the first failure.
# Usage: pyclient_neutron_vpn.py <api base URI>
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

ext, ext_sub, gw, rtr = new_id(), new_id(), new_id(), new_id()
c.create_network({"id": ext, "name": "public", "tenant_id": T,
                  "admin_state_up": True, "router:external": True})
c.create_subnet({"id": ext_sub, "network_id": ext, "tenant_id": T,
                 "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1",
                 "ip_version": 4, "enable_dhcp": True})
c.create_port({"id": gw, "network_id": ext, "tenant_id": T,
               "admin_state_up": True, "mac_address": "fa:16:3e:62:0d:2b",
               "fixed_ips": [{"ip_address": "172.24.4.4",
                              "subnet_id": ext_sub}],
               "device_owner": "network:router_gateway", "device_id": rtr})
c.create_router({"id": rtr, "name": "r1", "tenant_id": T,
                 "admin_state_up": True, "gw_port_id": gw,
                 "external_gateway_info": {"network_id": ext,
                                           "enable_snat": True}})

vpn = new_id()
v = c.create_vpn_service({"id": vpn, "name": "vpn", "description": "site",
                          "tenant_id": T, "admin_state_up": True,
                          "router_id": rtr})
check(v["id"] == vpn and v["router_id"] == rtr, "create vpn service")
c.update_vpn_service(vpn, {"id": vpn, "name": "vpn2", "description": "site",
                           "tenant_id": T, "admin_state_up": True,
                           "router_id": rtr})


def conn(cid, local, peer):
    return {"id": cid, "tenant_id": T, "name": "c-" + cid[:4],
            "admin_state_up": True, "peer_address": "192.0.2.10",
            "peer_id": "192.0.2.10", "local_cidrs": local,
            "peer_cidrs": peer, "route_mode": "static", "mtu": 1500,
            "initiator": "bi-directional", "auth_mode": "psk",
            "psk": "secret", "dpd_action": "hold", "dpd_interval": 30,
            "dpd_timeout": 120, "vpnservice_id": vpn,
            "ikepolicy": {"auth_algorithm": "sha1",
                          "encryption_algorithm": "aes-128",
                          "phase1_negotiation_mode": "main",
                          "ike_version": "v1", "lifetime_units": "seconds",
                          "lifetime_value": 3600, "pfs": "group5"},
            "ipsecpolicy": {"transform_protocol": "esp",
                            "auth_algorithm": "sha1",
                            "encryption_algorithm": "aes-128",
                            "encapsulation_mode": "tunnel", "pfs": "group5",
                            "lifetime_units": "seconds",
                            "lifetime_value": 3600}}


c1, c2 = new_id(), new_id()
r = c.create_ipsec_site_conn(conn(c1, ["10.0.1.0/24"],
                                  ["20.0.1.0/24", "20.0.2.0/24"]))
check(r["id"] == c1 and r["vpnservice_id"] == vpn, "create connection")
c.create_ipsec_site_conn(conn(c2, ["10.0.2.0/24"], ["30.0.1.0/24"]))
c.update_ipsec_site_conn(c1, conn(c1, ["10.0.1.0/24"],
                                  ["20.0.1.0/24", "20.0.3.0/24"]))
c.delete_ipsec_site_conn(c2)
c.delete_ipsec_site_conn(c2)  # again: no error

vpn_b = new_id()
c.create_vpn_service({"id": vpn_b, "name": "other", "tenant_id": T,
                      "admin_state_up": True, "router_id": rtr})
c.delete_vpn_service(vpn_b)
c.delete_vpn_service(vpn_b)  # again: no error

print(json.dumps({"router": rtr, "vpn": vpn, "connection": c1}))
