package restapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fakeStore is test scaffolding used only until midonet/zoom lands: a
// copy-on-write map of objects with the handful of bindings the REST tests
// exercise, following the semantics of the storage sheet §3.1. The
// end-to-end suite runs against any Store, so the real store replaces it
// without changing the tests.
type fakeStore struct {
	mu      sync.Mutex
	objects map[string]map[uuid.UUID]proto.Message
}

type fakeBinding struct {
	lClass, lField string
	lAction        string
	rClass, rField string
	rAction        string
}

var fakeBindings = []fakeBinding{
	{"Network", "port_ids", "CASCADE", "Port", "network_id", "CLEAR"},
	{"Network", "dhcp_ids", "CASCADE", "Dhcp", "network_id", "CLEAR"},
	{"Network", "dhcpv6_ids", "CASCADE", "DhcpV6", "network_id", "CLEAR"},
	{"Router", "port_ids", "CASCADE", "Port", "router_id", "CLEAR"},
	{"Port", "peer_id", "CLEAR", "Port", "peer_id", "CLEAR"},
	{"Port", "host_id", "CLEAR", "Host", "port_ids", "CLEAR"},
	{"Port", "port_group_ids", "CLEAR", "PortGroup", "port_ids", "CLEAR"},
	{"Port", "route_ids", "CASCADE", "Route", "next_hop_port_id", "CLEAR"},
	{"Router", "route_ids", "CASCADE", "Route", "router_id", "CLEAR"},
	{"Network", "inbound_filter_id", "CLEAR", "Chain", "network_inbound_ids", "CLEAR"},
	{"Network", "outbound_filter_id", "CLEAR", "Chain", "network_outbound_ids", "CLEAR"},
	{"Router", "inbound_filter_id", "CLEAR", "Chain", "router_inbound_ids", "CLEAR"},
	{"Router", "outbound_filter_id", "CLEAR", "Chain", "router_outbound_ids", "CLEAR"},
	{"Port", "inbound_filter_id", "CLEAR", "Chain", "port_inbound_ids", "CLEAR"},
	{"Port", "outbound_filter_id", "CLEAR", "Chain", "port_outbound_ids", "CLEAR"},
	{"Rule", "chain_id", "CLEAR", "Chain", "rule_ids", "CASCADE"},
	{"Host", "tunnel_zone_ids", "CLEAR", "TunnelZone", "host_ids", "CLEAR"},
	{"Router", "bgp_network_ids", "CASCADE", "BgpNetwork", "router_id", "CLEAR"},
	{"Router", "bgp_peer_ids", "CASCADE", "BgpPeer", "router_id", "CLEAR"},
	{"Router", "load_balancer_id", "ERROR", "LoadBalancer", "router_id", "CLEAR"},
	{"LoadBalancer", "pool_ids", "CASCADE", "Pool", "load_balancer_id", "CLEAR"},
	{"Pool", "pool_member_ids", "CASCADE", "PoolMember", "pool_id", "CLEAR"},
	{"Pool", "health_monitor_id", "CLEAR", "HealthMonitor", "pool_ids", "CLEAR"},
	{"Pool", "vip_ids", "CASCADE", "Vip", "pool_id", "CLEAR"},
	{"Vip", "gateway_port_id", "CLEAR", "Port", "vip_ids", "ERROR"},
	{"QosPolicy", "bandwidth_limit_rule_ids", "CASCADE", "QosRuleBandwidthLimit", "policy_id", "CLEAR"},
	{"QosPolicy", "dscp_marking_rule_ids", "CASCADE", "QosRuleDscp", "policy_id", "CLEAR"},
	{"Port", "qos_policy_id", "CLEAR", "QosPolicy", "port_ids", "CLEAR"},
	{"Network", "qos_policy_id", "CLEAR", "QosPolicy", "network_ids", "CLEAR"},
	{"Network", "inbound_mirror_ids", "CLEAR", "Mirror", "network_inbound_ids", "CLEAR"},
	{"Network", "outbound_mirror_ids", "CLEAR", "Mirror", "network_outbound_ids", "CLEAR"},
	{"Router", "inbound_mirror_ids", "CLEAR", "Mirror", "router_inbound_ids", "CLEAR"},
	{"Router", "outbound_mirror_ids", "CLEAR", "Mirror", "router_outbound_ids", "CLEAR"},
	{"Port", "inbound_mirror_ids", "CLEAR", "Mirror", "port_inbound_ids", "CLEAR"},
	{"Port", "outbound_mirror_ids", "CLEAR", "Mirror", "port_outbound_ids", "CLEAR"},
	{"Mirror", "to_port_id", "CLEAR", "Port", "mirror_ids", "CASCADE"},
	{"Port", "insertion_ids", "CASCADE", "L2Insertion", "port_id", "CLEAR"},
	{"Port", "srv_insertion_ids", "CASCADE", "L2Insertion", "srv_port_id", "CLEAR"},
	{"ServiceContainer", "service_group_id", "CLEAR", "ServiceContainerGroup", "service_container_ids", "CASCADE"},
	{"Port", "service_container_id", "CASCADE", "ServiceContainer", "port_id", "CLEAR"},
	{"Network", "trace_request_ids", "CASCADE", "TraceRequest", "network_id", "CLEAR"},
	{"Router", "trace_request_ids", "CASCADE", "TraceRequest", "router_id", "CLEAR"},
	{"Port", "trace_request_ids", "CASCADE", "TraceRequest", "port_id", "CLEAR"},
}

