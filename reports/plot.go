package reports

import (
	"math"
	"slices"
	"strconv"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"giftsim/results"
)

// scaleKind is how an axis maps values to pixels.
type scaleKind int

const (
	scaleLinear scaleKind = iota
	scaleLog              // base 10; values at or below zero are not drawn
	scaleBand             // categories 0, 1, 2 … each in a band of equal width
)

// tick is one labelled position on an axis.
type tick struct {
	V     float64
	Label string
}

// axis is one axis of a plot: how it scales, its label (with the unit) and
// how its ticks are chosen. The zero axis is linear with nice ticks.
type axis struct {
	Kind  scaleKind
	Label string
	Cats  []string // Cats are the categories of a band axis, first at the start.
	// Ticks are explicit ticks: the axis keeps every k-th of them, for the
	// first k in Thin (default 1, 2, 3 …) at which their labels fit.
	// Without Ticks an axis chooses nice numbers.
	Ticks []tick
	Thin  []int
	Zero  bool // Zero puts zero in a linear axis's range.
	Nice  bool // Nice extends a linear axis to whole ticks at both ends.
	// Limits, when set, are the bounds of the axis's quantity: a linear
	// axis's range, padding and nice ends included, stays within them, so
	// that a count's axis never goes below zero.
	Limits *results.Bounds

	lo, hi float64 // the data range, then the axis range
	set    bool
	p0, p1 float64 // the pixels of lo and hi
	ticks  []tick
}

// include widens the axis range to hold vs; NaN, infinities and, on a log
// axis, values at or below zero are ignored.
func (a *axis) include(vs ...float64) {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) || (a.Kind == scaleLog && v <= 0) {
			continue
		}
		if !a.set {
			a.lo, a.hi, a.set = v, v, true
			continue
		}
		a.lo = math.Min(a.lo, v)
		a.hi = math.Max(a.hi, v)
	}
}

// pos maps a value to pixels; on a band axis v is a category index, its
// band's centre at the whole number.
func (a *axis) pos(v float64) float64 {
	switch a.Kind {
	case scaleBand:
		n := float64(max(len(a.Cats), 1))
		return a.p0 + (v+0.5)*(a.p1-a.p0)/n
	case scaleLog:
		if v <= 0 {
			return math.NaN()
		}
		return a.p0 + (math.Log10(v)-math.Log10(a.lo))/(math.Log10(a.hi)-math.Log10(a.lo))*(a.p1-a.p0)
	}
	return a.p0 + (v-a.lo)/(a.hi-a.lo)*(a.p1-a.p0)
}

// bandWidth returns the width in pixels of one band of a band axis.
func (a *axis) bandWidth() float64 {
	return math.Abs(a.p1-a.p0) / float64(max(len(a.Cats), 1))
}

// layout fixes the axis range and ticks for an axis length pixels long;
// vertical axes space ticks by text height, horizontal ones by label width.
func (a *axis) layout(c *canvas, vertical bool) {
	length := math.Abs(a.p1 - a.p0)
	gap := 12.0
	fits := func(ts []tick, lo, hi float64) bool {
		if len(ts) < 2 {
			return true
		}
		for i := 1; i < len(ts); i++ {
			d := math.Abs(a.posIn(ts[i].V, lo, hi, length) - a.posIn(ts[i-1].V, lo, hi, length))
			need := c.px(sizeTick) + 6
			if !vertical {
				need = (c.textWidth(ts[i].Label, sizeTick)+c.textWidth(ts[i-1].Label, sizeTick))/2 + gap
			}
			if d < need {
				return false
			}
		}
		return true
	}
	switch a.Kind {
	case scaleBand:
		a.lo, a.hi = 0, float64(max(len(a.Cats), 1))
		a.ticks = a.ticks[:0]
		for i, s := range a.Cats {
			a.ticks = append(a.ticks, tick{V: float64(i), Label: s})
		}
		return
	case scaleLog:
		a.layoutLog(fits)
		return
	}
	lo, hi := a.lo, a.hi
	if !a.set {
		lo, hi = 0, 1
	}
	if a.Zero {
		lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	}
	if hi-lo <= math.Abs(hi)*1e-12 {
		pad := math.Max(math.Abs(lo)*0.1, 1)
		if lo >= 0 && a.Zero {
			hi += pad
		} else {
			lo, hi = lo-pad, hi+pad
		}
	}
	lo, hi = a.limit(lo, hi)
	if a.Ticks != nil {
		a.lo, a.hi = lo, hi
		var in []tick
		for _, t := range a.Ticks {
			if t.V >= lo-1e-9*(hi-lo) && t.V <= hi+1e-9*(hi-lo) {
				in = append(in, t)
			}
		}
		steps := a.Thin
		if steps == nil {
			for k := 1; k <= len(in); k++ {
				steps = append(steps, k)
			}
		}
		a.ticks = thin(in, len(in)+1)
		for _, k := range steps {
			if ts := thin(in, k); fits(ts, lo, hi) {
				a.ticks = ts
				break
			}
		}
		return
	}
	for n := max(int(length/40), 2); n >= 1; n-- {
		step := niceStep(hi-lo, n)
		tlo, thi := lo, hi
		if a.Nice {
			tlo, thi = a.limit(math.Floor(lo/step+1e-9)*step, math.Ceil(hi/step-1e-9)*step)
		}
		format := tickFormatter(step, math.Max(math.Abs(tlo), math.Abs(thi)))
		var ts []tick
		for v := math.Ceil(tlo/step-1e-9) * step; v <= thi+step*1e-9; v += step {
			v = math.Round(v/step) * step
			ts = append(ts, tick{V: v, Label: format(v)})
		}
		if fits(ts, tlo, thi) || n == 1 {
			a.lo, a.hi, a.ticks = tlo, thi, ts
			return
		}
	}
}

