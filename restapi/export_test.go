package restapi

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// fixture is one stored object of every class of the resource table plus
// the devices they hang off, written straight through the store.
type fixture struct {
	bridge, router, chain, routerPort uuid.UUID
	existing                          map[string]uuid.UUID // by resource segment
}

// seedEveryClass stores the fixture: parents for nested creates, one object
// of every resource for PUTs, a v4 and a v6 DHCP subnet on the bridge.
func seedEveryClass(ctx context.Context, store Store) (fixture, error) {
	fx := fixture{bridge: uuid.New(), router: uuid.New(), chain: uuid.New(), routerPort: uuid.New(), existing: map[string]uuid.UUID{}}
	subnet, _ := models.ParseIPSubnet("10.0.0.0/24")
	subnet6, _ := models.ParseIPSubnet("2001:db8::/64")
	err := store.Tx(ctx, func(tx Tx) error {
		for _, m := range []proto.Message{
			&models.Network{Id: uuidPtr(fx.bridge)}, &models.Router{Id: uuidPtr(fx.router)}, &models.Chain{Id: uuidPtr(fx.chain)},
			&models.Dhcp{Id: models.NewUUID(), NetworkId: uuidPtr(fx.bridge), SubnetAddress: subnet},
			&models.DhcpV6{Id: models.NewUUID(), NetworkId: uuidPtr(fx.bridge), SubnetAddress: subnet6},
			&models.Port{Id: uuidPtr(fx.routerPort), RouterId: uuidPtr(fx.router)},
		} {
			if err := tx.Create(m); err != nil {
				return err
			}
		}
		for _, res := range resourceTable() {
			id := uuid.New()
			m := res.newModel()
			setID(m, id)
			switch obj := m.(type) {
			case *models.Port:
				obj.NetworkId = uuidPtr(fx.bridge)
			case *models.Rule:
				obj.ChainId = uuidPtr(fx.chain)
				obj.Type = models.Rule_LITERAL_RULE.Enum()
				obj.Action = models.Rule_ACCEPT.Enum()
			case *models.Route:
				obj.RouterId = uuidPtr(fx.router)
			case *models.BgpNetwork:
				obj.RouterId = uuidPtr(fx.router)
			case *models.BgpPeer:
				obj.RouterId = uuidPtr(fx.router)
			case *models.Pool:
				obj.Protocol = models.Pool_TCP.Enum()
			case *models.ServiceContainer:
				obj.PortId = uuidPtr(fx.routerPort)
			}
			if err := tx.Create(m); err != nil {
				return err
			}
			fx.existing[res.segment] = id
		}
		return nil
	})
	return fx, err
}

// fill replaces the fixture's placeholders ($bridge, $router, $port, $pool)
// in a seed body.
func (fx fixture) fill(s string) string {
	return strings.NewReplacer("$bridge", fx.bridge.String(), "$router", fx.router.String(),
		"$port", fx.existing["ports"].String(), "$pool", fx.existing["pools"].String()).Replace(s)
}

// AbuseTarget is one place a client writes JSON bodies to.
type AbuseTarget struct {
	Method, Path string   // relative to the API root, ids of the fixture filled in
	Seed         string   // a body the target accepts, or at least parses
	Fields       []string // every field name it reads; nested ones as "condition.nwProto"
}

