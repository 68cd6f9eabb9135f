package restapi

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// This file holds the per-resource exceptions to the generic pipeline:
// behaviour of the reference that is not field mapping.

func hasAll(paths ...string) func(protoreflect.Message) bool {
	return func(m protoreflect.Message) bool {
		for _, p := range paths {
			if !hasField(m, p) {
				return false
			}
		}
		return true
	}
}

func uuidPtr(id uuid.UUID) *models.UUID { return models.UUIDFromGoogle(id) }

func toUUID(x *models.UUID) uuid.UUID {
	if x == nil {
		return uuid.Nil
	}
	return x.ToGoogle()
}

func toUUIDs(xs []*models.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.ToGoogle())
	}
	return out
}

func removeUUID(xs []*models.UUID, id uuid.UUID) []*models.UUID {
	return slices.DeleteFunc(slices.Clone(xs), func(x *models.UUID) bool { return x.ToGoogle() == id })
}

// --- bridges ----------------------------------------------------------------

const vxlanPortIDsMessage = "VXLAN port ID cannot be set directly. The VXLAN port is created or deleted in response to the creation or deletion of VTEP bindings."

func decodeBridge(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	raw, present := body["vxLanPortIds"]
	if !present || isNull(raw) {
		return nil
	}
	if stored == nil {
		return errorf(http.StatusBadRequest, vxlanPortIDsMessage)
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return badJSON("vxLanPortIds", err)
	}
	var want []string
	for _, id := range uuidList(stored, "vxlan_port_ids") {
		want = append(want, id.String())
	}
	if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
		return errorf(http.StatusBadRequest, vxlanPortIDsMessage)
	}
	return nil
}

func removeBridge(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Network{}, id)
	if err != nil {
		return err
	}
	if len(got.(*models.Network).GetVxlanPortIds()) > 0 {
		return errorf(http.StatusConflict, "The bridge %s still has VTEP bindings; remove them first.", id)
	}
	return tx.Delete(&models.Network{}, id, false)
}

// --- ports ------------------------------------------------------------------

func decodePort(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	port := msg.Interface().(*models.Port)
	typ, _ := decodeString(orEmpty(body["type"]))
	if !slices.Contains([]string{"Router", "ExteriorRouter", "InteriorRouter"}, typ) {
		return nil
	}
	// Legacy single-address input: portAddress + networkLength.
	if len(port.PortSubnet) == 0 && port.PortAddress != nil {
		length := int64(32)
		if raw, ok := body["networkLength"]; ok && !isNull(raw) {
			n, err := decodeInt(raw)
			if err != nil {
				return badJSON("networkLength", err)
			}
			if n < 0 || n > 32 {
				*viols = append(*viols, Violation{Property: "networkLength", Message: "must be less than or equal to 32"})
				return nil
			}
			length = n
		}
		addr, err := port.PortAddress.ToAddr()
		if err == nil {
			sub, err := models.IPSubnetFromPrefix(netip.PrefixFrom(addr, int(length)))
			if err == nil {
				port.PortSubnet = []*models.IPSubnet{sub}
			}
		}
	}
	// The agent reads port_address: keep it equal to the first IPv4 subnet.
	if port.PortAddress == nil {
		for _, s := range port.PortSubnet {
			if p, err := s.ToPrefix(); err == nil && p.Addr().Is4() {
				port.PortAddress, _ = models.IPAddressFromAddr(p.Addr())
				break
			}
		}
	}
	if port.PortMac == nil && stored == nil {
		var b [3]byte
		_, _ = rand.Read(b[:])
		mac := fmt.Sprintf("ac:ca:ba:%02x:%02x:%02x", b[0], b[1], b[2])
		port.PortMac = &mac
	}
	return nil
}

