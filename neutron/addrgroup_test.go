package neutron

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/internal/cputime"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// fullPathGroup is the oracle: an IP address group changed as the
// reference's port translation changes it, on the parsed group, to be
// printed whole (what the store wrote before the group's entries were
// edited in its stored text).
type fullPathGroup struct{ g *models.IPAddrGroup }

// add: the port joins ip's first entry, or a new entry at the end.
func (f fullPathGroup) add(ip *models.IPAddress, port *models.UUID) {
	for _, e := range f.g.IpAddrPorts {
		if proto.Equal(e.IpAddress, ip) {
			e.PortIds = append(e.PortIds, port)
			return
		}
	}
	f.g.IpAddrPorts = append(f.g.IpAddrPorts, &models.IPAddrGroup_IPAddrPorts{IpAddress: ip, PortIds: []*models.UUID{port}})
}

// remove (an update): the port leaves ip's first entry, which goes once
// it has no port.
func (f fullPathGroup) remove(ip *models.IPAddress, port *models.UUID) {
	for i, e := range f.g.IpAddrPorts {
		if proto.Equal(e.IpAddress, ip) {
			e.PortIds = removeFirst(e.PortIds, port)
			if len(e.PortIds) == 0 {
				f.g.IpAddrPorts = slices.Delete(f.g.IpAddrPorts, i, i+1)
			}
			return
		}
	}
}

// deleted (a port delete): the port leaves every entry of its addresses,
// which stay.
func (f fullPathGroup) deleted(ips []*models.IPAddress, port *models.UUID) {
	for _, e := range f.g.IpAddrPorts {
		if slices.ContainsFunc(ips, func(ip *models.IPAddress) bool { return proto.Equal(e.IpAddress, ip) }) {
			e.PortIds = removeFirst(e.PortIds, port)
		}
	}
}

