package reports

import (
	"fmt"
	"strings"
	"unicode"

	"giftsim/results"
)

// answerIn returns the report's answer to sim's question in l: the English
// answer of decide, or zhAnswer. sim is not yet localized.
func answerIn(l Lang, sim *results.Simulation) string {
	ls := localized(sim, l)
	return decideIn(l, ls, kpiList(ls)).Answer
}

// zhAnswer answers sim's question in Chinese on the same lead KPI and with
// the same verdicts as decide: for two arms which does better, both levels,
// the difference with its 95% CI and how robust it is, a 是/否 for a
// yes-or-no question, then the trade-off; for more arms the best arm on the
// lead KPI against the baseline, the arms too close to call and the
// trade-off; for a sweep of three or more levels, as sweepAnswer, where
// each of swept (sweepKPIs) is best and which levels are dominated. sim's
// KPI names and units are already Chinese (localized).
func zhAnswer(sim *results.Simulation, k results.KPI, focus, swept []results.KPI) string {
	return panguSpacing(zhAnswerText(sim, k, focus, swept))
}

// zhAnswerText is zhAnswer before spacing.
func zhAnswerText(sim *results.Simulation, k results.KPI, focus, swept []results.KPI) string {
	if len(sim.Arms) == 1 {
		e := sim.Arms[0].KPIs[k.ID]
		m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
		return fmt.Sprintf("只运行了一个方案（%s）：%s为 %s（%s %s），没有可与之比较的方案。",
			sim.Arms[0].Name, k.Name, m, Chinese.T(kindsOf(sim).Level()), zhRange(ci))
	}
	if len(sim.Arms) == 2 {
		return zhPairAnswer(sim, k, focus)
	}
	if len(sim.Sweep) > 0 {
		return sweepAnswerIn(Chinese, sim, swept)
	}
	return zhArmsAnswer(sim, k, focus)
}

// zhRange rewrites estimateText's "lo to hi" as "lo 至 hi".
func zhRange(ci string) string { return strings.Replace(ci, " to ", " 至 ", 1) }

// zhSureness is sureness in Chinese.
func zhSureness(sim *results.Simulation, d results.Diff) (text string, robust bool) {
	switch {
	case d.Members > 0 && d.Robust():
		return fmt.Sprintf("结论稳健：模型全部 %d 组校准参数方向一致", d.Members), true
	case d.Members > 0:
		return fmt.Sprintf("但不稳健：模型 %d 组校准参数中仅 %d 组方向一致", d.Members, d.Agree), false
	case sim.EnsembleSets == 0 && !sim.PredictionIntervals():
		return "未检验对模型不确定性的稳健性：本次仅用中心参数运行", true
	}
	return "", true
}

// zhGap words a lead on k: "高 8.3 个百分点，95% 置信区间 5.1 至 11 个百分点".
func zhGap(k results.KPI, l lead, sim *results.Simulation) string {
	g := l.Gap
	word := "高"
	if sim.Arms[l.Win].KPIs[k.ID].Mean < sim.Arms[l.Lose].KPIs[k.ID].Mean {
		word = "低"
		g = results.Estimate{Mean: -g.Mean, Low: -g.High, High: -g.Low}
	}
	m, ci := zhPP(k, g)
	return fmt.Sprintf("%s %s，95%% 置信区间 %s", word, m, ci)
}

// zhPP formats an estimate of a gap in k's unit, percentages in
// percentage points (个百分点).
func zhPP(k results.KPI, g results.Estimate) (m, ci string) {
	m, ci = estimateText(g.Mean, g.Low, g.High, k.Unit, false)
	if k.Unit == "%" {
		m, ci = strings.TrimSuffix(m, "%")+" 个百分点", strings.TrimSuffix(ci, "%")+" 个百分点"
	}
	return m, zhRange(ci)
}

// zhYesNo reports whether q is a Chinese yes-or-no question: one with 吗,
// 是否, 能否 or 会不会.
func zhYesNo(q string) bool {
	return strings.Contains(q, "吗") || strings.Contains(q, "是否") || strings.Contains(q, "能否") || strings.Contains(q, "会不会")
}

// zhYesNoSubject is yesNoSubject for a Chinese yes-or-no question: the arm
// it names first (the longest name when two start at the same place).
func zhYesNoSubject(sim *results.Simulation) int {
	q := sim.Scenario.Question
	best, at := -1, len(q)+1
	for i := range sim.Arms {
		if n := sim.Arms[i].Name; n != "" {
			if j := strings.Index(q, n); j >= 0 && (j < at || (j == at && len(n) > len(sim.Arms[best].Name))) {
				best, at = i, j
			}
		}
	}
	return best
}

