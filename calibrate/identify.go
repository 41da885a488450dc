package calibrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"giftsim/sim"
)

// IdentifyOptions control an identifiability analysis.
type IdentifyOptions struct {
	Step    float64 // Step is the finite-difference factor: each parameter is multiplied and divided by it (0: 1.1).
	MaxSE   float64 // MaxSE is the standard error in log space above which a parameter is poorly identified (0: 0.5).
	MaxCorr float64 // MaxCorr is the |correlation| above which two parameters are confounded (0: 0.9).
	// MaxNull is the share of a parameter's direction (its squared length)
	// lying in the Jacobian's null space above which it is not identified
	// (0: 0.1): the targets then stay put when it moves together with
	// compensating moves of the others at most √(1/0.1−1) = 3 times as
	// large.
	MaxNull float64
	// RCond is the singular value, relative to the largest, at or below
	// which a direction counts as unseen by the targets (0: 1e-6).
	RCond float64
	// Blocks is how many independent blocks of common random numbers
	// (seeds Options.Seed, Options.Seed+1, …; with Seed 0, block 0 runs
	// the scenarios' own seeds) the differences are taken in; their mean
	// is the Jacobian and their spread its noise (0: 4; 1 gives no noise
	// estimate).
	Blocks int
	// Noise is how many times its noise a direction's singular value must
	// exceed to count as seen (0: 2); see Identification.DirNoise.
	Noise float64
}

func (o *IdentifyOptions) defaults() {
	if o.Step <= 1 {
		o.Step = 1.1
	}
	if o.MaxSE <= 0 {
		o.MaxSE = 0.5
	}
	if o.MaxCorr <= 0 {
		o.MaxCorr = 0.9
	}
	if o.MaxNull <= 0 {
		o.MaxNull = 0.1
	}
	if o.RCond <= 0 {
		o.RCond = 1e-6
	}
	if o.Blocks <= 0 {
		o.Blocks = 4
	}
	if o.Noise <= 0 {
		o.Noise = 2
	}
}

// Identification is a local identifiability analysis of params around a
// profile: how each target moves with each parameter, and how well the
// targets, within their tolerances, pin the parameters down.
type Identification struct {
	Params  []Param
	Targets []Target
	Options IdentifyOptions
	Center  []float64 // Center holds each parameter's value at the profile.
	Base    []float64 // Base holds each target's value at the profile, the mean over the blocks.
	// Sens[i][j] is the change of target i per unit change of the natural
	// log of parameter j (a central difference, one-sided at a bound; the
	// mean over the blocks), and SensSE[i][j] its standard error from the
	// blocks' spread (0 with one block).
	Sens, SensSE [][]float64
	// J is the Jacobian of the tolerance-scaled targets: J[i][j] is
	// Sens[i][j] divided by target i's tolerance; JSE likewise.
	J, JSE *mat.Dense
	// Singular holds J's singular values, largest first: Singular[k] is
	// the length of J·v for the k-th right singular vector v, how far (in
	// tolerances) the targets move when the log parameters move by v.
	Singular []float64
	// DirNoise[k] is the noise in that length: the root of
	// Σ_ij JSE[i][j]²·v[j]², the standard deviation of the error J's noise
	// adds to J·v.
	DirNoise []float64
	// Seen holds the right singular vectors whose singular value exceeds
	// both RCond times the largest and Options.Noise times its DirNoise:
	// the combinations of the parameters the targets pin down, through
	// the simulation noise. SeenSE[k] is 1/Singular of Seen[k], the
	// standard error of the log parameters' projection on it.
	Seen   [][]float64
	SeenSE []float64
	// Rank is len(Seen).
	Rank int
	// Null holds unit directions in log-parameter space (one value per
	// parameter) that leave every target unchanged to first order, or
	// change them less than the noise: J's (numerical) null space, empty
	// when JᵀJ is well conditioned.
	Null [][]float64
	// NullShare[j] is the squared length of parameter j's unit direction
	// that lies in the null space: 0 when the targets pin it, 1 when they
	// do not see it at all.
	NullShare []float64
	// SE[j] is the approximate standard error of ln(parameter j): the root
	// of the diagonal of (JᵀJ)⁻¹, or of the pseudo-inverse over the seen
	// directions when JᵀJ is singular; +Inf when parameter j is not
	// identified.
	SE []float64
	// Corr is the correlation matrix of the log parameters from the same
	// (pseudo-)inverse; NaN where a parameter is not identified.
	Corr [][]float64
}

// blockEvaluator returns what the model gives for each target with
// behaviour b in block (of common random numbers) block.
type blockEvaluator func(ctx context.Context, b sim.Behaviour, targets []Target, block int) ([]Fitted, error)

