package restapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// specialSegments are top-level segments served by explicit handlers
// rather than the resource table.
var specialSegments = map[string]bool{"tenants": true, "system_state": true, "login": true}

// endpoint is one explicit handler: the special verbs and sub-resources
// that are not plain CRUD of a stored class (links, memberships, tenants).
type endpoint struct {
	method, path string
	// produces is checked against Accept (standard regime) for GET;
	// consumes against Content-Type for POST/PUT.
	produces, consumes mediaTypes
	// strictConsumes checks Content-Type with the strict regime (406).
	strictConsumes bool
	serve          func(c *call) error
}

func (h *handler) specialRoutes() {
	for _, e := range h.endpoints() {
		e := e
		h.mux.HandleFunc(e.method+" "+h.root+e.path, func(w http.ResponseWriter, r *http.Request) {
			c := h.newCall(w, r)
			if e.consumes != nil {
				regime := standard
				if e.strictConsumes {
					regime = strict
					if err := requireJSONReader(r); err != nil {
						c.fail(err)
						return
					}
				}
				if err := checkBodyType(r, e.consumes, regime); err != nil {
					c.fail(err)
					return
				}
			}
			if e.produces != nil {
				mt, err := negotiateGet(r, e.produces, standard)
				if err != nil {
					c.fail(err)
					return
				}
				w.Header().Set("Content-Type", mt)
			}
			if err := e.serve(c); err != nil {
				c.fail(err)
			}
		})
	}
}

