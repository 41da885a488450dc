package reports

import (
	"fmt"
	"io"
	"strings"

	"giftsim/results"
)

// WriteText writes the plain-text summary of a simulation: one row per KPI
// with each arm's mean and 95% interval (named as a prediction or a
// confidence interval), then each arm's paired difference against the
// baseline (the first arm) and the ratio of the means, each with its 95%
// confidence interval, starred when significant after the adjustment for
// many comparisons that the header names; it ends with the report's
// answer. Every interval lies within its quantity's bounds. WithLang(Chinese)
// writes it in Chinese: KPI names in the seed's terms, units 元, 人, 张,
// counts from ten thousand on in 万, dates as 2026年3月2日, and the answer
// of zhAnswer. Columns stay aligned with wide characters (textTable).
func WriteText(w io.Writer, sim *results.Simulation, opts ...Option) error {
	l := optionsOf(opts).lang
	raw := boundedSim(sim)
	sim = localized(raw, l)
	tw := newTextTable(w, 2, 2, false)
	title := sim.Scenario.Name
	if sim.Scenario.Question != "" {
		title += ": " + sim.Scenario.Question
	}
	fmt.Fprintf(tw, "%s\n", title)
	fmt.Fprintln(tw, l.T("seed %d, %d replications, %s from %s; mean [%s]", sim.Seed, sim.Replications, horizonIn(l, sim.Scenario.Horizon), formatDateIn(l, sim.Scenario.Start), l.T(kindsOf(sim).Level())))
	switch n := ensembleSets(sim); {
	case n > 0:
		fmt.Fprintln(tw, l.T("levels: prediction intervals over %d of the model's calibrated parameter sets (model uncertainty and simulation noise; --central for noise alone)", n))
	case kindsOf(sim).Prediction:
		fmt.Fprintln(tw, l.T("levels: prediction intervals over the model's calibrated parameter sets (model uncertainty and simulation noise)"))
	}
	fmt.Fprintln(tw)
	row := []string{l.T("KPI")}
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
				row = append(row, l.T("n/a"))
			case e.NotReached():
				row = append(row, notReachedIn(l, e))
			default:
				row = append(row, fmt.Sprintf("%s [%s, %s]", formatNumberIn(l, e.Mean), formatNumberIn(l, e.Low), formatNumberIn(l, e.High)))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if len(sim.Arms) > 1 {
		sig := l.T("* = significant at 95%")
		if adj := simAdjustment(sim); adj != "" {
			sig += " " + zhAdjusted(l, sim, adj) + l.T("; the intervals are each 95%")
		}
		if n := ensembleSets(sim); n > 0 {
			sig += l.T("; ! = not robust: the %d parameter sets disagree on its direction", n)
		}
		fmt.Fprintln(tw, "\n"+l.T("Paired difference against %s (arm − baseline [95%% CI] ×ratio of means [95%% CI], common random numbers; %s)", sim.Arms[0].Name, sig))
		row = []string{l.T("KPI")}
		for _, a := range sim.Arms[1:] {
			row = append(row, a.Name)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		for _, k := range sim.KPIs {
			row = []string{label(k)}
			for _, a := range sim.Arms[1:] {
				d, ok := a.Diffs[k.ID]
				if !ok {
					row = append(row, l.T("n/a"))
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
					ratio = " ×" + formatNumberIn(l, d.Ratio)
					if ci := ratioInterval(d); ci != "" {
						ratio += " " + ci
					}
				}
				if d.NotReached() {
					star += l.T(" (target not reached in %d of %d pairs: restricted to the horizon)", d.Censored, d.N)
				}
				row = append(row, fmt.Sprintf("%s [%s, %s]%s%s", signedIn(l, d.Mean), signedIn(l, d.Low), signedIn(l, d.High), ratio, star))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeQuotaText(w, l, raw)
	// The report's answer closes the summary, as it opens the page.
	if _, err := fmt.Fprintf(w, "\n%s\n", l.T("Answer: %s", answerIn(l, raw))); err != nil {
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

// signedIn formats v with its sign for readers of l (formatNumberIn).
func signedIn(l Lang, v float64) string {
	if v > 0 {
		return "+" + formatNumberIn(l, v)
	}
	return formatNumberIn(l, v)
}

// notReachedIn is notReached in l.
func notReachedIn(l Lang, e results.Estimate) string {
	if !e.NotReached() {
		return ""
	}
	return l.T("not reached in %d of %d (≥ %s)", e.Censored, e.N, formatNumberIn(l, e.Mean))
}

// zhAdjusted words the adjustment simAdjustment names for readers of l:
// adj itself in English, "经 Holm 法校正（62 次比较）" in Chinese.
func zhAdjusted(l Lang, sim *results.Simulation, adj string) string {
	if l != Chinese {
		return adj
	}
	for _, a := range sim.Arms {
		for _, d := range a.Diffs {
			if d.Adjustment != "" {
				name := d.Adjustment
				if name == "holm" {
					name = "Holm"
				}
				return fmt.Sprintf("经 %s 法校正（%d 次比较）", name, d.Comparisons)
			}
		}
	}
	return adj
}
