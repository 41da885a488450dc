package calibrate

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/sim"
)

// pushTimeLoader is a tiny push-time scenario: a 10:00 arm against a 20:00
// arm, 3,000 users, for fast tests of the fitting machinery.
func pushTimeLoader(_ string, b sim.Behaviour) (Source, error) {
	cfg := sim.DefaultConfig()
	cfg.Population.Users = 3000
	cfg.Horizon = 10 * platform.Day
	cfg.Behaviour = b
	evening := cfg
	evening.Campaign = []sim.Push{cfg.Campaign[0]}
	evening.Campaign[0].PushAt = 20 * time.Hour
	return Source{Experiment: &sim.Experiment{Name: "push", Seed: 3, Replications: 4, Arms: []sim.Arm{
		{Name: "evening", Config: evening}, {Name: "morning", Config: cfg}}}}, nil
}

// TestEnsembleMembersMeetTargets draws a small ensemble for one target and
// checks that every member meets it under the random numbers it was
// accepted with, that the chains ran under their own seeds, that the chain
// moved, and that the draw is deterministic.
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
	eo := EnsembleOptions{Size: 4, Steps: 12, Chains: 2, Noise: NoisePerChain}
	a, err := Ensemble(context.Background(), center, params, target, pushTimeLoader, opts, eo)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Members) != 4 || a.Accepted == 0 {
		t.Fatalf("%d members, %d of %d accepted", len(a.Members), a.Accepted, a.Proposed)
	}
	if len(a.Seeds) != len(a.Members) {
		t.Fatalf("%d seeds for %d members", len(a.Seeds), len(a.Members))
	}
	if a.CenterDraws != eo.Chains {
		t.Errorf("the fit was tried under %d chains' seeds, want %d", a.CenterDraws, eo.Chains)
	}
	moved, seeds := false, map[uint64]bool{}
	for i, set := range a.Members {
		b := center
		b.AttentionHours = set["attention_hours"]
		moved = moved || b.AttentionHours != center.AttentionHours
		seeds[a.Seeds[i]] = true
		o := opts
		o.Seed = a.Seeds[i]
		fs, err := Evaluate(context.Background(), b, target, pushTimeLoader, o)
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
	if len(seeds) < 2 && a.Stranded == 0 {
		t.Errorf("every member was accepted under one seed %v: the chains did not run under their own", seeds)
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

// TestEnsembleSpreadsWhereTargetsAreBlind draws an ensemble with a
// parameter the target cannot see (label_urgency: the scenario has no
// label) beside one it pins: the blind one must spread about as widely as
// its prior, not stay near the fit, and the pinned one less.
func TestEnsembleSpreadsWhereTargetsAreBlind(t *testing.T) {
	target := []Target{{ID: "B3", Scenario: "push", Arm: "morning", Baseline: "evening", KPI: "claim_conversion", Tol: 0.06}}
	params := []Param{
		fitted("attention_hours", 0.5, 50, "B3"),
		fitted("label_urgency", 0.05, 20, "B3"),
	}
	center := sim.DefaultBehaviour()
	opts := Options{Replications: 4, Seed: 5}
	fs, err := Evaluate(context.Background(), center, target, pushTimeLoader, opts)
	if err != nil {
		t.Fatal(err)
	}
	target[0].Want = fs[0].Value
	a, err := Ensemble(context.Background(), center, params, target, pushTimeLoader, opts, EnsembleOptions{Size: 12, Steps: 80, Chains: 4})
	if err != nil {
		t.Fatal(err)
	}
	sd := func(name string) float64 {
		var s, s2 float64
		for _, m := range a.Members {
			l := math.Log(m[name])
			s += l
			s2 += l * l
		}
		n := float64(len(a.Members))
		return math.Sqrt(max(0, s2/n-(s/n)*(s/n)))
	}
	blind, pinned := sd("label_urgency"), sd("attention_hours")
	t.Logf("log sd: label_urgency %.2f, attention_hours %.2f (prior %.2f); %d of %d accepted; steps %v", blind, pinned, PriorSD, a.Accepted, a.Proposed, a.Steps)
	if blind < PriorSD/2 {
		t.Errorf("the blind parameter's log sd is %.2f, under half the prior's %.2f: the ensemble stays near the fit", blind, PriorSD)
	}
	if pinned >= blind {
		t.Errorf("the pinned parameter spreads as much as the blind one (%.2f vs %.2f)", pinned, blind)
	}
}
