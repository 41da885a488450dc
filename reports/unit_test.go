package reports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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

// TestAnswer checks the answer on the first screen: it follows the
// question (yes or no when the question is one about an arm), says which
// arm is better by how much with the 95% CI and how sure, calls ties ties,
// names the trade-off, never speaks of "the closest arm" for two arms, and
// is one or two sentences.
func TestAnswer(t *testing.T) {
	one := simFixture(1, 3, false)
	onlyK2 := func(sim *results.Simulation) *results.Simulation {
		sim.KPIs = []results.KPI{fixtureKPIs()[1]}
		return sim
	}
	// tradeOff is a comparison in which 7-day wins on redemption rate (K2)
	// and loses on new customers; question, if not "", replaces the
	// fixture's.
	tradeOff := func(question string) *results.Simulation {
		sim := withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5)
		sim = withDiff(sim, 1, "new_customers", -300, -400, -200)
		sim.KPIs = []results.KPI{fixtureKPIs()[1], fixtureKPIs()[4]}
		if question != "" {
			sim.Scenario.Question = question
		}
		return sim
	}
	// ensembleAgree is a K2 comparison 7-day wins, on which agree of the
	// model's 10 calibrated parameter sets agree.
	ensembleAgree := func(agree int) *results.Simulation {
		sim := onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5))
		sim.EnsembleSets = 10
		d := sim.Arms[1].Diffs["redemption_rate"]
		d.Members, d.Agree = 10, agree
		sim.Arms[1].Diffs["redemption_rate"] = d
		return sim
	}
	tests := []struct {
		name string
		sim  *results.Simulation
		want []string
		lack []string
	}{
		{"arm wins, significant", onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5)),
			[]string{"Yes: 7-day does better on redemption rate (K2)", "(4.0 pp higher, 95% CI 3.0 to 5.0 pp)", "untested"}, nil},
		{"a tie", onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 1, -1, 3)),
			[]string{"Not clearly: 30-day and 7-day tie on redemption rate (K2)", "its 95% CI includes zero"}, []string{"better", "wins"}},
		{"significant after Holm", onlyK2(withHolm(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 0.0001, 0.0008, 8)),
			[]string{"Yes: 7-day does better", "4.0 pp higher"}, nil},
		{"not significant after Holm is a tie", onlyK2(withHolm(withDiff(simFixture(2, 3, false), 1, "redemption_rate", 4, 3, 5), 0.012, 0.096, 8)),
			[]string{"tie on redemption rate (K2)", "it is not significant after Holm's adjustment over 8 comparisons (p = 0.0120 before it)"}, []string{"includes zero"}},
		{"baseline wins", onlyK2(withDiff(simFixture(2, 3, false), 1, "redemption_rate", -2, -3, -1)),
			[]string{"No: 30-day does better on redemption rate (K2)", "2.0 pp higher"}, []string{"closest"}},
		{"three arms, baseline wins", onlyK2(withDiff(simFixture(3, 3, false), 1, "redemption_rate", -2, -3, -1)),
			[]string{"The baseline 30-day is best on redemption rate (K2)", "the best of the others"}, nil},
		{"one arm", one, []string{"Only one arm ran (30-day)", "nothing to compare"}, nil},
		{"lower is better", func() *results.Simulation {
			sim := withDiff(simFixture(2, 3, false), 1, "cost", -500, -700, -300)
			sim.KPIs = []results.KPI{fixtureKPIs()[6]}
			return sim
		}(), []string{"7-day does better on cost", "500 CNY lower, 95% CI 300 to 700 CNY"}, nil},
		{"trade-off", tradeOff(""), []string{"7-day does better on redemption rate (K2)", "The trade-off: 30-day is better on new customers, by 300 users, 95% CI 200 to 400 users."}, nil},
		{"the question's KPI leads", tradeOff("Does 7-day win more new customers than 30-day?"), []string{"No: 30-day does better on new customers", "The trade-off: 7-day is better on redemption rate (K2)"}, nil},
		{"not robust", ensembleAgree(6), []string{"Probably: 7-day does better", "but not robustly: only 6 of the model's 10 calibrated parameter sets agree"}, nil},
		{"robust", ensembleAgree(10), []string{"Yes: 7-day does better", "robust: all 10 of the model's calibrated parameter sets agree"}, []string{"not robust"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := answer(tc.sim, kpiList(tc.sim))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer %q\nlacks %q", got, w)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(got, l) {
					t.Errorf("answer %q\nhas %q", got, l)
				}
			}
			if n := strings.Count(got, ". ") + 1; n > 2 || !strings.HasSuffix(got, ".") {
				t.Errorf("answer %q is not one or two sentences", got)
			}
		})
	}
}

// TestSweepAnswer checks that a sweep's answer is about the KPIs its
// question names, says where each is best, which levels trade one for
// another and which are beaten, and calls levels it cannot tell apart
// too close to call.
func TestSweepAnswer(t *testing.T) {
	sim := simFixture(6, 10, true)
	sim.Scenario.Question = "Which validity balances redemption, new customers and fund float?"
	got := answer(sim, kpiList(sim))
	for _, w := range []string{"Across validity 1d to 30d:", "redemption rate (K2) is highest at 1d", "new customers is highest at 30d",
		"fund float (K4) runs from", "No validity is best on redemption rate (K2) and new customers at once"} {
		if !strings.Contains(got, w) {
			t.Errorf("answer %q\nlacks %q", got, w)
		}
	}
	for _, l := range []string{"claim conversion", "cost", "closest"} {
		if strings.Contains(strings.ToLower(got), l) {
			t.Errorf("answer %q speaks of %q, which the question does not name", got, l)
		}
	}
	// Levels the results cannot tell apart are too close to call.
	tied := simFixture(4, 10, true)
	tied.Scenario.Question = "Which validity gives the most new customers?"
	for i := 1; i < 4; i++ {
		tied = withDiff(tied, i, "new_customers", 10, -50, 70)
	}
	if got := answer(tied, kpiList(tied)); !strings.Contains(got, "too close to call") {
		t.Errorf("tied levels: %q", got)
	}
}

