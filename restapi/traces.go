package restapi

import (
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// tracesFamily is the family of trace requests.
func tracesFamily() family {
	return family{
		resources: []*resource{tracesResource()},
	}
}

// traceDevices are the traceable device types: how each is checked to
// exist and referenced by the request.
var traceDevices = []struct {
	name   string
	exists func(c *call, id uuid.UUID) error
	set    func(tr *models.TraceRequest, id *models.UUID)
}{
	{"PORT", exists[*models.Port], func(tr *models.TraceRequest, id *models.UUID) { tr.PortId = id }},
	{"BRIDGE", exists[*models.Network], func(tr *models.TraceRequest, id *models.UUID) { tr.NetworkId = id }},
	{"ROUTER", exists[*models.Router], func(tr *models.TraceRequest, id *models.UUID) { tr.RouterId = id }},
}

// decodeTrace maps deviceType/deviceId to the device reference (which
// must exist: 404) and applies the model defaults (creation time now,
// limit Long.MAX_VALUE).
func decodeTrace(c *call, b body, tr, stored *models.TraceRequest) ([]Violation, error) {
	if raw, ok := b["creationTimestampMs"]; !ok || isNull(raw) {
		tr.CreateTimestampMs = proto.Uint64(uint64(time.Now().UnixMilli()))
	}
	if raw, ok := b["limit"]; !ok || isNull(raw) {
		tr.Limit = proto.Uint64(math.MaxInt64)
	}
	tr.PortId, tr.NetworkId, tr.RouterId = nil, nil, nil
	typ, _ := decodeString(orEmpty(b["deviceType"]))
	var devID uuid.UUID
	var viols []Violation
	if raw, ok := b["deviceId"]; ok && !isNull(raw) {
		id, err := decodeUUID(raw)
		if err != nil {
			return nil, badJSON("deviceId", err)
		}
		devID = id
	} else {
		viols = append(viols, Violation{Property: "deviceId", Message: "may not be null"})
	}
	if typ == "" {
		return append(viols, Violation{Property: "deviceType", Message: "may not be null"}), nil
	}
	for _, d := range traceDevices {
		if d.name != typ {
			continue
		}
		if devID == uuid.Nil {
			return viols, nil
		}
		if err := d.exists(c, devID); err != nil {
			return nil, err
		}
		d.set(tr, uuidPtr(devID))
		return viols, nil
	}
	return nil, errorf(http.StatusBadRequest, "Invalid value %q for field deviceType", truncate([]byte(typ)))
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

func encodeTrace(c *call, tr *models.TraceRequest, out *object) error {
	typ, id := traceDevice(tr)
	if id == nil {
		out.set("deviceType", nil)
		out.set("deviceId", nil)
		return nil
	}
	out.set("deviceType", typ)
	out.set("deviceId", toUUID(id).String())
	return nil
}

// keepTrace implements ?tenant_id: the tenant of the traced bridge or
// router, or of the traced port's device.
func keepTrace(c *call, tr *models.TraceRequest) bool {
	want, ok := c.r.URL.Query()["tenant_id"]
	return !ok || len(want) == 0 || traceTenant(c, tr) == want[0]
}

func traceTenant(c *call, tr *models.TraceRequest) string {
	netID, routerID := tr.NetworkId, tr.RouterId
	if tr.PortId != nil {
		port, err := loadAs[*models.Port](c, toUUID(tr.PortId))
		if err != nil {
			return ""
		}
		netID, routerID = port.NetworkId, port.RouterId
	}
	switch {
	case netID != nil:
		if n, err := loadAs[*models.Network](c, toUUID(netID)); err == nil {
			return n.GetTenantId()
		}
	case routerID != nil:
		if r, err := loadAs[*models.Router](c, toUUID(routerID)); err == nil {
			return r.GetTenantId()
		}
	}
	return ""
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
		hooks:           typed[*models.TraceRequest]{decode: decodeTrace, encode: encodeTrace, keep: keepTrace}.hooks(),
	}
}
