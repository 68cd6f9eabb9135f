package vxgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// ServiceOptions configure RunService.
type ServiceOptions struct {
	// NodeID is written as the owner of the VTEPs this node controls.
	NodeID uuid.UUID
	// VTEP configures each VTEP controller.
	VTEP VTEPOptions
	Log  *slog.Logger
}

// FloodingProxyLatch is the leader latch of the flooding-proxy manager,
// under <root>/vxgw (the reference's Curator LeaderLatch path, so Go and
// JVM cluster nodes elect one manager between them).
const FloodingProxyLatch = "fp-latch"

// Run is the whole `vxgw` service of a cluster node: it contends for the
// VTEPs (RunService) and campaigns for the flooding-proxy manager's leader
// latch at <root>/vxgw/fp-latch, running RunFloodingProxyManager while it
// leads. It returns when ctx ends.
func Run(ctx context.Context, st *zoom.Store, opts ServiceOptions) error {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	root := strings.TrimSuffix(st.ZoomPath(), "/zoom/0")
	election := &storage.Election{Conn: st.Conn(), Root: root + "/vxgw"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := election.Campaign(ctx, FloodingProxyLatch, opts.NodeID.String(), func(lctx context.Context) {
			log.Info("leading the flooding-proxy manager")
			if err := RunFloodingProxyManager(lctx, st, log); err != nil && lctx.Err() == nil {
				log.Warn("flooding-proxy manager ended", "err", err)
			}
		})
		if err != nil && ctx.Err() == nil {
			log.Warn("flooding-proxy election ended", "err", err)
		}
	}()
	err := RunService(ctx, st, opts)
	wg.Wait()
	return err
}

// RunService is the `vxgw` service of a cluster node: every node runs it;
// each VTEP is controlled by exactly one node, the one whose session first
// wrote the Vtep's `vxgw_manager` state key (first-write-wins, ephemeral).
// When that session ends the key vanishes and the other nodes compete for
// it again. RunService returns when ctx ends, after giving up the keys it
// holds. The flooding-proxy manager is separate: it runs under the
// cluster's leader latch (RunFloodingProxyManager).
func RunService(ctx context.Context, st *zoom.Store, opts ServiceOptions) error {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if opts.VTEP.Log == nil {
		opts.VTEP.Log = log
	}
	vteps, err := st.WatchClass(ctx, &models.Vtep{})
	if err != nil {
		return fmt.Errorf("vxgw: watching VTEPs: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	running := map[uuid.UUID]context.CancelFunc{}
	for {
		select {
		case <-ctx.Done():
			for _, stop := range running {
				stop()
			}
			return ctx.Err()
		case ev, ok := <-vteps:
			if !ok {
				for _, stop := range running {
					stop()
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return errors.New("vxgw: VTEP watch ended")
			}
			id, err := uuid.Parse(ev.ID)
			if err != nil {
				continue
			}
			switch ev.Kind {
			case zoom.Created:
				if _, ok := running[id]; ok {
					continue
				}
				vctx, stop := context.WithCancel(ctx)
				running[id] = stop
				wg.Add(1)
				go func() {
					defer wg.Done()
					contendForVTEP(vctx, st, id, opts, log.With("vtep_id", id))
				}()
			case zoom.Deleted:
				// The owner's controller sees the deletion itself and cleans
				// the VTEP; contenders end when their key watch ends.
				delete(running, id)
			}
		}
	}
}

// contendForVTEP owns the VTEP whenever it can and controls it while it
// owns it, until ctx ends or the Vtep is deleted.
func contendForVTEP(ctx context.Context, st *zoom.Store, id uuid.UUID, opts ServiceOptions, log *slog.Logger) {
	backoff := Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		session, err := st.AddValue(ctx, &models.Vtep{}, id, midonet.VtepVxgwManager, opts.NodeID.String())
		switch {
		case err == nil:
			attempt = 0
			log.Info("this node now controls the VTEP")
			deleted := controlWhileOwner(ctx, st, id, session, opts, log)
			if deleted {
				return
			}
			continue
		case errors.Is(err, zoom.ErrNotStateOwner):
			attempt = 0
			if gone := waitForNoOwner(ctx, st, id); gone {
				return
			}
			continue
		case errors.Is(err, zoom.ErrUnmodifiableState), errors.Is(err, zoom.ErrNotFound):
			return // the Vtep is gone
		}
		if ctx.Err() != nil {
			return
		}
		d := backoff.delay(attempt)
		log.Warn("cannot claim the VTEP, retrying", "err", err, "retry_in", d)
		if !sleep(ctx, d) {
			return
		}
	}
}

// controlWhileOwner runs the VTEP controller until our ownership ends, ctx
// ends (then the key is given up) or the Vtep is deleted (returns true).
func controlWhileOwner(ctx context.Context, st *zoom.Store, id uuid.UUID, session int64, opts ServiceOptions, log *slog.Logger) (deleted bool) {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	keyEvents, err := st.WatchKey(runCtx, midonet.ClusterNamespace, &models.Vtep{}, id, midonet.VtepVxgwManager)
	if err != nil {
		return errors.Is(err, zoom.ErrNotFound)
	}
	done := make(chan error, 1)
	go func() { done <- RunVTEP(runCtx, st, id, opts.VTEP) }()
	for {
		select {
		case err := <-done:
			if errors.Is(err, ErrVTEPDeleted) {
				return true
			}
			if ctx.Err() != nil {
				giveUp(st, id, opts.NodeID, log)
				return false
			}
			// The controller failed (not for ownership): let another node
			// try, and compete again after a pause.
			log.Warn("VTEP controller ended", "err", err)
			giveUp(st, id, opts.NodeID, log)
			sleep(ctx, time.Second)
			return false
		case ev, ok := <-keyEvents:
			if ok && ev.Err == nil && ev.Value.Exists && ev.Value.Owner == session {
				continue
			}
			if exists, err := st.Exists(context.WithoutCancel(ctx), &models.Vtep{}, id); err == nil && !exists {
				// Deleted: the key went with the object and the controller
				// is cleaning the VTEP; let it finish.
				select {
				case <-done:
				case <-time.After(time.Minute):
					stop()
					<-done
				}
				return true
			}
			stop()
			err := <-done
			if ctx.Err() != nil {
				giveUp(st, id, opts.NodeID, log)
			} else {
				log.Info("this node no longer controls the VTEP")
			}
			return errors.Is(err, ErrVTEPDeleted)
		}
	}
}

func giveUp(st *zoom.Store, id, node uuid.UUID, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := st.RemoveValue(ctx, &models.Vtep{}, id, midonet.VtepVxgwManager, node.String())
	if err != nil && !errors.Is(err, zoom.ErrNotStateOwner) && !errors.Is(err, zoom.ErrNotFound) {
		log.Warn("giving up VTEP ownership", "err", err)
	}
}

// waitForNoOwner returns when the ownership key is free (false) or the Vtep
// is gone or ctx ended (true).
func waitForNoOwner(ctx context.Context, st *zoom.Store, id uuid.UUID) (gone bool) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := st.WatchKey(wctx, midonet.ClusterNamespace, &models.Vtep{}, id, midonet.VtepVxgwManager)
	if err != nil {
		return true
	}
	for ev := range events {
		if ev.Err != nil {
			return ctx.Err() != nil
		}
		if !ev.Value.Exists {
			return false
		}
	}
	return true // watch ended: Vtep deleted or ctx done
}
