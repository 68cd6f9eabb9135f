package restapi

// VTEP bindings ((port, VLAN) → network, kept inside the Vtep object, with
// the network's VxLAN port for the VTEP) and the VTEP's physical ports (read
// from the switch): the explicit endpoints of the VTEP family (vtep.go).

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/vxgw"
)

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
	vtep, err := loadAs[*models.Vtep](c, id)
	return id, vtep, err
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
	if viols, err := decodeFields(bindingFields, body, b); err != nil {
		return err
	} else if len(viols) > 0 {
		return invalid(viols...)
	}
	networkID := b.GetNetworkId().ToGoogle()
	vtep, err := loadAs[*models.Vtep](c, vtepID)
	if err != nil {
		return notFoundAs400(err, "Vtep", vtepID)
	}
	if err := exists[*models.Network](c, networkID); err != nil {
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
		vtep, err := getAs[*models.Vtep](tx, vtepID)
		if err != nil {
			return notFoundAs400(err, "Vtep", vtepID)
		}
		for _, other := range vtep.Bindings {
			if other.GetPortName() == b.GetPortName() && other.GetVlanId() == b.GetVlanId() {
				return errorf(http.StatusConflict, "The VTEP at %s:%d already has a binding for port %s on vlan %d to network %s",
					mgmtIP, mgmtPort, b.GetPortName(), b.GetVlanId(), other.GetNetworkId().ToGoogle())
			}
		}
		network, err := getAs[*models.Network](tx, networkID)
		if err != nil {
			return notFoundAs400(err, "Network", networkID)
		}
		vtep.Bindings = append(vtep.Bindings, cloneOf(b))
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
		port, err := getAs[*models.Port](tx, id.ToGoogle())
		var nf *zoom.NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return uuid.Nil, false, err
		}
		if port.GetVtepId().ToGoogle() == vtepID {
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
	if c.h.vnis == nil {
		return 0, errorf(http.StatusServiceUnavailable, "No VNI counter is configured")
	}
	n, err := c.h.vnis.Next(c.ctx(), VxgwVNI)
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
		vtep, err := getAs[*models.Vtep](tx, vtepID)
		if err != nil {
			return err
		}
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
		network, err := getAs[*models.Network](tx, networkID)
		var nf *zoom.NotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		if err != nil {
			return err
		}
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
	port, err := loadAs[*models.Port](c, portID)
	if err != nil {
		return err
	}
	if port.VtepId == nil {
		return errorf(http.StatusBadRequest, "Port %s is not a VXLAN port.", portID)
	}
	vtep, err := loadAs[*models.Vtep](c, port.VtepId.ToGoogle())
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
	for _, b := range vtep.Bindings {
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
