package reports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// quantityBounds returns the values KPI k can take, read from its unit as
// docs/REPORTS.md states them (and not from results.Bounds, which the code
// under test uses): percentages 0–100; counts, counts per person and CNY
// spent or taken never negative; net money and everything else unbounded.
func quantityBounds(k results.KPI) results.Bounds {
	switch k.Unit {
	case "%":
		return results.Bounds{Lo: 0, Hi: 100}
	case "users", "coupons", "claims", "offers", "sends", "attempts", "inquiries", "purchases", "hops",
		"new customers per user", "new customers per sharer":
		return results.Bounds{Lo: 0, Hi: math.Inf(1)}
	case "CNY":
		if k.ID != "incremental_profit" && k.ID != "incremental_revenue" {
			return results.Bounds{Lo: 0, Hi: math.Inf(1)}
		}
	}
	return results.Bounds{Lo: math.Inf(-1), Hi: math.Inf(1)}
}

// diffBounds are the bounds of a difference of two quantities within b.
func diffBounds(b results.Bounds) results.Bounds {
	if b.Lo == 0 && b.Hi == 100 {
		return results.Bounds{Lo: -100, Hi: 100}
	}
	return results.Bounds{Lo: math.Inf(-1), Hi: math.Inf(1)}
}

// ratioBounds are the bounds of a ratio of two quantities within b.
func ratioBounds(b results.Bounds) results.Bounds {
	if b.Lo >= 0 {
		return results.Bounds{Lo: 0, Hi: math.Inf(1)}
	}
	return results.Bounds{Lo: math.Inf(-1), Hi: math.Inf(1)}
}

// boundsChecker collects the intervals that cross their bounds or miss
// their mean.
type boundsChecker struct {
	t     *testing.T
	where string
}

// interval fails unless lo ≤ mid ≤ hi, all within b and none NaN.
func (bc boundsChecker) interval(what string, lo, mid, hi float64, b results.Bounds) {
	bc.t.Helper()
	switch {
	case math.IsNaN(lo) || math.IsNaN(mid) || math.IsNaN(hi):
		bc.t.Errorf("%s: %s: %g [%g, %g] has a NaN", bc.where, what, mid, lo, hi)
	case lo < b.Lo || hi > b.Hi:
		bc.t.Errorf("%s: %s: %g [%g, %g] crosses its bounds [%g, %g]", bc.where, what, mid, lo, hi, b.Lo, b.Hi)
	case !(lo <= mid && mid <= hi):
		bc.t.Errorf("%s: %s: %g lies outside [%g, %g]", bc.where, what, mid, lo, hi)
	}
}

// checkResults checks every interval of sim as results hold it.
func (bc boundsChecker) checkResults(sim *results.Simulation) {
	bc.t.Helper()
	for _, a := range sim.Arms {
		for _, k := range sim.KPIs {
			b := quantityBounds(k)
			if e, ok := a.KPIs[k.ID]; ok {
				bc.interval(a.Name+" "+k.ID, e.Low, e.Mean, e.High, b)
			}
			d, ok := a.Diffs[k.ID]
			if !ok {
				continue
			}
			bc.interval(a.Name+" "+k.ID+" difference", d.Low, d.Mean, d.High, diffBounds(b))
			if d.HasRatioInterval() {
				bc.interval(a.Name+" "+k.ID+" ratio", d.RatioLow, d.Ratio, d.RatioHigh, ratioBounds(b))
			}
		}
		for _, d := range a.Series {
			for _, c := range seriesColumns() {
				e := c.Get(d)
				bc.interval(fmt.Sprintf("%s day %d %s", a.Name, d.Day, c.Name), e.Low, e.Mean, e.High, seriesQuantity(c.Name))
			}
		}
	}
}

// seriesQuantity returns the bounds of a daily series: the fund float is a
// percentage, the rest are counts.
func seriesQuantity(name string) results.Bounds {
	if name == "float" {
		return results.Bounds{Lo: 0, Hi: 100}
	}
	return results.Bounds{Lo: 0, Hi: math.Inf(1)}
}

