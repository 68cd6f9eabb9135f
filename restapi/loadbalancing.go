package restapi

import (
	"net/http"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// loadBalancingFamily is the family of L4 load balancing: load balancers, pools, members, VIPs, health monitors.
func loadBalancingFamily() family {
	return family{
		resources: []*resource{loadBalancersResource(), poolsResource(), poolMembersResource(), vipsResource(), healthMonitorsResource()},
	}
}

// encodePoolMember: a monitored member reports INACTIVE when down, else
// the health monitor's verdict (status key), NO_MONITOR without one.
func encodePoolMember(c *call, pm *models.PoolMember, out *object) error {
	if pm.GetStatus() != models.LBStatus_MONITORED {
		return nil
	}
	if !pm.GetAdminStateUp() {
		out.set("status", "INACTIVE")
		return nil
	}
	status, ok, err := c.stateKey("", &models.PoolMember{}, toUUID(pm.Id), statusKey)
	if err != nil {
		return err
	}
	if !ok {
		status = "NO_MONITOR"
	}
	out.set("status", status)
	return nil
}

const lbRouterOnCreateMessage = "A load balancer's router ID must be null at creation. To associate a router with a load balancer, first create the load balancer with null router ID and then update the router's load balancer ID."

// decodeLoadBalancer: routerId is owned by the router's side of the
// binding; the API refuses to set it on create or change it on PUT.
func decodeLoadBalancer(c *call, b body, msg, stored *models.LoadBalancer) ([]Violation, error) {
	raw, present := b["routerId"]
	var sent uuid.UUID
	if present && !isNull(raw) {
		id, err := decodeUUID(raw)
		if err != nil {
			return nil, badJSON("routerId", err)
		}
		sent = id
	}
	if stored == nil {
		if sent != uuid.Nil {
			return nil, errorf(http.StatusBadRequest, lbRouterOnCreateMessage)
		}
		return nil, nil
	}
	if sent != toUUID(stored.RouterId) {
		return nil, errorf(http.StatusBadRequest, "Router cannot be modified")
	}
	return nil, nil
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
func decodePool(c *call, b body, pool, old *models.Pool) ([]Violation, error) {
	pool.Protocol = models.Pool_TCP.Enum()
	if old == nil {
		pool.Status = models.LBStatus_ACTIVE.Enum()
		if pool.HealthMonitorId != nil {
			pool.MappingStatus = models.Pool_PENDING_CREATE.Enum()
		} else {
			pool.MappingStatus = models.Pool_ACTIVE.Enum()
		}
		return nil, nil
	}
	if err := pendingMapping(old); err != nil {
		return nil, err
	}
	if !proto.Equal(old.HealthMonitorId, pool.HealthMonitorId) {
		pool.MappingStatus = models.Pool_PENDING_CREATE.Enum()
	}
	return nil, nil
}

func removePool(c *call, tx Tx, id uuid.UUID) error {
	pool, err := getAs[*models.Pool](tx, id)
	if err != nil {
		if c.h.toAPIError(err).Status == http.StatusNotFound {
			return nil
		}
		return err
	}
	if err := pendingMapping(pool); err != nil {
		return err
	}
	return tx.Delete(&models.Pool{}, id, true)
}

// decodeHealthMonitor: a health monitor starts up whatever the body says
// (the reference's create()).
// decodeHealthMonitor: a health monitor starts up and ACTIVE whatever the
// body says, and a PUT keeps the stored status (HealthMonitor.create and
// update in the reference).
func decodeHealthMonitor(c *call, b body, hm, stored *models.HealthMonitor) ([]Violation, error) {
	if stored == nil {
		hm.AdminStateUp = proto.Bool(true)
		hm.Status = models.LBStatus_ACTIVE.Enum()
	}
	return nil, nil
}

// decodePoolMember: a pool member starts up and ACTIVE whatever the body
// says (the reference's create()).
func decodePoolMember(c *call, b body, m, stored *models.PoolMember) ([]Violation, error) {
	if stored == nil {
		m.AdminStateUp = proto.Bool(true)
		m.Status = models.LBStatus_ACTIVE.Enum()
	}
	return nil, nil
}

// decodeVip checks that the pool exists: a missing pool is a 400.
func decodeVip(c *call, b body, vip, stored *models.Vip) ([]Violation, error) {
	if vip.PoolId == nil {
		return nil, nil
	}
	if _, err := loadAs[*models.Pool](c, toUUID(vip.PoolId)); err != nil {
		if apiErr := c.h.toAPIError(err); apiErr.Status == http.StatusNotFound {
			return nil, errorf(http.StatusBadRequest, "%s", apiErr.Message)
		}
		return nil, err
	}
	return nil, nil
}

// encodeVip derives loadBalancerId from the VIP's pool.
func encodeVip(c *call, vip *models.Vip, out *object) error {
	out.set("loadBalancerId", nil)
	out.set("loadBalancer", nil)
	if vip.PoolId == nil {
		return nil
	}
	pool, err := loadAs[*models.Pool](c, toUUID(vip.PoolId))
	if err != nil || pool.LoadBalancerId == nil {
		return nil
	}
	lb := toUUID(pool.LoadBalancerId).String()
	out.set("loadBalancerId", lb)
	out.set("loadBalancer", c.uri("load_balancers", lb))
	return nil
}

// listVips lists the VIPs of a pool, or of every pool of a load balancer.
func listVips(c *call, p parent, parentID uuid.UUID) ([]proto.Message, error) {
	if p.segment != "load_balancers" {
		return c.listChildren(c.h.resources["vips"], p, parentID)
	}
	lb, err := loadAs[*models.LoadBalancer](c, parentID)
	if err != nil {
		return nil, err
	}
	var out []proto.Message
	for _, pid := range toUUIDs(lb.PoolIds) {
		vips, err := c.listChildren(c.h.resources["vips"], parent{segment: "pools", backRef: "vip_ids"}, pid)
		if err != nil {
			continue // pool deleted meanwhile
		}
		out = append(out, vips...)
	}
	return out, nil
}

// lbStatus is the LBStatus enum as the API writes it; NO_MONITOR exists
// only on the wire (computed for monitored pool members).
var lbStatus = map[string]string{"ACTIVE": "ACTIVE", "INACTIVE": "INACTIVE", "MONITORED": "MONITORED"}

func loadBalancersResource() *resource {
	return &resource{
		segment: "load_balancers", rootKey: "loadBalancers", templateKey: "loadBalancerTemplate",
		model:      &models.LoadBalancer{},
		single:     single("LoadBalancer-v1").withJSON(),
		collection: collection("LoadBalancer-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			// Set from the router's side (Router.loadBalancerId binding).
			fRO(fUUID("routerId", "router_id")),
			fBoolDef("adminStateUp", "admin_state_up", true),
		},
		links:           []link{lRef("router", "routers", "router_id"), lSub("pools", "/pools"), lSub("vips", "/vips")},
		deleteMissingOK: true,
		hooks:           typed[*models.LoadBalancer]{decode: decodeLoadBalancer}.hooks(),
	}
}

func poolsResource() *resource {
	return &resource{
		segment: "pools", rootKey: "pools", templateKey: "poolTemplate",
		model:      &models.Pool{},
		single:     single("Pool-v1").withJSON(),
		collection: collection("Pool-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fUUID("healthMonitorId", "health_monitor_id"),
			fUUID("loadBalancerId", "load_balancer_id"),
			fRO(field{json: "protocol", proto: "protocol", kind: kEnum, enum: map[string]string{"TCP": "TCP"}}),
			fReq(field{json: "lbMethod", proto: "lb_method", kind: kEnum, enum: map[string]string{"ROUND_ROBIN": "ROUND_ROBIN"}}),
			fRO(field{json: "status", proto: "status", kind: kEnum, enum: lbStatus}),
		},
		links: []link{
			lRef("healthMonitor", "health_monitors", "health_monitor_id"),
			lRef("loadBalancer", "load_balancers", "load_balancer_id"),
			lSub("vips", "/vips"), lSub("poolMembers", "/pool_members"),
		},
		parents: []parent{
			{segment: "load_balancers", sub: "pools", ref: "load_balancer_id", backRef: "pool_ids"},
			{segment: "health_monitors", sub: "pools", backRef: "pool_ids", listOnly: true},
		},
		filters:         []queryFilter{{param: "hm_id", proto: "health_monitor_id", kind: kUUID}},
		createTopLevel:  true,
		deleteMissingOK: true,
		hooks:           typed[*models.Pool]{decode: decodePool, remove: removePool}.hooks(),
	}
}

func poolMembersResource() *resource {
	return &resource{
		segment: "pool_members", rootKey: "poolMembers", templateKey: "poolMemberTemplate",
		model:      &models.PoolMember{},
		single:     single("PoolMember-v1").withJSON(),
		collection: collection("PoolMember-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fRO(field{json: "status", proto: "status", kind: kEnum, enum: lbStatus}),
			fReq(fUUID("poolId", "pool_id")),
			{json: "address", proto: "address", kind: kIPv4Addr, mode: createOnly, required: true,
				invalidMessage: "is not a valid IP address"},
			{json: "protocolPort", proto: "protocol_port", kind: kInt, mode: createOnly, min: bound(0), max: bound(65535)},
			{json: "weight", proto: "weight", kind: kInt, min: bound(1), def: 1},
		},
		links: []link{lRef("pool", "pools", "pool_id")},
		parents: []parent{{segment: "pools", sub: "pool_members", ref: "pool_id", backRef: "pool_member_ids",
			aliases: []string{"load_balancers/{lb}/pools/{pid}/pool_members"}}},
		createTopLevel:  true,
		deleteMissingOK: true,
		hooks:           typed[*models.PoolMember]{decode: decodePoolMember, encode: encodePoolMember}.hooks(),
	}
}

func vipsResource() *resource {
	return &resource{
		segment: "vips", rootKey: "vips", templateKey: "vipTemplate",
		model:           &models.Vip{},
		single:          single("VIP-v1").withJSON(),
		collection:      collection("VIP-v1").withJSON(),
		getNegotiation:  standard,
		listNegotiation: standard,
		ops:             opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fReq(fUUID("poolId", "pool_id")),
			fReq(field{json: "address", proto: "address", kind: kIPv4Addr}),
			fIntRange("protocolPort", "protocol_port", 0, 65535),
			{json: "sessionPersistence", proto: "session_persistence", kind: kEnum, enum: map[string]string{"SOURCE_IP": "SOURCE_IP"}},
		},
		links: []link{lRef("pool", "pools", "pool_id")},
		parents: []parent{
			{segment: "pools", sub: "vips", ref: "pool_id", backRef: "vip_ids"},
			{segment: "load_balancers", sub: "vips", listOnly: true},
		},
		createTopLevel:  true,
		deleteMissingOK: true,
		hooks:           typed[*models.Vip]{decode: decodeVip, encode: encodeVip, listUnder: listVips}.hooks(),
	}
}

func healthMonitorsResource() *resource {
	return &resource{
		segment: "health_monitors", rootKey: "healthMonitors", templateKey: "healthMonitorTemplate",
		model:      &models.HealthMonitor{},
		single:     single("HealthMonitor-v1").withJSON(),
		collection: collection("HealthMonitor-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fReq(field{json: "type", proto: "type", kind: kEnum, enum: map[string]string{"TCP": "TCP"}}),
			fInt("delay", "delay"), fInt("timeout", "timeout"), fInt("maxRetries", "max_retries"),
			fRO(field{json: "status", proto: "status", kind: kEnum, enum: lbStatus}),
		},
		links:           []link{lSub("pools", "/pools")},
		deleteMissingOK: true,
		hooks:           typed[*models.HealthMonitor]{decode: decodeHealthMonitor}.hooks(),
	}
}
