package restapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// backend is one object store the end-to-end suite runs against.
type backend struct {
	name string
	// open returns a fresh store, its state tables and counters.
	open func(t testing.TB) opened
}

type opened struct {
	store     restapi.Store
	tables    restapi.StateTables
	sequences restapi.Sequencer
}

// options are the handler options of a backend.
func (o opened) options() restapi.Options {
	return restapi.Options{StateTables: o.tables, Sequences: o.sequences}
}

func serve(t testing.TB, b backend) (*httptest.Server, *client.Client) {
	t.Helper()
	o := b.open(t)
	h, err := restapi.NewHandler(o.store, restapi.MockTenants{}, o.options())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, client.New(srv.URL + "/midonet-api")
}

// must(f())(t) fails the test on error and returns f's value.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func portID(p client.Port) string     { return p.ID }
func ruleID(r client.Rule) string     { return r.ID }
func bridgeID(b client.Bridge) string { return b.ID }

// TestTenantTopology drives a full tenant topology through the typed client
// and checks the store's cascades through the API.
func TestTenantTopology(t *testing.T) {
	onBackends(t, tenantTopology)
}

func tenantTopology(t *testing.T, b backend) {
	ctx := context.Background()
	_, c := serve(t, b)

	app := must(c.Application(ctx))(t)
	if app["version"] != "v5.0" || app["bridgeTemplate"] != c.URL("bridges")+"/{id}" {
		t.Fatalf("root: %v", app)
	}

	router := must(c.Routers().Create(ctx, &client.Router{Name: "edge", TenantID: "acme"}))(t)
	front := must(c.Bridges().Create(ctx, &client.Bridge{Name: "front", TenantID: "acme"}))(t)
	back := must(c.Bridges().Create(ctx, &client.Bridge{Name: "back", TenantID: "acme"}))(t)
	other := must(c.Bridges().Create(ctx, &client.Bridge{Name: "x", TenantID: "other"}))(t)
	if front.AdminStateUp == nil || !*front.AdminStateUp {
		t.Errorf("adminStateUp default: %+v", front)
	}
	acme := must(c.Bridges().List(ctx, url.Values{"tenant_id": {"acme"}}))(t)
	if got := ids(acme, bridgeID); len(got) != 2 || slices.Contains(got, other.ID) {
		t.Errorf("tenant filter: %v", got)
	}

	// Ports: one per bridge, two on the router; router ports get LOCAL routes.
	bp1 := must(c.BridgePorts(front.ID).Create(ctx, &client.Port{Type: "Bridge"}))(t)
	bp2 := must(c.BridgePorts(back.ID).Create(ctx, &client.Port{Type: "Bridge", VlanID: 10}))(t)
	rp1 := must(c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"10.0.0.1/24"}}))(t)
	rp2 := must(c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortAddress: ptr("10.0.1.1"), NetworkLength: 24}))(t)
	if bp1.DeviceID != front.ID || bp2.VlanID != 10 || rp1.Type != "Router" || rp1.DeviceID != router.ID {
		t.Fatalf("ports: %+v %+v %+v", bp1, bp2, rp1)
	}
	// Tunnel keys come from the cluster-wide counter: set and distinct.
	keys := map[int64]bool{}
	for _, p := range []*client.Port{bp1, bp2, rp1, rp2} {
		if p.TunnelKey == 0 || keys[p.TunnelKey] {
			t.Errorf("tunnel key of %s: %d (seen %v)", p.ID, p.TunnelKey, keys)
		}
		keys[p.TunnelKey] = true
	}
	if rp2.PortAddress == nil || *rp2.PortAddress != "10.0.1.1" || rp2.NetworkAddress == nil || *rp2.NetworkAddress != "10.0.1.0" {
		t.Errorf("legacy port address: %+v", rp2)
	}
	_, err := c.BridgePorts(front.ID).Create(ctx, &client.Port{Type: "Router"})
	wantStatus(t, err, 400)
	_, err = c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Bridge"})
	wantStatus(t, err, 400)

	routes := must(c.RouterRoutes(router.ID).List(ctx, nil))(t)
	var local []string
	for _, r := range routes {
		if r.Type == "Local" && r.NextHopPort != nil {
			local = append(local, r.DstNetworkAddr)
		}
	}
	slices.Sort(local)
	if !slices.Equal(local, []string{"10.0.0.1", "10.0.1.1"}) {
		t.Errorf("local routes: %+v", routes)
	}

	// Links.
	if err := c.Link(ctx, rp1.ID, bp1.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Link(ctx, rp2.ID, bp2.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.Link(ctx, bp1.ID, rp2.ID), 409)
	bp1 = must(c.Ports().Get(ctx, bp1.ID))(t)
	if bp1.PeerID == nil || *bp1.PeerID != rp1.ID || bp1.Peer == nil {
		t.Errorf("peer after link: %+v", bp1)
	}
	var peers []client.Port
	must(c.Do(ctx, "GET", router.PeerPorts, client.CollectionMedia("Port-v3"), "", nil, &peers))(t)
	if got := ids(peers, portID); !slices.Contains(got, bp1.ID) || !slices.Contains(got, bp2.ID) {
		t.Errorf("router peer ports: %v", got)
	}

	// Routes.
	def := must(c.RouterRoutes(router.ID).Create(ctx, &client.Route{Type: "Normal",
		SrcNetworkAddr: "0.0.0.0", DstNetworkAddr: "0.0.0.0", NextHopPort: &rp1.ID,
		NextHopGateway: ptr("10.0.0.254"), Weight: 100}))(t)
	if def.RouterID != router.ID || def.NextHopGateway == nil || *def.NextHopGateway != "10.0.0.254" {
		t.Errorf("route: %+v", def)
	}
	_, err = c.RouterRoutes(router.ID).Create(ctx, &client.Route{Type: "Normal",
		SrcNetworkAddr: "0.0.0.0", DstNetworkAddr: "1.0.0.0", DstNetworkLength: 8, NextHopPort: &bp1.ID})
	wantStatus(t, err, 400)
	hole := must(c.RouterRoutes(router.ID).Create(ctx, &client.Route{Type: "BlackHole",
		SrcNetworkAddr: "0.0.0.0", DstNetworkAddr: "192.168.0.0", DstNetworkLength: 16}))(t)

	// Chains and rules, with positions and a jump.
	in := must(c.Chains().Create(ctx, &client.Chain{Name: "in", TenantID: "acme"}))(t)
	target := must(c.Chains().Create(ctx, &client.Chain{Name: "target", TenantID: "acme"}))(t)
	accept := must(c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "accept", NwProto: ptr(6),
		TpDst: &client.Range{Start: 22, End: 22}}))(t)
	drop := must(c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "drop"}))(t) // default: head
	jump := must(c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "jump", JumpChainID: &target.ID, Position: 3}))(t)
	dnat := must(c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "dnat", FlowAction: ptr("accept"), Position: 2,
		NatTargets: []client.NatTarget{{AddressFrom: "10.0.0.5", AddressTo: "10.0.0.5", PortFrom: 80, PortTo: 80}}}))(t)
	_, err = c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "drop", Position: 9})
	wantStatus(t, err, 400)
	_, err = c.ChainRules(in.ID).Create(ctx, &client.Rule{Type: "jump"})
	wantStatus(t, err, 400)
	if accept.FragmentPolicy != "header" || dnat.FragmentPolicy != "unfragmented" {
		t.Errorf("fragment policy defaults: %q %q", accept.FragmentPolicy, dnat.FragmentPolicy)
	}
	rules := must(c.ChainRules(in.ID).List(ctx, nil))(t)
	if got, want := ids(rules, ruleID), []string{drop.ID, dnat.ID, accept.ID, jump.ID}; !slices.Equal(got, want) {
		t.Errorf("rule order %v, want %v", got, want)
	}
	for i, r := range rules {
		if r.Position != i+1 {
			t.Errorf("rule %d position %d", i, r.Position)
		}
	}
	if got := must(c.ChainRules(in.ID).Get(ctx, accept.ID))(t); got.Position != 3 {
		t.Errorf("accept position %d", got.Position)
	}

	// Filters: attach by PUT; PUT keeps ports (back-references) untouched.
	front.InboundFilterID = &in.ID
	front.Name = "front-renamed"
	if err := c.Bridges().Update(ctx, front.ID, front); err != nil {
		t.Fatal(err)
	}
	front = must(c.Bridges().Get(ctx, front.ID))(t)
	if front.InboundFilter == nil || *front.InboundFilter != c.URL("chains/"+in.ID) || front.Name != "front-renamed" {
		t.Errorf("filter after PUT: %+v", front)
	}
	if got := ids(must(c.BridgePorts(front.ID).List(ctx, nil))(t), portID); !slices.Equal(got, []string{bp1.ID}) {
		t.Errorf("ports after PUT: %v", got)
	}
	router.OutboundFilterID = &target.ID
	if err := c.Routers().Update(ctx, router.ID, router); err != nil {
		t.Fatal(err)
	}

	// Port groups.
	pg := must(c.PortGroups().Create(ctx, &client.PortGroup{Name: "web", TenantID: "acme", Stateful: true}))(t)
	must(c.PortGroupPorts(pg.ID).Create(ctx, &client.PortGroupPort{PortID: bp1.ID}))(t)
	_, err = c.PortGroupPorts(pg.ID).Create(ctx, &client.PortGroupPort{PortID: bp1.ID})
	wantStatus(t, err, 409)
	if got := must(c.PortGroups().List(ctx, url.Values{"port_id": {bp1.ID}}))(t); len(got) != 1 || got[0].ID != pg.ID {
		t.Errorf("port_id filter: %+v", got)
	}

	// IP address groups.
	ipg := must(c.IPAddrGroups().Create(ctx, &client.IPAddrGroup{Name: "admins"}))(t)
	must(c.IPAddrGroupAddrs(ipg.ID).Create(ctx, &client.IPAddrGroupAddr{Version: 4, Addr: "10.0.0.7"}))(t)
	must(c.IPAddrGroupAddrs(ipg.ID).Create(ctx, &client.IPAddrGroupAddr{Version: 6, Addr: "fe80::1"}))(t)
	if got := must(c.IPAddrGroupAddrs(ipg.ID).List(ctx, nil))(t); len(got) != 2 {
		t.Errorf("ip addrs: %+v", got)
	}

	// DHCP subnets and hosts.
	subnetBody := map[string]any{"subnetPrefix": "10.0.0.0", "subnetLength": 24, "defaultGateway": "10.0.0.1",
		"dnsServerAddrs": []string{"8.8.8.8"}, "opt121Routes": []map[string]any{{"destinationPrefix": "169.254.169.254", "destinationLength": 32, "gatewayAddr": "10.0.0.2"}}}
	hdr := must(c.Do(ctx, "POST", front.URI+"/dhcp", "", client.Media("DhcpSubnet-v2"), subnetBody, nil))(t)
	subnetURI := hdr.Get("Location")
	if subnetURI != front.URI+"/dhcp/10.0.0.0_24" {
		t.Fatalf("DHCP Location %q", subnetURI)
	}
	_, err = c.Do(ctx, "POST", front.URI+"/dhcp", "", client.Media("DhcpSubnet-v2"), subnetBody, nil)
	wantStatus(t, err, 409)
	var subnet map[string]any
	must(c.Do(ctx, "GET", subnetURI, client.Media("DhcpSubnet-v2"), "", nil, &subnet))(t)
	if subnet["defaultGateway"] != "10.0.0.1" || subnet["enabled"] != true || subnet["hosts"] != subnetURI+"/hosts" {
		t.Errorf("DHCP subnet: %v", subnet)
	}
	host1 := map[string]any{"macAddr": "aa:bb:cc:dd:ee:01", "ipAddr": "10.0.0.10", "name": "vm1"}
	hdr = must(c.Do(ctx, "POST", subnetURI+"/hosts", "", client.Media("DhcpHost-v2"), host1, nil))(t)
	if hdr.Get("Location") != subnetURI+"/hosts/aa:bb:cc:dd:ee:01" {
		t.Errorf("DHCP host Location %q", hdr.Get("Location"))
	}
	host1["ipAddr"] = "10.0.0.11"
	must(c.Do(ctx, "PUT", subnetURI+"/hosts/aa:bb:cc:dd:ee:01", "", client.Media("DhcpHost-v2"), host1, nil))(t)
	var hosts []map[string]any
	must(c.Do(ctx, "GET", subnetURI+"/hosts", client.CollectionMedia("DhcpHost-v2"), "", nil, &hosts))(t)
	if len(hosts) != 1 || hosts[0]["ipAddr"] != "10.0.0.11" {
		t.Errorf("DHCP hosts: %v", hosts)
	}
	subnetBody["enabled"] = false
	must(c.Do(ctx, "PUT", subnetURI, "", client.Media("DhcpSubnet-v2"), subnetBody, nil))(t)
	must(c.Do(ctx, "GET", subnetURI, client.Media("DhcpSubnet-v2"), "", nil, &subnet))(t)
	if subnet["enabled"] != false {
		t.Errorf("DHCP subnet after PUT: %v", subnet)
	}
	must(c.Do(ctx, "GET", subnetURI+"/hosts", client.CollectionMedia("DhcpHost-v2"), "", nil, &hosts))(t)
	if len(hosts) != 1 {
		t.Errorf("DHCP hosts lost by subnet PUT: %v", hosts)
	}

	// DHCPv6.
	hdr = must(c.Do(ctx, "POST", front.URI+"/dhcpV6", "", client.Media("DhcpV6Subnet-v1"),
		map[string]any{"prefix": "fe80::", "prefixLength": 64}, nil))(t)
	v6URI := hdr.Get("Location")
	if v6URI != front.URI+"/dhcpV6/fe80:0:0:0:0:0:0:0_64" {
		t.Fatalf("DHCPv6 Location %q", v6URI)
	}
	hdr = must(c.Do(ctx, "POST", v6URI+"/hostsV6", "", client.Media("DhcpV6Host-v1"),
		map[string]any{"clientId": "00:01:02", "fixedAddress": "fe80::10", "name": "vm6"}, nil))(t)
	var v6host map[string]any
	must(c.Do(ctx, "GET", hdr.Get("Location"), client.Media("DhcpV6Host-v1"), "", nil, &v6host))(t)
	if v6host["fixedAddress"] != "fe80:0:0:0:0:0:0:10" || v6host["uri"] != v6URI+"/hostsV6/00-01-02" {
		t.Errorf("DHCPv6 host: %v", v6host)
	}

	// Hosts, tunnel zones, bindings.
	host := must(c.Hosts().Create(ctx, &client.Host{ID: "11111111-2222-3333-4444-555555555555", Name: "compute1"}))(t)
	_, err = c.HostPorts(host.ID).Create(ctx, &client.HostInterfacePort{PortID: bp2.ID, InterfaceName: "tap0"})
	wantStatus(t, err, 409) // not in a tunnel zone yet
	tz := must(c.TunnelZones().Create(ctx, &client.TunnelZone{Name: "tz", Type: "vxlan"}))(t)
	_, err = c.TunnelZones().Create(ctx, &client.TunnelZone{Name: "tz", Type: "gre"})
	wantStatus(t, err, 409)
	must(c.TunnelZoneHosts(tz.ID).Create(ctx, &client.TunnelZoneHost{HostID: host.ID, IPAddress: "192.0.2.1"}))(t)
	must(c.HostPorts(host.ID).Create(ctx, &client.HostInterfacePort{PortID: bp2.ID, InterfaceName: "tap0"}))(t)
	wantStatus(t, c.Hosts().Delete(ctx, host.ID), 403)
	if got := must(c.Ports().Get(ctx, bp2.ID))(t); got.HostID == nil || *got.HostID != host.ID {
		t.Errorf("binding: %+v", got)
	}

	// Deletes and cascades.
	if err := c.Chains().Delete(ctx, target.ID); err != nil { // drops the jump rule in "in"
		t.Fatal(err)
	}
	_, err = c.ChainRules(in.ID).Get(ctx, jump.ID)
	wantStatus(t, err, 404)
	if got := must(c.Routers().Get(ctx, router.ID))(t); got.OutboundFilterID != nil {
		t.Errorf("router filter after chain delete: %+v", got)
	}
	if err := c.Chains().Delete(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if got := must(c.Bridges().Get(ctx, front.ID))(t); got.InboundFilterID != nil {
		t.Errorf("bridge filter after chain delete: %+v", got)
	}
	_, err = c.ChainRules(in.ID).Get(ctx, drop.ID)
	wantStatus(t, err, 404)

	if err := c.HostPorts(host.ID).Delete(ctx, bp2.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Routers().Delete(ctx, router.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{rp1.ID, rp2.ID} {
		_, err = c.Ports().Get(ctx, id)
		wantStatus(t, err, 404)
	}
	for _, id := range []string{def.ID, hole.ID} {
		_, err = c.RouterRoutes(router.ID).Get(ctx, id)
		wantStatus(t, err, 404)
	}
	if got := must(c.Ports().Get(ctx, bp1.ID))(t); got.PeerID != nil {
		t.Errorf("peer after router delete: %+v", got)
	}
	if err := c.Bridges().Delete(ctx, front.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Ports().Get(ctx, bp1.ID)
	wantStatus(t, err, 404)
	_, err = c.Do(ctx, "GET", subnetURI, client.Media("DhcpSubnet-v2"), "", nil, nil)
	wantStatus(t, err, 404)
	if got := must(c.PortGroupPorts(pg.ID).List(ctx, nil))(t); len(got) != 0 {
		t.Errorf("group members after port delete: %+v", got)
	}
	if err := c.Hosts().Delete(ctx, host.ID); err != nil {
		t.Fatal(err)
	}
	if got := must(c.TunnelZoneHosts(tz.ID).List(ctx, nil))(t); len(got) != 0 {
		t.Errorf("tunnel zone members after host delete: %+v", got)
	}
}

func newLoopbackServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
