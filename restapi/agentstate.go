package restapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
)

// StateReader reads state keys that agents and cluster services write
// (liveness, host interfaces, port activity, BGP and container status,
// pool-member health). A Store that also implements it (NewZoomStore's
// does) makes the API report that state as the reference does; without
// it hosts read as not alive with no interfaces, ports as inactive, etc.
type StateReader interface {
	// StateKey reads a single-value state key of an object in namespace
	// (a host id for agent state; "" for the store's own namespace).
	StateKey(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) (value string, exists bool, err error)
	// StateValues reads a multi-value state key (nil when absent).
	StateValues(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) ([]string, error)
}

// State key names of the reference (MidonetBackend).
const (
	aliveKey  = "alive"
	hostKey   = "host"
	activeKey = "active"
	bgpKey    = "bgp"
	statusKey = "status"
	routesKey = "routes"
)

// stateReader is the store's StateReader, nil when it has none.
func (c *call) stateReader() StateReader {
	sr, _ := c.h.store.(StateReader)
	return sr
}

// stateKey reads a key; without a StateReader every key is absent.
func (c *call) stateKey(namespace string, model proto.Message, id uuid.UUID, key string) (string, bool, error) {
	sr := c.stateReader()
	if sr == nil {
		return "", false, nil
	}
	return sr.StateKey(c.ctx(), namespace, model, id, key)
}
