package zktest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// endRecorder captures how a helper ends a test, instead of ending it.
type endRecorder struct {
	testing.TB
	skipped, failed string
}

func (r *endRecorder) Helper()                   {}
func (r *endRecorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...) }
func (r *endRecorder) Fatal(args ...any)         { r.failed = fmt.Sprint(args...) }
func (r *endRecorder) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestMissingZooKeeperSkipsLoudlyOrFailsUnderCI(t *testing.T) {
	missing := errors.New("no /usr/share/zookeeper/bin/zkServer.sh")
	for _, tc := range []struct {
		ci       string
		wantSkip bool
	}{{"", true}, {"false", true}, {"true", false}} {
		t.Setenv("CI", tc.ci)
		r := &endRecorder{TB: t}
		skipOrFail(r, missing)
		got := r.failed
		if tc.wantSkip {
			got = r.skipped
		}
		if got == "" || (r.skipped != "") != tc.wantSkip || (r.failed != "") == tc.wantSkip {
			t.Errorf("CI=%q: skipped %q, failed %q; want a skip: %v", tc.ci, r.skipped, r.failed, tc.wantSkip)
		}
		if !strings.Contains(got, "ZooKeeper is not available") || !strings.Contains(got, "zkServer.sh") {
			t.Errorf("CI=%q: message %q does not say what is missing", tc.ci, got)
		}
	}
}