// Identify measures, around center, the sensitivity of every target to every
// parameter by finite differences in log space (each parameter multiplied and
// divided by IdentifyOptions.Step, within its fitting bounds, with common
// random numbers), and from the tolerance-scaled Jacobian J derives the
// parameters' approximate standard errors and correlations, (JᵀJ)⁻¹, through
// its singular value decomposition, so that a singular JᵀJ yields the
// directions the targets cannot see instead of failing. The differences are
// repeated in Blocks independent blocks of common random numbers (block k
// with seed opts.Seed+k), so the Jacobian's noise is measured; a direction
// whose singular value does not clear the noise counts as unseen. It
// evaluates every target Blocks×(2×len(params)+1) times with opts.
func Identify(ctx context.Context, center sim.Behaviour, params []Param, targets []Target, load Loader, opts Options, idOpts IdentifyOptions) (*Identification, error) {
	opts.defaults()
	eval := func(ctx context.Context, b sim.Behaviour, ts []Target, block int) ([]Fitted, error) {
		o := opts
		o.Seed += uint64(block)
		return Evaluate(ctx, b, ts, load, o)
	}
	id, err := identify(ctx, center, params, targets, eval, idOpts, opts.Progress)
	if err != nil {
		return nil, fmt.Errorf("calibrate: identify: %w", err)
	}
	return id, nil
}

// identify is Identify with the model behind eval.
func identify(ctx context.Context, center sim.Behaviour, params []Param, targets []Target, eval blockEvaluator, o IdentifyOptions, progress io.Writer) (*Identification, error) {
	o.defaults()
	if len(params) == 0 || len(targets) == 0 {
		return nil, errors.New("nothing to analyse")
	}
	m, n, nb := len(targets), len(params), o.Blocks
	id := &Identification{Params: params, Targets: targets, Options: o, Center: make([]float64, n), Base: make([]float64, m)}
	grid := func() [][]float64 {
		g := make([][]float64, m)
		for i := range g {
			g[i] = make([]float64, n)
		}
		return g
	}
	// sum and sq accumulate each difference's sum and sum of squares over
	// the blocks.
	sum, sq := grid(), grid()
	for j, p := range params {
		v := *p.Field(&center)
		id.Center[j] = v
		if !(v > 0) {
			return nil, fmt.Errorf("%s is %g; log-space differences need a positive value", p.Name, v)
		}
		if !(min(v*o.Step, p.Hi) > max(v/o.Step, p.Lo)) {
			return nil, fmt.Errorf("%s: no room to vary it within its bounds %g to %g", p.Name, p.Lo, p.Hi)
		}
	}
	for k := range nb {
		base, err := eval(ctx, center, targets, k)
		if err != nil {
			return nil, err
		}
		for i := range targets {
			id.Base[i] += base[i].Value / float64(nb)
		}
		for j, p := range params {
			v := id.Center[j]
			up, down := min(v*o.Step, p.Hi), max(v/o.Step, p.Lo)
			at := func(x float64) ([]Fitted, error) {
				if x == v {
					return base, nil
				}
				b := center
				*p.Field(&b) = x
				return eval(ctx, b, targets, k)
			}
			hi, err := at(up)
			if err != nil {
				return nil, err
			}
			lo, err := at(down)
			if err != nil {
				return nil, err
			}
			h := math.Log(up) - math.Log(down)
			for i := range targets {
				d := (hi[i].Value - lo[i].Value) / h
				sum[i][j] += d
				sq[i][j] += d * d
			}
			if progress != nil {
				fmt.Fprintf(progress, "identify: block %d of %d, %s (%d of %d)\n", k+1, nb, p.Name, j+1, n)
			}
		}
	}
	id.Sens, id.SensSE = grid(), grid()
	id.J, id.JSE = mat.NewDense(m, n, nil), mat.NewDense(m, n, nil)
	for i, t := range targets {
		for j := range params {
			mean := sum[i][j] / float64(nb)
			id.Sens[i][j] = mean
			if nb > 1 {
				// The sample variance over the blocks, divided by their
				// number: the variance of the mean.
				vr := max(0, (sq[i][j]-float64(nb)*mean*mean)/float64(nb-1))
				id.SensSE[i][j] = math.Sqrt(vr / float64(nb))
			}
			id.J.Set(i, j, mean/t.Tol)
			id.JSE.Set(i, j, id.SensSE[i][j]/t.Tol)
		}
	}
	if err := id.analyse(); err != nil {
		return nil, err
	}
	return id, nil
}

