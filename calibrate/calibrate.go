package calibrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

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
}

// DefaultTargets are the seed's measured effects (DOMAIN.md B1–B3, B5–B7),
// each on the bundled example scenario that asks its question.
func DefaultTargets() []Target {
	return []Target{
		{ID: "B1", Name: "7-day vs 30-day validity: redemption rate", Scenario: "validity-7-vs-30", Arm: "7-day", Baseline: "30-day", KPI: "redemption_rate", Want: 1.42, Tol: 0.07},
		{ID: "B2", Name: "7-day vs 30-day validity: new customers", Scenario: "validity-7-vs-30", Arm: "7-day", Baseline: "30-day", KPI: "new_customers", Want: 0.71, Tol: 0.05},
		{ID: "B3", Name: "weekday 10-11 am vs evening push: claim conversion", Scenario: "push-time", Arm: "weekday-10am", Baseline: "evening", KPI: "claim_conversion", Want: 1.18, Tol: 0.04},
		{ID: "B5", Name: "limited-24h label: redeemed within 24 h", Scenario: "label-24h", Arm: "limited-24h", Baseline: "no-label", KPI: "timely_redemption", Want: 1.41, Tol: 0.07},
		{ID: "B6", Name: "limited-24h label: customer-service inquiries", Scenario: "label-24h", Arm: "limited-24h", Baseline: "no-label", KPI: "inquiries", Want: 1.03, Tol: 0.01},
		{ID: "B7", Name: "live-stream grab vs traditional: redemption rate", Scenario: "live-stream", Arm: "live-stream", Baseline: "traditional", KPI: "redemption_rate", Want: 1.73, Tol: 0.10},
	}
}

// Param is one behavioural parameter the fit may move, within bounds.
type Param struct {
	Name   string
	Field  func(*sim.Behaviour) *float64
	Lo, Hi float64
	// Targets lists the target ids this parameter mainly drives; the fit
	// moves it together with them.
	Targets []string
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
		fitted("label_urgency", 0.01, 200, "B5"),
		fitted("label_inquiry_prob", 1e-6, 0.05, "B6"),
		fitted("selection.live-stream", 0.01, 8, "B7"),
		fitted("intent_spread", 0.05, 3, "B7"),
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
	return Param{Name: name, Field: p.Field, Lo: lo, Hi: hi, Targets: targets}
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
}

// Fitted is a target with the value the model gives.
type Fitted struct {
	Target
	Value, Low, High float64 // Value is the ratio (or value) with its 95% interval.
	N                int
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

// Loader returns the experiment of a scenario name or path as it runs with
// behavioural profile b (the scenario's own behaviour settings still apply
// on top).
type Loader func(scenario string, b sim.Behaviour) (*sim.Experiment, error)

// Evaluate runs every target's pair of arms with behaviour b and returns
// what the model gives for each.
func Evaluate(ctx context.Context, b sim.Behaviour, targets []Target, load Loader, opts Options) ([]Fitted, error) {
	opts.defaults()
	type pairKey struct{ scenario, arm, base string }
	runs := map[pairKey]*pairResult{}
	out := make([]Fitted, len(targets))
	for i, t := range targets {
		k := pairKey{t.Scenario, t.Arm, t.Baseline}
		pr, ok := runs[k]
		if !ok {
			var err error
			if pr, err = runPair(ctx, b, t, load, opts); err != nil {
				return nil, fmt.Errorf("target %s: %w", t.ID, err)
			}
			runs[k] = pr
		}
		out[i] = pr.fitted(t)
	}
	return out, nil
}

// pairResult holds the KPIs of a run of an arm against its baseline.
type pairResult struct {
	arm, base map[string][3]float64 // mean, low, high
	diffs     map[string][3]float64 // ratio, diff low, diff high
	n         int
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

func runPair(ctx context.Context, b sim.Behaviour, t Target, load Loader, opts Options) (*pairResult, error) {
	src, err := load(t.Scenario, b)
	if err != nil {
		return nil, err
	}
	find := func(name string) (sim.Arm, error) {
		var names []string
		for _, a := range src.Arms {
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
	exp := *src
	exp.Arms = make([]sim.Arm, len(arms))
	for i, a := range arms {
		if scale := opts.Scale; scale > 0 && scale < 1 && a.Config.Population.Users > 0 {
			// A smaller population gets proportionally fewer sends, so each
			// user sees the campaign as often as at full size.
			a.Config.Population.Users = max(2, int(math.Round(float64(a.Config.Population.Users)*scale)))
			a.Config.Campaign = append([]sim.Push(nil), a.Config.Campaign...)
			for j := range a.Config.Campaign {
				a.Config.Campaign[j].SendsPerDay = int(math.Round(float64(a.Config.Campaign[j].SendsPerDay) * scale))
			}
		}
		exp.Arms[i] = a
	}
	exp.Replications, exp.Precision = opts.Replications, nil
	if opts.Seed != 0 {
		exp.Seed = opts.Seed
	}
	res, err := sim.RunExperiment(ctx, &exp, sim.RunOptions{Workers: opts.Workers})
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
				if g.targets[t.ID] {
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
				l := loss(fs)
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
			x, _, _ := minimize(ctx, f, x0, step, opts.MaxEvals, 1e-3)
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
			gs = append(gs, group{targets: ts})
			hit = len(gs) - 1
		}
		gs[hit].params = append(gs[hit].params, p)
		for id := range ts {
			gs[hit].targets[id] = true
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
