package neutron

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
)

func vifPort(id, net *models.UUID, mac string, ips ...*models.NeutronPort_IPAllocation) *models.NeutronPort {
	return &models.NeutronPort{Id: id, NetworkId: net, TenantId: proto.String("tenant"), MacAddress: proto.String(mac),
		AdminStateUp: proto.Bool(true), DeviceOwner: models.NeutronPort_COMPUTE.Enum(), FixedIps: ips,
		PortSecurityEnabled: proto.Bool(true)}
}

func alloc(addr string, subnet *models.UUID) *models.NeutronPort_IPAllocation {
	return &models.NeutronPort_IPAllocation{IpAddress: ip(addr), SubnetId: subnet}
}

// rulesOf reads a chain's rules in order.
func (fx *fixture) rulesOf(chain uuid.UUID) []*models.Rule {
	fx.t.Helper()
	c := fixtureGet[*models.Chain](fx, chain)
	var out []*models.Rule
	for _, id := range c.GetRuleIds() {
		out = append(out, fixtureGet[*models.Rule](fx, id.ToGoogle()))
	}
	return out
}

// macTable and arpTable read a network's seeded entries.
func (fx *fixture) macTable(net *models.UUID) map[string]string {
	fx.t.Helper()
	tbl, err := midonet.BridgeMacTable(fx.ctx, fx.st, net.ToGoogle(), 0)
	return tableStrings(fx, tbl, err)
}

func (fx *fixture) arpTable(net *models.UUID) map[string]string {
	fx.t.Helper()
	tbl, err := midonet.BridgeIP4MacTable(fx.ctx, fx.st, net.ToGoogle())
	return tableStrings(fx, tbl, err)
}

