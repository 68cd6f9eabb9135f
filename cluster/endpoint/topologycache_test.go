package endpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/cluster/internal/servicetest"
	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// decoded is a snapshot read back by sbeReader, following
// topology.schema.xml on its own (not the writer's code).
type decoded struct {
	objects map[string]map[uuid.UUID][]byte // Java class → id → data
	// owner ("null" for the null UUID) → class → id → key → value
	state map[string]map[string]map[uuid.UUID]map[string]decodedKey
}

type decodedKey struct {
	multi  bool
	values []string
	single []byte
}

type sbeReader struct {
	b   []byte
	err error
}

func (r *sbeReader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		if r.err == nil {
			r.err = io.ErrUnexpectedEOF
		}
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
func (r *sbeReader) u16() int     { return int(binary.LittleEndian.Uint16(r.take(2))) }
func (r *sbeReader) u64() uint64  { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *sbeReader) data() []byte { return r.take(int(binary.LittleEndian.Uint32(r.take(4)))) }
func (r *sbeReader) group(block int) int {
	if got := r.u16(); got != block && r.err == nil {
		r.err = fmt.Errorf("group block length %d, want %d", got, block)
	}
	return r.u16()
}
func (r *sbeReader) uuid() (uuid.UUID, bool) {
	msb, lsb := r.u64(), r.u64()
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], msb)
	binary.BigEndian.PutUint64(id[8:], lsb)
	return id, msb == ^uint64(0) && lsb == ^uint64(0)
}

