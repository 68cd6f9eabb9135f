package cluster_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/cluster/containers"
	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/endpoint"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/internal/agenttest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/restapi/client"
)

// startAgent is an agent on a session of its own on b (see agenttest).
func startAgent(t *testing.T, b *backend, id uuid.UUID) *agenttest.Agent {
	t.Helper()
	return agenttest.Start(t, b.connect(t), b.root, id)
}

// placement follows a service container through the REST API while the
// agents it may run at come and go.
type placement struct {
	t      *testing.T
	b      *backend
	api    *client.Client
	agents map[string]*agenttest.Agent // by host id
	id     string
	at     string // the host it runs at
}

// followContainer waits until container id is scheduled on one of agents'
// hosts, has that agent report it RUNNING and waits for the REST API to
// show it so.
func followContainer(t *testing.T, b *backend, api *client.Client, agents map[string]*agenttest.Agent, id string) *placement {
	t.Helper()
	p := &placement{t: t, b: b, api: api, agents: agents, id: id}
	eventually(t, "the container is scheduled on a live host", func() bool { p.at = p.host(); return agents[p.at] != nil })
	agents[p.at].Report(t, id, models.ContainerStatus_RUNNING)
	eventually(t, "the REST API shows it RUNNING", func() bool {
		got, err := api.ServiceContainers().Get(context.Background(), id)
		return err == nil && got.StatusCode == "RUNNING"
	})
	return p
}

// host is the host the REST API says the container is at ("" for none).
func (p *placement) host() string {
	got, err := p.api.ServiceContainers().Get(context.Background(), p.id)
	if err != nil || got.HostID == nil {
		return ""
	}
	return *got.HostID
}

// moves kills the agent the container runs at and waits for it to run at
// another, then starts an agent again on the dead one's host for the next
// round.
func (p *placement) moves(why string) {
	p.t.Helper()
	from := p.at
	p.agents[from].Die(p.t)
	eventually(p.t, why+": the container moves off the dead host", func() bool {
		p.at = p.host()
		return p.at != "" && p.at != from
	})
	p.agents[p.at].Report(p.t, p.id, models.ContainerStatus_RUNNING)
	p.agents[from] = startAgent(p.t, p.b, uuid.MustParse(from))
}

// TestContainersEndToEnd: service containers created through the REST API
// are scheduled onto live agents' hosts, move when their host's agent dies,
// and keep being scheduled across a leader change and (on ZooKeeper) a
// session expiry of the leader.
func TestContainersEndToEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		cfgA, _ := nodeOn(t, b)
		cfgA.APIHandler = cluster.StandardAPI
		a := start(t, cfgA)
		api := client.New(httpURL(a.node, "/midonet-api"))

		h1, h2 := uuid.New(), uuid.New()
		agents := map[string]*agenttest.Agent{h1.String(): startAgent(t, b, h1), h2.String(): startAgent(t, b, h2)}

		router, err := api.Routers().Create(ctx, &client.Router{Name: "vpn", TenantID: "tenant"})
		if err != nil {
			t.Fatal(err)
		}
		port, err := api.RouterPorts(router.ID).Create(ctx, &client.Port{Type: "Router", PortAddress: proto.String("10.0.0.1"),
			NetworkAddress: proto.String("10.0.0.0"), NetworkLength: 24})
		if err != nil {
			t.Fatal(err)
		}
		group, err := api.ServiceContainerGroups().Create(ctx, &client.ServiceContainerGroup{})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := api.GroupServiceContainers(group.ID).Create(ctx, &client.ServiceContainer{ServiceType: "IPSEC", PortID: &port.ID})
		if err != nil {
			t.Fatal(err)
		}
		placed := followContainer(t, b, api, agents, sc.ID)
		p, err := api.Ports().Get(ctx, port.ID)
		if err != nil || p.InterfaceName == nil || *p.InterfaceName != "vpn-"+port.ID[:8] {
			t.Fatalf("container port %+v, %v: want interface vpn-%s", p, err, port.ID[:8])
		}
		placed.moves("agent death")
		// The same scheduler moves it back onto the agent restarted on the
		// first dead host.
		placed.moves("a second agent death")

		// Leader change: B joins, A (the leader, alone at first) stops.
		cfgB, connB := nodeOn(t, b)
		cfgB.APIHandler = cluster.StandardAPI
		bNode := start(t, cfgB)
		latch := path.Join(b.root, containers.Latch)
		observer := b.connect(t)
		eventually(t, "both nodes campaign on "+latch, func() bool {
			kids, _, err := observer.Children(ctx, latch)
			return err == nil && len(kids) == 2
		})
		if err := a.stop(t); err != nil {
			t.Fatal(err)
		}
		placed.api = client.New(httpURL(bNode.node, "/midonet-api"))
		placed.moves("after the leader changed")

		if b.expire != nil {
			b.expire(t, connB)
			eventually(t, "B campaigns again on its new session", func() bool {
				kids, _, err := observer.Children(ctx, latch)
				return err == nil && len(kids) == 1
			})
			placed.moves("after the leader's session expired")
		}
	})
}

