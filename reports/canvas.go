package reports

import (
	"math"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
	"golang.org/x/image/font"
)

// Font sizes in points.
const (
	sizeTitle = 13.0
	sizeLabel = 10.0
	sizeTick  = 9.0
	sizeSmall = 8.5
)

// canvas draws on a go-chart renderer with the report's font. Every
// primitive resets the renderer's style first, since go-chart's SVG renderer
// writes the whole style on every path and text.
type canvas struct {
	r    chart.Renderer
	font *fontSet
	// lang is the language the charts built with this canvas are labelled
	// in; the zero value is English.
	lang Lang
	// faces measures text by the glyphs' advances, one face per font and
	// size, instead of a new face per measurement: all SVG text, and PNG
	// text of several runs (see runWidth); nil for a PNG canvas until then.
	faces map[faceKey]font.Face
	svg   bool // svg is set for a canvas on go-chart's SVG renderer.
	// trace, when set, is told what the charts draw in data units (see
	// traceItem); tests set it.
	trace func(traceItem)
}

// record tells c.trace, if set, of it.
func (c *canvas) record(it traceItem) {
	if c.trace != nil {
		c.trace(it)
	}
}

// faceKey names a font face: a font at a size.
type faceKey struct {
	font *truetype.Font
	size float64
}

// pt is a point in pixels.
type pt struct{ X, Y float64 }

// align is a horizontal text alignment.
type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// px returns the height in pixels of text of the given size.
func (c *canvas) px(size float64) float64 { return size * c.r.GetDPI() / 72 }

func iround(v float64) int { return int(math.Round(v)) }

// textWidth returns the width in pixels of s at size, each run measured in
// the font that draws it.
func (c *canvas) textWidth(s string, size float64) float64 {
	runs := c.font.runs(s)
	if len(runs) == 1 {
		return c.runWidth(runs[0], size, false)
	}
	w := 0.0
	for _, run := range runs {
		w += c.runWidth(run, size, true)
	}
	return w
}

// runWidth returns the width in pixels of one run at size. SVG text is
// measured by the glyphs' advances, as go-chart's SVG renderer does; PNG
// text by go-chart's raster measure (the glyphs' bounds) when it is the
// whole text, and by advances when it is one run of several (mixed, where
// the bounds would drop a run's leading and trailing spaces).
func (c *canvas) runWidth(run textRun, size float64, mixed bool) float64 {
	if c.svg || mixed {
		if c.faces == nil {
			c.faces = map[faceKey]font.Face{}
		}
		k := faceKey{run.font, size}
		f, ok := c.faces[k]
		if !ok {
			dpi := c.r.GetDPI()
			if !c.svg {
				// go-chart's raster renderer scales glyphs by size × DPI
				// in 26.6 fixed point, an em of size × DPI / 64 pixels
				// where the SVG's is size × DPI / 72: its text is an
				// eighth wider.
				dpi *= 72.0 / 64
			}
			f = truetype.NewFace(run.font, &truetype.Options{DPI: dpi, Size: size})
			c.faces[k] = f
		}
		return float64(font.MeasureString(f, run.s).Ceil())
	}
	c.r.ResetStyle()
	c.r.SetFont(run.font)
	c.r.SetFontSize(size)
	return float64(c.r.MeasureText(run.s).Width())
}

// text draws s at size with its vertical middle at y, aligned on x.
func (c *canvas) text(s string, x, y, size float64, col drawing.Color, a align) {
	if s == "" {
		return
	}
	switch a {
	case alignCenter:
		x -= c.textWidth(s, size) / 2
	case alignRight:
		x -= c.textWidth(s, size)
	}
	c.drawRuns(s, x, y, size, col, false)
}

// textUp draws s turned a quarter left (reading upwards), centred on (x, y).
func (c *canvas) textUp(s string, x, y, size float64, col drawing.Color) {
	if s == "" {
		return
	}
	y += c.textWidth(s, size) / 2
	c.drawRuns(s, x, y, size, col, true)
}

