package zktest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from a loopback port to a server. Blocking
// it cuts every client that goes through it off from the server, without the
// server being told: ZooKeeper then expires the clients' sessions after their
// timeout, exactly as it does for a client on the far side of a network
// partition. That is how tests expire sessions for real. (The usual trick,
// a second connection on the same session id and password that then closes
// the session, is out of reach: go-zookeeper v1.0.4 keeps both unexported.)
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	blocked bool
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// NewProxy starts a proxy to target ("host:port") on a free 127.0.0.1 port;
// it is closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("zktest: proxy listen: %v", err)
	}
	p := &Proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's address, to give to clients instead of the server's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Block drops every proxied connection and refuses (accepts and immediately
// closes) new ones until Unblock.
func (p *Proxy) Block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = true
	for c := range p.conns {
		c.Close()
	}
}

// Unblock lets clients connect through the proxy again.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = false
}

func (p *Proxy) close() {
	p.ln.Close()
	p.Block()
	p.wg.Wait()
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		p.mu.Lock()
		blocked := p.blocked
		p.mu.Unlock()
		if blocked {
			client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		if p.blocked {
			p.mu.Unlock()
			client.Close()
			server.Close()
			continue
		}
		p.conns[client] = struct{}{}
		p.conns[server] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(client, server)
		go p.pipe(server, client)
	}
}

// pipe copies src to dst; when either side ends, both connections close.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	// Errors are the expected end of a proxied connection (Block, a peer
	// closing); either way both sides are closed.
	_, _ = io.Copy(dst, src)
	src.Close()
	dst.Close()
	p.mu.Lock()
	delete(p.conns, src)
	delete(p.conns, dst)
	p.mu.Unlock()
}
