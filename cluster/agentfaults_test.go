package cluster_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster"
	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/endpoint"
	"github.com/midonet/midonet-go/cluster/stateproxy"
	"github.com/midonet/midonet-go/internal/agenttest"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/restapi/client"
)

// topologyClient is a Topology API client written from topology_api.proto:
// varint32-delimited Request out, Response in.
type topologyClient struct {
	t    *testing.T
	conn net.Conn
	in   <-chan *models.Response
}

// dialTopology connects to addr and opens a new session.
func dialTopology(t *testing.T, addr string) *topologyClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &topologyClient{t: t, conn: conn, in: agenttest.ReadMessages[models.Response](conn)}
	hs := &models.Request_Handshake{ReqId: models.NewUUID(), CnxnId: models.NewUUID()}
	c.send(&models.Request{Request: &models.Request_Handshake_{Handshake: hs}})
	if r := c.recv(); r.GetType() != models.ResponseType_ACK {
		t.Fatalf("handshake answered %v", r)
	}
	return c
}

func (c *topologyClient) send(req *models.Request) {
	c.t.Helper()
	if _, err := protodelim.MarshalTo(c.conn, req); err != nil {
		c.t.Fatal(err)
	}
}

// recv is the next response; ok false when the server closed the
// connection.
func (c *topologyClient) next() (*models.Response, bool) {
	c.t.Helper()
	select {
	case r, ok := <-c.in:
		return r, ok
	case <-time.After(waitLimit):
		c.t.Fatalf("nothing from the topology API within %v", waitLimit)
	}
	return nil, false
}

func (c *topologyClient) recv() *models.Response {
	c.t.Helper()
	r, ok := c.next()
	if !ok {
		c.t.Fatal("the topology API closed the connection")
	}
	return r
}

// subscribe asks for network id and its updates; it returns the request
// id and whether the subscription was accepted (ACK then UPDATE; a
// storage not yet back answers ERROR instead of the UPDATE).
func (c *topologyClient) subscribeNetwork(id string) (*models.UUID, bool) {
	c.t.Helper()
	g := &models.Request_Get{ReqId: models.NewUUID(), Type: models.Type_NETWORK.Enum(),
		Id: models.UUIDFromGoogle(uuid.MustParse(id)), Subscribe: proto.Bool(true)}
	c.send(&models.Request{Request: &models.Request_Get_{Get: g}})
	if r := c.recv(); r.GetType() != models.ResponseType_ACK || !r.GetReqId().Equal(g.ReqId) {
		c.t.Fatalf("subscription answered %v", r)
	}
	r := c.recv()
	switch {
	case r.GetType() == models.ResponseType_UPDATE && r.GetReqId().Equal(g.ReqId):
		return g.ReqId, true
	case r.GetType() == models.ResponseType_ERROR && r.GetReqId().Equal(g.ReqId):
		return g.ReqId, false
	}
	c.t.Fatalf("after the subscription's ACK: %v", r)
	return nil, false
}

// wantName reads until an UPDATE of req carries the network named name.
func (c *topologyClient) wantName(req *models.UUID, name string) {
	c.t.Helper()
	for {
		r := c.recv()
		if r.GetReqId().Equal(req) && r.GetType() == models.ResponseType_UPDATE && r.GetUpdate().GetNetwork().GetName() == name {
			return
		}
		if r.GetType() != models.ResponseType_UPDATE {
			c.t.Fatalf("waiting for network %q: %v", name, r)
		}
	}
}

// instances lists a service's instances in discovery.
func instances(t *testing.T, conn storage.Conn, root, service string) []discovery.Instance {
	ins, err := discovery.Instances(context.Background(), conn, root, service)
	if err != nil {
		t.Logf("discovery of %s: %v", service, err)
	}
	return ins
}

// agentServicesNode starts a node serving the standard API with the state
// proxy, the endpoint and the Topology API (on a port of its own, returned).
func agentServicesNode(t *testing.T, b *backend) (*running, storage.Conn, string) {
	t.Helper()
	cfg, conn := nodeOn(t, b)
	cfg.APIHandler = cluster.StandardAPI
	port := strconv.Itoa(freePort(t))
	cfg.Overrides["cluster.topology_api.enabled"] = "true"
	cfg.Overrides["cluster.topology_api.socket_enabled"] = "true"
	cfg.Overrides["cluster.topology_api.port"] = port
	return start(t, cfg), conn, "127.0.0.1:" + port
}

