package restapi

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/models"
)

// State tables are not topology objects: the agents learn their entries
// and the API adds and removes persistent ones. The REST layer reaches
// them through StateTables (Options.StateTables), which the object store's
// state tables implement; the reference's names and value formats are used
// so both implementations see the same entries.
const (
	// MACTable is a bridge's MAC → port table, one per VLAN (argument
	// the VLAN id in decimal; "0" = untagged). Keys are MACs
	// ("aa:bb:cc:dd:ee:ff"), values port UUIDs.
	MACTable = "mac_table"
	// ARPTable is a bridge's IPv4 → MAC table: what the API calls the ARP
	// table is the reference's "ip4_mac_table" ("arp_table" is a router's
	// ARP cache, not exposed).
	ARPTable = "ip4_mac_table"
	// PeeringTable is a router port's MAC → IPv4 table of remote peers.
	PeeringTable = "peering_table"
)

// StateEntry is one key/value entry of a state table, in its string form.
type StateEntry struct{ Key, Value string }

// StateTable is one state table of one object.
type StateTable interface {
	// Snapshot lists the entries, learned and persistent.
	Snapshot(ctx context.Context) ([]StateEntry, error)
	// Contains reports whether the table maps key to value.
	Contains(ctx context.Context, key, value string) (bool, error)
	// AddPersistent adds an entry that outlives its writer's session.
	AddPersistent(ctx context.Context, key, value string) error
	// RemovePersistent removes a persistent entry; removing a missing
	// entry is not an error.
	RemovePersistent(ctx context.Context, key, value string) error
}

// StateTables opens the state tables of objects: class is the model class
// name ("Network", "Port"), name one of MACTable, ARPTable, PeeringTable,
// args the table's arguments (the VLAN of a MAC table).
type StateTables interface {
	Table(ctx context.Context, class string, id uuid.UUID, name string, args ...string) (StateTable, error)
	// TableArguments lists the argument values for which the object has a
	// table (the VLANs of a bridge's MAC tables).
	TableArguments(ctx context.Context, class string, id uuid.UUID, name string) ([]string, error)
}

// ErrStateTableConflict is what a StateTable returns (wrapped) when a write
// lost a race; the API answers 409 "Conflicting write".
var ErrStateTableConflict = errors.New("conflicting state table write")

// stateTablesFamily is the family of bridge MAC and ARP tables and router-port
// peering tables.
func stateTablesFamily() family {
	macTypes := single("MacPort-v2").withJSON()
	macColl := collection("MacPort-v2").withJSON()
	arpColl := collection("IP4Mac-v1").withJSON()
	// The reference's peering-table collection type lacks "collection.".
	peering := single("MacIp-v1").withJSON()
	var out []endpoint
	for _, prefix := range []string{"/bridges/{id}", "/bridges/{id}/vlans/{vlan}"} {
		out = append(out,
			endpoint{method: "GET", path: prefix + "/mac_table", produces: macColl, serve: listMACTable},
			endpoint{method: "POST", path: prefix + "/mac_table", consumes: macTypes, serve: addMACEntry},
			endpoint{method: "GET", path: prefix + "/mac_table/{entry}", produces: macTypes, serve: getMACEntry},
			endpoint{method: "DELETE", path: prefix + "/mac_table/{entry}", serve: removeMACEntry},
		)
	}
	out = append(out,
		endpoint{method: "GET", path: "/bridges/{id}/arp_table", produces: arpColl, serve: listARPTable},
		endpoint{method: "POST", path: "/bridges/{id}/arp_table", consumes: single("IP4Mac-v1"), serve: addARPEntry},
		endpoint{method: "GET", path: "/bridges/{id}/arp_table/{entry}", produces: single("IP4Mac-v1").withJSON(), serve: getARPEntry},
		endpoint{method: "DELETE", path: "/bridges/{id}/arp_table/{entry}", serve: removeARPEntry},
	)
	for _, prefix := range []string{"/routers/{rid}/ports/{id}", "/ports/{id}"} {
		out = append(out,
			endpoint{method: "GET", path: prefix + "/peering_table", produces: peering, serve: listPeeringTable},
			endpoint{method: "POST", path: prefix + "/peering_table", consumes: single("MacIp-v1"), serve: addPeeringEntry},
			endpoint{method: "GET", path: prefix + "/peering_table/{entry}", produces: peering, serve: getPeeringEntry},
			endpoint{method: "DELETE", path: prefix + "/peering_table/{entry}", serve: removePeeringEntry},
		)
	}
	return family{endpoints: out}
}

