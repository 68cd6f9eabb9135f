package restapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/restapi"
)

// TestNeutronPortBinding: the REST path of the reference's port bindings
// (its PortBinding class is only read by its task-table importer): a
// Neutron port's binding:host_id (a host name) and binding:profile's
// interface_name bind the MidoNet port, as PortBindingTranslatorIT
// expects of a binding: the v5 host lists the port at the interface, and
// the port's delete unbinds it. A name no host has is 404, one two hosts
// share 409 (the reference's ObjectNameNotUniqueException); a VIF port's
// update keeps its binding (mm-ctl's to change), a router interface port's
// follows Neutron. On mem and ZooKeeper; hosts are written as the agent
// writes them.
func TestNeutronPortBinding(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			ctx := context.Background()
			conn, root := sb.connect(t)
			st := openZoomStore(t, conn, root)
			n := neutronAPI{t: t, base: serveStore(t, st, nil, restapi.Options{Sequences: restapi.NewZoomSequences(st)})}
			h1, h2 := models.NewUUID(), models.NewUUID()
			for _, h := range []*models.Host{{Id: h1, Name: proto.String("compute-1")}, {Id: h2, Name: proto.String("compute-2")},
				{Id: models.NewUUID(), Name: proto.String("twin")}, {Id: models.NewUUID(), Name: proto.String("twin")}} {
				if err := st.Create(ctx, h); err != nil {
					t.Fatal(err)
				}
			}
			portType := neutronVnd + "Port-v1+json"
			net := uuid.NewString()
			n.must(201, "POST", "/neutron/networks", neutronVnd+"Network-v1+json", map[string]any{"id": net, "admin_state_up": true})
			port := func(id, host, owner string) map[string]any {
				return map[string]any{"id": id, "network_id": net, "admin_state_up": true, "device_owner": owner,
					"mac_address": "fa:16:3e:00:00:01", "binding:host_id": host,
					"binding:profile": map[string]any{"interface_name": "tap-" + id[:8]}}
			}
			bindings := func(host *models.UUID) []any {
				t.Helper()
				return n.must(200, "GET", "/hosts/"+host.Canonical()+"/ports",
					"application/vnd.org.midonet.collection.HostInterfacePort-v1+json", nil).([]any)
			}
			vif := uuid.NewString()
			n.must(201, "POST", "/neutron/ports", portType, port(vif, "compute-1", "compute:nova"))
			if b := bindings(h1); len(b) != 1 || b[0].(map[string]any)["portId"] != vif ||
				b[0].(map[string]any)["interfaceName"] != "tap-"+vif[:8] {
				t.Errorf("compute-1 bindings = %v", b)
			}
			if p := n.must(200, "GET", "/ports/"+vif, "application/json", nil).(map[string]any); p["hostId"] != h1.Canonical() {
				t.Errorf("bound port = %v", p)
			}
			// A VIF port's update naming another host keeps the binding.
			n.must(200, "PUT", "/neutron/ports/"+vif, portType, port(vif, "compute-2", "compute:nova"))
			if b := bindings(h1); len(b) != 1 {
				t.Errorf("compute-1 bindings after the VIF update = %v", b)
			}
			n.must(204, "DELETE", "/neutron/ports/"+vif, "", nil)
			if b := bindings(h1); len(b) != 0 {
				t.Errorf("compute-1 bindings after the port's delete = %v", b)
			}

			// A router interface port's binding follows its updates.
			rtr, rif := uuid.NewString(), uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": rtr, "admin_state_up": true})
			body := port(rif, "compute-1", "network:router_interface")
			body["device_id"] = rtr
			n.must(201, "POST", "/neutron/ports", portType, body)
			body["binding:host_id"] = "compute-2"
			n.must(200, "PUT", "/neutron/ports/"+rif, portType, body)
			if b1, b2 := bindings(h1), bindings(h2); len(b1) != 0 || len(b2) != 1 || b2[0].(map[string]any)["portId"] != rif {
				t.Errorf("bindings after moving the router interface port: compute-1 %v, compute-2 %v", b1, b2)
			}
			delete(body, "binding:host_id")
			n.must(200, "PUT", "/neutron/ports/"+rif, portType, body)
			if p := n.must(200, "GET", "/ports/"+rif, "application/json", nil).(map[string]any); p["hostId"] != nil ||
				p["interfaceName"] != nil || len(bindings(h2)) != 0 {
				t.Errorf("router interface port after its binding's removal = %v", p)
			}

			n.must(404, "POST", "/neutron/ports", portType, port(uuid.NewString(), "nowhere", "compute:nova"))
			n.must(409, "POST", "/neutron/ports", portType, port(uuid.NewString(), "twin", "compute:nova"))
		})
	}
}
