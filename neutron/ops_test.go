package neutron

import (
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

var errDryRun = errors.New("dry run")

// opsOf is what a translation returns for one Neutron operation, computed
// in a transaction that is then abandoned: translations are pure, so their
// op lists can be compared as the reference's translator unit tests do.
func (fx *fixture) opsOf(f func(*View) ([]Op, error)) []string {
	fx.t.Helper()
	var out []string
	err := fx.st.Tx(fx.ctx, func(tx *zoom.Tx) error {
		ops, err := f(&View{tx: tx, st: fx.st})
		if err != nil {
			return err
		}
		out = out[:0]
		for _, op := range ops {
			out = append(out, op.String())
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		fx.t.Fatalf("translation: %v", err)
	}
	return out
}

// Expectations of PortTranslatorTest's op lists: a remote-site port only
// seeds the MAC and ARP tables (towards the network's L2 gateway port); a
// floating-IP port translates to nothing; deleting a port that does not
// exist is nothing.
func TestPortOpLists(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/24", "10.0.0.1"))
		remote := vifPort(newID(), nid, "fa:16:3e:00:00:09", alloc("10.0.0.9", sid))
		remote.DeviceOwner = models.NeutronPort_REMOTE_SITE.Enum()
		l2gw := models.UUIDFromGoogle(L2gwNetworkPortID(nid.ToGoogle()))
		var macPath, arpPath string
		fx.opsOf(func(v *View) ([]Op, error) {
			var err error
			if macPath, err = macEntryPath(v, nid, "fa:16:3e:00:00:09", l2gw); err != nil {
				return nil, err
			}
			arpPath, err = arpEntryPath(v, nid, ip("10.0.0.9"), "fa:16:3e:00:00:09")
			return nil, err
		})
		got := fx.opsOf(func(v *View) ([]Op, error) { return fx.svc.CreateOps(v, remote) })
		want := []string{"create node " + macPath, "create node " + arpPath, "create NeutronPort " + remote.GetId().Canonical()}
		if !slices.Equal(got, want) {
			t.Errorf("remote port create:\n got  %q\n want %q", got, want)
		}
		fx.create(remote)
		got = fx.opsOf(func(v *View) ([]Op, error) {
			return fx.svc.DeleteOps(v, &models.NeutronPort{}, remote.GetId().ToGoogle())
		})
		want = []string{"delete node " + macPath, "delete node " + arpPath, "delete NeutronPort " + remote.GetId().Canonical()}
		if !slices.Equal(got, want) {
			t.Errorf("remote port delete:\n got  %q\n want %q", got, want)
		}

		fip := vifPort(newID(), nid, "fa:16:3e:00:00:0a", alloc("10.0.0.10", sid))
		fip.DeviceOwner = models.NeutronPort_FLOATINGIP.Enum()
		got = fx.opsOf(func(v *View) ([]Op, error) { return fx.svc.CreateOps(v, fip) })
		if !slices.Equal(got, []string{"create NeutronPort " + fip.GetId().Canonical()}) {
			t.Errorf("floating IP port create: %q", got)
		}
		fx.create(fip)
		up := proto.Clone(fip).(*models.NeutronPort)
		up.AdminStateUp = proto.Bool(false)
		got = fx.opsOf(func(v *View) ([]Op, error) { return fx.svc.UpdateOps(v, up) })
		if !slices.Equal(got, []string{"update NeutronPort " + fip.GetId().Canonical()}) {
			t.Errorf("floating IP port update: %q", got)
		}

		missing := newID()
		got = fx.opsOf(func(v *View) ([]Op, error) {
			return fx.svc.DeleteOps(v, &models.NeutronPort{}, missing.ToGoogle())
		})
		if len(got) != 0 {
			t.Errorf("delete of a missing port: %q", got)
		}
	})
}

// PortTranslatorTest "ignore an already deleted subnet referenced by a
// fixed IP": deleting a DHCP port whose first subnet is gone updates the
// remaining subnet's Dhcp only.
func TestDhcpPortDeleteAfterSubnet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, s1, s2, pid := newID(), newID(), newID(), newID()
		fx.create(network(nid), subnet(s1, nid, "10.0.0.0/24", "10.0.0.1"), subnet(s2, nid, "10.0.1.0/24", "10.0.1.1"))
		fx.create(&models.NeutronPort{Id: pid, NetworkId: nid, MacAddress: proto.String("fa:16:3e:00:00:02"),
			AdminStateUp: proto.Bool(true), DeviceOwner: models.NeutronPort_DHCP.Enum(),
			FixedIps: []*models.NeutronPort_IPAllocation{alloc("10.0.0.2", s1), alloc("10.0.1.2", s2)}})
		fx.delete(&models.NeutronSubnet{}, s1)
		fx.delete(&models.NeutronPort{}, pid)
		d := fixtureGet[*models.Dhcp](fx, s2.ToGoogle())
		if !proto.Equal(d.GetServerAddress(), ip("10.0.1.1")) || len(d.GetOpt121Routes()) != 0 {
			t.Errorf("remaining subnet's Dhcp after the DHCP port's delete: %v", d)
		}
		if fx.exists(&models.Port{}, pid.ToGoogle()) {
			t.Error("the DHCP port survives")
		}
	})
}
