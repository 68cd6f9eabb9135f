package restapi

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// Hooks of the service resources (table_services.go): behaviour of the
// reference beyond field mapping.

// --- BGP --------------------------------------------------------------------

// createBgpPeer refuses a second peer with the same address and AS number
// on the router (400, as the reference).
func createBgpPeer(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	peer := msg.(*models.BgpPeer)
	got, err := tx.Get(&models.Router{}, toUUID(peer.RouterId))
	if err != nil {
		return err
	}
	for _, id := range toUUIDs(got.(*models.Router).BgpPeerIds) {
		o, err := tx.Get(&models.BgpPeer{}, id)
		if err != nil {
			continue
		}
		other := o.(*models.BgpPeer)
		if other.GetAsNumber() == peer.GetAsNumber() && other.GetAddress().GetAddress() == peer.GetAddress().GetAddress() {
			return errorf(http.StatusBadRequest, "A BGP peer with address %s and AS number %d already exists.",
				peer.GetAddress().GetAddress(), peer.GetAsNumber())
		}
	}
	return tx.Create(peer)
}

// --- L4 load balancing ------------------------------------------------------

const lbRouterOnCreateMessage = "A load balancer's router ID must be null at creation. To associate a router with a load balancer, first create the load balancer with null router ID and then update the router's load balancer ID."

// decodeLoadBalancer: routerId is owned by the router's side of the
// binding; the API refuses to set it on create or change it on PUT.
func decodeLoadBalancer(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	raw, present := body["routerId"]
	var sent uuid.UUID
	if present && !isNull(raw) {
		id, err := decodeUUID(raw)
		if err != nil {
			return badJSON("routerId", err)
		}
		sent = id
	}
	if stored == nil {
		if sent != uuid.Nil {
			return errorf(http.StatusBadRequest, lbRouterOnCreateMessage)
		}
		return nil
	}
	if sent != toUUID(stored.Interface().(*models.LoadBalancer).RouterId) {
		return errorf(http.StatusBadRequest, "Router cannot be modified")
	}
	return nil
}

func pendingMapping(p *models.Pool) error {
	switch s := p.GetMappingStatus(); s {
	case models.Pool_PENDING_CREATE, models.Pool_PENDING_UPDATE, models.Pool_PENDING_DELETE:
		return errorf(http.StatusServiceUnavailable, "The mapping between the health monitor and the pool is being processed (%s).", s)
	}
	return nil
}

// decodePool sets the server-owned fields: protocol TCP, status ACTIVE on
// create, and the health-monitor mapping status the agent acts upon.
func decodePool(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	pool := msg.Interface().(*models.Pool)
	pool.Protocol = models.Pool_TCP.Enum()
	if stored == nil {
		pool.Status = models.LBStatus_ACTIVE.Enum()
		if pool.HealthMonitorId != nil {
			pool.MappingStatus = models.Pool_PENDING_CREATE.Enum()
		} else {
			pool.MappingStatus = models.Pool_ACTIVE.Enum()
		}
		return nil
	}
	old := stored.Interface().(*models.Pool)
	if err := pendingMapping(old); err != nil {
		return err
	}
	if !proto.Equal(old.HealthMonitorId, pool.HealthMonitorId) {
		pool.MappingStatus = models.Pool_PENDING_CREATE.Enum()
	}
	return nil
}

func removePool(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Pool{}, id)
	if err != nil {
		if c.h.toAPIError(err).Status == http.StatusNotFound {
			return nil
		}
		return err
	}
	if err := pendingMapping(got.(*models.Pool)); err != nil {
		return err
	}
	return tx.Delete(&models.Pool{}, id, true)
}

// forceAdminUpOnCreate: pool members and health monitors start up
// whatever the body says (the reference's create()).
func forceAdminUpOnCreate(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	if stored == nil {
		msg.Set(msg.Descriptor().Fields().ByName("admin_state_up"), protoreflect.ValueOfBool(true))
	}
	return nil
}

func decodePoolMember(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	m := msg.Interface().(*models.PoolMember)
	if stored == nil {
		m.AdminStateUp = proto.Bool(true)
		m.Status = models.LBStatus_ACTIVE.Enum()
	}
	return nil
}

