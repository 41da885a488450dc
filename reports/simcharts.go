package reports

import (
	"fmt"
	"math"
	"strings"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"giftsim/results"
)

// Chart sizes in pixels.
const (
	wideW   = 900
	narrowW = 640
	rowH    = 26 // rowH is the height of one arm's row in bar and forest charts.
)

// axisLabel joins a quantity and its unit: "Redemption rate (K2), %".
func axisLabel(name, unit string) string {
	if unit == "" {
		return name
	}
	return name + ", " + unit
}

// armNames returns the arms' names in order.
func armNames(arms []results.Arm) []string {
	names := make([]string, len(arms))
	for i, a := range arms {
		names[i] = a.Name
	}
	return names
}

// ciLegend is the legend entry for the error bars of sim's KPI levels,
// naming their kind.
func ciLegend(l Lang, sim *results.Simulation) legendItem {
	return legendItem{Label: l.T(kindsOf(sim).LevelLegend()), Look: look{Color: rgb(hexText)}, Kind: legendWhisker}
}

// limits returns b for an axis's Limits.
func limits(b results.Bounds) *results.Bounds { return &b }

// armLegend returns one legend entry per arm, drawn as kind.
func armLegend(arms []results.Arm, kind legendKind) []legendItem {
	items := make([]legendItem, len(arms))
	for i, a := range arms {
		items[i] = legendItem{Label: a.Name, Look: seriesLook(i), Kind: kind}
	}
	return items
}

// barsHeight returns the height of a chart with one row per arm, without
// its legend.
func barsHeight(rows int) int { return 104 + rowH*max(rows, 1) }

// kpiBarsFigure charts one KPI per arm as horizontal bars with 95% error
// bars, which the legend names as prediction or confidence intervals.
func kpiBarsFigure(mc *canvas, sim *results.Simulation, k results.KPI, name string) *figure {
	l := mc.lang
	legend := []legendItem{ciLegend(l, sim)}
	rows, lh := legendBlock(mc, legend, narrowW)
	h := barsHeight(len(sim.Arms)) + lh
	title := l.T("%s by arm", k.Name)
	return &figure{
		Name: name, Title: title, W: narrowW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: narrowW, H: h,
				X:      axis{Label: axisLabel(k.Name, k.Unit) + l.T(" (mean)"), Zero: true, Nice: true, Limits: limits(k.Bounds())},
				Y:      axis{Kind: scaleBand, Cats: armNames(sim.Arms)},
				Legend: legend, Rows: rows}
			labels := make([]string, len(sim.Arms))
			for i, a := range sim.Arms {
				labels[i] = "n/a"
				if e, ok := a.KPIs[k.ID]; ok {
					p.X.include(e.Mean, e.Low, e.High)
					labels[i] = formatValue(e.Mean, k.Unit)
					if e.NotReached() { // a time to a target (targets.go)
						labels[i] = l.T("≥ %s, not reached in %d of %d", labels[i], e.Censored, e.N)
					}
				}
				p.Right = math.Max(p.Right, c.textWidth(labels[i], sizeSmall)+8)
			}
			p.layout(c)
			p.drawFrame(c)
			half := p.Y.bandWidth() * 0.32
			for i, a := range sim.Arms {
				y := p.Y.pos(float64(i))
				end := p.X.pos(0)
				if e, ok := a.KPIs[k.ID]; ok {
					c.bar(p.X.pos(0), y-half, p.X.pos(e.Mean), y+half, seriesLook(i))
					p.errorBarX(c, e.Low, e.Mean, e.High, y, half*0.6, rgb(hexText))
					end = p.X.pos(math.Max(e.High, math.Max(e.Mean, 0)))
				}
				c.text(labels[i], end+6, y, sizeSmall, rgb(hexText), alignLeft)
			}
			p.drawAxes(c)
		},
	}
}

