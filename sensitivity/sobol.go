package sensitivity

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/samplemv"

	"giftsim/results"
)

// Purposes of the Sobol analysis's random streams.
const (
	purposeSobolDesign    uint64 = 0x736f626f6c000001 // purposeSobolDesign scrambles the Halton sequence.
	purposeSobolBootstrap uint64 = 0x736f626f6c000002 // purposeSobolBootstrap draws the bootstrap resamples.
)

// Sobol defaults and limits.
const (
	DefaultSamples = 64      // DefaultSamples is the base sample size N when none is given.
	MinSamples     = 8       // MinSamples is the smallest N that gives indices worth reading.
	MaxSamples     = 1 << 16 // MaxSamples caps N.
	DefaultBudget  = 20000   // DefaultBudget is the most arm-replications Sobol runs unless told.
)

// Names of the design and the estimators, as results record them.
const (
	sobolSequence  = "scrambled Halton (Owen 2017), A and B the two halves of one 2k-dimensional sequence"
	sobolEstimator = "Saltelli (2010) for S_i, Jansen (1999) for S_Ti, variance from the A–B pairs; noise taken out of S_Ti and the variance"
)

// SobolOptions sets the Sobol design.
type SobolOptions struct {
	Samples   int    // Samples is the base sample size N; 0 means DefaultSamples.
	Bootstrap int    // Bootstrap is the number of resamples of the N rows; 0 means 1000.
	Seed      uint64 // Seed keys the sequence's scrambling and the bootstrap.
}

// withDefaults fills in the zero fields.
func (o SobolOptions) withDefaults() SobolOptions {
	if o.Samples <= 0 {
		o.Samples = DefaultSamples
	}
	if o.Bootstrap <= 0 {
		o.Bootstrap = 1000
	}
	return o
}

// check rejects a design that cannot be built.
func (o SobolOptions) check() error {
	if o.Samples < MinSamples || o.Samples > MaxSamples {
		return fmt.Errorf("sobol: %d base samples: want %d to %d", o.Samples, MinSamples, MaxSamples)
	}
	return nil
}

// SobolMatrices returns the base matrices A and B of the design, N points
// of [0, 1]^k each: the first and the last k coordinates of N points of a
// 2k-dimensional Halton sequence scrambled by Owen's random digit
// permutations (gonum's samplemv.Halton), keyed by the seed. A categorical
// lever reads a coordinate below 0.5 as its low level, so it is a
// Bernoulli(½) input.
func SobolMatrices(k int, o SobolOptions) (a, b [][]float64) {
	o = o.withDefaults()
	src := rand.NewPCG(o.Seed, purposeSobolDesign)
	m := mat.NewDense(o.Samples, 2*k, nil)
	samplemv.Halton{Kind: samplemv.Owen, Q: distmv.NewUnitUniform(2*k, src), Src: src}.Sample(m)
	a, b = make([][]float64, o.Samples), make([][]float64, o.Samples)
	for j := range o.Samples {
		row := m.RawRowView(j)
		a[j] = append([]float64(nil), row[:k]...)
		b[j] = append([]float64(nil), row[k:]...)
	}
	return a, b
}

// Radial returns A_B^(i): the point a with its coordinate i taken from b.
func Radial(a, b []float64, i int) []float64 {
	x := append([]float64(nil), a...)
	x[i] = b[i]
	return x
}

// SobolRow is the objective at one row j of the design: at A_j, at B_j and
// at each A_B^(i)_j, with the simulation noise of the differences.
type SobolRow struct {
	A, B float64   // A and B are f(A_j) and f(B_j).
	AB   []float64 // AB[i] is f(A_B^(i)_j), A_j with coordinate i from B_j.
	// NoiseB is the variance of the difference f(B_j) − f(A_j) that the
	// simulation's noise causes: the variance of the per-replication paired
	// differences divided by the number of replications. 0 for an
	// objective without noise.
	NoiseB float64
	// NoiseAB[i] is the same for f(A_B^(i)_j) − f(A_j); nil means 0.
	NoiseAB []float64
}

// SobolEvaluator returns the objective's rows at the design: row j at
// a[j], b[j] and the k points Radial(a[j], b[j], i).
type SobolEvaluator func(a, b [][]float64) ([]SobolRow, error)

