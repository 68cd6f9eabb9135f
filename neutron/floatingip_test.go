package neutron

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func floatingIP(f, net *models.UUID, addr string) *models.FloatingIp {
	return &models.FloatingIp{Id: f, FloatingNetworkId: net, FloatingIpAddress: ip(addr), TenantId: proto.String("tenant")}
}

// associated is the floating IP f bound to port (fixed address) on router r.
func associated(f, net *models.UUID, addr string, r, port *models.UUID, fixed string) *models.FloatingIp {
	fip := floatingIP(f, net, addr)
	fip.RouterId, fip.PortId, fip.FixedIpAddress = r, port, ip(fixed)
	return fip
}

// checkFipAssociated is the reference's checkFipAssociated, field by
// field: the ARP entry on the floating network, the DNAT, SNAT, SNAT-exact
// and skip-SNAT rules in their chains, the port's back-reference.
func (fx *fixture) checkFipAssociated(floatingNet *models.UUID, fipAddr string, f *models.UUID, fixed string,
	vif, r *models.UUID, mac string, rtrPort uuid.UUID, viaGateway bool) {
	fx.t.Helper()
	if got := fx.arpTable(floatingNet)[fipAddr]; got != mac {
		fx.t.Errorf("ARP entry of %s = %q, want %q", fipAddr, got, mac)
	}
	fid, rid := g(f), g(r)
	withPort := func(rule *models.Rule) *models.Rule {
		rule.FipPortId = vif
		return rule
	}
	exact, snat, dnat := FipSnatExactRuleID(fid), FipSnatRuleID(fid), FipDnatRuleID(fid)
	fx.equal("SNAT-exact", fixtureGet[*models.Rule](fx, exact), withPort(natRule(exact, FloatSnatExactChainID(rid),
		&models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), OutPortIds: uuidsOf(rtrPort),
			NwSrcIp: cidr(fixed + "/32")}, fipAddr, false, 0, 0)))
	fx.equal("SNAT", fixtureGet[*models.Rule](fx, snat), withPort(natRule(snat, FloatSnatChainID(rid),
		&models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), NwSrcIp: cidr(fixed + "/32")}, fipAddr, false, 0, 0)))
	fx.equal("DNAT", fixtureGet[*models.Rule](fx, dnat), withPort(natRule(dnat, InChainID(rid),
		&models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), NwDstIp: cidr(fipAddr + "/32")}, fixed, true, 0, 0)))
	skipOut, skipIn := FipSkipSnatOutRuleID(fid), FipSkipSnatInRuleID(fid)
	fx.equal("skip-SNAT out", fixtureGet[*models.Rule](fx, skipOut), &models.Rule{Id: uuidOf(skipOut),
		ChainId: uuidOf(SkipSnatChainID(rid)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_RETURN.Enum(),
		FipPortId: vif, Condition: &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), OutPortIds: uuidsOf(rtrPort)}})
	fx.equal("skip-SNAT in", fixtureGet[*models.Rule](fx, skipIn), &models.Rule{Id: uuidOf(skipIn),
		ChainId: uuidOf(SkipSnatChainID(rid)), Type: models.Rule_LITERAL_RULE.Enum(), Action: models.Rule_ACCEPT.Enum(),
		FipPortId: vif, Condition: &models.Condition{FragmentPolicy: models.Condition_ANY.Enum(), InPortIds: uuidsOf(rtrPort)}})

	// Places in the chains: DNAT, SNAT-exact and skip-SNAT out first,
	// skip-SNAT in last, SNAT first through the gateway, else last.
	first := func(chain, rule uuid.UUID) {
		if ids := fixtureGet[*models.Chain](fx, chain).GetRuleIds(); len(ids) == 0 || g(ids[0]) != rule {
			fx.t.Errorf("rule %s is not first in chain %s: %v", rule, chain, models.UUIDsToStrings(ids))
		}
	}
	last := func(chain, rule uuid.UUID) {
		if ids := fixtureGet[*models.Chain](fx, chain).GetRuleIds(); len(ids) == 0 || g(ids[len(ids)-1]) != rule {
			fx.t.Errorf("rule %s is not last in chain %s: %v", rule, chain, models.UUIDsToStrings(ids))
		}
	}
	first(InChainID(rid), dnat)
	first(FloatSnatExactChainID(rid), exact)
	first(SkipSnatChainID(rid), skipOut)
	last(SkipSnatChainID(rid), skipIn)
	if viaGateway {
		first(FloatSnatChainID(rid), snat)
	} else {
		last(FloatSnatChainID(rid), snat)
	}
	fx.sameIDs("VIF port floating IPs", fixtureGet[*models.NeutronPort](fx, g(vif)).GetFloatingIpIds(), fid)
	if got := fixtureGet[*models.Port](fx, g(vif)).GetFipNatRuleIds(); len(got) != 5 {
		fx.t.Errorf("VIF port fip_nat_rule_ids = %v, want the 5 rules", models.UUIDsToStrings(got))
	}
}