// drawRuns draws s from (x, y) one font run at a time, along the line or,
// with up, turned a quarter left (reading upwards).
func (c *canvas) drawRuns(s string, x, y, size float64, col drawing.Color, up bool) {
	c.record(traceItem{Kind: traceText, Text: s})
	runs := c.font.runs(s)
	for i, run := range runs {
		c.r.ResetStyle()
		c.r.SetFont(run.font)
		c.r.SetFontSize(size)
		c.r.SetFontColor(col)
		if up {
			c.r.SetTextRotation(-math.Pi / 2)
			c.r.Text(run.s, iround(x+c.px(size)*0.35), iround(y))
			c.r.ClearTextRotation()
		} else {
			c.r.Text(run.s, iround(x), iround(y+c.px(size)*0.35))
		}
		if i == len(runs)-1 {
			break
		}
		if w := c.runWidth(run, size, true); up {
			y -= w
		} else {
			x += w
		}
	}
}

// fitText shortens s with an ellipsis until it is at most w pixels wide.
func (c *canvas) fitText(s string, size, w float64) string {
	if c.textWidth(s, size) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if t := string(r) + "…"; c.textWidth(t, size) <= w {
			return t
		}
	}
	return "…"
}

// path traces pts as one open or closed path.
func (c *canvas) path(pts []pt, closed bool) {
	c.r.MoveTo(iround(pts[0].X), iround(pts[0].Y))
	for _, p := range pts[1:] {
		c.r.LineTo(iround(p.X), iround(p.Y))
	}
	if closed {
		c.r.Close()
	}
}

// polyline strokes the line through pts.
func (c *canvas) polyline(pts []pt, col drawing.Color, width float64, dash []float64) {
	if len(pts) < 2 {
		return
	}
	c.r.ResetStyle()
	c.r.SetStrokeColor(col)
	c.r.SetStrokeWidth(width)
	c.r.SetStrokeDashArray(dash)
	c.path(pts, false)
	c.r.Stroke()
}

// polygon fills the polygon pts, and strokes it when stroke is not zero.
func (c *canvas) polygon(pts []pt, fill, stroke drawing.Color) {
	if len(pts) < 3 {
		return
	}
	c.r.ResetStyle()
	c.r.SetFillColor(fill)
	c.path(pts, true)
	if stroke.IsZero() {
		c.r.Fill()
		return
	}
	c.r.SetStrokeColor(stroke)
	c.r.SetStrokeWidth(1)
	c.r.FillStroke()
}

// rect fills the rectangle between two corners.
func (c *canvas) rect(x0, y0, x1, y1 float64, fill, stroke drawing.Color) {
	c.polygon([]pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, fill, stroke)
}

// marker shapes.
type shape int

const (
	shapeCircle shape = iota
	shapeSquare
	shapeDiamond
)

// marker draws a marker of radius r at p, filled with fill (zero: hollow).
func (c *canvas) marker(p pt, r float64, s shape, fill, stroke drawing.Color) {
	var pts []pt
	switch s {
	case shapeSquare:
		pts = []pt{{p.X - r, p.Y - r}, {p.X + r, p.Y - r}, {p.X + r, p.Y + r}, {p.X - r, p.Y + r}}
	case shapeDiamond:
		pts = []pt{{p.X, p.Y - r*1.3}, {p.X + r*1.3, p.Y}, {p.X, p.Y + r*1.3}, {p.X - r*1.3, p.Y}}
	default:
		for i := range 8 {
			a := float64(i) * math.Pi / 4
			pts = append(pts, pt{p.X + r*math.Cos(a), p.Y + r*math.Sin(a)})
		}
	}
	if fill.IsZero() {
		fill = rgb(hexWhite)
	}
	c.polygon(pts, fill, stroke)
}