func removeFirst(ids []*models.UUID, id *models.UUID) []*models.UUID {
	if i := slices.IndexFunc(ids, id.Equal); i >= 0 {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}

// A random sequence of compute port creates, fixed-IP changes, security
// group changes and deletes on two groups, with addresses shared between
// ports and repeated in a port: after every step each group's stored
// text is what the full path prints, and the checker finds nothing.
func TestAddressGroupEditsMatchFullPath(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid := newID(), newID()
		sgs := []*models.UUID{newID(), newID()}
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/16", "10.0.0.1"),
			&models.SecurityGroup{Id: sgs[0], Name: proto.String("a")}, &models.SecurityGroup{Id: sgs[1], Name: proto.String("b")})
		rng := rand.New(rand.NewPCG(3, 4))
		addrs := func() []*models.NeutronPort_IPAllocation {
			out := []*models.NeutronPort_IPAllocation{alloc(fmt.Sprintf("10.0.0.%d", 10+rng.IntN(8)), sid)}
			if rng.IntN(3) == 0 { // a second address, sometimes the same
				out = append(out, alloc(fmt.Sprintf("10.0.0.%d", 10+rng.IntN(8)), sid))
			}
			return out
		}
		groupsOf := func() []*models.UUID {
			switch rng.IntN(4) {
			case 0:
				return []*models.UUID{sgs[0]}
			case 1:
				return []*models.UUID{sgs[1]}
			case 2:
				return nil
			}
			return slices.Clone(sgs)
		}
		ipsOf := func(p *models.NeutronPort) []*models.IPAddress {
			var out []*models.IPAddress
			for _, f := range p.GetFixedIps() {
				out = append(out, f.GetIpAddress())
			}
			return out
		}
		var live []*models.NeutronPort
		for step := range 150 {
			want := map[string]fullPathGroup{}
			for _, sg := range sgs {
				want[sg.Canonical()] = fullPathGroup{proto.Clone(fixtureGet[*models.IPAddrGroup](fx, sg.ToGoogle())).(*models.IPAddrGroup)}
			}
			var what string
			switch op := rng.IntN(10); {
			case op < 4 || len(live) == 0:
				p := vifPort(newID(), nid, fmt.Sprintf("fa:16:3e:00:01:%02x", step), addrs()...)
				p.SecurityGroups = groupsOf()
				fx.create(p)
				live = append(live, p)
				for _, sg := range p.SecurityGroups {
					for _, ip := range ipsOf(p) {
						want[sg.Canonical()].add(ip, p.Id)
					}
				}
				what = "create"
			case op < 7:
				i := rng.IntN(len(live))
				old, p := live[i], proto.Clone(live[i]).(*models.NeutronPort)
				if rng.IntN(2) == 0 {
					p.FixedIps = addrs()
				}
				if rng.IntN(2) == 0 {
					p.SecurityGroups = groupsOf()
				}
				fx.update(p)
				live[i] = p
				for _, sg := range sgs {
					had, has := containsID(old.SecurityGroups, sg), containsID(p.SecurityGroups, sg)
					add, remove := ipsOf(p), ipsOf(old)
					if had && has {
						add, remove = diffIPs(ipsOf(p), ipsOf(old)), diffIPs(ipsOf(old), ipsOf(p))
					}
					if has {
						for _, ip := range add {
							want[sg.Canonical()].add(ip, p.Id)
						}
					}
					if had {
						for _, ip := range remove {
							want[sg.Canonical()].remove(ip, p.Id)
						}
					}
				}
				what = "update"
			default:
				i := rng.IntN(len(live))
				p := live[i]
				fx.delete(&models.NeutronPort{}, p.Id)
				live = slices.Delete(live, i, i+1)
				for _, sg := range p.SecurityGroups {
					want[sg.Canonical()].deleted(ipsOf(p), p.Id)
				}
				what = "delete"
			}
			for _, sg := range sgs {
				full, err := models.Marshal(want[sg.Canonical()].g)
				if err != nil {
					t.Fatal(err)
				}
				stored, _, err := fx.st.Conn().Get(fx.ctx, fx.root+"/zoom/0/models/IPAddrGroup/"+sg.Canonical())
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(stored, full) {
					t.Fatalf("step %d (%s): group %s stored\n%s\nthe full path prints\n%s", step, what, sg.Canonical(), stored, full)
				}
			}
		}
		fx.checkConsistent("after the sequence")
	})
}

// Concurrent deletes of ports sharing a group (each a removal from the
// group's stored text, local ones committed together) leave every entry
// without its port, the network without ports, the checker nothing.
func TestConcurrentPortDeletes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		nid, sid, sg := newID(), newID(), newID()
		fx.create(network(nid), subnet(sid, nid, "10.0.0.0/16", "10.0.0.1"), &models.SecurityGroup{Id: sg, Name: proto.String("sg")})
		var ports []*models.NeutronPort
		var creates []proto.Message
		for i := range 48 {
			p := vifPort(newID(), nid, fmt.Sprintf("fa:16:3e:00:02:%02x", i), alloc(fmt.Sprintf("10.0.1.%d", 10+i%40), sid))
			p.SecurityGroups = []*models.UUID{sg}
			ports, creates = append(ports, p), append(creates, p)
		}
		fx.create(creates...)
		var wg sync.WaitGroup
		errs := make([]error, len(ports))
		for i, p := range ports {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(fx.ctx, 30*time.Second)
				defer cancel()
				errs[i] = fx.svc.Delete(ctx, &models.NeutronPort{}, p.Id.ToGoogle())
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("concurrent delete: %v", err)
			}
		}
		g := fixtureGet[*models.IPAddrGroup](fx, sg.ToGoogle())
		if len(g.GetIpAddrPorts()) != 40 {
			t.Errorf("group has %d entries, want the 40 addresses' (emptied entries stay)", len(g.GetIpAddrPorts()))
		}
		for _, e := range g.GetIpAddrPorts() {
			if len(e.GetPortIds()) != 0 {
				t.Errorf("entry %s keeps ports %v", e.GetIpAddress().GetAddress(), models.UUIDsToStrings(e.GetPortIds()))
			}
		}
		if n := len(fixtureGet[*models.Network](fx, nid.ToGoogle()).GetPortIds()); n != 0 {
			t.Errorf("network keeps %d ports", n)
		}
		fx.checkConsistent("after concurrent deletes")
	})
}

