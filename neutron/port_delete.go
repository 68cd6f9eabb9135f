package neutron

import (
	"slices"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

func deletePort(v *View, np *models.NeutronPort) ([]Op, error) {
	if isFipPort(np) {
		return nil, nil
	}
	id := np.GetId().ToGoogle()
	uplink, err := portOnUplinkIfExists(v, np)
	if err != nil {
		return nil, err
	}
	if uplink {
		if isRifPort(np) {
			return []Op{Delete(&models.Port{}, RouterInterfacePeerID(id))}, nil
		}
		return nil, nil
	}
	var ops []Op
	if hasMacAndArpEntries(np) {
		if ops, err = macArpOps(v, np, false); err != nil {
			return nil, err
		}
	}
	if isRemotePort(np) {
		return ops, nil
	}
	detach, err := detachPortMirrors(v, id)
	if err != nil {
		return nil, err
	}
	ops = append(ops, detach...)
	ops = append(ops, Delete(&models.Port{}, id))
	switch {
	case isGwPort(np):
		rPort := TenantGwPortID(id)
		snat, err := deleteRouterSnatRules(v, rPort)
		if err != nil {
			return nil, err
		}
		ops = append(ops, snat...)
		ops = append(ops, Delete(&models.Port{}, rPort))
	case isRifPort(np):
		router, err := parseDeviceID(np)
		if err != nil {
			return nil, err
		}
		r, err := get[*models.Router](v, router)
		if err != nil {
			return nil, err
		}
		peer := RouterInterfacePeerID(id)
		ops = append(ops,
			Delete(&models.Rule{}, SameSubnetSnatRuleID(r.GetInboundFilterId().ToGoogle(), peer)),
			Delete(&models.Rule{}, SameSubnetSnatRuleID(r.GetOutboundFilterId().ToGoogle(), peer)),
			Delete(&models.Port{}, peer))
		if bgp := models.UUIDFromGoogle(BgpNetworkID(id)); containsID(r.GetBgpNetworkIds(), bgp) {
			ops = append(ops, Delete(&models.BgpNetwork{}, bgp.ToGoogle()))
		}
	}
	var po portOps
	if !isTrustedPort(np) {
		po.chains = deleteSecurityChains(id)
		po.groups = removePortFromGroups(np)
	}
	switch {
	case isVifPort(np):
		po.dhcp = existingDhcpOps(v, np, dhcpHostOps(np, false))
		fips, err := disassociateFloatingIPs(v, np)
		if err != nil {
			return nil, err
		}
		ops = append(ops, fips...)
	case isDhcpPort(np):
		po.dhcp = existingDhcpOps(v, np, dhcpServerOps(np, false))
		meta, err := metadataRouteOps(v, np, false)
		if err != nil {
			return nil, err
		}
		ops = append(ops, meta...)
	case isVipV2Port(np):
		fips, err := disassociateFloatingIPs(v, np)
		if err != nil {
			return nil, err
		}
		ops = append(ops, fips...)
	}
	return append(ops, po.all()...), nil
}

// portOnUplinkIfExists: as portOnUplink, but a port whose network is gone
// is not on an uplink network.
func portOnUplinkIfExists(v *View, np *models.NeutronPort) (bool, error) {
	nn, ok, err := getIf[*models.NeutronNetwork](v, np.GetNetworkId().ToGoogle())
	if err != nil || !ok {
		return false, err
	}
	return isUplinkNetwork(nn), nil
}

// existingDhcpOps keeps the ops (one per fixed IP, in order) whose Dhcp
// still exists: a subnet deleted before its ports took its hosts along.
func existingDhcpOps(v *View, np *models.NeutronPort, ops []Op) []Op {
	var out []Op
	for i, f := range np.GetFixedIps() {
		if ok, err := v.Exists(&models.Dhcp{}, f.GetSubnetId().ToGoogle()); err == nil && ok && i < len(ops) {
			out = append(out, ops[i])
		}
	}
	return out
}

// removePortFromGroups removes the port from its fixed IPs' entries in its
// security groups' address groups (an emptied entry stays, as in the
// reference), each entry's change an edit of the group's stored list.
func removePortFromGroups(np *models.NeutronPort) []Op {
	var ops []Op
	port := np.GetId()
	var ips []*models.IPAddress
	for _, f := range np.GetFixedIps() {
		ips = append(ips, f.GetIpAddress())
	}
	for _, sg := range np.GetSecurityGroups() {
		ops = append(ops, EditElems[*models.IPAddrGroup](sg.ToGoogle(), "ip_addr_ports", true,
			func(entries []*models.IPAddrGroup_IPAddrPorts) ([]models.ListEdit, error) {
				var edits []models.ListEdit
				for _, e := range entries {
					if !slices.ContainsFunc(ips, func(ip *models.IPAddress) bool { return models.SameIPAddress(e.GetIpAddress(), ip) }) {
						continue
					}
					if ports := removeID(e.GetPortIds(), port); len(ports) != len(e.GetPortIds()) {
						edits = append(edits, models.ListEdit{Old: e, New: &models.IPAddrGroup_IPAddrPorts{IpAddress: e.GetIpAddress(), PortIds: ports}})
					}
				}
				return edits, nil
			}))
	}
	return ops
}

// deleteRouterSnatRules deletes a router's gateway SNAT rules, found
// through the tenant gateway port rPort.
func deleteRouterSnatRules(v *View, rPort uuid.UUID) ([]Op, error) {
	p, ok, err := getIf[*models.Port](v, rPort)
	if err != nil || !ok {
		return nil, err
	}
	r := p.GetRouterId().ToGoogle()
	if ok, err := v.Exists(&models.Rule{}, OutSnatRuleID(r)); err != nil || !ok {
		return nil, err
	}
	var ops []Op
	for _, id := range []uuid.UUID{OutSnatRuleID(r), InReverseSnatRuleID(r), SkipSnatOutGwPortRuleID(r),
		SkipSnatInGwPortRuleID(r), DstRewrittenSnatRuleID(r), InDropWrongPortTrafficRuleID(r),
		OutDropUnmatchedFragmentsRuleID(r)} {
		ops = append(ops, Delete(&models.Rule{}, id))
	}
	return ops, nil
}

// disassociateFloatingIPs clears the floating IPs of a deleted (or no
// longer compute) port: their ARP entry on the floating network goes, and
// they lose their fixed IP and router.
func disassociateFloatingIPs(v *View, np *models.NeutronPort) ([]Op, error) {
	var ops []Op
	for _, fid := range np.GetFloatingIpIds() {
		fip, ok, err := getIf[*models.FloatingIp](v, fid.ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if fip.RouterId != nil {
			gw, err := floatingNetworkPeer(v, fip)
			if err != nil {
				return nil, err
			}
			if gw != nil && fip.GetFloatingIpAddress().GetVersion() == models.IPVersion_V4 {
				p, err := arpEntryPath(v, gw.GetNetworkId(), fip.GetFloatingIpAddress(), gw.GetMacAddress())
				if err != nil {
					return nil, err
				}
				ops = append(ops, DeleteNode(p))
			}
		}
		ops = append(ops, Modify(fid.ToGoogle(), func(f *models.FloatingIp) error {
			f.FixedIpAddress, f.RouterId = nil, nil
			return nil
		}))
	}
	return ops, nil
}

// floatingNetworkPeer is the Neutron port on the floating IP's network
// peered with one of its router's ports (the gateway port, normally).
func floatingNetworkPeer(v *View, fip *models.FloatingIp) (*models.NeutronPort, error) {
	router, ok, err := getIf[*models.Router](v, fip.GetRouterId().ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	for _, pid := range router.GetPortIds() {
		p, ok, err := getIf[*models.Port](v, pid.ToGoogle())
		if err != nil {
			return nil, err
		}
		if !ok || p.PeerId == nil {
			continue
		}
		np, ok, err := getIf[*models.NeutronPort](v, p.GetPeerId().ToGoogle())
		if err != nil {
			return nil, err
		}
		if ok && np.GetNetworkId().Equal(fip.GetFloatingNetworkId()) {
			return np, nil
		}
	}
	return nil, nil
}

// parseDeviceID reads a router port's device_id, its router's id.
func parseDeviceID(np *models.NeutronPort) (uuid.UUID, error) {
	id, err := uuid.Parse(np.GetDeviceId())
	if err != nil {
		return uuid.Nil, badRequest("Invalid device_id %q of router port %s", np.GetDeviceId(), np.GetId().Canonical())
	}
	return id, nil
}