// tableStrings is a typed state table's snapshot as text.
func tableStrings[K interface {
	comparable
	String() string
}, V fmt.Stringer](fx *fixture, tbl midonet.TypedTable[K, V], err error) map[string]string {
	fx.t.Helper()
	if err != nil {
		fx.t.Fatal(err)
	}
	snap, err := tbl.Snapshot(fx.ctx)
	if err != nil {
		fx.t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range snap {
		out[k.String()] = v.String()
	}
	return out
}

// condition is the part of a rule the tables below compare.
type ruleWant struct {
	typ    models.Rule_Type
	action models.Rule_Action
	cond   *models.Condition
	jumpTo *uuid.UUID
}

func (fx *fixture) checkChain(what string, chain uuid.UUID, want []ruleWant) {
	fx.t.Helper()
	got := fx.rulesOf(chain)
	if len(got) != len(want) {
		fx.t.Errorf("%s: %d rules, want %d: %v", what, len(got), len(want), got)
		return
	}
	for i, w := range want {
		r := got[i]
		if r.GetType() != w.typ || r.GetAction() != w.action {
			fx.t.Errorf("%s rule %d: %s/%s, want %s/%s", what, i, r.GetType(), r.GetAction(), w.typ, w.action)
		}
		if w.cond != nil && !proto.Equal(r.GetCondition(), w.cond) {
			fx.t.Errorf("%s rule %d condition:\n got  %v\n want %v", what, i, r.GetCondition(), w.cond)
		}
		if w.jumpTo != nil && r.GetJumpRuleData().GetJumpChainId().ToGoogle() != *w.jumpTo {
			fx.t.Errorf("%s rule %d jumps to %v, want %s", what, i, r.GetJumpRuleData().GetJumpChainId(), w.jumpTo)
		}
		if !r.GetChainId().Equal(models.UUIDFromGoogle(chain)) {
			fx.t.Errorf("%s rule %d has chain %v", what, i, r.GetChainId())
		}
	}
}

func frag(p models.Condition_FragmentPolicy, f func(c *models.Condition)) *models.Condition {
	c := &models.Condition{FragmentPolicy: p.Enum()}
	if f != nil {
		f(c)
	}
	return c
}

// antiSpoofWant is the anti-spoofing chain of a port with the given own
// addresses (prefix, MAC).
func antiSpoofWant(pairs ...[2]string) []ruleWant {
	w := []ruleWant{{models.Rule_LITERAL_RULE, models.Rule_RETURN, frag(models.Condition_ANY, func(c *models.Condition) {
		c.TpSrc = &models.Int32Range{Start: proto.Int32(68), End: proto.Int32(68)}
		c.TpDst = &models.Int32Range{Start: proto.Int32(67), End: proto.Int32(67)}
	}), nil}}
	for _, p := range pairs {
		p := p
		w = append(w,
			ruleWant{models.Rule_LITERAL_RULE, models.Rule_RETURN, frag(models.Condition_ANY, func(c *models.Condition) {
				c.DlType, c.NwSrcIp = proto.Int32(0x0806), cidr(p[0])
			}), nil},
			ruleWant{models.Rule_LITERAL_RULE, models.Rule_RETURN, frag(models.Condition_ANY, func(c *models.Condition) {
				c.NwSrcIp, c.DlSrc = cidr(p[0]), proto.String(p[1])
			}), nil})
	}
	return append(w, ruleWant{models.Rule_LITERAL_RULE, models.Rule_DROP, frag(models.Condition_ANY, nil), nil})
}

var dropNonARP = frag(models.Condition_ANY, func(c *models.Condition) {
	c.DlType, c.InvDlType = proto.Int32(0x0806), proto.Bool(true)
})

var returnFlow = &models.Condition{MatchReturnFlow: proto.Bool(true)}

// Expectations of the reference's PortTranslatorIT ("handle VIF port
// CRUD", "seed Network's ARP table", extra DHCP options) and
// PortTranslatorTest (security chains, DHCP hosts, MAC entries).
func TestVifPortTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid, pid := newID(), newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.2.0/24", "10.0.2.1"))
		np := vifPort(pid, nid, "ad:be:cf:03:14:25", alloc("10.0.2.5", sid))
		np.ExtraDhcpOpts = []*models.NeutronPort_ExtraDhcpOpts{{OptName: proto.String("mtu"), OptValue: proto.String("1400")}}
		fx.create(np)
		id := pid.ToGoogle()

		port := fixtureGet[*models.Port](fx, id)
		want := &models.Port{Id: pid, NetworkId: nid, AdminStateUp: proto.Bool(true), TunnelKey: proto.Uint64(1),
			InboundFilterId: models.UUIDFromGoogle(InChainID(id)), OutboundFilterId: models.UUIDFromGoogle(OutChainID(id))}
		fx.equal("port", port, want)
		if got := fixtureGet[*models.Chain](fx, InChainID(id)).GetName(); got != "OS_PORT_"+id.String()+"_INBOUND" {
			t.Errorf("inbound chain name %q", got)
		}
		if got := fixtureGet[*models.Chain](fx, OutChainID(id)).GetName(); got != "OS_PORT_"+id.String()+"_OUTBOUND" {
			t.Errorf("outbound chain name %q", got)
		}
		asc := fixtureGet[*models.Chain](fx, AntiSpoofChainID(id))
		if asc.GetName() != "OS_PORT_"+id.String()+"_ANTI_SPOOF" || len(asc.GetJumpRuleIds()) != 1 ||
			asc.GetJumpRuleIds()[0].ToGoogle() != AntiSpoofJumpRuleID(id) {
			t.Errorf("anti-spoof chain %v", asc)
		}
		spoof := AntiSpoofChainID(id)
		fx.checkChain("inbound", InChainID(id), []ruleWant{
			{models.Rule_JUMP_RULE, models.Rule_JUMP, nil, &spoof},
			{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, returnFlow, nil},
			{models.Rule_LITERAL_RULE, models.Rule_DROP, dropNonARP, nil}})
		if fx.rulesOf(InChainID(id))[0].GetId().ToGoogle() != AntiSpoofJumpRuleID(id) {
			t.Error("the anti-spoof jump rule has not its derived id")
		}
		fx.checkChain("outbound", OutChainID(id), []ruleWant{
			{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, returnFlow, nil},
			{models.Rule_LITERAL_RULE, models.Rule_DROP, dropNonARP, nil}})
		fx.checkChain("anti-spoof", spoof, antiSpoofWant([2]string{"10.0.2.5/32", "ad:be:cf:03:14:25"}))

		dhcp := fixtureGet[*models.Dhcp](fx, sid.ToGoogle())
		fx.equal("dhcp hosts", &models.Dhcp{Hosts: dhcp.GetHosts()}, &models.Dhcp{Hosts: []*models.Dhcp_Host{{
			Mac: proto.String("ad:be:cf:03:14:25"), IpAddress: ip("10.0.2.5"),
			ExtraDhcpOpts: []*models.Dhcp_Host_ExtraDhcpOpt{{Name: proto.String("mtu"), Value: proto.String("1400")}}}}})
		if got := fx.macTable(nid); len(got) != 1 || got["ad:be:cf:03:14:25"] != id.String() {
			t.Errorf("MAC table %v", got)
		}
		if got := fx.arpTable(nid); len(got) != 1 || got["10.0.2.5"] != "ad:be:cf:03:14:25" {
			t.Errorf("ARP table %v", got)
		}

		// A binding made on the MidoNet port (mm-ctl) survives an update of
		// the Neutron port without one.
		h := &models.Host{Id: newID(), Name: proto.String("host1")}
		if err := fx.st.Create(fx.ctx, h); err != nil {
			t.Fatal(err)
		}
		port.HostId, port.InterfaceName = h.GetId(), proto.String("eth0")
		if err := fx.st.Update(fx.ctx, port); err != nil {
			t.Fatal(err)
		}
		down := proto.Clone(np).(*models.NeutronPort)
		down.AdminStateUp = proto.Bool(false)
		fx.update(down)
		port = fixtureGet[*models.Port](fx, id)
		if port.GetAdminStateUp() || !port.GetHostId().Equal(h.GetId()) || port.GetInterfaceName() != "eth0" {
			t.Errorf("port after update %v", port)
		}

		// Allowed address pairs (CIDR and bare address) join the anti-spoof
		// chain; the fixed IP and MAC change move the ARP and MAC entries.
		up := vifPort(pid, nid, "ad:be:cf:03:14:26", alloc("10.0.2.6", sid))
		up.AllowedAddressPairs = []*models.NeutronPort_AllowedAddressPair{
			{IpAddress: cidr("10.0.1.0/24"), MacAddress: proto.String("ab:cd:ef:ab:cd:ef")},
			{IpAddress: cidr("10.0.2.1/32"), MacAddress: proto.String("12:34:56:12:34:56")}}
		fx.update(up)
		fx.checkChain("anti-spoof after pairs", spoof, antiSpoofWant([2]string{"10.0.2.6/32", "ad:be:cf:03:14:26"},
			[2]string{"10.0.1.0/24", "ab:cd:ef:ab:cd:ef"}, [2]string{"10.0.2.1/32", "12:34:56:12:34:56"}))
		fx.checkChain("inbound after update", InChainID(id), []ruleWant{
			{models.Rule_JUMP_RULE, models.Rule_JUMP, nil, &spoof},
			{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, returnFlow, nil},
			{models.Rule_LITERAL_RULE, models.Rule_DROP, dropNonARP, nil}})
		if got := fx.arpTable(nid); len(got) != 1 || got["10.0.2.6"] != "ad:be:cf:03:14:26" {
			t.Errorf("ARP table after update %v", got)
		}
		if got := fx.macTable(nid); len(got) != 1 || got["ad:be:cf:03:14:26"] != id.String() {
			t.Errorf("MAC table after update %v", got)
		}
		if hosts := fixtureGet[*models.Dhcp](fx, sid.ToGoogle()).GetHosts(); len(hosts) != 1 ||
			!proto.Equal(hosts[0].GetIpAddress(), ip("10.0.2.6")) || hosts[0].GetMac() != "ad:be:cf:03:14:26" {
			t.Errorf("DHCP hosts after update %v", hosts)
		}

		// Port security off: the chains stay, empty.
		off := proto.Clone(up).(*models.NeutronPort)
		off.PortSecurityEnabled = proto.Bool(false)
		fx.update(off)
		for _, c := range []uuid.UUID{InChainID(id), OutChainID(id), spoof} {
			if n := len(fixtureGet[*models.Chain](fx, c).GetRuleIds()); n != 0 {
				t.Errorf("chain %s has %d rules with port security off", c, n)
			}
		}

		// Only compute <-> router interface owner changes are accepted.
		bad := proto.Clone(off).(*models.NeutronPort)
		bad.DeviceOwner = models.NeutronPort_DHCP.Enum()
		var badReq *BadRequestError
		if err := fx.svc.Update(fx.ctx, bad); !errors.As(err, &badReq) {
			t.Errorf("owner change to DHCP: %v, want a BadRequestError", err)
		}

		fx.delete(&models.NeutronPort{}, pid)
		for _, c := range []uuid.UUID{InChainID(id), OutChainID(id), spoof} {
			if fx.exists(&models.Chain{}, c) {
				t.Errorf("chain %s survives the port", c)
			}
		}
		if fx.exists(&models.Port{}, id) || len(fixtureGet[*models.Dhcp](fx, sid.ToGoogle()).GetHosts()) != 0 {
			t.Error("port or its DHCP host survives the delete")
		}
		if len(fx.macTable(nid)) != 0 || len(fx.arpTable(nid)) != 0 {
			t.Errorf("MAC %v / ARP %v entries survive the port", fx.macTable(nid), fx.arpTable(nid))
		}
		if len(fixtureGet[*models.Host](fx, h.GetId().ToGoogle()).GetPortIds()) != 0 {
			t.Error("host keeps the deleted port")
		}
	})
}

