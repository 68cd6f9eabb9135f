// Package clustertest holds what tests that run a cluster.Node in-process
// share.
package clustertest

import (
	"strings"
	"sync"
)

// LoopbackOverrides are the cluster.Config overrides that put a node's
// listeners on loopback ephemeral ports, so that several nodes of one test
// never collide: HTTP on 127.0.0.1:0, HTTPS off, the agent endpoint and the
// State Proxy on ports of their own, and the VxLAN gateway service off (it
// needs VTEPs). Each call returns a new map the caller may change.
func LoopbackOverrides() map[string]string {
	return map[string]string{
		"cluster.rest_api.http_host":         "127.0.0.1",
		"cluster.rest_api.http_port":         "0",
		"cluster.rest_api.https_host":        "127.0.0.1",
		"cluster.rest_api.https_port":        "-1",
		"cluster.vxgw.enabled":               "false",
		"cluster.endpoint.service.interface": "127.0.0.1",
		"cluster.endpoint.service.port":      "0",
		"cluster.state_proxy.server.address": "127.0.0.1",
		"cluster.state_proxy.server.port":    "0",
	}
}

// LogBuffer collects log or process output written from several goroutines
// while the test reads it.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
