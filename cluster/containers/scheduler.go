package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// EventKind is what the scheduler decided for a container.
type EventKind int

const (
	// Schedule: bind the container's port to Host.
	Schedule EventKind = iota + 1
	// Unschedule: unbind the container's port from Host.
	Unschedule
	// Up: the container runs at its host (Status is the report).
	Up
	// Down: the container stopped running (Status, when known).
	Down
	// Notify: someone else moved the container to Host; the scheduler
	// follows.
	Notify
)

func (k EventKind) String() string {
	return [...]string{"?", "schedule", "unschedule", "up", "down", "notify"}[k]
}

// Event is one scheduling decision about a container.
type Event struct {
	Kind      EventKind
	Container *models.ServiceContainer
	Host      uuid.UUID
	Status    *models.ContainerStatus
}

func (e Event) String() string {
	return fmt.Sprintf("%s container %s host %s", e.Kind, e.Container.GetId().ToGoogle(), e.Host)
}

// hostState is what the scheduler knows of a host: whether its agent runs
// the container service (the host's "container" state key holds a
// parsable ContainerServiceStatus) and that status.
type hostState struct {
	running bool
	status  *models.ContainerServiceStatus
}

func (h hostState) eligible() bool  { return h.running && h.status.GetWeight() > 0 }
func (h hostState) available() bool { return h.status.GetQuota() != 0 }

// feedback is why a container's scheduling is re-evaluated, as the
// reference's feedback loop.
type feedback int

const (
	statusFeedback feedback = iota
	timeoutFeedback
	retryFeedback
)

// phase of a container's state machine.
type phase int

const (
	down        phase = iota // not scheduled (maybe retrying)
	scheduled                // port bound to host, waiting for RUNNING
	rescheduled              // moved from oldHost to host, waiting for RUNNING
	up                       // RUNNING at host
)

// container is the scheduling state of one service container.
type container struct {
	id      uuid.UUID
	obj     *models.ServiceContainer
	port    *models.Port // latest port value (nil: none or deleted)
	portNew bool         // port changed by someone else since our last own decision (the reference's portReady)
	// portLoaded: the port's first value (or its absence) is known; the
	// container is not placed before, as a new leader must see an
	// existing binding first.
	portLoaded bool
	// echoes are the bindings our own decisions will write, in order
	// (uuid.Nil for an unbinding): port values matching one are ours, not
	// someone else's move.
	echoes []uuid.UUID
	fb     feedback // latest feedback (kept, as combineLatest does)

	phase         phase
	host, oldHost uuid.UUID
	attempts      int
	timer         *time.Timer
	timerGen      int

	bad       map[uuid.UUID]time.Time // host → when it stops being bad
	seenHosts map[uuid.UUID]bool      // running hosts at the last evaluation

	namespace   uuid.UUID // host namespace whose status key is watched
	stopStatus  context.CancelFunc
	stopPort    context.CancelFunc
	watchedPort uuid.UUID
}

// Scheduler places service containers on hosts. It runs in one goroutine
// (Run): watches and timers hand their observations to it, so the state
// needs no locks.
type Scheduler struct {
	st  *zoom.Store
	cfg Config
	log *slog.Logger
	// now is the clock of bad-host lifetimes.
	now func() time.Time
	// rand picks weighted hosts.
	rand *rand.Rand

	ctx    context.Context
	loop   chan func()
	failed chan error
	emit   func(Event)

	hosts      map[uuid.UUID]hostState
	hostWatch  map[uuid.UUID]context.CancelFunc
	groups     map[uuid.UUID]*models.ServiceContainerGroup
	containers map[uuid.UUID]*container
}

