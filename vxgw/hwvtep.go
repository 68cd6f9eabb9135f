package vxgw

import (
	"fmt"

	"github.com/ovn-org/libovsdb/model"
)

// The hardware_vtep database (RFC 7047 schema "hardware_vtep", shipped by Open
// vSwitch as vtep.ovsschema) as libovsdb models. Only the columns the
// controller reads or writes are mapped; libovsdb ignores the others.

// HardwareVTEPDatabase is the OVSDB database name a VTEP serves.
const HardwareVTEPDatabase = "hardware_vtep"

// Values of the schema's enumerations and special MAC strings.
const (
	encapsulationVXLANOverIPv4 = "vxlan_over_ipv4"
	// UnknownDstMAC is the wildcard MAC of Mcast_Macs_* rows that says where
	// to send frames whose destination MAC the VTEP does not know.
	UnknownDstMAC = "unknown-dst"
)

// GlobalRow is the Global table's single row.
type GlobalRow struct {
	UUID     string   `ovsdb:"_uuid"`
	Switches []string `ovsdb:"switches"`
}

// PhysicalSwitchRow is a row of Physical_Switch: the VTEP device itself.
type PhysicalSwitchRow struct {
	UUID          string   `ovsdb:"_uuid"`
	Name          string   `ovsdb:"name"`
	Description   string   `ovsdb:"description"`
	Ports         []string `ovsdb:"ports"`
	ManagementIPs []string `ovsdb:"management_ips"`
	TunnelIPs     []string `ovsdb:"tunnel_ips"`
}

// PhysicalPortRow is a row of Physical_Port; VLANBindings maps a VLAN id (0
// = untagged) to a Logical_Switch.
type PhysicalPortRow struct {
	UUID         string         `ovsdb:"_uuid"`
	Name         string         `ovsdb:"name"`
	Description  string         `ovsdb:"description"`
	VLANBindings map[int]string `ovsdb:"vlan_bindings"`
	VLANStats    map[int]string `ovsdb:"vlan_stats"`
}

// LogicalSwitchRow is a row of Logical_Switch; TunnelKey is the VNI.
type LogicalSwitchRow struct {
	UUID        string `ovsdb:"_uuid"`
	Name        string `ovsdb:"name"`
	Description string `ovsdb:"description"`
	TunnelKey   *int   `ovsdb:"tunnel_key"`
}

// UcastMacsLocalRow is a unicast MAC the VTEP learned on one of its ports.
type UcastMacsLocalRow struct {
	UUID          string `ovsdb:"_uuid"`
	MAC           string `ovsdb:"MAC"`
	LogicalSwitch string `ovsdb:"logical_switch"`
	Locator       string `ovsdb:"locator"`
	IPAddr        string `ovsdb:"ipaddr"`
}

// UcastMacsRemoteRow is a unicast MAC reachable through a VxLAN tunnel
// (written by the controller).
type UcastMacsRemoteRow struct {
	UUID          string `ovsdb:"_uuid"`
	MAC           string `ovsdb:"MAC"`
	LogicalSwitch string `ovsdb:"logical_switch"`
	Locator       string `ovsdb:"locator"`
	IPAddr        string `ovsdb:"ipaddr"`
}

// McastMacsLocalRow is a multicast MAC (or unknown-dst) the VTEP knows locally.
type McastMacsLocalRow struct {
	UUID          string `ovsdb:"_uuid"`
	MAC           string `ovsdb:"MAC"`
	LogicalSwitch string `ovsdb:"logical_switch"`
	LocatorSet    string `ovsdb:"locator_set"`
	IPAddr        string `ovsdb:"ipaddr"`
}

// McastMacsRemoteRow is a multicast MAC (or unknown-dst) reachable through a
// set of tunnels (written by the controller).
type McastMacsRemoteRow struct {
	UUID          string `ovsdb:"_uuid"`
	MAC           string `ovsdb:"MAC"`
	LogicalSwitch string `ovsdb:"logical_switch"`
	LocatorSet    string `ovsdb:"locator_set"`
	IPAddr        string `ovsdb:"ipaddr"`
}

// PhysicalLocatorRow is a VxLAN tunnel endpoint. Not a root table: the
// server garbage-collects locators nothing references.
type PhysicalLocatorRow struct {
	UUID              string `ovsdb:"_uuid"`
	EncapsulationType string `ovsdb:"encapsulation_type"`
	DstIP             string `ovsdb:"dst_ip"`
	TunnelKey         *int   `ovsdb:"tunnel_key"`
}

// PhysicalLocatorSetRow is a set of tunnel endpoints (non-root, immutable).
type PhysicalLocatorSetRow struct {
	UUID     string   `ovsdb:"_uuid"`
	Locators []string `ovsdb:"locators"`
}

// Table names of the hardware_vtep schema.
const (
	tableGlobal             = "Global"
	tablePhysicalSwitch     = "Physical_Switch"
	tablePhysicalPort       = "Physical_Port"
	tableLogicalSwitch      = "Logical_Switch"
	tableUcastMacsLocal     = "Ucast_Macs_Local"
	tableUcastMacsRemote    = "Ucast_Macs_Remote"
	tableMcastMacsLocal     = "Mcast_Macs_Local"
	tableMcastMacsRemote    = "Mcast_Macs_Remote"
	tablePhysicalLocator    = "Physical_Locator"
	tablePhysicalLocatorSet = "Physical_Locator_Set"
)

// hardwareVTEPModel is the client-side model of the hardware_vtep database.
func hardwareVTEPModel() (model.ClientDBModel, error) {
	m, err := model.NewClientDBModel(HardwareVTEPDatabase, map[string]model.Model{
		tableGlobal:             &GlobalRow{},
		tablePhysicalSwitch:     &PhysicalSwitchRow{},
		tablePhysicalPort:       &PhysicalPortRow{},
		tableLogicalSwitch:      &LogicalSwitchRow{},
		tableUcastMacsLocal:     &UcastMacsLocalRow{},
		tableUcastMacsRemote:    &UcastMacsRemoteRow{},
		tableMcastMacsLocal:     &McastMacsLocalRow{},
		tableMcastMacsRemote:    &McastMacsRemoteRow{},
		tablePhysicalLocator:    &PhysicalLocatorRow{},
		tablePhysicalLocatorSet: &PhysicalLocatorSetRow{},
	})
	if err != nil {
		return model.ClientDBModel{}, fmt.Errorf("hardware_vtep model: %w", err)
	}
	return m, nil
}
