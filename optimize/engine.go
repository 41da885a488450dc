package optimize

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/samplemv"

	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// candidate is one strategy: the levers' values and its arm.
type candidate struct {
	id      int
	sets    []string // sets are the levers' overrides, path=value.
	key     string   // key names the candidate in the state file.
	values  []string
	numbers map[string]float64 // numbers are numeric levers' values in natural units.
	arm     sim.Arm
	refused error // refused is why the platform's rules refuse the candidate.
	fate    string
	stage   string
}

// job is one run: candidate c in replication rep.
type job struct{ c, rep int }

// runner runs jobs and returns the needed KPIs of each.
type runner func(ctx context.Context, jobs []job) ([][]float64, error)

// engine holds the state of one optimisation.
type engine struct {
	p        Problem
	o        Options
	cands    []*candidate
	need     []string                     // need lists the KPI ids the expressions use.
	obs      map[string]map[int][]float64 // obs[candidate key][rep] are the needed KPIs.
	charged  map[[2]int]bool              // charged marks (candidate, rep) pairs counted against the budget.
	run      runner
	state    *stateStore
	rounds   []results.OptRound
	notes    []string
	exhaust  bool
	progress io.Writer
	open     bool   // open is set while a progress line awaits its end.
	stage    string // stage is what the open progress line is about.
}

// newEngine prepares the expressions of p.
func newEngine(p Problem, o Options) *engine {
	e := &engine{p: p, o: o, obs: map[string]map[int][]float64{}, charged: map[[2]int]bool{}, progress: o.Progress}
	for _, x := range e.exprs() {
		for _, id := range x.KPIs() {
			if !slices.Contains(e.need, id) {
				e.need = append(e.need, id)
			}
		}
	}
	slices.Sort(e.need)
	return e
}

// exprs lists the objectives' then the constraints' expressions.
func (e *engine) exprs() []scenarios.Expr {
	var out []scenarios.Expr
	for _, o := range e.p.Objectives {
		out = append(out, o.Expr)
	}
	for _, c := range e.p.Constraints {
		out = append(out, c.Expr)
	}
	return out
}

// design draws the screen: a Latin hypercube of o.Candidates points of the
// levers' unit cube, each turned into a candidate; points that give the
// same settings are one candidate. A candidate the platform's rules refuse
// is kept with its reason and never run.
func design(pt *scenarios.Scenario, seed uint64, levers []Lever, o Options) []*candidate {
	d := len(levers)
	src := rand.NewPCG(seed, 0x6f7074696d697a65) // "optimize"
	x := mat.NewDense(o.Candidates, d, nil)
	samplemv.LatinHypercube{Q: distmv.NewUnitUniform(d, src), Src: src}.Sample(x)
	var out []*candidate
	seen := map[string]bool{}
	for i := range o.Candidates {
		c := &candidate{numbers: map[string]float64{}}
		for j, l := range levers {
			v := l.Value(x.At(i, j))
			c.values = append(c.values, v)
			c.sets = append(c.sets, l.Path+"="+v)
			if l.numeric() {
				n, err := l.Number(v)
				if err == nil {
					c.numbers[l.Path] = n
				}
			}
		}
		c.key = strings.Join(c.sets, " ")
		if seen[c.key] {
			continue
		}
		seen[c.key] = true
		c.id = len(out) + 1
		if arm, err := pt.Point(c.sets, fmt.Sprintf("c%d", c.id)); err != nil {
			c.refused = err
		} else {
			c.arm = arm
		}
		out = append(out, c)
	}
	return out
}

// simRunner runs jobs on the simulator: one experiment whose arms are the
// jobs' candidates.
func simRunner(b *sim.Experiment, e *engine, o Options) runner {
	kpis := sim.KPIs()
	idx := make([]int, len(e.need))
	for i, id := range e.need {
		idx[i] = slices.IndexFunc(kpis, func(k results.KPI) bool { return k.ID == id })
	}
	return func(ctx context.Context, jobs []job) ([][]float64, error) {
		x := *b
		x.Arms = nil
		at := map[int]int{}
		var sj []sim.Job
		for _, j := range jobs {
			a, ok := at[j.c]
			if !ok {
				a = len(x.Arms)
				at[j.c] = a
				x.Arms = append(x.Arms, e.cands[j.c].arm)
			}
			sj = append(sj, sim.Job{Arm: a, Rep: j.rep})
		}
		out, err := sim.Observe(ctx, &x, sj, sim.RunOptions{Workers: o.Workers, Exec: o.Exec})
		if err != nil {
			return nil, err
		}
		vals := make([][]float64, len(out))
		for i, row := range out {
			vals[i] = make([]float64, len(idx))
			for k, ix := range idx {
				vals[i][k] = row[ix]
			}
		}
		return vals, nil
	}
}