// SeedAbuseTargets stores the fixture in store and returns every write
// target of the API over it: POST to each collection a resource is created
// in (top level and under each parent), PUT to an existing object of each
// resource, and the explicit endpoints that take a JSON body.
func SeedAbuseTargets(ctx context.Context, store Store) ([]AbuseTarget, error) {
	fx, err := seedEveryClass(ctx, store)
	if err != nil {
		return nil, err
	}
	var out []AbuseTarget
	for _, res := range resourceTable() {
		seeds := fuzzSeeds[res.segment]
		seed := fx.fill(seeds[0])
		for _, s := range seeds[1:] { // a variant seed whose type matches a parent
			if strings.Contains(s, "Router") {
				seed = fx.fill(s)
			}
		}
		fields := tableFieldNames(res)
		if res.ops&opCreate != 0 && res.topLevelCreate() {
			out = append(out, AbuseTarget{"POST", "/" + res.segment, fx.fill(seeds[0]), fields})
		}
		for _, p := range res.parents {
			if res.ops&opCreate == 0 || p.listOnly {
				continue
			}
			pid := fx.existing[p.segment]
			switch p.segment {
			case "bridges":
				pid = fx.bridge
			case "routers":
				pid = fx.router
			case "chains":
				pid = fx.chain
			}
			body := fx.fill(seeds[0])
			if p.segment == "routers" {
				body = seed
			}
			out = append(out, AbuseTarget{"POST", "/" + p.segment + "/" + pid.String() + "/" + p.sub, body, fields})
		}
		if res.ops&opUpdate != 0 {
			out = append(out, AbuseTarget{"PUT", "/" + res.segment + "/" + fx.existing[res.segment].String(), fx.fill(seeds[0]), fields})
		}
	}
	bridge := "/bridges/" + fx.bridge.String()
	for _, e := range []struct{ method, path, seed string }{
		{"POST", bridge + "/dhcp", `{"subnetPrefix":"10.0.1.0","subnetLength":24,"defaultGateway":"10.0.1.1","serverAddr":"10.0.1.2","dnsServerAddrs":["8.8.8.8"],"interfaceMTU":1400,"opt121Routes":[{"destinationPrefix":"1.2.3.4","destinationLength":"32","gatewayAddr":"10.0.0.1"}],"enabled":true}`},
		{"PUT", bridge + "/dhcp/10.0.0.0_24", `{"subnetPrefix":"10.0.0.0","subnetLength":24,"defaultGateway":"10.0.0.1"}`},
		{"POST", bridge + "/dhcp/10.0.0.0_24/hosts", `{"macAddr":"aa:bb:cc:dd:ee:ff","ipAddr":"10.0.0.3","name":"h","extraDhcpOpts":[{"optName":"a","optValue":"b"}]}`},
		{"POST", bridge + "/dhcpV6", `{"prefix":"2001:db8:1::","prefixLength":64}`},
		{"POST", bridge + "/dhcpV6/2001:db8::_64/hostsV6", `{"clientId":"c1","fixedAddress":"2001:db8::5","name":"h6"}`},
		{"POST", bridge + "/mac_table", `{"macAddr":"aa:bb:cc:dd:ee:01","portId":"$port","vlanId":0}`},
		{"POST", bridge + "/vlans/0/mac_table", `{"macAddr":"aa:bb:cc:dd:ee:02","portId":"$port"}`},
		{"POST", "/routers/" + fx.router.String() + "/ports/" + fx.routerPort.String() + "/peering_table", `{"ip":"10.0.0.1","mac":"aa:bb:cc:dd:ee:ff"}`},
		{"POST", "/ports/" + fx.routerPort.String() + "/link", `{"peerId":"$port"}`},
		{"POST", "/port_groups/" + fx.existing["port_groups"].String() + "/ports", `{"portId":"$port"}`},
		{"POST", "/ip_addr_groups/" + fx.existing["ip_addr_groups"].String() + "/ip_addrs", `{"addr":"10.0.0.9","version":4}`},
		{"POST", "/hosts/" + fx.existing["hosts"].String() + "/ports", `{"portId":"$port","interfaceName":"eth9"}`},
		{"POST", "/tunnel_zones/" + fx.existing["tunnel_zones"].String() + "/hosts", `{"hostId":"` + fx.existing["hosts"].String() + `","ipAddress":"10.0.0.7"}`},
		{"POST", "/vteps/" + fx.existing["vteps"].String() + "/bindings", `{"portName":"p1","vlanId":0,"networkId":"$bridge"}`},
		{"POST", "/tenants", `{"id":"t"}`},
	} {
		seed := fx.fill(e.seed)
		out = append(out, AbuseTarget{e.method, e.path, seed, seedFieldNames(seed)})
	}
	return out, nil
}

// tableFieldNames lists a resource's JSON fields (every variant's, the
// discriminator, nested object fields as "outer.inner").
func tableFieldNames(res *resource) []string {
	all := slices.Clone(res.fields)
	for _, v := range res.variants {
		all = append(all, v.fields...)
	}
	names := map[string]bool{}
	if res.discriminator != "" {
		names[res.discriminator] = true
	}
	for _, f := range all {
		names[f.json] = true
		for _, s := range f.sub {
			names[f.json+"."+s.json] = true
		}
	}
	return slices.Sorted(maps.Keys(names))
}

// seedFieldNames lists the keys of a seed body, nested objects' as
// "outer.inner" and the objects of a list through its first element.
func seedFieldNames(seed string) []string {
	var body map[string]json.RawMessage
	if json.Unmarshal([]byte(seed), &body) != nil {
		return nil
	}
	var names []string
	for k, raw := range body {
		names = append(names, k)
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			var list []map[string]json.RawMessage
			if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
				obj = list[0]
			}
		}
		for sub := range obj {
			names = append(names, k+"."+sub)
		}
	}
	slices.Sort(names)
	return names
}