// analyse derives the seen directions, null space, standard errors and
// correlations from J and JSE.
func (id *Identification) analyse() error {
	m, n := id.J.Dims()
	var svd mat.SVD
	if !svd.Factorize(id.J, mat.SVDFull) {
		return errors.New("the Jacobian's singular value decomposition failed")
	}
	id.Singular = svd.Values(nil)
	var v mat.Dense
	svd.VTo(&v)
	col := func(k int) []float64 {
		d := make([]float64, n)
		for j := range d {
			d[j] = v.At(j, k)
		}
		return canonical(d)
	}
	// cov is the pseudo-inverse of JᵀJ over the seen directions: the sum
	// of v vᵀ / σ²; it is (JᵀJ)⁻¹ when every direction is seen.
	cov := mat.NewSymDense(n, nil)
	id.DirNoise = make([]float64, len(id.Singular))
	id.Seen, id.SeenSE, id.Null = nil, nil, nil
	for k := range n {
		if k >= len(id.Singular) {
			id.Null = append(id.Null, col(k))
			continue
		}
		var nv float64
		for i := range m {
			for j := range n {
				e := id.JSE.At(i, j) * v.At(j, k)
				nv += e * e
			}
		}
		id.DirNoise[k] = math.Sqrt(nv)
		sv := id.Singular[k]
		if !(sv > id.Options.RCond*id.Singular[0] && sv > id.Options.Noise*id.DirNoise[k]) {
			id.Null = append(id.Null, col(k))
			continue
		}
		id.Seen = append(id.Seen, col(k))
		id.SeenSE = append(id.SeenSE, 1/sv)
		cov.SymRankOne(cov, 1/(sv*sv), v.ColView(k))
	}
	id.Rank = len(id.Seen)
	id.NullShare = make([]float64, n)
	id.SE = make([]float64, n)
	for j := range n {
		for _, d := range id.Null {
			id.NullShare[j] += d[j] * d[j]
		}
		id.SE[j] = math.Sqrt(cov.At(j, j))
		if !id.Identified(j) {
			id.SE[j] = math.Inf(1)
		}
	}
	id.Corr = make([][]float64, n)
	for j := range n {
		id.Corr[j] = make([]float64, n)
		for k := range n {
			id.Corr[j][k] = math.NaN()
			if id.Identified(j) && id.Identified(k) {
				id.Corr[j][k] = cov.At(j, k) / math.Sqrt(cov.At(j, j)*cov.At(k, k))
			}
		}
	}
	return nil
}

// canonical returns d with the sign that makes its largest component
// positive, so the direction reads the same on every platform.
func canonical(d []float64) []float64 {
	big := 0
	for j := range d {
		if math.Abs(d[j]) > math.Abs(d[big]) {
			big = j
		}
	}
	if d[big] < 0 {
		for j := range d {
			d[j] = -d[j]
		}
	}
	return d
}

// Identified reports whether the targets pin parameter j down at all: its
// direction lies (almost) wholly outside J's null space.
func (id *Identification) Identified(j int) bool {
	return id.NullShare[j] <= id.Options.MaxNull
}

// Flags says what is wrong with parameter j's identification, one phrase per
// problem; none when it is well identified.
func (id *Identification) Flags(j int) []string {
	if !id.Identified(j) {
		return []string{"not identified"}
	}
	var out []string
	if id.SE[j] > id.Options.MaxSE {
		out = append(out, fmt.Sprintf("poorly identified (SE %.2f > %.2g)", id.SE[j], id.Options.MaxSE))
	}
	for k := range id.Params {
		if k != j && math.Abs(id.Corr[j][k]) > id.Options.MaxCorr {
			out = append(out, fmt.Sprintf("confounded with %s (r = %+.2f)", id.Params[k].Name, id.Corr[j][k]))
		}
	}
	return out
}

// TradeOff returns, for a parameter that is not identified, the direction in
// the null space closest to it, normalised so that its own component is 1:
// raising ln(parameter j) by 1 and every other log parameter by its
// component leaves the targets unchanged to first order. It is nil for an
// identified parameter.
func (id *Identification) TradeOff(j int) []float64 {
	if id.Identified(j) || id.NullShare[j] == 0 {
		return nil
	}
	n := len(id.Params)
	d := make([]float64, n)
	for _, v := range id.Null {
		for k := range n {
			d[k] += v[j] * v[k]
		}
	}
	own := d[j]
	for k := range d {
		d[k] /= own
	}
	return d
}

// Describe writes direction d (one component per parameter) as a signed sum
// of the parameters whose components reach at least cut in absolute value,
// largest first (as printed, to two decimals), e.g. "+1.00 plan_hours −0.62 forget_hours".
func (id *Identification) Describe(d []float64, cut float64) string {
	idx := make([]int, 0, len(d))
	for j := range d {
		if math.Abs(d[j]) >= cut {
			idx = append(idx, j)
		}
	}
	// Components equal as printed keep the parameters' order.
	printed := func(x float64) float64 { return math.Round(math.Abs(x) * 100) }
	sort.SliceStable(idx, func(a, b int) bool { return printed(d[idx[a]]) > printed(d[idx[b]]) })
	parts := make([]string, len(idx))
	for i, j := range idx {
		parts[i] = fmt.Sprintf("%s %s", signed(d[j]), id.Params[j].Name)
	}
	return strings.Join(parts, " ")
}

// signed formats x with an explicit sign, a minus sign for negatives.
func signed(x float64) string {
	if x < 0 {
		return fmt.Sprintf("−%.2f", -x)
	}
	return fmt.Sprintf("+%.2f", x)
}
