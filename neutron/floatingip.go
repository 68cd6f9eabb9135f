package neutron

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Floating IPs: an associated floating IP is NAT on its router — DNAT of
// the floating address to the fixed one at the head of the inbound chain,
// SNAT back in the floating-SNAT chains (exact: only out of the router
// port facing the floating network), skip-SNAT rules for that router port
// — and an ARP entry on the floating network answering the floating
// address with the MAC of the network port peered with that router port.
// Every rule carries the VM port as fip_port_id, so deleting the port
// deletes them. Disassociation and deletion remove the rules and the
// entry. An IPv6 floating IP is an entry of the floating network's FIP64
// table instead, mapping it to the IPv4 fixed address through the router's
// gateway port.

func floatingIPTranslator() *Translator {
	return typed(createFloatingIP, updateFloatingIP, deleteFloatingIP)
}

func createFloatingIP(v *View, fip *models.FloatingIp) ([]Op, error) {
	if fip.PortId == nil {
		return nil, nil
	}
	return associateFloatingIP(v, fip)
}

func deleteFloatingIP(v *View, fip *models.FloatingIp) ([]Op, error) {
	if fip.PortId == nil {
		return nil, nil
	}
	return disassociateFloatingIP(v, fip)
}

func updateFloatingIP(v *View, fip, old *models.FloatingIp) ([]Op, error) {
	switch {
	case old.PortId == nil && fip.PortId == nil:
		return nil, nil
	case old.PortId != nil && fip.PortId != nil && old.GetPortId().Equal(fip.GetPortId()) &&
		old.GetRouterId().Equal(fip.GetRouterId()):
		return nil, nil
	case fip.PortId == nil:
		return disassociateFloatingIP(v, old)
	case old.PortId == nil:
		return associateFloatingIP(v, fip)
	}
	if isIPv6FloatingIP(old) || isIPv6FloatingIP(fip) {
		ops, err := disassociateFloatingIP(v, old)
		if err != nil {
			return nil, err
		}
		more, err := associateFloatingIP(v, fip)
		if err != nil {
			return nil, err
		}
		return append(ops, more...), nil
	}
	// Moved to another port or router: the rules are made again, the ARP
	// entry moves with the router.
	addr, err := addrOf(fip.GetFloatingIpAddress())
	if err != nil {
		return nil, err
	}
	to, err := fipRouterPort(v, fip.GetRouterId().ToGoogle(), fip.GetFloatingNetworkId().ToGoogle(), addr)
	if err != nil {
		return nil, err
	}
	var ops []Op
	if !old.GetRouterId().Equal(fip.GetRouterId()) {
		from, err := fipRouterPort(v, old.GetRouterId().ToGoogle(), fip.GetFloatingNetworkId().ToGoogle(), addr)
		if err != nil {
			return nil, err
		}
		path, err := fipArpEntryPath(v, fip, from.nwPortID)
		if err != nil {
			return nil, err
		}
		ops = append(ops, DeleteNode(path))
		if path, err = fipArpEntryPath(v, fip, to.nwPortID); err != nil {
			return nil, err
		}
		ops = append(ops, CreateNode(path))
	}
	ops = append(ops, removeFipNatRules(old)...)
	return append(ops, fipNatRules(fip, to)...), nil
}

func isIPv6FloatingIP(fip *models.FloatingIp) bool {
	return fip.FloatingIpAddress != nil && fip.GetFloatingIpAddress().GetVersion() == models.IPVersion_V6
}

// fip64EntryPath is the floating network's FIP64 table entry of an IPv6
// floating IP translated to its IPv4 fixed address through the NAT64 pool
// on the router's gateway port.
func fip64EntryPath(v *View, fip *models.FloatingIp, gwPort uuid.UUID) (string, error) {
	if fip.FixedIpAddress == nil || fip.GetFixedIpAddress().GetVersion() != models.IPVersion_V4 {
		return "", badRequest("Only IPv4 fixed-addresses are supported")
	}
	if fip.RouterId == nil {
		return "", badRequest("Router ID must be provided")
	}
	fixed, err := addrOf(fip.GetFixedIpAddress())
	if err != nil {
		return "", err
	}
	floating, err := addrOf(fip.GetFloatingIpAddress())
	if err != nil {
		return "", err
	}
	f, err := models.IPAddressFromAddr(floating)
	if err != nil {
		return "", badRequest("%v", err)
	}
	pool := netip.MustParsePrefix(nat64Pool.CIDR()).Addr().As4()
	dir, err := v.TablePath(&models.NeutronNetwork{}, fip.GetFloatingNetworkId().ToGoogle(), midonet.Fip64Table)
	if err != nil {
		return "", err
	}
	// fixed;floating;pool as a Java int;pool length;port;router (Fip64Entry.encode).
	key := fmt.Sprintf("%s;%s;%d;%d;%s;%s", fixed, f.GetAddress(), int32(binary.BigEndian.Uint32(pool[:])),
		nat64Pool.GetPrefixLength(), gwPort, fip.GetRouterId().Canonical())
	return dir + "/" + zoom.TableEntry{Key: key, Value: "0", Version: zoom.PersistentVersion}.Name(), nil
}

