package neutron

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// View is what a translation may read: the store as the request's
// transaction sees it (including the writes of the Neutron operations
// translated before it in the same request), the paths of state tables,
// and fresh tunnel keys. It has no write methods: translations return
// their writes as Ops.
type View struct {
	tx   *zoom.Tx
	st   *zoom.Store
	keys TunnelKeys
	nat  NatPortRange
}

// Context is the request's context.
func (v *View) Context() context.Context { return v.tx.Context() }

// Get reads one object; a missing one is a *zoom.NotFoundError.
func (v *View) Get(model proto.Message, id uuid.UUID) (proto.Message, error) {
	return v.tx.Get(model, id)
}

// Exists reports whether an object exists.
func (v *View) Exists(model proto.Message, id uuid.UUID) (bool, error) { return v.tx.Exists(model, id) }

// GetAll reads every object of model's class.
func (v *View) GetAll(model proto.Message) ([]proto.Message, error) { return v.tx.GetAll(model) }

// GetMany reads the objects with ids, in order; any missing one fails.
func (v *View) GetMany(model proto.Message, ids []uuid.UUID) ([]proto.Message, error) {
	return v.tx.GetMany(model, ids)
}

// TablePath is the directory of an object's state table (the legacy path
// when one exists, as the reference's StateTableStorage.tablePath).
func (v *View) TablePath(model proto.Message, id uuid.UUID, name string, args ...string) (string, error) {
	t, err := v.st.Table(v.Context(), model, id, name, args...)
	if err != nil {
		return "", err
	}
	return t.Path(), nil
}

// NextTunnelKey reserves a port tunnel key; 0 when the service has no
// tunnel-key counter.
func (v *View) NextTunnelKey() (int32, error) {
	if v.keys == nil {
		return 0, nil
	}
	return v.keys(v.Context())
}

// NextFip64TunnelKey reserves a tunnel key of the NAT64 (FIP64) sequence,
// for router ports with IPv6 addresses.
func (v *View) NextFip64TunnelKey() (int32, error) {
	return v.st.Next(v.Context(), midonet.Fip64TunnelKey)
}

// zeroOf is an empty message of T's class, for naming the class.
func zeroOf[T proto.Message]() T {
	var zero T
	return zero.ProtoReflect().Type().New().Interface().(T)
}

// get reads one object of type T.
func get[T proto.Message](v *View, id uuid.UUID) (T, error) {
	m, err := v.Get(zeroOf[T](), id)
	if err != nil {
		var zero T
		return zero, err
	}
	return m.(T), nil
}

// getIf reads one object of type T; ok is false when it does not exist.
func getIf[T proto.Message](v *View, id uuid.UUID) (t T, ok bool, err error) {
	t, err = get[T](v, id)
	if errors.Is(err, zoom.ErrNotFound) {
		return t, false, nil
	}
	return t, err == nil, err
}

// getAll reads every object of type T.
func getAll[T proto.Message](v *View) ([]T, error) {
	ms, err := v.GetAll(zeroOf[T]())
	if err != nil {
		return nil, err
	}
	out := make([]T, len(ms))
	for i, m := range ms {
		out[i] = m.(T)
	}
	return out, nil
}

// getMany reads the objects of type T with ids.
func getMany[T proto.Message](v *View, ids []*models.UUID) ([]T, error) {
	gids := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		gids[i] = id.ToGoogle()
	}
	ms, err := v.GetMany(zeroOf[T](), gids)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(ms))
	for i, m := range ms {
		out[i] = m.(T)
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, zoom.ErrNotFound) }