// Expectations of PortTranslatorIT's DHCP port tests: the DHCP port's IP
// becomes the server address with a metadata route, and its delete
// reverts the server address to the gateway, or clears it.
func TestDhcpPortTranslation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		for _, gw := range []string{"10.0.0.1", ""} {
			nid, sid, pid := newID(), newID(), newID()
			fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", gw))
			dp := &models.NeutronPort{Id: pid, NetworkId: nid, MacAddress: proto.String("aa:bb:cc:00:00:02"),
				AdminStateUp: proto.Bool(true), DeviceOwner: models.NeutronPort_DHCP.Enum(),
				FixedIps: []*models.NeutronPort_IPAllocation{alloc("10.0.0.2", sid)}}
			fx.create(dp)
			d := fixtureGet[*models.Dhcp](fx, sid.ToGoogle())
			meta := &models.Dhcp_Opt121Route{DstSubnet: cidr("169.254.169.254/32"), Gateway: ip("10.0.0.2")}
			if !proto.Equal(d.GetServerAddress(), ip("10.0.0.2")) || len(d.GetOpt121Routes()) != 1 ||
				!proto.Equal(d.GetOpt121Routes()[0], meta) {
				t.Errorf("dhcp with DHCP port (gateway %q): %v", gw, d)
			}
			port := fixtureGet[*models.Port](fx, pid.ToGoogle())
			if port.InboundFilterId != nil || port.OutboundFilterId != nil {
				t.Error("a DHCP port (trusted) got security chains")
			}
			if len(fx.macTable(nid)) != 0 {
				t.Error("a DHCP port seeded the MAC table")
			}
			// A subnet update keeps the metadata route through the DHCP port.
			s := subnet(sid, nid, "10.0.0.0/24", gw)
			fx.update(s)
			if d := fixtureGet[*models.Dhcp](fx, sid.ToGoogle()); len(d.GetOpt121Routes()) != 1 ||
				!proto.Equal(d.GetOpt121Routes()[0], meta) {
				t.Errorf("subnet update lost the metadata route: %v", d.GetOpt121Routes())
			}
			fx.delete(&models.NeutronPort{}, pid)
			d = fixtureGet[*models.Dhcp](fx, sid.ToGoogle())
			var wantServer *models.IPAddress
			if gw != "" {
				wantServer = ip(gw)
			}
			if !proto.Equal(d.GetServerAddress(), wantServer) || len(d.GetOpt121Routes()) != 0 {
				t.Errorf("dhcp after the DHCP port's delete (gateway %q): %v", gw, d)
			}
		}
	})
}