func (c *call) tables() (StateTables, error) {
	if c.h.stateTables == nil {
		return nil, errorf(http.StatusNotFound, "Resource not found")
	}
	return c.h.stateTables, nil
}

// tableError maps the state-table errors of the sheet: write conflicts 409.
func tableError(err error) error {
	if errors.Is(err, ErrStateTableConflict) {
		return &Error{Status: http.StatusConflict, Message: "Conflicting write", Err: err}
	}
	return err
}

// parseMAC accepts "aa:bb:..." and "aa-bb-..." and returns the colon form.
func parseMAC(s string) (string, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "-", ":"))
	return s, macPattern.MatchString(s)
}

func dashMAC(mac string) string { return strings.ReplaceAll(mac, ":", "-") }

// --- MAC table --------------------------------------------------------------

// bridgeVLANs are the VLANs a bridge's MAC table can be addressed by:
// untagged, those with a table, and those of its ports.
func (c *call) bridgeVLANs(tables StateTables, bridge *models.Network) ([]uint32, error) {
	vlans := []uint32{0}
	args, err := tables.TableArguments(c.ctx(), "Network", toUUID(bridge.Id), MACTable)
	if err != nil {
		return nil, tableError(err)
	}
	for _, a := range args {
		if v, err := strconv.ParseUint(a, 10, 16); err == nil && !slices.Contains(vlans, uint32(v)) {
			vlans = append(vlans, uint32(v))
		}
	}
	for _, pid := range toUUIDs(bridge.PortIds) {
		p, err := loadAs[*models.Port](c, pid)
		if err == nil && !slices.Contains(vlans, p.GetVlanId()) {
			vlans = append(vlans, p.GetVlanId())
		}
	}
	slices.Sort(vlans)
	return vlans, nil
}

// macTableScope resolves /bridges/{id}[/vlans/{vlan}]: the bridge, the
// VLAN of the path (ok false when absent) and the tables.
func (c *call) macTableScope() (*models.Network, uint32, bool, StateTables, error) {
	tables, err := c.tables()
	if err != nil {
		return nil, 0, false, nil, err
	}
	id, err := c.pathID("id")
	if err != nil {
		return nil, 0, false, nil, err
	}
	bridge, err := loadAs[*models.Network](c, id)
	if err != nil {
		return nil, 0, false, nil, err
	}
	raw := c.r.PathValue("vlan")
	if raw == "" {
		return bridge, 0, false, tables, nil
	}
	v, perr := strconv.ParseUint(raw, 10, 16)
	if perr != nil {
		return nil, 0, false, nil, errorf(http.StatusNotFound, "Resource not found")
	}
	vlans, err := c.bridgeVLANs(tables, bridge)
	if err != nil {
		return nil, 0, false, nil, err
	}
	if !slices.Contains(vlans, uint32(v)) {
		return nil, 0, false, nil, errorf(http.StatusNotFound, "The specified bridge has no ports assigned to VLAN %d.", v)
	}
	return bridge, uint32(v), true, tables, nil
}

// macTable opens the bridge's MAC table of one VLAN (0: untagged).
func (c *call) macTable(tables StateTables, bridge *models.Network, vlan uint32) (StateTable, error) {
	t, err := tables.Table(c.ctx(), "Network", toUUID(bridge.Id), MACTable, strconv.Itoa(int(vlan)))
	if err != nil {
		return nil, tableError(err)
	}
	return t, nil
}

func (c *call) macPortURI(bridge uuid.UUID, vlan uint32, mac, port string) string {
	entry := dashMAC(mac) + "_" + port
	if vlan != 0 {
		return c.uri("bridges", bridge.String(), "vlans", strconv.Itoa(int(vlan)), "mac_table", entry)
	}
	return c.uri("bridges", bridge.String(), "mac_table", entry)
}

