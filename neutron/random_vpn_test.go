package neutron

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// VPNaaS operations of the random L3 sequence, drawn from their own seeded
// generator so they interleave with the L3 (and BGP) operations without
// changing which of those are drawn.

// l3Vpn is a router's VPN services and their connections as the plugin
// knows them.
type l3Vpn struct {
	services []*models.VpnService
	conns    []*models.IPSecSiteConnection
}

// vpnOp creates, renames or deletes a VPN service (its connections first,
// as Neutron requires), creates, updates or deletes an IPsec site
// connection, or moves the router's gateway to a new fixed IP. A router
// without a gateway is refused a service (400) and keeps nothing.
func (w *l3World) vpnOp() {
	fx := w.fx
	// Mostly routers with a gateway, which VPN services need.
	var withGw []*l3Router
	for _, r := range w.routers {
		if r.gwPort != nil {
			withGw = append(withGw, r)
		}
	}
	r := w.routers[w.vpnRng.IntN(len(w.routers))]
	if len(withGw) > 0 && w.vpnRng.IntN(8) > 0 {
		r = withGw[w.vpnRng.IntN(len(withGw))]
	}
	rid := r.nr.GetId()
	if r.gwPort == nil {
		err := fx.svc.Create(fx.ctx, vpnService(newID(), rid))
		var bad *BadRequestError
		if !errors.As(err, &bad) || bad.Msg != "Cannot discover gateway port of router" {
			fx.t.Fatalf("VPN service on a router without gateway: %v", err)
		}
		w.done["vpn service refused"]++
		return
	}
	v := &r.vpn
	switch k := w.vpnRng.IntN(12); {
	case k <= 1 || len(v.services) == 0:
		s := vpnService(newID(), rid)
		fx.create(s)
		v.services = append(v.services, s)
		w.done["add vpn service"]++
	case k <= 5:
		s := v.services[w.vpnRng.IntN(len(v.services))]
		c := ipsecConnection(newID(), s.GetId(), w.vpnCidrs("10.%d.%d.0/24", 1+w.vpnRng.IntN(2)),
			w.vpnCidrs("100.%d.%d.0/24", 1+w.vpnRng.IntN(3)))
		fx.create(c)
		v.conns = append(v.conns, c)
		w.done["add ipsec connection"]++
	case k == 6 && len(v.conns) > 0:
		i := w.vpnRng.IntN(len(v.conns))
		c := proto.Clone(v.conns[i]).(*models.IPSecSiteConnection)
		// Keep one peer CIDR, add another.
		c.PeerCidrs = append(c.PeerCidrs[:1], cidr(w.vpnCidrs("100.%d.%d.0/24", 1)[0]))
		c.Name = proto.String(fmt.Sprintf("c%d", w.vpnRng.IntN(100)))
		fx.update(c)
		v.conns[i] = c
		w.done["update ipsec connection"]++
	case k == 7 && len(v.conns) > 0:
		i := w.vpnRng.IntN(len(v.conns))
		fx.delete(&models.IPSecSiteConnection{}, v.conns[i].GetId())
		v.conns = slices.Delete(v.conns, i, i+1)
		w.done["delete ipsec connection"]++
	case k == 8:
		i := w.vpnRng.IntN(len(v.services))
		w.deleteVpnService(r, v.services[i])
	case k == 9:
		s := proto.Clone(v.services[w.vpnRng.IntN(len(v.services))]).(*models.VpnService)
		s.Name = proto.String(fmt.Sprintf("vpn%d", w.vpnRng.IntN(100)))
		fx.update(s)
		w.done["update vpn service"]++
	case k >= 10:
		gw := fixtureGet[*models.NeutronPort](fx, g(r.gwPort))
		gw.DeviceId = proto.String(rid.Canonical())
		gw.FixedIps = []*models.NeutronPort_IPAllocation{alloc(w.extIP(), w.extSn)}
		fx.update(gw)
		w.done["move vpn gateway IP"]++
	}
}

// vpnPhase runs n more VPNaaS operations over the routers left, so the
// consistency check sees several routers' containers, then checks them.
func (w *l3World) vpnPhase(n int) {
	for range n {
		if len(w.routers) > 0 {
			w.vpnOp()
		}
	}
	w.checkVpn()
}

