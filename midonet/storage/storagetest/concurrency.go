package storagetest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/midonet/midonet-go/midonet/storage"
)

// testConcurrentIncrements: writers doing read-modify-write with version
// checks, retrying on conflicts, never lose an update.
func testConcurrentIncrements(t *testing.T, b Backend) {
	const (
		conns      = 4
		writers    = 16
		increments = 25
	)
	ctx := testCtx(t)
	cs := make([]storage.Conn, conns)
	for i := range cs {
		cs[i] = b.Connect(t)
	}
	root := newRoot(t, cs[0])
	counter := mustCreate(t, cs[0], root+"/counter", []byte("0"), storage.Persistent)

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
	)
	for w := range writers {
		wg.Add(1)
		go func(c storage.Conn) {
			defer wg.Done()
			for done := 0; done < increments; {
				data, st, err := c.Get(ctx, counter)
				if err != nil {
					t.Errorf("writer %d: get: %v", w, err)
					return
				}
				n, err := strconv.Atoi(string(data))
				if err != nil {
					t.Errorf("writer %d: counter holds %q", w, data)
					return
				}
				_, err = c.Set(ctx, counter, []byte(strconv.Itoa(n+1)), st.Version)
				switch {
				case errors.Is(err, storage.ErrBadVersion):
					mu.Lock()
					conflicts++
					mu.Unlock()
				case err != nil:
					t.Errorf("writer %d: set: %v", w, err)
					return
				default:
					done++
				}
			}
		}(cs[w%conns])
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	data, st := mustGet(t, cs[0], counter)
	if want := strconv.Itoa(writers * increments); string(data) != want || st.Version != writers*increments {
		t.Errorf("counter %q at version %d after %d increments, want %s at the same version", data, st.Version, writers*increments, want)
	}
	t.Logf("%d version conflicts retried", conflicts)
}

// testConcurrentSequential: concurrent sequential creates on one parent all
// get distinct names.
func testConcurrentSequential(t *testing.T, b Backend) {
	const (
		writers = 8
		creates = 10
	)
	ctx := testCtx(t)
	c1, c2 := b.Connect(t), b.Connect(t)
	root := newRoot(t, c1)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		names = map[string]bool{}
	)
	for w := range writers {
		wg.Add(1)
		go func(c storage.Conn) {
			defer wg.Done()
			for range creates {
				p, err := c.Create(ctx, root+"/s-", []byte(fmt.Sprint(w)), storage.PersistentSequential)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				if names[p] {
					t.Errorf("name %s given twice", p)
				}
				names[p] = true
				mu.Unlock()
			}
		}([]storage.Conn{c1, c2}[w%2])
	}
	wg.Wait()
	kids, _, err := c1.Children(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != writers*creates || len(names) != writers*creates {
		t.Fatalf("%d children and %d names, want %d", len(kids), len(names), writers*creates)
	}
	for _, k := range kids {
		if !names[root+"/"+k] || !strings.HasPrefix(k, "s-") {
			t.Errorf("unexpected child %s", k)
		}
	}
}