// fip64Ops adds (or removes) the FIP64 entry of an IPv6 floating IP when
// its router has a gateway.
func fip64Ops(v *View, fip *models.FloatingIp, add bool) ([]Op, error) {
	nr, err := get[*models.NeutronRouter](v, fip.GetRouterId().ToGoogle())
	if err != nil || nr.GwPortId == nil {
		return nil, err
	}
	path, err := fip64EntryPath(v, fip, TenantGwPortID(nr.GwPortId.ToGoogle()))
	if err != nil {
		return nil, err
	}
	if add {
		return []Op{CreateNode(path)}, nil
	}
	return []Op{DeleteNode(path)}, nil
}

func associateFloatingIP(v *View, fip *models.FloatingIp) ([]Op, error) {
	port, err := get[*models.NeutronPort](v, fip.GetPortId().ToGoogle())
	if err != nil {
		return nil, err
	}
	if port.GetDeviceOwner() == models.NeutronPort_LOADBALANCER {
		vips, err := getAll[*models.NeutronVIP](v)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(vips, func(vip *models.NeutronVIP) bool { return vip.GetPortId().Equal(fip.GetPortId()) }) {
			return nil, badRequest("MidoNet native LBaaS v1 doesn't support floating-ip association")
		}
	}
	if isIPv6FloatingIP(fip) {
		return fip64Ops(v, fip, true)
	}
	r := fip.GetRouterId().ToGoogle()
	if err := checkOldRouterTranslation(v, r); err != nil {
		return nil, err
	}
	addr, err := addrOf(fip.GetFloatingIpAddress())
	if err != nil {
		return nil, err
	}
	pp, err := fipRouterPort(v, r, fip.GetFloatingNetworkId().ToGoogle(), addr)
	if err != nil {
		return nil, err
	}
	path, err := fipArpEntryPath(v, fip, pp.nwPortID)
	if err != nil {
		return nil, err
	}
	if _, err := get[*models.Chain](v, OutChainID(r)); err != nil {
		return nil, err
	}
	return append([]Op{CreateNode(path)}, fipNatRules(fip, pp)...), nil
}

func disassociateFloatingIP(v *View, fip *models.FloatingIp) ([]Op, error) {
	if isIPv6FloatingIP(fip) {
		return fip64Ops(v, fip, false)
	}
	addr, err := addrOf(fip.GetFloatingIpAddress())
	if err != nil {
		return nil, err
	}
	pp, err := fipRouterPort(v, fip.GetRouterId().ToGoogle(), fip.GetFloatingNetworkId().ToGoogle(), addr)
	if err != nil {
		return nil, err
	}
	path, err := fipArpEntryPath(v, fip, pp.nwPortID)
	if err != nil {
		return nil, err
	}
	return append([]Op{DeleteNode(path)}, removeFipNatRules(fip)...), nil
}

// fipPortPair is the router port of a floating IP's router facing the
// floating network, with its peer network port.
type fipPortPair struct {
	nwPortID, rtrPortID uuid.UUID
	isGwPort            bool
}

// fipRouterPort finds the router's port to the floating network whose
// subnet holds the floating address: the gateway port when it is on that
// network and one of the network's subnets holds it, otherwise the first
// router port whose peer Neutron port's first subnet does.
func fipRouterPort(v *View, r, floatingNet uuid.UUID, addr netip.Addr) (fipPortPair, error) {
	nr, err := get[*models.NeutronRouter](v, r)
	if err != nil {
		return fipPortPair{}, err
	}
	net, err := get[*models.Network](v, floatingNet)
	if err != nil {
		return fipPortPair{}, err
	}
	if nr.GwPortId != nil {
		nwGw := nr.GwPortId.ToGoogle()
		rGw, err := get[*models.Port](v, TenantGwPortID(nwGw))
		if err != nil {
			return fipPortPair{}, err
		}
		peer, err := get[*models.NeutronPort](v, rGw.GetPeerId().ToGoogle())
		if err != nil {
			return fipPortPair{}, err
		}
		if peer.GetNetworkId().Equal(uuidOf(floatingNet)) {
			dhcps, err := getMany[*models.Dhcp](v, net.GetDhcpIds())
			if err != nil {
				return fipPortPair{}, err
			}
			for _, d := range dhcps {
				if subnetContains(d.GetSubnetAddress(), addr) {
					return fipPortPair{nwPortID: nwGw, rtrPortID: idOf(rGw), isGwPort: true}, nil
				}
			}
		}
	}
	router, err := get[*models.Router](v, r)
	if err != nil {
		return fipPortPair{}, err
	}
	// (The reference removes the Neutron gateway port's id from the router's
	// port ids here, which never holds it: the gateway's router port is
	// scanned too, harmlessly.)
	all, err := getMany[*models.Port](v, slices.DeleteFunc(slices.Clone(router.GetPortIds()), func(p *models.UUID) bool {
		return p.Equal(nr.GetGwPortId())
	}))
	if err != nil {
		return fipPortPair{}, err
	}
	var rPorts []*models.Port
	var peerIDs []*models.UUID
	for _, p := range all {
		if p.PeerId != nil && len(p.GetPortSubnet()) > 0 {
			rPorts = append(rPorts, p)
			peerIDs = append(peerIDs, p.GetPeerId())
		}
	}
	peers, err := getMany[*models.NeutronPort](v, peerIDs)
	if err != nil {
		return fipPortPair{}, err
	}
	dhcps, err := getMany[*models.Dhcp](v, net.GetDhcpIds())
	if err != nil {
		return fipPortPair{}, err
	}
	for i, p := range rPorts {
		np := peers[i]
		if len(np.GetFixedIps()) == 0 {
			continue
		}
		sid := np.GetFixedIps()[0].GetSubnetId()
		if j := slices.IndexFunc(dhcps, func(d *models.Dhcp) bool { return d.GetId().Equal(sid) }); j >= 0 &&
			subnetContains(dhcps[j].GetSubnetAddress(), addr) {
			return fipPortPair{nwPortID: idOf(np), rtrPortID: idOf(p)}, nil
		}
	}
	return fipPortPair{}, conflict("Router %s has no port whose subnet contains %s", r, addr)
}

