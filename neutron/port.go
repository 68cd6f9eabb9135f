package neutron

import (
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
)

// Ports: every Neutron port but floating-IP ports and ports on uplink
// networks is a MidoNet network port with the same id. Around it the
// translation keeps: MAC and ARP table entries (compute, router, remote
// site and LB v2 VIP ports), the security chains of untrusted ports
// (inbound, outbound, anti-spoofing) and their security groups' IP address
// groups, DHCP hosts (compute ports), the DHCP server address and metadata
// routes (DHCP ports), and on delete the router side of router ports.

func portTranslator() *Translator {
	t := typed(createPort, updatePort, deletePort)
	// A PUT carries neither the floating IPs nor the gateway router, which
	// bindings maintain.
	t.Keep = func(nm, old proto.Message) {
		n, o := nm.(*models.NeutronPort), old.(*models.NeutronPort)
		n.FloatingIpIds = o.GetFloatingIpIds()
		n.GwRouterId = o.GetGwRouterId()
	}
	return t
}

func isVifPort(p *models.NeutronPort) bool  { return p.GetDeviceOwner() == models.NeutronPort_COMPUTE }
func isDhcpPort(p *models.NeutronPort) bool { return p.GetDeviceOwner() == models.NeutronPort_DHCP }
func isFipPort(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_FLOATINGIP
}
func isRifPort(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_ROUTER_INTERFACE
}
func isGwPort(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_ROUTER_GATEWAY
}
func isVipPort(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_LOADBALANCER
}
func isVipV2Port(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_LOADBALANCERV2
}
func isRemotePort(p *models.NeutronPort) bool {
	return p.GetDeviceOwner() == models.NeutronPort_REMOTE_SITE
}

// isTrustedPort: ports without security chains (all but compute and VIPs).
func isTrustedPort(p *models.NeutronPort) bool {
	return !(isVifPort(p) || isVipPort(p) || isVipV2Port(p))
}

func isIPv6Port(p *models.NeutronPort) bool {
	return len(p.GetFixedIps()) > 0 && p.GetFixedIps()[0].GetIpAddress().GetVersion() == models.IPVersion_V6
}

func hasMacAndArpEntries(p *models.NeutronPort) bool {
	return !isIPv6Port(p) && (isVifPort(p) || isRifPort(p) || isGwPort(p) || isRemotePort(p) || isVipV2Port(p))
}

func hasBinding(p *models.NeutronPort) bool {
	return p.HostId != nil && p.Profile != nil && p.Profile.InterfaceName != nil
}

func portOnUplink(v *View, p *models.NeutronPort) (bool, error) {
	nn, err := get[*models.NeutronNetwork](v, p.GetNetworkId().ToGoogle())
	if err != nil {
		return false, err
	}
	return isUplinkNetwork(nn), nil
}

// hostIDByName resolves binding:host_id, a host name, to the host's id.
func hostIDByName(v *View, name string) (*models.UUID, error) {
	hosts, err := getAll[*models.Host](v)
	if err != nil {
		return nil, err
	}
	var found *models.UUID
	for _, h := range hosts {
		if h.GetName() == name {
			if found != nil {
				return nil, conflict("There is more than one host named %s", name)
			}
			found = h.GetId()
		}
	}
	if found == nil {
		return nil, notFound("Host", name)
	}
	return found, nil
}

// macArpOps creates (add) or deletes the MAC entry and the IPv4 ARP
// entries of a port.
func macArpOps(v *View, p *models.NeutronPort, add bool) ([]Op, error) {
	portID := p.GetId()
	if isRemotePort(p) {
		portID = models.UUIDFromGoogle(L2gwNetworkPortID(p.GetNetworkId().ToGoogle()))
	}
	var paths []string
	mp, err := macEntryPath(v, p.GetNetworkId(), p.GetMacAddress(), portID)
	if err != nil {
		return nil, err
	}
	paths = append(paths, mp)
	for _, f := range p.GetFixedIps() {
		if f.GetIpAddress().GetVersion() != models.IPVersion_V4 {
			continue
		}
		ap, err := arpEntryPath(v, p.GetNetworkId(), f.GetIpAddress(), p.GetMacAddress())
		if err != nil {
			return nil, err
		}
		paths = append(paths, ap)
	}
	ops := make([]Op, 0, len(paths))
	for _, path := range paths {
		if add {
			ops = append(ops, CreateNode(path))
		} else {
			ops = append(ops, DeleteNode(path))
		}
	}
	return ops, nil
}