// checkJSON writes sim as results.json, reads it back and checks it.
func (bc boundsChecker) checkJSON(sim *results.Simulation) {
	bc.t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, sim); err != nil {
		bc.t.Fatal(err)
	}
	in, err := Decode(&b)
	if err != nil {
		bc.t.Fatal(err)
	}
	bc.where += ", results.json"
	bc.checkResults(in.Simulation)
}

// readCSV parses a CSV file into rows keyed by its header.
func readCSV(t *testing.T, data []byte) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// parseNum reads a number of a CSV file: the shortest form, or ±Inf.
func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number: %v", s, err)
	}
	return v
}

// checkCSV checks kpis.csv and timeseries.csv as WriteKPIsCSV and
// WriteTimeseriesCSV write them.
func (bc boundsChecker) checkCSV(sim *results.Simulation) {
	t := bc.t
	t.Helper()
	kpis := map[string]results.KPI{}
	for _, k := range sim.KPIs {
		kpis[k.ID] = k
	}
	var b bytes.Buffer
	if err := WriteKPIsCSV(&b, sim); err != nil {
		t.Fatal(err)
	}
	for _, r := range readCSV(t, b.Bytes()) {
		qb := quantityBounds(kpis[r["kpi"]])
		what := "kpis.csv " + r["arm"] + " " + r["kpi"]
		bc.interval(what, parseNum(t, r["ci_low"]), parseNum(t, r["mean"]), parseNum(t, r["ci_high"]), qb)
		if r["diff_mean"] != "" {
			bc.interval(what+" difference", parseNum(t, r["diff_ci_low"]), parseNum(t, r["diff_mean"]), parseNum(t, r["diff_ci_high"]), diffBounds(qb))
		}
		if r["ratio_low"] != "" {
			bc.interval(what+" ratio", parseNum(t, r["ratio_low"]), parseNum(t, r["ratio"]), parseNum(t, r["ratio_high"]), ratioBounds(qb))
		}
	}
	b.Reset()
	if err := WriteTimeseriesCSV(&b, sim); err != nil {
		t.Fatal(err)
	}
	for _, r := range readCSV(t, b.Bytes()) {
		for _, c := range seriesColumns() {
			bc.interval("timeseries.csv "+r["arm"]+" day "+r["day"]+" "+c.Name,
				parseNum(t, r[c.Name+"_ci_low"]), parseNum(t, r[c.Name]), parseNum(t, r[c.Name+"_ci_high"]), seriesQuantity(c.Name))
		}
	}
}

// textInterval matches "mean [low, high]" in the terminal summary, and
// "×ratio [low, high]" with an open end for an infinite one.
var (
	textInterval = regexp.MustCompile(`(^|  |\t)([-+]?[0-9][0-9,.e+-]*) \[([-+]?[0-9][0-9,.e+-]*), ([-+]?[0-9][0-9,.e+-]*)\]`)
	textRatio    = regexp.MustCompile(`×([0-9][0-9,.e+-]*) ([\[(])(−∞|[-+]?[0-9][0-9,.e+-]*), (∞|[-+]?[0-9][0-9,.e+-]*)([\])])`)
)

