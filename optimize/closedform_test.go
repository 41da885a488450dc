package optimize

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"giftsim/scenarios"
	"giftsim/sim"
)

// load parses a scenario file and its problem.
func load(t testing.TB, file string) (*scenarios.Scenario, Problem) {
	t.Helper()
	s, err := scenarios.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProblemFrom(s.Study())
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestClosedFormValidity: with a constant redemption hazard λ a day and no
// gifting, E[redeemed − c·V] = N(1 − e^(−λV)) − cV peaks at
// V* = ln(λN/c)/λ; the optimiser's choice must be within its reported
// indifference zone δ of the optimum's value.
func TestClosedFormValidity(t *testing.T) {
	s, p := load(t, "testdata/closed-form.yaml")
	exp := s.Experiment()
	exp.Ensemble = nil // the closed form holds for the central parameters
	res, err := Optimize(context.Background(), s, p, Options{Candidates: 20, Budget: 1500, Central: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Best == nil {
		t.Fatal("no best")
	}
	days, err := strconv.ParseFloat(strings.TrimSuffix(res.Best.Settings[0].Value, "d"), 64)
	if err != nil {
		t.Fatalf("best validity %q: %v", res.Best.Settings[0].Value, err)
	}
	// N: the coupons issued, the same for every candidate (validity does
	// not change who claims), from a plain run of the scenario, which also
	// checks the redemption rate at its 7 days against the closed form.
	const lambda, c = 0.24, 4.0
	base, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := base.Arms[0].KPIs["issued"].Mean
	rate := base.Arms[0].KPIs["redemption_rate"]
	if want := 100 * (1 - math.Exp(-lambda*7)); want < rate.Low-1 || want > rate.High+1 {
		t.Fatalf("redemption rate at 7 days %.2f%% [%.2f, %.2f], closed form %.2f%%: the scenario no longer has a constant hazard", rate.Mean, rate.Low, rate.High, want)
	}
	f := func(v float64) float64 { return n*(1-math.Exp(-lambda*v)) - c*v }
	vStar := math.Log(lambda*n/c) / lambda
	loss := f(vStar) - f(days)
	t.Logf("N ≈ %.1f, V* = %.2f days, chose %s (loss %.3f, δ %.3f), %d runs", n, vStar, res.Best.Settings[0].Value, loss, res.Method.Delta, res.Evaluations)
	if loss > res.Method.Delta {
		t.Errorf("chose %.0f days, V* = %.2f: the loss %.3f exceeds δ = %.3f", days, vStar, loss, res.Method.Delta)
	}
	if vStar < 3 || vStar > 29 {
		t.Errorf("V* = %.2f is not inside the lever's range: the test no longer tests an interior optimum", vStar)
	}
}
