package models

import "fmt"

// InvalidValueError reports input that cannot be converted to or from a
// model value (a malformed UUID string, an IP address whose text does not
// match its declared version, a message without an id field ...).
type InvalidValueError struct {
	Kind  string // what was being converted, e.g. "UUID", "IPAddress"
	Value string // the offending input, as text
	Err   error  // underlying cause, may be nil
}

func (e *InvalidValueError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("models: invalid %s %q: %v", e.Kind, e.Value, e.Err)
	}
	return fmt.Sprintf("models: invalid %s %q", e.Kind, e.Value)
}

func (e *InvalidValueError) Unwrap() error { return e.Err }
