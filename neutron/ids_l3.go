package neutron

import "github.com/google/uuid"

// QuaggaContainerGroupID is the service container group of a router's BGP
// (Quagga) container, deleted with the router.
func QuaggaContainerGroupID(r uuid.UUID) uuid.UUID {
	return XorID(r, 0x7d263d2d55da46d2, 0xb53951e91eba3a1f)
}
