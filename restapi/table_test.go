package restapi

import "testing"

// TestTableMatchesModels builds the handler, which checks every table row
// (fields, variants, links, parents, filters) against the protobuf
// descriptors of the model classes.
func TestTableMatchesModels(t *testing.T) {
	if _, err := NewHandler(nil, nil, Options{}); err != nil {
		t.Fatal(err)
	}
}
