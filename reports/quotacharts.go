package reports

// This file holds the quota-utilisation charts of a simulation report and
// the sentences that say where the daily quota (R11) binds and when the
// budget runs out.

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"giftsim/results"
)

// quotaBinds is the mean number of sends refused on a day by its quota
// from which the quota counts as binding that day.
const quotaBinds = 1

// quotaFigures charts, for each arm that issued, its sends per day: the
// sends issued and those refused by the day's quota and by the budget as
// stacked bars, the sends that reached the issue check as a line and the
// day's quota as a step; a note under it says where the quota binds.
func quotaFigures(mc *canvas, sim *results.Simulation) []*figure {
	var figs []*figure
	for i, a := range sim.Arms {
		if !issuedAny(a.Quota) {
			continue
		}
		figs = append(figs, quotaDaysFigure(mc, a, i))
	}
	return figs
}

// issuedAny reports whether any send reached the issue check.
func issuedAny(days []results.QuotaDay) bool {
	for _, d := range days {
		if d.Attempted.Mean > 0 {
			return true
		}
	}
	return false
}

// quotaDaysFigure is arm a's quota-utilisation chart; i is its index.
func quotaDaysFigure(mc *canvas, a results.Arm, i int) *figure {
	l := mc.lang
	title := l.T("Sends per day against the daily quota: %s", a.Name)
	pal := okabeIto()
	issued, byQuota, byBudget := look{Color: pal[2]}, look{Color: pal[1]}, look{Color: pal[3]}
	attempted := look{Color: rgb(hexText)}
	quotaLook := look{Color: rgb(hexNeutral), Dash: []float64{6, 3}}
	legend := []legendItem{
		{Label: l.T("issued"), Look: issued, Kind: legendBox},
		{Label: l.T("refused: quota used (R11)"), Look: byQuota, Kind: legendBox},
		{Label: l.T("refused: budget spent"), Look: byBudget, Kind: legendBox},
		{Label: l.T("sends attempted"), Look: attempted, Kind: legendLine},
		{Label: l.T("the day's quota"), Look: quotaLook, Kind: legendLine},
	}
	rows, lh := legendBlock(mc, legend, wideW)
	note := wrapText(mc, quotaSentence(l, a), sizeSmall, wideW-2*margin)
	noteH := float64(len(note))*legendLineH + margin/2
	h := 360 + lh + int(math.Ceil(noteH))
	days := a.Quota
	return &figure{
		Name: fmt.Sprintf("quota-%02d-%s", i+1, slug(a.Name)), Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			for j, line := range note {
				c.text(line, margin, float64(h)-noteH+legendLineH*(float64(j)+0.5)-margin/2, sizeSmall, rgb(hexText), alignLeft)
			}
			p := plot{Title: title, W: wideW, H: h - int(math.Ceil(noteH)),
				X:      axis{Label: l.T("day of the campaign"), Ticks: quotaTicks(l, days), Thin: dayThin()},
				Y:      axis{Label: l.T("sends per day (mean)"), Zero: true, Nice: true, Limits: limits(results.NonNegative)},
				Legend: legend, Rows: rows}
			p.X.include(-0.5, float64(len(days))-0.5)
			for _, d := range days {
				p.Y.include(d.Attempted.Mean, d.Issued.Mean+d.QuotaRefused.Mean+d.BudgetRefused.Mean, float64(d.Quota))
			}
			p.layout(c)
			p.drawFrame(c)
			w := (p.X.pos(1) - p.X.pos(0)) * 0.35
			for j, d := range days {
				x := float64(j)
				y0 := 0.0
				for _, part := range []struct {
					v float64
					l look
				}{{d.Issued.Mean, issued}, {d.QuotaRefused.Mean, byQuota}, {d.BudgetRefused.Mean, byBudget}} {
					if part.v > 0 {
						c.bar(p.X.pos(x)-w, p.Y.pos(y0+part.v), p.X.pos(x)+w, p.Y.pos(y0), part.l)
					}
					y0 += part.v
				}
			}
			var step []pt
			xs, ys := make([]float64, len(days)), make([]float64, len(days))
			for j, d := range days {
				q := p.Y.pos(float64(d.Quota))
				step = append(step, pt{p.X.pos(float64(j) - 0.5), q}, pt{p.X.pos(float64(j) + 0.5), q})
				xs[j], ys[j] = float64(j), d.Attempted.Mean
			}
			c.polyline(step, quotaLook.Color, 1.5, quotaLook.Dash)
			p.line(c, xs, ys, attempted, 1.5)
			p.drawAxes(c)
		},
	}
}

