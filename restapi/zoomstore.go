package restapi

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// NewZoomStore serves the API over the object store (ZOOM): transactions
// are zoom transactions (one storage multi, re-run on conflicts), and
// bindings, cascades and typed errors are the store's. DefaultStoreErrors
// classifies those errors.
func NewZoomStore(st *zoom.Store) Store { return zoomStore{st} }

type zoomStore struct{ st *zoom.Store }

func (z zoomStore) Tx(ctx context.Context, f func(tx Tx) error) error {
	return z.st.Tx(ctx, func(tx *zoom.Tx) error { return f(tx) })
}

// counterSource is a Store that keeps its own shared counters.
type counterSource interface{ counters() Sequencer }

// counters are the store's own (zoom.Store.Next).
func (z zoomStore) counters() Sequencer { return NewZoomSequences(z.st) }

func (z zoomStore) Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error) {
	return z.st.Get(ctx, model, id)
}

// StateKey implements StateReader with the store's state keys.
func (z zoomStore) StateKey(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) (string, bool, error) {
	v, err := z.st.GetKey(ctx, namespace, model, id, key)
	if err != nil {
		return "", false, err
	}
	return v.Value, v.Exists, nil
}

// StateValues implements StateReader with the store's multi-value keys.
func (z zoomStore) StateValues(ctx context.Context, namespace string, model proto.Message, id uuid.UUID, key string) ([]string, error) {
	v, err := z.st.GetKey(ctx, namespace, model, id, key)
	if err != nil {
		return nil, err
	}
	return v.Values, nil
}

func (z zoomStore) List(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	return z.st.List(ctx, model)
}

func (z zoomStore) Each(ctx context.Context, model proto.Message, yield func(proto.Message) error) error {
	return z.st.Each(ctx, model, yield)
}

func (z zoomStore) EachOf(ctx context.Context, model proto.Message, ids []uuid.UUID, yield func(proto.Message) error) error {
	return z.st.EachOf(ctx, model, ids, yield)
}

// NewZoomStateTables serves the MAC, ARP and peering tables from the object
// store's state tables (zoom.Store.Table), in the reference's layout, so
// entries written through the API are seen by agents and by JVM nodes.
func NewZoomStateTables(st *zoom.Store) StateTables { return zoomTables{st} }

type zoomTables struct{ st *zoom.Store }

func (z zoomTables) Table(ctx context.Context, class string, id uuid.UUID, name string, args ...string) (StateTable, error) {
	c, ok := models.ClassByName(class)
	if !ok {
		return nil, fmt.Errorf("restapi: no model class %s", class)
	}
	t, err := z.st.Table(ctx, c.New(), id, name, args...)
	if err != nil {
		return nil, err
	}
	return zoomTable{t}, nil
}

// TableArguments lists the argument directories of the table in the ZOOM
// layout (<zoom>/tables/<Class>/<id>/<name>/<arg>); tables kept only at a
// legacy path are not listed (their VLANs still come from the ports).
func (z zoomTables) TableArguments(ctx context.Context, class string, id uuid.UUID, name string) ([]string, error) {
	c, ok := models.ClassByName(class)
	if !ok {
		return nil, fmt.Errorf("restapi: no model class %s", class)
	}
	children, err := z.st.TableArguments(ctx, c.New(), id, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ch := range children {
		if !strings.Contains(ch, ",") { // entries are "key,value,version"
			out = append(out, ch)
		}
	}
	return out, nil
}

type zoomTable struct{ t *zoom.Table }

func (z zoomTable) Snapshot(ctx context.Context) ([]StateEntry, error) {
	snap, err := z.t.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StateEntry, 0, len(snap))
	for k, v := range snap {
		out = append(out, StateEntry{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b StateEntry) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func (z zoomTable) Contains(ctx context.Context, key, value string) (bool, error) {
	return z.t.Contains(ctx, key, value)
}

func (z zoomTable) AddPersistent(ctx context.Context, key, value string) error {
	return z.t.AddPersistent(ctx, key, value)
}

func (z zoomTable) RemovePersistent(ctx context.Context, key, value string) error {
	return z.t.RemovePersistent(ctx, key, value)
}
