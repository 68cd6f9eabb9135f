package neutron

import (
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// portChanged: the MidoNet port itself changes (admin state, owner,
// binding, QoS policy).
func portChanged(np, old *models.NeutronPort) bool {
	if np.GetAdminStateUp() != old.GetAdminStateUp() || np.GetDeviceOwner() != old.GetDeviceOwner() ||
		hasBinding(np) != hasBinding(old) || !proto.Equal(np.GetQosPolicyId(), old.GetQosPolicyId()) {
		return true
	}
	return hasBinding(np) && (np.GetHostId() != old.GetHostId() ||
		np.GetProfile().GetInterfaceName() != old.GetProfile().GetInterfaceName())
}

func updatePort(v *View, np, old *models.NeutronPort) ([]Op, error) {
	if err := validatePort(np); err != nil {
		return nil, err
	}
	id := np.GetId().ToGoogle()
	if ok, err := v.Exists(&models.Port{}, id); err != nil || !ok {
		return nil, err
	}
	if np.GetDeviceOwner() != old.GetDeviceOwner() {
		for _, o := range []models.NeutronPort_DeviceOwner{np.GetDeviceOwner(), old.GetDeviceOwner()} {
			if o != models.NeutronPort_COMPUTE && o != models.NeutronPort_ROUTER_INTERFACE {
				return nil, badRequest("device_owner update from %s to %s isn't supported",
					old.GetDeviceOwner(), np.GetDeviceOwner())
			}
		}
	}
	mp, err := get[*models.Port](v, id)
	if err != nil {
		return nil, err
	}
	var portOp []Op
	if portChanged(np, old) {
		mp.AdminStateUp = proto.Bool(np.GetAdminStateUp())
		if isTrustedPort(np) {
			mp.InboundFilterId, mp.OutboundFilterId = nil, nil
		} else {
			mp.InboundFilterId = models.UUIDFromGoogle(InChainID(id))
			mp.OutboundFilterId = models.UUIDFromGoogle(OutChainID(id))
		}
		clearBinding := np.GetDeviceOwner() != old.GetDeviceOwner()
		var host *models.UUID
		var iface *string
		if isRifPort(np) {
			clearBinding = true
			if hasBinding(np) {
				if host, err = hostIDByName(v, np.GetHostId()); err != nil {
					return nil, err
				}
				iface = proto.String(np.GetProfile().GetInterfaceName())
			}
		}
		admin, in, out, qos := mp.AdminStateUp, mp.InboundFilterId, mp.OutboundFilterId, np.GetQosPolicyId()
		portOp = []Op{Modify(id, func(p *models.Port) error {
			p.AdminStateUp, p.InboundFilterId, p.OutboundFilterId, p.QosPolicyId = admin, in, out, qos
			if clearBinding {
				p.HostId, p.InterfaceName = host, iface
			}
			return nil
		})}
	}
	var po portOps
	if err := securityBindings(v, np, old, mp, &po); err != nil {
		return nil, err
	}
	var fipOps []Op
	switch {
	case isVifPort(np):
		po.dhcp = append(dhcpHostOps(old, false), dhcpHostOps(np, true)...)
	case isVifPort(old):
		po.dhcp = dhcpHostOps(old, false)
		if fipOps, err = disassociateFloatingIPs(v, old); err != nil {
			return nil, err
		}
	}
	var tableOps []Op
	if hasMacAndArpEntries(np) || hasMacAndArpEntries(old) {
		if tableOps, err = macArpUpdateOps(v, old, np); err != nil {
			return nil, err
		}
	}
	ops := append(fipOps, tableOps...)
	ops = append(ops, po.all()...)
	ops = append(ops, portOp...)
	if isGwPort(np) && !fixedIPsEqual(np, old) {
		vpn, err := vpnGatewayIPOps(v, np, old)
		if err != nil {
			return nil, err
		}
		ops = append(ops, vpn...)
	}
	if isRifPort(np) && !fixedIPsEqual(np, old) && len(np.GetFixedIps()) > 0 {
		rif, err := rifFixedIPOps(v, np)
		if err != nil {
			return nil, err
		}
		ops = append(ops, rif...)
	}
	return ops, nil
}

func fixedIPsEqual(a, b *models.NeutronPort) bool {
	if len(a.GetFixedIps()) != len(b.GetFixedIps()) {
		return false
	}
	for i := range a.GetFixedIps() {
		if !proto.Equal(a.GetFixedIps()[i], b.GetFixedIps()[i]) {
			return false
		}
	}
	return true
}

// macArpUpdateOps moves the MAC entry when the MAC or the entry's
// existence changes, and the ARP entries of changed IPv4 fixed IPs.
func macArpUpdateOps(v *View, old, np *models.NeutronPort) ([]Op, error) {
	var ops []Op
	if hasMacAndArpEntries(np) != hasMacAndArpEntries(old) || np.GetMacAddress() != old.GetMacAddress() {
		if hasMacAndArpEntries(old) && old.MacAddress != nil {
			p, err := macEntryPath(v, old.GetNetworkId(), old.GetMacAddress(), old.GetId())
			if err != nil {
				return nil, err
			}
			ops = append(ops, DeleteNode(p))
		}
		if hasMacAndArpEntries(np) && np.MacAddress != nil {
			p, err := macEntryPath(v, np.GetNetworkId(), np.GetMacAddress(), np.GetId())
			if err != nil {
				return nil, err
			}
			ops = append(ops, CreateNode(p))
		}
	}
	v4 := func(p *models.NeutronPort) []*models.IPAddress {
		var out []*models.IPAddress
		for _, f := range p.GetFixedIps() {
			if f.GetIpAddress().GetVersion() == models.IPVersion_V4 {
				out = append(out, f.GetIpAddress())
			}
		}
		return out
	}
	oldIPs, newIPs := v4(old), v4(np)
	for _, ip := range diffIPs(oldIPs, newIPs) {
		p, err := arpEntryPath(v, old.GetNetworkId(), ip, old.GetMacAddress())
		if err != nil {
			return nil, err
		}
		ops = append(ops, DeleteNode(p))
	}
	for _, ip := range diffIPs(newIPs, oldIPs) {
		p, err := arpEntryPath(v, np.GetNetworkId(), ip, np.GetMacAddress())
		if err != nil {
			return nil, err
		}
		ops = append(ops, CreateNode(p))
	}
	return ops, nil
}

// rifFixedIPOps moves a router interface's router port, its routes and
// same-subnet SNAT rules to the port's new first fixed IP.
func rifFixedIPOps(v *View, np *models.NeutronPort) ([]Op, error) {
	f := np.GetFixedIps()[0]
	addr := f.GetIpAddress()
	a, err := addr.ToAddr()
	if err != nil {
		return nil, badRequest("Invalid fixed IP %s", addr.GetAddress())
	}
	rp := models.UUIDFromGoogle(RouterInterfacePeerID(np.GetId().ToGoogle()))
	ns, err := get[*models.NeutronSubnet](v, f.GetSubnetId().ToGoogle())
	if err != nil {
		return nil, err
	}
	local, err := localRoute(rp, addr)
	if err != nil {
		return nil, err
	}
	rifRoute := nextHopPortRoute(models.UUIDFromGoogle(RouterInterfaceRouteID(rp.ToGoogle(), a)), rp, nil, ns.GetCidr(), nil)
	ops := []Op{
		Modify(rp.ToGoogle(), func(p *models.Port) error { p.PortAddress = addr; return nil }),
		Update(rifRoute), Update(local),
	}
	uplink, err := portOnUplink(v, np)
	if err != nil {
		return nil, err
	}
	if !uplink {
		router, err := parseDeviceID(np)
		if err != nil {
			return nil, err
		}
		ops = append(ops,
			Modify(SameSubnetSnatRuleID(OutChainID(router), rp.ToGoogle()), func(r *models.Rule) error {
				if t := r.GetNatRuleData().GetNatTargets(); len(t) > 0 {
					t[0].NwStart, t[0].NwEnd = addr, addr
				}
				return nil
			}),
			Modify(SameSubnetSnatRuleID(InChainID(router), rp.ToGoogle()), func(r *models.Rule) error {
				if r.Condition == nil {
					r.Condition = &models.Condition{}
				}
				r.Condition.NwDstIp = hostSubnet(addr)
				return nil
			}))
	}
	return ops, nil
}
