package restapi

import (
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/neutron"
)

// The LBaaS v1 JSON models (/neutron/lb/pools, members, vips,
// health_monitors; media types ...neutron.lb.<X>-v1+json) and the
// pool-health-monitor association (POST lb/pools/{id}/health_monitors,
// DELETE lb/pools/{id}/health_monitors/{hm}). Booleans and numbers are the
// reference's Java primitives: false and 0 when absent, always written;
// lists are written empty rather than null.

// MediaNeutronPoolHealthMonitor is the body of the association verbs.
const MediaNeutronPoolHealthMonitor = neutronVnd + "lb.PoolHealthMonitor-v1+json"

// neutronLbRoot is the Neutron root's load_balancer object: the LBaaS v1
// URIs under lb (the reference's LbResource.buildLoadBalancer).
func neutronLbRoot(neutronRoot string) object {
	lb := neutronRoot + "/lb"
	return object{
		{"health_monitors", lb + "/health_monitors"}, {"health_monitor_template", lb + "/health_monitors/{id}"},
		{"members", lb + "/members"}, {"member_template", lb + "/members/{id}"},
		{"pools", lb + "/pools"}, {"pool_template", lb + "/pools/{id}"},
		{"vips", lb + "/vips"}, {"vip_template", lb + "/vips/{id}"},
		{"pool_health_monitor", lb + "/pool_health_monitor"},
	}
}

// neutronLbPool is the JSON of a pool.
type neutronLbPool struct {
	ID                *string  `json:"id"`
	TenantID          *string  `json:"tenant_id"`
	Name              *string  `json:"name"`
	Description       *string  `json:"description"`
	AdminStateUp      bool     `json:"admin_state_up"`
	LbMethod          *string  `json:"lb_method"`
	Members           []string `json:"members"`
	SubnetID          *string  `json:"subnet_id"`
	VipID             *string  `json:"vip_id"`
	HealthMonitors    []string `json:"health_monitors"`
	Protocol          *string  `json:"protocol"`
	Provider          *string  `json:"provider"`
	RouterID          *string  `json:"router_id"`
	Status            *string  `json:"status"`
	StatusDescription *string  `json:"status_description"`
}

func (d *neutronLbPool) toProto() (*models.NeutronLoadBalancerPool, error) {
	p := &models.NeutronLoadBalancerPool{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), AdminStateUp: proto.Bool(d.AdminStateUp),
		LbMethod: optString(d.LbMethod), Protocol: optString(d.Protocol), Provider: optString(d.Provider),
		Status: optString(d.Status), StatusDescription: optString(d.StatusDescription)}
	err := readUUIDs(uuidField{&p.Id, d.ID, "id"}, uuidField{&p.SubnetId, d.SubnetID, "subnet_id"},
		uuidField{&p.VipId, d.VipID, "vip_id"}, uuidField{&p.RouterId, d.RouterID, "router_id"})
	if err != nil {
		return nil, err
	}
	if p.Members, err = nUUIDs(d.Members, "members"); err != nil {
		return nil, err
	}
	if p.HealthMonitors, err = nUUIDs(d.HealthMonitors, "health_monitors"); err != nil {
		return nil, err
	}
	return p, nil
}

func neutronLbPoolOf(p *models.NeutronLoadBalancerPool) *neutronLbPool {
	return &neutronLbPool{ID: outUUID(p.GetId()), TenantID: p.TenantId, Name: p.Name, Description: p.Description,
		AdminStateUp: p.GetAdminStateUp(), LbMethod: p.LbMethod, Members: outUUIDs(p.GetMembers()),
		SubnetID: outUUID(p.GetSubnetId()), VipID: outUUID(p.GetVipId()),
		HealthMonitors: outUUIDs(p.GetHealthMonitors()), Protocol: p.Protocol, Provider: p.Provider,
		RouterID: outUUID(p.GetRouterId()), Status: p.Status, StatusDescription: p.StatusDescription}
}

// neutronLbMember is the JSON of a pool member.
type neutronLbMember struct {
	ID                *string `json:"id"`
	TenantID          *string `json:"tenant_id"`
	PoolID            *string `json:"pool_id"`
	Address           *string `json:"address"`
	AdminStateUp      bool    `json:"admin_state_up"`
	ProtocolPort      int32   `json:"protocol_port"`
	Weight            int32   `json:"weight"`
	Status            *string `json:"status"`
	StatusDescription *string `json:"status_description"`
}

func (d *neutronLbMember) toProto() (*models.NeutronLoadBalancerPoolMember, error) {
	m := &models.NeutronLoadBalancerPoolMember{TenantId: optString(d.TenantID),
		AdminStateUp: proto.Bool(d.AdminStateUp), ProtocolPort: proto.Int32(d.ProtocolPort),
		Weight: proto.Int32(d.Weight), Status: optString(d.Status), StatusDescription: optString(d.StatusDescription)}
	var err error
	if err = readUUIDs(uuidField{&m.Id, d.ID, "id"}, uuidField{&m.PoolId, d.PoolID, "pool_id"}); err != nil {
		return nil, err
	}
	if m.Address, err = nIP(d.Address, "address"); err != nil {
		return nil, err
	}
	return m, nil
}

