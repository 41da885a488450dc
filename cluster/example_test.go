package cluster_test

import (
	"context"
	"fmt"
	"os"

	"giftsim/cluster"
	"giftsim/scenarios"
	"giftsim/sim"
)

// Example runs a bundled scenario's units on whatever workers serve the
// queue (giftsim worker --redis redis://127.0.0.1:6379/0, or
// cluster.RunWorker), with the same results as sim.RunExperiment alone.
// It needs a Redis, so it has no checked output.
func Example() {
	ctx := context.Background()
	exp, err := scenarios.LoadExample("validity-sweep")
	if err != nil {
		panic(err)
	}
	ex, err := cluster.New(ctx, "redis://127.0.0.1:6379/0", cluster.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Println(err) // e.g. cannot reach redis at redis://127.0.0.1:6379/0: …
		return
	}
	defer ex.Close()
	res, err := sim.RunExperiment(ctx, exp, sim.RunOptions{Exec: ex})
	if err != nil {
		fmt.Println(err) // e.g. no worker is serving the queue: …
		return
	}
	fmt.Println(len(res.Arms), "arms")
}
