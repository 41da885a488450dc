package calibrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"giftsim/scenarios"
	"giftsim/sim"
)

// Target is one effect to reproduce: the ratio of a KPI between two arms of
// a scenario (Baseline set), or a KPI's absolute value in one arm (Baseline
// empty), with the tolerance it must fall within.
type Target struct {
	ID       string  // ID names the target, e.g. "B1".
	Name     string  // Name says what it is.
	Scenario string  // Scenario is a bundled example name or a file path.
	Arm      string  // Arm is the arm whose KPI is compared.
	Baseline string  // Baseline is the reference arm; "" for an absolute value.
	KPI      string  // KPI is a KPI id, e.g. "redemption_rate".
	Want     float64 // Want is the ratio Arm/Baseline, or the value of the KPI.
	Tol      float64 // Tol is the half-width the fitted value must fall within.
	// Panel are the contexts the target is evaluated in: the value is the
	// mean over them. Empty: the scenario as written, at its own size.
	Panel []Context
}

// DefaultTargets are the seed's measured effects (DOMAIN.md B1–B7), each
// on the bundled example scenario that asks its question and evaluated as
// the mean over DefaultPanel. B4 gives a direction, not a size: its targets
// ask for a positive noon edge, up to 9%, for a 60 CNY ticket and none
// (±3%) for a 600 CNY one.
func DefaultTargets() []Target {
	panel := DefaultPanel()
	ts := []Target{
		{ID: "B1", Name: "7-day vs 30-day validity: redemption rate", Scenario: "validity-7-vs-30", Arm: "7-day", Baseline: "30-day", KPI: "redemption_rate", Want: 1.42, Tol: 0.07},
		{ID: "B2", Name: "7-day vs 30-day validity: new customers", Scenario: "validity-7-vs-30", Arm: "7-day", Baseline: "30-day", KPI: "new_customers", Want: 0.71, Tol: 0.05},
		{ID: "B3", Name: "weekday 10-11 am vs evening push: claim conversion", Scenario: "push-time", Arm: "weekday-10am", Baseline: "evening", KPI: "claim_conversion", Want: 1.18, Tol: 0.04},
		{ID: "B4", Name: "noon vs 10 am push, 60 CNY ticket: redemption rate", Scenario: "ticket-noon", Arm: "low-noon", Baseline: "low-10am", KPI: "redemption_rate", Want: 1.05, Tol: 0.04},
		{ID: "B4-high", Name: "noon vs 10 am push, 600 CNY ticket: redemption rate", Scenario: "ticket-noon", Arm: "high-noon", Baseline: "high-10am", KPI: "redemption_rate", Want: 1.00, Tol: 0.03},
		{ID: "B5", Name: "limited-24h label: redeemed within 24 h", Scenario: "label-24h", Arm: "limited-24h", Baseline: "no-label", KPI: "timely_redemption", Want: 1.41, Tol: 0.07},
		{ID: "B6", Name: "limited-24h label: customer-service inquiries", Scenario: "label-24h", Arm: "limited-24h", Baseline: "no-label", KPI: "inquiries", Want: 1.03, Tol: 0.01},
		{ID: "B7", Name: "live-stream grab vs traditional: redemption rate", Scenario: "live-stream", Arm: "live-stream", Baseline: "traditional", KPI: "redemption_rate", Want: 1.73, Tol: 0.10},
	}
	for i := range ts {
		ts[i].Panel = panel
	}
	return ts
}

// Param is one behavioural parameter the fit may move, within bounds.
type Param struct {
	Name   string
	Field  func(*sim.Behaviour) *float64
	Lo, Hi float64
	// Prior is the parameter's documented prior value (its value in
	// sim.DefaultBehaviour): the fit and the ensemble anchor it there, on a
	// log scale with standard deviation PriorSD, where the targets leave it
	// free.
	Prior float64
	// Targets lists the target ids this parameter mainly drives; the fit
	// moves it together with them.
	Targets []string
	// Moves lists further targets the parameter moves strongly (see
	// calibrate --identify) that other groups fit: its group's objective
	// keeps them, so fitting one group does not undo another.
	Moves []string
}

