package models

import (
	"fmt"
	"net/netip"
)

// IPAddressFromAddr converts a netip.Addr (zone dropped; an IPv4-mapped
// IPv6 address stays IPv6). IPv6 text is written the way the JVM cluster's
// IPv6Addr.toString writes it: eight lowercase hex groups, no "::"
// compression, so values we store compare equal to ones the JVM stores.
func IPAddressFromAddr(a netip.Addr) (*IPAddress, error) {
	if !a.IsValid() {
		return nil, &InvalidValueError{Kind: "IPAddress", Value: a.String()}
	}
	v := IPVersion_V6
	if a.Is4() {
		v = IPVersion_V4
	}
	s := a.String()
	if !a.Is4() {
		s = javaIPv6String(a)
	}
	return &IPAddress{Version: &v, Address: &s}, nil
}

// ParseIPAddress parses a textual IPv4 or IPv6 address.
func ParseIPAddress(s string) (*IPAddress, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, &InvalidValueError{Kind: "IPAddress", Value: s, Err: err}
	}
	return IPAddressFromAddr(a)
}

// ToAddr converts to netip.Addr, checking that the text matches the
// declared version.
func (x *IPAddress) ToAddr() (netip.Addr, error) {
	if x == nil {
		return netip.Addr{}, &InvalidValueError{Kind: "IPAddress", Value: "<nil>"}
	}
	a, err := netip.ParseAddr(x.GetAddress())
	if err != nil {
		return netip.Addr{}, &InvalidValueError{Kind: "IPAddress", Value: x.GetAddress(), Err: err}
	}
	if err := checkVersion(x.GetVersion(), a); err != nil {
		return netip.Addr{}, &InvalidValueError{Kind: "IPAddress", Value: x.GetAddress(), Err: err}
	}
	return a, nil
}

// IPSubnetFromPrefix converts a netip.Prefix. The address is kept as given
// (not masked): MidoNet stores e.g. a router port's "10.0.0.1/24".
func IPSubnetFromPrefix(p netip.Prefix) (*IPSubnet, error) {
	if !p.IsValid() {
		return nil, &InvalidValueError{Kind: "IPSubnet", Value: p.String()}
	}
	ip, err := IPAddressFromAddr(p.Addr())
	if err != nil {
		return nil, err
	}
	plen := uint32(p.Bits())
	return &IPSubnet{Version: ip.Version, Address: ip.Address, PrefixLength: &plen}, nil
}

// ParseIPSubnet parses "address/length" (CIDR notation).
func ParseIPSubnet(s string) (*IPSubnet, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, &InvalidValueError{Kind: "IPSubnet", Value: s, Err: err}
	}
	return IPSubnetFromPrefix(p)
}

// ToPrefix converts to netip.Prefix (address not masked), checking version
// and prefix length.
func (x *IPSubnet) ToPrefix() (netip.Prefix, error) {
	if x == nil {
		return netip.Prefix{}, &InvalidValueError{Kind: "IPSubnet", Value: "<nil>"}
	}
	text := fmt.Sprintf("%s/%d", x.GetAddress(), x.GetPrefixLength())
	a, err := netip.ParseAddr(x.GetAddress())
	if err != nil {
		return netip.Prefix{}, &InvalidValueError{Kind: "IPSubnet", Value: text, Err: err}
	}
	if err := checkVersion(x.GetVersion(), a); err != nil {
		return netip.Prefix{}, &InvalidValueError{Kind: "IPSubnet", Value: text, Err: err}
	}
	if x.GetPrefixLength() > uint32(a.BitLen()) {
		return netip.Prefix{}, &InvalidValueError{Kind: "IPSubnet", Value: text,
			Err: fmt.Errorf("prefix length %d exceeds %d bits", x.GetPrefixLength(), a.BitLen())}
	}
	return netip.PrefixFrom(a, int(x.GetPrefixLength())), nil
}

// CIDR returns "address/length", the form the REST API uses.
func (x *IPSubnet) CIDR() string {
	return fmt.Sprintf("%s/%d", x.GetAddress(), x.GetPrefixLength())
}

func checkVersion(v IPVersion, a netip.Addr) error {
	switch {
	case v == IPVersion_V4 && !a.Is4():
		return fmt.Errorf("version V4 but address is IPv6")
	case v == IPVersion_V6 && !a.Is6():
		return fmt.Errorf("version V6 but address is IPv4")
	case v != IPVersion_V4 && v != IPVersion_V6:
		return fmt.Errorf("unknown IP version %d", v)
	}
	return nil
}

func javaIPv6String(a netip.Addr) string {
	b := a.As16()
	var groups [8]any
	for i := range groups {
		groups[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return fmt.Sprintf("%x:%x:%x:%x:%x:%x:%x:%x", groups[:]...)
}