// limit cuts the range lo–hi to the axis's Limits, keeping it at least as
// wide as the data and, when the limits leave nothing, one unit wide.
func (a *axis) limit(lo, hi float64) (float64, float64) {
	if a.Limits == nil {
		return lo, hi
	}
	l, h := a.Limits.Clip(lo), a.Limits.Clip(hi)
	if a.set {
		l, h = min(l, a.lo), max(h, a.hi)
	}
	if h <= l {
		// Data at a bound with nothing on the other side: room inside.
		if l > a.Limits.Lo {
			l = max(a.Limits.Lo, h-1)
		} else {
			h = min(a.Limits.Hi, l+1)
		}
	}
	return l, h
}

// posIn maps v to an offset along an axis of the given length and range.
func (a *axis) posIn(v, lo, hi, length float64) float64 {
	if a.Kind == scaleLog {
		return (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo)) * length
	}
	return (v - lo) / (hi - lo) * length
}

// layoutLog chooses a log axis's range in whole decades and its ticks: 1, 2,
// 5 per decade when they fit, else every decade or every other one.
func (a *axis) layoutLog(fits func([]tick, float64, float64) bool) {
	lo, hi := a.lo, a.hi
	if !a.set {
		lo, hi = 1, 10
	}
	e0, e1 := math.Floor(math.Log10(lo)+1e-9), math.Ceil(math.Log10(hi)-1e-9)
	if e1 <= e0 {
		e1 = e0 + 1
	}
	a.lo, a.hi = math.Pow(10, e0), math.Pow(10, e1)
	for _, mults := range [][]float64{{1, 2, 5}, {1}} {
		var ts []tick
		for e := e0; e <= e1; e++ {
			for _, m := range mults {
				if v := m * math.Pow(10, e); v <= a.hi*(1+1e-9) {
					ts = append(ts, tick{V: v, Label: logLabel(v)})
				}
			}
		}
		if fits(ts, a.lo, a.hi) {
			a.ticks = ts
			return
		}
	}
	for k := 2; ; k++ {
		var ts []tick
		for e := e0; e <= e1; e += float64(k) {
			v := math.Pow(10, e)
			ts = append(ts, tick{V: v, Label: logLabel(v)})
		}
		if fits(ts, a.lo, a.hi) || len(ts) <= 2 {
			a.ticks = ts
			return
		}
	}
}

// logLabel formats a tick of a log axis: 0.01, 0.1, 1, 10, 100, 1k, 10k, 1M.
func logLabel(v float64) string {
	short := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case v >= 1e9:
		return short(v/1e9) + "G"
	case v >= 1e6:
		return short(v/1e6) + "M"
	case v >= 1e3:
		return short(v/1e3) + "k"
	}
	return short(v)
}

// thin keeps every k-th tick.
func thin(ts []tick, k int) []tick {
	var out []tick
	for i := 0; i < len(ts); i += k {
		out = append(out, ts[i])
	}
	return out
}