// portOps collects a port translation's ops by kind, applied in the
// reference's order (DHCP, chains, inbound, outbound and anti-spoof rules,
// address groups).
type portOps struct {
	dhcp, chains, in, out, antiSpoof, groups []Op
}

func (p *portOps) all() []Op {
	var ops []Op
	for _, l := range [][]Op{p.dhcp, p.chains, p.in, p.out, p.antiSpoof, p.groups} {
		ops = append(ops, l...)
	}
	return ops
}

func createPort(v *View, np *models.NeutronPort) ([]Op, error) {
	if err := validatePort(np); err != nil {
		return nil, err
	}
	if isFipPort(np) {
		return nil, nil
	}
	if uplink, err := portOnUplink(v, np); err != nil || uplink {
		return nil, err
	}
	var ops []Op
	if hasMacAndArpEntries(np) {
		mac, err := macArpOps(v, np, true)
		if err != nil {
			return nil, err
		}
		ops = append(ops, mac...)
	}
	if isRemotePort(np) {
		return ops, nil
	}
	id := np.GetId().ToGoogle()
	port := &models.Port{Id: np.GetId(), NetworkId: np.GetNetworkId(), AdminStateUp: proto.Bool(np.GetAdminStateUp()),
		QosPolicyId: np.GetQosPolicyId()}
	if hasBinding(np) {
		host, err := hostIDByName(v, np.GetHostId())
		if err != nil {
			return nil, err
		}
		port.HostId, port.InterfaceName = host, proto.String(np.GetProfile().GetInterfaceName())
	}
	key, err := v.NextTunnelKey()
	if err != nil {
		return nil, err
	}
	if key != 0 {
		port.TunnelKey = proto.Uint64(uint64(key))
	}
	if !isTrustedPort(np) {
		port.InboundFilterId = models.UUIDFromGoogle(InChainID(id))
		port.OutboundFilterId = models.UUIDFromGoogle(OutChainID(id))
	}
	var po portOps
	if err := securityBindings(v, np, nil, port, &po); err != nil {
		return nil, err
	}
	switch {
	case isVifPort(np):
		po.dhcp = dhcpHostOps(np, true)
	case isDhcpPort(np):
		po.dhcp = dhcpServerOps(np, true)
		meta, err := metadataRouteOps(v, np, true)
		if err != nil {
			return nil, err
		}
		po.dhcp = append(po.dhcp, meta...)
	}
	ops = append(ops, po.all()...)
	return append(ops, Create(port)), nil
}

