package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"giftsim/results"
)

// kpiList returns the KPIs to report: Simulation.KPIs in order, then any id
// the arms carry that it does not describe, by id.
func kpiList(sim *results.Simulation) []results.KPI {
	kpis := slices.Clone(sim.KPIs)
	var extra []string
	for _, a := range sim.Arms {
		for id := range a.KPIs {
			known := slices.ContainsFunc(kpis, func(k results.KPI) bool { return k.ID == id })
			if !known && !slices.Contains(extra, id) {
				extra = append(extra, id)
			}
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		kpis = append(kpis, results.KPI{ID: id, Name: id})
	}
	return slices.DeleteFunc(kpis, func(k results.KPI) bool { return !anyArmHas(sim, k.ID) })
}

func anyArmHas(sim *results.Simulation, id string) bool {
	return slices.ContainsFunc(sim.Arms, func(a results.Arm) bool { _, ok := a.KPIs[id]; return ok })
}

// better reports whether mean a beats mean b on k; a KPI without a better
// direction counts higher as better.
func better(k results.KPI, a, b float64) bool {
	if k.Better == "lower" {
		return a < b
	}
	return a > b
}

// bestArm returns the index of the arm with the best mean on k among the
// arms from index from on, or -1 when none of them has k.
func bestArm(sim *results.Simulation, k results.KPI, from int) int {
	best := -1
	for i := from; i < len(sim.Arms); i++ {
		e, ok := sim.Arms[i].KPIs[k.ID]
		if !ok {
			continue
		}
		if best < 0 || better(k, e.Mean, sim.Arms[best].KPIs[k.ID].Mean) {
			best = i
		}
	}
	return best
}

// primaryKPI returns the KPI the answer is about: the first with a better
// direction on which some arm differs significantly from the baseline (a
// KPI the arms cannot move, such as claim conversion between two validities,
// answers nothing), else the first with a direction, else the first.
func primaryKPI(sim *results.Simulation, kpis []results.KPI) (results.KPI, bool) {
	for _, k := range kpis {
		if k.Better == "" {
			continue
		}
		for _, a := range sim.Arms[1:] {
			if d, ok := a.Diffs[k.ID]; ok && d.Significant {
				return k, true
			}
		}
	}
	for _, k := range kpis {
		if k.Better != "" {
			return k, true
		}
	}
	if len(kpis) > 0 {
		return kpis[0], true
	}
	return results.KPI{}, false
}

// diffClause describes a paired difference: "a difference of +4.1 pp (95% CI
// +3.5 to +4.7 pp; ratio 1.42, 95% CI 1.31 to 1.55), which is significant
// at the 95% level after Holm's adjustment over 62 comparisons". One whose
// interval excludes zero but that the adjustment does not call significant
// says so, with its p-value before the adjustment.
func diffClause(d results.Diff, unit string) string {
	ratio := ""
	if r := ratioClause(d); r != "" {
		ratio = "; " + r
	}
	adj := adjustedOver(d)
	var sig string
	switch {
	case d.Significant:
		sig = "which is significant at the 95% level"
		if adj != "" {
			sig += " " + adj
		}
	case d.Adjustment != "" && (d.Low > 0 || d.High < 0):
		sig = fmt.Sprintf("which is not significant %s (p = %s before it)", adj, formatNumber(d.P))
	default:
		sig = "which is not significant: the interval includes zero"
	}
	switch {
	case d.Members > 0 && d.Robust():
		sig += fmt.Sprintf(", and robust: all %d of the model's calibrated parameter sets agree on its direction", d.Members)
	case d.Members > 0:
		sig += fmt.Sprintf(", but not robust: only %d of the model's %d calibrated parameter sets agree on its direction", d.Agree, d.Members)
	}
	return fmt.Sprintf("a difference of %s (95%% CI %s%s), %s",
		formatDiff(d.Mean, unit), formatInterval(d.Low, d.High, unit, true), ratio, sig)
}

// ratioClause describes d's ratio of means for a sentence, "ratio 1.42, 95%
// CI 1.31 to 1.55", saying why when the interval is unbounded; the ratio
// alone in results saved without an interval; "" without a ratio.
func ratioClause(d results.Diff) string {
	if !d.HasRatio() {
		return ""
	}
	s := "ratio " + formatNumber(d.Ratio)
	if !d.HasRatioInterval() {
		return s
	}
	const why = "the baseline's mean is not distinguishable from zero"
	lowOpen := math.IsInf(d.RatioLow, -1) || d.RatioLow <= 0 && math.IsInf(d.RatioHigh, 1)
	switch {
	case lowOpen && math.IsInf(d.RatioHigh, 1):
		return s + ", with no bounded 95% CI as " + why
	case math.IsInf(d.RatioHigh, 1):
		return s + ", 95% CI " + formatNumber(d.RatioLow) + " or more (no upper bound, as " + why + ")"
	case math.IsInf(d.RatioLow, -1):
		return s + ", 95% CI " + formatNumber(d.RatioHigh) + " or less (no lower bound, as " + why + ")"
	}
	return s + ", 95% CI " + formatNumber(d.RatioLow) + " to " + formatNumber(d.RatioHigh)
}

// adjustmentName names a multiplicity adjustment of results.Diff for
// people.
func adjustmentName(method string) string {
	if method == "holm" {
		return "Holm's adjustment"
	}
	return "the " + method + " adjustment"
}

// adjustedOver says how d's significance was adjusted for the simulation's
// many comparisons, "after Holm's adjustment over 62 comparisons", or ""
// for results saved without an adjustment.
func adjustedOver(d results.Diff) string {
	if d.Adjustment == "" {
		return ""
	}
	n := fmt.Sprintf("%s comparisons", formatCount(d.Comparisons))
	if d.Comparisons == 1 {
		n = "1 comparison"
	}
	return "after " + adjustmentName(d.Adjustment) + " over " + n
}

// simAdjustment is adjustedOver for the simulation's paired differences,
// which all carry the same adjustment: "" when there are none or they were
// saved without one.
func simAdjustment(sim *results.Simulation) string {
	for _, a := range sim.Arms {
		for _, k := range kpiList(sim) {
			if d, ok := a.Diffs[k.ID]; ok {
				return adjustedOver(d)
			}
		}
	}
	return ""
}

// answer states in one sentence which arm wins on the primary KPI, by how
// much, with the difference's 95% confidence interval and its
// significance; when another KPI has a different significant winner, the
// sentence says so too. A level's interval is named as a prediction or a
// confidence interval.
func answer(sim *results.Simulation, kpis []results.KPI) string {
	if len(sim.Arms) == 0 {
		return "The results hold no arms, so there is nothing to compare."
	}
	k, ok := primaryKPI(sim, kpis)
	if !ok {
		return "The results hold no KPIs, so there is nothing to compare."
	}
	base := sim.Arms[0]
	if len(sim.Arms) == 1 {
		e := base.KPIs[k.ID]
		return fmt.Sprintf("Only one arm ran (%s): %s is %s (%s %s), so there is nothing to compare it with.",
			base.Name, k.Name, formatValue(e.Mean, k.Unit), kindsOf(sim).Level(), formatInterval(e.Low, e.High, k.Unit, false))
	}
	wins := "wins on"
	if k.Better == "" {
		wins = "is highest on"
	}
	b := bestArm(sim, k, 0)
	var s string
	switch {
	case b < 0:
		return fmt.Sprintf("No arm has a value for %s.", k.Name)
	case b > 0:
		arm := sim.Arms[b]
		s = fmt.Sprintf("%s %s %s with %s against %s for the baseline %s", arm.Name, wins, k.Name,
			formatValue(arm.KPIs[k.ID].Mean, k.Unit), formatValue(base.KPIs[k.ID].Mean, k.Unit), base.Name)
		if d, ok := arm.Diffs[k.ID]; ok {
			s += ", " + diffClause(d, k.Unit)
		} else {
			s += " (no paired difference was recorded)"
		}
	default:
		s = fmt.Sprintf("The baseline %s %s %s with %s", base.Name, wins, k.Name, formatValue(base.KPIs[k.ID].Mean, k.Unit))
		if r := bestArm(sim, k, 1); r > 0 {
			s += fmt.Sprintf("; the closest arm, %s, has %s", sim.Arms[r].Name, formatValue(sim.Arms[r].KPIs[k.ID].Mean, k.Unit))
			if d, ok := sim.Arms[r].Diffs[k.ID]; ok {
				s += ", " + diffClause(d, k.Unit)
			}
		}
	}
	if other := tradeoffClause(sim, kpis, k, b); other != "" {
		s += "; " + other
	}
	return s + "."
}

// tradeoffClause names the first other KPI whose significant winner is not
// the primary winner w, or returns "".
func tradeoffClause(sim *results.Simulation, kpis []results.KPI, primary results.KPI, w int) string {
	for _, k := range kpis {
		if k.ID == primary.ID || k.Better == "" {
			continue
		}
		b := bestArm(sim, k, 0)
		if b < 0 || b == w {
			continue
		}
		// The other KPI's winner counts when its lead over w is significant:
		// read from the paired differences against the baseline.
		var d results.Diff
		var ok bool
		switch {
		case b > 0 && w == 0:
			d, ok = sim.Arms[b].Diffs[k.ID]
		case b == 0 && w > 0:
			d, ok = sim.Arms[w].Diffs[k.ID]
		default:
			continue // two non-baseline arms: no paired difference between them
		}
		if !ok || !d.Significant {
			continue
		}
		lead := absDiff(d, b > 0)
		return fmt.Sprintf("on %s, however, %s wins, by %s (95%% CI %s), significant",
			k.Name, sim.Arms[b].Name, formatDiff(lead.Mean, k.Unit), formatInterval(lead.Low, lead.High, k.Unit, true))
	}
	return ""
}

// absDiff returns d as the winner's lead: as is when the winner is the arm,
// negated when the winner is the baseline.
func absDiff(d results.Diff, armWins bool) results.Estimate {
	if armWins {
		return d.Estimate
	}
	return results.Estimate{Mean: -d.Mean, Low: -d.High, High: -d.Low, SD: d.SD, N: d.N}
}

// verdictRow is one KPI's line in the answer's table.
type verdictRow struct {
	KPI, Better, Arm, Mean, Diff, Ratio, Significant string
	Color                                            string
}

// verdicts returns, per KPI, the best arm and its difference from the
// baseline.
func verdicts(sim *results.Simulation, kpis []results.KPI) []verdictRow {
	var rows []verdictRow
	for _, k := range kpis {
		b := bestArm(sim, k, 0)
		if b < 0 {
			continue
		}
		e := sim.Arms[b].KPIs[k.ID]
		row := verdictRow{KPI: k.Name, Better: k.Better, Arm: sim.Arms[b].Name, Color: cssColor(b),
			Mean: formatValue(e.Mean, k.Unit) + " (" + formatInterval(e.Low, e.High, k.Unit, false) + ")",
			Diff: "baseline", Ratio: "", Significant: ""}
		if k.Better == "" {
			row.Better, row.Arm = "(none)", sim.Arms[b].Name+" (highest)"
		}
		if d, ok := sim.Arms[b].Diffs[k.ID]; ok && b > 0 {
			row.Diff = formatDiff(d.Mean, k.Unit) + " (" + formatInterval(d.Low, d.High, k.Unit, true) + ")"
			row.Ratio = ratioText(d)
			row.Significant = "no"
			if d.Significant {
				row.Significant = "yes"
			}
		} else if b > 0 {
			row.Diff = "not recorded"
		}
		rows = append(rows, row)
	}
	return rows
}

// cssColor returns the CSS colour of arm i.
func cssColor(i int) string {
	c := seriesLook(i).Color
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// joinSettings formats settings as "name=value; name=value".
func joinSettings(s []results.Setting) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = x.Name + "=" + x.Value
	}
	return strings.Join(parts, "; ")
}
