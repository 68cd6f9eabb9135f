package restapi

// Exported for the external test package while midonet/zoom is missing.
func NewFakeStoreForTest() Store { return newFakeStore() }

var FakeErrorsForTest StoreErrorMapper = fakeErrors