// securityBindings makes the security chains, their rules and the
// address-group entries of port np (old: its previous version on update),
// whose MidoNet port is mp.
func securityBindings(v *View, np, old *models.NeutronPort, mp *models.Port, po *portOps) error {
	id := np.GetId().ToGoogle()
	inChain, outChain := mp.GetInboundFilterId().ToGoogle(), mp.GetOutboundFilterId().ToGoogle()
	spoofChain := AntiSpoofChainID(id)
	switch {
	case old != nil && !isTrustedPort(old) && isTrustedPort(np):
		po.chains = append(po.chains, deleteSecurityChains(id)...)
	case old != nil && !isTrustedPort(old):
		for _, c := range []struct {
			chain uuid.UUID
			into  *[]Op
		}{{inChain, &po.in}, {outChain, &po.out}, {spoofChain, &po.antiSpoof}} {
			dels, err := deleteChainRules(v, c.chain)
			if err != nil {
				return err
			}
			*c.into = append(*c.into, dels...)
		}
	case !isTrustedPort(np):
		po.chains = append(po.chains, creates(
			newChain(inChain, "OS_PORT_"+id.String()+"_INBOUND"),
			newChain(outChain, "OS_PORT_"+id.String()+"_OUTBOUND"),
			newChain(spoofChain, "OS_PORT_"+id.String()+"_ANTI_SPOOF", AntiSpoofJumpRuleID(id)))...)
	}
	po.groups = append(po.groups, sgAddressOps(np, old)...)
	if isTrustedPort(np) || !np.GetPortSecurityEnabled() {
		return nil
	}
	// Anti-spoofing: DHCP requests, then each own address (fixed IPs and
	// allowed pairs) by ARP and by IP+MAC, then drop everything else.
	po.in = append(po.in, Create(jumpRuleWithID(AntiSpoofJumpRuleID(id), inChain, spoofChain)))
	dhcp := anyFrag()
	dhcp.TpDst = &models.Int32Range{Start: proto.Int32(67), End: proto.Int32(67)}
	dhcp.TpSrc = &models.Int32Range{Start: proto.Int32(68), End: proto.Int32(68)}
	po.antiSpoof = append(po.antiSpoof, Create(literalRule(spoofChain, models.Rule_RETURN, dhcp)))
	pair := func(ip *models.IPSubnet, mac string) {
		arp := anyFrag()
		arp.DlType, arp.NwSrcIp = proto.Int32(etherTypeARP), ip
		ipMac := anyFrag()
		ipMac.NwSrcIp, ipMac.DlSrc = ip, proto.String(mac)
		po.antiSpoof = append(po.antiSpoof, Create(literalRule(spoofChain, models.Rule_RETURN, arp)),
			Create(literalRule(spoofChain, models.Rule_RETURN, ipMac)))
	}
	for _, f := range np.GetFixedIps() {
		pair(hostSubnet(f.GetIpAddress()), np.GetMacAddress())
	}
	for _, a := range np.GetAllowedAddressPairs() {
		pair(a.GetIpAddress(), a.GetMacAddress())
	}
	po.antiSpoof = append(po.antiSpoof, Create(literalRule(spoofChain, models.Rule_DROP, anyFrag())))

	po.out = append(po.out, Create(returnFlowRule(outChain)))
	po.in = append(po.in, Create(returnFlowRule(inChain)))
	for _, sg := range np.GetSecurityGroups() {
		grp, err := get[*models.IPAddrGroup](v, sg.ToGoogle())
		if err != nil {
			return err
		}
		po.in = append(po.in, Create(jumpRule(inChain, grp.GetInboundChainId().ToGoogle())))
		po.out = append(po.out, Create(jumpRule(outChain, grp.GetOutboundChainId().ToGoogle())))
	}
	nonARP := func() *models.Condition {
		c := anyFrag()
		c.DlType, c.InvDlType = proto.Int32(etherTypeARP), proto.Bool(true)
		return c
	}
	po.in = append(po.in, Create(literalRule(inChain, models.Rule_DROP, nonARP())))
	po.out = append(po.out, Create(literalRule(outChain, models.Rule_DROP, nonARP())))
	return nil
}

// hostSubnet is an address as a host prefix (/32 or /128).
func hostSubnet(ip *models.IPAddress) *models.IPSubnet {
	plen := uint32(32)
	if ip.GetVersion() == models.IPVersion_V6 {
		plen = 128
	}
	return &models.IPSubnet{Version: ip.Version, Address: ip.Address, PrefixLength: proto.Uint32(plen)}
}

func deleteSecurityChains(port uuid.UUID) []Op {
	return []Op{Delete(&models.Chain{}, InChainID(port)), Delete(&models.Chain{}, OutChainID(port)),
		Delete(&models.Chain{}, AntiSpoofChainID(port))}
}

// sgAddressOps keeps the security groups' IP address groups in step with
// the port's fixed IPs: a removed group loses the old IPs, an added one
// gains the new ones, a kept one the difference.
func sgAddressOps(np, old *models.NeutronPort) []Op {
	ipsOf := func(p *models.NeutronPort) []*models.IPAddress {
		if p == nil || isTrustedPort(p) {
			return nil
		}
		var out []*models.IPAddress
		for _, f := range p.GetFixedIps() {
			out = append(out, f.GetIpAddress())
		}
		return out
	}
	sgsOf := func(p *models.NeutronPort) []*models.UUID {
		if p == nil || isTrustedPort(p) {
			return nil
		}
		return p.GetSecurityGroups()
	}
	newIPs, oldIPs := ipsOf(np), ipsOf(old)
	newSGs, oldSGs := sgsOf(np), sgsOf(old)
	removedSGs, addedSGs := diffIDs(oldSGs, newSGs), diffIDs(newSGs, oldSGs)
	keptSGs := diffIDs(newSGs, addedSGs)
	removedIPs, addedIPs := diffIPs(oldIPs, newIPs), diffIPs(newIPs, oldIPs)
	port := np.GetId()
	var ops []Op
	update := func(sgs []*models.UUID, add, remove []*models.IPAddress) {
		for _, sg := range sgs {
			ops = append(ops, EditElems[*models.IPAddrGroup](sg.ToGoogle(), "ip_addr_ports", false,
				func(entries []*models.IPAddrGroup_IPAddrPorts) ([]models.ListEdit, error) {
					g := groupEntries{cur: entries}
					for _, ip := range add {
						g.addPort(ip, port)
					}
					for _, ip := range remove {
						g.removePort(ip, port)
					}
					return g.edits, nil
				}))
		}
	}
	update(removedSGs, nil, oldIPs)
	update(addedSGs, newIPs, nil)
	update(keptSGs, addedIPs, removedIPs)
	return ops
}

