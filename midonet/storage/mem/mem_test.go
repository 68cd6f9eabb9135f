package mem_test

import (
	"testing"

	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
)

// TestConformance runs the suite on one Server shared by all subtests, as
// the ZooKeeper backend shares one ensemble.
func TestConformance(t *testing.T) {
	storagetest.Run(t, memtest.NewBackend())
}
