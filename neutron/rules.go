package neutron

import (
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Builders of the chains and rules translations make (the reference's
// ChainManager and RuleManager). Rules join their chain through the
// Rule.chain_id binding, so the order rules are created in is the
// chain's order.

const (
	etherTypeARP  = 0x0806
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
)

func newChain(id uuid.UUID, name string, jumpRuleIDs ...uuid.UUID) *models.Chain {
	c := &models.Chain{Id: models.UUIDFromGoogle(id), Name: proto.String(name)}
	for _, j := range jumpRuleIDs {
		c.JumpRuleIds = append(c.JumpRuleIds, models.UUIDFromGoogle(j))
	}
	return c
}

// localRedirectChain is the id of the router's local redirect chain (where
// VPN and BGP redirect their traffic to the router's containers) and, when
// the router has none yet, the op creating it bound to the router: the
// store then sets the router's local_redirect_chain_id.
func localRedirectChain(router *models.Router) (uuid.UUID, []Op) {
	if id := router.GetLocalRedirectChainId(); id != nil {
		return id.ToGoogle(), nil
	}
	chain := newChain(uuid.New(), "LOCAL_REDIRECT_"+idOf(router).String())
	chain.RouterRedirectIds = []*models.UUID{router.GetId()}
	return idOf(chain), []Op{Create(chain)}
}

// newRule is a rule of chain with a fresh id.
func newRule(chain uuid.UUID, typ models.Rule_Type, action models.Rule_Action) *models.Rule {
	return &models.Rule{Id: models.NewUUID(), ChainId: models.UUIDFromGoogle(chain), Type: typ.Enum(),
		Action: action.Enum()}
}

func literalRule(chain uuid.UUID, action models.Rule_Action, cond *models.Condition) *models.Rule {
	r := newRule(chain, models.Rule_LITERAL_RULE, action)
	r.Condition = cond
	return r
}

func returnFlowRule(chain uuid.UUID) *models.Rule {
	return literalRule(chain, models.Rule_ACCEPT, &models.Condition{MatchReturnFlow: proto.Bool(true)})
}

func jumpRule(from, to uuid.UUID) *models.Rule {
	r := newRule(from, models.Rule_JUMP_RULE, models.Rule_JUMP)
	r.RuleData = &models.Rule_JumpRuleData_{JumpRuleData: &models.Rule_JumpRuleData{JumpChainId: models.UUIDFromGoogle(to)}}
	return r
}

func jumpRuleWithID(id, from, to uuid.UUID) *models.Rule {
	r := jumpRule(from, to)
	r.Id = models.UUIDFromGoogle(id)
	return r
}

func anyFrag() *models.Condition {
	return &models.Condition{FragmentPolicy: models.Condition_ANY.Enum()}
}

// deleteChainRules deletes every rule of a chain (the chain stays).
func deleteChainRules(v *View, chain uuid.UUID) ([]Op, error) {
	c, err := get[*models.Chain](v, chain)
	if err != nil {
		return nil, err
	}
	ops := make([]Op, 0, len(c.GetRuleIds()))
	for _, r := range c.GetRuleIds() {
		ops = append(ops, Delete(&models.Rule{}, r.ToGoogle()))
	}
	return ops, nil
}

func creates[T proto.Message](objs ...T) []Op {
	ops := make([]Op, 0, len(objs))
	for _, o := range objs {
		ops = append(ops, Create(o))
	}
	return ops
}

// State-table entries (persistent nodes, created in the same transaction).

// macEntryPath is the persistent entry mac → port in the network's VLAN 0
// MAC table.
func macEntryPath(v *View, network *models.UUID, mac string, port *models.UUID) (string, error) {
	m, err := midonet.ParseMAC(mac)
	if err != nil {
		return "", badRequest("Invalid MAC address %q", mac)
	}
	dir, err := v.TablePath(&models.Network{}, network.ToGoogle(), midonet.MacTable, "0")
	if err != nil {
		return "", err
	}
	return dir + "/" + zoom.TableEntry{Key: m.String(), Value: port.Canonical(), Version: zoom.PersistentVersion}.Name(), nil
}

// arpEntryPath is the persistent entry ip → mac in the network's ARP table.
func arpEntryPath(v *View, network *models.UUID, ip *models.IPAddress, mac string) (string, error) {
	m, err := midonet.ParseMAC(mac)
	if err != nil {
		return "", badRequest("Invalid MAC address %q", mac)
	}
	dir, err := v.TablePath(&models.Network{}, network.ToGoogle(), midonet.Ip4MacTable)
	if err != nil {
		return "", err
	}
	if ip.GetVersion() != models.IPVersion_V4 {
		return "", fmt.Errorf("neutron: ARP entry for non-IPv4 %s", ip.GetAddress())
	}
	return dir + "/" + zoom.TableEntry{Key: ip.GetAddress(), Value: m.String(), Version: zoom.PersistentVersion}.Name(), nil
}