func neutronLbMemberOf(m *models.NeutronLoadBalancerPoolMember) *neutronLbMember {
	return &neutronLbMember{ID: outUUID(m.GetId()), TenantID: m.TenantId, PoolID: outUUID(m.GetPoolId()),
		Address: outIP(m.GetAddress()), AdminStateUp: m.GetAdminStateUp(), ProtocolPort: m.GetProtocolPort(),
		Weight: m.GetWeight(), Status: m.Status, StatusDescription: m.StatusDescription}
}

// neutronLbSessionPersistence is a VIP's session persistence; type is
// SOURCE_IP, HTTP_COOKIE or APP_COOKIE in any case (another value reads
// as none, as the reference's enum).
type neutronLbSessionPersistence struct {
	Type       *string `json:"type"`
	CookieName *string `json:"cookie_name"`
}

// neutronLbVip is the JSON of a VIP.
type neutronLbVip struct {
	ID                 *string                      `json:"id"`
	TenantID           *string                      `json:"tenant_id"`
	Name               *string                      `json:"name"`
	Description        *string                      `json:"description"`
	SubnetID           *string                      `json:"subnet_id"`
	Address            *string                      `json:"address"`
	PoolID             *string                      `json:"pool_id"`
	PortID             *string                      `json:"port_id"`
	AdminStateUp       bool                         `json:"admin_state_up"`
	Protocol           *string                      `json:"protocol"`
	ProtocolPort       int32                        `json:"protocol_port"`
	ConnectionLimit    int32                        `json:"connection_limit"`
	SessionPersistence *neutronLbSessionPersistence `json:"session_persistence"`
	Status             *string                      `json:"status"`
	StatusDescription  *string                      `json:"status_description"`
}

func (d *neutronLbVip) toProto() (*models.NeutronVIP, error) {
	v := &models.NeutronVIP{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), AdminStateUp: proto.Bool(d.AdminStateUp),
		Protocol: optString(d.Protocol), ProtocolPort: proto.Int32(d.ProtocolPort),
		ConnectionLimit: proto.Int32(d.ConnectionLimit), Status: optString(d.Status),
		StatusDescription: optString(d.StatusDescription)}
	err := readUUIDs(uuidField{&v.Id, d.ID, "id"}, uuidField{&v.SubnetId, d.SubnetID, "subnet_id"},
		uuidField{&v.PoolId, d.PoolID, "pool_id"}, uuidField{&v.PortId, d.PortID, "port_id"})
	if err != nil {
		return nil, err
	}
	if v.Address, err = nIP(d.Address, "address"); err != nil {
		return nil, err
	}
	if sp := d.SessionPersistence; sp != nil {
		v.SessionPersistence = &models.NeutronVIP_SessionPersistence{CookieName: optString(sp.CookieName)}
		if sp.Type != nil {
			if t, ok := models.NeutronVIP_SessionPersistence_Type_value[strings.ToUpper(*sp.Type)]; ok {
				v.SessionPersistence.Type = models.NeutronVIP_SessionPersistence_Type(t).Enum()
			}
		}
	}
	return v, nil
}

func neutronLbVipOf(v *models.NeutronVIP) *neutronLbVip {
	d := &neutronLbVip{ID: outUUID(v.GetId()), TenantID: v.TenantId, Name: v.Name, Description: v.Description,
		SubnetID: outUUID(v.GetSubnetId()), Address: outIP(v.GetAddress()), PoolID: outUUID(v.GetPoolId()),
		PortID: outUUID(v.GetPortId()), AdminStateUp: v.GetAdminStateUp(), Protocol: v.Protocol,
		ProtocolPort: v.GetProtocolPort(), ConnectionLimit: v.GetConnectionLimit(), Status: v.Status,
		StatusDescription: v.StatusDescription}
	if sp := v.GetSessionPersistence(); sp != nil {
		d.SessionPersistence = &neutronLbSessionPersistence{CookieName: sp.CookieName}
		if sp.Type != nil {
			d.SessionPersistence.Type = proto.String(sp.GetType().String())
		}
	}
	return d
}

// neutronLbHealthMonitorPool is one pool of a health monitor.
type neutronLbHealthMonitorPool struct {
	PoolID            *string `json:"pool_id"`
	Status            *string `json:"status"`
	StatusDescription *string `json:"status_description"`
}

