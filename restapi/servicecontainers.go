package restapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// serviceContainersFamily is the family of service container groups and containers.
func serviceContainersFamily() family {
	return family{
		resources: []*resource{serviceContainerGroupsResource(), serviceContainersResource()},
	}
}

// containerStatus: the host is the container port's; status comes from
// that host's agent, STOPPED when unbound or unreported.
func encodeServiceContainer(c *call, sc *models.ServiceContainer, out *object) error {
	out.set("statusCode", nil)
	out.set("statusMessage", nil)
	out.set("hostId", nil)
	out.set("namespaceName", nil)
	out.set("interfaceName", nil)
	if sc.PortId == nil {
		return nil
	}
	port, err := loadAs[*models.Port](c, toUUID(sc.PortId))
	if err != nil {
		return nil // the port went away meanwhile
	}
	out.set("statusCode", "STOPPED")
	if port.HostId == nil {
		return nil
	}
	host := toUUID(port.HostId).String()
	out.set("hostId", host)
	text, ok, err := c.stateKey(host, &models.ServiceContainer{}, toUUID(sc.Id), statusKey)
	if err != nil || !ok {
		return err
	}
	var st models.ContainerStatus
	if err := models.Unmarshal([]byte(text), &st); err != nil {
		return nil
	}
	out.set("statusCode", st.GetStatusCode().String())
	out.set("statusMessage", st.GetStatusMessage())
	out.set("namespaceName", st.GetNamespaceName())
	out.set("interfaceName", st.GetInterfaceName())
	return nil
}

func decodeContainerGroup(c *call, b body, g, stored *models.ServiceContainerGroup) ([]Violation, error) {
	if stored != nil && g.Policy == nil {
		g.Policy = models.ServiceContainerPolicy_WEIGHTED_SCHEDULER.Enum()
	}
	return nil, nil
}

// rescheduleServiceContainer: a PUT only moves the container, by binding
// its port to the hostId of the body.
func rescheduleServiceContainer(c *call, tx Tx, id uuid.UUID, b body) error {
	sc, err := getAs[*models.ServiceContainer](tx, id)
	if err != nil {
		return err
	}
	if sc.PortId == nil {
		return errorf(http.StatusNotAcceptable, "Container %s scheduling cannot be changed because it is not connected to a port.", id)
	}
	var host uuid.UUID
	if raw, ok := b["hostId"]; ok && !isNull(raw) {
		if host, err = decodeUUID(raw); err != nil {
			return badJSON("hostId", err)
		}
	}
	port, err := getAs[*models.Port](tx, toUUID(sc.PortId))
	if err != nil {
		return err
	}
	if toUUID(port.HostId) == host {
		return nil
	}
	if host != uuid.Nil {
		if _, err := getAs[*models.Host](tx, host); err != nil {
			return err
		}
		port.PreviousHostId = port.HostId
		port.HostId = uuidPtr(host)
	} else {
		port.PreviousHostId, port.HostId = port.HostId, nil
	}
	return tx.Update(port)
}

func serviceContainerGroupsResource() *resource {
	return &resource{
		segment: "service_container_groups", rootKey: "serviceContainerGroups", templateKey: "serviceContainerGroupTemplate",
		model:      &models.ServiceContainerGroup{},
		single:     single("ServiceContainerGroup-v1").withJSON(),
		collection: collection("ServiceContainerGroup-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			{json: "policy", proto: "policy", kind: kEnum,
				enum: map[string]string{"WEIGHTED": "WEIGHTED_SCHEDULER", "LEAST": "LEAST_SCHEDULER"}},
			fUUID("hostGroupId", "host_group_id"),
			fUUID("portGroupId", "port_group_id"),
		},
		links:           []link{lSub("serviceContainers", "/service_containers")},
		deleteMissingOK: true,
		hooks:           typed[*models.ServiceContainerGroup]{decode: decodeContainerGroup}.hooks(),
	}
}

func serviceContainersResource() *resource {
	return &resource{
		segment: "service_containers", rootKey: "serviceContainers", templateKey: "serviceContainerTemplate",
		model:      &models.ServiceContainer{},
		single:     single("ServiceContainer-v1").withJSON(),
		collection: collection("ServiceContainer-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fUUID("serviceGroupId", "service_group_id"),
			fUUID("configurationId", "configuration_id"),
			fUUID("portId", "port_id"),
			fReq(fStr("serviceType", "service_type")),
		},
		links: []link{lRef("port", "ports", "port_id"), lRef("serviceContainerGroup", "service_container_groups", "service_group_id")},
		parents: []parent{{segment: "service_container_groups", sub: "service_containers", ref: "service_group_id",
			backRef: "service_container_ids", objects: true}},
		createTopLevel:  true,
		deleteMissingOK: true,
		hooks:           typed[*models.ServiceContainer]{encode: encodeServiceContainer, update: rescheduleServiceContainer}.hooks(),
	}
}