// NewScheduler makes a scheduler over st.
func NewScheduler(st *zoom.Store, cfg Config, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{st: st, cfg: cfg, log: log, now: time.Now, rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// loopBuffer is how many observations may wait for the scheduler.
const loopBuffer = 4096

// Run schedules every service container until ctx ends (nil) or a watch
// fails (its error, e.g. a session expiry): emit gets every decision, in
// order, from Run's goroutine. Stopping emits nothing for the containers it
// leaves: the next leader takes them over as they are.
func (s *Scheduler) Run(ctx context.Context, emit func(Event)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.ctx, s.emit = ctx, emit
	s.loop = make(chan func(), loopBuffer)
	s.failed = make(chan error, 1)
	s.hosts = map[uuid.UUID]hostState{}
	s.hostWatch = map[uuid.UUID]context.CancelFunc{}
	s.groups = map[uuid.UUID]*models.ServiceContainerGroup{}
	s.containers = map[uuid.UUID]*container{}
	defer func() {
		for _, c := range s.containers {
			s.stopTimer(c)
		}
	}()

	// Watch first, then read the current hosts and groups, so that
	// nothing is missed and containers (whose events are handled after
	// the reads) are placed knowing every host.
	for _, w := range []struct {
		model  proto.Message
		handle func(zoom.ObjectEvent)
	}{
		{&models.Host{}, s.hostEvent},
		{&models.ServiceContainerGroup{}, s.groupEvent},
		{&models.ServiceContainer{}, s.containerEvent},
	} {
		ch, err := s.st.WatchClass(ctx, w.model)
		if err != nil {
			return err
		}
		go s.forward(ch, w.handle)
	}
	hosts, err := s.st.GetAll(ctx, &models.Host{})
	if err != nil {
		return err
	}
	for _, h := range hosts {
		id := h.(*models.Host).GetId().ToGoogle()
		sv, err := s.st.GetKey(ctx, id.String(), &models.Host{}, id, midonet.ContainerKey)
		if err != nil && !errors.Is(err, zoom.ErrNotFound) {
			return err
		}
		s.hosts[id] = parseHostState(sv)
	}
	groups, err := s.st.GetAll(ctx, &models.ServiceContainerGroup{})
	if err != nil {
		return err
	}
	for _, g := range groups {
		s.groups[g.(*models.ServiceContainerGroup).GetId().ToGoogle()] = g.(*models.ServiceContainerGroup)
	}

	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-s.failed:
			return err
		case f := <-s.loop:
			f()
		}
	}
}

// post hands f to the scheduler's goroutine (dropped once it stops).
func (s *Scheduler) post(f func()) {
	select {
	case s.loop <- f:
	case <-s.ctx.Done():
	}
}

// fail ends Run with err (the first failure wins).
func (s *Scheduler) fail(err error) {
	select {
	case s.failed <- err:
	default:
	}
}

// forward hands the events of an object watch to the scheduler; a watch
// that fails fails the scheduler.
func (s *Scheduler) forward(ch <-chan zoom.ObjectEvent, handle func(zoom.ObjectEvent)) {
	for ev := range ch {
		if ev.Kind == zoom.Failed {
			if s.ctx.Err() == nil {
				s.fail(fmt.Errorf("watching %s: %w", ev.Class, ev.Err))
			}
			continue
		}
		s.post(func() { handle(ev) })
	}
}

// forwardKey hands the values of a state-key watch to the scheduler; a
// watch that ends with an error (not a deletion of its object) fails it.
func (s *Scheduler) forwardKey(ctx context.Context, ch <-chan zoom.StateEvent, handle func(zoom.StateValue)) {
	for ev := range ch {
		if ev.Err != nil {
			if ctx.Err() == nil && !errors.Is(ev.Err, zoom.ErrNotFound) {
				s.fail(fmt.Errorf("watching a state key: %w", ev.Err))
			}
			continue
		}
		s.post(func() {
			if ctx.Err() == nil {
				handle(ev.Value)
			}
		})
	}
}

func parseHostState(sv zoom.StateValue) hostState {
	if !sv.Exists {
		return hostState{}
	}
	status := &models.ContainerServiceStatus{}
	if err := models.Unmarshal([]byte(sv.Value), status); err != nil {
		return hostState{}
	}
	return hostState{running: true, status: status}
}

