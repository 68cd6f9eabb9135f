package restapi

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The LBaaS v2 JSON models (/neutron/lbs_v2, listeners_v2, pools_v2,
// pool_members_v2, health_monitors_v2; media types ...neutron.lb.<X>V2).
// Nested objects (a listener's load balancers, a pool's members, listeners
// and load balancers, a health monitor's pools) are the full models, of
// which the translation reads the ids. Enums read in any case; another
// value reads as none, as the reference's forValue. Nothing of these is
// stored, so GET answers 404 and lists are empty; POST and PUT answer the
// object as sent.

// nEnum reads an enum value by name in any case; none for another name.
func nEnum[E ~int32](s *string, values map[string]int32) *E {
	if s == nil {
		return nil
	}
	v, ok := values[strings.ToUpper(*s)]
	if !ok {
		return nil
	}
	e := E(v)
	return &e
}

// outEnum is an enum's name, nil when unset.
func outEnum[E interface {
	~int32
	String() string
}](e *E) *string {
	if e == nil {
		return nil
	}
	return proto.String((*e).String())
}

// nList converts a JSON list of nested models.
func nList[D any, M any](ds []D, toProto func(*D) (M, error)) ([]M, error) {
	out := make([]M, 0, len(ds))
	for i := range ds {
		m, err := toProto(&ds[i])
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// outList is the JSON list of nested models (empty, not null, when there
// are none: the reference's lists start empty).
func outList[D any, M any](ms []M, of func(M) *D) []D {
	out := make([]D, 0, len(ms))
	for _, m := range ms {
		out = append(out, *of(m))
	}
	return out
}

type neutronLoadBalancerV2 struct {
	ID                 *string  `json:"id"`
	TenantID           *string  `json:"tenant_id"`
	Name               *string  `json:"name"`
	Description        *string  `json:"description"`
	AdminStateUp       *bool    `json:"admin_state_up"`
	ProvisioningStatus *string  `json:"provisioning_status"`
	OperatingStatus    *string  `json:"operating_status"`
	Listeners          []string `json:"listeners"`
	VipAddress         *string  `json:"vip_address"`
	VipSubnetID        *string  `json:"vip_subnet_id"`
	VipPortID          *string  `json:"vip_port_id"`
	Provider           *string  `json:"provider"`
	FlavorID           *string  `json:"flavor_id"`
	Pools              []string `json:"pools"`
}

func (d *neutronLoadBalancerV2) toProto() (*models.NeutronLoadBalancerV2, error) {
	lb := &models.NeutronLoadBalancerV2{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), AdminStateUp: d.AdminStateUp,
		ProvisioningStatus: nEnum[models.NeutronLoadBalancerV2_LoadBalancerV2Status](d.ProvisioningStatus,
			models.NeutronLoadBalancerV2_LoadBalancerV2Status_value),
		OperatingStatus: nEnum[models.NeutronLoadBalancerV2_LoadBalancerV2Status](d.OperatingStatus,
			models.NeutronLoadBalancerV2_LoadBalancerV2Status_value),
		VipAddress: optString(d.VipAddress), Provider: optString(d.Provider)}
	err := readUUIDs(uuidField{&lb.Id, d.ID, "id"}, uuidField{&lb.VipSubnetId, d.VipSubnetID, "vip_subnet_id"},
		uuidField{&lb.VipPortId, d.VipPortID, "vip_port_id"}, uuidField{&lb.FlavorId, d.FlavorID, "flavor_id"})
	if err != nil {
		return nil, err
	}
	if lb.Listeners, err = nUUIDs(d.Listeners, "listeners"); err != nil {
		return nil, err
	}
	if lb.Pools, err = nUUIDs(d.Pools, "pools"); err != nil {
		return nil, err
	}
	return lb, nil
}

func neutronLoadBalancerV2Of(lb *models.NeutronLoadBalancerV2) *neutronLoadBalancerV2 {
	return &neutronLoadBalancerV2{ID: outUUID(lb.GetId()), TenantID: lb.TenantId, Name: lb.Name,
		Description: lb.Description, AdminStateUp: lb.AdminStateUp, ProvisioningStatus: outEnum(lb.ProvisioningStatus),
		OperatingStatus: outEnum(lb.OperatingStatus), Listeners: nonNil(outUUIDs(lb.GetListeners())),
		VipAddress: lb.VipAddress, VipSubnetID: outUUID(lb.GetVipSubnetId()), VipPortID: outUUID(lb.GetVipPortId()),
		Provider: lb.Provider, FlavorID: outUUID(lb.GetFlavorId()), Pools: nonNil(outUUIDs(lb.GetPools()))}
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

type neutronListenerV2 struct {
	ID            *string                 `json:"id"`
	TenantID      *string                 `json:"tenant_id"`
	AdminStateUp  *bool                   `json:"admin_state_up"`
	LoadBalancers []neutronLoadBalancerV2 `json:"loadbalancers"`
	DefaultPoolID *string                 `json:"default_pool_id"`
	ProtocolPort  *int32                  `json:"protocol_port"`
}

func (d *neutronListenerV2) toProto() (*models.NeutronLoadBalancerV2Listener, error) {
	l := &models.NeutronLoadBalancerV2Listener{TenantId: optString(d.TenantID), AdminStateUp: d.AdminStateUp,
		ProtocolPort: d.ProtocolPort}
	var err error
	if err = readUUIDs(uuidField{&l.Id, d.ID, "id"},
		uuidField{&l.DefaultPoolId, d.DefaultPoolID, "default_pool_id"}); err != nil {
		return nil, err
	}
	if l.Loadbalancers, err = nList(d.LoadBalancers, (*neutronLoadBalancerV2).toProto); err != nil {
		return nil, err
	}
	return l, nil
}

func neutronListenerV2Of(l *models.NeutronLoadBalancerV2Listener) *neutronListenerV2 {
	return &neutronListenerV2{ID: outUUID(l.GetId()), TenantID: l.TenantId, AdminStateUp: l.AdminStateUp,
		LoadBalancers: outList(l.GetLoadbalancers(), neutronLoadBalancerV2Of), DefaultPoolID: outUUID(l.GetDefaultPoolId()),
		ProtocolPort: l.ProtocolPort}
}

type neutronSessionPersistenceV2 struct {
	Type       *string `json:"type"`
	CookieName *string `json:"cookie_name"`
}

type neutronPoolV2 struct {
	ID                 *string                      `json:"id"`
	TenantID           *string                      `json:"tenant_id"`
	Name               *string                      `json:"name"`
	Description        *string                      `json:"description"`
	AdminStateUp       *bool                        `json:"admin_state_up"`
	LbAlgorithm        *string                      `json:"lb_algorithm"`
	Members            []neutronPoolMemberV2        `json:"members"`
	HealthMonitorID    *string                      `json:"healthmonitor_id"`
	ListenerID         *string                      `json:"listener_id"`
	Listeners          []neutronListenerV2          `json:"listeners"`
	LoadBalancers      []neutronLoadBalancerV2      `json:"loadbalancers"`
	Protocol           *string                      `json:"protocol"`
	SessionPersistence *neutronSessionPersistenceV2 `json:"session_persistence"`
}

func (d *neutronPoolV2) toProto() (*models.NeutronLoadBalancerV2Pool, error) {
	p := &models.NeutronLoadBalancerV2Pool{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description), AdminStateUp: d.AdminStateUp,
		LbAlgorithm: nEnum[models.NeutronLoadBalancerV2Pool_LoadBalancerV2Algorithm](d.LbAlgorithm,
			models.NeutronLoadBalancerV2Pool_LoadBalancerV2Algorithm_value),
		Protocol: nEnum[models.NeutronLoadBalancerV2Pool_LoadBalancerV2Protocol](d.Protocol,
			models.NeutronLoadBalancerV2Pool_LoadBalancerV2Protocol_value)}
	if sp := d.SessionPersistence; sp != nil {
		p.SessionPersistence = &models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceAlgorithm{
			Type: nEnum[models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceType](sp.Type,
				models.NeutronLoadBalancerV2Pool_LBV2SessionPersistenceType_value),
			CookieName: optString(sp.CookieName)}
	}
	var err error
	if err = readUUIDs(uuidField{&p.Id, d.ID, "id"},
		uuidField{&p.HealthmonitorId, d.HealthMonitorID, "healthmonitor_id"},
		uuidField{&p.ListenerId, d.ListenerID, "listener_id"}); err != nil {
		return nil, err
	}
	if p.Members, err = nList(d.Members, (*neutronPoolMemberV2).toProto); err != nil {
		return nil, err
	}
	if p.Listeners, err = nList(d.Listeners, (*neutronListenerV2).toProto); err != nil {
		return nil, err
	}
	if p.Loadbalancers, err = nList(d.LoadBalancers, (*neutronLoadBalancerV2).toProto); err != nil {
		return nil, err
	}
	return p, nil
}

func neutronPoolV2Of(p *models.NeutronLoadBalancerV2Pool) *neutronPoolV2 {
	d := &neutronPoolV2{ID: outUUID(p.GetId()), TenantID: p.TenantId, Name: p.Name, Description: p.Description,
		AdminStateUp: p.AdminStateUp, LbAlgorithm: outEnum(p.LbAlgorithm),
		Members: outList(p.GetMembers(), neutronPoolMemberV2Of), HealthMonitorID: outUUID(p.GetHealthmonitorId()),
		ListenerID: outUUID(p.GetListenerId()), Listeners: outList(p.GetListeners(), neutronListenerV2Of),
		LoadBalancers: outList(p.GetLoadbalancers(), neutronLoadBalancerV2Of), Protocol: outEnum(p.Protocol)}
	if sp := p.GetSessionPersistence(); sp != nil {
		d.SessionPersistence = &neutronSessionPersistenceV2{Type: outEnum(sp.Type), CookieName: sp.CookieName}
	}
	return d
}

type neutronPoolMemberV2 struct {
	ID           *string `json:"id"`
	TenantID     *string `json:"tenant_id"`
	Address      *string `json:"address"`
	AdminStateUp *bool   `json:"admin_state_up"`
	ProtocolPort *int32  `json:"protocol_port"`
	Weight       *int32  `json:"weight"`
	SubnetID     *string `json:"subnet_id"`
	Name         *string `json:"name"`
	PoolID       *string `json:"pool_id"`
}

func (d *neutronPoolMemberV2) toProto() (*models.NeutronLoadBalancerV2PoolMember, error) {
	m := &models.NeutronLoadBalancerV2PoolMember{TenantId: optString(d.TenantID), AdminStateUp: d.AdminStateUp,
		ProtocolPort: d.ProtocolPort, Weight: d.Weight, Name: optString(d.Name)}
	var err error
	if m.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	if m.Address, err = nIP(d.Address, "address"); err != nil {
		return nil, err
	}
	if err = readUUIDs(uuidField{&m.SubnetId, d.SubnetID, "subnet_id"},
		uuidField{&m.PoolId, d.PoolID, "pool_id"}); err != nil {
		return nil, err
	}
	return m, nil
}

func neutronPoolMemberV2Of(m *models.NeutronLoadBalancerV2PoolMember) *neutronPoolMemberV2 {
	return &neutronPoolMemberV2{ID: outUUID(m.GetId()), TenantID: m.TenantId, Address: outIP(m.GetAddress()),
		AdminStateUp: m.AdminStateUp, ProtocolPort: m.ProtocolPort, Weight: m.Weight, SubnetID: outUUID(m.GetSubnetId()),
		Name: m.Name, PoolID: outUUID(m.GetPoolId())}
}

type neutronHealthMonitorV2 struct {
	ID            *string         `json:"id"`
	TenantID      *string         `json:"tenant_id"`
	AdminStateUp  *bool           `json:"admin_state_up"`
	Pools         []neutronPoolV2 `json:"pools"`
	ExpectedCodes *string         `json:"expected_codes"`
	HTTPMethod    *string         `json:"http_method"`
	URLPath       *string         `json:"url_path"`
	Delay         *int32          `json:"delay"`
	MaxRetries    *int32          `json:"max_retries"`
	Timeout       *int32          `json:"timeout"`
	Type          *string         `json:"type"`
	Name          *string         `json:"name"`
}

func (d *neutronHealthMonitorV2) toProto() (*models.NeutronHealthMonitorV2, error) {
	hm := &models.NeutronHealthMonitorV2{TenantId: optString(d.TenantID), AdminStateUp: d.AdminStateUp,
		ExpectedCodes: optString(d.ExpectedCodes), HttpMethod: optString(d.HTTPMethod), UrlPath: optString(d.URLPath),
		Delay: d.Delay, MaxRetries: d.MaxRetries, Timeout: d.Timeout, Name: optString(d.Name),
		Type: nEnum[models.NeutronHealthMonitorV2_HealthMonitorV2Type](d.Type,
			models.NeutronHealthMonitorV2_HealthMonitorV2Type_value)}
	var err error
	if hm.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	if hm.Pools, err = nList(d.Pools, (*neutronPoolV2).toProto); err != nil {
		return nil, err
	}
	return hm, nil
}

func neutronHealthMonitorV2Of(hm *models.NeutronHealthMonitorV2) *neutronHealthMonitorV2 {
	return &neutronHealthMonitorV2{ID: outUUID(hm.GetId()), TenantID: hm.TenantId, AdminStateUp: hm.AdminStateUp,
		Pools: outList(hm.GetPools(), neutronPoolV2Of), ExpectedCodes: hm.ExpectedCodes, HTTPMethod: hm.HttpMethod,
		URLPath: hm.UrlPath, Delay: hm.Delay, MaxRetries: hm.MaxRetries, Timeout: hm.Timeout, Type: outEnum(hm.Type),
		Name: hm.Name}
}
