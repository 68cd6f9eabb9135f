package restapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// jsonUnmarshal decodes a Neutron JSON model. As the reference's Jackson
// (2.5) reader, an integer field also takes its number written as a JSON
// string ("80", " 80 "; "" and "null" read as no value): networking-l2gw's
// API takes an L2 gateway connection's segmentation_id as a string, and
// networking-midonet passes it on as it is. A string that is not an integer
// is still refused. The strings are turned into numbers only after the plain
// decoding failed on one, so a well-typed body is decoded once.
func jsonUnmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || typeErr.Value != "string" || !isIntegerKind(typeErr.Type.Kind()) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return err
	}
	coerced, merr := json.Marshal(numbersFromStrings(tree, reflect.TypeOf(v)))
	if merr != nil {
		return err
	}
	if target := reflect.ValueOf(v); target.Kind() == reflect.Pointer && !target.IsNil() {
		target.Elem().SetZero() // what the failed decoding filled in
	}
	return json.Unmarshal(coerced, v)
}

var jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// numbersFromStrings replaces, in a JSON value decoded with UseNumber, each
// string that encoding/json would decode into an integer of t (walking t's
// structs, slices and maps as encoding/json does) by the number it spells,
// and such an empty or "null" string by null. Types that read themselves
// (json.Unmarshaler) are left to do so.
func numbersFromStrings(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			for k, e := range x {
				if f, ok := jsonField(t, k); ok {
					x[k] = numbersFromStrings(e, f.Type)
				}
			}
		case reflect.Map:
			for k, e := range x {
				x[k] = numbersFromStrings(e, t.Elem())
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range x {
				x[i] = numbersFromStrings(e, t.Elem())
			}
		}
	case string:
		if !isIntegerKind(t.Kind()) {
			return v
		}
		s := strings.TrimSpace(x)
		if s == "" || s == "null" {
			return nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.Number(strconv.FormatInt(n, 10)) // out of t's range: encoding/json refuses it
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return json.Number(strconv.FormatUint(n, 10))
		}
	}
	return v
}

func isIntegerKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// jsonField is the field of struct type t that encoding/json decodes key
// into: the one named key by its tag (or its name), else the first whose
// name matches key regardless of case.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded reflect.StructField
	found := false
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			folded, found = f, true
		}
	}
	return folded, found
}