// vpnCidrs are n fresh /24s of the pattern.
func (w *l3World) vpnCidrs(pattern string, n int) []string {
	var out []string
	for range n {
		w.nextCidr++
		out = append(out, fmt.Sprintf(pattern, w.nextCidr/250, w.nextCidr%250))
	}
	return out
}

// deleteVpnService deletes a service after its connections.
func (w *l3World) deleteVpnService(r *l3Router, s *models.VpnService) {
	v := &r.vpn
	v.conns = slices.DeleteFunc(v.conns, func(c *models.IPSecSiteConnection) bool {
		if c.GetVpnserviceId().Equal(s.GetId()) {
			w.fx.delete(&models.IPSecSiteConnection{}, c.GetId())
			return true
		}
		return false
	})
	w.fx.delete(&models.VpnService{}, s.GetId())
	v.services = slices.DeleteFunc(v.services, func(o *models.VpnService) bool { return o.GetId().Equal(s.GetId()) })
	w.done["delete vpn service"]++
}

// removeVpn is the plugin's order before a router loses its gateway or is
// deleted: its VPN services go.
func (w *l3World) removeVpn(r *l3Router) {
	for len(r.vpn.services) > 0 {
		w.deleteVpnService(r, r.vpn.services[0])
	}
}

// checkVpn: every router's services carry its gateway's IP; a router with
// connections has one IPSEC container with the three redirects for that
// IP and the connections' routes, one without has none.
func (w *l3World) checkVpn() {
	fx := w.fx
	fx.t.Helper()
	all, err := fx.st.GetAll(fx.ctx, &models.ServiceContainer{})
	if err != nil {
		fx.t.Fatal(err)
	}
	for _, r := range w.routers {
		var ipsec []*models.ServiceContainer
		for _, m := range all {
			sc := m.(*models.ServiceContainer)
			if sc.GetServiceType() == VpnServiceType && sc.GetConfigurationId().Equal(r.nr.GetId()) {
				ipsec = append(ipsec, sc)
			}
		}
		for _, s := range r.vpn.services {
			want := fixtureGet[*models.NeutronPort](fx, g(r.gwPort)).GetFixedIps()[0].GetIpAddress().GetAddress()
			if got := fixtureGet[*models.VpnService](fx, g(s.GetId())).GetExternalIp().GetAddress(); got != want {
				fx.t.Errorf("VPN service %s external IP %s, want the gateway's %s", s.GetId().Canonical(), got, want)
			}
		}
		if len(r.vpn.conns) == 0 {
			if len(ipsec) != 0 {
				fx.t.Errorf("router %s without connections has %d IPSEC containers", r.nr.GetId().Canonical(), len(ipsec))
			}
			continue
		}
		if len(ipsec) != 1 {
			fx.t.Errorf("router %s with connections has %d IPSEC containers", r.nr.GetId().Canonical(), len(ipsec))
			continue
		}
		gw := fixtureGet[*models.NeutronPort](fx, g(r.gwPort)).GetFixedIps()[0].GetIpAddress()
		vw := &vpnWorld{fx: fx, rtr: r.nr.GetId(), gwIP: gw.GetAddress()}
		var ids []*models.UUID
		for _, s := range r.vpn.services {
			ids = append(ids, s.GetId())
		}
		vw.verifyContainer(gw.GetAddress(), ids...)
		for _, c := range r.vpn.conns {
			local, peer := vpnCidrTexts(c.GetLocalCidrs()), vpnCidrTexts(c.GetPeerCidrs())
			others := 0
			for _, o := range r.vpn.conns {
				if !o.GetId().Equal(c.GetId()) {
					others += len(o.GetLocalCidrs()) * len(o.GetPeerCidrs())
				}
			}
			vw.verifyConnection(c.GetId(), local, peer, 2+others)
		}
	}
}

func vpnCidrTexts(sns []*models.IPSubnet) []string {
	out := make([]string, len(sns))
	for i, sn := range sns {
		out[i] = sn.CIDR()
	}
	return out
}
