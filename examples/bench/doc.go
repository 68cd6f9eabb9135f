// Package bench is the performance harness of the store's write and read
// paths: every figure is measured beside a baseline in the same run, on the
// same machine, and printed with its ratio to it, as one table (figure |
// ours | baseline | ratio). Ratios, not times, are what compare across
// machines and runs.
//
// One command runs it; the default sizes are the quick ones CI runs (well
// under two minutes), -full the README's:
//
//	go test -v -run TestPerformance -timeout 60m ./examples/bench -args -full
//
// Every component is real and bound to 127.0.0.1 on a free port, and
// stopped at the end: a ZooKeeper server (midonet/storage/zktest) that
// fsyncs its transaction log as Debian's zookeeper does, midonet-cluster
// nodes started in-process as the command starts them (cluster.Config with
// the standard backends, REST API on ZooKeeper or on the in-memory store),
// ovsdb-server with the OVN northbound schema of Debian's ovn-central
// (vxgw/vteptest.StartDatabase), and Debian's wrk for the GET latencies.
//
// A figure and its baselines run alternately, in five rounds for the
// throughputs, so that a change of load on a shared machine weighs on all.
// A 409 answer (the store's "retry the request") is retried, and counted in
// the figure's row. The figures and their baselines:
//
//   - REST port create (POST /bridges/{id}/ports, creates/s) with 1 and 16
//     keep-alive clients, all on one bridge or spread over 16, against raw
//     ZooKeeper multis of the same shape as storagetest.BenchmarkMulti (a
//     node create and a parent update per op) with 1 and 16 writers on one
//     session, the figure; and, in the same alternation, against raw
//     multis of the create's own shape, which separate the ZOOM layout's
//     cost from the store's: the nodes a port create makes (read back from
//     ZooKeeper after creates through the API: each node the create's
//     transaction created, with as many bytes) and the update of a parent
//     as big as the bridge at that point (its stored size when empty, grown
//     per create by the bytes one port's back-reference added to the stored
//     bridge), as many parents as bridges, chosen as the clients choose;
//   - the same REST port creates against OVN's northbound database:
//     long-lived libovsdb clients (one per writer, not monitoring, as the
//     REST clients receive no notifications either) each inserting a
//     Logical_Switch_Port and adding it to one Logical_Switch's ports in one
//     transaction;
//   - the time of one REST port create, and of one REST port delete, on a
//     bridge that already has 1k, 5k, 10k ports, on ZooKeeper and on the
//     in-memory store, against the same on an empty bridge, alternately (the
//     big bridge loses one of its ports spread over its list per port it
//     gains, the empty one the port just created; the big bridge is filled
//     through the object store in batches, which is quicker than the API
//     and stores the same); on ZooKeeper, in the same alternation, raw
//     multis of the create's own shape on a parent as big as each bridge,
//     and of its undoing (its nodes deleted, the parent updated: a
//     delete's floor), one writer: what ZooKeeper itself takes to rewrite a
//     node of 10k ports (~700 KB) per create, beside what the store adds;
//   - GET of one bridge, p50 and p99 under 16 keep-alive wrk connections,
//     and under 16 keep-alive Go clients in the bench's process (whose tail
//     does not include a load generator waiting for a CPU in a process of
//     its own), against raw ZooKeeper gets of its node by 16 goroutines on
//     one session; and the wrk figures against the same wrk command on a
//     bare net/http handler in the bench's process writing the same answer
//     (the HTTP floor: a p99 of the floor's above #12's 2 ms is the
//     machine's, not the node's), and on the node on the in-memory store
//     (the REST layer without ZooKeeper: what the ZooKeeper node adds to
//     it is the read barrier's sync, zoom's package doc);
//   - GET /bridges of 10k bridges, on ZooKeeper and in memory, against raw
//     reads of the same nodes (children, then every node, 64 in flight, as
//     the store issues them); the steady state: timed after two GETs that
//     read the bridges and keep them cached, armed;
//   - Neutron port create (POST /neutron/ports of a VM's port: MAC and an
//     address on a DHCP subnet) with 1 and 16 clients on one network,
//     against REST port create with as many clients on one bridge;
//   - the resident set (VmRSS, after a garbage collection) of a node
//     holding 100k objects (bridges of 99 ports, created through the object
//     store on a session of the bench's, closed before the reading, then
//     every one read through the API: GET /bridges and each bridge's
//     ports; -memory-passes 2 reads them twice, which fills the node's
//     cache and sets its watches), on ZooKeeper and on the in-memory store, configured as
//     shipped (cluster.Build: the default soft memory limit unless
//     GOMEMLIMIT is set), against #12's 150 MB, the same node with no
//     memory limit (GOMEMLIMIT=off), its RSS before the objects existed,
//     and the bytes of the objects' store nodes; and the time the reading
//     took under the limit against without it (the CPU the limit costs;
//     the nodes also log the collector's CPU time). Each such node runs
//     alone in a process of its own (this test binary run again, see
//     TestMain) with the REST client reading through it, whose answers are
//     garbage once read; -heap-profiles DIR has them write their heap
//     profiles;
//   - #12's error criterion, churn: 16 keep-alive clients create 200,000
//     ports (quick: 400) on one bridge, each deleting its oldest once it
//     holds its share of 1024 ports (quick: 64), so the bridge stays far
//     below ZooKeeper's 1 MiB node limit (about 16k ports in the layout);
//     every request must succeed at its first try (a 409 counts as a
//     failure), the bridge must then list exactly the ports the clients
//     hold, and the consistency checker must find nothing in the store; its
//     rate (creates/s, each with a delete once the bridge is full) beside
//     raw multis by 16 writers on the same backend.
package bench
