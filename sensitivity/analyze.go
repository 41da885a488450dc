package sensitivity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"giftsim/internal/par"
	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// DefaultKPI is the objective when none is named.
const DefaultKPI = "incremental_profit"

// Methods of analysis.
const (
	MethodOAT    = "oat"    // MethodOAT is the one-at-a-time tornado.
	MethodMorris = "morris" // MethodMorris is Morris screening.
	MethodSobol  = "sobol"  // MethodSobol is Sobol indices.
)

// SobolNote says why there are no Sobol indices when they were not asked for.
const SobolNote = "not computed: they take N(k + 2) points (--method sobol or all, --samples N)"

// Options controls an analysis.
type Options struct {
	KPI          string    // KPI is the objective's id; "" means DefaultKPI.
	OAT, Morris  bool      // OAT and Morris choose the methods; with Sobol, all false means OAT and Morris.
	Sobol        bool      // Sobol asks for Sobol indices.
	Replications int       // Replications overrides the scenario's (0: keep; a precision target runs its minimum).
	Seed         uint64    // Seed overrides the scenario's (0: keep).
	Workers      int       // Workers is the replications (for Sobol, rows) run at once (0: all cores).
	Progress     io.Writer // Progress receives progress lines; nil for none.
	Trajectories int       // Trajectories is Morris's r (0: 10).
	Levels       int       // Levels is Morris's p (0: 4).
	Bootstrap    int       // Bootstrap is the number of resamples of trajectories or rows (0: 1000).
	Samples      int       // Samples is Sobol's base sample size N (0: DefaultSamples).
	Budget       int       // Budget is the most arm-replications Sobol may run (0: DefaultBudget).
	// Exec, if not nil, runs the simulations' (arm, replication) units
	// elsewhere, e.g. on workers (sim.RunOptions.Exec).
	Exec sim.Executor
}

// base returns the scenario every point is set on, sc's first arm alone
// without its sweep, and its experiment, run with fixed replications.
func base(sc *scenarios.Scenario, o Options) (*scenarios.Scenario, *sim.Experiment) {
	pt := sc.FirstArm()
	b := pt.Experiment()
	if o.Replications > 0 {
		b.Replications = o.Replications
	}
	if o.Seed != 0 {
		b.Seed = o.Seed
	}
	return pt, b
}

// Check reports the first lever that cannot be applied to sc's base arm
// at its low or its high end, the objective if it is not a KPI, levers
// named twice, and Sobol indices that would exceed the budget (a
// *BudgetError that names a size that fits).
func Check(sc *scenarios.Scenario, levers []Lever, o Options) error {
	if k := kpiOf(o.KPI); k < 0 {
		return fmt.Errorf("--kpi %q: want one of %s", o.KPI, strings.Join(sim.KPIIDs(), ", "))
	}
	if len(levers) == 0 {
		return errors.New("no levers: give at least one, such as --lever coupon.validity=3d..30d")
	}
	pt, b := base(sc, o)
	seen := map[string]bool{}
	for _, l := range levers {
		if seen[l.Path] {
			return fmt.Errorf("lever %s is given twice", l.Path)
		}
		seen[l.Path] = true
		for _, x := range []float64{0, 1} {
			if _, err := pt.Point([]string{l.Set(x)}, ""); err != nil {
				end := "low"
				if x == 1 {
					end = "high"
				}
				return fmt.Errorf("lever %s: its %s end %s is not allowed: %w", l, end, l.Value(x), err)
			}
		}
	}
	if o.Sobol {
		so := SobolOptions{Samples: o.Samples}.withDefaults()
		if err := so.check(); err != nil {
			return fmt.Errorf("--samples %d: want %d to %d", so.Samples, MinSamples, MaxSamples)
		}
		budget := o.Budget
		if budget <= 0 {
			budget = DefaultBudget
		}
		return checkBudget(so.Samples, len(levers), max(b.Replications, 1), budget)
	}
	return nil
}

// kpiOf returns the index of KPI id ("" for DefaultKPI) in sim.KPIs, or −1.
func kpiOf(id string) int {
	if id == "" {
		id = DefaultKPI
	}
	return slices.IndexFunc(sim.KPIs(), func(k results.KPI) bool { return k.ID == id })
}