// DefaultParams are the parameters fitted to the default targets, grouped
// by the effect whose mechanism they carry. Each is a sim.Parameters entry,
// named as in a scenario, with the fit's own bounds (within its range).
func DefaultParams() []Param {
	return []Param{
		fitted("plan_hours", 6, 3000, "B1", "B2"),
		fitted("forget_hours", 6, 3000, "B1", "B2"),
		fitted("plan_skew", 0.2, 20, "B1", "B2"),
		fitted("redeem_prob", 0.02, 1, "B1", "B2"),
		fitted("trial_rate", 0.003, 0.3, "B1", "B2"),
		fitted("gift_rate", 0.0002, 1, "B1", "B2"),
		fitted("attention_hours", 0.1, 200, "B3"),
		fitted("claim_rate", 0.01, 50, "B3"),
		fitted("impulse_prob", 0.001, 1, "B4", "B4-high").moving("B1", "B5"),
		fitted("impulse_hours", 0.1, 12, "B4", "B4-high").moving("B1", "B5"),
		fitted("label_urgency", 0.01, 200, "B5"),
		fitted("label_inquiry_prob", 1e-6, 0.05, "B6"),
		fitted("selection.live-stream", 0.01, 8, "B7"),
		fitted("intent_spread", 0.05, 3, "B7").moving("B1", "B2", "B5"),
	}
}

// fitted returns the Param for the number parameter of sim.Parameters
// called name, fitted within lo to hi to the targets. An unknown name or a
// money parameter is a programming error.
func fitted(name string, lo, hi float64, targets ...string) Param {
	p, ok := sim.LookupParameter(name)
	if !ok || p.Field == nil {
		panic("calibrate: no number parameter " + name + " in sim.Parameters")
	}
	d := sim.DefaultBehaviour()
	return Param{Name: name, Field: p.Field, Lo: lo, Hi: hi, Prior: *p.Field(&d), Targets: targets}
}

// moving returns p with Moves set to targets.
func (p Param) moving(targets ...string) Param {
	p.Moves = targets
	return p
}

// PriorSD is the prior's standard deviation of a fitted parameter's log:
// ln 3, so 95% of the prior lies within ×/÷ 8.6 of its documented value.
var PriorSD = math.Log(3)

// anchorWeight weighs the prior's pull in the fit against the targets'
// misfits (each in tolerances): small, so the fit meets the targets first
// and only then, among the parameter sets that meet them about equally
// well, prefers the one nearest the priors. Directions the targets cannot
// see are thereby tied to the documented priors instead of wherever the
// simplex stops.
const anchorWeight = 0.05

// priorDistance is the squared distance of the params' values in b from
// their priors, in prior standard deviations of their logs.
func priorDistance(params []Param, b *sim.Behaviour) float64 {
	s := 0.0
	for _, p := range params {
		v := *p.Field(b)
		if p.Prior > 0 && v > 0 {
			d := math.Log(v/p.Prior) / PriorSD
			s += d * d
		}
	}
	return s
}

// Options control a calibration.
type Options struct {
	Scale        float64   // Scale shrinks each scenario's population and sends (0 or 1: full size), for speed.
	Replications int       // Replications per evaluation (0: 10).
	Seed         uint64    // Seed of the common random numbers (0: the scenarios' own).
	MaxEvals     int       // MaxEvals caps evaluations per parameter group and pass (0: 60).
	Passes       int       // Passes over the groups (0: 2).
	Workers      int       // Workers runs replications in parallel (0: all cores).
	Progress     io.Writer // Progress receives a line per evaluation; nil for none.
	// ContextUsers is the population of each context of a target's panel,
	// before Scale (0: ContextUsers).
	ContextUsers int
	// NoPanel evaluates every target in its scenario as written, ignoring
	// its panel.
	NoPanel bool
	// Exec runs the evaluations' (arm, replication) units, e.g. on a
	// cluster's workers (nil: in this process).
	Exec sim.Executor
}

