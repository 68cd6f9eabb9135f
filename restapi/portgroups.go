package restapi

import (
	"net/http"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// portGroupsFamily is the family of port groups and their members.
func portGroupsFamily() family {
	return family{
		resources: []*resource{portGroupsResource()},
		endpoints: []endpoint{
			{method: "GET", path: "/port_groups/{id}/ports", produces: collection("PortGroupPort-v1").withJSON(), serve: listGroupPorts},
			{method: "POST", path: "/port_groups/{id}/ports", consumes: single("PortGroupPort-v1").withJSON(), serve: addGroupPort},
			{method: "GET", path: "/port_groups/{id}/ports/{pid}", produces: single("PortGroupPort-v1").withJSON(), serve: getGroupPort},
			{method: "DELETE", path: "/port_groups/{id}/ports/{pid}", serve: removeGroupPort},
			{method: "GET", path: "/ports/{id}/port_groups", produces: collection("PortGroupPort-v1"), serve: listPortGroupsOfPort},
		},
	}
}

func (c *call) groupPort(groupID, portID uuid.UUID) object {
	return object{{"portGroupId", groupID.String()}, {"portId", portID.String()},
		{"uri", c.uri("port_groups", groupID.String(), "ports", portID.String())},
		{"portGroup", c.uri("port_groups", groupID.String())}, {"port", c.uri("ports", portID.String())}}
}

func listGroupPorts(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.PortGroup{}, gid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, pid := range toUUIDs(g.(*models.PortGroup).PortIds) {
		out = append(out, c.groupPort(gid, pid))
	}
	return c.ok(out)
}

func listPortGroupsOfPort(c *call) error {
	pid, err := c.pathID("id")
	if err != nil {
		return err
	}
	p, err := c.h.store.Get(c.ctx(), &models.Port{}, pid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, gid := range toUUIDs(p.(*models.Port).PortGroupIds) {
		out = append(out, c.groupPort(gid, pid))
	}
	return c.ok(out)
}

func addGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	pid, err := bodyUUID(body, "portId")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		if _, err := tx.Get(&models.PortGroup{}, gid); err != nil {
			return err
		}
		got, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		port := proto.Clone(got).(*models.Port)
		if slices.Contains(toUUIDs(port.PortGroupIds), gid) {
			return &Error{Status: http.StatusConflict, EmptyBody: true}
		}
		port.PortGroupIds = append(port.PortGroupIds, uuidPtr(gid))
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.created(c.uri("port_groups", gid.String(), "ports", pid.String()))
}

func getGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	g, err := c.h.store.Get(c.ctx(), &models.PortGroup{}, gid)
	if err != nil {
		return err
	}
	if !slices.Contains(toUUIDs(g.(*models.PortGroup).PortIds), pid) {
		return errorf(http.StatusNotFound, "Resource not found")
	}
	return c.ok(c.groupPort(gid, pid))
}

func removeGroupPort(c *call) error {
	gid, err := c.pathID("id")
	if err != nil {
		return err
	}
	pid, err := c.pathID("pid")
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		got, err := tx.Get(&models.Port{}, pid)
		if err != nil {
			return err
		}
		port := proto.Clone(got).(*models.Port)
		if !slices.Contains(toUUIDs(port.PortGroupIds), gid) {
			return &Error{Status: http.StatusNotFound, EmptyBody: true}
		}
		port.PortGroupIds = removeUUID(port.PortGroupIds, gid)
		return tx.Update(port)
	})
	if err != nil {
		return err
	}
	return c.noContent()
}

func portGroupsResource() *resource {
	return &resource{
		segment: "port_groups", rootKey: "portGroups", templateKey: "portGroupTemplate",
		model:      &models.PortGroup{},
		single:     single("PortGroup-v1").withJSON(),
		getSingle:  single("PortGroup-v1"),
		collection: collection("PortGroup-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(), fStr("tenantId", "tenant_id"), fName("name", "name", 0, 255), fBool("stateful", "stateful"),
		},
		links: []link{lSub("ports", "/ports")},
		filters: []queryFilter{tenantFilter,
			{param: "port_id", proto: "port_ids", kind: kUUIDList}},
		deleteMissingOK: true,
	}
}