func encodePort(c *call, m protoreflect.Message, out *object) error {
	port := m.Interface().(*models.Port)
	id := toUUID(port.Id).String()
	switch {
	case port.NetworkId != nil:
		out.set("deviceId", toUUID(port.NetworkId).String())
		out.set("device", c.uri("bridges", toUUID(port.NetworkId).String()))
	case port.RouterId != nil:
		out.set("deviceId", toUUID(port.RouterId).String())
		out.set("device", c.uri("routers", toUUID(port.RouterId).String()))
	default:
		out.set("deviceId", nil)
		out.set("device", nil)
	}
	if port.HostId != nil {
		out.set("hostInterfacePort", c.uri("hosts", toUUID(port.HostId).String(), "ports", id))
	} else {
		out.set("hostInterfacePort", nil)
	}
	if err := c.portState(port, out); err != nil {
		return err
	}
	if port.RouterId == nil {
		return nil
	}
	var portAddr, netAddr, netLen any = nil, nil, 0
	for _, s := range port.PortSubnet {
		if p, err := s.ToPrefix(); err == nil && p.Addr().Is4() {
			portAddr, netAddr, netLen = p.Addr().String(), p.Masked().Addr().String(), p.Bits()
			break
		}
	}
	out.set("portAddress", portAddr)
	out.set("networkAddress", netAddr)
	out.set("networkLength", netLen)
	out.set("peeringTable", c.uri("routers", toUUID(port.RouterId).String(), "ports", id, "peering_table"))
	if port.ServiceContainerId != nil {
		out.set("serviceContainer", c.uri("service_containers", toUUID(port.ServiceContainerId).String()))
	} else {
		out.set("serviceContainer", nil)
	}
	return nil
}

// createPort creates the port and, for router ports, the LOCAL route to
// each of its IPv4 addresses (src 0.0.0.0/0, dst <ip>/32, weight 0).
func createPort(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	port := msg.(*models.Port)
	if c.h.sequences != nil && port.TunnelKey == nil {
		key, err := c.h.sequences.Next(c.ctx(), OverlayTunnelKey)
		if err != nil {
			return fmt.Errorf("Unable to generate new tunnel key: %w", err)
		}
		port.TunnelKey = proto.Uint64(uint64(key))
	}
	if err := tx.Create(port); err != nil {
		return err
	}
	if port.RouterId == nil {
		return nil
	}
	for _, s := range port.PortSubnet {
		p, err := s.ToPrefix()
		if err != nil || !p.Addr().Is4() {
			continue
		}
		if err := tx.Create(localRoute(port.Id, p.Addr())); err != nil {
			return err
		}
	}
	return nil
}

func localRoute(portID *models.UUID, addr netip.Addr) *models.Route {
	src, _ := models.IPSubnetFromPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	dst, _ := models.IPSubnetFromPrefix(netip.PrefixFrom(addr, 32))
	return &models.Route{
		Id:            models.NewUUID(),
		SrcSubnet:     src,
		DstSubnet:     dst,
		NextHop:       models.Route_LOCAL.Enum(),
		NextHopPortId: proto.Clone(portID).(*models.UUID),
		Weight:        proto.Int32(0),
	}
}

func removePort(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Port{}, id)
	if err != nil {
		return err
	}
	if got.(*models.Port).VtepId != nil {
		return errorf(http.StatusConflict, "Port %s is a VXLAN port and cannot be deleted. Please remove the bindings instead.", id)
	}
	return tx.Delete(&models.Port{}, id, false)
}

// --- routes -----------------------------------------------------------------

const routeNextHopMessage = "This type of route requires a next hop port that is a port on the same router."

func createRoute(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	route := msg.(*models.Route)
	if route.GetNextHop() == models.Route_PORT {
		if route.NextHopPortId == nil {
			return errorf(http.StatusBadRequest, routeNextHopMessage)
		}
		got, err := tx.Get(&models.Port{}, toUUID(route.NextHopPortId))
		if err != nil || !proto.Equal(got.(*models.Port).RouterId, route.RouterId) {
			return errorf(http.StatusBadRequest, routeNextHopMessage)
		}
	}
	return tx.Create(route)
}

func encodeRoute(c *call, m protoreflect.Message, out *object) error {
	route := m.Interface().(*models.Route)
	routerID := route.RouterId
	if routerID == nil && route.NextHopPortId != nil {
		if got, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(route.NextHopPortId)); err == nil {
			routerID = got.(*models.Port).RouterId
		}
	}
	if routerID != nil {
		out.set("routerId", toUUID(routerID).String())
		out.set("router", c.uri("routers", toUUID(routerID).String()))
	}
	out.set("learned", c.learned[toUUID(route.Id)])
	return nil
}

