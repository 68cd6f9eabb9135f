package neutron

import (
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet/models"
)

// FWaaS operations of the random L3 sequence, drawn from their own seeded
// generator (l3World.fwRng) so they interleave with the L3 operations
// without changing which L3 operations are drawn. They follow what the
// plugin sends: a firewall's create only when it has routers,
// add-router-ids the routers currently associated, last-router=true when
// the last one goes (MidoNet forgets the firewall, Neutron keeps it and a
// later update with routers recreates it); a router is in one firewall at
// most and leaves it before its delete; logs go before their firewall.

// l3Firewall is a firewall as the plugin knows it.
type l3Firewall struct {
	id      *models.UUID
	up      bool
	rules   []*models.NeutronFirewallRule
	routers []*models.UUID
	inMido  bool           // translated (created, not forgotten by last-router)
	logs    []*models.UUID // its firewall logs
}

// l3Fwaas is the FWaaS state of the sequence.
type l3Fwaas struct {
	fws   []*l3Firewall
	logLR map[string]*models.UUID // firewall log → its logging resource
	ops   int                     // operations drawn; every tenth is checked
	// loggersChecked counts the rule loggers the checks found in place.
	loggersChecked int
}

func (w *l3World) fwMsg(f *l3Firewall, del []*models.UUID, last bool) *models.NeutronFirewall {
	fw := nFirewall(f.id, f.up, slices.Clone(f.rules), slices.Clone(f.routers), del)
	fw.LastRouter = proto.Bool(last)
	return fw
}

// freeRouters are the routers in no firewall.
func (w *l3World) freeRouters() []*models.UUID {
	var out []*models.UUID
	for _, r := range w.routers {
		if w.firewallOf(r.nr.GetId()) == nil {
			out = append(out, r.nr.GetId())
		}
	}
	return out
}

func (w *l3World) firewallOf(r *models.UUID) *l3Firewall {
	for _, f := range w.fw.fws {
		if slices.ContainsFunc(f.routers, r.Equal) {
			return f
		}
	}
	return nil
}

func (w *l3World) newFwRule() *models.NeutronFirewallRule {
	rng := w.fwRng
	r := fwRule(newID(), func(r *models.NeutronFirewallRule) {
		r.Enabled = proto.Bool(rng.IntN(4) > 0)
		if rng.IntN(2) == 0 {
			r.Action = models.NeutronFirewallRule_ALLOW.Enum()
		}
		r.DestinationPort = proto.String(fmt.Sprintf("%d", 1+rng.IntN(1000)))
	})
	return r
}

// firewallOp draws one FWaaS operation; every tenth is followed by a
// check of the whole FWaaS translation.
func (w *l3World) firewallOp() {
	w.fw.ops++
	if w.fw.ops%10 == 0 {
		defer w.checkFirewalls()
	}
	rng := w.fwRng
	fws := w.fw.fws
	switch k := rng.IntN(12); {
	case k <= 1 || len(fws) == 0:
		f := &l3Firewall{id: newID(), up: rng.IntN(4) > 0}
		for range rng.IntN(4) {
			f.rules = append(f.rules, w.newFwRule())
		}
		if free := w.freeRouters(); len(free) > 0 && rng.IntN(3) > 0 {
			f.routers = append(f.routers, free[rng.IntN(len(free))])
		}
		if len(f.routers) > 0 || rng.IntN(2) == 0 {
			w.fx.create(w.fwMsg(f, nil, false))
			f.inMido = true
		}
		w.fw.fws = append(w.fw.fws, f)
		w.done["create firewall"]++
	case k <= 3:
		// Rules changed (added, dropped, toggled, reordered, action
		// flipped) or the admin state flipped.
		f := fws[rng.IntN(len(fws))]
		switch j := rng.IntN(5); {
		case j == 0 || len(f.rules) == 0:
			f.rules = append(f.rules, w.newFwRule())
		case j == 1:
			f.rules = slices.Delete(slices.Clone(f.rules), 0, 1)
		case j == 2:
			i := rng.IntN(len(f.rules))
			r := proto.Clone(f.rules[i]).(*models.NeutronFirewallRule)
			r.Enabled = proto.Bool(!r.GetEnabled())
			r.Action = models.NeutronFirewallRule_FirewallRuleAction(1 - r.GetAction()).Enum()
			f.rules = slices.Clone(f.rules)
			f.rules[i] = r
		case j == 3:
			f.rules = slices.Clone(f.rules)
			slices.Reverse(f.rules)
		default:
			f.up = !f.up
		}
		w.fx.update(w.fwMsg(f, nil, false))
		f.inMido = true
		w.done["update firewall rules"]++
	case k <= 5:
		// A router joins (an update naming the current routers).
		f := fws[rng.IntN(len(fws))]
		free := w.freeRouters()
		if len(free) == 0 {
			return
		}
		f.routers = append(slices.Clone(f.routers), free[rng.IntN(len(free))])
		w.fx.update(w.fwMsg(f, nil, false))
		f.inMido = true
		w.done["add firewall router"]++
	case k == 6:
		f := fws[rng.IntN(len(fws))]
		if len(f.routers) == 0 {
			return
		}
		w.removeFirewallRouter(f, f.routers[rng.IntN(len(f.routers))])
	case k == 7:
		i := rng.IntN(len(fws))
		w.deleteFirewall(fws[i])
		w.fw.fws = slices.Delete(w.fw.fws, i, i+1)
	default:
		w.firewallLogOp()
	}
}