func (s *Scheduler) hostEvent(ev zoom.ObjectEvent) {
	id, err := uuid.Parse(ev.ID)
	if err != nil {
		return
	}
	switch ev.Kind {
	case zoom.Created:
		if _, ok := s.hostWatch[id]; ok {
			return
		}
		ctx, cancel := context.WithCancel(s.ctx)
		s.hostWatch[id] = cancel
		ch, err := s.st.WatchKey(ctx, id.String(), &models.Host{}, id, midonet.ContainerKey)
		if err != nil {
			// Deleted meanwhile: its Deleted event follows.
			s.setHost(id, hostState{})
			return
		}
		go s.forwardKey(ctx, ch, func(sv zoom.StateValue) { s.setHost(id, parseHostState(sv)) })
	case zoom.Deleted:
		if cancel, ok := s.hostWatch[id]; ok {
			cancel()
			delete(s.hostWatch, id)
		}
		if _, ok := s.hosts[id]; ok {
			delete(s.hosts, id)
			s.hostsChanged()
		}
	}
}

func (s *Scheduler) setHost(id uuid.UUID, h hostState) {
	if _, watched := s.hostWatch[id]; !watched {
		return
	}
	old, ok := s.hosts[id]
	if ok && old.running == h.running && proto.Equal(old.status, h.status) {
		return
	}
	s.hosts[id] = h
	s.hostsChanged()
}

// hostsChanged re-evaluates every container (the reference's shared host
// selector emits to every container's scheduler).
func (s *Scheduler) hostsChanged() {
	for _, c := range s.containers {
		s.evaluate(c)
	}
}

func (s *Scheduler) groupEvent(ev zoom.ObjectEvent) {
	id, err := uuid.Parse(ev.ID)
	if err != nil {
		return
	}
	switch ev.Kind {
	case zoom.Created, zoom.Updated:
		g := ev.Obj.(*models.ServiceContainerGroup)
		_, had := s.groups[id]
		s.groups[id] = g
		// Only a group appearing matters to its containers: the selector
		// is the same whatever the policy, and the policy applies at the
		// next selection (the reference does not move containers on a
		// policy change either).
		if !had {
			for _, c := range s.containers {
				if c.obj.GetServiceGroupId().ToGoogle() == id {
					s.evaluate(c)
				}
			}
		}
	case zoom.Deleted:
		delete(s.groups, id)
		for _, c := range s.containers {
			if c.obj.GetServiceGroupId().ToGoogle() == id {
				s.evaluate(c)
			}
		}
	}
}

func (s *Scheduler) containerEvent(ev zoom.ObjectEvent) {
	id, err := uuid.Parse(ev.ID)
	if err != nil {
		return
	}
	c := s.containers[id]
	switch ev.Kind {
	case zoom.Created, zoom.Updated:
		obj := ev.Obj.(*models.ServiceContainer)
		if c == nil {
			s.log.Info("new service container", "container", id)
			c = &container{id: id, obj: obj, bad: map[uuid.UUID]time.Time{}, seenHosts: map[uuid.UUID]bool{}}
			s.containers[id] = c
			s.watchPort(c)
			s.evaluate(c)
			return
		}
		if proto.Equal(c.obj.GetPortId(), obj.GetPortId()) && proto.Equal(c.obj.GetServiceGroupId(), obj.GetServiceGroupId()) {
			c.obj = obj
			return
		}
		// The group or port changed: any scheduling is invalid (the old
		// port is unbound), then the container is placed afresh.
		s.invalidate(c)
		c.obj = obj
		s.watchPort(c)
		s.evaluate(c)
	case zoom.Deleted:
		if c == nil {
			return
		}
		s.log.Info("service container deleted", "container", id)
		if c.phase != down {
			s.log.Info("unscheduling the deleted container", "container", id, "host", c.host)
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: c.host})
		}
		s.stopTimer(c)
		s.setNamespace(c, uuid.Nil)
		if c.stopPort != nil {
			c.stopPort()
		}
		delete(s.containers, id)
	}
}

