package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet/storage/zktest"
	"github.com/midonet/midonet-go/restapi/client"
)

// TestEmbed runs the example in-memory and on a real ZooKeeper: the API
// answers at the printed URL, a bridge written through it reads back, and
// cancelling the context stops the node cleanly.
func TestEmbed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hosts func(t *testing.T) string
	}{
		{"in-memory", func(*testing.T) string { return "" }},
		{"zookeeper", func(t *testing.T) string { return zktest.Start(t).Addr() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- run(ctx, tc.hosts(t), "0", pw); pw.Close() }()
			line, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatalf("no URL printed: %v (%v)", err, <-done)
			}
			go io.Copy(io.Discard, pr)
			url := strings.TrimSpace(strings.TrimPrefix(line, "MidoNet API at "))
			api := client.New(url)
			reqCtx, reqCancel := context.WithTimeout(ctx, 30*time.Second)
			defer reqCancel()
			created, err := api.Bridges().Create(reqCtx, &client.Bridge{Name: "embedded", TenantID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := api.Bridges().Get(reqCtx, created.ID); err != nil || got.Name != "embedded" {
				t.Fatalf("read back: %+v, %v", got, err)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("node did not stop")
			}
			if _, err := http.Get(url); err == nil {
				t.Fatal("still serving after the context ended")
			}
		})
	}
}
