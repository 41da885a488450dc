package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"giftsim/results"
)

// sensFixture is a sensitivity analysis of four levers, the last inert.
func sensFixture() *results.Sensitivity {
	est := func(m, h float64) results.Estimate { return results.Estimate{Mean: m, Low: m - h, High: m + h, N: 10} }
	diff := func(m, h float64) results.Diff {
		return results.Diff{Estimate: est(m, h), Members: 5, Agree: 5, Significant: m-h > 0 || m+h < 0}
	}
	lever := func(path, lo, hi, kind, verdict string, atLow, atHigh, half, mu, sigma, first, total float64) results.Lever {
		return results.Lever{Path: path, Low: lo, High: hi, Kind: kind, Verdict: verdict,
			OAT: &results.OAT{AtLow: est(atLow, 900), AtHigh: est(atHigh, 900), Effect: diff(atHigh-atLow, half)},
			Morris: &results.MorrisIndex{MuStar: mu, MuStarLow: mu * 0.8, MuStarHigh: mu * 1.2, Mu: -mu, Sigma: sigma,
				SigmaLow: sigma * 0.6, SigmaHigh: sigma * 1.3, Effects: 10},
			Sobol: &results.SobolIndex{First: first, FirstLow: first - 0.04, FirstHigh: first + 0.05,
				Total: total, TotalLow: total - total/4, TotalHigh: total + total/4 + 0.01}}
	}
	s := &results.Sensitivity{
		Schema: results.SensitivitySchema, Seed: 23, Replications: 10, EnsembleSets: 5,
		Scenario:  results.Scenario{Name: "sensitivity-catering", Question: "Which levers move incremental profit?", Start: "2026-03-02T00:00:00+08:00", Horizon: "60d", Days: 60},
		Objective: results.KPI{ID: "incremental_profit", Name: "Incremental profit", Unit: "CNY", Better: "higher"},
		Base:      est(-31961, 5900), Methods: []string{"oat", "morris", "sobol"},
		Morris: &results.MorrisDesign{Trajectories: 10, Levels: 4, Points: 40, Bootstrap: 1000},
		Sobol: &results.SobolDesign{Samples: 64, Sequence: "scrambled Halton (Owen 2017), A and B the two halves of one 2k-dimensional sequence",
			Estimator: "Saltelli (2010), Jansen (1999)", Points: 352, Bootstrap: 1000, Variance: 1.6e8, NoiseShare: 0.012, NoiseKnown: true},
		Runs: 4010,
		Levers: []results.Lever{
			lever("coupon.face_value", "10", "40", "integer", results.VerdictMatters, -27824, -69427, 2482, 40923, 8947, 0.91, 0.95),
			lever("campaign[0].push_at", "10:00", "20:00", "time", results.VerdictMatters, -32777, -31719, 1403, 5421, 3612, 0.01, 0.04),
			lever("coupon.validity", "3d", "30d", "duration", results.VerdictMatters, -34342, -33404, 675, 6772, 6928, -0.01, 0.03),
			lever("merchant.tier", "certified", "filed", "category", results.VerdictNotMatters, -31961, -31961, 0, 0, 0, 0, 0),
		},
	}
	for i := range s.Levers {
		s.Levers[i].Rank = i + 1
	}
	return s
}

// writeSensFixture writes the fixture's report into a temporary directory.
func writeSensFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteSensitivity(context.Background(), dir, sensFixture()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSensitivityAnswer(t *testing.T) {
	s := sensFixture()
	got := SensitivityAnswer(s)
	want := "coupon.face_value matters most (its total Sobol index is 0.95, 95% interval 0.71 to 1.20: that share of the variance over the levers' ranges involves it; " +
		"10 → 40 changes it by -41,603 CNY, 95% CI -44,085 to -39,121 CNY); merchant.tier does not matter: its effect's interval includes zero."
	if got != want {
		t.Errorf("answer\n%s\nwant\n%s", got, want)
	}
	noSobol := sensFixture()
	for i := range noSobol.Levers {
		noSobol.Levers[i].Sobol = nil
	}
	if got := SensitivityAnswer(noSobol); !strings.HasPrefix(got, "coupon.face_value matters most (10 → 40 changes it by -41,603 CNY") {
		t.Errorf("answer without Sobol: %s", got)
	}
	s.Levers[2].Verdict = results.VerdictNotMatters
	if got := SensitivityAnswer(s); !strings.Contains(got, "coupon.validity and merchant.tier do not matter: their effects' intervals include zero") {
		t.Errorf("answer with two: %s", got)
	}
	for i := range s.Levers {
		s.Levers[i].Verdict = results.VerdictNotMatters
	}
	if got := SensitivityAnswer(s); !strings.HasPrefix(got, "No lever moves") {
		t.Errorf("answer with none: %s", got)
	}
}

// TestSensitivityFiles writes the report and checks its files: the page
// answer-first, the CSV one row per lever in rank order, the JSON the
// whole analysis back.
func TestSensitivityFiles(t *testing.T) {
	dir := writeSensFixture(t)
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	a, tor, tab := bytes.Index(page, []byte(`class="answer"`)), bytes.Index(page, []byte(`id="fig-tornado"`)), bytes.Index(page, []byte("<td class=\"num\">1</td>"))
	if a < 0 || tor < a || tab < tor {
		t.Errorf("the page is not answer, tornado, table in order: %d %d %d", a, tor, tab)
	}
	for _, f := range []string{"charts/tornado.svg", "charts/tornado.png", "charts/morris.svg", "charts/morris.png", "charts/sobol.svg", "charts/sobol.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "sensitivity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[1][1] != "coupon.face_value" || rows[4][1] != "merchant.tier" || rows[4][5] != "does not matter" {
		t.Errorf("csv rows: %q", rows)
	}
	if h, r := rows[0], rows[1]; len(h) != len(r) || h[len(h)-3] != "sobol_total" || r[len(r)-3] != "0.95" || r[len(r)-6] != "0.91" {
		t.Errorf("csv Sobol columns: %q / %q", h, r)
	}
	if s, i := bytes.Index(page, []byte(`id="fig-sobol"`)), bytes.Index(page, []byte("S<sub>T</sub> (95%)")); s < 0 || i < 0 {
		t.Errorf("the page lacks the Sobol chart (%d) or the table's S_T column (%d)", s, i)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sensitivity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back results.Sensitivity
	if err := json.Unmarshal(data, &back); err != nil || back.Schema != results.SensitivitySchema || len(back.Levers) != 4 ||
		back.Sobol == nil || back.Sobol.Samples != 64 || back.Levers[0].Sobol == nil || back.Levers[0].Sobol.Total != 0.95 {
		t.Errorf("json: %v, %+v", err, back)
	}
	var text bytes.Buffer
	if err := WriteSensitivityText(&text, sensFixture()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "matters most") || !strings.Contains(text.String(), "4     merchant.tier") ||
		!strings.Contains(text.String(), "0.95 [0.71 to 1.20]") || !strings.Contains(text.String(), "simulation noise is 1.2% of the variance") {
		t.Errorf("text summary:\n%s", text.String())
	}
	t.Logf("text summary:\n%s", text.String())
}
