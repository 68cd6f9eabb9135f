package restapi_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// TestAgentStateShown writes state keys as an agent does (its own session
// and namespace = its host id) and checks the API reports them: host
// liveness, interfaces and addresses, port activity, router-port BGP
// status, service-container status.
func TestAgentStateShown(t *testing.T) {
	ctx := context.Background()
	srv := mem.NewServer()
	apiConn, agentConn := srv.Connect(), srv.Connect()
	t.Cleanup(func() { apiConn.Close(); agentConn.Close() })
	st := openZoomStore(t, apiConn, "/midonet")
	c := client.New(serveStore(t, st, nil, restapi.Options{}))

	hostID := "33333333-2222-3333-4444-555555555555"
	host := must(c.Hosts().Create(ctx, &client.Host{ID: hostID, Name: "compute"}))(t)
	if host.Alive || len(host.Addresses) != 0 {
		t.Fatalf("host before its agent reports: %+v", host)
	}
	tz := must(c.TunnelZones().Create(ctx, &client.TunnelZone{Name: "tz", Type: "vxlan"}))(t)
	must(c.TunnelZoneHosts(tz.ID).Create(ctx, &client.TunnelZoneHost{HostID: hostID, IPAddress: "192.0.2.1"}))(t)
	router := must(c.Routers().Create(ctx, &client.Router{Name: "r"}))(t)
	rport := must(c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"10.0.0.1/24"}}))(t)
	must(c.HostPorts(hostID).Create(ctx, &client.HostInterfacePort{PortID: rport.ID, InterfaceName: "veth0"}))(t)
	group := must(c.ServiceContainerGroups().Create(ctx, &client.ServiceContainerGroup{}))(t)
	sc := must(c.GroupServiceContainers(group.ID).Create(ctx, &client.ServiceContainer{ServiceType: "IPSEC", PortID: &rport.ID}))(t)
	if sc.StatusCode != "STOPPED" || sc.HostID == nil || *sc.HostID != hostID {
		t.Errorf("container before status: %+v", sc)
	}

	agent, err := midonet.NewStore(ctx, agentConn, zoom.Options{Root: "/midonet", Namespace: hostID, Owner: zoom.OwnerAgentBinding})
	if err != nil {
		t.Fatal(err)
	}
	hid := uuid.MustParse(hostID)
	addr, _ := models.ParseIPAddress("192.0.2.1")
	state := &models.HostState{HostId: models.UUIDFromGoogle(hid), Interfaces: []*models.HostState_Interface{{
		Name: ptr("eth0"), Mac: ptr("aa:bb:cc:dd:ee:ff"), Mtu: ptr(int32(1500)), Up: ptr(true), HasLink: ptr(true),
		Type: models.HostState_Interface_PHYSICAL.Enum(), Addresses: []*models.IPAddress{addr}}}}
	text, err := models.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	status, err := models.Marshal(&models.ContainerStatus{StatusCode: models.ContainerStatus_RUNNING.Enum(),
		NamespaceName: ptr("vpn-1"), InterfaceName: ptr("vpn-1-dp")})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		model      proto.Message
		id         uuid.UUID
		key, value string
	}{
		{&models.Host{}, hid, "alive", "alive"},
		{&models.Host{}, hid, "host", string(text)},
		{&models.Port{}, uuid.MustParse(rport.ID), "active", "true"},
		{&models.Port{}, uuid.MustParse(rport.ID), "bgp", "ESTABLISHED"},
		{&models.ServiceContainer{}, uuid.MustParse(sc.ID), "status", string(status)},
		{&models.Port{}, uuid.MustParse(rport.ID), "routes", learnedRoute(t, "198.51.100.0", 24, "10.0.0.254", 100, router.ID)},
	} {
		if _, err := agent.AddValue(ctx, w.model, w.id, w.key, w.value); err != nil {
			t.Fatalf("agent writes %s: %v", w.key, err)
		}
	}

	host = must(c.Hosts().Get(ctx, hostID))(t)
	if !host.Alive || len(host.Addresses) != 1 || host.Addresses[0] != "192.0.2.1" {
		t.Errorf("host after its agent reports: %+v", host)
	}
	var ifaces []map[string]any
	must(c.Do(ctx, "GET", "hosts/"+hostID+"/interfaces", client.CollectionMedia("Interface-v1"), "", nil, &ifaces))(t)
	if len(ifaces) != 1 || ifaces[0]["name"] != "eth0" || ifaces[0]["status"] != float64(3) || ifaces[0]["type"] != "Physical" || ifaces[0]["mtu"] != float64(1500) {
		t.Errorf("interfaces: %v", ifaces)
	}
	var eth0 map[string]any
	must(c.Do(ctx, "GET", "hosts/"+hostID+"/interfaces/eth0", client.Media("Interface-v1"), "", nil, &eth0))(t)
	if eth0["mac"] != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("interface: %v", eth0)
	}
	_, err = c.Do(ctx, "GET", "hosts/"+hostID+"/interfaces/eth9", client.Media("Interface-v1"), "", nil, nil)
	wantStatus(t, err, 404)
	var port map[string]any
	must(c.Do(ctx, "GET", "ports/"+rport.ID, client.Media("Port-v3"), "", nil, &port))(t)
	if port["active"] != true || port["bgpStatus"] != "ESTABLISHED" {
		t.Errorf("port state: active=%v bgpStatus=%v", port["active"], port["bgpStatus"])
	}
	var learned []client.Route
	for _, r := range must(c.RouterRoutes(router.ID).List(ctx, nil))(t) {
		if r.Learned {
			learned = append(learned, r)
		}
	}
	if len(learned) != 1 || learned[0].DstNetworkAddr != "198.51.100.0" || learned[0].DstNetworkLength != 24 ||
		learned[0].Type != "Normal" || learned[0].RouterID != router.ID || learned[0].NextHopPort == nil ||
		*learned[0].NextHopPort != rport.ID || learned[0].NextHopGateway == nil || *learned[0].NextHopGateway != "10.0.0.254" ||
		uuid.MustParse(learned[0].ID).Version() != 3 {
		t.Errorf("learned routes: %+v", learned)
	}
	var container map[string]any
	must(c.Do(ctx, "GET", "service_containers/"+sc.ID, client.Media("ServiceContainer-v1"), "", nil, &container))(t)
	if container["statusCode"] != "RUNNING" || container["namespaceName"] != "vpn-1" || container["interfaceName"] != "vpn-1-dp" {
		t.Errorf("container status: %v", container)
	}
	must(0, c.HostPorts(hostID).Delete(ctx, rport.ID))(t)
	wantStatus(t, c.Hosts().Delete(ctx, hostID), 403) // alive
	// The agent's session ends: its ephemeral state goes, the host is down.
	agentConn.Close()
	if got := must(c.Hosts().Get(ctx, hostID))(t); got.Alive {
		t.Errorf("host alive after its agent left: %+v", got)
	}
	must(0, c.Hosts().Delete(ctx, hostID))(t)
}

// learnedRoute encodes a route as agents publish it in a port's "routes"
// key: hex of dst, dst length, src (0.0.0.0/0), gateway, weight, router id.
func learnedRoute(t *testing.T, dst string, dstLen byte, gw string, weight uint32, router string) string {
	t.Helper()
	var b []byte
	b = append(b, netip.MustParseAddr(dst).AsSlice()...)
	b = append(b, dstLen)
	b = append(b, 0, 0, 0, 0, 0)
	b = append(b, netip.MustParseAddr(gw).AsSlice()...)
	b = binary.BigEndian.AppendUint32(b, weight)
	rid := uuid.MustParse(router)
	b = append(b, rid[:]...)
	return hex.EncodeToString(b)
}
