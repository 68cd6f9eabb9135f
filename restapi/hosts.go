package restapi

import (
	"net/http"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// hostsFamily is the family of hosts, their interface-port bindings and interfaces.
func hostsFamily() family {
	return family{
		resources: []*resource{hostsResource()},
		endpoints: append(hostPorts().endpoints(),
			endpoint{method: "GET", path: "/hosts/{id}/interfaces", produces: collection("Interface-v1").withJSON(), serve: listHostInterfaces},
			endpoint{method: "GET", path: "/hosts/{id}/interfaces/{name}", produces: single("Interface-v1").withJSON(), serve: getHostInterface},
		),
	}
}

// hostInterfaces decodes the HostState the host's agent publishes.
func (c *call) hostInterfaces(hostID uuid.UUID) ([]*models.HostState_Interface, error) {
	text, ok, err := c.stateKey(hostID.String(), &models.Host{}, hostID, hostKey)
	if err != nil || !ok {
		return nil, err
	}
	var hs models.HostState
	if err := models.Unmarshal([]byte(text), &hs); err != nil {
		c.h.log.WarnContext(c.ctx(), "undecodable host state", "host", hostID, "err", err)
		return nil, nil
	}
	return hs.Interfaces, nil
}

var (
	interfaceTypes = map[models.HostState_Interface_Type]string{
		models.HostState_Interface_PHYSICAL: "Physical", models.HostState_Interface_VIRTUAL: "Virtual",
		models.HostState_Interface_TUNNEL: "Tunnel", models.HostState_Interface_UNKNOWN: "Unknown",
	}
	interfaceEndpoints = map[models.HostState_Interface_Endpoint]string{
		models.HostState_Interface_DATAPATH_EP: "DATAPATH", models.HostState_Interface_PHYSICAL_EP: "PHYSICAL",
		models.HostState_Interface_VM_EP: "VM", models.HostState_Interface_GRE_EP: "GRE",
		models.HostState_Interface_CAPWAP_EP: "CAPWAP", models.HostState_Interface_LOCALHOST_EP: "LOCALHOST",
		models.HostState_Interface_TUNTAP_EP: "TUNTAP", models.HostState_Interface_UNKNOWN_EP: "UNKNOWN",
	}
	interfacePortTypes = map[models.HostState_Interface_DpPortType]string{
		models.HostState_Interface_NET_DEV_DP: "NetDev", models.HostState_Interface_INTERNAL_DP: "Internal",
		models.HostState_Interface_GRE_DP: "Gre", models.HostState_Interface_VXLAN_DP: "VXLan",
		models.HostState_Interface_GRE64_DP: "Gre64", models.HostState_Interface_LISP_DP: "Lisp",
	}
)

func nullable[K comparable](m map[K]string, k K, set bool) any {
	if !set {
		return nil
	}
	if v, ok := m[k]; ok {
		return v
	}
	return nil
}

func interfaceAddresses(i *models.HostState_Interface) []string {
	out := []string{}
	for _, a := range i.Addresses {
		out = append(out, a.GetAddress())
	}
	return out
}

// interfaceObject is the reference's Interface: status bit 1 = up, 2 = has link.
func (c *call) interfaceObject(hostID uuid.UUID, i *models.HostState_Interface) object {
	status := 0
	if i.GetUp() {
		status |= 1
	}
	if i.GetHasLink() {
		status |= 2
	}
	var mac any
	if i.Mac != nil {
		mac = i.GetMac()
	}
	return object{{"hostId", hostID.String()}, {"name", i.GetName()}, {"mac", mac}, {"mtu", i.GetMtu()},
		{"type", nullable(interfaceTypes, i.GetType(), i.Type != nil)},
		{"endpoint", nullable(interfaceEndpoints, i.GetEndpoint(), i.Endpoint != nil)},
		{"portType", nullable(interfacePortTypes, i.GetPortType(), i.PortType != nil)},
		{"addresses", interfaceAddresses(i)}, {"status", status},
		{"uri", c.uri("hosts", hostID.String(), "interfaces", i.GetName())}}
}

func encodeHost(c *call, host *models.Host, out *object) error {
	hostID := toUUID(host.Id)
	_, alive, err := c.stateKey(hostID.String(), &models.Host{}, hostID, aliveKey)
	if err != nil {
		return err
	}
	ifaces, err := c.hostInterfaces(hostID)
	if err != nil {
		return err
	}
	addrs, objs := []string{}, []object{}
	for _, i := range ifaces {
		addrs = append(addrs, interfaceAddresses(i)...)
		objs = append(objs, c.interfaceObject(hostID, i))
	}
	out.set("addresses", addrs)
	out.set("hostInterfaces", objs)
	out.set("alive", alive)
	return nil
}

func listHostInterfaces(c *call) error {
	hid, err := c.pathID("id")
	if err != nil {
		return err
	}
	if _, err := c.h.store.Get(c.ctx(), &models.Host{}, hid); err != nil {
		return err
	}
	ifaces, err := c.hostInterfaces(hid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, i := range ifaces {
		out = append(out, c.interfaceObject(hid, i))
	}
	return c.ok(out)
}

func getHostInterface(c *call) error {
	hid, err := c.pathID("id")
	if err != nil {
		return err
	}
	ifaces, err := c.hostInterfaces(hid)
	if err != nil {
		return err
	}
	name := c.r.PathValue("name")
	if i := slices.IndexFunc(ifaces, func(i *models.HostState_Interface) bool { return i.GetName() == name }); i >= 0 {
		return c.ok(c.interfaceObject(hid, ifaces[i]))
	}
	return errorf(http.StatusNotFound, "Interface not found")
}

// hostSchedulingFields are the fields a host PUT must carry, with the
// reference's message when one is null.
var hostSchedulingFields = []struct{ json, message string }{
	{"floodingProxyWeight", "Flooding proxy weight must not be null."},
	{"containerWeight", "Container weight must not be null."},
	{"containerLimit", "Container limit must not be null."},
	{"enforceContainerLimit", "Enforce container limit must not be null."},
}

func decodeHost(c *call, b body, msg, stored *models.Host) ([]Violation, error) {
	if stored == nil {
		if raw, ok := b["id"]; !ok || isNull(raw) {
			return []Violation{{Property: "id", Message: "may not be null"}}, nil
		}
		return nil, nil
	}
	for _, f := range hostSchedulingFields {
		if raw, ok := b[f.json]; !ok || isNull(raw) {
			return nil, errorf(http.StatusBadRequest, "%s", f.message)
		}
	}
	return nil, nil
}

func removeHost(c *call, tx Tx, id uuid.UUID) error {
	host, err := getAs[*models.Host](tx, id)
	if err != nil {
		return err
	}
	if _, alive, err := c.stateKey(id.String(), &models.Host{}, id, aliveKey); err != nil {
		return err
	} else if alive {
		return errorf(http.StatusForbidden, "Cannot delete host %s because it is active.", id)
	}
	if n := len(host.PortIds); n > 0 {
		return errorf(http.StatusForbidden, "Cannot delete host %s because it has %d binding(s).", id, n)
	}
	// TunnelZone.hosts is a nested list the store cannot bind: clear it here.
	for _, tzID := range toUUIDs(host.TunnelZoneIds) {
		tz, err := getAs[*models.TunnelZone](tx, tzID)
		if err != nil {
			continue
		}
		tz.Hosts = slices.DeleteFunc(tz.Hosts, func(h *models.TunnelZone_HostToIp) bool { return toUUID(h.HostId) == id })
		if err := tx.Update(tz); err != nil {
			return err
		}
	}
	return tx.Delete(&models.Host{}, id, false)
}

// hostPorts are a host's interface-port bindings: ports whose host_id
// names it, with their interface name (the store keeps Host.port_ids). A
// binding to add is a port with only its id and interface name set.
func hostPorts() *membership[*models.Port, uuid.UUID] {
	return &membership[*models.Port, uuid.UUID]{
		collection: "/hosts/{id}/ports",
		member:     "/hosts/{id}/ports/{pid}",
		listTypes:  collection("HostInterfacePort-v1"),
		addTypes:   single("HostInterfacePort-v1").withJSON(),
		members: func(c *call, hid uuid.UUID) ([]*models.Port, error) {
			host, err := loadAs[*models.Host](c, hid)
			if err != nil {
				return nil, err
			}
			var out []*models.Port
			for _, pid := range toUUIDs(host.PortIds) {
				if p, err := loadAs[*models.Port](c, pid); err == nil {
					out = append(out, p)
				}
			}
			return out, nil
		},
		decode: func(b body) (*models.Port, error) {
			pid, err := bodyUUID(b, "portId")
			if err != nil {
				return nil, err
			}
			iface, _ := decodeString(orEmpty(b["interfaceName"]))
			if iface == "" {
				return nil, violation("interfaceName", "may not be null")
			}
			return &models.Port{Id: uuidPtr(pid), InterfaceName: proto.String(iface)}, nil
		},
		add: bindHostPort,
		key: func(c *call) (uuid.UUID, error) { return c.pathID("pid") },
		get: func(c *call, hid, pid uuid.UUID) (*models.Port, error) {
			p, err := loadAs[*models.Port](c, pid)
			if err != nil || toUUID(p.HostId) != hid {
				return nil, errorf(http.StatusNotFound, "Host interface port not found")
			}
			// No negotiation here (the reference declares no type), yet the
			// answer has the binding's type.
			c.w.Header().Set("Content-Type", Vendor("HostInterfacePort-v1"))
			return p, nil
		},
		remove: func(c *call, tx Tx, _, pid uuid.UUID) error {
			port, err := getAs[*models.Port](tx, pid)
			if err != nil {
				return err
			}
			if port.HostId == nil && port.InterfaceName == nil {
				return nil
			}
			port.PreviousHostId = port.HostId
			port.HostId, port.InterfaceName = nil, nil
			return tx.Update(port)
		},
		encode: (*call).hostPort,
		uri: func(c *call, hid uuid.UUID, p *models.Port) string {
			return c.uri("hosts", hid.String(), "ports", toUUID(p.Id).String())
		},
	}
}

// bindHostPort binds the port to an interface of the host.
func bindHostPort(c *call, tx Tx, hid uuid.UUID, binding *models.Port) error {
	pid, iface := toUUID(binding.Id), binding.GetInterfaceName()
	host, err := getAs[*models.Host](tx, hid)
	if err != nil {
		return err
	}
	port, err := getAs[*models.Port](tx, pid)
	if err != nil {
		return err
	}
	if len(host.TunnelZoneIds) == 0 {
		return errorf(http.StatusConflict, "The specified host is not in any tunnel zone.")
	}
	if port.GetInterfaceName() != "" {
		return errorf(http.StatusConflict, "Port %s is already bound to an interface", pid)
	}
	for _, other := range toUUIDs(host.PortIds) {
		o, err := getAs[*models.Port](tx, other)
		if err == nil && o.GetInterfaceName() == iface {
			return errorf(http.StatusConflict, "Interface %s is already bound to a port.", iface)
		}
	}
	port.HostId = uuidPtr(hid)
	port.InterfaceName = proto.String(iface)
	return tx.Update(port)
}

func (c *call) hostPort(hostID uuid.UUID, p *models.Port) object {
	pid := toUUID(p.Id).String()
	return object{{"hostId", hostID.String()}, {"portId", pid}, {"interfaceName", p.GetInterfaceName()},
		{"uri", c.uri("hosts", hostID.String(), "ports", pid)},
		{"host", c.uri("hosts", hostID.String())}, {"port", c.uri("ports", pid)}}
}

func hostsResource() *resource {
	return &resource{
		segment: "hosts", rootKey: "hosts", templateKey: "hostTemplate",
		model:          &models.Host{},
		single:         single("Host-v3").withJSON(),
		collection:     collection("Host-v3").withJSON(),
		ops:            opList | opGet | opCreate | opUpdate | opDelete,
		updateStatus:   200,
		deleteStatus:   200,
		getNegotiation: strict,
		fields: []field{
			fID(), {json: "name", proto: "name", kind: kString, mode: createOnly},
			fIntRange("floodingProxyWeight", "flooding_proxy_weight", 0, 65535),
			{json: "containerWeight", proto: "container_weight", kind: kInt, min: bound(0)},
			{json: "containerLimit", proto: "container_limit", kind: kInt, min: bound(-1)},
			fBool("enforceContainerLimit", "enforce_container_limit"),
		},
		links: []link{lSub("interfaces", "/interfaces"), lSub("ports", "/ports")},
		hooks: typed[*models.Host]{decode: decodeHost, encode: encodeHost, remove: removeHost}.hooks(),
	}
}
