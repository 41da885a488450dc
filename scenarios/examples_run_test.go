package scenarios

import (
	"context"
	"testing"

	"giftsim/sim"
)

// TestEveryExampleRuns runs every bundled example at a tiny size: each must
// load, validate and simulate without error (conservation is checked inside
// every run).
func TestEveryExampleRuns(t *testing.T) {
	for _, e := range Examples() {
		t.Run(e.Name, func(t *testing.T) {
			if e.Question == "" {
				t.Error("the example has no question")
			}
			s, err := ParseExample(e.Name)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Set([]string{"population.users=400", "replications=2"}); err != nil {
				t.Fatal(err)
			}
			exp := s.Experiment()
			res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Arms) != len(exp.Arms) || res.Arms[0].KPIs["issued"].Mean <= 0 {
				t.Fatalf("%d arms, %g coupons issued", len(res.Arms), res.Arms[0].KPIs["issued"].Mean)
			}
		})
	}
}
