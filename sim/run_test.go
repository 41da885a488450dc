package sim

import (
	"context"
	"strings"
	"testing"

	"giftsim/platform"
)

// horizonConfig is a small scenario whose coupons outlast a 5-day horizon
// by far.
func horizonConfig() Config {
	cfg := DefaultConfig()
	cfg.Population.Users = 2000
	cfg.Horizon = 5 * platform.Day
	cfg.Coupon.Validity = 30 * platform.Day
	return cfg
}

func runHorizonArm(t *testing.T, name string, cfg Config) []string {
	t.Helper()
	exp := &Experiment{Name: "horizon", Seed: 11, Replications: 2, Arms: []Arm{{Name: name, Config: cfg}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Arms[0].KPIs["issued"].Mean == 0 {
		t.Fatal("the scenario issued no coupons")
	}
	return res.Warnings
}

func TestWarnsWhenHorizonCutsValidCoupons(t *testing.T) {
	warnings := runHorizonArm(t, "30-day", horizonConfig())
	if len(warnings) != 1 {
		t.Fatalf("got %d warnings %q, want 1", len(warnings), warnings)
	}
	for _, want := range []string{`arm "30-day": `, " coupons (", "%) were still valid when the 5d horizon ended",
		"lengthen horizon to at least 35d", "30d validity"} {
		if !strings.Contains(warnings[0], want) {
			t.Errorf("warning %q lacks %q", warnings[0], want)
		}
	}
}

func TestNoWarningWhenCouponsRunOut(t *testing.T) {
	cfg := horizonConfig()
	cfg.Horizon = 12 * platform.Day
	cfg.Coupon.Validity = 3 * platform.Day
	cfg.Campaign[0].Days = 2
	if warnings := runHorizonArm(t, "3-day", cfg); len(warnings) != 0 {
		t.Fatalf("got warnings %q, want none", warnings)
	}
}

func TestHorizonAdvice(t *testing.T) {
	cfg := horizonConfig()
	cfg.Horizon = 60 * platform.Day
	cfg.Campaign[0].FirstDay, cfg.Campaign[0].Days = 5, 60
	if got, want := horizonAdvice(&cfg), "at least 95d (the last push ends at 65d, plus the 30d validity)"; !strings.Contains(got, want) {
		t.Errorf("pushes with days: got %q, want %q in it", got, want)
	}
	cfg.Campaign[0].Days = 0
	if got, want := horizonAdvice(&cfg), "at least 90d (pushes run to the horizon, 60d, plus the 30d validity) and give the pushes days"; !strings.Contains(got, want) {
		t.Errorf("pushes to the horizon: got %q, want %q in it", got, want)
	}
	cfg.Campaign[0].Days = 10
	if got := horizonAdvice(&cfg); strings.Contains(got, "at least") {
		t.Errorf("the horizon already covers the pushes, yet the advice is %q", got)
	}
	if got := groupDigits(8591.4); got != "8,591" {
		t.Errorf("groupDigits(8591.4) = %q", got)
	}
}
