package neutron

import (
	"crypto/rand"
	"fmt"
	"net/netip"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// Building blocks of the L3 translations (routers, router interfaces,
// floating IPs): the routes and NAT rules they make, as the reference's
// RouteManager and RuleManager build them.

// Dynamic SNAT port range of gateway and same-subnet SNAT rules: the
// reference's defaults (cluster.translators.nat.dynamic_port_start/end),
// which its range check falls back to.
const (
	dynamicNatPortStart = 1024
	dynamicNatPortEnd   = 65535
)

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

// natTarget is the NAT rule data translating to addr: dynamic with the
// dynamic port range, otherwise with ports 0-0 (addresses only).
func natTarget(addr *models.IPAddress, dnat, dynamic bool) *models.Rule_NatRuleData_ {
	start, end := uint32(0), uint32(0)
	if dynamic {
		start, end = dynamicNatPortStart, dynamicNatPortEnd
	}
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
