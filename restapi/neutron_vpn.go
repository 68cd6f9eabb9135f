package restapi

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// The VPNaaS JSON models (/neutron/vpnservices, /ipsec_site_connections),
// as the reference's VpnService and IPSecSiteConnection: the translation's
// fields (external IP, container, routes) are not part of them.

// neutronVpnService is the JSON of a VPN service.
type neutronVpnService struct {
	ID           *string `json:"id"`
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	AdminStateUp *bool   `json:"admin_state_up"`
	TenantID     *string `json:"tenant_id"`
	RouterID     *string `json:"router_id"`
}

func (d *neutronVpnService) toProto() (*models.VpnService, error) {
	s := &models.VpnService{Name: optString(d.Name), Description: optString(d.Description),
		AdminStateUp: d.AdminStateUp, TenantId: optString(d.TenantID)}
	var err error
	if err = readUUIDs(uuidField{&s.Id, d.ID, "id"}, uuidField{&s.RouterId, d.RouterID, "router_id"}); err != nil {
		return nil, err
	}
	return s, nil
}

func neutronVpnServiceOf(s *models.VpnService) *neutronVpnService {
	return &neutronVpnService{ID: outUUID(s.GetId()), Name: s.Name, Description: s.Description,
		AdminStateUp: s.AdminStateUp, TenantID: s.TenantId, RouterID: outUUID(s.GetRouterId())}
}

// neutronIkePolicy is a connection's IKE policy.
type neutronIkePolicy struct {
	AuthAlgorithm         *string `json:"auth_algorithm"`
	EncryptionAlgorithm   *string `json:"encryption_algorithm"`
	Phase1NegotiationMode *string `json:"phase1_negotiation_mode"`
	IkeVersion            *string `json:"ike_version"`
	LifetimeUnits         *string `json:"lifetime_units"`
	LifetimeValue         *int32  `json:"lifetime_value"`
	Pfs                   *string `json:"pfs"`
}

// neutronIPSecPolicy is a connection's IPsec policy.
type neutronIPSecPolicy struct {
	TransformProtocol   *string `json:"transform_protocol"`
	AuthAlgorithm       *string `json:"auth_algorithm"`
	EncryptionAlgorithm *string `json:"encryption_algorithm"`
	EncapsulationMode   *string `json:"encapsulation_mode"`
	Pfs                 *string `json:"pfs"`
	LifetimeUnits       *string `json:"lifetime_units"`
	LifetimeValue       *int32  `json:"lifetime_value"`
}

// neutronIPSecSiteConnection is the JSON of an IPsec site connection.
// The integers are Java Integers stored in unsigned fields: a negative
// value reads back as itself.
type neutronIPSecSiteConnection struct {
	ID           *string             `json:"id"`
	TenantID     *string             `json:"tenant_id"`
	Description  *string             `json:"description"`
	Name         *string             `json:"name"`
	AdminStateUp *bool               `json:"admin_state_up"`
	PeerAddress  *string             `json:"peer_address"`
	PeerID       *string             `json:"peer_id"`
	PeerCidrs    []string            `json:"peer_cidrs"`
	LocalCidrs   []string            `json:"local_cidrs"`
	RouteMode    *string             `json:"route_mode"`
	Mtu          *int32              `json:"mtu"`
	Initiator    *string             `json:"initiator"`
	AuthMode     *string             `json:"auth_mode"`
	Psk          *string             `json:"psk"`
	DpdAction    *string             `json:"dpd_action"`
	DpdInterval  *int32              `json:"dpd_interval"`
	DpdTimeout   *int32              `json:"dpd_timeout"`
	VpnServiceID *string             `json:"vpnservice_id"`
	IkePolicy    *neutronIkePolicy   `json:"ikepolicy"`
	IPSecPolicy  *neutronIPSecPolicy `json:"ipsecpolicy"`
}

// ipsecEnum reads a VPNaaS enum value as the reference's forValue does
// ('-' as '_', any case); an unknown name is a 400.
func ipsecEnum[E ~int32](s *string, values map[string]int32, what string) (*E, error) {
	if s == nil {
		return nil, nil
	}
	n, ok := values[strings.ToUpper(strings.ReplaceAll(*s, "-", "_"))]
	if !ok {
		return nil, neutronBadRequest("Invalid %s: %s", what, *s)
	}
	e := E(n)
	return &e, nil
}