// wrapText breaks s into lines at most w pixels wide at size, at spaces.
func wrapText(mc *canvas, s string, size, w float64) []string {
	var lines []string
	line := ""
	for _, tok := range wrapTokens(s) {
		word := tok.text
		sep := ""
		if tok.space && line != "" {
			sep = " "
		}
		if line != "" && mc.textWidth(line+sep+word, size) > w {
			lines = append(lines, line)
			line, sep = "", ""
		}
		line += sep + word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// quotaTicks labels the days with their dates, as the daily series do.
func quotaTicks(l Lang, days []results.QuotaDay) []tick {
	ds := make([]results.Day, len(days))
	for i, d := range days {
		ds[i] = results.Day{Day: d.Day, Date: d.Date}
	}
	return dayTicks(l, ds)
}

// quotaSentence says where arm a's daily quota binds, with the sends it
// refused, and where it does not; and when the budget ran out. Days are
// counted from 0 as in the scenario (first_day, certified_from_day), with
// their dates. It is "" for results without quota days. It is in lg.
func quotaSentence(lg Lang, a results.Arm) string {
	days := a.Quota
	if len(days) == 0 {
		return ""
	}
	type run struct {
		from, to, quota int
		binds           bool
		refused         float64
	}
	var runs []run
	for j, d := range days {
		binds := d.QuotaRefused.Mean >= quotaBinds
		if n := len(runs); n > 0 && runs[n-1].binds == binds && (!binds || runs[n-1].quota == d.Quota) {
			runs[n-1].to = j
			runs[n-1].refused += d.QuotaRefused.Mean
			continue
		}
		runs = append(runs, run{from: j, to: j, quota: d.Quota, binds: binds, refused: d.QuotaRefused.Mean})
	}
	var parts []string
	last := -1
	for k, r := range runs {
		if !r.binds {
			continue
		}
		parts = append(parts, lg.T("the %s-a-day quota binds on %s: %s sends refused",
			results.FormatCount(int64(r.quota)), dayRange(lg, days, r.from, r.to), roundCount(r.refused)))
		last = k
	}
	switch {
	case last < 0:
		peak, at := 0.0, 0
		for j, d := range days {
			if share := d.Issued.Mean / math.Max(float64(d.Quota), 1); share > peak {
				peak, at = share, j
			}
		}
		parts = append(parts, lg.T("the daily quota does not bind (at most %.0f%% of it used, on %s)", 100*peak, dayRange(lg, days, at, at)))
	case last < len(runs)-1:
		from := runs[last+1].from
		sends := false
		for _, d := range days[from:] {
			sends = sends || d.Attempted.Mean >= quotaBinds
		}
		if sends {
			parts = append(parts, lg.T("from %s it does not bind", dayRange(lg, days, from, from)))
		} else {
			parts = append(parts, lg.T("from %s no sends are made", dayRange(lg, days, from, from)))
		}
	}
	s := a.Name + lg.T(": ") + strings.Join(parts, lg.T("; ")) + lg.T(".")
	var budget float64
	first := -1
	for j, d := range days {
		budget += d.BudgetRefused.Mean
		if first < 0 && d.BudgetRefused.Mean >= quotaBinds {
			first = j
		}
	}
	if first >= 0 {
		s += lg.T(" The budget is spent on %s: %s sends refused from then on.", dayRange(lg, days, first, first), roundCount(budget))
	}
	return s
}

// dayRange names days from to to of days: "day 3 (Mar 5)" or "days 0–14
// (Mar 2–Mar 16)"; in Chinese "第 3 天（3月5日）".
func dayRange(lg Lang, days []results.QuotaDay, from, to int) string {
	date := func(j int) string {
		if t, err := time.Parse(time.DateOnly, days[j].Date); err == nil {
			if lg == Chinese {
				return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
			}
			return t.Format("Jan 2")
		}
		return days[j].Date
	}
	if from == to {
		return lg.T("day %d (%s)", days[from].Day, date(from))
	}
	return lg.T("days %d–%d (%s–%s)", days[from].Day, days[to].Day, date(from), date(to))
}

// roundCount writes a mean count rounded, with thousands separators.
func roundCount(v float64) string { return results.FormatCount(int64(math.Round(v))) }

// binding reports whether the daily quota or the budget refused sends on
// some day.
func binding(days []results.QuotaDay) bool {
	for _, d := range days {
		if d.QuotaRefused.Mean >= quotaBinds || d.BudgetRefused.Mean >= quotaBinds {
			return true
		}
	}
	return false
}

// writeQuotaText writes, for the terminal, the quota sentence of each arm
// whose quota or budget bound, in lg.
func writeQuotaText(w io.Writer, lg Lang, sim *results.Simulation) {
	first := true
	for _, a := range sim.Arms {
		if !binding(a.Quota) {
			continue
		}
		s := quotaSentence(lg, a)
		if first {
			fmt.Fprintln(w, lg.T("\nDaily quota (R11) and budget:"))
			first = false
		}
		fmt.Fprintln(w, "  "+s)
	}
}

// wrapToken is a piece of text a line may break before: a word, or one
// wide (Chinese) character with the punctuation that must stay with it.
type wrapToken struct {
	text  string
	space bool // space is set when a space separates it from the piece before.
}

// wrapTokens cuts s into the pieces wrapText breaks between: words at
// spaces, and between wide characters, which Chinese writes without spaces;
// closing punctuation such as ，and 。 stays with the character before it.
func wrapTokens(s string) []wrapToken {
	var out []wrapToken
	for _, word := range strings.Fields(s) {
		space := true
		cur := ""
		for _, r := range word {
			wide := displayWidth(string(r)) == 2
			switch {
			case wide && strings.ContainsRune("，。、；：？！）」』”’%", r):
				cur += string(r)
			case wide:
				if cur != "" {
					out = append(out, wrapToken{cur, space})
					space = false
				}
				cur = string(r)
			default:
				if cur != "" && displayWidth(string([]rune(cur)[len([]rune(cur))-1])) == 2 && !strings.ContainsRune("（「『“‘", []rune(cur)[len([]rune(cur))-1]) {
					out = append(out, wrapToken{cur, space})
					space = false
					cur = ""
				}
				cur += string(r)
			}
		}
		if cur != "" {
			out = append(out, wrapToken{cur, space})
		}
	}
	return out
}
