package reports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"giftsim/results"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.5, "0.500"}, {0.0123, "0.0123"}, {1.234, "1.23"}, {12.34, "12.3"},
		{123.4, "123"}, {1234.5, "1,235"}, {-1234567, "-1,234,567"}, {1e-5, "1e-05"},
	}
	for _, tc := range tests {
		if got := formatNumber(tc.in); got != tc.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := formatDiff(4.1, "%"); got != "+4.10 pp" {
		t.Errorf("formatDiff = %q", got)
	}
	if got := formatInterval(-2.26, -0.975, "%", true); got != "-2.26 to -0.975 pp" {
		t.Errorf("formatInterval = %q", got)
	}
	if got := formatValue(2400, "users"); got != "2,400 users" {
		t.Errorf("formatValue = %q", got)
	}
}

func TestTickFormatter(t *testing.T) {
	tests := []struct {
		step, top float64
		v         float64
		want      string
	}{
		{5, 50, 25, "25"}, {0.25, 2, 1.75, "1.75"}, {0.1, 1, 0.3, "0.3"},
		{5000, 50000, 15000, "15k"}, {2e6, 2e7, 1.4e7, "14M"}, {5000, 50000, 0, "0"},
	}
	for _, tc := range tests {
		if got := tickFormatter(tc.step, tc.top)(tc.v); got != tc.want {
			t.Errorf("tickFormatter(%v, %v)(%v) = %q, want %q", tc.step, tc.top, tc.v, got, tc.want)
		}
	}
}

func TestParseSweepValues(t *testing.T) {
	tests := []struct {
		in   []string
		want []float64
		unit string
		ok   bool
	}{
		{[]string{"1d", "7d", "30d"}, []float64{1, 7, 30}, "days", true},
		{[]string{"12h", "1d"}, []float64{0.5, 1}, "days", true},
		{[]string{"30m", "12h"}, []float64{0.5, 12}, "hours", true},
		{[]string{"10:00", "19:30"}, []float64{10, 19.5}, "hour of day", true},
		{[]string{"5%", "12.5%"}, []float64{5, 12.5}, "%", true},
		{[]string{"20", "50"}, []float64{20, 50}, "", true},
		{[]string{"7d", "20"}, nil, "", false},
		{[]string{"official-account", "mini-program"}, nil, "", false},
	}
	for _, tc := range tests {
		got, unit, ok := parseSweepValues(tc.in)
		if ok != tc.ok || unit != tc.unit || !slices.Equal(got, tc.want) {
			t.Errorf("parseSweepValues(%q) = %v %q %v, want %v %q %v", tc.in, got, unit, ok, tc.want, tc.unit, tc.ok)
		}
	}
}

// withDiff returns sim with arm i's difference in KPI id replaced.
func withDiff(sim *results.Simulation, i int, id string, mean, lo, hi float64) *results.Simulation {
	base := sim.Arms[0].KPIs[id]
	e := sim.Arms[i].KPIs[id]
	e.Mean, e.Low, e.High = base.Mean+mean, base.Mean+lo, base.Mean+hi
	sim.Arms[i].KPIs[id] = e
	sim.Arms[i].Diffs[id] = results.Diff{Estimate: results.Estimate{Mean: mean, Low: lo, High: hi},
		Ratio: e.Mean / base.Mean, Significant: lo > 0 || hi < 0}
	return sim
}

// withRatio gives arm 1's difference in redemption_rate of sim the ratio r
// with the interval lo–hi.
func withRatio(sim *results.Simulation, r, lo, hi float64) *results.Simulation {
	d := sim.Arms[1].Diffs["redemption_rate"]
	d.Ratio, d.RatioMethod, d.RatioLow, d.RatioHigh = r, results.FiellerMethod, lo, hi
	sim.Arms[1].Diffs["redemption_rate"] = d
	return sim
}

// withHolm gives arm 1's difference in redemption_rate of sim the p-values
// p and adjusted, after Holm's adjustment over m comparisons.
func withHolm(sim *results.Simulation, p, adjusted float64, m int) *results.Simulation {
	d := sim.Arms[1].Diffs["redemption_rate"]
	d.P, d.PAdjusted, d.Significant = p, adjusted, adjusted < 0.05
	d.Adjustment, d.Comparisons = "holm", m
	sim.Arms[1].Diffs["redemption_rate"] = d
	return sim
}

