package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/vxgw"
)

// VTEPs (sheet §4.13, §5.19, §6.13): /vteps is a table row; its bindings
// live inside the Vtep object and its ports on the switch itself, so both
// are explicit endpoints. Like the reference, the API talks to a VTEP's
// OVSDB server only to check a create (the physical switch must exist, its
// addresses must not be a host's), a binding's port name, and to list the
// physical ports: one short session each time, through vxgw's one-shot
// reader. Everything else (logical switches, bindings on the switch,
// connection state) is the vxgw controller's, which reports through the
// Vtep's state keys read here.

// vtepDialTimeout bounds one OVSDB session of the API (the reference used a
// one-shot connection with a 5 s interval and no retries).
const vtepDialTimeout = 5 * time.Second

func vtepsResource() *resource {
	return &resource{
		segment: "vteps", rootKey: "vteps", templateKey: "vtepTemplate",
		model:      &models.Vtep{},
		single:     single("VTEP-v2").withJSON(),
		collection: collection("VTEP-v2").withJSON(),
		ops:        opList | opGet | opCreate | opDelete,
		fields: []field{
			fID(),
			fReq(field{json: "managementIp", proto: "management_ip", kind: kIPv4Addr, invalidMessage: "is not a valid IP address"}),
			// A Java int: absent reads as 0, which @Min(1) refuses.
			{json: "managementPort", proto: "management_port", kind: kInt, def: 0, min: bound(1), max: bound(65535)},
			fUUID("tunnelZoneId", "tunnel_zone_id"),
		},
		links: []link{lSub("bindings", "/bindings"), lSub("ports", "/ports")},
		hooks: hooks{decode: decodeVtep, create: createVtep, encode: encodeVtep, remove: removeVtep},
	}
}

// vtepsFamily is the family of VTEPs, their bindings and their ports.
func vtepsFamily() family {
	return family{resources: []*resource{vtepsResource()}, endpoints: []endpoint{
		{method: "GET", path: "/vteps/{id}/bindings", produces: collection("VTEPBinding-v2").withJSON(), serve: listVtepBindings},
		{method: "POST", path: "/vteps/{id}/bindings", consumes: single("VTEPBinding-v2").withJSON(), serve: createVtepBinding},
		{method: "GET", path: "/vteps/{id}/bindings/{portName}/{vlanId}", produces: single("VTEPBinding-v2").withJSON(), serve: getVtepBinding},
		{method: "DELETE", path: "/vteps/{id}/bindings/{portName}/{vlanId}", serve: deleteVtepBinding},
		{method: "GET", path: "/vteps/{id}/ports", produces: collection("VTEPPort-v1"), serve: listVtepPorts},
		{method: "GET", path: "/vteps/{id}/ports/{name}", produces: single("VTEPPort-v1"), serve: getVtepPort},
		// Jersey's default media type (no @Produces in the reference).
		{method: "GET", path: "/bridges/{bid}/ports/{id}/vtep_bindings", serve: listVxlanPortBindings},
		{method: "GET", path: "/bridges/{bid}/ports/{id}/vtep_bindings/{portName}/{vlanId}", serve: listVxlanPortBindings},
	}}
}

// Messages of the reference (ValidationMessages.properties).
const (
	msgTunnelZoneIDInvalid = "Tunnel zone ID is not valid."
	msgTunnelZoneNotVtep   = "Tunnel zone is not of type VTEP."
)

// --- /vteps -----------------------------------------------------------------

