package neutron

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// backend is a storage backend the translation suites run on.
type backend struct {
	name    string
	connect func(t testing.TB) storage.Conn
}

// backends: the in-memory backend and a real ZooKeeper server.
func backends() []backend {
	return []backend{
		{"mem", func(t testing.TB) storage.Conn { return memtest.NewBackend().Connect(t) }},
		{"zookeeper", func(t testing.TB) storage.Conn {
			return zktest.NewBackend(zktest.Shared(t).Addr()).Connect(t)
		}},
	}
}

// fixture is a Service over a fresh store, with helpers that read the
// translated objects.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   *zoom.Store
	svc  *Service
	root string
}

// forEachBackend runs f on a fresh fixture per backend.
func forEachBackend(t *testing.T, f func(t *testing.T, fx *fixture)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			conn := b.connect(t)
			root := "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "_" + uuid.NewString()[:8]
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			t.Cleanup(cancel)
			st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: root, Owner: zoom.OwnerClusterAPI})
			if err != nil {
				t.Fatal(err)
			}
			var key atomic.Int32
			svc := NewService(st, func(context.Context) (int32, error) { return key.Add(1), nil })
			f(t, &fixture{t: t, ctx: ctx, st: st, svc: svc, root: root})
		})
	}
}

func (fx *fixture) create(nms ...proto.Message) {
	fx.t.Helper()
	if err := fx.svc.CreateAll(fx.ctx, nms); err != nil {
		fx.t.Fatalf("create: %v", err)
	}
}

func (fx *fixture) update(nm proto.Message) {
	fx.t.Helper()
	if err := fx.svc.Update(fx.ctx, nm); err != nil {
		fx.t.Fatalf("update: %v", err)
	}
}

func (fx *fixture) delete(model proto.Message, id *models.UUID) {
	fx.t.Helper()
	if err := fx.svc.Delete(fx.ctx, model, id.ToGoogle()); err != nil {
		fx.t.Fatalf("delete: %v", err)
	}
}

// get reads an object that must exist.
func fixtureGet[T proto.Message](fx *fixture, id uuid.UUID) T {
	fx.t.Helper()
	m, err := fx.st.Get(fx.ctx, zeroOf[T](), id)
	if err != nil {
		fx.t.Fatalf("get %T %s: %v", zeroOf[T](), id, err)
	}
	return m.(T)
}

// exists reports whether an object exists.
func (fx *fixture) exists(model proto.Message, id uuid.UUID) bool {
	fx.t.Helper()
	ok, err := fx.st.Exists(fx.ctx, model, id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return ok
}

// equal fails the test when got differs from want (proto equality).
func (fx *fixture) equal(what string, got, want proto.Message) {
	fx.t.Helper()
	if !proto.Equal(got, want) {
		fx.t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}

// Builders of test objects.

func newID() *models.UUID { return models.NewUUID() }

func ip(s string) *models.IPAddress {
	a, err := models.ParseIPAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

func cidr(s string) *models.IPSubnet {
	sn, err := models.ParseIPSubnet(s)
	if err != nil {
		panic(err)
	}
	return sn
}

func network(id *models.UUID) *models.NeutronNetwork {
	return &models.NeutronNetwork{Id: id, Name: proto.String("net"), TenantId: proto.String("tenant"),
		AdminStateUp: proto.Bool(true)}
}

func subnet(id, net *models.UUID, c, gw string) *models.NeutronSubnet {
	s := &models.NeutronSubnet{Id: id, NetworkId: net, Cidr: cidr(c), IpVersion: proto.Uint32(4),
		EnableDhcp: proto.Bool(true), TenantId: proto.String("tenant")}
	if gw != "" {
		s.GatewayIp = ip(gw)
	}
	return s
}
