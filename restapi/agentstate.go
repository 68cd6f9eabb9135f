package restapi

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// StateReader reads state keys that agents and cluster services write
// (liveness, host interfaces, port activity, BGP and container status,
// pool-member health). A Store that also implements it (NewZoomStore's
// does) makes the API report that state as the reference does; without
// it hosts read as not alive with no interfaces, ports as inactive, etc.
type StateReader interface {
	// StateKey reads a single-value state key of an object in namespace
	// (a host id for agent state; "" for the store's own namespace).
	StateKey(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) (value string, exists bool, err error)
	// StateValues reads a multi-value state key (nil when absent).
	StateValues(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) ([]string, error)
}

// State key names of the reference (MidonetBackend).
const (
	aliveKey  = "alive"
	hostKey   = "host"
	activeKey = "active"
	bgpKey    = "bgp"
	statusKey = "status"
	routesKey = "routes"
)

// stateKey reads a key; without a StateReader every key is absent.
func (c *call) stateKey(namespace string, model proto.Message, id uuid.UUID, key string) (string, bool, error) {
	sr, ok := c.h.store.(StateReader)
	if !ok {
		return "", false, nil
	}
	return sr.StateKey(c.ctx(), namespace, model, id, key)
}

// hostInterfaces decodes the HostState the host's agent publishes.
func (c *call) hostInterfaces(hostID uuid.UUID) ([]*models.HostState_Interface, error) {
	text, ok, err := c.stateKey(hostID.String(), &models.Host{}, hostID, hostKey)
	if err != nil || !ok {
		return nil, err
	}
	var hs models.HostState
	if err := models.Unmarshal([]byte(text), &hs); err != nil {
		c.h.log.WarnContext(c.ctx(), "undecodable host state", "host", hostID, "error", err)
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

func encodeHost(c *call, m protoreflect.Message, out *object) error {
	hostID := toUUID(m.Interface().(*models.Host).Id)
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

// portState sets "active" (the binding host's agent has the port up) and,
// for router ports, "bgpStatus".
func (c *call) portState(port *models.Port, out *object) error {
	out.set("active", false)
	if port.RouterId != nil {
		out.set("bgpStatus", nil)
	}
	if port.HostId == nil {
		return nil
	}
	ns, id := toUUID(port.HostId).String(), toUUID(port.Id)
	_, active, err := c.stateKey(ns, &models.Port{}, id, activeKey)
	if err != nil {
		return err
	}
	out.set("active", active)
	if port.RouterId != nil {
		if status, ok, err := c.stateKey(ns, &models.Port{}, id, bgpKey); err != nil {
			return err
		} else if ok {
			out.set("bgpStatus", status)
		}
	}
	return nil
}

// containerStatus: the host is the container port's; status comes from
// that host's agent, STOPPED when unbound or unreported.
func encodeServiceContainer(c *call, m protoreflect.Message, out *object) error {
	sc := m.Interface().(*models.ServiceContainer)
	out.set("statusCode", nil)
	out.set("statusMessage", nil)
	out.set("hostId", nil)
	out.set("namespaceName", nil)
	out.set("interfaceName", nil)
	if sc.PortId == nil {
		return nil
	}
	got, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(sc.PortId))
	if err != nil {
		return nil // the port went away meanwhile
	}
	port := got.(*models.Port)
	out.set("statusCode", "STOPPED")
	if port.HostId == nil {
		return nil
	}
	host := toUUID(port.HostId).String()
	out.set("hostId", host)
	text, ok, err := c.stateKey(host, &models.ServiceContainer{}, toUUID(sc.Id), statusKey)
	if err != nil || !ok {
		return err
	}
	var st models.ContainerStatus
	if err := models.Unmarshal([]byte(text), &st); err != nil {
		return nil
	}
	out.set("statusCode", st.GetStatusCode().String())
	out.set("statusMessage", st.GetStatusMessage())
	out.set("namespaceName", st.GetNamespaceName())
	out.set("interfaceName", st.GetInterfaceName())
	return nil
}

// encodePoolMember: a monitored member reports INACTIVE when down, else
// the health monitor's verdict (status key), NO_MONITOR without one.
func encodePoolMember(c *call, m protoreflect.Message, out *object) error {
	pm := m.Interface().(*models.PoolMember)
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

// learnedRoutes are the routes agents learned (BGP) on the router's ports,
// published in each port's "routes" key by the host running the port, or
// by the hosts of the router's service containers (the BGP daemon).
func (c *call) learnedRoutes(router *models.Router) ([]proto.Message, error) {
	if _, ok := c.h.store.(StateReader); !ok {
		return nil, nil
	}
	var ports []*models.Port
	var containerHosts []uuid.UUID
	for _, pid := range toUUIDs(router.PortIds) {
		got, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
		if err != nil {
			continue
		}
		p := got.(*models.Port)
		ports = append(ports, p)
		if p.ServiceContainerId != nil && p.HostId != nil {
			containerHosts = append(containerHosts, toUUID(p.HostId))
		}
	}
	var out []proto.Message
	for _, p := range ports {
		hosts := containerHosts
		if p.HostId != nil && !slices.Contains(containerHosts, toUUID(p.HostId)) {
			hosts = append([]uuid.UUID{toUUID(p.HostId)}, containerHosts...)
		}
		for _, host := range hosts {
			values, err := c.h.store.(StateReader).StateValues(c.ctx(), host.String(), &models.Port{}, toUUID(p.Id), routesKey)
			if err != nil {
				return nil, err
			}
			for _, v := range values {
				r, ok := decodeLearnedRoute(v, toUUID(p.Id))
				if !ok {
					continue
				}
				if c.learned == nil {
					c.learned = map[uuid.UUID]bool{}
				}
				c.learned[toUUID(r.Id)] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// decodeLearnedRoute reads the agents' hex route encoding: dst address,
// dst length, src address, src length, gateway, weight, router id, and
// (when it differs from the port holding the key) the next-hop port. The
// id is the reference's name-based UUID of the route's fields.
func decodeLearnedRoute(s string, port uuid.UUID) (*models.Route, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 34 {
		return nil, false
	}
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	dst, dstLen, src, srcLen := u32(0), b[4], u32(5), b[9]
	gw, weight := u32(10), int32(u32(14))
	var routerID uuid.UUID
	copy(routerID[:], b[18:34])
	nextHop := port
	if len(b) >= 50 {
		copy(nextHop[:], b[34:50])
	}
	if dstLen > 32 || srcLen > 32 {
		return nil, false
	}
	v4 := func(a uint32) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
	}
	dstSub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(v4(dst), int(dstLen)))
	srcSub, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(v4(src), int(srcLen)))
	gateway, _ := models.IPAddressFromAddr(v4(gw))

	var key [50]byte
	binary.BigEndian.PutUint32(key[0:], dst)
	binary.BigEndian.PutUint32(key[4:], src)
	binary.BigEndian.PutUint32(key[8:], gw)
	binary.BigEndian.PutUint32(key[12:], uint32(weight))
	key[16], key[17] = dstLen, srcLen
	copy(key[18:34], nextHop[:])
	copy(key[34:50], routerID[:])
	return &models.Route{
		Id:             uuidPtr(nameUUID(key[:])),
		DstSubnet:      dstSub,
		SrcSubnet:      srcSub,
		NextHop:        models.Route_PORT.Enum(),
		NextHopPortId:  uuidPtr(nextHop),
		NextHopGateway: gateway,
		Weight:         proto.Int32(weight),
		RouterId:       uuidPtr(routerID),
	}, true
}

// nameUUID is Java's UUID.nameUUIDFromBytes: an MD5 (version 3) UUID of
// the bytes, without a namespace.
func nameUUID(b []byte) uuid.UUID {
	h := md5.Sum(b)
	h[6] = h[6]&0x0f | 0x30
	h[8] = h[8]&0x3f | 0x80
	return uuid.UUID(h)
}