func (c *call) macPort(bridge uuid.UUID, vlan uint32, mac, port string) object {
	return object{{"macAddr", mac}, {"portId", port}, {"vlanId", vlan}, {"uri", c.macPortURI(bridge, vlan, mac, port)}}
}

func listMACTable(c *call) error {
	bridge, vlan, scoped, tables, err := c.macTableScope()
	if err != nil {
		return err
	}
	vlans := []uint32{vlan}
	if !scoped {
		if vlans, err = c.bridgeVLANs(tables, bridge); err != nil {
			return err
		}
	}
	out := []object{}
	for _, v := range vlans {
		t, err := c.macTable(tables, bridge, v)
		if err != nil {
			return err
		}
		entries, err := t.Snapshot(c.ctx())
		if err != nil {
			return tableError(err)
		}
		for _, e := range entries {
			out = append(out, c.macPort(toUUID(bridge.Id), v, e.Key, e.Value))
		}
	}
	return c.ok(out)
}

// macEntryName parses {mac-with-dashes}_{portId}.
func (c *call) macEntryName() (string, uuid.UUID, error) {
	macPart, portPart, ok := strings.Cut(c.r.PathValue("entry"), "_")
	mac, macOK := parseMAC(macPart)
	if !ok || !macOK {
		return "", uuid.Nil, errorf(http.StatusBadRequest, "MAC address must consist of six pairs of hex digits separated by hyphens, e.g., 12-34-56-78-9a-bc.")
	}
	port, err := parseUUID(portPart)
	if err != nil {
		return "", uuid.Nil, errorf(http.StatusNotFound, "Resource not found")
	}
	return mac, port, nil
}

// macEntry is the bridge MAC-table entry a URI names, with its table.
type macEntry struct {
	table  StateTable
	bridge uuid.UUID
	vlan   uint32
	mac    string
	port   string
}

// macEntryOf resolves /bridges/{id}[/vlans/{vlan}]/mac_table/{entry}: the
// scope, then the entry ({mac-with-dashes}_{portId}), then its table.
func (c *call) macEntryOf() (macEntry, error) {
	bridge, vlan, _, tables, err := c.macTableScope()
	if err != nil {
		return macEntry{}, err
	}
	mac, port, err := c.macEntryName()
	if err != nil {
		return macEntry{}, err
	}
	t, err := c.macTable(tables, bridge, vlan)
	if err != nil {
		return macEntry{}, err
	}
	return macEntry{table: t, bridge: toUUID(bridge.Id), vlan: vlan, mac: mac, port: port.String()}, nil
}

func getMACEntry(c *call) error {
	e, err := c.macEntryOf()
	if err != nil {
		return err
	}
	ok, err := e.table.Contains(c.ctx(), e.mac, e.port)
	if err != nil {
		return tableError(err)
	}
	if !ok {
		return errorf(http.StatusNotFound, "The specified bridge does not have the specified MAC-port mapping.")
	}
	return c.ok(c.macPort(e.bridge, e.vlan, e.mac, e.port))
}

