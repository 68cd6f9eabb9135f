package models

import (
	"fmt"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// Marshal encodes msg in protobuf text format exactly as Java's
// TextFormat.print does: the bytes ZOOM stores under <root>/zoom/0/models/
// (UTF-8, in fact ASCII). The output is deterministic, so an object written
// by us and by the JVM cluster is stored as the same bytes. Missing
// required fields (e.g. a UUID without lsb) are an error, as they are for
// Java's build(). Unknown fields are not written.
func Marshal(msg proto.Message) ([]byte, error) {
	if msg == nil {
		return nil, &InvalidValueError{Kind: "message", Value: "<nil>"}
	}
	if err := checkInitialized(msg); err != nil {
		return nil, fmt.Errorf("models: marshal %s: %w", ClassName(msg), err)
	}
	b, err := appendMessageText(make([]byte, 0, 256), msg.ProtoReflect(), 0)
	if err != nil {
		return nil, fmt.Errorf("models: marshal %s: %w", ClassName(msg), err)
	}
	return b, nil
}

// Unmarshal decodes protobuf text format into msg (which is reset first).
// Unknown fields are discarded so objects written by a newer JVM cluster
// still load.
func Unmarshal(data []byte, msg proto.Message) error {
	if msg == nil {
		return &InvalidValueError{Kind: "message", Value: "<nil>"}
	}
	if err := (prototext.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, msg); err != nil {
		return fmt.Errorf("models: unmarshal %s: %w", ClassName(msg), err)
	}
	return nil
}
