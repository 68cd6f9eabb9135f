package discovery

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"slices"
	"testing"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// TestDiscovery ports MidonetDiscoveryTest's expectations: host-and-port
// and URI instances, clients of either kind, and instances going away with
// their server's session.
func TestDiscovery(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		root := servicetest.Root(t)
		log := slog.New(slog.DiscardHandler)
		observer := b.Connect(t)
		server1, server2 := b.Connect(t), b.Connect(t)

		if _, err := Register(ctx, server1, root, NewHostPort("svc", "10.0.0.1", 1234), log); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse("udp://10.0.0.1:1234/path/to/endpoint")
		uriReg, err := Register(ctx, server1, root, NewURI("uri-svc", u), log)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Register(ctx, server2, root, NewHostPort("svc", "10.0.0.2", 1234), log); err != nil {
			t.Fatal(err)
		}

		ins, err := Instances(ctx, observer, root, "svc")
		if err != nil || len(ins) != 2 {
			t.Fatalf("svc instances %v, %v", ins, err)
		}
		got := []string{ins[0].HostPort(), ins[1].HostPort()}
		slices.Sort(got)
		if !slices.Equal(got, []string{"10.0.0.1:1234", "10.0.0.2:1234"}) || ins[0].URI() != "" {
			t.Errorf("svc instances %v", got)
		}
		uris, err := Instances(ctx, observer, root, "uri-svc")
		if err != nil || len(uris) != 1 || uris[0].URI() != "udp://10.0.0.1:1234/path/to/endpoint" || uris[0].HostPort() != "" {
			t.Fatalf("uri instances %+v, %v", uris, err)
		}

		// Curator's JSON: the fields a JVM client reads.
		raw, _, err := observer.Get(ctx, Path(root)+"/uri-svc/"+uris[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"name", "id", "address", "port", "sslPort", "payload", "registrationTimeUTC", "serviceType", "uriSpec"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("ServiceInstance JSON lacks %q: %s", f, raw)
			}
		}
		if fields["serviceType"] != "DYNAMIC" {
			t.Errorf("serviceType %v", fields["serviceType"])
		}
		if st, _, _ := observer.Exists(ctx, Path(root)+"/uri-svc/"+uris[0].ID); st.EphemeralOwner != server1.SessionID() {
			t.Errorf("instance node not ephemeral on its server's session")
		}

		// A server going away takes its instances with it.
		if err := server2.Close(); err != nil {
			t.Fatal(err)
		}
		servicetest.Eventually(t, "server 2's instance goes", func() bool {
			ins, err := Instances(ctx, observer, root, "svc")
			return err == nil && len(ins) == 1 && ins[0].Address == "10.0.0.1"
		})
		if err := uriReg.Unregister(ctx); err != nil {
			t.Fatal(err)
		}
		if uris, _ := Instances(ctx, observer, root, "uri-svc"); len(uris) != 0 {
			t.Errorf("after unregister: %v", uris)
		}
		// Nodes that are not instances are skipped.
		if _, err := observer.Create(ctx, Path(root)+"/svc/garbage", []byte("not json"), 0); err != nil {
			t.Fatal(err)
		}
		if ins, _ := Instances(ctx, observer, root, "svc"); len(ins) != 1 {
			t.Errorf("with a garbage node: %v", ins)
		}
	})
}
