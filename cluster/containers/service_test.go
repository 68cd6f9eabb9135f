package containers

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// TestApply ports the expectations of the reference's datapath-bound
// delegate: binding on schedule, unbinding only from the host named.
func TestApply(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		w := newWorld(t, b)
		log := slog.New(slog.DiscardHandler)
		h1, h2 := w.host(nil), w.host(nil)
		c, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
		obj, err := w.st.Get(w.ctx, &models.ServiceContainer{}, c)
		if err != nil {
			t.Fatal(err)
		}
		sc := obj.(*models.ServiceContainer)
		getPort := func(id uuid.UUID) *models.Port {
			m, err := w.st.Get(w.ctx, &models.Port{}, id)
			if err != nil {
				t.Fatal(err)
			}
			return m.(*models.Port)
		}

		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: sc, Host: h1}, log); err != nil {
			t.Fatal(err)
		}
		p := getPort(port)
		if p.GetHostId().ToGoogle() != h1 || p.GetInterfaceName() != "vpn-"+port.String()[:8] {
			t.Fatalf("scheduled port: host %v interface %q", p.GetHostId().ToGoogle(), p.GetInterfaceName())
		}
		// An interface name already set is kept; the port moves.
		p.InterfaceName = proto.String("custom")
		if err := w.st.Update(w.ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: sc, Host: h2}, log); err != nil {
			t.Fatal(err)
		}
		if p := getPort(port); p.GetHostId().ToGoogle() != h2 || p.GetInterfaceName() != "custom" {
			t.Fatalf("rescheduled port: host %v interface %q", p.GetHostId().ToGoogle(), p.GetInterfaceName())
		}
		// Unscheduling from another host leaves the binding.
		if err := Apply(w.ctx, w.st, Event{Kind: Unschedule, Container: sc, Host: h1}, log); err != nil {
			t.Fatal(err)
		}
		if getPort(port).GetHostId().ToGoogle() != h2 {
			t.Fatal("unschedule from another host unbound the port")
		}
		if err := Apply(w.ctx, w.st, Event{Kind: Unschedule, Container: sc, Host: h2}, log); err != nil {
			t.Fatal(err)
		}
		if getPort(port).GetHostId() != nil {
			t.Fatal("unschedule left the port bound")
		}
		// A missing host fails the schedule and leaves the port as it was.
		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: sc, Host: uuid.New()}, log); !errors.Is(err, zoom.ErrNotFound) {
			t.Fatalf("schedule on a missing host = %v, want not found", err)
		}
		if getPort(port).GetHostId() != nil {
			t.Fatal("failed schedule bound the port")
		}
		// No port: an error; a missing port: an error for schedule, nothing
		// to do for unschedule.
		noPort := proto.Clone(sc).(*models.ServiceContainer)
		noPort.PortId = nil
		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: noPort, Host: h1}, log); !errors.Is(err, ErrNoPort) {
			t.Fatalf("schedule without a port = %v", err)
		}
		gone := proto.Clone(sc).(*models.ServiceContainer)
		gone.PortId = models.UUIDFromGoogle(uuid.New())
		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: gone, Host: h1}, log); !errors.Is(err, zoom.ErrNotFound) {
			t.Fatalf("schedule with a missing port = %v", err)
		}
		if err := Apply(w.ctx, w.st, Event{Kind: Unschedule, Container: gone, Host: h1}, log); err != nil {
			t.Fatalf("unschedule with a missing port = %v", err)
		}
		// Unknown container types are left alone.
		odd := proto.Clone(sc).(*models.ServiceContainer)
		odd.ServiceType = proto.String("WHATEVER")
		if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: odd, Host: h1}, log); err != nil {
			t.Fatal(err)
		}
		if getPort(port).GetHostId() != nil {
			t.Fatal("a container of unknown type was bound")
		}
		for typ, prefix := range map[string]string{"QUAGGA": "bgp", "HAPROXY": "hpx"} {
			c, port := w.container(w.group(models.ServiceContainerPolicy_WEIGHTED_SCHEDULER))
			obj, _ := w.st.Get(w.ctx, &models.ServiceContainer{}, c)
			sc := obj.(*models.ServiceContainer)
			sc.ServiceType = proto.String(typ)
			if err := Apply(w.ctx, w.st, Event{Kind: Schedule, Container: sc, Host: h1}, log); err != nil {
				t.Fatal(err)
			}
			if got := getPort(port).GetInterfaceName(); got != prefix+"-"+port.String()[:8] {
				t.Errorf("%s interface %q, want prefix %s", typ, got, prefix)
			}
		}
	})
}
