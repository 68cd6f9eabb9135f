package stateproxy

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"

	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// BenchmarkUpdateLatency: 100 agents subscribe to one bridge's MAC table;
// each iteration adds an entry and times, from the write, its arrival at
// every subscriber (p50, p99) and, as the baseline, at a plain ZooKeeper
// watch of the table opened on another session (what an agent without the
// proxy waits for). The ratio is the proxy's p50 over the watch's p50.
func BenchmarkUpdateLatency(b *testing.B) {
	for _, be := range []servicetest.Backend{{Name: "mem", Backend: memtest.NewBackend()},
		{Name: "zookeeper", Backend: servicetest.ZooKeeper(b)}} {
		b.Run(be.Name, func(b *testing.B) { benchUpdateLatency(b, be, 100) })
	}
}

func benchUpdateLatency(b *testing.B, be servicetest.Backend, subscribers int) {
	ctx := servicetest.Context(b)
	root := servicetest.Root(b)
	st := servicetest.Store(b, be, root, zoom.Options{})
	network := uuid.New()
	if err := st.Create(ctx, &models.Network{Id: models.UUIDFromGoogle(network)}); err != nil {
		b.Fatal(err)
	}
	mac, err := st.Table(ctx, &models.Network{}, network, midonet.MacTable, "0")
	if err != nil {
		b.Fatal(err)
	}
	// The table directory exists from its first entry.
	if err := mac.AddPersistent(ctx, "02:ff:00:00:00:00", uuid.NewString()); err != nil {
		b.Fatal(err)
	}
	srv, err := Start(ctx, st, root, Config{NotifyBatchSize: 64, InitialSubscriberQueueSize: 16,
		Address: "127.0.0.1", BindRetryInterval: time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Stop(context.Background()) })
	servicetest.Eventually(b, "the proxy listens", func() bool { return srv.Addr() != nil })

	// Every subscriber's reader reports the arrival time of each update.
	arrivals := make(chan time.Time, subscribers)
	for i := range subscribers {
		conn, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		if _, err := protodelim.MarshalTo(conn, subscribe(uint64(i+1), network, "0")); err != nil {
			b.Fatal(err)
		}
		snapshot := make(chan struct{})
		go func() {
			r := bufio.NewReader(conn)
			for {
				var resp models.ProxyResponse
				if protodelim.UnmarshalFrom(r, &resp) != nil {
					return
				}
				switch u := resp.GetNotify().GetUpdate(); u.GetType() {
				case models.ProxyResponse_Notify_Update_SNAPSHOT:
					if u.GetEnd() {
						close(snapshot)
					}
				case models.ProxyResponse_Notify_Update_RELATIVE:
					arrivals <- time.Now()
				}
			}
		}()
		select {
		case <-snapshot:
		case <-time.After(servicetest.WaitLimit):
			b.Fatal("no snapshot")
		}
	}
	// The baseline: a watch of the table on a session of its own.
	watchConn := be.Connect(b)
	events, err := watchConn.WatchChildren(ctx, mac.Path())
	if err != nil {
		b.Fatal(err)
	}
	<-events
	watched := make(chan time.Time, 1)
	go func() {
		for ev := range events {
			if ev.Err == nil {
				watched <- time.Now()
			}
		}
	}()

	servicetest.FanOutLatency(b, subscribers, func(i int) error {
		return mac.AddPersistent(ctx, fmt.Sprintf("02:00:00:%02x:%02x:%02x", byte(i>>16), byte(i>>8), byte(i)), uuid.NewString())
	}, arrivals, watched)
}