// fipArpEntryPath is the floating network's ARP entry answering the
// floating address with the MAC of the network port nwPort.
func fipArpEntryPath(v *View, fip *models.FloatingIp, nwPort uuid.UUID) (string, error) {
	port, err := get[*models.NeutronPort](v, nwPort)
	if err != nil {
		return "", err
	}
	return arpEntryPath(v, port.GetNetworkId(), fip.GetFloatingIpAddress(), port.GetMacAddress())
}

// fipNatRules creates the floating IP's NAT and skip-SNAT rules and puts
// them in the router's chains: DNAT first in the inbound chain, SNAT-exact
// first in its chain, SNAT first (gateway port) or last (interface port)
// in its chain, skip-SNAT return first and accept last.
func fipNatRules(fip *models.FloatingIp, pp fipPortPair) []Op {
	r := fip.GetRouterId().ToGoogle()
	f := idOf(fip)
	fixed := hostSubnet(fip.GetFixedIpAddress())
	snatCond := anyFrag()
	snatCond.NwSrcIp = fixed
	exactCond := anyFrag()
	exactCond.OutPortIds = uuidsOf(pp.rtrPortID)
	exactCond.NwSrcIp = proto.Clone(fixed).(*models.IPSubnet)
	dnatCond := anyFrag()
	dnatCond.NwDstIp = hostSubnet(fip.GetFloatingIpAddress())
	skipOut := anyFrag()
	skipOut.OutPortIds = uuidsOf(pp.rtrPortID)
	skipIn := anyFrag()
	skipIn.InPortIds = uuidsOf(pp.rtrPortID)
	nat := func(ruleID uuid.UUID, cond *models.Condition, to *models.IPAddress, dnat bool) *models.Rule {
		return &models.Rule{Id: uuidOf(ruleID), Type: models.Rule_NAT_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(),
			FipPortId: fip.GetPortId(), Condition: cond, RuleData: natTarget(to, dnat, 0, 0)}
	}
	literal := func(ruleID uuid.UUID, action models.Rule_Action, cond *models.Condition) *models.Rule {
		return &models.Rule{Id: uuidOf(ruleID), Type: models.Rule_LITERAL_RULE.Enum(), Action: action.Enum(),
			FipPortId: fip.GetPortId(), Condition: cond}
	}
	ops := []Op{
		Create(nat(FipSnatRuleID(f), snatCond, fip.GetFloatingIpAddress(), false)),
		Create(nat(FipSnatExactRuleID(f), exactCond, fip.GetFloatingIpAddress(), false)),
		Create(nat(FipDnatRuleID(f), dnatCond, fip.GetFixedIpAddress(), true)),
		Create(literal(FipSkipSnatOutRuleID(f), models.Rule_RETURN, skipOut)),
		Create(literal(FipSkipSnatInRuleID(f), models.Rule_ACCEPT, skipIn)),
		prependRules(InChainID(r), FipDnatRuleID(f)),
		prependRules(FloatSnatExactChainID(r), FipSnatExactRuleID(f)),
		prependRules(SkipSnatChainID(r), FipSkipSnatOutRuleID(f)),
		appendRules(SkipSnatChainID(r), FipSkipSnatInRuleID(f)),
	}
	if pp.isGwPort {
		return append(ops, prependRules(FloatSnatChainID(r), FipSnatRuleID(f)))
	}
	return append(ops, appendRules(FloatSnatChainID(r), FipSnatRuleID(f)))
}

// removeFipNatRules deletes the floating IP's rules (those that exist).
func removeFipNatRules(fip *models.FloatingIp) []Op {
	f := idOf(fip)
	var ops []Op
	for _, rule := range []uuid.UUID{FipSnatRuleID(f), FipSnatExactRuleID(f), FipDnatRuleID(f),
		FipReverseDnatRuleID(f), FipSkipSnatOutRuleID(f), FipSkipSnatInRuleID(f)} {
		ops = append(ops, Delete(&models.Rule{}, rule))
	}
	return ops
}
