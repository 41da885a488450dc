package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"giftsim/results"
)

// The tests of this file each pin a defect of issue 16 in the simulation
// report: an answer that did not lead to a decision, a page of 50 charts,
// a setup of 90 raw parameters, tables cut off at 1,366 px, axes of KPIs
// that are zero everywhere, float noise in the CSV files, and no way to
// share the report but as a directory.

// renderPage lays out sim's page, renders its figures' SVG and returns the
// page and its HTML.
func renderPage(t *testing.T, sim *results.Simulation) (*simPage, string) {
	t.Helper()
	font := mustFont(t)
	page := newSimPage(measurer(font), sim)
	for _, f := range page.figures() {
		if err := f.renderSVG(font); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := executePage(&b, "simulation", page); err != nil {
		t.Fatal(err)
	}
	return page, b.String()
}

// TestFirstScreenHoldsOneChart checks that the page opens on the question,
// the answer, the KPI cards and one chart, with everything else folded
// into closed sections in the order a reader asks: what changed, why, the
// full tables, the setup, the files.
func TestFirstScreenHoldsOneChart(t *testing.T) {
	for _, sim := range []*results.Simulation{pairFixture(), simFixture(7, 30, true), reportFixture()} {
		page, html := renderPage(t, sim)
		first, rest, ok := strings.Cut(html, `<details id="changed">`)
		if !ok {
			t.Fatal(`no folded "What changed" section`)
		}
		if n := strings.Count(first, "<figure"); n != 1 {
			t.Errorf("%d arms: %d charts before the folded sections, want the one that shows the trade-off", len(sim.Arms), n)
		}
		if page.Lead == nil || !strings.Contains(first, `id="fig-`+page.Lead.Name+`"`) {
			t.Errorf("%d arms: the lead chart is not on the first screen", len(sim.Arms))
		}
		if n := len(regexp.MustCompile(`class="card( tie)?"`).FindAllString(first, -1)); n < 3 || n > 5 {
			t.Errorf("%d arms: %d KPI cards, want 3 to 5", len(sim.Arms), n)
		}
		for _, w := range []string{`class="question"`, `class="answer"`} {
			if !strings.Contains(first, w) {
				t.Errorf("%d arms: the first screen lacks %s", len(sim.Arms), w)
			}
		}
		var order []int
		for _, id := range []string{"changed", "why", "tables", "setup", "files"} {
			at := strings.Index(html, `<details id="`+id+`"`)
			order = append(order, at)
			if at < 0 {
				t.Errorf("no section %q", id)
			}
		}
		if !slices.IsSorted(order) {
			t.Errorf("sections out of order: %v", order)
		}
		if regexp.MustCompile(`<details id="(changed|why|tables|setup)" open`).MatchString(rest) {
			t.Error("a section of details opens unfolded")
		}
		if strings.Contains(html, `class="scroll"`) {
			t.Error("a table of the simulation page sits in a sideways scroller")
		}
		if strings.Contains(html, "closest arm") {
			t.Error(`the page speaks of "the closest arm"`)
		}
	}
}

// TestKPITableFitsTwelveArms checks that the KPI table of twelve arms is
// cut into blocks of at most six arms, every KPI in each.
func TestKPITableFitsTwelveArms(t *testing.T) {
	sim := simFixture(12, 10, true)
	page, html := renderPage(t, sim)
	if len(page.Blocks) != 2 {
		t.Fatalf("%d blocks, want 2 of 6 arms", len(page.Blocks))
	}
	for _, b := range page.Blocks {
		if len(b.Arms) > maxTableArms || len(b.Rows) != len(kpiList(sim)) {
			t.Errorf("a block of %d arms and %d rows", len(b.Arms), len(b.Rows))
		}
	}
	if n := strings.Count(html, `<table class="fit kpis">`); n != 2 {
		t.Errorf("%d KPI tables in the page, want 2", n)
	}
}

// TestZeroKPIsGetNoChart checks that a KPI that is zero in every arm gets
// no chart (it used to get an axis from −1 to 1, later 0 to 1 with tenths
// of a send) and is named instead.
func TestZeroKPIsGetNoChart(t *testing.T) {
	sim := pairFixture()
	sim.KPIs = append(sim.KPIs, results.KPI{ID: "quota_refused", Name: "Refused by the daily quota (R11)", Unit: "sends"})
	for i := range sim.Arms {
		sim.Arms[i].KPIs["quota_refused"] = results.Estimate{N: 20}
	}
	sim.Arms[1].Diffs["quota_refused"] = results.Diff{Estimate: results.Estimate{N: 20}, P: 1, PAdjusted: 1}
	page, html := renderPage(t, sim)
	for _, f := range page.figures() {
		if strings.Contains(f.Name, "quota_refused") {
			t.Errorf("chart %s of a KPI that is zero in every arm", f.Name)
		}
	}
	if !strings.Contains(html, "Zero in every arm, so not charted: Refused by the daily quota (R11).") {
		t.Error("the page does not name the KPI that is zero in every arm")
	}
	for _, c := range page.Cards {
		if strings.Contains(c.KPI, "quota") {
			t.Error("a card for a KPI that is zero in every arm")
		}
	}
}

// TestSetupGrouped checks that the setup is grouped by section, empty
// values are dropped, numbers are rounded to four significant digits and
// carry the units their names imply.
func TestSetupGrouped(t *testing.T) {
	rows := []results.Setting{
		{Name: "start", Value: "2026-03-02T00:00:00+08:00"},
		{Name: "population.users", Value: "50000"},
		{Name: "population.existing_customers", Value: "0.3"},
		{Name: "population.graph.file", Value: ""},
		{Name: "coupon.face_value", Value: "20"},
		{Name: "coupon.sub_kinds", Value: "[]"},
		{Name: "campaign[0].sends_per_day", Value: "3000"},
		{Name: "behaviour.claim_rate", Value: "0.17910055682615952"},
		{Name: "behaviour.attention_hours", Value: "7.6091973325746185"},
		{Name: "behaviour.activity", Value: "[0.1, 0.05, 1.234567]"},
		{Name: "compliance.brand_label", Value: "this coupon is provided by BRAND"},
	}
	groups := groupSettings(English, rows)
	var names []string
	values := map[string]string{}
	for _, g := range groups {
		names = append(names, g.Name)
		for _, r := range g.Rows {
			values[g.Name+" "+r.Name] = r.Value
		}
		if g.Name == "Behavioural model" && g.Open {
			t.Error("the model's parameters start unfolded")
		}
	}
	want := []string{"Run", "Coupon", "Campaign", "Population and friend graph", "Behavioural model", "Compliance"}
	slices.Sort(want)
	got := slices.Clone(names)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("groups %q, want %q", names, want)
	}
	for k, v := range map[string]string{
		"Run start":                                      "2026-03-02T00:00:00+08:00",
		"Population and friend graph users":              "50,000",
		"Population and friend graph existing_customers": "30%",
		"Coupon face_value":                              "20 CNY",
		"Campaign [0].sends_per_day":                     "3000 per day",
		"Behavioural model claim_rate":                   "0.1791",
		"Behavioural model attention_hours":              "7.609 h",
		"Behavioural model activity":                     "[0.1, 0.05, 1.235]",
		"Compliance brand_label":                         "this coupon is provided by BRAND",
	} {
		if values[k] != v {
			t.Errorf("%s = %q, want %q", k, values[k], v)
		}
	}
	if _, ok := values["Population and friend graph graph.file"]; ok {
		t.Error("an empty setting is shown")
	}
}