// decodeVip checks that the pool exists: a missing pool is a 400.
func decodeVip(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	vip := msg.Interface().(*models.Vip)
	if vip.PoolId == nil {
		return nil
	}
	if _, err := c.h.store.Get(c.ctx(), &models.Pool{}, toUUID(vip.PoolId)); err != nil {
		if apiErr := c.h.toAPIError(err); apiErr.Status == http.StatusNotFound {
			return errorf(http.StatusBadRequest, "%s", apiErr.Message)
		}
		return err
	}
	return nil
}

// encodeVip derives loadBalancerId from the VIP's pool.
func encodeVip(c *call, m protoreflect.Message, out *object) error {
	vip := m.Interface().(*models.Vip)
	out.set("loadBalancerId", nil)
	out.set("loadBalancer", nil)
	if vip.PoolId == nil {
		return nil
	}
	got, err := c.h.store.Get(c.ctx(), &models.Pool{}, toUUID(vip.PoolId))
	if err != nil || got.(*models.Pool).LoadBalancerId == nil {
		return nil
	}
	lb := toUUID(got.(*models.Pool).LoadBalancerId).String()
	out.set("loadBalancerId", lb)
	out.set("loadBalancer", c.uri("load_balancers", lb))
	return nil
}

// listVips lists the VIPs of a pool, or of every pool of a load balancer.
func listVips(c *call, p parent, parentID uuid.UUID) ([]proto.Message, error) {
	if p.segment != "load_balancers" {
		return c.listChildren(c.h.resources["vips"], p, parentID)
	}
	lb, err := c.h.store.Get(c.ctx(), &models.LoadBalancer{}, parentID)
	if err != nil {
		return nil, err
	}
	var out []proto.Message
	for _, pid := range toUUIDs(lb.(*models.LoadBalancer).PoolIds) {
		vips, err := c.listChildren(c.h.resources["vips"], parent{segment: "pools", backRef: "vip_ids"}, pid)
		if err != nil {
			continue // pool deleted meanwhile
		}
		out = append(out, vips...)
	}
	return out, nil
}

// --- QoS --------------------------------------------------------------------

// qosRule is one entry of a policy's inline "rules" (the Neutron plugin's
// form): snake_case keys, type bandwidth_limit or dscp_marking.
type qosRule struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	MaxKbps      *int32 `json:"max_kbps"`
	MaxBurstKbps *int32 `json:"max_burst_kbps"`
	DscpMark     *int32 `json:"dscp_mark"`
}

const (
	qosBandwidthLimit = "bandwidth_limit"
	qosDscpMarking    = "dscp_marking"
)

// inlineQosRules reads the body's "rules"; ok is false when absent (a PUT
// without rules leaves them untouched).
func inlineQosRules(body map[string]json.RawMessage) (rules []qosRule, ids []uuid.UUID, ok bool, err error) {
	raw, present := body["rules"]
	if !present || isNull(raw) {
		return nil, nil, false, nil
	}
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, nil, false, badJSON("rules", err)
	}
	for _, r := range rules {
		id, err := uuid.Parse(r.ID)
		if err != nil {
			return nil, nil, false, errorf(http.StatusBadRequest, "QoS rule id %q is not a UUID", r.ID)
		}
		if r.Type != qosBandwidthLimit && r.Type != qosDscpMarking {
			return nil, nil, false, errorf(http.StatusBadRequest, "Unknown QoS rule type %q", r.Type)
		}
		ids = append(ids, id)
	}
	return rules, ids, true, nil
}

func decodeQosPolicy(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	_, _, _, err := inlineQosRules(body)
	return err
}

func encodeQosPolicy(c *call, m protoreflect.Message, out *object) error {
	out.set("rules", nil) // input only, as the reference answers
	return nil
}

// qosRuleObject builds the stored rule of an inline entry.
func qosRuleObject(r qosRule, policy *models.UUID) proto.Message {
	id, _ := uuid.Parse(r.ID)
	if r.Type == qosDscpMarking {
		return &models.QosRuleDscp{Id: uuidPtr(id), DscpMark: r.DscpMark, PolicyId: policy}
	}
	return &models.QosRuleBandwidthLimit{Id: uuidPtr(id), MaxKbps: zeroIfNil(r.MaxKbps), MaxBurstKb: r.MaxBurstKbps, PolicyId: policy}
}