// Expectations of PortTranslatorIT's "update ip addr groups" tests: a
// port's fixed IPs are entries of its security groups' address groups,
// following IP, group and port-security changes.
func TestPortAddressGroups(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		sg1, sg2 := newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"),
			&models.SecurityGroup{Id: sg1, Name: proto.String("sg1")}, &models.SecurityGroup{Id: sg2, Name: proto.String("sg2")})
		group := func(sg *models.UUID) map[string][]string {
			out := map[string][]string{}
			for _, e := range fixtureGet[*models.IPAddrGroup](fx, sg.ToGoogle()).GetIpAddrPorts() {
				out[e.GetIpAddress().GetAddress()] = models.UUIDsToStrings(e.GetPortIds())
			}
			return out
		}
		p1, p2 := newID(), newID()
		a := vifPort(p1, nid, "aa:00:00:00:00:01", alloc("10.0.0.3", sid))
		a.SecurityGroups = []*models.UUID{sg1}
		b := vifPort(p2, nid, "aa:00:00:00:00:02", alloc("10.0.0.3", sid))
		b.SecurityGroups = []*models.UUID{sg1}
		fx.create(a, b)
		if got := group(sg1); len(got) != 1 || len(got["10.0.0.3"]) != 2 {
			t.Errorf("sg1 with two ports on one IP: %v", got)
		}
		// The port's chains jump to its groups' chains.
		sgIn, sgOut := InChainID(sg1.ToGoogle()), OutChainID(sg1.ToGoogle())
		spoof := AntiSpoofChainID(p1.ToGoogle())
		fx.checkChain("inbound with SG", InChainID(p1.ToGoogle()), []ruleWant{
			{models.Rule_JUMP_RULE, models.Rule_JUMP, nil, &spoof},
			{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, returnFlow, nil},
			{models.Rule_JUMP_RULE, models.Rule_JUMP, nil, &sgIn},
			{models.Rule_LITERAL_RULE, models.Rule_DROP, dropNonARP, nil}})
		fx.checkChain("outbound with SG", OutChainID(p1.ToGoogle()), []ruleWant{
			{models.Rule_LITERAL_RULE, models.Rule_ACCEPT, returnFlow, nil},
			{models.Rule_JUMP_RULE, models.Rule_JUMP, nil, &sgOut},
			{models.Rule_LITERAL_RULE, models.Rule_DROP, dropNonARP, nil}})

		// New IP, second group.
		a2 := vifPort(p1, nid, "aa:00:00:00:00:01", alloc("10.0.0.4", sid))
		a2.SecurityGroups = []*models.UUID{sg1, sg2}
		fx.update(a2)
		if got := group(sg1); len(got) != 2 || len(got["10.0.0.3"]) != 1 || got["10.0.0.4"][0] != p1.Canonical() {
			t.Errorf("sg1 after the IP change: %v", got)
		}
		if got := group(sg2); len(got) != 1 || got["10.0.0.4"][0] != p1.Canonical() {
			t.Errorf("sg2 after joining: %v", got)
		}
		// Leaving sg1.
		a3 := proto.Clone(a2).(*models.NeutronPort)
		a3.SecurityGroups = []*models.UUID{sg2}
		fx.update(a3)
		if got := group(sg1); len(got) != 1 || len(got["10.0.0.4"]) != 0 {
			t.Errorf("sg1 after the port left: %v", got)
		}
		// Becoming a router interface (trusted): out of every group, no chains.
		rif := proto.Clone(a3).(*models.NeutronPort)
		rif.DeviceOwner = models.NeutronPort_ROUTER_INTERFACE.Enum()
		rif.DeviceId = proto.String(uuid.NewString())
		fx.update(rif)
		if got := group(sg2); len(got) != 0 {
			t.Errorf("sg2 after the port became trusted: %v", got)
		}
		if fx.exists(&models.Chain{}, InChainID(p1.ToGoogle())) {
			t.Error("a router interface port kept its security chains")
		}
		if p := fixtureGet[*models.Port](fx, p1.ToGoogle()); p.InboundFilterId != nil {
			t.Errorf("router interface port keeps filter %v", p.InboundFilterId)
		}
		// Deleting the other port removes it from its entry (which stays).
		fx.delete(&models.NeutronPort{}, p2)
		if got := group(sg1); len(got["10.0.0.3"]) != 0 {
			t.Errorf("sg1 after deleting the port: %v", got)
		}
	})
}