// Analyze runs the analysis of levers on sc's base arm (its first arm)
// and returns the levers ranked. One-at-a-time, each lever is one
// experiment of two arms, its low and its high end, so that sim pairs them
// and gives the difference high − low its paired interval and ensemble
// agreement; Morris screening is one experiment with an arm per distinct
// point; Sobol indices run one experiment per row of their design
// (sobolRows). Every experiment has the same seed, replications and
// ensemble, so every point runs on the same common random numbers and
// parameter sets.
func Analyze(ctx context.Context, sc *scenarios.Scenario, levers []Lever, o Options) (*results.Sensitivity, error) {
	if err := Check(sc, levers, o); err != nil {
		return nil, err
	}
	if !o.OAT && !o.Morris && !o.Sobol {
		o.OAT, o.Morris = true, true
	}
	pt, b := base(sc, o)
	kpis := sim.KPIs()
	obj := kpis[kpiOf(o.KPI)]
	a := &analysis{b: b, pt: pt, o: o, id: obj.ID}
	baseRes, err := a.run(ctx, b.Arms, "base")
	if err != nil {
		return nil, err
	}
	out := &results.Sensitivity{
		Schema: results.SensitivitySchema, Seed: b.Seed, Replications: baseRes.Replications,
		EnsembleSets: baseRes.EnsembleSets, Objective: obj, Base: baseRes.Arms[0].KPIs[obj.ID],
		Scenario: baseRes.Scenario,
	}
	for _, l := range levers {
		out.Levers = append(out.Levers, results.Lever{Path: l.Path, Low: l.Low, High: l.High, Kind: string(l.Kind),
			Base: pt.BaseValue(l.Path)})
	}
	if o.OAT {
		out.Methods = append(out.Methods, MethodOAT)
		for i, l := range levers {
			lo, err := pt.Point([]string{l.Set(0)}, "low: "+l.Path+"="+l.Value(0))
			if err != nil {
				return nil, err
			}
			hi, err := pt.Point([]string{l.Set(1)}, "high: "+l.Path+"="+l.Value(1))
			if err != nil {
				return nil, err
			}
			res, err := a.run(ctx, []sim.Arm{lo, hi}, fmt.Sprintf("one-at-a-time %d/%d, %s", i+1, len(levers), l.Path))
			if err != nil {
				return nil, err
			}
			d := res.Arms[1].Diffs[obj.ID]
			// The experiment's adjustment ran over all of its KPIs; the
			// analysis has one objective, so the interval speaks alone.
			d.PAdjusted, d.Adjustment, d.Comparisons = d.P, "", 0
			d.Significant = !includesZero(d.Low, d.High)
			out.Levers[i].OAT = &results.OAT{AtLow: res.Arms[0].KPIs[obj.ID], AtHigh: res.Arms[1].KPIs[obj.ID], Effect: d}
		}
	}
	if o.Morris {
		out.Methods = append(out.Methods, MethodMorris)
		mo := MorrisOptions{Trajectories: o.Trajectories, Levels: o.Levels, Bootstrap: o.Bootstrap, Seed: b.Seed}.withDefaults()
		points := 0
		idx, err := Morris(len(levers), func(xs [][]float64) ([]float64, error) {
			ys, n, err := a.evaluate(ctx, levers, xs)
			points = n
			return ys, err
		}, mo)
		if err != nil {
			return nil, err
		}
		for i := range levers {
			out.Levers[i].Morris = &idx[i]
		}
		out.Morris = &results.MorrisDesign{Trajectories: mo.Trajectories, Levels: mo.Levels, Points: points, Bootstrap: mo.Bootstrap}
	}
	if o.Sobol {
		out.Methods = append(out.Methods, MethodSobol)
		so := SobolOptions{Samples: o.Samples, Bootstrap: o.Bootstrap, Seed: b.Seed}.withDefaults()
		points := 0
		idx, design, err := Sobol(len(levers), func(am, bm [][]float64) ([]SobolRow, error) {
			rows, n, err := a.sobolRows(ctx, levers, am, bm)
			points = n
			return rows, err
		}, so)
		if err != nil {
			return nil, err
		}
		design.Points = points
		for i := range levers {
			out.Levers[i].Sobol = &idx[i]
		}
		out.Sobol = design
	} else {
		out.SobolNote = SobolNote
	}
	out.Runs = a.runs
	rank(out.Levers)
	return out, nil
}

