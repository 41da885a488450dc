package sensitivity

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"

	"giftsim/results"
)

// Purposes of the analysis's random streams, each its own PCG stream keyed
// by the seed.
const (
	purposeDesign    uint64 = 0x6d6f727269730001 // purposeDesign draws the Morris trajectories.
	purposeBootstrap uint64 = 0x6d6f727269730002 // purposeBootstrap draws the bootstrap resamples.
)

// Evaluator returns the objective at each point of the unit cube [0, 1]^k.
type Evaluator func(points [][]float64) ([]float64, error)

// MorrisOptions sets the Morris design.
type MorrisOptions struct {
	Trajectories int    // Trajectories is r; 0 means 10.
	Levels       int    // Levels is p, even and at least 2; 0 means 4.
	Bootstrap    int    // Bootstrap is the number of resamples of trajectories; 0 means 1000.
	Seed         uint64 // Seed keys the design's and the bootstrap's streams.
}

// withDefaults fills in the zero fields.
func (o MorrisOptions) withDefaults() MorrisOptions {
	if o.Trajectories <= 0 {
		o.Trajectories = 10
	}
	if o.Levels <= 0 {
		o.Levels = 4
	}
	if o.Bootstrap <= 0 {
		o.Bootstrap = 1000
	}
	return o
}

// check rejects a design that cannot be built.
func (o MorrisOptions) check() error {
	if o.Levels < 2 || o.Levels%2 != 0 || o.Levels > 100 {
		return fmt.Errorf("morris: %d grid levels: want an even number from 2 to 100", o.Levels)
	}
	if o.Trajectories > 10000 {
		return fmt.Errorf("morris: %d trajectories: want at most 10,000", o.Trajectories)
	}
	return nil
}

// Trajectories draws r Morris trajectories over k factors on a p-level
// grid of [0, 1]: each starts at a random grid point and moves one factor
// at a time, in a random order, by Δ = p/(2(p − 1)), up where that stays
// in [0, 1] and down otherwise, so that each has k + 1 points.
func Trajectories(k int, o MorrisOptions) [][][]float64 {
	o = o.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, purposeDesign))
	p := o.Levels
	delta := float64(p) / (2 * float64(p-1))
	out := make([][][]float64, o.Trajectories)
	for t := range out {
		x := make([]float64, k)
		for i := range x {
			x[i] = float64(rng.IntN(p)) / float64(p-1)
		}
		traj := [][]float64{slices.Clone(x)}
		for _, i := range rng.Perm(k) {
			if x[i]+delta <= 1+1e-12 {
				x[i] += delta
			} else {
				x[i] -= delta
			}
			x[i] = math.Round(x[i]*float64(p-1)) / float64(p-1)
			traj = append(traj, slices.Clone(x))
		}
		out[t] = traj
	}
	return out
}

// Morris screens k factors of eval: r trajectories (Trajectories), one
// elementary effect per factor and trajectory, (f(x′) − f(x))/(x′_i − x_i)
// for the step that moves factor i, i.e. the change of the objective per
// whole range of the factor; then per factor μ* (mean absolute effect), μ
// and σ, with 95% percentile intervals of μ* and σ from resampling
// trajectories. Every point goes to eval in one call.
func Morris(k int, eval Evaluator, o MorrisOptions) ([]results.MorrisIndex, error) {
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, errors.New("morris: no factors")
	}
	trajs := Trajectories(k, o)
	var points [][]float64
	for _, t := range trajs {
		points = append(points, t...)
	}
	ys, err := eval(points)
	if err != nil {
		return nil, err
	}
	if len(ys) != len(points) {
		return nil, fmt.Errorf("morris: the evaluator returned %d values for %d points", len(ys), len(points))
	}
	// ee[i][t] is factor i's elementary effect in trajectory t.
	ee := make([][]float64, k)
	for i := range ee {
		ee[i] = make([]float64, len(trajs))
	}
	at := 0
	for t, traj := range trajs {
		for j := 1; j < len(traj); j++ {
			i := -1
			for f := range k {
				if traj[j][f] != traj[j-1][f] {
					i = f
					break
				}
			}
			if i < 0 {
				continue
			}
			ee[i][t] = (ys[at+j] - ys[at+j-1]) / (traj[j][i] - traj[j-1][i])
		}
		at += len(traj)
	}
	out := make([]results.MorrisIndex, k)
	rng := rand.New(rand.NewPCG(o.Seed, purposeBootstrap))
	r := len(trajs)
	mus := make([][]float64, k)
	sds := make([][]float64, k)
	pick := make([]int, r)
	buf := make([]float64, r)
	for range o.Bootstrap {
		for j := range pick {
			pick[j] = rng.IntN(r)
		}
		for i := range k {
			for j, t := range pick {
				buf[j] = ee[i][t]
			}
			m, s := muStarSigma(buf)
			mus[i] = append(mus[i], m)
			sds[i] = append(sds[i], s)
		}
	}
	for i := range k {
		m, s := muStarSigma(ee[i])
		out[i] = results.MorrisIndex{MuStar: m, Mu: stat.Mean(ee[i], nil), Sigma: s, Effects: r}
		out[i].MuStarLow, out[i].MuStarHigh = percentiles(mus[i])
		out[i].SigmaLow, out[i].SigmaHigh = percentiles(sds[i])
	}
	return out, nil
}

// muStarSigma returns the mean absolute value of xs and the standard
// deviation of xs (0 for fewer than two).
func muStarSigma(xs []float64) (muStar, sigma float64) {
	for _, x := range xs {
		muStar += math.Abs(x)
	}
	muStar /= float64(len(xs))
	if len(xs) > 1 {
		sigma = stat.StdDev(xs, nil)
	}
	return muStar, sigma
}

// percentiles returns the 2.5% and 97.5% empirical quantiles of xs (sorted
// in place).
func percentiles(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	slices.Sort(xs)
	return stat.Quantile(0.025, stat.Empirical, xs, nil), stat.Quantile(0.975, stat.Empirical, xs, nil)
}