// parseText reads a number as formatNumber writes it; ∞ and −∞ are
// infinite.
func parseText(s string) (float64, error) {
	switch s {
	case "∞":
		return math.Inf(1), nil
	case "−∞":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
}

// checkText checks the intervals of the terminal summary: the levels'
// table, then the differences' with their ratios.
func (bc boundsChecker) checkText(sim *results.Simulation) {
	t := bc.t
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, sim); err != nil {
		t.Fatal(err)
	}
	diffs := false
	seen := 0
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Paired difference") {
			diffs = true
		}
		var k results.KPI
		found := false
		for _, x := range sim.KPIs {
			if l := label(x); strings.HasPrefix(line, l+" ") && len(l) > len(label(k)) {
				k, found = x, true
			}
		}
		if !found {
			continue
		}
		qb := quantityBounds(k)
		if diffs {
			qb = diffBounds(qb)
		}
		num := func(s string) float64 {
			v, err := parseText(s)
			if err != nil {
				t.Fatalf("%q in %q: %v", s, line, err)
			}
			return v
		}
		for _, m := range textInterval.FindAllStringSubmatch(line[len(label(k)):], -1) {
			seen++
			bc.interval("summary "+k.ID, num(m[3]), num(m[2]), num(m[4]), qb)
		}
		for _, m := range textRatio.FindAllStringSubmatch(line, -1) {
			lo, hi := num(m[3]), num(m[4])
			if (m[2] == "(") != math.IsInf(lo, -1) || (m[5] == ")") != math.IsInf(hi, 1) {
				t.Errorf("%s: ratio interval %q: an open bracket is for an infinite end", bc.where, m[0])
			}
			bc.interval("summary "+k.ID+" ratio", lo, num(m[1]), hi, ratioBounds(quantityBounds(k)))
		}
	}
	if seen == 0 {
		t.Errorf("%s: no intervals found in the summary:\n%s", bc.where, b.String())
	}
}

// checkCharts draws every chart of sim's report on a tracing canvas and
// checks each axis's range and each drawn interval against the bounds of
// the quantity on that axis.
func (bc boundsChecker) checkCharts(sim *results.Simulation) {
	t := bc.t
	t.Helper()
	font := mustFont(t)
	page := newSimPage(measurer(font), sim)
	kpis := kpiList(sim)
	bySlug := map[string]results.KPI{}
	for _, k := range kpis {
		bySlug[slug(k.ID)] = k
	}
	kpiOf := func(name string) results.KPI {
		_, rest, _ := strings.Cut(name, "-")
		_, s, _ := strings.Cut(rest, "-")
		k, ok := bySlug[s]
		if !ok {
			t.Fatalf("figure %s names no KPI", name)
		}
		return k
	}
	free := results.Bounds{Lo: math.Inf(-1), Hi: math.Inf(1)}
	for _, f := range page.figures() {
		// The bounds of the quantities on the x- and y-axes.
		var x, y results.Bounds
		switch {
		case strings.HasPrefix(f.Name, "kpi-"):
			x, y = quantityBounds(kpiOf(f.Name)), free
		case strings.HasPrefix(f.Name, "diff-"):
			x, y = diffBounds(quantityBounds(kpiOf(f.Name))), free
		case strings.HasPrefix(f.Name, "sweep-"):
			x, y = free, quantityBounds(kpiOf(f.Name))
		case f.Name == "tradeoff":
			x, y = quantityBounds(page.tradeX), quantityBounds(page.tradeY)
		case f.Name == "change":
			// Changes in % of the baseline's mean: never below −100% when
			// every KPI charted is never negative.
			x, y = free, free
			if !slices.ContainsFunc(page.changed, func(k results.KPI) bool { return quantityBounds(k).Lo < 0 }) {
				x = results.Bounds{Lo: -100, Hi: math.Inf(1)}
			}
		case slices.Contains([]string{"claims", "gifts", "redemptions", "expiries", "float"}, f.Name):
			x, y = results.Bounds{Lo: 0, Hi: math.Inf(1)}, seriesQuantity(f.Name)
		case f.Name == "funnel", f.Name == "cascade":
			x, y = free, results.Bounds{Lo: 0, Hi: math.Inf(1)}
		case strings.HasPrefix(f.Name, "heatmap-"):
			x, y = free, free
		case strings.HasPrefix(f.Name, "quota-"):
			x, y = free, results.Bounds{Lo: 0, Hi: math.Inf(1)} // sends per day (quotacharts.go)
		default:
			t.Fatalf("figure %s: which quantities does it show? (add it to checkCharts)", f.Name)
		}
		c, err := newCanvas(true, f.W, f.H, font)
		if err != nil {
			t.Fatal(err)
		}
		var items []traceItem
		c.trace = func(it traceItem) { items = append(items, it) }
		f.draw(c)
		for _, it := range items {
			if it.Kind == traceText {
				continue
			}
			b := x
			if it.Axis == 'y' {
				b = y
			}
			what := fmt.Sprintf("chart %s, %c", f.Name, it.Axis)
			if it.Kind == traceAxis {
				bc.interval(what+"-axis range", it.Lo, it.Lo, it.Hi, b)
				continue
			}
			bc.interval(what+" interval", it.Lo, it.Mid, it.Hi, b)
		}
	}
}

