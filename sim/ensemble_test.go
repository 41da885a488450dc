package sim

import (
	"context"
	"math"
	"strings"
	"testing"

	"giftsim/platform"
)

func TestSplitVariance(t *testing.T) {
	// Two groups (replication i in group i mod 2) whose means differ by 10
	// and whose values spread ±1 within. The noise is the pooled within-group
	// SD; the model's variance component is (MSB − MSW)/4, the unbiased
	// one-way estimate (two group means at ±5 give MSB = 200).
	xs := []float64{9, 19, 11, 21, 9, 19, 11, 21}
	model, noise := splitVariance(xs, 2)
	if math.Abs(noise-1.1547) > 1e-3 {
		t.Errorf("noise %g, want the pooled within-group SD 1.1547", noise)
	}
	if math.Abs(model-7.0475) > 1e-3 {
		t.Errorf("model %g, want √((MSB−MSW)/4) = 7.0475", model)
	}
	// No difference between groups beyond noise gives no model spread.
	if m, _ := splitVariance([]float64{1, 1.1, 1.1, 1}, 2); m > 0.06 {
		t.Errorf("model spread %g for groups alike", m)
	}
	if m, n := splitVariance([]float64{1, 2, 3}, 2); m != 0 || n != 0 {
		t.Errorf("too few replications to split: got %g, %g", m, n)
	}
}

func TestAgreementAndMembers(t *testing.T) {
	if got := agreement([]float64{1, 2, -0.5, 3}, 2); got != 2 {
		t.Errorf("agreement %d, want 2 (group 1 sums to 1.5)", got)
	}
	if got := agreement([]float64{1, -2, 1, -2}, 2); got != 1 {
		t.Errorf("agreement %d, want 1", got)
	}
	tests := []struct{ members, reps, groups int }{{0, 10, 0}, {20, 10, 5}, {3, 10, 3}, {20, 3, 3}, {20, 1, 0}, {20, 4, 4}, {20, 9, 9}, {6, 9, 6}, {20, 40, 20}}
	for _, tc := range tests {
		if got := ensembleGroups(tc.members, tc.reps); got != tc.groups {
			t.Errorf("ensembleGroups(%d, %d) = %d, want %d", tc.members, tc.reps, got, tc.groups)
		}
	}
	seen := map[int]bool{}
	for rep := range 10 {
		seen[memberOf(20, 5, rep)] = true
	}
	if len(seen) != 5 || !seen[0] || !seen[16] {
		t.Errorf("members used %v, want 0, 4, 8, 12, 16", seen)
	}
}

func TestMemberApplyKeepsRanges(t *testing.T) {
	b := DefaultBehaviour()
	got := Member{{Name: "redeem_prob", Times: 10}, {Name: "forget_hours", Times: 0.5}}.apply(b)
	if got.RedeemProb != 1 || got.ForgetHours != b.ForgetHours/2 {
		t.Errorf("redeem_prob %g (want capped at 1), forget_hours %g (want %g)", got.RedeemProb, got.ForgetHours, b.ForgetHours/2)
	}
	if err := (Member{{Name: "nope", Times: 1}}).Validate(); err == nil {
		t.Error("an unknown parameter passed")
	}
	if err := (Member{{Name: "gift_rate", Times: 0}}).Validate(); err == nil {
		t.Error("a zero factor passed")
	}
}

// TestEnsembleKeepsArmsPaired runs two identical arms with an ensemble that
// varies redemption strongly: each replication gives both arms the same
// parameter set, so their paired difference is exactly zero, while the
// level's spread is mostly the model's and its interval is a prediction
// interval wider than without the ensemble.
func TestEnsembleKeepsArmsPaired(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Population.Users = 3000
	cfg.Horizon = 20 * platform.Day
	exp := &Experiment{Seed: 5, Replications: 8, Arms: []Arm{{Name: "a", Config: cfg}, {Name: "b", Config: cfg}},
		Ensemble: []Member{{{Name: "redeem_prob", Times: 0.3}}, {{Name: "redeem_prob", Times: 1}}, {{Name: "redeem_prob", Times: 1.6}}, {{Name: "redeem_prob", Times: 0.6}}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Arms[1].Diffs["redemption_rate"]
	if d.Mean != 0 || d.Low != 0 || d.High != 0 || d.Members != 4 {
		t.Fatalf("identical arms under one ensemble: diff %+v", d)
	}
	e := res.Arms[0].KPIs["redemption_rate"]
	if !(e.ModelSD > e.NoiseSD) {
		t.Errorf("model SD %g not above noise SD %g, though the ensemble varies redeem_prob fivefold", e.ModelSD, e.NoiseSD)
	}
	exp.Ensemble = nil
	central, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := central.Arms[0].KPIs["redemption_rate"]
	if c.ModelSD != 0 || !(e.High-e.Low > 2*(c.High-c.Low)) {
		t.Errorf("prediction interval [%g, %g] not clearly wider than the central run's [%g, %g]", e.Low, e.High, c.Low, c.High)
	}
}

// TestEnsembleWithFewReplications runs four replications under an ensemble:
// too few to split the spread, so each replication runs its own parameter
// set, the level's interval is as wide as the whole spread's, mean ± t(3)·s
// (moved inside the KPI's bounds), no split is claimed, and the run says why.
func TestEnsembleWithFewReplications(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Population.Users = 2000
	cfg.Horizon = 15 * platform.Day
	exp := &Experiment{Seed: 7, Replications: 4, Arms: []Arm{{Name: "a", Config: cfg}},
		Ensemble: []Member{{{Name: "redeem_prob", Times: 0.5}}, {{Name: "redeem_prob", Times: 1}}, {{Name: "redeem_prob", Times: 1.5}}, {{Name: "redeem_prob", Times: 0.8}}, {{Name: "redeem_prob", Times: 1.2}}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.EnsembleSets != 4 {
		t.Errorf("%d parameter sets used, want one per replication (4)", res.EnsembleSets)
	}
	e := res.Arms[0].KPIs["redemption_rate"]
	if e.ModelSD != 0 || e.NoiseSD != 0 {
		t.Errorf("a split (model %g, noise %g) claimed from one replication per set", e.ModelSD, e.NoiseSD)
	}
	h := tQuantile975(3) * e.SD
	// Intervals are moved inside their bounds, which may shift them, so
	// the width is what is checked.
	if !(e.SD > 0) || e.High-e.Low < 0.95*2*h || e.Low < 0 || e.High > 100 {
		t.Errorf("interval [%g, %g] narrower than mean %g ± t(3)·sd %g, or outside 0–100%%", e.Low, e.High, e.Mean, e.SD)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w, "too few to tell the model's uncertainty from simulation noise")
	}
	if !warned {
		t.Errorf("no warning about the unsplit spread: %q", res.Warnings)
	}
}
