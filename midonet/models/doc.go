// Package models holds the MidoNet topology, state, provenance and Neutron
// model, the State Proxy protocol (state_api.proto) and the Topology API
// protocol (topology_api.proto) as protobuf messages,
// plus the helpers every other package needs to work with them (UUID and IP
// conversions, the registered-class table and the protobuf text format used
// in ZooKeeper).
//
// # Compatibility contract
//
// The .proto files in proto/ are our own, written from the facts of MidoNet
// 5.x (nsdb/src/main/proto/{commons,topology,state,zoom,neutron,state_api,topology_api}.proto): the
// same proto package (org.midonet.cluster.models), message and nested names,
// field names, numbers, types, labels and proto2 defaults. The JVM cluster
// stores every object as protobuf text format at
// <root>/zoom/0/models/<SimpleName>/<id>. Marshal writes exactly the bytes
// Java's TextFormat.print writes for the same object (tested against
// protobuf-java and protoc), and Unmarshal reads Java's output, ignoring
// fields it does not know, so data moves both ways between the two
// implementations and the same object is stored as the same bytes.
//
// All six files share one Go package because they share one proto package
// and reference each other's types (UUID, IPAddress, Condition ...). Go
// names follow protoc-gen-go: nested types are joined with an underscore
// (Rule_NatRuleData, Dhcp_Host) and enum values are prefixed with their
// enum's name when top-level (Type_NETWORK, LBStatus_ACTIVE) or with the
// enclosing message's name when nested (Rule_ACCEPT, Pool_ROUND_ROBIN).
// No names clash in Go with this layout.
//
// # Regenerating the Go code
//
// The generated *.pb.go files are committed so builds need no protoc. After
// editing proto/*.proto:
//
//	apt-get install -y protobuf-compiler
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./midonet/models/
//
// # Verifying against the reference
//
// Anything we store can be checked with Debian's protobuf-compiler and the
// reference's own .proto files (extract them outside this repository):
//
//	mkdir -p /tmp/ref && git -C <midonet/midonet checkout or mirror> archive HEAD nsdb/src/main/proto | tar -x -C /tmp/ref
//	REF=/tmp/ref/nsdb/src/main/proto
//	# text (e.g. the data of a ZooKeeper node models/Port/<id>) -> binary; fails on any
//	# field name, type or enum value the reference does not know:
//	protoc -I $REF --encode=org.midonet.cluster.models.Port $REF/topology.proto < testdata/port.txtpb > /tmp/port.bin
//	# and back to the reference's text:
//	protoc -I $REF --decode=org.midonet.cluster.models.Port $REF/topology.proto < /tmp/port.bin
//
// The tests automate this and more:
//
//   - TestGoldenFixtures: committed testdata/*.txtpb (written once by
//     Marshal; MIDONET_UPDATE_FIXTURES=1 rewrites them) load field by field.
//   - TestProtocDecodesOurBinary: protoc --decode with our .proto files turns
//     the binary encoding of each fixture object into our text.
//   - TestJavaTextFormatReadsOurText: Java's TextFormat (Debian
//     libprotobuf-java, JDK) parses every fixture and prints the very same
//     bytes, which Unmarshal loads back to the same object.
//   - TestEveryModelMessageRoundTrips: every field of all 106 messages
//     survives Marshal and Unmarshal.
//   - With MIDONET_REFERENCE_PROTO_DIR=$REF: TestReferenceProtoReadsFixtures
//     runs the protoc round trip above on every fixture, and
//     TestDescriptorsMatchReference compiles both .proto sets with
//     protoc --descriptor_set_out and requires every message, field (name,
//     number, label, type, default, oneof) and enum value to be identical, in
//     both directions, for our .proto files and for the generated Go code.
//
// Tests needing protoc or Java skip with a message when the tool is not
// installed, and fail instead when the environment variable CI is set.
package models

//go:generate protoc -I proto --go_out=. --go_opt=paths=source_relative commons.proto topology.proto state.proto zoom.proto neutron.proto state_api.proto topology_api.proto