// removeFirewallRouter takes a router out of its firewall: del-router-ids
// with the rest, last-router when none is left (its logs go first then).
func (w *l3World) removeFirewallRouter(f *l3Firewall, r *models.UUID) {
	f.routers = slices.DeleteFunc(slices.Clone(f.routers), r.Equal)
	last := len(f.routers) == 0
	if last {
		w.deleteFirewallLogs(f)
		w.done["last-router"]++
	}
	w.fx.update(w.fwMsg(f, []*models.UUID{r}, last))
	f.inMido = !last
	w.done["remove firewall router"]++
}

// removeRouterFirewall is the plugin's order before a router's delete.
func (w *l3World) removeRouterFirewall(r *l3Router) {
	if f := w.firewallOf(r.nr.GetId()); f != nil {
		w.removeFirewallRouter(f, r.nr.GetId())
	}
}

func (w *l3World) deleteFirewall(f *l3Firewall) {
	w.deleteFirewallLogs(f)
	w.fx.delete(&models.NeutronFirewall{}, f.id)
	w.done["delete firewall"]++
}

func (w *l3World) deleteFirewallLogs(f *l3Firewall) {
	for _, l := range f.logs {
		w.fx.delete(&models.FirewallLog{}, l)
		delete(w.fw.logLR, l.Canonical())
	}
	f.logs = nil
}