type fakeNotFound struct {
	class string
	id    uuid.UUID
}

func (e *fakeNotFound) Error() string {
	return fmt.Sprintf("There is no %s with ID %s.", e.class, e.id)
}

type fakeConflict struct{ msg string }

func (e *fakeConflict) Error() string { return e.msg }

// fakeErrors is the MapError for the fake store.
func fakeErrors(err error) *Error {
	var nf *fakeNotFound
	var cf *fakeConflict
	switch {
	case errors.As(err, &nf):
		return &Error{Status: http.StatusNotFound, Message: nf.Error(), Err: err}
	case errors.As(err, &cf):
		return &Error{Status: http.StatusConflict, Message: cf.msg, Err: err}
	}
	return nil
}

func newFakeStore() *fakeStore { return &fakeStore{objects: map[string]map[uuid.UUID]proto.Message{}} }

func className(m proto.Message) string { return string(m.ProtoReflect().Descriptor().Name()) }

func (s *fakeStore) Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[className(model)][id]
	if !ok {
		return nil, &fakeNotFound{className(model), id}
	}
	return proto.Clone(o), nil
}

func (s *fakeStore) List(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []proto.Message
	for _, o := range s.objects[className(model)] {
		out = append(out, proto.Clone(o))
	}
	return out, nil
}

// Tx runs f on a snapshot and installs the result (last writer wins: the
// tests do not write concurrently). The lock is not held while f runs, so
// hooks may read through the store.
func (s *fakeStore) Tx(ctx context.Context, f func(tx Tx) error) error {
	s.mu.Lock()
	tx := &fakeTx{objects: map[string]map[uuid.UUID]proto.Message{}}
	for c, m := range s.objects {
		tx.objects[c] = map[uuid.UUID]proto.Message{}
		for id, o := range m {
			tx.objects[c][id] = o
		}
	}
	s.mu.Unlock()
	if err := f(tx); err != nil {
		return err
	}
	s.mu.Lock()
	s.objects = tx.objects
	s.mu.Unlock()
	return nil
}

type fakeTx struct {
	objects map[string]map[uuid.UUID]proto.Message
	deleted map[uuid.UUID]bool
}

func (tx *fakeTx) get(class string, id uuid.UUID) (proto.Message, bool) {
	o, ok := tx.objects[class][id]
	return o, ok
}

func (tx *fakeTx) put(m proto.Message) {
	c := className(m)
	if tx.objects[c] == nil {
		tx.objects[c] = map[uuid.UUID]proto.Message{}
	}
	tx.objects[c][idOf(m)] = m
}

func (tx *fakeTx) Get(model proto.Message, id uuid.UUID) (proto.Message, error) {
	o, ok := tx.get(className(model), id)
	if !ok {
		return nil, &fakeNotFound{className(model), id}
	}
	return proto.Clone(o), nil
}

func refs(m proto.Message, fieldName string) []uuid.UUID {
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName(protoreflect.Name(fieldName))
	if fd.IsList() {
		return uuidList(r, fieldName)
	}
	if !r.Has(fd) {
		return nil
	}
	return []uuid.UUID{uuidFromMsg(r.Get(fd).Message())}
}

