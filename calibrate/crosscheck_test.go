package calibrate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// TestSeedCrossCheck compares two calibrations, the shipped profile and the
// profile file GIFTSIM_SECOND_PROFILE names (e.g. one written by
// `giftsim calibrate --from-defaults --seed 2 --out /tmp/p2.yaml`), on
// every bundled example but scale-1m, each with its own ensemble: each
// profile's mean of every arm × KPI level should lie within the other's
// 95% prediction interval. It runs only when the variable is set:
//
//	GIFTSIM_SECOND_PROFILE=/tmp/p2.yaml go test ./calibrate -run TestSeedCrossCheck -v
func TestSeedCrossCheck(t *testing.T) {
	other := os.Getenv("GIFTSIM_SECOND_PROFILE")
	if other == "" {
		t.Skip("set GIFTSIM_SECOND_PROFILE to a second profile to compare with the shipped one")
	}
	other, err := filepath.Abs(other)
	if err != nil {
		t.Fatal(err)
	}
	run := func(name, profile string) *results.Simulation {
		data, err := scenarios.ExampleFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if profile != "" {
			data = append([]byte("profile: "+profile+"\n"), data...)
		}
		exp, err := scenarios.Load(name+".yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	within := func(x float64, e results.Estimate) bool { return x >= e.Low && x <= e.High }
	total, both := 0, 0
	for _, ex := range scenarios.Examples() {
		if ex.Name == "scale-1m" {
			continue
		}
		a, b := run(ex.Name, ""), run(ex.Name, other)
		n, ok := 0, 0
		for i := range a.Arms {
			for id, ea := range a.Arms[i].KPIs {
				eb, found := b.Arms[i].KPIs[id]
				if !found || (ea.SD == 0 && eb.SD == 0 && ea.Mean == eb.Mean) {
					continue // a level fixed by the scenario, such as users exposed with no ensemble effect
				}
				n++
				if within(ea.Mean, eb) && within(eb.Mean, ea) {
					ok++
				} else {
					t.Logf("%s %s %s: %.4g [%.4g, %.4g] vs %.4g [%.4g, %.4g]", ex.Name, a.Arms[i].Name, id, ea.Mean, ea.Low, ea.High, eb.Mean, eb.Low, eb.High)
				}
			}
		}
		t.Logf("%s: %d of %d levels mutually within", ex.Name, ok, n)
		total += n
		both += ok
	}
	t.Logf("all examples: %d of %d arm × KPI levels (%.0f%%) lie within each other's 95%% prediction intervals", both, total, 100*float64(both)/float64(total))
}