// TestCards checks the first screen's KPI cards: three to five, the
// question's KPIs first, a tie shown as a tie, never a KPI that is zero in
// every arm.
func TestCards(t *testing.T) {
	sim := pairFixture()
	sim.Scenario.Question = "Does 7-day cost less than 30-day?"
	d := sim.Arms[1].Diffs["redemption_rate"]
	d.Significant = false
	sim.Arms[1].Diffs["redemption_rate"] = d
	for id, e := range map[string]results.Estimate{"inquiries": {}} {
		for i := range sim.Arms {
			sim.Arms[i].KPIs[id] = e
		}
	}
	dec := decide(sim, kpiList(sim))
	if n := len(dec.Cards); n < 3 || n > 5 {
		t.Fatalf("%d cards, want 3 to 5", n)
	}
	if dec.Cards[0].KPI != "Cost" {
		t.Errorf("the first card is %q, want the question's KPI, Cost", dec.Cards[0].KPI)
	}
	for _, c := range dec.Cards {
		if c.KPI == "CS inquiries" {
			t.Error("a card for a KPI that is zero in every arm")
		}
		if c.KPI == "Redemption rate (K2)" && (!c.Tie || !strings.HasPrefix(c.Main, "tie")) {
			t.Errorf("a difference that is not significant is not called a tie: %+v", c)
		}
		if c.KPI == "Cost" && !strings.Contains(c.Note, "not robust (7/10 sets)") {
			t.Errorf("cost's card does not say it is not robust: %+v", c)
		}
	}
}

func TestKPIsCSV(t *testing.T) {
	sim := reportFixture()
	rows := csvOf(t, sim, WriteKPIsCSV)
	if len(rows) != 1+len(sim.Arms)*len(sim.KPIs) {
		t.Fatalf("%d rows, want a header and one per arm and KPI", len(rows))
	}
	want := "arm,kpi,name,unit,mean,ci_low,ci_high,interval,sd,model_sd,noise_sd,n,diff_mean,diff_ci_low,diff_ci_high," +
		"ratio,ratio_low,ratio_high,significant,p,p_adjusted,adjustment,censored,diff_censored"
	if got := strings.Join(rows[0], ","); got != want {
		t.Errorf("header %q\nwant   %q", got, want)
	}
	col := func(row []string, name string) string { return row[slices.Index(rows[0], name)] }
	if rows[4][0] != hostile {
		t.Errorf("row 4 arm %q, want the hostile name back intact", rows[4][0])
	}
	// Numbers are rounded to what their interval supports: within a
	// thousandth of the interval's width of what was measured.
	near := func(what, got string, want, width float64) {
		t.Helper()
		v, err := strconv.ParseFloat(got, 64)
		if err != nil || math.Abs(v-want) > width/1000+1e-12 {
			t.Errorf("%s %q is not %v rounded to a thousandth of %v (%v)", what, got, want, width, err)
		}
	}
	e0 := sim.Arms[0].KPIs[col(rows[1], "kpi")]
	near("mean", col(rows[1], "mean"), e0.Mean, e0.High-e0.Low)
	if col(rows[1], "interval") != "confidence" || col(rows[1], "model_sd") != "" {
		t.Errorf("a run without an ensemble: interval %q, model_sd %q", col(rows[1], "interval"), col(rows[1], "model_sd"))
	}
	if col(rows[1], "diff_mean") != "" || col(rows[1], "adjustment") != "" || col(rows[4], "significant") == "" || col(rows[4], "adjustment") != "holm" {
		t.Error("want no difference for the baseline and one for the other arms")
	}
	d := sim.Arms[1].Diffs[col(rows[4], "kpi")]
	if p, err := strconv.ParseFloat(col(rows[4], "p_adjusted"), 64); err != nil || math.Abs(p-d.PAdjusted) > 0.005*d.PAdjusted || col(rows[4], "significant") != strconv.FormatBool(d.Significant) {
		t.Errorf("adjusted p %q, significant %q; want %v, %v", col(rows[4], "p_adjusted"), col(rows[4], "significant"), d.PAdjusted, d.Significant)
	}
	near("ratio_low", col(rows[4], "ratio_low"), d.RatioLow, d.RatioHigh-d.RatioLow)
	// Results saved before the adjustment have no p-values to write, and
	// none before ratio intervals an interval for the ratio.
	legacy := withDiff(reportFixture(), 1, "redemption_rate", 4, 3, 5)
	var buf bytes.Buffer
	if err := WriteKPIsCSV(&buf, legacy); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",,,true,,,,,\n") {
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
	rows := csvOf(t, sim, WriteTimeseriesCSV)
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

// csvOf writes sim with write and reads the CSV back.
func csvOf(t *testing.T, sim *results.Simulation, write func(io.Writer, *results.Simulation) error) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, sim); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
