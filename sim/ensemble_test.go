package sim

import (
	"context"
	"math"
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
	tests := []struct{ members, reps, groups int }{{0, 10, 0}, {20, 10, 5}, {3, 10, 3}, {20, 3, 0}, {20, 40, 20}}
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
