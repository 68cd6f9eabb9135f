package restapi

import (
	"strings"

	"github.com/midonet/midonet-go/midonet/models"
)

// The tap-as-a-service JSON models (/neutron/tap_services, /tap_flows).

// neutronTapService is the JSON of a tap service.
type neutronTapService struct {
	ID          *string `json:"id"`
	TenantID    *string `json:"tenant_id"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	PortID      *string `json:"port_id"`
}

func (d *neutronTapService) toProto() (*models.TapService, error) {
	ts := &models.TapService{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description)}
	var err error
	if err = readUUIDs(uuidField{&ts.Id, d.ID, "id"}, uuidField{&ts.PortId, d.PortID, "port_id"}); err != nil {
		return nil, err
	}
	return ts, nil
}

func neutronTapServiceOf(ts *models.TapService) *neutronTapService {
	return &neutronTapService{ID: outUUID(ts.GetId()), TenantID: ts.TenantId, Name: ts.Name,
		Description: ts.Description, PortID: outUUID(ts.GetPortId())}
}

// neutronTapFlow is the JSON of a tap flow; direction is IN, OUT or BOTH
// in any case (another value reads as none, as the reference's enum).
type neutronTapFlow struct {
	ID           *string `json:"id"`
	TenantID     *string `json:"tenant_id"`
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	TapServiceID *string `json:"tap_service_id"`
	SourcePort   *string `json:"source_port"`
	Direction    *string `json:"direction"`
}

func (d *neutronTapFlow) toProto() (*models.TapFlow, error) {
	f := &models.TapFlow{TenantId: optString(d.TenantID), Name: optString(d.Name),
		Description: optString(d.Description)}
	var err error
	if err = readUUIDs(uuidField{&f.Id, d.ID, "id"}, uuidField{&f.TapServiceId, d.TapServiceID, "tap_service_id"},
		uuidField{&f.SourcePort, d.SourcePort, "source_port"}); err != nil {
		return nil, err
	}
	if d.Direction != nil {
		if v, ok := models.TapFlow_TapFlowDirection_value[strings.ToUpper(*d.Direction)]; ok {
			f.Direction = models.TapFlow_TapFlowDirection(v).Enum()
		}
	}
	return f, nil
}

func neutronTapFlowOf(f *models.TapFlow) *neutronTapFlow {
	d := &neutronTapFlow{ID: outUUID(f.GetId()), TenantID: f.TenantId, Name: f.Name, Description: f.Description,
		TapServiceID: outUUID(f.GetTapServiceId()), SourcePort: outUUID(f.GetSourcePort())}
	if f.Direction != nil {
		s := f.GetDirection().String()
		d.Direction = &s
	}
	return d
}
