package models

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Source says which reference .proto a registered class comes from.
type Source string

const (
	SourceTopology Source = "topology"
	SourceNeutron  Source = "neutron"
)

// Class is one class registered with the object store. Its Name is the
// message's simple name, which is also the ZooKeeper node name under
// <root>/zoom/0/models/.
type Class struct {
	Name   string
	Source Source
	Type   protoreflect.MessageType
	// TopologyType is the kind the topology API (topology_api.proto) uses
	// for this class; 0 for the classes it does not serve (LoggingResource,
	// RuleLogger and all Neutron classes).
	TopologyType Type
}

// New returns an empty message of the class.
func (c Class) New() proto.Message { return c.Type.New().Interface() }

// registeredClasses lists the classes the reference registers with its
// object store (MidonetBackend.setupBindings): 31 topology classes and 27
// Neutron classes. The LBaaS v2 Neutron messages, NeutronRoute and
// L2Gateway exist as messages but are not stored on their own.
func registeredClasses() []Class {
	t := func(m proto.Message, tt Type) Class {
		c := newClass(m, SourceTopology)
		c.TopologyType = tt
		return c
	}
	n := func(m proto.Message) Class { return newClass(m, SourceNeutron) }
	return []Class{
		t(&BgpNetwork{}, Type_BGP_NETWORK), t(&BgpPeer{}, Type_BGP_PEER), t(&Chain{}, Type_CHAIN),
		t(&Dhcp{}, Type_DHCP), t(&DhcpV6{}, Type_DHCP_V6), t(&HealthMonitor{}, Type_HEALTH_MONITOR),
		t(&Host{}, Type_HOST), t(&HostGroup{}, Type_HOST_GROUP), t(&IPAddrGroup{}, Type_IP_ADDR_GROUP),
		t(&L2Insertion{}, Type_L2INSERTION), t(&LoadBalancer{}, Type_LOAD_BALANCER),
		t(&LoggingResource{}, 0), t(&Mirror{}, Type_MIRROR), t(&Network{}, Type_NETWORK),
		t(&Pool{}, Type_POOL), t(&PoolMember{}, Type_POOL_MEMBER), t(&Port{}, Type_PORT),
		t(&PortGroup{}, Type_PORT_GROUP), t(&QosPolicy{}, Type_QOS_POLICY),
		t(&QosRuleBandwidthLimit{}, Type_QOS_RULE_BWLIMIT), t(&QosRuleDscp{}, Type_QOS_RULE_DSCP),
		t(&Route{}, Type_ROUTE), t(&Router{}, Type_ROUTER), t(&Rule{}, Type_RULE), t(&RuleLogger{}, 0),
		t(&ServiceContainer{}, Type_SERVICE_CONTAINER),
		t(&ServiceContainerGroup{}, Type_SERVICE_CONTAINER_GROUP), t(&TraceRequest{}, Type_TRACE_REQUEST),
		t(&TunnelZone{}, Type_TUNNEL_ZONE), t(&Vip{}, Type_VIP), t(&Vtep{}, Type_VTEP),
		n(&AgentMembership{}), n(&FirewallLog{}), n(&FloatingIp{}), n(&GatewayDevice{}),
		n(&IPSecSiteConnection{}), n(&L2GatewayConnection{}), n(&NeutronBgpPeer{}),
		n(&NeutronBgpSpeaker{}), n(&NeutronConfig{}), n(&NeutronFirewall{}),
		n(&NeutronHealthMonitor{}), n(&NeutronLoadBalancerPool{}),
		n(&NeutronLoadBalancerPoolMember{}), n(&NeutronLoggingResource{}),
		n(&NeutronNetwork{}), n(&NeutronPort{}), n(&NeutronRouter{}),
		n(&NeutronRouterInterface{}), n(&NeutronSubnet{}), n(&NeutronVIP{}), n(&PortBinding{}),
		n(&RemoteMacEntry{}), n(&SecurityGroup{}), n(&SecurityGroupRule{}), n(&TapFlow{}),
		n(&TapService{}), n(&VpnService{}),
	}
}

