package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"giftsim/results"
)

// WriteText writes the plain-text summary of a simulation: one row per KPI
// with each arm's mean and 95% interval (named as a prediction or a
// confidence interval), then each arm's paired difference against the
// baseline (the first arm) and the ratio of the means, each with its 95%
// confidence interval, starred when significant after the adjustment for
// many comparisons that the header names; it ends with the report's
// answer. Every interval lies within its quantity's bounds.
func WriteText(w io.Writer, sim *results.Simulation) error {
	sim = boundedSim(sim)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	title := sim.Scenario.Name
	if sim.Scenario.Question != "" {
		title += ": " + sim.Scenario.Question
	}
	fmt.Fprintf(tw, "%s\n", title)
	fmt.Fprintf(tw, "seed %d, %d replications, %s from %s; mean [%s]\n", sim.Seed, sim.Replications, sim.Scenario.Horizon, sim.Scenario.Start, kindsOf(sim).Level())
	switch n := ensembleSets(sim); {
	case n > 0:
		fmt.Fprintf(tw, "levels: prediction intervals over %d of the model's calibrated parameter sets (model uncertainty and simulation noise; --central for noise alone)\n", n)
	case kindsOf(sim).Prediction:
		fmt.Fprintln(tw, "levels: prediction intervals over the model's calibrated parameter sets (model uncertainty and simulation noise)")
	}
	fmt.Fprintln(tw)
	row := []string{"KPI"}
	for _, a := range sim.Arms {
		row = append(row, a.Name)
	}
	fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	for _, k := range sim.KPIs {
		row = []string{label(k)}
		for _, a := range sim.Arms {
			e, ok := a.KPIs[k.ID]
			switch {
			case !ok:
				row = append(row, "n/a")
			case e.NotReached():
				row = append(row, notReached(e))
			default:
				row = append(row, fmt.Sprintf("%s [%s, %s]", formatNumber(e.Mean), formatNumber(e.Low), formatNumber(e.High)))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if len(sim.Arms) > 1 {
		sig := "* = significant at 95%"
		if adj := simAdjustment(sim); adj != "" {
			sig += " " + adj + "; the intervals are each 95%"
		}
		if n := ensembleSets(sim); n > 0 {
			sig += fmt.Sprintf("; ! = not robust: the %d parameter sets disagree on its direction", n)
		}
		fmt.Fprintf(tw, "\nPaired difference against %s (arm − baseline [95%% CI] ×ratio of means [95%% CI], common random numbers; %s)\n", sim.Arms[0].Name, sig)
		row = []string{"KPI"}
		for _, a := range sim.Arms[1:] {
			row = append(row, a.Name)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		for _, k := range sim.KPIs {
			row = []string{label(k)}
			for _, a := range sim.Arms[1:] {
				d, ok := a.Diffs[k.ID]
				if !ok {
					row = append(row, "n/a")
					continue
				}
				star := ""
				if d.Significant {
					star = " *"
				}
				if d.Members > 0 && !d.Robust() && d.Mean != 0 {
					star += " !"
				}
				ratio := ""
				if d.HasRatio() {
					ratio = " ×" + formatNumber(d.Ratio)
					if ci := ratioInterval(d); ci != "" {
						ratio += " " + ci
					}
				}
				if d.NotReached() {
					star += fmt.Sprintf(" (target not reached in %d of %d pairs: restricted to the horizon)", d.Censored, d.N)
				}
				row = append(row, fmt.Sprintf("%s [%s, %s]%s%s", signed(d.Mean), signed(d.Low), signed(d.High), ratio, star))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeQuotaText(w, sim)
	// The report's answer closes the summary, as it opens the page.
	if _, err := fmt.Fprintf(w, "\nAnswer: %s\n", answer(sim, kpiList(sim))); err != nil {
		return err
	}
	return nil
}

// ensembleSets is how many parameter sets of the calibrated ensemble the
// run used (0: none).
func ensembleSets(sim *results.Simulation) int { return sim.EnsembleSets }

func label(k results.KPI) string {
	if k.Unit == "" {
		return k.Name
	}
	return k.Name + " (" + k.Unit + ")"
}
