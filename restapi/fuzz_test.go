package restapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// fuzzSeeds are valid bodies per resource segment; the fuzzer mutates them.
var fuzzSeeds = map[string][]string{
	"bridges":         {`{"name":"b","tenantId":"t","adminStateUp":true,"inboundMirrorIds":[]}`},
	"routers":         {`{"name":"r","asNumber":"65000","inboundFilterId":null}`},
	"ports":           {`{"type":"Bridge","vlanId":3}`, `{"type":"Router","portSubnet":["10.0.0.1/24"],"portMac":"aa:bb:cc:dd:ee:ff"}`, `{"type":"Router","portAddress":"10.1.1.1","networkLength":"24"}`},
	"routes":          {`{"type":"BlackHole","srcNetworkAddr":"0.0.0.0","dstNetworkAddr":"10.0.0.0","dstNetworkLength":8}`},
	"chains":          {`{"name":"c"}`},
	"rules":           {`{"type":"accept","tpDst":{"start":80,"end":80},"nwProto":6}`, `{"type":"dnat","flowAction":"accept","natTargets":[{"addressFrom":"1.1.1.1","addressTo":"1.1.1.1","portFrom":0,"portTo":0}]}`, `{"type":"l2_transform","flowAction":"redirect","pushVlan":4}`, `{"type":"drop","position":1,"dlSrc":"aa:bb:cc:dd:ee:ff","dlSrcMask":"ffff.ffff.0000","fragmentPolicy":"any"}`},
	"port_groups":     {`{"name":"pg","stateful":"true"}`},
	"ip_addr_groups":  {`{"name":"ipg"}`},
	"hosts":           {`{"id":"11111111-2222-3333-4444-555555555555","name":"h","floodingProxyWeight":1,"containerWeight":1,"containerLimit":-1,"enforceContainerLimit":false}`},
	"tunnel_zones":    {`{"name":"tz","type":"gre"}`},
	"vteps":           {`{"managementIp":"10.0.0.1","managementPort":"6632","tunnelZoneId":"11111111-2222-3333-4444-555555555555"}`},
	"bgp_networks":    {`{"subnetAddress":"192.0.2.0","subnetLength":"24"}`},
	"bgp_peers":       {`{"asNumber":65000,"address":"10.0.0.2","keepAlive":30,"holdTime":"90","connectRetry":null,"password":"x"}`},
	"load_balancers":  {`{"adminStateUp":false}`, `{"routerId":"11111111-2222-3333-4444-555555555555"}`},
	"pools":           {`{"lbMethod":"ROUND_ROBIN","healthMonitorId":null,"protocol":"TCP"}`},
	"pool_members":    {`{"address":"10.0.0.3","protocolPort":"80","weight":2}`},
	"vips":            {`{"poolId":"$pool","address":"10.0.0.4","protocolPort":80,"sessionPersistence":"SOURCE_IP"}`},
	"health_monitors": {`{"type":"TCP","delay":5,"timeout":"10","maxRetries":3}`},
	"qos_policies": {`{"name":"p","tenant_id":"t","shared":true,"rules":[{"id":"11111111-2222-3333-4444-555555555555","type":"dscp_marking","dscp_mark":4}]}`,
		`{"rules":[{"id":"x","type":"bandwidth_limit","max_kbps":"1"}]}`},
	"qos_bw_limit_rules":       {`{"maxKbps":100,"maxBurstKb":null}`},
	"qos_dscp_rules":           {`{"dscpMark":"12"}`},
	"mirrors":                  {`{"toPortId":"$port","conditions":[{"nwProto":6,"tpDst":{"start":1,"end":2},"fragmentPolicy":"header"}]}`},
	"l2insertions":             {`{"portId":"$port","srvPortId":"$port","vlan":1,"position":1,"failOpen":true,"mac":"aa:bb:cc:dd:ee:ff"}`},
	"service_container_groups": {`{"policy":"LEAST"}`},
	"service_containers":       {`{"serviceType":"IPSEC","hostId":"11111111-2222-3333-4444-555555555555"}`},
	"traces": {`{"name":"t","deviceType":"BRIDGE","deviceId":"$bridge","condition":{"nwSrcAddress":"10.0.0.0","nwSrcLength":"8"},"limit":"5","enabled":true}`,
		`{"name":"t","deviceType":"PORT","deviceId":"$port","condition":{},"creationTimestampMs":-1}`},
}