// checkAll checks sim's intervals everywhere a report shows them; withJSON
// also checks results.json (which keeps what the simulator wrote).
func checkAll(t *testing.T, where string, s *results.Simulation, withJSON bool) {
	t.Helper()
	bc := boundsChecker{t: t, where: where}
	if withJSON {
		bc.checkJSON(s)
	}
	bc.checkCSV(s)
	bc.checkText(s)
	bc.checkCharts(s)
}

// ratioUnbounded reports whether d's ratio has an interval with an infinite
// end: the baseline's mean is not distinguishable from zero.
func ratioUnbounded(d results.Diff) bool {
	return d.HasRatioInterval() && (math.IsInf(d.RatioLow, 0) || math.IsInf(d.RatioHigh, 0))
}

// legacyFixture is a simulation as saved before intervals respected their
// bounds: t intervals of counts below zero, of percentages above 100, of
// differences of percentages beyond ±100 points, a daily band below zero;
// and a sweep whose counts are all zero and whose percentages are all 100,
// where a padded axis would leave the bounds.
func legacyFixture() *results.Simulation {
	s := simFixture(4, 10, true)
	s.KPIs = append(s.KPIs,
		results.KPI{ID: "risk_blocked", Name: "Blocked by risk control", Unit: "attempts", Better: "lower"},
		results.KPI{ID: "timely", Name: "Redeemed within 24 h", Unit: "%", Better: "higher"})
	for i := range s.Arms {
		a := &s.Arms[i]
		a.KPIs["risk_blocked"] = results.Estimate{Mean: 0, Low: 0, High: 0, N: 20}
		a.KPIs["timely"] = results.Estimate{Mean: 100, Low: 100, High: 100, N: 20}
		a.KPIs["inquiries"] = results.Estimate{Mean: 1, Low: -1.1, High: 3.1, SD: 2, N: 6}
		a.KPIs["claim_rate"] = results.Estimate{Mean: 99, Low: 96, High: 102, SD: 2, N: 6}
		a.Series[0].Expiries = results.Estimate{Mean: 0.5, Low: -0.7, High: 1.7, SD: 1, N: 6}
		if i > 0 {
			a.Diffs["claim_rate"] = results.Diff{Estimate: results.Estimate{Mean: 50, Low: -585, High: 685, N: 2}, Ratio: 2}
			a.Diffs["risk_blocked"] = results.Diff{}
			a.Diffs["timely"] = results.Diff{Ratio: 1}
		}
	}
	return s
}

