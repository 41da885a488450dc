package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestLoadStartAtRefused checks giftsim load refuses an unusable --start-at
// with exit 2 and one clear line, before anything runs.
func TestLoadStartAtRefused(t *testing.T) {
	plan := "scenarios/loadplans/quota-new-merchant.yaml"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--start-at", "2020-01-01T00:00:00Z", plan}, "in the past"},
		{[]string{"load", "--start-at", "+25h", plan}, "more than 1d"},
		{[]string{"load", "--start-at", "17:30", plan}, "RFC 3339"},
		{[]string{"load", "--start-at", "+30s", "--merge", plan, t.TempDir()}, "not to --merge"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := dispatch(context.Background(), tc.args, &stdout, &stderr)
		if code != exitBadInput || !strings.Contains(stderr.String(), tc.want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, stderr.String(), exitBadInput, tc.want)
		}
	}
}
