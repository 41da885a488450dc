package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"giftsim/results"
)

// optFixture is an optimisation of two levers: the best, one runner-up,
// one candidate raced out, one infeasible; with two set, a second
// objective and a Pareto front instead of a best.
func optFixture(two bool) *results.Optimization {
	est := func(m, h float64) results.Estimate { return results.Estimate{Mean: m, Low: m - h, High: m + h, N: 10} }
	cand := func(id int, face, validity string, obj, obj2, cost float64, fate, feas string) results.OptCandidate {
		c := results.OptCandidate{ID: id, Reps: 10, Fate: fate, Stage: "race 1", Feasibility: feas,
			Settings:    []results.Setting{{Name: "coupon.face_value", Value: face}, {Name: "coupon.validity", Value: validity}},
			Objectives:  []results.Estimate{est(obj, 120)},
			Constraints: []results.OptConstraint{{Text: "cost <= 20000", Value: est(cost, 900), Status: feas}}}
		if two {
			c.Objectives = append(c.Objectives, est(obj2, 15))
		}
		return c
	}
	r := &results.Optimization{
		Schema: results.OptimizationSchema, Seed: 41, Users: 20000, EnsembleSets: 5,
		Scenario:    results.Scenario{Name: "optimize-retail-budget", Question: "Which coupon makes the most profit within budget?", Start: "2026-03-02T00:00:00+08:00", Horizon: "45d", Days: 45},
		Objectives:  []results.OptObjective{{Sense: "maximize", Expr: "incremental_profit", Unit: "CNY"}},
		Constraints: []string{"cost <= 20000"},
		Levers: []results.OptLever{{Path: "coupon.face_value", Kind: "integer", Low: "5", High: "30", Base: "15"},
			{Path: "coupon.validity", Kind: "duration", Low: "3d", High: "21d", Base: "10d"}},
		Method: results.OptMethod{Design: "Latin hypercube", Candidates: 4, Screen: 4, Survivors: 8, Selection: "Kim–Nelson fully sequential (KN), fresh replications",
			FirstStage: 10, Alpha: 0.05, Delta: 95, DeltaFrom: "1% of the leading survivor's mean objective", Guarantee: "KN selects the best with probability at least 95% when it is δ better"},
		Evaluations: 250, Budget: 3000,
		Rounds: []results.OptRound{{Stage: "screen", Reps: 4, Alive: 4}, {Stage: "race 1", Reps: 4, Alive: 2, Note: "2 dropped"}, {Stage: "select (KN)", Reps: 30, Alive: 2}},
	}
	r.Candidates = []results.OptCandidate{
		cand(1, "21", "10d", 9560, 310, 15000, results.FateBest, results.Feasible),
		cand(2, "18", "12d", 9490, 330, 14000, results.FateRunnerUp, results.Feasible),
		cand(3, "8", "3d", 4000, 120, 5000, results.FateWorse, results.Feasible),
		cand(4, "30", "21d", 11000, 360, 26000, results.FateBroken, results.Infeasible),
	}
	vs := est(-70, 90)
	r.Candidates[1].VsBest = &vs
	if two {
		r.Objectives = append(r.Objectives, results.OptObjective{Sense: "maximize", Expr: "new_customers", Unit: "users"})
		r.Candidates[0].Fate, r.Candidates[1].Fate = results.FateFront, results.FateFront
		r.Front = []results.OptCandidate{r.Candidates[0], r.Candidates[1]}
		r.Method.Selection = "Pareto front of the survivors (no single best)"
		return r
	}
	r.Best = &r.Candidates[0]
	r.RunnersUp = []results.OptCandidate{r.Candidates[1]}
	return r
}

// writeOptFixture writes the report of a fixture and returns its directory.
func writeOptFixture(t *testing.T, two bool) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteOptimization(context.Background(), dir, optFixture(two)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestOptimizationFiles writes both reports and checks their files: the
// page, the charts, a CSV row per candidate and JSON that reads back.
func TestOptimizationFiles(t *testing.T) {
	for _, two := range []bool{false, true} {
		t.Run(fmt.Sprint("two objectives ", two), func(t *testing.T) {
			dir := writeOptFixture(t, two)
			files := []string{"report.html", "optimize.csv", "optimize.json", "charts/candidates.svg", "charts/candidates.png"}
			if two {
				files = append(files, "charts/pareto.svg", "charts/pareto.png")
			}
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
			page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
			if !bytes.Contains(page, []byte("<title>Optimisation: optimize-retail-budget")) || !bytes.Contains(page, []byte(OptimizationAnswer(optFixture(two))[:12])) {
				t.Error("the page lacks its title or answer")
			}
			f, _ := os.Open(filepath.Join(dir, "optimize.csv"))
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil || len(rows) != 5 || rows[0][1] != "coupon.face_value" {
				t.Errorf("CSV: %v, %d rows, header %v", err, len(rows), rows[0])
			}
			data, _ := os.ReadFile(filepath.Join(dir, "optimize.json"))
			var back results.Optimization
			if err := json.Unmarshal(data, &back); err != nil || back.Schema != results.OptimizationSchema || len(back.Candidates) != 4 {
				t.Errorf("JSON: %v", err)
			}
		})
	}
}

// TestOptimizationGolden compares the text output and the charts with
// testdata/golden; -update rewrites them.
func TestOptimizationGolden(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, two := range []bool{false, true} {
		var text bytes.Buffer
		if err := WriteOptimizationText(&text, optFixture(two)); err != nil {
			t.Fatal(err)
		}
		name := "optimize.txt"
		if two {
			name = "optimize-pareto.txt"
		}
		got[name] = text.Bytes()
	}
	mc := measurer(font)
	page := newOptPage(mc, optFixture(true), English)
	for _, f := range page.figures() {
		if err := f.renderSVG(font); err != nil {
			t.Fatal(err)
		}
		checkSVG(t, f.svg, f.Title)
		got["opt-"+f.Name+".svg"] = f.svg
	}
	for name, data := range got {
		golden(t, name, data)
	}
	if !strings.Contains(string(got["optimize.txt"]), "1 runner-up cannot be told apart") {
		t.Errorf("text:\n%s", got["optimize.txt"])
	}
}

// TestSensOptTextZh compares the Chinese terminal text of a sensitivity
// analysis and of both optimisations with testdata/golden; -update
// rewrites them. English must not change: the English text of the same
// fixtures is a golden too.
func TestSensOptTextZh(t *testing.T) {
	got := map[string][]byte{}
	for _, lg := range []Lang{English, Chinese} {
		var b bytes.Buffer
		if err := WriteSensitivityText(&b, sensFixture(), WithLang(lg)); err != nil {
			t.Fatal(err)
		}
		got["sensitivity-"+string(lg)+".txt"] = b.Bytes()
	}
	for _, two := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteOptimizationText(&b, optFixture(two), WithLang(Chinese)); err != nil {
			t.Fatal(err)
		}
		name := "optimize-zh.txt"
		if two {
			name = "optimize-pareto-zh.txt"
		}
		got[name] = b.Bytes()
	}
	for name, data := range got {
		golden(t, name, data)
	}
	for _, name := range []string{"sensitivity-zh.txt", "optimize-zh.txt", "optimize-pareto-zh.txt"} {
		for _, en := range []string{"matters most", "Best strategy", "runner-up", "replications", "CNY", " to "} {
			if strings.Contains(string(got[name]), en) {
				t.Errorf("%s still has English %q:\n%s", name, en, got[name])
			}
		}
	}
}