// FuzzResourceBodies feeds arbitrary JSON to the create and update
// endpoints of every resource of the table: the answer is never a 500 and
// nothing panics.
func FuzzResourceBodies(f *testing.F) {
	table := resourceTable()
	for i, res := range table {
		if _, ok := fuzzSeeds[res.segment]; !ok {
			f.Fatalf("no fuzz seed for resource %s", res.segment)
		}
		for _, s := range fuzzSeeds[res.segment] {
			f.Add(uint8(i), s)
		}
		f.Add(uint8(i), `{}`)
		f.Add(uint8(i), `{"id":"not-a-uuid","name":5,"type":[]}`)
	}
	f.Add(uint8(len(table)), `{"subnetPrefix":"10.0.0.0","subnetLength":24,"opt121Routes":[{"destinationPrefix":"1.2.3.4","destinationLength":"32","gatewayAddr":"10.0.0.1"}]}`)
	f.Add(uint8(len(table)), `{"macAddr":"aa:bb:cc:dd:ee:ff","ipAddr":"10.0.0.3","extraDhcpOpts":[{"optName":"a","optValue":"b"}]}`)
	f.Add(uint8(len(table)), `{"macAddr":"aa:bb:cc:dd:ee:ff","portId":"$port","vlanId":"0","ip":"10.0.0.1","mac":"aa:bb:cc:dd:ee:ff"}`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		// A fresh store per input keeps every execution small and independent.
		// The real object store over the in-memory backend.
		conn := mem.NewServer().Connect()
		defer conn.Close()
		zst, err := midonet.NewStore(t.Context(), conn, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
		if err != nil {
			t.Fatal(err)
		}
		store := NewZoomStore(zst)
		h, err := NewHandler(store, MockTenants{}, Options{StateTables: fuzzTables{}})
		if err != nil {
			t.Fatal(err)
		}
		// Parents and one existing object of every class, for nested creates and PUTs.
		fx, err := seedEveryClass(t.Context(), store)
		if err != nil {
			t.Fatal(err)
		}
		bridge, router, chain, routerPort, existing := fx.bridge, fx.router, fx.chain, fx.routerPort, fx.existing
		if int(which)%(len(table)+1) == len(table) {
			// DHCP subnets and hosts: special routes, same field engine.
			body = strings.ReplaceAll(body, "$port", existing["ports"].String())
			for _, path := range []string{"/midonet-api/bridges/" + bridge.String() + "/dhcp",
				"/midonet-api/bridges/" + bridge.String() + "/dhcp/10.0.0.0_24/hosts",
				"/midonet-api/bridges/" + bridge.String() + "/mac_table",
				"/midonet-api/bridges/" + bridge.String() + "/vlans/0/mac_table",
				"/midonet-api/bridges/" + bridge.String() + "/arp_table",
				"/midonet-api/routers/" + router.String() + "/ports/" + routerPort.String() + "/peering_table"} {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body)
				}
			}
			return
		}
		res := table[int(which)%(len(table)+1)]
		collection := "/midonet-api/" + res.segment
		switch res.segment {
		case "ports":
			collection = "/midonet-api/bridges/" + bridge.String() + "/ports"
			if strings.Contains(body, "Router") {
				collection = "/midonet-api/routers/" + router.String() + "/ports"
			}
		case "routes":
			collection = "/midonet-api/routers/" + router.String() + "/routes"
		case "rules":
			collection = "/midonet-api/chains/" + chain.String() + "/rules"
		case "bgp_networks", "bgp_peers":
			collection = "/midonet-api/routers/" + router.String() + "/" + res.segment
		case "qos_bw_limit_rules", "qos_dscp_rules":
			collection = "/midonet-api/qos_policies/" + existing["qos_policies"].String() + "/" + res.segment
		case "pool_members", "vips":
			collection = "/midonet-api/pools/" + existing["pools"].String() + "/" + res.segment
		}
		// Give references the fuzzer cannot guess a chance to resolve.
		body = fx.fill(body)
		for _, target := range []struct{ method, path string }{
			{http.MethodPost, collection},
			{http.MethodPut, "/midonet-api/" + res.segment + "/" + existing[res.segment].String()},
		} {
			req := httptest.NewRequest(target.method, target.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", target.method, target.path, body, rec.Code, rec.Body)
			}
		}
	})
}

// fuzzTables accepts every state-table operation and holds nothing.
type fuzzTables struct{}

func (fuzzTables) Table(ctx context.Context, class string, id uuid.UUID, name string, args ...string) (StateTable, error) {
	return fuzzTables{}, nil
}

func (fuzzTables) TableArguments(ctx context.Context, class string, id uuid.UUID, name string) ([]string, error) {
	return nil, nil
}

func (fuzzTables) Snapshot(ctx context.Context) ([]StateEntry, error)            { return nil, nil }
func (fuzzTables) Contains(ctx context.Context, key, value string) (bool, error) { return false, nil }
func (fuzzTables) AddPersistent(ctx context.Context, key, value string) error    { return nil }
func (fuzzTables) RemovePersistent(ctx context.Context, key, value string) error { return nil }
