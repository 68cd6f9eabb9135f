package vxgw

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ovn-org/libovsdb/model"
	"github.com/ovn-org/libovsdb/ovsdb"
)

// LogicalSwitchPrefix starts the name of every Logical_Switch MidoNet owns;
// the rest of the name is the network's UUID in lowercase canonical form.
const LogicalSwitchPrefix = "mn-"

// LogicalSwitchName is the name of the VTEP logical switch of a network.
func LogicalSwitchName(networkID string) string {
	return LogicalSwitchPrefix + strings.ToLower(networkID)
}

// NetworkIDFromLogicalSwitch returns the network id of a MidoNet logical
// switch name, or false for switches MidoNet does not own.
func NetworkIDFromLogicalSwitch(name string) (string, bool) {
	id, ok := strings.CutPrefix(name, LogicalSwitchPrefix)
	return id, ok && id != ""
}

// PortVLAN binds a VLAN (0 = untagged) of a VTEP's physical port.
type PortVLAN struct {
	PortName string
	VLAN     uint16
}

// RemoteMAC is a MAC of a MidoNet port that the VTEP must send to a tunnel
// endpoint (the IP, in the VTEP's tunnel zone, of the host the port is
// bound to). IP is the port's IPv4 address when known, else "".
type RemoteMAC struct {
	MAC      string
	IP       string
	TunnelIP string
}

// NetworkBinding is everything the VTEP must know about one bound network.
type NetworkBinding struct {
	NetworkID  string
	VNI        uint32
	Bindings   []PortVLAN
	RemoteMACs []RemoteMAC
}

// DesiredState is the complete state MidoNet wants on one VTEP. Logical
// switches named mn-* that are not in it are removed from the VTEP.
type DesiredState struct {
	Networks []NetworkBinding
	// FloodingProxyIP is where the VTEP sends frames for unknown MACs
	// (Mcast_Macs_Remote unknown-dst); "" means none.
	FloodingProxyIP string
}

// clone deep-copies d, so that callers may reuse their slices.
func (d DesiredState) clone() DesiredState {
	out := DesiredState{FloodingProxyIP: d.FloodingProxyIP, Networks: make([]NetworkBinding, len(d.Networks))}
	for i, n := range d.Networks {
		n.Bindings = slices.Clone(n.Bindings)
		n.RemoteMACs = slices.Clone(n.RemoteMACs)
		out.Networks[i] = n
	}
	return out
}

// PhysicalSwitch is what a VTEP says about itself.
type PhysicalSwitch struct {
	UUID          string
	Name          string
	Description   string
	ManagementIPs []string
	TunnelIPs     []string
	Ports         []PhysicalPort
}

// PhysicalPort is one of a VTEP's physical ports.
type PhysicalPort struct {
	UUID        string
	Name        string
	Description string
}

// PhysicalSwitch returns the switch whose management IPs contain
// managementIP, else the first one (some VTEPs leave management_ips empty),
// and false when the database has no switch yet.
func (c *Conn) PhysicalSwitch(managementIP string) (PhysicalSwitch, bool) {
	switches := listRows[PhysicalSwitchRow](c, tablePhysicalSwitch)
	if len(switches) == 0 {
		return PhysicalSwitch{}, false
	}
	slices.SortFunc(switches, func(a, b *PhysicalSwitchRow) int { return strings.Compare(a.Name, b.Name) })
	chosen := switches[0]
	for _, s := range switches {
		if managementIP != "" && slices.Contains(s.ManagementIPs, managementIP) {
			chosen = s
			break
		}
	}
	ps := PhysicalSwitch{
		UUID: chosen.UUID, Name: chosen.Name, Description: chosen.Description,
		ManagementIPs: slices.Clone(chosen.ManagementIPs), TunnelIPs: slices.Clone(chosen.TunnelIPs),
	}
	slices.Sort(ps.ManagementIPs)
	slices.Sort(ps.TunnelIPs)
	for _, id := range chosen.Ports {
		if p := row[PhysicalPortRow](c, tablePhysicalPort, id); p != nil {
			ps.Ports = append(ps.Ports, PhysicalPort{UUID: p.UUID, Name: p.Name, Description: p.Description})
		}
	}
	slices.SortFunc(ps.Ports, func(a, b PhysicalPort) int { return strings.Compare(a.Name, b.Name) })
	return ps, true
}