func (o *Options) defaults() {
	if o.Replications <= 0 {
		o.Replications = 10
	}
	if o.MaxEvals <= 0 {
		o.MaxEvals = 60
	}
	if o.Passes <= 0 {
		o.Passes = 2
	}
	if o.ContextUsers <= 0 {
		o.ContextUsers = ContextUsers
	}
}

// Fitted is a target with the value the model gives.
type Fitted struct {
	Target
	Value, Low, High float64 // Value is the ratio (or value) with its 95% interval.
	N                int
	// Contexts are the values in each context of the target's panel, whose
	// mean is Value; nil without a panel.
	Contexts []ContextValue
}

// ContextValue is a target's value in one context of its panel.
type ContextValue struct {
	Context          string   // Context is the context's name.
	Value, Low, High float64  // Value is the ratio (or value) with its 95% interval.
	Skipped          []string // Skipped are the context's overrides the target's arms set themselves.
}

// Pass reports whether the fitted value is within the target's tolerance.
func (f Fitted) Pass() bool { return math.Abs(f.Value-f.Want) <= f.Tol }

// Result is the outcome of a calibration.
type Result struct {
	Behaviour sim.Behaviour
	Params    []Param
	Fitted    []Fitted
	Evals     int
	Loss      float64
}

// Loader returns the source of a scenario name or path as it runs with
// behavioural profile b (the scenario's own behaviour settings still apply
// on top).
type Loader func(scenario string, b sim.Behaviour) (Source, error)

// Source is a target's scenario as it runs with a behavioural profile: its
// experiment and, when it comes from a scenario file, the scenario itself,
// on which a panel's contexts are set with Scenario.Set (the file's decoder
// and checks). A source built in code has no Scenario and takes no
// contexts.
type Source struct {
	Experiment *sim.Experiment
	Scenario   *scenarios.Scenario
}

// FromScenario is the source of sc.
func FromScenario(sc *scenarios.Scenario) Source {
	return Source{Experiment: sc.Experiment(), Scenario: sc}
}

// ScenarioLoader loads a scenario file with a profile
// (scenarios.ParseFileWithProfile), path naming it as path does.
func ScenarioLoader(path func(name string) string) Loader {
	return func(name string, b sim.Behaviour) (Source, error) {
		sc, err := scenarios.ParseFileWithProfile(path(name), b)
		if err != nil {
			return Source{}, err
		}
		return FromScenario(sc), nil
	}
}

// Evaluate runs every target's pair of arms with behaviour b, in each
// context of its panel, and returns what the model gives for each.
// Targets that share a scenario, arms and panel share the runs.
func Evaluate(ctx context.Context, b sim.Behaviour, targets []Target, load Loader, opts Options) ([]Fitted, error) {
	return evaluate(ctx, map[string]*pairResult{}, b, targets, load, opts)
}

