package calibrate

import (
	"testing"

	"giftsim/scenarios"
	"giftsim/sim"
)

// skipFullSize skips a test that runs bundled examples at full size under
// -short or -race; .ci/run runs it without -race.
func skipFullSize(t *testing.T) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Skip("full-size runs; .ci/run runs this test without -race")
	}
}

// mustExample loads the bundled example name.
func mustExample(t *testing.T, name string) *sim.Experiment {
	t.Helper()
	exp, err := scenarios.LoadExample(name)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}
