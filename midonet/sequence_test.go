package midonet_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// testSequences: the reference's expectations of its SequenceDispenser
// (a new counter starts at its seed: the first value is seed+1, then
// seed+2; the node is <root>/sequences/<tag lowercased>), for every one
// of MidoNet's counters.
func testSequences(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{})
	for _, seq := range []zoom.Sequence{midonet.OverlayTunnelKey, midonet.VxgwVNI, midonet.Fip64TunnelKey} {
		for _, want := range []int32{seq.Seed + 1, seq.Seed + 2} {
			if got, err := f.store.Next(f.ctx, seq); err != nil || got != want {
				t.Fatalf("%s: Next = %d, %v; want %d", seq.Tag, got, err, want)
			}
		}
		p := f.store.SequencePath(seq)
		if want := f.root + "/sequences/" + map[string]string{"OVERLAY_TUNNEL_KEY": "overlay_tunnel_key",
			"VXGW_TUNNEL_KEY": "vxgw_tunnel_key", "FIP64_TUNNEL_KEY": "fip64_tunnel_key"}[seq.Tag]; p != want {
			t.Fatalf("counter node %s, want %s", p, want)
		}
		data, _, err := f.conn.Get(f.ctx, p)
		if err != nil || len(data) != 4 {
			t.Fatalf("counter node %s: %x, %v; want 4 bytes", p, data, err)
		}
	}
	// A counter node that is not a 4-byte integer is an error, not a value.
	bad := zoom.Sequence{Tag: "BROKEN", Seed: 1}
	if _, err := f.conn.Create(f.ctx, f.store.SequencePath(bad), []byte("xx"), storage.Persistent); err != nil {
		t.Fatal(err)
	}
	if v, err := f.store.Next(f.ctx, bad); err == nil {
		t.Fatalf("Next on a 2-byte counter node = %d", v)
	}
}

// jvmNext takes one value as the reference's SequenceDispenser.next does:
// read the counter, compare-and-set it to value+1, retry on a lost race.
func jvmNext(f *fixture, conn storage.Conn, p string) (int32, error) {
	for {
		data, st, err := conn.Get(f.ctx, p)
		if err != nil {
			return 0, err
		}
		next := int32(binary.BigEndian.Uint32(data)) + 1
		_, err = conn.Set(f.ctx, p, binary.BigEndian.AppendUint32(nil, uint32(next)), st.Version)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, storage.ErrBadVersion) {
			return 0, err
		}
	}
}

// testSequenceBlocksShareWithJVM: two stores (two sessions, as two
// cluster nodes) hand out tunnel keys from blocks while a JVM-style
// allocator takes keys one by one from the same counter: no key is handed
// out twice, and the counter ends at or above every key handed out.
func testSequenceBlocksShareWithJVM(t *testing.T, b backend) {
	f := newFixture(t, b, zoom.Options{SequenceBlock: 8})
	stores := []*zoom.Store{f.store, f.another(zoom.Options{SequenceBlock: 8})}
	seq := midonet.OverlayTunnelKey
	if _, err := f.store.Next(f.ctx, seq); err != nil { // creates the counter
		t.Fatal(err)
	}
	p := f.store.SequencePath(seq)
	jvmConn := b.Connect(t)
	const goroutines, perGoroutine = 6, 30
	var mu sync.Mutex
	var got []int32
	var wg sync.WaitGroup
	errs := make(chan error, goroutines+1)
	record := func(v int32) { mu.Lock(); got = append(got, v); mu.Unlock() }
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perGoroutine {
				v, err := stores[g%len(stores)].Next(f.ctx, seq)
				if err != nil {
					errs <- err
					return
				}
				record(v)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range perGoroutine {
			v, err := jvmNext(f, jvmConn, p)
			if err != nil {
				errs <- err
				return
			}
			record(v)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(got)
	if len(got) != (goroutines+1)*perGoroutine {
		t.Fatalf("%d values, want %d", len(got), (goroutines+1)*perGoroutine)
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("value %d handed out twice", got[i])
		}
	}
	data, _, err := f.conn.Get(f.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if c := int32(binary.BigEndian.Uint32(data)); c < got[len(got)-1] {
		t.Fatalf("counter at %d below the value %d handed out", c, got[len(got)-1])
	}
}

// testSequenceReservedAhead: once half of a store's block is handed out,
// the next block is reserved in the background (the counter moves on by a
// block before the current one runs out), and the values a lone store
// hands out stay consecutive across blocks.
func testSequenceReservedAhead(t *testing.T, b backend) {
	const block = 8
	f := newFixture(t, b, zoom.Options{SequenceBlock: block})
	seq := midonet.OverlayTunnelKey
	p := f.store.SequencePath(seq)
	counter := func() int32 {
		t.Helper()
		data, _, err := f.conn.Get(f.ctx, p)
		if err != nil || len(data) != 4 {
			t.Fatalf("counter node %s: %x, %v", p, data, err)
		}
		return int32(binary.BigEndian.Uint32(data))
	}
	want := seq.Seed + 1
	next := func() {
		t.Helper()
		if v, err := f.store.Next(f.ctx, seq); err != nil || v != want {
			t.Fatalf("Next = %d, %v; want %d", v, err, want)
		}
		want++
	}
	for range block/2 + 1 {
		next()
	}
	deadline := time.Now().Add(10 * time.Second)
	for counter() != seq.Seed+2*block {
		if time.Now().After(deadline) {
			t.Fatalf("counter at %d after %d of a block of %d handed out, want the next block reserved (%d)", counter(), block/2+1, block, seq.Seed+2*block)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 3 * block {
		next()
	}
	// The rest of the current block and at most one reserved ahead, each
	// grown at most 16 times (values taken quickly).
	if c := counter(); c < want-1 || c > want-1+2*16*block {
		t.Fatalf("counter at %d after values up to %d, want at most a grown block ahead of the current one", c, want-1)
	}
}

// testSequenceBlocksGrow: a store taking a counter's values quickly
// reserves ever bigger blocks (up to 16 times Options.SequenceBlock), so
// that the counter is written far less often than once per configured
// block; the values stay consecutive, and the counter at most two grown
// blocks ahead.
func testSequenceBlocksGrow(t *testing.T, b backend) {
	const block, values = 8, 40 * 8
	f := newFixture(t, b, zoom.Options{SequenceBlock: block})
	seq := midonet.OverlayTunnelKey
	for i := range int32(values) {
		if v, err := f.store.Next(f.ctx, seq); err != nil || v != seq.Seed+1+i {
			t.Fatalf("Next = %d, %v; want %d", v, err, seq.Seed+1+i)
		}
	}
	data, st, err := f.conn.Get(f.ctx, f.store.SequencePath(seq))
	if err != nil || len(data) != 4 {
		t.Fatalf("counter: %x, %v", data, err)
	}
	// Blocks of 8, 8, 16, 32, 64, 128 and one reserved ahead: 7 or 8
	// compare-and-sets (the node's version) where blocks of 8 took 41.
	if st.Version > 12 {
		t.Errorf("counter written %d times for %d values in blocks of %d: the blocks did not grow", st.Version, values, block)
	}
	if c := int32(binary.BigEndian.Uint32(data)); c < seq.Seed+values || c > seq.Seed+values+2*16*block {
		t.Errorf("counter at %d after values up to %d", c, seq.Seed+values)
	}
}
