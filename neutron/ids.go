package neutron

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// Derived identifiers. The translators give the MidoNet objects they make
// for a Neutron object ids computed from the Neutron id, so that a later
// operation (or another cluster node, or a JVM node sharing the NSDB) finds
// them without a lookup. The functions below are bit-for-bit the
// reference's: a derived id is the source id xor-ed with a per-purpose
// constant pair, the UUID version and variant bits left as they were.

const (
	// msbKeep and lsbKeep mask the constant so the version (4 bits of the
	// msb) and the variant (2 top bits of the lsb) are not flipped.
	msbKeep = 0xffffffffffff0fff
	lsbKeep = 0x3fffffffffffffff
)

// XorID returns id with msb ^= m and lsb ^= l, leaving id's UUID version
// and variant bits alone.
func XorID(id uuid.UUID, m, l uint64) uuid.UUID {
	var out uuid.UUID
	binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(id[:8])^(m&msbKeep))
	binary.BigEndian.PutUint64(out[8:], binary.BigEndian.Uint64(id[8:])^(l&lsbKeep))
	return out
}

// XorBytes derives an id from id and a byte string: a 31-multiplier hash of
// the first 8 bytes (signed, wrapping at 64 bits, starting from 1) is the
// msb constant, of the next 8 the lsb constant; the rest is ignored.
func XorBytes(id uuid.UUID, b []byte) uuid.UUID {
	m, l := int64(1), int64(1)
	for i := 0; i < len(b) && i < 16; i++ {
		if i < 8 {
			m = 31*m + int64(int8(b[i]))
		} else {
			l = 31*l + int64(int8(b[i]))
		}
	}
	return XorID(id, uint64(m), uint64(l))
}

// xorAddr mixes an address into id by the text of the address as stored
// ("10.0.0.1"; IPv6 in the reference's uncompressed form), as the
// reference's route ids do.
func xorAddr(id uuid.UUID, addr netip.Addr) uuid.UUID {
	ip, err := models.IPAddressFromAddr(addr)
	if err != nil {
		return XorBytes(id, nil)
	}
	return XorBytes(id, []byte(ip.GetAddress()))
}

// xorIP mixes an address into id by its value: IPv4 as the low word
// (sign-extended, as a Java int widened to long), IPv6 as its two words.
func xorIP(id uuid.UUID, addr netip.Addr) uuid.UUID {
	if addr.Is4() {
		v := addr.As4()
		return XorID(id, 0, uint64(int64(int32(binary.BigEndian.Uint32(v[:])))))
	}
	v := addr.As16()
	return XorID(id, binary.BigEndian.Uint64(v[:8]), binary.BigEndian.Uint64(v[8:]))
}

// xorPrefix mixes a prefix into id: IPv4 as (address << 32 | length) in
// the msb, IPv6 as its words with the length xor-ed into the low one.
func xorPrefix(id uuid.UUID, p netip.Prefix) uuid.UUID {
	a := p.Addr()
	if a.Is4() {
		v := a.As4()
		// The address widens as a Java int (sign-extended) before the shift.
		hi := uint64(int64(int32(binary.BigEndian.Uint32(v[:])))) << 32
		return XorID(id, hi|uint64(p.Bits()), 0)
	}
	v := a.As16()
	return XorID(id, binary.BigEndian.Uint64(v[:8]), binary.BigEndian.Uint64(v[8:])^uint64(p.Bits()))
}

// Chains of a device (port, router, security group, firewall).

// InChainID is the inbound chain of a port, router or security group.
func InChainID(dev uuid.UUID) uuid.UUID { return XorID(dev, 0xc84db1f73554442b, 0x8e7b38f2c703ee6a) }

// OutChainID is the outbound chain of a port, router or security group.
func OutChainID(dev uuid.UUID) uuid.UUID { return XorID(dev, 0x020940fb2cac401e, 0x9ffaf9c05d04b524) }

// FwdChainID is the forward chain of a router or firewall.
func FwdChainID(dev uuid.UUID) uuid.UUID { return XorID(dev, 0xd90b1ceebd1bf51e, 0xb5e5dab5476adb8a) }

// FloatSnatExactChainID is a router's floating-IP SNAT-exact chain.
func FloatSnatExactChainID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xbf4ba34a4efdbf71, 0x590e41534b131c9b)
}

// FloatSnatChainID is a router's floating-IP SNAT chain.
func FloatSnatChainID(r uuid.UUID) uuid.UUID { return XorID(r, 0xba661b9dbba322af, 0x5eff18f9c1de2512) }

// SkipSnatChainID is a router's skip-SNAT chain.
func SkipSnatChainID(r uuid.UUID) uuid.UUID { return XorID(r, 0x77e52b9ea61aae18, 0xcf5e9a5f30deb1fb) }

// FloatNat64ChainID is a router's NAT64 chain.
func FloatNat64ChainID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x46da815f6c664a20, 0x0042ff946a15adda)
}

// AntiSpoofChainID is a port's anti-spoofing chain.
func AntiSpoofChainID(port uuid.UUID) uuid.UUID {
	return XorID(port, 0x0a7b611cfe7334fe, 0xbbac78cfe412ad35)
}