// evaluate is Evaluate with a cache of runs that the caller may share
// between calls with the same behaviour.
func evaluate(ctx context.Context, runs map[string]*pairResult, b sim.Behaviour, targets []Target, load Loader, opts Options) ([]Fitted, error) {
	opts.defaults()
	out := make([]Fitted, len(targets))
	for i, t := range targets {
		src, err := source(runs, b, t.Scenario, load)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t.ID, err)
		}
		panel := t.Panel
		if opts.NoPanel {
			panel = nil
		}
		if len(panel) == 0 {
			pr, err := cachedPair(ctx, runs, src, t, nil, nil, opts)
			if err != nil {
				return nil, fmt.Errorf("target %s: %w", t.ID, err)
			}
			out[i] = pr.fitted(t)
			continue
		}
		// Contexts that differ only in overrides the arms set themselves
		// are one run. Each distinct run gets more replications, so every
		// target's panel mean rests on about Replications × len(panel)
		// runs, however many contexts it can tell apart.
		sets := make([][]string, len(panel))
		skipped := make([][]string, len(panel))
		mult := map[string]int{}
		for k, c := range panel {
			sets[k], skipped[k] = effective(src.Experiment, c)
			mult[strings.Join(sets[k], "\x00")]++
		}
		o := opts
		o.Replications = (opts.Replications*len(panel) + len(mult) - 1) / len(mult)
		f := Fitted{Target: t}
		var sum, se2 float64
		for k, c := range panel {
			pr, err := cachedPair(ctx, runs, src, t, &c, sets[k], o)
			if err != nil {
				return nil, fmt.Errorf("target %s, context %q: %w", t.ID, c.Name, err)
			}
			cf := pr.fitted(t)
			f.Contexts = append(f.Contexts, ContextValue{Context: c.Name, Value: cf.Value, Low: cf.Low, High: cf.High, Skipped: skipped[k]})
			sum += cf.Value
			if key := strings.Join(sets[k], "\x00"); mult[key] > 0 {
				// A run counted m times adds m² times its variance.
				se := float64(mult[key]) * (cf.High - cf.Low) / (2 * 1.959964)
				se2 += se * se
				f.N += cf.N
				mult[key] = 0
			}
		}
		p := float64(len(panel))
		f.Value = sum / p
		h := 1.959964 * math.Sqrt(se2) / p
		f.Low, f.High = f.Value-h, f.Value+h
		out[i] = f
	}
	return out, nil
}

// source returns the experiment of scenario with behaviour b, loaded once
// per evaluation.
func source(runs map[string]*pairResult, b sim.Behaviour, scenario string, load Loader) (Source, error) {
	key := "\x00scenario\x00" + scenario
	if pr, ok := runs[key]; ok {
		return pr.src, nil
	}
	src, err := load(scenario, b)
	if err != nil {
		return Source{}, err
	}
	runs[key] = &pairResult{src: src}
	return src, nil
}

// effective splits context c's overrides into those applied to src and
// those skipped because an arm of src sets the field itself.
func effective(src *sim.Experiment, c Context) (sets, skipped []string) {
	for _, s := range c.Set {
		path, _, _ := strings.Cut(s, "=")
		if scenarios.ArmsSet(src, strings.TrimSpace(path)) {
			skipped = append(skipped, s)
		} else {
			sets = append(sets, s)
		}
	}
	return sets, skipped
}

// cachedPair runs target t's arms in context c with the overrides sets
// (c nil: the scenario as written) once per evaluation.
func cachedPair(ctx context.Context, runs map[string]*pairResult, src Source, t Target, c *Context, sets []string, opts Options) (*pairResult, error) {
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%d", t.Scenario, t.Arm, t.Baseline, opts.Replications)
	if c != nil {
		key += "\x00context\x00" + strings.Join(sets, "\x00")
	}
	if pr, ok := runs[key]; ok {
		return pr, nil
	}
	pr, err := runPair(ctx, src, t, c, opts)
	if err != nil {
		return nil, err
	}
	runs[key] = pr
	return pr, nil
}

// pairResult holds the KPIs of a run of an arm against its baseline.
type pairResult struct {
	arm, base map[string][3]float64 // mean, low, high
	diffs     map[string][3]float64 // ratio, diff low, diff high
	n         int
	src       Source // src is the scenario as loaded, in a cache entry of its own.
}

func (p *pairResult) fitted(t Target) Fitted {
	f := Fitted{Target: t, N: p.n}
	a := p.arm[t.KPI]
	if t.Baseline == "" {
		f.Value, f.Low, f.High = a[0], a[1], a[2]
		return f
	}
	d := p.diffs[t.KPI]
	base := p.base[t.KPI][0]
	f.Value = d[0]
	if base != 0 {
		// The paired difference's interval, scaled to the ratio.
		f.Low, f.High = 1+d[1]/base, 1+d[2]/base
	}
	return f
}

