package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage: ha up"},
		{[]string{"down"}, 2, "usage: ha up"},
		{[]string{"help"}, 0, "usage: ha up"},
		{[]string{"load"}, 2, "-api"},
		{[]string{"load", "-api", "http://127.0.0.1:1/midonet-api", "-workers", "0"}, 2, "-workers"},
		{[]string{"up", "-no-such-flag"}, 2, "flag provided but not defined"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tc.args, code, tc.code, errOut.String(), tc.msg)
		}
	}
}