func decodeSnapshot(b []byte) (*decoded, error) {
	r := &sbeReader{b: b}
	if total, block, tmpl, schema, version := r.u16(), r.u16(), r.u16(), r.u16(), r.u16(); total != 0 || block != 0 ||
		tmpl != 1 || schema != 1 || version != 1 {
		return nil, fmt.Errorf("header %d %d %d %d %d", total, block, tmpl, schema, version)
	}
	d := &decoded{objects: map[string]map[uuid.UUID][]byte{}, state: map[string]map[string]map[uuid.UUID]map[string]decodedKey{}}
	for range r.group(0) {
		objs := map[uuid.UUID][]byte{}
		for range r.group(16) {
			id, _ := r.uuid()
			objs[id] = r.data()
		}
		d.objects[string(r.data())] = objs
	}
	for range r.group(16) {
		id, null := r.uuid()
		owner := id.String()
		if null {
			owner = "null"
		}
		classes := map[string]map[uuid.UUID]map[string]decodedKey{}
		for range r.group(0) {
			ids := map[uuid.UUID]map[string]decodedKey{}
			for range r.group(16) {
				id, _ := r.uuid()
				keys := map[string]decodedKey{}
				for range r.group(1) {
					var k decodedKey
					k.multi = r.take(1)[0] == 1
					for range r.group(0) {
						k.values = append(k.values, string(r.data()))
					}
					name := string(r.data())
					k.single = r.data()
					keys[name] = k
				}
				ids[id] = keys
			}
			classes[string(r.data())] = ids
		}
		d.state[owner] = classes
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	return d, r.err
}

func TestTopologyCache(t *testing.T) {
	servicetest.Each(t, func(t *testing.T, b servicetest.Backend) {
		ctx := servicetest.Context(t)
		root := servicetest.Root(t)
		st := servicetest.Store(t, b, root, zoom.Options{})
		host := uuid.New()
		agent := servicetest.Store(t, b, root, zoom.Options{Namespace: host.String()})
		net, bound, unbound := uuid.New(), uuid.New(), uuid.New()
		if err := st.Tx(ctx, func(tx *zoom.Tx) error {
			return errors.Join(
				tx.Create(&models.Host{Id: models.UUIDFromGoogle(host), Name: proto.String("agent")}),
				tx.Create(&models.Network{Id: models.UUIDFromGoogle(net), Name: proto.String("net")}),
				tx.Create(&models.Port{Id: models.UUIDFromGoogle(bound), NetworkId: models.UUIDFromGoogle(net),
					HostId: models.UUIDFromGoogle(host), InterfaceName: proto.String("tap0")}),
				tx.Create(&models.Port{Id: models.UUIDFromGoogle(unbound), NetworkId: models.UUIDFromGoogle(net)}))
		}); err != nil {
			t.Fatal(err)
		}
		portState, _ := models.Marshal(&models.PortState{TunnelKey: proto.Uint64(7)})
		for _, kv := range []struct {
			model      proto.Message
			id         uuid.UUID
			key, value string
		}{
			{&models.Host{}, host, midonet.AliveKey, "alive"},
			{&models.Port{}, bound, midonet.ActiveKey, string(portState)},
			{&models.Port{}, bound, midonet.RoutesKey, "route-1"},
			{&models.Port{}, bound, midonet.RoutesKey, "route-2"},
		} {
			if _, err := agent.AddValue(ctx, kv.model, kv.id, kv.key, kv.value); err != nil {
				t.Fatal(err)
			}
		}

		srv, err := Start(ctx, st.Conn(), root, testConfig(), []User{NewTopologyCache(st.Conn(), st.ZoomPath())},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop(ctx)
		url := "http://" + srv.Addr().String() + TopologyCachePath
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" ||
			resp.Header.Get("Cache-Control") != "no-store,must-revalidate" {
			t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
		}
		d, err := decodeSnapshot(body)
		if err != nil {
			t.Fatalf("decoding the snapshot: %v", err)
		}
		stored, _, err := st.Conn().Get(ctx, st.ZoomPath()+"/models/Network/"+net.String())
		if err != nil {
			t.Fatal(err)
		}
		if got := d.objects["org.midonet.cluster.models.Topology$Network"][net]; string(got) != string(stored) {
			t.Errorf("network in the snapshot %q, want the stored %q", got, stored)
		}
		if len(d.objects["org.midonet.cluster.models.Topology$Port"]) != 2 {
			t.Errorf("ports in the snapshot: %d", len(d.objects["org.midonet.cluster.models.Topology$Port"]))
		}
		hostKeys := d.state[host.String()]["org.midonet.cluster.models.Topology$Host"][host]
		if k := hostKeys[midonet.AliveKey]; k.multi || string(k.single) != "alive" {
			t.Errorf("host alive %+v", k)
		}
		if k, ok := hostKeys[midonet.HostKey]; !ok || len(k.single) != 0 {
			t.Errorf("absent host key %+v, want present and empty", k)
		}
		portKeys := d.state[host.String()]["org.midonet.cluster.models.Topology$Port"][bound]
		var ps models.PortState
		if err := proto.Unmarshal(portKeys[midonet.ActiveKey].single, &ps); err != nil || ps.GetTunnelKey() != 7 {
			t.Errorf("port active %q (binary PortState): %v %v", portKeys[midonet.ActiveKey].single, &ps, err)
		}
		if k := portKeys[midonet.RoutesKey]; !k.multi || strings.Join(k.values, ",") != "route-1,route-2" {
			t.Errorf("port routes %+v", k)
		}
		if _, ok := d.state["null"]["org.midonet.cluster.models.Topology$Port"][unbound]; !ok {
			t.Errorf("unbound port not under the null owner: %v", d.state["null"])
		}

		req, _ := http.NewRequest(http.MethodPost, url, nil)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 405 || string(body) != "Failure: 405 Method Not Allowed\r\n" {
			t.Errorf("POST: %d %q", resp.StatusCode, body)
		}
		if ins, _ := discovery.Instances(ctx, st.Conn(), root, TopologyCacheName); len(ins) != 1 ||
			ins[0].URI() != fmt.Sprintf("http://test:%d/topology-cache", srv.Port()) {
			t.Errorf("topology-cache in discovery: %+v", ins)
		}
	})
}
