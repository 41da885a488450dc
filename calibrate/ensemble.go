package calibrate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"giftsim/sim"
)

// EnsembleOptions control how an ensemble is drawn.
type EnsembleOptions struct {
	Size  int // Size is how many parameter sets to keep (0: 20).
	Steps int // Steps is how many sweeps over the parameter groups the chains make in all (0: 4 per member).
	Burn  int // Burn is how many of the sweeps tune the steps and are then discarded (0: a quarter of Steps).
	// Scale is each group's initial step scale, times 2.38/√n the group's
	// conditional standard deviations in the linearised posterior (0: 1);
	// the burn-in tunes it.
	Scale float64
	// Chains is how many independent chains from the fit share Steps,
	// Burn and Size (0: 10).
	Chains int
	// Blocks is how many blocks of common random numbers the Jacobian
	// that shapes the proposals is measured in (0: 2); see
	// IdentifyOptions.
	Blocks int
	// Noise says which random numbers a proposal is judged under (the
	// zero value: NoiseShared).
	Noise Noise
	// FitNoise spreads the kept sets by the fit's own noise (FitNoiseCov):
	// each moves by an independent draw of what the calibration's noise
	// would move the fit, so the ensemble also covers the fits that other
	// seeds would have found. Members then meet the targets only up to
	// that noise, and Seeds no longer applies to them.
	FitNoise bool
}

// Noise is how the ensemble's runs draw their random numbers.
type Noise int

// String is the noise's name for flags and messages.
func (n Noise) String() string {
	switch n {
	case NoisePerChain:
		return "chain"
	case NoisePerProposal:
		return "proposal"
	case NoiseShared:
		return "shared"
	}
	return fmt.Sprintf("Noise(%d)", int(n))
}

// ParseNoise reads a Noise by its name: chain, proposal or shared.
func ParseNoise(s string) (Noise, error) {
	for _, n := range []Noise{NoisePerChain, NoisePerProposal, NoiseShared} {
		if s == n.String() {
			return n, nil
		}
	}
	return 0, fmt.Errorf("ensemble noise %q: want chain, proposal or shared", s)
}

// The ways of drawing the ensemble's random numbers.
const (
	// NoiseShared judges everything under the calibration's own seed, as
	// the fit does; the ensemble is then conditional on that seed's noise.
	NoiseShared Noise = iota
	// NoisePerChain gives each chain its own seed, which all its runs
	// share: within a chain, common random numbers keep the targets smooth
	// in the parameters, so the chain moves as freely as under one seed;
	// across chains, the seeds' noise is integrated out.
	NoisePerChain
	// NoisePerProposal runs every proposal under fresh random numbers (a
	// pseudo-marginal chain): exact, but a state is left only as often as
	// a run at it meets every target, so chains stick.
	NoisePerProposal
)

