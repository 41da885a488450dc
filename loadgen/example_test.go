package loadgen_test

import (
	"context"
	"fmt"
	"strings"

	"giftsim/loadgen"
)

// ExampleParseThreshold judges a threshold against measured metrics.
func ExampleParseThreshold() {
	th, err := loadgen.ParseThreshold("latency.p99 < 50ms && rate.achieved >= 0.95 * rate.target")
	if err != nil {
		panic(err)
	}
	measured := map[string]float64{"latency.p99": 0.0123, "rate.achieved": 5480, "rate.target": 5612}
	pass, observed, err := th.Eval(func(name string) (float64, bool) {
		v, ok := measured[name]
		return v, ok
	})
	fmt.Println(pass, observed, err)
	// Output:
	// true latency.p99 = 12.3ms; rate.achieved = 5480 <nil>
}

// ExampleDriver_Run drives the mock platform (started here on a loopback
// port, as giftsim load does for target: builtin) with 600 sends against a
// new merchant's quota of 500 a day.
func ExampleDriver_Run() {
	plan, err := loadgen.ParsePlan(strings.NewReader(`
name: quota-example
day: 10s
merchant: {tier: new}
phases:
  - {name: sends, requests: 600, rate: 2000/s, align: day-start}
thresholds: [sends.accepted == 500, codes.FREQUENCY_LIMITED == 100]
`), "example.yaml")
	if err != nil {
		panic(err)
	}
	fix, err := loadgen.BuiltinFixture(plan)
	if err != nil {
		panic(err)
	}
	url, stop := exampleMock(plan, fix)
	defer stop()

	d, err := loadgen.New(loadgen.WithPlan(plan), loadgen.WithTarget(url), loadgen.WithFixture(fix))
	if err != nil {
		panic(err)
	}
	sum, err := d.Run(context.Background())
	if err != nil {
		panic(err)
	}
	for _, v := range sum.Verdicts {
		fmt.Println(v.Pass, v.Observed)
	}
	// Output:
	// true sends.accepted = 500
	// true codes.FREQUENCY_LIMITED = 100
}
