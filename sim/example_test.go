package sim_test

import (
	"context"
	"fmt"

	"giftsim/platform"
	"giftsim/sim"
)

// Two arms, 7-day and 30-day validity, run with common random numbers; the
// paired difference says whether the shorter validity redeems more.
func ExampleRunExperiment() {
	base := sim.DefaultConfig()
	base.Population.Users = 3000
	short := base
	short.Coupon.Validity = 7 * platform.Day
	exp := &sim.Experiment{Name: "validity", Seed: 1, Replications: 5, Arms: []sim.Arm{
		{Name: "30-day", Config: base},
		{Name: "7-day", Config: short},
	}}
	res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := res.Arms[1].Diffs["redemption_rate"]
	fmt.Printf("arms %d, replications %d, 7-day redeems more: %v (significant: %v)\n",
		len(res.Arms), res.Replications, d.Mean > 0, d.Significant)
	// Output:
	// arms 2, replications 5, 7-day redeems more: true (significant: true)
}