func (h *handler) endpoints() []endpoint {
	portTypes := collection("Port-v3", "Port-v4").withJSON()
	tenantsGone := func(c *call) error {
		return errorf(http.StatusMethodNotAllowed, "Tenants cannot be created, updated or deleted via the REST API.")
	}
	return append([]endpoint{
		{method: "GET", path: "/tenants", produces: collection("Tenant-v2"), serve: h.listTenants},
		{method: "GET", path: "/tenants/{id}", produces: single("Tenant-v2"), serve: h.getTenant},
		{method: "POST", path: "/tenants", serve: tenantsGone},
		{method: "PUT", path: "/tenants/{id}", serve: tenantsGone},
		{method: "DELETE", path: "/tenants/{id}", serve: tenantsGone},
		{method: "GET", path: "/system_state", produces: single("SystemState-v2").withJSON(), serve: getSystemState},

		{method: "POST", path: "/ports/{id}/link", consumes: single("PortLink-v1").withJSON(), serve: linkPorts},
		{method: "DELETE", path: "/ports/{id}/link", serve: unlinkPorts},
		{method: "GET", path: "/bridges/{id}/peer_ports", produces: portTypes, serve: peerPorts(&models.Network{})},
		{method: "GET", path: "/routers/{id}/peer_ports", produces: portTypes, serve: peerPorts(&models.Router{})},

		{method: "GET", path: "/port_groups/{id}/ports", produces: collection("PortGroupPort-v1").withJSON(), serve: listGroupPorts},
		{method: "POST", path: "/port_groups/{id}/ports", consumes: single("PortGroupPort-v1").withJSON(), serve: addGroupPort},
		{method: "GET", path: "/port_groups/{id}/ports/{pid}", produces: single("PortGroupPort-v1").withJSON(), serve: getGroupPort},
		{method: "DELETE", path: "/port_groups/{id}/ports/{pid}", serve: removeGroupPort},
		{method: "GET", path: "/ports/{id}/port_groups", produces: collection("PortGroupPort-v1"), serve: listPortGroupsOfPort},

		{method: "GET", path: "/ip_addr_groups/{id}/ip_addrs", produces: collection("IpAddrGroupAddr-v1"), serve: listGroupAddrs},
		{method: "POST", path: "/ip_addr_groups/{id}/ip_addrs", consumes: single("IpAddrGroupAddr-v1"), serve: addGroupAddr},
		{method: "GET", path: "/ip_addr_groups/{id}/versions/{version}/ip_addrs/{addr}", produces: single("IpAddrGroupAddr-v1"), serve: getGroupAddr},
		{method: "DELETE", path: "/ip_addr_groups/{id}/versions/{version}/ip_addrs/{addr}", serve: removeGroupAddr},

		{method: "GET", path: "/hosts/{id}/ports", produces: collection("HostInterfacePort-v1"), serve: listHostPorts},
		{method: "POST", path: "/hosts/{id}/ports", consumes: single("HostInterfacePort-v1").withJSON(), serve: bindHostPort},
		{method: "GET", path: "/hosts/{id}/ports/{pid}", serve: getHostPort},
		{method: "DELETE", path: "/hosts/{id}/ports/{pid}", serve: unbindHostPort},
		{method: "GET", path: "/hosts/{id}/interfaces", produces: collection("Interface-v1").withJSON(), serve: listHostInterfaces},
		{method: "GET", path: "/hosts/{id}/interfaces/{name}", produces: single("Interface-v1").withJSON(), serve: getHostInterface},

		{method: "GET", path: "/tunnel_zones/{id}/hosts", produces: collection("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: listZoneHosts},
		{method: "POST", path: "/tunnel_zones/{id}/hosts", consumes: single("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: addZoneHost},
		{method: "GET", path: "/tunnel_zones/{id}/hosts/{hid}", produces: single("TunnelZoneHost-v1", "GreTunnelZoneHost-v1"), serve: getZoneHost},
		{method: "DELETE", path: "/tunnel_zones/{id}/hosts/{hid}", serve: removeZoneHost},
	}, slices.Concat(dhcpEndpoints(), dhcpV6Endpoints(), stateTableEndpoints(), vtepEndpoints())...)
}

// pathID parses a {name} path UUID; malformed ids are 404 (as Jersey's
// parameter conversion answers).
func (c *call) pathID(name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.r.PathValue(name))
	if err != nil {
		return uuid.Nil, errorf(http.StatusNotFound, "Resource not found")
	}
	return id, nil
}

func (c *call) ok(v any) error {
	data, err := appendJSON(nil, v)
	if err != nil {
		return err
	}
	if c.w.Header().Get("Content-Type") == "" {
		c.w.Header().Set("Content-Type", MediaJSON)
	}
	writeBody(c.w, c.r, http.StatusOK, data)
	return nil
}

func (c *call) created(location string) error {
	if location != "" {
		c.w.Header().Set("Location", location)
	}
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// bodyUUID reads a required UUID property of the body.
func bodyUUID(body map[string]json.RawMessage, key string) (uuid.UUID, error) {
	raw, ok := body[key]
	if !ok || isNull(raw) {
		return uuid.Nil, &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: key, Message: "may not be null"}}}
	}
	id, err := decodeUUID(raw)
	if err != nil {
		return uuid.Nil, badJSON(key, err)
	}
	return id, nil
}

// --- tenants, system state --------------------------------------------------

func (c *call) tenantObject(t Tenant) object {
	q := "?tenant_id=" + url.QueryEscape(t.ID)
	return object{{"id", t.ID}, {"name", t.Name}, {"description", t.Description}, {"enabled", t.Enabled},
		{"uri", c.uri("tenants", t.ID)}, {"routers", c.uri("routers") + q}, {"bridges", c.uri("bridges") + q},
		{"chains", c.uri("chains") + q}, {"portGroups", c.uri("port_groups") + q}}
}

func (h *handler) listTenants(c *call) error {
	out := []object{}
	if h.tenants != nil {
		limit := 0
		if l := c.r.URL.Query().Get("limit"); l != "" {
			n, err := decodeInt(json.RawMessage(l))
			if err != nil {
				return errorf(http.StatusBadRequest, "Invalid limit %q", l)
			}
			limit = int(n)
		}
		ts, err := h.tenants.Tenants(c.ctx(), c.r.URL.Query().Get("marker"), limit)
		if err != nil {
			return err
		}
		for _, t := range ts {
			out = append(out, c.tenantObject(t))
		}
	}
	return c.ok(out)
}

func (h *handler) getTenant(c *call) error {
	id := c.r.PathValue("id")
	if h.tenants == nil {
		return errorf(http.StatusNotFound, "Tenant %s not found", id)
	}
	t, err := h.tenants.Tenant(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.ok(c.tenantObject(t))
}

// MockTenants is the reference's default (mock) auth service's tenant view:
// one "admin" tenant listed; any id looked up exists.
type MockTenants struct{}

func (MockTenants) Tenants(ctx context.Context, marker string, limit int) ([]Tenant, error) {
	return []Tenant{{ID: "admin", Name: "admin", Description: "Admin Tenant", Enabled: true}}, nil
}

func (MockTenants) Tenant(ctx context.Context, id string) (Tenant, error) {
	return Tenant{ID: id, Name: id, Description: id, Enabled: true}, nil
}

func getSystemState(c *call) error {
	return c.ok(object{{"state", "ACTIVE"}, {"availability", "READWRITE"}, {"version", "5.0.0"}, {"information", nil}})
}

// --- links ------------------------------------------------------------------

func linkPorts(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	peerID, err := bodyUUID(body, "peerId")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		port, err := tx.Get(&models.Port{}, id)
		if err != nil {
			return err
		}
		peer, err := tx.Get(&models.Port{}, peerID)
		if err != nil {
			return err
		}
		if port.(*models.Port).PeerId != nil || peer.(*models.Port).PeerId != nil || id == peerID {
			return errorf(http.StatusConflict, "Ports are not linkable.")
		}
		linked := proto.Clone(port).(*models.Port)
		linked.PeerId = uuidPtr(peerID)
		return tx.Update(linked) // the store's binding sets the peer's peer_id
	})
	if err != nil {
		return err
	}
	return c.created("")
}

