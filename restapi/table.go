package restapi

// Field-row helpers: the table reads as data, one line per JSON field.
func fID() field             { return field{json: "id", proto: "id", kind: kUUID, mode: createOnly} }
func fStr(j, p string) field { return field{json: j, proto: p, kind: kString} }
func fName(j, p string, min, max int) field {
	return field{json: j, proto: p, kind: kString, sizeMin: min, sizeMax: max}
}
func fBool(j, p string) field            { return field{json: j, proto: p, kind: kBool} }
func fBoolDef(j, p string, d bool) field { return field{json: j, proto: p, kind: kBool, def: d} }
func fUUID(j, p string) field            { return field{json: j, proto: p, kind: kUUID} }
func fUUIDs(j, p string) field           { return field{json: j, proto: p, kind: kUUIDList} }
func fInt(j, p string) field             { return field{json: j, proto: p, kind: kInt} }
func fIntRange(j, p string, min, max int64) field {
	return field{json: j, proto: p, kind: kInt, min: bound(min), max: bound(max)}
}
func fNullInt(j, p string) field { return field{json: j, proto: p, kind: kNullInt} }
func fRO(f field) field          { f.mode = ro; return f }
func fSticky(f field) field      { f.mode = sticky; return f }
func fReq(f field) field         { f.required = true; return f }

func lRef(j, ref, from string) link { return link{json: j, ref: ref, from: from} }
func lSub(j, suffix string) link    { return link{json: j, suffix: suffix} }

// Media types with "+J": plain application/json also accepted.
func single(names ...string) mediaTypes {
	out := mediaTypes{}
	for _, n := range names {
		out = append(out, Vendor(n))
	}
	return out
}

func collection(names ...string) mediaTypes {
	out := mediaTypes{}
	for _, n := range names {
		out = append(out, VendorCollection(n))
	}
	return out
}

var tenantFilter = queryFilter{param: "tenant_id", proto: "tenant_id", kind: kString}

// family is what one file of the API serves: its table rows and its
// explicit endpoints.
type family struct {
	resources []*resource
	endpoints []endpoint
	// roots are the Application keys of the family's explicit endpoints
	// (its rows name their own).
	roots []rootEntry
}

// families lists every family of the API. A new resource is one new file,
// holding its family, and one line here.
func families() []family {
	return []family{
		bridgesFamily(),
		routersFamily(),
		portsFamily(),
		rulesFamily(),
		portGroupsFamily(),
		ipAddrGroupsFamily(),
		hostsFamily(),
		tunnelZonesFamily(),
		bgpFamily(),
		loadBalancingFamily(),
		qosFamily(),
		mirrorsFamily(),
		l2InsertionsFamily(),
		serviceContainersFamily(),
		tracesFamily(),
		vtepsFamily(),
		dhcpFamily(),
		dhcpV6Family(),
		stateTablesFamily(),
		tenantsFamily(),
		// The Neutron API routes itself (neutron.go); its root entry:
		{roots: []rootEntry{{"neutron", "neutron", ""}}},
	}
}

// resourceTable is THE table: every generic resource of the API.
func resourceTable() []*resource {
	var out []*resource
	for _, f := range families() {
		out = append(out, f.resources...)
	}
	return out
}
