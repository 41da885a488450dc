package main

import (
	"context"
	"strings"
	"testing"
)

// TestSetNamesTheFlag checks that run and validate apply --set to the
// scenario, checked as the file is, and that a refused override is named
// by its flag.
func TestSetNamesTheFlag(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate", example, "--set", "coupon.validity=120d"},
			"--set coupon.validity=120d: coupon.validity: C4: validity must be 1d to 90d, got 120d"},
		{[]string{"validate", example, "--set", "coupon.validity=forever"},
			`--set coupon.validity=forever: coupon.validity: want a duration such as 7d, 48h or 30m, got "forever"`},
		{[]string{"validate", example, "--set", "merchant.tier=new"},
			"--set merchant.tier=new: campaign[0].channel: C2: official-account needs a certified merchant, this one is new"},
		{[]string{"run", example, "--quiet", "--set", "campaign[0].channel=mini-program"},
			"--set campaign[0].channel=mini-program: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d (arm 30-day)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantBadInput(t, tt.want, tt.args...)
		})
	}
	code, stdout, stderr := dispatchArgs(context.Background(), "validate", example, "-v", "--set", "population.users=500")
	if code != exitOK || !strings.Contains(stdout, "arm 7-day: coupon.validity=7d") || !strings.Contains(stdout, "arm 30-day: coupon.validity=30d") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}
