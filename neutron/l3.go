package neutron

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"net/netip"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Building blocks of the L3 translations (routers, router interfaces,
// floating IPs): the routes and NAT rules they make, as the reference's
// RouteManager and RuleManager build them.

// NatPortRange is the port range of the dynamic SNAT rules (a router
// gateway's, the same-subnet ones of router interfaces): the reference's
// cluster.translators.nat.dynamic_port_start and dynamic_port_end. The
// zero value is the schema's default, 1024-65535.
type NatPortRange struct{ Start, End int }

// ports is the range the rules get, with the reference's fallbacks: a
// start outside 1-65535 is 1; an end outside it, or not above the start
// as configured, is 65535.
func (r NatPortRange) ports() (start, end uint32) {
	if r == (NatPortRange{}) {
		return 1024, 65535
	}
	in := func(p int) bool { return 1 <= p && p <= 65535 }
	start, end = 1, 65535
	if in(r.Start) {
		start = uint32(r.Start)
	}
	if in(r.End) && r.Start < r.End {
		end = uint32(r.End)
	}
	return start, end
}

// nat64Pool is the reference's NAT64 pool (RFC 6598 shared address space).
var nat64Pool = mustSubnet("100.64.0.0/10")

func mustSubnet(s string) *models.IPSubnet {
	sn, err := models.ParseIPSubnet(s)
	if err != nil {
		panic(err)
	}
	return sn
}

// addrOf parses a stored address; a malformed one is a bad request.
func addrOf(a *models.IPAddress) (netip.Addr, error) {
	ip, err := a.ToAddr()
	if err != nil {
		return netip.Addr{}, badRequest("%v", err)
	}
	return ip, nil
}

// prefixOf parses a stored subnet; a malformed one is a bad request.
func prefixOf(s *models.IPSubnet) (netip.Prefix, error) {
	p, err := s.ToPrefix()
	if err != nil {
		return netip.Prefix{}, badRequest("%v", err)
	}
	return p, nil
}

// subnetContains reports whether the subnet s holds addr (a value of the
// other IP version never is).
func subnetContains(s *models.IPSubnet, addr netip.Addr) bool {
	p, err := s.ToPrefix()
	return err == nil && p.Contains(addr)
}

// uuidOf converts an id to the model's.
func uuidOf(u uuid.UUID) *models.UUID { return models.UUIDFromGoogle(u) }

// idOf is an object's id.
func idOf(m interface{ GetId() *models.UUID }) uuid.UUID { return m.GetId().ToGoogle() }

// natTarget is the NAT rule data translating to addr with ports start-end
// (0-0: addresses only).
func natTarget(addr *models.IPAddress, dnat bool, start, end uint32) *models.Rule_NatRuleData_ {
	return &models.Rule_NatRuleData_{NatRuleData: &models.Rule_NatRuleData{
		Dnat: proto.Bool(dnat),
		NatTargets: []*models.Rule_NatTarget{{
			NwStart: proto.Clone(addr).(*models.IPAddress),
			NwEnd:   proto.Clone(addr).(*models.IPAddress),
			TpStart: proto.Uint32(start),
			TpEnd:   proto.Uint32(end),
		}},
	}}
}

// reverseNat is the rule data of a reverse NAT rule.
func reverseNat(dnat bool) *models.Rule_NatRuleData_ {
	return &models.Rule_NatRuleData_{NatRuleData: &models.Rule_NatRuleData{Dnat: proto.Bool(dnat), Reverse: proto.Bool(true)}}
}

// uuidsOf converts ids to the model's repeated id field.
func uuidsOf(us ...uuid.UUID) []*models.UUID {
	out := make([]*models.UUID, len(us))
	for i, u := range us {
		out[i] = uuidOf(u)
	}
	return out
}

// prependRules puts rules at the head of the chain's list, in order.
func prependRules(chain uuid.UUID, rules ...uuid.UUID) Op {
	return Modify(chain, func(c *models.Chain) error {
		c.RuleIds = append(uuidsOf(rules...), c.RuleIds...)
		return nil
	})
}

// appendRules adds rules at the end of the chain's list.
func appendRules(chain uuid.UUID, rules ...uuid.UUID) Op {
	return Modify(chain, func(c *models.Chain) error {
		c.RuleIds = append(c.RuleIds, uuidsOf(rules...)...)
		return nil
	})
}

// newRouterPort is the router port standing for the Neutron port nPort on
// router r: up, with nPort's MAC (a random one if it has none).
func newRouterPort(portID uuid.UUID, r *models.UUID, nPort *models.NeutronPort) *models.Port {
	mac := nPort.GetMacAddress()
	if nPort.MacAddress == nil {
		mac = randomMAC()
	}
	return &models.Port{Id: uuidOf(portID), RouterId: r, AdminStateUp: proto.Bool(true), PortMac: proto.String(mac)}
}

// randomMAC is a MAC in MidoNet's OUI (ac:ca:ba) with random NIC bytes,
// as the reference's MAC.random, for router ports of Neutron ports
// without a MAC.
func randomMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("ac:ca:ba:%02x:%02x:%02x", b[0], b[1], b[2])
}

// Link-local /30s for router ports towards services (the reference's
// containers.findLocalSubnet): 169.254.0.0/30 up to 169.254.255.252/30.
const (
	localSubnetBegin = 0xa9fe0000
	localSubnetEnd   = 0xa9fefffc
	localSubnetSize  = 3 // a /30 spans 4 addresses
)

// freeLocalSubnet is the first 169.254.x.y/30 no IPv4 subnet of the
// router's ports starts inside, as the reference finds it (an allocated
// range starting before a candidate does not exclude it), with the router
// port's address (.1) as the prefix's address.
func freeLocalSubnet(v *View, router *models.Router) (netip.Prefix, error) {
	ports, err := getMany[*models.Port](v, router.GetPortIds())
	if err != nil {
		return netip.Prefix{}, err
	}
	type span struct{ begin, end uint32 }
	var used []span
	for _, p := range ports {
		for _, sn := range p.GetPortSubnet() {
			pfx, err := sn.ToPrefix()
			if err != nil || !pfx.Addr().Is4() {
				continue
			}
			a := pfx.Masked().Addr().As4()
			begin := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
			used = append(used, span{begin, begin | (1<<(32-pfx.Bits()) - 1)})
		}
	}
	slices.SortFunc(used, func(a, b span) int { return cmp.Compare(a.begin, b.begin) })
	for sel := uint32(localSubnetBegin); sel < localSubnetEnd; {
		i := slices.IndexFunc(used, func(s span) bool { return s.begin >= sel })
		if i < 0 || used[i].begin > sel+localSubnetSize {
			ip := sel + 1
			return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), 30), nil
		}
		sel = used[i].end&^localSubnetSize + localSubnetSize + 1
	}
	return netip.Prefix{}, conflict("There is no free /30 local subnet in the router for the 169.254.0.0/16 range.")
}
