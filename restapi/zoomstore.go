package restapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

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

func (z zoomStore) Get(ctx context.Context, model proto.Message, id uuid.UUID) (proto.Message, error) {
	return z.st.Get(ctx, model, id)
}

func (z zoomStore) List(ctx context.Context, model proto.Message) ([]proto.Message, error) {
	return z.st.List(ctx, model)
}