func newClass(m proto.Message, src Source) Class {
	mt := m.ProtoReflect().Type()
	return Class{Name: string(mt.Descriptor().Name()), Source: src, Type: mt}
}

// Classes returns all registered classes, topology first, each group in
// alphabetical order. The slice is freshly built; callers may keep it.
func Classes() []Class { return registeredClasses() }

// ClassByName finds a registered class by simple name ("Network", "Port").
func ClassByName(name string) (Class, bool) {
	for _, c := range registeredClasses() {
		if c.Name == name {
			return c, true
		}
	}
	return Class{}, false
}

// ClassByTopologyType finds the class the topology API means by tt.
func ClassByTopologyType(tt Type) (Class, bool) {
	for _, c := range registeredClasses() {
		if tt != 0 && c.TopologyType == tt {
			return c, true
		}
	}
	return Class{}, false
}

// ClassOf returns the registered class of msg.
func ClassOf(msg proto.Message) (Class, bool) {
	if msg == nil {
		return Class{}, false
	}
	full := msg.ProtoReflect().Descriptor().FullName()
	for _, c := range registeredClasses() {
		if c.Type.Descriptor().FullName() == full {
			return c, true
		}
	}
	return Class{}, false
}

// ClassName returns the simple name of msg's type (its ZooKeeper node name),
// whether or not it is registered.
func ClassName(msg proto.Message) string {
	return string(msg.ProtoReflect().Descriptor().Name())
}

// JavaClassName is the binary name of the Java class the reference's protoc
// generates for msg's type (java_package, java_outer_classname, and "$" before
// each nested class: "org.midonet.cluster.models.Neutron$NeutronNetwork"), as
// Class.getName() prints it.
func JavaClassName(msg proto.Message) string {
	d := msg.ProtoReflect().Descriptor()
	f := d.ParentFile()
	opts, _ := f.Options().(*descriptorpb.FileOptions)
	nested := strings.TrimPrefix(string(d.FullName()), string(f.Package())+".")
	return opts.GetJavaPackage() + "." + opts.GetJavaOuterClassname() + "$" + strings.ReplaceAll(nested, ".", "$")
}

// ID returns the value of msg's "id" field (every stored class has one, of
// type UUID). It fails if msg has no such field or it is unset.
func ID(msg proto.Message) (*UUID, error) {
	fd, err := idField(msg)
	if err != nil {
		return nil, err
	}
	r := msg.ProtoReflect()
	if !r.Has(fd) {
		return nil, &InvalidValueError{Kind: "object id", Value: ClassName(msg), Err: fmt.Errorf("id not set")}
	}
	id, ok := r.Get(fd).Message().Interface().(*UUID)
	if !ok {
		return nil, &InvalidValueError{Kind: "object id", Value: ClassName(msg), Err: fmt.Errorf("id is not a UUID")}
	}
	return id, nil
}

// SetID sets msg's "id" field to a copy of id.
func SetID(msg proto.Message, id *UUID) error {
	fd, err := idField(msg)
	if err != nil {
		return err
	}
	if id == nil {
		msg.ProtoReflect().Clear(fd)
		return nil
	}
	msg.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(proto.Clone(id).ProtoReflect()))
	return nil
}

func idField(msg proto.Message) (protoreflect.FieldDescriptor, error) {
	if msg == nil {
		return nil, &InvalidValueError{Kind: "object", Value: "<nil>"}
	}
	d := msg.ProtoReflect().Descriptor()
	fd := d.Fields().ByName("id")
	if fd == nil || fd.Kind() != protoreflect.MessageKind || fd.IsList() ||
		fd.Message().FullName() != (*UUID)(nil).ProtoReflect().Descriptor().FullName() {
		return nil, &InvalidValueError{Kind: "object", Value: string(d.FullName()), Err: fmt.Errorf("no UUID field named id")}
	}
	return fd, nil
}
