package cluster_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/midonet/storage/mem"
)

// TestServerLimits: clients that hold a connection without making progress
// are cut by the configured limits (cluster.rest_api.read_header_timeout,
// read_timeout, write_timeout, max_connections, set small here so the test
// is quick), while a normal GET keeps being answered promptly. Bounds are
// generous multiples of the limits: the point is "cut", not "cut on time to
// the millisecond" on a loaded machine.
func TestServerLimits(t *testing.T) {
	cfg := testConfig(t, mem.NewServer().Connect())
	for k, v := range map[string]string{
		"cluster.rest_api.read_header_timeout": "300ms",
		"cluster.rest_api.read_timeout":        "600ms",
		"cluster.rest_api.write_timeout":       "1s",
		"cluster.rest_api.http_idle_timeout":   "500ms",
		"cluster.rest_api.max_connections":     "50",
	} {
		cfg.Overrides[k] = v
	}
	// The API streams forever to GET /midonet-api/stream (for the
	// never-reading client) and reads bodies whole (for the slow one).
	streamEnded := make(chan error, 1)
	cfg.APIHandler = func(_ context.Context, env *cluster.Env) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/stream"):
				chunk := make([]byte, 64<<10)
				for {
					if _, err := w.Write(chunk); err != nil {
						streamEnded <- err
						return
					}
				}
			default:
				_, _ = io.Copy(io.Discard, r.Body)
				fmt.Fprint(w, "ok")
			}
		}), nil
	}
	r := start(t, cfg)
	addr := r.node.HTTPAddr().String()
	const cut = 10 * time.Second // far above every limit, far below "forever"

	// closedWithin waits for the server to close c (EOF or reset).
	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// normalGet times one GET on a fresh connection.
	normalGet := func() time.Duration {
		t.Helper()
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: cut}
		began := time.Now()
		code, body := get(t, client, httpURL(r.node, "/midonet-api/bridges"))
		if code != 200 || body != "ok" {
			t.Fatalf("normal GET: %d %q", code, body)
		}
		return time.Since(began)
	}

	t.Run("slow header", func(t *testing.T) {
		c := dial()
		dribble(c, "GET /midonet-api/bridges HTTP/1.1\r\nHost: x\r\n", "X") // a header that never ends
		if !closedWithin(c, cut) {
			t.Fatal("a client sending its header byte by byte kept its connection")
		}
	})
	t.Run("slow body", func(t *testing.T) {
		c := dial()
		dribble(c, "POST /midonet-api/bridges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", " ")
		// The handler's read fails at read_timeout and it answers; then the
		// connection closes (the request was never complete).
		if !closedWithin(c, cut) {
			t.Fatal("a client sending its body byte by byte kept its connection")
		}
	})
	t.Run("never reading", func(t *testing.T) {
		c := dial()
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4 << 10)
		}
		fmt.Fprint(c, "GET /midonet-api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case <-streamEnded:
		case <-time.After(cut):
			t.Fatal("the answer to a client that never reads was still being written")
		}
	})
	t.Run("idle connections", func(t *testing.T) {
		// 1,000 connections that never send a byte, against a cap of 50.
		conns := make([]net.Conn, 1000)
		for i := range conns {
			conns[i] = dial()
		}
		// The working client gets through, promptly, while they are open.
		var took []time.Duration
		for range 20 {
			took = append(took, normalGet())
		}
		slices.Sort(took)
		t.Logf("GET with 1,000 idle connections: median %v, slowest %v", took[len(took)/2], took[len(took)-1])
		if med := took[len(took)/2]; med > 50*time.Millisecond {
			t.Errorf("median GET took %v with 1,000 idle connections", med)
		}
		// Every idle connection is cut: by the cap at once, by the header
		// timeout at the latest.
		var wg sync.WaitGroup
		var mu sync.Mutex
		kept := 0
		for _, c := range conns {
			wg.Go(func() {
				if !closedWithin(c, cut) {
					mu.Lock()
					kept++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if kept > 0 {
			t.Fatalf("%d of 1,000 idle connections were still open after %v", kept, cut)
		}
	})
	t.Run("keep-alive idle", func(t *testing.T) {
		c := dial()
		fmt.Fprint(c, "GET /midonet-api/bridges HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !closedWithin(c, cut) {
			t.Fatal("an idle keep-alive connection was kept")
		}
	})
	if d := normalGet(); d > cut {
		t.Errorf("GET after the abuse took %v", d)
	}
}

// dribble writes start to c, then b every 100 ms (100 times) in the
// background, until a write fails.
func dribble(c net.Conn, start, b string) {
	fmt.Fprint(c, start)
	go func() {
		for range 100 {
			if _, err := c.Write([]byte(b)); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
}

// TestConnectionCap: with cluster.rest_api.max_connections at 50 and a header
// timeout of a minute, 1,000 connections that never send a byte are cut by
// the cap alone (the longest idle goes first), all but the last 50, and a
// working client is still answered.
func TestConnectionCap(t *testing.T) {
	cfg := testConfig(t, mem.NewServer().Connect())
	cfg.Overrides["cluster.rest_api.read_header_timeout"] = "1m"
	cfg.Overrides["cluster.rest_api.max_connections"] = "50"
	r := start(t, cfg)
	conns := make([]net.Conn, 1000)
	for i := range conns {
		c, err := net.Dial("tcp", r.node.HTTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	if code, _ := get(t, client, httpURL(r.node, "/health")); code != 200 {
		t.Fatalf("GET /health beside 1,000 idle connections: %d", code)
	}
	var closed atomic.Int32
	var wg sync.WaitGroup
	for _, c := range conns[:900] { // the oldest: evicted, the newest 50 may stay
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if !(errors.As(err, &ne) && ne.Timeout()) {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := closed.Load(); n != 900 {
		t.Fatalf("%d of the 900 oldest idle connections were cut by the cap, want all", n)
	}
}
