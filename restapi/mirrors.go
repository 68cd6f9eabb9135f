package restapi

import "github.com/midonet/midonet-go/midonet/models"

// mirrorsFamily is the family of port mirrors.
func mirrorsFamily() family {
	return family{
		resources: []*resource{mirrorsResource()},
	}
}

func mirrorsResource() *resource {
	return &resource{
		segment: "mirrors", rootKey: "mirrors", templateKey: "mirrorTemplate",
		model:      &models.Mirror{},
		single:     single("Mirror-v1").withJSON(),
		collection: collection("Mirror-v1").withJSON(),
		ops:        opList | opGet | opCreate | opUpdate | opDelete,
		fields: []field{
			fID(),
			fReq(fUUID("toPortId", "to_port_id")),
			{json: "conditions", proto: "conditions", kind: kMessageList, sub: conditionFields("")},
		},
		deleteMissingOK: true,
	}
}
