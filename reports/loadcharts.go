package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"giftsim/results"
)

// timeAxis returns an x-axis over the seconds of a run, maxT long, with
// ticks at round times: seconds for short runs, m:ss or h:mm:ss for long.
func timeAxis(maxT float64) axis {
	steps := []int{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400}
	base := steps[len(steps)-1]
	for _, s := range steps {
		if maxT/float64(s) <= 300 {
			base = s
			break
		}
	}
	label := "time since start (s)"
	format := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	if maxT >= 120 {
		label = "time since start (m:ss)"
		format = func(v float64) string { t := int(math.Round(v)); return fmt.Sprintf("%d:%02d", t/60, t%60) }
	}
	if maxT >= 3600 {
		label = "time since start (h:mm:ss)"
		format = func(v float64) string {
			t := int(math.Round(v))
			return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
		}
	}
	var ticks []tick
	for t := 0; float64(t) <= maxT; t += base {
		ticks = append(ticks, tick{V: float64(t), Label: format(float64(t))})
	}
	var thin []int
	for _, s := range steps {
		if s >= base && s%base == 0 {
			thin = append(thin, s/base)
		}
	}
	a := axis{Label: label, Ticks: ticks, Thin: thin}
	a.include(0, math.Max(maxT, 1))
	return a
}

// lastSecond returns the last second of a run that has data.
func lastSecond(l *results.Load) float64 {
	if len(l.Seconds) == 0 {
		return 1
	}
	return float64(l.Seconds[len(l.Seconds)-1].T)
}

// latencyFigure charts the p50, p90 and p99 latency of every second.
func latencyFigure(mc *canvas, l *results.Load) *figure {
	title := "Latency over time"
	legend := []legendItem{
		{Label: "p50", Look: seriesLook(0), Kind: legendLine},
		{Label: "p90", Look: seriesLook(1), Kind: legendLine},
		{Label: "p99", Look: seriesLook(3), Kind: legendLine},
	}
	rows, lh := legendBlock(mc, legend, wideW)
	h := 340 + lh
	return &figure{
		Name: "latency", Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: wideW, H: h, X: timeAxis(lastSecond(l)),
				Y: axis{Label: "latency, ms", Zero: true, Nice: true}, Legend: legend, Rows: rows}
			var xs, p50, p90, p99 []float64
			for _, s := range l.Seconds {
				if s.Count == 0 {
					continue
				}
				xs = append(xs, float64(s.T))
				p50, p90, p99 = append(p50, s.P50), append(p90, s.P90), append(p99, s.P99)
				p.Y.include(s.P50, s.P90, s.P99)
			}
			p.layout(c)
			p.drawFrame(c)
			for i, ys := range [][]float64{p50, p90, p99} {
				p.line(c, xs, ys, legend[i].Look, 2)
			}
			p.drawAxes(c)
		},
	}
}

