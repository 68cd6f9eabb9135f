// Package restapi serves the MidoNet v5 REST API (the JVM midonet-cluster's
// /midonet-api) over the object store: same URIs, vendor media types, JSON
// fields, status codes and error bodies, so python-midonetclient and the
// Java client work unchanged.
//
//	h, err := restapi.NewHandler(store, restapi.MockTenants{}, restapi.Options{})
//	http.ListenAndServe("127.0.0.1:8181", h)
//
// # How a request flows
//
// NewHandler builds one http.ServeMux (Go 1.22 patterns) from the resource
// families (families() in table.go): each family file (ports.go, rules.go,
// vtep.go, ...) holds its table rows, their hooks and its explicit
// endpoints. For every row it registers /<segment>, /<segment>/{id}
// and each parent collection /<parent>/{pid}/<sub>, all served by the generic
// handlers in handler.go and engine.go:
//
//	GET    /<segment>            list   (strict negotiation on the collection types, ?filters)
//	POST   /<segment>            create (415 → 400 → 405 → 406 → store), 201 + absolute Location
//	GET    /<segment>/{id}       get
//	PUT    /<segment>/{id}       full replacement of writable fields, 204
//	DELETE /<segment>/{id}       delete (store cascades), 204
//	GET    /<parent>/{pid}/<sub> children in the parent's back-reference order
//	POST   /<parent>/{pid}/<sub> create with the child's reference to the parent set
//	                             (a missing parent is its 404 whatever else fails; checked
//	                             in the create's transaction, which reads the parent once)
//
// Every body is read by call.readBody: bounded after gzip inflation
// (Options.MaxBodyBytes, 413), every string bounded (Options.MaxStringBytes,
// a violation of the field), nesting bounded, and anything but a JSON object
// (null included) refused with 400. A write the data store cannot take (an
// object over ZooKeeper's jute.maxbuffer) answers 400 without the store's paths.
//
// A body is decoded field by field from the table into the protobuf model
// through protoreflect: each field row names its kind, one codec value
// (codecs.go) that decodes, encodes and checks that kind of field; numbers
// and booleans are accepted as strings, unknown keys are ignored, read-only keys are ignored, bean-style
// constraints produce a ValidationErrorEntity. PUT starts from the stored
// object, clears the writable fields and applies the body, so
// back-references and server fields (tunnel keys, child lists) survive and
// nothing is unlinked by omission. Responses list every table field (unset
// ones as null), the computed URIs, and "uri". A list is written element
// by element as each is converted (arrayWriter, wire.go: the same bytes as
// the whole list encoded at once, gzip by the same rule), each element in
// the memory of the one before (encodeScratch) with its URIs as the
// object's URI and a suffix (suffixedURI), not a string per link (a GET of
// one object encodes into a pooled encodeScratch); an
// element that fails after the first KB was sent aborts the response. Errors of every kind are
// written by writeError; the store's typed errors are classified in one
// place, DefaultStoreErrors (storeerrors.go).
//
// Verbs that are not CRUD of a stored class (port link/unlink, tenants,
// system state, DHCP subnets and hosts, state tables, VTEP bindings) are
// small explicit handlers listed as data in their family's endpoints
// (endpoint.go serves them). Collections whose members are entries of an
// owner object (port-group ports, IP-group addresses, host interface-port
// bindings, tunnel-zone hosts) are one generic flavour, membership
// (membership.go); the DHCP v4 and v6 families are one, dhcpFlavour.
//
// # Files
//
// The engine: handler.go (HTTP, routing, negotiation), wire.go (request
// and response bodies), engine.go (request → decode → validate →
// transaction → encode), resource.go (a row), typed.go
// (typed hooks and reads), convert.go and codecs.go (JSON values and field
// kinds), fields.go (field rows), endpoint.go, membership.go,
// dhcp_common.go, root.go, errors.go and storeerrors.go, mediatype.go,
// zoomstore.go (the object store behind Store, StateReader, StateTables and
// the counters). Every other file is one family: bridges.go, routers.go
// (routes, learned routes), ports.go (links, peer ports, agent state),
// rules.go (chains), portgroups.go, ipaddrgroups.go, hosts.go,
// tunnelzones.go, bgp.go, loadbalancing.go, qos.go, mirrors.go,
// l2insertion.go, servicecontainers.go, traces.go, vtep.go and
// vtepbindings.go, dhcp.go, dhcpv6.go, statetables.go, tenants.go; the
// Neutron API is neutron*.go.
//
// # What is served (inventory against the reference sheet, v5)
//
// Table rows: bridges, routers, ports
// (bridge/router/VXLAN variants; under /bridges/{id}/ports,
// /routers/{id}/ports, /bridges/{id}/vxlan_ports), routes, chains, rules
// (every type), port groups, IP address groups, hosts, tunnel zones, BGP
// networks and peers (/routers/{id}/bgp_*), load balancers, pools
// (/load_balancers/{id}/pools, /health_monitors/{id}/pools, ?hm_id), pool
// members (also /load_balancers/{lb}/pools/{id}/pool_members), VIPs
// (/pools/{id}/vips, /load_balancers/{id}/vips), health monitors, QoS
// policies (inline rules), QoS bandwidth-limit and DSCP rules, mirrors, L2
// insertions (?srv_port, ?port), service container groups and containers,
// trace requests (?tenant_id); containers are also served at
// /service_container_groups/{id}/service_containers/{cid}.
//
// Explicit endpoints: root,
// tenants, system state, port link/unlink, peer ports, port-group members,
// IP-group addresses, host interface bindings and interfaces, tunnel-zone
// members, DHCP v4/v6 subnets and hosts, bridge MAC tables (all VLANs and
// per VLAN), bridge ARP tables, router-port peering tables, VTEP bindings
// (/vteps/{id}/bindings, /bridges/{id}/ports/{pid}/vtep_bindings) and VTEP
// physical ports (/vteps/{id}/ports, read from the switch). The three
// state tables go through the StateTables interface (Options.StateTables).
// VTEPs are a table row (/vteps).
//
// Served elsewhere: /conf, by the cluster node (cluster/confapi.go), which
// owns the configuration.
//
// The Neutron API (/neutron, neutron.go and neutron_json.go) is served
// apart from the resource table: its bodies are the Neutron JSON models,
// and every write goes through package neutron, which translates it and
// stores the Neutron object in one transaction. It is mounted when the
// store is NewZoomStore's. Routers and floating IPs are collections there;
// PUT routers/{id}/add_router_interface and .../remove_router_interface
// (neutron_l3.go) create and strip router interfaces, answering 204.
// Tap services and flows (neutron_taas.go), gateway devices and L2
// gateway connections (neutron_l2gw.go), VPN services and IPsec site
// connections (neutron_vpn.go) answer a PUT with 204 and refuse a body
// whose id is not the path's, as the reference's Scala resources do.
// Resources the reference serves with fewer verbs list the ones they have
// (only): remote MAC entries have no PUT; firewalls (neutron_fwaas.go) take
// POST, PUT (200, the path's id wins) and DELETE; firewall logs POST, PUT
// (204) and DELETE; logging resources PUT (204) and DELETE; the others
// answer 405. BGP peers (neutron_bgp.go) answer PUT with 204 too; BGP
// speakers are served only as PUT bgp_speakers/{id} (405 for other
// methods, the collection 404), whose del_bgp_peer_ids deletes peers.
// The LBaaS v2 resources (neutron_lbaasv2.go: lbs_v2, listeners_v2,
// pools_v2, pool_members_v2, health_monitors_v2) answer POST 201 and PUT
// 200 with the object sent; nothing of them is stored (as the
// reference), so GET of one answers 404 and lists are empty.
// LBaaS v1 (neutron_lbv1.go) is served under lb/ (pools, members, vips,
// health_monitors, media types ...neutron.lb.<X>-v1+json), with the
// pool-health-monitor association as POST lb/pools/{id}/health_monitors
// and DELETE lb/pools/{id}/health_monitors/{hm}.
//
// L2 insertions maintain the reference's hidden redirect chains and rules
// on their ports (l2insertion.go); the chains stay after the last
// insertion goes, and a port delete that cascades to an insertion does not
// recompile them (both as the reference). Learned (BGP) routes are listed
// from the ports' "routes" state keys.
//
// Agent state (host liveness, interfaces and addresses, port "active",
// router-port "bgpStatus", service-container status, pool-member health)
// is read through StateReader, which NewZoomStore's store implements with
// the object store's state keys, in the writer's namespace as the
// reference reads them.
//
// # How to add a resource
//
// A resource is one new file and one line registering it:
//
//  1. Write the family file (say pools.go) with a function returning its
//     family: its rows (family.resources), its explicit endpoints
//     (family.endpoints), and root entries for endpoints that have some
//     (family.roots). Add one line calling it to families() in table.go.
//  2. A row (a *resource, usually built by a function beside the family):
//     - segment, and its Application keys rootKey/templateKey (the root
//     document is built from the rows);
//     - model: an empty instance of the stored class (&models.Pool{});
//     - single/collection media types (single("Pool-v1").withJSON() when
//     the reference also accepts application/json), getSingle if GET
//     differs, listNegotiation/getNegotiation = standard where the
//     reference uses Jersey negotiation instead of the strict check;
//     - ops: the generic operations allowed (others answer 405);
//     - fields: one row per JSON key (fID, fStr, fUUID, ... in fields.go):
//     json name, dotted proto path, kind (the codec: kString, kUUID,
//     kIPv4Addr, ...), mode (rw, createOnly, ro, sticky), and constraints
//     (required, sizeMin/sizeMax, min/max, enum, def);
//     - discriminator + variants for polymorphic classes (fixed proto
//     values identify a variant, or a match func);
//     - links: computed URIs, either lRef (absolute URI of a referenced
//     id) or lSub (the object's URI + suffix);
//     - parents: nested collections, with the child's reference field and
//     the parent's back-reference list (listing order);
//     - filters: ?query parameters matched against proto fields;
//     - deleteMissingOK where the reference answers 204 for a missing id.
//  3. Only if the reference does more than field mapping, add hooks in the
//     same file, typed by the model: hooks: typed[*models.Pool]{decode:
//     decodePool, remove: removePool}.hooks(). decode (derived fields,
//     cross-field checks; returns its violations), validate (checks on a
//     valid body), encode (extra output fields), create/update/remove
//     (multi-object transactions), keep (list filters), listUnder (merged
//     collections). Hooks read other objects with getAs[*models.X](tx, id)
//     in a transaction, loadAs/listAs outside one: no type assertions.
//     Members kept inside an owner object are a membership; a new field
//     kind is one codec value in codecs.go.
//  4. NewHandler checks every row (fields, kinds, variants, links, parents,
//     filters, and that typed hooks match the model) against the protobuf
//     descriptors, so a mistake fails the first test that builds a handler.
//     Add the resource to the end-to-end and fuzz tables in the tests (the
//     fuzz target fails for a row without a seed).
//
// A Neutron resource follows the same shape, with its translation kept out
// of the REST layer: its translator is a file of package neutron (pure
// functions from the Neutron object and a read-only view to store ops), its
// JSON model one family file here (neutron_<family>.go: the Neutron JSON
// struct with its toProto and its ...Of encoder), and one nres line in
// neutronResources() (neutron.go) registers it; the /neutron root already
// lists every URI of the reference. Add it to the Neutron abuse table.
package restapi