func TestAnswer(t *testing.T) {
	one := simFixture(1, 3, false)
	onlyK2 := func(sim *results.Simulation) *results.Simulation {
		sim.KPIs = []results.KPI{fixtureKPIs()[1]}
		return sim
	}
	tests := []struct {
		name string
		sim  *results.Simulation
		want []string
	}{
		{"arm wins, significant", onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5)),
			[]string{"7-day wins on Redemption rate (K2)", "a difference of +4.00 pp (95% CI +3.00 to +5.00 pp", "which is significant"}},
		{"arm wins, not significant", onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 1, -1, 3)),
			[]string{"7-day wins on Redemption rate (K2)", "which is not significant: the interval includes zero"}},
		{"arm wins, significant after Holm", onlyK2(withHolm(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 0.0001, 0.0008, 8)),
			[]string{"(95% CI +3.00 to +5.00 pp; ratio ", "which is significant at the 95% level after Holm's adjustment over 8 comparisons"}},
		{"ratio with its interval", onlyK2(withRatio(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 1.08, 1.06, 1.1)),
			[]string{"(95% CI +3.00 to +5.00 pp; ratio 1.08, 95% CI 1.06 to 1.10), which is significant"}},
		{"ratio without an upper bound", onlyK2(withRatio(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 1.08, 0.5, math.Inf(1))),
			[]string{"ratio 1.08, 95% CI 0.500 or more (no upper bound, as the baseline's mean is not distinguishable from zero)"}},
		{"ratio without bounds", onlyK2(withRatio(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 1.08, 0, math.Inf(1))),
			[]string{"ratio 1.08, with no bounded 95% CI as the baseline's mean is not distinguishable from zero"}},
		{"arm wins, not significant after Holm", onlyK2(withHolm(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 0.012, 0.096, 8)),
			[]string{"which is not significant after Holm's adjustment over 8 comparisons (p = 0.0120 before it)"}},
		{"interval includes zero, with Holm", onlyK2(withHolm(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 1, -1, 3), 0.3, 1, 8)),
			[]string{"which is not significant: the interval includes zero"}},
		{"baseline wins", onlyK2(withDiff(simFixture(3, 3, false), 1, "redemption_rate", -2, -3, -1)),
			[]string{"The baseline 30-day wins on Redemption rate (K2)", "the closest arm"}},
		{"one arm", one, []string{"Only one arm ran (30-day)", "nothing to compare"}},
		{"lower is better", func() *results.Simulation {
			sim := withDiff(simFixture(2, 3, false), 1, "cost", -500, -700, -300)
			sim.KPIs = []results.KPI{fixtureKPIs()[6]}
			return sim
		}(), []string{"7-day wins on Cost", "-500 CNY"}},
		{"trade-off", func() *results.Simulation {
			sim := withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5)
			sim = withDiff(sim, 1, "new_customers", -300, -400, -200)
			sim.KPIs = []results.KPI{fixtureKPIs()[1], fixtureKPIs()[4]}
			return sim
		}(), []string{"7-day wins on Redemption rate (K2)", "on New customers, however, 30-day wins, by +300 users (95% CI +200 to +400 users), significant"}},
		{"a KPI no arm moves is skipped", func() *results.Simulation {
			sim := withDiff(simFixture(2, 3, false), 1, "claim_rate", 0, 0, 0)
			sim = withDiff(sim, 1, "redemption_rate", 4, 3, 5)
			sim.KPIs = []results.KPI{fixtureKPIs()[0], fixtureKPIs()[1]}
			return sim
		}(), []string{"7-day wins on Redemption rate (K2)", "which is significant"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := answer(tc.sim, kpiList(tc.sim))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer %q\nlacks %q", got, w)
				}
			}
			if strings.Count(got, ". ") > 0 || !strings.HasSuffix(got, ".") {
				t.Errorf("answer %q is not one sentence", got)
			}
		})
	}
}

func TestKPIsCSV(t *testing.T) {
	sim := reportFixture()
	var buf bytes.Buffer
	if err := WriteKPIsCSV(&buf, sim); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(sim.Arms)*len(sim.KPIs) {
		t.Fatalf("%d rows, want a header and one per arm and KPI", len(rows))
	}
	want := "arm,kpi,name,unit,mean,ci_low,ci_high,interval,sd,model_sd,noise_sd,n,diff_mean,diff_ci_low,diff_ci_high," +
		"ratio,ratio_low,ratio_high,significant,p,p_adjusted,adjustment"
	if got := strings.Join(rows[0], ","); got != want {
		t.Errorf("header %q\nwant   %q", got, want)
	}
	col := func(row []string, name string) string { return row[slices.Index(rows[0], name)] }
	if rows[4][0] != hostile {
		t.Errorf("row 4 arm %q, want the hostile name back intact", rows[4][0])
	}
	mean, err := strconv.ParseFloat(col(rows[1], "mean"), 64)
	if err != nil || mean != sim.Arms[0].KPIs[col(rows[1], "kpi")].Mean {
		t.Errorf("mean %q does not read back exactly (%v)", col(rows[1], "mean"), err)
	}
	if col(rows[1], "interval") != "confidence" || col(rows[1], "model_sd") != "" {
		t.Errorf("a run without an ensemble: interval %q, model_sd %q", col(rows[1], "interval"), col(rows[1], "model_sd"))
	}
	if col(rows[1], "diff_mean") != "" || col(rows[1], "adjustment") != "" || col(rows[4], "significant") == "" || col(rows[4], "adjustment") != "holm" {
		t.Error("want no difference for the baseline and one for the other arms")
	}
	d := sim.Arms[1].Diffs[col(rows[4], "kpi")]
	if p, err := strconv.ParseFloat(col(rows[4], "p_adjusted"), 64); err != nil || p != d.PAdjusted || col(rows[4], "significant") != strconv.FormatBool(d.Significant) {
		t.Errorf("adjusted p %q, significant %q; want %v, %v", col(rows[4], "p_adjusted"), col(rows[4], "significant"), d.PAdjusted, d.Significant)
	}
	if lo, err := strconv.ParseFloat(col(rows[4], "ratio_low"), 64); err != nil || lo != d.RatioLow {
		t.Errorf("ratio_low %q, want %v", col(rows[4], "ratio_low"), d.RatioLow)
	}
	// Results saved before the adjustment have no p-values to write, and
	// none before ratio intervals an interval for the ratio.
	legacy := withDiff(reportFixture(), 1, "redemption_rate", 4, 3, 5)
	buf.Reset()
	if err := WriteKPIsCSV(&buf, legacy); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",,,true,,,\n") {
		t.Errorf("a difference without an adjustment should leave ratio_low, ratio_high, p, p_adjusted and adjustment empty:\n%s", buf.String())
	}
	// An unbounded ratio and a run with an ensemble.
	ens := withRatio(reportFixture(), 4, 2.5, math.Inf(1))
	e := ens.Arms[1].KPIs["redemption_rate"]
	e.ModelSD, e.NoiseSD = 1.5, 2
	ens.Arms[1].KPIs["redemption_rate"] = e
	ens.EnsembleSets = 5
	buf.Reset()
	if err := WriteKPIsCSV(&buf, ens); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",prediction,") || !strings.Contains(buf.String(), ",1.5,2,20,") || !strings.Contains(buf.String(), ",4,2.5,+Inf,") {
		t.Errorf("want prediction intervals with their model and noise spread, and an unbounded ratio as +Inf:\n%s", buf.String())
	}
}