// invalidate drops the container's scheduling, as the reference does when
// the container's configuration changes or it is deleted.
func (s *Scheduler) invalidate(c *container) {
	switch c.phase {
	case down:
		return
	case scheduled, rescheduled:
		s.log.Info("cancelling scheduling: the container changed", "container", c.id, "host", c.host)
		s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: c.host})
	case up:
		s.log.Info("removing the container from its host: the container changed", "container", c.id, "host", c.host)
		s.emitEvent(c, Event{Kind: Down, Container: c.obj})
		s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: c.host})
	}
	s.toDown(c, 0)
}

// watchPort follows the container's port (its host binding tells whether
// someone else moved the container).
func (s *Scheduler) watchPort(c *container) {
	portID := c.obj.GetPortId().ToGoogle()
	if c.obj.GetPortId() != nil && portID == c.watchedPort {
		return
	}
	if c.stopPort != nil {
		c.stopPort()
		c.stopPort = nil
	}
	c.port, c.portNew, c.watchedPort, c.portLoaded, c.echoes = nil, false, portID, false, nil
	if c.obj.GetPortId() == nil {
		c.portLoaded = true
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c.stopPort = cancel
	ch, err := s.st.Watch(ctx, &models.Port{}, portID)
	if err != nil {
		if !errors.Is(err, zoom.ErrNotFound) && ctx.Err() == nil {
			s.fail(fmt.Errorf("watching port %s: %w", portID, err))
		}
		c.portLoaded = true
		return
	}
	go func() {
		for ev := range ch {
			if ev.Kind == zoom.Failed {
				if ctx.Err() == nil {
					s.fail(fmt.Errorf("watching port %s: %w", portID, ev.Err))
				}
				continue
			}
			s.post(func() {
				if ctx.Err() != nil || s.containers[c.id] != c {
					return
				}
				if ev.Kind == zoom.Deleted {
					c.port = nil
				} else {
					c.port = ev.Obj.(*models.Port)
				}
				if !c.portLoaded {
					c.portLoaded, c.portNew = true, true
					s.evaluate(c)
					return
				}
				bound := c.port.GetHostId().ToGoogle()
				for i, e := range c.echoes {
					if e == bound {
						// Our own write: not a move by someone else, but
						// a new input all the same (as in the reference).
						c.echoes = c.echoes[i+1:]
						s.evaluate(c)
						return
					}
				}
				c.portNew = true
				s.evaluate(c)
			})
		}
	}()
}

// setNamespace follows the container's status key in host's namespace.
func (s *Scheduler) setNamespace(c *container, host uuid.UUID) {
	if host == c.namespace {
		return
	}
	if c.stopStatus != nil {
		c.stopStatus()
		c.stopStatus = nil
	}
	c.namespace = host
	if host == uuid.Nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c.stopStatus = cancel
	ch, err := s.st.WatchKey(ctx, host.String(), &models.ServiceContainer{}, c.id, midonet.StatusKey)
	if err != nil {
		return // the container is gone: its deletion follows
	}
	go s.forwardKey(ctx, ch, func(sv zoom.StateValue) {
		if s.containers[c.id] != c {
			return
		}
		var status *models.ContainerStatus
		if sv.Exists {
			status = &models.ContainerStatus{}
			if err := models.Unmarshal([]byte(sv.Value), status); err != nil {
				s.log.Warn("unreadable container status", "container", c.id, "err", err)
				status = nil
			}
		}
		if s.statusUpdated(c, status) {
			c.fb = statusFeedback
			s.evaluate(c)
		}
	})
}

func (s *Scheduler) emitEvent(c *container, ev Event) {
	switch ev.Kind {
	case Schedule:
		c.portNew = false
		c.echoes = append(c.echoes, ev.Host)
	case Unschedule:
		c.portNew = false
		c.echoes = append(c.echoes, uuid.Nil)
	}
	s.emit(ev)
}

// startTimer arms the container's single timer: after d, run f unless the
// timer was replaced or stopped meanwhile (the reference unsubscribes).
func (s *Scheduler) startTimer(c *container, d time.Duration, f func()) {
	s.stopTimer(c)
	gen := c.timerGen
	c.timer = time.AfterFunc(d, func() {
		s.post(func() {
			if c.timerGen == gen && s.containers[c.id] == c {
				c.timer = nil
				f()
			}
		})
	})
}

func (s *Scheduler) stopTimer(c *container) {
	c.timerGen++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

func (s *Scheduler) toDown(c *container, attempts int) {
	s.stopTimer(c)
	c.phase, c.host, c.oldHost, c.attempts = down, uuid.Nil, uuid.Nil, attempts
}

// downWithRetry is Down with a retry after scheduler_retry.
func (s *Scheduler) downWithRetry(c *container, attempts int) {
	s.toDown(c, attempts)
	s.startTimer(c, s.cfg.SchedulerRetry, func() {
		if c.phase == down {
			s.log.Info("retrying container scheduling", "container", c.id, "attempt", attempts+1,
				"of", s.cfg.SchedulerMaxRetries)
			c.fb = retryFeedback
			s.evaluate(c)
		}
	})
}

// scheduleWithTimeout binds the container to host (from old, when moving)
// and waits scheduler_timeout for it to run there.
func (s *Scheduler) scheduleWithTimeout(c *container, host, old uuid.UUID) {
	s.stopTimer(c)
	c.phase, c.host, c.oldHost = scheduled, host, uuid.Nil
	if old != uuid.Nil {
		c.phase, c.oldHost = rescheduled, old
	}
	s.startTimer(c, s.cfg.SchedulerTimeout, func() {
		if (c.phase == scheduled || c.phase == rescheduled) && c.host == host {
			s.log.Warn("container did not start in time: the host is bad for a while; rescheduling",
				"container", c.id, "host", host, "timeout", s.cfg.SchedulerTimeout,
				"bad_for", s.cfg.SchedulerBadHostLifetime)
			c.bad[host] = s.now().Add(s.cfg.SchedulerBadHostLifetime)
			c.fb = timeoutFeedback
			s.evaluate(c)
		}
	})
}

// evaluate is the reference's schedule step: reconcile the container's
// state with its port binding, the hosts and its group.
func (s *Scheduler) evaluate(c *container) {
	if !c.portLoaded {
		return
	}
	group, ready := s.groups[c.obj.GetServiceGroupId().ToGoogle()]
	if c.obj.GetServiceGroupId() == nil {
		ready = false
	}
	if !ready {
		// Waiting for the group: any earlier scheduling is invalid.
		s.invalidate(c)
		return
	}
	fb := c.fb
	var oldHost uuid.UUID
	if c.portNew && c.port != nil {
		if c.port.GetHostId() != nil {
			s.bindingSet(c, c.port.GetHostId().ToGoogle(), fb)
		} else {
			oldHost = s.bindingCleared(c, fb)
		}
	}

	running := map[uuid.UUID]hostState{}
	for id, h := range s.hosts {
		if h.eligible() {
			running[id] = h
		}
	}
	now := s.now()
	for id := range running {
		if !c.seenHosts[id] {
			delete(c.bad, id) // a host that (re)starts is given another chance
		}
	}
	for id, until := range c.bad {
		if until.Before(now) {
			delete(c.bad, id)
		}
	}
	c.seenHosts = map[uuid.UUID]bool{}
	for id := range running {
		c.seenHosts[id] = true
	}
	eligible := map[uuid.UUID]hostState{}
	for id, h := range running {
		if _, bad := c.bad[id]; !bad {
			eligible[id] = h
		}
	}
	var selected uuid.UUID
	if _, ok := eligible[c.host]; c.host != uuid.Nil && ok {
		selected = c.host
	} else {
		available := map[uuid.UUID]hostState{}
		for id, h := range eligible {
			if h.available() {
				available[id] = h
			}
		}
		selected = s.selectHost(available, group.GetPolicy())
	}
	if selected != uuid.Nil || c.namespace != uuid.Nil {
		s.setNamespace(c, selected)
	}

	switch c.phase {
	case down:
		switch {
		case selected != uuid.Nil:
			s.log.Info("scheduling container", "container", c.id, "host", selected, "timeout", s.cfg.SchedulerTimeout)
			s.scheduleWithTimeout(c, selected, oldHost)
			s.emitEvent(c, Event{Kind: Schedule, Container: c.obj, Host: selected})
		case c.attempts < s.cfg.SchedulerMaxRetries:
			s.log.Warn("cannot schedule container: no hosts available; retrying", "container", c.id,
				"in", s.cfg.SchedulerRetry)
			if fb == retryFeedback {
				s.downWithRetry(c, c.attempts+1)
			} else {
				s.downWithRetry(c, 0)
			}
		default:
			// Out of retries: wait for something to change.
			s.toDown(c, 0)
		}
	case scheduled, rescheduled:
		switch {
		case selected == c.host:
		case selected != uuid.Nil:
			from := c.host
			s.log.Info("rescheduling container", "container", c.id, "from", from, "to", selected)
			s.scheduleWithTimeout(c, selected, from)
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: from})
			s.emitEvent(c, Event{Kind: Schedule, Container: c.obj, Host: selected})
		default:
			from := c.host
			s.log.Warn("cancelling scheduling: no hosts available", "container", c.id, "host", from)
			s.toDown(c, 0)
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: from})
		}
	case up:
		switch {
		case selected == c.host:
		case selected != uuid.Nil:
			from := c.host
			s.log.Info("moving running container", "container", c.id, "from", from, "to", selected)
			s.scheduleWithTimeout(c, selected, from)
			s.emitEvent(c, Event{Kind: Down, Container: c.obj})
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: from})
			s.emitEvent(c, Event{Kind: Schedule, Container: c.obj, Host: selected})
		default:
			from := c.host
			s.log.Warn("container's host left and no hosts are available", "container", c.id, "host", from)
			s.toDown(c, 0)
			s.emitEvent(c, Event{Kind: Down, Container: c.obj})
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: from})
		}
	}
}

