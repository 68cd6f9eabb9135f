package models

import (
	"fmt"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// Marshal encodes msg in protobuf text format, multi-line with two-space
// indentation: the format ZOOM stores under <root>/zoom/0/models/.
//
// The bytes are not identical to Java's TextFormat.print (the Go encoder
// writes "id: {" where Java writes "id {", and deliberately varies
// whitespace between builds), but both parsers read both. Compare stored
// objects with proto.Equal, never byte-wise. Missing required fields (e.g.
// a UUID without lsb) are an error, as they are for Java's build().
func Marshal(msg proto.Message) ([]byte, error) {
	if msg == nil {
		return nil, &InvalidValueError{Kind: "message", Value: "<nil>"}
	}
	b, err := prototext.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(msg)
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
