package reports

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"giftsim/results"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// chartCases returns one figure of every chart kind, built from the
// fixtures: 3 arms × 30 days, a 5-arm sweep, and a 3-minute load run.
func chartCases(t testing.TB, mc *canvas) map[string]*figure {
	t.Helper()
	sim := simFixture(3, 30, false)
	sweep := simFixture(5, 30, true)
	load := loadFixture(180, "h1", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	k2 := sim.KPIs[1]
	kpis := kpiList(sweep)
	return map[string]*figure{
		"kpi-bars":    kpiBarsFigure(mc, sim, k2, "kpi-bars"),
		"forest":      forestFigure(mc, sim, k2, "forest"),
		"series":      seriesFigure(mc, sim, "series", "Claims per day", "coupons claimed per day", func(d results.Day) results.Estimate { return d.Claims }),
		"funnel":      funnelFigure(mc, sim),
		"heatmap":     heatmapFigure(English, sim.Arms[0], 0, heatmapMax(sim.Arms)),
		"cascade":     cascadeFigure(mc, sim),
		"sweep":       sweepKPIFigure(mc, sweep, newSweepAxis(sweep), kpis[1], "sweep"),
		"tradeoff":    tradeoffFigure(English, sweep, newSweepAxis(sweep).Groups, kpis[4], kpis[1]),
		"change":      changeFigure(mc, pairFixture(), kpiList(pairFixture())),
		"latency":     latencyFigure(mc, load),
		"throughput":  throughputFigure(mc, load),
		"percentiles": percentileFigure(load),
		"quota":       quotaFigure(mc, load),
		"sim-quota":   quotaDaysFigure(mc, quotaFixture(), 0),
		"tornado":     tornadoFigure(mc, sensFixture(), "tornado"),
		"morris":      morrisFigure(English, sensFixture(), "morris"),
		"sobol":       sobolFigure(mc, sensFixture(), "sobol"),
	}
}

// TestChartGolden renders every chart kind and compares its SVG with
// testdata/golden; -update rewrites them. Each SVG must be well-formed XML
// that names its title.
func TestChartGolden(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range chartCases(t, measurer(font)) {
		t.Run(name, func(t *testing.T) {
			if err := f.renderSVG(font); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, f.svg, f.Title)
			golden := filepath.Join("testdata", "golden", name+".svg")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, f.svg, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -run TestChartGolden -update)", err)
			}
			if !bytes.Equal(f.svg, want) {
				t.Errorf("%s differs from the golden file; if the change is meant, run go test ./reports -run TestChartGolden -update and review the diff", name)
			}
		})
	}
}

// checkSVG fails unless svg is well-formed XML with a sized root that holds
// the text want.
func checkSVG(t *testing.T, svg []byte, want string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	root := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root {
				root = false
				attrs := map[string]string{}
				for _, a := range tok.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if tok.Name.Local != "svg" || attrs["width"] == "" || attrs["height"] == "" || attrs["viewBox"] == "" {
					t.Errorf("root element %s %v: want an svg with width, height and viewBox", tok.Name.Local, attrs)
				}
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, want) {
		t.Errorf("SVG text does not contain %q", want)
	}
}

// TestChartPNG renders charts of two kinds as PNG and checks that they
// decode at the chart's size, are not blank and come out the same twice.
// (PNG rendering is slow under -race, so not every kind is drawn here; the
// PNG and SVG renderers run the same drawing code.)
func TestChartPNG(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	figs := chartCases(t, measurer(font))
	for _, name := range []string{"heatmap", "quota"} {
		t.Run(name, func(t *testing.T) {
			f := figs[name]
			if err := f.renderPNG(font); err != nil {
				t.Fatal(err)
			}
			first := f.png
			img, err := png.Decode(bytes.NewReader(first))
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != f.W || b.Dy() != f.H {
				t.Errorf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), f.W, f.H)
			}
			colours := map[[4]uint32]bool{}
			for y := 0; y < f.H; y += 7 {
				for x := 0; x < f.W; x += 7 {
					r, g, b, a := img.At(x, y).RGBA()
					colours[[4]uint32{r, g, b, a}] = true
				}
			}
			if len(colours) < 5 {
				t.Errorf("PNG has %d colours: blank?", len(colours))
			}
			if err := f.renderPNG(font); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, f.png) {
				t.Error("two renders differ")
			}
		})
	}
}