func (o *EnsembleOptions) defaults() {
	if o.Size <= 0 {
		o.Size = 20
	}
	if o.Steps <= 0 {
		o.Steps = 4 * o.Size
	}
	if o.Burn <= 0 {
		o.Burn = o.Steps / 4
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Chains <= 0 {
		o.Chains = 10
	}
	o.Chains = min(o.Chains, o.Size)
	if o.Blocks <= 0 {
		o.Blocks = 2
	}
}

// EnsembleResult is an ensemble with what it took to draw it.
type EnsembleResult struct {
	Members  []map[string]float64 // Members are the kept parameter sets, by parameter name.
	Proposed int                  // Proposed counts proposals.
	Accepted int                  // Accepted counts proposals that met every target.
	// Outside counts proposals outside the fitting bounds; Unlikely those
	// the prior's ratio turned down before any run; Missed, by target id,
	// those that missed a target (the first one found).
	Outside, Unlikely int
	Missed            map[string]int
	// CenterPasses counts, of CenterDraws fresh draws of the random numbers
	// (one per chain), those under which the fit itself meets every target.
	CenterPasses, CenterDraws int
	// Stranded counts chains that never met every target under their own
	// random numbers; they keep the fit.
	Stranded int
	// Seeds holds, for each member, a seed of the random numbers under
	// which it met every target (nil with FitNoise).
	Seeds []uint64
	// FitNoise holds, by parameter name, the standard deviation of its log
	// that the fit's own noise adds (with EnsembleOptions.FitNoise).
	FitNoise map[string]float64
	// Steps holds, by parameter name, the proposal's standard deviation of
	// its log before scaling, and Scales the scale its group was tuned to.
	Steps, Scales map[string]float64
}

// kernelPrecision is the precision, per tolerance², of the Gaussian that
// stands in for the uniform ABC kernel in the linearised posterior: a
// uniform on ±tol has variance tol²/3.
const kernelPrecision = 3

// Ensemble draws parameter sets consistent with the targets and their
// tolerances, around center (a fitted profile), by approximate Bayesian
// computation with a Markov chain (Marjoram, Molitor, Plagnol and Tavaré,
// 2003):
//
//   - the prior is log-normal around each parameter's documented prior
//     (standard deviation PriorSD of the log) within its fitting bounds;
//     the ABC kernel is uniform, so a parameter set counts only when every
//     target is met within its tolerance, and the chain's states are draws
//     from the prior restricted to the sets that reproduce the targets;
//   - the chain updates one group of parameters at a time (those that share
//     targets, as Fit groups them) with a Gaussian random-walk step in log
//     space shaped by the linearised posterior at center: the targets'
//     Jacobian, measured as Identify does, with the kernel taken as a
//     Gaussian of the same variance, combined with the prior. A group's
//     step has the covariance of its parameters' conditional posterior
//     given the others, times (2.38·Scale)²/n for a group of n (the
//     optimal random-walk scaling of Roberts, Gelman and Gilks, 1997), so
//     it takes long strides along the directions the targets leave to the
//     prior and short ones along those they pin. The linearisation misses
//     the curvature and the noise, so the burn-in sweeps then tune each
//     group's scale towards an acceptance rate of adaptTarget;
//   - a proposal is accepted with the prior's ratio (drawn before any run)
//     and only when every target is met; the group's own targets run
//     first, the rest only if they pass;
//   - every proposal is judged under the calibration's common random
//     numbers (NoiseShared), so the targets are smooth in the parameters
//     and the chain moves freely; the ensemble is then conditional on that
//     seed's noise, and with EnsembleOptions.FitNoise its kept sets are
//     spread by what that noise does to the fit (FitNoiseCov).
//     NoisePerChain gives each chain its own seed (a chain whose start
//     misses under its seed first walks towards the region, moving to any
//     proposal whose worst miss, in tolerances, is smaller, as the
//     shrinking tolerance of sequential ABC; one that never gets there
//     keeps the fit and is counted as stranded); NoisePerProposal runs
//     every proposal under fresh numbers (a pseudo-marginal chain, Andrieu
//     and Roberts, 2009), exact but sticky: a state is left only as often
//     as a run there meets every target, 30–50% at the fit. Both agreed
//     less across two calibrations' seeds than the shared numbers with the
//     spread (docs/MODEL.md);
//   - Chains independent chains start from center, which must meet every
//     target, advance together a sweep at a time, and their kept states
//     (after Burn sweeps, with the scales fixed) are pooled.
//
// The chains' and proposals' seeds derive from the calibration's seed, so the
// result is deterministic for a seed.
func Ensemble(ctx context.Context, center sim.Behaviour, params []Param, targets []Target, load Loader, opts Options, eo EnsembleOptions) (*EnsembleResult, error) {
	opts.defaults()
	eo.defaults()
	groups := groupParams(params, targets)
	if len(groups) == 0 {
		return nil, fmt.Errorf("calibrate: no parameters drive these targets")
	}
	fs, err := Evaluate(ctx, center, targets, load, opts)
	if err != nil {
		return nil, err
	}
	if !allPass(fs) {
		return nil, fmt.Errorf("calibrate: the fit misses a target, so no ensemble can start from it")
	}
	id, err := Identify(ctx, center, params, targets, load, opts, IdentifyOptions{Blocks: eo.Blocks})
	if err != nil {
		return nil, err
	}
	prec := laplacePrecision(id, params)
	res := &EnsembleResult{Missed: map[string]int{}, Steps: map[string]float64{}}
	// Each chain's seed, and how far the fit misses under it.
	seeds := make([]uint64, eo.Chains)
	in := make([]bool, eo.Chains)
	miss := make([]float64, eo.Chains)
	target := adaptTarget
	for c := range seeds {
		seeds[c], in[c] = opts.Seed, true
	}
	if eo.Noise != NoiseShared {
		res.CenterDraws = eo.Chains
		for c := range seeds {
			o := opts
			o.Seed = proposalSeed(opts.Seed, chainStream, uint64(c))
			fs, err := Evaluate(ctx, center, targets, load, o)
			if err != nil {
				return nil, err
			}
			in[c], miss[c] = allPass(fs), worstMiss(fs)
			res.CenterPasses += boolInt(in[c])
			if eo.Noise == NoisePerChain {
				seeds[c] = o.Seed
			} else {
				in[c] = true // a pseudo-marginal chain starts from the fit, which met every target
			}
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "ensemble: the fit meets every target under %d of %d fresh draws of the random numbers\n", res.CenterPasses, res.CenterDraws)
		}
		if eo.Noise == NoisePerProposal {
			// Even a step of zero is accepted only as often as a run at the
			// state meets every target; a fit that passes in none of the draws
			// still gets a floor, so the steps do not shrink to nothing.
			target = adaptTarget * max(float64(res.CenterPasses), 1) / float64(res.CenterDraws)
		}
	}
	steps := make([]*mat.Cholesky, len(groups))
	for gi, g := range groups {
		if steps[gi], err = groupStep(prec, params, g); err != nil {
			return nil, err
		}
		var cov mat.SymDense
		steps[gi].ToSym(&cov)
		for a, p := range g.params {
			res.Steps[p.Name] = math.Sqrt(cov.At(a, a))
		}
	}
	if opts.Progress != nil {
		for _, p := range params {
			fmt.Fprintf(opts.Progress, "ensemble: %s steps ×/÷ %.3g before tuning\n", p.Name, math.Exp(res.Steps[p.Name]*eo.Scale))
		}
	}
	// Independent chains from the fit, each with its own stream, explore
	// different directions of the set that meets the targets; they advance
	// a sweep at a time together, so the burn-in sweeps of all of them tune
	// the groups' step sizes, and their kept states are pooled.
	sweeps := max(1, eo.Steps/eo.Chains)
	burn := min(sweeps-1, eo.Burn/eo.Chains)
	s := sampler{groups: groups, steps: steps, targets: targets, load: load, opts: opts, res: res,
		logScale: make([]float64, len(groups)), tries: make([]int, len(groups)), target: target, fresh: eo.Noise == NoisePerProposal}
	for gi := range groups {
		s.logScale[gi] = math.Log(eo.Scale)
	}
	chains := make([]chainState, eo.Chains)
	for c := range chains {
		chains[c] = chainState{r: rand.New(rand.NewPCG(opts.Seed, 0x656e73656d626c65+uint64(c))), state: center,
			size: eo.Size/eo.Chains + boolInt(c < eo.Size%eo.Chains), seed: seeds[c], in: in[c], miss: miss[c], passSeed: opts.Seed}
		if in[c] && eo.Noise == NoisePerChain {
			chains[c].passSeed = seeds[c]
		}
	}
	keepEvery := func(size int) int { return max(1, (sweeps-burn)/max(1, size)) }
	for sweep := range sweeps {
		for c := range chains {
			ch := &chains[c]
			for gi, g := range groups {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				if err := s.propose(ctx, ch, gi, g, sweep < burn); err != nil {
					return nil, err
				}
			}
			if sweep >= burn && (sweep-burn)%keepEvery(ch.size) == 0 && len(ch.kept) < ch.size {
				ch.kept = append(ch.kept, ch.state)
				ch.keptSeeds = append(ch.keptSeeds, ch.passSeed)
			}
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "ensemble: sweep %d of %d over %d chains, %d of %d proposals accepted\n", sweep+1, sweeps, eo.Chains, res.Accepted, res.Proposed)
		}
	}
	res.Scales = map[string]float64{}
	for gi, g := range groups {
		for _, p := range g.params {
			res.Scales[p.Name] = math.Exp(s.logScale[gi])
		}
	}
	var kept []sim.Behaviour
	for _, ch := range chains {
		kept = append(kept, ch.kept...)
		res.Seeds = append(res.Seeds, ch.keptSeeds...)
		res.Stranded += boolInt(!ch.in)
	}
	for _, b := range kept {
		set := map[string]float64{}
		for _, p := range params {
			set[p.Name] = *p.Field(&b)
		}
		res.Members = append(res.Members, set)
	}
	if eo.FitNoise {
		cov, err := FitNoiseCov(id, params, fs)
		if err != nil {
			return nil, err
		}
		if err := spreadByFitNoise(res.Members, params, cov, opts.Seed); err != nil {
			return nil, err
		}
		res.FitNoise = map[string]float64{}
		for j, p := range params {
			res.FitNoise[p.Name] = math.Sqrt(cov.At(j, j))
		}
		res.Seeds = nil
	}
	return res, nil
}