func addMACEntry(c *call) error {
	bridge, vlan, scoped, tables, err := c.macTableScope()
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	var viols []Violation
	macRaw, _ := decodeString(orEmpty(body["macAddr"]))
	switch {
	case macRaw == "":
		viols = append(viols, Violation{Property: "macAddr", Message: "may not be null"})
	case !macPattern.MatchString(macRaw):
		viols = append(viols, Violation{Property: "macAddr", Message: `must match "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$"`})
	}
	var port uuid.UUID
	if raw, ok := body["portId"]; !ok || isNull(raw) {
		viols = append(viols, Violation{Property: "portId", Message: "may not be null"})
	} else if port, err = decodeUUID(raw); err != nil {
		return badJSON("portId", err)
	}
	if len(viols) > 0 {
		return invalid(viols...)
	}
	if !scoped {
		if raw, ok := body["vlanId"]; ok && !isNull(raw) {
			n, err := decodeInt(raw)
			if err != nil || n < 0 || n > 4095 {
				return badJSON("vlanId", errors.New("expected a VLAN id"))
			}
			vlan = uint32(n)
		}
	}
	p, err := loadAs[*models.Port](c, port)
	if err != nil {
		return err
	}
	if toUUID(p.NetworkId) != toUUID(bridge.Id) {
		return errorf(http.StatusBadRequest, "The port must belong to the bridge that owns the MAC table.")
	}
	if p.GetVlanId() != 0 && p.GetVlanId() != vlan {
		return errorf(http.StatusBadRequest, "The specified port handles traffic only for VLAN %d.", p.GetVlanId())
	}
	mac := strings.ToLower(macRaw)
	t, err := c.macTable(tables, bridge, vlan)
	if err != nil {
		return err
	}
	if err := t.AddPersistent(c.ctx(), mac, port.String()); err != nil {
		return tableError(err)
	}
	return c.created(c.macPortURI(toUUID(bridge.Id), vlan, mac, port.String()))
}

func removeMACEntry(c *call) error {
	e, err := c.macEntryOf()
	if err != nil {
		return err
	}
	if err := e.table.RemovePersistent(c.ctx(), e.mac, e.port); err != nil {
		return tableError(err)
	}
	return c.noContent()
}

// --- ARP and peering tables (IPv4 ↔ MAC pairs) ------------------------------

// pairTable describes the two IP/MAC tables: which object owns them and
// in which direction keys go.
type pairTable struct {
	class, name string
	macIsKey    bool // peering: MAC → IP; ARP: IP → MAC
	notFound    string
	// owner checks that the table's owner, named by the path, exists.
	owner func(c *call, id uuid.UUID) error
}

var (
	arpTable = pairTable{class: "Network", name: ARPTable, owner: exists[*models.Network],
		notFound: "The specified bridge does not have the specified ARP table entry."}
	peeringTable = pairTable{class: "Port", name: PeeringTable, macIsKey: true, owner: routerPortExists,
		notFound: "{midokura.javarx.PeeringEntryNotFound.message}"}
)

// routerPortExists checks the port of a peering table, and that it is the
// router's of the path when the path names one.
func routerPortExists(c *call, id uuid.UUID) error {
	port, err := loadAs[*models.Port](c, id)
	if err != nil {
		return err
	}
	if rid := c.r.PathValue("rid"); rid != "" && toUUID(port.RouterId).String() != rid {
		return errorf(http.StatusNotFound, "Resource not found")
	}
	return nil
}

// open checks the owner exists (404) and opens its table.
func (pt pairTable) open(c *call) (StateTable, uuid.UUID, error) {
	tables, err := c.tables()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := c.pathID("id")
	if err != nil {
		return nil, uuid.Nil, err
	}
	if err := pt.owner(c, id); err != nil {
		return nil, uuid.Nil, err
	}
	t, err := tables.Table(c.ctx(), pt.class, id, pt.name)
	if err != nil {
		return nil, uuid.Nil, tableError(err)
	}
	return t, id, nil
}

func (pt pairTable) kv(ip, mac string) (string, string) {
	if pt.macIsKey {
		return mac, ip
	}
	return ip, mac
}

func (pt pairTable) ipMAC(e StateEntry) (string, string) {
	if pt.macIsKey {
		return e.Value, e.Key
	}
	return e.Key, e.Value
}

// collectionURI is the table's URI as the client addressed it.
func (pt pairTable) collectionURI(c *call, id uuid.UUID) string {
	if pt.class == "Network" {
		return c.uri("bridges", id.String(), "arp_table")
	}
	if rid := c.r.PathValue("rid"); rid != "" {
		return c.uri("routers", rid, "ports", id.String(), "peering_table")
	}
	return c.uri("ports", id.String(), "peering_table")
}

func (pt pairTable) object(c *call, id uuid.UUID, ip, mac string) object {
	return object{{"ip", ip}, {"mac", mac}, {"uri", pt.collectionURI(c, id) + "/" + ip + "_" + dashMAC(mac)}}
}