// decodeVtep runs the reference's create checks in its order, after the
// bean constraints: tunnel zone (present, existing, of type vtep), unique
// management IP, a reachable switch, no address shared with a host.
func decodeVtep(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	if stored != nil || len(*viols) > 0 {
		return nil
	}
	vtep := msg.Interface().(*models.Vtep)
	if vtep.TunnelZoneId == nil {
		return errorf(http.StatusBadRequest, msgTunnelZoneIDInvalid)
	}
	if err := checkVtepTunnelZone(c.ctx(), c.h.store.Get, vtep.TunnelZoneId.ToGoogle()); err != nil {
		return err
	}
	mgmtIP := vtep.GetManagementIp().GetAddress()
	all, err := c.h.store.List(c.ctx(), &models.Vtep{})
	if err != nil {
		return err
	}
	if err := checkUniqueManagementIP(all, vtep); err != nil {
		return err
	}
	ps, err := c.readPhysicalSwitch(vtep)
	if errors.Is(err, vxgw.ErrNoPhysicalSwitch) {
		return &Error{Status: http.StatusServiceUnavailable, Err: err, Message: fmt.Sprintf(
			"Cannot connect to VTEP at %s:%d because the physical switch is not configured", mgmtIP, vtep.GetManagementPort())}
	}
	if err != nil {
		return err
	}
	vtepIPs := slices.Concat(ps.ManagementIPs, ps.TunnelIPs, []string{mgmtIP})
	hostIPs, err := c.hostAddresses()
	if err != nil {
		return err
	}
	for _, ip := range vtepIPs {
		if a, err := netip.ParseAddr(ip); err == nil && hostIPs[a] {
			return errorf(http.StatusConflict, "VTEP conflicts with an existing host with IP address %s.", ip)
		}
	}
	return nil
}

// checkVtepTunnelZone answers 400 unless id names a tunnel zone of type VTEP.
func checkVtepTunnelZone(ctx context.Context, get func(context.Context, proto.Message, uuid.UUID) (proto.Message, error), id uuid.UUID) error {
	tz, err := get(ctx, &models.TunnelZone{}, id)
	var nf *zoom.NotFoundError
	if errors.As(err, &nf) {
		return errorf(http.StatusBadRequest, msgTunnelZoneIDInvalid)
	}
	if err != nil {
		return err
	}
	if tz.(*models.TunnelZone).GetType() != models.TunnelZone_VTEP {
		return errorf(http.StatusBadRequest, msgTunnelZoneNotVtep)
	}
	return nil
}

// createVtep re-reads the tunnel zone inside the transaction, so that a
// zone deleted since the checks fails the commit instead of leaving a VTEP
// pointing nowhere.
func createVtep(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	vtep := msg.(*models.Vtep)
	txGet := func(_ context.Context, m proto.Message, id uuid.UUID) (proto.Message, error) { return tx.Get(m, id) }
	if err := checkVtepTunnelZone(c.ctx(), txGet, vtep.GetTunnelZoneId().ToGoogle()); err != nil {
		return err
	}
	// The management IP was checked before the switch was contacted; check
	// again against what the transaction sees, to narrow the window of two
	// concurrent creates (the store has no unique index to close it).
	if all, ok := tx.(interface {
		GetAll(proto.Message) ([]proto.Message, error)
	}); ok {
		others, err := all.GetAll(&models.Vtep{})
		if err != nil {
			return err
		}
		if err := checkUniqueManagementIP(others, vtep); err != nil {
			return err
		}
	}
	vtep.Bindings = nil
	return tx.Create(vtep)
}

func checkUniqueManagementIP(all []proto.Message, vtep *models.Vtep) error {
	mgmtIP := vtep.GetManagementIp().GetAddress()
	for _, o := range all {
		if o.(*models.Vtep).GetManagementIp().GetAddress() == mgmtIP {
			return errorf(http.StatusConflict, "A VTEP with IP address %s already exists.", mgmtIP)
		}
	}
	return nil
}

// removeVtep refuses (400, as the reference) while bindings remain.
func removeVtep(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Vtep{}, id)
	if err != nil {
		return err
	}
	vtep := got.(*models.Vtep)
	if len(vtep.Bindings) > 0 {
		return errorf(http.StatusBadRequest, "The VTEP with IP address %s cannot be deleted because it still has bindings. "+
			"To delete the VTEP, please delete its bindings and then resubmit this request.", vtep.GetManagementIp().GetAddress())
	}
	return tx.Delete(&models.Vtep{}, id, false)
}

// vtepConnectionStates maps the controller's connection_state values to the
// API's; an absent key is "disconnected" (no controller reported yet) and an
// unknown value "error", as the reference reads them.
var vtepConnectionStates = map[string]string{
	models.VtepConnectionState_VTEP_DISCONNECTED.String(): "disconnected",
	models.VtepConnectionState_VTEP_CONNECTED.String():    "connected",
	models.VtepConnectionState_VTEP_ERROR.String():        "error",
}