// listRouterRoutes merges the router's routes with those of its ports.
func listRouterRoutes(c *call, p parent, routerID uuid.UUID) ([]proto.Message, error) {
	got, err := c.h.store.Get(c.ctx(), &models.Router{}, routerID)
	if err != nil {
		return nil, err
	}
	router := got.(*models.Router)
	ids := toUUIDs(router.RouteIds)
	for _, pid := range toUUIDs(router.PortIds) {
		port, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
		if err != nil {
			continue // deleted meanwhile
		}
		ids = append(ids, toUUIDs(port.(*models.Port).RouteIds)...)
	}
	seen := map[uuid.UUID]bool{}
	var out []proto.Message
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		route, err := c.h.store.Get(c.ctx(), &models.Route{}, id)
		if err != nil {
			continue
		}
		out = append(out, route)
	}
	learned, err := c.learnedRoutes(router)
	if err != nil {
		return nil, err
	}
	return append(out, learned...), nil
}

// --- chains and rules -------------------------------------------------------

// removeChain deletes the chain, its rules (by the store's cascade) and the
// jump rules of other chains that target it, and unregisters its own jump
// rules from their targets (Chain.jump_rule_ids is not a store binding).
func removeChain(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Chain{}, id)
	if err != nil {
		return err
	}
	chain := got.(*models.Chain)
	for _, rid := range toUUIDs(chain.RuleIds) {
		if err := unregisterJump(tx, rid, id); err != nil {
			return err
		}
	}
	for _, rid := range toUUIDs(chain.JumpRuleIds) {
		if err := tx.Delete(&models.Rule{}, rid, true); err != nil {
			return err
		}
	}
	return tx.Delete(&models.Chain{}, id, false)
}

// unregisterJump removes rule rid from its jump target's list, unless the
// target is skip (being deleted anyway).
func unregisterJump(tx Tx, rid, skip uuid.UUID) error {
	got, err := tx.Get(&models.Rule{}, rid)
	if err != nil {
		return nil // already gone
	}
	target := toUUID(got.(*models.Rule).GetJumpRuleData().GetJumpChainId())
	if target == uuid.Nil || target == skip {
		return nil
	}
	tgot, err := tx.Get(&models.Chain{}, target)
	if err != nil {
		return nil
	}
	tchain := proto.Clone(tgot).(*models.Chain)
	tchain.JumpRuleIds = removeUUID(tchain.JumpRuleIds, rid)
	return tx.Update(tchain)
}

func rulePosition(body map[string]json.RawMessage) (int64, *Error) {
	raw, ok := body["position"]
	if !ok || isNull(raw) {
		return 1, nil
	}
	n, err := decodeInt(raw)
	if err != nil {
		return 0, badJSON("position", err)
	}
	if n == 0 {
		n = 1
	}
	return n, nil
}

func decodeRule(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	pos, perr := rulePosition(body)
	if perr != nil {
		return perr
	}
	if pos < 1 {
		*viols = append(*viols, Violation{Property: "position", Message: "must be greater than or equal to 1"})
	}
	rule := msg.Interface().(*models.Rule)
	if rule.Condition == nil {
		rule.Condition = &models.Condition{}
	}
	cond := rule.Condition
	l4 := cond.TpSrc != nil || cond.TpDst != nil
	nat := rule.GetNatRuleData()
	if cond.FragmentPolicy == nil {
		policy := models.Condition_ANY
		switch {
		case nat != nil && !nat.GetReverse():
			policy = models.Condition_UNFRAGMENTED
			if floatingIP(nat) && !l4 {
				policy = models.Condition_ANY
			}
		case l4:
			policy = models.Condition_HEADER
		}
		cond.FragmentPolicy = policy.Enum()
		return nil
	}
	fp := cond.GetFragmentPolicy()
	if l4 && (fp == models.Condition_ANY || fp == models.Condition_NONHEADER) {
		*viols = append(*viols, Violation{Property: "", Message: "For a rule with tpDst or tpSrc constraints, the fragmentPolicy must be 'header' or 'unfragmented'."})
	}
	if nat != nil && !nat.GetReverse() && fp != models.Condition_UNFRAGMENTED && !(floatingIP(nat) && !l4) {
		*viols = append(*viols, Violation{Property: "", Message: "For a NAT rule with port constraints or multiple targets, the fragmentPolicy must be 'unfragmented'."})
	}
	return nil
}

// floatingIP: a single target with one address and any port.
func floatingIP(nat *models.Rule_NatRuleData) bool {
	if len(nat.NatTargets) != 1 {
		return false
	}
	t := nat.NatTargets[0]
	return proto.Equal(t.NwStart, t.NwEnd) && t.GetTpStart() == 0 && t.GetTpEnd() == 0
}

