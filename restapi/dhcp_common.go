package restapi

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// DHCP v4 (class Dhcp) and DHCPv6 (class DhcpV6) are served by the same
// handlers: a subnet is a stored object found by its prefix among its
// bridge's subnets, and its hosts are a nested list found by a key (MAC or
// client id). A dhcpFlavour says what differs between the two; the
// handlers below are instantiated once per flavour.
type dhcpFlavour[M proto.Message, H any] struct {
	segment      string // under /bridges/{id}: "dhcp" or "dhcpV6"
	hostsSegment string // under the subnet: "hosts" or "hostsV6"
	hostParam    string // the host's path variable: "mac" or "client"
	subnetMedia  string // the subnet's media type name
	hostMedia    string // the host's media type name

	subnetIDs func(n *models.Network) []*models.UUID
	id        func(d M) *models.UUID
	prefix    func(d M) (netip.Prefix, bool)
	subnetKey func(d M) string // the subnet's URI segment, "address_length"
	hosts     func(d M) *[]H

	encodeSubnet func(c *call, d M, uri string) (object, error)
	// decodeNew decodes a POSTed subnet of bridge, with a fresh id.
	decodeNew func(c *call, bridge uuid.UUID, body map[string]json.RawMessage) (M, error)
	// checkNew, if set, vets a new subnet against the stored ones in the
	// creating transaction.
	checkNew func(tx Tx, bridge uuid.UUID, d M) error
	// decodeUpdate decodes a PUT body; its result applies it to the stored
	// subnet within the updating transaction.
	decodeUpdate func(c *call, body map[string]json.RawMessage) (func(cur M) (M, error), error)

	encodeHost func(h H) object // without the host's uri
	decodeHost func(body map[string]json.RawMessage) (H, error)
	hostKey    func(h H) string // the stored key (MAC, client id)
	// hostURIKey writes a stored key as the host's URI segment.
	hostURIKey func(key string) string
	// sameHost says whether a host's stored key matches a key from a path
	// or a body.
	sameHost func(stored, key string) bool
	// hostConflict is the 409 for a second host with the same key.
	hostConflict func(bridge uuid.UUID, d M, h H) error
	// missingHostMessage: a GET of a missing host answers the subnet's
	// not-found message (v4) rather than an empty 404 (v6).
	missingHostMessage bool
}

func (f *dhcpFlavour[M, H]) endpoints() []endpoint {
	base := "/bridges/{id}/" + f.segment
	subnet := base + "/{subnet}"
	hosts := subnet + "/" + f.hostsSegment
	host := hosts + "/{" + f.hostParam + "}"
	return []endpoint{
		{method: "GET", path: base, produces: collection(f.subnetMedia), serve: f.listSubnets},
		{method: "POST", path: base, consumes: single(f.subnetMedia).withJSON(), strictConsumes: true, serve: f.createSubnet},
		{method: "GET", path: subnet, produces: single(f.subnetMedia).withJSON(), serve: f.getSubnet},
		{method: "PUT", path: subnet, consumes: single(f.subnetMedia).withJSON(), serve: f.updateSubnet},
		{method: "DELETE", path: subnet, serve: f.deleteSubnet},
		{method: "GET", path: hosts, produces: collection(f.hostMedia), serve: f.listHosts},
		{method: "POST", path: hosts, consumes: single(f.hostMedia).withJSON(), serve: f.createHost},
		{method: "GET", path: host, produces: single(f.hostMedia).withJSON(), serve: f.getHost},
		{method: "PUT", path: host, consumes: single(f.hostMedia).withJSON(), serve: f.updateHost},
		{method: "DELETE", path: host, serve: f.deleteHost},
	}
}

func (f *dhcpFlavour[M, H]) subnetURI(c *call, bridge uuid.UUID, d M) string {
	return c.uri("bridges", bridge.String(), f.segment, f.subnetKey(d))
}

func (f *dhcpFlavour[M, H]) hostURI(c *call, bridge uuid.UUID, d M, key string) string {
	return f.subnetURI(c, bridge, d) + "/" + f.hostsSegment + "/" + url.PathEscape(f.hostURIKey(key))
}

func (f *dhcpFlavour[M, H]) encodeHostAt(c *call, bridge uuid.UUID, d M, h H) object {
	obj := f.encodeHost(h)
	return append(obj, member{"uri", f.hostURI(c, bridge, d, f.hostKey(h))})
}