// bindingSet handles a port bound to host by someone else (or the echo of
// our own binding).
func (s *Scheduler) bindingSet(c *container, host uuid.UUID, fb feedback) {
	switch {
	case c.phase == down && fb == retryFeedback && c.attempts == s.cfg.SchedulerMaxRetries:
		s.log.Warn("container bound to a host did not start after a retry: the host is bad for a while",
			"container", c.id, "host", host, "bad_for", s.cfg.SchedulerBadHostLifetime)
		s.toDown(c, 0)
		c.bad[host] = s.now().Add(s.cfg.SchedulerBadHostLifetime)
		s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: host})
	case c.phase == down:
		s.log.Info("container already bound to a host: waiting for it to run", "container", c.id, "host", host)
		s.scheduleWithTimeout(c, host, uuid.Nil)
	case host != c.host:
		s.log.Info("container moved by someone else: following", "container", c.id, "from", c.host, "to", host)
		s.emitEvent(c, Event{Kind: Notify, Container: c.obj, Host: host})
		s.scheduleWithTimeout(c, host, uuid.Nil)
	}
}

// bindingCleared handles a port unbound by someone else; it returns the
// host the container leaves, if any.
func (s *Scheduler) bindingCleared(c *container, fb feedback) uuid.UUID {
	switch c.phase {
	case scheduled, up:
		host := c.host
		if fb != timeoutFeedback {
			s.log.Info("container unbound by someone else: rescheduling", "container", c.id, "host", host)
		}
		s.toDown(c, 0)
		return host
	case rescheduled:
		if fb == timeoutFeedback {
			host := c.host
			s.toDown(c, 0)
			return host
		}
	}
	return uuid.Nil
}

