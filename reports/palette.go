package reports

import "github.com/wcharczuk/go-chart/v2/drawing"

// Colours outside the series palette, as 0xRRGGBB.
const (
	hexText    = 0x222222
	hexMuted   = 0x666666
	hexAxis    = 0x333333
	hexGrid    = 0xe3e3e3
	hexWhite   = 0xffffff
	hexQuota   = 0xcfcfcf
	hexNeutral = 0x555555
)

// rgb returns the opaque colour 0xRRGGBB.
func rgb(hex uint32) drawing.Color {
	return drawing.Color{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// okabeIto returns the Okabe–Ito palette, ordered so that the first colours
// stay far apart and the pale yellow comes last.
func okabeIto() [8]drawing.Color {
	return [8]drawing.Color{
		rgb(0x0072b2), // blue
		rgb(0xe69f00), // orange
		rgb(0x009e73), // bluish green
		rgb(0xd55e00), // vermillion
		rgb(0xcc79a7), // reddish purple
		rgb(0x56b4e9), // sky blue
		rgb(0x000000), // black
		rgb(0xf0e442), // yellow
	}
}

// look is how one series is drawn: its colour and, from the ninth series on,
// what tells it apart from the earlier series of that colour: a dashed line,
// a pale bar with a solid outline and another marker shape.
type look struct {
	Color drawing.Color
	Dash  []float64
	Shape shape
}

// seriesLook returns the look of series i; an arm's index gives its look in
// every chart.
func seriesLook(i int) look {
	p := okabeIto()
	l := look{Color: p[i%len(p)]}
	switch (i / len(p)) % 3 {
	case 1:
		l.Dash, l.Shape = []float64{6, 3}, shapeDiamond
	case 2:
		l.Dash, l.Shape = []float64{2, 2}, shapeSquare
	}
	return l
}

// bar fills a bar between two corners in a series' look.
func (c *canvas) bar(x0, y0, x1, y1 float64, l look) {
	if l.Dash == nil {
		c.rect(x0, y0, x1, y1, l.Color, drawing.Color{})
		return
	}
	c.rect(x0, y0, x1, y1, l.Color.WithAlpha(0x55), l.Color)
}

// codeColor returns the colour of a response code: accepted green, the quota
// refusal orange, risk control vermillion; the i-th other code takes the
// remaining colours in turn.
func codeColor(code string, i int) drawing.Color {
	p := okabeIto()
	switch code {
	case "accepted":
		return p[2]
	case "FREQUENCY_LIMITED":
		return p[1]
	case "REQUEST_BLOCKED":
		return p[3]
	}
	others := [...]drawing.Color{p[0], p[4], p[5], p[6], p[7]}
	return others[i%len(others)]
}