func zeroIfNil(v *int32) *int32 {
	if v == nil {
		return proto.Int32(0)
	}
	return v
}

func createQosPolicy(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	policy := msg.(*models.QosPolicy)
	if err := tx.Create(policy); err != nil {
		return err
	}
	rules, _, _, err := inlineQosRules(body)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := tx.Create(qosRuleObject(r, policy.Id)); err != nil {
			return err
		}
	}
	return nil
}

// updateQosPolicy is the generic PUT plus the inline-rules diff by id:
// new ids created, missing ids deleted, common ids updated.
func updateQosPolicy(c *call, tx Tx, id uuid.UUID, body map[string]json.RawMessage) error {
	stored, msg, err := c.replacement(tx, c.h.resources["qos_policies"], id, body)
	if err != nil {
		return err
	}
	if err := tx.Update(msg); err != nil {
		return err
	}
	rules, ids, present, err := inlineQosRules(body)
	if err != nil || !present {
		return err
	}
	old := stored.(*models.QosPolicy)
	for _, rid := range toUUIDs(old.BandwidthLimitRuleIds) {
		if !slices.Contains(ids, rid) {
			if err := tx.Delete(&models.QosRuleBandwidthLimit{}, rid, true); err != nil {
				return err
			}
		}
	}
	for _, rid := range toUUIDs(old.DscpMarkingRuleIds) {
		if !slices.Contains(ids, rid) {
			if err := tx.Delete(&models.QosRuleDscp{}, rid, true); err != nil {
				return err
			}
		}
	}
	for i, r := range rules {
		obj := qosRuleObject(r, old.Id)
		existing := slices.Contains(toUUIDs(old.BandwidthLimitRuleIds), ids[i]) || slices.Contains(toUUIDs(old.DscpMarkingRuleIds), ids[i])
		if existing {
			err = tx.Update(obj)
		} else {
			err = tx.Create(obj)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// --- L2 insertions ----------------------------------------------------------

// filterL2Insertions: ?srv_port takes precedence over ?port.
func filterL2Insertions(c *call, msgs []proto.Message) ([]proto.Message, error) {
	q := c.r.URL.Query()
	field, want := "srv_port", q.Get("srv_port")
	if want == "" {
		field, want = "port", q.Get("port")
	}
	if want == "" {
		return msgs, nil
	}
	return slices.DeleteFunc(msgs, func(m proto.Message) bool {
		ins := m.(*models.L2Insertion)
		ref := ins.PortId
		if field == "srv_port" {
			ref = ins.SrvPortId
		}
		return ref == nil || toUUID(ref).String() != want
	}), nil
}

// --- service containers -----------------------------------------------------

func decodeContainerGroup(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	g := msg.Interface().(*models.ServiceContainerGroup)
	if stored != nil && g.Policy == nil {
		g.Policy = models.ServiceContainerPolicy_WEIGHTED_SCHEDULER.Enum()
	}
	return nil
}

// rescheduleServiceContainer: a PUT only moves the container, by binding
// its port to the hostId of the body.
func rescheduleServiceContainer(c *call, tx Tx, id uuid.UUID, body map[string]json.RawMessage) error {
	got, err := tx.Get(&models.ServiceContainer{}, id)
	if err != nil {
		return err
	}
	sc := got.(*models.ServiceContainer)
	if sc.PortId == nil {
		return errorf(http.StatusNotAcceptable, "Container %s scheduling cannot be changed because it is not connected to a port.", id)
	}
	var host uuid.UUID
	if raw, ok := body["hostId"]; ok && !isNull(raw) {
		if host, err = decodeUUID(raw); err != nil {
			return badJSON("hostId", err)
		}
	}
	pgot, err := tx.Get(&models.Port{}, toUUID(sc.PortId))
	if err != nil {
		return err
	}
	port := proto.Clone(pgot).(*models.Port)
	if toUUID(port.HostId) == host {
		return nil
	}
	if host != uuid.Nil {
		if _, err := tx.Get(&models.Host{}, host); err != nil {
			return err
		}
		port.PreviousHostId = port.HostId
		port.HostId = uuidPtr(host)
	} else {
		port.PreviousHostId, port.HostId = port.HostId, nil
	}
	return tx.Update(port)
}

// --- trace requests ---------------------------------------------------------

var traceDevices = []struct {
	name  string
	field string
	model proto.Message
}{
	{"PORT", "port_id", &models.Port{}},
	{"BRIDGE", "network_id", &models.Network{}},
	{"ROUTER", "router_id", &models.Router{}},
}

// decodeTrace maps deviceType/deviceId to the device reference (which
// must exist: 404) and applies the model defaults (creation time now,
// limit Long.MAX_VALUE).
func decodeTrace(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	tr := msg.Interface().(*models.TraceRequest)
	if raw, ok := body["creationTimestampMs"]; !ok || isNull(raw) {
		tr.CreateTimestampMs = proto.Uint64(uint64(time.Now().UnixMilli()))
	}
	if raw, ok := body["limit"]; !ok || isNull(raw) {
		tr.Limit = proto.Uint64(math.MaxInt64)
	}
	tr.PortId, tr.NetworkId, tr.RouterId = nil, nil, nil
	typ, _ := decodeString(orEmpty(body["deviceType"]))
	var devID uuid.UUID
	if raw, ok := body["deviceId"]; ok && !isNull(raw) {
		id, err := decodeUUID(raw)
		if err != nil {
			return badJSON("deviceId", err)
		}
		devID = id
	} else {
		*viols = append(*viols, Violation{Property: "deviceId", Message: "may not be null"})
	}
	if typ == "" {
		*viols = append(*viols, Violation{Property: "deviceType", Message: "may not be null"})
		return nil
	}
	for _, d := range traceDevices {
		if d.name != typ {
			continue
		}
		if devID == uuid.Nil {
			return nil
		}
		if _, err := c.h.store.Get(c.ctx(), d.model, devID); err != nil {
			return err
		}
		parent, fd := writeMsg(msg, d.field)
		uuidToMsg(devID, parent.Mutable(fd).Message())
		return nil
	}
	return errorf(http.StatusBadRequest, "Invalid value %q for field deviceType", truncate([]byte(typ)))
}

func traceDevice(tr *models.TraceRequest) (string, *models.UUID) {
	switch {
	case tr.PortId != nil:
		return "PORT", tr.PortId
	case tr.NetworkId != nil:
		return "BRIDGE", tr.NetworkId
	case tr.RouterId != nil:
		return "ROUTER", tr.RouterId
	}
	return "", nil
}

func encodeTrace(c *call, m protoreflect.Message, out *object) error {
	typ, id := traceDevice(m.Interface().(*models.TraceRequest))
	if id == nil {
		out.set("deviceType", nil)
		out.set("deviceId", nil)
		return nil
	}
	out.set("deviceType", typ)
	out.set("deviceId", toUUID(id).String())
	return nil
}

// filterTraces implements ?tenant_id: the tenant of the traced bridge or
// router, or of the traced port's device.
func filterTraces(c *call, msgs []proto.Message) ([]proto.Message, error) {
	want, ok := c.r.URL.Query()["tenant_id"]
	if !ok || len(want) == 0 {
		return msgs, nil
	}
	tenantOf := func(tr *models.TraceRequest) string {
		netID, routerID := tr.NetworkId, tr.RouterId
		if tr.PortId != nil {
			got, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(tr.PortId))
			if err != nil {
				return ""
			}
			netID, routerID = got.(*models.Port).NetworkId, got.(*models.Port).RouterId
		}
		switch {
		case netID != nil:
			if got, err := c.h.store.Get(c.ctx(), &models.Network{}, toUUID(netID)); err == nil {
				return got.(*models.Network).GetTenantId()
			}
		case routerID != nil:
			if got, err := c.h.store.Get(c.ctx(), &models.Router{}, toUUID(routerID)); err == nil {
				return got.(*models.Router).GetTenantId()
			}
		}
		return ""
	}
	return slices.DeleteFunc(msgs, func(m proto.Message) bool {
		return tenantOf(m.(*models.TraceRequest)) != want[0]
	}), nil
}
