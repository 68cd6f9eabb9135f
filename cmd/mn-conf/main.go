// Command mn-conf reads and writes MidoNet's configuration in ZooKeeper:
// schemas, templates, per-host settings and template mappings. It is the
// drop-in for MidoNet's mn-conf tool (same subcommands, flags, output and
// exit codes); the logic lives in package mnconf, this file only wires it to
// the process and to ZooKeeper. Run "mn-conf --help" for usage.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/midonet/midonet-go/internal/version"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/zk"
	"github.com/midonet/midonet-go/mnconf"
)

// sessionTimeout is the ZooKeeper session timeout requested; the tool's
// sessions are short, so only a lost connection in mid-command is at stake.
const sessionTimeout = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cli := mnconf.CLI{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		LookupEnv: os.LookupEnv,
		Connect:   connect,
		Version:   version.Get().String(),
	}
	code := cli.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// connect opens a ZooKeeper session within timeout. Like the reference
// (whose logging is silenced), it logs nothing: a failure is reported once,
// as exit code 3, by the caller.
func connect(ctx context.Context, servers []string, timeout time.Duration) (storage.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := zk.Connect(ctx, zk.Config{
		Servers:        servers,
		SessionTimeout: sessionTimeout,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", storage.ErrConnectionLoss, err)
	}
	return conn, nil
}