// zhPairAnswer is pairAnswer in Chinese.
func zhPairAnswer(sim *results.Simulation, k results.KPI, focus []results.KPI) string {
	a, b := sim.Arms[0].Name, sim.Arms[1].Name
	l, ok := pairLead(sim, k, 1)
	if !ok {
		return fmt.Sprintf("%s的%s为 %s，%s为 %s，但结果中没有可供比较的配对差异。",
			b, k.Name, levelText(sim, 1, k), a, levelText(sim, 0, k))
	}
	var s string
	if l.Tie {
		m, ci := estimateText(l.Diff.Mean, l.Diff.Low, l.Diff.High, k.Unit, true)
		why := "其 95% 置信区间包含零"
		if l.Diff.Low > 0 || l.Diff.High < 0 {
			why = fmt.Sprintf("经多重比较校正后不显著（校正前 p = %s）", formatNumber(l.Diff.P))
		}
		s = fmt.Sprintf("%s与%s在%s上打平：%s 对 %s，差异 %s（95%% 置信区间 %s），但%s。",
			a, b, k.Name, levelText(sim, 0, k), levelText(sim, 1, k), m, zhRange(ci), why)
		if yesNoSubject(sim) >= 0 {
			s = "不明确：" + s
		}
	} else {
		s = fmt.Sprintf("%s的%s更好：%s，而%s为 %s（%s）",
			sim.Arms[l.Win].Name, k.Name, levelText(sim, l.Win, k), sim.Arms[l.Lose].Name, levelText(sim, l.Lose, k), zhGap(k, l, sim))
		sure, robust := zhSureness(sim, l.Diff)
		if sure != "" {
			if robust {
				s += "；"
			} else {
				s += "，"
			}
			s += sure
		}
		s += "。"
		if subj := yesNoSubject(sim); subj >= 0 {
			yes := subj == l.Win
			switch {
			case yes && robust:
				s = "是：" + s
			case yes:
				s = "可能是：" + s
			case robust:
				s = "否：" + s
			default:
				s = "可能不是：" + s
			}
		}
	}
	against, also := pairTradeoffs(sim, k, focus, l, func(f results.KPI, fl lead) string {
		m, ci := zhPP(f, fl.Gap)
		return fmt.Sprintf("%s的%s更好，领先 %s（95%% 置信区间 %s）", sim.Arms[fl.Win].Name, f.Name, m, ci)
	})
	switch {
	case l.Tie && len(against) > 0:
		s += "其他方面有差异：" + strings.Join(against, "；") + "。"
	case l.Tie:
	case len(against) > 0:
		s += "权衡：" + strings.Join(against, "；") + "。"
	case len(also) > 0:
		s += "所示指标之间没有权衡：" + strings.Join(also, "；") + "。"
	}
	return s
}

// zhArmsAnswer is armsAnswer in Chinese: the best arm on k against the
// baseline, how sure, the arms that cannot be told apart from it, and the
// trade-off on the other focus KPIs.
func zhArmsAnswer(sim *results.Simulation, k results.KPI, focus []results.KPI) string {
	b := bestArm(sim, k, 0)
	if b < 0 {
		return fmt.Sprintf("没有方案有%s的数值。", k.Name)
	}
	base := armLabel(sim, 0)
	var s string
	if b == 0 {
		r := rival(sim, k, 0)
		l, ok := pairLead(sim, k, r)
		switch {
		case !ok:
			return fmt.Sprintf("在%s上只有基准%s有配对差异。", k.Name, base)
		case l.Tie:
			s = fmt.Sprintf("在%s上没有方案胜过基准%s（%s）：其余方案中最好的%s为 %s，与之打平",
				k.Name, base, levelText(sim, 0, k), armLabel(sim, r), levelText(sim, r, k))
		default:
			s = fmt.Sprintf("基准%s的%s最好，为 %s：其余方案中最好的%s为 %s（%s）",
				base, k.Name, levelText(sim, 0, k), armLabel(sim, r), levelText(sim, r, k), zhGap(k, l, sim))
		}
	} else {
		l, ok := pairLead(sim, k, b)
		switch {
		case !ok:
			s = fmt.Sprintf("%s的%s最高，为 %s（没有记录配对差异）", armLabel(sim, b), k.Name, levelText(sim, b, k))
		case l.Tie:
			s = fmt.Sprintf("在%s上没有方案明显胜过基准%s：最好的%s为 %s，基准为 %s，差异的 95%% 置信区间包含零",
				k.Name, base, armLabel(sim, b), levelText(sim, b, k), levelText(sim, 0, k))
		default:
			s = fmt.Sprintf("%s的%s最好，为 %s，基准%s为 %s（%s）",
				armLabel(sim, b), k.Name, levelText(sim, b, k), base, levelText(sim, 0, k), zhGap(k, l, sim))
			if sure, _ := zhSureness(sim, l.Diff); sure != "" {
				s += "，" + strings.TrimPrefix(sure, "但")
			}
		}
	}
	if c := closeTo(sim, k, b); len(c) > 0 && !(b == 0 && len(c) == len(sim.Arms)-1) {
		s += "；" + strings.Join(labels(sim, c), "、") + "与" + armLabel(sim, b) + "难以区分"
	}
	s += "。"
	var other []string
	for _, t := range armsTradeoffs(sim, k, focus, b) {
		other = append(other, fmt.Sprintf("%s的%s最好（%s）", sim.Arms[t.Arm].Name, t.K.Name, levelText(sim, t.Arm, t.K)))
	}
	if len(other) > 0 {
		s += "权衡：" + strings.Join(other, "；") + "。"
	}
	return s
}

// panguSpacing puts a space between Chinese characters and Latin letters,
// digits or brackets next to them, where Chinese typesetting leaves a gap
// ("核销使用率 (K2) 更好"), and none where one is already.
func panguSpacing(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			p := rs[i-1]
			if (isHan(p) && isLatinEdge(r, true)) || (isLatinEdge(p, false) && isHan(r)) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isHan reports whether r is a Chinese character (not punctuation).
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isLatinEdge reports whether r, after (start) or before a Chinese
// character, takes a space: a letter, a digit or, opening after or closing
// before, a bracket.
func isLatinEdge(r rune, start bool) bool {
	switch {
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return true
	case start:
		return r == '(' || r == '['
	}
	return r == ')' || r == ']' || r == '%'
}
