package reports

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
)

// TestSweepNumericAxis checks that a sweep over durations such as 1h30m and
// 1d12h, which the text alone does not place, gets a numeric axis in days
// from the numbers the results carry, and that results saved before there
// were numbers still chart as before.
func TestSweepNumericAxis(t *testing.T) {
	s, err := scenarios.Parse("reminder.yaml", []byte(`name: reminder
coupon: {validity: 7d}
campaign: [{channel: official-account, sends_per_day: 100}]
sweep: {coupon.reminder: [1h30m, 12h, 1d12h]}
`))
	if err != nil {
		t.Fatal(err)
	}
	exp := s.Experiment()
	sim := simFixture(3, 30, true)
	sim.Sweep, sim.SweepUnits = exp.Sweep, exp.SweepUnits
	for i := range sim.Arms {
		sim.Arms[i].SweepValues, sim.Arms[i].SweepNumbers = exp.Arms[i].SweepValues, exp.Arms[i].SweepNumbers
	}
	if !slices.Equal(sim.SweepUnits, []string{results.UnitSeconds}) || !slices.Equal(sim.Arms[2].SweepNumbers, []float64{36 * 3600}) {
		t.Fatalf("units %v, numbers %v", sim.SweepUnits, sim.Arms[2].SweepNumbers)
	}
	// The results JSON carries the numbers beside the text.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(sim); err != nil {
		t.Fatal(err)
	}
	var back results.Simulation
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !slices.Equal(back.Arms[0].SweepNumbers, []float64{5400}) || back.Arms[0].SweepValues[0] != "1h30m" {
		t.Fatalf("JSON round trip: %v %+v", err, back.Arms[0])
	}
	sa := newSweepAxis(&back)
	if sa.Cats != nil || sa.Label != "coupon.reminder (days)" || !slices.Equal(sa.X, []float64{0.0625, 0.5, 1.5}) {
		t.Fatalf("axis = %+v, want days 0.0625, 0.5, 1.5", sa)
	}
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	f := sweepKPIFigure(measurer(font), &back, sa, kpiList(&back)[1], "sweep")
	if err := f.renderSVG(font); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(f.svg, []byte("coupon.reminder (days)")) || bytes.Contains(f.svg, []byte(">1h30m<")) {
		t.Error("the chart has no numeric axis in days")
	}

	// Without the numbers, 1h30m is not a number: the old category axis.
	back.SweepUnits = nil
	if sa := newSweepAxis(&back); sa.Cats == nil {
		t.Errorf("text-only 1h30m read as a number: %+v", sa)
	}
	// Results saved before there were numbers still place 7d, 14d… in days.
	old := simFixture(5, 30, true)
	if sa := newSweepAxis(old); sa.Cats != nil || sa.Label != "coupon.validity (days)" {
		t.Errorf("old results: axis %+v", sa)
	}
}

// TestSweepUnitsOfKinds checks the unit each kind of swept field carries.
func TestSweepUnitsOfKinds(t *testing.T) {
	s, err := scenarios.Parse("kinds.yaml", []byte(`name: kinds
campaign: [{channel: official-account, sends_per_day: 100}]
sweep:
  campaign[0].push_at: ["09:30", "19:00"]
  coupon.face_value: [10, 20]
`))
	if err != nil {
		t.Fatal(err)
	}
	exp := s.Experiment()
	if !slices.Equal(exp.SweepUnits, []string{results.UnitMinuteOfDay, results.UnitCNY}) || !slices.Equal(exp.Arms[3].SweepNumbers, []float64{19 * 60, 20}) {
		t.Fatalf("units %v, numbers %v", exp.SweepUnits, exp.Arms[3].SweepNumbers)
	}
	s, err = scenarios.Parse("label.yaml", []byte("name: label\nsweep: {coupon.label: [none, limited-24h]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if exp := s.Experiment(); !slices.Equal(exp.SweepUnits, []string{""}) {
		t.Errorf("a choice has units %q", exp.SweepUnits)
	}
}
