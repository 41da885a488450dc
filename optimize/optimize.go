package optimize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// ErrPosed marks a problem that cannot be solved as posed: a budget too
// small to screen the candidates, or levers whose every combination the
// platform's rules refuse.
var ErrPosed = errors.New("cannot optimise as posed")

// Problem is what to optimise: levers, one or two objectives and
// constraints, as a scenario's study sections declare them.
type Problem struct {
	Levers      []Lever
	Objectives  []scenarios.Objective
	Constraints []scenarios.Constraint
}

// ProblemFrom builds the problem a scenario's study declares. It fails
// when the study lacks levers or an objective, or an expression uses a
// lever that is not numeric; errors name the file and position.
func ProblemFrom(st scenarios.Study) (Problem, error) {
	var p Problem
	if len(st.Levers) == 0 {
		return p, fmt.Errorf("%s: no levers: add a levers: section such as {coupon.validity: 3d..30d}", st.File)
	}
	if len(st.Objectives) == 0 {
		return p, fmt.Errorf("%s: no objective: add an objective: section such as {maximize: incremental_profit}", st.File)
	}
	for _, s := range st.Levers {
		l, err := FromSpec(s)
		if err != nil {
			return p, fmt.Errorf("%s:%d:%d: levers.%s: %w", st.File, s.Line, s.Col, s.Path, err)
		}
		p.Levers = append(p.Levers, l)
	}
	check := func(e scenarios.Expr, line, col int, what string) error {
		for _, t := range e.Terms {
			if !t.Lever {
				continue
			}
			i := slices.IndexFunc(p.Levers, func(l Lever) bool { return l.Path == t.Name })
			if i < 0 || !p.Levers[i].numeric() {
				return fmt.Errorf("%s:%d:%d: %s: lever %s is a category (%s); only numbers, durations and times of day can be counted",
					st.File, line, col, what, t.Name, p.Levers[max(i, 0)].Describe())
			}
		}
		return nil
	}
	for i, o := range st.Objectives {
		what := "objective"
		if i > 0 {
			what = "objective.second"
		}
		if err := check(o.Expr, o.Line, o.Col, what); err != nil {
			return p, err
		}
	}
	for i, c := range st.Constraints {
		if err := check(c.Expr, c.Line, c.Col, fmt.Sprintf("constraints[%d]", i)); err != nil {
			return p, err
		}
	}
	p.Objectives, p.Constraints = st.Objectives, st.Constraints
	return p, nil
}

// Defaults of Options.
const (
	DefaultBudget    = 3000
	DefaultScreen    = 4
	DefaultFirst     = 10
	DefaultSurvivors = 8
	DefaultAlpha     = 0.05
	maxCandidates    = 400
	knBatch          = 4 // knBatch is how many replications KN takes at a time (the same on any machine).
)

// Options controls an optimisation.
type Options struct {
	Seed       uint64    // Seed overrides the scenario's (0: keep).
	Users      int       // Users overrides population.users (0: keep).
	Central    bool      // Central runs the profile's central parameters only, not its ensemble.
	Budget     int       // Budget caps candidate-replications (0: DefaultBudget).
	Candidates int       // Candidates is the screen's size (0: 10 per lever, 20 to 80).
	Screen     int       // Screen is the first replications of each candidate (0: DefaultScreen).
	FirstStage int       // FirstStage is KN's n0 (0: DefaultFirst).
	Survivors  int       // Survivors caps the candidates racing hands to selection (0: DefaultSurvivors).
	Alpha      float64   // Alpha is 1 − the confidence of the selection (0: DefaultAlpha).
	Delta      float64   // Delta is KN's indifference zone (0: the objective's indifference, else from its scale).
	Workers    int       // Workers is the runs at once (0: all cores).
	Progress   io.Writer // Progress receives progress lines; nil for none.
	State      string    // State is a JSON file of observations to resume from and save to ("" for none).
	// Exec, if not nil, runs the (candidate, replication) runs elsewhere,
	// e.g. on workers (sim.RunOptions.Exec).
	Exec sim.Executor
}

// withDefaults fills the zero options.
func (o Options) withDefaults(levers int) Options {
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	if o.Candidates <= 0 {
		o.Candidates = min(max(10*levers, 20), 80)
	}
	if o.Screen <= 0 {
		o.Screen = DefaultScreen
	}
	if o.FirstStage <= 0 {
		o.FirstStage = DefaultFirst
	}
	if o.Survivors <= 0 {
		o.Survivors = DefaultSurvivors
	}
	if o.Alpha <= 0 {
		o.Alpha = DefaultAlpha
	}
	return o
}

