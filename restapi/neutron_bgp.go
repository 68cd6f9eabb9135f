package restapi

import (
	"strings"

	"github.com/midonet/midonet-go/midonet/models"
)

// The BGP dynamic routing JSON models (/neutron/bgp_speakers: PUT only;
// /neutron/bgp_peers), as the reference's BgpSpeaker and BgpPeer. The AS
// numbers and the IP version are Java Integers stored as the protos'
// uint32: a negative value keeps its bits and reads back as written.

// neutronBgpSpeaker is the JSON of a BGP speaker (also a peer's
// bgp_speaker).
type neutronBgpSpeaker struct {
	ID            *string  `json:"id"`
	TenantID      *string  `json:"tenant_id"`
	Name          *string  `json:"name"`
	LocalAs       *int32   `json:"local_as"`
	IPVersion     *int32   `json:"ip_version"`
	LogicalRouter *string  `json:"logical_router"`
	DelBgpPeerIDs []string `json:"del_bgp_peer_ids"`
}

func (d *neutronBgpSpeaker) toProto() (*models.NeutronBgpSpeaker, error) {
	s := &models.NeutronBgpSpeaker{TenantId: optString(d.TenantID), Name: optString(d.Name),
		LocalAs: javaUint32(d.LocalAs), IpVersion: javaUint32(d.IPVersion)}
	var err error
	if err = readUUIDs(uuidField{&s.Id, d.ID, "id"},
		uuidField{&s.LogicalRouter, d.LogicalRouter, "logical_router"}); err != nil {
		return nil, err
	}
	if s.DelBgpPeerIds, err = nUUIDs(d.DelBgpPeerIDs, "del_bgp_peer_ids"); err != nil {
		return nil, err
	}
	return s, nil
}

func neutronBgpSpeakerOf(s *models.NeutronBgpSpeaker) *neutronBgpSpeaker {
	return &neutronBgpSpeaker{ID: outUUID(s.GetId()), TenantID: s.TenantId, Name: s.Name,
		LocalAs: javaInt32(s.LocalAs), IPVersion: javaInt32(s.IpVersion), LogicalRouter: outUUID(s.GetLogicalRouter()),
		DelBgpPeerIDs: outUUIDs(s.GetDelBgpPeerIds())}
}

// neutronBgpPeer is the JSON of a BGP peer; auth_type is NONE or MD5 in
// any case (another value is refused, as the reference's enum reader).
type neutronBgpPeer struct {
	ID         *string            `json:"id"`
	TenantID   *string            `json:"tenant_id"`
	Name       *string            `json:"name"`
	PeerIP     *string            `json:"peer_ip"`
	RemoteAs   *int32             `json:"remote_as"`
	AuthType   *string            `json:"auth_type"`
	Password   *string            `json:"password"`
	BgpSpeaker *neutronBgpSpeaker `json:"bgp_speaker"`
}

func (d *neutronBgpPeer) toProto() (*models.NeutronBgpPeer, error) {
	p := &models.NeutronBgpPeer{TenantId: optString(d.TenantID), Name: optString(d.Name),
		RemoteAs: javaUint32(d.RemoteAs), Password: optString(d.Password)}
	var err error
	if p.Id, err = nUUID(d.ID, "id"); err != nil {
		return nil, err
	}
	if p.PeerIp, err = nIP(d.PeerIP, "peer_ip"); err != nil {
		return nil, err
	}
	if d.AuthType != nil {
		v, ok := models.NeutronBgpPeer_BgpAuthType_value[strings.ToUpper(*d.AuthType)]
		if !ok {
			return nil, neutronBadRequest("Invalid auth_type: %s", *d.AuthType)
		}
		p.AuthType = models.NeutronBgpPeer_BgpAuthType(v).Enum()
	}
	if d.BgpSpeaker != nil {
		if p.BgpSpeaker, err = d.BgpSpeaker.toProto(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func neutronBgpPeerOf(p *models.NeutronBgpPeer) *neutronBgpPeer {
	d := &neutronBgpPeer{ID: outUUID(p.GetId()), TenantID: p.TenantId, Name: p.Name, PeerIP: outIP(p.GetPeerIp()),
		RemoteAs: javaInt32(p.RemoteAs), Password: p.Password}
	if p.AuthType != nil {
		s := p.GetAuthType().String()
		d.AuthType = &s
	}
	if p.BgpSpeaker != nil {
		d.BgpSpeaker = neutronBgpSpeakerOf(p.GetBgpSpeaker())
	}
	return d
}

// javaUint32 stores a Java int in a uint32 field (its bits).
func javaUint32(v *int32) *uint32 {
	if v == nil {
		return nil
	}
	u := uint32(*v)
	return &u
}

// javaInt32 reads a uint32 field as the Java int it holds.
func javaInt32(v *uint32) *int32 {
	if v == nil {
		return nil
	}
	i := int32(*v)
	return &i
}
