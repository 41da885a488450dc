package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCalibrateChecksRejectBadFlags checks the refusals that come before
// any simulation: two checks at once, --out with a check, and an unknown
// target to hold out.
func TestCalibrateChecksRejectBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"--identify", "--leave-one-out"}, "use one of --identify, --contexts, --hold-out and --leave-one-out"},
		{[]string{"--hold-out", "B1", "--out", "x.yaml"}, "write no profile; drop --out"},
		{[]string{"--hold-out", "B9"}, `no target "B9" (targets: B1, B2, B3, B4, B4-high, B5, B6, B7)`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := runCommand(t, cmdCalibrate, "calibrate", tc.args, &stdout, &stderr)
		if code != exitBadInput || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), exitBadInput, tc.err)
		}
	}
}
