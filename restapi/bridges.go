package restapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// bridgesFamily is the family of the bridges (their DHCP subnets and state tables have files of their own).
func bridgesFamily() family {
	return family{
		resources: []*resource{bridgesResource()},
	}
}

const vxlanPortIDsMessage = "VXLAN port ID cannot be set directly. The VXLAN port is created or deleted in response to the creation or deletion of VTEP bindings."

func decodeBridge(c *call, b body, msg, stored *models.Network) ([]Violation, error) {
	raw, present := b["vxLanPortIds"]
	if !present || isNull(raw) {
		return nil, nil
	}
	if stored == nil {
		return nil, errorf(http.StatusBadRequest, vxlanPortIDsMessage)
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, badJSON("vxLanPortIds", err)
	}
	var want []string
	for _, id := range toUUIDs(stored.VxlanPortIds) {
		want = append(want, id.String())
	}
	if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
		return nil, errorf(http.StatusBadRequest, vxlanPortIDsMessage)
	}
	return nil, nil
}

func removeBridge(c *call, tx Tx, id uuid.UUID) error {
	bridge, err := getAs[*models.Network](tx, id)
	if err != nil {
		return err
	}
	if len(bridge.GetVxlanPortIds()) > 0 {
		return errorf(http.StatusConflict, "The bridge %s still has VTEP bindings; remove them first.", id)
	}
	return tx.Delete(&models.Network{}, id, false)
}

func bridgesResource() *resource {
	return &resource{
		segment: "bridges", rootKey: "bridges", templateKey: "bridgeTemplate",
		model:      &models.Network{},
		single:     single("Bridge-v4", "Bridge-v5").withJSON(),
		collection: collection("Bridge-v4", "Bridge-v5").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255),
			fBoolDef("adminStateUp", "admin_state_up", true),
			fUUID("inboundFilterId", "inbound_filter_id"), fUUID("outboundFilterId", "outbound_filter_id"),
			fRO(fUUIDs("vxLanPortIds", "vxlan_port_ids")),
			fUUIDs("inboundMirrorIds", "inbound_mirror_ids"), fUUIDs("outboundMirrorIds", "outbound_mirror_ids"),
			fUUID("qosPolicyId", "qos_policy_id"),
		},
		links: []link{
			lRef("inboundFilter", "chains", "inbound_filter_id"), lRef("outboundFilter", "chains", "outbound_filter_id"),
			lSub("ports", "/ports"), lSub("peerPorts", "/peer_ports"), lSub("vxLanPorts", "/vxlan_ports"),
			lSub("macTable", "/mac_table"), lSub("arpTable", "/arp_table"),
			lSub("dhcpSubnets", "/dhcp"), lSub("dhcpSubnet6s", "/dhcpV6"),
			lSub("vlanMacTableTemplate", "/vlans/{vlanId}/mac_table"),
			lSub("macPortTemplate", "/mac_table/{macAddress}_{portId}"),
			lSub("vlanMacPortTemplate", "/vlans/{vlanId}/mac_table/{macAddress}_{portId}"),
		},
		filters: []queryFilter{tenantFilter},
		hooks:   typed[*models.Network]{decode: decodeBridge, remove: removeBridge}.hooks(),
	}
}
