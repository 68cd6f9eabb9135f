package restapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

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
		hooks: typed[*models.Vtep]{validate: validateVtep, create: createVtep, encode: encodeVtep, remove: removeVtep}.hooks(),
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

// validateVtep runs the reference's create checks in its order, after the
// bean constraints: tunnel zone (present, existing, of type vtep), unique
// management IP, a reachable switch, no address shared with a host.
func validateVtep(c *call, b body, vtep, stored *models.Vtep) error {
	if stored != nil {
		return nil
	}
	if vtep.TunnelZoneId == nil {
		return errorf(http.StatusBadRequest, msgTunnelZoneIDInvalid)
	}
	if err := checkVtepTunnelZone(vtep.TunnelZoneId.ToGoogle(), func(id uuid.UUID) (*models.TunnelZone, error) {
		return loadAs[*models.TunnelZone](c, id)
	}); err != nil {
		return err
	}
	mgmtIP := vtep.GetManagementIp().GetAddress()
	all, err := listAs[*models.Vtep](c)
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
func checkVtepTunnelZone(id uuid.UUID, get func(uuid.UUID) (*models.TunnelZone, error)) error {
	tz, err := get(id)
	var nf *zoom.NotFoundError
	if errors.As(err, &nf) {
		return errorf(http.StatusBadRequest, msgTunnelZoneIDInvalid)
	}
	if err != nil {
		return err
	}
	if tz.GetType() != models.TunnelZone_VTEP {
		return errorf(http.StatusBadRequest, msgTunnelZoneNotVtep)
	}
	return nil
}

// createVtep re-reads the tunnel zone inside the transaction, so that a
// zone deleted since the checks fails the commit instead of leaving a VTEP
// pointing nowhere.
func createVtep(c *call, tx Tx, vtep *models.Vtep, b body) error {
	if err := checkVtepTunnelZone(vtep.GetTunnelZoneId().ToGoogle(), func(id uuid.UUID) (*models.TunnelZone, error) {
		return getAs[*models.TunnelZone](tx, id)
	}); err != nil {
		return err
	}
	// The management IP was checked before the switch was contacted; check
	// again against what the transaction sees, with the class guarded so
	// that of two concurrent creates of one IP the second conflicts at its
	// commit and, re-run, finds the first (the reference could create both).
	if err := tx.GuardClass(&models.Vtep{}); err != nil {
		return err
	}
	others, err := allAs[*models.Vtep](tx)
	if err != nil {
		return err
	}
	if err := checkUniqueManagementIP(others, vtep); err != nil {
		return err
	}
	vtep.Bindings = nil
	return tx.Create(vtep)
}

func checkUniqueManagementIP(all []*models.Vtep, vtep *models.Vtep) error {
	mgmtIP := vtep.GetManagementIp().GetAddress()
	for _, o := range all {
		if o.GetManagementIp().GetAddress() == mgmtIP {
			return errorf(http.StatusConflict, "A VTEP with IP address %s already exists.", mgmtIP)
		}
	}
	return nil
}

// removeVtep refuses (400, as the reference) while bindings remain.
func removeVtep(c *call, tx Tx, id uuid.UUID) error {
	vtep, err := getAs[*models.Vtep](tx, id)
	if err != nil {
		return err
	}
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
func encodeVtep(c *call, vtep *models.Vtep, out *object) error {
	id := toUUID(vtep.Id)
	var cfg models.VtepConfiguration
	text, ok, err := c.stateKey(midonet.ClusterNamespace, &models.Vtep{}, id, midonet.VtepConfigKey)
	if err != nil {
		return err
	}
	if ok {
		if err := models.Unmarshal([]byte(text), &cfg); err != nil {
			c.h.log.WarnContext(c.ctx(), "undecodable VTEP configuration", "vtep", id, "err", err)
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
	hosts, err := listAs[*models.Host](c)
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]bool{}
	for _, h := range hosts {
		ifaces, err := c.hostInterfaces(toUUID(h.Id))
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