func runPair(ctx context.Context, src Source, t Target, c *Context, opts Options) (*pairResult, error) {
	find := func(name string) (sim.Arm, error) {
		var names []string
		for _, a := range src.Experiment.Arms {
			if a.Name == name {
				return a, nil
			}
			names = append(names, a.Name)
		}
		return sim.Arm{}, fmt.Errorf("scenario %s has no arm %q (arms: %s)", t.Scenario, name, strings.Join(names, ", "))
	}
	arm, err := find(t.Arm)
	if err != nil {
		return nil, err
	}
	arms := []sim.Arm{arm}
	if t.Baseline != "" {
		base, err := find(t.Baseline)
		if err != nil {
			return nil, err
		}
		arms = []sim.Arm{base, arm}
	}
	exp := *src.Experiment
	exp.Arms = arms
	if c != nil {
		// The context is set on the whole scenario, so an override is
		// skipped when any of its arms sets the field, not only these two.
		users := int(math.Round(float64(opts.ContextUsers) * scaleOr1(opts.Scale)))
		in, err := inContext(src, *c, users)
		if err != nil {
			return nil, err
		}
		exp.Arms = nil
		for _, a := range in.Arms {
			if a.Name == arms[0].Name || a.Name == arm.Name {
				exp.Arms = append(exp.Arms, a)
			}
		}
		if t.Baseline != "" && exp.Arms[0].Name != arms[0].Name {
			exp.Arms[0], exp.Arms[1] = exp.Arms[1], exp.Arms[0]
		}
	} else if scale := opts.Scale; scale > 0 && scale < 1 {
		exp.Arms = slices.Clone(arms)
		for i := range exp.Arms {
			if exp.Arms[i].Config.Population.Users > 0 {
				scaleArm(&exp.Arms[i], scale)
			}
		}
	}
	exp.Replications, exp.Precision = opts.Replications, nil
	if opts.Seed != 0 {
		exp.Seed = opts.Seed
	}
	res, err := sim.RunExperiment(ctx, &exp, sim.RunOptions{Workers: opts.Workers, Exec: opts.Exec})
	if err != nil {
		return nil, err
	}
	pr := &pairResult{arm: map[string][3]float64{}, base: map[string][3]float64{}, diffs: map[string][3]float64{}, n: res.Replications}
	last := res.Arms[len(res.Arms)-1]
	for id, e := range last.KPIs {
		pr.arm[id] = [3]float64{e.Mean, e.Low, e.High}
		if d, ok := last.Diffs[id]; ok {
			pr.diffs[id] = [3]float64{d.Ratio, d.Low, d.High}
		}
	}
	for id, e := range res.Arms[0].KPIs {
		pr.base[id] = [3]float64{e.Mean, e.Low, e.High}
	}
	return pr, nil
}

// scaleOr1 is the scale a size is multiplied by: s when it shrinks, else 1.
func scaleOr1(s float64) float64 {
	if s > 0 && s < 1 {
		return s
	}
	return 1
}

// loss is the tolerance-scaled squared misfit.
func loss(fs []Fitted) float64 {
	s := 0.0
	for _, f := range fs {
		d := (f.Value - f.Want) / f.Tol
		s += d * d
	}
	return s
}