// neutronLbHealthMonitor is the JSON of a health monitor.
type neutronLbHealthMonitor struct {
	ID           *string                      `json:"id"`
	TenantID     *string                      `json:"tenant_id"`
	AdminStateUp bool                         `json:"admin_state_up"`
	Pools        []neutronLbHealthMonitorPool `json:"pools"`
	Delay        int32                        `json:"delay"`
	MaxRetries   int32                        `json:"max_retries"`
	Timeout      int32                        `json:"timeout"`
	Type         *string                      `json:"type"`
}

func (d *neutronLbHealthMonitor) toProto() (*models.NeutronHealthMonitor, error) {
	hm := &models.NeutronHealthMonitor{TenantId: optString(d.TenantID), AdminStateUp: proto.Bool(d.AdminStateUp),
		Delay: proto.Int32(d.Delay), MaxRetries: proto.Int32(d.MaxRetries), Timeout: proto.Int32(d.Timeout),
		Type: optString(d.Type)}
	var err error
	if hm.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	for _, p := range d.Pools {
		pool := &models.NeutronHealthMonitor_Pool{Status: optString(p.Status),
			StatusDescription: optString(p.StatusDescription)}
		if pool.PoolId, err = nUUID(p.PoolID, "pool_id"); err != nil {
			return nil, err
		}
		hm.Pools = append(hm.Pools, pool)
	}
	return hm, nil
}

func neutronLbHealthMonitorOf(hm *models.NeutronHealthMonitor) *neutronLbHealthMonitor {
	d := &neutronLbHealthMonitor{ID: outUUID(hm.GetId()), TenantID: hm.TenantId, AdminStateUp: hm.GetAdminStateUp(),
		Delay: hm.GetDelay(), MaxRetries: hm.GetMaxRetries(), Timeout: hm.GetTimeout(), Type: hm.Type,
		Pools: []neutronLbHealthMonitorPool{}}
	for _, p := range hm.GetPools() {
		d.Pools = append(d.Pools, neutronLbHealthMonitorPool{PoolID: outUUID(p.GetPoolId()), Status: p.Status,
			StatusDescription: p.StatusDescription})
	}
	return d
}

// neutronPoolHealthMonitor is the body of the association: the health
// monitor's id.
type neutronPoolHealthMonitor struct {
	ID *string `json:"id"`
}

// neutronLbAssociationRoutes serves the pool-health-monitor association:
// POST names the health monitor in its body (201, the body back, Location
// the load_balancer object's pool_health_monitor URI), DELETE names it in
// the path (204; nothing to undo is no error). The reference routes both
// but never implemented them; networking-midonet associates through the
// health monitor's pools instead.
func (h *handler) neutronLbAssociationRoutes(base string, svc *neutron.Service) {
	h.mux.HandleFunc(base+"/lb/pools/{id}/health_monitors", func(w http.ResponseWriter, r *http.Request) {
		c := h.newCall(w, r)
		if r.Method != http.MethodPost {
			methodNotAllowed(w)
			return
		}
		if err := checkBodyType(r, mediaTypes{MediaNeutronPoolHealthMonitor}, standard); err != nil {
			c.fail(err)
			return
		}
		pool, perr := parseUUID(r.PathValue("id"))
		if perr != nil {
			c.fail(errorf(http.StatusNotFound, "Resource not found"))
			return
		}
		data, err := c.readRawBody()
		if err != nil {
			c.fail(err)
			return
		}
		var body neutronPoolHealthMonitor
		if err := jsonUnmarshal(data, &body); err != nil {
			c.fail(neutronBadRequest("Malformed JSON: %v", err))
			return
		}
		hm, err := nUUID(body.ID, "id")
		if err != nil {
			c.fail(err)
			return
		}
		if hm == nil {
			c.fail(neutronBadRequest("Invalid id: null"))
			return
		}
		if err := svc.AssociatePoolHealthMonitor(c.ctx(), pool, hm.ToGoogle()); err != nil {
			c.fail(neutronError(err))
			return
		}
		w.Header().Set("Location", c.uri("neutron", "lb", "pool_health_monitor"))
		c.writeJSON(http.StatusCreated, MediaNeutronPoolHealthMonitor, neutronPoolHealthMonitor{ID: outUUID(hm)})
	})
	h.mux.HandleFunc(base+"/lb/pools/{id}/health_monitors/{hm}", func(w http.ResponseWriter, r *http.Request) {
		c := h.newCall(w, r)
		if r.Method != http.MethodDelete {
			methodNotAllowed(w)
			return
		}
		pool, err1 := parseUUID(r.PathValue("id"))
		hm, err2 := parseUUID(r.PathValue("hm"))
		if err1 != nil || err2 != nil {
			c.fail(errorf(http.StatusNotFound, "Resource not found"))
			return
		}
		if err := svc.DisassociatePoolHealthMonitor(c.ctx(), pool, hm); err != nil {
			c.fail(neutronError(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
