// Package cputime reads the CPU time the process has used, for benchmarks
// that report it beside wall time: on a loaded machine wall time stretches
// most for the longer operations, CPU time much less.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Process is the CPU time the process has used so far (user and system,
// every thread, garbage collection included); it fails tb when the system
// does not say.
func Process(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("cputime: getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