// AntiSpoofJumpRuleID is the rule of a port's inbound chain jumping to its
// anti-spoofing chain.
func AntiSpoofJumpRuleID(port uuid.UUID) uuid.UUID {
	return XorID(port, 0x4bcef582eeae45ac, 0xb0304fc7e7b3ba0d)
}

// Ports and port groups.

// RouterInterfacePeerID is the router port peered with a Neutron
// router-interface port (also the LB v2 VIP's router port).
func RouterInterfacePeerID(port uuid.UUID) uuid.UUID {
	return XorID(port, 0x9c30300ec91f4f19, 0x88449d37e61b60f0)
}

// TenantGwPortID is the router port peered with a Neutron router gateway port.
func TenantGwPortID(gwPort uuid.UUID) uuid.UUID {
	return XorID(gwPort, 0xd3a45084502f4366, 0x9fd7d26cc7566972)
}

// PortGroupID is a router's stateful port group.
func PortGroupID(r uuid.UUID) uuid.UUID { return XorID(r, 0x3fb30e769f5041f1, 0xa50c3c4fb09a6a18) }

// RouterInterfacePortGroupID is a router's router-interface port group.
func RouterInterfacePortGroupID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x77e7c2e6ed0dbab5, 0x245499dbae09aa26)
}

// Routes.

// LocalRouteID is the /32 local route of a router port address.
func LocalRouteID(port uuid.UUID, addr netip.Addr) uuid.UUID {
	return xorAddr(XorID(port, 0x13bd079b6c0e43fb, 0x80fe647e6e718b72), addr)
}

// GatewayRouteID is the default route of a router gateway port.
func GatewayRouteID(gwPort uuid.UUID, addr netip.Addr) uuid.UUID {
	return xorAddr(XorID(gwPort, 0x6ba5df84b8a44ab4, 0x90adb3f665e7850d), addr)
}

// NetworkRouteID is the route to the network behind a router port.
func NetworkRouteID(port uuid.UUID) uuid.UUID {
	return XorID(port, 0xcabc4841093b4e81, 0xb794dac757bcd523)
}

// RouterInterfaceRouteID is the subnet route of a router-interface port.
func RouterInterfaceRouteID(rifPort uuid.UUID, addr netip.Addr) uuid.UUID {
	return xorAddr(XorID(rifPort, 0xb288abe0c5744762, 0xb3a04b12442bb179), addr)
}

// MetadataServiceRouteID is the metadata route through a DHCP port.
func MetadataServiceRouteID(dhcpPort uuid.UUID, addr netip.Addr) uuid.UUID {
	return xorAddr(XorID(dhcpPort, 0xa0132e5a1583461c, 0xa752d8609a517a6c), addr)
}

// ExtraRouteID is a router's extra route to dst via nextHop.
func ExtraRouteID(r uuid.UUID, dst netip.Prefix, nextHop netip.Addr) uuid.UUID {
	return xorIP(xorPrefix(r, dst), nextHop)
}

// Router NAT rules.

// OutSnatRuleID .. SkipSnatAcceptRuleID are a router gateway's SNAT rules.
func OutSnatRuleID(r uuid.UUID) uuid.UUID { return XorID(r, 0x68fd6d8bbd3343d8, 0x9909aa4ad4b691d8) }

// OutDropUnmatchedFragmentsRuleID drops fragments the SNAT rule cannot match.
func OutDropUnmatchedFragmentsRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xbac97789e63e4663, 0xa00989d341c8636f)
}

// InReverseSnatRuleID reverses the gateway SNAT.
func InReverseSnatRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x928eb605e3e04119, 0x8c40e4ca90769cf4)
}

// InDropWrongPortTrafficRuleID drops non-ICMP traffic to the gateway address.
func InDropWrongPortTrafficRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xb807509d2fa04b9e, 0x96b1f45a04e6d128)
}

// DstRewrittenSnatRuleID is the SNAT of destination-rewritten traffic.
func DstRewrittenSnatRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xf5d39101f0431a3e, 0xdd7a9236bf83a3e7)
}

// SkipSnatOutGwPortRuleID is the skip-SNAT return rule for the gateway port.
func SkipSnatOutGwPortRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x6f90386f458e12ff, 0x6ec14164bde7cee6)
}

// SkipSnatInGwPortRuleID is the skip-SNAT accept rule for the gateway port.
func SkipSnatInGwPortRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x6a68eacaec7e7075, 0xa21d868b7315973b)
}

// SkipSnatAcceptRuleID is the skip-SNAT chain's accept rule.
func SkipSnatAcceptRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x9483a5a98a0098fb, 0xb6fa7a44027c7faa)
}

// SameSubnetSnatRuleID is the same-subnet SNAT rule of a router-interface
// port in chain.
func SameSubnetSnatRuleID(chain, port uuid.UUID) uuid.UUID {
	return XorID(XorID(chain, binary.BigEndian.Uint64(port[:8]), binary.BigEndian.Uint64(port[8:])),
		0x3bcf2eb64be211e5, 0x84ae0242ac110003)
}