// ipsecEnumName is the JSON of an enum value (its name).
func ipsecEnumName[E interface {
	~int32
	String() string
}](e *E) *string {
	if e == nil {
		return nil
	}
	s := (*e).String()
	return &s
}

// validateIPSecSiteConnection is the reference's
// IPSecSiteConnection.validate of a decoded connection: no CIDR both local
// and peer; the 400 carries the connection as the reference prints it
// (Guava's toStringHelper, null fields left out).
func validateIPSecSiteConnection(m proto.Message) error {
	c, ok := m.(*models.IPSecSiteConnection)
	if !ok {
		return fmt.Errorf("restapi: IPsec site connection check of a %s", models.ClassName(m))
	}
	return neutronIPSecSiteConnectionOf(c).validate()
}

func (d *neutronIPSecSiteConnection) validate() error {
	for _, l := range d.LocalCidrs {
		if slices.Contains(d.PeerCidrs, l) {
			return neutronBadRequest("Local and peer cidrs of IPSecsite connection: %sare not disjoint", d)
		}
	}
	return nil
}

// toStringFields writes Guava's "Name{a=1, b=2}" of the non-nil values.
func toStringFields(name string, kv ...any) string {
	var b strings.Builder
	b.WriteString(name + "{")
	first := true
	for i := 0; i+1 < len(kv); i += 2 {
		var v string
		switch x := kv[i+1].(type) {
		case *string:
			if x == nil {
				continue
			}
			v = *x
		case *int32:
			if x == nil {
				continue
			}
			v = fmt.Sprint(*x)
		case *bool:
			if x == nil {
				continue
			}
			v = fmt.Sprint(*x)
		case []string:
			if x == nil {
				continue
			}
			v = "[" + strings.Join(x, ", ") + "]"
		case fmt.Stringer:
			if x == nil || fmt.Sprint(x) == "" {
				continue
			}
			v = x.String()
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%s=%s", kv[i], v)
	}
	return b.String() + "}"
}

// upperEnum is an enum value as the reference holds it after reading.
func upperEnum(s *string) *string {
	if s == nil {
		return nil
	}
	u := strings.ToUpper(strings.ReplaceAll(*s, "-", "_"))
	return &u
}

func lowerUUID(s *string) *string {
	if s == nil {
		return nil
	}
	l := strings.ToLower(*s)
	return &l
}

func (p *neutronIkePolicy) String() string {
	if p == nil {
		return ""
	}
	return toStringFields("IkePolicy", "authAlgorithm", upperEnum(p.AuthAlgorithm),
		"encryptionAlgorithm", upperEnum(p.EncryptionAlgorithm), "phase1NegMode", upperEnum(p.Phase1NegotiationMode),
		"ikeVersion", upperEnum(p.IkeVersion), "lifetimeUnits", p.LifetimeUnits, "lifetimeValue", p.LifetimeValue,
		"pfs", upperEnum(p.Pfs))
}

func (p *neutronIPSecPolicy) String() string {
	if p == nil {
		return ""
	}
	return toStringFields("IPSecPolicy", "transformProtocol", upperEnum(p.TransformProtocol),
		"authAlgorithm", upperEnum(p.AuthAlgorithm), "encryptionAlgorithm", upperEnum(p.EncryptionAlgorithm),
		"encapsulationMode", upperEnum(p.EncapsulationMode), "lifetimeUnits", p.LifetimeUnits,
		"lifetimeValue", p.LifetimeValue, "pfs", upperEnum(p.Pfs))
}

func (d *neutronIPSecSiteConnection) String() string {
	return toStringFields("IPSecSiteConnection", "id", lowerUUID(d.ID), "tenantId", d.TenantID, "name", d.Name,
		"peerAddress", d.PeerAddress, "peerId", d.PeerID, "peerCidrs", d.PeerCidrs, "localCidrs", d.LocalCidrs,
		"routeMode", upperEnum(d.RouteMode), "mtu", d.Mtu, "initiator", upperEnum(d.Initiator),
		"authMode", upperEnum(d.AuthMode), "psk", d.Psk, "admin_state_up", d.AdminStateUp,
		"dpdAction", upperEnum(d.DpdAction), "dpdInterval", d.DpdInterval, "dpdTimeout", d.DpdTimeout,
		"vpnServiceId", lowerUUID(d.VpnServiceID), "ikePolicy", d.IkePolicy, "ipsecPolicy", d.IPSecPolicy)
}

func (d *neutronIPSecSiteConnection) toProto() (*models.IPSecSiteConnection, error) {
	c := &models.IPSecSiteConnection{TenantId: optString(d.TenantID), Description: optString(d.Description),
		Name: optString(d.Name), AdminStateUp: d.AdminStateUp, PeerAddress: optString(d.PeerAddress),
		PeerId: optString(d.PeerID), Mtu: javaUint32(d.Mtu), Psk: optString(d.Psk),
		DpdInterval: javaUint32(d.DpdInterval), DpdTimeout: javaUint32(d.DpdTimeout)}
	var err error
	if err = readUUIDs(uuidField{&c.Id, d.ID, "id"},
		uuidField{&c.VpnserviceId, d.VpnServiceID, "vpnservice_id"}); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		in   []string
		out  *[]*models.IPSubnet
		what string
	}{{d.PeerCidrs, &c.PeerCidrs, "peer_cidrs"}, {d.LocalCidrs, &c.LocalCidrs, "local_cidrs"}} {
		for i := range f.in {
			sn, err := nSubnet(&f.in[i], f.what)
			if err != nil {
				return nil, err
			}
			if sn != nil {
				*f.out = append(*f.out, sn)
			}
		}
	}
	if c.RouteMode, err = ipsecEnum[models.IPSecSiteConnection_RouteMode](d.RouteMode,
		models.IPSecSiteConnection_RouteMode_value, "route_mode"); err != nil {
		return nil, err
	}
	if c.Initiator, err = ipsecEnum[models.IPSecSiteConnection_Initiator](d.Initiator,
		models.IPSecSiteConnection_Initiator_value, "initiator"); err != nil {
		return nil, err
	}
	if c.AuthMode, err = ipsecEnum[models.IPSecSiteConnection_AuthMode](d.AuthMode,
		models.IPSecSiteConnection_AuthMode_value, "auth_mode"); err != nil {
		return nil, err
	}
	if c.DpdAction, err = ipsecEnum[models.IPSecSiteConnection_DpdAction](d.DpdAction,
		models.IPSecSiteConnection_DpdAction_value, "dpd_action"); err != nil {
		return nil, err
	}
	if c.Ikepolicy, err = d.IkePolicy.toProto(); err != nil {
		return nil, err
	}
	if c.Ipsecpolicy, err = d.IPSecPolicy.toProto(); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *neutronIkePolicy) toProto() (*models.IPSecSiteConnection_IkePolicy, error) {
	if p == nil {
		return nil, nil
	}
	out := &models.IPSecSiteConnection_IkePolicy{LifetimeUnits: optString(p.LifetimeUnits),
		LifetimeValue: javaUint32(p.LifetimeValue)}
	var err error
	if out.AuthAlgorithm, out.EncryptionAlgorithm, out.Pfs, err = ipsecAlgorithms(p.AuthAlgorithm,
		p.EncryptionAlgorithm, p.Pfs); err != nil {
		return nil, err
	}
	if out.Phase1NegotiationMode, err = ipsecEnum[models.IPSecSiteConnection_IkePolicy_Phase1NegotiationMode](
		p.Phase1NegotiationMode, models.IPSecSiteConnection_IkePolicy_Phase1NegotiationMode_value,
		"phase1_negotiation_mode"); err != nil {
		return nil, err
	}
	if out.IkeVersion, err = ipsecEnum[models.IPSecSiteConnection_IkePolicy_IkeVersion](p.IkeVersion,
		models.IPSecSiteConnection_IkePolicy_IkeVersion_value, "ike_version"); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *neutronIPSecPolicy) toProto() (*models.IPSecSiteConnection_IPSecPolicy, error) {
	if p == nil {
		return nil, nil
	}
	out := &models.IPSecSiteConnection_IPSecPolicy{LifetimeUnits: optString(p.LifetimeUnits),
		LifetimeValue: javaUint32(p.LifetimeValue)}
	var err error
	if out.TransformProtocol, err = ipsecEnum[models.IPSecSiteConnection_IPSecPolicy_TransformProtocol](
		p.TransformProtocol, models.IPSecSiteConnection_IPSecPolicy_TransformProtocol_value,
		"transform_protocol"); err != nil {
		return nil, err
	}
	if out.AuthAlgorithm, out.EncryptionAlgorithm, out.Pfs, err = ipsecAlgorithms(p.AuthAlgorithm,
		p.EncryptionAlgorithm, p.Pfs); err != nil {
		return nil, err
	}
	if out.EncapsulationMode, err = ipsecEnum[models.IPSecSiteConnection_IPSecPolicy_EncapsulationMode](
		p.EncapsulationMode, models.IPSecSiteConnection_IPSecPolicy_EncapsulationMode_value,
		"encapsulation_mode"); err != nil {
		return nil, err
	}
	return out, nil
}