// laplacePrecision is the precision matrix of the linearised posterior of
// the params' logs at the identification's centre: P₀ + k·Jₛᵀ Jₛ, P₀ the
// prior's (diagonal, 1/PriorSD²), Jₛ the tolerance-scaled Jacobian
// projected on the directions the targets see through the noise (the rest
// keep the prior's spread) and k = kernelPrecision. A parameter without a
// prior gets one spanning its fitting bounds (a quarter of their log width
// as standard deviation).
func laplacePrecision(id *Identification, params []Param) *mat.SymDense {
	n := len(params)
	proj := mat.NewDense(n, n, nil)
	for _, v := range id.Seen {
		vv := mat.NewVecDense(n, v)
		var outer mat.Dense
		outer.Outer(1, vv, vv)
		proj.Add(proj, &outer)
	}
	var js, jtj mat.Dense
	js.Mul(id.J, proj)
	jtj.Mul(js.T(), &js)
	prec := mat.NewSymDense(n, nil)
	for a, p := range params {
		sd := PriorSD
		if !(p.Prior > 0) {
			sd = (math.Log(p.Hi) - math.Log(p.Lo)) / 4
		}
		for b := a; b < n; b++ {
			v := kernelPrecision * jtj.At(a, b)
			if a == b {
				v += 1 / (sd * sd)
			}
			prec.SetSym(a, b, v)
		}
	}
	return prec
}

