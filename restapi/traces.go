package restapi

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/midonet/midonet-go/midonet/models"
)

// tracesFamily is the family of trace requests.
func tracesFamily() family {
	return family{
		resources: []*resource{tracesResource()},
	}
}

var traceDevices = []struct {
	name  string
	field string
	model proto.Message
}{
	{"PORT", "port_id", &models.Port{}},
	{"BRIDGE", "network_id", &models.Network{}},
	{"ROUTER", "router_id", &models.Router{}},
}

// decodeTrace maps deviceType/deviceId to the device reference (which
// must exist: 404) and applies the model defaults (creation time now,
// limit Long.MAX_VALUE).
func decodeTrace(c *call, body map[string]json.RawMessage, msg, stored protoreflect.Message, viols *[]Violation) error {
	tr := msg.Interface().(*models.TraceRequest)
	if raw, ok := body["creationTimestampMs"]; !ok || isNull(raw) {
		tr.CreateTimestampMs = proto.Uint64(uint64(time.Now().UnixMilli()))
	}
	if raw, ok := body["limit"]; !ok || isNull(raw) {
		tr.Limit = proto.Uint64(math.MaxInt64)
	}
	tr.PortId, tr.NetworkId, tr.RouterId = nil, nil, nil
	typ, _ := decodeString(orEmpty(body["deviceType"]))
	var devID uuid.UUID
	if raw, ok := body["deviceId"]; ok && !isNull(raw) {
		id, err := decodeUUID(raw)
		if err != nil {
			return badJSON("deviceId", err)
		}
		devID = id
	} else {
		*viols = append(*viols, Violation{Property: "deviceId", Message: "may not be null"})
	}
	if typ == "" {
		*viols = append(*viols, Violation{Property: "deviceType", Message: "may not be null"})
		return nil
	}
	for _, d := range traceDevices {
		if d.name != typ {
			continue
		}
		if devID == uuid.Nil {
			return nil
		}
		if _, err := c.h.store.Get(c.ctx(), d.model, devID); err != nil {
			return err
		}
		parent, fd := writeMsg(msg, d.field)
		uuidToMsg(devID, parent.Mutable(fd).Message())
		return nil
	}
	return errorf(http.StatusBadRequest, "Invalid value %q for field deviceType", truncate([]byte(typ)))
}

func traceDevice(tr *models.TraceRequest) (string, *models.UUID) {
	switch {
	case tr.PortId != nil:
		return "PORT", tr.PortId
	case tr.NetworkId != nil:
		return "BRIDGE", tr.NetworkId
	case tr.RouterId != nil:
		return "ROUTER", tr.RouterId
	}
	return "", nil
}

func encodeTrace(c *call, m protoreflect.Message, out *object) error {
	typ, id := traceDevice(m.Interface().(*models.TraceRequest))
	if id == nil {
		out.set("deviceType", nil)
		out.set("deviceId", nil)
		return nil
	}
	out.set("deviceType", typ)
	out.set("deviceId", toUUID(id).String())
	return nil
}

// filterTraces implements ?tenant_id: the tenant of the traced bridge or
// router, or of the traced port's device.
func filterTraces(c *call, msgs []proto.Message) ([]proto.Message, error) {
	want, ok := c.r.URL.Query()["tenant_id"]
	if !ok || len(want) == 0 {
		return msgs, nil
	}
	tenantOf := func(tr *models.TraceRequest) string {
		netID, routerID := tr.NetworkId, tr.RouterId
		if tr.PortId != nil {
			got, err := c.h.store.Get(c.ctx(), &models.Port{}, toUUID(tr.PortId))
			if err != nil {
				return ""
			}
			netID, routerID = got.(*models.Port).NetworkId, got.(*models.Port).RouterId
		}
		switch {
		case netID != nil:
			if got, err := c.h.store.Get(c.ctx(), &models.Network{}, toUUID(netID)); err == nil {
				return got.(*models.Network).GetTenantId()
			}
		case routerID != nil:
			if got, err := c.h.store.Get(c.ctx(), &models.Router{}, toUUID(routerID)); err == nil {
				return got.(*models.Router).GetTenantId()
			}
		}
		return ""
	}
	return slices.DeleteFunc(msgs, func(m proto.Message) bool {
		return tenantOf(m.(*models.TraceRequest)) != want[0]
	}), nil
}

func tracesResource() *resource {
	return &resource{
		segment: "traces", rootKey: "traceRequests", templateKey: "traceRequestTemplate",
		model:      &models.TraceRequest{},
		single:     single("TraceRequest-v1").withJSON(),
		collection: collection("TraceRequest-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fReq(fStr("name", "name")),
			fReq(field{json: "condition", proto: "condition", kind: kMessage, sub: conditionFields("")}),
			fInt("creationTimestampMs", "create_timestamp_ms"),
			fInt("limit", "limit"),
			fBool("enabled", "enabled"),
		},
		deleteMissingOK: true,
		hooks:           hooks{decode: decodeTrace, encode: encodeTrace, listFilter: filterTraces},
	}
}