// TestTicksDoNotOverlap lays out the axes of busy charts, 10 arms over 90
// days and an hour-long load run among them, in both renderers, and checks
// that no two tick labels overlap and that every label stays in the chart.
func TestTicksDoNotOverlap(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	sim := simFixture(10, 90, true)
	days := func(n int) axis {
		a := axis{Ticks: dayTicks(English, sim.Arms[0].Series[:n]), Thin: dayThin()}
		a.include(0, float64(n-1))
		return a
	}
	values := func(kind scaleKind, lo, hi float64) axis {
		a := axis{Kind: kind, Zero: kind == scaleLinear, Nice: kind == scaleLinear}
		a.include(lo, hi)
		return a
	}
	cases := []struct {
		name string
		p    plot
	}{
		{"days-90", plot{W: wideW, H: 400, X: days(90), Y: values(scaleLinear, 0, 1234)}},
		{"days-7", plot{W: narrowW, H: 300, X: days(7), Y: values(scaleLinear, 0, 0.37)}},
		{"load-1h", plot{W: wideW, H: 400, X: timeAxis(3699), Y: values(scaleLinear, 0, 98765)}},
		{"load-90s", plot{W: narrowW, H: 300, X: timeAxis(89), Y: values(scaleLinear, 3, 7)}},
		{"money", plot{W: narrowW, H: 300, X: values(scaleLinear, -12345678, 98765432), Y: values(scaleLinear, 0, 1e9)}},
		{"log", plot{W: narrowW, H: 200, X: values(scaleLinear, 0, 1), Y: values(scaleLog, 0.01, 98765)}},
		{"arms", plot{W: narrowW, H: barsHeight(10), X: values(scaleLinear, 0, 51.4), Y: axis{Kind: scaleBand, Cats: armNames(sim.Arms)}}},
		{"hours", plot{W: 760, H: 300, X: axis{Kind: scaleBand, Cats: strings.Fields("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23")}, Y: axis{Kind: scaleBand, Cats: weekdays(English)}}},
	}
	for _, tc := range cases {
		for _, svg := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/svg=%v", tc.name, svg), func(t *testing.T) {
				c, err := newCanvas(svg, tc.p.W, tc.p.H, font)
				if err != nil {
					t.Fatal(err)
				}
				p := tc.p
				p.layout(c)
				checkTicks(t, c, p, true)
				checkTicks(t, c, p, false)
			})
		}
	}
}

// checkTicks fails when two tick labels of an axis overlap or one leaves the
// chart.
func checkTicks(t *testing.T, c *canvas, p plot, vertical bool) {
	t.Helper()
	a := p.X
	if vertical {
		a = p.Y
	}
	if len(a.ticks) < 2 && a.Kind != scaleBand {
		t.Errorf("vertical=%v: only %d ticks", vertical, len(a.ticks))
	}
	prev := -1e9
	for i, tk := range a.ticks {
		pos := a.pos(tk.V)
		w, h := c.textWidth(tk.Label, sizeTick), c.px(sizeTick)
		lo, hi := pos-w/2, pos+w/2
		if vertical {
			lo, hi = pos-h/2, pos+h/2
			if p.Y.p0 > p.Y.p1 { // values rise upwards: walk the ticks downwards
				lo, hi = -hi, -lo
			}
		}
		if i > 0 && lo < prev+2 {
			t.Errorf("vertical=%v: tick %q overlaps the one before", vertical, tk.Label)
		}
		prev = hi
		if !vertical && (lo < 0 || hi > float64(p.W)) {
			t.Errorf("tick %q at %.0f–%.0f leaves the chart (width %d)", tk.Label, lo, hi, p.W)
		}
	}
}

// TestSparseInput renders every chart of results that hold almost nothing:
// arms without series, heat maps, funnels or cascades, a KPI one arm lacks,
// a sweep of words, a load run without seconds. Nothing may fail or panic.
func TestSparseInput(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	sim := &results.Simulation{
		Schema: results.SchemaVersion, Sweep: []string{"campaign.channel"},
		KPIs: []results.KPI{{ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"}, {ID: "new_customers", Name: "New customers"}},
		Arms: []results.Arm{
			{Name: "official-account", SweepValues: []string{"official-account"}, KPIs: map[string]results.Estimate{"redemption_rate": {Mean: 0}}},
			{Name: "mini-program", SweepValues: []string{"mini-program"}, KPIs: map[string]results.Estimate{"new_customers": {Mean: 5}},
				Series: []results.Day{{Day: 1, Date: "not a date"}}},
		},
	}
	page := newSimPage(measurer(font), sim)
	figs := page.figures()
	figs = append(figs, latencyFigure(measurer(font), &results.Load{}), throughputFigure(measurer(font), &results.Load{}),
		percentileFigure(&results.Load{}), quotaFigure(measurer(font), &results.Load{}))
	for _, f := range figs {
		t.Run(f.Name, func(t *testing.T) {
			if err := f.renderSVG(font); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, f.svg, "")
		})
	}
	if !strings.Contains(page.Answer, "mini-program") && !strings.Contains(page.Answer, "official-account") {
		t.Errorf("answer %q names no arm", page.Answer)
	}
}