// Check reports bad options and a problem that cannot run on sc.
func Check(sc *scenarios.Scenario, p Problem, o Options) error {
	switch {
	case len(p.Levers) == 0:
		return errors.New("no levers")
	case len(p.Objectives) == 0 || len(p.Objectives) > 2:
		return fmt.Errorf("%d objectives; want one, or two for a Pareto front", len(p.Objectives))
	case o.Alpha < 0 || o.Alpha >= 0.5:
		return fmt.Errorf("alpha %g: want a number between 0 and 0.5", o.Alpha)
	case o.Delta < 0 || math.IsNaN(o.Delta) || math.IsInf(o.Delta, 0):
		return fmt.Errorf("delta %g: want a positive number (0: from the objective's scale)", o.Delta)
	case o.Budget < 0 || o.Candidates < 0 || o.Screen < 0 || o.FirstStage < 0 || o.Survivors < 0 || o.Users < 0:
		return errors.New("budget, candidates, replications and users must not be negative")
	case o.Candidates > maxCandidates:
		return fmt.Errorf("%d candidates; at most %d", o.Candidates, maxCandidates)
	case o.FirstStage == 1 || o.Screen == 1:
		return errors.New("the screen and KN's first stage need at least 2 replications each")
	}
	_, _, err := baseOf(sc, o)
	return err
}

// baseOf returns the scenario every candidate is set on, sc's first arm
// alone without its sweep or precision target, with the overrides, and its
// experiment.
func baseOf(sc *scenarios.Scenario, o Options) (*scenarios.Scenario, *sim.Experiment, error) {
	pt := sc.FirstArm()
	if o.Users > 0 {
		if err := pt.Set([]string{fmt.Sprintf("population.users=%d", o.Users)}); err != nil {
			return nil, nil, fmt.Errorf("--users %d: %w", o.Users, err)
		}
	}
	b := pt.Experiment()
	if o.Seed != 0 {
		b.Seed = o.Seed
	}
	if o.Central {
		b.Ensemble = nil
	}
	return pt, b, nil
}

// Optimize searches p's levers on sc's first arm and returns the result.
func Optimize(ctx context.Context, sc *scenarios.Scenario, p Problem, o Options) (*results.Optimization, error) {
	return optimizeWith(ctx, sc, p, o, nil)
}

// optimizeWith is Optimize with the simulator's runner passed through wrap
// (when not nil), so tests can count, fake or interrupt runs.
func optimizeWith(ctx context.Context, sc *scenarios.Scenario, p Problem, o Options, wrap func(*engine, runner) runner) (*results.Optimization, error) {
	if err := Check(sc, p, o); err != nil {
		return nil, err
	}
	o = o.withDefaults(len(p.Levers))
	pt, b, err := baseOf(sc, o)
	if err != nil {
		return nil, err
	}
	e := newEngine(p, o)
	e.cands = design(pt, b.Seed, p.Levers, o)
	e.run = simRunner(b, e, o)
	if wrap != nil {
		e.run = wrap(e, e.run)
	}
	if o.State != "" {
		if e.state, err = openState(o.State, fingerprint(b), e.need); err != nil {
			return nil, err
		}
	}
	res, err := e.solve(ctx)
	if err != nil {
		return nil, err
	}
	cfg := b.Arms[0].Config
	res.Scenario = results.Scenario{Name: b.Name, Question: b.Question, File: b.File,
		Start: cfg.Start.Format(time.RFC3339), Horizon: platform.FormatDuration(cfg.Horizon),
		Days: int((cfg.Horizon + platform.Day - 1) / platform.Day)}
	for _, s := range b.Setup {
		res.Scenario.Setup = append(res.Scenario.Setup, results.Setting{Name: s[0], Value: s[1]})
	}
	res.Seed, res.Users = b.Seed, b.Arms[0].Config.Population.Users
	res.EnsembleSets = sim.EnsembleSets(len(b.Ensemble), b.Replications)
	for _, l := range p.Levers {
		res.Levers = append(res.Levers, results.OptLever{Path: l.Path, Kind: string(l.Kind), Low: l.Low, High: l.High,
			Levels: l.Levels, Base: pt.BaseValue(l.Path)})
	}
	return res, nil
}

