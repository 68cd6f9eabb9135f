package restapi_test

import (
	"testing"
)

// TestCreateUnderMissingParent: a create under a parent that does not
// exist answers the parent's 404 (the store's message, as GET of the
// parent answers it) whatever else the create would fail on, and writes
// nothing. The engine checks the parent inside the create's transaction,
// after the create hook ran; these are the answers it had when it read the
// parent before.
func TestCreateUnderMissingParent(t *testing.T) {
	const (
		src     = "engine.go create: the parent's 404 first"
		missing = "6b1e2b5e-0d9f-4d0e-9a55-0000000000aa"
		other   = "6b1e2b5e-0d9f-4d0e-9a55-0000000000bb"
	)
	steps := []refStep{
		{source: src, method: "POST", path: "/routers", body: `{"name":"r"}`, status: 201, save: "r"},
		{source: src, method: "POST", path: "/routers/{rId}/ports", body: `{"type":"Router","portAddress":"10.0.0.1","networkAddress":"10.0.0.0","networkLength":24}`, status: 201, save: "rp"},
		{source: src, method: "GET", path: "/bridges/" + missing, accept: "application/vnd.org.midonet.Bridge-v4+json", status: 404, message: msg("There is no Network with ID " + missing + ".")},
		{source: src, method: "POST", path: "/bridges/" + missing + "/ports", body: `{"type":"Bridge"}`, status: 404,
			message: msg("There is no Network with ID " + missing + ".")},
		// The missing filter is a NotFound of the create itself: the parent's comes first.
		{source: src, method: "POST", path: "/bridges/" + missing + "/ports", body: `{"type":"Bridge","inboundFilterId":"` + other + `"}`, status: 404,
			message: msg("There is no Network with ID " + missing + ".")},
		// The route hook answers 400 for a next hop port of another router: the parent's 404 comes first.
		{source: src, method: "POST", path: "/routers/" + missing + "/routes", body: `{"type":"Normal","srcNetworkAddr":"0.0.0.0","srcNetworkLength":0,"dstNetworkAddr":"2.2.2.0","dstNetworkLength":24,"weight":100,"nextHopPort":"{rpId}"}`, status: 404,
			message: msg("There is no Router with ID " + missing + ".")},
		{source: src, method: "POST", path: "/chains/" + missing + "/rules", body: `{"type":"accept"}`, status: 404,
			message: msg("There is no Chain with ID " + missing + ".")},
		{source: src, method: "GET", path: "/ports", accept: "application/vnd.org.midonet.collection.Port-v3+json", status: 200, count: count(1)},
		{source: src, method: "GET", path: "/routers/{rId}/routes", accept: "application/json", status: 200, count: count(1)}, // the port's local route
		// Under an existing parent the create still checks the other references.
		{source: src, method: "POST", path: "/bridges", body: `{"name":"b"}`, status: 201, save: "b"},
		{source: src, method: "POST", path: "/bridges/{bId}/ports", body: `{"type":"Bridge","inboundFilterId":"` + other + `"}`, status: 404,
			message: msg("There is no Chain with ID " + other + ".")},
		{source: src, method: "POST", path: "/bridges/{bId}/ports", body: `{"type":"Bridge"}`, status: 201, save: "bp"},
		{source: src, method: "GET", path: "/bridges/{bId}/ports", accept: "application/vnd.org.midonet.collection.Port-v3+json", status: 200, count: count(1)},
	}
	onBackends(t, func(t *testing.T, b backend) { runRefSteps(t, b, steps) })
}
