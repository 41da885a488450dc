package sim

import (
	"fmt"
	"math"

	"giftsim/platform"
)

// Member is one parameter set of a calibrated ensemble: factors that
// multiply some behavioural parameters of every arm. A calibration yields an
// ensemble of sets that all reproduce the measured effects within their
// tolerances; running each replication with one of them carries the
// parameters' uncertainty into the results.
type Member []Factor

// Factor multiplies the behavioural parameter Name by Times.
type Factor struct {
	Name  string
	Times float64
}

// Validate checks that every factor names a behavioural parameter and is
// positive and finite.
func (mb Member) Validate() error {
	for _, f := range mb {
		if _, ok := LookupParameter(f.Name); !ok {
			return fmt.Errorf("%w: ensemble names %q, which is not a behavioural parameter", platform.ErrInvalid, f.Name)
		}
		if !(f.Times > 0) || math.IsInf(f.Times, 0) {
			return fmt.Errorf("%w: ensemble factor of %s must be positive, got %g", platform.ErrInvalid, f.Name, f.Times)
		}
	}
	return nil
}

// apply returns b with the member's factors applied, each parameter kept
// within its range.
func (mb Member) apply(b Behaviour) Behaviour {
	for _, f := range mb {
		p, _ := LookupParameter(f.Name)
		p.Set(&b, min(max(p.Get(&b)*f.Times, p.Lo), p.Hi))
	}
	return b
}

// minSplitGroups is the fewest member groups whose spread the run splits
// into model and noise: the split's prediction interval takes t(k−1), and
// with fewer than 5 groups (t(3) = 3.18, t(1) = 12.7) an estimate of the
// model's spread from so few sets swings too much to be worth its width.
const minSplitGroups = 5

// ensembleGroups is how many of the ensemble's members a run of reps
// replications uses, at most the whole ensemble. With 2·minSplitGroups
// replications or more, each member runs at least twice, so the spread
// between members (model uncertainty) can be told from the spread within
// them (simulation noise); with fewer, each replication runs its own
// member and the spread is not split (see runner.split). Under two
// replications there is no spread to measure, and no ensemble is used.
func ensembleGroups(members, reps int) int {
	switch {
	case members == 0 || reps < 2:
		return 0
	case reps < 2*minSplitGroups:
		return min(members, reps)
	}
	return min(members, reps/2)
}

// memberOf is the ensemble member replication rep runs with, when k of the
// members are used: the k are spread evenly over the ensemble, and
// replication rep takes the (rep mod k)-th, so every arm of a replication
// shares it and paired differences stay paired.
func memberOf(members, k, rep int) int {
	return (rep % k) * members / k
}

// splitVariance splits the spread of xs, whose replication i ran with
// member group i mod k, into the spread between groups beyond what noise
// explains (model) and the pooled spread within groups (noise): a one-way
// analysis of variance, returning standard deviations.
func splitVariance(xs []float64, k int) (model, noise float64) {
	if k < 2 || len(xs) < 2*k {
		return 0, 0
	}
	sums := make([]float64, k)
	counts := make([]float64, k)
	var total float64
	for i, x := range xs {
		sums[i%k] += x
		counts[i%k]++
		total += x
	}
	grand := total / float64(len(xs))
	var within, between float64
	for i, x := range xs {
		d := x - sums[i%k]/counts[i%k]
		within += d * d
	}
	for g := range k {
		d := sums[g]/counts[g] - grand
		between += counts[g] * d * d
	}
	msw := within / float64(len(xs)-k)
	msb := between / float64(k-1)
	perGroup := float64(len(xs)) / float64(k)
	return math.Sqrt(max(0, (msb-msw)/perGroup)), math.Sqrt(msw)
}

// agreement counts the member groups whose mean difference d (replication i
// in group i mod k) has the sign of the overall mean.
func agreement(d []float64, k int) int {
	if k < 1 || len(d) == 0 {
		return 0
	}
	sums := make([]float64, k)
	var total float64
	for i, x := range d {
		sums[i%k] += x
		total += x
	}
	agree := 0
	for _, s := range sums {
		if (s > 0 && total > 0) || (s < 0 && total < 0) || (s == 0 && total == 0) {
			agree++
		}
	}
	return agree
}

// EnsembleSets is how many of an ensemble's members parameter sets a run of
// reps replications uses (see ensembleGroups): 0 without an ensemble.
func EnsembleSets(members, reps int) int { return ensembleGroups(members, reps) }