// Ports on uplink networks and floating-IP ports are only stored; a
// binding names the host by its name.
func TestPortKindsAndBinding(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		uid, nid := newID(), newID()
		un := network(uid)
		un.NetworkType = models.NeutronNetwork_UPLINK.Enum()
		fx.create(un, network(nid))
		up, fip := newID(), newID()
		fx.create(vifPort(up, uid, "aa:00:00:00:00:09"))
		fp := vifPort(fip, nid, "aa:00:00:00:00:0a")
		fp.DeviceOwner = models.NeutronPort_FLOATINGIP.Enum()
		fx.create(fp)
		if fx.exists(&models.Port{}, up.ToGoogle()) || fx.exists(&models.Port{}, fip.ToGoogle()) {
			t.Error("uplink or floating IP port translated")
		}
		if !fx.exists(&models.NeutronPort{}, up.ToGoogle()) {
			t.Error("uplink port not stored")
		}

		h := &models.Host{Id: newID(), Name: proto.String("compute-1")}
		if err := fx.st.Create(fx.ctx, h); err != nil {
			t.Fatal(err)
		}
		bp := vifPort(newID(), nid, "aa:00:00:00:00:0b")
		bp.HostId = proto.String("compute-1")
		bp.Profile = &models.NeutronPort_BindingProfile{InterfaceName: proto.String("tap0")}
		fx.create(bp)
		p := fixtureGet[*models.Port](fx, bp.GetId().ToGoogle())
		if !p.GetHostId().Equal(h.GetId()) || p.GetInterfaceName() != "tap0" {
			t.Errorf("bound port %v", p)
		}
		unknown := vifPort(newID(), nid, "aa:00:00:00:00:0c")
		unknown.HostId = proto.String("nowhere")
		unknown.Profile = bp.Profile
		if err := fx.svc.Create(fx.ctx, unknown); err == nil || !isNotFound(err) {
			t.Errorf("binding to an unknown host: %v, want not found", err)
		}
		if fx.exists(&models.NeutronPort{}, unknown.GetId().ToGoogle()) {
			t.Error("a failed create left its Neutron port")
		}
	})
}