// Reconcile makes the VTEP's database match want: logical switches (created
// with tunnel_key = VNI, removed with their MAC rows and port bindings),
// port VLAN bindings, remote unicast MACs and the unknown-dst flooding
// entry. It reads the session's replica, writes only differences, and is
// idempotent: after a reconnection it repairs whatever changed meanwhile.
// Each phase is one transaction; later phases need the UUIDs of the
// switches the first one created.
func (c *Conn) Reconcile(ctx context.Context, ps PhysicalSwitch, want DesiredState, log *slog.Logger) error {
	if err := c.reconcileSwitches(ctx, want, log); err != nil {
		return fmt.Errorf("logical switches: %w", err)
	}
	lsByName := c.logicalSwitchesByName()
	if err := c.reconcileBindings(ctx, ps, want, lsByName, log); err != nil {
		return fmt.Errorf("port bindings: %w", err)
	}
	if err := c.reconcileMACs(ctx, want, lsByName); err != nil {
		return fmt.Errorf("remote MACs: %w", err)
	}
	return nil
}

func (c *Conn) logicalSwitchesByName() map[string]*LogicalSwitchRow {
	out := map[string]*LogicalSwitchRow{}
	for _, ls := range listRows[LogicalSwitchRow](c, tableLogicalSwitch) {
		out[ls.Name] = ls
	}
	return out
}

func (c *Conn) reconcileSwitches(ctx context.Context, want DesiredState, log *slog.Logger) error {
	wantVNI := map[string]int{}
	for _, n := range want.Networks {
		wantVNI[LogicalSwitchName(n.NetworkID)] = int(n.VNI)
	}
	existing := c.logicalSwitchesByName()
	var ops []ovsdb.Operation
	deleted := map[string][]string{}
	names := slices.Sorted(maps.Keys(wantVNI))
	for i, name := range names {
		vni := wantVNI[name]
		ls, ok := existing[name]
		switch {
		case !ok:
			op, err := c.client.Create(&LogicalSwitchRow{UUID: "ls" + strconv.Itoa(i), Name: name, TunnelKey: &vni})
			if err != nil {
				return err
			}
			ops = append(ops, op...)
		case ls.TunnelKey == nil || *ls.TunnelKey != vni:
			// The VNI belongs to the network and never changes in MidoNet;
			// a different key on the VTEP is stale: repair it.
			log.Warn("logical switch has a wrong tunnel key, rewriting it", "switch", name, "want", vni)
			upd := &LogicalSwitchRow{UUID: ls.UUID, TunnelKey: &vni}
			op, err := c.client.Where(upd).Update(upd, &upd.TunnelKey)
			if err != nil {
				return err
			}
			ops = append(ops, op...)
		}
	}
	var stale []string
	for name, ls := range existing {
		if _, mine := NetworkIDFromLogicalSwitch(name); !mine {
			continue
		}
		if _, wanted := wantVNI[name]; !wanted {
			stale = append(stale, ls.UUID)
		}
	}
	if len(stale) > 0 {
		op, err := c.deleteSwitchesOps(stale)
		if err != nil {
			return err
		}
		ops = append(ops, op...)
		deleted[tableLogicalSwitch] = stale
	}
	return c.transact(ctx, ops, deleted)
}

// deleteSwitchesOps removes logical switches, every MAC row of them (remote
// and local: the server refuses to delete a switch still referenced) and
// every port binding to them. Ports are rewritten once for all switches, as
// several updates of one port in a transaction would overwrite each other.
func (c *Conn) deleteSwitchesOps(lsUUIDs []string) ([]ovsdb.Operation, error) {
	var ops []ovsdb.Operation
	gone := map[string]bool{}
	for _, ls := range lsUUIDs {
		gone[ls] = true
		for _, m := range []model.Model{&UcastMacsRemoteRow{}, &UcastMacsLocalRow{}, &McastMacsRemoteRow{}, &McastMacsLocalRow{}} {
			var field any
			switch r := m.(type) {
			case *UcastMacsRemoteRow:
				field = &r.LogicalSwitch
			case *UcastMacsLocalRow:
				field = &r.LogicalSwitch
			case *McastMacsRemoteRow:
				field = &r.LogicalSwitch
			case *McastMacsLocalRow:
				field = &r.LogicalSwitch
			}
			op, err := c.client.WhereAll(m, model.Condition{Field: field, Function: ovsdb.ConditionEqual, Value: ls}).Delete()
			if err != nil {
				return nil, err
			}
			ops = append(ops, op...)
		}
	}
	for _, p := range listRows[PhysicalPortRow](c, tablePhysicalPort) {
		bindings, stats := maps.Clone(p.VLANBindings), maps.Clone(p.VLANStats)
		changed := false
		for vlan, ls := range p.VLANBindings {
			if gone[ls] {
				delete(bindings, vlan)
				delete(stats, vlan)
				changed = true
			}
		}
		if changed {
			op, err := c.updatePortOps(p.UUID, bindings, stats)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op...)
		}
	}
	for _, ls := range lsUUIDs {
		del, err := c.client.Where(&LogicalSwitchRow{UUID: ls}).Delete()
		if err != nil {
			return nil, err
		}
		ops = append(ops, del...)
	}
	return ops, nil
}

