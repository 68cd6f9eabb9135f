package restapi_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/midonet/midonet-go/restapi/client"
)

// TestConcurrentWrites sends conflicting writes at once: rules inserted at
// the head of one chain and ports added to one bridge all touch the same
// parent object, so the store's optimistic transactions collide and are
// re-run. Every request must succeed and none may be lost.
func TestConcurrentWrites(t *testing.T) {
	onBackends(t, concurrentWrites)
}

func concurrentWrites(t *testing.T, b backend) {
	ctx := context.Background()
	_, c := serve(t, b)
	chain := must(c.Chains().Create(ctx, &client.Chain{Name: "busy"}))(t)
	bridge := must(c.Bridges().Create(ctx, &client.Bridge{Name: "busy"}))(t)

	const writers = 8
	var mu sync.Mutex
	var ruleIDs, portIDs []string
	var wg sync.WaitGroup
	for range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r, err := c.ChainRules(chain.ID).Create(ctx, &client.Rule{Type: "accept", Position: 1})
			if err != nil {
				t.Errorf("rule create: %v", err)
				return
			}
			mu.Lock()
			ruleIDs = append(ruleIDs, r.ID)
			mu.Unlock()
		}()
		go func() {
			defer wg.Done()
			p, err := c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge"})
			if err != nil {
				t.Errorf("port create: %v", err)
				return
			}
			mu.Lock()
			portIDs = append(portIDs, p.ID)
			mu.Unlock()
		}()
	}
	wg.Wait()

	rules := must(c.ChainRules(chain.ID).List(ctx, nil))(t)
	got := ids(rules, ruleID)
	slices.Sort(got)
	slices.Sort(ruleIDs)
	if !slices.Equal(got, ruleIDs) {
		t.Errorf("chain holds %v, created %v", got, ruleIDs)
	}
	for i, r := range rules {
		if r.Position != i+1 {
			t.Errorf("rule %s at index %d has position %d", r.ID, i, r.Position)
		}
	}
	ports := ids(must(c.BridgePorts(bridge.ID).List(ctx, nil))(t), portID)
	slices.Sort(ports)
	slices.Sort(portIDs)
	if !slices.Equal(ports, portIDs) {
		t.Errorf("bridge holds %v, created %v", ports, portIDs)
	}
}
