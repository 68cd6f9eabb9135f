package restapi

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// tunnelZonesFamily is the family of tunnel zones and their member hosts.
func tunnelZonesFamily() family {
	return family{
		resources: []*resource{tunnelZonesResource()},
		endpoints: tunnelZoneHosts().endpoints(),
	}
}

func decodeTunnelZone(c *call, b body, tz, stored *models.TunnelZone) ([]Violation, error) {
	if tz.Name == nil {
		return nil, nil
	}
	all, err := listAs[*models.TunnelZone](c)
	if err != nil {
		return nil, err
	}
	for _, other := range all {
		if other.GetName() == tz.GetName() && !proto.Equal(other.Id, tz.Id) {
			return nil, errorf(http.StatusConflict, "Tunnel zone name already exists.")
		}
	}
	return nil, nil
}

// tunnelZoneHosts are a tunnel zone's members: its hosts with their
// tunnel addresses (TunnelZone.hosts; host_ids is bound to the hosts).
func tunnelZoneHosts() *membership[*models.TunnelZone_HostToIp, uuid.UUID] {
	types := single("TunnelZoneHost-v1", "GreTunnelZoneHost-v1")
	return &membership[*models.TunnelZone_HostToIp, uuid.UUID]{
		collection: "/tunnel_zones/{id}/hosts",
		member:     "/tunnel_zones/{id}/hosts/{hid}",
		listTypes:  collection("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"),
		addTypes:   types,
		getTypes:   types,
		members:    zoneMembers,
		decode: func(b body) (*models.TunnelZone_HostToIp, error) {
			hid, err := bodyUUID(b, "hostId")
			if err != nil {
				return nil, err
			}
			s, _ := decodeString(orEmpty(b["ipAddress"]))
			addr, perr := netip.ParseAddr(strings.TrimSpace(s))
			if perr != nil || !addr.Is4() {
				return nil, violation("ipAddress", "is an invalid IP format")
			}
			ip, err := models.IPAddressFromAddr(addr)
			if err != nil {
				return nil, err
			}
			return &models.TunnelZone_HostToIp{HostId: uuidPtr(hid), Ip: ip}, nil
		},
		add: func(c *call, tx Tx, tzID uuid.UUID, h *models.TunnelZone_HostToIp) error {
			tz, err := getAs[*models.TunnelZone](tx, tzID)
			if err != nil {
				return err
			}
			hid := toUUID(h.HostId)
			if _, err := getAs[*models.Host](tx, hid); err != nil {
				return err
			}
			if slices.Contains(toUUIDs(tz.HostIds), hid) {
				return &Error{Status: http.StatusConflict, EmptyBody: true}
			}
			tz.Hosts = append(tz.Hosts, cloneOf(h))
			tz.HostIds = append(tz.HostIds, uuidPtr(hid)) // bound: the store updates Host.tunnel_zone_ids
			return tx.Update(tz)
		},
		key: func(c *call) (uuid.UUID, error) { return c.pathID("hid") },
		get: func(c *call, tzID, hid uuid.UUID) (*models.TunnelZone_HostToIp, error) {
			members, err := zoneMembers(c, tzID)
			if err != nil {
				return nil, err
			}
			return memberOf(members, func(h *models.TunnelZone_HostToIp) uuid.UUID { return toUUID(h.HostId) }, hid,
				errorf(http.StatusNotFound, "Resource not found"))
		},
		remove: func(c *call, tx Tx, tzID, hid uuid.UUID) error {
			tz, err := getAs[*models.TunnelZone](tx, tzID)
			if err != nil {
				return err
			}
			if !slices.Contains(toUUIDs(tz.HostIds), hid) {
				return noMember()
			}
			tz.HostIds = removeUUID(tz.HostIds, hid)
			tz.Hosts = slices.DeleteFunc(tz.Hosts, func(h *models.TunnelZone_HostToIp) bool { return toUUID(h.HostId) == hid })
			return tx.Update(tz)
		},
		encode: (*call).zoneHost,
		uri: func(c *call, tzID uuid.UUID, h *models.TunnelZone_HostToIp) string {
			return c.uri("tunnel_zones", tzID.String(), "hosts", toUUID(h.HostId).String())
		},
	}
}

func zoneMembers(c *call, tzID uuid.UUID) ([]*models.TunnelZone_HostToIp, error) {
	tz, err := loadAs[*models.TunnelZone](c, tzID)
	if err != nil {
		return nil, err
	}
	return tz.Hosts, nil
}

func (c *call) zoneHost(tzID uuid.UUID, h *models.TunnelZone_HostToIp) object {
	hid := toUUID(h.HostId).String()
	var ip any
	if h.Ip != nil {
		ip = h.Ip.GetAddress()
	}
	return object{{"tunnelZoneId", tzID.String()}, {"hostId", hid}, {"ipAddress", ip},
		{"uri", c.uri("tunnel_zones", tzID.String(), "hosts", hid)},
		{"tunnelZone", c.uri("tunnel_zones", tzID.String())}, {"host", c.uri("hosts", hid)}}
}

func tunnelZonesResource() *resource {
	return &resource{
		segment: "tunnel_zones", rootKey: "tunnelZones", templateKey: "tunnelZoneTemplate",
		model:      &models.TunnelZone{},
		single:     single("TunnelZone-v1").withJSON(),
		collection: collection("TunnelZone-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(), fReq(fName("name", "name", 1, 255)),
			fReq(field{json: "type", proto: "type", kind: kEnum,
				enum: map[string]string{"gre": "GRE", "vxlan": "VXLAN", "vtep": "VTEP"}}),
		},
		links:           []link{lSub("hosts", "/hosts")},
		deleteMissingOK: true,
		hooks:           typed[*models.TunnelZone]{decode: decodeTunnelZone, remove: removeTunnelZone}.hooks(),
	}
}

// removeTunnelZone refuses (409) to delete a tunnel zone VTEPs use: their
// controllers would lose the hosts' tunnel IPs.
func removeTunnelZone(c *call, tx Tx, id uuid.UUID) error {
	// Read in the transaction, so that the VTEPs seen are version-checked at commit.
	vteps, err := allAs[*models.Vtep](tx)
	if err != nil {
		return err
	}
	var users []string
	for _, v := range vteps {
		if v.GetTunnelZoneId().ToGoogle() == id {
			users = append(users, toUUID(v.Id).String())
		}
	}
	if len(users) > 0 {
		return errorf(http.StatusConflict, "Tunnel Zone is used by VTEP(s), please delete the following VTEPs before deleting this tunnel zone: %s",
			strings.Join(users, ", "))
	}
	return tx.Delete(&models.TunnelZone{}, id, true)
}