// entry parses {ip}_{mac}.
func (pt pairTable) entry(c *call) (string, string, error) {
	ipPart, macPart, ok := strings.Cut(c.r.PathValue("entry"), "_")
	addr, err := netip.ParseAddr(ipPart)
	if !ok || err != nil || !addr.Is4() {
		return "", "", errorf(http.StatusBadRequest, "is not a valid IP address")
	}
	mac, macOK := parseMAC(macPart)
	if !macOK {
		return "", "", errorf(http.StatusBadRequest, "MAC address must consist of six pairs of hex digits separated by hyphens, e.g., 12-34-56-78-9a-bc.")
	}
	return addr.String(), mac, nil
}

func (pt pairTable) list(c *call) error {
	t, id, err := pt.open(c)
	if err != nil {
		return err
	}
	entries, err := t.Snapshot(c.ctx())
	if err != nil {
		return tableError(err)
	}
	out := []object{}
	for _, e := range entries {
		ip, mac := pt.ipMAC(e)
		out = append(out, pt.object(c, id, ip, mac))
	}
	return c.ok(out)
}

// openEntry opens the table and parses the entry the path names.
func (pt pairTable) openEntry(c *call) (t StateTable, id uuid.UUID, ip, mac string, err error) {
	if t, id, err = pt.open(c); err != nil {
		return nil, id, "", "", err
	}
	ip, mac, err = pt.entry(c)
	return t, id, ip, mac, err
}

func (pt pairTable) get(c *call) error {
	t, id, ip, mac, err := pt.openEntry(c)
	if err != nil {
		return err
	}
	k, v := pt.kv(ip, mac)
	ok, err := t.Contains(c.ctx(), k, v)
	if err != nil {
		return tableError(err)
	}
	if !ok {
		return errorf(http.StatusNotFound, "%s", pt.notFound)
	}
	return c.ok(pt.object(c, id, ip, mac))
}

func (pt pairTable) add(c *call) error {
	t, id, err := pt.open(c)
	if err != nil {
		return err
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	ipRaw, _ := decodeString(orEmpty(body["ip"]))
	macRaw, _ := decodeString(orEmpty(body["mac"]))
	var viols []Violation
	if ipRaw == "" {
		viols = append(viols, Violation{Property: "ip", Message: "may not be null"})
	}
	if macRaw == "" {
		viols = append(viols, Violation{Property: "mac", Message: "may not be null"})
	}
	if len(viols) > 0 {
		return invalid(viols...)
	}
	addr, perr := netip.ParseAddr(strings.TrimSpace(ipRaw))
	if perr != nil || !addr.Is4() {
		return errorf(http.StatusBadRequest, "is not a valid IP address")
	}
	if !macPattern.MatchString(macRaw) {
		return errorf(http.StatusBadRequest, "MAC address string must be 6 words of 1 or 2 hex digits joined with 5 ':'")
	}
	mac := strings.ToLower(macRaw)
	k, v := pt.kv(addr.String(), mac)
	if err := t.AddPersistent(c.ctx(), k, v); err != nil {
		return tableError(err)
	}
	return c.created(pt.collectionURI(c, id) + "/" + addr.String() + "_" + dashMAC(mac))
}

func (pt pairTable) remove(c *call) error {
	t, _, ip, mac, err := pt.openEntry(c)
	if err != nil {
		return err
	}
	k, v := pt.kv(ip, mac)
	if err := t.RemovePersistent(c.ctx(), k, v); err != nil {
		return tableError(err)
	}
	return c.noContent()
}

func listARPTable(c *call) error       { return arpTable.list(c) }
func getARPEntry(c *call) error        { return arpTable.get(c) }
func addARPEntry(c *call) error        { return arpTable.add(c) }
func removeARPEntry(c *call) error     { return arpTable.remove(c) }
func listPeeringTable(c *call) error   { return peeringTable.list(c) }
func getPeeringEntry(c *call) error    { return peeringTable.get(c) }
func addPeeringEntry(c *call) error    { return peeringTable.add(c) }
func removePeeringEntry(c *call) error { return peeringTable.remove(c) }