func (c *Conn) updatePortOps(portUUID string, bindings, stats map[int]string) ([]ovsdb.Operation, error) {
	if bindings == nil {
		bindings = map[int]string{}
	}
	if stats == nil {
		stats = map[int]string{}
	}
	upd := &PhysicalPortRow{UUID: portUUID, VLANBindings: bindings, VLANStats: stats}
	return c.client.Where(upd).Update(upd, &upd.VLANBindings, &upd.VLANStats)
}

func (c *Conn) reconcileBindings(ctx context.Context, ps PhysicalSwitch, want DesiredState, lsByName map[string]*LogicalSwitchRow, log *slog.Logger) error {
	// Logical switches MidoNet owns: their bindings are entirely ours to set.
	ours := map[string]bool{}
	for name, ls := range lsByName {
		if _, mine := NetworkIDFromLogicalSwitch(name); mine {
			ours[ls.UUID] = true
		}
	}
	wantByPort := map[string]map[int]string{}
	for _, n := range want.Networks {
		ls, ok := lsByName[LogicalSwitchName(n.NetworkID)]
		if !ok {
			return fmt.Errorf("logical switch of network %s missing after creation", n.NetworkID)
		}
		for _, b := range n.Bindings {
			if wantByPort[b.PortName] == nil {
				wantByPort[b.PortName] = map[int]string{}
			}
			wantByPort[b.PortName][int(b.VLAN)] = ls.UUID
		}
	}
	var ops []ovsdb.Operation
	known := map[string]bool{}
	for _, port := range ps.Ports {
		known[port.Name] = true
		p := row[PhysicalPortRow](c, tablePhysicalPort, port.UUID)
		if p == nil {
			continue
		}
		bindings := map[int]string{}
		for vlan, ls := range p.VLANBindings {
			if !ours[ls] {
				bindings[vlan] = ls
			}
		}
		for vlan, ls := range wantByPort[port.Name] {
			if other, taken := bindings[vlan]; taken && other != ls {
				log.Warn("VLAN of port bound to a foreign logical switch; rebinding it to MidoNet's",
					"port", port.Name, "vlan", vlan, "foreign_switch", other)
			}
			bindings[vlan] = ls
		}
		if maps.Equal(bindings, p.VLANBindings) {
			continue
		}
		stats := map[int]string{}
		for vlan, s := range p.VLANStats {
			// Statistics follow a binding; drop those of changed VLANs.
			if b, ok := bindings[vlan]; ok && b == p.VLANBindings[vlan] {
				stats[vlan] = s
			}
		}
		op, err := c.updatePortOps(p.UUID, bindings, stats)
		if err != nil {
			return err
		}
		ops = append(ops, op...)
	}
	for name := range wantByPort {
		if !known[name] {
			log.Warn("binding names a port the VTEP does not have; skipped", "port", name, "switch", ps.Name)
		}
	}
	return c.transact(ctx, ops, nil)
}

// locators finds or creates Physical_Locator rows inside one transaction.
type locators struct {
	c        *Conn
	byIP     map[string]string // dst_ip → UUID or named UUID
	setByLoc map[string]string // locator UUID → locator set UUID or named UUID
	ops      []ovsdb.Operation
}

func newLocators(c *Conn) *locators {
	l := &locators{c: c, byIP: map[string]string{}, setByLoc: map[string]string{}}
	for _, r := range listRows[PhysicalLocatorRow](c, tablePhysicalLocator) {
		if r.EncapsulationType == encapsulationVXLANOverIPv4 && r.TunnelKey == nil {
			l.byIP[r.DstIP] = r.UUID
		}
	}
	for _, r := range listRows[PhysicalLocatorSetRow](c, tablePhysicalLocatorSet) {
		if len(r.Locators) == 1 {
			l.setByLoc[r.Locators[0]] = r.UUID
		}
	}
	return l
}

func (l *locators) locator(ip string) (string, error) {
	if id, ok := l.byIP[ip]; ok {
		return id, nil
	}
	name := "loc" + strconv.Itoa(len(l.ops))
	op, err := l.c.client.Create(&PhysicalLocatorRow{UUID: name, EncapsulationType: encapsulationVXLANOverIPv4, DstIP: ip})
	if err != nil {
		return "", err
	}
	l.ops = append(l.ops, op...)
	l.byIP[ip] = name
	return name, nil
}

func (l *locators) set(ip string) (string, error) {
	loc, err := l.locator(ip)
	if err != nil {
		return "", err
	}
	if id, ok := l.setByLoc[loc]; ok {
		return id, nil
	}
	name := "set" + strconv.Itoa(len(l.ops))
	op, err := l.c.client.Create(&PhysicalLocatorSetRow{UUID: name, Locators: []string{loc}})
	if err != nil {
		return "", err
	}
	l.ops = append(l.ops, op...)
	l.setByLoc[loc] = name
	return name, nil
}