// Deterministic is the evaluator of a function without noise.
func Deterministic(f func(x []float64) float64) SobolEvaluator {
	return func(a, b [][]float64) ([]SobolRow, error) {
		rows := make([]SobolRow, len(a))
		for j := range a {
			r := SobolRow{A: f(a[j]), B: f(b[j]), AB: make([]float64, len(a[j]))}
			for i := range a[j] {
				r.AB[i] = f(Radial(a[j], b[j], i))
			}
			rows[j] = r
		}
		return rows, nil
	}
}

// Sobol estimates the first-order and total Sobol indices of k factors of
// eval, uniform on [0, 1]^k, from N(k + 2) evaluations (Saltelli et al.
// 2010): with the objective centred on the mean c of f(A) and f(B),
//
//	V    = 1/N Σ_j ½(f(A_j) − f(B_j))² − ½ noise(B_j − A_j)
//	V_i  = 1/N Σ_j (f(B_j) − c)(f(A_B^(i)_j) − f(A_j))              (Saltelli 2010)
//	V_Ti = 1/N Σ_j ½(f(A_j) − f(A_B^(i)_j))² − ½ noise(A_B^(i)_j − A_j) (Jansen 1999)
//
// and S_i = V_i/V, S_Ti = V_Ti/V. A squared mean difference is too large
// on average by the variance of its noise, so subtracting the noise (which
// rows carry when the objective is a mean over replications) makes V and
// V_Ti unbiased for the objective's expected value; the noise in V_i has
// mean zero and is left in. The 95% intervals are bootstrap percentile
// intervals over the N rows. It returns the indices in factor order and
// the design's description (Points left for the caller).
func Sobol(k int, eval SobolEvaluator, o SobolOptions) ([]results.SobolIndex, *results.SobolDesign, error) {
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	if k < 1 {
		return nil, nil, errors.New("sobol: no factors")
	}
	a, b := SobolMatrices(k, o)
	rows, err := eval(a, b)
	if err != nil {
		return nil, nil, err
	}
	if len(rows) != len(a) {
		return nil, nil, fmt.Errorf("sobol: the evaluator returned %d rows for %d", len(rows), len(a))
	}
	for j, r := range rows {
		if len(r.AB) != k || (r.NoiseAB != nil && len(r.NoiseAB) != k) {
			return nil, nil, fmt.Errorf("sobol: row %d has %d radial values for %d factors", j, len(r.AB), k)
		}
	}
	all := make([]int, len(rows))
	for j := range all {
		all[j] = j
	}
	point := estimateSobol(rows, all, k)
	d := &results.SobolDesign{Samples: o.Samples, Sequence: sobolSequence, Estimator: sobolEstimator,
		Bootstrap: o.Bootstrap, Variance: point.v, NoiseShare: point.noiseShare(), NoiseKnown: noiseKnown(rows)}
	out := make([]results.SobolIndex, k)
	if !(point.v > 0) {
		d.Variance = max(point.v, 0)
		d.Note = "the objective does not vary beyond the simulation's noise over these ranges: no lever's share can be told from zero"
		return out, d, nil
	}
	rng := rand.New(rand.NewPCG(o.Seed, purposeSobolBootstrap))
	firsts, totals := make([][]float64, k), make([][]float64, k)
	pick := make([]int, len(rows))
	for range o.Bootstrap {
		for j := range pick {
			pick[j] = rng.IntN(len(rows))
		}
		e := estimateSobol(rows, pick, k)
		if !(e.v > 0) {
			continue
		}
		for i := range k {
			firsts[i] = append(firsts[i], e.first[i])
			totals[i] = append(totals[i], e.total[i])
		}
	}
	for i := range k {
		x := results.SobolIndex{First: point.first[i], Total: point.total[i]}
		x.FirstLow, x.FirstHigh = x.First, x.First
		x.TotalLow, x.TotalHigh = x.Total, x.Total
		if len(firsts[i]) > 0 {
			x.FirstLow, x.FirstHigh = percentiles(firsts[i])
			x.TotalLow, x.TotalHigh = percentiles(totals[i])
		}
		out[i] = x
	}
	return out, d, nil
}

// sobolEstimate is one estimate of the indices from a set of rows.
type sobolEstimate struct {
	v, raw       float64   // v is the variance, noise out; raw with it in.
	first, total []float64 // first and total are S_i and S_Ti.
}

