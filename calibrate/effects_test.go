package calibrate

import (
	"context"
	"testing"

	"giftsim/scenarios"
	"giftsim/sim"
)

func loadExample(name string, b sim.Behaviour) (*sim.Experiment, error) {
	return scenarios.LoadFileWithProfile("scenarios/examples/"+name+".yaml", b)
}

// TestShippedProfileReproducesSeed is the model's acceptance test: with the
// shipped profile, the bundled example scenarios at full size and 20
// replications reproduce every measured effect of the seed (B1–B3, B5–B7)
// within its tolerance.
func TestShippedProfileReproducesSeed(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("full-size runs; .ci/run runs this test without -race")
	}
	b, err := scenarios.LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Evaluate(context.Background(), b, DefaultTargets(), loadExample, Options{Replications: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Logf("%s %-50s want %.2f ± %.2f, got %.3f [%.3f, %.3f]", f.ID, f.Name, f.Want, f.Tol, f.Value, f.Low, f.High)
		if !f.Pass() {
			t.Errorf("%s: %s = %.3f, want %.2f ± %.2f", f.ID, f.Name, f.Value, f.Want, f.Tol)
		}
	}
}

// TestValiditySweepIsMonotone checks the trade-off's shape on the bundled
// validity sweep (1 to 90 days): the redemption rate falls and new customers
// rise with every step of validity, because both come from mechanisms that
// are smooth in the validity (fading intent with a deadline; time to pass a
// coupon on), not from constants keyed to it.
func TestValiditySweepIsMonotone(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("full-size runs; .ci/run runs this test without -race")
	}
	exp, err := scenarios.LoadExample("validity-sweep")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(res.Arms); i++ {
		prev, cur := res.Arms[i-1], res.Arms[i]
		t.Logf("%-24s redemption %.2f%%, new customers %.1f", cur.Name, cur.KPIs["redemption_rate"].Mean, cur.KPIs["new_customers"].Mean)
		if cur.KPIs["redemption_rate"].Mean >= prev.KPIs["redemption_rate"].Mean {
			t.Errorf("redemption rate rises from %s (%.2f) to %s (%.2f)", prev.Name, prev.KPIs["redemption_rate"].Mean, cur.Name, cur.KPIs["redemption_rate"].Mean)
		}
		if cur.KPIs["new_customers"].Mean <= prev.KPIs["new_customers"].Mean {
			t.Errorf("new customers fall from %s (%.1f) to %s (%.1f)", prev.Name, prev.KPIs["new_customers"].Mean, cur.Name, cur.KPIs["new_customers"].Mean)
		}
	}
}