// groupEntries changes an IP address group's entries (ip_addr_ports) as
// the reference's port translation does, recording each change as an edit
// of the stored list (an entry replaced, removed or appended) instead of
// changing a copy of the group: cur is the list as edited so far (the
// transaction's elements and new ones, none modified).
type groupEntries struct {
	cur   []*models.IPAddrGroup_IPAddrPorts
	edits []models.ListEdit
}

// find is the first entry of ip, -1 when there is none.
func (g *groupEntries) find(ip *models.IPAddress) int {
	return slices.IndexFunc(g.cur, func(e *models.IPAddrGroup_IPAddrPorts) bool {
		return models.SameIPAddress(e.GetIpAddress(), ip)
	})
}

// replace records entry i's replacement by e (nil: removed).
func (g *groupEntries) replace(i int, e *models.IPAddrGroup_IPAddrPorts) {
	if e == nil {
		g.edits = append(g.edits, models.ListEdit{Old: g.cur[i]})
		g.cur = slices.Delete(slices.Clone(g.cur), i, i+1)
		return
	}
	g.edits = append(g.edits, models.ListEdit{Old: g.cur[i], New: e})
	g.cur = slices.Clone(g.cur)
	g.cur[i] = e
}

// addPort adds the port to ip's entry, or appends an entry of ip with it.
func (g *groupEntries) addPort(ip *models.IPAddress, port *models.UUID) {
	i := g.find(ip)
	if i < 0 {
		e := &models.IPAddrGroup_IPAddrPorts{IpAddress: ip, PortIds: []*models.UUID{port}}
		g.edits = append(g.edits, models.ListEdit{New: e})
		g.cur = append(g.cur, e)
		return
	}
	e := &models.IPAddrGroup_IPAddrPorts{IpAddress: g.cur[i].GetIpAddress(), PortIds: append(slices.Clip(g.cur[i].GetPortIds()), port)}
	g.replace(i, e)
}

// removePort removes the port from ip's entry (its first occurrence), and
// the entry once it has no port.
func (g *groupEntries) removePort(ip *models.IPAddress, port *models.UUID) {
	i := g.find(ip)
	if i < 0 {
		return
	}
	ports := removeID(g.cur[i].GetPortIds(), port)
	if len(ports) == 0 {
		g.replace(i, nil)
		return
	}
	if len(ports) != len(g.cur[i].GetPortIds()) {
		g.replace(i, &models.IPAddrGroup_IPAddrPorts{IpAddress: g.cur[i].GetIpAddress(), PortIds: ports})
	}
}

// diffIDs is a minus b as multisets, in a's order.
func diffIDs(a, b []*models.UUID) []*models.UUID {
	left := append([]*models.UUID(nil), b...)
	var out []*models.UUID
	for _, x := range a {
		if containsID(left, x) {
			left = removeID(left, x)
			continue
		}
		out = append(out, x)
	}
	return out
}

func diffIPs(a, b []*models.IPAddress) []*models.IPAddress {
	left := append([]*models.IPAddress(nil), b...)
	var out []*models.IPAddress
outer:
	for _, x := range a {
		for i, y := range left {
			if proto.Equal(x, y) {
				left = append(left[:i:i], left[i+1:]...)
				continue outer
			}
		}
		out = append(out, x)
	}
	return out
}