// TestAgentServicesSurviveFaults is the agent services' kill test: clients
// of a node's state proxy, Topology API and endpoint (found as agents find
// them, through service discovery) keep being served through an expiry of
// the node's ZooKeeper session, then fail over to another node when the
// first one stops. Changes are made through the REST API throughout. (The
// containers service's leader change and expiry: TestContainersEndToEnd;
// the recycler's turns across nodes: package recycler.)
func TestAgentServicesSurviveFaults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		observer := b.connect(t)
		a, connA, topoA := agentServicesNode(t, b)
		api := client.New(httpURL(a.node, "/midonet-api"))
		bridge, port := restBridge(t, api)
		// The untagged MAC table's directory comes with its first entry.
		if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: "02:00:00:00:00:01", PortID: port}); err != nil {
			t.Fatal(err)
		}

		proxyA := stateProxyAddr(t, b)
		agent := agenttest.DialStateProxy(t, proxyA)
		agent.SubscribeMACTable(bridge, waitLimit)
		topo := dialTopology(t, topoA)
		req, ok := topo.subscribeNetwork(bridge)
		if !ok {
			t.Fatal("subscription to an existing network refused")
		}
		cache := instances(t, observer, b.root, endpoint.TopologyCacheName)
		if len(cache) != 1 {
			t.Fatalf("topology cache instances %v", cache)
		}

		// served checks that every client sees what the REST API changes
		// next: a MAC entry and the bridge's name.
		round := 0
		served := func(why string, api *client.Client, agent *agenttest.StateProxy, topo *topologyClient, req *models.UUID) {
			t.Helper()
			round++
			mac := "02:00:00:00:01:0" + strconv.Itoa(round)
			if _, err := api.BridgeMACTable(bridge).Create(ctx, &client.MacPort{MacAddr: mac, PortID: port}); err != nil {
				t.Fatalf("%s: REST MAC create: %v", why, err)
			}
			for {
				u := agent.Recv(waitLimit).GetNotify().GetUpdate()
				if u.GetType() == models.ProxyResponse_Notify_Update_RELATIVE && len(u.GetEntries()) == 1 &&
					agenttest.MACEntry(u.GetEntries()[0]) == mac+"="+port {
					break
				}
				if u == nil {
					t.Fatalf("%s: waiting for the MAC entry %s", why, mac)
				}
			}
			name := "br-" + strconv.Itoa(round)
			br, err := api.Bridges().Get(ctx, bridge)
			if err != nil {
				t.Fatal(err)
			}
			br.Name = name
			if err := api.Bridges().Update(ctx, bridge, br); err != nil {
				t.Fatalf("%s: REST bridge update: %v", why, err)
			}
			topo.wantName(req, name)
			ins := instances(t, observer, b.root, endpoint.TopologyCacheName)
			if len(ins) != 1 {
				t.Fatalf("%s: topology cache instances %v", why, ins)
			}
			u, err := url.Parse(ins[0].URI())
			if err != nil {
				t.Fatal(err)
			}
			if code, body := get(t, http.DefaultClient, "http://127.0.0.1:"+u.Port()+u.Path); code != 200 || len(body) < 10 {
				t.Fatalf("%s: GET %s: %d, %d bytes", why, ins[0].URI(), code, len(body))
			}
		}
		served("before any fault", api, agent, topo, req)

		if b.expire != nil {
			b.expire(t, connA)
			// The proxy's caches close with the session (CONNECTIONLOSS, as
			// the reference's on a LOST connection); the agent subscribes
			// again on the same connection once the proxy is back in
			// discovery.
			c := agent.Recv(waitLimit).GetNotify().GetCompleted()
			if c.GetCode() != models.ProxyResponse_Notify_Completed_NSDB_ERROR || c.GetNsdbCode() != -4 {
				t.Fatalf("state proxy after the expiry: %v", c)
			}
			eventually(t, "the state proxy is in service discovery again", func() bool {
				ins := instances(t, observer, b.root, stateproxy.ServiceName)
				return len(ins) == 1 && ins[0].HostPort() == proxyA
			})
			agent.SubscribeMACTable(bridge, waitLimit)
			// The subscription's watch ended with the session: ERROR
			// "error on watch", as the reference's; the Topology API
			// session itself stays and subscribes again.
			if r := topo.recv(); r.GetType() != models.ResponseType_ERROR || !r.GetReqId().Equal(req) ||
				r.GetInfo().GetMsg() != "error on watch" {
				t.Fatalf("topology API after the expiry: %v", r)
			}
			eventually(t, "the Topology API subscribes again", func() bool {
				req, ok = topo.subscribeNetwork(bridge)
				return ok
			})
			eventually(t, "the endpoint is in service discovery again", func() bool {
				ins := instances(t, observer, b.root, endpoint.TopologyCacheName)
				return len(ins) == 1 && ins[0].ID == cache[0].ID
			})
			served("after the node's session expired", api, agent, topo, req)
		}

		// Failover: B starts, A stops; clients find B as they found A.
		bNode, _, topoB := agentServicesNode(t, b)
		eventually(t, "both state proxies are in service discovery", func() bool {
			return len(instances(t, observer, b.root, stateproxy.ServiceName)) == 2
		})
		if err := a.stop(t); err != nil {
			t.Fatal(err)
		}
		if c := agent.Recv(waitLimit).GetNotify().GetCompleted(); c.GetCode() != models.ProxyResponse_Notify_Completed_SERVER_SHUTDOWN {
			t.Fatalf("state proxy of the stopped node: %v", c)
		}
		if r, ok := topo.next(); ok {
			t.Fatalf("topology API of the stopped node sent %v, want the connection closed", r)
		}
		ins := instances(t, observer, b.root, stateproxy.ServiceName)
		if len(ins) != 1 || ins[0].HostPort() == proxyA {
			t.Fatalf("state proxies after the first node stopped: %v", ins)
		}
		agent = agenttest.DialStateProxy(t, ins[0].HostPort())
		agent.SubscribeMACTable(bridge, waitLimit)
		topo = dialTopology(t, topoB)
		if req, ok = topo.subscribeNetwork(bridge); !ok {
			t.Fatal("subscription through the second node refused")
		}
		served("after failing over to the second node", client.New(httpURL(bNode.node, "/midonet-api")), agent, topo, req)
	})
}