// firewallLogOp adds a log to a translated firewall (on a new or an
// existing logging resource), changes a log's event, deletes a log, or
// updates or deletes a logging resource (with its logs).
func (w *l3World) firewallLogOp() {
	rng := w.fwRng
	if w.fw.logLR == nil {
		w.fw.logLR = map[string]*models.UUID{}
	}
	logs := slices.Sorted(maps.Keys(w.fw.logLR))
	var lrs []*models.UUID
	for _, l := range logs {
		if lr := w.fw.logLR[l]; !slices.ContainsFunc(lrs, lr.Equal) {
			lrs = append(lrs, lr)
		}
	}
	events := []models.LogEvent{models.LogEvent_ACCEPT, models.LogEvent_DROP, models.LogEvent_ALL}
	switch k := rng.IntN(6); {
	case k <= 1 || len(logs) == 0:
		var on []*l3Firewall
		for _, f := range w.fw.fws {
			if f.inMido {
				on = append(on, f)
			}
		}
		if len(on) == 0 {
			return
		}
		f := on[rng.IntN(len(on))]
		lr := newID()
		if len(lrs) > 0 && rng.IntN(2) == 0 {
			lr = lrs[rng.IntN(len(lrs))]
		}
		l := newID()
		w.fx.create(fwLog(l, f.id, lr, events[rng.IntN(3)]))
		f.logs = append(f.logs, l)
		w.fw.logLR[l.Canonical()] = lr
		w.done["create firewall log"]++
	case k == 2:
		l := logs[rng.IntN(len(logs))]
		f := w.firewallOfLog(l)
		w.fx.update(fwLog(w.logID(l), f.id, w.fw.logLR[l], events[rng.IntN(3)]))
		w.done["update firewall log"]++
	case k == 3:
		l := logs[rng.IntN(len(logs))]
		f := w.firewallOfLog(l)
		w.fx.delete(&models.FirewallLog{}, w.logID(l))
		f.logs = slices.DeleteFunc(f.logs, w.logID(l).Equal)
		delete(w.fw.logLR, l)
		w.done["delete firewall log"]++
	case k == 4:
		w.fx.update(&models.NeutronLoggingResource{Id: lrs[rng.IntN(len(lrs))], Enabled: proto.Bool(rng.IntN(2) == 0)})
		w.done["update logging resource"]++
	default:
		lr := lrs[rng.IntN(len(lrs))]
		w.fx.delete(&models.NeutronLoggingResource{}, lr)
		for _, l := range logs {
			if w.fw.logLR[l].Equal(lr) {
				f := w.firewallOfLog(l)
				f.logs = slices.DeleteFunc(f.logs, w.logID(l).Equal)
				delete(w.fw.logLR, l)
			}
		}
		w.done["delete logging resource"]++
	}
}

func (w *l3World) logID(l string) *models.UUID {
	id, err := models.ParseUUID(l)
	if err != nil {
		panic(err)
	}
	return id
}

func (w *l3World) firewallOfLog(l string) *l3Firewall {
	for _, f := range w.fw.fws {
		if slices.ContainsFunc(f.logs, w.logID(l).Equal) {
			return f
		}
	}
	panic("log of no firewall " + l)
}

// checkFirewalls: each translated firewall has its chain with its enabled
// rules and its routers' jumps, the others none; each log its logger on
// its firewall's chain; each logging resource as many loggers as logs; no
// jump anywhere leads to a missing chain.
func (w *l3World) checkFirewalls() {
	fx := w.fx
	fx.t.Helper()
	loggers := map[string]int{}
	for _, f := range w.fw.fws {
		if !f.inMido {
			fx.validateFirewallGone(f.id)
			continue
		}
		var enabled []*models.UUID
		for _, r := range f.rules {
			if r.GetEnabled() {
				enabled = append(enabled, r.GetId())
			}
		}
		fx.validateFirewall(f.id, enabled, f.up, f.routers, nil)
		for _, l := range f.logs {
			rl := fixtureGet[*models.RuleLogger](fx, g(l))
			if g(rl.GetChainId()) != FwdChainID(g(f.id)) {
				fx.t.Errorf("firewall log %s on chain %v", l.Canonical(), rl.GetChainId())
			}
			loggers[w.fw.logLR[l.Canonical()].Canonical()]++
			w.fw.loggersChecked++
		}
	}
	for _, lr := range getAllOf[*models.LoggingResource](fx) {
		if n := len(lr.GetLoggerIds()); n != loggers[lr.GetId().Canonical()] {
			fx.t.Errorf("logging resource %s has %d loggers, want %d", lr.GetId().Canonical(), n, loggers[lr.GetId().Canonical()])
		}
		delete(loggers, lr.GetId().Canonical())
	}
	if len(loggers) != 0 {
		fx.t.Errorf("logging resources missing: %v", loggers)
	}
	for _, r := range getAllOf[*models.Rule](fx) {
		if j := r.GetJumpRuleData().GetJumpChainId(); j != nil && !fx.exists(&models.Chain{}, g(j)) {
			fx.t.Errorf("jump rule %s leads to missing chain %s", r.GetId().Canonical(), j.Canonical())
		}
	}
}

// deleteFirewalls deletes every firewall with its logs.
func (w *l3World) deleteFirewalls() {
	for _, f := range w.fw.fws {
		w.deleteFirewall(f)
	}
	w.fw.fws = nil
}