// ipsecAlgorithms reads the authentication and encryption algorithms and
// the PFS group both policies carry.
func ipsecAlgorithms(auth, enc, pfs *string) (*models.IPSecSiteConnection_IPSecAuthAlgorithm,
	*models.IPSecSiteConnection_IPSecEncryptionAlgorithm, *models.IPSecSiteConnection_IPSecPfs, error) {
	a, err := ipsecEnum[models.IPSecSiteConnection_IPSecAuthAlgorithm](auth,
		models.IPSecSiteConnection_IPSecAuthAlgorithm_value, "auth_algorithm")
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := ipsecEnum[models.IPSecSiteConnection_IPSecEncryptionAlgorithm](enc,
		models.IPSecSiteConnection_IPSecEncryptionAlgorithm_value, "encryption_algorithm")
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := ipsecEnum[models.IPSecSiteConnection_IPSecPfs](pfs, models.IPSecSiteConnection_IPSecPfs_value, "pfs")
	return a, e, p, err
}

func outSubnets(sns []*models.IPSubnet) []string {
	out := make([]string, 0, len(sns))
	for _, sn := range sns {
		out = append(out, sn.CIDR())
	}
	return out
}

func neutronIPSecSiteConnectionOf(c *models.IPSecSiteConnection) *neutronIPSecSiteConnection {
	d := &neutronIPSecSiteConnection{ID: outUUID(c.GetId()), TenantID: c.TenantId, Description: c.Description,
		Name: c.Name, AdminStateUp: c.AdminStateUp, PeerAddress: c.PeerAddress, PeerID: c.PeerId,
		PeerCidrs: outSubnets(c.GetPeerCidrs()), LocalCidrs: outSubnets(c.GetLocalCidrs()),
		RouteMode: ipsecEnumName(c.RouteMode), Mtu: javaInt32(c.Mtu), Initiator: ipsecEnumName(c.Initiator),
		AuthMode: ipsecEnumName(c.AuthMode), Psk: c.Psk, DpdAction: ipsecEnumName(c.DpdAction),
		DpdInterval: javaInt32(c.DpdInterval), DpdTimeout: javaInt32(c.DpdTimeout),
		VpnServiceID: outUUID(c.GetVpnserviceId())}
	if p := c.GetIkepolicy(); p != nil {
		d.IkePolicy = &neutronIkePolicy{AuthAlgorithm: ipsecEnumName(p.AuthAlgorithm),
			EncryptionAlgorithm: ipsecEnumName(p.EncryptionAlgorithm), Phase1NegotiationMode: ipsecEnumName(p.Phase1NegotiationMode),
			IkeVersion: ipsecEnumName(p.IkeVersion), LifetimeUnits: p.LifetimeUnits, LifetimeValue: javaInt32(p.LifetimeValue),
			Pfs: ipsecEnumName(p.Pfs)}
	}
	if p := c.GetIpsecpolicy(); p != nil {
		d.IPSecPolicy = &neutronIPSecPolicy{TransformProtocol: ipsecEnumName(p.TransformProtocol),
			AuthAlgorithm: ipsecEnumName(p.AuthAlgorithm), EncryptionAlgorithm: ipsecEnumName(p.EncryptionAlgorithm),
			EncapsulationMode: ipsecEnumName(p.EncapsulationMode), Pfs: ipsecEnumName(p.Pfs),
			LifetimeUnits: p.LifetimeUnits, LifetimeValue: javaInt32(p.LifetimeValue)}
	}
	return d
}
