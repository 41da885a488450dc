package reports

import (
	"fmt"
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
		m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
		row := verdictRow{KPI: k.Name, Better: k.Better, Arm: sim.Arms[b].Name, Color: cssColor(b),
			Mean: m + " (" + ci + ")", Diff: "baseline", Ratio: "", Significant: ""}
		if k.Better == "" {
			row.Better, row.Arm = "(none)", sim.Arms[b].Name+" (highest)"
		}
		if d, ok := sim.Arms[b].Diffs[k.ID]; ok && b > 0 {
			dm, dci := estimateText(d.Mean, d.Low, d.High, k.Unit, true)
			row.Diff = dm + " (" + dci + ")"
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

// decision is what the first screen of a simulation report says: the
// answer to the scenario's question, and the KPIs it rests on as cards.
type decision struct {
	// Answer is one or two plain sentences: which option, by how much,
	// with what trade-off and how sure.
	Answer string
	// Lead is the KPI the answer turns on; Focus the KPIs of the cards, the
	// question's own first (Lead among them).
	Lead  results.KPI
	Focus []results.KPI
	Cards []card
}

// card is one KPI on the first screen.
type card struct {
	KPI   string
	Main  string   // Main is the headline figure: a lead, a best arm or a range.
	CI    string   // CI is Main's 95% interval, named.
	Lines []string // Lines are the arms' levels, or the best against the baseline.
	Note  string   // Note says whether the difference is significant and robust.
	Color string   // Color is the winning arm's colour, "" for a tie or no direction.
	Tie   bool
}

// kpiHints are the words, English and Chinese, by which a question names a
// KPI, by KPI id; a
// hint found in no KPI's id is looked up in the KPIs' names.
var kpiHints = []struct {
	ID    string
	Words []string
}{
	{"redemption_rate", []string{"redemption", "redeem", "k2", "核销"}},
	{"new_customers", []string{"new customer", "acquisition", "acquire", "新客", "拉新"}},
	{"fund_float", []string{"float", "k4", "沉淀"}},
	{"incremental_profit", []string{"profit", "利润"}},
	{"roi", []string{"roi", "return on"}},
	{"claim_conversion", []string{"claim", "k1", "领取"}},
	{"viral_coefficient", []string{"viral", "k3", "裂变"}},
	{"cost", []string{"cost", "成本"}},
	{"incremental_revenue", []string{"sales", "revenue", "销售额"}},
	{"retained_customers", []string{"retention", "retain", "stay", "留存"}},
	{"inquiries", []string{"inquir", "complain", "customer service", "customer-service", "客诉", "咨询"}},
	{"unfollowed", []string{"unfollow", "fatigue", "取关", "疲劳"}},
	{"lapsed_customers", []string{"over-marketing", "lapse"}},
	{"risk_blocked", []string{"risk"}},
	{"quota_refused", []string{"quota"}},
	{"days_to_holders", []string{"holders"}},
}

// defaultFocus are the KPIs the cards show when the question names none:
// the money, then K2 against new customers (the trade-off of B1/B2), then
// the float (K4).
var defaultFocus = []string{"incremental_profit", "redemption_rate", "new_customers", "fund_float"}

// allZero reports whether k is zero in every arm, with no interval: a KPI
// the scenario never exercises (no quota, no risk blocks).
func allZero(sim *results.Simulation, k results.KPI) bool {
	for _, a := range sim.Arms {
		if e, ok := a.KPIs[k.ID]; ok && (e.Mean != 0 || e.Low != 0 || e.High != 0) {
			return false
		}
	}
	return true
}

// kpiByHint returns the KPI with id, else the first whose name contains
// one of words.
func kpiByHint(kpis []results.KPI, id string, words []string) (results.KPI, bool) {
	if k, ok := findKPI(kpis, id); ok {
		return k, true
	}
	return findKPI(kpis, "", words...) // no KPI has an empty id: by name alone
}

// questionKPIs returns the KPIs a question names, in the order it names
// them; none of them zero in every arm.
func questionKPIs(sim *results.Simulation, kpis []results.KPI, question string) []results.KPI {
	q := strings.ToLower(question)
	type hit struct {
		at int
		k  results.KPI
	}
	var hits []hit
	for _, h := range kpiHints {
		at := -1
		for _, w := range h.Words {
			if i := strings.Index(q, w); i >= 0 && (at < 0 || i < at) {
				at = i
			}
		}
		if at < 0 {
			continue
		}
		if k, ok := kpiByHint(kpis, h.ID, h.Words); ok && !allZero(sim, k) &&
			!slices.ContainsFunc(hits, func(x hit) bool { return x.k.ID == k.ID }) {
			hits = append(hits, hit{at, k})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.at - b.at })
	out := make([]results.KPI, len(hits))
	for i, h := range hits {
		out[i] = h.k
	}
	return out
}

// focusKPIs returns the KPIs of the cards: those the question names, then
// the default ones, then any KPI with a direction, until there are four
// (five when the question names five); never one zero in every arm.
func focusKPIs(sim *results.Simulation, kpis []results.KPI) []results.KPI {
	focus := questionKPIs(sim, kpis, sim.Scenario.Question)
	if len(focus) > 5 {
		focus = focus[:5]
	}
	add := func(k results.KPI) {
		if len(focus) < 4 && !allZero(sim, k) && !slices.ContainsFunc(focus, func(f results.KPI) bool { return f.ID == k.ID }) {
			focus = append(focus, k)
		}
	}
	for _, id := range defaultFocus {
		if k, ok := findKPI(kpis, id); ok {
			add(k)
		}
	}
	for _, k := range kpis {
		if k.Better != "" {
			add(k)
		}
	}
	for _, k := range kpis {
		add(k)
	}
	return focus
}

// leadKPI returns the KPI the answer turns on: the first the question
// names that has a better direction; without one, incremental profit, else
// primaryKPI's choice.
func leadKPI(sim *results.Simulation, kpis []results.KPI) (results.KPI, bool) {
	for _, k := range questionKPIs(sim, kpis, sim.Scenario.Question) {
		if k.Better != "" {
			return k, true
		}
	}
	if k, ok := findKPI(kpis, "incremental_profit"); ok && k.Better != "" && !allZero(sim, k) {
		return k, true
	}
	return primaryKPI(sim, kpis)
}

// armLabel names arm i for sentences: its swept values in a sweep
// ("7d"), else its name.
func armLabel(sim *results.Simulation, i int) string {
	a := sim.Arms[i]
	if len(sim.Sweep) > 0 && len(a.SweepValues) > 0 {
		return strings.Join(a.SweepValues, " × ")
	}
	return a.Name
}

// lowerFirst lower-cases a KPI name's first letter for the middle of a
// sentence, unless it is an acronym ("ROI").
func lowerFirst(s string) string {
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// sureness says how far a significant difference holds across the
// calibrated ensemble: "robust: all 10 of the model's parameter sets
// agree", "not robust: only 5 of the model's 10 parameter sets agree on
// its direction", or, for a run on the central parameters alone, that this
// was not tested.
func sureness(sim *results.Simulation, d results.Diff) string {
	switch {
	case d.Members > 0 && d.Robust():
		return fmt.Sprintf("robust: all %d of the model's calibrated parameter sets agree", d.Members)
	case d.Members > 0:
		return fmt.Sprintf("not robust: only %d of the model's %d calibrated parameter sets agree on its direction", d.Agree, d.Members)
	case sim.EnsembleSets == 0 && !sim.PredictionIntervals():
		return "robustness to the model's uncertainty untested: the run used its central parameters only"
	}
	return ""
}

// lead is a paired difference seen from its winner: how far arm Win is
// ahead of arm Lose on a KPI.
type lead struct {
	Win, Lose int
	Gap       results.Estimate // Gap is Win − Lose, with its 95% CI.
	Diff      results.Diff     // Diff is the difference as recorded (arm − baseline).
	Tie       bool             // Tie is set when the difference is not significant.
}

// rival returns the arm whose difference from the baseline says how far arm
// b leads on k: b itself, or for the baseline the best of the other arms
// (-1 when none has k).
func rival(sim *results.Simulation, k results.KPI, b int) int {
	if b > 0 {
		return b
	}
	return bestArm(sim, k, 1)
}

// pairLead reads arm i's difference from the baseline on k as a lead; ok
// is false when no difference was recorded.
func pairLead(sim *results.Simulation, k results.KPI, i int) (lead, bool) {
	if i <= 0 || i >= len(sim.Arms) {
		return lead{}, false
	}
	d, ok := sim.Arms[i].Diffs[k.ID]
	if !ok {
		return lead{}, false
	}
	l := lead{Win: i, Lose: 0, Gap: d.Estimate, Diff: d, Tie: !d.Significant}
	armAhead := d.Mean > 0
	if k.Better == "lower" {
		armAhead = d.Mean < 0
	}
	if !armAhead {
		l.Win, l.Lose = 0, i
		l.Gap = results.Estimate{Mean: -d.Mean, Low: -d.High, High: -d.Low, SD: d.SD, N: d.N}
	}
	return l, true
}

// gapText words a lead on k: "1,450 CNY higher (95% CI 700 to 2,200 CNY)"
// or "8.3 pp lower …", higher or lower as the winner's value is.
func gapText(k results.KPI, l lead, sim *results.Simulation) string {
	g := l.Gap
	word := "higher"
	if sim.Arms[l.Win].KPIs[k.ID].Mean < sim.Arms[l.Lose].KPIs[k.ID].Mean {
		word = "lower"
		g = results.Estimate{Mean: -g.Mean, Low: -g.High, High: -g.Low}
	}
	m, ci := estimateText(g.Mean, g.Low, g.High, k.Unit, false)
	if k.Unit == "%" {
		m, ci = strings.TrimSuffix(m, "%")+" pp", strings.TrimSuffix(ci, "%")+" pp"
	}
	return fmt.Sprintf("%s %s, 95%% CI %s", m, word, ci)
}

// leadText words a lead on k by its size alone: "by 61 users, 95% CI 55
// to 66 users" (pp for percentages).
func leadText(k results.KPI, l lead) string {
	m, ci := estimateText(l.Gap.Mean, l.Gap.Low, l.Gap.High, k.Unit, false)
	if k.Unit == "%" {
		m, ci = strings.TrimSuffix(m, "%")+" pp", strings.TrimSuffix(ci, "%")+" pp"
	}
	return fmt.Sprintf("by %s, 95%% CI %s", m, ci)
}

// levelText formats arm i's level of k to the precision its interval
// supports: "27.2%".
func levelText(sim *results.Simulation, i int, k results.KPI) string {
	e := sim.Arms[i].KPIs[k.ID]
	if e.NotReached() {
		return notReached(e) // a time to a target (targets.go)
	}
	m, _ := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
	return m
}

// yesNoSubject returns the arm a yes-or-no question asks about: the arm
// named first in it ("Does a 7-day validity beat 30 days?" asks about
// 7-day), or -1 when the question is not a yes-or-no one or names no arm.
func yesNoSubject(sim *results.Simulation) int {
	if zhYesNo(sim.Scenario.Question) {
		return zhYesNoSubject(sim)
	}
	q := strings.ToLower(sim.Scenario.Question)
	first, _, _ := strings.Cut(strings.TrimSpace(q), " ")
	switch first {
	case "does", "do", "is", "are", "will", "would", "can", "could", "should":
	default:
		return -1
	}
	norm := func(s string) string { return strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(s)) }
	nq := norm(q)
	best, at := -1, len(nq)+1
	for i := range sim.Arms {
		for _, name := range []string{sim.Arms[i].Name, armLabel(sim, i)} {
			if n := norm(name); n != "" {
				if j := strings.Index(nq, n); j >= 0 && j < at {
					best, at = i, j
				}
			}
		}
	}
	return best
}

// decide works out the first screen of a simulation's report in English.
func decide(sim *results.Simulation, kpis []results.KPI) decision {
	return decideIn(English, sim, kpis)
}

// decideIn works out the first screen of a simulation's report in l: the
// same lead KPI, focus KPIs and verdicts in every language; the answer and
// the cards' words in l (answer_zh.go for Chinese, whose sim is localized).
func decideIn(l Lang, sim *results.Simulation, kpis []results.KPI) decision {
	var dec decision
	if len(sim.Arms) == 0 {
		dec.Answer = l.T("The results hold no arms, so there is nothing to compare.")
		return dec
	}
	k, ok := leadKPI(sim, kpis)
	if !ok {
		dec.Answer = l.T("The results hold no KPIs, so there is nothing to compare.")
		return dec
	}
	dec.Lead = k
	dec.Focus = focusKPIs(sim, kpis)
	if !slices.ContainsFunc(dec.Focus, func(f results.KPI) bool { return f.ID == k.ID }) {
		dec.Focus = append([]results.KPI{k}, dec.Focus...)
		if len(dec.Focus) > 5 {
			dec.Focus = dec.Focus[:5]
		}
	}
	for _, f := range dec.Focus {
		dec.Cards = append(dec.Cards, newCard(l, sim, f))
	}
	if l == Chinese {
		dec.Answer = zhAnswer(sim, k, dec.Focus, sweepKPIs(sim, kpis, dec.Focus))
		return dec
	}
	switch {
	case len(sim.Arms) == 1:
		e := sim.Arms[0].KPIs[k.ID]
		m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
		dec.Answer = fmt.Sprintf("Only one arm ran (%s): %s is %s (%s %s), so there is nothing to compare it with.",
			sim.Arms[0].Name, lowerFirst(k.Name), m, kindsOf(sim).Level(), ci)
	case len(sim.Sweep) > 0 && len(sim.Arms) > 2:
		dec.Answer = sweepAnswer(sim, sweepKPIs(sim, kpis, dec.Focus))
	case len(sim.Arms) == 2:
		dec.Answer = pairAnswer(sim, k, dec.Focus)
	default:
		dec.Answer = armsAnswer(sim, k, dec.Focus)
	}
	return dec
}

// answer returns the answer of decide.
func answer(sim *results.Simulation, kpis []results.KPI) string { return decide(sim, kpis).Answer }

// pairAnswer answers for two arms: which is better on the lead KPI k, by
// how much and how sure, and in a second sentence what the other focus
// KPIs trade against it.
func pairAnswer(sim *results.Simulation, k results.KPI, focus []results.KPI) string {
	l, ok := pairLead(sim, k, 1)
	if !ok {
		return fmt.Sprintf("%s has %s against %s for %s on %s, but the results hold no paired difference to compare them by.",
			sim.Arms[1].Name, levelText(sim, 1, k), levelText(sim, 0, k), sim.Arms[0].Name, lowerFirst(k.Name))
	}
	var s string
	if l.Tie {
		m, ci := estimateText(l.Diff.Mean, l.Diff.Low, l.Diff.High, k.Unit, true)
		why := "its 95% CI includes zero"
		if l.Diff.Low > 0 || l.Diff.High < 0 {
			why = fmt.Sprintf("it is not significant %s (p = %s before it)", adjustedOver(l.Diff), formatNumber(l.Diff.P))
		}
		s = fmt.Sprintf("%s and %s tie on %s: %s against %s, a difference of %s (95%% CI %s), but %s.",
			sim.Arms[0].Name, sim.Arms[1].Name, lowerFirst(k.Name), levelText(sim, 0, k), levelText(sim, 1, k), m, ci, why)
		if subj := yesNoSubject(sim); subj >= 0 {
			s = "Not clearly: " + s
		}
	} else {
		s = fmt.Sprintf("%s does better on %s: %s against %s for %s (%s)",
			sim.Arms[l.Win].Name, lowerFirst(k.Name), levelText(sim, l.Win, k), levelText(sim, l.Lose, k), sim.Arms[l.Lose].Name, gapText(k, l, sim))
		switch sure := sureness(sim, l.Diff); {
		case strings.HasPrefix(sure, "not robust: "):
			s += ", but not robustly: " + strings.TrimPrefix(sure, "not robust: ")
		case sure != "":
			s += "; " + sure
		}
		s += "."
		if subj := yesNoSubject(sim); subj >= 0 {
			yes := subj == l.Win
			robust := l.Diff.Members == 0 || l.Diff.Robust()
			switch {
			case yes && robust:
				s = "Yes: " + s
			case yes:
				s = "Probably: " + s
			case robust:
				s = "No: " + s
			default:
				s = "Probably not: " + s
			}
		}
	}
	if t := tradeoffSentence(sim, k, focus, l); t != "" {
		s += " " + t
	}
	return s
}

// tradeoffSentence says, for two arms, on which other focus KPIs with a
// direction the lead's loser is significantly better (the trade-off), or,
// after a tie, on which the arms differ; "" when there are none.
func tradeoffSentence(sim *results.Simulation, k results.KPI, focus []results.KPI, l lead) string {
	against, also := pairTradeoffs(sim, k, focus, l, func(f results.KPI, fl lead) string {
		return fmt.Sprintf("%s is better on %s, %s", sim.Arms[fl.Win].Name, lowerFirst(f.Name), leadText(f, fl))
	})
	switch {
	case l.Tie && len(against) > 0:
		return "They differ elsewhere: " + joinAnd(against) + "."
	case l.Tie:
		return ""
	case len(against) > 0:
		return "The trade-off: " + joinAnd(against) + "."
	case len(also) > 0:
		return "No trade-off among the KPIs shown: " + joinAnd(also) + "."
	}
	return ""
}

// pairTradeoffs returns, for two arms whose lead on k is l, the focus KPIs
// (other than k, with a direction) on which one arm is significantly
// better, each written by part: against holds those the lead's loser wins
// (or all of them after a tie), also those the lead's winner wins too.
func pairTradeoffs(sim *results.Simulation, k results.KPI, focus []results.KPI, l lead, part func(results.KPI, lead) string) (against, also []string) {
	for _, f := range focus {
		if f.ID == k.ID || f.Better == "" {
			continue
		}
		fl, ok := pairLead(sim, f, 1)
		if !ok || fl.Tie {
			continue
		}
		if !l.Tie && fl.Win == l.Win {
			also = append(also, part(f, fl))
		} else {
			against = append(against, part(f, fl))
		}
	}
	return against, also
}

// closeTo returns the arms other than b that the results cannot tell apart
// from arm b on k: for the baseline, arms whose difference from it is not
// significant; for another arm, the baseline when b's difference is not
// significant, and arms whose differences' 95% intervals overlap b's (an
// approximation: only differences from the baseline are recorded).
func closeTo(sim *results.Simulation, k results.KPI, b int) []int {
	var out []int
	db, okb := sim.Arms[b].Diffs[k.ID]
	for i := range sim.Arms {
		if i == b {
			continue
		}
		di, oki := sim.Arms[i].Diffs[k.ID]
		switch {
		case b == 0:
			if oki && !di.Significant {
				out = append(out, i)
			}
		case i == 0:
			if okb && !db.Significant {
				out = append(out, i)
			}
		case okb && oki && di.Low <= db.High && db.Low <= di.High:
			out = append(out, i)
		}
	}
	return out
}

// labels names arms for a sentence.
func labels(sim *results.Simulation, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = armLabel(sim, i)
	}
	return out
}

// armsAnswer answers for three or more arms that are not a sweep: the best
// arm on the lead KPI k against the baseline, the arms too close to call,
// and the trade-off on the other focus KPIs.
func armsAnswer(sim *results.Simulation, k results.KPI, focus []results.KPI) string {
	b := bestArm(sim, k, 0)
	if b < 0 {
		return fmt.Sprintf("No arm has a value for %s.", lowerFirst(k.Name))
	}
	base := sim.Arms[0].Name
	var s string
	if b == 0 {
		r := rival(sim, k, 0)
		l, ok := pairLead(sim, k, r)
		if !ok {
			return fmt.Sprintf("The baseline %s is the only arm with a paired difference on %s.", base, lowerFirst(k.Name))
		}
		if l.Tie {
			s = fmt.Sprintf("No arm beats the baseline %s on %s (%s): the best of the others, %s, ties with it at %s",
				base, lowerFirst(k.Name), levelText(sim, 0, k), sim.Arms[r].Name, levelText(sim, r, k))
		} else {
			s = fmt.Sprintf("The baseline %s is best on %s at %s: the best of the others, %s, has %s (%s)",
				base, lowerFirst(k.Name), levelText(sim, 0, k), sim.Arms[r].Name, levelText(sim, r, k), gapText(k, l, sim))
		}
	} else {
		l, ok := pairLead(sim, k, b)
		switch {
		case !ok:
			s = fmt.Sprintf("%s is highest on %s at %s (no paired difference was recorded)", sim.Arms[b].Name, lowerFirst(k.Name), levelText(sim, b, k))
		case l.Tie:
			s = fmt.Sprintf("No arm beats the baseline %s on %s clearly: the best, %s, has %s against %s, a difference whose 95%% CI includes zero",
				base, lowerFirst(k.Name), sim.Arms[b].Name, levelText(sim, b, k), levelText(sim, 0, k))
		default:
			s = fmt.Sprintf("%s is best on %s at %s against %s for the baseline %s (%s)",
				sim.Arms[b].Name, lowerFirst(k.Name), levelText(sim, b, k), levelText(sim, 0, k), base, gapText(k, l, sim))
			if sure := sureness(sim, l.Diff); sure != "" {
				s += ", " + sure
			}
		}
	}
	if c := closeTo(sim, k, b); len(c) > 0 && !(b == 0 && len(c) == len(sim.Arms)-1) {
		s += "; " + joinAnd(labels(sim, c)) + " cannot be told apart from " + armLabel(sim, b) + " here"
	}
	s += "."
	var other []string
	for _, t := range armsTradeoffs(sim, k, focus, b) {
		other = append(other, fmt.Sprintf("%s is best on %s (%s)", sim.Arms[t.Arm].Name, lowerFirst(t.K.Name), levelText(sim, t.Arm, t.K)))
	}
	if len(other) > 0 {
		s += " The trade-off: " + joinAnd(other) + "."
	}
	return s
}

// armBest is an arm that is best on a KPI.
type armBest struct {
	K   results.KPI
	Arm int
}

// armsTradeoffs returns, for three or more arms whose best on the lead KPI
// k is arm b, the other focus KPIs with a direction on which another arm
// than the baseline is best, significantly so.
func armsTradeoffs(sim *results.Simulation, k results.KPI, focus []results.KPI, b int) []armBest {
	var out []armBest
	for _, f := range focus {
		if f.ID == k.ID || f.Better == "" {
			continue
		}
		fb := bestArm(sim, f, 0)
		if fb < 0 || fb == b {
			continue
		}
		if l, ok := pairLead(sim, f, max(fb, b)); ok && !l.Tie && fb > 0 {
			out = append(out, armBest{K: f, Arm: fb})
		}
	}
	return out
}

// sweepField names a sweep's field for sentences: "validity" for
// coupon.validity, "setting" for several fields.
func sweepField(sim *results.Simulation) string {
	if len(sim.Sweep) != 1 {
		return "setting"
	}
	f := sim.Sweep[0]
	if i := strings.LastIndexAny(f, ".]"); i >= 0 {
		f = f[i+1:]
	}
	return strings.ReplaceAll(f, "_", " ")
}

// sweepKPIs are the KPIs a sweep's answer weighs: those its question
// names, when it names any ("balances redemption, new customers and fund
// float"), else focus.
func sweepKPIs(sim *results.Simulation, kpis, focus []results.KPI) []results.KPI {
	if named := questionKPIs(sim, kpis, sim.Scenario.Question); len(named) > 0 {
		return named
	}
	return focus
}

// sweepItem is what a sweep's answer says about one focus KPI: for a KPI
// with a direction its best level and the levels too close to call, else
// its lowest and highest levels.
type sweepItem struct {
	K        results.KPI
	Directed bool
	Lo, Hi   int   // Lo and Hi are the lowest and highest levels, for a KPI without a direction.
	Best     int   // Best is the best level, -1 when none has the KPI.
	Close    []int // Close are the levels that cannot be told apart from Best.
}

// sweepFacts is what a sweep's answer says, in any language: each focus
// KPI's item; the levels no other beats on every directed KPI at once (when
// there are two or more such KPIs); and how many best levels differ
// significantly from the baseline, how many of those were tested across
// the ensemble and how many of those are robust.
type sweepFacts struct {
	Items                []sweepItem
	Directed             []results.KPI
	Front, Beaten        []int
	Robust, Members, Sig int
}

// sweepFactsOf works out sweepFacts for focus.
func sweepFactsOf(sim *results.Simulation, focus []results.KPI) sweepFacts {
	var f sweepFacts
	for _, k := range focus {
		if k.Better == "" {
			lo, hi := -1, -1
			for i, a := range sim.Arms {
				if e, ok := a.KPIs[k.ID]; ok {
					if lo < 0 || e.Mean < sim.Arms[lo].KPIs[k.ID].Mean {
						lo = i
					}
					if hi < 0 || e.Mean > sim.Arms[hi].KPIs[k.ID].Mean {
						hi = i
					}
				}
			}
			if lo >= 0 {
				f.Items = append(f.Items, sweepItem{K: k, Lo: lo, Hi: hi, Best: -1})
			}
			continue
		}
		f.Directed = append(f.Directed, k)
		b := bestArm(sim, k, 0)
		if b < 0 {
			continue
		}
		f.Items = append(f.Items, sweepItem{K: k, Directed: true, Best: b, Close: closeTo(sim, k, b)})
		if l, ok := pairLead(sim, k, rival(sim, k, b)); ok && !l.Tie {
			f.Sig++
			if l.Diff.Members > 0 {
				f.Members++
				if l.Diff.Robust() {
					f.Robust++
				}
			}
		}
	}
	if len(f.Directed) >= 2 {
		f.Front = paretoFront(sim, f.Directed)
		for i := range sim.Arms {
			if !slices.Contains(f.Front, i) {
				f.Beaten = append(f.Beaten, i)
			}
		}
	}
	return f
}

// sweepAnswer answers for a sweep: where each focus KPI is best (or, with
// no direction, its range), naming levels too close to call; then which
// levels no other beats on every focus KPI with a direction at once, and
// how sure the differences are.
func sweepAnswer(sim *results.Simulation, focus []results.KPI) string {
	return sweepAnswerIn(English, sim, focus)
}

// sweepAnswerIn is sweepAnswer in lg, every phrase through the catalogue;
// for Chinese sim is localized.
func sweepAnswerIn(lg Lang, sim *results.Simulation, focus []results.KPI) string {
	field := lg.T(sweepField(sim))
	name := func(k results.KPI) string {
		if lg == English {
			return lowerFirst(k.Name)
		}
		return k.Name
	}
	f := sweepFactsOf(sim, focus)
	var parts []string
	for _, it := range f.Items {
		k := it.K
		if !it.Directed {
			parts = append(parts, lg.T("%s runs from %s at %s to %s at %s",
				name(k), levelText(sim, it.Lo, k), armLabel(sim, it.Lo), levelText(sim, it.Hi, k), armLabel(sim, it.Hi)))
			continue
		}
		word := lg.T("highest")
		if k.Better == "lower" {
			word = lg.T("lowest")
		}
		part := lg.T("%s is %s at %s (%s)", name(k), word, armLabel(sim, it.Best), levelText(sim, it.Best, k))
		if c := it.Close; len(c) > 3 {
			part += lg.T(", with %d other %ss too close to call", len(c), field)
		} else if len(c) > 0 {
			part += lg.T(", with %s too close to call", lg.join(labels(sim, c)))
		}
		parts = append(parts, part)
	}
	s := lg.T("Across %s %s to %s: %s.", field, armLabel(sim, 0), armLabel(sim, len(sim.Arms)-1), strings.Join(parts, lg.T("; ")))
	if len(f.Directed) < 2 {
		return s
	}
	names := make([]string, len(f.Directed))
	for i, k := range f.Directed {
		names[i] = name(k)
	}
	switch {
	case len(f.Front) == 1:
		s += lg.T(" %s is best on %s at once", armLabel(sim, f.Front[0]), lg.join(names))
	case len(f.Front) == len(sim.Arms):
		s += lg.T(" No %s is best on %s at once: each trades one for another", field, lg.join(names))
	default:
		s += lg.T(" No %s is best on %s at once: %s trade one for another, while for %s another %s is no worse on any and clearly better on one",
			field, lg.join(names), lg.join(labels(sim, f.Front)), lg.join(labels(sim, f.Beaten)), field)
	}
	switch {
	case f.Members > 0 && f.Robust == f.Members:
		s += lg.T("; the best levels' differences from %s are robust across the model's calibrated parameter sets", armLabel(sim, 0))
	case f.Members > 0:
		s += lg.T("; only %d of the %d best levels' differences from %s are robust across the model's calibrated parameter sets", f.Robust, f.Members, armLabel(sim, 0))
	case f.Sig > 0 && !sim.PredictionIntervals():
		s += lg.T("; their robustness to the model's uncertainty is untested: the run used its central parameters only")
	}
	return s + lg.T(".")
}

// paretoFront returns the arms that no other arm matches or beats on every
// KPI of ks, by their means, while beating it on at least one by more than
// the results' noise (closeTo: ties are not wins), in arm order.
func paretoFront(sim *results.Simulation, ks []results.KPI) []int {
	var front []int
	for i := range sim.Arms {
		dominated := false
		for j := range sim.Arms {
			if i == j {
				continue
			}
			all, one := true, false
			for _, k := range ks {
				ei, oki := sim.Arms[i].KPIs[k.ID]
				ej, okj := sim.Arms[j].KPIs[k.ID]
				if !oki || !okj {
					all = false
					break
				}
				if better(k, ei.Mean, ej.Mean) {
					all = false
					break
				}
				if better(k, ej.Mean, ei.Mean) && !slices.Contains(closeTo(sim, k, j), i) {
					one = true
				}
			}
			if all && one {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, i)
		}
	}
	return front
}

// newCard describes k on the first screen: for two arms, the winner's
// lead with its 95% CI and both levels; for more, the best arm and its
// lead over the baseline (or the baseline's over the best other arm), or
// for a KPI without a direction its range.
func newCard(lg Lang, sim *results.Simulation, k results.KPI) card {
	c := card{KPI: k.Name}
	note := func(l lead) string {
		if l.Tie {
			return lg.T("not significant: a tie")
		}
		switch {
		case l.Diff.Members > 0 && l.Diff.Robust():
			return lg.T("significant · robust (%d/%d sets)", l.Diff.Agree, l.Diff.Members)
		case l.Diff.Members > 0:
			return lg.T("significant · not robust (%d/%d sets)", l.Diff.Agree, l.Diff.Members)
		}
		return lg.T("significant")
	}
	rng := func(ci string) string {
		if lg == Chinese {
			return zhRange(ci)
		}
		return ci
	}
	if len(sim.Arms) == 1 {
		e := sim.Arms[0].KPIs[k.ID]
		m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
		c.Main, c.CI = m, lg.T(kindsOf(sim).Level())+" "+rng(ci)
		return c
	}
	levels := func(idx ...int) string {
		parts := make([]string, len(idx))
		for j, i := range idx {
			parts[j] = armLabel(sim, i) + " " + levelText(sim, i, k)
		}
		return strings.Join(parts, " · ")
	}
	if len(sim.Arms) == 2 {
		c.Lines = []string{levels(0, 1)}
		l, ok := pairLead(sim, k, 1)
		if !ok {
			c.Main = lg.T("no difference recorded")
			return c
		}
		if k.Better == "" {
			m, ci := estimateText(l.Diff.Mean, l.Diff.Low, l.Diff.High, k.Unit, true)
			c.Main, c.CI = sim.Arms[1].Name+" "+m, lg.T("95% CI")+" "+rng(ci)
		} else {
			m, ci := estimateText(l.Gap.Mean, l.Gap.Low, l.Gap.High, k.Unit, true)
			c.Main, c.CI = lg.T("better: ")+sim.Arms[l.Win].Name+" "+m, lg.T("95% CI")+" "+rng(ci)
			c.Color = cssColor(l.Win)
		}
		c.Note, c.Tie = note(l), l.Tie
		if l.Tie {
			c.Main, c.Color = lg.T("tie"), ""
		}
		return c
	}
	if k.Better == "" {
		lo, hi := 0, 0
		for i := range sim.Arms {
			if sim.Arms[i].KPIs[k.ID].Mean < sim.Arms[lo].KPIs[k.ID].Mean {
				lo = i
			}
			if sim.Arms[i].KPIs[k.ID].Mean > sim.Arms[hi].KPIs[k.ID].Mean {
				hi = i
			}
		}
		c.Main = levelText(sim, lo, k) + lg.T(" to ") + levelText(sim, hi, k)
		c.CI = lg.T("lowest at %s, highest at %s", armLabel(sim, lo), armLabel(sim, hi))
		return c
	}
	b := bestArm(sim, k, 0)
	if b < 0 {
		c.Main = lg.T("n/a")
		return c
	}
	e := sim.Arms[b].KPIs[k.ID]
	m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
	c.Main, c.CI, c.Color = lg.T("best: ")+armLabel(sim, b)+" "+m, lg.T(kindsOf(sim).Level())+" "+rng(ci), cssColor(b)
	if l, ok := pairLead(sim, k, rival(sim, k, b)); ok {
		gm, gci := estimateText(l.Gap.Mean, l.Gap.Low, l.Gap.High, k.Unit, true)
		c.Lines = []string{lg.T("%s against %s %s (%s)", armLabel(sim, l.Win), armLabel(sim, l.Lose), gm, rng(gci))}
		c.Note, c.Tie = note(l), l.Tie
	}
	if n := len(closeTo(sim, k, b)); n > 0 {
		c.Lines = append(c.Lines, lg.T("%d other arm(s) too close to call", n))
	}
	return c
}
