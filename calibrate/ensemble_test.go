package calibrate

import (
	"context"
	"reflect"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/sim"
)

// pushTimeLoader is a tiny push-time scenario: a 10:00 arm against a 20:00
// arm, 3,000 users, for fast tests of the fitting machinery.
func pushTimeLoader(_ string, b sim.Behaviour) (*sim.Experiment, error) {
	cfg := sim.DefaultConfig()
	cfg.Population.Users = 3000
	cfg.Horizon = 10 * platform.Day
	cfg.Behaviour = b
	evening := cfg
	evening.Campaign = []sim.Push{cfg.Campaign[0]}
	evening.Campaign[0].PushAt = 20 * time.Hour
	return &sim.Experiment{Name: "push", Seed: 3, Replications: 4, Arms: []sim.Arm{
		{Name: "evening", Config: evening}, {Name: "morning", Config: cfg}}}, nil
}

// TestEnsembleMembersMeetTargets draws a small ensemble for one target and
// checks that every member meets it, that the chain moved, and that the
// draw is deterministic.
func TestEnsembleMembersMeetTargets(t *testing.T) {
	target := []Target{{ID: "B3", Scenario: "push", Arm: "morning", Baseline: "evening", KPI: "claim_conversion", Tol: 0.06}}
	params := []Param{{Name: "attention_hours", Field: func(b *sim.Behaviour) *float64 { return &b.AttentionHours }, Lo: 0.5, Hi: 50, Targets: []string{"B3"}}}
	center := sim.DefaultBehaviour()
	opts := Options{Replications: 4, Seed: 3}
	fs, err := Evaluate(context.Background(), center, target, pushTimeLoader, opts)
	if err != nil {
		t.Fatal(err)
	}
	target[0].Want = fs[0].Value // the centre meets the target by construction
	eo := EnsembleOptions{Size: 4, Steps: 12, Step: 0.3}
	a, err := Ensemble(context.Background(), center, params, target, pushTimeLoader, opts, eo)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Members) != 4 || a.Accepted == 0 {
		t.Fatalf("%d members, %d of %d accepted", len(a.Members), a.Accepted, a.Proposed)
	}
	moved := false
	for _, set := range a.Members {
		b := center
		b.AttentionHours = set["attention_hours"]
		moved = moved || b.AttentionHours != center.AttentionHours
		fs, err := Evaluate(context.Background(), b, target, pushTimeLoader, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !fs[0].Pass() {
			t.Errorf("member with attention_hours %g gives %g, outside %g ± %g", b.AttentionHours, fs[0].Value, fs[0].Want, fs[0].Tol)
		}
	}
	if !moved {
		t.Error("the chain never left the centre")
	}
	again, err := Ensemble(context.Background(), center, params, target, pushTimeLoader, opts, eo)
	if err != nil || !reflect.DeepEqual(again.Members, a.Members) {
		t.Errorf("a second draw with the same seed differs: %v", err)
	}
	// A centre that misses its target cannot start a chain.
	target[0].Want += 1
	if _, err := Ensemble(context.Background(), center, params, target, pushTimeLoader, opts, eo); err == nil {
		t.Error("an ensemble started from a centre that misses its target")
	}
}
