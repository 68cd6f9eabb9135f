// Package mnconf is MidoNet's node configuration kept in ZooKeeper: the
// layout under <root>/config that MidoNet 5.x uses (schemas, templates,
// per-node overrides, template mappings), the layered runtime view a node
// reads its settings from, the schemas and templates shipped in the binary,
// validation by schema types, and the logic of the mn-conf command line tool
// (CLI; cmd/mn-conf only wires it to the process).
//
// # Layout
//
//	<root>/config/schemas/<name>        cluster, agent, nsdb (bundled; Deploy writes them)
//	                                    (the reference's keys, schemas/, plus ours, extensions/)
//	<root>/config/templates/<name>      "default" (operator-owned) and bundled agent-* templates
//	<root>/config/nodes/<host-uuid>     per-node overrides
//	<root>/config/template-mappings     { "<host-uuid>" : "<template>" }
//
// Znodes hold formatted JSON, with substitutions such as
// ${cluster.loggers.root} kept literal; they are resolved only after the
// layers are merged. Writes are version-checked read-modify-writes retried on
// conflict, and validation happens before anything is written.
//
// # Use from a node (the cluster)
//
//	store, err := mnconf.Open(ctx, conn, rootKey)   // any storage.Conn: zk or mem
//	_, err = store.Deploy(ctx)                       // bundled schemas/templates, when newer
//	get, err := store.NodeView(ctx, nodeID, mnconf.RuntimeOptions{LegacyINI: mnconf.MidonetConfFile})
//	err = clusterCfg.ApplyKeys(get)                  // get(key) → (text, ok)
//
// The runtime view of a node is, highest precedence first: the legacy INI
// file (optional), the node's own znode, the template mapped to the node, the
// default template, the schemas in ZooKeeper, the schemas bundled in this
// binary. RuntimeConfig returns it as a *Config with typed getters (Int,
// Duration, Bool ...) and Get (text, as NodeView's function).
//
// Watch(ctx, nodeID, opts...) delivers the runtime view now and again after
// every change of any layer (re-mapping the node to another template switches
// the template followed). It survives a ZooKeeper session expiry (watching
// again in the new session) and closes when ctx ends or the connection is
// closed; on the mem backend, whose expired sessions are final, it then
// stays silent until ctx ends. The reference only hot-reloads log levels;
// which settings a consumer re-applies is its choice. A layer whose text does
// not parse (or a view that does not resolve) is logged and skipped, so the
// consumer keeps its last good view.
//
// Parse checks text before the HOCON library sees it: brackets left open or
// closed by the wrong bracket, unterminated strings and substitutions (on
// some of which the library loops forever) fail with typesafe-config 1.2.1's
// message and a line number.
//
// Bootstrap (ReadBootstrap) finds ZooKeeper as the reference does, from
// MIDO_ZOOKEEPER_HOSTS / MIDO_ZOOKEEPER_ROOT_KEY, then the [zookeeper]
// section of ~/.midonetrc, /etc/midonet/midonet.conf and
// /etc/midolman/midolman.conf; LocalHostID reads (or mints) the host id.
package mnconf