// forestFigure charts each arm's paired difference from the baseline in one
// KPI: a square at the mean, whiskers over its 95% confidence interval,
// filled when the difference is significant after the adjustment for many
// comparisons (in results saved without one, when the interval excludes
// zero).
func forestFigure(mc *canvas, sim *results.Simulation, k results.KPI, name string) *figure {
	base := sim.Arms[0].Name
	arms := sim.Arms[1:]
	l := mc.lang
	title := l.T("%s: difference from %s", k.Name, base)
	sig := significantLabel(l, sim)
	legend := []legendItem{
		{Label: sig, Look: look{Color: rgb(hexNeutral), Shape: shapeSquare}, Kind: legendMarker},
		{Label: l.T("not significant"), Look: look{Color: rgb(hexNeutral), Shape: shapeSquare}, Kind: legendHollow},
		{Label: l.T(diffLegend), Look: look{Color: rgb(hexNeutral)}, Kind: legendWhisker},
	}
	rows, lh := legendBlock(mc, legend, narrowW)
	h := barsHeight(len(arms)) + lh
	return &figure{
		Name: name, Title: title, W: narrowW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: narrowW, H: h,
				X:      axis{Label: l.T("difference from %s", base) + diffUnit(k.Unit), Zero: true, Nice: true, Limits: limits(k.Bounds().Diff())},
				Y:      axis{Kind: scaleBand, Cats: armNames(arms)},
				Legend: legend, Rows: rows}
			labels := make([]string, len(arms))
			for i, a := range arms {
				labels[i] = "n/a"
				if d, ok := a.Diffs[k.ID]; ok {
					p.X.include(d.Mean, d.Low, d.High)
					labels[i] = fmt.Sprintf("%s [%s, %s]", signed(d.Mean), signed(d.Low), signed(d.High))
				}
				p.Right = math.Max(p.Right, c.textWidth(labels[i], sizeSmall)+8)
			}
			p.layoutForest(c)
			for i, a := range arms {
				y := p.Y.pos(float64(i))
				col := seriesLook(i + 1).Color
				if d, ok := a.Diffs[k.ID]; ok {
					p.errorBarX(c, d.Low, d.Mean, d.High, y, 5, col)
					fill := col
					if !d.Significant {
						fill = drawing.Color{}
					}
					c.marker(pt{p.X.pos(d.Mean), y}, 5, shapeSquare, fill, col)
				}
				c.text(labels[i], p.area.R+8, y, sizeSmall, rgb(hexText), alignLeft)
			}
			p.drawAxes(c)
		},
	}
}

// diffUnit names the unit of a difference: percentage points for a
// percentage.
func diffUnit(unit string) string {
	switch unit {
	case "":
		return ""
	case "%":
		return ", pp"
	}
	return ", " + unit
}

// dayTicks labels the days of a series with their dates ("Mar 2"), or their
// numbers when the dates do not parse.
func dayTicks(l Lang, days []results.Day) []tick {
	ts := make([]tick, len(days))
	for i, d := range days {
		label := l.T("day %d", d.Day)
		if t, err := time.Parse(time.DateOnly, d.Date); err == nil {
			label = t.Format("Jan 2")
			if l == Chinese {
				label = fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
			}
		}
		ts[i] = tick{V: float64(i), Label: label}
	}
	return ts
}

// dayThin keeps day ticks one day, two days, a week, two weeks … apart.
func dayThin() []int { return []int{1, 2, 7, 14, 28, 56, 91, 182, 364} }

// longestSeries returns the arm with the most days.
func longestSeries(arms []results.Arm) []results.Day {
	var days []results.Day
	for _, a := range arms {
		if len(a.Series) > len(days) {
			days = a.Series
		}
	}
	return days
}

