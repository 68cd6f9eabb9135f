package restapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// fuzzSeeds are valid bodies per resource segment; the fuzzer mutates them.
var fuzzSeeds = map[string][]string{
	"bridges":        {`{"name":"b","tenantId":"t","adminStateUp":true,"inboundMirrorIds":[]}`},
	"routers":        {`{"name":"r","asNumber":"65000","inboundFilterId":null}`},
	"ports":          {`{"type":"Bridge","vlanId":3}`, `{"type":"Router","portSubnet":["10.0.0.1/24"],"portMac":"aa:bb:cc:dd:ee:ff"}`, `{"type":"Router","portAddress":"10.1.1.1","networkLength":"24"}`},
	"routes":         {`{"type":"BlackHole","srcNetworkAddr":"0.0.0.0","dstNetworkAddr":"10.0.0.0","dstNetworkLength":8}`},
	"chains":         {`{"name":"c"}`},
	"rules":          {`{"type":"accept","tpDst":{"start":80,"end":80},"nwProto":6}`, `{"type":"dnat","flowAction":"accept","natTargets":[{"addressFrom":"1.1.1.1","addressTo":"1.1.1.1","portFrom":0,"portTo":0}]}`, `{"type":"l2_transform","flowAction":"redirect","pushVlan":4}`, `{"type":"drop","position":1,"dlSrc":"aa:bb:cc:dd:ee:ff","dlSrcMask":"ffff.ffff.0000","fragmentPolicy":"any"}`},
	"port_groups":    {`{"name":"pg","stateful":"true"}`},
	"ip_addr_groups": {`{"name":"ipg"}`},
	"hosts":          {`{"id":"11111111-2222-3333-4444-555555555555","name":"h","floodingProxyWeight":1,"containerWeight":1,"containerLimit":-1,"enforceContainerLimit":false}`},
	"tunnel_zones":   {`{"name":"tz","type":"gre"}`},
}

// FuzzResourceBodies feeds arbitrary JSON to the create and update
// endpoints of every resource of the table: the answer is never a 500 and
// nothing panics.
func FuzzResourceBodies(f *testing.F) {
	table := resourceTable()
	for i, res := range table {
		for _, s := range fuzzSeeds[res.segment] {
			f.Add(uint8(i), s)
		}
		f.Add(uint8(i), `{}`)
		f.Add(uint8(i), `{"id":"not-a-uuid","name":5,"type":[]}`)
	}
	f.Add(uint8(len(table)), `{"subnetPrefix":"10.0.0.0","subnetLength":24,"opt121Routes":[{"destinationPrefix":"1.2.3.4","destinationLength":"32","gatewayAddr":"10.0.0.1"}]}`)
	f.Add(uint8(len(table)), `{"macAddr":"aa:bb:cc:dd:ee:ff","ipAddr":"10.0.0.3","extraDhcpOpts":[{"optName":"a","optValue":"b"}]}`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		// A fresh store per input keeps every execution small and independent.
		store := newFakeStore()
		h, err := NewHandler(store, MockTenants{}, Options{MapError: fakeErrors})
		if err != nil {
			t.Fatal(err)
		}
		// Parents and one existing object of every class, for nested creates and PUTs.
		bridge, router, chain := uuid.New(), uuid.New(), uuid.New()
		subnet, _ := models.ParseIPSubnet("10.0.0.0/24")
		existing := map[string]uuid.UUID{}
		err = store.Tx(t.Context(), func(tx Tx) error {
			for _, m := range []proto.Message{
				&models.Network{Id: uuidPtr(bridge)}, &models.Router{Id: uuidPtr(router)}, &models.Chain{Id: uuidPtr(chain)},
				&models.Dhcp{Id: models.NewUUID(), NetworkId: uuidPtr(bridge), SubnetAddress: subnet},
			} {
				if err := tx.Create(m); err != nil {
					return err
				}
			}
			for _, res := range table {
				id := uuid.New()
				m := res.newModel()
				setID(m, id)
				switch obj := m.(type) {
				case *models.Port:
					obj.NetworkId = uuidPtr(bridge)
				case *models.Rule:
					obj.ChainId = uuidPtr(chain)
					obj.Type = models.Rule_LITERAL_RULE.Enum()
					obj.Action = models.Rule_ACCEPT.Enum()
				case *models.Route:
					obj.RouterId = uuidPtr(router)
				}
				if err := tx.Create(m); err != nil {
					return err
				}
				existing[res.segment] = id
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if int(which)%(len(table)+1) == len(table) {
			// DHCP subnets and hosts: special routes, same field engine.
			for _, path := range []string{"/midonet-api/bridges/" + bridge.String() + "/dhcp",
				"/midonet-api/bridges/" + bridge.String() + "/dhcp/10.0.0.0_24/hosts"} {
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
		}
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
