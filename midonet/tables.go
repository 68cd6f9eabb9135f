package midonet

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// legacyMacTablePath is the pre-ZOOM bridge MAC table, preferred when it
// exists: <root>/bridges/<id>[/vlans/<vlan>]/mac_ports (no vlan part for
// VLAN 0).
func legacyMacTablePath(root, id string, args []string) string {
	p := root + "/bridges/" + id
	if len(args) == 1 && args[0] != "0" {
		p += "/vlans/" + args[0]
	}
	return p + "/mac_ports"
}

// MAC is an Ethernet address, comparable (usable as a map key).
type MAC [6]byte

// String is the reference's text form, aa:bb:cc:dd:ee:ff.
func (m MAC) String() string { return net.HardwareAddr(m[:]).String() }

// ParseMAC reads a 6-byte MAC address (any case, colon-separated).
func ParseMAC(s string) (MAC, error) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return MAC{}, fmt.Errorf("midonet: bad MAC %q", s)
	}
	return MAC(hw), nil
}

// ArpEntry is a router ARP cache entry, stored as "mac;expiry;stale;lastArp"
// (mac "null" when unresolved; times are the reference's longs).
type ArpEntry struct {
	MAC                    *MAC
	Expiry, Stale, LastArp int64
}

func (e ArpEntry) String() string {
	mac := "null"
	if e.MAC != nil {
		mac = e.MAC.String()
	}
	return fmt.Sprintf("%s;%d;%d;%d", mac, e.Expiry, e.Stale, e.LastArp)
}

// ParseArpEntry decodes the stored form of an ArpEntry.
func ParseArpEntry(s string) (ArpEntry, error) {
	f := strings.Split(s, ";")
	if len(f) != 4 {
		return ArpEntry{}, fmt.Errorf("midonet: bad ARP entry %q", s)
	}
	var e ArpEntry
	if f[0] != "null" {
		m, err := ParseMAC(f[0])
		if err != nil {
			return ArpEntry{}, err
		}
		e.MAC = &m
	}
	var err error
	for i, p := range []*int64{&e.Expiry, &e.Stale, &e.LastArp} {
		if *p, err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return ArpEntry{}, fmt.Errorf("midonet: bad ARP entry %q: %w", s, err)
		}
	}
	return e, nil
}

// Codec converts table keys or values to and from their entry text.
type Codec[T any] struct {
	Encode func(T) string
	Decode func(string) (T, error)
}

// The reference's encodings (StateTableEncoder).
var (
	MACCodec  = Codec[MAC]{Encode: MAC.String, Decode: ParseMAC}
	UUIDCodec = Codec[uuid.UUID]{Encode: uuid.UUID.String, Decode: uuid.Parse}
	IPv4Codec = Codec[netip.Addr]{Encode: netip.Addr.String, Decode: func(s string) (netip.Addr, error) {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return netip.Addr{}, fmt.Errorf("midonet: bad IPv4 address %q", s)
		}
		return a, nil
	}}
	ArpEntryCodec = Codec[ArpEntry]{Encode: ArpEntry.String, Decode: ParseArpEntry}
)

// TypedTable is a state table with typed keys and values.
type TypedTable[K comparable, V any] struct {
	Raw   *zoom.Table
	Key   Codec[K]
	Value Codec[V]
}

// Add adds a learned (ephemeral) entry.
func (t TypedTable[K, V]) Add(ctx context.Context, k K, v V) error {
	return t.Raw.Add(ctx, t.Key.Encode(k), t.Value.Encode(v))
}

// AddPersistent adds a persistent entry.
func (t TypedTable[K, V]) AddPersistent(ctx context.Context, k K, v V) error {
	return t.Raw.AddPersistent(ctx, t.Key.Encode(k), t.Value.Encode(v))
}

// Remove removes this session's learned entry of k; it reports whether
// something was removed.
func (t TypedTable[K, V]) Remove(ctx context.Context, k K) (bool, error) {
	v, err := t.Raw.Remove(ctx, t.Key.Encode(k), "")
	return v != "", err
}

// RemovePersistent removes a persistent entry.
func (t TypedTable[K, V]) RemovePersistent(ctx context.Context, k K, v V) error {
	return t.Raw.RemovePersistent(ctx, t.Key.Encode(k), t.Value.Encode(v))
}

// Entry is a key and value of a typed table.
type Entry[K comparable, V any] struct {
	Key   K
	Value V
}

// UpdatePersistent adds and removes persistent entries in a few multis
// (zoom.Table.UpdatePersistent).
func (t TypedTable[K, V]) UpdatePersistent(ctx context.Context, add, remove []Entry[K, V]) error {
	enc := func(es []Entry[K, V]) []zoom.TablePair {
		out := make([]zoom.TablePair, len(es))
		for i, e := range es {
			out[i] = zoom.TablePair{Key: t.Key.Encode(e.Key), Value: t.Value.Encode(e.Value)}
		}
		return out
	}
	return t.Raw.UpdatePersistent(ctx, enc(add), enc(remove))
}

// Get returns the value of k.
func (t TypedTable[K, V]) Get(ctx context.Context, k K) (V, bool, error) {
	var zero V
	s, ok, err := t.Raw.Get(ctx, t.Key.Encode(k))
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := t.Value.Decode(s)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// Snapshot returns the whole table; undecodable entries are skipped, as
// the reference does.
func (t TypedTable[K, V]) Snapshot(ctx context.Context) (map[K]V, error) {
	raw, err := t.Raw.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[K]V, len(raw))
	for ks, vs := range raw {
		k, err1 := t.Key.Decode(ks)
		v, err2 := t.Value.Decode(vs)
		if err1 == nil && err2 == nil {
			out[k] = v
		}
	}
	return out, nil
}

func typed[K comparable, V any](ctx context.Context, st *zoom.Store, cls, name string,
	kc Codec[K], vc Codec[V], id uuid.UUID, args ...string) (TypedTable[K, V], error) {
	c, _ := models.ClassByName(cls)
	raw, err := st.Table(ctx, c.New(), id, name, args...)
	if err != nil {
		return TypedTable[K, V]{}, err
	}
	return TypedTable[K, V]{Raw: raw, Key: kc, Value: vc}, nil
}

// BridgeMacTable is a bridge's MAC → port table for one VLAN (0 = untagged).
func BridgeMacTable(ctx context.Context, st *zoom.Store, bridgeID uuid.UUID, vlan uint16) (TypedTable[MAC, uuid.UUID], error) {
	return typed(ctx, st, "Network", MacTable, MACCodec, UUIDCodec, bridgeID, strconv.Itoa(int(vlan)))
}

// BridgeIP4MacTable is a bridge's IPv4 → MAC (ARP suppression) table.
func BridgeIP4MacTable(ctx context.Context, st *zoom.Store, bridgeID uuid.UUID) (TypedTable[netip.Addr, MAC], error) {
	return typed(ctx, st, "Network", Ip4MacTable, IPv4Codec, MACCodec, bridgeID)
}

// RouterArpTable is a router's ARP cache.
func RouterArpTable(ctx context.Context, st *zoom.Store, routerID uuid.UUID) (TypedTable[netip.Addr, ArpEntry], error) {
	return typed(ctx, st, "Router", ArpTable, IPv4Codec, ArpEntryCodec, routerID)
}

// PortPeeringTable is a (VTEP router) port's MAC → IPv4 table.
func PortPeeringTable(ctx context.Context, st *zoom.Store, portID uuid.UUID) (TypedTable[MAC, netip.Addr], error) {
	return typed(ctx, st, "Port", PeeringTable, MACCodec, IPv4Codec, portID)
}