// seriesFigure charts one daily series per arm, named as in timeseries.csv:
// the mean as a line over its 95% confidence band of the mean across
// replications, within the series' bounds.
func seriesFigure(mc *canvas, sim *results.Simulation, name, title, ylabel string, get func(results.Day) results.Estimate) *figure {
	l := mc.lang
	legend := append(armLegend(sim.Arms, legendLine), legendItem{Label: l.T(seriesBand), Look: look{Color: rgb(hexNeutral)}, Kind: legendBand})
	rows, lh := legendBlock(mc, legend, wideW)
	h := 360 + lh
	return &figure{
		Name: name, Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			days := longestSeries(sim.Arms)
			p := plot{Title: title, W: wideW, H: h,
				X:      axis{Label: l.T("day of the campaign"), Ticks: dayTicks(l, days), Thin: dayThin()},
				Y:      axis{Label: ylabel, Zero: true, Nice: true, Limits: limits(seriesBounds(name))},
				Legend: legend, Rows: rows}
			p.X.include(0, float64(max(len(days)-1, 1)))
			type arm struct{ xs, mean, lo, hi []float64 }
			data := make([]arm, len(sim.Arms))
			for i, a := range sim.Arms {
				for j, d := range a.Series {
					e := get(d)
					data[i].xs = append(data[i].xs, float64(j))
					data[i].mean = append(data[i].mean, e.Mean)
					data[i].lo = append(data[i].lo, e.Low)
					data[i].hi = append(data[i].hi, e.High)
					p.Y.include(e.Mean, e.Low, e.High)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			for i, d := range data {
				p.band(c, d.xs, d.mean, d.lo, d.hi, seriesLook(i).Color)
			}
			for i, d := range data {
				p.line(c, d.xs, d.mean, seriesLook(i), 2)
				if len(d.xs) == 1 {
					c.marker(p.at(d.xs[0], d.mean[0]), 3, shapeCircle, seriesLook(i).Color, seriesLook(i).Color)
				}
			}
			p.drawAxes(c)
		},
	}
}

// funnelFigure charts the lifecycle funnel as bars grouped by stage.
func funnelFigure(mc *canvas, sim *results.Simulation) *figure {
	l := mc.lang
	title := l.T("Lifecycle funnel: coupons per stage (mean)")
	legend := armLegend(sim.Arms, legendBox)
	rows, lh := legendBlock(mc, legend, wideW)
	h := 380 + lh
	return &figure{
		Name: "funnel", Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			stages := funnelStages(sim.Arms)
			p := plot{Title: title, W: wideW, H: h,
				X:      axis{Kind: scaleBand, Cats: translated(l, stages), Label: l.T("stage")},
				Y:      axis{Label: l.T("coupons (mean per run)"), Zero: true, Nice: true, Limits: limits(results.NonNegative)},
				Legend: legend, Rows: rows}
			for _, a := range sim.Arms {
				for _, s := range a.Funnel {
					p.Y.include(s.Count)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			n := float64(len(sim.Arms))
			bw := p.X.bandWidth() * 0.8 / n
			for i, a := range sim.Arms {
				for _, s := range a.Funnel {
					j := indexOf(stages, s.Name)
					x := p.X.pos(float64(j)) - p.X.bandWidth()*0.4 + bw*float64(i)
					c.bar(x+0.5, p.Y.pos(0), x+bw-0.5, p.Y.pos(s.Count), seriesLook(i))
				}
			}
			p.drawAxes(c)
		},
	}
}

// translated returns ids in l (Lang.T), for labels.
func translated(l Lang, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = l.T(id)
	}
	return out
}

// funnelStages returns the funnel's stage names in order of first
// appearance across the arms.
func funnelStages(arms []results.Arm) []string {
	var stages []string
	for _, a := range arms {
		for _, s := range a.Funnel {
			if indexOf(stages, s.Name) < 0 {
				stages = append(stages, s.Name)
			}
		}
	}
	return stages
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// weekdays names the rows of a heat map; Heatmap[0] is Monday.
func weekdays(l Lang) []string {
	if l == Chinese {
		return []string{"周一", "周二", "周三", "周四", "周五", "周六", "周日"}
	}
	return []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
}

// heatmapMax returns the largest cell of every arm's heat map, so that all
// heat maps share one colour scale.
func heatmapMax(arms []results.Arm) float64 {
	m := 0.0
	for _, a := range arms {
		for _, row := range a.Heatmap {
			for _, v := range row {
				m = math.Max(m, v)
			}
		}
	}
	return m
}

// heatmapFigure draws one arm's redemptions by weekday and hour in go-chart's
// viridis scale, with a colour bar; vmax fixes the top of the scale.
func heatmapFigure(l Lang, a results.Arm, i int, vmax float64) *figure {
	title := l.T("Redemptions by weekday and hour: %s", a.Name)
	const w, h = 760, 300
	return &figure{
		Name: fmt.Sprintf("heatmap-%02d", i+1), Title: title, W: w, H: h,
		draw: func(c *canvas) {
			hours := make([]string, 24)
			for hr := range hours {
				hours[hr] = fmt.Sprint(hr)
			}
			top := vmax
			if top <= 0 {
				top = 1 // an empty heat map still gets a scale
			}
			scale := axis{Zero: true}
			scale.include(0, top)
			p := plot{Title: title, W: w, H: h,
				X: axis{Kind: scaleBand, Cats: hours, Label: l.T("hour of day (scenario time zone)")},
				Y: axis{Kind: scaleBand, Cats: weekdays(l)}}
			barLabel := l.T("redemptions per hour (mean)")
			p.Right = 14 + 16 + 8 + c.textWidth(formatNumber(top)+"0", sizeTick) + 8 + c.px(sizeLabel)
			p.layout(c)
			p.drawFrame(c)
			cw, ch := p.X.bandWidth(), p.Y.bandWidth()
			for d, row := range a.Heatmap {
				for hr, v := range row {
					x, y := p.X.pos(float64(hr)), p.Y.pos(float64(d))
					c.rect(x-cw/2+0.5, y-ch/2+0.5, x+cw/2-0.5, y+ch/2-0.5, heatColor(v, top), drawing.Color{})
				}
			}
			// The colour bar, with the scale's nice ticks.
			x0 := p.area.R + 14
			scale.p0, scale.p1 = p.area.B, p.area.T
			scale.layout(c, true)
			const steps = 48
			for s := range steps {
				v0 := scale.lo + (scale.hi-scale.lo)*float64(s)/steps
				v1 := scale.lo + (scale.hi-scale.lo)*float64(s+1)/steps
				c.rect(x0, scale.pos(v0), x0+16, scale.pos(v1), heatColor((v0+v1)/2, top), drawing.Color{})
			}
			labelW := 0.0
			for _, t := range scale.ticks {
				y := scale.pos(t.V)
				c.polyline([]pt{{x0 + 16, y}, {x0 + 20, y}}, rgb(hexAxis), 1, nil)
				c.text(t.Label, x0+23, y, sizeTick, rgb(hexText), alignLeft)
				labelW = math.Max(labelW, c.textWidth(t.Label, sizeTick))
			}
			c.textUp(c.fitText(barLabel, sizeLabel, p.area.B-p.area.T), x0+23+labelW+8+c.px(sizeLabel)/2, (p.area.T+p.area.B)/2, sizeLabel, rgb(hexText))
			p.drawAxes(c)
		},
	}
}

// heatColor returns the viridis colour of v on a scale from 0 to top.
func heatColor(v, top float64) drawing.Color {
	return chart.Viridis(math.Max(0, math.Min(v, top)), 0, top)
}

// cascadeFigure charts how many coupons reached each depth of the gift
// cascade, on a log scale.
func cascadeFigure(mc *canvas, sim *results.Simulation) *figure {
	l := mc.lang
	title := l.T("Gift cascade depth")
	legend := armLegend(sim.Arms, legendLine)
	rows, lh := legendBlock(mc, legend, narrowW+120)
	h := 360 + lh
	return &figure{
		Name: "cascade", Title: title, W: narrowW + 120, H: h,
		draw: func(c *canvas) {
			depth := 0
			for _, a := range sim.Arms {
				depth = max(depth, len(a.CascadeDepth)-1)
			}
			var ticks []tick
			for d := 0; d <= max(depth, 1); d++ {
				ticks = append(ticks, tick{V: float64(d), Label: fmt.Sprint(d)})
			}
			p := plot{Title: title, W: narrowW + 120, H: h,
				X:      axis{Label: l.T("depth (0 = received from the merchant)"), Ticks: ticks},
				Y:      axis{Kind: scaleLog, Label: l.T("coupons (mean, log scale)")},
				Legend: legend, Rows: rows}
			p.X.include(0, float64(max(depth, 1)))
			xs := make([]float64, depth+1)
			for d := range xs {
				xs[d] = float64(d)
			}
			for _, a := range sim.Arms {
				p.Y.include(a.CascadeDepth...)
			}
			p.layout(c)
			p.drawFrame(c)
			for i, a := range sim.Arms {
				l := seriesLook(i)
				p.line(c, xs[:len(a.CascadeDepth)], a.CascadeDepth, l, 2)
				for d, v := range a.CascadeDepth {
					if v > 0 {
						c.marker(p.at(float64(d), v), 3, l.Shape, l.Color, l.Color)
					}
				}
			}
			p.drawAxes(c)
		},
	}
}

// sweepAxis is how arms sit on the x-axis of a sweep chart: at numbers when
// every value of the first swept field parses as one, else as categories.
type sweepAxis struct {
	Label  string    // Label is the axis label in English: the field and its unit.
	Field  string    // Field is the first swept field.
	Unit   string    // Unit is the unit its values are read in, "" for none.
	X      []float64 // X is each arm's position.
	Cats   []string  // Cats are the categories when the values are not numbers.
	Groups [][]int   // Groups are the arms of each line, in order of X.
	Names  []string  // Names label the groups by the other swept fields.
}

// newSweepAxis places the arms of a sweep by their first swept value and
// groups them by the others.
func newSweepAxis(sim *results.Simulation) sweepAxis {
	sa := sweepAxis{Label: sim.Sweep[0], Field: sim.Sweep[0], X: make([]float64, len(sim.Arms))}
	vals := make([]string, len(sim.Arms))
	for i, a := range sim.Arms {
		if len(a.SweepValues) > 0 {
			vals[i] = a.SweepValues[0]
		}
	}
	if xs, unit, ok := firstSweepNumbers(sim); ok {
		sa.X, sa.Unit = xs, unit
		if unit != "" {
			sa.Label += " (" + unit + ")"
		}
	} else {
		for i, v := range vals {
			j := indexOf(sa.Cats, v)
			if j < 0 {
				j = len(sa.Cats)
				sa.Cats = append(sa.Cats, v)
			}
			sa.X[i] = float64(j)
		}
	}
	var keys []string
	for i, a := range sim.Arms {
		key := ""
		if len(a.SweepValues) > 1 {
			var parts []string
			for j, v := range a.SweepValues[1:] {
				if j+1 < len(sim.Sweep) {
					parts = append(parts, sim.Sweep[j+1]+"="+v)
				}
			}
			key = strings.Join(parts, ", ")
		}
		g := indexOf(keys, key)
		if g < 0 {
			g = len(keys)
			keys = append(keys, key)
			sa.Groups = append(sa.Groups, nil)
		}
		sa.Groups[g] = append(sa.Groups[g], i)
	}
	for _, g := range sa.Groups {
		sortByX(g, sa.X)
	}
	sa.Names = keys
	return sa
}

// sortByX orders arm indexes by their x, keeping ties in arm order.
func sortByX(idx []int, xs []float64) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && xs[idx[j]] < xs[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// sweepKPIFigure charts one KPI against the swept value: a line with its 95%
// band per group, named as a prediction or confidence band, a marker in
// each arm's colour.
func sweepKPIFigure(mc *canvas, sim *results.Simulation, sa sweepAxis, k results.KPI, name string) *figure {
	l := mc.lang
	title := l.T("%s against %s", k.Name, sim.Sweep[0])
	label := sa.Field
	if sa.Unit != "" {
		label += " (" + l.T(sa.Unit) + ")"
	}
	legend := armLegend(sim.Arms, legendMarker)
	if len(sa.Groups) > 1 {
		for g, name := range sa.Names {
			legend = append(legend, legendItem{Label: name, Look: look{Color: rgb(hexNeutral), Dash: groupDash(g)}, Kind: legendLine})
		}
	}
	legend = append(legend, legendItem{Label: l.T(kindsOf(sim).LevelBand()), Look: look{Color: rgb(hexNeutral)}, Kind: legendBand})
	rows, lh := legendBlock(mc, legend, narrowW)
	h := 340 + lh
	return &figure{
		Name: name, Title: title, W: narrowW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: narrowW, H: h,
				X:      axis{Label: label, Nice: true},
				Y:      axis{Label: axisLabel(k.Name, k.Unit), Nice: true, Limits: limits(k.Bounds())},
				Legend: legend, Rows: rows}
			if sa.Cats != nil {
				p.X = axis{Kind: scaleBand, Cats: sa.Cats, Label: label}
			} else {
				p.X.include(sa.X...)
			}
			for _, a := range sim.Arms {
				if e, ok := a.KPIs[k.ID]; ok {
					p.Y.include(e.Mean, e.Low, e.High)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			for g, arms := range sa.Groups {
				var xs, mean, lo, hi []float64
				for _, i := range arms {
					if e, ok := sim.Arms[i].KPIs[k.ID]; ok {
						xs = append(xs, sa.X[i])
						mean, lo, hi = append(mean, e.Mean), append(lo, e.Low), append(hi, e.High)
					}
				}
				p.band(c, xs, mean, lo, hi, rgb(hexNeutral))
				p.line(c, xs, mean, look{Color: rgb(hexNeutral), Dash: groupDash(g)}, 2)
			}
			for i, a := range sim.Arms {
				if e, ok := a.KPIs[k.ID]; ok {
					c.marker(p.at(sa.X[i], e.Mean), 4.5, seriesLook(i).Shape, seriesLook(i).Color, rgb(hexAxis))
				}
			}
			p.drawAxes(c)
		},
	}
}

// groupDash returns the dash pattern of the g-th line of a sweep chart.
func groupDash(g int) []float64 {
	switch g % 3 {
	case 1:
		return []float64{6, 3}
	case 2:
		return []float64{2, 2}
	}
	return nil
}

// tradeoffFigure charts the redemption rate against new customers, one point
// per arm with 95% error bars both ways (named as prediction or confidence
// intervals), each labelled with its arm; the arms of each line of a sweep
// (groups, nil without one) are joined in order.
func tradeoffFigure(l Lang, sim *results.Simulation, groups [][]int, xk, yk results.KPI) *figure {
	title := l.T("Trade-off: %s against %s", yk.Name, xk.Name)
	const w, h = 760, 480
	return &figure{
		Name: "tradeoff", Title: title, W: w, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: w, H: h,
				X:      axis{Label: axisLabel(xk.Name, xk.Unit), Nice: true, Limits: limits(xk.Bounds())},
				Y:      axis{Label: axisLabel(yk.Name, yk.Unit), Nice: true, Limits: limits(yk.Bounds())},
				Legend: []legendItem{ciLegend(l, sim)}}
			type point struct {
				x, y results.Estimate
				i    int
			}
			var pts []point
			for i, a := range sim.Arms {
				x, okx := a.KPIs[xk.ID]
				y, oky := a.KPIs[yk.ID]
				if okx && oky {
					pts = append(pts, point{x, y, i})
					p.X.include(x.Low, x.High)
					p.Y.include(y.Low, y.High)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			for _, g := range groups {
				var line []pt
				for _, i := range g {
					for _, q := range pts {
						if q.i == i {
							line = append(line, p.at(q.x.Mean, q.y.Mean))
						}
					}
				}
				c.polyline(line, rgb(hexQuota), 2, nil)
			}
			var placed [][4]float64
			for _, q := range pts {
				col := seriesLook(q.i).Color
				at := p.at(q.x.Mean, q.y.Mean)
				p.errorBarX(c, q.x.Low, q.x.Mean, q.x.High, at.Y, 3, col)
				p.errorBarY(c, at.X, q.y.Low, q.y.Mean, q.y.High, 3, col)
				c.marker(at, 5, seriesLook(q.i).Shape, col, rgb(hexAxis))
			}
			for _, q := range pts {
				at := p.at(q.x.Mean, q.y.Mean)
				name := c.fitText(sim.Arms[q.i].Name, sizeSmall, 160)
				placed = placeLabel(c, p, name, at, placed)
			}
			p.drawAxes(c)
		},
	}
}

// placeLabel writes a point's label beside it where it overlaps no label
// placed before and stays in the plot area, trying right, left, above and
// below in turn; it returns the boxes placed so far.
func placeLabel(c *canvas, p plot, s string, at pt, placed [][4]float64) [][4]float64 {
	w, h := c.textWidth(s, sizeSmall), c.px(sizeSmall)
	cands := [][2]float64{ // the label's left edge and vertical middle
		{at.X + 9, at.Y}, {at.X - 9 - w, at.Y},
		{at.X - w/2, at.Y - 9 - h/2}, {at.X - w/2, at.Y + 9 + h/2},
		{at.X + 7, at.Y - 7 - h/2}, {at.X + 7, at.Y + 7 + h/2},
		{at.X - 7 - w, at.Y - 7 - h/2}, {at.X - 7 - w, at.Y + 7 + h/2},
	}
	choice := cands[0]
	for _, cand := range cands {
		b := [4]float64{cand[0], cand[1] - h/2, cand[0] + w, cand[1] + h/2}
		if b[0] < p.area.L || b[2] > p.area.R || b[1] < p.area.T || b[3] > p.area.B {
			continue
		}
		free := true
		for _, o := range placed {
			if b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3] {
				free = false
				break
			}
		}
		if free {
			choice = cand
			break
		}
	}
	c.text(s, choice[0], choice[1], sizeSmall, rgb(hexText), alignLeft)
	return append(placed, [4]float64{choice[0], choice[1] - h/2, choice[0] + w, choice[1] + h/2})
}

// slug turns an id into a safe file name part.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// Colours of the change chart: better, worse, neither (Okabe–Ito bluish
// green and vermillion, and grey).
const (
	hexBetter = 0x009e73
	hexWorse  = 0xd55e00
)

// changeFigure charts, for two arms, how far the second arm moves each KPI
// of ks against the baseline, as a percentage change of the mean (the
// ratio of the means less one) with its 95% confidence interval by
// Fieller's theorem: green where the arm is better, vermillion where it is
// worse, grey for a KPI without a direction; filled when the difference is
// significant after the adjustment for many comparisons. It shows the
// trade-off at a glance. KPIs without a ratio (a baseline mean of 0) are
// left out; nil when none is left.
func changeFigure(mc *canvas, sim *results.Simulation, ks []results.KPI) *figure {
	if len(sim.Arms) != 2 {
		return nil
	}
	base, arm := sim.Arms[0].Name, sim.Arms[1]
	type row struct {
		k           results.KPI
		d           results.Diff
		mid, lo, hi float64
	}
	var rows []row
	nonNeg := true
	for _, k := range ks {
		d, ok := arm.Diffs[k.ID]
		if !ok || !d.HasRatio() {
			continue
		}
		r := row{k: k, d: d, mid: 100 * (d.Ratio - 1), lo: math.NaN(), hi: math.NaN()}
		if d.HasRatioInterval() {
			r.lo, r.hi = 100*(d.RatioLow-1), 100*(d.RatioHigh-1)
		}
		if sim.Arms[0].KPIs[k.ID].Mean < 0 {
			// The change of a negative mean (a loss) takes the
			// difference's sign: a smaller loss is a rise.
			r.mid, r.lo, r.hi = -r.mid, -r.hi, -r.lo
		}
		nonNeg = nonNeg && k.Bounds().Ratio().Lo >= 0
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil
	}
	l := mc.lang
	title := l.T("%s against %s: change of each KPI", arm.Name, base)
	sig := significantLabel(l, sim)
	legend := []legendItem{
		{Label: l.T("better"), Look: look{Color: rgb(hexBetter), Shape: shapeSquare}, Kind: legendMarker},
		{Label: l.T("worse"), Look: look{Color: rgb(hexWorse), Shape: shapeSquare}, Kind: legendMarker},
		{Label: l.T("no better direction"), Look: look{Color: rgb(hexNeutral), Shape: shapeSquare}, Kind: legendMarker},
		{Label: l.T("hollow: not %s", sig), Look: look{Color: rgb(hexNeutral), Shape: shapeSquare}, Kind: legendHollow},
		{Label: l.T("95% CI of the change (Fieller)"), Look: look{Color: rgb(hexNeutral)}, Kind: legendWhisker},
	}
	const w = 600
	lrows, lh := legendBlock(mc, legend, w)
	h := barsHeight(len(rows)) + lh
	cats := make([]string, len(rows))
	for i, r := range rows {
		cats[i] = mc.fitText(r.k.Name, sizeSmall, w*0.3)
	}
	lim := results.Unbounded
	if nonNeg {
		lim = results.Bounds{Lo: -100, Hi: math.Inf(1)}
	}
	return &figure{
		Name: "change", Title: title, W: w, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: w, H: h,
				X:      axis{Label: l.T("change against %s, %% of its mean", base), Zero: true, Nice: true, Limits: limits(lim)},
				Y:      axis{Kind: scaleBand, Cats: cats},
				Legend: legend, Rows: lrows}
			texts := make([]string, len(rows))
			for i, r := range rows {
				p.X.include(r.mid, r.lo, r.hi)
				m, ci := estimateText(r.mid, r.lo, r.hi, "", true)
				texts[i] = m + "%"
				if !math.IsNaN(r.lo) {
					ci = strings.ReplaceAll(ci, " to ", ", ")
					ci = strings.ReplaceAll(strings.ReplaceAll(ci, "n/a", "∞"), "+Inf", "∞")
					texts[i] += " [" + ci + "]"
				}
				p.Right = math.Max(p.Right, c.textWidth(texts[i], sizeSmall)+8)
			}
			p.layoutForest(c)
			for i, r := range rows {
				y := p.Y.pos(float64(i))
				col := rgb(hexNeutral)
				if r.k.Better != "" {
					col = rgb(hexWorse)
					if better(r.k, r.d.Mean, 0) {
						col = rgb(hexBetter)
					}
				}
				if !math.IsNaN(r.lo) {
					lo, hi := math.Max(r.lo, p.X.lo), math.Min(r.hi, p.X.hi)
					p.errorBarX(c, lo, r.mid, hi, y, 5, col)
				}
				fill := col
				if !r.d.Significant {
					fill = drawing.Color{}
				}
				c.marker(pt{p.X.pos(r.mid), y}, 6, shapeSquare, fill, col)
				c.text(texts[i], p.area.R+8, y, sizeSmall, rgb(hexText), alignLeft)
			}
			p.drawAxes(c)
		},
	}
}

// significantLabel names what a filled marker means in sim's forest and
// change charts: significant after the adjustment it names, or, in results
// saved without one, that the 95% CI excludes 0.
func significantLabel(l Lang, sim *results.Simulation) string {
	adj := simAdjustment(sim)
	switch {
	case adj == "":
		return l.T("significant (95% CI excludes 0)")
	case l == Chinese:
		return "显著（" + zhAdjusted(l, sim, adj) + "）"
	}
	return "significant " + adj
}