// groupStep returns the Cholesky factor of the proposal covariance of group
// g's parameters: their conditional covariance given the others in the
// linearised posterior of precision prec, (P_gg)⁻¹, times 2.38²/n.
func groupStep(prec *mat.SymDense, params []Param, g group) (*mat.Cholesky, error) {
	idx := make([]int, len(g.params))
	for a, gp := range g.params {
		for j, p := range params {
			if p.Name == gp.Name {
				idx[a] = j
			}
		}
	}
	n := len(idx)
	sub := mat.NewSymDense(n, nil)
	for a := range n {
		for b := a; b < n; b++ {
			sub.SetSym(a, b, prec.At(idx[a], idx[b]))
		}
	}
	var pc mat.Cholesky
	if !pc.Factorize(sub) {
		return nil, fmt.Errorf("calibrate: the linearised posterior's precision is not positive definite for %s", g.name())
	}
	var cov mat.SymDense
	if err := pc.InverseTo(&cov); err != nil {
		return nil, fmt.Errorf("calibrate: linearised posterior of %s: %w", g.name(), err)
	}
	cov.ScaleSym(2.38*2.38/float64(n), &cov)
	var step mat.Cholesky
	if !step.Factorize(&cov) {
		return nil, fmt.Errorf("calibrate: the proposal of %s is not positive definite", g.name())
	}
	return &step, nil
}

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// adaptTarget is the acceptance rate the burn-in tunes each group's step
// towards: between the optimal random walk's 0.44 for one parameter and
// 0.234 for many (Roberts and Rosenthal, 2001).
const adaptTarget = 0.3

// sampler holds what the ensemble's chains share: the groups, their
// proposal shapes and tuned scales, and the tallies.
type sampler struct {
	groups   []group
	steps    []*mat.Cholesky // steps[g] factors group g's proposal covariance.
	logScale []float64       // logScale[g] is the log of group g's step scale.
	tries    []int           // tries[g] counts group g's burn-in proposals.
	target   float64         // target is the acceptance rate the burn-in tunes towards.
	fresh    bool            // fresh runs each proposal under its own random numbers.
	targets  []Target
	load     Loader
	opts     Options
	res      *EnsembleResult
}

// chainState is one chain: its random stream, state and kept states.
type chainState struct {
	r     *rand.Rand
	state sim.Behaviour
	kept  []sim.Behaviour
	size  int    // size is how many states the chain keeps.
	seed  uint64 // seed is the chain's common random numbers.
	in    bool   // in says the state meets every target under seed.
	// miss is, while !in, the state's worst miss under seed, in
	// tolerances beyond the tolerance.
	miss float64
	// passSeed is a seed under which the state met every target, and
	// keptSeeds those of the kept states.
	passSeed  uint64
	keptSeeds []uint64
}

// propose makes one Metropolis–Hastings step for group gi of chain ch,
// moving its state when the proposal is accepted. During burn-in, the
// group's step scale is tuned towards adaptTarget's acceptance rate by
// stochastic approximation (Andrieu and Thoms, 2008); the kept sweeps run
// with the scale fixed, so they sample the posterior exactly.
func (s *sampler) propose(ctx context.Context, ch *chainState, gi int, g group, tune bool) error {
	ok, err := s.step(ctx, ch, gi, g)
	if err != nil {
		return err
	}
	if tune && ch.in {
		s.tries[gi]++
		s.logScale[gi] += (float64(boolInt(ok)) - s.target) / math.Sqrt(float64(s.tries[gi]))
	}
	return nil
}

