package midonet_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// heldConn forwards to its Conn; once armed, the first multi that creates
// a port runs hook first, and its answer is held back until the next multi
// (sent after it) has been answered, or a timeout: as if it were still in
// flight when the group sent the batch built on it.
type heldConn struct {
	storage.Conn
	armed atomic.Bool
	hook  func()
	mu    sync.Mutex
	// forwarded is closed once the held multi went to the store, next once
	// the multi after it was answered; nil until the held one comes.
	forwarded, next chan struct{}
	sawNext         bool
	// errs of the held multi and of the one after it
	heldErr, nextErr error
}

func (c *heldConn) Multi(ctx context.Context, ops ...storage.Op) ([]storage.OpResult, error) {
	creates := slices.ContainsFunc(ops, func(o storage.Op) bool {
		return o.Kind == storage.OpCreate && strings.Contains(o.Path, "/models/Port/")
	})
	c.mu.Lock()
	if creates && c.armed.CompareAndSwap(true, false) {
		forwarded, next := make(chan struct{}), make(chan struct{})
		c.forwarded, c.next = forwarded, next
		c.mu.Unlock()
		c.hook()
		res, err := c.Conn.Multi(ctx, ops...)
		c.mu.Lock()
		c.heldErr = err
		c.mu.Unlock()
		close(forwarded)
		select {
		case <-next:
		case <-time.After(10 * time.Second):
		}
		return res, err
	}
	if c.forwarded == nil || c.sawNext {
		c.mu.Unlock()
		return c.Conn.Multi(ctx, ops...)
	}
	c.sawNext = true
	forwarded, next := c.forwarded, c.next
	c.mu.Unlock()
	<-forwarded
	res, err := c.Conn.Multi(ctx, ops...)
	c.mu.Lock()
	c.nextErr = err
	c.mu.Unlock()
	close(next)
	return res, err
}

// testPipelinedBatchOnFailedOne: a group's batch N+1 is built on batch N
// while N's multi is in flight; N loses a race with another session (which
// renames the bridge), so N+1's multi fails too (the version it expects
// for the bridge is the one the other session's write gave it, but the
// ports N created are missing). Every member of both batches still
// succeeds, run again on fresh state: all ports are on the bridge once,
// and the other session's name is kept.
func testPipelinedBatchOnFailedOne(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	hc := &heldConn{Conn: b.Connect(t)}
	st, err := midonet.NewStore(f.ctx, hc, zoom.Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	other := f.another(zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID(), Name: proto.String("b")}
	f.create(bridge)
	var (
		mu  sync.Mutex
		ids []string
	)
	create := func(id *models.UUID, onCreated func(error)) error {
		err := st.Tx(f.ctx, func(tx *zoom.Tx) error {
			err := tx.Create(&models.Port{Id: id, NetworkId: bridge.Id})
			if onCreated != nil {
				onCreated(err)
			}
			return err
		})
		if err == nil {
			mu.Lock()
			ids = append(ids, id.Canonical())
			mu.Unlock()
		}
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	run := func(n int, onCreated func(error)) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := create(models.NewUUID(), onCreated); err != nil {
					errs <- err
				}
			}()
		}
	}
	// Concurrent creates until the bridge has a group (a first conflict).
	for round := 0; st.GroupCommitStats().Batches == 0; round++ {
		if round == 50 {
			t.Fatal("no group commit after 50 rounds of 8 concurrent creates")
		}
		run(8, nil)
		wg.Wait()
	}
	// Batch N: one member, blocked while the others queue (each stops at
	// the bridge, whose group is active, and joins it).
	const others = 7
	var joined atomic.Int32
	release, blocked := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hc.hook = func() {
		if err := other.Tx(f.ctx, func(tx *zoom.Tx) error {
			return tx.Modify(&models.Network{}, bridge.Id.ToGoogle(), func(m proto.Message) error {
				m.(*models.Network).Name = proto.String("renamed")
				return nil
			})
		}); err != nil {
			t.Errorf("the other session's write: %v", err)
		}
	}
	hc.armed.Store(true)
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := create(models.NewUUID(), func(err error) {
			if err == nil { // in the group's batch, not in its run alone
				once.Do(func() { close(blocked); <-release })
			}
		})
		if err != nil {
			errs <- err
		}
	}()
	<-blocked
	run(others, func(err error) {
		if err != nil { // stopped at the bridge to join its group
			joined.Add(1)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); joined.Load() < others; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d creates joined the bridge's group", joined.Load(), others)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // from joining to queued
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("create: %v", err)
	}
	hc.mu.Lock()
	heldErr, nextErr, sawNext := hc.heldErr, hc.nextErr, hc.sawNext
	hc.mu.Unlock()
	if heldErr == nil {
		t.Fatal("batch N committed despite the other session's write")
	}
	if !sawNext || nextErr == nil {
		t.Fatalf("no batch built on N while its multi was in flight, or it committed: sent %v, error %v", sawNext, nextErr)
	}
	if s := st.GroupCommitStats(); s.Pipelined == 0 {
		t.Fatalf("group commits %+v: none pipelined", s)
	}
	got, err := f.store.Get(f.ctx, &models.Network{}, bridge.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	n := got.(*models.Network)
	if n.GetName() != "renamed" {
		t.Errorf("bridge name %q: the other session's write was lost", n.GetName())
	}
	onBridge := models.UUIDsToStrings(n.PortIds)
	slices.Sort(onBridge)
	slices.Sort(ids)
	if !slices.Equal(onBridge, ids) {
		t.Fatalf("bridge ports %v, want the %d created %v", onBridge, len(ids), ids)
	}
	for _, id := range ids {
		if ok, err := f.store.Exists(f.ctx, &models.Port{}, uuid.MustParse(id)); err != nil || !ok {
			t.Errorf("port %s on the bridge does not exist: %v", id, err)
		}
	}
}

// testChurnOnOneBridge: 16 writers create ports on one bridge and delete
// their oldest as they go, through one store (its batches mix creates and
// deletes, and are built on the batch in flight). No write fails, the
// bridge ends holding exactly the ports not deleted, and the consistency
// checker finds nothing.
func testChurnOnOneBridge(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	bridge := &models.Network{Id: models.NewUUID()}
	f.create(bridge)
	const writers, each, keep = 16, 30, 4
	held := make([][]*models.UUID, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				id := models.NewUUID()
				if err := f.store.Create(f.ctx, &models.Port{Id: id, NetworkId: bridge.Id}); err != nil {
					errs <- err
					return
				}
				held[w] = append(held[w], id)
				if len(held[w]) > keep {
					if err := f.store.Delete(f.ctx, &models.Port{}, held[w][0].ToGoogle()); err != nil {
						errs <- err
						return
					}
					held[w] = held[w][1:]
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var want []string
	for _, h := range held {
		want = append(want, models.UUIDsToStrings(h)...)
	}
	got, err := f.store.Get(f.ctx, &models.Network{}, bridge.Id.ToGoogle())
	if err != nil {
		t.Fatal(err)
	}
	onBridge := models.UUIDsToStrings(got.(*models.Network).PortIds)
	slices.Sort(want)
	slices.Sort(onBridge)
	if !slices.Equal(onBridge, want) {
		t.Errorf("bridge holds %d ports, the writers %d", len(onBridge), len(want))
	}
	rep, err := consistency.Check(f.ctx, f.conn, f.root, consistency.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range rep.Findings {
		t.Error(fd)
	}
	t.Logf("group commits: %+v", f.store.GroupCommitStats())
}