// checkFipDisassociated: the rules and the ARP entry are gone, the floating
// IP too when deleted.
func (fx *fixture) checkFipDisassociated(floatingNet *models.UUID, fipAddr string, f, r *models.UUID, deleted bool) {
	fx.t.Helper()
	fid, rid := g(f), g(r)
	rules := []uuid.UUID{FipSnatRuleID(fid), FipSnatExactRuleID(fid), FipDnatRuleID(fid), FipSkipSnatOutRuleID(fid),
		FipSkipSnatInRuleID(fid)}
	for _, rule := range rules {
		if fx.exists(&models.Rule{}, rule) {
			fx.t.Errorf("floating IP rule %s survives", rule)
		}
	}
	for _, chain := range []uuid.UUID{InChainID(rid), OutChainID(rid), FloatSnatChainID(rid), FloatSnatExactChainID(rid),
		SkipSnatChainID(rid)} {
		for _, in := range fixtureGet[*models.Chain](fx, chain).GetRuleIds() {
			if slices.Contains(rules, g(in)) {
				fx.t.Errorf("chain %s still lists %s", chain, g(in))
			}
		}
	}
	if fx.exists(&models.FloatingIp{}, fid) == deleted {
		fx.t.Errorf("floating IP exists: %v, want %v", !deleted, !deleted)
	}
	if _, ok := fx.arpTable(floatingNet)[fipAddr]; ok {
		fx.t.Errorf("ARP entry of %s survives", fipAddr)
	}
}

// fipTopology: a private network with two VM ports, an external network, a
// router with its gateway on it and an interface on the private network.
type fipTopology struct {
	prvNet, prvSn, vif1, vif2, extNet, extSn, gw, router, rif *models.UUID
}

const (
	fipGwMac = "fa:16:3e:62:0d:2b"
	vif1IP   = "10.0.0.9"
	vif2IP   = "10.0.0.19"
)

func (fx *fixture) fipTopology() fipTopology {
	fx.t.Helper()
	t := fipTopology{prvNet: newID(), prvSn: newID(), vif1: newID(), vif2: newID(), extNet: newID(), extSn: newID(),
		gw: newID(), router: newID(), rif: newID()}
	ext := network(t.extNet)
	ext.External = proto.Bool(true)
	fx.create(network(t.prvNet), subnet(t.prvSn, t.prvNet, "10.0.0.0/24", "10.0.0.1"), ext,
		subnet(t.extSn, t.extNet, "172.24.4.0/24", "172.24.4.1"))
	fx.create(l3Port(t.vif1, t.prvNet, models.NeutronPort_COMPUTE, "fa:16:3e:bf:d4:56", alloc(vif1IP, t.prvSn)),
		l3Port(t.vif2, t.prvNet, models.NeutronPort_COMPUTE, "e0:05:2d:fd:16:0b", alloc(vif2IP, t.prvSn)),
		l3Port(t.gw, t.extNet, models.NeutronPort_ROUTER_GATEWAY, fipGwMac, alloc("172.24.4.4", t.extSn)))
	fx.create(nRouter(t.router, "r", t.gw, true))
	fx.create(rifPort(t.rif, t.prvNet, t.router, "fa:16:3e:7d:c3:0e", alloc("10.0.0.1", t.prvSn)))
	fx.create(routerInterface(t.router, t.rif, t.prvSn))
	return t
}