// bridgeSubnets reads the bridge's subnets (404 if the bridge is missing).
func (f *dhcpFlavour[M, H]) bridgeSubnets(c *call, bridge uuid.UUID) ([]M, error) {
	network, err := loadAs[*models.Network](c, bridge)
	if err != nil {
		return nil, err
	}
	var out []M
	for _, id := range toUUIDs(f.subnetIDs(network)) {
		if d, err := loadAs[M](c, id); err == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// parseSubnetKey reads "10.0.0.0_24".
func parseSubnetKey(s string) (netip.Prefix, bool) {
	addr, length, ok := strings.Cut(s, "_")
	if !ok {
		return netip.Prefix{}, false
	}
	a, err := netip.ParseAddr(addr)
	n, nerr := strconv.Atoi(length)
	if err != nil || nerr != nil || n < 0 || n > a.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, n), true
}

// findSubnet resolves {id}/{subnet}; missing is notFound.
func (f *dhcpFlavour[M, H]) findSubnet(c *call, notFound *Error) (uuid.UUID, M, error) {
	var none M
	bridge, err := c.pathID("id")
	if err != nil {
		return uuid.Nil, none, err
	}
	want, ok := parseSubnetKey(c.r.PathValue("subnet"))
	if !ok {
		return uuid.Nil, none, notFound
	}
	subnets, err := f.bridgeSubnets(c, bridge)
	if err != nil {
		return uuid.Nil, none, err
	}
	for _, d := range subnets {
		if p, ok := f.prefix(d); ok && p == want {
			return bridge, d, nil
		}
	}
	return uuid.Nil, none, notFound
}

// noSubnet is the 404 of a host operation whose subnet or host is missing:
// the reference names the subnet as it prints subnets, "172.31.0.0/24"
// (IPv6 in eight groups), whichever of the two is missing.
func (c *call) noSubnet() *Error {
	subnet := strings.ReplaceAll(c.r.PathValue("subnet"), "_", "/")
	if p, ok := parseSubnetKey(c.r.PathValue("subnet")); ok {
		subnet = subnetText(p)
	}
	return errorf(http.StatusNotFound, "Network %s does not have a subnet with address %s.", c.r.PathValue("id"), subnet)
}

// noSubnetAt is the 404 of a PUT or DELETE of a missing subnet: the
// reference echoes the path's form, "172.31.0.0_24".
func (c *call) noSubnetAt() *Error {
	return errorf(http.StatusNotFound, "Network %s does not have a subnet with address %s.", c.r.PathValue("id"), c.r.PathValue("subnet"))
}

// subnetText prints a subnet as the reference's IPSubnet.toString does.
func subnetText(p netip.Prefix) string {
	if p.Addr().Is4() {
		return p.String()
	}
	return longIPv6(p.Addr()) + "/" + strconv.Itoa(p.Bits())
}

func (f *dhcpFlavour[M, H]) encodeSubnetAt(c *call, bridge uuid.UUID, d M) (object, error) {
	return f.encodeSubnet(c, d, f.subnetURI(c, bridge, d))
}

func (f *dhcpFlavour[M, H]) listSubnets(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	subnets, err := f.bridgeSubnets(c, bridge)
	if err != nil {
		return err
	}
	out := []object{}
	for _, d := range subnets {
		obj, err := f.encodeSubnetAt(c, bridge, d)
		if err != nil {
			return err
		}
		out = append(out, obj)
	}
	return c.ok(out)
}

func (f *dhcpFlavour[M, H]) createSubnet(c *call) error {
	bridge, err := c.pathID("id")
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	d, err := f.decodeNew(c, bridge, body)
	if err != nil {
		return err
	}
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		if f.checkNew != nil {
			if err := f.checkNew(tx, bridge, d); err != nil {
				return err
			}
		}
		return tx.Create(proto.Clone(d))
	})
	if err != nil {
		return err
	}
	return c.created(f.subnetURI(c, bridge, d))
}

func (f *dhcpFlavour[M, H]) getSubnet(c *call) error {
	bridge, d, err := f.findSubnet(c, &Error{Status: http.StatusNotFound, EmptyBody: true})
	if err != nil {
		return err
	}
	obj, err := f.encodeSubnetAt(c, bridge, d)
	if err != nil {
		return err
	}
	return c.ok(obj)
}

func (f *dhcpFlavour[M, H]) updateSubnet(c *call) error {
	body, err := c.readBody()
	if err != nil {
		return err
	}
	_, stored, err := f.findSubnet(c, c.noSubnetAt())
	if err != nil {
		return err
	}
	apply, err := f.decodeUpdate(c, body)
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error { return f.editSubnet(tx, toUUID(f.id(stored)), apply) })
}

func (f *dhcpFlavour[M, H]) deleteSubnet(c *call) error {
	_, d, err := f.findSubnet(c, c.noSubnetAt())
	if err != nil {
		return err
	}
	return c.inTx(func(tx Tx) error { return tx.Delete(modelOf[M](), toUUID(f.id(d)), true) })
}

// inTx runs f in a store transaction and answers 204.
func (c *call) inTx(f func(tx Tx) error) error {
	if err := c.h.store.Tx(c.ctx(), f); err != nil {
		return err
	}
	return c.noContent()
}

// --- hosts -------------------------------------------------------------------