// createRule creates the rule at its position in the chain (1 = head) and
// registers a jump rule with its target chain.
func createRule(c *call, tx Tx, msg proto.Message, body map[string]json.RawMessage) error {
	rule := msg.(*models.Rule)
	chainID := toUUID(rule.ChainId)
	got, err := tx.Get(&models.Chain{}, chainID)
	if err != nil {
		return err
	}
	pos, perr := rulePosition(body)
	if perr != nil {
		return perr
	}
	if n := len(got.(*models.Chain).RuleIds); pos > int64(n)+1 {
		return errorf(http.StatusBadRequest, "Position exceeds number of rules in chain")
	}
	if err := tx.Create(rule); err != nil {
		return err
	}
	// The store appended the rule to the chain; move it to its position.
	got, err = tx.Get(&models.Chain{}, chainID)
	if err != nil {
		return err
	}
	chain := proto.Clone(got).(*models.Chain)
	rid := toUUID(rule.Id)
	ids := removeUUID(chain.RuleIds, rid)
	chain.RuleIds = slices.Insert(ids, int(pos-1), uuidPtr(rid))
	if err := tx.Update(chain); err != nil {
		return err
	}
	if jd := rule.GetJumpRuleData(); jd != nil {
		tgot, err := tx.Get(&models.Chain{}, toUUID(jd.JumpChainId))
		if err != nil {
			return err
		}
		target := proto.Clone(tgot).(*models.Chain)
		target.JumpRuleIds = append(target.JumpRuleIds, uuidPtr(rid))
		return tx.Update(target)
	}
	return nil
}

func encodeRule(c *call, m protoreflect.Message, out *object) error {
	rule := m.Interface().(*models.Rule)
	out.set("meterName", nil)
	out.set("position", nil)
	if rule.ChainId == nil {
		return nil
	}
	got, err := c.h.store.Get(c.ctx(), &models.Chain{}, toUUID(rule.ChainId))
	if err != nil {
		return nil
	}
	for i, id := range got.(*models.Chain).RuleIds {
		if proto.Equal(id, rule.Id) {
			out.set("position", i+1)
		}
	}
	return nil
}

func removeRule(c *call, tx Tx, id uuid.UUID) error {
	if _, err := tx.Get(&models.Rule{}, id); err != nil {
		return err
	}
	if err := unregisterJump(tx, id, uuid.Nil); err != nil {
		return err
	}
	return tx.Delete(&models.Rule{}, id, false)
}

// --- IP address groups, hosts, tunnel zones ---------------------------------

func encodeIPAddrGroup(c *call, m protoreflect.Message, out *object) error {
	g := m.Interface().(*models.IPAddrGroup)
	ports := []object{}
	for _, ap := range g.IpAddrPorts {
		var ip any
		if ap.IpAddress != nil {
			ip = ap.IpAddress.GetAddress()
		}
		ids := []string{}
		for _, id := range ap.PortIds {
			ids = append(ids, id.Canonical())
		}
		ports = append(ports, object{{"ipAddress", ip}, {"portIds", ids}})
	}
	out.set("ipAddrPorts", ports)
	return nil
}

// hostSchedulingFields are the fields a host PUT must carry, with the
// reference's message when one is null.
var hostSchedulingFields = []struct{ json, message string }{
	{"floodingProxyWeight", "Flooding proxy weight must not be null."},
	{"containerWeight", "Container weight must not be null."},
	{"containerLimit", "Container limit must not be null."},
	{"enforceContainerLimit", "Enforce container limit must not be null."},
}

func decodeHost(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	if stored == nil {
		if raw, ok := body["id"]; !ok || isNull(raw) {
			*viols = append(*viols, Violation{Property: "id", Message: "may not be null"})
		}
		return nil
	}
	for _, f := range hostSchedulingFields {
		if raw, ok := body[f.json]; !ok || isNull(raw) {
			return errorf(http.StatusBadRequest, "%s", f.message)
		}
	}
	return nil
}

func removeHost(c *call, tx Tx, id uuid.UUID) error {
	got, err := tx.Get(&models.Host{}, id)
	if err != nil {
		return err
	}
	host := got.(*models.Host)
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
		tgot, err := tx.Get(&models.TunnelZone{}, tzID)
		if err != nil {
			continue
		}
		tz := proto.Clone(tgot).(*models.TunnelZone)
		tz.Hosts = slices.DeleteFunc(tz.Hosts, func(h *models.TunnelZone_HostToIp) bool { return toUUID(h.HostId) == id })
		if err := tx.Update(tz); err != nil {
			return err
		}
	}
	return tx.Delete(&models.Host{}, id, false)
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