// encodeVtep adds what the controller reports through the state keys:
// name, description and tunnel IPs from the physical switch (`config`) and
// the OVSDB session's state (`connection_state`).
func encodeVtep(c *call, msg protoreflect.Message, out *object) error {
	id := idOf(msg.Interface())
	var cfg models.VtepConfiguration
	text, ok, err := c.stateKey(midonet.ClusterNamespace, &models.Vtep{}, id, midonet.VtepConfigKey)
	if err != nil {
		return err
	}
	if ok {
		if err := models.Unmarshal([]byte(text), &cfg); err != nil {
			c.h.log.WarnContext(c.ctx(), "undecodable VTEP configuration", "vtep", id, "error", err)
			cfg.Reset()
		}
	}
	state := "disconnected"
	text, ok, err = c.stateKey(midonet.ClusterNamespace, &models.Vtep{}, id, midonet.VtepConnStateKey)
	if err != nil {
		return err
	}
	if ok {
		state = "error"
		if s, known := vtepConnectionStates[text]; known {
			state = s
		}
	}
	tunnelIPs := []string{}
	for _, a := range cfg.TunnelAddresses {
		tunnelIPs = append(tunnelIPs, a.GetAddress())
	}
	out.set("name", cfg.GetName())
	out.set("description", cfg.GetDescription())
	out.set("connectionState", state)
	out.set("tunnelIpAddrs", tunnelIPs)
	// Sic: the reference's template lacks "/bindings".
	out.set("vtepBindingTemplate", c.uri("vteps", id.String())+"/{portName}/{vlanId}")
	return nil
}

// hostAddresses are the interface addresses the hosts' agents report.
func (c *call) hostAddresses() (map[netip.Addr]bool, error) {
	hosts, err := c.h.store.List(c.ctx(), &models.Host{})
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]bool{}
	for _, h := range hosts {
		ifaces, err := c.hostInterfaces(idOf(h))
		if err != nil {
			return nil, err
		}
		for _, i := range ifaces {
			for _, a := range interfaceAddresses(i) {
				if addr, err := netip.ParseAddr(a); err == nil {
					out[addr] = true
				}
			}
		}
	}
	return out, nil
}

// readPhysicalSwitch reads the VTEP's physical switch in one short OVSDB
// session; a VTEP that cannot be reached is 503 (the reference let the
// connection failure escape as a 500).
func (c *call) readPhysicalSwitch(vtep *models.Vtep) (vxgw.PhysicalSwitch, error) {
	ip, port := vtep.GetManagementIp().GetAddress(), vtep.GetManagementPort()
	ctx, cancel := context.WithTimeout(c.ctx(), vtepDialTimeout)
	defer cancel()
	endpoint := "tcp:" + net.JoinHostPort(ip, strconv.FormatUint(uint64(port), 10))
	ps, err := vxgw.ReadPhysicalSwitch(ctx, endpoint, ip, c.h.log)
	if err != nil && !errors.Is(err, vxgw.ErrNoPhysicalSwitch) {
		return ps, &Error{Status: http.StatusServiceUnavailable, Err: err,
			Message: fmt.Sprintf("The VTEP at %s:%d could not be accessed.", ip, port)}
	}
	return ps, err
}

// --- /vteps/{id}/bindings ---------------------------------------------------

// bindingFields decode a VtepBinding body into a Vtep.Binding.
var bindingFields = []field{
	fReq(fStr("portName", "port_name")),
	// A Java short: absent reads as 0 (untagged).
	{json: "vlanId", proto: "vlan_id", kind: kInt, def: 0, min: bound(0), max: bound(4095)},
	fReq(fUUID("networkId", "network_id")),
}

func (c *call) bindingObject(vtepID uuid.UUID, b *models.Vtep_Binding) object {
	return object{{"vtepId", vtepID.String()}, {"portName", b.GetPortName()}, {"vlanId", b.GetVlanId()},
		{"networkId", b.GetNetworkId().ToGoogle().String()},
		{"uri", c.uri("vteps", vtepID.String(), "bindings", b.GetPortName(), strconv.FormatUint(uint64(b.GetVlanId()), 10))}}
}

func (c *call) pathVtep() (uuid.UUID, *models.Vtep, error) {
	id, err := c.pathID("id")
	if err != nil {
		return id, nil, err
	}
	got, err := c.h.store.Get(c.ctx(), &models.Vtep{}, id)
	if err != nil {
		return id, nil, err
	}
	return id, got.(*models.Vtep), nil
}

