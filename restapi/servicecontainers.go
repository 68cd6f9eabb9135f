package restapi

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

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
func encodeServiceContainer(c *call, m protoreflect.Message, out *object) error {
	sc := m.Interface().(*models.ServiceContainer)
	out.set("statusCode", nil)
	out.set("statusMessage", nil)
	out.set("hostId", nil)
	out.set("namespaceName", nil)
	out.set("interfaceName", nil)
	if sc.PortId == nil {
		return nil
	}
	got, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(sc.PortId))
	if err != nil {
		return nil // the port went away meanwhile
	}
	port := got.(*models.Port)
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

func decodeContainerGroup(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	g := msg.Interface().(*models.ServiceContainerGroup)
	if stored != nil && g.Policy == nil {
		g.Policy = models.ServiceContainerPolicy_WEIGHTED_SCHEDULER.Enum()
	}
	return nil
}

// rescheduleServiceContainer: a PUT only moves the container, by binding
// its port to the hostId of the body.
func rescheduleServiceContainer(c *call, tx Tx, id uuid.UUID, body map[string]json.RawMessage) error {
	got, err := tx.Get(&models.ServiceContainer{}, id)
	if err != nil {
		return err
	}
	sc := got.(*models.ServiceContainer)
	if sc.PortId == nil {
		return errorf(http.StatusNotAcceptable, "Container %s scheduling cannot be changed because it is not connected to a port.", id)
	}
	var host uuid.UUID
	if raw, ok := body["hostId"]; ok && !isNull(raw) {
		if host, err = decodeUUID(raw); err != nil {
			return badJSON("hostId", err)
		}
	}
	pgot, err := tx.Get(&models.Port{}, toUUID(sc.PortId))
	if err != nil {
		return err
	}
	port := proto.Clone(pgot).(*models.Port)
	if toUUID(port.HostId) == host {
		return nil
	}
	if host != uuid.Nil {
		if _, err := tx.Get(&models.Host{}, host); err != nil {
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
		hooks:           hooks{decode: decodeContainerGroup},
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
		hooks:           hooks{encode: encodeServiceContainer, update: rescheduleServiceContainer},
	}
}