// BenchmarkPortDeleteByGroupSize is a compute port's delete (its chains,
// its address leaving its security group's IP address group) on a group
// that holds 0 and 2,000 other addresses (appended through the store), in
// ms and process CPU ms per delete per size, with the ratio of the large
// to the empty group: a port's entry is edited in the group's stored text,
// so a ratio near 1 means a delete costs about its own entries.
//
//	go test -run '^$' -bench PortDeleteByGroupSize -benchtime 200x ./neutron/
func BenchmarkPortDeleteByGroupSize(b *testing.B) {
	sizes := []int{0, 2000}
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			conn := be.connect(b)
			wall, cpu := make([]float64, len(sizes)), make([]float64, len(sizes))
			for i, size := range sizes {
				st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: fmt.Sprintf("/bench-group-%d-%d", size, time.Now().UnixNano())})
				if err != nil {
					b.Fatal(err)
				}
				var key atomic.Int32
				svc := NewService(st, func(context.Context) (int32, error) { return key.Add(1), nil })
				nid, sid, sg := newID(), newID(), newID()
				if err := svc.CreateAll(ctx, []proto.Message{network(nid), subnet(sid, nid, "10.0.0.0/16", "10.0.0.1"),
					&models.SecurityGroup{Id: sg, Name: proto.String("default")}}); err != nil {
					b.Fatal(err)
				}
				others := make([]proto.Message, size)
				for j := range others {
					others[j] = &models.IPAddrGroup_IPAddrPorts{IpAddress: ip(fmt.Sprintf("10.1.%d.%d", j/250, j%250)), PortIds: []*models.UUID{newID()}}
				}
				if err := st.Tx(ctx, func(tx *zoom.Tx) error {
					return tx.Append(&models.IPAddrGroup{}, sg.ToGoogle(), "ip_addr_ports", others...)
				}); err != nil {
					b.Fatal(err)
				}
				ports := make([]*models.UUID, b.N)
				for done := 0; done < b.N; done += 50 {
					var batch []proto.Message
					for j := done; j < min(done+50, b.N); j++ {
						p := vifPort(newID(), nid, fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", j>>16, (j>>8)&0xff, j&0xff),
							alloc(fmt.Sprintf("10.0.%d.%d", j/250, j%250+2), sid))
						p.SecurityGroups = []*models.UUID{sg}
						ports[j] = p.Id
						batch = append(batch, p)
					}
					if err := svc.CreateAll(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				start, cpuStart := time.Now(), cputime.Process(b)
				for _, p := range ports {
					if err := svc.Delete(ctx, &models.NeutronPort{}, p.ToGoogle()); err != nil {
						b.Fatal(err)
					}
				}
				wall[i] = float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
				cpu[i] = float64((cputime.Process(b) - cpuStart).Microseconds()) / 1000 / float64(b.N)
				b.StopTimer()
				g, err := st.Get(ctx, &models.IPAddrGroup{}, sg.ToGoogle())
				if err != nil {
					b.Fatal(err)
				}
				if n := len(g.(*models.IPAddrGroup).GetIpAddrPorts()); n != size+b.N {
					b.Fatalf("group has %d entries, want %d (emptied ones stay)", n, size+b.N)
				}
			}
			last := len(sizes) - 1
			for i, size := range sizes {
				b.ReportMetric(wall[i], fmt.Sprintf("ms/delete@%d", size))
				b.ReportMetric(cpu[i], fmt.Sprintf("cpu-ms/delete@%d", size))
			}
			b.ReportMetric(wall[last]/wall[0], fmt.Sprintf("ratio@%d/@0", sizes[last]))
			b.ReportMetric(cpu[last]/cpu[0], fmt.Sprintf("cpu-ratio@%d/@0", sizes[last]))
		})
	}
}
