package restapi_test

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/restapi"
)

// memTables is an in-process StateTables for the tests that run without
// the object store's state tables: entries per (class, id, name, args).
type memTables struct {
	mu      sync.Mutex
	entries map[string][]restapi.StateEntry
}

func newMemTables() *memTables { return &memTables{entries: map[string][]restapi.StateEntry{}} }

func tableKey(class string, id uuid.UUID, name string, args []string) string {
	return strings.Join(append([]string{class, id.String(), name}, args...), "/")
}

func (m *memTables) Table(ctx context.Context, class string, id uuid.UUID, name string, args ...string) (restapi.StateTable, error) {
	return &memTable{m: m, key: tableKey(class, id, name, args)}, nil
}

func (m *memTables) TableArguments(ctx context.Context, class string, id uuid.UUID, name string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := tableKey(class, id, name, nil) + "/"
	var out []string
	for k, v := range m.entries {
		if strings.HasPrefix(k, prefix) && len(v) > 0 {
			out = append(out, strings.TrimPrefix(k, prefix))
		}
	}
	slices.Sort(out)
	return out, nil
}

type memTable struct {
	m   *memTables
	key string
}

func (t *memTable) Snapshot(ctx context.Context) ([]restapi.StateEntry, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return slices.Clone(t.m.entries[t.key]), nil
}

func (t *memTable) Contains(ctx context.Context, key, value string) (bool, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return slices.Contains(t.m.entries[t.key], restapi.StateEntry{Key: key, Value: value}), nil
}

func (t *memTable) AddPersistent(ctx context.Context, key, value string) error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	e := restapi.StateEntry{Key: key, Value: value}
	if !slices.Contains(t.m.entries[t.key], e) {
		t.m.entries[t.key] = append(t.m.entries[t.key], e)
	}
	return nil
}

func (t *memTable) RemovePersistent(ctx context.Context, key, value string) error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	e := restapi.StateEntry{Key: key, Value: value}
	t.m.entries[t.key] = slices.DeleteFunc(t.m.entries[t.key], func(x restapi.StateEntry) bool { return x == e })
	return nil
}
