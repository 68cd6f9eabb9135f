// Package models holds the MidoNet topology, state, provenance and Neutron
// model as protobuf messages, plus the helpers every other package needs to
// work with them (UUID and IP conversions, the registered-class table and
// the protobuf text format used in ZooKeeper).
//
// # Compatibility contract
//
// The .proto files in proto/ are our own, written from the facts of MidoNet
// 5.x (nsdb/src/main/proto/{commons,topology,state,zoom,neutron}.proto): the
// same proto package (org.midonet.cluster.models), message and nested names,
// field names, numbers, types, labels and proto2 defaults. The JVM cluster
// stores every object as protobuf text format at
// <root>/zoom/0/models/<SimpleName>/<id>; Marshal and Unmarshal produce and
// accept that format, so data moves both ways between the two
// implementations.
//
// All five files share one Go package because they share one proto package
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
// Any object we write can be decoded with the reference's own .proto:
//
//	git -C <midonet mirror> archive HEAD nsdb/src/main/proto | tar -x -C /tmp/ref
//	go test ./midonet/models/ -run TestWriteBinaryFixtures ... # or take any stored object
//	protoc -I /tmp/ref/nsdb/src/main/proto --encode org.midonet.cluster.models.Port \
//	    /tmp/ref/nsdb/src/main/proto/topology.proto < testdata/port.txtpb > /tmp/port.bin
//	protoc -I /tmp/ref/nsdb/src/main/proto --decode org.midonet.cluster.models.Port \
//	    /tmp/ref/nsdb/src/main/proto/topology.proto < /tmp/port.bin
//
// --encode fails on any field name, type or enum value the reference does
// not know, so a clean round trip of each testdata/*.txtpb proves the
// reference parses our text. TestDescriptorsMatchReference automates the
// stronger check: with MIDONET_REFERENCE_PROTO_DIR pointing at the
// reference nsdb/src/main/proto directory it compiles both sets with
// protoc --descriptor_set_out and requires every reference message, field,
// number, type, label and default to exist identically here.
package models

//go:generate protoc -I proto --go_out=. --go_opt=paths=source_relative commons.proto topology.proto state.proto zoom.proto neutron.proto