// statusUpdated applies a status report of the container (nil: none) and
// says whether scheduling must be re-evaluated.
func (s *Scheduler) statusUpdated(c *container, status *models.ContainerStatus) bool {
	code := status.GetStatusCode()
	reportedBy := status.GetHostId().ToGoogle()
	switch c.phase {
	case down:
		if status != nil && code == models.ContainerStatus_RUNNING {
			// Running while we think it is down: reschedule.
			s.toDown(c, 0)
			return true
		}
	case scheduled, rescheduled:
		if status == nil || reportedBy != c.host {
			return false
		}
		switch code {
		case models.ContainerStatus_ERROR:
			s.log.Warn("container failed to start: the host is bad for a while; rescheduling", "container", c.id,
				"host", c.host, "bad_for", s.cfg.SchedulerRetry)
			host := c.host
			c.bad[host] = s.now().Add(s.cfg.SchedulerRetry)
			s.toDown(c, 0)
			s.emitEvent(c, Event{Kind: Down, Container: c.obj, Status: status})
			s.emitEvent(c, Event{Kind: Unschedule, Container: c.obj, Host: host})
			return true
		case models.ContainerStatus_STOPPING:
			// Restarting at the same host: give it one retry period.
			s.log.Info("container stopping while scheduled: retrying the host", "container", c.id, "host", c.host,
				"in", s.cfg.SchedulerRetry)
			s.downWithRetry(c, s.cfg.SchedulerMaxRetries)
		case models.ContainerStatus_RUNNING:
			s.stopTimer(c)
			c.phase, c.oldHost = up, uuid.Nil
			s.emit(Event{Kind: Up, Container: c.obj, Host: c.host, Status: status})
		}
	case up:
		if status == nil {
			s.log.Warn("container reported down at its host: rescheduling", "container", c.id, "host", c.host)
			s.toDown(c, 0)
			s.emit(Event{Kind: Down, Container: c.obj})
			return true
		}
		if reportedBy == c.host && (code == models.ContainerStatus_STOPPING || code == models.ContainerStatus_ERROR) {
			s.log.Info("container stopped or failed at its host: the host is bad for a while; rescheduling",
				"container", c.id, "host", c.host, "status", code, "bad_for", s.cfg.SchedulerRetry)
			c.bad[c.host] = s.now().Add(s.cfg.SchedulerRetry)
			s.toDown(c, 0)
			s.emit(Event{Kind: Down, Container: c.obj, Status: status})
			return true
		}
	}
	return false
}

// selectHost picks among available hosts by the group's policy.
func (s *Scheduler) selectHost(hosts map[uuid.UUID]hostState, policy models.ServiceContainerPolicy) uuid.UUID {
	if len(hosts) == 0 {
		return uuid.Nil
	}
	switch policy {
	case models.ServiceContainerPolicy_LEAST_SCHEDULER:
		var best uuid.UUID
		var bestCount int32
		for id, h := range hosts {
			if best == uuid.Nil || h.status.GetCount() < bestCount ||
				h.status.GetCount() == bestCount && id.String() < best.String() {
				best, bestCount = id, h.status.GetCount()
			}
		}
		return best
	default: // WEIGHTED_SCHEDULER: random, in proportion to the weights
		var total int64
		for _, h := range hosts {
			total += int64(h.status.GetWeight())
		}
		pick := s.rand.Int64N(total)
		var last uuid.UUID
		for id, h := range hosts {
			last = id
			if pick < int64(h.status.GetWeight()) {
				return id
			}
			pick -= int64(h.status.GetWeight())
		}
		return last
	}
}
