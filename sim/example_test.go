package sim_test

import (
	"context"
	"fmt"

	"giftsim/platform"
	"giftsim/sim"
)

// Two arms, 10 and 30 CNY off the same 60 CNY threshold, run with common
// random numbers; the paired difference says whether the deeper discount is
// claimed by more of the users it reaches.
func ExampleRunExperiment() {
	base := sim.DefaultConfig()
	base.Population.Users = 3000
	base.Coupon.Face = platform.CNY(10)
	deep := base
	deep.Coupon.Face = platform.CNY(30)
	exp := &sim.Experiment{Name: "face value", Seed: 1, Replications: 5, Arms: []sim.Arm{
		{Name: "10 off", Config: base},
		{Name: "30 off", Config: deep},
	}}
	res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := res.Arms[1].Diffs["claim_conversion"]
	fmt.Printf("arms %d, replications %d, 30 off claims more: %v (significant: %v)\n",
		len(res.Arms), res.Replications, d.Mean > 0, d.Significant)
	// Output:
	// arms 2, replications 5, 30 off claims more: true (significant: true)
}
