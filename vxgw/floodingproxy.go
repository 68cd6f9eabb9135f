package vxgw

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// FloodingProxy is the host of a VTEP tunnel zone that VTEPs send frames
// for unknown MACs to (Mcast_Macs_Remote unknown-dst), and its IP in that
// zone. Its String is the value of the tunnel zone's `flooding_proxy`
// state key in the reference's format, "<hostId>#<ipv4>".
type FloodingProxy struct {
	HostID string
	IP     netip.Addr
}

func (fp FloodingProxy) String() string { return fp.HostID + "#" + fp.IP.String() }

// ParseFloodingProxy reads the `flooding_proxy` state key value.
func ParseFloodingProxy(s string) (FloodingProxy, error) {
	host, ip, ok := strings.Cut(s, "#")
	if !ok || host == "" {
		return FloodingProxy{}, fmt.Errorf("flooding proxy %q: want <hostId>#<ipv4>", s)
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is4() {
		return FloodingProxy{}, fmt.Errorf("flooding proxy %q: %q is not an IPv4 address", s, ip)
	}
	return FloodingProxy{HostID: strings.ToLower(host), IP: addr}, nil
}

// FloodingProxyCandidate is one member of a VTEP tunnel zone as the
// flooding-proxy manager sees it: the host's weight (Host.flooding_proxy_
// weight, 0 = never), whether its `alive` state key exists, and its IP in
// the zone.
type FloodingProxyCandidate struct {
	HostID string
	IP     netip.Addr
	Weight int32
	Alive  bool
}

func (c FloodingProxyCandidate) eligible() bool {
	return c.Alive && c.Weight > 0 && c.IP.Is4() && c.HostID != ""
}

// ChooseFloodingProxy picks the flooding proxy of a tunnel zone among its
// members: eligible hosts are alive with weight > 0 and an IPv4 address in
// the zone; the choice is random with probability proportional to weight.
// Unlike the reference, which draws again on every recomputation, the
// current proxy is kept while it stays eligible, so that a change to some
// other host does not move every VTEP's flooding traffic. intN draws in
// [0, n) (rand.Int64N in production, a fixed source in tests). It returns
// false when nobody is eligible (the state key must then be removed).
func ChooseFloodingProxy(current *FloodingProxy, candidates []FloodingProxyCandidate, intN func(n int64) int64) (FloodingProxy, bool) {
	var eligible []FloodingProxyCandidate
	for _, c := range candidates {
		if c.eligible() {
			eligible = append(eligible, c)
		}
	}
	if len(eligible) == 0 {
		return FloodingProxy{}, false
	}
	if current != nil {
		for _, c := range eligible {
			if strings.EqualFold(c.HostID, current.HostID) && c.IP == current.IP {
				return *current, true
			}
		}
	}
	// A stable order makes the draw reproducible for a given random value.
	slices.SortFunc(eligible, func(a, b FloodingProxyCandidate) int {
		if a.Weight != b.Weight {
			return int(b.Weight) - int(a.Weight)
		}
		return strings.Compare(a.HostID, b.HostID)
	})
	var total int64
	for _, c := range eligible {
		total += int64(c.Weight)
	}
	if intN == nil {
		intN = rand.Int64N
	}
	r := intN(total)
	for _, c := range eligible {
		r -= int64(c.Weight)
		if r < 0 {
			return FloodingProxy{HostID: strings.ToLower(c.HostID), IP: c.IP}, true
		}
	}
	last := eligible[len(eligible)-1] // unreachable when intN honours [0, n)
	return FloodingProxy{HostID: strings.ToLower(last.HostID), IP: last.IP}, true
}
