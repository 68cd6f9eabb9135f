// Package session keeps ephemeral registrations alive across ZooKeeper
// session expiries (which delete them).
package session

import (
	"context"
	"sync"

	"github.com/midonet/midonet-go/midonet/storage"
)

// Keep runs create now and again each time conn has a new session after an
// expiry, until stop is called. A first failure is returned (nothing keeps
// running then); later ones go to failed (and then recovered, once it
// succeeds again).
func Keep(ctx context.Context, conn storage.Conn, create func(context.Context) error, failed func(error), recovered func()) (stop func(), err error) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// Subscribe before creating: an expiry in between is not missed.
	events := conn.SessionEvents(wctx)
	if err := create(ctx); err != nil {
		cancel()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		expired := false
		for ev := range events {
			switch ev.State {
			case storage.Expired:
				expired = true
			case storage.Connected:
				if expired {
					expired = false
					if err := create(wctx); err != nil {
						failed(err)
					} else {
						recovered()
					}
				}
			}
		}
	})
	return func() { cancel(); wg.Wait() }, nil
}