// analysis runs the experiments of one analysis.
type analysis struct {
	b    *sim.Experiment
	pt   *scenarios.Scenario // pt is the scenario the points are set on.
	o    Options
	id   string
	runs int
}

// run runs arms as one experiment on the base's seed, replications and
// ensemble.
func (a *analysis) run(ctx context.Context, arms []sim.Arm, what string) (*results.Simulation, error) {
	e := *a.b
	e.Arms = arms
	if a.o.Progress != nil {
		fmt.Fprintf(a.o.Progress, "sensitivity: %s, %d arms × %d replications\n", what, len(arms), max(e.Replications, 1))
	}
	var st sim.RunStats
	res, err := sim.RunExperiment(ctx, &e, sim.RunOptions{Workers: a.o.Workers, Stats: &st, Exec: a.o.Exec})
	if err != nil {
		return nil, fmt.Errorf("sensitivity: %s: %w", what, err)
	}
	a.runs += st.Runs
	return res, nil
}

// arms returns the arms of the points xs (one value in [0, 1] per lever),
// a point that occurs twice once, and which arm each point is; what names
// the points in errors.
func (a *analysis) arms(levers []Lever, xs [][]float64, what string) ([]sim.Arm, []int, error) {
	var arms []sim.Arm
	at := map[string]int{}
	which := make([]int, len(xs))
	for j, x := range xs {
		sets := make([]string, len(levers))
		for i, l := range levers {
			sets[i] = l.Set(x[i])
		}
		key := strings.Join(sets, "\x00")
		k, ok := at[key]
		if !ok {
			arm, err := a.pt.Point(sets, fmt.Sprintf("p%d: %s", len(arms)+1, strings.Join(sets, " ")))
			if err != nil {
				return nil, nil, fmt.Errorf("sensitivity: %s point %s: %w", what, strings.Join(sets, " "), err)
			}
			k = len(arms)
			at[key] = k
			arms = append(arms, arm)
		}
		which[j] = k
	}
	return arms, which, nil
}

// evaluate runs the points xs as the arms of one experiment and returns
// the objective's mean at each and the number of distinct points.
func (a *analysis) evaluate(ctx context.Context, levers []Lever, xs [][]float64) ([]float64, int, error) {
	arms, which, err := a.arms(levers, xs, "Morris")
	if err != nil {
		return nil, 0, err
	}
	res, err := a.run(ctx, arms, "Morris screening")
	if err != nil {
		return nil, 0, err
	}
	ys := make([]float64, len(xs))
	for j, k := range which {
		ys[j] = res.Arms[k].KPIs[a.id].Mean
	}
	return ys, len(arms), nil
}

// sobolRows evaluates the Sobol design A, B: row j is one experiment whose
// first arm is A_j, then B_j and the radial points A_B^(i)_j (a point equal
// to an earlier one runs once), so that sim pairs every point with A_j on
// common random numbers and the paired differences' spread across
// replications gives each difference's noise. Rows run at once, one per
// worker and each experiment on one core, so that every core is busy
// whatever the number of replications; each row's result has its place,
// so the output does not depend on the number of workers. It returns the
// rows and the number of points simulated.
func (a *analysis) sobolRows(ctx context.Context, levers []Lever, am, bm [][]float64) ([]SobolRow, int, error) {
	workers := a.o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rows := make([]SobolRow, len(am))
	points := make([]int, len(am))
	var (
		mu   sync.Mutex
		done int
	)
	err := par.ForEach(ctx, workers, len(am), func(ctx context.Context, j int) error {
		row, n, runs, err := a.sobolRow(ctx, levers, am[j], bm[j])
		if err != nil {
			return fmt.Errorf("sensitivity: Sobol row %d of %d: %w", j+1, len(am), err)
		}
		mu.Lock()
		defer mu.Unlock()
		rows[j], points[j] = row, n
		a.runs += runs
		done++
		if a.o.Progress != nil {
			fmt.Fprintf(a.o.Progress, "\rsensitivity: Sobol indices, %d/%d rows of up to %d points × %d replications",
				done, len(am), len(levers)+2, max(a.b.Replications, 1))
		}
		return nil
	})
	if a.o.Progress != nil && done > 0 {
		fmt.Fprintln(a.o.Progress)
	}
	if err != nil {
		return nil, 0, err
	}
	total := 0
	for _, n := range points {
		total += n
	}
	return rows, total, nil
}