// decodeHostAddress reads a host's optional address from body[property]
// (absent or null is nil); an address that is not valid is a 400 with msg.
func decodeHostAddress(body map[string]json.RawMessage, property string, valid func(netip.Addr) bool, msg string) (*models.IPAddress, error) {
	raw, ok := body[property]
	if !ok || isNull(raw) {
		return nil, nil
	}
	s, _ := decodeString(raw)
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || !valid(a) {
		return nil, violation(property, msg)
	}
	addr, _ := models.IPAddressFromAddr(a)
	return addr, nil
}

// decodeHostName reads a host's optional name (absent or null is nil).
func decodeHostName(body map[string]json.RawMessage) (*string, error) {
	raw, ok := body["name"]
	if !ok || isNull(raw) {
		return nil, nil
	}
	s, err := decodeString(raw)
	if err != nil {
		return nil, badJSON("name", err)
	}
	return proto.String(s), nil
}

func (f *dhcpFlavour[M, H]) hostIndex(d M, key string) int {
	for i, h := range *f.hosts(d) {
		if f.sameHost(f.hostKey(h), key) {
			return i
		}
	}
	return -1
}

// editSubnet stores what edit makes of the subnet as tx reads it.
func (f *dhcpFlavour[M, H]) editSubnet(tx Tx, subnetID uuid.UUID, edit func(d M) (M, error)) error {
	d, err := getAs[M](tx, subnetID)
	if err != nil {
		return err
	}
	next, err := edit(d)
	if err != nil {
		return err
	}
	return tx.Update(next)
}

// editHosts applies edit to the subnet's hosts and stores it.
func (f *dhcpFlavour[M, H]) editHosts(tx Tx, subnetID uuid.UUID, edit func(d M) error) error {
	return f.editSubnet(tx, subnetID, func(d M) (M, error) { return d, edit(d) })
}

func (f *dhcpFlavour[M, H]) listHosts(c *call) error {
	bridge, d, err := f.findSubnet(c, c.noSubnet())
	if err != nil {
		return err
	}
	out := []object{}
	for _, h := range *f.hosts(d) {
		out = append(out, f.encodeHostAt(c, bridge, d, h))
	}
	return c.ok(out)
}

// hostRequest reads a host POST or PUT: the body, the subnet of the path
// and the decoded host, in the reference's order.
func (f *dhcpFlavour[M, H]) hostRequest(c *call) (uuid.UUID, M, H, error) {
	var (
		d M
		h H
	)
	b, err := c.readBody()
	if err != nil {
		return uuid.Nil, d, h, err
	}
	bridge, d, err := f.findSubnet(c, c.noSubnet())
	if err != nil {
		return uuid.Nil, d, h, err
	}
	h, err = f.decodeHost(b)
	return bridge, d, h, err
}

func (f *dhcpFlavour[M, H]) createHost(c *call) error {
	bridge, d, h, err := f.hostRequest(c)
	if err != nil {
		return err
	}
	key := f.hostKey(h)
	err = c.h.store.Tx(c.ctx(), func(tx Tx) error {
		return f.editHosts(tx, toUUID(f.id(d)), func(d M) error {
			if f.hostIndex(d, key) >= 0 {
				return f.hostConflict(bridge, d, h)
			}
			hosts := f.hosts(d)
			*hosts = append(*hosts, h)
			return nil
		})
	})
	if err != nil {
		return err
	}
	return c.created(f.hostURI(c, bridge, d, key))
}

func (f *dhcpFlavour[M, H]) getHost(c *call) error {
	bridge, d, err := f.findSubnet(c, c.noSubnet())
	if err != nil {
		return err
	}
	i := f.hostIndex(d, c.r.PathValue(f.hostParam))
	if i < 0 && f.missingHostMessage {
		return c.noSubnet()
	}
	if i < 0 {
		return &Error{Status: http.StatusNotFound, EmptyBody: true}
	}
	return c.ok(f.encodeHostAt(c, bridge, d, (*f.hosts(d))[i]))
}

func (f *dhcpFlavour[M, H]) updateHost(c *call) error {
	_, d, h, err := f.hostRequest(c)
	if err != nil {
		return err
	}
	return f.editHost(c, d, func(hosts *[]H, i int) { (*hosts)[i] = h })
}

func (f *dhcpFlavour[M, H]) deleteHost(c *call) error {
	_, d, err := f.findSubnet(c, c.noSubnet())
	if err != nil {
		return err
	}
	return f.editHost(c, d, func(hosts *[]H, i int) { *hosts = append((*hosts)[:i], (*hosts)[i+1:]...) })
}

// editHost applies edit to the stored hosts of subnet d at the index of the
// path's host, in a transaction answering 204; a missing host is the
// subnet's 404 (as the reference).
func (f *dhcpFlavour[M, H]) editHost(c *call, d M, edit func(hosts *[]H, i int)) error {
	key := c.r.PathValue(f.hostParam)
	return c.inTx(func(tx Tx) error {
		return f.editHosts(tx, toUUID(f.id(d)), func(d M) error {
			i := f.hostIndex(d, key)
			if i < 0 {
				return c.noSubnet()
			}
			edit(f.hosts(d), i)
			return nil
		})
	})
}
