package restapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"

	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
	"github.com/midonet/midonet-go/vxgw"
	"github.com/midonet/midonet-go/vxgw/vteptest"
)

// vtepBackend is an object store the VTEP tests run on, with what they need
// beyond the API: the store itself (to play the controller's and agents'
// state keys) and its connection and root (for the VNI counter).
type vtepBackend struct {
	name string
	open func(t *testing.T) (st *zoom.Store, conn storage.Conn, root string)
}

func vtepBackends() []vtepBackend {
	var out []vtepBackend
	for _, sb := range storageBackends() {
		out = append(out, vtepBackend{name: sb.name, open: func(t *testing.T) (*zoom.Store, storage.Conn, string) {
			conn, root := sb.connect(t)
			return openZoomStore(t, conn, root), conn, root
		}})
	}
	return out
}

// api is a raw HTTP client of one test server: the VTEP resources are
// checked on the wire (media types, statuses, error bodies).
type api struct {
	t    *testing.T
	base string
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return m
}

func (r reply) list(t *testing.T) []map[string]any {
	t.Helper()
	var m []map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return m
}

func (a api) do(method, uri, mediaType string, body any) reply {
	a.t.Helper()
	if !strings.HasPrefix(uri, "http") {
		uri = a.base + uri
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, uri, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if mediaType != "" {
		req.Header.Set("Accept", mediaType)
		if body != nil {
			req.Header.Set("Content-Type", mediaType)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, uri, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

// expect checks a reply's status and, when not empty, that its body
// contains text.
func (a api) expect(r reply, status int, text string) reply {
	a.t.Helper()
	if r.status != status || !strings.Contains(string(r.body), text) {
		a.t.Fatalf("want %d with %q, got %d: %s", status, text, r.status, r.body)
	}
	return r
}

// create POSTs and returns the Location.
func (a api) create(uri, mediaType string, body any) string {
	a.t.Helper()
	r := a.expect(a.do("POST", uri, mediaType, body), http.StatusCreated, "")
	loc := r.header.Get("Location")
	if loc == "" {
		a.t.Fatalf("POST %s: no Location", uri)
	}
	return loc
}

var (
	mtVtep         = restapi.Vendor("VTEP-v2")
	mtVteps        = restapi.VendorCollection("VTEP-v2")
	mtBinding      = restapi.Vendor("VTEPBinding-v2")
	mtBindings     = restapi.VendorCollection("VTEPBinding-v2")
	mtVtepPort     = restapi.Vendor("VTEPPort-v1")
	mtVtepPorts    = restapi.VendorCollection("VTEPPort-v1")
	mtTunnelZone   = restapi.Vendor("TunnelZone-v1")
	mtBridge       = restapi.Vendor("Bridge-v4")
	mtPort         = restapi.Vendor("Port-v3")
	vtepTunnelIP   = "10.9.9.9"
	vtepSwitchName = "sw0"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func lastSegment(uri string) string { return uri[strings.LastIndex(uri, "/")+1:] }

// TestVTEPResources round-trips /vteps, bindings and ports through the API
// on the real store (in memory and ZooKeeper) with a real ovsdb-server as
// the switch: validation errors, statuses and messages, state keys as the
// controller writes them, VxLAN ports and the first-VNI rule.
func TestVTEPResources(t *testing.T) {
	ovs := vteptest.Start(t)
	ovs.AddPhysicalSwitch(vtepSwitchName, []string{"127.0.0.1"}, []string{vtepTunnelIP}, []string{"eth0", "eth1", "port 2"})
	bare := vteptest.Start(t) // a switch whose agent has not created its Physical_Switch
	for _, b := range vtepBackends() {
		t.Run(b.name, func(t *testing.T) {
			st, _, _ := b.open(t)
			opts := restapi.Options{}
			if b.name == "zookeeper" { // in memory, the store's own counter is the fallback
				opts.Sequences = restapi.NewZoomSequences(st)
			}
			testVTEPResources(t, api{t: t, base: serveStore(t, st, nil, opts)}, st, ovs, bare)
		})
	}
}

func testVTEPResources(t *testing.T, a api, st *zoom.Store, ovs, bare *vteptest.Server) {
	ctx := context.Background()
	vtepTZ := lastSegment(a.create("/tunnel_zones", mtTunnelZone, map[string]any{"name": "vtep-tz", "type": "vtep"}))
	greTZ := lastSegment(a.create("/tunnel_zones", mtTunnelZone, map[string]any{"name": "gre-tz", "type": "gre"}))
	vtepBody := func(ip string, port int, tz string) map[string]any {
		m := map[string]any{"managementIp": ip, "managementPort": port}
		if tz != "" {
			m["tunnelZoneId"] = tz
		}
		return m
	}

	// Bean constraints first, all reported together.
	r := a.expect(a.do("POST", "/vteps", mtVtep, map[string]any{}), 400, "Validation error(s) found")
	for _, want := range []string{`"property":"managementIp","message":"may not be null"`,
		`"property":"managementPort","message":"must be greater than or equal to 1"`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("empty VTEP: missing violation %s in %s", want, r.body)
		}
	}
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("300.1.1.1", ovs.Port(), vtepTZ)), 400, "is not a valid IP address")
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("::1", ovs.Port(), vtepTZ)), 400, "is not a valid IP address")
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", 65536, vtepTZ)), 400, "must be less than or equal to 65535")
	// Then the tunnel zone.
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", ovs.Port(), "")), 400, "Tunnel zone ID is not valid.")
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", ovs.Port(), uuid.NewString())), 400, "Tunnel zone ID is not valid.")
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", ovs.Port(), greTZ)), 400, "Tunnel zone is not of type VTEP.")
	// Media types: strict on the vendor type, JSON accepted.
	a.expect(a.do("POST", "/vteps", restapi.Vendor("Bridge-v4"), vtepBody("127.0.0.1", ovs.Port(), vtepTZ)), 406, "")
	// An unreachable VTEP and a switch without Physical_Switch answer 503.
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", closedPort(t), vtepTZ)), 503, "could not be accessed")
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", bare.Port(), vtepTZ)), 503, "physical switch is not configured")

	// A host whose agent reports the VTEP's tunnel IP conflicts (409).
	hostID := uuid.New()
	if err := st.Create(ctx, &models.Host{Id: models.UUIDFromGoogle(hostID), Name: strp("h1")}); err != nil {
		t.Fatal(err)
	}
	agent, err := midonet.NewStore(ctx, st.Conn(), zoom.Options{Root: strings.TrimSuffix(st.ZoomPath(), "/zoom/0"), Namespace: hostID.String()})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := models.ParseIPAddress(vtepTunnelIP)
	hostState, err := models.Marshal(&models.HostState{HostId: models.UUIDFromGoogle(hostID), Interfaces: []*models.HostState_Interface{
		{Name: strp("eth0"), Addresses: []*models.IPAddress{addr}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.AddValue(ctx, &models.Host{}, hostID, midonet.HostKey, string(hostState)); err != nil {
		t.Fatal(err)
	}
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", ovs.Port(), vtepTZ)), 409,
		"VTEP conflicts with an existing host with IP address "+vtepTunnelIP+".")
	if _, err := agent.RemoveValue(ctx, &models.Host{}, hostID, midonet.HostKey, ""); err != nil {
		t.Fatal(err)
	}

	// Create, read back, list.
	vtepURI := a.create("/vteps", "application/json", vtepBody("127.0.0.1", ovs.Port(), vtepTZ))
	vtepID := lastSegment(vtepURI)
	a.expect(a.do("POST", "/vteps", mtVtep, vtepBody("127.0.0.1", ovs.Port()+1, vtepTZ)), 409, "A VTEP with IP address 127.0.0.1 already exists.")
	r = a.expect(a.do("GET", vtepURI, mtVtep, nil), 200, "")
	if ct := r.header.Get("Content-Type"); ct != mtVtep {
		t.Errorf("GET VTEP: Content-Type %q", ct)
	}
	v := r.json(t)
	want := map[string]any{"id": vtepID, "managementIp": "127.0.0.1", "managementPort": float64(ovs.Port()), "tunnelZoneId": vtepTZ,
		"name": "", "description": "", "connectionState": "disconnected", "tunnelIpAddrs": []any{}, "uri": vtepURI,
		"bindings": vtepURI + "/bindings", "ports": vtepURI + "/ports", "vtepBindingTemplate": vtepURI + "/{portName}/{vlanId}"}
	for k, w := range want {
		if got, _ := json.Marshal(v[k]); string(got) != string(must(json.Marshal(w))(t)) {
			t.Errorf("VTEP %s = %s, want %v", k, got, w)
		}
	}
	a.expect(a.do("GET", vtepURI, restapi.Vendor("VTEP-v1"), nil), 406, "")
	a.expect(a.do("PUT", vtepURI, mtVtep, vtepBody("127.0.0.1", 1, vtepTZ)), 405, "")
	if got := a.expect(a.do("GET", "/vteps", mtVteps, nil), 200, "").list(t); len(got) != 1 || got[0]["id"] != vtepID {
		t.Errorf("VTEP list: %v", got)
	}

	// What the controller reports shows in the VTEP.
	id := uuid.MustParse(vtepID)
	tunnelAddr, _ := models.ParseIPAddress(vtepTunnelIP)
	cfg, _ := models.Marshal(&models.VtepConfiguration{Name: strp(vtepSwitchName), Description: strp("the switch"),
		TunnelAddresses: []*models.IPAddress{tunnelAddr}})
	for key, value := range map[string]string{midonet.VtepConfigKey: string(cfg), midonet.VtepConnStateKey: "VTEP_CONNECTED"} {
		if _, err := st.AddValue(ctx, &models.Vtep{}, id, key, value); err != nil {
			t.Fatal(err)
		}
	}
	v = a.expect(a.do("GET", vtepURI, mtVtep, nil), 200, "").json(t)
	if v["name"] != vtepSwitchName || v["description"] != "the switch" || v["connectionState"] != "connected" ||
		!slices.Equal(anyStrings(v["tunnelIpAddrs"]), []string{vtepTunnelIP}) {
		t.Errorf("VTEP with controller state: %v", v)
	}
	for state, want := range map[string]string{"VTEP_ERROR": "error", "VTEP_DISCONNECTED": "disconnected", "garbage": "error"} {
		if _, err := st.AddValue(ctx, &models.Vtep{}, id, midonet.VtepConnStateKey, state); err != nil {
			t.Fatal(err)
		}
		if got := a.expect(a.do("GET", vtepURI, mtVtep, nil), 200, "").json(t)["connectionState"]; got != want {
			t.Errorf("connection_state %s: connectionState %v, want %s", state, got, want)
		}
	}

	// Physical ports, live from the switch.
	ports := a.expect(a.do("GET", vtepURI+"/ports", mtVtepPorts, nil), 200, "").list(t)
	var names []string
	for _, p := range ports {
		names = append(names, p["name"].(string))
		if p["vtep"] != vtepURI {
			t.Errorf("port %v: vtep %v", p["name"], p["vtep"])
		}
	}
	if !slices.Equal(names, []string{"eth0", "eth1", "port 2"}) {
		t.Errorf("VTEP ports %v", names)
	}
	p := a.expect(a.do("GET", ports[2]["uri"].(string), mtVtepPort, nil), 200, "").json(t)
	if p["name"] != "port 2" || p["uri"] != vtepURI+"/ports/port+2" {
		t.Errorf("VTEP port: %v", p)
	}
	a.expect(a.do("GET", vtepURI+"/ports/nope", mtVtepPort, nil), 404, "does not have a port named nope")
	a.expect(a.do("GET", vtepURI+"/ports", "application/json", nil), 406, "")

	// Bindings.
	bridge1 := lastSegment(a.create("/bridges", mtBridge, map[string]any{"name": "b1"}))
	bridge2 := lastSegment(a.create("/bridges", mtBridge, map[string]any{"name": "b2"}))
	bindings := vtepURI + "/bindings"
	r = a.expect(a.do("POST", bindings, mtBinding, map[string]any{"vlanId": 5000}), 400, "Validation error(s) found")
	for _, want := range []string{`"property":"portName","message":"may not be null"`, `"property":"networkId","message":"may not be null"`,
		`"property":"vlanId","message":"must be less than or equal to 4095"`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("bad binding: missing violation %s in %s", want, r.body)
		}
	}
	binding := func(port string, vlan int, network string) map[string]any {
		return map[string]any{"portName": port, "vlanId": vlan, "networkId": network}
	}
	missing := uuid.NewString()
	a.expect(a.do("POST", bindings, mtBinding, binding("eth0", 10, missing)), 400, "There is no Network with ID "+missing+".")
	a.expect(a.do("POST", "/vteps/"+missing+"/bindings", mtBinding, binding("eth0", 10, bridge1)), 400, "There is no Vtep with ID "+missing+".")
	a.expect(a.do("POST", bindings, mtBinding, binding("eth9", 10, bridge1)), 404, "does not have a port named eth9.")
	a.expect(a.do("POST", bindings, restapi.Vendor("Bridge-v4"), binding("eth0", 10, bridge1)), 415, "")

	loc := a.create(bindings, mtBinding, binding("eth0", 10, bridge1))
	if loc != bindings+"/eth0/10" {
		t.Errorf("binding Location %s", loc)
	}
	a.expect(a.do("POST", bindings, mtBinding, binding("eth0", 10, bridge2)), 409,
		"already has a binding for port eth0 on vlan 10 to network "+bridge1)
	a.create(bindings, "application/json", binding("eth1", 0, bridge1))
	a.create(bindings, mtBinding, binding("port 2", 4095, bridge2))

	vxlanPort := func(bridge string) string {
		return vxgw.VxLANPortID(id, uuid.MustParse(bridge)).String()
	}
	checkBridge := func(bridge string, wantPorts []string, wantVNI uint32) {
		t.Helper()
		b := a.expect(a.do("GET", "/bridges/"+bridge, mtBridge, nil), 200, "").json(t)
		if got := anyStrings(b["vxLanPortIds"]); !slices.Equal(got, wantPorts) {
			t.Errorf("bridge %s vxLanPortIds %v, want %v", bridge, got, wantPorts)
		}
		n, err := st.Get(ctx, &models.Network{}, uuid.MustParse(bridge))
		if err != nil {
			t.Fatal(err)
		}
		if got := n.(*models.Network).GetVni(); got != wantVNI {
			t.Errorf("bridge %s VNI %d, want %d", bridge, got, wantVNI)
		}
	}
	// The first network ever bound gets VNI 10001, the next 10002; one
	// VxLAN port per (network, VTEP), whatever the number of bindings.
	checkBridge(bridge1, []string{vxlanPort(bridge1)}, 10001)
	checkBridge(bridge2, []string{vxlanPort(bridge2)}, 10002)
	// The counter is the reference's (Curator SharedCount: 4 bytes, big
	// endian) at <root>/sequences/vxgw_tunnel_key, with or without
	// Options.Sequences, at or past every VNI handed out (the node
	// reserves blocks), so JVM nodes continue after them.
	counter, _, err := st.Conn().Get(ctx, strings.TrimSuffix(st.ZoomPath(), "/zoom/0")+"/sequences/vxgw_tunnel_key")
	if err != nil || len(counter) != 4 || int32(binary.BigEndian.Uint32(counter)) < 10002 {
		t.Errorf("VNI counter node: %x, %v; want 4 bytes holding at least 10002", counter, err)
	}
	port := a.expect(a.do("GET", "/ports/"+vxlanPort(bridge1), mtPort, nil), 200, "").json(t)
	if port["type"] != "Vxlan" || port["vtepId"] != vtepID || port["deviceId"] != bridge1 {
		t.Errorf("VxLAN port: %v", port)
	}
	if got := a.expect(a.do("GET", "/bridges/"+bridge1+"/vxlan_ports", restapi.VendorCollection("Port-v3"), nil), 200, "").list(t); len(got) != 1 || got[0]["id"] != vxlanPort(bridge1) {
		t.Errorf("bridge vxlan_ports: %v", got)
	}

	list := a.expect(a.do("GET", bindings, mtBindings, nil), 200, "").list(t)
	if len(list) != 3 || list[0]["portName"] != "eth0" || list[0]["vlanId"] != float64(10) || list[0]["networkId"] != bridge1 ||
		list[0]["vtepId"] != vtepID || list[0]["uri"] != bindings+"/eth0/10" || list[2]["uri"] != bindings+"/port%202/4095" {
		t.Errorf("bindings: %v", list)
	}
	got := a.expect(a.do("GET", list[2]["uri"].(string), mtBinding, nil), 200, "").json(t)
	if got["portName"] != "port 2" || got["networkId"] != bridge2 {
		t.Errorf("binding: %v", got)
	}
	a.expect(a.do("GET", bindings+"/eth0/11", mtBinding, nil), 404, "does not have a binding to a Midonet network for VLAN 11 at port eth0.")
	a.expect(a.do("GET", bindings+"/eth0/x", mtBinding, nil), 404, "")

	// The bindings behind a VxLAN port (no vtepId, no uri, as the reference).
	behind := a.expect(a.do("GET", "/bridges/"+bridge1+"/ports/"+vxlanPort(bridge1)+"/vtep_bindings", "", nil), 200, "").list(t)
	if len(behind) != 2 || behind[0]["portName"] != "eth0" || behind[1]["portName"] != "eth1" || behind[0]["uri"] != nil {
		t.Errorf("VxLAN port bindings: %v", behind)
	}
	behind = a.expect(a.do("GET", "/bridges/"+bridge1+"/ports/"+vxlanPort(bridge1)+"/vtep_bindings/eth1/0", "", nil), 200, "").list(t)
	if len(behind) != 1 || behind[0]["vlanId"] != float64(0) {
		t.Errorf("VxLAN port binding eth1/0: %v", behind)
	}
	plain := lastSegment(a.create("/bridges/"+bridge1+"/ports", mtPort, map[string]any{"type": "Bridge"}))
	a.expect(a.do("GET", "/bridges/"+bridge1+"/ports/"+plain+"/vtep_bindings", "", nil), 400, "Port "+plain+" is not a VXLAN port.")

	// Deletes blocked while bound or used.
	a.expect(a.do("DELETE", "/tunnel_zones/"+vtepTZ, "", nil), 409, "Tunnel Zone is used by VTEP(s)")
	a.expect(a.do("DELETE", vtepURI, "", nil), 400, "The VTEP with IP address 127.0.0.1 cannot be deleted because it still has bindings.")
	a.expect(a.do("DELETE", "/bridges/"+bridge1, "", nil), 409, "")
	a.expect(a.do("DELETE", "/ports/"+vxlanPort(bridge1), "", nil), 409, "")

	// The VxLAN port goes with the network's last binding; the VNI stays.
	a.expect(a.do("DELETE", bindings+"/eth0/10", "", nil), 204, "")
	checkBridge(bridge1, []string{vxlanPort(bridge1)}, 10001)
	a.expect(a.do("DELETE", bindings+"/eth1/0", "", nil), 204, "")
	a.expect(a.do("DELETE", bindings+"/eth1/0", "", nil), 204, "")
	checkBridge(bridge1, []string{}, 10001)
	a.expect(a.do("GET", "/ports/"+vxlanPort(bridge1), mtPort, nil), 404, "")
	a.create(bindings, mtBinding, binding("eth0", 10, bridge1))
	checkBridge(bridge1, []string{vxlanPort(bridge1)}, 10001)

	for _, b := range []string{"/eth0/10", "/port%202/4095"} {
		a.expect(a.do("DELETE", bindings+b, "", nil), 204, "")
	}
	checkBridge(bridge2, []string{}, 10002)
	a.expect(a.do("DELETE", "/bridges/"+bridge1, "", nil), 204, "")
	a.expect(a.do("DELETE", vtepURI, "", nil), 204, "")
	a.expect(a.do("GET", vtepURI, mtVtep, nil), 404, "")
	a.expect(a.do("GET", bindings, mtBindings, nil), 404, "")
	a.expect(a.do("DELETE", vtepURI, "", nil), 404, "")
	a.expect(a.do("DELETE", "/tunnel_zones/"+vtepTZ, "", nil), 204, "")
}

func anyStrings(v any) []string {
	out := []string{}
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func strp(s string) *string { return &s }

// TestVTEPThroughController is the VxLAN gateway end to end: a VTEP and a
// binding created through the API are applied by the vxgw controller to a
// real ovsdb-server (logical switch mn-<network> with the network's VNI,
// the port's VLAN binding), and the API then reports the controller's view
// (connected, the switch's name and tunnel IP).
func TestVTEPThroughController(t *testing.T) {
	ovs := vteptest.Start(t)
	ovs.AddPhysicalSwitch(vtepSwitchName, []string{"127.0.0.1"}, []string{vtepTunnelIP}, []string{"eth0"})
	for _, b := range vtepBackends() {
		t.Run(b.name, func(t *testing.T) {
			st, _, _ := b.open(t)
			c := client.New(serveStore(t, st, nil, restapi.Options{}))
			ctx := context.Background()

			// The node's whole vxgw service, before any VTEP exists: it must
			// pick the new VTEP up.
			svcCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				done <- vxgw.Run(svcCtx, st, vxgw.ServiceOptions{NodeID: uuid.New(),
					VTEP: vxgw.VTEPOptions{Backoff: vxgw.Backoff{Initial: 50 * time.Millisecond, Max: time.Second}}})
			}()
			t.Cleanup(func() { stop(); <-done })

			tz := must(c.TunnelZones().Create(ctx, &client.TunnelZone{Name: "vtep-tz", Type: "vtep"}))(t)
			vtep := must(c.Vteps().Create(ctx, &client.Vtep{ManagementIP: "127.0.0.1", ManagementPort: ovs.Port(), TunnelZoneID: tz.ID}))(t)
			bridge := must(c.Bridges().Create(ctx, &client.Bridge{Name: "b"}))(t)
			ports := must(c.VtepPorts(ctx, vtep.ID))(t)
			if len(ports) != 1 || ports[0].Name != "eth0" {
				t.Fatalf("VTEP ports: %+v", ports)
			}
			if p := must(c.VtepPort(ctx, vtep.ID, "eth0"))(t); p.Vtep != vtep.URI {
				t.Errorf("VTEP port: %+v", p)
			}
			b := must(c.VtepBindings(vtep.ID).Create(ctx, &client.VtepBinding{PortName: "eth0", VlanID: 7, NetworkID: bridge.ID}))(t)
			if b.VtepID != vtep.ID || b.NetworkID != bridge.ID || b.URI != vtep.URI+"/bindings/eth0/7" {
				t.Errorf("created binding: %+v", b)
			}

			ls := vxgw.LogicalSwitchName(bridge.ID)
			waitFor(t, 20*time.Second, "logical switch, VLAN binding and connected VTEP", func() (bool, string) {
				key, _ := ovs.Ctl(ctx, "get", "Logical_Switch", ls, "tunnel_key")
				bound, _ := ovs.Ctl(ctx, "list-bindings", vtepSwitchName, "eth0")
				v := must(c.Vteps().Get(ctx, vtep.ID))(t)
				ok := key == "10001" && strings.Contains(bound, "0007 "+ls) &&
					v.ConnectionState == "connected" && v.Name == vtepSwitchName && slices.Equal(v.TunnelIPAddrs, []string{vtepTunnelIP})
				return ok, "tunnel_key=" + key + " bindings=" + bound + " vtep=" + string(must(json.Marshal(v))(t))
			})

			// Unbinding removes the logical switch from the VTEP; deleting
			// the VTEP then works.
			if err := c.VtepBindings(vtep.ID).Delete(ctx, "eth0", 7); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 20*time.Second, "logical switch removed", func() (bool, string) {
				out, err := ovs.Ctl(ctx, "list-ls")
				return err == nil && !strings.Contains(out, ls), "list-ls: " + out
			})
			if got := must(c.VtepBindings(vtep.ID).List(ctx))(t); len(got) != 0 {
				t.Errorf("bindings left: %+v", got)
			}
			if err := c.Vteps().Delete(ctx, vtep.ID); err != nil {
				t.Fatal(err)
			}
			_, err := c.Vteps().Get(ctx, vtep.ID)
			wantStatus(t, err, http.StatusNotFound)
		})
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not reached within %v; last: %s", what, limit, last)
}

// TestVTEPBindingsConcurrently races binding creates through the API: one
// network per request must each get its own VNI (drawn once per request
// even when its transaction is re-run) and VxLAN port; requests for one
// (port, VLAN) pair must leave exactly one binding, the rest answering 409.
func TestVTEPBindingsConcurrently(t *testing.T) {
	ovs := vteptest.Start(t)
	ovs.AddPhysicalSwitch(vtepSwitchName, []string{"127.0.0.1"}, []string{vtepTunnelIP}, []string{"eth0"})
	const n = 6
	for _, b := range vtepBackends() {
		t.Run(b.name, func(t *testing.T) {
			st, _, _ := b.open(t)
			a := api{t: t, base: serveStore(t, st, nil, restapi.Options{})}
			tz := lastSegment(a.create("/tunnel_zones", mtTunnelZone, map[string]any{"name": "vtep-tz", "type": "vtep"}))
			vtepURI := a.create("/vteps", mtVtep, map[string]any{"managementIp": "127.0.0.1", "managementPort": ovs.Port(), "tunnelZoneId": tz})
			var bridges []string
			for i := range n {
				bridges = append(bridges, lastSegment(a.create("/bridges", mtBridge, map[string]any{"name": "b" + string(rune('0'+i))})))
			}
			post := func(body map[string]any) int {
				data, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", vtepURI+"/bindings", bytes.NewReader(data))
				req.Header.Set("Content-Type", mtBinding)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return -1
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			race := func(body func(i int) map[string]any) []int {
				statuses := make([]int, n)
				done := make(chan struct{})
				for i := range n {
					go func() { defer func() { done <- struct{}{} }(); statuses[i] = post(body(i)) }()
				}
				for range n {
					<-done
				}
				slices.Sort(statuses)
				return statuses
			}

			// Distinct networks on distinct VLANs: all bound, VNIs 10001..10000+n.
			got := race(func(i int) map[string]any {
				return map[string]any{"portName": "eth0", "vlanId": 100 + i, "networkId": bridges[i]}
			})
			if !slices.Equal(got, slices.Repeat([]int{201}, n)) {
				t.Fatalf("distinct bindings: statuses %v", got)
			}
			var vnis []int
			for _, br := range bridges {
				nw, err := st.Get(context.Background(), &models.Network{}, uuid.MustParse(br))
				if err != nil {
					t.Fatal(err)
				}
				vnis = append(vnis, int(nw.(*models.Network).GetVni()))
				if ids := nw.(*models.Network).GetVxlanPortIds(); len(ids) != 1 {
					t.Errorf("bridge %s: %d VxLAN ports", br, len(ids))
				}
			}
			slices.Sort(vnis)
			for i, v := range vnis {
				if v != 10001+i {
					t.Fatalf("VNIs %v, want 10001..%d", vnis, 10000+n)
				}
			}

			// One pair, many networks: exactly one wins.
			got = race(func(i int) map[string]any {
				return map[string]any{"portName": "eth0", "vlanId": 7, "networkId": bridges[i]}
			})
			want := append([]int{201}, slices.Repeat([]int{409}, n-1)...)
			if !slices.Equal(got, want) {
				t.Fatalf("same pair: statuses %v, want %v", got, want)
			}
			if l := a.expect(a.do("GET", vtepURI+"/bindings", mtBindings, nil), 200, "").list(t); len(l) != n+1 {
				t.Errorf("%d bindings, want %d", len(l), n+1)
			}
		})
	}
}

// TestVTEPCreatesConcurrently races creates of VTEPs with one management
// IP: exactly one is created, every other answers the reference's 409
// (TestVtep.testCreateWithDuplicateIPAddr), also when all passed the
// checks before the transaction and only the transaction can tell.
func TestVTEPCreatesConcurrently(t *testing.T) {
	ovs := vteptest.Start(t)
	ovs.AddPhysicalSwitch(vtepSwitchName, []string{"127.0.0.1"}, []string{vtepTunnelIP}, []string{"eth0"})
	const n, rounds = 8, 3
	for _, b := range vtepBackends() {
		t.Run(b.name, func(t *testing.T) {
			st, _, _ := b.open(t)
			a := api{t: t, base: serveStore(t, st, nil, restapi.Options{})}
			tz := lastSegment(a.create("/tunnel_zones", mtTunnelZone, map[string]any{"name": "vtep-tz", "type": "vtep"}))
			for round := range rounds {
				replies := make([]reply, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						replies[i] = a.do("POST", "/vteps", mtVtep, map[string]any{
							"managementIp": "127.0.0.1", "managementPort": ovs.Port(), "tunnelZoneId": tz})
					}()
				}
				wg.Wait()
				created := ""
				for i, r := range replies {
					switch {
					case r.status == 201 && created == "":
						created = r.header.Get("Location")
					case r.status == 409 && strings.Contains(string(r.body), "A VTEP with IP address 127.0.0.1 already exists."):
					default:
						t.Fatalf("round %d request %d: %d %s (created: %q)", round, i, r.status, r.body, created)
					}
				}
				if created == "" {
					t.Fatalf("round %d: no VTEP created", round)
				}
				if l := a.expect(a.do("GET", "/vteps", mtVteps, nil), 200, "").list(t); len(l) != 1 {
					t.Fatalf("round %d: %d VTEPs listed, want 1", round, len(l))
				}
				a.expect(a.do("DELETE", created, "", nil), 204, "")
			}
		})
	}
}