// codeOrder returns the response codes of a run: accepted first, then by
// count, most first, then by name.
func codeOrder(l *results.Load) []string {
	totals := map[string]int{}
	for code, n := range l.Codes {
		totals[code] += n
	}
	for _, s := range l.Seconds {
		for code := range s.Codes {
			if _, ok := totals[code]; !ok {
				totals[code] = 0
			}
		}
	}
	codes := make([]string, 0, len(totals))
	for code := range totals {
		codes = append(codes, code)
	}
	slices.SortFunc(codes, func(a, b string) int {
		switch {
		case a == results.CodeAccepted:
			return -1
		case b == results.CodeAccepted:
			return 1
		}
		if c := cmp.Compare(totals[b], totals[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return codes
}

// codeColors gives each code of a run its colour.
func codeColors(codes []string) map[string]drawing.Color {
	cols := make(map[string]drawing.Color, len(codes))
	other := 0
	for _, code := range codes {
		cols[code] = codeColor(code, other)
		switch code {
		case results.CodeAccepted, "FREQUENCY_LIMITED", "REQUEST_BLOCKED":
		default:
			other++
		}
	}
	return cols
}

// throughputFigure charts the responses of every second stacked by code,
// with the pacer's target rate as a dashed line when known.
func throughputFigure(mc *canvas, l *results.Load) *figure {
	title := "Throughput by response code"
	codes := codeOrder(l)
	cols := codeColors(codes)
	var legend []legendItem
	for _, code := range codes {
		legend = append(legend, legendItem{Label: code, Look: look{Color: cols[code]}, Kind: legendBox})
	}
	hasTarget := slices.ContainsFunc(l.Seconds, func(s results.LoadSecond) bool { return s.Target > 0 })
	if hasTarget {
		legend = append(legend, legendItem{Label: "target rate", Look: look{Color: rgb(hexText), Dash: []float64{5, 4}}, Kind: legendLine})
	}
	rows, lh := legendBlock(mc, legend, wideW)
	h := 340 + lh
	return &figure{
		Name: "throughput", Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: wideW, H: h, X: timeAxis(lastSecond(l)),
				Y: axis{Label: "responses per second", Zero: true, Nice: true}, Legend: legend, Rows: rows}
			xs := make([]float64, len(l.Seconds))
			stack := make([][]float64, len(codes)+1) // stack[k] is the top of the k-th code; stack[0] is zero
			for k := range stack {
				stack[k] = make([]float64, len(l.Seconds))
			}
			var target []float64
			for j, s := range l.Seconds {
				xs[j] = float64(s.T)
				for k, code := range codes {
					stack[k+1][j] = stack[k][j] + float64(s.Codes[code])
				}
				p.Y.include(stack[len(codes)][j], float64(s.Count))
				if hasTarget {
					target = append(target, s.Target)
					p.Y.include(s.Target)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			for k, code := range codes {
				pts := make([]pt, 0, 2*len(xs))
				for j := range xs {
					pts = append(pts, p.at(xs[j], stack[k+1][j]))
				}
				for j := len(xs) - 1; j >= 0; j-- {
					pts = append(pts, p.at(xs[j], stack[k][j]))
				}
				c.polygon(pts, cols[code], drawing.Color{})
			}
			if hasTarget {
				p.line(c, xs, target, look{Color: rgb(hexText), Dash: []float64{5, 4}}, 2)
			}
			p.drawAxes(c)
		},
	}
}

// hdrX maps a quantile to the x of a percentile plot: log10(1/(1−q)), so
// that 90%, 99% and 99.9% lie one decade apart.
func hdrX(q float64) float64 {
	return math.Log10(1 / (1 - math.Min(q, 1-1e-6)))
}

// percentileFigure draws the latency distribution as an HDR percentile plot.
func percentileFigure(l *results.Load) *figure {
	title := "Latency by percentile"
	const w, h = wideW, 380
	return &figure{
		Name: "percentiles", Title: title, W: w, H: h,
		draw: func(c *canvas) {
			labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
			top := 0.0
			for _, q := range l.Latency {
				top = math.Max(top, hdrX(q.Quantile))
			}
			top = math.Max(math.Ceil(top-1e-9), 1)
			var ticks []tick
			for i := 0; i <= int(top) && i < len(labels); i++ {
				ticks = append(ticks, tick{V: float64(i), Label: labels[i]})
			}
			p := plot{Title: title, W: w, H: h,
				X: axis{Label: "percentile (log scale of 1/(1 − quantile))", Ticks: ticks},
				Y: axis{Label: "latency, ms", Zero: true, Nice: true}}
			p.X.include(0, top)
			var xs, ys []float64
			for _, q := range l.Latency {
				xs, ys = append(xs, hdrX(q.Quantile)), append(ys, q.Ms)
				p.Y.include(q.Ms)
			}
			p.layout(c)
			p.drawFrame(c)
			p.line(c, xs, ys, seriesLook(0), 2)
			for i := range xs {
				c.marker(p.at(xs[i], ys[i]), 2.5, shapeCircle, seriesLook(0).Color, seriesLook(0).Color)
			}
			p.drawAxes(c)
		},
	}
}

// maxQuotaRows caps the merchants a quota chart shows; the busiest are kept.
const maxQuotaRows = 40

// quotaRows returns the merchants a quota chart shows, in their order.
func quotaRows(l *results.Load) []results.QuotaUse {
	rows := l.Quota
	if len(rows) > maxQuotaRows {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b results.QuotaUse) int { return cmp.Compare(b.Used, a.Used) })
		rows = rows[:maxQuotaRows]
	}
	return rows
}

// quotaFigure charts each merchant's quota used against its quota.
func quotaFigure(mc *canvas, l *results.Load) *figure {
	title := "Daily issuing quota used per merchant"
	rowsQ := quotaRows(l)
	if len(rowsQ) < len(l.Quota) {
		title += fmt.Sprintf(" (the %d busiest of %d)", len(rowsQ), len(l.Quota))
	}
	p0 := okabeIto()
	legend := []legendItem{
		{Label: "quota", Look: look{Color: rgb(hexQuota)}, Kind: legendBox},
		{Label: "used", Look: look{Color: p0[2]}, Kind: legendBox},
		{Label: "used beyond the quota", Look: look{Color: p0[3]}, Kind: legendBox},
	}
	rows, lh := legendBlock(mc, legend, narrowW+120)
	h := barsHeight(len(rowsQ)) + lh
	return &figure{
		Name: "quota", Title: title, W: narrowW + 120, H: h,
		draw: func(c *canvas) {
			names := make([]string, len(rowsQ))
			for i, q := range rowsQ {
				names[i] = quotaName(l, q)
			}
			p := plot{Title: title, W: narrowW + 120, H: h,
				X:      axis{Label: "sends accepted", Zero: true, Nice: true},
				Y:      axis{Kind: scaleBand, Cats: names},
				Legend: legend, Rows: rows}
			labels := make([]string, len(rowsQ))
			for i, q := range rowsQ {
				p.X.include(float64(q.Used), float64(q.Quota))
				labels[i] = quotaLabel(q)
				p.Right = math.Max(p.Right, c.textWidth(labels[i], sizeSmall)+8)
			}
			p.layout(c)
			p.drawFrame(c)
			half := p.Y.bandWidth() * 0.32
			for i, q := range rowsQ {
				y := p.Y.pos(float64(i))
				x0 := p.X.pos(0)
				c.rect(x0, y-half, p.X.pos(float64(q.Quota)), y+half, rgb(hexQuota), drawing.Color{})
				used := math.Min(float64(q.Used), float64(q.Quota))
				c.rect(x0, y-half*0.6, p.X.pos(used), y+half*0.6, p0[2], drawing.Color{})
				if q.Used > q.Quota {
					c.rect(p.X.pos(float64(q.Quota)), y-half*0.6, p.X.pos(float64(q.Used)), y+half*0.6, p0[3], drawing.Color{})
				}
				c.text(labels[i], p.X.pos(math.Max(float64(q.Used), float64(q.Quota)))+6, y, sizeSmall, rgb(hexText), alignLeft)
			}
			p.drawAxes(c)
		},
	}
}

// quotaLabel says how much of its quota a merchant used: "4,980 / 5,000 (99.6%)".
func quotaLabel(q results.QuotaUse) string {
	s := formatCount(q.Used) + " / " + formatCount(q.Quota)
	if q.Quota > 0 {
		s += " (" + formatNumber(100*float64(q.Used)/float64(q.Quota)) + "%)"
	}
	return s
}
