package reports

import (
	"maps"
	"math"

	"giftsim/results"
)

// intervalKinds words the kinds of 95% interval a simulation's report shows:
// its KPI levels' (prediction intervals when the run drew from the
// calibrated ensemble, else confidence intervals of the mean) and its
// differences', ratios' and daily series' (confidence intervals always).
type intervalKinds struct {
	// Prediction is set when the levels have prediction intervals.
	Prediction bool
}

// kindsOf returns the kinds of interval sim's report shows.
func kindsOf(sim *results.Simulation) intervalKinds {
	return intervalKinds{Prediction: sim.PredictionIntervals()}
}

// Level names the levels' interval for tables and sentences: "95%
// prediction interval", or "95% CI" for a confidence interval.
func (k intervalKinds) Level() string {
	if k.Prediction {
		return "95% prediction interval"
	}
	return "95% CI"
}

// LevelLegend labels the levels' error bars in a chart.
func (k intervalKinds) LevelLegend() string {
	if k.Prediction {
		return "95% prediction interval (model and noise)"
	}
	return "95% confidence interval of the mean"
}

// LevelBand labels the levels' band in a chart.
func (k intervalKinds) LevelBand() string {
	if k.Prediction {
		return "95% prediction band (model and noise)"
	}
	return "95% confidence band of the mean"
}

// seriesBand labels the daily series' band: a confidence band of the mean
// across replications, with or without an ensemble.
const seriesBand = "95% confidence band of the mean"

// diffLegend labels the error bars of paired differences.
const diffLegend = "95% confidence interval of the difference"

// seriesBounds returns the bounds of the daily series named as in
// timeseries.csv: the fund float is a percentage, every other a count.
func seriesBounds(name string) results.Bounds {
	if name == "float" {
		return results.Percentage
	}
	return results.NonNegative
}

// boundedSim returns a copy of sim in which every interval lies within the
// bounds of its quantity (results.Bounds): KPI levels, paired differences
// and their ratios, daily series. The simulator writes them so; results
// saved before it did, with t intervals that cross zero, are cut to their
// bounds, which keeps them 95% intervals. A KPI the simulation does not
// describe is taken to be unbounded.
func boundedSim(sim *results.Simulation) *results.Simulation {
	out := *sim
	out.Arms = make([]results.Arm, len(sim.Arms))
	bounds := map[string]results.Bounds{}
	for _, k := range sim.KPIs {
		bounds[k.ID] = k.Bounds()
	}
	of := func(id string) results.Bounds {
		if b, ok := bounds[id]; ok {
			return b
		}
		return results.Unbounded
	}
	cols := seriesColumns()
	for i, a := range sim.Arms {
		a.KPIs = maps.Clone(a.KPIs)
		for id, e := range a.KPIs {
			a.KPIs[id] = e.Within(of(id))
		}
		a.Diffs = maps.Clone(a.Diffs)
		for id, d := range a.Diffs {
			a.Diffs[id] = d.Within(of(id))
		}
		series := make([]results.Day, len(a.Series))
		for j, d := range a.Series {
			for _, c := range cols {
				c.Set(&d, c.Get(d).Within(seriesBounds(c.Name)))
			}
			series[j] = d
		}
		a.Series = series
		out.Arms[i] = a
	}
	return &out
}

// ratioInterval formats the 95% interval of d's ratio, "[1.15, 1.36]", an
// infinite end as ∞ with an open bracket, "[2.56, ∞)"; "" when d has none.
func ratioInterval(d results.Diff) string {
	if !d.HasRatioInterval() {
		return ""
	}
	lo, hi := "["+formatNumber(d.RatioLow), formatNumber(d.RatioHigh)+"]"
	if math.IsInf(d.RatioLow, -1) {
		lo = "(−∞"
	}
	if math.IsInf(d.RatioHigh, 1) {
		hi = "∞)"
	}
	return lo + ", " + hi
}

// ratioText formats d's ratio with its interval, "1.25 [1.15, 1.36]", or
// the ratio alone in results saved without one; "" without a ratio.
func ratioText(d results.Diff) string {
	if !d.HasRatio() {
		return ""
	}
	if ci := ratioInterval(d); ci != "" {
		return formatNumber(d.Ratio) + " " + ci
	}
	return formatNumber(d.Ratio)
}