// liveStream runs the bundled live-stream example small, with ten times the
// default share of users behind abnormal IPs: the traditional push then has
// a rare risk-control block, the live-stream grab a few. swap makes the
// live-stream arm the baseline; central drops the calibrated ensemble.
func liveStream(t *testing.T, swap, central bool) *results.Simulation {
	t.Helper()
	exp, err := scenarios.LoadExample("live-stream")
	if err != nil {
		t.Fatal(err)
	}
	exp.Replications = 6
	for i := range exp.Arms {
		exp.Arms[i].Config.Population.Users = 4000
		exp.Arms[i].Config.Population.AbnormalIPShare = 0.02
	}
	if swap {
		exp.Arms[0], exp.Arms[1] = exp.Arms[1], exp.Arms[0]
	}
	if central {
		exp.Ensemble = nil
	}
	res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIntervalsWithinBounds renders simulations, the report fixtures, old
// results whose t intervals cross their bounds, and small runs of a bundled
// example with rare counts, with and without the calibrated ensemble, and
// checks that every interval in results.json, kpis.csv, timeseries.csv, the
// terminal summary and the charts (error bars, bands and axes) lies within
// its quantity's bounds and holds its mean.
func TestIntervalsWithinBounds(t *testing.T) {
	t.Run("fixtures", func(t *testing.T) {
		checkAll(t, "3 arms", simFixture(3, 30, false), true)
		checkAll(t, "sweep", simFixture(5, 30, true), true)
		checkAll(t, "report", reportFixture(), true)
	})
	t.Run("legacy", func(t *testing.T) {
		s := legacyFixture()
		// The input crosses its bounds, so that the test bites.
		e := s.Arms[0].KPIs["inquiries"]
		if e.Low >= 0 {
			t.Fatal("the legacy fixture does not cross zero")
		}
		checkAll(t, "legacy", s, false)
	})
	runs := []struct {
		name           string
		swap, central  bool
		wantPrediction bool
	}{
		{"live-stream", false, false, true},
		{"live-stream, rare baseline", true, false, true},
		{"live-stream, central", false, true, false},
		{"live-stream, rare baseline, central", true, true, false},
	}
	unbounded := 0
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			s := liveStream(t, r.swap, r.central)
			if s.PredictionIntervals() != r.wantPrediction {
				t.Errorf("prediction intervals %v, want %v", s.PredictionIntervals(), r.wantPrediction)
			}
			if blocked := s.Arms[0].KPIs["risk_blocked"].Mean + s.Arms[1].KPIs["risk_blocked"].Mean; blocked <= 0 {
				t.Error("no risk-control blocks: want rare counts")
			}
			for _, a := range s.Arms[1:] {
				for _, d := range a.Diffs {
					if ratioUnbounded(d) {
						unbounded++
					}
				}
			}
			checkAll(t, r.name, s, true)
		})
	}
	t.Logf("%d unbounded ratio intervals in the runs", unbounded)
}

// TestLabelsNameTheInterval checks that the report names the levels'
// intervals as prediction intervals when the run drew from the ensemble
// and as confidence intervals of the mean when it did not, and the
// differences' and the daily bands' as confidence intervals either way.
func TestLabelsNameTheInterval(t *testing.T) {
	ensemble := reportFixture()
	ensemble.EnsembleSets = 5
	for i := range ensemble.Arms {
		for id, e := range ensemble.Arms[i].KPIs {
			e.ModelSD, e.NoiseSD = 0.5, 1
			ensemble.Arms[i].KPIs[id] = e
		}
	}
	one := simFixture(1, 3, false)
	oneEnsemble := simFixture(1, 3, false)
	oneEnsemble.EnsembleSets = 3
	tests := []struct {
		name       string
		sim        *results.Simulation
		want, lack []string
	}{
		{"central", reportFixture(),
			[]string{"best arm's mean (95% CI)", "95% confidence interval of the mean", "95% confidence band of the mean",
				diffLegend, "its 95% confidence interval of the mean (simulation noise only", "Fieller's theorem"},
			[]string{"prediction"}},
		{"ensemble", ensemble,
			[]string{"best arm's mean (95% prediction interval)", "95% prediction interval (model and noise)", "95% confidence band of the mean",
				diffLegend, "its 95% prediction interval over 5 of the model's calibrated parameter sets", "model 83%",
				"Unlike the KPIs' prediction intervals"},
			[]string{"95% confidence interval of the mean<"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, html := renderPage(t, tc.sim)
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("report.html lacks %q", w)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(html, l) {
					t.Errorf("report.html has %q", l)
				}
			}
		})
	}
	for _, tc := range []struct {
		sim  *results.Simulation
		want string
	}{
		{one, "(95% CI "}, {oneEnsemble, "(95% prediction interval "},
	} {
		if got := answer(tc.sim, kpiList(tc.sim)); !strings.Contains(got, tc.want) {
			t.Errorf("answer %q lacks %q", got, tc.want)
		}
	}
	var b bytes.Buffer
	if err := WriteText(&b, ensemble); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"; mean [95% prediction interval]", "levels: prediction intervals over 5", "arm − baseline [95% CI] ×ratio of means [95% CI]"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("the summary lacks %q:\n%s", w, b.String())
		}
	}
}
