package restapi

import (
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// portGroupsFamily is the family of port groups and their members.
func portGroupsFamily() family {
	return family{
		resources: []*resource{portGroupsResource()},
		endpoints: append(portGroupPorts().endpoints(),
			endpoint{method: "GET", path: "/ports/{id}/port_groups", produces: collection("PortGroupPort-v1"), serve: listPortGroupsOfPort},
		),
	}
}

func (c *call) groupPort(groupID, portID uuid.UUID) object {
	return object{{"portGroupId", groupID.String()}, {"portId", portID.String()},
		{"uri", c.uri("port_groups", groupID.String(), "ports", portID.String())},
		{"portGroup", c.uri("port_groups", groupID.String())}, {"port", c.uri("ports", portID.String())}}
}

// portGroupPorts are a port group's members: ports whose port_group_ids
// name it (the store's binding keeps PortGroup.port_ids).
func portGroupPorts() *membership[uuid.UUID, uuid.UUID] {
	return &membership[uuid.UUID, uuid.UUID]{
		collection: "/port_groups/{id}/ports",
		member:     "/port_groups/{id}/ports/{pid}",
		listTypes:  collection("PortGroupPort-v1").withJSON(),
		addTypes:   single("PortGroupPort-v1").withJSON(),
		getTypes:   single("PortGroupPort-v1").withJSON(),
		members:    portGroupMembers,
		decode:     func(b body) (uuid.UUID, error) { return bodyUUID(b, "portId") },
		add: func(c *call, tx Tx, gid, pid uuid.UUID) error {
			if _, err := getAs[*models.PortGroup](tx, gid); err != nil {
				return err
			}
			port, err := getAs[*models.Port](tx, pid)
			if err != nil {
				return err
			}
			if slices.Contains(toUUIDs(port.PortGroupIds), gid) {
				return &Error{Status: http.StatusConflict, EmptyBody: true}
			}
			port.PortGroupIds = append(port.PortGroupIds, uuidPtr(gid))
			return tx.Update(port)
		},
		key: func(c *call) (uuid.UUID, error) { return c.pathID("pid") },
		get: func(c *call, gid, pid uuid.UUID) (uuid.UUID, error) {
			members, err := portGroupMembers(c, gid)
			if err != nil {
				return uuid.Nil, err
			}
			return memberOf(members, func(id uuid.UUID) uuid.UUID { return id }, pid, errorf(http.StatusNotFound, "Resource not found"))
		},
		remove: func(c *call, tx Tx, gid, pid uuid.UUID) error {
			port, err := getAs[*models.Port](tx, pid)
			if err != nil {
				return err
			}
			if !slices.Contains(toUUIDs(port.PortGroupIds), gid) {
				return noMember()
			}
			port.PortGroupIds = removeUUID(port.PortGroupIds, gid)
			return tx.Update(port)
		},
		encode: func(c *call, gid, pid uuid.UUID) object { return c.groupPort(gid, pid) },
		uri: func(c *call, gid, pid uuid.UUID) string {
			return c.uri("port_groups", gid.String(), "ports", pid.String())
		},
	}
}

func portGroupMembers(c *call, gid uuid.UUID) ([]uuid.UUID, error) {
	g, err := loadAs[*models.PortGroup](c, gid)
	if err != nil {
		return nil, err
	}
	return toUUIDs(g.PortIds), nil
}

// listPortGroupsOfPort lists a port's memberships.
func listPortGroupsOfPort(c *call) error {
	pid, err := c.pathID("id")
	if err != nil {
		return err
	}
	p, err := loadAs[*models.Port](c, pid)
	if err != nil {
		return err
	}
	out := []object{}
	for _, gid := range toUUIDs(p.PortGroupIds) {
		out = append(out, c.groupPort(gid, pid))
	}
	return c.ok(out)
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
