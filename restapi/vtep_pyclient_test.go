package restapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/midonet/midonet-go/internal/pyclienttest"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/vxgw/vteptest"
)

// vtepPythonScenario drives python-midonetclient's VTEP calls (tunnel zone,
// add_vtep, get_ports, add_binding, get_bindings, delete). Exits non-zero
// with a traceback on the first failure.
const vtepPythonScenario = `
import sys
from midonetclient.api import MidonetApi

def check(cond, what):
    if not cond:
        raise AssertionError(what)

api = MidonetApi(sys.argv[1], "admin", "admin")
port = int(sys.argv[2])
tz = api.add_vtep_tunnel_zone().name("vtep-tz").create()
vtep = (api.add_vtep().management_ip("127.0.0.1").management_port(port)
        .tunnel_zone_id(tz.get_id()).create())
check(vtep.get_management_ip() == "127.0.0.1" and vtep.get_management_port() == port, "vtep create")
check(vtep.get_tunnel_zone_id() == tz.get_id(), "vtep tunnel zone")
check(vtep.get_connection_state() == "disconnected", "connection state without a controller")
check([v.get_id() for v in api.get_vteps()] == [vtep.get_id()], "get_vteps")
check(api.get_vtep(vtep.get_id()).get_management_port() == port, "get_vtep")
check([p.get_name() for p in vtep.get_ports()] == ["eth0", "eth1"], "vtep ports")

bridge = api.add_bridge().name("b").tenant_id("acme").create()
b = vtep.add_binding().port_name("eth1").vlan_id(42).network_id(bridge.get_id()).create()
check(b.get_port_name() == "eth1" and b.get_vlan_id() == 42 and b.get_network_id() == bridge.get_id(), "binding")
check(len(list(vtep.get_bindings())) == 1, "get_bindings")
check(len(api.get_bridge(bridge.get_id()).dto["vxLanPortIds"]) == 1, "vxlan port")
b.delete()
check(len(list(vtep.get_bindings())) == 0, "binding deleted")
check(api.get_bridge(bridge.get_id()).dto["vxLanPortIds"] == [], "vxlan port deleted")
api.delete_vtep(vtep.get_id())
check(list(api.get_vteps()) == [], "vtep deleted")
print("VTEP scenario ok")
`

// TestPythonMidonetClientVTEPs runs the unmodified python-midonetclient's
// VTEP calls against our server, on both backends, with a real
// ovsdb-server as the switch.
func TestPythonMidonetClientVTEPs(t *testing.T) {
	ovs := vteptest.Start(t)
	ovs.AddPhysicalSwitch(vtepSwitchName, []string{"127.0.0.1"}, []string{vtepTunnelIP}, []string{"eth0", "eth1"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py := pyclienttest.Extract(ctx, t)
	script := filepath.Join(t.TempDir(), "vtep_scenario.py")
	if err := os.WriteFile(script, []byte(vtepPythonScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range vtepBackends() {
		t.Run(b.name, func(t *testing.T) {
			st, _, _ := b.open(t)
			base := serveStore(t, st, restapi.MockTenants{}, restapi.Options{Middleware: mockLogin})
			py.Run(ctx, t, "python-midonetclient VTEP scenario", script, base, strconv.Itoa(ovs.Port()))
		})
	}
}
