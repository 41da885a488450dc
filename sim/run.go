package sim

import (
	"context"
	"errors"
	"io"

	"giftsim/results"
)

// RunOptions controls how an experiment runs.
type RunOptions struct {
	Workers  int       // Workers is the number of replications run at once; 0 means GOMAXPROCS.
	Progress io.Writer // Progress receives progress lines; nil for none.
}

// RunExperiment runs every arm of exp over its replications with common
// random numbers and returns the aggregated results.
func RunExperiment(ctx context.Context, exp *Experiment, opts RunOptions) (*results.Simulation, error) {
	return nil, errors.New("sim: not implemented yet")
}
