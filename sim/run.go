package sim

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"

	"giftsim/internal/par"
	"giftsim/platform"
	"giftsim/results"
)

// RunOptions controls how an experiment runs.
type RunOptions struct {
	Workers  int       // Workers is the number of replications run at once; 0 means GOMAXPROCS.
	Progress io.Writer // Progress receives a progress line per finished run; nil for none.
	Stats    *RunStats // Stats, if not nil, receives counts of the work done.
	// Exec, if not nil, runs the (arm, replication) jobs instead of this
	// process (e.g. package cluster's queue); nil runs them here over
	// Workers goroutines.
	Exec Executor
}

// RunStats counts the work of an experiment.
type RunStats struct {
	Runs    int    // Runs is arms × replications.
	Events  uint64 // Events is the number of simulation events handled.
	Coupons uint64 // Coupons is the number of coupons issued.
}

// RunExperiment runs every arm of exp over its replications with common
// random numbers and returns the aggregated results. Replications run in
// parallel; the output depends only on exp, never on the worker count.
func RunExperiment(ctx context.Context, exp *Experiment, opts RunOptions) (*results.Simulation, error) {
	if err := exp.check(); err != nil {
		return nil, err
	}
	reps := max(exp.Replications, 1)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	r := &runner{exp: exp, workers: workers, progress: opts.Progress, dir: exp.dir(), exec: opts.Exec}
	target := reps
	if p := exp.Precision; p != nil && p.Max > target {
		r.planned = p.Max
	} else {
		r.planned = reps
	}
	for {
		if err := r.runUpTo(ctx, target); err != nil {
			return nil, err
		}
		next, more := r.needMore(target)
		if !more {
			break
		}
		target = next
	}
	if r.progress != nil {
		fmt.Fprintln(r.progress)
	}
	if opts.Stats != nil {
		*opts.Stats = r.stats
	}
	return r.aggregate(), nil
}

// runner holds the outcomes of every (arm, replication) run so far.
type runner struct {
	exp      *Experiment
	workers  int
	progress io.Writer
	dir      string
	planned  int
	exec     Executor     // exec, if not nil, runs the jobs (RunOptions.Exec)
	outcomes [][]*outcome // [arm][rep]
	stats    RunStats
	mu       sync.Mutex
}

// check validates exp's arms and ensemble before a run.
func (exp *Experiment) check() error {
	if len(exp.Arms) == 0 {
		return fmt.Errorf("%w: the experiment has no arms", platform.ErrInvalid)
	}
	for i := range exp.Arms {
		if err := exp.Arms[i].Config.Validate(); err != nil {
			return fmt.Errorf("arm %q: %w", exp.Arms[i].Name, err)
		}
	}
	for i, mb := range exp.Ensemble {
		if err := mb.Validate(); err != nil {
			return fmt.Errorf("ensemble member %d: %w", i+1, err)
		}
	}
	return nil
}

// runUpTo runs replications until there are n per arm.
func (r *runner) runUpTo(ctx context.Context, n int) error {
	start := 0
	if len(r.outcomes) > 0 {
		start = len(r.outcomes[0])
	}
	if r.outcomes == nil {
		r.outcomes = make([][]*outcome, len(r.exp.Arms))
	}
	for a := range r.outcomes {
		r.outcomes[a] = append(r.outcomes[a], make([]*outcome, n-start)...)
	}
	if r.exec != nil {
		return r.runElsewhere(ctx, r.exec, start, n)
	}
	return par.ForEach(ctx, r.workers, n-start, func(ctx context.Context, i int) error {
		return r.replicate(ctx, start+i)
	})
}

// replicate runs every arm of one replication. Arms with the same
// population share one World, so their differences are paired.
func (r *runner) replicate(ctx context.Context, rep int) error {
	worlds := map[string]*World{}
	for a := range r.exp.Arms {
		cfg := &r.exp.Arms[a].Config
		key := fmt.Sprintf("%+v", cfg.Population)
		w, ok := worlds[key]
		if !ok {
			var err error
			if w, err = NewWorld(ctx, cfg.Population, r.exp.Seed, rep, r.dir); err != nil {
				return fmt.Errorf("arm %q, replication %d: %w", r.exp.Arms[a].Name, rep, err)
			}
			worlds[key] = w
		}
		out, err := r.exp.runArm(ctx, a, rep, w)
		if err != nil {
			return err
		}
		r.record(a, rep, out)
	}
	return nil
}

// record stores the outcome of arm a in replication rep and counts it.
func (r *runner) record(a, rep int, out *outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes[a][rep] = out
	r.stats.Runs++
	r.stats.Events += out.events
	r.stats.Coupons += uint64(out.kpi[kpiIssued])
	if r.progress != nil {
		fmt.Fprintf(r.progress, "\rrunning: %d/%d arm-replications", r.stats.Runs, len(r.exp.Arms)*r.planned)
	}
}