// directed bindings from class c: (my field, action on my delete, other class, other field).
func bindingsOf(c string) []fakeBinding {
	var out []fakeBinding
	for _, b := range fakeBindings {
		if b.lClass == c {
			out = append(out, b)
		}
		if b.rClass == c && !(b.lClass == b.rClass && b.lField == b.rField) {
			out = append(out, fakeBinding{b.rClass, b.rField, b.rAction, b.lClass, b.lField, b.lAction})
		}
	}
	return out
}

func (tx *fakeTx) addBackRef(b fakeBinding, target, from uuid.UUID) error {
	o, ok := tx.get(b.rClass, target)
	if !ok {
		return &fakeNotFound{b.rClass, target}
	}
	o = proto.Clone(o)
	r := o.ProtoReflect()
	fd := r.Descriptor().Fields().ByName(protoreflect.Name(b.rField))
	if fd.IsList() {
		l := r.Mutable(fd).List()
		el := l.NewElement()
		uuidToMsg(from, el.Message())
		l.Append(el)
	} else {
		if r.Has(fd) && uuidFromMsg(r.Get(fd).Message()) != from {
			return &fakeConflict{fmt.Sprintf("%s %s already references another object in %s", b.rClass, target, b.rField)}
		}
		uuidToMsg(from, r.Mutable(fd).Message())
	}
	tx.put(o)
	return nil
}

func (tx *fakeTx) clearBackRef(b fakeBinding, target, from uuid.UUID) {
	o, ok := tx.get(b.rClass, target)
	if !ok {
		return
	}
	o = proto.Clone(o)
	r := o.ProtoReflect()
	fd := r.Descriptor().Fields().ByName(protoreflect.Name(b.rField))
	if fd.IsList() {
		l := r.Mutable(fd).List()
		for i := 0; i < l.Len(); i++ {
			if uuidFromMsg(l.Get(i).Message()) == from {
				for j := i; j < l.Len()-1; j++ {
					l.Set(j, l.Get(j+1))
				}
				l.Truncate(l.Len() - 1)
				break
			}
		}
	} else if r.Has(fd) && uuidFromMsg(r.Get(fd).Message()) == from {
		r.Clear(fd)
	}
	tx.put(o)
}

func (tx *fakeTx) Create(obj proto.Message) error {
	c, id := className(obj), idOf(obj)
	if _, ok := tx.get(c, id); ok {
		return &fakeConflict{fmt.Sprintf("A(n) %s with ID %s already exists.", c, id)}
	}
	tx.put(proto.Clone(obj))
	for _, b := range bindingsOf(c) {
		for _, target := range refs(obj, b.lField) {
			if err := tx.addBackRef(b, target, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (tx *fakeTx) Update(obj proto.Message) error {
	c, id := className(obj), idOf(obj)
	old, ok := tx.get(c, id)
	if !ok {
		return &fakeNotFound{c, id}
	}
	tx.put(proto.Clone(obj))
	for _, b := range bindingsOf(c) {
		before, after := refs(old, b.lField), refs(obj, b.lField)
		removed, added := multisetDiff(before, after), multisetDiff(after, before)
		for _, t := range removed {
			tx.clearBackRef(b, t, id)
		}
		for _, t := range added {
			if err := tx.addBackRef(b, t, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func multisetDiff(a, b []uuid.UUID) []uuid.UUID {
	count := map[uuid.UUID]int{}
	for _, x := range b {
		count[x]++
	}
	var out []uuid.UUID
	for _, x := range a {
		if count[x] > 0 {
			count[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}

func (tx *fakeTx) Delete(model proto.Message, id uuid.UUID, ignoreMissing bool) error {
	c := className(model)
	obj, ok := tx.get(c, id)
	if !ok {
		if ignoreMissing || tx.deleted[id] {
			return nil
		}
		return &fakeNotFound{c, id}
	}
	if tx.deleted == nil {
		tx.deleted = map[uuid.UUID]bool{}
	}
	tx.deleted[id] = true
	delete(tx.objects[c], id)
	for _, b := range bindingsOf(c) {
		for _, t := range refs(obj, b.lField) {
			if tx.deleted[t] {
				continue
			}
			switch b.lAction {
			case "ERROR":
				return &fakeConflict{fmt.Sprintf("Cannot delete the %s %s: it is referenced by %s %s.", c, id, b.rClass, t)}
			case "CLEAR":
				tx.clearBackRef(b, t, id)
			case "CASCADE":
				o, ok := tx.get(b.rClass, t)
				if !ok {
					continue
				}
				if err := tx.Delete(o, t, true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