// solve runs the screen, the race and the selection.
func (e *engine) solve(ctx context.Context) (*results.Optimization, error) {
	var alive []int
	refused := 0
	for i, c := range e.cands {
		if c.refused != nil {
			c.fate, c.stage = "refused by the platform's rules", "design"
			if refused == 0 {
				e.notes = append(e.notes, fmt.Sprintf("candidate %d (%s) breaks the platform's rules and is never run: %v", c.id, c.key, firstLine(c.refused)))
			}
			refused++
			continue
		}
		alive = append(alive, i)
	}
	if refused > 1 {
		e.notes = append(e.notes, fmt.Sprintf("%d of %d candidates break the platform's rules and are never run", refused, len(e.cands)))
	}
	if len(alive) == 0 {
		return nil, fmt.Errorf("%w: every candidate breaks the platform's rules (first: %v); narrow the levers' ranges", ErrPosed, firstLine(e.cands[0].refused))
	}
	n := e.o.Screen
	if ok, err := e.ensure(ctx, alive, 0, n, "screen"); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%w: a budget of %d runs cannot screen %d candidates × %d replications; raise --budget-evals or lower --candidates",
			ErrPosed, e.o.Budget, len(alive), n)
	}
	e.rounds = append(e.rounds, results.OptRound{Stage: "screen", Reps: n, Alive: len(alive),
		Note: fmt.Sprintf("Latin hypercube of %d distinct candidates", len(alive))})
	two := len(e.p.Objectives) == 2
	cap := e.o.Survivors
	if two {
		cap *= 2
	}
	var err error
	alive, n, err = e.race(ctx, alive, n, cap, two)
	if err != nil {
		return nil, err
	}
	delta, from := e.delta(alive, n)
	res := &results.Optimization{Schema: results.OptimizationSchema, Budget: e.o.Budget}
	res.Method = results.OptMethod{Design: "Latin hypercube (gonum samplemv), categorical levels in equal strata",
		Candidates: len(e.cands), Screen: e.o.Screen, Survivors: cap, FirstStage: e.o.FirstStage, Alpha: e.o.Alpha,
		Delta: delta, DeltaFrom: from}
	if two {
		res.Method.Selection = "Pareto front of the survivors (no single best)"
		res.Method.Guarantee = "none beyond the racing: a dropped candidate was clearly dominated (both objectives' one-sided paired bounds, Bonferroni over the field); the front is the survivors not dominated by their means, each shown with its intervals"
		if err := e.pareto(ctx, res, alive, n); err != nil {
			return nil, err
		}
	} else {
		res.Method.Selection = "Kim–Nelson fully sequential (KN), fresh replications"
		res.Method.Guarantee = fmt.Sprintf("if the best survivor is at least δ = %s better than every other, KN selects it with probability at least %.0f%% (normal observations; paired by common random numbers); a selected strategy is otherwise within δ of the best with that probability only in the indifference-zone sense; survivors come from the screen and race, which carry no such guarantee",
			trimFloat(delta), 100*(1-e.o.Alpha))
		if err := e.select_(ctx, res, alive, n, delta); err != nil {
			return nil, err
		}
	}
	if e.open {
		fmt.Fprintln(e.progress)
		e.open = false
	}
	res.Evaluations = len(e.charged)
	res.Exhausted = e.exhaust
	if e.exhaust {
		e.notes = append(e.notes, fmt.Sprintf("the budget of %d runs ran out before the procedure finished; the answer is what it had found by then", e.o.Budget))
	}
	res.Rounds = e.rounds
	res.Notes = e.notes
	for _, o := range e.p.Objectives {
		res.Objectives = append(res.Objectives, results.OptObjective{Sense: o.Sense(), Expr: o.Expr.String(), Unit: unitOf(o.Expr)})
	}
	for _, c := range e.p.Constraints {
		res.Constraints = append(res.Constraints, c.String())
	}
	res.KPIs = map[string]results.KPIInfo{}
	for _, id := range e.need {
		for _, k := range sim.KPIs() {
			if k.ID == id {
				res.KPIs[id] = results.KPIInfo{Name: k.Name, Unit: k.Unit}
			}
		}
	}
	return res, nil
}

// unitOf is the unit an expression's value carries when all its KPIs share
// one, else "".
func unitOf(x scenarios.Expr) string {
	unit := ""
	for _, t := range x.Terms {
		if t.Lever {
			continue
		}
		for _, k := range sim.KPIs() {
			if k.ID == t.Name {
				if unit != "" && unit != k.Unit {
					return ""
				}
				unit = k.Unit
			}
		}
	}
	return unit
}

// firstLine is err's message up to its first newline.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// trimFloat writes v with 4 significant digits.
func trimFloat(v float64) string { return fmt.Sprintf("%.4g", v) }