// Expectations of FloatingIpTranslatorIT "add NAT rules and ARP entry for
// the floating IP" and "fully disassociate a FIP when its port is
// deleted".
func TestFloatingIPThroughGateway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		tp := fx.fipTopology()
		gwRouterPort := TenantGwPortID(g(tp.gw))

		// Unassociated: stored, nothing translated.
		f := newID()
		fx.create(floatingIP(f, tp.extNet, "172.24.4.3"))
		fipPort := l3Port(newID(), tp.extNet, models.NeutronPort_FLOATINGIP, "fa:16:3e:0e:27:1c",
			alloc("172.24.4.3", tp.extSn))
		fipPort.DeviceId = proto.String(f.Canonical())
		fx.create(fipPort)
		if _, ok := fx.arpTable(tp.extNet)["172.24.4.3"]; ok {
			t.Fatal("unassociated floating IP has an ARP entry")
		}
		fx.equal("stored floating IP", fixtureGet[*models.FloatingIp](fx, g(f)), floatingIP(f, tp.extNet, "172.24.4.3"))

		// Associated by update.
		fx.update(associated(f, tp.extNet, "172.24.4.3", tp.router, tp.vif1, vif1IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.3", f, vif1IP, tp.vif1, tp.router, fipGwMac, gwRouterPort, true)

		// Updating the VM port keeps its back-reference.
		renamed := l3Port(tp.vif1, tp.prvNet, models.NeutronPort_COMPUTE, "fa:16:3e:bf:d4:56", alloc(vif1IP, tp.prvSn))
		renamed.Name = proto.String("port1Updated")
		fx.update(renamed)
		fx.sameIDs("VIF floating IPs after its update",
			fixtureGet[*models.NeutronPort](fx, g(tp.vif1)).GetFloatingIpIds(), g(f))

		// Moved to the second VM port.
		fx.update(associated(f, tp.extNet, "172.24.4.3", tp.router, tp.vif2, vif2IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.3", f, vif2IP, tp.vif2, tp.router, fipGwMac, gwRouterPort, true)
		if got := fixtureGet[*models.NeutronPort](fx, g(tp.vif1)).GetFloatingIpIds(); len(got) != 0 {
			t.Errorf("first VIF keeps floating IPs %v", got)
		}
		if got := fixtureGet[*models.Port](fx, g(tp.vif1)).GetFipNatRuleIds(); len(got) != 0 {
			t.Errorf("first VIF keeps NAT rules %v", got)
		}

		// Disassociated by update, then associated again.
		fx.update(floatingIP(f, tp.extNet, "172.24.4.3"))
		fx.checkFipDisassociated(tp.extNet, "172.24.4.3", f, tp.router, false)
		fx.update(associated(f, tp.extNet, "172.24.4.3", tp.router, tp.vif2, vif2IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.3", f, vif2IP, tp.vif2, tp.router, fipGwMac, gwRouterPort, true)

		// Deleting it clears the rules and the ARP entry.
		fx.delete(&models.FloatingIp{}, f)
		fx.checkFipDisassociated(tp.extNet, "172.24.4.3", f, tp.router, true)
		if got := fixtureGet[*models.NeutronPort](fx, g(tp.vif2)).GetFloatingIpIds(); len(got) != 0 {
			t.Errorf("second VIF keeps floating IPs %v", got)
		}
		fx.delete(&models.FloatingIp{}, f) // idempotent

		// Created associated; the VM port's delete disassociates it fully.
		f2 := newID()
		fx.create(associated(f2, tp.extNet, "172.24.4.10", tp.router, tp.vif1, vif1IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.10", f2, vif1IP, tp.vif1, tp.router, fipGwMac, gwRouterPort, true)
		fx.delete(&models.NeutronPort{}, tp.vif1)
		fx.checkFipDisassociated(tp.extNet, "172.24.4.10", f2, tp.router, false)
		got := fixtureGet[*models.FloatingIp](fx, g(f2))
		if got.PortId != nil || got.FixedIpAddress != nil || got.RouterId != nil {
			t.Errorf("floating IP not fully disassociated: %v", got)
		}
		// Its delete then has nothing to undo.
		fx.delete(&models.FloatingIp{}, f2)
	})
}

// Expectations of FloatingIpTranslatorIT "... when the floating ip network
// is not on the gateway": the router reaches the floating network by an
// interface; the ARP entry has that interface's MAC, SNAT goes last.
func TestFloatingIPThroughInterface(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		prvNet, prvSn, vif, extNet, extSn, r := newID(), newID(), newID(), newID(), newID(), newID()
		fx.create(network(prvNet), subnet(prvSn, prvNet, "10.0.0.0/24", "10.0.0.1"), network(extNet),
			subnet(extSn, extNet, "172.24.4.0/24", "172.24.4.1"))
		fx.create(l3Port(vif, prvNet, models.NeutronPort_COMPUTE, "fa:16:3e:bf:d4:56", alloc(vif1IP, prvSn)),
			nRouter(r, "r", nil, false))
		extRif, prvRif := newID(), newID()
		const extRifMac = "fa:16:3e:7d:c3:3e"
		fx.create(rifPort(extRif, extNet, r, extRifMac, alloc("172.24.4.1", extSn)))
		fx.create(routerInterface(r, extRif, extSn))
		fx.create(rifPort(prvRif, prvNet, r, "fa:16:3e:7d:c3:0e", alloc("10.0.0.1", prvSn)))
		fx.create(routerInterface(r, prvRif, prvSn))

		f := newID()
		fx.create(floatingIP(f, extNet, "172.24.4.3"))
		fx.update(associated(f, extNet, "172.24.4.3", r, vif, vif1IP))
		fx.checkFipAssociated(extNet, "172.24.4.3", f, vif1IP, vif, r, extRifMac, RouterInterfacePeerID(g(extRif)), false)
		fx.delete(&models.FloatingIp{}, f)
		fx.checkFipDisassociated(extNet, "172.24.4.3", f, r, true)
	})
}

// Expectations of FloatingIpTranslatorIT "select the router port whose
// subnet contains the FIP" and "create a FIP on a second subnet in an ext
// net".
func TestFloatingIPPortSelection(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ext1, ext1Sn, ext1Sn2, ext2, ext2Sn := newID(), newID(), newID(), newID(), newID()
		prv, prvSn := newID(), newID()
		fx.create(network(ext1), subnet(ext1Sn, ext1, "10.0.0.0/24", "10.0.0.1"),
			subnet(ext1Sn2, ext1, "10.0.8.0/24", "10.0.8.1"), network(ext2),
			subnet(ext2Sn, ext2, "20.0.0.0/24", "20.0.0.1"), network(prv), subnet(prvSn, prv, "30.0.0.0/24", "30.0.0.1"))
		vif1, vif2, vif3 := newID(), newID(), newID()
		fx.create(l3Port(vif1, prv, models.NeutronPort_COMPUTE, "30:00:00:00:00:03", alloc("30.0.0.3", prvSn)),
			l3Port(vif2, prv, models.NeutronPort_COMPUTE, "30:00:00:00:00:04", alloc("30.0.0.4", prvSn)),
			l3Port(vif3, prv, models.NeutronPort_COMPUTE, "30:00:00:00:00:05", alloc("30.0.0.5", prvSn)))
		gw, r := newID(), newID()
		const gwMac, ext2Mac = "10:00:00:00:00:02", "20:00:00:00:00:02"
		fx.create(l3Port(gw, ext1, models.NeutronPort_ROUTER_GATEWAY, gwMac, alloc("10.0.0.2", ext1Sn)))
		fx.create(nRouter(r, "r", gw, true))
		// A MidoNet-only router port in extNw2's CIDR, without a peer, is
		// passed over.
		if err := fx.st.Create(fx.ctx, &models.Port{Id: newID(), RouterId: r,
			PortSubnet: []*models.IPSubnet{cidr("20.0.0.0/24")}}); err != nil {
			t.Fatal(err)
		}
		ext2Rif, prvRif := newID(), newID()
		fx.create(rifPort(ext2Rif, ext2, r, ext2Mac, alloc("20.0.0.2", ext2Sn)))
		fx.create(routerInterface(r, ext2Rif, ext2Sn))
		fx.create(rifPort(prvRif, prv, r, "30:00:00:00:00:02", alloc("30.0.0.2", prvSn)))
		fx.create(routerInterface(r, prvRif, prvSn))

		f1, f2, f3 := newID(), newID(), newID()
		fx.create(associated(f1, ext1, "10.0.0.3", r, vif1, "30.0.0.3"))
		fx.checkFipAssociated(ext1, "10.0.0.3", f1, "30.0.0.3", vif1, r, gwMac, TenantGwPortID(g(gw)), true)
		fx.create(associated(f2, ext2, "20.0.0.3", r, vif2, "30.0.0.4"))
		fx.checkFipAssociated(ext2, "20.0.0.3", f2, "30.0.0.4", vif2, r, ext2Mac, RouterInterfacePeerID(g(ext2Rif)), false)
		// The gateway network's second subnet is still the gateway's.
		fx.create(associated(f3, ext1, "10.0.8.3", r, vif3, "30.0.0.5"))
		fx.checkFipAssociated(ext1, "10.0.8.3", f3, "30.0.0.5", vif3, r, gwMac, TenantGwPortID(g(gw)), true)

		// A floating address no router port reaches: the reference's
		// IllegalStateException (409).
		var conf *ConflictError
		other, otherSn := newID(), newID()
		fx.create(network(other), subnet(otherSn, other, "40.0.0.0/24", "40.0.0.1"))
		fx.mustFail("unreachable floating IP", fx.svc.Create(fx.ctx, associated(newID(), other, "40.0.0.3", r, vif1,
			"30.0.0.3")), func(err error) bool { return errors.As(err, &conf) })
	})
}

// Expectations of FloatingIpTranslatorTest "UpdateOp that moves the
// floating IP to a different router": the ARP entry and the rules move.
func TestFloatingIPMovesRouter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		tp := fx.fipTopology()
		gw2, r2, rif2 := newID(), newID(), newID()
		const gw2Mac = "77:88:99:ab:cc:ba"
		fx.create(l3Port(gw2, tp.extNet, models.NeutronPort_ROUTER_GATEWAY, gw2Mac, alloc("172.24.4.5", tp.extSn)))
		fx.create(nRouter(r2, "r2", gw2, true))
		sn2 := newID()
		fx.create(subnet(sn2, tp.prvNet, "10.0.1.0/24", "10.0.1.1"))
		fx.create(rifPort(rif2, tp.prvNet, r2, "fa:16:3e:7d:c3:0f", alloc("10.0.1.1", sn2)))
		fx.create(routerInterface(r2, rif2, sn2))

		f := newID()
		fx.create(associated(f, tp.extNet, "172.24.4.3", tp.router, tp.vif1, vif1IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.3", f, vif1IP, tp.vif1, tp.router, fipGwMac,
			TenantGwPortID(g(tp.gw)), true)
		fx.update(associated(f, tp.extNet, "172.24.4.3", r2, tp.vif2, vif2IP))
		fx.checkFipAssociated(tp.extNet, "172.24.4.3", f, vif2IP, tp.vif2, r2, gw2Mac, TenantGwPortID(g(gw2)), true)
		entries := fx.tableEntries(&models.Network{}, tp.extNet, midonet.Ip4MacTable)
		n := 0
		for _, e := range entries {
			if e.Key == "172.24.4.3" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d ARP entries for the moved floating IP, want 1: %v", n, entries)
		}
		fid, old := g(f), g(tp.router)
		fipRules := []uuid.UUID{FipSnatRuleID(fid), FipSnatExactRuleID(fid), FipDnatRuleID(fid),
			FipSkipSnatOutRuleID(fid), FipSkipSnatInRuleID(fid)}
		for _, chain := range []uuid.UUID{InChainID(old), FloatSnatChainID(old), FloatSnatExactChainID(old),
			SkipSnatChainID(old)} {
			for _, rule := range fixtureGet[*models.Chain](fx, chain).GetRuleIds() {
				if slices.Contains(fipRules, g(rule)) {
					t.Errorf("old router's chain %s keeps the floating IP's rule %s", chain, g(rule))
				}
			}
		}
	})
}