// noiseShare is the share of the raw variance that is noise.
func (e sobolEstimate) noiseShare() float64 {
	if !(e.raw > 0) {
		return 0
	}
	return min(max(1-e.v/e.raw, 0), 1)
}

// estimateSobol estimates the indices from rows[pick[0]], rows[pick[1]], …
func estimateSobol(rows []SobolRow, pick []int, k int) sobolEstimate {
	n := float64(len(pick))
	var c float64
	for _, j := range pick {
		c += rows[j].A + rows[j].B
	}
	c /= 2 * n
	e := sobolEstimate{first: make([]float64, k), total: make([]float64, k)}
	vi, vt := make([]float64, k), make([]float64, k)
	for _, j := range pick {
		r := &rows[j]
		d := r.A - r.B
		e.raw += d * d / 2
		e.v += d*d/2 - r.NoiseB/2
		for i := range k {
			vi[i] += (r.B - c) * (r.AB[i] - r.A)
			dt := r.A - r.AB[i]
			vt[i] += dt * dt / 2
			if r.NoiseAB != nil {
				vt[i] -= r.NoiseAB[i] / 2
			}
		}
	}
	e.raw /= n
	e.v /= n
	if e.v > 0 {
		for i := range k {
			e.first[i] = vi[i] / n / e.v
			e.total[i] = vt[i] / n / e.v
		}
	}
	return e
}

// noiseKnown reports whether any row carries an estimate of noise.
func noiseKnown(rows []SobolRow) bool {
	for _, r := range rows {
		if r.NoiseB != 0 {
			return true
		}
		for _, x := range r.NoiseAB {
			if x != 0 {
				return true
			}
		}
	}
	return false
}

// BudgetError says that Sobol indices would take more simulation than the
// budget allows, and what would fit.
type BudgetError struct {
	Samples, Levers, Replications int // Samples is N; Levers is k.
	Need, Budget                  int // Need is N(k + 2) × replications; Budget the most allowed.
	// Fit is the largest power-of-two N from MinSamples that fits the
	// budget at these replications; 0 when none does.
	Fit int
	// FitReplications is the most replications at which MinSamples fits,
	// when Fit is 0; 0 when even one replication does not fit.
	FitReplications int
}

func (e *BudgetError) Error() string {
	levers := "levers"
	if e.Levers == 1 {
		levers = "lever"
	}
	s := fmt.Sprintf("Sobol indices with --samples %d need %d × (%d %s + 2) × %d replications = %s arm-replications, more than --budget-evals %s allows",
		e.Samples, e.Samples, e.Levers, levers, e.Replications, results.FormatCount(int64(e.Need)), results.FormatCount(int64(e.Budget)))
	per := (e.Levers + 2) * e.Replications
	switch {
	case e.Fit > 0:
		return s + fmt.Sprintf(": use --samples %d (%s arm-replications), fewer levers or replications, or raise --budget-evals",
			e.Fit, results.FormatCount(int64(e.Fit*per)))
	case e.FitReplications > 0:
		return s + fmt.Sprintf(": even --samples %d is too many at %d replications; use --samples %d --replications %d (%s arm-replications), fewer levers, or raise --budget-evals",
			MinSamples, e.Replications, MinSamples, e.FitReplications, results.FormatCount(int64(MinSamples*(e.Levers+2)*e.FitReplications)))
	}
	return s + fmt.Sprintf(": even --samples %d with one replication needs %s; use fewer levers or raise --budget-evals",
		MinSamples, results.FormatCount(int64(MinSamples*(e.Levers+2))))
}

// checkBudget returns a *BudgetError when N(k + 2) × reps exceeds budget.
func checkBudget(samples, k, reps, budget int) error {
	per := (k + 2) * reps
	need := samples * per
	if need <= budget {
		return nil
	}
	e := &BudgetError{Samples: samples, Levers: k, Replications: reps, Need: need, Budget: budget}
	for n := MinSamples; n*per <= budget && n < samples; n *= 2 {
		e.Fit = n
	}
	if e.Fit == 0 {
		e.FitReplications = budget / (MinSamples * (k + 2))
	}
	return e
}

// sobolFloor is what a lever's total index counts as for ranking: its
// estimate, or 0 when noise left it below 0.
func sobolFloor(x *results.SobolIndex) float64 { return math.Max(x.Total, 0) }
