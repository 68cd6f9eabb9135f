// Package neutron translates the Neutron API's objects (networks, subnets,
// ports, security groups, routers, ...) into the MidoNet topology, as the
// reference's C3PO translators do, so the agents see the virtual network
// Neutron asked for. It sits beside restapi/: restapi decodes the Neutron
// JSON (/midonet-api/neutron) and calls a Service.
//
// # Model
//
// A Translator per Neutron class holds pure functions: from the Neutron
// object (and, for updates and deletes, the stored one) and a read-only
// View of the store to a list of Ops (create, update, modify-in-place,
// delete, state-table node create/delete). The Service runs one request as
// one zoom transaction:
//
//	svc := neutron.NewService(st, tunnelKeys)   // st: *zoom.Store with midonet.Schema()
//	svc.WithDynamicNatPorts(neutron.NatPortRange{Start: 1024, End: 65535}) // cluster.translators.nat.*
//	err := svc.Create(ctx, &models.NeutronNetwork{Id: id, Name: proto.String("n")})
//	err = svc.CreateAll(ctx, nms)               // bulk: one transaction, in order
//	err = svc.Update(ctx, nm)                   // *zoom.NotFoundError if missing
//	err = svc.Delete(ctx, &models.NeutronPort{}, id) // missing: no error
//
// Inside the transaction the translation's ops are applied first, then the
// Neutron object itself is created/updated/deleted (the reference's
// order), all in one storage multi with the store's optimistic version
// checks and retries; there is no global lock. A bulk create translates
// each object after applying the previous one's ops, so later objects see
// earlier ones. OpModify applies a function to the object as the
// transaction sees it when the op runs, so a translation never overwrites
// back-references that bindings or earlier ops changed. OpAppend adds to a
// list that grows with the deployment (a subnet's DHCP hosts) and OpEdit
// changes such a list's elements (a security group's IP address group
// gaining, moving or losing a port's addresses on its create, update and
// delete) without copying or re-printing the object, and OpCreateNode (state-table
// entries) reads nothing before the commit: the requests of 16 clients on
// one network then cost one read of the network per request and commit
// together (zoom's group commit), with no error but the translation's own.
//
// A class the reference registers no storage for (the LBaaS v2 ones) is
// an Unregistered translator: it is never read nor written, its updates
// and deletes work from the MidoNet objects and the id alone, and Get
// and List find none of it.
//
// The Neutron objects are stored under the reference's class names
// (NeutronNetwork, NeutronSubnet, NeutronPort, SecurityGroup, ...), in the
// same ZOOM layout as the MidoNet classes, so the consistency checker and
// a JVM node read them.
//
// # Errors
//
// BadRequestError (HTTP 400) and ConflictError (409) are the translation's
// rejections (the reference's IllegalArgumentException and
// IllegalStateException); a translator's come wrapped in a TranslationError
// naming the operation as the reference's TranslationException does
// ("Failed to Create(<object>); <message>"). The store's typed errors
// (zoom.NotFoundError, ObjectExistsError, ReferenceConflictError, ...) pass
// through.
//
// # Derived ids
//
// The MidoNet objects made for a Neutron object get ids derived from its
// id (ids.go), bit for bit as the reference derives them, so objects
// written by a JVM cluster are found by this one and the other way round.
//
// # Translated so far
//
//   - Networks (uplink networks are only stored).
//   - Subnets: the network's Dhcp (gateway, DNS, host routes as option 121;
//     on update the metadata route through the network's DHCP port, and the
//     gateway routes follow a gateway change).
//   - Ports: the network port (tunnel key, binding by host name, QoS);
//     MAC/ARP table entries; for compute and VIP ports the inbound,
//     outbound and anti-spoofing chains (allowed address pairs, port
//     security off = empty chains) and the security groups' IP address
//     groups; DHCP hosts; DHCP ports as server address and metadata routes;
//     on delete the router side of gateway and router-interface ports and
//     the floating IPs' association. Floating-IP ports and ports on uplink
//     networks are only stored.
//   - Security groups and rules: the IP address group, its two chains, the
//     header/non-header split of port ranges (ICMP type/code), remote
//     prefixes and groups; a group's delete cleans ports and remote-group
//     rules.
//   - Routers: the router, its pre-/post-routing, forward, floating-SNAT
//     (exact and not), skip-SNAT and NAT64 chains (the post-routing chain
//     jumping to the last four), its stateful and router-interface port
//     groups; the gateway (router port peered with the Neutron gateway
//     port; IPv4: default/subnet/local routes, SNAT and skip-SNAT rules
//     toggled by enable_snat; IPv6: a free 169.254.x.y/30 towards NAT64, the
//     FIP64 route, the skip-NAT4 rule, a NAT64 tunnel key), removed with
//     gw_port_id; extra routes through the port whose subnet holds the next
//     hop.
//   - Router interfaces (not stored): the router port peered with the
//     network port (or, on an uplink network, bound to the named host
//     interface), its subnet, local and metadata routes, the DHCP's
//     router_if_port_id, the same-subnet SNAT pair, a BGP network under a
//     BGP speaker, the NAT64 route and rule for IPv6; a port added by id
//     becomes a router-interface port. Removal strips the named subnets
//     from the router port.
//   - Floating IPs: IPv4 ones as DNAT, SNAT, SNAT-exact and skip-SNAT rules
//     on the router port facing the floating network and an ARP entry
//     there; IPv6 ones as an entry of the floating network's FIP64 table;
//     moved with the port or router, removed on disassociation and delete.
//   - Tap services and flows (TaaS): the service as a mirror to its port;
//     a flow as that mirror on its source port, pre-out-filter for IN,
//     post-in-filter for OUT, both for BOTH (one occurrence per flow); a
//     service's or its destination port's delete takes the mirror off
//     every source port first.
//   - LBaaS v1: a pool as a MidoNet pool on its router's load balancer
//     (id LbV1LoadBalancerID(router), made with the router's first pool,
//     deleted with its last; updates change the admin state only); members
//     and health monitors as the MidoNet objects of their ids, their status
//     kept by updates; a health monitor takes its pools on create (mapping
//     PENDING_CREATE) and an update may not change them (409); a VIP of a
//     pool on an external network as an ARP entry there answering with the
//     router gateway port's MAC (removed by its delete). Service's
//     AssociatePoolHealthMonitor and DisassociatePoolHealthMonitor serve
//     the pool-health-monitor verbs.
//   - BGP dynamic routing (bgp.go): a router's first Neutron BGP peer
//     gives it a Quagga container (router port on a free 169.254.x.y/30,
//     service container group and QUAGGA container, scheduled by the
//     containers service) and announces its interfaces' subnets; each
//     peer sets the router's AS number, announces its extra routes, and
//     becomes a MidoNet BGP peer with two redirect rules (TCP 179 to and
//     from the peer) in the router's local redirect chain; a speaker's
//     update with del_bgp_peer_ids deletes those peers (speakers are not
//     stored). The router's delete takes the container and the chain.
//   - L2 gateways: gateway devices (router_vtep, network_vlan; hw_vtep
//     refused) are stored; a device update moves its connections' VTEP
//     router ports to its first tunnel IP. A connection links a port on
//     the tenant network (id derived from the network's) with a VTEP
//     router port (tunnel IP, VNI = segmentation id) or a VLAN port on the
//     device's network. A remote MAC entry goes into the peering table of
//     every VTEP router port with its VNI, when it or the connection comes;
//     deletes of entries, connections and devices take it out again.
//   - LBaaS v2 (load balancers, listeners, pools, members, health
//     monitors; none of them stored, as the reference registers no
//     storage for them): a load balancer is a LoadBalancer on a router of
//     its own with SNAT/reverse-SNAT chains, a router port peered with the
//     VIP port, routes (VIP subnet, default via the gateway, option 121),
//     and an HAPROXY service container and group behind a 169.254.0.1/30
//     router port; listeners are VIPs at the VIP address, pools pools
//     (round robin, TCP, source-IP persistence only), members pool
//     members, health monitors health monitors. A subnet update replaces
//     the VIP router ports' non-gateway routes by its option 121 routes.
//   - VPN services and IPsec site connections (VPNaaS): a service stored
//     with its router's external IP (the gateway port's first fixed IP,
//     IPv4; 400 without one); the first connection of a router's services
//     creates the router's IPsec service container (port on a free
//     169.254.x.y/30 with its routes, container group, "IPSEC" container
//     configured with the router id, scheduled by cluster/containers) and
//     ESP/UDP 500/UDP 4500 redirect rules for the external IP in the
//     router's local redirect chain; each connection routes its (local,
//     peer) CIDR pairs through the container; the last connection's delete
//     removes the container; a gateway port's new fixed IP moves the
//     services' IP and the redirect rules. These two translators store
//     their Neutron object themselves (Translator.SelfStored).
//   - Firewalls (FWaaS v1): the chain OS_FW_FORWARD_<id> (a DROP when
//     down, return flows accepted, the enabled rules as RETURN/DROP with
//     the Neutron rules' ids, a final DROP), a jump to it at the end of
//     each associated router's forward chain (traffic not entering nor
//     leaving through its router-interface port group); updates rewrite
//     the rules, move the jumps (del-router-ids, add-router-ids), create
//     a firewall never created and delete it on last-router.
//   - Firewall logs and logging resources (not stored): a RuleLogger on
//     the firewall's chain writing to a LoggingResource (made with the
//     first log naming it, deleted with the last), the chain's firewall
//     and tenant metadata; a logging resource is only updated (enabled)
//     or deleted with its loggers.
//
// QoS policies are the v5 qos_policies (restapi); a Neutron network's or
// port's qos_policy_id is copied onto its MidoNet network or port.
//
// Not translated: none of the reference's Neutron classes. Port bindings
// and agent memberships (PortBinding, AgentMembership) reach the reference
// only through its Neutron task-table importer, not its REST API, and are
// not served; a port's binding:host_id is (ports, above).
package neutron
