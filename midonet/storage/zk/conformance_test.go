package zk_test

import (
	"testing"

	"github.com/midonet/midonet-go/midonet/storage/storagetest"
)

// TestConformance runs the storage conformance suite against real ZooKeeper
// (the package's shared server; sessions expire for real, server-side).
func TestConformance(t *testing.T) {
	storagetest.Run(t, newBackend(t))
}
