package vxgw

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// ErrNoPhysicalSwitch: the VTEP's database has no Physical_Switch row.
var ErrNoPhysicalSwitch = errors.New("vxgw: the VTEP has no physical switch")

// ReadPhysicalSwitch connects once to the VTEP at endpoint ("tcp:IP:PORT"),
// reads the physical switch (the one managed at managementIP, else the
// first) with its ports, and disconnects: what the REST API needs to create
// a VTEP, check a binding's port name and list /vteps/{id}/ports. ctx bounds
// the whole call; there are no retries (a failure means 503 upstream).
func ReadPhysicalSwitch(ctx context.Context, endpoint, managementIP string, log *slog.Logger) (PhysicalSwitch, error) {
	if log == nil {
		log = slog.Default()
	}
	conn, err := Dial(ctx, endpoint, log, nil)
	if err != nil {
		return PhysicalSwitch{}, err
	}
	defer conn.Close()
	ps, ok := conn.PhysicalSwitch(managementIP)
	if !ok {
		return PhysicalSwitch{}, fmt.Errorf("%w at %s", ErrNoPhysicalSwitch, endpoint)
	}
	return ps, nil
}

// VxLANPortID is the id of the VxLAN port of a network on a VTEP: the VTEP
// id XOR the network id, except the network id's UUID version nibble and
// variant bits, which are not flipped (the reference's
// vtepId.xorWith(networkId.msb, networkId.lsb)). Deterministic, so every
// node and the REST API agree on it.
func VxLANPortID(vtepID, networkID uuid.UUID) uuid.UUID {
	const msbMask, lsbMask = 0xffffffffffff0fff, 0x3fffffffffffffff
	vMSB, vLSB := binary.BigEndian.Uint64(vtepID[:8]), binary.BigEndian.Uint64(vtepID[8:])
	nMSB, nLSB := binary.BigEndian.Uint64(networkID[:8]), binary.BigEndian.Uint64(networkID[8:])
	var out uuid.UUID
	binary.BigEndian.PutUint64(out[:8], vMSB^(nMSB&msbMask))
	binary.BigEndian.PutUint64(out[8:], vLSB^(nLSB&lsbMask))
	return out
}