// Floating IP rules.

// FipSnatRuleID .. FipSkipSnatInRuleID are a floating IP's NAT rules.
func FipSnatRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0xf515a8fd119a4b82, 0x81e9b793d68a3b9e)
}

// FipSnatExactRuleID is the floating IP's SNAT-exact rule.
func FipSnatExactRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0xfaba87a8b7a850ac, 0x52c748d4a902f277)
}

// FipDnatRuleID is the floating IP's DNAT rule.
func FipDnatRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0xe40c77c188694ac0, 0x9a8e6c1863e2232e)
}

// FipReverseDnatRuleID is the floating IP's reverse DNAT rule.
func FipReverseDnatRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0x9a8e6c1863e2232e, 0xe40c77c188694ac0)
}

// FipSkipSnatOutRuleID is the floating IP's outbound skip-SNAT rule.
func FipSkipSnatOutRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0x30eddc1fede9b578, 0x1df21b732ecf45af)
}

// FipSkipSnatInRuleID is the floating IP's inbound skip-SNAT rule.
func FipSkipSnatInRuleID(fip uuid.UUID) uuid.UUID {
	return XorID(fip, 0x7b37aca83867e33a, 0xc52b8965e7d9cf14)
}

// Security groups.

// NonHeaderRuleID is the second (non-header fragment) rule of a security
// group rule with a port range.
func NonHeaderRuleID(rule uuid.UUID) uuid.UUID {
	return XorID(rule, 0x933733b5db0f5cce, 0xeaa631e8b0b34cef)
}

// Other services (BGP, LBaaS v2, FWaaS, L2GW).

// QuaggaPortID is the router port of a router's BGP (Quagga) container.
func QuaggaPortID(r uuid.UUID) uuid.UUID { return XorID(r, 0xff498a4c22390ae3, 0x3e3ec848baff217d) }

// BgpNetworkID is the BGP network announced for source (RIF port or route).
func BgpNetworkID(src uuid.UUID) uuid.UUID { return XorID(src, 0x39c62a620c7049a9, 0xbc9c1acb80e516fc) }

// QuaggaContainerID is the service container running a router's BGP
// (Quagga) daemon.
func QuaggaContainerID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x645a41fb3e1641a3, 0x90d28456127bee31)
}

// BgpRedirectRuleID and BgpInverseRedirectRuleID are a BGP peer's rules
// redirecting its sessions (TCP to and from port 179) to the Quagga port.
func BgpRedirectRuleID(peer uuid.UUID) uuid.UUID {
	return XorID(peer, 0x12d34babf7d84902, 0xaa840971afc3307f)
}

func BgpInverseRedirectRuleID(peer uuid.UUID) uuid.UUID {
	return XorID(peer, 0x12d34babf7d85900, 0xaa840971afc3307f)
}

// FwdChainFwJumpRuleID is the firewall jump rule in a router's forward chain.
func FwdChainFwJumpRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x36feb6f6fd9211e5, 0x98a00242ac110001)
}

// LbV1LoadBalancerID is the load balancer of an LBaaS v1 pool's router
// (one per router, made with its first pool).
func LbV1LoadBalancerID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xaab2c5dea7bc8dea, 0x2ac7bb0371eee6d7)
}

// InChainFwJumpRuleID and OutChainFwJumpRuleID are the firewall jump rules
// of a router's inbound and outbound chains in the reference's earlier
// firewall translation, deleted wherever a firewall meets the router.
func InChainFwJumpRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xc309e08c3eaf11e5, 0xaf410242ac110002)
}

// OutChainFwJumpRuleID: see InChainFwJumpRuleID.
func OutChainFwJumpRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x1b4b62ca3eb011e5, 0x91260242ac110002)
}

// LbV2RouterID is the router of an LBaaS v2 load balancer.
func LbV2RouterID(lb uuid.UUID) uuid.UUID { return XorID(lb, 0xed1225ed739945ea, 0x8fd972a26f18632f) }

// LbV2ServiceContainerID .. LbV2RevSnatRuleID are the objects of an LBaaS
// v2 load balancer derived from its router (LbV2RouterID): the HAProxy
// service container, its group, its router port, and the SNAT and reverse
// SNAT rules of the router's chains.
func LbV2ServiceContainerID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xad1e25ee739d05ea, 0x0ed972b36e19612f)
}

func LbV2ServiceContainerGroupID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x7d263d2d55da46d2, 0xaad282b46129613f)
}

func LbV2ServiceContainerPortID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x1da81cddca3b9ff8, 0xd966a652de3c9cca)
}

func LbV2SnatRuleID(r uuid.UUID) uuid.UUID { return XorID(r, 0xe401ace2473413aa, 0x7be4604b146962b6) }

func LbV2RevSnatRuleID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0xd9c8f6962541298d, 0x7294e027de2b90ba)
}

// L2gwNetworkPortID is the tenant-network port of an L2 gateway connection
// (the port remote-site MAC entries point to).
func L2gwNetworkPortID(network uuid.UUID) uuid.UUID {
	return XorID(network, 0x0af59914959d45f8, 0xb1b028de11f2ee4e)
}