// niceStep returns the step of 1, 2 or 5 times a power of ten that splits
// span in at most about n parts.
func niceStep(span float64, n int) float64 {
	raw := span / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// legendKind is how a legend entry's swatch is drawn.
type legendKind int

const (
	legendLine    legendKind = iota // a line in the series' look
	legendBox                       // a filled box
	legendBand                      // a pale box: an interval band
	legendWhisker                   // an error bar
	legendMarker                    // a filled marker
	legendHollow                    // a hollow marker
)

// legendItem is one entry of a plot's legend.
type legendItem struct {
	Label string
	Look  look
	Kind  legendKind
}

// plot is one chart: a title, two axes, a legend below the axes, and a
// plot area that its caller draws data into.
type plot struct {
	Title  string
	W, H   int
	X, Y   axis
	Legend []legendItem
	// Right is room kept right of the plot area, e.g. for value labels.
	Right float64
	// Rows packs the legend into rows (see packLegend), so that a chart's SVG
	// and PNG wrap it alike and its height can hold it.
	Rows [][]int

	area    struct{ L, T, R, B float64 }
	legendW []float64
}

// Metrics of the plot layout, in pixels.
const (
	margin      = 10.0
	swatchW     = 18.0
	legendGapX  = 16.0
	legendLineH = 16.0
	maxCatShare = 0.36 // maxCatShare caps band labels of a y-axis to this share of the width.
)

// layout places the title, the legend, both axes and the plot area.
func (p *plot) layout(c *canvas) {
	top := margin
	if p.Title != "" {
		top += c.px(sizeTitle) + 12
	}
	if p.Rows == nil {
		p.Rows = packLegend(c, p.Legend, p.W)
	}
	p.legendW = p.legendW[:0]
	for _, row := range p.Rows {
		w := 0.0
		for j, i := range row {
			if j > 0 {
				w += legendGapX
			}
			w += swatchW + 5 + c.textWidth(p.Legend[i].Label, sizeSmall)
		}
		p.legendW = append(p.legendW, w)
	}
	bottom := float64(p.H) - margin
	if len(p.Rows) > 0 {
		bottom -= float64(len(p.Rows))*legendLineH + 8
	}
	if p.X.Label != "" {
		bottom -= c.px(sizeLabel) + 8
	}
	bottom -= c.px(sizeTick) + 12
	if p.Y.Kind == scaleBand {
		p.Y.p0, p.Y.p1 = top, bottom
		limit := float64(p.W) * maxCatShare
		p.Y.Cats = slices.Clone(p.Y.Cats)
		for i, s := range p.Y.Cats {
			p.Y.Cats[i] = c.fitText(s, sizeTick, limit)
		}
	} else {
		p.Y.p0, p.Y.p1 = bottom, top
	}
	p.Y.layout(c, true)
	yw := 0.0
	for _, t := range p.Y.ticks {
		yw = math.Max(yw, c.textWidth(t.Label, sizeTick))
	}
	left := margin + yw + 10
	if p.Y.Label != "" {
		left += c.px(sizeLabel) + 10
	}
	right := float64(p.W) - margin - 8 - p.Right
	p.X.p0, p.X.p1 = left, right
	if p.X.Kind == scaleBand {
		bw := p.X.bandWidth() - 4
		p.X.Cats = slices.Clone(p.X.Cats)
		for i, s := range p.X.Cats {
			p.X.Cats[i] = c.fitText(s, sizeTick, bw)
		}
	}
	p.X.layout(c, false)
	// Keep the last x tick label inside the chart.
	if n := len(p.X.ticks); n > 0 && p.X.Kind != scaleBand {
		last := p.X.ticks[n-1]
		if over := p.X.pos(last.V) + c.textWidth(last.Label, sizeTick)/2 - (float64(p.W) - 4); over > 0 {
			right -= over
			p.X.p1 = right
			p.X.layout(c, false)
		}
	}
	p.area.L, p.area.T, p.area.R, p.area.B = left, top, right, bottom
	for _, ax := range []struct {
		a    *axis
		name byte
	}{{&p.X, 'x'}, {&p.Y, 'y'}} {
		if ax.a.Kind != scaleBand {
			c.record(traceItem{Kind: traceAxis, Axis: ax.name, Lo: ax.a.lo, Hi: ax.a.hi})
		}
	}
}

// packLegend splits legend entries into rows that fit a chart w wide.
func packLegend(c *canvas, items []legendItem, w int) [][]int {
	var rows [][]int
	avail := float64(w) - 2*margin
	var row []int
	used := 0.0
	for i, it := range items {
		iw := swatchW + 5 + c.textWidth(it.Label, sizeSmall)
		if len(row) > 0 && used+legendGapX+iw > avail {
			rows = append(rows, row)
			row, used = nil, 0
		}
		if len(row) > 0 {
			used += legendGapX
		}
		row = append(row, i)
		used += iw
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// legendBlock returns the legend rows for a chart w wide and the height
// they take.
func legendBlock(c *canvas, items []legendItem, w int) ([][]int, int) {
	rows := packLegend(c, items, w)
	return rows, int(float64(len(rows)) * legendLineH)
}

// layoutForest lays p out and draws its frame with a dashed line at x = 0,
// the line of no difference of a forest plot.
func (p *plot) layoutForest(c *canvas) {
	p.layout(c)
	p.drawFrame(c)
	zero := p.X.pos(0)
	c.polyline([]pt{{zero, p.area.T}, {zero, p.area.B}}, rgb(hexMuted), 1, []float64{4, 3})
}

// at maps data values to pixels.
func (p *plot) at(x, y float64) pt { return pt{p.X.pos(x), p.Y.pos(y)} }

// drawFrame draws the background, the title, the grid, the axis labels and
// the legend: everything that lies under the data.
func (p *plot) drawFrame(c *canvas) {
	c.rect(0, 0, float64(p.W), float64(p.H), rgb(hexWhite), drawing.Color{})
	if p.Title != "" {
		c.text(c.fitText(p.Title, sizeTitle, float64(p.W)-2*margin), float64(p.W)/2, margin+c.px(sizeTitle)/2+2, sizeTitle, rgb(hexText), alignCenter)
	}
	a := p.area
	if p.Y.Kind != scaleBand {
		for _, t := range p.Y.ticks {
			y := p.Y.pos(t.V)
			c.polyline([]pt{{a.L, y}, {a.R, y}}, rgb(hexGrid), 1, nil)
		}
	}
	if p.X.Kind != scaleBand {
		for _, t := range p.X.ticks {
			x := p.X.pos(t.V)
			c.polyline([]pt{{x, a.T}, {x, a.B}}, rgb(hexGrid), 1, nil)
		}
	}
	tickH := c.px(sizeTick)
	if p.X.Label != "" {
		c.text(p.X.Label, (a.L+a.R)/2, a.B+12+tickH+8+c.px(sizeLabel)/2, sizeLabel, rgb(hexText), alignCenter)
	}
	if p.Y.Label != "" {
		c.textUp(c.fitText(p.Y.Label, sizeLabel, a.B-a.T), margin+c.px(sizeLabel)/2, (a.T+a.B)/2, sizeLabel, rgb(hexText))
	}
	p.drawLegend(c)
}

// drawAxes draws the axis lines, tick marks and tick labels over the data.
func (p *plot) drawAxes(c *canvas) {
	a := p.area
	axisCol := rgb(hexAxis)
	c.polyline([]pt{{a.L, a.T}, {a.L, a.B}}, axisCol, 1, nil)
	c.polyline([]pt{{a.L, a.B}, {a.R, a.B}}, axisCol, 1, nil)
	for _, t := range p.X.ticks {
		x := p.X.pos(t.V)
		c.polyline([]pt{{x, a.B}, {x, a.B + 5}}, axisCol, 1, nil)
		c.text(t.Label, x, a.B+8+c.px(sizeTick)/2, sizeTick, rgb(hexText), alignCenter)
	}
	for _, t := range p.Y.ticks {
		y := p.Y.pos(t.V)
		c.polyline([]pt{{a.L - 5, y}, {a.L, y}}, axisCol, 1, nil)
		c.text(t.Label, a.L-8, y, sizeTick, rgb(hexText), alignRight)
	}
}

// drawLegend draws the legend rows centred under the x-axis label.
func (p *plot) drawLegend(c *canvas) {
	y := float64(p.H) - margin - float64(len(p.Rows))*legendLineH + legendLineH/2
	for r, row := range p.Rows {
		x := (float64(p.W) - p.legendW[r]) / 2
		for _, i := range row {
			it := p.Legend[i]
			drawSwatch(c, it, x, y)
			c.text(it.Label, x+swatchW+5, y, sizeSmall, rgb(hexText), alignLeft)
			x += swatchW + 5 + c.textWidth(it.Label, sizeSmall) + legendGapX
		}
		y += legendLineH
	}
}

// drawSwatch draws a legend entry's swatch with its left edge at x.
func drawSwatch(c *canvas, it legendItem, x, y float64) {
	col := it.Look.Color
	switch it.Kind {
	case legendBox:
		c.bar(x+3, y-5, x+swatchW-3, y+5, it.Look)
	case legendBand:
		c.rect(x, y-5, x+swatchW, y+5, col.WithAlpha(bandAlpha), drawing.Color{})
	case legendWhisker:
		c.polyline([]pt{{x + 2, y}, {x + swatchW - 2, y}}, col, 1, nil)
		c.polyline([]pt{{x + 2, y - 4}, {x + 2, y + 4}}, col, 1, nil)
		c.polyline([]pt{{x + swatchW - 2, y - 4}, {x + swatchW - 2, y + 4}}, col, 1, nil)
	case legendMarker, legendHollow:
		fill := col
		if it.Kind == legendHollow {
			fill = drawing.Color{}
		}
		c.marker(pt{x + swatchW/2, y}, 4, it.Look.Shape, fill, col)
	default:
		c.polyline([]pt{{x, y}, {x + swatchW, y}}, col, 2, it.Look.Dash)
	}
}

// bandAlpha is the opacity of interval bands.
const bandAlpha = 0x33

// line draws the line through (xs[i], ys[i]); a NaN in ys breaks it.
func (p *plot) line(c *canvas, xs, ys []float64, l look, width float64) {
	var seg []pt
	for i := range xs {
		q := p.at(xs[i], ys[i])
		if math.IsNaN(q.X) || math.IsNaN(q.Y) {
			c.polyline(seg, l.Color, width, l.Dash)
			seg = seg[:0]
			continue
		}
		seg = append(seg, q)
	}
	c.polyline(seg, l.Color, width, l.Dash)
}

// band fills the area between lo and hi over xs, the interval of the
// line through mean.
func (p *plot) band(c *canvas, xs, mean, lo, hi []float64, col drawing.Color) {
	if len(xs) < 2 {
		return
	}
	for i := range xs {
		c.record(traceItem{Kind: traceInterval, Axis: 'y', Lo: lo[i], Mid: mean[i], Hi: hi[i]})
	}
	pts := make([]pt, 0, 2*len(xs))
	for i := range xs {
		pts = append(pts, p.at(xs[i], hi[i]))
	}
	for i := len(xs) - 1; i >= 0; i-- {
		pts = append(pts, p.at(xs[i], lo[i]))
	}
	c.polygon(pts, col.WithAlpha(bandAlpha), drawing.Color{})
}

// errorBarX draws an error bar over lo–hi on the x-axis at pixel height y,
// with caps of half-width w: the interval of mean.
func (p *plot) errorBarX(c *canvas, lo, mean, hi, y, w float64, col drawing.Color) {
	c.record(traceItem{Kind: traceInterval, Axis: 'x', Lo: lo, Mid: mean, Hi: hi})
	whisker(c, pt{p.X.pos(lo), y}, pt{p.X.pos(hi), y}, w, col)
}

// errorBarY draws an error bar over lo–hi on the y-axis at pixel x, with
// caps of half-width w: the interval of mean.
func (p *plot) errorBarY(c *canvas, x, lo, mean, hi, w float64, col drawing.Color) {
	c.record(traceItem{Kind: traceInterval, Axis: 'y', Lo: lo, Mid: mean, Hi: hi})
	whisker(c, pt{x, p.Y.pos(lo)}, pt{x, p.Y.pos(hi)}, w, col)
}

// traceItem is something a chart drew, in data units, for tests to check
// against the bounds of its quantity: an axis's range, or an interval
// (an error bar, or a band at one x) with the mean it belongs to.
type traceItem struct {
	Kind        traceKind
	Axis        byte // Axis is 'x' or 'y', the axis the values lie on.
	Lo, Mid, Hi float64
	Text        string // Text is what a traceText drew.
}

// traceKind is what a traceItem records.
type traceKind int

const (
	traceAxis     traceKind = iota // an axis's range, Lo–Hi
	traceInterval                  // an interval Lo–Hi around Mid
	traceText                      // a text, Text
)

// whisker draws an error bar from a to b with caps of half-width w.
func whisker(c *canvas, a, b pt, w float64, col drawing.Color) {
	c.polyline([]pt{a, b}, col, 1, nil)
	if a.X == b.X {
		c.polyline([]pt{{a.X - w, a.Y}, {a.X + w, a.Y}}, col, 1, nil)
		c.polyline([]pt{{b.X - w, b.Y}, {b.X + w, b.Y}}, col, 1, nil)
		return
	}
	c.polyline([]pt{{a.X, a.Y - w}, {a.X, a.Y + w}}, col, 1, nil)
	c.polyline([]pt{{b.X, b.Y - w}, {b.X, b.Y + w}}, col, 1, nil)
}