// Fit moves params, group by group (parameters that drive the same
// targets), to minimise the misfit of targets, starting from start. Each
// group is fitted with Nelder–Mead on its own targets, in bounded,
// log-scaled coordinates; Passes sweeps over all groups account for
// interactions.
func Fit(ctx context.Context, start sim.Behaviour, params []Param, targets []Target, load Loader, opts Options) (*Result, error) {
	opts.defaults()
	if len(params) == 0 || len(targets) == 0 {
		return nil, errors.New("calibrate: nothing to fit")
	}
	b := start
	res := &Result{Params: params}
	groups := groupParams(params, targets)
	for pass := range opts.Passes {
		for _, g := range groups {
			var sub []Target
			for _, t := range targets {
				if g.targets[t.ID] || g.moves[t.ID] {
					sub = append(sub, t)
				}
			}
			x0 := make([]float64, len(g.params))
			step := make([]float64, len(g.params))
			for i, p := range g.params {
				x0[i] = toUnit(p, *p.Field(&b))
				step[i] = 0.6
			}
			var ferr error
			f := func(x []float64) float64 {
				trial := b
				for i, p := range g.params {
					*p.Field(&trial) = fromUnit(p, x[i])
				}
				fs, err := Evaluate(ctx, trial, sub, load, opts)
				if err != nil {
					ferr = err
					return math.Inf(1)
				}
				l := loss(fs) + anchorWeight*priorDistance(g.params, &trial)
				res.Evals++
				if opts.Progress != nil {
					fmt.Fprintf(opts.Progress, "pass %d, %s: eval %d, loss %.3f:", pass+1, g.name(), res.Evals, l)
					for _, f := range fs {
						fmt.Fprintf(opts.Progress, " %s=%.3f", f.ID, f.Value)
					}
					fmt.Fprintln(opts.Progress)
				}
				return l
			}
			// The simplex stops when its values agree within a fiftieth
			// of a tolerance squared: finer is noise.
			x, _, _ := minimize(ctx, f, x0, step, opts.MaxEvals, 0.02)
			if ferr != nil {
				return nil, ferr
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			for i, p := range g.params {
				*p.Field(&b) = fromUnit(p, x[i])
			}
		}
	}
	fs, err := Evaluate(ctx, b, targets, load, opts)
	if err != nil {
		return nil, err
	}
	res.Behaviour, res.Fitted, res.Loss = b, fs, loss(fs)
	return res, nil
}

type group struct {
	params  []Param
	targets map[string]bool
	moves   map[string]bool // moves are other groups' targets the params move (Param.Moves).
}

func (g group) name() string {
	var ids []string
	for id := range g.targets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, "+")
}

// groupParams gathers parameters that share a target into one group, in the
// order they are listed; parameters whose targets are all absent are left out.
func groupParams(params []Param, targets []Target) []group {
	present := map[string]bool{}
	for _, t := range targets {
		present[t.ID] = true
	}
	var gs []group
	for _, p := range params {
		hit := -1
		for i, g := range gs {
			for _, id := range p.Targets {
				if g.targets[id] {
					hit = i
				}
			}
		}
		ts := map[string]bool{}
		for _, id := range p.Targets {
			if present[id] {
				ts[id] = true
			}
		}
		if len(ts) == 0 {
			continue
		}
		if hit < 0 {
			gs = append(gs, group{targets: ts, moves: map[string]bool{}})
			hit = len(gs) - 1
		}
		gs[hit].params = append(gs[hit].params, p)
		for id := range ts {
			gs[hit].targets[id] = true
		}
		for _, id := range p.Moves {
			if present[id] {
				gs[hit].moves[id] = true
			}
		}
	}
	return gs
}

// toUnit maps a parameter value to the optimiser's unbounded coordinate:
// the logit of its position on a log scale between the bounds.
func toUnit(p Param, v float64) float64 {
	lo, hi := math.Log(p.Lo), math.Log(p.Hi)
	u := (math.Log(math.Min(math.Max(v, p.Lo), p.Hi)) - lo) / (hi - lo)
	u = math.Min(math.Max(u, 1e-6), 1-1e-6)
	return math.Log(u / (1 - u))
}

func fromUnit(p Param, x float64) float64 {
	u := 1 / (1 + math.Exp(-x))
	lo, hi := math.Log(p.Lo), math.Log(p.Hi)
	return math.Exp(lo + u*(hi-lo))
}
