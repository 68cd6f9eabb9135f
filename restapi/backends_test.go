package restapi_test

import (
	"testing"

	"github.com/midonet/midonet-go/restapi"
)

func backends(t testing.TB) []backend {
	return []backend{
		{name: "fake", open: func(t testing.TB) (restapi.Store, restapi.StoreErrorMapper) {
			return restapi.NewFakeStoreForTest(), restapi.FakeErrorsForTest
		}},
	}
}