// TestEndpointService: each node serves the topology cache on its endpoint
// and publishes it in service discovery (and withdraws it when stopping);
// cluster.endpoint.enabled=false leaves the endpoint out.
func TestEndpointService(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		observer := b.connect(t)
		cfg, _ := nodeOn(t, b)
		r := start(t, cfg)
		ins, err := discovery.Instances(ctx, observer, b.root, endpoint.TopologyCacheName)
		if err != nil || len(ins) != 1 {
			t.Fatalf("topology-cache instances %v, %v", ins, err)
		}
		u, err := url.Parse(ins[0].URI())
		if err != nil || u.Scheme != "http" || u.Path != endpoint.TopologyCachePath {
			t.Fatalf("instance URI %q: %v", ins[0].URI(), err)
		}
		code, body := get(t, http.DefaultClient, "http://127.0.0.1:"+u.Port()+endpoint.TopologyCachePath)
		if code != 200 || len(body) < 10 {
			t.Fatalf("GET topology-cache: %d, %d bytes", code, len(body))
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if ins, _ := discovery.Instances(ctx, observer, b.root, endpoint.TopologyCacheName); len(ins) != 0 {
			t.Fatalf("instances after stop: %v", ins)
		}

		cfg, _ = nodeOn(t, b)
		cfg.Overrides["cluster.endpoint.enabled"] = "false"
		start(t, cfg)
		if ins, _ := discovery.Instances(ctx, observer, b.root, endpoint.TopologyCacheName); len(ins) != 0 {
			t.Fatalf("endpoint disabled, yet instances %v", ins)
		}
	})
}

// TestStateProxyService: each node's state proxy is in service discovery
// and answers a ping there.
func TestStateProxyService(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		cfg, _ := nodeOn(t, b)
		start(t, cfg)
		var ins []discovery.Instance
		eventually(t, "the state proxy registers", func() bool {
			ins, _ = discovery.Instances(ctx, b.connect(t), b.root, stateproxy.ServiceName)
			return len(ins) == 1
		})
		conn, err := net.Dial("tcp", ins[0].HostPort())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ping, _ := proto.Marshal(&models.ProxyRequest{RequestId: proto.Uint64(3), Data: &models.ProxyRequest_Ping_{Ping: &models.ProxyRequest_Ping{}}})
		if _, err := conn.Write(append(binary.AppendUvarint(nil, uint64(len(ping))), ping...)); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(waitLimit))
		r := bufio.NewReader(conn)
		n, err := binary.ReadUvarint(r)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		var resp models.ProxyResponse
		if err := proto.Unmarshal(buf, &resp); err != nil || resp.GetRequestId() != 3 || resp.GetPong() == nil {
			t.Fatalf("ping: %v %v", &resp, err)
		}
	})
}

// TestTopologyAPIService: off by default; enabled with its socket, the
// node's Topology API answers a handshake and a get of an agent's host.
func TestTopologyAPIService(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		a := startAgent(t, b, uuid.New())
		free, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
		free.Close()
		cfg, _ := nodeOn(t, b)
		cfg.Overrides["cluster.topology_api.socket_enabled"] = "true"
		cfg.Overrides["cluster.topology_api.port"] = port
		r := start(t, cfg)
		if _, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
			t.Fatal("topology API listening although cluster.topology_api.enabled defaults to false")
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}

		cfg, _ = nodeOn(t, b)
		cfg.Overrides["cluster.topology_api.enabled"] = "true"
		cfg.Overrides["cluster.topology_api.socket_enabled"] = "true"
		cfg.Overrides["cluster.topology_api.port"] = port
		start(t, cfg)
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		rd := bufio.NewReader(conn)
		roundTrip := func(req *models.Request) *models.Response {
			t.Helper()
			if _, err := protodelim.MarshalTo(conn, req); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(waitLimit))
			var rsp models.Response
			if err := protodelim.UnmarshalFrom(rd, &rsp); err != nil {
				t.Fatal(err)
			}
			return &rsp
		}
		hs := roundTrip(&models.Request{Request: &models.Request_Handshake_{Handshake: &models.Request_Handshake{
			ReqId: models.NewUUID(), CnxnId: models.NewUUID()}}})
		if hs.GetType() != models.ResponseType_ACK {
			t.Fatalf("handshake: %v", hs)
		}
		got := roundTrip(&models.Request{Request: &models.Request_Get_{Get: &models.Request_Get{
			ReqId: models.NewUUID(), Type: models.Type_HOST.Enum(), Id: models.UUIDFromGoogle(a.ID)}}})
		if got.GetType() != models.ResponseType_UPDATE || got.GetUpdate().GetHost().GetId().ToGoogle() != a.ID {
			t.Fatalf("get host: %v", got)
		}
	})
}
