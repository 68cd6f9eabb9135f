package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/ovn-org/libovsdb/client"
	"github.com/ovn-org/libovsdb/model"
	"github.com/ovn-org/libovsdb/ovsdb"

	"github.com/midonet/midonet-go/vxgw/vteptest"
)

// northboundSchema is where Debian's ovn-central installs OVN's northbound
// database schema.
const northboundSchema = "/usr/share/ovn/ovn-nb.ovsschema"

// logicalSwitch and logicalSwitchPort map the columns of OVN_Northbound's
// Logical_Switch and Logical_Switch_Port a port create writes; libovsdb
// leaves the other columns alone.
type logicalSwitch struct {
	UUID  string   `ovsdb:"_uuid"`
	Name  string   `ovsdb:"name"`
	Ports []string `ovsdb:"ports"`
}

type logicalSwitchPort struct {
	UUID string `ovsdb:"_uuid"`
	Name string `ovsdb:"name"`
}

// northbound is an ovsdb-server serving a fresh OVN_Northbound database.
type northbound struct {
	endpoint string
	model    model.ClientDBModel
}

func startNorthbound(t *testing.T) *northbound {
	srv := vteptest.StartDatabase(t, northboundSchema, "ovn-central")
	m, err := model.NewClientDBModel("OVN_Northbound", map[string]model.Model{
		"Logical_Switch":      &logicalSwitch{},
		"Logical_Switch_Port": &logicalSwitchPort{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &northbound{endpoint: srv.Endpoint(), model: m}
}

// dial opens a long-lived client, closed when the test ends. It does not
// monitor: like the REST clients, it only writes.
func (nb *northbound) dial(ctx context.Context, t *testing.T) (client.Client, error) {
	discard := logr.Discard()
	c, err := client.NewOVSDBClient(nb.model, client.WithEndpoint(nb.endpoint), client.WithLogger(&discard))
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", nb.endpoint, err)
	}
	t.Cleanup(c.Close)
	return c, nil
}

// transact commits ops and reports any per-operation error; it returns the
// operations' results.
func transact(ctx context.Context, c client.Client, ops ...ovsdb.Operation) ([]ovsdb.OperationResult, error) {
	res, err := c.Transact(ctx, ops...)
	if err != nil {
		return nil, err
	}
	if opErrs, err := ovsdb.CheckOperationResults(res, ops); err != nil {
		return nil, fmt.Errorf("%w %v", err, opErrs)
	}
	return res, nil
}

// portCreateLoad is logical switch port creates on one new switch by
// writers clients, each create one transaction (insert the port, add it to
// the switch's ports).
func (nb *northbound) portCreateLoad(ctx context.Context, t *testing.T, writers int) (load, error) {
	clients := make([]client.Client, writers)
	for w := range clients {
		var err error
		if clients[w], err = nb.dial(ctx, t); err != nil {
			return nil, err
		}
	}
	sw := &logicalSwitch{Name: fmt.Sprintf("bench-%d", writers)}
	ops, err := clients[0].Create(sw)
	if err != nil {
		return nil, err
	}
	res, err := transact(ctx, clients[0], ops...)
	if err != nil {
		return nil, fmt.Errorf("create the switch: %w", err)
	}
	switchUUID := res[0].UUID.GoUUID
	var next atomic.Int64
	return func(ctx context.Context, count int) (time.Duration, error) {
		return timed(ctx, count, writers, func(ctx context.Context, w int) error {
			c := clients[w]
			i := next.Add(1)
			// A named UUID: the server assigns the row's UUID, the mutation
			// in the same transaction refers to it by this name.
			port := &logicalSwitchPort{UUID: fmt.Sprintf("port_%d", i), Name: fmt.Sprintf("lsp-%d-%d", writers, i)}
			insert, err := c.Create(port)
			if err != nil {
				return err
			}
			ls := &logicalSwitch{UUID: switchUUID}
			mutate, err := c.Where(ls).Mutate(ls, model.Mutation{Field: &ls.Ports, Mutator: ovsdb.MutateOperationInsert, Value: []string{port.UUID}})
			if err != nil {
				return err
			}
			_, err = transact(ctx, c, append(insert, mutate...)...)
			return err
		})
	}, nil
}