// pathBinding parses {portName}/{vlanId}; a VLAN that is not a Java short
// is a 404, as Jersey's parameter conversion answers.
func (c *call) pathBinding() (string, uint32, bool, error) {
	vlan, err := strconv.ParseInt(c.r.PathValue("vlanId"), 10, 16)
	if err != nil {
		return "", 0, false, errorf(http.StatusNotFound, "Resource not found")
	}
	if vlan < 0 {
		return c.r.PathValue("portName"), 0, false, nil
	}
	return c.r.PathValue("portName"), uint32(vlan), true, nil
}

func listVtepBindings(c *call) error {
	id, vtep, err := c.pathVtep()
	if err != nil {
		return err
	}
	out := []object{}
	for _, b := range vtep.Bindings {
		out = append(out, c.bindingObject(id, b))
	}
	return c.ok(out)
}

func getVtepBinding(c *call) error {
	id, vtep, err := c.pathVtep()
	if err != nil {
		return err
	}
	portName, vlan, valid, err := c.pathBinding()
	if err != nil {
		return err
	}
	for _, b := range vtep.Bindings {
		if valid && b.GetPortName() == portName && b.GetVlanId() == vlan {
			return c.ok(c.bindingObject(id, b))
		}
	}
	return errorf(http.StatusNotFound, "The VTEP at %s does not have a binding to a Midonet network for VLAN %s at port %s.",
		vtep.GetManagementIp().GetAddress(), c.r.PathValue("vlanId"), portName)
}

// notFoundAs400 turns a missing object into the reference's 400 "There is
// no <Class> with ID <id>." (binding creation's loadOrBadRequest).
func notFoundAs400(err error, class string, id uuid.UUID) error {
	var nf *zoom.NotFoundError
	if errors.As(err, &nf) {
		return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("There is no %s with ID %s.", class, id), Err: err}
	}
	return err
}

// createVtepBinding adds a (port, VLAN) → network binding (§6.13). The
// first binding of a network on this VTEP also creates the network's VxLAN
// port for the VTEP (id = vxgw.VxLANPortID) and, the first time the network
// is ever bound, allocates its VNI, which it then keeps.
func createVtepBinding(c *call) error {
	vtepID, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	b := &models.Vtep_Binding{}
	var viols []Violation
	for _, f := range bindingFields {
		raw, present := body[f.json]
		if f.def != nil && (!present || isNull(raw)) {
			d, _ := json.Marshal(f.def)
			raw, present = d, true
		}
		if err := decodeField(f, raw, present, b.ProtoReflect(), &viols); err != nil {
			return err
		}
	}
	if len(viols) > 0 {
		return &Error{Status: http.StatusBadRequest, Message: "Validation error(s) found", Violations: viols}
	}
	networkID := b.GetNetworkId().ToGoogle()
	got, err := c.h.store.Get(c.ctx(), &models.Vtep{}, vtepID)
	if err != nil {
		return notFoundAs400(err, "Vtep", vtepID)
	}
	vtep := got.(*models.Vtep)
	if _, err := c.h.store.Get(c.ctx(), &models.Network{}, networkID); err != nil {
		return notFoundAs400(err, "Network", networkID)
	}
	ps, err := c.readPhysicalSwitch(vtep)
	mgmtIP, mgmtPort := vtep.GetManagementIp().GetAddress(), vtep.GetManagementPort()
	if errors.Is(err, vxgw.ErrNoPhysicalSwitch) {
		return &Error{Status: http.StatusServiceUnavailable, Err: err, Message: fmt.Sprintf(
			"Cannot add binding to VTEP %s:%d because the physical switch is not configured", mgmtIP, mgmtPort)}
	}
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ps.Ports, func(p vxgw.PhysicalPort) bool { return p.Name == b.GetPortName() }) {
		// The reference's message names the port number instead of the
		// port (a format with more arguments than verbs); ours says both.
		return errorf(http.StatusNotFound, "The VTEP %s:%d does not have a port named %s.", mgmtIP, mgmtPort, b.GetPortName())
	}

	// The VNI is drawn at most once, even if the transaction is re-run.
	var vni *uint32
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Vtep{}, vtepID)
		if err != nil {
			return notFoundAs400(err, "Vtep", vtepID)
		}
		vtep := proto.Clone(got).(*models.Vtep)
		for _, other := range vtep.Bindings {
			if other.GetPortName() == b.GetPortName() && other.GetVlanId() == b.GetVlanId() {
				return errorf(http.StatusConflict, "The VTEP at %s:%d already has a binding for port %s on vlan %d to network %s",
					mgmtIP, mgmtPort, b.GetPortName(), b.GetVlanId(), other.GetNetworkId().ToGoogle())
			}
		}
		got, err = tx.Get(&models.Network{}, networkID)
		if err != nil {
			return notFoundAs400(err, "Network", networkID)
		}
		network := proto.Clone(got).(*models.Network)
		vtep.Bindings = append(vtep.Bindings, proto.Clone(b).(*models.Vtep_Binding))
		if _, found, err := vxlanPortOn(tx, network, vtepID); err != nil || found {
			if err != nil {
				return err
			}
			return tx.Update(vtep)
		}
		if network.Vni == nil {
			if vni == nil {
				next, err := c.nextVNI()
				if err != nil {
					return err
				}
				vni = &next
			}
			network.Vni = proto.Uint32(*vni)
		}
		portID := vxgw.VxLANPortID(vtepID, networkID)
		network.VxlanPortIds = append(network.VxlanPortIds, models.UUIDFromGoogle(portID))
		if err := tx.Update(vtep); err != nil {
			return err
		}
		if err := tx.Update(network); err != nil {
			return err
		}
		return tx.Create(&models.Port{
			Id: models.UUIDFromGoogle(portID), NetworkId: models.UUIDFromGoogle(networkID), VtepId: models.UUIDFromGoogle(vtepID)})
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("vteps", vtepID.String(), "bindings", b.GetPortName(), strconv.FormatUint(uint64(b.GetVlanId()), 10)))
}