// needMore applies the precision target: more replications while any arm's
// interval of the KPI is wider than asked, up to the cap.
func (r *runner) needMore(n int) (int, bool) {
	p := r.exp.Precision
	if p == nil || n >= p.Max {
		return n, false
	}
	k := kpiIndex(p.KPI)
	if k < 0 {
		return n, false
	}
	for a := range r.outcomes {
		if n < 2 || halfWidth(estimate(r.column(a, k))) > p.HalfWidth {
			return min(p.Max, n+max(r.workers, n/2)), true
		}
	}
	return n, false
}

func kpiIndex(id string) int {
	for i, k := range KPIs() {
		if k.ID == id {
			return i
		}
	}
	return -1
}

// KPIIDs lists the ids of every KPI, for validating precision targets.
func KPIIDs() []string {
	var ids []string
	for _, k := range KPIs() {
		ids = append(ids, k.ID)
	}
	return ids
}

// column returns KPI k of arm a across replications.
func (r *runner) column(a, k int) []float64 {
	xs := make([]float64, len(r.outcomes[a]))
	for i, o := range r.outcomes[a] {
		xs[i] = o.kpi[k]
	}
	return xs
}

// aggregate turns the outcomes into results.
func (r *runner) aggregate() *results.Simulation {
	exp := r.exp
	base := exp.Arms[0].Config
	clk := newClock(base.Start)
	sim := &results.Simulation{
		Schema: results.SchemaVersion, Seed: exp.Seed, Replications: len(r.outcomes[0]),
		KPIs: KPIs(), Sweep: exp.Sweep, SweepUnits: exp.SweepUnits, EnsembleSets: r.groups(),
		Scenario: results.Scenario{Name: exp.Name, Question: exp.Question, File: exp.File,
			Start: base.Start.Format(time.RFC3339), Horizon: platform.FormatDuration(base.Horizon),
			Days: clk.day(int64(base.Horizon/time.Second)-1) + 1},
	}
	for _, s := range exp.Setup {
		sim.Scenario.Setup = append(sim.Scenario.Setup, results.Setting{Name: s[0], Value: s[1]})
	}
	kpis := KPIs()
	for a, arm := range exp.Arms {
		ra := results.Arm{Name: arm.Name, SweepValues: arm.SweepValues, SweepNumbers: arm.SweepNumbers, KPIs: map[string]results.Estimate{}}
		for _, s := range arm.Settings {
			ra.Settings = append(ra.Settings, results.Setting{Name: s[0], Value: s[1]})
		}
		for k, info := range kpis {
			ra.KPIs[info.ID] = estimateIn(r.column(a, k), kpiBounds(info))
			r.split(ra.KPIs, info.ID, r.column(a, k), kpiBounds(info))
			if a > 0 {
				if ra.Diffs == nil {
					ra.Diffs = map[string]results.Diff{}
				}
				ra.Diffs[info.ID] = pairedDiff(r.column(a, k), r.column(0, k), kpiBounds(info))
				r.agree(ra.Diffs, info.ID, r.column(a, k), r.column(0, k))
			}
		}
		outs := r.outcomes[a]
		days := len(outs[0].series)
		xs := make([]float64, len(outs))
		series := func(d, s int) results.Estimate {
			for i, o := range outs {
				xs[i] = 0
				if d < len(o.series) {
					xs[i] = o.series[d][s]
				}
			}
			return estimateIn(xs, seriesBounds(s))
		}
		for d := range days {
			date := base.Start.Add(time.Duration(clk.dayStart(d)) * time.Second).Format("2006-01-02")
			ra.Series = append(ra.Series, results.Day{Day: d, Date: date,
				Exposed: series(d, seriesExposed), Issued: series(d, seriesIssued), Claims: series(d, seriesClaims),
				Gifts: series(d, seriesGifts), Redemptions: series(d, seriesRedemptions), Expiries: series(d, seriesExpiries),
				Float: series(d, seriesFloat), DashboardRedemptions: series(d, seriesDashboard)})
		}
		maxDepth := 0
		for _, o := range outs {
			maxDepth = max(maxDepth, len(o.depth))
		}
		ra.CascadeDepth = make([]float64, maxDepth)
		var funnel [4]float64
		for _, o := range outs {
			for wd := range 7 {
				for h := range 24 {
					ra.Heatmap[wd][h] += o.heat[wd][h] / float64(len(outs))
				}
			}
			for d, c := range o.depth {
				ra.CascadeDepth[d] += c / float64(len(outs))
			}
			for i := range funnel {
				funnel[i] += o.funnel[i] / float64(len(outs))
			}
		}
		for i, name := range []string{"exposed", "claimed", "gifted on", "redeemed"} {
			ra.Funnel = append(ra.Funnel, results.Stage{Name: name, Count: funnel[i]})
		}
		sim.Arms = append(sim.Arms, ra)
		valid, issued := ra.KPIs[kpis[kpiValidAtEnd].ID].Mean, ra.KPIs[kpis[kpiIssued].ID].Mean
		if w := horizonWarning(&exp.Arms[a], valid, issued); w != "" {
			sim.Warnings = append(sim.Warnings, w)
		}
	}
	if k := r.groups(); k > 0 && sim.Replications < 2*k {
		sim.Warnings = append(sim.Warnings, fmt.Sprintf("with %d replications each ran its own parameter set of the model's ensemble, too few to tell the model's uncertainty from simulation noise: level intervals hold both and err wide; %d or more replications split them", sim.Replications, 2*minSplitGroups))
	}
	r.planning(sim) // budget and quota planning: censored targets, quota days (sim/target.go)
	adjustDiffs(sim.Arms, kpis)
	return sim
}

