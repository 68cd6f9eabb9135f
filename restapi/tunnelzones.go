package restapi

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// tunnelZonesFamily is the family of tunnel zones and their member hosts.
func tunnelZonesFamily() family {
	return family{
		resources: []*resource{tunnelZonesResource()},
		endpoints: []endpoint{
			{method: "GET", path: "/tunnel_zones/{id}/hosts", produces: collection("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: listZoneHosts},
			{method: "POST", path: "/tunnel_zones/{id}/hosts", consumes: single("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: addZoneHost},
			{method: "GET", path: "/tunnel_zones/{id}/hosts/{hid}", produces: single("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: getZoneHost},
			{method: "DELETE", path: "/tunnel_zones/{id}/hosts/{hid}", serve: removeZoneHost},
		},
	}
}

func decodeTunnelZone(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	tz := msg.Interface().(*models.TunnelZone)
	if tz.Name == nil {
		return nil
	}
	all, err := c.h.store.List(c.ctx(), &models.TunnelZone{})
	if err != nil {
		return err
	}
	for _, o := range all {
		other := o.(*models.TunnelZone)
		if other.GetName() == tz.GetName() && !proto.Equal(other.Id, tz.Id) {
			return errorf(http.StatusConflict, "Tunnel zone name already exists.")
		}
	}
	return nil
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

func listZoneHosts(c *call) error {
	tzID, err := c.pathID("id")
	if err != nil {
		return err
	}
	tz, err := c.h.store.Get(c.ctx(), &models.TunnelZone{}, tzID)
	if err != nil {
		return err
	}
	out := []object{}
	for _, h := range tz.(*models.TunnelZone).Hosts {
		out = append(out, c.zoneHost(tzID, h))
	}
	return c.ok(out)
}

func getZoneHost(c *call) error {
	tzID, err := c.pathID("id")
	if err != nil {
		return err
	}
	hid, err := c.pathID("hid")
	if err != nil {
		return err
	}
	tz, err := c.h.store.Get(c.ctx(), &models.TunnelZone{}, tzID)
	if err != nil {
		return err
	}
	for _, h := range tz.(*models.TunnelZone).Hosts {
		if toUUID(h.HostId) == hid {
			return c.ok(c.zoneHost(tzID, h))
		}
	}
	return errorf(http.StatusNotFound, "Resource not found")
}

func addZoneHost(c *call) error {
	tzID, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	hid, err := bodyUUID(body, "hostId")
	if err != nil {
		return err
	}
	s, _ := decodeString(orEmpty(body["ipAddress"]))
	addr, perr := netip.ParseAddr(strings.TrimSpace(s))
	if perr != nil || !addr.Is4() {
		return &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "ipAddress", Message: "is an invalid IP format"}}}
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.TunnelZone{}, tzID)
		if err != nil {
			return err
		}
		if _, err := tx.Get(&models.Host{}, hid); err != nil {
			return err
		}
		tz := proto.Clone(got).(*models.TunnelZone)
		if slices.Contains(toUUIDs(tz.HostIds), hid) {
			return &Error{Status: http.StatusConflict, EmptyBody: true}
		}
		ip, err := models.IPAddressFromAddr(addr)
		if err != nil {
			return err
		}
		tz.Hosts = append(tz.Hosts, &models.TunnelZone_HostToIp{HostId: uuidPtr(hid), Ip: ip})
		tz.HostIds = append(tz.HostIds, uuidPtr(hid)) // bound: the store updates Host.tunnel_zone_ids
		return tx.Update(tz)
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("tunnel_zones", tzID.String(), "hosts", hid.String()))
}

func removeZoneHost(c *call) error {
	tzID, err := c.pathID("id")
	if err != nil {
		return err
	}
	hid, err := c.pathID("hid")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.TunnelZone{}, tzID)
		if err != nil {
			return err
		}
		tz := proto.Clone(got).(*models.TunnelZone)
		if !slices.Contains(toUUIDs(tz.HostIds), hid) {
			return &Error{Status: http.StatusNotFound, EmptyBody: true}
		}
		tz.HostIds = removeUUID(tz.HostIds, hid)
		tz.Hosts = slices.DeleteFunc(tz.Hosts, func(h *models.TunnelZone_HostToIp) bool { return toUUID(h.HostId) == hid })
		return tx.Update(tz)
	})
	if err != nil {
		return err
	}
	return c.noContent()
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
		hooks:           hooks{decode: decodeTunnelZone, remove: removeTunnelZone},
	}
}

// removeTunnelZone refuses (409) to delete a tunnel zone VTEPs use: their
// controllers would lose the hosts' tunnel IPs.
func removeTunnelZone(c *call, tx Tx, id uuid.UUID) error {
	var vteps []proto.Message
	var err error
	if all, ok := tx.(interface {
		GetAll(proto.Message) ([]proto.Message, error)
	}); ok { // read in the transaction, so that the VTEPs seen are version-checked at commit
		vteps, err = all.GetAll(&models.Vtep{})
	} else {
		vteps, err = c.h.store.List(c.ctx(), &models.Vtep{})
	}
	if err != nil {
		return err
	}
	var users []string
	for _, v := range vteps {
		if v.(*models.Vtep).GetTunnelZoneId().ToGoogle() == id {
			users = append(users, idOf(v).String())
		}
	}
	if len(users) > 0 {
		return errorf(http.StatusConflict, "Tunnel Zone is used by VTEP(s), please delete the following VTEPs before deleting this tunnel zone: %s",
			strings.Join(users, ", "))
	}
	return tx.Delete(&models.TunnelZone{}, id, true)
}