// vxlanPortOn finds the network's VxLAN port for a VTEP among its
// vxlan_port_ids.
func vxlanPortOn(tx Tx, network *models.Network, vtepID uuid.UUID) (uuid.UUID, bool, error) {
	for _, id := range network.VxlanPortIds {
		got, err := tx.Get(&models.Port{}, id.ToGoogle())
		var nf *zoom.NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return uuid.Nil, false, err
		}
		if got.(*models.Port).GetVtepId().ToGoogle() == vtepID {
			return id.ToGoogle(), true, nil
		}
	}
	return uuid.Nil, false, nil
}

// nextVNI draws a network VNI from the reference's shared counter
// (<root>/sequences/vxgw_tunnel_key, seeded 10000: the first VNI is 10001).
// Without Options.Sequences, the counter of the object store's own
// ZooKeeper root is used, so VNIs are never left unallocated.
func (c *call) nextVNI() (uint32, error) {
	seq := c.h.sequences
	if seq == nil {
		z, ok := c.h.store.(zoomStore)
		if !ok {
			return 0, errorf(http.StatusServiceUnavailable, "No VNI counter is configured")
		}
		seq = NewZoomSequences(z.st)
	}
	n, err := seq.Next(c.ctx(), VxgwVNI)
	if err != nil {
		return 0, fmt.Errorf("allocating a VNI: %w", err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("allocating a VNI: counter returned %d", n)
	}
	return uint32(n), nil
}

// deleteVtepBinding removes a binding (204 also when absent) and, with the
// last binding of its network on this VTEP, the network's VxLAN port for
// the VTEP. The network keeps its VNI.
func deleteVtepBinding(c *call) error {
	vtepID, err := c.pathID("id")
	if err != nil {
		return err
	}
	portName, vlan, valid, err := c.pathBinding()
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Vtep{}, vtepID)
		if err != nil {
			return err
		}
		vtep := proto.Clone(got).(*models.Vtep)
		i := slices.IndexFunc(vtep.Bindings, func(b *models.Vtep_Binding) bool {
			return valid && b.GetPortName() == portName && b.GetVlanId() == vlan
		})
		if i < 0 {
			return nil // idempotent
		}
		removed := vtep.Bindings[i]
		vtep.Bindings = slices.Delete(vtep.Bindings, i, i+1)
		networkID := removed.GetNetworkId().ToGoogle()
		stillBound := slices.ContainsFunc(vtep.Bindings, func(b *models.Vtep_Binding) bool {
			return b.GetNetworkId().ToGoogle() == networkID
		})
		if err := tx.Update(vtep); err != nil {
			return err
		}
		if stillBound {
			return nil
		}
		got, err = tx.Get(&models.Network{}, networkID)
		var nf *zoom.NotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		if err != nil {
			return err
		}
		network := proto.Clone(got).(*models.Network)
		portID, found, err := vxlanPortOn(tx, network, vtepID)
		if err != nil || !found {
			return err
		}
		network.VxlanPortIds = removeUUID(network.VxlanPortIds, portID)
		if err := tx.Update(network); err != nil {
			return err
		}
		return tx.Delete(&models.Port{}, portID, true)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

// listVxlanPortBindings lists the bindings behind a VxLAN port: those of
// its VTEP to its network (optionally one port/VLAN pair). As in the
// reference, the entries carry no vtepId and no uri, and the bridge in the
// path is not checked.
func listVxlanPortBindings(c *call) error {
	portID, err := c.pathID("id")
	if err != nil {
		return err
	}
	got, err := c.h.store.Get(c.ctx(), &models.Port{}, portID)
	if err != nil {
		return err
	}
	port := got.(*models.Port)
	if port.VtepId == nil {
		return errorf(http.StatusBadRequest, "Port %s is not a VXLAN port.", portID)
	}
	got, err = c.h.store.Get(c.ctx(), &models.Vtep{}, port.VtepId.ToGoogle())
	if err != nil {
		return err
	}
	filterName, filterVLAN := c.r.PathValue("portName"), int64(0)
	filtered := c.r.PathValue("vlanId") != ""
	if v := c.r.PathValue("vlanId"); filtered {
		if filterVLAN, err = strconv.ParseInt(v, 10, 32); err != nil {
			return errorf(http.StatusNotFound, "Resource not found")
		}
	}
	out := []object{}
	for _, b := range got.(*models.Vtep).Bindings {
		if b.GetNetworkId().ToGoogle() != port.GetNetworkId().ToGoogle() {
			continue
		}
		if filtered && (b.GetPortName() != filterName || int64(b.GetVlanId()) != filterVLAN) {
			continue
		}
		out = append(out, object{{"vtepId", nil}, {"portName", b.GetPortName()}, {"vlanId", b.GetVlanId()},
			{"networkId", b.GetNetworkId().ToGoogle().String()}, {"uri", nil}})
	}
	return c.ok(out)
}

// --- /vteps/{id}/ports ------------------------------------------------------

// vtepPortName is how a port name appears in its URI: Java's
// URLEncoder.encode (form encoding, spaces as "+").
func vtepPortName(name string) string { return url.QueryEscape(name) }

func (c *call) vtepPortObject(vtepID uuid.UUID, p vxgw.PhysicalPort) object {
	self := c.uri("vteps", vtepID.String(), "ports") + "/" + vtepPortName(p.Name)
	return object{{"name", p.Name}, {"description", p.Description}, {"uri", self}, {"vtep", c.uri("vteps", vtepID.String())}}
}

func (c *call) vtepPorts() (uuid.UUID, []vxgw.PhysicalPort, error) {
	id, vtep, err := c.pathVtep()
	if err != nil {
		return id, nil, err
	}
	ps, err := c.readPhysicalSwitch(vtep)
	if errors.Is(err, vxgw.ErrNoPhysicalSwitch) {
		return id, nil, nil // no switch, no ports
	}
	return id, ps.Ports, err
}

func listVtepPorts(c *call) error {
	id, ports, err := c.vtepPorts()
	if err != nil {
		return err
	}
	out := []object{}
	for _, p := range ports {
		out = append(out, c.vtepPortObject(id, p))
	}
	return c.ok(out)
}

// getVtepPort matches {name} against the form-encoded port names, as the
// reference does (the mux has already decoded the path once, so both the
// decoded and the encoded spelling are accepted).
func getVtepPort(c *call) error {
	id, ports, err := c.vtepPorts()
	if err != nil {
		return err
	}
	name := c.r.PathValue("name")
	for _, p := range ports {
		if vtepPortName(p.Name) == name || p.Name == name {
			return c.ok(c.vtepPortObject(id, p))
		}
	}
	return errorf(http.StatusNotFound, "The VTEP %s does not have a port named %s.", id, name)
}