func unlinkPorts(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		port, err := tx.Get(&models.Port{}, id)
		if err != nil {
			return err
		}
		if port.(*models.Port).PeerId == nil {
			return nil
		}
		unlinked := proto.Clone(port).(*models.Port)
		unlinked.PeerId = nil
		return tx.Update(unlinked)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

// peerPorts lists the ports linked to the device's ports.
func peerPorts(model proto.Message) func(c *call) error {
	return func(c *call) error {
		id, err := c.pathID("id")
		if err != nil {
			return err
		}
		dev, err := c.h.store.Get(c.ctx(), model, id)
		if err != nil {
			return err
		}
		ports := c.h.resources["ports"]
		out := []object{}
		for _, pid := range uuidList(dev.ProtoReflect(), "port_ids") {
			p, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
			if err != nil || p.(*models.Port).PeerId == nil {
				continue
			}
			peer, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(p.(*models.Port).PeerId))
			if err != nil {
				continue
			}
			obj, err := c.encode(ports, peer)
			if err != nil {
				return err
			}
			out = append(out, obj)
		}
		return c.ok(out)
	}
}

// --- port group memberships -------------------------------------------------

func (c *call) groupPort(groupID, portID uuid.UUID) object {
	return object{{"portGroupId", groupID.String()}, {"portId", portID.String()},
		{"uri", c.uri("port_groups", groupID.String(), "ports", portID.String())},
		{"portGroup", c.uri("port_groups", groupID.String())}, {"port", c.uri("ports", portID.String())}}
}

func listGroupPorts(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.PortGroup{}, gid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, pid := range toUUIDs(g.(*models.PortGroup).PortIds) {
		out = append(out, c.groupPort(gid, pid))
	}
	return c.ok(out)
}

func listPortGroupsOfPort(c *call) error {
	pid, err := c.pathID("id")
	if err != nil {
		return err
	}
	p, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, gid := range toUUIDs(p.(*models.Port).PortGroupIds) {
		out = append(out, c.groupPort(gid, pid))
	}
	return c.ok(out)
}

func addGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	pid, err := bodyUUID(body, "portId")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		if _, err := tx.Get(&models.PortGroup{}, gid); err != nil {
			return err
		}
		got, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		port := proto.Clone(got).(*models.Port)
		if slices.Contains(toUUIDs(port.PortGroupIds), gid) {
			return &Error{Status: http.StatusConflict, EmptyBody: true}
		}
		port.PortGroupIds = append(port.PortGroupIds, uuidPtr(gid))
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("port_groups", gid.String(), "ports", pid.String()))
}

func getGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.PortGroup{}, gid)
	if err != nil {
		return err
	}
	if !slices.Contains(toUUIDs(g.(*models.PortGroup).PortIds), pid) {
		return errorf(http.StatusNotFound, "Resource not found")
	}
	return c.ok(c.groupPort(gid, pid))
}

func removeGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		port := proto.Clone(got).(*models.Port)
		if !slices.Contains(toUUIDs(port.PortGroupIds), gid) {
			return &Error{Status: http.StatusNotFound, EmptyBody: true}
		}
		port.PortGroupIds = removeUUID(port.PortGroupIds, gid)
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

// --- IP address group addresses --------------------------------------------

func (c *call) groupAddr(gid uuid.UUID, addr netip.Addr) object {
	version := 4
	if addr.Is6() {
		version = 6
	}
	return object{{"version", version}, {"addr", ipString(addr)}, {"ipAddrGroupId", gid.String()},
		{"uri", c.uri("ip_addr_groups", gid.String(), "versions", itoa(version), "ip_addrs", ipString(addr))},
		{"ipAddrGroup", c.uri("ip_addr_groups", gid.String())}}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func listGroupAddrs(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.IPAddrGroup{}, gid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, ap := range g.(*models.IPAddrGroup).IpAddrPorts {
		if a, err := ap.GetIpAddress().ToAddr(); err == nil {
			out = append(out, c.groupAddr(gid, a))
		}
	}
	return c.ok(out)
}

func addGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	raw, ok := body["version"]
	if !ok || isNull(raw) {
		return errorf(http.StatusBadRequest, "Missing type id when trying to resolve subtype of IpAddrGroupAddr: missing property 'version'")
	}
	version, err := decodeInt(raw)
	if err != nil || (version != 4 && version != 6) {
		return errorf(http.StatusBadRequest, "Could not resolve type id '%s' into a subtype of IpAddrGroupAddr", truncate(raw))
	}
	s, _ := decodeString(orEmpty(body["addr"]))
	addr, perr := netip.ParseAddr(strings.TrimSpace(s))
	if perr != nil || (version == 4) != addr.Is4() {
		return &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "addr", Message: "is an invalid IP format"}}}
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.IPAddrGroup{}, gid)
		if err != nil {
			return err
		}
		g := proto.Clone(got).(*models.IPAddrGroup)
		for _, ap := range g.IpAddrPorts {
			if a, err := ap.GetIpAddress().ToAddr(); err == nil && a == addr {
				return errorf(http.StatusConflict, "IP address group already contains IP %s.", addr)
			}
		}
		ip, err := models.IPAddressFromAddr(addr)
		if err != nil {
			return err
		}
		g.IpAddrPorts = append(g.IpAddrPorts, &models.IPAddrGroup_IPAddrPorts{IpAddress: ip})
		return tx.Update(g)
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("ip_addr_groups", gid.String(), "versions", itoa(int(version)), "ip_addrs", ipString(addr)))
}

func (c *call) pathAddr() (netip.Addr, error) {
	v := c.r.PathValue("version")
	if v != "4" && v != "6" {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP version: %s", v)
	}
	addr, err := netip.ParseAddr(c.r.PathValue("addr"))
	if err != nil || (v == "4") != addr.Is4() {
		return netip.Addr{}, errorf(http.StatusBadRequest, "Invalid IP address: %s", c.r.PathValue("addr"))
	}
	return addr, nil
}

func getGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	addr, err := c.pathAddr()
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.IPAddrGroup{}, gid)
	if err != nil {
		return err
	}
	for _, ap := range g.(*models.IPAddrGroup).IpAddrPorts {
		if a, err := ap.GetIpAddress().ToAddr(); err == nil && a == addr {
			return c.ok(c.groupAddr(gid, addr))
		}
	}
	return errorf(http.StatusNotFound, "The IP address group does not contain the specified address %s", addr)
}

func removeGroupAddr(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	addr, err := c.pathAddr()
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.IPAddrGroup{}, gid)
		if err != nil {
			if c.h.toAPIError(err).Status == http.StatusNotFound {
				return nil
			}
			return err
		}
		g := proto.Clone(got).(*models.IPAddrGroup)
		n := len(g.IpAddrPorts)
		g.IpAddrPorts = slices.DeleteFunc(g.IpAddrPorts, func(ap *models.IPAddrGroup_IPAddrPorts) bool {
			a, err := ap.GetIpAddress().ToAddr()
			return err == nil && a == addr
		})
		if len(g.IpAddrPorts) == n {
			return nil
		}
		return tx.Update(g)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

// --- host interface port bindings, interfaces ------------------------------

func (c *call) hostPort(hostID uuid.UUID, p *models.Port) object {
	pid := toUUID(p.Id).String()
	return object{{"hostId", hostID.String()}, {"portId", pid}, {"interfaceName", p.GetInterfaceName()},
		{"uri", c.uri("hosts", hostID.String(), "ports", pid)},
		{"host", c.uri("hosts", hostID.String())}, {"port", c.uri("ports", pid)}}
}

func listHostPorts(c *call) error {
	hid, err := c.pathID("id")
	if err != nil {
		return err
	}
	h, err := c.h.store.Get(c.ctx(), &models.Host{}, hid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, pid := range toUUIDs(h.(*models.Host).PortIds) {
		p, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
		if err != nil {
			continue
		}
		out = append(out, c.hostPort(hid, p.(*models.Port)))
	}
	return c.ok(out)
}

func getHostPort(c *call) error {
	hid, err := c.pathID("id")
	if err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	p, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
	if err != nil || toUUID(p.(*models.Port).HostId) != hid {
		return errorf(http.StatusNotFound, "Host interface port not found")
	}
	c.w.Header().Set("Content-Type", Vendor("HostInterfacePort-v1"))
	return c.ok(c.hostPort(hid, p.(*models.Port)))
}

func bindHostPort(c *call) error {
	hid, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	pid, err := bodyUUID(body, "portId")
	if err != nil {
		return err
	}
	iface, _ := decodeString(orEmpty(body["interfaceName"]))
	if iface == "" {
		return &Error{Status: 400, Message: "Validation error(s) found",
			Violations: []Violation{{Property: "interfaceName", Message: "may not be null"}}}
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		hgot, err := tx.Get(&models.Host{}, hid)
		if err != nil {
			return err
		}
		host := hgot.(*models.Host)
		pgot, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		if len(host.TunnelZoneIds) == 0 {
			return errorf(http.StatusConflict, "The specified host is not in any tunnel zone.")
		}
		port := proto.Clone(pgot).(*models.Port)
		if port.GetInterfaceName() != "" {
			return errorf(http.StatusConflict, "Port %s is already bound to an interface", pid)
		}
		for _, other := range toUUIDs(host.PortIds) {
			o, err := tx.Get(&models.Port{}, other)
			if err == nil && o.(*models.Port).GetInterfaceName() == iface {
				return errorf(http.StatusConflict, "Interface %s is already bound to a port.", iface)
			}
		}
		port.HostId = uuidPtr(hid)
		port.InterfaceName = proto.String(iface)
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("hosts", hid.String(), "ports", pid.String()))
}

func unbindHostPort(c *call) error {
	if _, err := c.pathID("id"); err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		port := proto.Clone(got).(*models.Port)
		if port.HostId == nil && port.InterfaceName == nil {
			return nil
		}
		port.PreviousHostId = port.HostId
		port.HostId, port.InterfaceName = nil, nil
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

// --- tunnel zone members ----------------------------------------------------

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