// Expectations of FloatingIpTranslatorTest's IPv6 cases: an associated IPv6
// floating IP is an entry of the floating network's FIP64 table (fixed;
// floating; NAT64 pool; gateway router port; router), re-made when it
// moves, gone when disassociated or deleted; an IPv6 fixed address is a 400.
func TestFloatingIPv6(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		tp := fx.fipTopology()
		sn6 := newID()
		fx.create(subnet6(sn6, tp.extNet, "2002::/64", "2002::1"))
		entries := func() []string {
			t.Helper()
			var out []string
			for _, e := range fx.tableEntries(&models.NeutronNetwork{}, tp.extNet, midonet.Fip64Table) {
				out = append(out, e.Key+","+e.Value)
			}
			return out
		}
		entry := func(fixed string) string {
			return fixed + ";2002:0:0:0:0:0:0:10;1681915904;10;" + TenantGwPortID(g(tp.gw)).String() + ";" +
				tp.router.Canonical() + ",0"
		}
		f := newID()
		fx.create(floatingIP(f, tp.extNet, "2002::10"))
		if got := entries(); len(got) != 0 {
			t.Fatalf("unassociated IPv6 floating IP has entries %v", got)
		}
		fx.update(associated(f, tp.extNet, "2002::10", tp.router, tp.vif1, vif1IP))
		if got := entries(); len(got) != 1 || got[0] != entry(vif1IP) {
			t.Errorf("FIP64 entries %v, want [%s]", got, entry(vif1IP))
		}
		fx.update(associated(f, tp.extNet, "2002::10", tp.router, tp.vif2, vif2IP))
		if got := entries(); len(got) != 1 || got[0] != entry(vif2IP) {
			t.Errorf("FIP64 entries after the move %v, want [%s]", got, entry(vif2IP))
		}
		fx.update(floatingIP(f, tp.extNet, "2002::10"))
		if got := entries(); len(got) != 0 {
			t.Errorf("disassociated IPv6 floating IP keeps entries %v", got)
		}
		fx.update(associated(f, tp.extNet, "2002::10", tp.router, tp.vif1, vif1IP))
		fx.delete(&models.FloatingIp{}, f)
		if got := entries(); len(got) != 0 {
			t.Errorf("deleted IPv6 floating IP keeps entries %v", got)
		}
		var bad *BadRequestError
		fx.mustFail("IPv6 fixed address", fx.svc.Create(fx.ctx, associated(newID(), tp.extNet, "2002::11", tp.router,
			tp.vif1, "2002::99")), func(err error) bool { return errors.As(err, &bad) })
	})
}

// tableEntries lists the entries of an object's state table, every
// version of each key.
func (fx *fixture) tableEntries(model proto.Message, objID *models.UUID, table string) []zoom.TableEntry {
	fx.t.Helper()
	tbl, err := fx.st.Table(fx.ctx, model, g(objID), table)
	if err != nil {
		fx.t.Fatal(err)
	}
	es, err := tbl.Entries(fx.ctx)
	if err != nil {
		fx.t.Fatal(err)
	}
	return es
}