func (c *Conn) reconcileMACs(ctx context.Context, want DesiredState, lsByName map[string]*LogicalSwitchRow) error {
	locs := newLocators(c)
	locatorIP := map[string]string{}
	for ip, id := range locs.byIP {
		locatorIP[id] = ip
	}
	ucastByLS := map[string]map[string][]*UcastMacsRemoteRow{}
	for _, r := range listRows[UcastMacsRemoteRow](c, tableUcastMacsRemote) {
		if ucastByLS[r.LogicalSwitch] == nil {
			ucastByLS[r.LogicalSwitch] = map[string][]*UcastMacsRemoteRow{}
		}
		ucastByLS[r.LogicalSwitch][r.MAC] = append(ucastByLS[r.LogicalSwitch][r.MAC], r)
	}
	mcastByLS := map[string][]*McastMacsRemoteRow{}
	for _, r := range listRows[McastMacsRemoteRow](c, tableMcastMacsRemote) {
		mcastByLS[r.LogicalSwitch] = append(mcastByLS[r.LogicalSwitch], r)
	}
	setLocators := map[string][]string{}
	for _, r := range listRows[PhysicalLocatorSetRow](c, tablePhysicalLocatorSet) {
		setLocators[r.UUID] = r.Locators
	}

	var deletes, inserts []ovsdb.Operation
	deleted := map[string][]string{}
	deleteRow := func(table string, m model.Model, id string) error {
		op, err := c.client.Where(m).Delete()
		if err != nil {
			return err
		}
		deletes = append(deletes, op...)
		deleted[table] = append(deleted[table], id)
		return nil
	}
	for _, n := range want.Networks {
		ls := lsByName[LogicalSwitchName(n.NetworkID)]
		if ls == nil {
			return fmt.Errorf("logical switch of network %s missing", n.NetworkID)
		}
		existing := ucastByLS[ls.UUID]
		wanted := map[string]RemoteMAC{}
		for _, m := range n.RemoteMACs {
			if m.TunnelIP != "" { // no tunnel endpoint: the VTEP floods to the proxy
				wanted[strings.ToLower(m.MAC)] = m
			}
		}
		for _, mac := range slices.Sorted(maps.Keys(wanted)) {
			m := wanted[mac]
			rows := existing[mac]
			if len(rows) == 1 && rows[0].IPAddr == m.IP && locatorIP[rows[0].Locator] == m.TunnelIP {
				continue
			}
			// Wrong or duplicated rows for this MAC go, whatever their ipaddr
			// (the reference only matched ipaddr == "" and left stale rows).
			for _, r := range rows {
				if err := deleteRow(tableUcastMacsRemote, &UcastMacsRemoteRow{UUID: r.UUID}, r.UUID); err != nil {
					return err
				}
			}
			loc, err := locs.locator(m.TunnelIP)
			if err != nil {
				return err
			}
			op, err := c.client.Create(&UcastMacsRemoteRow{MAC: mac, LogicalSwitch: ls.UUID, Locator: loc, IPAddr: m.IP})
			if err != nil {
				return err
			}
			inserts = append(inserts, op...)
		}
		for mac, rows := range existing {
			if _, ok := wanted[mac]; ok {
				continue
			}
			for _, r := range rows {
				if err := deleteRow(tableUcastMacsRemote, &UcastMacsRemoteRow{UUID: r.UUID}, r.UUID); err != nil {
					return err
				}
			}
		}

		// Flooding: exactly one unknown-dst row pointing at {proxy}, or none.
		var keep bool
		for _, r := range mcastByLS[ls.UUID] {
			ok := !keep && want.FloodingProxyIP != "" && r.MAC == UnknownDstMAC && r.IPAddr == "" &&
				len(setLocators[r.LocatorSet]) == 1 && locatorIP[setLocators[r.LocatorSet][0]] == want.FloodingProxyIP
			if ok {
				keep = true
				continue
			}
			if err := deleteRow(tableMcastMacsRemote, &McastMacsRemoteRow{UUID: r.UUID}, r.UUID); err != nil {
				return err
			}
		}
		if want.FloodingProxyIP != "" && !keep {
			set, err := locs.set(want.FloodingProxyIP)
			if err != nil {
				return err
			}
			op, err := c.client.Create(&McastMacsRemoteRow{MAC: UnknownDstMAC, LogicalSwitch: ls.UUID, LocatorSet: set})
			if err != nil {
				return err
			}
			inserts = append(inserts, op...)
		}
	}
	// Deletes first so that a MAC moving to another locator never has two
	// rows; locators before the rows that name them.
	ops := append(append(deletes, locs.ops...), inserts...)
	return c.transact(ctx, ops, deleted)
}