// dhcpHostOps adds (or removes) the port's DHCP host on the Dhcp of each
// fixed IP's subnet.
func dhcpHostOps(np *models.NeutronPort, add bool) []Op {
	var ops []Op
	for _, f := range np.GetFixedIps() {
		ipAddr, mac, opts := f.GetIpAddress(), np.GetMacAddress(), np.GetExtraDhcpOpts()
		if add {
			// Appended, not modified: the hosts of a busy subnet are its
			// bulk, and concurrent ports' appends commit together.
			h := &models.Dhcp_Host{Mac: proto.String(mac), IpAddress: ipAddr}
			for _, o := range opts {
				h.ExtraDhcpOpts = append(h.ExtraDhcpOpts,
					&models.Dhcp_Host_ExtraDhcpOpt{Name: proto.String(o.GetOptName()), Value: proto.String(o.GetOptValue())})
			}
			ops = append(ops, Append[*models.Dhcp](f.GetSubnetId().ToGoogle(), "hosts", h))
			continue
		}
		ops = append(ops, Modify(f.GetSubnetId().ToGoogle(), func(d *models.Dhcp) error {
			for i, h := range d.GetHosts() {
				if h.GetMac() == mac && proto.Equal(h.GetIpAddress(), ipAddr) {
					d.Hosts = append(d.Hosts[:i:i], d.Hosts[i+1:]...)
					break
				}
			}
			return nil
		}))
	}
	return ops
}

// dhcpServerOps makes a DHCP port's IP its IPv4 subnets' server address
// and their metadata route's next hop (add), or undoes it.
func dhcpServerOps(np *models.NeutronPort, add bool) []Op {
	var ops []Op
	for _, f := range np.GetFixedIps() {
		ipAddr := f.GetIpAddress()
		ops = append(ops, Modify(f.GetSubnetId().ToGoogle(), func(d *models.Dhcp) error {
			if d.GetSubnetAddress().GetVersion() != models.IPVersion_V4 {
				return nil
			}
			if add {
				d.ServerAddress = ipAddr
				d.Opt121Routes = append(d.Opt121Routes,
					&models.Dhcp_Opt121Route{DstSubnet: metadataServiceSubnet(), Gateway: ipAddr})
				return nil
			}
			d.ServerAddress = d.GetDefaultGateway()
			for i, r := range d.GetOpt121Routes() {
				if proto.Equal(r.GetDstSubnet(), metadataServiceSubnet()) && proto.Equal(r.GetGateway(), ipAddr) {
					d.Opt121Routes = append(d.Opt121Routes[:i:i], d.Opt121Routes[i+1:]...)
					break
				}
			}
			return nil
		}))
	}
	return ops
}

// metadataRouteOps adds (or removes) the metadata service route through a
// DHCP port on the router interface port of its first subnet, when the
// subnet has one.
func metadataRouteOps(v *View, np *models.NeutronPort, add bool) ([]Op, error) {
	if len(np.GetFixedIps()) == 0 {
		return nil, nil
	}
	f := np.GetFixedIps()[0]
	dhcp, ok, err := getIf[*models.Dhcp](v, f.GetSubnetId().ToGoogle())
	if err != nil || !ok || dhcp.RouterIfPortId == nil {
		if !ok && add && err == nil {
			return nil, notFound("Dhcp", f.GetSubnetId().Canonical())
		}
		return nil, err
	}
	rif := dhcp.GetRouterIfPortId()
	if add {
		r, err := metadataServiceRoute(dhcp.GetSubnetAddress(), rif, f.GetIpAddress())
		if err != nil {
			return nil, err
		}
		return []Op{Create(r)}, nil
	}
	port, ok, err := getIf[*models.Port](v, rif.ToGoogle())
	if err != nil || !ok {
		return nil, err
	}
	routes, err := getMany[*models.Route](v, port.GetRouteIds())
	if err != nil {
		return nil, err
	}
	for _, r := range routes {
		if isMetadataRoute(r, f.GetIpAddress()) {
			return []Op{Delete(&models.Route{}, r.GetId().ToGoogle())}, nil
		}
	}
	return nil, nil
}

// validatePort rejects the ports the translation cannot follow: fixed IPs
// without an address or subnet, address pairs without an address, a
// malformed MAC address.
func validatePort(np *models.NeutronPort) error {
	if np.GetNetworkId() == nil {
		return badRequest("port %s has no network_id", np.GetId().Canonical())
	}
	for _, f := range np.GetFixedIps() {
		if f.GetIpAddress() == nil || f.GetSubnetId() == nil {
			return badRequest("a fixed IP of port %s lacks its ip_address or subnet_id", np.GetId().Canonical())
		}
	}
	for _, a := range np.GetAllowedAddressPairs() {
		if a.GetIpAddress() == nil {
			return badRequest("an allowed address pair of port %s lacks its ip_address", np.GetId().Canonical())
		}
	}
	if np.MacAddress != nil {
		if _, err := midonet.ParseMAC(np.GetMacAddress()); err != nil {
			return badRequest("Invalid MAC address %q", np.GetMacAddress())
		}
	}
	return nil
}
