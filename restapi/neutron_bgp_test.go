package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/midonet/midonet-go/midonet/consistency"
	"github.com/midonet/midonet-go/midonet/storage"
)

// TestPythonNeutronBgpClient drives the unmodified python-midonetclient's
// BGP mixin (testdata/pyclient_neutron_bgp.py, which also reads the
// translation back through the client's v5 API) and checks what it left
// through our v5 and Neutron APIs: the router's AS number and peer, the
// announced networks (the interface's; the extra route withdrawn by a
// peer's delete), the Quagga container and its group, the stored
// Neutron peer; the store is consistent.
func TestPythonNeutronBgpClient(t *testing.T) {
	runNeutronScenario(t, "testdata/pyclient_neutron_bgp.py", func(ctx context.Context, t *testing.T, n neutronAPI,
		out []byte, conn storage.Conn, root string) {
		var ids struct {
			Router, Peer, Speaker, Container string
			QuaggaPort                       string `json:"quagga_port"`
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		if err := json.Unmarshal(lines[len(lines)-1], &ids); err != nil {
			t.Fatalf("scenario output %q: %v", out, err)
		}
		r := n.must(200, "GET", "/routers/"+ids.Router, "application/json", nil).(map[string]any)
		if r["asNumber"] != float64(64512) || r["localRedirectChainId"] == nil {
			t.Errorf("router %v", r)
		}
		peers := n.must(200, "GET", "/routers/"+ids.Router+"/bgp_peers", "application/json", nil).([]any)
		if len(peers) != 1 {
			t.Fatalf("router peers %v", peers)
		}
		p := peers[0].(map[string]any)
		if p["id"] != ids.Peer || p["address"] != "172.24.4.100" || p["asNumber"] != float64(65001) || p["password"] != "n3w" {
			t.Errorf("v5 BGP peer %v", p)
		}
		nets := n.must(200, "GET", "/routers/"+ids.Router+"/bgp_networks", "application/json", nil).([]any)
		got := map[string]bool{}
		for _, x := range nets {
			m := x.(map[string]any)
			got[m["subnetAddress"].(string)+"/"+mustJSON(t, m["subnetLength"])] = true
		}
		if len(got) != 1 || !got["10.0.0.0/24"] {
			t.Errorf("BGP networks %v", got)
		}
		sc := n.must(200, "GET", "/service_containers/"+ids.Container, "application/json", nil).(map[string]any)
		if sc["serviceType"] != "QUAGGA" || sc["configurationId"] != ids.Router || sc["portId"] != ids.QuaggaPort {
			t.Errorf("service container %v", sc)
		}
		np := n.must(200, "GET", "/neutron/bgp_peers/"+ids.Peer, neutronVnd+"BgpPeer-v1+json", nil).(map[string]any)
		sp, _ := np["bgp_speaker"].(map[string]any)
		if np["name"] != "kept" || np["password"] != "n3w" || np["auth_type"] != "MD5" || sp["logical_router"] != ids.Router ||
			sp["local_as"] != float64(64512) {
			t.Errorf("Neutron peer %v", np)
		}
		all := n.must(200, "GET", "/neutron/bgp_peers", neutronVnd+"BgpPeers-v1+json", nil).([]any)
		if len(all) != 1 {
			t.Errorf("Neutron peers %v", all)
		}
		rep, err := consistency.Check(ctx, conn, root, consistency.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			t.Errorf("after the scenario: %s", f)
		}
	})
}

// TestNeutronBgpHTTP: the speaker resource serves only PUT; bad bodies are
// 400 with the reference's messages, a peer of a missing router 404, a
// missing peer's GET 404 and its DELETE 204; nothing is left by refusals.
func TestNeutronBgpHTTP(t *testing.T) {
	for _, sb := range storageBackends() {
		t.Run(sb.name, func(t *testing.T) {
			n := serveNeutron(t, sb)
			rtr := uuid.NewString()
			n.must(201, "POST", "/neutron/routers", neutronVnd+"Router-v1+json", map[string]any{"id": rtr, "name": "r"})
			peerType, speakerType := neutronVnd+"BgpPeer-v1+json", neutronVnd+"BgpSpeaker-v1+json"
			sp := uuid.NewString()
			speaker := map[string]any{"id": sp, "local_as": 64512, "ip_version": 4, "logical_router": rtr}
			peer := func(id string, edit func(map[string]any)) map[string]any {
				p := map[string]any{"id": id, "tenant_id": "t", "peer_ip": "10.9.0.1", "remote_as": 65001,
					"auth_type": "none", "password": "", "bgp_speaker": speaker}
				if edit != nil {
					edit(p)
				}
				return p
			}
			p1 := uuid.NewString()
			got := n.must(201, "POST", "/neutron/bgp_peers", peerType, peer(p1, nil)).(map[string]any)
			if got["auth_type"] != "NONE" || got["remote_as"] != float64(65001) {
				t.Errorf("peer answered %v", got)
			}

			// TestBgpPeer.scala's "Create, read, delete": a minimal peer reads
			// back as posted, absent values as null.
			minimal := uuid.NewString()
			posted := map[string]any{"id": minimal, "peer_ip": "20.0.0.1",
				"bgp_speaker": map[string]any{"id": sp, "logical_router": rtr, "del_bgp_peer_ids": []any{}}}
			n.must(201, "POST", "/neutron/bgp_peers", peerType, posted)
			want := `{"id":"` + minimal + `","tenant_id":null,"name":null,"peer_ip":"20.0.0.1","remote_as":null,` +
				`"auth_type":null,"password":null,"bgp_speaker":{"id":"` + sp + `","tenant_id":null,"name":null,` +
				`"local_as":null,"ip_version":null,"logical_router":"` + rtr + `","del_bgp_peer_ids":[]}}`
			if got := mustJSON(t, n.must(200, "GET", "/neutron/bgp_peers/"+minimal, peerType, nil)); got != mustJSON(t, jsonOf(t, want)) {
				t.Errorf("minimal peer read back as %s, want %s", got, want)
			}
			n.must(204, "DELETE", "/neutron/bgp_peers/"+minimal, "", nil)
			n.must(404, "GET", "/neutron/bgp_peers/"+minimal, peerType, nil)

			// The speaker: PUT only.
			n.must(404, "GET", "/neutron/bgp_speakers", speakerType, nil)
			n.must(405, "GET", "/neutron/bgp_speakers/"+sp, speakerType, nil)
			n.must(405, "DELETE", "/neutron/bgp_speakers/"+sp, "", nil)
			n.must(204, "PUT", "/neutron/bgp_speakers/"+sp, speakerType, speaker)
			bad := func(method, path, media string, body any, msg string) {
				t.Helper()
				e, _ := n.must(400, method, path, media, body).(map[string]any)
				if msg != "" && e["message"] != msg {
					t.Errorf("%s %s: message %v, want %q", method, path, e["message"], msg)
				}
			}
			bad("PUT", "/neutron/bgp_speakers/"+uuid.NewString(), speakerType, speaker, "Path ID does not match object ID")
			bad("PUT", "/neutron/bgp_speakers/"+sp, speakerType, map[string]any{"id": sp, "logical_router": rtr,
				"del_bgp_peer_ids": []any{"nope"}}, "")
			bad("PUT", "/neutron/bgp_speakers/"+sp, speakerType, map[string]any{"id": sp, "local_as": "x"}, "")
			n.must(404, "PUT", "/neutron/bgp_speakers/"+sp, speakerType, map[string]any{"id": sp,
				"logical_router": uuid.NewString(), "del_bgp_peer_ids": []any{p1}})

			// Peers.
			bad("PUT", "/neutron/bgp_peers/"+uuid.NewString(), peerType, peer(p1, nil), "Path ID does not match object ID")
			for what, edit := range map[string]func(map[string]any){
				"bad peer_ip":   func(p map[string]any) { p["peer_ip"] = "10.9.0.300" },
				"no peer_ip":    func(p map[string]any) { delete(p, "peer_ip") },
				"bad auth_type": func(p map[string]any) { p["auth_type"] = "sha1" },
				"bad remote_as": func(p map[string]any) { p["remote_as"] = 1 << 40 },
				"bad router":    func(p map[string]any) { p["bgp_speaker"] = map[string]any{"logical_router": "r"} },
			} {
				id := uuid.NewString()
				if code, body := n.do("POST", "/neutron/bgp_peers", peerType, peer(id, edit)); code != 400 {
					t.Errorf("%s: %d %v", what, code, body)
				}
				n.must(404, "GET", "/neutron/bgp_peers/"+id, peerType, nil)
			}
			missing := uuid.NewString()
			n.must(404, "POST", "/neutron/bgp_peers", peerType, peer(missing, func(p map[string]any) {
				p["bgp_speaker"] = map[string]any{"id": sp, "local_as": 1, "logical_router": uuid.NewString()}
			}))
			n.must(404, "GET", "/neutron/bgp_peers/"+missing, peerType, nil)
			n.must(204, "DELETE", "/neutron/bgp_peers/"+missing, "", nil)
			n.must(404, "PUT", "/neutron/bgp_peers/"+missing, peerType, peer(missing, nil))
			if peers := n.must(200, "GET", "/routers/"+rtr+"/bgp_peers", "application/json", nil).([]any); len(peers) != 1 {
				t.Errorf("router peers after refusals %v", peers)
			}

			// The speaker's update deletes the peer, MidoNet and Neutron.
			n.must(204, "PUT", "/neutron/bgp_speakers/"+sp, speakerType, map[string]any{"id": sp, "logical_router": rtr,
				"del_bgp_peer_ids": []any{p1}})
			n.must(404, "GET", "/neutron/bgp_peers/"+p1, peerType, nil)
			n.must(404, "GET", "/bgp_peers/"+p1, "application/json", nil)
		})
	}
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
