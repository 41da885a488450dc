package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"giftsim/results"
)

// WriteText writes the plain-text summary of a simulation: one row per KPI
// with each arm's mean and 95% interval, then each arm's paired difference
// against the baseline (the first arm), starred when significant.
func WriteText(w io.Writer, sim *results.Simulation) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	title := sim.Scenario.Name
	if sim.Scenario.Question != "" {
		title += ": " + sim.Scenario.Question
	}
	fmt.Fprintf(tw, "%s\n", title)
	fmt.Fprintf(tw, "seed %d, %d replications, %s from %s; mean [95%% CI]\n\n", sim.Seed, sim.Replications, sim.Scenario.Horizon, sim.Scenario.Start)
	row := []string{"KPI"}
	for _, a := range sim.Arms {
		row = append(row, a.Name)
	}
	fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	for _, k := range sim.KPIs {
		row = []string{label(k)}
		for _, a := range sim.Arms {
			e := a.KPIs[k.ID]
			row = append(row, fmt.Sprintf("%s [%s, %s]", formatNumber(e.Mean), formatNumber(e.Low), formatNumber(e.High)))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if len(sim.Arms) > 1 {
		fmt.Fprintf(tw, "\nPaired difference against %s (arm − baseline, common random numbers; * = significant at 95%%)\n", sim.Arms[0].Name)
		row = []string{"KPI"}
		for _, a := range sim.Arms[1:] {
			row = append(row, a.Name)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		for _, k := range sim.KPIs {
			row = []string{label(k)}
			for _, a := range sim.Arms[1:] {
				d := a.Diffs[k.ID]
				star := ""
				if d.Significant {
					star = " *"
				}
				ratio := ""
				if d.Ratio != 0 {
					ratio = fmt.Sprintf(" ×%.2f", d.Ratio)
				}
				row = append(row, fmt.Sprintf("%s [%s, %s]%s%s", signed(d.Mean), signed(d.Low), signed(d.High), ratio, star))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
	}
	return tw.Flush()
}

func label(k results.KPI) string {
	if k.Unit == "" {
		return k.Name
	}
	return k.Name + " (" + k.Unit + ")"
}
