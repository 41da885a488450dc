package calibrate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"giftsim/sim"
)

// EnsembleOptions control how an ensemble is drawn.
type EnsembleOptions struct {
	Size  int     // Size is how many parameter sets to keep (0: 20).
	Steps int     // Steps is how many sweeps over the parameter groups the chain makes (0: 3 per member).
	Burn  int     // Burn is how many sweeps to discard first (0: a fifth of Steps).
	Step  float64 // Step is the proposal's standard deviation in log space for a group of one or two parameters (0: 0.5, about ×1.65); larger groups take √(2/n) of it.
	// Chains is how many independent chains from the fit share Steps,
	// Burn and Size (0: 10).
	Chains int
}

func (o *EnsembleOptions) defaults() {
	if o.Size <= 0 {
		o.Size = 20
	}
	if o.Steps <= 0 {
		o.Steps = 3 * o.Size
	}
	if o.Burn <= 0 {
		o.Burn = o.Steps / 5
	}
	if o.Step <= 0 {
		o.Step = 0.5
	}
	if o.Chains <= 0 {
		o.Chains = 10
	}
	o.Chains = min(o.Chains, o.Size)
}

// EnsembleResult is an ensemble with what it took to draw it.
type EnsembleResult struct {
	Members  []map[string]float64 // Members are the kept parameter sets, by parameter name.
	Proposed int                  // Proposed counts proposals.
	Accepted int                  // Accepted counts proposals that met every target.
}

// Ensemble draws parameter sets consistent with the targets and their
// tolerances, around center (a fitted profile), by approximate Bayesian
// computation with a Markov chain (Marjoram, Molitor, Plagnol and Tavaré,
// 2003): the prior is log-normal around each parameter's documented prior
// (standard deviation PriorSD of the log) within its fitting bounds, the
// proposal a Gaussian step in log space, and a proposal is accepted with
// the prior's ratio and only when every target is met within its tolerance
// (the uniform ABC kernel), so the chain's states are draws from the prior
// restricted to the parameter sets that reproduce the targets. The chain
// updates one group of parameters at a time (those that share targets, as
// Fit groups them), which keeps the acceptance rate up, but checks every
// target, since a group's parameters move the others' targets too. The
// chain starts from center, which must meet every target. Evaluations use
// common random numbers, so the result is deterministic for a seed.
func Ensemble(ctx context.Context, center sim.Behaviour, params []Param, targets []Target, load Loader, opts Options, eo EnsembleOptions) (*EnsembleResult, error) {
	opts.defaults()
	eo.defaults()
	groups := groupParams(params, targets)
	if len(groups) == 0 {
		return nil, fmt.Errorf("calibrate: no parameters drive these targets")
	}
	res := &EnsembleResult{}
	fs, err := Evaluate(ctx, center, targets, load, opts)
	if err != nil {
		return nil, err
	}
	if !allPass(fs) {
		return nil, fmt.Errorf("calibrate: the fit misses a target, so no ensemble can start from it")
	}
	// Independent chains from the fit, each with its own stream, explore
	// different directions of the set that meets the targets; their kept
	// states are pooled.
	var kept []sim.Behaviour
	for chain := range eo.Chains {
		r := rand.New(rand.NewPCG(opts.Seed, 0x656e73656d626c65+uint64(chain)))
		steps := max(1, eo.Steps/eo.Chains)
		burn := min(steps-1, eo.Burn/eo.Chains)
		size := eo.Size/eo.Chains + boolInt(chain < eo.Size%eo.Chains)
		ks, err := runChain(ctx, r, center, groups, targets, load, opts, eo, res, steps, burn, size, chain)
		if err != nil {
			return nil, err
		}
		kept = append(kept, ks...)
	}
	for _, b := range kept {
		set := map[string]float64{}
		for _, p := range params {
			set[p.Name] = *p.Field(&b)
		}
		res.Members = append(res.Members, set)
	}
	return res, nil
}

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runChain runs one chain of steps sweeps from center and returns size
// states kept evenly after burn sweeps, counting its proposals in res.
func runChain(ctx context.Context, r *rand.Rand, center sim.Behaviour, groups []group, targets []Target, load Loader, opts Options, eo EnsembleOptions, res *EnsembleResult, steps, burn, size, chain int) ([]sim.Behaviour, error) {
	state := center
	var kept []sim.Behaviour
	keepEvery := max(1, (steps-burn)/max(1, size))
	for sweep := range steps {
		for _, g := range groups {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// A group of more than two parameters takes smaller steps in
			// each, √(2/n) of Step, so a joint move is about as likely to
			// be accepted as a pair's (random-walk scaling: Gelman, Roberts
			// and Gilks, 1996).
			step := eo.Step * math.Sqrt(2/float64(max(2, len(g.params))))
			trial, inside := state, true
			for _, p := range g.params {
				v := math.Exp(math.Log(*p.Field(&trial)) + step*r.NormFloat64())
				if v < p.Lo || v > p.Hi {
					inside = false // outside the fitting bounds: rejected without a run
				}
				*p.Field(&trial) = v
			}
			res.Proposed++
			// Metropolis–Hastings with a symmetric proposal in log space:
			// the prior's ratio, drawn before any run, then the ABC kernel.
			u := r.Float64()
			if !inside || u >= math.Exp(-(priorDistance(g.params, &trial)-priorDistance(g.params, &state))/2) {
				continue
			}
			// The group's own targets first: most rejections show there,
			// and cost one scenario's runs instead of all.
			var own, rest []Target
			for _, t := range targets {
				if g.targets[t.ID] || g.moves[t.ID] {
					own = append(own, t)
				} else {
					rest = append(rest, t)
				}
			}
			runs := map[string]*pairResult{}
			fs, err := evaluate(ctx, runs, trial, own, load, opts)
			if err != nil {
				return nil, err
			}
			if !allPass(fs) {
				continue
			}
			if fs, err = evaluate(ctx, runs, trial, rest, load, opts); err != nil {
				return nil, err
			}
			if allPass(fs) {
				state = trial
				res.Accepted++
			}
		}
		if sweep >= burn && (sweep-burn)%keepEvery == 0 && len(kept) < size {
			kept = append(kept, state)
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "ensemble: chain %d of %d, sweep %d of %d, %d of %d proposals accepted\n", chain+1, eo.Chains, sweep+1, steps, res.Accepted, res.Proposed)
		}
	}
	return kept, nil
}

// allPass reports whether every fitted value is within its tolerance.
func allPass(fs []Fitted) bool {
	for _, f := range fs {
		if !f.Pass() {
			return false
		}
	}
	return true
}