func TestTimeseriesCSV(t *testing.T) {
	sim := reportFixture()
	var buf bytes.Buffer
	if err := WriteTimeseriesCSV(&buf, sim); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(sim.Arms)*len(sim.Arms[0].Series); len(rows) != want {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
	if got := strings.Join(rows[0][:6], ","); got != "arm,day,date,exposed,exposed_ci_low,exposed_ci_high" {
		t.Errorf("header starts %q", got)
	}
}

func TestDecode(t *testing.T) {
	var sim, load bytes.Buffer
	if err := WriteJSON(&sim, reportFixture()); err != nil {
		t.Fatal(err)
	}
	l, err := twoHostLoad()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLoadJSON(&load, l); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       string
		sim, ld  bool
		errWant  string
		errIsUnk bool
	}{
		{"simulation", sim.String(), true, false, "", false},
		{"load", load.String(), false, true, "", false},
		{"not JSON", "name: x", false, false, "not a JSON object", true},
		{"no schema", `{"arms": []}`, false, false, `no "schema" field`, true},
		{"other schema", `{"schema": "vegeta/v1"}`, false, false, `schema "vegeta/v1" is neither`, true},
		{"no arms", `{"schema": "giftsim/results/v1", "arms": []}`, false, false, "no arms", false},
		{"bad field", `{"schema": "giftsim/load/v1", "seconds": 3}`, false, false, "giftsim/load/v1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Decode(strings.NewReader(tc.in))
			if tc.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWant) {
					t.Fatalf("got %v, want an error with %q", err, tc.errWant)
				}
				if errors.Is(err, ErrUnknownInput) != tc.errIsUnk {
					t.Errorf("errors.Is(ErrUnknownInput) = %v", !tc.errIsUnk)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (in.Simulation != nil) != tc.sim || (in.Load != nil) != tc.ld {
				t.Errorf("decoded %+v", in)
			}
		})
	}
	// A decoded simulation re-encodes to the same bytes.
	in, _ := Decode(bytes.NewReader(sim.Bytes()))
	var again bytes.Buffer
	if err := WriteJSON(&again, in.Simulation); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), sim.Bytes()) {
		t.Error("results.json does not round-trip")
	}
}

func TestWriteTextNamesAdjustment(t *testing.T) {
	sim := reportFixture()
	var buf bytes.Buffer
	if err := WriteText(&buf, sim); err != nil {
		t.Fatal(err)
	}
	n := sim.Arms[1].Diffs["redemption_rate"].Comparisons
	want := fmt.Sprintf("* = significant at 95%% after Holm's adjustment over %d comparisons; the intervals are each 95%%)", n)
	if !strings.Contains(buf.String(), want) {
		t.Errorf("the summary lacks %q:\n%s", want, buf.String())
	}
	// Results saved before the adjustment keep the old legend.
	for i := 1; i < len(sim.Arms); i++ {
		for id, d := range sim.Arms[i].Diffs {
			d.Adjustment, d.Comparisons = "", 0
			sim.Arms[i].Diffs[id] = d
		}
	}
	buf.Reset()
	if err := WriteText(&buf, sim); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "common random numbers; * = significant at 95%)") {
		t.Errorf("without an adjustment:\n%s", buf.String())
	}
}