// validAtEndShare is the share of issued coupons still valid at the horizon
// above which an arm's results carry a warning.
const validAtEndShare = 0.01

// horizonWarning returns a warning when more than validAtEndShare of the
// coupons arm issued (means across replications) were still valid when its
// horizon ended, else "".
func horizonWarning(arm *Arm, valid, issued float64) string {
	if !(issued > 0 && valid > validAtEndShare*issued) {
		return ""
	}
	cfg := &arm.Config
	return fmt.Sprintf("arm %q: %s of %s coupons (%.1f%%) were still valid when the %s horizon ended; "+
		"their redemption and float are not final — %s",
		arm.Name, groupDigits(valid), groupDigits(issued), 100*valid/issued,
		platform.FormatDuration(cfg.Horizon), horizonAdvice(cfg))
}

// horizonAdvice suggests a horizon that lets every coupon the campaign
// pushes run out: the end of the last push plus the coupon validity. A push
// of 0 days runs to the horizon, so lengthening the horizon alone would
// lengthen it too; the advice then says to give it days. When the horizon
// is already that long, the coupons left came later (e.g. referral
// rewards) and the advice says so in words.
func horizonAdvice(cfg *Config) string {
	var end time.Duration
	toHorizon := false
	for _, p := range cfg.Campaign {
		switch {
		case p.SendsPerDay == 0:
		case p.Days == 0:
			toHorizon = true
			end = max(end, cfg.Horizon)
		default:
			end = max(end, time.Duration(p.FirstDay+p.Days)*platform.Day)
		}
	}
	at := end + cfg.Coupon.Validity
	validity := platform.FormatDuration(cfg.Coupon.Validity)
	switch {
	case at <= cfg.Horizon:
		return "lengthen horizon until they run out: they were issued after the last push ended (e.g. referral rewards)"
	case toHorizon:
		return fmt.Sprintf("lengthen horizon to at least %s (pushes run to the horizon, %s, plus the %s validity) "+
			"and give the pushes days so that they still stop at %s",
			platform.FormatDuration(at), platform.FormatDuration(end), validity, platform.FormatDuration(end))
	}
	return fmt.Sprintf("lengthen horizon to at least %s (the last push ends at %s, plus the %s validity)",
		platform.FormatDuration(at), platform.FormatDuration(end), validity)
}

// groupDigits rounds v to a whole number and writes it with thousands
// separators, e.g. "8,591".
func groupDigits(v float64) string { return results.FormatCount(int64(math.Round(v))) }

// groups is how many ensemble members this run uses (0: none).
func (r *runner) groups() int { return ensembleGroups(len(r.exp.Ensemble), r.exp.Replications) }

// split records, for a run with an ensemble, how much of a KPI's spread
// across replications the parameters' uncertainty causes and how much is
// simulation noise, and widens the interval of its level into a prediction
// interval: mean ± t(k−1)·√(model²·(1 + 1/k) + noise²/n), k the parameter
// sets used (the 1/k for the mean's own error, as in any prediction
// interval), moved inside the KPI's bounds as every interval is (see
// interval).
// The level a strategist will see depends on which parameter set is true,
// so its interval must hold the model's spread, not only the noise of the
// mean. When each replication ran its own set (too few replications to
// split, see ensembleGroups), the whole spread counts as the model's:
// mean ± t(n−1)·s·√(1 + 1/n), which holds model² + noise² ≥ model² +
// noise²/n, so it errs wide, with n−1 degrees of freedom instead of a
// split's k−1.
// Paired differences keep their paired intervals.
func (r *runner) split(kpis map[string]results.Estimate, id string, xs []float64, b bounds) {
	k := r.groups()
	if k == 0 {
		return
	}
	e := kpis[id]
	var h float64
	if len(xs) >= 2*k {
		e.ModelSD, e.NoiseSD = splitVariance(xs, k)
		h = tQuantile975(k-1) * math.Sqrt(e.ModelSD*e.ModelSD*(1+1/float64(k))+e.NoiseSD*e.NoiseSD/float64(len(xs)))
	} else {
		h = tQuantile975(len(xs)-1) * e.SD * math.Sqrt(1+1/float64(len(xs)))
	}
	lo, hi := interval(e.Mean, h, b)
	e.Low, e.High = min(e.Low, lo), max(e.High, hi)
	kpis[id] = e
}

// agree records, for a run with an ensemble, how many of its parameter sets
// give a paired difference of the overall sign.
func (r *runner) agree(diffs map[string]results.Diff, id string, arm, base []float64) {
	k := r.groups()
	if k == 0 {
		return
	}
	d := make([]float64, len(arm))
	for i := range arm {
		d[i] = arm[i] - base[i]
	}
	e := diffs[id]
	e.Members, e.Agree = k, agreement(d, k)
	diffs[id] = e
}
