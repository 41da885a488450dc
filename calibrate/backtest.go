package calibrate

// This file holds the backtest: fit a merchant's levels on one campaign's
// data and predict another's (docs/DATA.md).

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"giftsim/sim"
)

// BacktestOptions control a backtest.
type BacktestOptions struct {
	DataOptions // DataOptions are the fit's, on the first campaign; Seed also seeds the prediction.
	// Replications of the prediction (0: 40), with the fitted profile and,
	// as many again, with its ensemble's parameter sets.
	Replications int
}

// Prediction is one figure of the predicted campaign: what its data show
// and what the fitted model predicts.
type Prediction struct {
	ID   string // ID names the figure, e.g. "redemption_rate".
	Name string // Name says what it is.
	// Count is true for a count (scaled back to the data's sends), false
	// for a share.
	Count    bool
	Observed float64
	// Mean is the mean over the fitted profile's replications; Low and
	// High bound the 95% prediction interval of one campaign's value.
	Mean, Low, High float64
}

// Error is the prediction's relative error, (Mean − Observed)/Observed; 0
// when both are 0.
func (p Prediction) Error() float64 {
	if p.Observed == 0 {
		if p.Mean == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return (p.Mean - p.Observed) / p.Observed
}

// Inside reports whether the observed value lies within the prediction
// interval.
func (p Prediction) Inside() bool { return p.Observed >= p.Low && p.Observed <= p.High }

// BacktestResult is a fit on one campaign and its prediction of another.
type BacktestResult struct {
	Fit          *DataFit
	Predict      *DataModel // Predict replays the predicted campaign.
	Predictions  []Prediction
	Replications int
	Members      int // Members counts the ensemble's parameter sets the prediction used (0: the fit alone).
}

// Pass reports whether every observed value lies within its interval.
func (r *BacktestResult) Pass() bool {
	for _, p := range r.Predictions {
		if !p.Inside() {
			return false
		}
	}
	return true
}

// Backtest fits the level parameters to the first campaign (FitData, with
// fitScenario and fitData), then replays the second campaign's sends in
// predictScenario and predicts each figure: the mean over replications of
// the fitted profile, with a 95% prediction interval of one campaign's
// value that holds the simulation's noise and, when the fit drew an
// ensemble, how far its parameter sets move the figure (see
// predictionInterval). The result is deterministic for opts.Seed.
func Backtest(ctx context.Context, start sim.Behaviour, fitScenario string, fitData *Data, predictScenario string, predictData *Data, opts BacktestOptions) (*BacktestResult, error) {
	fit, err := FitData(ctx, start, fitScenario, fitData, opts.DataOptions)
	if err != nil {
		return nil, fmt.Errorf("fit on %s: %w", fitData.File, err)
	}
	res, err := Predict(ctx, fit, predictScenario, predictData, opts)
	if err != nil {
		return nil, fmt.Errorf("predict %s: %w", predictData.File, err)
	}
	return res, nil
}

// Predict replays d's sends in scenario with fit's profile and predicts
// d's figures (see Backtest).
func Predict(ctx context.Context, fit *DataFit, scenario string, d *Data, opts BacktestOptions) (*BacktestResult, error) {
	b := fit.Result.Behaviour
	m, err := NewDataModel(scenario, d, opts.Scale, b)
	if err != nil {
		return nil, err
	}
	exp, err := m.Experiment(b)
	if err != nil {
		return nil, err
	}
	reps := opts.Replications
	if reps <= 0 {
		reps = 40
	}
	exp.Replications, exp.Precision = reps, nil
	exp.Arms = exp.Arms[:1] // the cut is counted from the whole run
	if opts.Seed != 0 {
		exp.Seed = opts.Seed
	}
	central, err := runFigures(ctx, exp, m.Observed.Cut, opts.Workers)
	if err != nil {
		return nil, err
	}
	var members []Figures
	if mbs := fit.Profile().Members(); len(mbs) > 0 {
		ens := *exp
		ens.Ensemble = mbs
		if members, err = runFigures(ctx, &ens, m.Observed.Cut, opts.Workers); err != nil {
			return nil, err
		}
	}
	o := m.Observed
	figures := []figure{
		{"claim_conversion", "claim conversion", false, Figures.ClaimConversion},
		{"redemption_rate", "redemption rate", false, Figures.RedemptionRate},
		{"redemptions", "redemptions", true, func(f Figures) float64 { return float64(f.Redemptions) }},
	}
	if o.Early > 0 && o.Early < o.Redemptions && o.Cut < d.Hours() {
		figures = append(figures, figure{"early_share", "early share (before " + d.At(o.Cut).Format("01-02 15:04") + ")", false, Figures.EarlyShare})
	}
	res := &BacktestResult{Fit: fit, Predict: m, Replications: reps}
	if len(members) > 0 {
		res.Members = min(len(fit.Ensemble.Members), reps/2)
	}
	// A count of a scaled replay is scaled back to the data's sends.
	scale := float64(o.Sends) / float64(m.SimSends)
	for _, k := range figures {
		values := func(fs []Figures) []float64 {
			xs := make([]float64, len(fs))
			for i, f := range fs {
				xs[i] = k.of(f)
				if k.count {
					xs[i] *= scale
				}
			}
			return xs
		}
		p := Prediction{ID: k.id, Name: k.name, Count: k.count, Observed: k.of(o)}
		p.Mean, p.Low, p.High = predictionInterval(values(central), values(members))
		p.Low = math.Max(p.Low, 0)
		if !k.count {
			p.High = math.Min(p.High, 1)
		}
		res.Predictions = append(res.Predictions, p)
	}
	return res, nil
}

// figure is one figure a backtest predicts: a share, or a count.
type figure struct {
	id, name string
	count    bool
	of       func(Figures) float64
}

// runFigures runs the first arm of exp over its replications, in parallel,
// and returns each one's figures, early redemptions counted before hour
// cut.
func runFigures(ctx context.Context, exp *sim.Experiment, cut, workers int) ([]Figures, error) {
	reps := exp.Replications
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	figs := make([]Figures, reps)
	errs := make([]error, reps)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, reps) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := range next {
				ts, err := sim.Activity(ctx, exp, 0, rep)
				figs[rep], errs[rep] = FiguresOf(ts, cut), err
			}
		}()
	}
	for rep := range reps {
		next <- rep
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// predictionInterval is the prediction from the replications of the
// central profile, xs, and of the ensemble's parameter sets, ys (none: the
// central profile alone): the mean m of xs, and the 95% prediction interval
// of one campaign's value, m ± t(n−1)·√(s² + v/n), where v is the variance
// of xs and s² the mean square deviation of ys from m (v without an
// ensemble). s² holds one campaign's noise and how far the parameter sets
// the data leave open move the figure, bias included.
func predictionInterval(xs, ys []float64) (mean, low, high float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, math.Inf(-1), math.Inf(1)
	}
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	v /= n - 1
	s2 := v
	if len(ys) > 0 {
		s2 = 0
		for _, y := range ys {
			s2 += (y - mean) * (y - mean)
		}
		s2 /= float64(len(ys))
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
	h := t * math.Sqrt(s2+v/n)
	return mean, mean - h, mean + h
}