// ensure has every candidate in cs observed in replications [from, to). It
// runs nothing and returns false when that would pass the budget.
func (e *engine) ensure(ctx context.Context, cs []int, from, to int, what string) (bool, error) {
	var fresh []job
	var missing []job
	for r := from; r < to; r++ {
		for _, c := range cs {
			if !e.charged[[2]int{c, r}] {
				fresh = append(fresh, job{c, r})
			}
		}
	}
	if len(e.charged)+len(fresh) > e.o.Budget {
		e.exhaust = true
		return false, nil
	}
	for _, j := range fresh {
		if e.lookup(j) == nil {
			missing = append(missing, j)
		}
	}
	if e.progress != nil && len(fresh) > 0 {
		// Batches of one stage overwrite one line; a new stage starts one.
		if e.open && what != e.stage {
			fmt.Fprintln(e.progress)
		}
		fmt.Fprintf(e.progress, "\roptimize: %s: %d candidates × replications %d–%d, %d of %d runs of the budget used",
			what, len(cs), from+1, to, len(e.charged)+len(fresh), e.o.Budget)
		e.open, e.stage = true, what
	}
	if len(missing) > 0 {
		vals, err := e.run(ctx, missing)
		if err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		for i, j := range missing {
			e.store(j, vals[i])
		}
		if e.state != nil {
			if err := e.state.save(); err != nil {
				return false, err
			}
		}
	}
	for _, j := range fresh {
		e.charged[[2]int{j.c, j.rep}] = true
	}
	return true, nil
}

// lookup returns the stored KPIs of j, from this run or the state file.
func (e *engine) lookup(j job) []float64 {
	key := e.cands[j.c].key
	if v, ok := e.obs[key][j.rep]; ok {
		return v
	}
	if e.state != nil {
		if v, ok := e.state.get(key, j.rep); ok {
			e.put(key, j.rep, v)
			return v
		}
	}
	return nil
}

// store records j's KPIs here and in the state.
func (e *engine) store(j job, v []float64) {
	key := e.cands[j.c].key
	e.put(key, j.rep, v)
	if e.state != nil {
		e.state.put(key, j.rep, v)
	}
}
func (e *engine) put(key string, rep int, v []float64) {
	if e.obs[key] == nil {
		e.obs[key] = map[int][]float64{}
	}
	e.obs[key][rep] = v
}

// value is expression x (objectives first, then constraints) for
// candidate c in replication rep, which must be observed.
func (e *engine) value(c, rep, x int) float64 {
	ex := e.exprs()[x]
	kp := e.obs[e.cands[c].key][rep]
	var v float64
	for _, t := range ex.Terms {
		if t.Lever {
			v += t.Coef * e.cands[c].numbers[t.Name]
			continue
		}
		i, _ := slices.BinarySearch(e.need, t.Name)
		v += t.Coef * kp[i]
	}
	return v
}

// series is expression x of candidate c over replications [from, to),
// objectives turned to be maximised when max is set.
func (e *engine) series(c, x, from, to int, max bool) []float64 {
	out := make([]float64, 0, to-from)
	sign := 1.0
	if max && x < len(e.p.Objectives) && !e.p.Objectives[x].Maximize {
		sign = -1
	}
	for r := from; r < to; r++ {
		out = append(out, sign*e.value(c, r, x))
	}
	return out
}

// gain is the first objective of c over [from, to), to be maximised.
func (e *engine) gain(c, from, to int) []float64 { return e.series(c, 0, from, to, true) }

// feasibility judges c's constraints over replications [from, to).
func (e *engine) feasibility(c, from, to int) (string, []results.OptConstraint) {
	reps := make([]int, 0, to-from)
	for r := from; r < to; r++ {
		reps = append(reps, r)
	}
	return e.judgeAll(c, reps)
}

// judgeAll judges c's constraints over replications reps: each with judge,
// the candidate infeasible when one is, uncertain when one is and none is
// infeasible, feasible otherwise.
func (e *engine) judgeAll(c int, reps []int) (string, []results.OptConstraint) {
	status := results.Feasible
	var out []results.OptConstraint
	for k, con := range e.p.Constraints {
		xs := make([]float64, len(reps))
		for i, r := range reps {
			xs[i] = e.value(c, r, len(e.p.Objectives)+k)
		}
		est := interval(xs)
		s := judge(con, est)
		out = append(out, results.OptConstraint{Text: con.String(), Value: est, Status: s})
		switch {
		case s == results.Infeasible:
			status = results.Infeasible
		case s == results.Uncertain && status == results.Feasible:
			status = results.Uncertain
		}
	}
	return status, out
}

// toleranceShare is the constraints' tolerance ε as a share of the bound.
const toleranceShare = 0.01

// judge classifies a constraint by the 95% interval of its quantity, with
// a tolerance ε of toleranceShare of the bound (after Andradóttir and Kim's
// feasibility check): feasible when the interval lies within bound + ε,
// infeasible when it lies beyond bound − ε, uncertain otherwise. An
// interval narrower than 2ε is always one or the other, so more
// replications resolve every constraint.
func judge(con scenarios.Constraint, est results.Estimate) string {
	lo, hi, b := est.Low, est.High, con.Bound
	if con.AtLeast { // x ≥ b is −x ≤ −b
		lo, hi, b = -est.High, -est.Low, -con.Bound
	}
	eps := toleranceShare * math.Abs(con.Bound)
	switch {
	case hi <= b+eps:
		return results.Feasible
	case lo > b-eps:
		return results.Infeasible
	}
	return results.Uncertain
}

// say writes a progress line.
func (e *engine) say(format string, a ...any) {
	if e.progress != nil {
		if e.open {
			fmt.Fprintln(e.progress)
			e.open = false
		}
		fmt.Fprintf(e.progress, "optimize: "+format+"\n", a...)
	}
}