// sobolRow runs one row of the Sobol design, x = A_j and y = B_j, as one
// experiment on one core and returns the row, its distinct points and its
// arm-replications.
func (a *analysis) sobolRow(ctx context.Context, levers []Lever, x, y []float64) (SobolRow, int, int, error) {
	xs := [][]float64{x, y}
	for i := range levers {
		xs = append(xs, Radial(x, y, i))
	}
	arms, which, err := a.arms(levers, xs, "Sobol")
	if err != nil {
		return SobolRow{}, 0, 0, err
	}
	e := *a.b
	e.Arms = arms
	var st sim.RunStats
	res, err := sim.RunExperiment(ctx, &e, sim.RunOptions{Workers: 1, Stats: &st, Exec: a.o.Exec})
	if err != nil {
		return SobolRow{}, 0, 0, err
	}
	// at is the objective's mean at point p and the variance of its
	// difference from A_j's mean that noise causes: sd²/n of the paired
	// per-replication differences, which sim gives against the first arm.
	at := func(p int) (mean, noise float64) {
		arm := res.Arms[which[p]]
		if which[p] == 0 {
			return arm.KPIs[a.id].Mean, 0
		}
		d := arm.Diffs[a.id]
		return arm.KPIs[a.id].Mean, d.SD * d.SD / float64(max(res.Replications, 1))
	}
	row := SobolRow{AB: make([]float64, len(levers)), NoiseAB: make([]float64, len(levers))}
	row.A, _ = at(0)
	row.B, row.NoiseB = at(1)
	for i := range levers {
		row.AB[i], row.NoiseAB[i] = at(2 + i)
	}
	return row, len(arms), st.Runs, nil
}

// includesZero reports whether [lo, hi] holds zero.
func includesZero(lo, hi float64) bool { return lo <= 0 && 0 <= hi }

// matters reports whether some interval of l's effect excludes zero: its
// one-at-a-time difference, or its global index: the total Sobol index
// when there is one (noise taken out, it supersedes μ*), else Morris's μ*.
func matters(l *results.Lever) bool {
	if l.OAT != nil && !includesZero(l.OAT.Effect.Low, l.OAT.Effect.High) {
		return true
	}
	if l.Sobol != nil {
		return l.Sobol.TotalLow > 0
	}
	return l.Morris != nil && l.Morris.MuStarLow > 0
}

// size is how much l moves the objective: its total Sobol index (below 0
// counted as 0), else |high − low| one at a time, else Morris's μ*.
func size(l *results.Lever) float64 {
	switch {
	case l.Sobol != nil:
		return sobolFloor(l.Sobol)
	case l.OAT != nil:
		return math.Abs(l.OAT.Effect.Mean)
	case l.Morris != nil:
		return l.Morris.MuStar
	}
	return 0
}

// oatSize is |high − low|, or 0 without a one-at-a-time effect.
func oatSize(l *results.Lever) float64 {
	if l.OAT == nil {
		return 0
	}
	return math.Abs(l.OAT.Effect.Mean)
}

// rank sorts levers: those that matter first, each group by size, then
// |high − low|, then μ*, then path; and sets their ranks and verdicts.
func rank(levers []results.Lever) {
	for i := range levers {
		levers[i].Verdict = results.VerdictNotMatters
		if matters(&levers[i]) {
			levers[i].Verdict = results.VerdictMatters
		}
	}
	mu := func(l *results.Lever) float64 {
		if l.Morris == nil {
			return 0
		}
		return l.Morris.MuStar
	}
	slices.SortStableFunc(levers, func(x, y results.Lever) int {
		mx, my := x.Verdict == results.VerdictMatters, y.Verdict == results.VerdictMatters
		if mx != my {
			if mx {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(size(&y), size(&x)), cmp.Compare(oatSize(&y), oatSize(&x)), cmp.Compare(mu(&y), mu(&x)),
			strings.Compare(x.Path, y.Path))
	})
	for i := range levers {
		levers[i].Rank = i + 1
	}
}

// ParseLevers reads every spec with ParseLever and joins their errors.
func ParseLevers(specs []string) ([]Lever, error) {
	var out []Lever
	var errs []error
	for _, s := range specs {
		l, err := ParseLever(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, l)
	}
	return out, errors.Join(errs...)
}
