package reports

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"giftsim/results"
)

// horizonWarning is a warning as the simulator writes it.
const horizonWarning = `arm "30-day": 1,234 of 8,591 coupons (14.4%) were still valid when the 60d horizon ended; ` +
	`their redemption and float are not final — lengthen horizon to at least 95d (the last push ends at 65d, plus the 30d validity)`

func TestSimulationPageShowsWarnings(t *testing.T) {
	sim := reportFixture()
	sim.Warnings = []string{horizonWarning}
	var b bytes.Buffer
	if err := executePage(&b, "simulation", newSimPage(measurer(mustFont(t)), sim)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	box := `<p class="warning" role="note"><strong>Warning:</strong> ` + html.EscapeString(horizonWarning) + `</p>`
	at := strings.Index(page, box)
	if at < 0 {
		t.Fatalf("report.html lacks the warning box %q", box)
	}
	if answer := strings.Index(page, `<p class="answer">`); answer < at {
		t.Errorf("the warning box is not above the answer (box at %d, answer at %d)", at, answer)
	}

	sim.Warnings = nil
	b.Reset()
	if err := executePage(&b, "simulation", newSimPage(measurer(mustFont(t)), sim)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `class="warning"`) {
		t.Error("report.html has a warning box without warnings")
	}
}

func TestJSONKeepsWarnings(t *testing.T) {
	sim := reportFixture()
	sim.Warnings = []string{horizonWarning}
	var b bytes.Buffer
	if err := WriteJSON(&b, sim); err != nil {
		t.Fatal(err)
	}
	in, err := Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Simulation.Warnings; len(got) != 1 || got[0] != horizonWarning {
		t.Errorf("warnings read back as %q", got)
	}

	sim.Warnings = nil
	b.Reset()
	if err := WriteJSON(&b, sim); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `"warnings"`) {
		t.Error(`results.json has a "warnings" field without warnings`)
	}
}

// TestAnswerSaysWhetherRobust checks that the answer says whether the
// calibrated ensemble's parameter sets all agree on the difference.
func TestAnswerSaysWhetherRobust(t *testing.T) {
	sim := &results.Simulation{EnsembleSets: 5}
	d := results.Diff{Estimate: results.Estimate{Mean: 2, Low: 1, High: 3, N: 10}, Significant: true, Members: 5, Agree: 5}
	if got := sureness(sim, d); !strings.Contains(got, "robust: all 5") {
		t.Errorf("robust difference: %q", got)
	}
	d.Agree = 3
	if got := sureness(sim, d); !strings.Contains(got, "not robust: only 3 of the model's 5") {
		t.Errorf("fragile difference: %q", got)
	}
	d.Members = 0
	if got := sureness(&results.Simulation{}, d); strings.Contains(got, "robust:") || !strings.Contains(got, "untested") {
		t.Errorf("no ensemble, yet: %q", got)
	}
}

// TestModelShare checks the share of a prediction interval the model's
// uncertainty makes, and that a run without an ensemble shows none.
func TestModelShare(t *testing.T) {
	if s, ok := modelShare(results.Estimate{ModelSD: 3, NoiseSD: 4, N: 4}); !ok || s != 9.0/13 {
		t.Errorf("share %g, %v; want 9/13", s, ok)
	}
	if _, ok := modelShare(results.Estimate{SD: 2, N: 10}); ok {
		t.Error("a share without an ensemble")
	}
}