// PortTranslatorIT "update ip addr groups with same IP": two ports on one
// address in three groups; after each update of the first port's groups,
// the number of ports per address entry of each group.
func TestAddressGroupsSameIP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		sgs := []*models.UUID{newID(), newID(), newID()}
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		for _, sg := range sgs {
			fx.create(&models.SecurityGroup{Id: sg, Name: proto.String("sg")})
		}
		counts := func() [][]int {
			var out [][]int
			for _, sg := range sgs {
				row := []int{}
				for _, e := range fixtureGet[*models.IPAddrGroup](fx, sg.ToGoogle()).GetIpAddrPorts() {
					row = append(row, len(e.GetPortIds()))
				}
				out = append(out, row)
			}
			return out
		}
		p1 := vifPort(newID(), nid, "fa:16:3e:00:00:01", alloc("10.0.0.3", sid))
		p1.SecurityGroups = sgs
		p2 := vifPort(newID(), nid, "fa:16:3e:00:00:02", alloc("10.0.0.3", sid))
		p2.SecurityGroups = sgs[:2]
		fx.create(p1, p2)
		steps := []struct {
			groups []*models.UUID
			want   string
		}{
			{nil, "[[2] [2] [1]]"}, // after the creates
			{[]*models.UUID{sgs[1]}, "[[1] [2] []]"},
			{sgs, "[[2] [2] [1]]"},
			{[]*models.UUID{}, "[[1] [1] []]"},
		}
		for i, s := range steps {
			if i > 0 {
				up := proto.Clone(p1).(*models.NeutronPort)
				up.SecurityGroups = s.groups
				fx.update(up)
			}
			if got := fmt.Sprint(counts()); got != s.want {
				t.Errorf("step %d: ports per address %s, want %s", i, got, s.want)
			}
		}
	})
}

// PortTranslatorIT "add/update dhcp extra opts": the DHCP host carries the
// port's extra options, replaced by each update.
func TestDhcpExtraOpts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		opt := func(n, v string) *models.NeutronPort_ExtraDhcpOpts {
			return &models.NeutronPort_ExtraDhcpOpts{OptName: proto.String(n), OptValue: proto.String(v)}
		}
		p := vifPort(newID(), nid, "fa:16:3e:00:00:01", alloc("10.0.0.3", sid))
		for i, opts := range [][]*models.NeutronPort_ExtraDhcpOpts{
			{opt("12", "A"), opt("13", "B")}, {}, {opt("12", "A")},
		} {
			p = proto.Clone(p).(*models.NeutronPort)
			p.ExtraDhcpOpts = opts
			if i == 0 {
				fx.create(p)
			} else {
				fx.update(p)
			}
			hosts := fixtureGet[*models.Dhcp](fx, sid.ToGoogle()).GetHosts()
			if len(hosts) != 1 {
				t.Fatalf("step %d: %d DHCP hosts", i, len(hosts))
			}
			var got []string
			for _, o := range hosts[0].GetExtraDhcpOpts() {
				got = append(got, o.GetName()+"="+o.GetValue())
			}
			var want []string
			for _, o := range opts {
				want = append(want, o.GetOptName()+"="+o.GetOptValue())
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("step %d: extra options %v, want %v", i, got, want)
			}
		}
	})
}
