package restapi_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage/mem"
	"github.com/midonet/midonet-go/restapi"
	"github.com/midonet/midonet-go/restapi/client"
)

// TestStateTablesShared checks that the API's MAC, ARP and peering tables
// are the object store's state tables: entries posted through the API are
// read by the typed tables the agents and vxgw use, and entries learned by
// others (ephemeral) show up in the API.
func TestStateTablesShared(t *testing.T) {
	ctx := context.Background()
	conn := mem.NewServer().Connect()
	t.Cleanup(func() { conn.Close() })
	st := openZoomStore(t, conn, "/midonet")
	c := client.New(serveStore(t, st, nil, restapi.Options{StateTables: restapi.NewZoomStateTables(st)}))

	bridge := must(c.Bridges().Create(ctx, &client.Bridge{Name: "b"}))(t)
	port := must(c.BridgePorts(bridge.ID).Create(ctx, &client.Port{Type: "Bridge", VlanID: 5}))(t)
	router := must(c.Routers().Create(ctx, &client.Router{Name: "r"}))(t)
	rport := must(c.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortSubnet: []string{"10.0.0.1/24"}}))(t)
	bridgeID, portID := uuid.MustParse(bridge.ID), uuid.MustParse(port.ID)

	must(c.BridgeMACTable(bridge.ID).Create(ctx, &client.MacPort{MacAddr: "aa:bb:cc:dd:ee:01", PortID: port.ID, VlanID: ptr(5)}))(t)
	macs := must(midonet.BridgeMacTable(ctx, st, bridgeID, 5))(t)
	snap := must(macs.Snapshot(ctx))(t)
	if mac, _ := midonet.ParseMAC("aa:bb:cc:dd:ee:01"); snap[mac] != portID {
		t.Errorf("VLAN 5 MAC table as the store sees it: %v", snap)
	}
	// An agent-learned entry appears in the API.
	learned, _ := midonet.ParseMAC("aa:bb:cc:dd:ee:02")
	if err := macs.Add(ctx, learned, portID); err != nil {
		t.Fatal(err)
	}
	if got := must(c.BridgeMACTable(bridge.ID).List(ctx, nil))(t); len(got) != 2 {
		t.Errorf("MAC table through the API: %+v", got)
	}

	must(c.BridgeARPTable(bridge.ID).Create(ctx, &client.IPMac{IP: "10.0.0.5", MAC: "aa:bb:cc:dd:ee:05"}))(t)
	arp := must(midonet.BridgeIP4MacTable(ctx, st, bridgeID))(t)
	if mac, ok, _ := arp.Get(ctx, netip.MustParseAddr("10.0.0.5")); !ok || mac.String() != "aa:bb:cc:dd:ee:05" {
		t.Errorf("IPv4→MAC table as the store sees it: %v %v", mac, ok)
	}

	must(c.PortPeeringTable(router.ID, rport.ID).Create(ctx, &client.IPMac{IP: "10.0.0.9", MAC: "aa:bb:cc:dd:ee:09"}))(t)
	peering := must(midonet.PortPeeringTable(ctx, st, uuid.MustParse(rport.ID)))(t)
	remote, _ := midonet.ParseMAC("aa:bb:cc:dd:ee:09")
	if ip, ok, _ := peering.Get(ctx, remote); !ok || ip.String() != "10.0.0.9" {
		t.Errorf("peering table as the store sees it: %v %v", ip, ok)
	}
}