// TestCSVCarriesNoFloatNoise checks that kpis.csv and timeseries.csv
// round numbers to what their intervals support, write a constant without
// float noise, and that the time series names each series' unit.
func TestCSVCarriesNoFloatNoise(t *testing.T) {
	sim := pairFixture()
	e := sim.Arms[0].KPIs["cost"]
	e.Mean, e.Low, e.High = 336.43940000000003, 336.43940000000003, 336.43940000000003
	sim.Arms[0].KPIs["cost"] = e
	var kpis, series bytes.Buffer
	if err := WriteKPIsCSV(&kpis, sim); err != nil {
		t.Fatal(err)
	}
	if err := WriteTimeseriesCSV(&series, sim); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kpis.String(), ",336.4394,336.4394,336.4394,") {
		t.Errorf("a constant is not written without its float noise:\n%s", kpis.String())
	}
	noise := regexp.MustCompile(`\d\.\d{9,}|\d{15,}`)
	for name, b := range map[string]string{"kpis.csv": kpis.String(), "timeseries.csv": series.String()} {
		if m := noise.FindString(b); m != "" {
			t.Errorf("%s carries a number with more digits than any interval supports: %s", name, m)
		}
	}
	rows, err := csv.NewReader(&series).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	for name, unit := range map[string]string{"claims": "claims", "redemptions": "coupons", "float": "%", "exposed": "users"} {
		i := slices.Index(head, name+"_unit")
		if i < 0 {
			t.Errorf("timeseries.csv has no %s_unit column", name)
			continue
		}
		if rows[1][i] != unit {
			t.Errorf("%s_unit is %q, want %q", name, rows[1][i], unit)
		}
		if j := slices.Index(head, name); j < 0 || j > i {
			t.Errorf("the %s column moved after its unit", name)
		}
	}
	if slices.Index(head, "dashboard_redemptions_ci_high") != 26 {
		t.Error("the existing columns of timeseries.csv moved")
	}
}

