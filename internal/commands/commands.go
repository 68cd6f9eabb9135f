// Package commands holds the command trees of midonet-cluster and
// midonet-check (mn-conf's is mnconf.CLI.Command): cmd/ runs them, and
// packaging generates the man pages and shell completions from the same
// definitions, so the documentation cannot drift from the flags.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/midonet/midonet-go/internal/version"
)

// exitError makes a command end with an exit code; Err, when set, has
// been reported already (logged or printed).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return fmt.Sprintf("exit %d: %v", e.code, e.err) }
func (e *exitError) Unwrap() error { return e.err }

// usageExit is the exit code of a bad command line, for both commands.
const usageExit = 2

// Run executes cmd with args and returns the process exit code: 0, the
// code the command chose, or 2 for a bad command line (reported on stderr
// with the hint to --help).
func Run(ctx context.Context, cmd *cobra.Command, args []string) int {
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\nRun '%s --help' for usage.\n", cmd.Name(), err, cmd.Name())
	return usageExit
}

// newRoot is what both commands share: silenced cobra error printing (Run
// reports), --version from the build information, no completion
// subcommand (completions are generated files), streams.
func newRoot(use, short, long string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:           use,
		Short:         short,
		Long:          long,
		Version:       version.Get().String(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return cmd
}
