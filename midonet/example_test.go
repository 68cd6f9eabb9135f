package midonet_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/midonet/zoom"
	"google.golang.org/protobuf/proto"
)

// A bridge with a port, created in one transaction; deleting the bridge
// cascades to the port.
func ExampleNewStore() {
	ctx := context.Background()
	conn := mem.NewServer().Connect() // or zk.Connect(ctx, zk.Config{...})
	defer conn.Close()
	st, err := midonet.NewStore(ctx, conn, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
	if err != nil {
		panic(err)
	}
	bridge := &models.Network{Id: models.NewUUID(), Name: proto.String("tenant-net")}
	port := &models.Port{Id: models.NewUUID(), NetworkId: bridge.Id}
	err = st.Tx(ctx, func(tx *zoom.Tx) error {
		if err := tx.Create(bridge); err != nil {
			return err
		}
		return tx.Create(port) // adds port.id to bridge.port_ids
	})
	if err != nil {
		panic(err)
	}
	got, _ := st.Get(ctx, &models.Network{}, bridge.Id.ToGoogle())
	fmt.Println(len(got.(*models.Network).PortIds), "port on", got.(*models.Network).GetName())

	if err := st.Delete(ctx, &models.Network{}, bridge.Id.ToGoogle()); err != nil {
		panic(err)
	}
	_, err = st.Get(ctx, &models.Port{}, port.Id.ToGoogle())
	fmt.Println(errors.Is(err, zoom.ErrNotFound))
	// Output:
	// 1 port on tenant-net
	// true
}