// TestEstimateText checks that the page rounds a number to what its
// interval supports.
func TestEstimateText(t *testing.T) {
	tests := []struct {
		mean, lo, hi float64
		unit         string
		diff         bool
		m, ci        string
	}{
		{45.003655620049194, 41.88522270016698, 48.161851268864424, "%", false, "45%", "42 to 48%"},
		{27.2132975402967, 25.32465343302278, 29.18773874513762, "%", false, "27.2%", "25.3 to 29.2%"},
		{-0.00246, -0.00407, -0.00085, "%", true, "-0.0025 pp", "-0.0041 to -0.0008 pp"},
		{-1450, -2203, -698, "CNY", true, "-1,500 CNY", "-2,200 to -700 CNY"},
		{2999.8, 2999.5551690206335, 3000.0448509630664, "users", false, "2,999.80 users", "2,999.56 to 3,000.04 users"},
		{1, 1, 1, "", false, "1.00", "1.00 to 1.00"},
	}
	for _, tc := range tests {
		m, ci := estimateText(tc.mean, tc.lo, tc.hi, tc.unit, tc.diff)
		if m != tc.m || ci != tc.ci {
			t.Errorf("estimateText(%v, %v, %v) = %q, %q; want %q, %q", tc.mean, tc.lo, tc.hi, m, ci, tc.m, tc.ci)
		}
	}
}

// TestPrintPDF prints a report to PDF with headless Chromium, and without
// one says plainly what is missing.
func TestPrintPDF(t *testing.T) {
	dir := writeSimTemp(t, pairFixture())
	t.Run("no browser", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if _, err := PrintPDF(context.Background(), dir); !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "chromium") {
			t.Errorf("err = %v, want ErrNoBrowser naming chromium", err)
		}
	})
	if chromium() == "" {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatalf("chromium is not installed and %s is set", requireBrowserEnv)
		}
		t.Skip("chromium is not installed")
	}
	if testing.Short() {
		t.Skip("printing takes seconds")
	}
	path, err := PrintPDF(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || bytes.Count(b, []byte("/Type /Page\n"))+bytes.Count(b, []byte("/Type /Page/")) < 0 {
		t.Errorf("%s is not a PDF", path)
	}
	if n := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(b, -1)); n < 2 {
		t.Errorf("%s has %d pages; with every section unfolded it should have several", path, n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".report-print-*"))
	if len(left) > 0 {
		t.Errorf("the print copy was left behind: %q", left)
	}
}

// TestDecideOnPartialResults checks that the first screen is worked out,
// without a panic, from results with holes: arms without a KPI, KPIs
// without a paired difference, an ensemble or none, any number of arms,
// sweeps or not.
func TestDecideOnPartialResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	for n := 1; n <= 6; n++ {
		for _, sweep := range []bool{false, true} {
			for trial := range 20 {
				sim := simFixture(n, 5, sweep)
				sim.Scenario.Question = []string{"", "Does 7-day beat 30-day on cost?", "Which validity balances redemption and new customers?"}[trial%3]
				for i := range sim.Arms {
					for _, k := range sim.KPIs {
						switch rng.IntN(6) {
						case 0:
							delete(sim.Arms[i].KPIs, k.ID)
							delete(sim.Arms[i].Diffs, k.ID)
						case 1:
							delete(sim.Arms[i].Diffs, k.ID)
						case 2:
							if d, ok := sim.Arms[i].Diffs[k.ID]; ok {
								d.Members, d.Agree = 5, rng.IntN(6)
								sim.Arms[i].Diffs[k.ID] = d
							}
						}
					}
				}
				dec := decide(sim, kpiList(sim))
				if !strings.HasSuffix(dec.Answer, ".") || strings.Contains(dec.Answer, "%!") {
					t.Errorf("%d arms, sweep %v: answer %q", n, sweep, dec.Answer)
				}
				if len(dec.Cards) > 5 {
					t.Errorf("%d cards", len(dec.Cards))
				}
			}
		}
	}
}