// step proposes a move of group gi from ch's state and reports whether it
// was accepted.
func (s *sampler) step(ctx context.Context, ch *chainState, gi int, g group) (bool, error) {
	n := len(g.params)
	y := mat.NewVecDense(n, nil)
	for a := range n {
		y.SetVec(a, ch.r.NormFloat64())
	}
	var l mat.TriDense
	s.steps[gi].LTo(&l)
	var d mat.VecDense
	d.MulVec(&l, y)
	scale := math.Exp(s.logScale[gi])
	trial, inside := ch.state, true
	for a, p := range g.params {
		v := math.Exp(math.Log(*p.Field(&trial)) + scale*d.AtVec(a))
		if v < p.Lo || v > p.Hi {
			inside = false // outside the fitting bounds: rejected without a run
		}
		*p.Field(&trial) = v
	}
	s.res.Proposed++
	// The proposal is symmetric in log space, so the acceptance ratio is
	// the prior's, drawn before any run, times the ABC kernel.
	u := ch.r.Float64()
	switch {
	case !inside:
		s.res.Outside++
		return false, nil
	// A chain outside the targets' region (its start missed under its
	// seed) has target density zero there: it walks towards the region.
	case !ch.in:
		return s.enter(ctx, ch, trial)
	case u >= math.Exp(-(priorDistance(g.params, &trial)-priorDistance(g.params, &ch.state))/2):
		s.res.Unlikely++
		return false, nil
	}
	// The group's own targets first: most rejections show there, and
	// cost one scenario's runs instead of all.
	var own, rest []Target
	for _, t := range s.targets {
		if g.targets[t.ID] || g.moves[t.ID] {
			own = append(own, t)
		} else {
			rest = append(rest, t)
		}
	}
	runs := map[string]*pairResult{}
	opts := s.opts
	opts.Seed = ch.seed
	if s.fresh {
		opts.Seed = proposalSeed(s.opts.Seed, proposalStream, uint64(s.res.Proposed))
	}
	for _, ts := range [][]Target{own, rest} {
		fs, err := evaluate(ctx, runs, trial, ts, s.load, opts)
		if err != nil {
			return false, err
		}
		for _, f := range fs {
			if !f.Pass() {
				s.res.Missed[f.ID]++
				return false, nil
			}
		}
	}
	ch.state, ch.in, ch.passSeed = trial, true, opts.Seed
	s.res.Accepted++
	return true, nil
}

// enter moves a chain that is not yet in the targets' region to trial when
// trial misses by less under the chain's seed, and into the region when it
// misses nothing.
func (s *sampler) enter(ctx context.Context, ch *chainState, trial sim.Behaviour) (bool, error) {
	opts := s.opts
	opts.Seed = ch.seed
	fs, err := Evaluate(ctx, trial, s.targets, s.load, opts)
	if err != nil {
		return false, err
	}
	m := worstMiss(fs)
	if !allPass(fs) {
		if id := firstFailed(fs); id != "" {
			s.res.Missed[id]++
		}
		if m < ch.miss {
			ch.state, ch.miss = trial, m
		}
		return false, nil
	}
	ch.state, ch.in, ch.passSeed = trial, true, ch.seed
	s.res.Accepted++
	return true, nil
}

// worstMiss is the largest miss of a target beyond its tolerance, in
// tolerances (at most 0 when every target is met).
func worstMiss(fs []Fitted) float64 {
	w := math.Inf(-1)
	for _, f := range fs {
		w = max(w, math.Abs(f.Value-f.Want)/f.Tol-1)
	}
	return w
}

// firstFailed is the id of the first target fs misses, or "".
func firstFailed(fs []Fitted) string {
	for _, f := range fs {
		if !f.Pass() {
			return f.ID
		}
	}
	return ""
}

// The streams of the ensemble's fresh seeds.
const (
	chainStream    = 0x636861696e73 // "chains"
	proposalStream = 0x70726f706f73 // "propos"
)

// proposalSeed derives the k-th seed of a stream from the calibration's
// seed: a PCG draw, never 0 (which would mean the scenarios' own seeds).
func proposalSeed(seed, stream, k uint64) uint64 {
	v := rand.New(rand.NewPCG(seed^stream, k)).Uint64()
	if v == 0 {
		v = 1
	}
	return v
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
