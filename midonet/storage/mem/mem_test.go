package mem_test

import (
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
)

// backend runs the conformance suite on one Server shared by all subtests,
// as the ZooKeeper backend shares one ensemble.
type backend struct{ srv *mem.Server }

func (b backend) Connect(t testing.TB) storage.Conn {
	c := b.srv.Connect()
	t.Cleanup(func() { c.Close() })
	return c
}

func (b backend) Expire(t testing.TB, c storage.Conn) {
	mc, ok := c.(*mem.Conn)
	if !ok {
		t.Fatalf("Expire of a %T, want *mem.Conn", c)
	}
	mc.Expire()
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, backend{mem.NewServer()})
}
